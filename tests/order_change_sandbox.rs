//! Edits and cancellations end to end on the sandbox: an order edited in Shopify before
//! picking is amended in Stokly, a cancelled one is cancelled, and a change arriving after
//! the cut-off becomes a review exception and touches nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use chrono::Utc;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::{PostingPorts, StoklyCustomers, post_orders};
use stokly_shopify::domain::catalogue::SkuIndex;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::{OrderMappingConfig, SaleOrderDraft, map_order};
use stokly_shopify::domain::order_change::{
    CutOff, OrderAmendment, OrderChangeConfig, OrderChangeDecision, ShopifyOrderState,
    decide_order_change,
};
use stokly_shopify::domain::ports::SaleOrderChanges;
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::{self, DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};
use stokly_shopify::stokly::{self, ListQuery, SaleOrderId};
use support::orders::sandbox_mapping_config;

struct World {
    shopify: ShopifyEmulator,
    stokly: StoklyEmulator,
    shopify_client: shopify::Client,
    stokly_client: stokly::Client,
    index: SkuIndex,
    config: OrderMappingConfig,
}

async fn world() -> World {
    let scenario = ScenarioBuilder::new(83).skus(20).orders(12).build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state("edits.myshopify.com");
    let mut stokly_state = StoklyState::from_scenario(&scenario, "edits");
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
    let index = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await
    .unwrap()
    .into_index();
    let config = sandbox_mapping_config(&stokly_client).await;
    World {
        shopify,
        stokly,
        shopify_client,
        stokly_client,
        index,
        config,
    }
}

/// Posts every order; answers (draft, sale order) for those posted.
async fn post_all(w: &World) -> Vec<(SaleOrderDraft, SaleOrderId)> {
    let ids: Vec<OrderId> = w
        .shopify_client
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    let mut mapped = Vec::new();
    for id in &ids {
        let order = w.shopify_client.order(id).await.unwrap().unwrap();
        mapped.push(map_order(&order, &w.index, &w.config));
    }
    let ledger = InMemoryPostingLedger::new();
    let customers = StoklyCustomers::new(w.stokly_client.clone());
    let outcomes = post_orders(
        "edits.myshopify.com",
        &mapped,
        PostingPorts::new(&ledger, &w.stokly_client, &customers),
        &PostingConfig::default(),
    )
    .await;
    mapped
        .into_iter()
        .zip(outcomes)
        .filter_map(|(m, o)| match o.result {
            PostResult::Created { sale_order } => Some((m.unwrap(), sale_order)),
            _ => None,
        })
        .collect()
}

/// The order as Shopify has it now, mapped, and Stokly's order with its top-level lines.
async fn decide(
    w: &World,
    posted: &SaleOrderDraft,
    sale_order: &SaleOrderId,
    cut_off: CutOff,
) -> OrderChangeDecision {
    let order = w
        .shopify_client
        .order(posted.shopify_order_id())
        .await
        .unwrap()
        .unwrap();
    let mapped = map_order(&order, &w.index, &w.config);
    let state = ShopifyOrderState::from_mapping(&order, &mapped).unwrap();
    let stokly_order = w
        .stokly_client
        .wait_for_sale_order(sale_order)
        .await
        .unwrap();
    let lines: Vec<_> = w
        .stokly_client
        .sale_order_lines(sale_order, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    decide_order_change(
        posted,
        &state,
        &stokly_order,
        &lines,
        &OrderChangeConfig::new(cut_off),
    )
}

/// Shopify order `id` with one unit fewer on its first line that has two or more (the
/// line's amounts scaled down as an order edit does).
fn remove_one_unit(w: &World, id: &OrderId) -> (u64, i64) {
    w.shopify.with_state(|s| {
        let order = s.orders.get_mut(&id.numeric_id()).unwrap();
        let line = order
            .lines
            .iter_mut()
            .find(|l| l.quantity >= 2 && l.bundle.is_none())
            .unwrap();
        let per_unit = line.original_total / Decimal::from(line.quantity);
        let discount_per_unit = line.discount / Decimal::from(line.quantity);
        line.quantity -= 1;
        line.original_total = per_unit * Decimal::from(line.quantity);
        line.discount = (discount_per_unit * Decimal::from(line.quantity)).round_dp(2);
        order.updated_at = Utc::now();
        (line.id, line.quantity)
    })
}

fn stokly_line_quantities(w: &World, sale_order: &SaleOrderId) -> Vec<(String, Decimal)> {
    w.stokly
        .state()
        .sale_order_lines
        .iter()
        .filter(|l| l["saleOrderId"].as_str() == Some(sale_order.as_str()))
        .map(|l| {
            (
                l["referenceId"].as_str().unwrap().to_owned(),
                l["quantity"].to_string().trim_matches('"').parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn edits_before_the_cut_off_are_applied_and_later_ones_go_to_review() {
    let w = world().await;
    let posted = post_all(&w).await;
    let with_two_units = |(draft, _): &&(SaleOrderDraft, SaleOrderId)| {
        draft
            .lines()
            .iter()
            .any(|l| l.quantity >= 2 && l.bundle.is_none())
    };
    let mut editable = posted.iter().filter(with_two_units);
    let (edited, edited_so) = editable.next().expect("an order with two units on a line");
    let (late, late_so) = editable.next().expect("a second such order");
    let (cancelled, cancelled_so) = posted
        .iter()
        .find(|(d, _)| {
            d.shopify_order_id() != edited.shopify_order_id()
                && d.shopify_order_id() != late.shopify_order_id()
        })
        .unwrap();

    // Nothing changed yet.
    assert_eq!(
        decide(&w, edited, edited_so, CutOff::BeforePicking).await,
        OrderChangeDecision::NoChange
    );

    // 1. An edit before picking: the Stokly line gets the new quantity and amounts.
    let before = stokly_line_quantities(&w, edited_so);
    remove_one_unit(&w, edited.shopify_order_id());
    let decision = decide(&w, edited, edited_so, CutOff::BeforePicking).await;
    let OrderChangeDecision::Amend {
        sale_order,
        amendments,
        ..
    } = &decision
    else {
        panic!("{decision:?}");
    };
    assert_eq!(sale_order, edited_so);
    let [OrderAmendment::UpdateLine { line, .. }] = amendments.as_slice() else {
        panic!("{amendments:?}");
    };
    w.stokly_client.amend(edited_so, amendments).await.unwrap();
    let after = stokly_line_quantities(&w, edited_so);
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).collect();
    assert_eq!(changed.len(), 1, "{before:?} -> {after:?}");
    assert_eq!(changed[0].1.1, changed[0].0.1 - Decimal::ONE);
    assert_eq!(changed[0].1.1, line.quantity);
    let patched = w
        .stokly
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/items/"))
        .count();
    assert_eq!(patched, 1);

    // 2. A cancellation before picking: the sale order is cancelled (stage removed).
    w.shopify.with_state(|s| {
        let order = s
            .orders
            .get_mut(&cancelled.shopify_order_id().numeric_id())
            .unwrap();
        order.cancelled_at = Some(Utc::now());
        order.updated_at = Utc::now();
    });
    let decision = decide(&w, cancelled, cancelled_so, CutOff::BeforePicking).await;
    let OrderChangeDecision::Cancel {
        sale_order,
        cancellation,
    } = &decision
    else {
        panic!("{decision:?}");
    };
    w.stokly_client
        .cancel(sale_order, cancellation)
        .await
        .unwrap();
    let stage = w
        .stokly
        .state()
        .sale_orders
        .iter()
        .find(|o| o["saleOrderId"].as_str() == Some(cancelled_so.as_str()))
        .unwrap()["stage"]
        .clone();
    assert_eq!(stage, "removed");
    // Cancelled on both sides: nothing more to do.
    assert_eq!(
        decide(&w, cancelled, cancelled_so, CutOff::BeforePicking).await,
        OrderChangeDecision::NoChange
    );

    // 3. An edit after dispatch began: review, owner operations, and Stokly is untouched.
    w.stokly.with_state(|s| {
        for line in s
            .sale_order_lines
            .iter_mut()
            .filter(|l| l["saleOrderId"].as_str() == Some(late_so.as_str()))
        {
            line["status"] = "dispatched".into();
        }
    });
    let before = stokly_line_quantities(&w, late_so);
    remove_one_unit(&w, late.shopify_order_id());
    let decision = decide(&w, late, late_so, CutOff::BeforeDispatch).await;
    let OrderChangeDecision::Review { exception } = &decision else {
        panic!("{decision:?}");
    };
    assert_eq!(exception.code(), "changed_after_cut_off");
    assert_eq!(
        exception.owner(),
        stokly_shopify::domain::exception::Owner::Operations
    );
    assert!(
        exception
            .reason()
            .contains(&late.customer_reference().to_owned())
    );
    assert_eq!(stokly_line_quantities(&w, late_so), before);
}
