//! A real editor as the client: Neovim (Debian's package), headless, configured exactly as
//! docs/editors.md says, opens a form and reports the diagnostics kpilint published.

use std::process::Command;

const EDITORS_MD: &str = include_str!("../docs/editors.md");

fn config_for_neovim_07() -> String {
    let from = EDITORS_MD
        .find("-- kpilint for Neovim 0.7")
        .expect("the 0.7 block is in docs/editors.md");
    let end = EDITORS_MD[from..].find("```").expect("closed block");
    EDITORS_MD[from..from + end].to_owned()
}

#[test]
fn neovim_shows_kpilint_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install neovim (.ci/run does)"
        );
        eprintln!("neovim is not installed: the editor check was not run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read_to_string("tests/corpus/000_cb0bcf906edd3817.txt").unwrap();
    // The form with the reversed unit on its 成本指标 row (lines 8375–8407).
    let form: Vec<&str> = raw.lines().skip(8374).take(33).collect();
    let file = dir.path().join("form.txt");
    std::fs::write(&file, form.join("\n")).unwrap();
    let report = dir.path().join("report.txt");
    let init = dir.path().join("init.lua");
    std::fs::write(
        &init,
        format!(
            "{}\nvim.api.nvim_create_autocmd('VimEnter', {{ callback = function()\n  vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)\n  local lines = {{}}\n  for _, d in ipairs(vim.diagnostic.get(0)) do\n    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'\n    table.insert(lines, string.format('%s %d %s', code, d.lnum + 1, d.source or ''))\n  end\n  vim.fn.writefile(lines, '{}')\n  vim.cmd('qa!')\nend }})\n",
            config_for_neovim_07(),
            report.display()
        ),
    )
    .unwrap();
    let out = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(&init)
        .arg(&file)
        .env("KPILINT", env!("CARGO_BIN_EXE_kpilint"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let lines = std::fs::read_to_string(&report).unwrap_or_else(|_| {
        panic!(
            "neovim wrote no report: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut shown: Vec<&str> = lines.lines().collect();
    shown.sort_unstable();
    // The editor shows exactly what `kpilint check` reports for the file.
    let check = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let mut expected: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} kpilint", d["code"].as_str().unwrap(), d["line"]))
        .collect();
    expected.sort_unstable();
    assert_eq!(shown, expected);
    // 1000人/元/学期 on the form's line 24 (line 8398 of the disclosure).
    assert!(shown.contains(&"V001 24 kpilint"), "{shown:?}");
}
