//! The exception catalogue lists every kind the crate can report, once, and nothing else.
//!
//! Mechanical: every `impl DomainException for` in `src/` (outside tests) is read, its
//! `flow()` and the string literals its `code()` returns are collected, and the set is
//! compared with [`CATALOGUE`]. The catalogue findings, whose `code()` reads a table row
//! ([`FindingKind::ALL`], [`PushFindingKind::ALL`]), are taken from those tables. A new exception enum (or a new variant with its own code)
//! fails this test until its entry is added; an entry whose code no type reports fails it
//! too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use stokly_shopify::domain::catalogue::{FindingKind, PushFindingKind};
use stokly_shopify::domain::exception_catalogue::{CATALOGUE, Check};
use stokly_shopify::domain::lifecycle::LifecycleConfig;
use stokly_shopify::ops::OperationsManual;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The body of the first `fn <name>(&self)` after `from`, up to its closing brace at the
/// impl's method indentation.
fn method_body<'a>(text: &'a str, from: usize, name: &str) -> &'a str {
    let signature = format!("fn {name}(&self)");
    let start = from
        + text[from..].find(&signature).unwrap_or_else(|| {
            panic!("an `impl DomainException` without `{signature}`");
        });
    let end = start + text[start..].find("\n    }\n").unwrap();
    &text[start..end]
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `(flow, code)` for every code literal an exception type's `code()` returns.
fn reported_kinds() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut kinds = BTreeSet::new();
    let mut impls = 0;
    let mut from_tables = 0;
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
        let mut from = 0;
        while let Some(at) = text[from..].find("impl DomainException for ") {
            let at = from + at;
            impls += 1;
            let flow_body = method_body(text, at, "flow");
            let flow = flow_body
                .split("Flow::")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
                .unwrap_or_else(|| panic!("{}: flow() names no Flow", file.display()));
            let code_body = method_body(text, at, "code");
            if code_body.contains("self.kind().code()") {
                // A table-driven kind: its codes are read from the table below.
                from_tables += 1;
                from = at + 1;
                continue;
            }
            let mut found = 0;
            for piece in code_body.split("=> \"").skip(1) {
                let code = piece.split('"').next().unwrap();
                kinds.insert((snake(flow), code.to_owned()));
                found += 1;
            }
            assert!(found > 0, "{}: code() returns no literal", file.display());
            from = at + 1;
        }
    }
    assert!(impls >= 8, "expected the exception types, found {impls}");
    assert_eq!(
        from_tables, 2,
        "only the audit and push findings read their codes from a table"
    );
    for kind in FindingKind::ALL {
        kinds.insert(("catalogue".to_owned(), kind.code().to_owned()));
    }
    for kind in PushFindingKind::ALL {
        kinds.insert(("catalogue".to_owned(), kind.code().to_owned()));
    }
    kinds
}

#[test]
fn every_exception_kind_is_in_the_catalogue_once_and_nothing_else() {
    let reported = reported_kinds();
    let catalogued: Vec<(String, String)> = CATALOGUE
        .iter()
        .map(|k| (k.flow.as_str().to_owned(), k.code.to_owned()))
        .collect();
    let unique: BTreeSet<(String, String)> = catalogued.iter().cloned().collect();
    assert_eq!(unique.len(), catalogued.len(), "an entry is listed twice");
    let missing: Vec<_> = reported.difference(&unique).collect();
    assert!(
        missing.is_empty(),
        "exception kinds missing from the catalogue (add one entry each): {missing:?}"
    );
    let stale: Vec<_> = unique.difference(&reported).collect();
    assert!(
        stale.is_empty(),
        "catalogue entries no exception type reports: {stale:?}"
    );
}

#[test]
fn every_entry_is_written_out_and_every_check_finds_something() {
    for kind in CATALOGUE {
        assert!(
            kind.meaning.ends_with('.') && kind.fix.ends_with('.'),
            "{}/{}: meaning and fix are sentences",
            kind.flow,
            kind.code
        );
    }
    for check in Check::ALL {
        assert!(
            CATALOGUE.iter().any(|k| k.check == check),
            "{check} finds no exception kind"
        );
    }
}

#[test]
fn the_manual_lists_every_kind_with_its_owner() {
    let manual = OperationsManual::generate(&LifecycleConfig::default());
    let markdown = manual.to_markdown();
    let html = manual.to_html();
    for kind in CATALOGUE {
        let code = format!("{}/{}", kind.flow, kind.code);
        assert!(html.contains(&code), "{code} missing from the manual");
        assert!(
            markdown.contains(&code.replace('_', "\\_")),
            "{code} missing from Markdown"
        );
    }
    for section in [
        "Where each piece of data lives",
        "Daily checks",
        "Weekly checks",
        "Finance",
        "Operations",
        "Ecommerce",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(!html.contains("<script"));
}
