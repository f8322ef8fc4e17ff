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
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::order::{
    ChargeAccount, ChargeKind, CurrencyPolicy, CustomerLookup, GlAccountCode, OrderMappingConfig,
    TaxAccountMap, TaxKey, map_order,
};
use stokly_shopify::sandbox::{
    SandboxClock, Scenario, ScenarioBuilder, ShopifyConfig, ShopifyEmulator,
};
use stokly_shopify::shopify::model::PurchasingEntity;
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, PageOptions};
use stokly_shopify::stokly::model::Item;
use stokly_shopify::stokly::{ChannelId, ItemId};

/// The SKU index of the scenario's items that Stokly holds.
fn stokly_index(scenario: &Scenario) -> SkuIndex {
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
    SkuIndex::build(StoklyCatalogue::new(&items), &[])
}

/// The scenario's two VAT rates on accounts 2200 (20%) and 2205 (5%).
fn vat_accounts() -> TaxAccountMap {
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    accounts
}

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

    let index = stokly_index(&scenario);
    let accounts = vat_accounts();
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

#[tokio::test]
async fn tips_duties_fees_and_long_transaction_lists_map_exactly_on_the_sandbox() {
    let scenario = ScenarioBuilder::new(47)
        .skus(30)
        .bundles(5)
        .orders(8)
        .tips(3)
        .duties(2)
        .additional_fees(2)
        .many_transactions(2)
        .build();
    let emu = ShopifyEmulator::start(
        scenario.shopify_state("charges.myshopify.com"),
        ShopifyConfig::standard_plan(),
        SandboxClock::new(Utc::now(), 20.0),
    )
    .await
    .unwrap();
    let client = emu.client_builder().build().unwrap();
    let index = stokly_index(&scenario);
    let accounts = vat_accounts();
    let bare = OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts);
    let shop = [
        (ChargeKind::Tip, "svc-tip", "4910"),
        (ChargeKind::Duties, "svc-duty", "4920"),
        (ChargeKind::AdditionalFees, "svc-fee", "4930"),
    ]
    .into_iter()
    .fold(bare.clone(), |c, (kind, item, account)| {
        c.with_charge_account(
            kind,
            ChargeAccount::new(
                ItemId::new(item).unwrap(),
                GlAccountCode::new(account).unwrap(),
            ),
        )
    });
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
    assert_eq!(refs.len(), 8);
    let mut charged = 0;
    for r in &refs {
        let order = client.order(&r.id).await.unwrap().unwrap();
        let seeded = scenario
            .orders
            .iter()
            .find(|o| o.name == order.name)
            .unwrap();
        assert_eq!(
            order.transactions.len(),
            seeded.failed_payment_attempts + 1,
            "{}: every transaction is read",
            order.name
        );
        for (config, presentment_side) in [(&shop, false), (&presentment, true)] {
            let draft = map_order(&order, &index, config)
                .unwrap_or_else(|e| panic!("{}: {e:?}", order.name));
            let expected = if presentment_side {
                order.current_total_price_set.presentment_money
            } else {
                order.current_total_price_set.shop_money
            };
            assert_eq!(draft.total(), expected, "{}", order.name);
            assert!(draft.rounding_adjustment().is_zero(), "{}", order.name);
            assert_eq!(draft.payments().len(), 1);
            let kinds: Vec<ChargeKind> = draft.charges().iter().map(|c| c.kind).collect();
            let wanted: Vec<ChargeKind> = [
                (!seeded.tip.is_zero()).then_some(ChargeKind::Tip),
                (!seeded.duties.is_zero()).then_some(ChargeKind::Duties),
                (!seeded.additional_fee.is_zero()).then_some(ChargeKind::AdditionalFees),
            ]
            .into_iter()
            .flatten()
            .collect();
            assert_eq!(kinds, wanted, "{}", order.name);
            if !presentment_side {
                if let Some(tip) = draft.charges().iter().find(|c| c.kind == ChargeKind::Tip) {
                    assert_eq!(tip.total.amount(), seeded.tip);
                }
                if let Some(fee) = draft
                    .charges()
                    .iter()
                    .find(|c| c.kind == ChargeKind::AdditionalFees)
                {
                    // 2.40 with 20% VAT included: 2.00 net, 0.40 tax.
                    assert_eq!(fee.amount.amount(), Decimal::new(200, 2));
                    assert_eq!(fee.tax.amount(), Decimal::new(40, 2));
                }
            }
        }
        if !map_order(&order, &index, &shop)
            .unwrap()
            .charges()
            .is_empty()
        {
            charged += 1;
            // Without charge accounts, a charged order is refused, never absorbed.
            let refused = map_order(&order, &index, &bare).unwrap_err();
            assert!(
                refused.exceptions().iter().all(|e| matches!(
                    e,
                    stokly_shopify::domain::order::OrderException::UnmappedCharge { .. }
                )),
                "{refused:?}"
            );
        }
    }
    assert_eq!(charged, 3);
    // Two orders had more transactions than the first read asks for: one re-read each.
    let log = emu.requests();
    assert_eq!(
        log.iter()
            .filter(|r| r.operation == "OrderTransactions")
            .count(),
        2
    );
}
