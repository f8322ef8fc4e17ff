//! Orders read through the real Shopify client from the emulator: incremental reads with a
//! stored cursor, complete reads of long orders, and totals that add up to the cent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use chrono::Utc;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::Money;
use stokly_shopify::sandbox::shopify::ShopifyState;
use stokly_shopify::sandbox::{SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::model::{MoneyBag, Order, PurchasingEntity};
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, PageOptions};

const DOMAIN: &str = "orders.myshopify.com";

async fn emulator(state: ShopifyState) -> ShopifyEmulator {
    ShopifyEmulator::start(
        state,
        ShopifyConfig::standard_plan(),
        SandboxClock::new(Utc::now(), 20.0),
    )
    .await
    .unwrap()
}

fn sum<'a>(bags: impl Iterator<Item = &'a MoneyBag>, presentment: bool) -> Decimal {
    bags.map(|b| {
        if presentment {
            b.presentment_money.amount()
        } else {
            b.shop_money.amount()
        }
    })
    .sum()
}

fn check_totals(order: &Order) {
    for presentment in [false, true] {
        let lines = sum(
            order
                .line_items
                .nodes
                .iter()
                .map(|l| &l.discounted_total_set),
            presentment,
        );
        let shipping = sum(
            order
                .shipping_lines
                .nodes
                .iter()
                .map(|s| &s.current_discounted_price_set),
            presentment,
        );
        let total = if presentment {
            order.current_total_price_set.presentment_money
        } else {
            order.current_total_price_set.shop_money
        };
        assert_eq!(
            lines + shipping,
            total.amount(),
            "{} total (presentment: {presentment})",
            order.name
        );
        let line_tax = sum(
            order
                .line_items
                .nodes
                .iter()
                .flat_map(|l| l.tax_lines.iter())
                .map(|t| &t.price_set),
            presentment,
        );
        let shipping_tax = sum(
            order
                .shipping_lines
                .nodes
                .iter()
                .flat_map(|s| s.tax_lines.iter())
                .map(|t| &t.price_set),
            presentment,
        );
        let order_tax = sum(order.tax_lines.iter().map(|t| &t.price_set), presentment);
        assert_eq!(
            line_tax + shipping_tax,
            order_tax,
            "{} tax lines",
            order.name
        );
    }
    let paid: Vec<&Money> = order
        .transactions
        .iter()
        .map(|t| &t.amount_set.shop_money)
        .collect();
    assert_eq!(
        Money::sum(order.currency_code, paid).unwrap(),
        order.current_total_price_set.shop_money
    );
}

#[tokio::test]
async fn incremental_read_of_every_order_with_exact_totals() {
    let scenario = ScenarioBuilder::new(31)
        .skus(40)
        .bundles(6)
        .orders(30)
        .build();
    let emu = emulator(scenario.shopify_state(DOMAIN)).await;
    let client = emu.client_builder().build().unwrap();

    let mut cursor = OrderCursor::start();
    let refs: Vec<_> = client
        .orders_updated_since(
            &cursor,
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default().with_page_size(7),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(refs.len(), 30);
    assert!(
        refs.windows(2).all(|w| w[0].updated_at <= w[1].updated_at),
        "oldest change first"
    );
    let mut bundles = 0;
    let mut companies = 0;
    for r in &refs {
        cursor.advance(r);
        let order = client.order(&r.id).await.unwrap().unwrap();
        assert_eq!(order.name, r.name);
        check_totals(&order);
        bundles += order
            .line_items
            .nodes
            .iter()
            .filter(|l| l.line_item_group.is_some())
            .count();
        if matches!(
            order.purchasing_entity,
            Some(PurchasingEntity::PurchasingCompany { .. })
        ) {
            companies += 1;
        }
    }
    let expected_b2b = scenario
        .orders
        .iter()
        .filter(|o| o.company.is_some())
        .count();
    assert_eq!(companies, expected_b2b);
    let expected_components = scenario
        .orders
        .iter()
        .flat_map(|o| &o.lines)
        .filter(|l| l.bundle_sku.is_some())
        .count();
    assert_eq!(
        bundles, expected_components,
        "every bundle component line carries its lineItemGroup"
    );

    // Nothing changed: a read from the stored cursor returns only the overlap window.
    let latest = cursor.updated_at.unwrap();
    let again: Vec<_> = client
        .orders_updated_since(&cursor, DEFAULT_ORDER_OVERLAP, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.updated_at >= latest - chrono::Duration::minutes(5))
    );
    // One order changes later: the next read includes it.
    let changed = emu.with_state(|s| {
        let o = s.orders.values_mut().next().unwrap();
        o.updated_at = latest + chrono::Duration::hours(2);
        o.id
    });
    let after: Vec<_> = client
        .orders_updated_since(&cursor, DEFAULT_ORDER_OVERLAP, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after.last().unwrap().id.numeric_id(), changed);
}

#[tokio::test]
async fn an_order_with_three_hundred_lines_is_read_completely() {
    let mut state = ShopifyState::new(DOMAIN, stokly_shopify::CurrencyCode::GBP);
    let now = Utc::now();
    let product = state.add_product(
        "Screws",
        stokly_shopify::shopify::model::ProductStatus::Active,
    );
    let variant = state.add_variant(
        product,
        Some("SCREW-1"),
        None,
        Decimal::new(10, 2),
        true,
        now,
    );
    let lines: Vec<(u64, i64, Decimal, Decimal)> = (0..300)
        .map(|i| {
            (
                variant,
                1 + i % 3,
                Decimal::new(10 * (1 + i % 3), 2),
                Decimal::new(20, 2),
            )
        })
        .collect();
    let id = state.add_order("#9001", now, &lines);
    let emu = emulator(state).await;
    let client = emu.client_builder().build().unwrap();
    let order = client
        .order(&stokly_shopify::shopify::OrderId::from_numeric(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.line_items.nodes.len(), 300);
    let mut ids: Vec<_> = order
        .line_items
        .nodes
        .iter()
        .map(|l| l.id.clone())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 300, "no line twice");
    let units: i64 = order.line_items.nodes.iter().map(|l| l.quantity).sum();
    assert_eq!(units, lines.iter().map(|l| l.1).sum::<i64>());
    check_totals(&order);
    // The first read takes 20 lines, the follow-ups 30 at a time: 1 + ceil(280 / 30) = 11 calls,
    // each under Shopify's 1,000-point limit.
    let log = emu.requests();
    assert_eq!(log.iter().filter(|r| r.operation == "Order").count(), 1);
    assert_eq!(
        log.iter()
            .filter(|r| r.operation == "OrderLineItems")
            .count(),
        10
    );
    assert!(
        log.iter().all(|r| r.requested_cost.unwrap_or(0) <= 1000),
        "{:?}",
        log.iter().map(|r| r.requested_cost).collect::<Vec<_>>()
    );
    assert!(
        client
            .order(&stokly_shopify::shopify::OrderId::from_numeric(1))
            .await
            .unwrap()
            .is_none()
    );
}
