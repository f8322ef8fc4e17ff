//! Refunds end to end on the sandbox: orders generated in the Shopify emulator are captured
//! and posted to the Stokly emulator; refunds of them (after dispatch with restock, before
//! dispatch) are mapped and credited against the sale orders exactly once, through lost
//! answers and server errors; a rerun creates nothing; the steady state costs at most 1.05
//! Stokly requests per credit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use stokly_shopify::adapters::exactly_once::SYSTEM_CLOCK;
use stokly_shopify::adapters::orders::{PostingPorts, StoklyCustomers, post_orders};
use stokly_shopify::adapters::refunds::post_credits;
use stokly_shopify::domain::exactly_once::Outcome;
use stokly_shopify::domain::order::{CurrencyPolicy, GlAccountCode, SaleOrderDraft};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::domain::refund::{
    CreditDraft, RefundDecision, RefundMappingConfig, SaleOrderFacts, SaleOrderState, StockEffect,
    map_refund,
};
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::model::{OrderRefunds, Refund};
use stokly_shopify::stokly;
use stokly_shopify::stokly::LocationId;
use support::orders::{capture_all, fast_client, start_shop};

const SHOP: &str = "refunds.myshopify.com";

struct World {
    /// The posted orders' state, to start Stokly emulators from.
    state: StoklyState,
    clock: SandboxClock,
    epoch: DateTime<Utc>,
    /// Posted drafts with their sale orders.
    posted: Vec<(SaleOrderDraft, stokly::SaleOrderId)>,
}

async fn world(orders: usize) -> World {
    let scenario = ScenarioBuilder::new(61)
        .skus(30)
        .bundles(3)
        .orders(orders)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let (shopify, stokly_state) = start_shop(&scenario, SHOP, "refunds", &clock).await;
    let stokly = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock.clone())
        .await
        .unwrap();
    let stokly_client = fast_client(&stokly);
    let captured = capture_all(&shopify, &stokly_client).await.captured;
    let ledger = InMemoryPostingLedger::new();
    let customers = StoklyCustomers::new(stokly_client.clone());
    let outcomes = post_orders(
        SHOP,
        &captured.mapped,
        PostingPorts::new(&ledger, &stokly_client, &customers),
        &PostingConfig::default(),
    )
    .await;
    let drafts: HashMap<_, _> = captured
        .mapped
        .iter()
        .filter_map(|m| m.as_ref().ok())
        .map(|d| (d.shopify_order_id().clone(), d.clone()))
        .collect();
    let posted = outcomes
        .iter()
        .filter_map(|o| match &o.result {
            PostResult::Created { sale_order } => {
                Some((drafts[&o.order_id].clone(), sale_order.clone()))
            }
            _ => None,
        })
        .collect();
    World {
        state: stokly.state(),
        clock,
        epoch: scenario.epoch,
        posted,
    }
}

fn bag(amount: &str, currency: &str) -> Value {
    json!({
        "shopMoney": {"amount": amount, "currencyCode": currency},
        "presentmentMoney": {"amount": amount, "currencyCode": currency},
    })
}

/// A refund of every unit of the draft's first line, at Shopify's amounts for it, created a
/// day after `epoch`.
fn full_line_refund(draft: &SaleOrderDraft, n: usize) -> (Refund, OrderRefunds) {
    let line = &draft.lines()[0];
    let currency = draft.currency().as_str().to_owned();
    let subtotal = if draft.taxes_included() {
        line.line_total
    } else {
        line.line_price
    };
    let refund: Refund = serde_json::from_value(json!({
        "id": format!("gid://shopify/Refund/{}", 7000 + n),
        "createdAt": "2026-12-31T10:00:00Z",
        "processedAt": "2026-12-31T10:00:00Z",
        "note": null,
        "totalRefundedSet": bag(&line.line_total.amount().to_string(), &currency),
        "refundLineItems": {"nodes": [{
            "lineItem": {"id": line.shopify_line_id.as_str(), "sku": line.sku},
            "quantity": line.quantity,
            "restockType": "RETURN",
            "restocked": true,
            "location": null,
            "subtotalSet": bag(&subtotal.amount().to_string(), &currency),
            "totalTaxSet": bag(&line.line_tax.amount().to_string(), &currency),
        }], "pageInfo": {"hasNextPage": false}},
        "refundShippingLines": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "orderAdjustments": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "transactions": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "duties": [],
    }))
    .unwrap();
    let order: OrderRefunds = serde_json::from_value(json!({
        "id": draft.shopify_order_id().as_str(),
        "name": draft.customer_reference(),
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "refunds": [serde_json::to_value(&refund).unwrap()],
        "returns": {"nodes": [], "pageInfo": {"hasNextPage": false}},
    }))
    .unwrap();
    (refund, order)
}

/// Credits for every posted order: the even ones dispatched (restocked at `location`), the
/// odd ones not yet (units off the order).
fn credits(w: &World, location: &LocationId) -> Vec<CreditDraft> {
    let config = RefundMappingConfig::new(CurrencyPolicy::ShopMoney)
        .with_shipping_account(GlAccountCode::new("4090").unwrap())
        .with_default_restock_location(location.clone());
    w.posted
        .iter()
        .enumerate()
        .map(|(n, (draft, sale_order))| {
            let (refund, order) = full_line_refund(draft, n);
            let line = &draft.lines()[0];
            let mut facts = SaleOrderFacts::new(sale_order.clone(), draft.clone(), w.epoch);
            if n % 2 == 0 {
                facts = facts.with_dispatched(line.shopify_line_id.clone(), line.quantity);
            }
            match map_refund(&refund, &order, SaleOrderState::Posted(&facts), &config) {
                Ok(RefundDecision::Credit(credit)) => {
                    assert_eq!(credit.total(), line.line_total, "balances to the refund");
                    let expected = if n % 2 == 0 {
                        StockEffect::Restock {
                            location: location.clone(),
                        }
                    } else {
                        StockEffect::RemoveFromOrder
                    };
                    assert_eq!(credit.lines()[0].stock[0].effect, expected);
                    credit
                }
                other => panic!("order {}: {other:?}", draft.customer_reference()),
            }
        })
        .collect()
}

fn warehouse(state: &StoklyState) -> LocationId {
    LocationId::new(state.locations[0]["locationId"].as_str().unwrap()).unwrap()
}

/// Credit notes in Stokly per external reference.
fn credit_counts(stokly: &StoklyEmulator) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for note in stokly.state().credit_notes {
        *counts
            .entry(note["externalReference"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    counts
}

fn credit_requests(stokly: &StoklyEmulator) -> usize {
    stokly
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/credit-notes"))
        .count()
}

#[tokio::test]
async fn credits_are_posted_once_at_under_1_05_requests_each_and_a_rerun_creates_nothing() {
    let w = world(60).await;
    assert!(w.posted.len() >= 50, "{} posted", w.posted.len());
    let erp = StoklyEmulator::start(
        w.state.clone(),
        StoklyConfig::default().with_requests_per_minute(100_000),
        w.clock.clone(),
    )
    .await
    .unwrap();
    let location = warehouse(&w.state);
    let credits = credits(&w, &location);
    let client = fast_client(&erp);
    let ledger = InMemoryPostingLedger::new();
    let config = PostingConfig::default()
        .with_visibility_window(Duration::from_millis(500))
        .with_uncertain_polls(4, Duration::from_millis(50));

    // Units each restocking credit puts back at the warehouse, by item.
    let mut restocked: HashMap<String, i64> = HashMap::new();
    for c in &credits {
        let line = &c.lines()[0];
        if matches!(line.stock[0].effect, StockEffect::Restock { .. }) {
            *restocked
                .entry(line.item_id.as_str().to_owned())
                .or_insert(0) += line.quantity;
        }
    }
    assert!(!restocked.is_empty());
    let results = post_credits(&credits, &client, &ledger, &SYSTEM_CLOCK, config).await;
    for r in &results {
        assert!(
            matches!(r.outcome, Outcome::Created(_)),
            "{}: {:?}",
            r.refund_id,
            r.outcome
        );
    }
    let requests = credit_requests(&erp);
    let per_credit = requests as f64 / credits.len() as f64;
    assert!(
        per_credit <= 1.05,
        "{requests} requests for {} credits ({per_credit:.3} each)",
        credits.len()
    );
    let counts = credit_counts(&erp);
    assert_eq!(counts.len(), credits.len());
    assert!(counts.values().all(|&n| n == 1));
    eprintln!(
        "{requests} Stokly requests for {} credits: {per_credit:.3} per credit",
        credits.len()
    );
    // Restocked units went back on hand at the warehouse; undispatched ones came off their
    // sale-order lines.
    let state = erp.state();
    for (item, units) in &restocked {
        assert_eq!(
            state.on_hand_at(item, location.as_str()),
            w.state.on_hand_at(item, location.as_str()) + units,
            "item {item}"
        );
    }
    for credit in credits
        .iter()
        .filter(|c| matches!(c.lines()[0].stock[0].effect, StockEffect::RemoveFromOrder))
    {
        let item = credit.lines()[0].item_id.as_str();
        let quantity = |state: &StoklyState| -> i64 {
            state
                .sale_order_lines
                .iter()
                .filter(|l| {
                    l["saleOrderId"] == credit.sale_order_id().as_str() && l["referenceId"] == item
                })
                .map(|l| l["quantity"].as_i64().unwrap_or(0))
                .sum()
        };
        assert!(
            quantity(&state) < quantity(&w.state),
            "{item} came off the order"
        );
    }

    // A rerun (a fresh worker, the same ledger) finds every credit and creates none.
    let before = erp.requests().len();
    let rerun = post_credits(&credits, &fast_client(&erp), &ledger, &SYSTEM_CLOCK, config).await;
    assert!(
        rerun
            .iter()
            .all(|r| matches!(r.outcome, Outcome::AlreadyDone(_)))
    );
    let posts = erp.requests()[before..]
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/credit-notes"))
        .count();
    assert_eq!(posts, 0, "a rerun creates nothing");
    assert_eq!(credit_counts(&erp), counts);
}

#[tokio::test]
async fn a_lost_answer_never_creates_a_second_credit() {
    let w = world(30).await;
    let faults = FaultConfig::none()
        .with_seed(23)
        .with_server_error_rate(0.08)
        .with_lost_response_rate(0.25);
    let erp = StoklyEmulator::start(
        w.state.clone(),
        StoklyConfig::default()
            .with_faults(faults)
            .with_visibility_delay(Duration::from_secs(40))
            .with_requests_per_minute(100_000),
        w.clock.clone(),
    )
    .await
    .unwrap();
    let credits = credits(&w, &warehouse(&w.state));
    let ledger = InMemoryPostingLedger::new();
    let config = PostingConfig::default()
        .with_visibility_window(Duration::from_millis(400))
        .with_uncertain_polls(8, Duration::from_millis(100));
    let mut created = 0;
    let mut lost_creates = 0;
    for round in 0..15 {
        let results =
            post_credits(&credits, &fast_client(&erp), &ledger, &SYSTEM_CLOCK, config).await;
        created += results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Created(_)))
            .count();
        for (reference, n) in credit_counts(&erp) {
            assert_eq!(
                n, 1,
                "refund {reference} credited {n} times in round {round}"
            );
        }
        if credit_counts(&erp).len() == credits.len()
            && results
                .iter()
                .all(|r| matches!(r.outcome, Outcome::AlreadyDone(_) | Outcome::Created(_)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    lost_creates += erp
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/credit-notes") && r.status == 504)
        .count();
    assert!(lost_creates > 0, "the faults lost some create answers");
    assert_eq!(
        credit_counts(&erp).len(),
        credits.len(),
        "every refund is credited"
    );
    assert!(created <= credits.len());
}
