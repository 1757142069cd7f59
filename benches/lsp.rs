//! Latency of `kpilint lsp`: from an edit of the full disclosure to its diagnostics, release
//! build, the real binary over stdio. Target: within 50 ms (docs/performance.md).
//!
//! With `LSP_BENCH_SESSION=N`, it then types N more characters, each a different digit on a
//! different line (so that each edit makes forms the server has not seen), and prints the
//! server's resident memory as it goes: an editor's server runs all day, and what it keeps
//! between edits (the findings of each form, the memos of values and verdicts) must stay
//! bounded however many edits come.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let exe = std::env::var("KPILINT").unwrap_or_else(|_| "target/release/kpilint".into());
    let mut child = Command::new(&exe)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("kpilint lsp");
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut send = |v: Value| {
        let b = v.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{}", b.len(), b).unwrap();
        stdin.flush().unwrap();
    };
    let mut recv = move || -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        out.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    let uri = "file:///bench/forms.txt";
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    recv();
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let text = std::fs::read_to_string("tests/corpus/000_cb0bcf906edd3817.txt").unwrap();
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}}}),
    );
    while recv()["method"] != "textDocument/publishDiagnostics" {}
    let mut times = Vec::new();
    for version in 2..=21 {
        // Type one character into a value cell (line 926, `12.5元/人` → `12.5元/人x`), then take it back.
        let (character, text) = if version % 2 == 0 {
            (27, "x")
        } else {
            (27, "")
        };
        let end = if version % 2 == 0 { 27 } else { 28 };
        let t = Instant::now();
        send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": 925, "character": character}, "end": {"line": 925, "character": end}}, "text": text}]}}),
        );
        loop {
            let m = recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
            {
                break;
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let session: u32 = std::env::var("LSP_BENCH_SESSION")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if session > 0 {
        let lines = text.lines().count() as u32;
        // A fixed sequence: each run of the bench types the same edits.
        let mut seed: u32 = 1;
        let mut next = |below: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) % below
        };
        for i in 1..=session {
            let version = 21 + i;
            // Into the forms (the budget tables end before line 900), at a line's start.
            let line = 900 + next(lines.saturating_sub(910).max(1));
            let digit = next(10).to_string();
            send(
                json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": digit}]}}),
            );
            loop {
                let m = recv();
                if m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["version"] == version
                {
                    break;
                }
            }
            if i % (session / 10).max(1) == 0 || i == session {
                println!(
                    "after {i} edits of the session: {}",
                    memory(child.id()).unwrap_or_else(|| "memory not known here".into())
                );
            }
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "edit → diagnostics on the full disclosure (224 forms): median {:.1} ms, best {:.1} ms, worst {:.1} ms ({} edits)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    let _ = child.wait();
}

/// The resident memory of process `pid` and its peak, from Linux's `/proc`; `None` elsewhere.
fn memory(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(format!(
        "{:.1} MB resident, {:.1} MB at most",
        kb("VmRSS:")? as f64 / 1024.0,
        kb("VmHWM:")? as f64 / 1024.0
    ))
}
