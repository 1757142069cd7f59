//! `kpilint lsp`: the language server, synchronous, over stdio.
//!
//! The only module that knows the Language Server Protocol. It keeps the open documents,
//! lints them with the same pipeline as `kpilint check` (`lint::Linter`), and answers hover,
//! code actions (safe fixes) and document symbols. Edits that arrive together are applied
//! together and linted once (that is the debounce). Rule packs open in the editor join the
//! rules, and their own load errors are published on them.

mod convert;
mod transport;

use crate::cli::config;
use crate::diagnostics::{quoted, Severity};
use crate::ingest;
use crate::lint::{Linted, Linter, RuleCache};
use crate::model::{Source, Span};
use crate::rules::RuleSet;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, Diagnostic as LspDiagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, DocumentSymbol, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, NumberOrString, PublishDiagnosticsParams, SymbolKind,
    TextEdit, Uri, WorkspaceEdit,
};
use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

/// How long to wait for more edits before linting: edits typed in a burst are linted once.
const DEBOUNCE: Duration = Duration::from_millis(5);

struct Open {
    /// The editor's text, but for lines ended by a lone CR, which are kept as LF (one byte for
    /// one): the editor counts such a CR as a line break, and positions must agree.
    text: String,
    /// Whether the text's lines ended in a lone CR when it was opened or last replaced whole:
    /// line breaks typed into it come as CR and are kept as LF.
    cr_line_ends: bool,
    version: i32,
    /// The last lint of this text, if it is a form file.
    linted: Option<Linted>,
    /// Rule findings per form, so an edit re-runs the rules on the edited form only.
    cache: crate::lint::RuleCache,
}

struct Server {
    root: Option<std::path::PathBuf>,
    docs: HashMap<String, Open>,
    linter: Linter,
    docs_url: String,
    /// The kpilint.toml the linter was built with, and its text: read again before each batch
    /// of messages, so that a saved change takes effect without the editor telling the server
    /// (most clients send nothing for a file whose type the server is not attached to).
    config: Option<(std::path::PathBuf, String)>,
    /// What went wrong with kpilint.toml when the linter was last built, if anything: said to
    /// the user once ([`Server::notice`]) rather than the file being passed over in silence.
    config_problem: Option<String>,
    /// A message for the user's window, sent after the batch that made it.
    notice: Option<String>,
}

fn is_pack(uri: &str, text: &str) -> bool {
    (uri.ends_with(".yaml") || uri.ends_with(".yml"))
        && text.lines().any(|l| l.starts_with("rules:"))
}

/// `file:///a/%E8%A1%A8.txt` → `/a/表.txt`.
fn uri_path(uri: &str) -> String {
    let raw = uri.strip_prefix("file://").unwrap_or(uri);
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Server {
    fn new(root: Option<std::path::PathBuf>, docs_url: String) -> Self {
        let mut s = Server {
            root,
            docs: HashMap::new(),
            linter: Linter::new(RuleSet::builtin(), Default::default()),
            docs_url,
            config: None,
            config_problem: None,
            notice: None,
        };
        s.rebuild_linter();
        s
    }

    /// kpilint.toml as it is on disk now: where it is found from the workspace's root, and
    /// its text (empty for a file that cannot be read, whose loading then fails and
    /// [`Server::rebuild_linter`] says why).
    fn config_now(&self) -> Option<(std::path::PathBuf, String)> {
        let path = self.root.as_deref().and_then(config::find)?;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        Some((path, text))
    }

    /// Whether kpilint.toml was created, removed or changed since the linter was built.
    fn config_changed(&self) -> bool {
        self.config_now() != self.config
    }

    /// The rules `cfg` and the open packs add to the built-in packs; a pack `cfg` names that
    /// cannot be read is left out and said in `problems`.
    fn rules(&self, cfg: &config::Config, problems: &mut Vec<String>) -> RuleSet {
        let mut rules = RuleSet::builtin();
        let open: BTreeSet<String> = self
            .docs
            .keys()
            .filter(|u| is_pack(u, &self.docs[*u].text))
            .cloned()
            .collect();
        for rel in &cfg.rules {
            let path = cfg.dir.join(rel);
            let uri_like = format!("file://{}", path.display());
            if open
                .iter()
                .any(|u| uri_path(u) == path.display().to_string())
                || open.contains(&uri_like)
            {
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => rules.add(&path.display().to_string(), &text),
                Err(e) => problems.push(format!(
                    "kpilint.toml 列出的规则包 {} 无法读取，已略过：{e}",
                    path.display()
                )),
            }
        }
        for uri in &open {
            rules.add(uri, &self.docs[uri].text);
        }
        rules
    }

    /// Rules: the built-in packs, the packs kpilint.toml names, and the packs open in the
    /// editor (their text as it is being edited). If loading them panics (a bug in kpilint),
    /// the forms are checked with the built-in packs alone, whose loading the tests cover, and
    /// the open pack that caused it shows the internal error when it is published.
    ///
    /// A kpilint.toml that cannot be read or holds a mistake is not used, as before, but the
    /// user is told so once (`window/showMessage`), with the file and what is wrong, instead
    /// of finding rules they turned off back on with no word why.
    fn rebuild_linter(&mut self) {
        self.config = self.config_now();
        let mut problems = Vec::new();
        let cfg = match &self.config {
            None => config::Config::default(),
            Some((path, _)) => config::load(path).unwrap_or_else(|e| {
                problems.push(format!("kpilint.toml 有误，表格按默认设置检查：{e}"));
                config::Config::default()
            }),
        };
        let rules =
            caught(|| self.rules(&cfg, &mut problems)).unwrap_or_else(|_| RuleSet::builtin());
        // A bad setting, an unknown code or parameter makes `check` refuse the file; here the
        // forms are checked as if there were none, with no suppression of it either.
        let settings =
            cfg.settings(&[], &[], &[]).and_then(|s| {
                match crate::lint::settings_problem(&rules, &s) {
                    Some(problem) => Err(problem),
                    None => Ok(s),
                }
            });
        let (settings, suppressions) = match settings {
            Ok(s) => (s, cfg.suppress),
            Err(e) => {
                let file = cfg
                    .path
                    .as_deref()
                    .unwrap_or(std::path::Path::new(config::FILE_NAME));
                problems.push(format!(
                    "kpilint.toml 有误，表格按默认设置检查：{}：{e}",
                    file.display()
                ));
                Default::default()
            }
        };
        self.linter = Linter::new(rules, settings);
        self.linter.suppressions = suppressions;
        let problem = (!problems.is_empty()).then(|| problems.join("；"));
        if problem.is_some() && problem != self.config_problem {
            self.notice.clone_from(&problem);
        }
        self.config_problem = problem;
    }

    fn lint(&mut self, uri: &str) -> Option<PublishDiagnosticsParams> {
        let open = self.docs.get_mut(uri)?;
        let lsp_uri = Uri::from_str(uri).ok()?;
        if is_pack(uri, &open.text) {
            let diagnostics = pack_diagnostics(
                uri,
                &open.text,
                &lsp_uri,
                &self.docs_url,
                crate::rules::pack::load,
            );
            return Some(PublishDiagnosticsParams::new(
                lsp_uri,
                diagnostics,
                Some(open.version),
            ));
        }
        let path = uri_path(uri);
        // Reading is inside the net as it is for the CLI (`lint::guarded`): it is the stage that
        // meets whatever the editor holds.
        let mut linted = lint_guarded(&path, &mut open.cache, |cache| {
            let ing = ingest::read_buffer(&path, open.text.clone());
            self.linter.lint_cached(ing, cache)
        });
        // Whether a suppression matched is `check`'s to say (U001): it sees every file.
        let list = &self.linter.suppressions;
        crate::lint::suppress(list, &mut vec![false; list.len()], &mut linted.report);
        let doc = &linted.report.document;
        let diagnostics = linted
            .report
            .diagnostics
            .iter()
            .map(|d| to_lsp(doc, &d, &lsp_uri, &self.docs_url))
            .collect();
        open.linted = Some(linted);
        Some(PublishDiagnosticsParams::new(
            lsp_uri,
            diagnostics,
            Some(open.version),
        ))
    }
}

/// Runs one stage on what the editor holds. A panic there (a bug in kpilint) must cost one
/// document its findings, not end the server and every open document's findings with it.
fn caught<T>(stage: impl FnOnce() -> T) -> Result<T, Box<dyn std::any::Any + Send>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(stage))
}

/// `lint` under the net: after a panic the document's one finding says so, and its rule cache,
/// which the panic may have left half-filled, is emptied.
fn lint_guarded(
    path: &str,
    cache: &mut RuleCache,
    lint: impl FnOnce(&mut RuleCache) -> Linted,
) -> Linted {
    caught(|| lint(cache)).unwrap_or_else(|panic| {
        *cache = RuleCache::default();
        crate::lint::internal_error(path, &*panic)
    })
}

/// A rule pack's own problems (as `load` finds them) at their place in the YAML; a panic while
/// loading it is its one finding.
fn pack_diagnostics(
    uri: &str,
    text: &str,
    lsp_uri: &Uri,
    docs_url: &str,
    load: impl FnOnce(&str, &str) -> Result<crate::rules::pack::Pack, crate::rules::pack::LoadErrors>,
) -> Vec<LspDiagnostic> {
    let (doc, diags) = match caught(|| load(uri, text)) {
        Ok(Ok(_)) => return Vec::new(),
        Ok(Err(e)) => *e,
        Err(panic) => {
            let failed = crate::lint::internal_error(&uri_path(uri), &*panic).report;
            let diags = failed.diagnostics.iter().map(|d| d.into_owned()).collect();
            (failed.document, diags)
        }
    };
    diags
        .iter()
        .map(|d| to_lsp(&doc, d, lsp_uri, docs_url))
        .collect()
}

fn to_lsp(
    doc: &crate::model::Document,
    d: &crate::diagnostics::Diagnostic,
    uri: &Uri,
    docs_url: &str,
) -> LspDiagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), convert::range(doc, l.span)),
            message: l.message.to_string(),
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(h) = d.help() {
        message.push_str("\n修改建议：");
        message.push_str(h);
    }
    LspDiagnostic {
        range: convert::range(doc, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: Uri::from_str(&format!("{docs_url}{}", d.code))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("kpilint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

pub fn run() -> ExitCode {
    let (connection, threads) = transport::stdio();
    let code = match serve(&connection) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kpilint lsp: {e}");
            ExitCode::from(1)
        }
    };
    drop(connection);
    for t in threads {
        let _ = t.join();
    }
    code
}

fn serve(connection: &Connection) -> Result<(), String> {
    let caps = serde_json::json!({
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "documentSymbolProvider": true,
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let init: lsp_types::InitializeParams = match serde_json::from_value(params) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kpilint lsp: initialize 参数无法解析（{e}），按默认处理");
            Default::default()
        }
    };
    #[allow(deprecated)]
    let root = init
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.as_str().to_owned())
        .or_else(|| init.root_uri.as_ref().map(|u| u.as_str().to_owned()))
        .map(|u| std::path::PathBuf::from(uri_path(&u)));
    let docs_url = init
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("docsUrl"))
        .and_then(|v| v.as_str())
        .unwrap_or("https://crates.io/crates/kpilint#")
        .to_owned();
    connection
        .initialize_finish(
            id,
            serde_json::json!({"capabilities": caps, "serverInfo": {"name": "kpilint", "version": env!("CARGO_PKG_VERSION")}}),
        )
        .map_err(|e| e.to_string())?;
    let mut server = Server::new(root, docs_url);
    if let Some(message) = server.notice.take() {
        show_message(connection, message);
    }
    let mut shutting_down = false;
    loop {
        let Ok(first) = connection.receiver.recv() else {
            return if shutting_down {
                Ok(())
            } else {
                Err("客户端断开了连接".into())
            };
        };
        let mut batch = vec![first];
        while let Ok(m) = connection.receiver.recv_timeout(DEBOUNCE) {
            batch.push(m);
            if batch.len() >= 10_000 {
                break;
            }
        }
        let cancelled: BTreeSet<RequestId> = batch
            .iter()
            .filter_map(|m| match m {
                Message::Notification(n) if n.method == "$/cancelRequest" => n
                    .params
                    .get("id")
                    .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok()),
                _ => None,
            })
            .collect();
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        let mut packs_changed = false;
        for msg in batch {
            match msg {
                Message::Request(req) if req.method == "shutdown" => {
                    shutting_down = true;
                    let _ = connection.sender.send(Response::new_ok(req.id, ()).into());
                }
                Message::Request(req) if shutting_down => {
                    let resp = Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "服务器正在关闭".into(),
                    );
                    let _ = connection.sender.send(resp.into());
                }
                Message::Notification(n) if n.method == "exit" => {
                    return if shutting_down {
                        Ok(())
                    } else {
                        Err("exit 之前没有 shutdown".into())
                    };
                }
                Message::Request(req) => {
                    if cancelled.contains(&req.id) {
                        let resp = Response::new_err(
                            req.id,
                            ErrorCode::RequestCanceled as i32,
                            "已取消".into(),
                        );
                        let _ = connection.sender.send(resp.into());
                        continue;
                    }
                    // Requests see every edit that came before them.
                    for uri in std::mem::take(&mut dirty) {
                        publish(connection, &mut server, &uri);
                    }
                    let id = req.id.clone();
                    let resp = answer(id, || handle_request(&server, req));
                    let _ = connection.sender.send(resp.into());
                }
                Message::Notification(n) => {
                    if let Some((uri, pack)) = handle_notification(&mut server, n) {
                        packs_changed |= pack;
                        dirty.insert(uri);
                    }
                }
                Message::Response(_) => {}
            }
        }
        if packs_changed || server.config_changed() {
            server.rebuild_linter();
            for open in server.docs.values_mut() {
                open.cache = Default::default();
            }
            // Every open form is linted again under the changed rules.
            dirty.extend(server.docs.keys().cloned());
        }
        for uri in dirty {
            publish(connection, &mut server, &uri);
        }
        if let Some(message) = server.notice.take() {
            show_message(connection, message);
        }
    }
}

/// A warning in the editor's window: for what is wrong with the workspace, not with a file.
fn show_message(connection: &Connection, message: String) {
    let n = Notification::new(
        lsp_types::notification::ShowMessage::METHOD.into(),
        lsp_types::ShowMessageParams {
            typ: lsp_types::MessageType::WARNING,
            message,
        },
    );
    let _ = connection.sender.send(n.into());
}

fn publish(connection: &Connection, server: &mut Server, uri: &str) {
    if let Some(params) = server.lint(uri) {
        let n = Notification::new(
            lsp_types::notification::PublishDiagnostics::METHOD.into(),
            params,
        );
        let _ = connection.sender.send(n.into());
    }
}

/// Applies a notification; returns the document it changed and whether that is a rule pack.
fn handle_notification(server: &mut Server, n: Notification) -> Option<(String, bool)> {
    use lsp_types::notification::{
        DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    };
    match n.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let p: lsp_types::DidOpenTextDocumentParams = serde_json::from_value(n.params).ok()?;
            let uri = p.text_document.uri.as_str().to_owned();
            let pack = is_pack(&uri, &p.text_document.text);
            let mut text = p.text_document.text;
            let cr_line_ends = crate::ingest::lone_cr_as_lf(&mut text);
            server.docs.insert(
                uri.clone(),
                Open {
                    text,
                    cr_line_ends,
                    version: p.text_document.version,
                    linted: None,
                    cache: Default::default(),
                },
            );
            Some((uri, pack))
        }
        DidChangeTextDocument::METHOD => {
            let p: lsp_types::DidChangeTextDocumentParams =
                serde_json::from_value(n.params).ok()?;
            let uri = p.text_document.uri.as_str().to_owned();
            let open = server.docs.get_mut(&uri)?;
            for mut change in p.content_changes {
                match change.range {
                    Some(r) => {
                        let index = crate::model::LineIndex::new(&open.text);
                        let a = convert::offset(&open.text, &index, r.start);
                        let b = convert::offset(&open.text, &index, r.end).max(a);
                        if open.cr_line_ends {
                            change.text = change.text.replace('\r', "\n");
                        }
                        open.text.replace_range(a..b, &change.text);
                    }
                    None => {
                        open.cr_line_ends = crate::ingest::lone_cr_as_lf(&mut change.text);
                        open.text = change.text;
                    }
                }
            }
            open.version = p.text_document.version;
            let pack = is_pack(&uri, &open.text);
            Some((uri, pack))
        }
        DidSaveTextDocument::METHOD => {
            let p: lsp_types::DidSaveTextDocumentParams = serde_json::from_value(n.params).ok()?;
            let uri = p.text_document.uri.as_str().to_owned();
            server.docs.contains_key(&uri).then(|| {
                let pack = is_pack(&uri, &server.docs[&uri].text);
                (uri, pack)
            })
        }
        DidCloseTextDocument::METHOD => {
            let p: lsp_types::DidCloseTextDocumentParams = serde_json::from_value(n.params).ok()?;
            let uri = p.text_document.uri.as_str().to_owned();
            let was_pack = server
                .docs
                .remove(&uri)
                .is_some_and(|o| is_pack(&uri, &o.text));
            if was_pack {
                server.rebuild_linter();
            }
            None
        }
        // Unknown notifications are ignored, as the protocol says.
        _ => None,
    }
}

/// The answer to request `id`; a panic while making it (a bug in kpilint) answers
/// `InternalError`, and the server goes on: answering reads the open documents and changes
/// nothing (`handle_request` borrows the server shared).
fn answer(id: RequestId, make: impl FnOnce() -> Response) -> Response {
    caught(make).unwrap_or_else(|panic| {
        Response::new_err(
            id,
            ErrorCode::InternalError as i32,
            format!(
                "kpilint 处理请求时出错（内部错误）：{}",
                crate::lint::panic_message(&*panic)
            ),
        )
    })
}

fn handle_request(server: &Server, req: Request) -> Response {
    use lsp_types::request::{CodeActionRequest, DocumentSymbolRequest, HoverRequest};
    let id = req.id.clone();
    let bad = |id: RequestId, e: serde_json::Error| {
        Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string())
    };
    match req.method.as_str() {
        HoverRequest::METHOD => {
            match serde_json::from_value::<lsp_types::HoverParams>(req.params) {
                Ok(p) => Response::new_ok(id, hover(server, &p)),
                Err(e) => bad(id, e),
            }
        }
        CodeActionRequest::METHOD => {
            match serde_json::from_value::<lsp_types::CodeActionParams>(req.params) {
                Ok(p) => Response::new_ok(id, code_actions(server, &p)),
                Err(e) => bad(id, e),
            }
        }
        DocumentSymbolRequest::METHOD => {
            match serde_json::from_value::<lsp_types::DocumentSymbolParams>(req.params) {
                Ok(p) => Response::new_ok(id, symbols(server, &p)),
                Err(e) => bad(id, e),
            }
        }
        other => Response::new_err(
            id,
            ErrorCode::MethodNotFound as i32,
            format!("不支持的方法：{other}"),
        ),
    }
}

fn linted<'s>(server: &'s Server, uri: &Uri) -> Option<&'s Linted> {
    server.docs.get(uri.as_str())?.linted.as_ref()
}

fn hover(server: &Server, p: &lsp_types::HoverParams) -> Option<Hover> {
    let uri = &p.text_document_position_params.text_document.uri;
    let l = linted(server, uri)?;
    let doc = &l.report.document;
    let at = convert::offset(
        &doc.text,
        &doc.line_index,
        p.text_document_position_params.position,
    );
    let inside = |s: Span| s.start() <= at && at < s.end().max(s.start() + 1);
    for form in &doc.forms {
        if !(form.span.start() <= at && at <= form.span.end()) {
            continue;
        }
        for row in &form.indicators {
            for h in row.halves().into_iter().flatten() {
                let Some(text) = h.value.get() else { continue };
                if !inside(h.value.span) {
                    continue;
                }
                // As the rules read it: with the comparator and unit columns beside the cell.
                let (v, written) = crate::rules::eval::typed_value(h, text);
                let j = crate::output::value::json(&v);
                let mut md = format!("**指标值** `{}`", quoted(text));
                if let Some(w) = &written {
                    use crate::rules::eval::{read_with, UnitFrom};
                    let read = read_with(h, w, text);
                    let mut with = Vec::new();
                    if read.cmp.is_some() {
                        with.push("指标性质列");
                    }
                    match read.unit {
                        Some(UnitFrom::Column(_)) => with.push("计量单位列"),
                        Some(UnitFrom::Name(_)) => with.push("名称写明的单位"),
                        None => {}
                    }
                    md.push_str(&format!("（连同{}读作 `{}`）", with.join("、"), quoted(w)));
                }
                md.push_str(&format!("\n\n- 类型：{}", v.kind.name()));
                for (k, label) in [
                    ("cmp", "比较符号"),
                    ("amount", "数值"),
                    ("unit", "单位"),
                    ("error", "问题"),
                ] {
                    if let Some(x) = j.get(k).and_then(|x| x.as_str()) {
                        md.push_str(&format!("\n- {label}：{x}"));
                    }
                }
                if let Some(l2) = h.level2.get() {
                    md.push_str(&format!("\n- 二级指标：{l2}"));
                    if let crate::value::Fit::Expected(e) = crate::value::fits(l2, &v) {
                        md.push_str(&format!("（应为{e}）"));
                    }
                }
                return Some(markdown(md, doc, h.value.span));
            }
        }
        // Amounts in the unit the form prints them in (the model keeps 元).
        let unit = form.money_unit;
        let amount = |c: &crate::model::Cell<rust_decimal::Decimal>| {
            c.value.map_or("（空）".into(), |v| {
                crate::rules::eval::format_number(v / unit.scale())
            })
        };
        let sources = |cells: &[(&str, &crate::model::Cell<rust_decimal::Decimal>)]| {
            let parts: Vec<String> = cells
                .iter()
                .map(|(n, c)| format!("{n} {}", amount(c)))
                .collect();
            let sum: rust_decimal::Decimal = cells.iter().filter_map(|(_, c)| c.value).sum();
            let sum = crate::rules::eval::format_number(sum / unit.scale());
            (sum, parts.join("、"))
        };
        for (label, funds) in [
            ("实施期", &form.funds_implementation),
            ("年度", &form.funds_annual),
        ] {
            if !inside(funds.total.span) {
                continue;
            }
            let cells: Vec<_> = funds
                .sources()
                .filter(|(s, c)| Source::SHOWN.contains(s) || c.value.is_some())
                .map(|(s, c)| (s.label(), c))
                .collect();
            let (sum, parts) = sources(&cells);
            let (total, u) = (amount(&funds.total), unit.label());
            let md = format!("**{label}资金总额** {total} {u}\n\n各来源之和：{sum} {u}\n\n{parts}");
            return Some(markdown(md, doc, funds.total.span));
        }
        // A task of the department form's 年度主要任务 table: its 总额 against its sources.
        let tasks = form.department_section.iter().flat_map(|d| &d.tasks);
        for t in tasks {
            if !inside(t.total.span) {
                continue;
            }
            let (sum, parts) = sources(&[("财政拨款", &t.fiscal), ("其他资金", &t.other)]);
            let (total, u) = (amount(&t.total), unit.label());
            let name = t.name.value.as_deref().unwrap_or("（空）");
            let md = format!(
                "**任务“{name}”总额** {total} {u}\n\n财政拨款与其他资金之和：{sum} {u}\n\n{parts}"
            );
            return Some(markdown(md, doc, t.total.span));
        }
    }
    None
}

fn markdown(value: String, doc: &crate::model::Document, span: Span) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(convert::range(doc, span)),
    }
}

fn code_actions(server: &Server, p: &lsp_types::CodeActionParams) -> Vec<CodeActionOrCommand> {
    let Some(l) = linted(server, &p.text_document.uri) else {
        return Vec::new();
    };
    let doc = &l.report.document;
    let a = convert::offset(&doc.text, &doc.line_index, p.range.start);
    let b = convert::offset(&doc.text, &doc.line_index, p.range.end);
    let mut out = Vec::new();
    for d in &l.report.diagnostics {
        let Some(fix) = &d.fix else { continue };
        let s = d.primary.span;
        if s.end() < a || s.start() > b.max(a) {
            continue;
        }
        let edits: Vec<TextEdit> = fix
            .edits
            .iter()
            .map(|e| TextEdit::new(convert::range(doc, e.span), e.text.clone()))
            .collect();
        // lsp-types defines a workspace edit as a map keyed by Uri; the key is never mutated.
        #[allow(clippy::mutable_key_type)]
        let mut changes = HashMap::new();
        changes.insert(p.text_document.uri.clone(), edits);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("{}：{}", d.code, fix.description),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(
                doc,
                &d,
                &p.text_document.uri,
                &server.docs_url,
            )]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(fix.safe),
            ..CodeAction::default()
        }));
    }
    out
}

fn symbols(server: &Server, p: &lsp_types::DocumentSymbolParams) -> Vec<DocumentSymbol> {
    let Some(l) = linted(server, &p.text_document.uri) else {
        return Vec::new();
    };
    let doc = &l.report.document;
    doc.forms
        .iter()
        .map(|f| {
            #[allow(deprecated)]
            DocumentSymbol {
                // An outline shows a line of each: a cell of megabytes is cut as findings cut it.
                name: quoted(f.name_or_blank()).into_owned(),
                detail: f
                    .implementing_unit
                    .value
                    .as_deref()
                    .map(|u| quoted(u).into_owned()),
                kind: SymbolKind::MODULE,
                tags: None,
                deprecated: None,
                range: convert::range(doc, f.span),
                selection_range: convert::range(doc, f.title.span),
                children: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "项目支出绩效目标表\n项目名称\t校舍维修\n年度资金总额\t100\n";

    /// The net is tested with stages that panic on purpose: nothing kpilint ships is known to
    /// panic, which is the point of fuzzing it.
    #[test]
    fn a_panicking_lint_is_the_documents_one_finding_and_empties_its_cache() {
        let linter = Linter::new(RuleSet::builtin(), Default::default());
        let mut cache = RuleCache::default();
        let linted = lint_guarded("/w/表.txt", &mut cache, |cache| {
            let ing = ingest::read_buffer("/w/表.txt", FORM.to_string());
            let linted = linter.lint_cached(ing, cache);
            assert_eq!(cache.len(), 1, "the form's findings are cached");
            drop(linted);
            panic!("单元测试故意触发的错误");
        });
        assert!(cache.is_empty(), "a half-filled cache is not kept");
        let report = &linted.report;
        assert!(report.unreadable);
        assert_eq!(report.document.path, "/w/表.txt");
        let ds: Vec<_> = report.diagnostics.iter().collect();
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].code, "I012");
        assert!(
            ds[0].message.ends_with("：单元测试故意触发的错误"),
            "{}",
            ds[0].message
        );

        // The next lint with the emptied cache checks the form whole again.
        let again = lint_guarded("/w/表.txt", &mut cache, |cache| {
            linter.lint_cached(ingest::read_buffer("/w/表.txt", FORM.to_string()), cache)
        });
        assert!(!again.report.unreadable);
        assert_eq!(cache.len(), 1);
        assert!(!again.report.diagnostics.iter().any(|d| d.code == "I012"));
    }

    #[test]
    fn a_request_whose_answer_panics_is_answered_with_an_internal_error() {
        let id = RequestId::from(7);
        let resp = answer(id.clone(), || panic!("悬停时出错"));
        assert_eq!(resp.id, id);
        assert!(resp.result.is_none());
        let err = resp.error.expect("an error answer");
        assert_eq!(err.code, ErrorCode::InternalError as i32);
        assert_eq!(
            err.message,
            "kpilint 处理请求时出错（内部错误）：悬停时出错"
        );

        let fine = answer(id.clone(), || Response::new_ok(id.clone(), 1));
        assert!(fine.error.is_none());
        assert_eq!(fine.result, Some(serde_json::json!(1)));
    }

    #[test]
    fn a_rule_pack_whose_loading_panics_shows_it_at_its_start() {
        let uri = "file:///w/rules/%E6%9C%AC%E5%B1%80.yaml";
        let lsp_uri = Uri::from_str(uri).unwrap();
        let diags = pack_diagnostics(uri, "rules: []\n", &lsp_uri, "https://d/", |_, _| {
            panic!("加载时出错")
        });
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert_eq!(d.code, Some(NumberOrString::String("I012".into())));
        assert_eq!(d.severity, Some(DiagnosticSeverity::ERROR));
        assert_eq!((d.range.start.line, d.range.start.character), (0, 0));
        assert!(d.message.contains("加载时出错"), "{}", d.message);
        assert!(d.message.contains("修改建议："), "the help comes with it");

        // Without a panic, the loader's own findings are published as they were.
        let broken = pack_diagnostics(uri, "rules: [\n", &lsp_uri, "", crate::rules::pack::load);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].code, Some(NumberOrString::String("R001".into())));
    }
}
