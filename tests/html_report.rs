//! The HTML audit report: every form with findings is in it with its findings, it loads in a
//! real browser (Debian's chromium, headless), and a province-sized run stays small.

use kpilint::cli::lint_file;
use kpilint::output::{form_index, html, FileReport};
use std::path::{Path, PathBuf};
use std::process::Command;

const CORPUS: &str = "tests/corpus/000_cb0bcf906edd3817.txt";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn forms_with_findings(report: &FileReport) -> usize {
    let mut hit = vec![false; report.document.forms.len()];
    for d in &report.diagnostics {
        if let Some(i) = form_index(&report.document, d.primary.span.start()) {
            hit[i] = true;
        }
    }
    hit.iter().filter(|h| **h).count()
}

fn write_report(dir: &Path) -> PathBuf {
    let path = dir.join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .args([
            "check",
            "--format",
            "html",
            "-o",
            path.to_str().unwrap(),
            CORPUS,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    path
}

#[test]
fn every_form_with_findings_appears_with_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(write_report(dir.path())).unwrap();
    let report = lint_file(Path::new(CORPUS));
    assert_eq!(
        html.matches("<section class=\"form\"").count(),
        forms_with_findings(&report)
    );
    for d in &report.diagnostics {
        assert!(
            html.contains(&escape(&d.message)),
            "missing finding: {}",
            d.message
        );
    }
    // The indicator a finding points at is shown, its value marked: the report is written
    // while the whole form is at hand.
    for cell in ["4000人/元/年", "1000人/元/学期"] {
        assert!(
            html.contains(&format!("<td class=\"hit primary\">{cell}</td>")),
            "the reversed unit {cell} is marked in its form's section"
        );
    }
    assert!(html.contains("<th scope=\"row\">年度 · "));
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("charset=\"utf-8\""));
    assert!(
        !html.contains("http://") || !html.contains("<link"),
        "no external assets"
    );
    assert!(!html.contains("<script src"), "the script is inline");
    assert!(html.contains("@page { size: A4"));
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_owned)
}

fn headless(browser: &str, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_report_loads_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run does)"
        );
        eprintln!("chromium is not installed: the browser check was not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = write_report(dir.path());
    let url = format!("file://{}", report.display());
    let dom = headless(&browser, &dir.path().join("profile"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("data-ready=\"1\""), "the page's script ran");
    let expected = forms_with_findings(&lint_file(Path::new(CORPUS)));
    assert_eq!(dom.matches("<section class=\"form\"").count(), expected);
    // A screenshot a person can look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kpilint-report.png");
    let _ = std::fs::remove_file(&shot);
    headless(&browser, &dir.path().join("profile"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,1600")
        .arg(&url)
        .output()
        .unwrap();
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "a real screenshot was taken ({size} bytes, {})",
        shot.display()
    );
}

#[test]
fn a_report_of_100_000_forms_stays_under_50_mb() {
    // A small form with three indicators that lack values: three findings per form; ten files
    // of 10,000 forms (the most one file is read for).
    let reports: Vec<FileReport> = (0..10)
        .map(|file| {
            let mut text = String::new();
            for i in file * 10_000..(file + 1) * 10_000 {
                text.push_str(&format!(
                    "项目支出绩效目标表\n项目名称\t项目{i}\n实施单位\t单位{}\n绩效指标\t一级指标\t二级指标\t三级指标\t指标值\n\t产出指标\t数量指标\t甲\t\n\t\t质量指标\t乙\t\n\t\t时效指标\t丙\t\n",
                    i % 97
                ));
            }
            let ing = kpilint::ingest::read_text(&format!("big{file}.txt"), text, "UTF-8");
            assert_eq!(ing.document.forms.len(), 10_000);
            assert_eq!(ing.diagnostics.len(), 30_000);
            FileReport {
                document: ing.document,
                diagnostics: ing.diagnostics.into(),
                unreadable: false,
            }
        })
        .collect();
    let page = html::render(&reports);
    assert!(page.len() < 50 * 1024 * 1024, "{} bytes", page.len());
    assert_eq!(
        page.matches("<section class=\"form\"").count(),
        html::DETAIL_LIMIT
    );
    assert!(page.contains("有发现的表共 100000 张"));
}
