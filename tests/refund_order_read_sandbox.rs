//! The Shopify emulator's order read after `refundCreate`, end to end: the order shows the
//! refund as Shopify documents it (current quantities and totals, the refund transaction,
//! `PARTIALLY_REFUNDED`); an order refunded in part before it is posted is posted with its
//! current units, its totals and payments check, and the refund maps to `BeforePosting`; an
//! order refunded after posting is credited once and the order-change flow does not amend it
//! too; and the units Stokly dispatched come from Stokly's dispatches, not from the caller.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use futures::TryStreamExt;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::adapters::refunds::{read_and_map_refunds, read_dispatched_units};
use stokly_shopify::domain::catalogue::SkuIndex;
use stokly_shopify::domain::order::{
    CurrencyPolicy, GlAccountCode, OrderMappingConfig, SaleOrderDraft, map_order,
};
use stokly_shopify::domain::order_change::{
    CutOff, OrderChangeConfig, OrderChangeDecision, RefundedUnits, ShopifyOrderState,
    decide_order_change, decide_order_change_after_refunds,
};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::domain::refund::{
    CreditDraft, RefundDecision, RefundMappingConfig, SaleOrderFacts, SaleOrderState, StockEffect,
};
use stokly_shopify::sandbox::shopify::SandboxOrder;
use stokly_shopify::sandbox::stokly::DispatchSpec;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::model::{FinancialStatus, TransactionKind};
use stokly_shopify::shopify::{
    self, DEFAULT_ORDER_OVERLAP, GraphQlRequest, OrderCursor, OrderId, PageOptions,
};
use stokly_shopify::stokly::{self, ListQuery, LocationId, SaleOrderId};
use support::orders::sandbox_mapping_config;

const SHOP: &str = "refund-reads.myshopify.com";

const REFUND_CREATE: &str =
    "mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund { id }
    userErrors { field message }
  }
}";

/// The order fields the crate's `Order` document does not read, as Shopify names them.
const ORDER_MONEY: &str = "query Order($id: ID!) {
  order(id: $id) {
    displayFinancialStatus
    netPaymentSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
    totalRefundedShippingSet { shopMoney { amount } }
    totalOutstandingSet { shopMoney { amount } }
    currentShippingPriceSet { shopMoney { amount } }
    lineItems(first: 20) { nodes { id quantity currentQuantity refundableQuantity } }
  }
}";

struct World {
    shop: ShopifyEmulator,
    erp: StoklyEmulator,
    shopify: shopify::Client,
    stokly: stokly::Client,
    index: SkuIndex,
    config: OrderMappingConfig,
}

async fn world() -> World {
    let scenario = ScenarioBuilder::new(97).skus(20).orders(12).build();
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "refund-reads");
    stokly_state.link_shopify_listings(&shopify_state);
    let shop = ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
        .await
        .unwrap();
    let erp = StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
        .await
        .unwrap();
    let shopify = shop.client_builder().build().unwrap();
    let stokly = erp.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let config = sandbox_mapping_config(&stokly).await;
    World {
        shop,
        erp,
        shopify,
        stokly,
        index,
        config,
    }
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The ID and what one unit of its line `line` (tax included) comes to, as the emulator
/// shares a line between its units: the first unit's share.
fn one_unit(order: &SandboxOrder, line: usize) -> (u64, Decimal) {
    let l = &order.lines[line];
    let discounted = l.original_total - l.discount;
    (l.id, round2(discounted / Decimal::from(l.quantity)))
}

/// Refunds one unit of line `line` of `order` (restocked as `restock`) and, with `shipping`,
/// all of its shipping, paying back exactly the parts; answers the money refunded.
async fn refund_one_unit(
    w: &World,
    order: &SandboxOrder,
    line: usize,
    restock: &str,
    shipping: bool,
) -> Decimal {
    let (line_id, unit) = one_unit(order, line);
    let shipping_amount = if shipping {
        order.shipping
    } else {
        Decimal::ZERO
    };
    let money = unit + shipping_amount;
    let gid = format!("gid://shopify/Order/{}", order.id);
    let mut input = json!({
        "orderId": gid,
        "refundLineItems": [{"lineItemId": format!("gid://shopify/LineItem/{line_id}"),
            "quantity": 1, "restockType": restock}],
        "transactions": [{"amount": money.to_string(), "gateway": "shopify_payments", "kind": "REFUND",
            "orderId": gid, "parentId": format!("gid://shopify/OrderTransaction/{}", order.id)}],
    });
    if shipping {
        input["shipping"] = json!({"fullRefund": true});
    }
    let request = GraphQlRequest::mutation(REFUND_CREATE, "RefundCreate")
        .variable("input", input)
        .unwrap()
        .idempotent("idempotencyKey");
    let data = w.shopify.execute(&request).await.unwrap().data.unwrap();
    let errors = &data["refundCreate"]["userErrors"];
    assert_eq!(errors, &json!([]), "{data}");
    money
}

async fn order_money(w: &World, order: u64) -> Value {
    let request = GraphQlRequest::query(ORDER_MONEY, "Order")
        .variable("id", format!("gid://shopify/Order/{order}"))
        .unwrap();
    w.shopify.execute(&request).await.unwrap().data.unwrap()["order"].clone()
}

fn amount(v: &Value) -> Decimal {
    v["shopMoney"]["amount"].as_str().unwrap().parse().unwrap()
}

/// Captures and posts every order; answers the drafts and sale orders of those posted.
async fn capture_and_post(w: &World) -> Vec<(SaleOrderDraft, SaleOrderId)> {
    let ids: Vec<OrderId> = w
        .shopify
        .orders_updated_since(
            &OrderCursor::start(),
            DEFAULT_ORDER_OVERLAP,
            PageOptions::default(),
        )
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    let captured = capture_orders(&w.shopify, &ids, &w.index, &w.config)
        .await
        .unwrap();
    let ledger = InMemoryPostingLedger::new();
    let customers = StoklyCustomers::new(w.stokly.clone());
    let outcomes = post_orders(
        SHOP,
        &captured.mapped,
        PostingPorts::new(&ledger, &w.stokly, &customers),
        &PostingConfig::default(),
    )
    .await;
    captured
        .mapped
        .into_iter()
        .zip(outcomes)
        .filter_map(|(m, o)| match o.result {
            PostResult::Created { sale_order } => Some((m.unwrap(), sale_order)),
            _ => None,
        })
        .collect()
}

/// Orders with no bundle and a line of two units or more, with the position of that line;
/// those with shipping first.
fn refundable_orders(w: &World) -> Vec<(SandboxOrder, usize)> {
    let mut orders: Vec<(SandboxOrder, usize)> = w
        .shop
        .state()
        .orders
        .values()
        .filter(|o| o.lines.iter().all(|l| l.bundle.is_none()))
        .filter_map(|o| {
            let line = o.lines.iter().position(|l| l.quantity >= 2)?;
            Some((o.clone(), line))
        })
        .collect();
    orders.sort_by_key(|(o, _)| (o.shipping.is_zero(), o.id));
    orders
}

fn refund_config(w: &World) -> RefundMappingConfig {
    let location = LocationId::new(
        w.erp.state().locations[0]["locationId"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
    .unwrap();
    RefundMappingConfig::new(CurrencyPolicy::ShopMoney)
        .with_shipping_account(GlAccountCode::new("4090").unwrap())
        .with_default_restock_location(location)
}

fn stokly_quantity(w: &World, sale_order: &SaleOrderId, item: &str) -> Decimal {
    w.erp
        .state()
        .sale_order_lines
        .iter()
        .filter(|l| {
            l["saleOrderId"].as_str() == Some(sale_order.as_str())
                && l["referenceId"].as_str() == Some(item)
        })
        .map(|l| {
            l["quantity"]
                .to_string()
                .trim_matches('"')
                .parse::<Decimal>()
                .unwrap()
        })
        .sum()
}

/// The only credit of the order's refunds.
async fn only_credit(
    w: &World,
    order: &OrderId,
    facts: &SaleOrderFacts,
    config: &RefundMappingConfig,
) -> CreditDraft {
    let mapped = read_and_map_refunds(&w.shopify, order, SaleOrderState::Posted(facts), config)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mapped.len(), 1);
    match &mapped[0].decision {
        Ok(RefundDecision::Credit(credit)) => credit.clone(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refunds_show_on_the_order_and_are_never_posted_and_credited_twice() {
    let w = world().await;
    let candidates = refundable_orders(&w);
    assert!(candidates.len() >= 3, "{} candidates", candidates.len());
    let (before, before_line) = candidates[0].clone();
    let (after, after_line) = candidates[1].clone();
    let (shipped, shipped_line) = candidates[2].clone();
    assert!(!before.shipping.is_zero(), "the first has shipping");
    let placed = w
        .shopify
        .order(&OrderId::from_numeric(before.id))
        .await
        .unwrap()
        .unwrap();
    let placed_total = placed.current_total_price_set.shop_money.amount();
    let placed_tax = placed.current_total_tax_set.shop_money.amount();

    // 1. Refunded before posting: one unit and all the shipping.
    let money = refund_one_unit(&w, &before, before_line, "NO_RESTOCK", true).await;
    let (refunded_line, unit) = one_unit(&before, before_line);
    let read = order_money(&w, before.id).await;
    assert_eq!(read["displayFinancialStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(amount(&read["totalRefundedSet"]), money);
    assert_eq!(amount(&read["totalRefundedShippingSet"]), before.shipping);
    assert_eq!(amount(&read["netPaymentSet"]), placed_total - money);
    assert_eq!(amount(&read["totalOutstandingSet"]), Decimal::ZERO);
    assert_eq!(amount(&read["currentShippingPriceSet"]), Decimal::ZERO);
    let line = read["lineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == format!("gid://shopify/LineItem/{refunded_line}"))
        .unwrap();
    let quantity = before.lines[before_line].quantity;
    assert_eq!(
        (
            &line["quantity"],
            &line["currentQuantity"],
            &line["refundableQuantity"]
        ),
        (&json!(quantity), &json!(quantity - 1), &json!(quantity - 1))
    );
    // The crate's order read: current totals less the refund, and the refund transaction.
    let order = w
        .shopify
        .order(&OrderId::from_numeric(before.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        order.display_financial_status,
        Some(FinancialStatus::PartiallyRefunded)
    );
    assert_eq!(
        order.current_total_price_set.shop_money.amount(),
        placed_total - money
    );
    assert_eq!(
        order.total_price_set.shop_money.amount(),
        placed_total,
        "the placed total stays"
    );
    assert!(order.current_total_tax_set.shop_money.amount() < placed_tax);
    let refunds: Vec<Decimal> = order
        .transactions
        .iter()
        .filter(|t| t.kind == TransactionKind::Refund)
        .map(|t| t.amount_set.shop_money.amount())
        .collect();
    assert_eq!(refunds, vec![money]);
    // It maps (the default gate admits PARTIALLY_REFUNDED) with its current units, and its
    // total is Shopify's current total to the cent.
    let draft = map_order(&order, &w.index, &w.config).unwrap();
    let draft_line = draft
        .lines()
        .iter()
        .find(|l| l.shopify_line_id.numeric_id() == refunded_line)
        .unwrap();
    assert_eq!(draft_line.quantity, quantity - 1);
    assert_eq!(draft.total().amount(), placed_total - money);
    assert_eq!(draft.shipping().cost.amount(), Decimal::ZERO);
    assert_eq!(draft.shipping().tax.amount(), Decimal::ZERO);
    assert!(unit > Decimal::ZERO);
    eprintln!(
        "order {} refunded before posting: {money} of {placed_total} ({} x {unit} + shipping {}); posts {} of {quantity} units at {}",
        before.name,
        1,
        before.shipping,
        quantity - 1,
        draft.total()
    );

    // Post every order.
    let posted = capture_and_post(&w).await;
    let posted_at = w.erp.clock().now();
    let find = |id: u64| {
        posted
            .iter()
            .find(|(d, _)| d.shopify_order_id().numeric_id() == id)
            .cloned()
            .unwrap_or_else(|| panic!("order {id} was not posted"))
    };
    let (before_draft, before_so) = find(before.id);
    assert_eq!(before_draft, draft, "posted as it maps");
    assert_eq!(
        stokly_quantity(&w, &before_so, draft_line.item_id.as_str()),
        Decimal::from(quantity - 1),
        "the refunded unit is not on the Stokly sale order"
    );
    // The refund came before posting: nothing to credit, posted or not.
    let config = refund_config(&w);
    let before_id = OrderId::from_numeric(before.id);
    let facts = SaleOrderFacts::new(before_so.clone(), before_draft.clone(), posted_at);
    for state in [SaleOrderState::NotPosted, SaleOrderState::Posted(&facts)] {
        let mapped = read_and_map_refunds(&w.shopify, &before_id, state, &config)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(mapped.len(), 1);
        assert_eq!(mapped[0].decision, Ok(RefundDecision::BeforePosting));
    }

    // 2. Refunded after posting (a unit and the shipping): credited once; the order change
    // does not amend it too.
    let (after_draft, after_so) = find(after.id);
    assert!(!after.shipping.is_zero(), "the second has shipping too");
    let money = refund_one_unit(&w, &after, after_line, "NO_RESTOCK", true).await;
    let after_id = OrderId::from_numeric(after.id);
    let facts = SaleOrderFacts::new(after_so.clone(), after_draft.clone(), posted_at);
    let credit = only_credit(&w, &after_id, &facts, &config).await;
    assert_eq!(credit.total().amount(), money);
    assert_eq!(credit.lines()[0].quantity, 1);
    let shipping = credit.shipping().unwrap();
    assert_eq!(
        shipping.amount.amount() + shipping.tax.amount(),
        after.shipping,
        "the shipping refunded is credited"
    );
    let order = w.shopify.order(&after_id).await.unwrap().unwrap();
    let current = map_order(&order, &w.index, &w.config);
    let state = ShopifyOrderState::from_mapping(&order, &current).unwrap();
    let stokly_order = w.stokly.wait_for_sale_order(&after_so).await.unwrap();
    let lines: Vec<_> = w
        .stokly
        .sale_order_lines(&after_so, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let change_config = OrderChangeConfig::new(CutOff::BeforePicking);
    // Without the refund's units, the flow would amend the line the credit already covers.
    assert!(matches!(
        decide_order_change(&after_draft, &state, &stokly_order, &lines, &change_config),
        OrderChangeDecision::Amend { .. }
    ));
    assert_eq!(
        decide_order_change_after_refunds(
            &after_draft,
            &state,
            &stokly_order,
            &lines,
            &change_config,
            &RefundedUnits::of_credits([&credit]),
        ),
        OrderChangeDecision::NoChange
    );

    // 3. Dispatched in Stokly, then one unit returned: the dispatched units come from
    // Stokly's dispatches, so the unit is restocked, not taken off the order.
    let (shipped_draft, shipped_so) = find(shipped.id);
    let warehouse = w.erp.state().locations[0]["locationId"]
        .as_str()
        .unwrap()
        .to_owned();
    w.erp
        .dispatch(shipped_so.as_str(), &DispatchSpec::from(&warehouse))
        .unwrap();
    let money = refund_one_unit(&w, &shipped, shipped_line, "RETURN", false).await;
    let shipped_id = OrderId::from_numeric(shipped.id);
    let facts = SaleOrderFacts::new(shipped_so.clone(), shipped_draft.clone(), posted_at);
    let read = read_dispatched_units(&w.shopify, &w.stokly, facts.clone())
        .await
        .unwrap()
        .unwrap();
    assert!(read.exceptions.is_empty(), "{:?}", read.exceptions);
    let filled = read.complete().unwrap();
    for l in shipped_draft.lines() {
        assert_eq!(
            filled.dispatched_units.get(&l.shopify_line_id),
            Some(&l.quantity),
            "{}",
            l.sku
        );
    }
    let credit = only_credit(&w, &shipped_id, &filled, &config).await;
    assert_eq!(credit.total().amount(), money);
    assert!(
        matches!(
            credit.lines()[0].stock[0].effect,
            StockEffect::Restock { .. }
        ),
        "{:?}",
        credit.lines()[0].stock
    );
    // With no dispatch known, the same refund would have been taken off the order.
    let guessed = only_credit(&w, &shipped_id, &facts, &config).await;
    assert_eq!(
        guessed.lines()[0].stock[0].effect,
        StockEffect::RemoveFromOrder
    );
}

/// The documents this test sends validate against every schema on hand (skipped with a
/// notice where `../shared/shopify-schema` is absent, failed under CI).
#[test]
fn the_test_documents_validate_against_the_schemas() {
    support::schemas::validate_against_schemas(&[
        ("RefundCreate", REFUND_CREATE),
        ("Order", ORDER_MONEY),
    ]);
}
