//! Value-parsing throughput over every 指标值 of the real disclosure, on one core.
//!
//! Run with `cargo bench --bench values`. Prints values per second; the target is at least
//! one million per second in a release build (docs/performance.md).

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let doc =
        kpilint::ingest::read_path(Path::new("tests/corpus/000_cb0bcf906edd3817.txt")).document;
    let values: Vec<kpilint::model::Text> = doc
        .forms
        .iter()
        .flat_map(|f| &f.indicators)
        .flat_map(|r| r.halves())
        .flatten()
        .filter_map(|h| h.value.value.clone())
        .collect();
    let bytes: usize = values.iter().map(|v| v.len()).sum();
    // Warm up, then run for a fixed time and take the best of several rounds.
    for v in &values {
        std::hint::black_box(kpilint::value::parse(v));
    }
    let mut best = f64::MAX;
    let mut rounds = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) || rounds < 5 {
        let t = Instant::now();
        for v in &values {
            std::hint::black_box(kpilint::value::parse(std::hint::black_box(v)));
        }
        best = best.min(t.elapsed().as_secs_f64());
        rounds += 1;
    }
    let per_sec = values.len() as f64 / best;
    println!(
        "values: {} ({} bytes); best of {rounds} rounds: {:.2} ms; {:.0} values/s; {:.1} MB/s",
        values.len(),
        bytes,
        best * 1e3,
        per_sec,
        bytes as f64 / best / 1e6
    );
}
