//! JSON-RPC over stdio, framed with `Content-Length` headers.
//!
//! lsp-server's own reader stops at the first malformed message; an editor must not lose its
//! server over one bad frame, so this reader answers a message that is not JSON-RPC with a
//! parse error (id null, as JSON-RPC says) and goes on with the next one.

use lsp_server::Message;
use std::io::{BufRead, Read, Write};
use std::sync::{Arc, Mutex};

/// Frames larger than this are refused and skipped: no editor sends a 256 MB document.
const MAX_FRAME: usize = 256 * 1024 * 1024;

fn write_frame(out: &Mutex<std::io::Stdout>, body: &[u8]) -> std::io::Result<()> {
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

fn parse_error(out: &Mutex<std::io::Stdout>, message: &str) {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32700, "message": message},
    });
    let _ = write_frame(out, body.to_string().as_bytes());
}

/// Starts the reader and writer threads; returns the connection and a join handle.
pub fn stdio() -> (lsp_server::Connection, Vec<std::thread::JoinHandle<()>>) {
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let out = stdout.clone();
    let writer = std::thread::spawn(move || {
        for msg in from_server {
            let Ok(body) = serde_json::to_vec(&msg) else {
                continue;
            };
            if write_frame(&out, &body).is_err() {
                break;
            }
        }
    });
    let reader = std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            let mut length: Option<usize> = None;
            let mut header = String::new();
            loop {
                header.clear();
                match input.read_line(&mut header) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let line = header.trim_end();
                if line.is_empty() {
                    if length.is_some() {
                        break;
                    }
                    continue;
                }
                if let Some(v) = line
                    .strip_prefix("Content-Length:")
                    .or_else(|| line.strip_prefix("content-length:"))
                {
                    length = v.trim().parse().ok();
                    if length.is_none() {
                        parse_error(&stdout, "Content-Length 不是数字");
                    }
                }
            }
            let Some(length) = length else { continue };
            if length > MAX_FRAME {
                parse_error(&stdout, "消息过大");
                let _ = std::io::copy(&mut (&mut input).take(length as u64), &mut std::io::sink());
                continue;
            }
            let mut body = vec![0; length];
            if input.read_exact(&mut body).is_err() {
                return;
            }
            match serde_json::from_slice::<Message>(&body) {
                Ok(msg) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if to_server.send(msg).is_err() || exit {
                        return;
                    }
                }
                Err(e) => parse_error(&stdout, &format!("不是有效的 JSON-RPC 消息：{e}")),
            }
        }
    });
    (
        lsp_server::Connection {
            sender: to_client,
            receiver: from_client,
        },
        vec![reader, writer],
    )
}
