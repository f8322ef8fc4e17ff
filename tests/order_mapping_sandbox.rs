//! Every order the sandbox generates, read through the real Shopify client, maps to a
//! sale-order draft whose total equals Shopify's current total, in shop and presentment money.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use chrono::Utc;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::domain::order::{
    CurrencyPolicy, CustomerLookup, GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey,
    map_order,
};
use stokly_shopify::domain::sku::{SkuIndex, StoklyCatalogue};
use stokly_shopify::sandbox::{SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::model::PurchasingEntity;
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, PageOptions};
use stokly_shopify::stokly::ChannelId;
use stokly_shopify::stokly::model::Item;

#[tokio::test]
async fn every_sandbox_order_maps_to_a_draft_with_shopifys_total() {
    let scenario = ScenarioBuilder::new(47)
        .skus(30)
        .bundles(5)
        .orders(25)
        .build();
    let emu = ShopifyEmulator::start(
        scenario.shopify_state("mapping.myshopify.com"),
        ShopifyConfig::standard_plan(),
        SandboxClock::new(Utc::now(), 20.0),
    )
    .await
    .unwrap();
    let client = emu.client_builder().build().unwrap();

    let items: Vec<Item> = scenario
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.in_stokly)
        .map(|(n, item)| {
            let format = if item.components.is_empty() { 0 } else { 1 };
            serde_json::from_value(json!({
                "itemId": format!("item-{n}"), "sku": item.sku, "name": item.name,
                "format": format, "status": 0
            }))
            .unwrap()
        })
        .collect();
    let index = SkuIndex::build(StoklyCatalogue::new(&items), &[]);
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    let shop = OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts);
    let presentment = shop
        .clone()
        .with_currency_policy(CurrencyPolicy::PresentmentMoney);

    let refs: Vec<_> = client
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(refs.len(), 25);
    let (mut bundle_lines, mut trade) = (0, 0);
    for r in &refs {
        let order = client.order(&r.id).await.unwrap().unwrap();
        for (config, bag_side) in [(&shop, false), (&presentment, true)] {
            let draft = map_order(&order, &index, config)
                .unwrap_or_else(|e| panic!("{}: {e:?}", order.name));
            let expected = if bag_side {
                order.current_total_price_set.presentment_money
            } else {
                order.current_total_price_set.shop_money
            };
            assert_eq!(draft.total(), expected, "{}", order.name);
            let lines: Decimal = draft.lines().iter().map(|l| l.line_total.amount()).sum();
            assert_eq!(
                lines + draft.shipping().cost.amount() + draft.shipping().tax.amount(),
                expected.amount(),
                "{}",
                order.name
            );
            assert_eq!(
                draft.lines().len() + draft.omitted_lines().len(),
                order.line_items.nodes.len()
            );
            assert_eq!(
                draft.source_reference_id(),
                order.id.numeric_id().to_string()
            );
        }
        let draft = map_order(&order, &index, &shop).unwrap();
        bundle_lines += draft.lines().iter().filter(|l| l.bundle.is_some()).count();
        if matches!(
            order.purchasing_entity,
            Some(PurchasingEntity::PurchasingCompany { .. })
        ) {
            assert!(matches!(draft.customer(), CustomerLookup::Trade { .. }));
            trade += 1;
        }
    }
    // The seed produces both kinds; if the generator changes, say so rather than pass vacuously.
    assert!(bundle_lines > 0, "no bundle components in the scenario");
    assert!(trade > 0, "no B2B orders in the scenario");
}
