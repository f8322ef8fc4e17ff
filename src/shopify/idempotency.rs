//! Deterministic keys for Shopify's `@idempotent(key:)` directive.
//!
//! The key is derived from the mutation's content, so a retry of the same mutation sends the
//! same key (Shopify applies it once) and a different mutation never reuses a key (which Shopify
//! would reject with `IDEMPOTENCY_KEY_PARAMETER_MISMATCH`).

use sha2::{Digest, Sha256};

/// The idempotency key for `operation_name` with `input`: the lowercase hex SHA-256 of the
/// operation name and the canonical JSON of the input (object keys sorted, no whitespace), so
/// key order in the caller's maps does not matter.
#[must_use]
pub fn idempotency_key(operation_name: &str, input: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(operation_name.as_bytes());
    hasher.update([0u8]);
    let mut canonical = String::new();
    write_canonical(input, &mut canonical);
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_content_same_key_whatever_the_key_order() {
        let a = json!({"name": "available", "quantities": [{"quantity": 5, "locationId": "L"}]});
        let b: serde_json::Value = serde_json::from_str(
            r#"{"quantities":[{"locationId":"L","quantity":5}],"name":"available"}"#,
        )
        .unwrap();
        assert_eq!(idempotency_key("Op", &a), idempotency_key("Op", &b));
        assert_eq!(idempotency_key("Op", &a).len(), 64);
    }

    #[test]
    fn different_content_or_operation_different_key() {
        let a = json!({"q": 5});
        assert_ne!(
            idempotency_key("Op", &a),
            idempotency_key("Op", &json!({"q": 6}))
        );
        assert_ne!(idempotency_key("Op", &a), idempotency_key("Other", &a));
        // Array order is content.
        assert_ne!(
            idempotency_key("Op", &json!([1, 2])),
            idempotency_key("Op", &json!([2, 1]))
        );
    }

    #[test]
    fn known_vector() {
        // sha256("Op\0{\"a\":1}")
        let expected = {
            let mut h = Sha256::new();
            h.update(b"Op\0{\"a\":1}");
            hex::encode(h.finalize())
        };
        assert_eq!(idempotency_key("Op", &json!({"a": 1})), expected);
    }
}
