//! `kpilint lsp` as an editor sees it: the real binary, spoken to in JSON-RPC over stdio.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CORPUS: &str = "tests/corpus/000_cb0bcf906edd3817.txt";

struct Client {
    child: Child,
    stdin: ChildStdin,
    inbox: mpsc::Receiver<Value>,
    /// Messages received while waiting for another one; messages are never dropped.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        Client::start_in(None)
    }

    fn start_in(root: Option<&std::path::Path>) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kpilint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, inbox) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            inbox,
            backlog: Vec::new(),
            next_id: 1,
        };
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": root.map(|r| format!("file://{}", r.display())), "capabilities": {}}),
        );
        assert!(
            init["result"]["capabilities"]["hoverProvider"] == true,
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, v: Value) {
        self.raw(&v.to_string());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id)
    }

    fn wait(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        loop {
            let m = self
                .inbox
                .recv_timeout(Duration::from_secs(30))
                .expect("the server answers");
            if want(&m) {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// The next diagnostics published for this version of the document.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r["error"].is_null(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exits cleanly after shutdown and exit");
    }
}

const URI: &str = "file:///tmp/kpilint-test/forms.txt";

#[test]
fn open_fix_hover_symbols_and_shut_down() {
    let text = std::fs::read_to_string(CORPUS).unwrap();
    let mut c = Client::start();
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": text}}));
    let diags = c.diagnostics(URI, 1);
    assert!(diags.len() > 500, "{} diagnostics", diags.len());
    assert!(diags.iter().all(|d| d["source"] == "kpilint"));
    // The reversed unit on line 8398: the range covers exactly `人/元` (columns in UTF-16).
    let v001 = diags
        .iter()
        .find(|d| d["code"] == "V001" && d["range"]["start"]["line"] == 8397)
        .unwrap();
    let line = text.lines().nth(8397).unwrap();
    let start = v001["range"]["start"]["character"].as_u64().unwrap() as usize;
    let end = v001["range"]["end"]["character"].as_u64().unwrap() as usize;
    let units: Vec<u16> = line.encode_utf16().collect();
    assert_eq!(String::from_utf16(&units[start..end]).unwrap(), "人/元");
    assert_eq!(v001["severity"], 1);
    assert!(v001["relatedInformation"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    assert!(v001["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("V001"));

    // A safe fix as a quick fix: `95元/生.年` on line 1063.
    let v013 = diags
        .iter()
        .find(|d| d["code"] == "V013" && d["range"]["start"]["line"] == 1062)
        .unwrap()
        .clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": v013["range"], "context": {"diagnostics": [v013]}}),
    );
    let action = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("V013"))
        .unwrap()
        .clone();
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "元/生/年");
    // Apply it as an editor would, incrementally, and see the finding go.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    let after = c.diagnostics(URI, 2);
    let on_line = |ds: &[Value], code: &str| {
        ds.iter()
            .filter(|d| d["code"] == code && d["range"]["start"]["line"] == 1062)
            .count()
    };
    assert_eq!(on_line(&after, "V013"), on_line(&diags, "V013") - 1);
    assert_eq!(after.len(), diags.len() - 1);

    // Hover on a value shows what it parsed to; on a funds total, the sum of the sources.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": v001["range"]["start"]}),
    );
    let md = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(md.contains("invalid") && md.contains("单位颠倒"), "{md}");
    let total_line = text.lines().nth(908).unwrap();
    let col = total_line[..total_line.find("400").unwrap()]
        .encode_utf16()
        .count();
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": {"line": 908, "character": col}}),
    );
    let md = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("实施期资金总额") && md.contains("各来源之和：400"),
        "{md}"
    );

    // Document symbols: the forms by name.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    let symbols = symbols["result"].as_array().unwrap();
    assert_eq!(symbols.len(), 224);
    assert_eq!(symbols[1]["name"], "省级党员教育培训经费");
    c.shutdown();
}

/// A buffer whose lines end in a lone CR (Excel for Mac's tab-delimited text): the editor
/// counts each CR as a line break, so findings and edits are on the lines it shows.
#[test]
fn lines_ended_by_cr_alone_are_lines() {
    let text = std::fs::read_to_string(CORPUS).unwrap().replace('\n', "\r");
    let mut c = Client::start();
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": text}}));
    let diags = c.diagnostics(URI, 1);
    assert!(diags.len() > 500, "{} diagnostics", diags.len());
    let v013_on_1063 = |ds: &[Value]| {
        ds.iter()
            .filter(|d| d["code"] == "V013" && d["range"]["start"]["line"] == 1062)
            .count()
    };
    let before = v013_on_1063(&diags);
    assert!(before > 0);
    // `95元/生.年` on line 1063 corrected by an incremental edit at the editor's position,
    // then a line typed (as CR) before it: the finding goes, and nothing else moves but by
    // that line.
    let line = text.split('\r').nth(1062).unwrap();
    let at = line[..line.find("元/生.年").unwrap()]
        .encode_utf16()
        .count();
    let end = at + "元/生.年".encode_utf16().count();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 1062, "character": at}, "end": {"line": 1062, "character": end}}, "text": "元/生/年"},
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "新的一行\r"}
        ]}),
    );
    let after = c.diagnostics(URI, 2);
    assert_eq!(after.len(), diags.len() - 1);
    let moved = |ds: &[Value], code: &str, line: u64| {
        ds.iter()
            .filter(|d| d["code"] == code && d["range"]["start"]["line"] == line)
            .count()
    };
    assert_eq!(moved(&after, "V013", 1063), before - 1);
    assert!(moved(&diags, "V001", 8397) > 0);
    assert_eq!(moved(&after, "V001", 8398), moved(&diags, "V001", 8397));
    c.shutdown();
}

#[test]
fn bad_input_is_answered_not_fatal() {
    let mut c = Client::start();
    c.raw("{this is not json");
    let err = c.wait(|m| m["error"]["code"] == -32700);
    assert!(err["id"].is_null());
    let unknown = c.request("textDocument/frobnicate", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    c.notify("$/unknownNotification", json!({}));
    // A burst of edits: the last one wins, and the server still answers.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": ""}}),
    );
    for v in 2..=60 {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": v}, "contentChanges": [{"text": format!("项目支出绩效目标表\n项目名称\t第{v}版\n")}]}),
        );
    }
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(symbols["result"][0]["name"], "第60版");
    c.shutdown();
}

#[test]
fn a_rule_pack_open_in_the_editor_shows_its_errors_and_relints_forms() {
    let mut c = Client::start();
    let form = std::fs::read_to_string(CORPUS)
        .unwrap()
        .lines()
        .skip(901)
        .take(31)
        .collect::<Vec<_>>()
        .join("\n");
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": form}}));
    let before = c.diagnostics(URI, 1);
    assert!(!before.iter().any(|d| d["code"] == "B001"));
    let pack_uri = "file:///tmp/kpilint-test/rules/bureau.yaml";
    let bad = "name: bureau\ntitle: 本局\nrules:\n  - code: B001\n    name: name-required\n    severity: error\n    summary: s\n    rationale: r\n    over: form\n    assert: form.nmae != null\n    message: m\n    help: h\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": pack_uri, "languageId": "yaml", "version": 1, "text": bad}}),
    );
    let pack_diags = c.diagnostics(pack_uri, 1);
    assert_eq!(pack_diags[0]["code"], "R003");
    assert_eq!(
        pack_diags[0]["range"]["start"]["line"], 9,
        "on the `assert:` line"
    );
    let good = bad.replace("form.nmae != null", "form.name == null");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": pack_uri, "version": 2}, "contentChanges": [{"text": good}]}),
    );
    assert!(c.diagnostics(pack_uri, 2).is_empty());
    // The form is linted again with the pack's rule (an earlier re-lint, under the broken
    // pack, may come first).
    let with_rule = c.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == URI
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "B001"))
    });
    assert_eq!(with_rule["params"]["version"], 1);
    c.shutdown();
}

/// The workspace's kpilint.toml is honoured, and read again when it changes on disk (editors
/// send nothing for a file the server is not attached to); one that cannot be used is said in
/// the editor's window rather than passed over, and the forms are checked without it.
#[test]
fn the_workspace_kpilint_toml_is_honoured_read_again_and_a_broken_one_said() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("kpilint.toml");
    std::fs::write(&toml, "ignore = [\"V\"]\n").unwrap();
    let mut c = Client::start_in(Some(dir.path()));
    let form = std::fs::read_to_string(CORPUS)
        .unwrap()
        .lines()
        .skip(8374)
        .take(33)
        .collect::<Vec<_>>()
        .join("\n");
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": form}}));
    let codes = |diags: Vec<Value>| -> Vec<String> {
        diags
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        codes(c.diagnostics(URI, 1)),
        ["F007"],
        "V001 is ignored by the workspace's kpilint.toml"
    );
    let edit = |c: &mut Client, version: i64| {
        c.notify("textDocument/didChange", json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": form}]}));
    };

    // The warning shown in the editor's window: its text, having checked it says `words`.
    let said = |c: &mut Client, words: &str| -> String {
        let m = c.wait(|m| m["method"] == "window/showMessage");
        assert_eq!(m["params"]["type"], 2, "a warning");
        let message = m["params"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(words), "{message}");
        message
    };

    std::fs::write(&toml, "ignore = [\"V\"\nselect = \n").unwrap();
    edit(&mut c, 2);
    let message = said(&mut c, "kpilint.toml 有误，表格按默认设置检查");
    assert!(message.contains(toml.to_str().unwrap()), "{message}");
    assert!(
        codes(c.diagnostics(URI, 2)).contains(&"V001".to_owned()),
        "the defaults: V001 is no longer ignored"
    );

    std::fs::write(&toml, "ignore = [\"F\"]\nrules = [\"没有这个包.yaml\"]\n").unwrap();
    edit(&mut c, 3);
    said(&mut c, "没有这个包.yaml 无法读取，已略过");
    let now = codes(c.diagnostics(URI, 3));
    assert!(
        now.contains(&"V001".to_owned()) && !now.contains(&"F007".to_owned()),
        "{now:?}"
    );

    // A misspelt code, which `check` refuses: said, and the forms checked as if there were
    // no file (a typo in `ignore` must not leave the user thinking V001 is ignored).
    std::fs::write(&toml, "ignore = [\"V0O1\"]\n").unwrap();
    edit(&mut c, 4);
    let message = said(&mut c, "未知的规则代码“V0O1”");
    assert!(message.contains(toml.to_str().unwrap()), "{message}");
    let now = codes(c.diagnostics(URI, 4));
    assert!(
        now.contains(&"V001".to_owned()) && now.contains(&"F007".to_owned()),
        "{now:?}"
    );

    // A finding the file accepts is gone from the editor as from `check`'s report; the
    // other suppression matches nothing and is not the editor's to report.
    std::fs::write(
        &toml,
        "[[suppress]]\ncode = \"V001\"\nform = \"艺校2025年学生资助（中职）（第一批）-助学金（中央）\"\ncell = \"人/元\"\nreason = \"已核实\"\n\n\
         [[suppress]]\ncode = \"F007\"\nform = \"别的项目\"\nreason = \"别的\"\n",
    )
    .unwrap();
    edit(&mut c, 5);
    assert_eq!(codes(c.diagnostics(URI, 5)), ["F007"]);
    c.shutdown();
}

#[test]
fn a_huge_document_is_linted() {
    let one = std::fs::read_to_string(CORPUS).unwrap();
    let huge = one.repeat(5);
    let mut c = Client::start();
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1, "text": huge}}));
    let diags = c.diagnostics(URI, 1);
    assert!(diags.len() > 5 * 1000, "{}", diags.len());
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(symbols["result"].as_array().unwrap().len(), 5 * 224);
    c.shutdown();
}

/// Opens `path` in a new server and hovers where `at` says on the first line containing
/// `row`: the hover's markdown.
fn hover_in(path: &str, row: &str, at: impl Fn(&str) -> usize) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let uri = format!("file:///tmp/{}", path.replace('/', "_"));
    let mut c = Client::start();
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}}));
    c.diagnostics(&uri, 1);
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(row))
        .unwrap();
    let col = line[..at(line)].encode_utf16().count();
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": n, "character": col}}),
    );
    c.shutdown();
    hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Hover shows a value as the rules read it: where the form prints the comparator and the
/// unit in columns of their own (指标性质, 计量单位), the bare `35` is `≥35公里`, not a number
/// without a unit.
#[test]
fn hover_reads_a_value_with_its_comparator_and_unit_columns() {
    let md = hover_in(
        "tests/fixtures/other_issuer_single_period.txt",
        "养护里程",
        |line| line.find("\t35\t").unwrap() + 1,
    );
    assert!(md.starts_with("**指标值** `35`"), "{md}");
    assert!(
        md.contains("（连同指标性质列、计量单位列读作 `≥35公里`）"),
        "{md}"
    );
    assert!(
        md.contains("类型：quantity") && md.contains("单位：公里") && md.contains("比较符号：≥"),
        "{md}"
    );
}

/// Where the name states the unit (`执行率（%）`) and the cell is a bare number, hover reads
/// the number with that unit, and says where the unit came from.
#[test]
fn hover_reads_a_value_with_the_unit_its_name_states() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit_in_name.txt");
    let text = std::fs::read_to_string("tests/fixtures/ministry_template_project.txt")
        .unwrap()
        .replace("补助标准执行率\t100%", "补助标准执行率（%）\t≥98");
    assert!(text.contains("（%）\t≥98"));
    std::fs::write(&path, text).unwrap();
    let md = hover_in(path.to_str().unwrap(), "执行率", |line| {
        line.find("≥98").unwrap()
    });
    assert!(
        md.starts_with("**指标值** `≥98`（连同名称写明的单位读作 `≥98%`）"),
        "{md}"
    );
    assert!(md.contains("类型：percent"), "{md}");
}

/// Hover on an amount speaks the unit the form prints: on a task's 总额 of the Ministry's
/// department template (万元), the task's sources and their sum; on 金额合计, the year's funds.
#[test]
fn hover_on_a_task_total_adds_up_its_sources_in_the_forms_unit() {
    let path = "tests/fixtures/ministry_template_department.txt";
    let first_digit = |line: &str| line.find(|c: char| c.is_ascii_digit()).unwrap();
    let md = hover_in(path, "\t学生资助", first_digit);
    assert!(md.starts_with("**任务“学生资助”总额** 860 万元"), "{md}");
    assert!(md.contains("财政拨款与其他资金之和：860 万元"), "{md}");
    assert!(md.contains("财政拨款 860、其他资金 0"), "{md}");
    let md = hover_in(path, "金额合计", first_digit);
    assert!(md.starts_with("**年度资金总额** 4060 万元"), "{md}");
}
