//! The catalogue audit end to end on the sandbox: both catalogues read through the real
//! clients, and every seeded defect found, with nothing else reported.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::domain::exception::{DomainException, Severity};
use stokly_shopify::sandbox::{
    DefectKind, SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig,
    StoklyEmulator, StoklyState,
};

#[tokio::test]
async fn seeded_defects_are_all_found_and_nothing_else() {
    let scenario = ScenarioBuilder::new(77)
        .skus(60)
        .bundles(5)
        .locations(2)
        .unknown_skus(2)
        .duplicate_skus(1)
        .blank_skus(1)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 20.0);
    let shopify_state = scenario.shopify_state("audit.myshopify.com");
    let mut stokly_state = StoklyState::from_scenario(&scenario, "audit");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await
            .unwrap();
    let stokly = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
        .await
        .unwrap();

    let snapshot = read_catalogue(
        &shopify.client_builder().build().unwrap(),
        &stokly.client_builder().build().unwrap(),
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.variants.len(), 60 + 5 + 2 + 1 + 1);
    assert_eq!(snapshot.items.len(), 65);
    let audit = snapshot.audit();

    // Everything that needs a person is exactly the seeded defects...
    let mut problems: Vec<(&str, Option<String>)> = audit
        .findings
        .iter()
        .filter(|f| f.severity() != Severity::Info)
        .map(|f| (f.code(), f.sku().map(str::to_owned)))
        .collect();
    problems.sort();
    let duplicate = scenario
        .defects
        .iter()
        .find(|d| d.kind == DefectKind::DuplicateSku)
        .unwrap()
        .sku
        .clone();
    let mut expected: Vec<(&str, Option<String>)> = vec![
        (
            "shopify_sku_not_in_stokly",
            Some("SHOPIFY-ONLY-001".to_owned()),
        ),
        (
            "shopify_sku_not_in_stokly",
            Some("SHOPIFY-ONLY-002".to_owned()),
        ),
        ("duplicate_shopify_sku", duplicate),
        ("blank_shopify_sku", None),
    ];
    expected.sort();
    assert_eq!(problems, expected);
    // ...and the rest is the confirmation that every bundle's components match Stokly's.
    let info: Vec<&str> = audit
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Info)
        .map(|f| f.code())
        .collect();
    assert_eq!(info.len(), 5, "{info:?}");
    assert!(
        info.iter().all(|c| *c == "bundle_components_match"),
        "{info:?}"
    );
    assert_eq!(audit.summary.blocking + audit.summary.warnings, 4);
    assert!(!audit.summary.readiness.sentence().is_empty());
}

#[tokio::test]
async fn the_product_push_brings_shopify_back_to_stokly_and_then_has_nothing_to_do() {
    use stokly_shopify::adapters::catalogue::apply_product_push;
    use stokly_shopify::domain::catalogue::{ProductPushOptions, plan_product_push};
    let scenario = ScenarioBuilder::new(12)
        .skus(30)
        .bundles(3)
        .locations(1)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 20.0);
    let mut shopify_state = scenario.shopify_state("push.myshopify.com");
    // Someone edited Shopify by hand: three barcodes changed, two items no longer tracked.
    let edited: Vec<u64> = shopify_state
        .variants
        .values()
        .filter(|v| !v.requires_components)
        .take(5)
        .map(|v| v.id)
        .collect();
    for (n, id) in edited.iter().enumerate() {
        let v = shopify_state.variants.get_mut(id).unwrap();
        if n < 3 {
            v.barcode = Some(format!("HAND-EDIT-{n}"));
        } else {
            v.tracked = false;
        }
    }
    let mut stokly_state = StoklyState::from_scenario(&scenario, "push");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await
            .unwrap();
    let stokly = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
        .await
        .unwrap();
    let shopify_client = shopify.client_builder().build().unwrap();
    let stokly_client = stokly.client_builder().build().unwrap();
    let options = ProductPushOptions::new(stokly_shopify::CurrencyCode::GBP);

    let snapshot = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap();
    let plan = plan_product_push(&snapshot.index(), &options);
    let planned: usize = plan.batches.iter().map(|b| b.variants().len()).sum();
    assert_eq!(planned, 5, "{:#?}", plan.batches);
    let report = apply_product_push(&shopify_client, &plan).await.unwrap();
    assert_eq!((report.saved(), report.rejected()), (5, 0));
    assert_eq!(report.calls, plan.batches.len());
    for id in &edited[..3] {
        let barcode = shopify
            .with_state(|s| s.variants[id].barcode.clone())
            .unwrap();
        assert!(!barcode.starts_with("HAND-EDIT"), "{barcode}");
    }
    assert!(
        edited[3..]
            .iter()
            .all(|id| shopify.with_state(|s| s.variants[id].tracked))
    );

    let again = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        plan_product_push(&again.index(), &options)
            .batches
            .is_empty(),
        "the push converges"
    );
}
