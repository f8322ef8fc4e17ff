//! The real Shopify client driven against the Shopify emulator: pagination, pacing through a
//! throttled burst, idempotent replays, stale compare-and-set, bulk export and faults.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use futures::future::join_all;
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::sandbox::shopify::{Outcome, ShopifyState};
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator,
};
use stokly_shopify::shopify::model::{
    InventoryQuantityInput, InventorySetQuantitiesInput, QuantityName,
};
use stokly_shopify::shopify::{
    BulkPollConfig, Error, GraphQlErrorCode, GraphQlRequest, InventoryItemId, LocationId,
    PageOptions, UserErrorCode,
};

const DOMAIN: &str = "sandbox-store.myshopify.com";

async fn emulator(state: ShopifyState, config: ShopifyConfig, scale: f64) -> ShopifyEmulator {
    ShopifyEmulator::start(state, config, SandboxClock::new(Utc::now(), scale))
        .await
        .unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
        .with_max_attempts(8)
}

#[tokio::test]
async fn reads_a_seeded_catalogue_across_pages() {
    let scenario = ScenarioBuilder::new(11)
        .skus(300)
        .bundles(20)
        .locations(3)
        .build();
    // Time runs 50x faster so the 300-variant read is not held back by the bucket.
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        50.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();

    let shop = client.shop().await.unwrap();
    assert_eq!(shop.myshopify_domain, DOMAIN);
    let locations: Vec<_> = client
        .locations(PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(locations.len(), 3);

    let variants: Vec<_> = client
        .product_variants(None, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(variants.len(), 320);
    let bundles: Vec<_> = variants.iter().filter(|v| v.requires_components).collect();
    assert_eq!(bundles.len(), 20);
    for bundle in bundles {
        let sku = bundle.sku.as_deref().unwrap();
        let expected = &scenario
            .items
            .iter()
            .find(|i| i.sku == sku)
            .unwrap()
            .components;
        let got: Vec<(String, i64)> = bundle
            .product_variant_components
            .nodes
            .iter()
            .map(|c| (c.product_variant.sku.clone().unwrap(), c.quantity))
            .collect();
        assert_eq!(&got, expected, "components of {sku}");
    }
    // 320 variants at the default 80 per page: 4 pages, each costing 2 + m(80) = 8 x 9.
    let pages: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.operation == "ProductVariants")
        .collect();
    assert_eq!(pages.len(), 4);
    assert!(
        pages
            .iter()
            .all(|p| p.requested_cost == Some(74) && p.outcome == Outcome::Ok)
    );

    let levels: Vec<_> = client
        .inventory_levels(
            &locations[0].id,
            &[QuantityName::Available, QuantityName::OnHand],
            PageOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        levels.len(),
        300,
        "bundles are not stocked; simple items are"
    );
    let first = scenario
        .items
        .iter()
        .find(|i| i.sku == levels[0].item.sku.clone().unwrap())
        .unwrap();
    assert_eq!(
        levels[0].quantity(QuantityName::Available),
        Some(first.stock[0])
    );
}

#[tokio::test]
async fn search_syntax_filters_variants() {
    let scenario = ScenarioBuilder::new(3).skus(10).bundles(2).build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let hits: Vec<_> = client
        .product_variants(Some("sku:SKU-00004"), PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].sku.as_deref(), Some("SKU-00004"));
    let bundles: Vec<_> = client
        .product_variants(Some("requires_components:true"), PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(bundles.len(), 2);
    let err = client
        .product_variants(Some("vendor:acme"), PageOptions::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.graphql_codes()
            .contains(&GraphQlErrorCode::from("INVALID_SEARCH")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_throttled_burst_is_paced_without_a_single_throttle() {
    let scenario = ScenarioBuilder::new(5)
        .skus(250)
        .bundles(0)
        .locations(1)
        .build();
    // A small bucket (500 points, 100/s, time 10x): 24 location reads of 253 points each need
    // about 6,000 points, twelve bucketfuls.
    let config = ShopifyConfig::standard_plan().with_bucket(500.0, 100.0);
    let emu = emulator(scenario.shopify_state(DOMAIN), config, 10.0).await;
    let client = emu.client_builder().retry(fast_retry()).build().unwrap();
    // One call teaches the client the bucket and the query's cost.
    client
        .locations(PageOptions::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let request = || {
        GraphQlRequest::query(
            include_str!("../src/shopify/graphql/locations.graphql"),
            "Locations",
        )
        .variable("first", 250)
        .unwrap()
    };
    let first: Value = client.query(&request()).await.unwrap();
    assert_eq!(first["locations"]["nodes"].as_array().unwrap().len(), 1);
    let calls = (0..24).map(|_| {
        let c = client.clone();
        let r = request();
        async move { c.query::<Value>(&r).await }
    });
    let results = join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let log = emu.requests();
    let throttled = log
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    assert_eq!(
        throttled, 0,
        "the client must wait before sending, not after being throttled"
    );
    assert_eq!(
        log.iter().filter(|r| r.operation == "Locations").count(),
        26
    );
}

fn set_input(
    item: u64,
    location: u64,
    quantity: i64,
    from: Option<i64>,
) -> InventorySetQuantitiesInput {
    InventorySetQuantitiesInput::new(QuantityName::Available, "correction")
        .with_reference_document_uri("gid://stokly-shopify/InventorySync/test")
        .with_quantity(InventoryQuantityInput::new(
            InventoryItemId::from_numeric(item),
            LocationId::from_numeric(location),
            quantity,
            from,
        ))
}

fn first_stocked(emu: &ShopifyEmulator) -> (u64, u64, i64) {
    emu.with_state(|s| {
        let ((item, location), q) = s.inventory.iter().next().unwrap();
        (*item, *location, q["available"])
    })
}

#[tokio::test]
async fn idempotent_replay_applies_once_and_a_reused_key_is_refused() {
    let scenario = ScenarioBuilder::new(9)
        .skus(5)
        .bundles(0)
        .locations(1)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let (item, location, before) = first_stocked(&emu);
    let input = set_input(item, location, before + 7, Some(before));

    let first = client.set_inventory_quantities(&input).await.unwrap();
    assert!(first.user_errors.is_empty(), "{:?}", first.user_errors);
    // The same batch again (a retry after a lost answer): same key, same input, same result,
    // applied once, and no CAS failure although the quantity has since changed.
    let replay = client.set_inventory_quantities(&input).await.unwrap();
    assert_eq!(replay, first);
    assert_eq!(
        emu.with_state(|s| s.quantity(item, location, "available")),
        Some(before + 7)
    );
    assert_eq!(
        emu.with_state(|s| s.quantity(item, location, "on_hand")),
        Some(before + 7)
    );
    assert_eq!(
        emu.state().inventory_changes.len(),
        2,
        "available and on_hand, once"
    );

    let reused = GraphQlRequest::mutation(
        include_str!("../src/shopify/graphql/inventory_set_quantities.graphql"),
        "InventorySetQuantities",
    )
    .variable("input", json!({"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": format!("gid://shopify/InventoryItem/{item}"), "locationId": format!("gid://shopify/Location/{location}"), "quantity": 1, "changeFromQuantity": null}
    ]}))
    .unwrap()
    .variable("idempotencyKey", "fixed-key")
    .unwrap();
    let _: Value = client.query(&reused).await.unwrap();
    let changed = reused.clone().variable("input", json!({"name": "available", "reason": "correction", "quantities": [
        {"inventoryItemId": format!("gid://shopify/InventoryItem/{item}"), "locationId": format!("gid://shopify/Location/{location}"), "quantity": 2, "changeFromQuantity": null}
    ]})).unwrap();
    let answer: Value = client.query(&changed).await.unwrap();
    assert_eq!(
        answer["inventorySetQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    assert_eq!(
        emu.with_state(|s| s.quantity(item, location, "available")),
        Some(1)
    );
}

#[tokio::test]
async fn stale_compare_and_set_is_refused_and_changes_nothing() {
    let scenario = ScenarioBuilder::new(9)
        .skus(5)
        .bundles(0)
        .locations(1)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let (item, location, before) = first_stocked(&emu);
    let payload = client
        .set_inventory_quantities(&set_input(item, location, 99, Some(before + 1)))
        .await
        .unwrap();
    assert!(payload.inventory_adjustment_group.is_none());
    assert_eq!(payload.user_errors.len(), 1);
    assert_eq!(
        payload.user_errors[0].code,
        Some(UserErrorCode::ChangeFromQuantityStale)
    );
    assert_eq!(payload.user_errors[0].input_index(), Some(0));
    assert_eq!(
        emu.with_state(|s| s.quantity(item, location, "available")),
        Some(before)
    );
    assert!(emu.state().inventory_changes.is_empty());
}

#[tokio::test]
async fn version_2026_04_rules_are_enforced() {
    let scenario = ScenarioBuilder::new(9)
        .skus(2)
        .bundles(0)
        .locations(1)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().api_version("2026-04").build().unwrap();
    let (item, location, before) = first_stocked(&emu);
    // The crate's own mutation passes under 2026-04.
    let ok = client
        .set_inventory_quantities(&set_input(item, location, before + 1, Some(before)))
        .await
        .unwrap();
    assert!(ok.user_errors.is_empty());
    let no_key = GraphQlRequest::mutation(
        "mutation Bare($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }",
        "Bare",
    )
    .variable("input", json!({"name": "available", "reason": "correction", "quantities": []}))
    .unwrap();
    let err = client.query::<Value>(&no_key).await.unwrap_err();
    assert_eq!(err.graphql_codes(), vec![GraphQlErrorCode::BadRequest]);
}

#[tokio::test]
async fn limits_unknown_operations_and_bad_tokens_are_visible() {
    let scenario = ScenarioBuilder::new(1).skus(3).bundles(0).build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let unknown = GraphQlRequest::query(
        "query Orders { orders(first: 5) { nodes { id } } }",
        "Orders",
    );
    let err = client.query::<Value>(&unknown).await.unwrap_err();
    assert_eq!(
        err.graphql_codes(),
        vec![GraphQlErrorCode::from("NOT_EMULATED")]
    );

    // Connections nested three deep: 2 + 11 x (1 + 2 + 11 x (1 + 1 + 1 + 2 + 11 x 1)) = 1,971.
    let too_costly = GraphQlRequest::query(
        "query ProductVariants($first: Int!) { productVariants(first: $first) { nodes { id productVariantComponents(first: 250) { nodes { productVariant { inventoryItem { inventoryLevels(first: 250) { nodes { id } } } } } } } } }",
        "ProductVariants",
    )
    .variable("first", 250)
    .unwrap();
    let err = client.query::<Value>(&too_costly).await.unwrap_err();
    assert_eq!(err.graphql_codes(), vec![GraphQlErrorCode::MaxCostExceeded]);
    assert!(!err.is_retryable());

    let items: Vec<Value> = (0..251).map(|i| json!({"inventoryItemId": format!("gid://shopify/InventoryItem/{i}"), "locationId": "gid://shopify/Location/1", "quantity": 1, "changeFromQuantity": null})).collect();
    let too_many = GraphQlRequest::mutation(
        include_str!("../src/shopify/graphql/inventory_set_quantities.graphql"),
        "InventorySetQuantities",
    )
    .variable(
        "input",
        json!({"name": "available", "reason": "correction", "quantities": items}),
    )
    .unwrap()
    .idempotent("idempotencyKey");
    let err = client.query::<Value>(&too_many).await.unwrap_err();
    assert_eq!(
        err.graphql_codes(),
        vec![GraphQlErrorCode::MaxInputSizeExceeded]
    );

    let wrong = stokly_shopify::shopify::Client::builder()
        .shop(DOMAIN)
        .access_token("shpat_wrong")
        .base_url(emu.uri())
        .build()
        .unwrap();
    assert!(matches!(
        wrong.shop().await.unwrap_err(),
        Error::Http { status: 401, .. }
    ));
}

#[tokio::test]
async fn bulk_export_matches_the_paged_read() {
    let scenario = ScenarioBuilder::new(21).skus(40).bundles(6).build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let poll = BulkPollConfig::default()
        .with_initial_interval(Duration::from_millis(5))
        .with_max_interval(Duration::from_millis(10));
    let bulk: Vec<_> = client
        .bulk_product_variants(&poll)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let paged: Vec<_> = client
        .product_variants(None, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(bulk.len(), 46);
    // The same variants and components either way (cursors differ: bulk results have none).
    type Summary = Vec<(String, Option<String>, bool, Vec<(String, i64)>)>;
    let summary = |vs: &[stokly_shopify::shopify::model::ProductVariant]| -> Summary {
        vs.iter()
            .map(|v| {
                let components = v
                    .product_variant_components
                    .nodes
                    .iter()
                    .map(|c| (c.product_variant.id.to_string(), c.quantity))
                    .collect();
                (
                    v.id.to_string(),
                    v.sku.clone(),
                    v.inventory_item.tracked,
                    components,
                )
            })
            .collect()
    };
    assert_eq!(summary(&bulk), summary(&paged));
    assert!(
        bulk.iter()
            .filter(|v| v.requires_components)
            .all(|v| !v.product_variant_components.nodes.is_empty())
    );
}

#[tokio::test]
async fn failing_bulk_operations_are_reported() {
    let scenario = ScenarioBuilder::new(21).skus(4).bundles(0).build();
    let config = ShopifyConfig::standard_plan().with_failing_bulk_operations("TIMEOUT");
    let emu = emulator(scenario.shopify_state(DOMAIN), config, 1.0).await;
    let client = emu.client_builder().build().unwrap();
    let poll = BulkPollConfig::default().with_initial_interval(Duration::from_millis(5));
    match client.bulk_product_variants(&poll).await.err().unwrap() {
        Error::BulkOperation(f) => {
            assert_eq!(f.status, "FAILED");
            assert_eq!(f.error_code.as_deref(), Some("TIMEOUT"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn reads_survive_injected_5xx_throttling_and_dropped_connections() {
    let scenario = ScenarioBuilder::new(2).skus(120).bundles(4).build();
    let faults = FaultConfig::none()
        .with_seed(99)
        .with_server_error_rate(0.15)
        .with_throttle_rate(0.15)
        .with_dropped_connection_rate(0.15);
    let config = ShopifyConfig::standard_plan().with_faults(faults);
    let emu = emulator(scenario.shopify_state(DOMAIN), config, 20.0).await;
    let client = emu
        .client_builder()
        .retry(fast_retry().with_max_attempts(12))
        .build()
        .unwrap();
    let variants: Vec<_> = client
        .product_variants(None, PageOptions::default().with_page_size(20))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(variants.len(), 124);
    let log = emu.requests();
    assert!(
        log.iter()
            .any(|r| r.outcome == Outcome::InjectedServerError),
        "5xx injected"
    );
    assert!(
        log.iter().any(|r| r.outcome == Outcome::Throttled),
        "throttling injected"
    );
}

#[tokio::test]
async fn product_push_updates_and_creates_variants_with_errors_mapped_to_inputs() {
    use stokly_shopify::shopify::model::{BulkCreateStrategy, ProductVariantsBulkInput};
    use stokly_shopify::shopify::{CatalogueRead, ProductId, ProductVariantId};
    let scenario = ScenarioBuilder::new(8)
        .skus(6)
        .bundles(0)
        .locations(1)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let (variant, product) = emu.with_state(|s| {
        let v = s.variants.values().next().unwrap();
        (v.id, v.product_id)
    });
    let update = ProductVariantsBulkInput::update(ProductVariantId::from_numeric(variant))
        .with_barcode("0123456789012")
        .with_price(rust_decimal::Decimal::new(4250, 2))
        .with_inventory_item(Some("SKU-RENAMED".into()), Some(true));
    let payload = client
        .product_variants_bulk_update(
            &ProductId::from_numeric(product),
            std::slice::from_ref(&update),
        )
        .await
        .unwrap();
    assert!(payload.user_errors.is_empty(), "{:?}", payload.user_errors);
    let saved = &payload.product_variants.unwrap()[0];
    assert_eq!(saved.sku.as_deref(), Some("SKU-RENAMED"));
    assert_eq!(saved.price.to_string(), "42.50");
    emu.with_state(|s| {
        assert_eq!(
            s.variants[&variant].barcode.as_deref(),
            Some("0123456789012")
        )
    });

    // A variant of another product, at index 1: nothing is applied and the error names index 1.
    let other = emu.with_state(|s| {
        s.variants
            .values()
            .find(|v| v.product_id != product)
            .unwrap()
            .id
    });
    let bad = [
        update.clone().with_barcode("999"),
        ProductVariantsBulkInput::update(ProductVariantId::from_numeric(other)).with_barcode("1"),
    ];
    let payload = client
        .product_variants_bulk_update(&ProductId::from_numeric(product), &bad)
        .await
        .unwrap();
    assert_eq!(payload.user_errors.len(), 1);
    assert_eq!(
        payload.user_errors[0].code,
        Some(UserErrorCode::from("MUST_BE_FOR_THIS_PRODUCT"))
    );
    assert_eq!(payload.user_errors[0].input_index(), Some(1));
    emu.with_state(|s| {
        assert_eq!(
            s.variants[&variant].barcode.as_deref(),
            Some("0123456789012")
        )
    });

    let new = ProductVariantsBulkInput::create()
        .with_option_value("Title", "Large")
        .with_price(rust_decimal::Decimal::new(999, 2))
        .with_inventory_item(Some("SKU-NEW".into()), Some(true));
    let created = client
        .product_variants_bulk_create(
            &ProductId::from_numeric(product),
            &[new],
            BulkCreateStrategy::Default,
        )
        .await
        .unwrap();
    assert_eq!(
        created.product_variants.unwrap()[0].sku.as_deref(),
        Some("SKU-NEW")
    );
    assert_eq!(client.product_variants_count(None).await.unwrap(), 7);
    assert_eq!(
        client
            .product_variants_count(Some("sku:SKU-NEW"))
            .await
            .unwrap(),
        1
    );

    // The catalogue read chooses pagination below the threshold and bulk from it.
    let poll = BulkPollConfig::default().with_initial_interval(Duration::from_millis(5));
    let paged: Vec<_> = client
        .catalogue(CatalogueRead::Auto { bulk_from: 100 }, &poll)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let bulk: Vec<_> = client
        .catalogue(CatalogueRead::Auto { bulk_from: 7 }, &poll)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(paged.len(), 7);
    assert_eq!(bulk.len(), 7);
    let ops: Vec<String> = emu.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(
        ops.iter().filter(|o| *o == "BulkOperationRunQuery").count(),
        1
    );
}

#[tokio::test]
async fn product_push_rejects_bad_batches_before_sending() {
    use stokly_shopify::shopify::model::{BulkCreateStrategy, ProductVariantsBulkInput};
    use stokly_shopify::shopify::{ProductId, ProductVariantId};
    let emu = emulator(
        ShopifyState::new(DOMAIN, stokly_shopify::CurrencyCode::GBP),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let p = ProductId::from_numeric(1);
    assert!(matches!(
        client.product_variants_bulk_update(&p, &[]).await,
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        client
            .product_variants_bulk_update(&p, &[ProductVariantsBulkInput::create()])
            .await,
        Err(Error::InvalidArgument { .. })
    ));
    let with_id = ProductVariantsBulkInput::update(ProductVariantId::from_numeric(2));
    assert!(matches!(
        client
            .product_variants_bulk_create(&p, &[with_id], BulkCreateStrategy::Default)
            .await,
        Err(Error::InvalidArgument { .. })
    ));
    let many: Vec<_> = (0..251)
        .map(|i| ProductVariantsBulkInput::update(ProductVariantId::from_numeric(i + 1)))
        .collect();
    assert!(matches!(
        client.product_variants_bulk_update(&p, &many).await,
        Err(Error::InvalidArgument { .. })
    ));
    assert!(emu.requests().is_empty());
}

/// An inventory level ID as real Shopify forms it: a number of its own per location (never
/// the location's), with the item as a suffix; `nodes` answers `null` for any other ID.
#[tokio::test]
async fn level_ids_are_minted_per_location_and_a_synthesised_id_reads_null() {
    let scenario = ScenarioBuilder::new(9)
        .skus(3)
        .bundles(0)
        .locations(2)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().build().unwrap();
    let (item, location, available) = first_stocked(&emu);
    let levels: Vec<_> = client
        .inventory_levels(
            &LocationId::from_numeric(location),
            &[QuantityName::Available],
            PageOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    let level = levels
        .iter()
        .find(|l| l.item.id.numeric_id() == item)
        .unwrap();
    let minted = level.id.to_string();
    let synthesised = format!("gid://shopify/InventoryLevel/{location}?inventory_item_id={item}");
    assert_ne!(minted, synthesised);
    assert!(
        minted.ends_with(&format!("?inventory_item_id={item}")),
        "{minted}"
    );
    // The number is constant per location.
    assert!(
        levels
            .iter()
            .all(|l| l.id.to_string().split('?').next() == minted.split('?').next())
    );

    let by_id = GraphQlRequest::query(
        "query InventoryLevelsById($ids: [ID!]!, $names: [String!]!) { nodes(ids: $ids) { ... on InventoryLevel { id quantities(names: $names) { name quantity } } } }",
        "InventoryLevelsById",
    )
    .variable("ids", [&synthesised, &minted])
    .unwrap()
    .variable("names", ["available"])
    .unwrap();
    let answer: Value = client.query(&by_id).await.unwrap();
    assert_eq!(answer["nodes"][0], Value::Null);
    assert_eq!(answer["nodes"][1]["id"], minted.as_str());
    assert_eq!(answer["nodes"][1]["quantities"][0]["quantity"], available);

    // Read through the item instead: the level with the ID Shopify gave it.
    let read = client
        .inventory_levels_of_items(
            &[InventoryItemId::from_numeric(item)],
            &[LocationId::from_numeric(location)],
            &[QuantityName::Available],
        )
        .await
        .unwrap();
    assert!(read.absent.is_empty(), "{:?}", read.absent);
    assert_eq!(read.levels.len(), 1);
    assert_eq!(read.levels[0].1.id.to_string(), minted);
    assert_eq!(
        read.levels[0].1.quantity(QuantityName::Available),
        Some(available)
    );
}

fn raw_set(input: Value, key: &str) -> GraphQlRequest {
    GraphQlRequest::mutation(
        include_str!("../src/shopify/graphql/inventory_set_quantities.graphql"),
        "InventorySetQuantities",
    )
    .variable("input", input)
    .unwrap()
    .variable("idempotencyKey", key)
    .unwrap()
}

/// `inventorySetQuantities` answers as real Shopify was recorded answering (2026-04).
#[tokio::test]
async fn set_quantities_answers_as_recorded() {
    let scenario = ScenarioBuilder::new(9)
        .skus(2)
        .bundles(0)
        .locations(1)
        .build();
    let emu = emulator(
        scenario.shopify_state(DOMAIN),
        ShopifyConfig::standard_plan(),
        1.0,
    )
    .await;
    let client = emu.client_builder().api_version("2026-04").build().unwrap();
    let (item, location, before) = first_stocked(&emu);
    let quantity = |q: i64, from: Option<i64>| {
        json!({"inventoryItemId": format!("gid://shopify/InventoryItem/{item}"),
               "locationId": format!("gid://shopify/Location/{location}"),
               "quantity": q, "changeFromQuantity": from})
    };
    let costs = |emu: &ShopifyEmulator| {
        let last = emu.requests().last().cloned().unwrap();
        (last.requested_cost, last.actual_cost)
    };

    // Setting a quantity to its current value: success, no group, no error, charged 13.
    let same = client
        .set_inventory_quantities(&set_input(item, location, before, Some(before)))
        .await
        .unwrap();
    assert_eq!(same.inventory_adjustment_group, None);
    assert!(same.user_errors.is_empty());
    assert!(emu.state().inventory_changes.is_empty());
    assert_eq!(costs(&emu), (Some(13), Some(13)));

    // A change: one group, charged 13.
    let applied = client
        .set_inventory_quantities(&set_input(item, location, before + 1, Some(before)))
        .await
        .unwrap();
    assert!(applied.inventory_adjustment_group.is_some());
    assert_eq!(costs(&emu), (Some(13), Some(13)));

    // A negative on_hand: refused, charged 10.
    let answer: Value = client
        .query(&raw_set(
            json!({"name": "on_hand", "reason": "correction", "quantities": [quantity(-1, Some(before + 1))]}),
            "negative",
        ))
        .await
        .unwrap();
    assert_eq!(
        answer["inventorySetQuantities"]["userErrors"],
        json!([{"field": ["input", "quantities", "0", "quantity"], "code": "INVALID_QUANTITY_NEGATIVE",
                "message": "The quantity can't be negative."}])
    );
    assert_eq!(costs(&emu), (Some(13), Some(10)));

    // The same item and location twice: both entries flagged.
    let answer: Value = client
        .query(&raw_set(
            json!({"name": "available", "reason": "correction",
                   "quantities": [quantity(5, Some(before + 1)), quantity(6, Some(before + 1))]}),
            "duplicate",
        ))
        .await
        .unwrap();
    let errors = answer["inventorySetQuantities"]["userErrors"]
        .as_array()
        .unwrap();
    let flagged: Vec<(&Value, &str)> = errors
        .iter()
        .map(|e| (&e["field"], e["code"].as_str().unwrap()))
        .collect();
    let pair = "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR";
    assert_eq!(
        flagged,
        [
            (&json!(["input", "quantities", "0", "locationId"]), pair),
            (&json!(["input", "quantities", "1", "locationId"]), pair)
        ]
    );

    // A bad quantity name: INVALID_NAME alone (the bad reason and item are not reported).
    let answer: Value = client
        .query(&raw_set(
            json!({"name": "damaged", "reason": "no-such-reason", "quantities": [
                {"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": "gid://shopify/Location/1",
                 "quantity": 1, "changeFromQuantity": null}]}),
            "bad-name",
        ))
        .await
        .unwrap();
    let codes: Vec<&str> = answer["inventorySetQuantities"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["INVALID_NAME"]);

    // No @idempotent: a top-level error with path and locations, and the field null in data.
    let bare = GraphQlRequest::mutation(
        "mutation Bare($input: InventorySetQuantitiesInput!) {\n  inventorySetQuantities(input: $input) { userErrors { code } }\n}",
        "Bare",
    )
    .variable("input", json!({"name": "available", "reason": "correction", "quantities": [quantity(1, None)]}))
    .unwrap();
    match client.query::<Value>(&bare).await.unwrap_err() {
        Error::GraphQl {
            errors,
            partial_data,
            ..
        } => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].code(), Some(GraphQlErrorCode::BadRequest));
            assert_eq!(errors[0].path, [json!("inventorySetQuantities")]);
            assert_eq!(
                partial_data.as_deref(),
                Some(&json!({"inventorySetQuantities": null}))
            );
        }
        other => panic!("{other:?}"),
    }
    let raw: Value = reqwest::Client::new()
        .post(format!("{}/admin/api/2026-04/graphql.json", emu.uri()))
        .header("x-shopify-access-token", "shpat_sandbox_token")
        .json(&json!({"query": "mutation Bare($input: InventorySetQuantitiesInput!) {\n  inventorySetQuantities(input: $input) { userErrors { code } }\n}",
                      "operationName": "Bare",
                      "variables": {"input": {"name": "available", "reason": "correction", "quantities": [quantity(1, None)]}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["data"], json!({"inventorySetQuantities": null}));
    assert_eq!(
        raw["errors"][0]["locations"],
        json!([{"line": 2, "column": 3}])
    );
    assert_eq!(raw["errors"][0]["path"], json!(["inventorySetQuantities"]));
}
