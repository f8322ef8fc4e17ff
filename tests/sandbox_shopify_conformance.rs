//! The Shopify emulator answers as real Shopify was recorded answering (bulk concurrency,
//! bulk reads of a foreign ID, oversized input arrays), the client turns each answer into a
//! typed error, and a fresh client's burst of first requests does not stampede the bucket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::Duration;

use chrono::Utc;
use futures::future::join_all;
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::sandbox::shopify::{Outcome, ShopifyState};
use stokly_shopify::sandbox::{SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::documents::ALL;
use stokly_shopify::shopify::{
    BULK_PRODUCT_VARIANTS, Error, GraphQlErrorCode, GraphQlRequest, UserErrorCode,
};

const DOMAIN: &str = "sandbox-store.myshopify.com";

async fn emulator(state: ShopifyState, config: ShopifyConfig, scale: f64) -> ShopifyEmulator {
    ShopifyEmulator::start(state, config, SandboxClock::new(Utc::now(), scale))
        .await
        .unwrap()
}

fn document(name: &str) -> &'static str {
    ALL.iter().find(|(n, _)| *n == name).unwrap().1
}

fn small_state() -> ShopifyState {
    ScenarioBuilder::new(3)
        .skus(4)
        .bundles(0)
        .locations(1)
        .build()
        .shopify_state(DOMAIN)
}

#[tokio::test]
async fn a_sixth_bulk_query_is_refused_naming_the_five_in_progress() {
    let emu = emulator(small_state(), ShopifyConfig::standard_plan(), 1.0).await;
    let client = emu.client_builder().build().unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            client
                .start_bulk_query(BULK_PRODUCT_VARIANTS)
                .await
                .unwrap()
                .id,
        );
    }
    let err = client
        .start_bulk_query(BULK_PRODUCT_VARIANTS)
        .await
        .unwrap_err();
    let Error::UserErrors { errors, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].code,
        Some(UserErrorCode::from("OPERATION_IN_PROGRESS"))
    );
    assert_eq!(errors[0].field, None);
    let listed: Vec<String> = ids.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors[0].message,
        format!(
            "A bulk query operation for this app and shop is already in progress: {}.",
            listed.join(", ")
        )
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn reading_a_bulk_operation_by_a_foreign_id_is_resource_not_found() {
    let emu = emulator(small_state(), ShopifyConfig::standard_plan(), 1.0).await;
    let client = emu
        .client_builder()
        .retry(RetryConfig::default())
        .build()
        .unwrap();
    let request = GraphQlRequest::query(document("BulkOperation"), "BulkOperation")
        .variable("id", "gid://shopify/Product/1")
        .unwrap();
    let err = client.query::<Value>(&request).await.unwrap_err();
    assert_eq!(
        err.graphql_codes(),
        vec![GraphQlErrorCode::ResourceNotFound]
    );
    assert!(!err.is_retryable());
    let Error::GraphQl {
        errors,
        partial_data,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].message, "Invalid id: gid://shopify/Product/1");
    assert_eq!(errors[0].path, vec![json!("bulkOperation")]);
    assert_eq!(
        partial_data.as_deref(),
        Some(&json!({"bulkOperation": null}))
    );
    assert_eq!(emu.requests().len(), 1, "not retried");
    // An unknown ID of the right type is simply not there.
    let unknown = stokly_shopify::shopify::BulkOperationId::from_numeric(999_999);
    assert_eq!(client.bulk_operation(&unknown).await.unwrap(), None);
}

#[tokio::test]
async fn an_oversized_input_array_is_answered_as_recorded() {
    let emu = emulator(small_state(), ShopifyConfig::standard_plan(), 1.0).await;
    let quantities: Vec<Value> = (1..=251)
        .map(|i| {
            json!({"inventoryItemId": format!("gid://shopify/InventoryItem/{i}"),
                   "locationId": "gid://shopify/Location/1", "quantity": 1, "changeFromQuantity": 0})
        })
        .collect();
    let variables = json!({
        "input": {"name": "available", "reason": "correction", "quantities": quantities},
        "idempotencyKey": "k-1"
    });
    // The raw answer: message, path, locations, and a cost block requesting 10, charging none.
    let raw: Value = reqwest::Client::new()
        .post(format!("{}/admin/api/2026-07/graphql.json", emu.uri()))
        .header("X-Shopify-Access-Token", "shpat_sandbox_token")
        .json(&json!({
            "query": document("InventorySetQuantities"),
            "operationName": "InventorySetQuantities",
            "variables": variables,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let error = &raw["errors"][0];
    assert_eq!(
        error["message"],
        "The input array size of 251 is greater than the maximum allowed of 250."
    );
    assert_eq!(error["extensions"]["code"], "MAX_INPUT_SIZE_EXCEEDED");
    assert_eq!(error["path"], json!(["inventorySetQuantities", "input"]));
    assert_eq!(error["locations"][0]["line"], 2);
    assert_eq!(raw["extensions"]["cost"]["requestedQueryCost"], 10);
    assert_eq!(raw["extensions"]["cost"]["actualQueryCost"], Value::Null);
    assert_eq!(
        raw["extensions"]["cost"]["throttleStatus"]["maximumAvailable"],
        2000.0
    );
    assert!(raw.get("data").is_none_or(Value::is_null), "{raw}");

    // Through the client: a typed, non-retryable error; the nominal cost is not learned.
    let client = emu.client_builder().build().unwrap();
    let request =
        GraphQlRequest::mutation(document("InventorySetQuantities"), "InventorySetQuantities")
            .variable("input", variables["input"].clone())
            .unwrap()
            .idempotent("idempotencyKey");
    let err = client.query::<Value>(&request).await.unwrap_err();
    assert_eq!(
        err.graphql_codes(),
        vec![GraphQlErrorCode::MaxInputSizeExceeded]
    );
    assert!(!err.is_retryable());
    assert_eq!(client.learned_cost("InventorySetQuantities"), None);
    assert!(
        client.throttle_status().is_some(),
        "the bucket is still learned"
    );
}

#[tokio::test]
async fn sixty_concurrent_first_queries_of_a_fresh_client_are_not_throttled() {
    let scenario = ScenarioBuilder::new(5)
        .skus(120)
        .bundles(0)
        .locations(1)
        .build();
    // Each ProductVariants(first: 80) read costs 882 points, and is charged nearly all of it;
    // sixty of them need about 53,000 points from a 2,000-point bucket (two bucketfuls at
    // once would be all a stampede gets). Time runs 200x (20,000 points per wall second).
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        200.0,
    )
    .await;
    let client = emu
        .client_builder()
        .retry(
            RetryConfig::default()
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50))
                .with_max_attempts(30),
        )
        .build()
        .unwrap();
    let request = GraphQlRequest::query(document("ProductVariants"), "ProductVariants")
        .variable("first", 80)
        .unwrap();
    // No request has been answered yet: the client knows neither the bucket nor the cost.
    assert_eq!(client.throttle_status(), None);
    let calls = (0..60).map(|_| {
        let c = client.clone();
        let r = request.clone();
        async move { c.query::<Value>(&r).await }
    });
    let results = join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let log = emu.requests();
    let throttled = log
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    eprintln!(
        "60 concurrent first queries: {} requests, {throttled} THROTTLED",
        log.len()
    );
    assert!(
        throttled <= 1,
        "a fresh client must not stampede: {throttled} THROTTLED of {}",
        log.len()
    );
}
