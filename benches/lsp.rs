//! Latency of `kpilint lsp`: from an edit of the full disclosure to its diagnostics, release
//! build, the real binary over stdio. Target: within 50 ms (docs/performance.md).

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
