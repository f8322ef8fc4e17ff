//! Orders with taxed import duties (DDP) and cash payments rounded at the till, served by the
//! Shopify emulator, read through the real client, mapped, and posted to the Stokly emulator:
//! each sale order carries the duty with its tax and the cash rounding, and equals the cash
//! that changed hands.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::str::FromStr;
use std::time::Duration;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::Value;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::{
    CashRoundingDown, ChargeAccount, ChargeKind, CurrencyPolicy, GlAccountCode, OrderException,
    OrderSubject, map_order,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{DEFAULT_ORDER_OVERLAP, OrderCursor, PageOptions};
use stokly_shopify::stokly::ItemId;
use support::orders::sandbox_mapping_config;

const SHOP: &str = "duties.myshopify.com";

/// A JSON number or string as an exact decimal.
fn decimal(value: &Value) -> Decimal {
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned);
    Decimal::from_str(&text).unwrap_or_else(|_| panic!("not a number: {value}"))
}

#[tokio::test]
async fn taxed_duties_and_cash_rounding_post_exactly_end_to_end() {
    // Orders 1-5 carry 3.00 of duties with 20% VAT included; orders 1-6 are paid in cash,
    // rounded to 0.05.
    let scenario = ScenarioBuilder::new(47)
        .skus(30)
        .bundles(3)
        .orders(10)
        .duties(5)
        .duty_tax_rate(Decimal::new(20, 2))
        .cash_payments(6)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "duties");
    stokly_state.link_shopify_listings(&shopify_state);
    let duty_item = stokly_state.add_item("SVC-DUTY", "Import duties", 0, None, scenario.epoch);
    let rounding_item =
        stokly_state.add_item("SVC-ROUNDING", "Cash rounding", 0, None, scenario.epoch);
    let shopify =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await
            .unwrap();
    let stokly = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
        .await
        .unwrap();
    let shopify_client = shopify.client_builder().build().unwrap();
    let stokly_client = stokly.client_builder().build().unwrap();
    let index = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap()
    .into_index();
    let charge = |item: &str, account: &str| {
        ChargeAccount::new(
            ItemId::new(item).unwrap(),
            GlAccountCode::new(account).unwrap(),
        )
    };
    let bare = sandbox_mapping_config(&stokly_client).await;
    let config = bare
        .clone()
        .with_charge_account(ChargeKind::Duties, charge(&duty_item, "4920"))
        .with_charge_account(ChargeKind::CashRounding, charge(&rounding_item, "4940"));

    let ids: Vec<_> = shopify_client
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 10);
    // The batched first read (`nodes(ids:)`), as the posting flow reads orders.
    let captured = capture_orders(&shopify_client, &ids, &index, &config)
        .await
        .unwrap();
    assert!(captured.is_complete());

    let (mut taxed, mut rounded, mut both) = (0, 0, 0);
    let (mut rounded_down, mut duties_refused) = (0, 0);
    for (id, mapped) in ids.iter().zip(&captured.mapped) {
        // The same order through the single read, to compare with Shopify's own figures.
        let order = shopify_client.order(id).await.unwrap().unwrap();
        let name = order.name.clone();
        let seeded = scenario.orders.iter().find(|o| o.name == name).unwrap();
        let adjustment = order.total_cash_rounding_adjustment.clone().unwrap();
        let rounding = adjustment.payment_set.shop_money;
        assert!(adjustment.refund_set.shop_money.is_zero());
        let draft = match mapped {
            Ok(draft) => draft,
            Err(refused) => {
                // Cash rounded down: refused for finance, naming the rounding.
                assert!(seeded.cash_rounding.is_some(), "{name}: {refused:?}");
                assert!(rounding.amount().is_sign_negative(), "{name}: {refused:?}");
                assert_eq!(
                    refused.exceptions(),
                    [OrderException::CashRoundedDown {
                        order: OrderSubject::new(order.id.clone(), name.clone()),
                        amount: rounding,
                    }]
                );
                rounded_down += 1;
                if !seeded.duties.is_zero() {
                    duties_refused += 1;
                }
                continue;
            }
        };
        assert_eq!(draft.shopify_order_id(), id);
        let total = order.current_total_price_set.shop_money;
        // The sale order is for the cash that changed hands: Shopify's total plus rounding.
        assert_eq!(
            draft.total(),
            total.checked_add(&rounding).unwrap(),
            "{name}"
        );
        let in_presentment = map_order(
            &order,
            &index,
            &config
                .clone()
                .with_currency_policy(CurrencyPolicy::PresentmentMoney),
        )
        .unwrap();
        assert_eq!(
            in_presentment.total(),
            order
                .current_total_price_set
                .presentment_money
                .checked_add(&adjustment.payment_set.presentment_money)
                .unwrap(),
            "{name}"
        );

        let duties: Vec<_> = order
            .line_items
            .nodes
            .iter()
            .flat_map(|l| l.duties.iter())
            .collect();
        let duty_charge = draft
            .charges()
            .iter()
            .find(|c| c.kind == ChargeKind::Duties);
        if seeded.duties.is_zero() {
            assert!(duties.is_empty(), "{name}");
            assert!(duty_charge.is_none(), "{name}");
        } else {
            taxed += 1;
            // The lines' duties add up to the order's, and each carries its VAT.
            let price: Decimal = duties.iter().map(|d| d.price.shop_money.amount()).sum();
            assert_eq!(price, seeded.duties, "{name}");
            assert_eq!(
                order.current_total_duties_set.unwrap().shop_money.amount(),
                price
            );
            let duty_tax: Decimal = duties
                .iter()
                .flat_map(|d| d.tax_lines.iter())
                .map(|t| t.price_set.shop_money.amount())
                .sum();
            assert!(!duty_tax.is_zero(), "{name}: the duties are taxed");
            let charge = duty_charge.unwrap();
            assert_eq!(charge.item_id.as_str(), duty_item);
            assert_eq!(charge.total.amount(), Decimal::new(300, 2), "{name}");
            assert_eq!(charge.tax.amount(), duty_tax, "{name}");
            assert_eq!(charge.amount.amount(), Decimal::new(300, 2) - duty_tax);
            assert!(charge.taxes.iter().all(|t| t.account.as_str() == "2200"));
            // Without the duty tax on the charge, Shopify's tax total would not be met.
            let taxes: Decimal = draft
                .lines()
                .iter()
                .map(|l| l.line_tax.amount())
                .chain(draft.charges().iter().map(|c| c.tax.amount()))
                .sum::<Decimal>()
                + draft.shipping().tax.amount();
            assert_eq!(taxes, order.current_total_tax_set.shop_money.amount());
        }

        let rounding_charge = draft
            .charges()
            .iter()
            .find(|c| c.kind == ChargeKind::CashRounding);
        if seeded.cash_rounding.is_some() {
            let [cash] = draft.payments() else {
                panic!("{name}: one payment")
            };
            assert_eq!(cash.gateway.as_deref(), Some("cash"));
            assert_eq!(cash.amount, draft.total(), "{name}");
            // Cash is a whole number of 0.05 coins.
            assert!(
                (draft.total().amount() * Decimal::from(20))
                    .fract()
                    .is_zero(),
                "{name}: {}",
                draft.total()
            );
            if rounding.is_zero() {
                assert!(rounding_charge.is_none());
            } else {
                rounded += 1;
                let charge = rounding_charge.unwrap();
                assert_eq!(charge.total, rounding, "{name}");
                assert!(charge.tax.is_zero());
                assert_eq!(charge.item_id.as_str(), rounding_item);
                if duty_charge.is_some() {
                    both += 1;
                }
                // Without a rounding account the order is refused, never absorbed.
                let refused = map_order(
                    &order,
                    &index,
                    &bare
                        .clone()
                        .with_charge_account(ChargeKind::Duties, charge_of(&duty_item)),
                )
                .unwrap_err();
                assert_eq!(
                    refused
                        .exceptions()
                        .iter()
                        .map(DomainException::code)
                        .collect::<Vec<_>>(),
                    ["unmapped_charge"],
                    "{name}"
                );
            }
        } else {
            assert!(rounding.is_zero(), "{name}");
            assert!(rounding_charge.is_none(), "{name}");
        }
    }
    // The seed produces all of them; if the generator changes, say so rather than pass
    // vacuously.
    assert_eq!(taxed + duties_refused, 5);
    assert!(taxed > 0, "no order with taxed duties was posted");
    assert!(rounded > 0, "no cash payment was rounded up");
    assert!(rounded_down > 0, "no cash payment was rounded down");
    assert!(both > 0, "no order has both taxed duties and cash rounding");

    // Posting: one Stokly sale order each, with the duty and rounding lines and the cash.
    let customers = StoklyCustomers::new(stokly_client.clone());
    let ledger = InMemoryPostingLedger::new();
    let posting = PostingConfig::default()
        .with_visibility_window(Duration::from_millis(400))
        .with_uncertain_polls(8, Duration::from_millis(100));
    let outcomes = post_orders(
        SHOP,
        &captured.mapped,
        PostingPorts::new(&ledger, &stokly_client, &customers),
        &posting,
    )
    .await;
    let created = outcomes
        .iter()
        .filter(|o| matches!(o.result, PostResult::Created { .. }))
        .count();
    assert_eq!(created, 10 - rounded_down, "{outcomes:?}");
    let state = stokly.state();
    assert_eq!(state.sale_orders.len(), created);
    for draft in captured.mapped.iter().filter_map(|m| m.as_ref().ok()) {
        let order = state
            .sale_orders
            .iter()
            .find(|o| o["sourceReferenceId"] == draft.source_reference_id())
            .unwrap();
        let lines: Vec<&Value> = state
            .sale_order_lines
            .iter()
            .filter(|l| l["saleOrderId"] == order["saleOrderId"])
            .collect();
        assert_eq!(lines.len(), draft.lines().len() + draft.charges().len());
        for charge in draft.charges() {
            let line = lines
                .iter()
                .find(|l| l["referenceId"] == charge.item_id.as_str())
                .unwrap();
            assert_eq!(decimal(&line["quantity"]), Decimal::ONE);
            assert_eq!(decimal(&line["displayPrice"]), charge.amount.amount());
            assert_eq!(decimal(&line["displayTax"]), charge.tax.amount());
        }
        let paid: Decimal = order["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| decimal(&p["amount"]))
            .sum();
        assert_eq!(
            paid,
            draft.total().amount(),
            "{}",
            draft.customer_reference()
        );
    }

    // Finance opts to take cash rounded down off the goods lines: a second run posts exactly
    // the orders the first refused, each for the cash taken.
    let off_lines = config
        .clone()
        .with_cash_rounding_down(CashRoundingDown::OffTheLines);
    let again = capture_orders(&shopify_client, &ids, &index, &off_lines)
        .await
        .unwrap();
    let outcomes = post_orders(
        SHOP,
        &again.mapped,
        PostingPorts::new(&ledger, &stokly_client, &customers),
        &posting,
    )
    .await;
    let created: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o.result, PostResult::Created { .. }))
        .collect();
    assert_eq!(created.len(), rounded_down, "{outcomes:?}");
    let state = stokly.state();
    assert_eq!(state.sale_orders.len(), 10);
    for outcome in created {
        let draft = again
            .mapped
            .iter()
            .filter_map(|m| m.as_ref().ok())
            .find(|d| d.shopify_order_id() == &outcome.order_id)
            .unwrap();
        let down = draft.cash_rounding_off_lines().unwrap();
        assert!(down.amount().is_sign_negative());
        assert!(
            draft
                .charges()
                .iter()
                .all(|c| c.kind != ChargeKind::CashRounding)
        );
        let sale_order = state
            .sale_orders
            .iter()
            .find(|o| o["sourceReferenceId"] == draft.source_reference_id())
            .unwrap();
        let paid: Decimal = sale_order["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| decimal(&p["amount"]))
            .sum();
        assert_eq!(paid, draft.total().amount());
        assert!((paid * Decimal::from(20)).fract().is_zero(), "{paid}");
    }
}

fn charge_of(item: &str) -> ChargeAccount {
    ChargeAccount::new(
        ItemId::new(item).unwrap(),
        GlAccountCode::new("4920").unwrap(),
    )
}
