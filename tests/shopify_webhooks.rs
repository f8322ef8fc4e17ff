// Tests may unwrap and index: a panic here is a failed assertion, not a library bug.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

//! Webhook verification and parsing, with signatures computed independently of the crate.

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;
use stokly_shopify::Secret;
use stokly_shopify::domain::ports::{DedupEntry, DedupStore, DedupVerdict, InMemoryDedupStore};
use stokly_shopify::shopify::webhooks::{
    DEFAULT_MAX_BODY_BYTES, DedupSource, DeliveryFormat, MatchedSecret, WebhookError, WebhookEvent,
    WebhookTopic, WebhookVerifier,
};

const SECRET: &str = "hush-test-secret";
const OLD_SECRET: &str = "hush-old-secret";

/// Signature computed with the `hmac` crate directly, not through the crate under test.
fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(Secret::new(SECRET)).unwrap()
}

fn order_body(id: u64, updated_at: &str) -> Vec<u8> {
    format!(
        r##"{{"id":{id},"admin_graphql_api_id":"gid://shopify/Order/{id}","name":"#1001","updated_at":"{updated_at}","line_items":[{{"sku":"ABC-1","quantity":2}}]}}"##
    )
    .into_bytes()
}

/// Classic webhook headers for `body`, signed with `secret`.
fn headers(secret: &str, topic: &str, event_id: &str, body: &[u8]) -> Vec<(String, String)> {
    vec![
        ("X-Shopify-Hmac-Sha256".into(), sign(secret, body)),
        ("X-Shopify-Topic".into(), topic.into()),
        (
            "X-Shopify-Shop-Domain".into(),
            "acme-store.myshopify.com".into(),
        ),
        ("X-Shopify-API-Version".into(), "2026-01".into()),
        ("X-Shopify-Webhook-Id".into(), format!("wh-{event_id}")),
        ("X-Shopify-Event-Id".into(), event_id.into()),
        (
            "X-Shopify-Triggered-At".into(),
            "2026-03-01T15:00:01.123456789Z".into(),
        ),
        ("Content-Type".into(), "application/json".into()),
    ]
}

fn without(mut headers: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers
}

fn replace(mut headers: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    for (n, v) in &mut headers {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
    headers
}

#[test]
fn accepts_a_vector_computed_with_python() {
    // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
    //   b"hush-test-secret", BODY, hashlib.sha256).digest()).decode())'
    let body = br#"{"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","updated_at":"2026-03-01T10:00:00-05:00"}"#;
    let signature = "nC1GEqvCZAOJVwxRcOV0qXIRIJiNy2/5vUGS1i2gBQc=";
    assert_eq!(
        verifier().verify_signature(signature, body).unwrap(),
        MatchedSecret::Current
    );
    let hs = replace(
        headers(SECRET, "orders/updated", "e-1", body),
        "X-Shopify-Hmac-Sha256",
        signature,
    );
    let event = verifier().verify(hs, body).unwrap();
    assert_eq!(
        event.order_id().unwrap().numeric_id(),
        820_982_911_946_154_508
    );
    assert_eq!(
        event.updated_at(),
        Some(Utc.with_ymd_and_hms(2026, 3, 1, 15, 0, 0).unwrap())
    );
}

#[test]
fn reads_every_header_and_the_body_facts() {
    let body = order_body(42, "2026-03-01T10:00:00-05:00");
    let event = verifier()
        .verify(headers(SECRET, "orders/paid", "e-42", &body), &body)
        .unwrap();
    assert_eq!(event.format(), DeliveryFormat::Webhook);
    assert_eq!(event.matched_secret(), MatchedSecret::Current);
    assert_eq!(event.topic(), &WebhookTopic::OrdersPaid);
    assert_eq!(event.shop_domain(), "acme-store.myshopify.com");
    assert_eq!(event.api_version(), "2026-01");
    assert_eq!(event.webhook_id(), Some("wh-e-42"));
    assert_eq!(event.event_id(), Some("e-42"));
    assert_eq!(event.dedup_id().as_str(), "e-42");
    assert_eq!(event.dedup_id().source(), DedupSource::EventId);
    assert_eq!(
        event.triggered_at().unwrap().timestamp_nanos_opt(),
        Utc.with_ymd_and_hms(2026, 3, 1, 15, 0, 1)
            .unwrap()
            .timestamp_nanos_opt()
            .map(|n| n + 123_456_789)
    );
    assert_eq!(event.subscription_name(), None);
    assert_eq!(
        event.resource_gid().unwrap().as_str(),
        "gid://shopify/Order/42"
    );
    assert_eq!(event.order_id().unwrap().as_str(), "gid://shopify/Order/42");
    assert_eq!(event.inventory_level_id(), None);
}

#[test]
fn event_round_trips_through_serde_for_a_queue() {
    let body = order_body(42, "2026-03-01T10:00:00Z");
    let event = verifier()
        .verify(headers(SECRET, "orders/create", "e-1", &body), &body)
        .unwrap();
    let json = serde_json::to_string(&event).unwrap();
    assert!(json.contains(r#""topic":"orders/create""#));
    let back: WebhookEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, event);
}

#[test]
fn tampered_body_fails_with_a_mismatch() {
    let body = order_body(42, "2026-03-01T10:00:00Z");
    let hs = headers(SECRET, "orders/paid", "e-1", &body);
    for position in [0, body.len() / 2, body.len() - 1] {
        let mut tampered = body.clone();
        tampered[position] ^= 0x01;
        let err = verifier().verify(hs.clone(), &tampered).unwrap_err();
        assert_eq!(err, WebhookError::SignatureMismatch);
        assert!(err.is_authentication_failure());
        assert_eq!(err.http_status(), 401);
    }
    // One byte appended is also caught.
    let mut longer = body.clone();
    longer.push(b' ');
    assert_eq!(
        verifier().verify(hs, &longer).unwrap_err(),
        WebhookError::SignatureMismatch
    );
}

#[test]
fn wrong_secret_missing_and_malformed_signatures_are_typed() {
    let body = order_body(1, "2026-03-01T10:00:00Z");
    let hs = headers("some-other-secret", "orders/paid", "e-1", &body);
    assert_eq!(
        verifier().verify(hs.clone(), &body).unwrap_err(),
        WebhookError::SignatureMismatch
    );
    assert_eq!(
        verifier()
            .verify(without(hs.clone(), "X-Shopify-Hmac-Sha256"), &body)
            .unwrap_err(),
        WebhookError::MissingSignature
    );
    for bad in ["not base64 at all!", "YWJj", ""] {
        let err = verifier()
            .verify(replace(hs.clone(), "X-Shopify-Hmac-Sha256", bad), &body)
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::MalformedSignature { .. }),
            "{bad:?} gave {err:?}"
        );
        assert_eq!(err.http_status(), 401);
    }
}

#[test]
fn signature_is_checked_before_the_body_is_parsed() {
    let body = b"this is not json";
    let hs = headers("wrong", "orders/paid", "e-1", body);
    assert_eq!(
        verifier().verify(hs, body).unwrap_err(),
        WebhookError::SignatureMismatch
    );
    let hs = headers(SECRET, "orders/paid", "e-1", body);
    assert!(matches!(
        verifier().verify(hs, body).unwrap_err(),
        WebhookError::BodyNotJson { line: 1, .. }
    ));
}

#[test]
fn header_names_match_in_any_case() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let hs: Vec<(String, String)> = headers(SECRET, "orders/create", "e-7", &body)
        .into_iter()
        .enumerate()
        .map(|(i, (n, v))| {
            let n = if i % 2 == 0 {
                n.to_ascii_lowercase()
            } else {
                n.to_ascii_uppercase()
            };
            (n, v)
        })
        .collect();
    let event = verifier().verify(hs, &body).unwrap();
    assert_eq!(event.topic(), &WebhookTopic::OrdersCreate);
    assert_eq!(event.event_id(), Some("e-7"));
}

#[test]
fn accepts_an_http_header_map() {
    use axum::http::{HeaderMap, HeaderName, HeaderValue};
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let mut map = HeaderMap::new();
    for (n, v) in headers(SECRET, "orders/create", "e-7", &body) {
        map.insert(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    let event = verifier().verify(&map, &body).unwrap();
    assert_eq!(event.dedup_id().as_str(), "e-7");
}

#[test]
fn each_missing_required_header_is_named() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let hs = headers(SECRET, "orders/create", "e-7", &body);
    for name in [
        "X-Shopify-Topic",
        "X-Shopify-Shop-Domain",
        "X-Shopify-API-Version",
        "X-Shopify-Webhook-Id",
    ] {
        let err = verifier()
            .verify(without(hs.clone(), name), &body)
            .unwrap_err();
        assert_eq!(err, WebhookError::MissingHeader { name }, "without {name}");
        assert_eq!(err.http_status(), 400);
        assert!(err.to_string().contains(name));
    }
    // A blank value counts as missing.
    let err = verifier()
        .verify(replace(hs, "X-Shopify-Topic", "  "), &body)
        .unwrap_err();
    assert_eq!(
        err,
        WebhookError::MissingHeader {
            name: "X-Shopify-Topic"
        }
    );
}

#[test]
fn optional_headers_may_be_absent_and_event_id_falls_back_to_webhook_id() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let hs = without(
        without(
            headers(SECRET, "orders/create", "e-7", &body),
            "X-Shopify-Event-Id",
        ),
        "X-Shopify-Triggered-At",
    );
    let event = verifier().verify(hs, &body).unwrap();
    assert_eq!(event.event_id(), None);
    assert_eq!(event.triggered_at(), None);
    assert_eq!(event.dedup_id().as_str(), "wh-e-7");
    assert_eq!(event.dedup_id().source(), DedupSource::WebhookId);
    assert_eq!(
        DedupEntry::from(&event).event_key,
        "acme-store.myshopify.com/webhook:wh-e-7"
    );
}

#[test]
fn bad_header_values_are_named() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let hs = headers(SECRET, "orders/create", "e-7", &body);
    let cases = [
        ("X-Shopify-Triggered-At", "yesterday"),
        ("X-Shopify-Shop-Domain", "acme store.myshopify.com"),
        ("X-Shopify-API-Version", "2026/01"),
        ("X-Shopify-Event-Id", "has space"),
        ("X-Shopify-Topic", "orders/ create"),
    ];
    for (name, value) in cases {
        let err = verifier()
            .verify(replace(hs.clone(), name, value), &body)
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::BadHeader { name: n, .. } if n == name),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn non_utf8_header_value_is_a_bad_header() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let mut hs: Vec<(String, Vec<u8>)> = headers(SECRET, "orders/create", "e-7", &body)
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect();
    let mut bad_signature = hs.clone();
    hs.push(("X-Shopify-Name".into(), vec![0xff, 0xfe]));
    assert_eq!(
        verifier().verify(hs, &body).unwrap_err(),
        WebhookError::BadHeader {
            name: "X-Shopify-Name",
            reason: "not valid UTF-8"
        }
    );
    // A signature that is not text is an authentication failure, not a bad request.
    bad_signature[0].1 = vec![0xc3, 0x28];
    let err = verifier().verify(bad_signature, &body).unwrap_err();
    assert_eq!(
        err,
        WebhookError::MalformedSignature {
            reason: "not valid UTF-8"
        }
    );
    assert_eq!(err.http_status(), 401);
}

#[test]
fn conflicting_duplicate_headers_are_refused_and_agreeing_ones_accepted() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let mut hs = headers(SECRET, "orders/create", "e-7", &body);
    hs.push(("x-shopify-topic".into(), "orders/create".into()));
    assert!(verifier().verify(hs.clone(), &body).is_ok());
    hs.push(("shopify-topic".into(), "orders/paid".into()));
    assert_eq!(
        verifier().verify(hs, &body).unwrap_err(),
        WebhookError::ConflictingHeader {
            name: "shopify-topic"
        }
    );
}

#[test]
fn subscription_name_is_read() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let mut hs = headers(SECRET, "orders/create", "e-7", &body);
    hs.push(("x-shopify-name".into(), "erp-orders".into()));
    let event = verifier().verify(hs, &body).unwrap();
    assert_eq!(event.subscription_name(), Some("erp-orders"));
}

#[test]
fn events_form_headers_are_accepted() {
    let body = order_body(9, "2026-03-01T10:00:00Z");
    let hs = vec![
        ("shopify-hmac-sha256", sign(SECRET, &body)),
        ("shopify-topic", "orders/updated".to_owned()),
        ("shopify-shop-domain", "Acme-Store.myshopify.com".to_owned()),
        ("shopify-api-version", "2026-04".to_owned()),
        ("shopify-event-id", "ev-9".to_owned()),
        ("shopify-triggered-at", "2026-03-01T15:00:00Z".to_owned()),
        ("shopify-handle", "erp".to_owned()),
    ];
    let event = verifier().verify(hs.clone(), &body).unwrap();
    assert_eq!(event.format(), DeliveryFormat::Event);
    assert_eq!(event.shop_domain(), "acme-store.myshopify.com");
    assert_eq!(event.webhook_id(), None);
    assert_eq!(event.dedup_id().as_str(), "ev-9");

    // In the events form the event id is required, and the error uses that form's name.
    let without_event: Vec<_> = hs
        .iter()
        .filter(|(n, _)| *n != "shopify-event-id")
        .cloned()
        .collect();
    assert_eq!(
        verifier().verify(without_event, &body).unwrap_err(),
        WebhookError::MissingHeader {
            name: "shopify-event-id"
        }
    );
    let without_topic: Vec<_> = hs
        .iter()
        .filter(|(n, _)| *n != "shopify-topic")
        .cloned()
        .collect();
    assert_eq!(
        verifier().verify(without_topic, &body).unwrap_err(),
        WebhookError::MissingHeader {
            name: "shopify-topic"
        }
    );
}

#[test]
fn body_over_the_cap_is_refused_before_hashing() {
    let v = verifier().with_max_body_bytes(64);
    assert_eq!(v.max_body_bytes(), 64);
    let body = vec![b' '; 65];
    let hs = headers(SECRET, "orders/create", "e-1", &body);
    let err = v.verify(hs.clone(), &body).unwrap_err();
    assert_eq!(
        err,
        WebhookError::BodyTooLarge {
            limit: 64,
            actual: 65
        }
    );
    assert_eq!(err.http_status(), 413);
    // Also refused with a bad signature: the size check comes first.
    assert!(matches!(
        v.verify(without(hs, "X-Shopify-Hmac-Sha256"), &body),
        Err(WebhookError::BodyTooLarge { .. })
    ));
    assert!(v.check_content_length(64).is_ok());
    assert!(v.check_content_length(65).is_err());

    // At exactly the cap the body is accepted.
    let body = br#"{"admin_graphql_api_id":"gid://shopify/Order/1"}"#;
    let v = verifier().with_max_body_bytes(body.len());
    assert!(
        v.verify(headers(SECRET, "orders/create", "e-1", body), body)
            .is_ok()
    );
    assert_eq!(verifier().max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
}

#[test]
fn rotation_accepts_either_secret_and_says_which() {
    let rotating = verifier()
        .with_previous_secret(Secret::new(OLD_SECRET))
        .unwrap();
    let body = order_body(5, "2026-03-01T10:00:00Z");
    let old = rotating
        .verify(headers(OLD_SECRET, "orders/paid", "e-5", &body), &body)
        .unwrap();
    assert_eq!(old.matched_secret(), MatchedSecret::Previous);
    let new = rotating
        .verify(headers(SECRET, "orders/paid", "e-5", &body), &body)
        .unwrap();
    assert_eq!(new.matched_secret(), MatchedSecret::Current);
    assert_eq!(
        rotating
            .verify(headers("third", "orders/paid", "e-5", &body), &body)
            .unwrap_err(),
        WebhookError::SignatureMismatch
    );
    // Without the rotation configured, the old secret is refused.
    assert_eq!(
        verifier()
            .verify(headers(OLD_SECRET, "orders/paid", "e-5", &body), &body)
            .unwrap_err(),
        WebhookError::SignatureMismatch
    );
}

#[test]
fn blank_secrets_are_refused() {
    assert_eq!(
        WebhookVerifier::new(Secret::new("  ")).unwrap_err(),
        WebhookError::EmptySecret
    );
    assert_eq!(
        verifier()
            .with_previous_secret(Secret::new(""))
            .unwrap_err(),
        WebhookError::EmptySecret
    );
}

#[test]
fn unknown_topics_verify_and_keep_their_text() {
    let body = br#"{"admin_graphql_api_id":"gid://shopify/Product/3","updated_at":"2026-03-01T10:00:00Z"}"#;
    let event = verifier()
        .verify(headers(SECRET, "products/update", "e-3", body), body)
        .unwrap();
    assert_eq!(
        event.topic(),
        &WebhookTopic::Unknown("products/update".into())
    );
    assert_eq!(event.resource_gid().unwrap().resource_type(), "Product");
    assert_eq!(event.order_id(), None);
}

#[test]
fn inventory_level_gid_keeps_its_query_string() {
    let body = br#"{"inventory_item_id":808950810,"location_id":655441491,"available":6,"updated_at":"2026-03-01T12:30:00-05:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810"}"#;
    let event = verifier()
        .verify(
            headers(SECRET, "inventory_levels/update", "e-inv", body),
            body,
        )
        .unwrap();
    assert_eq!(event.topic(), &WebhookTopic::InventoryLevelsUpdate);
    let level = event.inventory_level_id().unwrap();
    assert_eq!(
        level.as_str(),
        "gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810"
    );
    assert_eq!(level.numeric_id(), 655_441_491);
    assert_eq!(level.inventory_item_id().unwrap().numeric_id(), 808_950_810);
    assert_eq!(event.order_id(), None);
    assert_eq!(
        DedupEntry::from(&event).resource_key.as_deref(),
        Some(
            "acme-store.myshopify.com/gid://shopify/InventoryLevel/655441491?inventory_item_id=808950810"
        )
    );

    let bad = br#"{"admin_graphql_api_id":"gid://shopify/InventoryLevel/1?inventory_item_id=x"}"#;
    assert_eq!(
        verifier()
            .verify(headers(SECRET, "inventory_levels/update", "e", bad), bad)
            .unwrap_err(),
        WebhookError::BadBodyField {
            field: "admin_graphql_api_id",
            reason: "inventory_item_id in the inventory level ID must be digits"
        }
    );
}

#[test]
fn order_to_reread_comes_from_edits_refunds_and_fulfillments() {
    let edit = br#"{"order_edit":{"id":1,"order_id":450789469,"line_items":{"additions":[],"removals":[]}}}"#;
    let event = verifier()
        .verify(headers(SECRET, "orders/edited", "e-ed", edit), edit)
        .unwrap();
    assert_eq!(event.order_id().unwrap().numeric_id(), 450_789_469);
    assert_eq!(event.resource_gid(), None);
    assert_eq!(event.updated_at(), None);

    let refund = br#"{"id":509562969,"order_id":450789469,"admin_graphql_api_id":"gid://shopify/Refund/509562969","created_at":"2026-03-01T10:00:00Z"}"#;
    let event = verifier()
        .verify(headers(SECRET, "refunds/create", "e-rf", refund), refund)
        .unwrap();
    assert_eq!(event.order_id().unwrap().numeric_id(), 450_789_469);
    assert_eq!(event.resource_gid().unwrap().resource_type(), "Refund");

    let fulfillment = br#"{"id":1,"order_id":"450789469","admin_graphql_api_id":"gid://shopify/Fulfillment/1","updated_at":"2026-03-01T10:00:00Z"}"#;
    let event = verifier()
        .verify(
            headers(SECRET, "fulfillments/update", "e-f", fulfillment),
            fulfillment,
        )
        .unwrap();
    assert_eq!(event.order_id().unwrap().numeric_id(), 450_789_469);
}

#[test]
fn body_problems_are_typed_and_named() {
    let cases: [(&[u8], &str, WebhookError); 8] = [
        (b" [1,2,3]", "orders/paid", WebhookError::BodyNotObject),
        (b"\"text\"", "orders/paid", WebhookError::BodyNotObject),
        (
            br#"{"updated_at":"2026-03-01T10:00:00Z","updated_at":"2026-03-01T10:00:00Z"}"#,
            "orders/paid",
            WebhookError::UnexpectedBody { line: 1, column: 0 },
        ),
        (
            br#"{"admin_graphql_api_id":"gid://shopify/Product/1"}"#,
            "orders/paid",
            WebhookError::ResourceMismatch {
                topic: "orders/paid".into(),
                expected: "Order",
                found: "Product".into(),
            },
        ),
        (
            br#"{"admin_graphql_api_id":42}"#,
            "orders/paid",
            WebhookError::BadBodyField {
                field: "admin_graphql_api_id",
                reason: "not a string",
            },
        ),
        (
            br#"{"admin_graphql_api_id":"Order/42"}"#,
            "orders/paid",
            WebhookError::BadBodyField {
                field: "admin_graphql_api_id",
                reason: "not a Shopify global ID",
            },
        ),
        (
            br#"{"updated_at":"last tuesday"}"#,
            "orders/paid",
            WebhookError::BadBodyField {
                field: "updated_at",
                reason: "not an RFC 3339 timestamp",
            },
        ),
        (
            br#"{"order_id":-4}"#,
            "refunds/create",
            WebhookError::BadBodyField {
                field: "order_id",
                reason: "not an order id from 1 to 9223372036854775807",
            },
        ),
    ];
    for (body, topic, expected) in cases {
        let mut err = verifier()
            .verify(headers(SECRET, topic, "e", body), body)
            .unwrap_err();
        // serde_json's column for a type error is not worth pinning.
        if let WebhookError::UnexpectedBody { column, .. } = &mut err {
            *column = 0;
        }
        assert_eq!(err, expected);
        assert_eq!(err.http_status(), 400);
    }
}

#[tokio::test]
async fn duplicates_and_stale_deliveries_through_the_in_memory_store() {
    let store = InMemoryDedupStore::new();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap();
    let v = verifier();
    let newer = order_body(42, "2026-03-01T10:30:00Z");
    let older = order_body(42, "2026-03-01T10:00:00Z");

    let first = v
        .verify(headers(SECRET, "orders/updated", "e-new", &newer), &newer)
        .unwrap();
    let again = v
        .verify(headers(SECRET, "orders/updated", "e-new", &newer), &newer)
        .unwrap();
    let late = v
        .verify(headers(SECRET, "orders/updated", "e-old", &older), &older)
        .unwrap();

    let verdict = |e: &WebhookEvent| store.record_now(&DedupEntry::from(e), now);
    assert_eq!(verdict(&first), DedupVerdict::New);
    assert_eq!(verdict(&again), DedupVerdict::Duplicate);
    assert_eq!(
        verdict(&late),
        DedupVerdict::Stale {
            applied: Utc.with_ymd_and_hms(2026, 3, 1, 10, 30, 0).unwrap()
        }
    );
    assert_eq!(verdict(&late), DedupVerdict::Duplicate);

    // The same event id in another shop is a different event.
    let other_shop = replace(
        headers(SECRET, "orders/updated", "e-new", &newer),
        "X-Shopify-Shop-Domain",
        "other.myshopify.com",
    );
    let other = v.verify(other_shop, &newer).unwrap();
    let port: &dyn DedupStore = &store;
    assert_eq!(
        port.record(&DedupEntry::from(&other), now).await.unwrap(),
        DedupVerdict::New
    );
}

/// Every error the verifier can produce, triggered for real.
fn every_error(body_marker: &[u8]) -> Vec<WebhookError> {
    let mut errors = vec![WebhookVerifier::new(Secret::new("")).unwrap_err()];
    let body = body_marker.to_vec();
    let hs = headers(SECRET, "orders/paid", "e", &body);
    let v = verifier();
    errors.push(
        v.clone()
            .with_max_body_bytes(1)
            .verify(hs.clone(), &body)
            .unwrap_err(),
    );
    errors.push(
        v.verify(without(hs.clone(), "x-shopify-hmac-sha256"), &body)
            .unwrap_err(),
    );
    errors.push(
        v.verify(replace(hs.clone(), "x-shopify-hmac-sha256", "%%"), &body)
            .unwrap_err(),
    );
    errors.push(
        v.verify(headers(OLD_SECRET, "orders/paid", "e", &body), &body)
            .unwrap_err(),
    );
    errors.push(
        v.verify(without(hs.clone(), "x-shopify-topic"), &body)
            .unwrap_err(),
    );
    errors.push(
        v.verify(replace(hs.clone(), "x-shopify-triggered-at", "no"), &body)
            .unwrap_err(),
    );
    let mut conflicting = hs.clone();
    conflicting.push(("shopify-topic".into(), "orders/create".into()));
    errors.push(v.verify(conflicting, &body).unwrap_err());
    errors.push(v.verify(hs.clone(), &body).unwrap_err());
    let json_bodies: [&[u8]; 4] = [
        br#"["SECRET-BODY-MARKER"]"#,
        br#"{"order_id":"SECRET-BODY-MARKER","order_id":"SECRET-BODY-MARKER"}"#,
        br#"{"updated_at":"SECRET-BODY-MARKER"}"#,
        br#"{"admin_graphql_api_id":"gid://shopify/Product/1","x":"SECRET-BODY-MARKER"}"#,
    ];
    for b in json_bodies {
        errors.push(
            v.verify(headers(SECRET, "orders/paid", "e", b), b)
                .unwrap_err(),
        );
    }
    errors
}

#[test]
fn no_error_or_debug_output_shows_the_secret_or_the_body() {
    let rotating = verifier()
        .with_previous_secret(Secret::new(OLD_SECRET))
        .unwrap();
    let debug = format!("{rotating:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains(OLD_SECRET),
        "{debug}"
    );
    assert!(!debug.contains("hush"), "{debug}");

    let errors = every_error(b"SECRET-BODY-MARKER not json");
    let mut kinds: Vec<String> = errors
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 13, "every variant is covered: {kinds:?}");
    for err in &errors {
        for text in [format!("{err}"), format!("{err:?}")] {
            assert!(!text.contains("hush"), "{text}");
            assert!(!text.contains("SECRET-BODY-MARKER"), "{text}");
        }
    }
}

fn header_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let names = prop_oneof![
        Just("X-Shopify-Hmac-Sha256".to_owned()),
        Just("shopify-hmac-sha256".to_owned()),
        Just("x-shopify-topic".to_owned()),
        Just("SHOPIFY-TOPIC".to_owned()),
        Just("X-Shopify-Shop-Domain".to_owned()),
        Just("X-Shopify-API-Version".to_owned()),
        Just("X-Shopify-Webhook-Id".to_owned()),
        Just("shopify-event-id".to_owned()),
        Just("X-Shopify-Triggered-At".to_owned()),
        Just("X-Shopify-Name".to_owned()),
        "\\PC{0,30}",
    ];
    proptest::collection::vec(
        (names, proptest::collection::vec(any::<u8>(), 0..80)),
        0..12,
    )
}

proptest! {
    #[test]
    fn verification_never_panics(
        headers in header_strategy(),
        body in proptest::collection::vec(any::<u8>(), 0..400),
        limit in 0usize..500,
    ) {
        let v = verifier().with_max_body_bytes(limit);
        let _ = v.verify(headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())), &body);
    }

    #[test]
    fn a_correctly_signed_body_never_fails_authentication(
        body in proptest::collection::vec(any::<u8>(), 0..400),
        topic in "[a-z_/]{1,30}",
    ) {
        let hs = headers(SECRET, &topic, "e-1", &body);
        match verifier().verify(hs, &body) {
            Ok(event) => prop_assert_eq!(event.matched_secret(), MatchedSecret::Current),
            Err(err) => prop_assert!(!err.is_authentication_failure(), "{:?}", err),
        }
    }

    #[test]
    fn any_json_object_with_an_order_id_is_read(id in 1u64..=9_223_372_036_854_775_807, second in 0u32..60) {
        let body = order_body(id, &format!("2026-03-01T10:00:{second:02}Z"));
        let event = verifier().verify(headers(SECRET, "orders/updated", "e", &body), &body).unwrap();
        prop_assert_eq!(event.order_id().map(|o| o.numeric_id()), Some(id));
    }
}

#[test]
fn an_unsigned_or_badly_signed_request_is_401_before_its_headers_are_judged() {
    let body = order_body(7, "2026-03-01T10:00:00Z");
    let bad_headers = |signature: Option<&str>| {
        let mut hs: Vec<(String, Vec<u8>)> = vec![
            ("X-Shopify-Topic".into(), b"orders/create".to_vec()),
            ("shopify-topic".into(), b"orders/paid".to_vec()),
            ("X-Shopify-Name".into(), vec![0xff, 0xfe]),
        ];
        if let Some(s) = signature {
            hs.push(("X-Shopify-Hmac-Sha256".into(), s.as_bytes().to_vec()));
        }
        hs
    };
    // No signature at all: 401, not the 400 the conflicting or non-UTF-8 headers would give.
    let err = verifier().verify(bad_headers(None), &body).unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature);
    assert_eq!(err.http_status(), 401);
    // A wrong signature: 401 as well.
    let wrong = sign("not-the-secret", &body);
    let err = verifier()
        .verify(bad_headers(Some(&wrong)), &body)
        .unwrap_err();
    assert_eq!(err, WebhookError::SignatureMismatch);
    assert_eq!(err.http_status(), 401);
    // Correctly signed: now the headers are judged (the first problem is reported).
    let right = sign(SECRET, &body);
    let err = verifier()
        .verify(bad_headers(Some(&right)), &body)
        .unwrap_err();
    assert_eq!(
        err,
        WebhookError::ConflictingHeader {
            name: "shopify-topic"
        }
    );
    assert_eq!(err.http_status(), 400);
    // Two different signatures are an authentication failure, whatever else is sent.
    let mut twice = bad_headers(Some(&right));
    twice.push(("shopify-hmac-sha256".into(), wrong.into_bytes()));
    let err = verifier().verify(twice, &body).unwrap_err();
    assert!(
        matches!(err, WebhookError::MalformedSignature { .. }),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 401);
}

#[test]
fn order_ids_beyond_shopifys_range_are_refused_not_wrapped() {
    for raw in ["0", "9223372036854775808", "18446744073709551616"] {
        let body = format!(r#"{{"order_id":{raw}}}"#).into_bytes();
        let err = verifier()
            .verify(headers(SECRET, "refunds/create", "e-r", &body), &body)
            .unwrap_err();
        assert_eq!(
            err,
            WebhookError::BadBodyField {
                field: "order_id",
                reason: "not an order id from 1 to 9223372036854775807",
            },
            "{raw}"
        );
    }
}
