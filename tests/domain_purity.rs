//! The domain layer is sans-IO by construction, not only by agreement: no file under
//! `src/domain/` reads the clock, sleeps, touches the network, the file system or the
//! environment, or reaches for the clients, the adapters or the sandbox. Test modules (files
//! named `tests.rs` and everything after a file's `#[cfg(test)]`) are exempt.

#![allow(clippy::unwrap_used, clippy::panic)] // test code: a failed step should fail loudly

use std::path::{Path, PathBuf};

/// Calls and paths the domain must not use, with the reason a reader gets.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "Utc::now",
        "reads the clock: take `now: DateTime<Utc>` instead",
    ),
    ("Local::now", "reads the clock"),
    ("SystemTime", "reads the clock"),
    ("Instant::now", "reads the clock"),
    ("tokio::", "awaits a runtime (sleep, spawn, I/O)"),
    ("std::thread::sleep", "sleeps"),
    ("reqwest", "does network I/O"),
    ("std::net", "does network I/O"),
    ("std::fs", "does file I/O"),
    ("std::env", "reads the environment"),
    ("crate::adapters", "depends on the layer above it"),
    ("crate::sandbox", "depends on the emulators"),
    ("shopify::Client", "calls a client"),
    ("stokly::Client", "calls a client"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The part of a source file that is not test code.
fn production_part(path: &Path, text: &str) -> Option<String> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return None;
    }
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    Some(text[..end].to_owned())
}

fn violations(path: &Path, text: &str) -> Vec<String> {
    let Some(code) = production_part(path, text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue; // documentation may name what the code must not do
        }
        for (pattern, why) in FORBIDDEN {
            if line.contains(pattern) {
                found.push(format!(
                    "{}:{}: `{pattern}` {why}",
                    path.display(),
                    number + 1
                ));
            }
        }
    }
    found
}

#[test]
fn the_domain_does_no_io_and_reads_no_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 10,
        "expected the domain's files under {}",
        root.display()
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| violations(f, &std::fs::read_to_string(f).unwrap()))
        .collect();
    assert!(
        found.is_empty(),
        "the domain must stay sans-IO:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_clock_read_and_spares_tests_and_docs() {
    let file = Path::new("src/domain/example.rs");
    let bad = "fn plan() {\n    let now = chrono::Utc::now();\n}\n";
    assert_eq!(
        violations(file, bad).len(),
        1,
        "{:?}",
        violations(file, bad)
    );
    let fine = "/// Never calls `Utc::now`.\nfn plan(now: DateTime<Utc>) {}\n#[cfg(test)]\nmod tests {\n    fn t() { let _ = chrono::Utc::now(); }\n}\n";
    assert!(violations(file, fine).is_empty());
    assert!(violations(Path::new("src/domain/order/tests.rs"), bad).is_empty());
}
