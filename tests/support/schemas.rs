//! GraphQL documents written in tests validated against the Admin schemas on hand.

use apollo_compiler::{ExecutableDocument, Schema};

/// Validates `documents` (operation name, text) against every schema version in
/// `../shared/shopify-schema`; where the folder is absent, prints a notice and passes, except
/// under CI (`CI` set to anything but empty, `0` or `false`), where it fails.
pub fn validate_against_schemas(documents: &[(&str, &str)]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/shopify-schema");
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").map_or(true, |v| matches!(v.trim(), "" | "0" | "false")),
            "{} is absent under CI",
            dir.display()
        );
        eprintln!("NOTICE: {} is absent; not validated", dir.display());
        return;
    }
    for version in [
        "admin-2026-01.graphql",
        "admin-2026-04.graphql",
        "admin-2026-07.graphql",
    ] {
        let path = dir.join(version);
        let schema =
            Schema::parse_and_validate(std::fs::read_to_string(&path).unwrap(), &path).unwrap();
        for (name, text) in documents {
            if let Err(e) = ExecutableDocument::parse_and_validate(&schema, *text, *name) {
                panic!("{name} against {version}: {}", e.errors);
            }
        }
    }
}
