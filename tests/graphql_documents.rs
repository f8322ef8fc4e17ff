//! Every GraphQL document the crate sends validates against each Shopify Admin schema on hand:
//! 2026-01, 2026-04 and 2026-07 (the default version).
//!
//! The schema files live beside the project in `../shared/shopify-schema/`. Where that folder is
//! absent (a clone elsewhere) the test prints a notice and passes, except under CI (the `CI`
//! environment variable set, as every CI service does): there a missing folder fails the test,
//! so a pipeline cannot pass without validating anything.

#![allow(clippy::unwrap_used, clippy::panic)] // test code: a failed step should fail loudly

use std::path::{Path, PathBuf};

use apollo_compiler::{ExecutableDocument, Schema};
use stokly_shopify::shopify::documents::ALL;

/// The schema versions every document must validate against.
const SCHEMAS: [&str; 3] = [
    "admin-2026-01.graphql",
    "admin-2026-04.graphql",
    "admin-2026-07.graphql",
];

/// Whether the test runs in CI: `CI` set to anything but empty, `0` or `false`.
fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

#[test]
fn the_default_version_has_its_schema_on_hand() {
    let default = stokly_shopify::shopify::DEFAULT_API_VERSION;
    assert!(
        SCHEMAS.contains(&format!("admin-{default}.graphql").as_str()),
        "DEFAULT_API_VERSION {default} has no schema to validate against"
    );
}

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            documents(&path, out);
        } else if path.extension().is_some_and(|e| e == "graphql") {
            out.push(path);
        }
    }
}

#[test]
fn every_document_validates_against_every_schema_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema_dir = root.join("../shared/shopify-schema");
    if !schema_dir.is_dir() {
        assert!(
            !running_in_ci(),
            "{} is absent and CI is set: the GraphQL documents must be validated in CI",
            schema_dir.display()
        );
        eprintln!(
            "NOTICE: {} is absent; GraphQL documents were not validated against Shopify's schema",
            schema_dir.display()
        );
        return;
    }
    // Every file under src/ is part of some document the crate sends.
    let mut files = Vec::new();
    documents(&root.join("src"), &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            ALL.iter().any(|(_, doc)| doc.contains(text.trim())),
            "{} is in no document of shopify::documents::ALL",
            file.display()
        );
    }
    assert!(
        ALL.len() >= 15,
        "expected the crate's documents, found {}",
        ALL.len()
    );

    let mut failures = Vec::new();
    for version in SCHEMAS {
        let path = schema_dir.join(version);
        let sdl = std::fs::read_to_string(&path).unwrap();
        let schema = Schema::parse_and_validate(sdl, &path)
            .unwrap_or_else(|e| panic!("{version} did not validate: {}", e.errors));
        for (name, text) in ALL {
            if let Err(e) =
                ExecutableDocument::parse_and_validate(&schema, *text, format!("{name}.graphql"))
            {
                failures.push(format!("{name} against {version}:\n{}", e.errors));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
