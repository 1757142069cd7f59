//! `kpilint extract FILE… --to yaml|json [-o DIR]`: recognised forms from any input as the
//! canonical structured form (docs/forms.md).

use super::check::expand;
use super::{ExtractArgs, ExtractFormat, EXIT_TROUBLE};
use crate::ingest;
use crate::output::form;
use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &ExtractArgs) -> ExitCode {
    let mut trouble = false;
    let mut stdout = String::new();
    let mut json_items: Vec<String> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    let ext = match args.to {
        ExtractFormat::Yaml => "form.yaml",
        ExtractFormat::Json => "form.json",
    };
    if let Some(dir) = &args.out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("kpilint: {}：无法创建目录：{e}", dir.display());
            return ExitCode::from(EXIT_TROUBLE);
        }
    }
    let mut written = 0usize;
    for found in args.paths.iter().flat_map(|p| expand(p)) {
        let path = match found {
            Ok(p) => p,
            Err(refused) => {
                eprintln!(
                    "kpilint: {}：{} [{}]",
                    refused.path.display(),
                    refused.message,
                    refused.code.code
                );
                trouble = true;
                continue;
            }
        };
        let ing = ingest::read_path(&path);
        if ing.unreadable {
            for d in &ing.diagnostics {
                eprintln!("kpilint: {}：{} [{}]", path.display(), d.message, d.code);
            }
            trouble = true;
            continue;
        }
        let doc = &ing.document;
        for f in &doc.forms {
            let body = match args.to {
                ExtractFormat::Yaml => form::to_yaml(f),
                ExtractFormat::Json => form::to_json(f),
            };
            let Some(dir) = &args.out else {
                match args.to {
                    ExtractFormat::Yaml => {
                        stdout.push_str("---\n");
                        stdout.push_str(&body);
                    }
                    ExtractFormat::Json => json_items.push(body),
                }
                continue;
            };
            // Namesakes (遗属补助 under several units) get -2, -3 … in reading order.
            let stem = form::file_stem(doc, f);
            let mut name = format!("{stem}.{ext}");
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{stem}-{n}.{ext}");
            }
            let target = dir.join(&name);
            if target.exists() && !args.force {
                eprintln!(
                    "kpilint: {}：已存在，未覆盖（用 --force 覆盖）",
                    target.display()
                );
                trouble = true;
                continue;
            }
            match crate::fix::write_atomic(&target, body.as_bytes(), || Ok(())) {
                Ok(()) => written += 1,
                Err(e) => {
                    eprintln!("kpilint: {}：写入失败：{e}", target.display());
                    trouble = true;
                }
            }
        }
    }
    if args.out.is_none() {
        if args.to == ExtractFormat::Json {
            stdout = format!("[\n{}]\n", json_items.join(",\n"));
        }
        let _ = std::io::stdout().lock().write_all(stdout.as_bytes());
    } else {
        eprintln!("kpilint: 已写出 {written} 个表单");
    }
    if trouble {
        ExitCode::from(EXIT_TROUBLE)
    } else {
        ExitCode::SUCCESS
    }
}
