//! Refunds of posted orders become Stokly credit documents, exactly once, on the sandbox.
//!
//! Run with:
//! ```sh
//! cargo run --example refund_orders
//! ```
//!
//! It generates a shop (catalogue with native bundles, orders), captures and posts the orders
//! to the Stokly emulator, then refunds some of them in the Shopify emulator with
//! `refundCreate` (with `@idempotent`): one in full with its shipping, one in part, one for
//! shipping only, one after Stokly dispatched it (restocked), one bundle, and one that asks
//! for more than was paid (refused, as Shopify refuses it). The two dispatched orders are
//! dispatched in the Stokly emulator, and the units Stokly dispatched are read from its
//! dispatches (`read_dispatched_units`), not given by hand. It re-reads each order's refunds
//! through `shopify::Client::order_refunds` (a `refunds/create` webhook is only a doorbell),
//! maps each with `map_refund` against the posted sale order, posts the credits through the
//! exactly-once protocol to the Stokly emulator's credit endpoint (an **inferred** path:
//! Stokly's is not public), and runs again: nothing new is created. It prints the credits
//! and the exceptions. Against real accounts, point the two clients at Shopify and Stokly
//! and set the credit paths with `InferredEndpoints::with_sale_order_credit_notes` and
//! `with_credit_notes`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // an example should fail loudly

use std::collections::BTreeMap;
use std::time::Duration;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::adapters::refunds::{
    post_credits, read_and_map_refunds, read_dispatched_units,
};
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::{
    ChargeAccount, CurrencyPolicy, GlAccountCode, OrderMappingConfig, SaleOrderDraft,
    TaxAccountMap, TaxKey,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::domain::refund::{
    CreditDraft, RefundDecision, RefundMappingConfig, SaleOrderFacts, SaleOrderState, StockEffect,
};
use stokly_shopify::sandbox::stokly::DispatchSpec;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{
    self, DEFAULT_ORDER_OVERLAP, GraphQlRequest, OrderCursor, OrderId, PageOptions,
};
use stokly_shopify::stokly::{ItemId, ListQuery, LocationId, SaleOrderId};

const SHOP: &str = "refunds.myshopify.com";

/// The crate reads refunds; it does not make them. The example refunds as a merchant would.
const REFUND_CREATE: &str =
    "mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}";

async fn refund(shopify: &shopify::Client, input: Value) -> Result<String, String> {
    let request = GraphQlRequest::mutation(REFUND_CREATE, "RefundCreate")
        .variable("input", input)
        .unwrap()
        .idempotent("idempotencyKey");
    let response = shopify.execute(&request).await.map_err(|e| e.to_string())?;
    let payload = &response.data.unwrap_or_default()["refundCreate"];
    match payload["userErrors"].as_array() {
        Some(errors) if !errors.is_empty() => Err(errors[0]["message"].to_string()),
        _ => Ok(payload["refund"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()),
    }
}

/// The refund of `units` of each line, at the draft's amounts for them, plus `shipping`, paid
/// back on the order's sale.
fn refund_input(
    draft: &SaleOrderDraft,
    lines: &[(usize, i64, &str)],
    shipping: Decimal,
    note: &str,
) -> Value {
    let mut money = shipping;
    let items: Vec<Value> = lines
        .iter()
        .map(|&(i, units, restock)| {
            let line = &draft.lines()[i];
            money += (line.line_total.amount() * Decimal::from(units)
                / Decimal::from(line.quantity))
            .round_dp(2);
            json!({"lineItemId": line.shopify_line_id.as_str(), "quantity": units, "restockType": restock})
        })
        .collect();
    let order = draft.shopify_order_id();
    json!({
        "orderId": order.as_str(), "note": note, "refundLineItems": items,
        "shipping": {"amount": shipping.to_string()},
        "transactions": [{"amount": money.to_string(), "gateway": "shopify_payments", "kind": "REFUND",
            "orderId": order.as_str(), "parentId": format!("gid://shopify/OrderTransaction/{}", order.numeric_id())}],
    })
}

fn describe(credit: &CreditDraft) -> String {
    let mut parts = Vec::new();
    for l in credit.lines() {
        let stock: Vec<String> = l
            .stock
            .iter()
            .map(|m| match &m.effect {
                StockEffect::RemoveFromOrder => format!("{} off the order", m.units),
                StockEffect::Restock { location } => format!("{} restocked at {location}", m.units),
                StockEffect::NotRestocked { reason } => {
                    format!("{} not restocked ({reason:?})", m.units)
                }
                _ => format!("{} other", m.units),
            })
            .collect();
        let bundle = l
            .bundle
            .as_ref()
            .map_or(String::new(), |b| format!(" [bundle {}]", b.title));
        parts.push(format!(
            "{} x {} net {} tax {}{bundle}: {}",
            l.quantity,
            l.sku,
            l.net.amount(),
            l.tax.amount(),
            stock.join(", ")
        ));
    }
    if let Some(s) = credit.shipping() {
        parts.push(format!(
            "shipping net {} tax {}",
            s.amount.amount(),
            s.tax.amount()
        ));
    }
    for c in credit.charges() {
        parts.push(format!("{} {}", c.kind.label(), c.amount.amount()));
    }
    parts.join("; ")
}

#[tokio::main]
async fn main() {
    let scenario = ScenarioBuilder::new(2027)
        .skus(20)
        .bundles(3)
        .orders(16)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "refunds");
    stokly_state.link_shopify_listings(&shopify_state);
    let shop = ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
        .await
        .expect("Shopify emulator");
    let erp = StoklyEmulator::start(
        stokly_state,
        StoklyConfig::default()
            .with_visibility_delay(Duration::from_secs(10))
            .with_requests_per_minute(100_000),
        clock,
    )
    .await
    .expect("Stokly emulator");
    let shopify = shop.client_builder().build().expect("Shopify client");
    let stokly = erp.client_builder().build().expect("Stokly client");

    // Post the orders (see the capture_orders and order_to_cash examples).
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .expect("catalogue")
        .into_index();
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .expect("channels")
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .expect("a Shopify channel")
        .channel_id;
    let mut taxes = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        taxes.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    let order_config = OrderMappingConfig::new(channel, taxes);
    let ids: Vec<OrderId> = shopify
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .expect("orders");
    let captured = capture_orders(&shopify, &ids, &index, &order_config)
        .await
        .expect("capture");
    let ledger = InMemoryPostingLedger::new();
    let customers = StoklyCustomers::new(stokly.clone());
    let posting = PostingConfig::default()
        .with_visibility_window(Duration::from_secs(10))
        .with_uncertain_polls(8, Duration::from_millis(100));
    let outcomes = post_orders(
        SHOP,
        &captured.mapped,
        PostingPorts::new(&ledger, &stokly, &customers),
        &posting,
    )
    .await;
    let posted_at = erp.clock().now();
    let mut posted: BTreeMap<u64, (SaleOrderDraft, SaleOrderId)> = BTreeMap::new();
    for (mapped, outcome) in captured.mapped.iter().zip(&outcomes) {
        if let (Ok(draft), PostResult::Created { sale_order }) = (mapped, &outcome.result) {
            posted.insert(
                draft.shopify_order_id().numeric_id(),
                (draft.clone(), sale_order.clone()),
            );
        }
    }
    println!("posted {} sale orders", posted.len());

    // Stokly dispatches two of them in full (the one to be refunded after dispatch, and the
    // bundle), before any refund.
    let warehouse = erp.state().locations[0]["locationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let drafts_so: Vec<(&SaleOrderDraft, &SaleOrderId)> =
        posted.values().map(|(d, s)| (d, s)).collect();

    // Refund some of them in Shopify.
    let drafts: Vec<&SaleOrderDraft> = posted.values().map(|(d, _)| d).collect();
    let with_bundle = drafts
        .iter()
        .position(|d| d.lines().iter().any(|l| l.bundle.is_some()))
        .expect("an order with a bundle");
    let shipping_of = |d: &SaleOrderDraft| d.shipping().cost.amount() + d.shipping().tax.amount();
    let shipping_only = (0..drafts.len())
        .find(|&i| i != with_bundle && !shipping_of(drafts[i]).is_zero())
        .expect("an order with shipping");
    let others: Vec<usize> = (0..drafts.len())
        .filter(|&i| i != with_bundle && i != shipping_only)
        .collect();
    let (full, partial, dispatched, greedy) = (others[0], others[1], others[2], others[3]);
    for i in [dispatched, with_bundle] {
        let (draft, sale_order) = drafts_so[i];
        let id = erp
            .dispatch(sale_order.as_str(), &DispatchSpec::from(&warehouse))
            .expect("dispatch");
        println!("Stokly dispatched {} ({id})", draft.customer_reference());
    }
    let all_lines =
        |d: &SaleOrderDraft, restock: &'static str| -> Vec<(usize, i64, &'static str)> {
            (0..d.lines().len())
                .map(|i| (i, d.lines()[i].quantity, restock))
                .collect()
        };
    let bundle_lines: Vec<(usize, i64, &str)> = drafts[with_bundle]
        .lines()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.bundle.is_some())
        .map(|(i, l)| (i, l.quantity, "RETURN"))
        .collect();
    let plan: Vec<(&str, usize, Value)> = vec![
        (
            "full, with shipping",
            full,
            refund_input(
                drafts[full],
                &all_lines(drafts[full], "CANCEL"),
                shipping_of(drafts[full]),
                "cancelled by the customer",
            ),
        ),
        (
            "partial",
            partial,
            refund_input(
                drafts[partial],
                &[(0, 1, "CANCEL")],
                Decimal::ZERO,
                "one unit out of stock",
            ),
        ),
        (
            "shipping only",
            shipping_only,
            refund_input(
                drafts[shipping_only],
                &[],
                shipping_of(drafts[shipping_only]),
                "late delivery",
            ),
        ),
        (
            "after dispatch, restocked",
            dispatched,
            refund_input(
                drafts[dispatched],
                &[(0, 1, "RETURN")],
                Decimal::ZERO,
                "returned",
            ),
        ),
        (
            "bundle",
            with_bundle,
            refund_input(
                drafts[with_bundle],
                &bundle_lines,
                Decimal::ZERO,
                "bundle returned",
            ),
        ),
    ];
    for (label, i, input) in &plan {
        match refund(&shopify, input.clone()).await {
            Ok(id) => println!(
                "refunded {} ({label}): {id}",
                drafts[*i].customer_reference()
            ),
            Err(e) => println!(
                "refund of {} ({label}) refused: {e}",
                drafts[*i].customer_reference()
            ),
        }
    }
    let mut greedy_input = refund_input(drafts[greedy], &[], Decimal::ZERO, "too much");
    greedy_input["transactions"][0]["amount"] = json!("99999.00");
    greedy_input["allowOverRefunding"] = json!(true);
    match refund(&shopify, greedy_input).await {
        Ok(id) => println!(
            "over-refund of {} accepted?! {id}",
            drafts[greedy].customer_reference()
        ),
        Err(e) => println!(
            "over-refund of {} refused: {e}",
            drafts[greedy].customer_reference()
        ),
    }

    // Re-read, map and credit.
    let location = LocationId::new(warehouse.clone()).unwrap();
    let refund_config = RefundMappingConfig::new(CurrencyPolicy::ShopMoney)
        .with_shipping_account(GlAccountCode::new("4090").unwrap())
        .with_adjustments(ChargeAccount::new(
            ItemId::new("refund-adjustment").unwrap(),
            GlAccountCode::new("4099").unwrap(),
        ))
        .with_default_restock_location(location);
    let mut credits = Vec::new();
    let mut exceptions: Vec<Box<dyn DomainException>> = Vec::new();
    for (label, i, _) in &plan {
        let draft = drafts[*i];
        let (_, sale_order) = &posted[&draft.shopify_order_id().numeric_id()];
        // What Stokly dispatched comes from Stokly (its dispatches, as the fulfilment flow
        // reads them); an order whose dispatches cannot all be read is left for a person.
        let facts = SaleOrderFacts::new(sale_order.clone(), draft.clone(), posted_at);
        let facts = match read_dispatched_units(&shopify, &stokly, facts)
            .await
            .expect("read dispatches")
            .expect("the order exists")
            .complete()
        {
            Ok(facts) => facts,
            Err(problems) => {
                exceptions.extend(
                    problems
                        .into_iter()
                        .map(|p| Box::new(p) as Box<dyn DomainException>),
                );
                continue;
            }
        };
        let mapped = read_and_map_refunds(
            &shopify,
            draft.shopify_order_id(),
            SaleOrderState::Posted(&facts),
            &refund_config,
        )
        .await
        .expect("read refunds")
        .expect("the order exists");
        for m in mapped {
            match m.decision {
                Ok(RefundDecision::Credit(credit)) => {
                    println!(
                        "  {} ({label}): credit {} = {}",
                        draft.customer_reference(),
                        credit.total(),
                        describe(&credit)
                    );
                    credits.push(credit);
                }
                Ok(other) => println!("  {} ({label}): {other:?}", draft.customer_reference()),
                Err(rejection) => exceptions.extend(
                    rejection
                        .exceptions
                        .into_iter()
                        .map(|e| Box::new(e) as Box<dyn DomainException>),
                ),
            }
        }
    }
    for run in 1..=2 {
        let results = post_credits(&credits, &stokly, &ledger, &SYSTEM_CLOCK, posting).await;
        let created = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Created(_)))
            .count();
        let found = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::AlreadyDone(_)))
            .count();
        println!("run {run}: {created} credit document(s) created, {found} already there");
        if run == 2 {
            assert_eq!(created, 0, "a rerun creates nothing");
        }
    }
    let requests = erp
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/credit-notes"))
        .count();
    println!(
        "{} credit notes in Stokly; {requests} credit requests for {} credits over two runs",
        erp.state().credit_notes.len(),
        credits.len()
    );
    println!("{} exception(s)", exceptions.len());
    for e in &exceptions {
        println!(
            "  [{}] {}: {} ({})",
            e.owner(),
            e.code(),
            e.reason(),
            e.fix_hint()
        );
    }
}
