//! `refundCreate` on the Shopify emulator answers as real Shopify was recorded answering, and
//! the refunds it makes read back through `shopify::Client::order_refunds`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::{SandboxDisposition, ShopifyState};
use stokly_shopify::sandbox::{SandboxClock, ShopifyConfig, ShopifyEmulator};
use stokly_shopify::shopify::model::{DispositionType, RestockType};
use stokly_shopify::shopify::{Client, GraphQlRequest, OrderId};

const CREATE: &str = "mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}";

const CREATE_WITHOUT_KEY: &str = "mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}";

async fn shop() -> (ShopifyEmulator, u64, Vec<u64>) {
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut state = ShopifyState::new("refunds.myshopify.com", CurrencyCode::USD);
    let d = |cents| Decimal::new(cents, 2);
    let rate = Decimal::new(2, 1);
    let order = state.add_order("#1001", t, &[(1, 3, d(3000), rate), (2, 1, d(500), rate)]);
    let lines = state.orders[&order].lines.iter().map(|l| l.id).collect();
    let emulator =
        ShopifyEmulator::start(state, ShopifyConfig::default(), SandboxClock::new(t, 50.0))
            .await
            .unwrap();
    (emulator, order, lines)
}

fn input(order: u64, line: u64, quantity: i64, restock: &str, tx: Value) -> Value {
    json!({
        "orderId": format!("gid://shopify/Order/{order}"),
        "refundLineItems": [{"lineItemId": format!("gid://shopify/LineItem/{line}"), "quantity": quantity, "restockType": restock}],
        "transactions": [tx],
    })
}

fn refund_tx(order: u64, amount: &str) -> Value {
    json!({"amount": amount, "gateway": "manual", "kind": "REFUND",
           "orderId": format!("gid://shopify/Order/{order}"),
           "parentId": format!("gid://shopify/OrderTransaction/{order}")})
}

async fn create(client: &Client, input: Value) -> Value {
    let request = GraphQlRequest::mutation(CREATE, "RefundCreate")
        .variable("input", input)
        .unwrap()
        .idempotent("idempotencyKey");
    let response = client.execute(&request).await.unwrap();
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    response.data.unwrap()["refundCreate"].clone()
}

fn error(payload: &Value) -> String {
    payload["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn refusals_are_the_recorded_ones() {
    let (shop, order, lines) = shop().await;
    let client = shop.client_builder().build().unwrap();

    let mut tx = refund_tx(order, "10.00");
    tx["kind"] = json!("AUTHORIZATION");
    let p = create(&client, input(order, lines[0], 1, "RETURN", tx)).await;
    assert_eq!(error(&p), "Kind authorization is not a valid transaction");

    let mut tx = refund_tx(order, "10.00");
    tx.as_object_mut().unwrap().remove("parentId");
    let p = create(&client, input(order, lines[0], 1, "RETURN", tx)).await;
    assert_eq!(
        error(&p),
        "Transactions require a parent_id associated with the order"
    );

    let mut over = input(order, lines[0], 1, "RETURN", refund_tx(order, "999.00"));
    over["allowOverRefunding"] = json!(true);
    let p = create(&client, over).await;
    assert_eq!(
        error(&p),
        "Refund amount $999.00 is greater than net payment received $35.00"
    );

    let p = create(
        &client,
        input(order, lines[0], 4, "RETURN", refund_tx(order, "1.00")),
    )
    .await;
    assert_eq!(
        error(&p),
        "Quantity cannot refund more items than were purchased"
    );

    let p = create(
        &client,
        input(
            order,
            lines[0],
            1,
            "LEGACY_RESTOCK",
            refund_tx(order, "1.00"),
        ),
    )
    .await;
    assert!(error(&p).contains("LEGACY_RESTOCK"));

    // Without @idempotent: a top-level error naming the field, and a null payload.
    let request = GraphQlRequest::mutation(CREATE_WITHOUT_KEY, "RefundCreate")
        .variable(
            "input",
            input(order, lines[0], 1, "RETURN", refund_tx(order, "10.00")),
        )
        .unwrap();
    let response = client.execute(&request).await.unwrap();
    assert_eq!(response.errors.len(), 1);
    assert!(response.errors[0].message.contains("@idempotent"));
    assert_eq!(response.data.unwrap()["refundCreate"], Value::Null);
    assert!(shop.state().refunds.by_order.is_empty(), "nothing refunded");
}

#[tokio::test]
async fn a_refund_reads_back_once_and_a_replay_makes_no_second_one() {
    let (shop, order, lines) = shop().await;
    let client = shop.client_builder().build().unwrap();
    let refund = input(order, lines[0], 1, "RETURN", refund_tx(order, "10.00"));
    let first = create(&client, refund.clone()).await;
    assert!(
        first["userErrors"].as_array().unwrap().is_empty(),
        "{first}"
    );
    let again = create(&client, refund).await;
    assert_eq!(
        again["refund"]["id"], first["refund"]["id"],
        "the same key, the same refund"
    );
    assert_eq!(shop.state().refunds.by_order[&order].len(), 1);

    let read = client
        .order_refunds(&OrderId::from_numeric(order))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.refunds.len(), 1);
    let r = &read.refunds[0];
    assert_eq!(r.id.as_str(), first["refund"]["id"].as_str().unwrap());
    assert_eq!(
        r.total_refunded_set.shop_money.amount(),
        Decimal::new(1000, 2)
    );
    let line = &r.refund_line_items.nodes[0];
    assert_eq!(line.quantity, 1);
    assert_eq!(line.restock_type, RestockType::Return);
    // A third of the line's 30.00 (VAT 5.00 included).
    assert_eq!(line.subtotal_set.shop_money.amount(), Decimal::new(1000, 2));
    assert_eq!(line.total_tax_set.shop_money.amount(), Decimal::new(167, 2));
    assert!(r.order_adjustments.nodes.is_empty());
    assert_eq!(r.transactions.nodes.len(), 1);

    // What is left to refund is the net payment less this refund.
    let p = create(
        &client,
        input(order, lines[1], 1, "NO_RESTOCK", refund_tx(order, "30.00")),
    )
    .await;
    assert_eq!(
        error(&p),
        "Refund amount $30.00 is greater than net payment received $25.00"
    );
    // A refund paying back less than its parts carries the difference as an adjustment.
    let p = create(
        &client,
        input(order, lines[1], 1, "NO_RESTOCK", refund_tx(order, "4.00")),
    )
    .await;
    assert!(p["userErrors"].as_array().unwrap().is_empty(), "{p}");
    let read = client
        .order_refunds(&OrderId::from_numeric(order))
        .await
        .unwrap()
        .unwrap();
    let adjustment = &read.refunds[1].order_adjustments.nodes[0];
    assert_eq!(
        adjustment.amount_set.shop_money.amount(),
        Decimal::new(100, 2)
    );
}

#[tokio::test]
async fn a_refund_of_a_processed_return_reads_with_its_dispositions() {
    let (shop, order, lines) = shop().await;
    let client = shop.client_builder().build().unwrap();
    let p = create(
        &client,
        input(order, lines[0], 2, "RETURN", refund_tx(order, "20.00")),
    )
    .await;
    let refund_gid = p["refund"]["id"].as_str().unwrap().to_owned();
    let refund_id: u64 = refund_gid.rsplit('/').next().unwrap().parse().unwrap();
    let return_id = shop
        .with_state(|s| {
            s.add_processed_return(
                order,
                refund_id,
                vec![(
                    lines[0],
                    2,
                    vec![
                        SandboxDisposition::new("RESTOCKED", 1, Some(77)),
                        SandboxDisposition::new("MISSING", 1, None),
                    ],
                )],
            )
        })
        .unwrap();
    let read = client
        .order_refunds(&OrderId::from_numeric(order))
        .await
        .unwrap()
        .unwrap();
    let r = &read.refunds[0];
    let wanted = format!("gid://shopify/Return/{return_id}");
    assert_eq!(r.r#return.as_ref().unwrap().id, wanted);
    assert_eq!(read.returns.nodes.len(), 1);
    let returned = &read.returns.nodes[0];
    assert_eq!(returned.id, wanted);
    assert!(!returned.has_unread_parts());
    let line = &returned.reverse_fulfillment_orders.nodes[0]
        .line_items
        .nodes[0];
    assert_eq!(line.total_quantity, 2);
    let kinds: Vec<(DispositionType, i64, Option<u64>)> = line
        .dispositions
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                d.quantity,
                d.location.as_ref().map(|l| l.id.numeric_id()),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (DispositionType::Restocked, 1, Some(77)),
            (DispositionType::Missing, 1, None)
        ]
    );
    // One query for the refunds, one for the return.
    let operations: Vec<String> = shop
        .requests()
        .iter()
        .map(|r| r.operation.clone())
        .filter(|o| o != "RefundCreate")
        .collect();
    assert_eq!(operations, vec!["OrderRefunds", "ReturnDispositions"]);
}

const ORDER_AFTER_REFUNDS: &str = "query Order($id: ID!) {
  order(id: $id) {
    displayFinancialStatus
    currentSubtotalPriceSet { shopMoney { amount } }
    currentTotalPriceSet { shopMoney { amount } }
    totalPriceSet { shopMoney { amount } }
    currentTotalTaxSet { shopMoney { amount } }
    currentTaxLines { rate priceSet { shopMoney { amount } } }
    currentShippingPriceSet { shopMoney { amount } }
    totalReceivedSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
    totalRefundedShippingSet { shopMoney { amount } }
    netPaymentSet { shopMoney { amount } }
    totalOutstandingSet { shopMoney { amount } }
    transactions(first: 10) { kind status amountSet { shopMoney { amount } } }
    lineItems(first: 10) { nodes { quantity currentQuantity refundableQuantity } }
    shippingLines(first: 5) { nodes { originalPriceSet { shopMoney { amount } } currentDiscountedPriceSet { shopMoney { amount } } } }
  }
}";

/// A shop with one order: 3 x 10.00 and 1 x 5.00 at 20% VAT included, shipping 5.00 (VAT
/// 0.83 included): 40.00 in all, VAT 6.66.
async fn shop_with_shipping() -> (ShopifyEmulator, u64, Vec<u64>) {
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut state = ShopifyState::new("refunds.myshopify.com", CurrencyCode::USD);
    let d = |cents| Decimal::new(cents, 2);
    let rate = Decimal::new(2, 1);
    let order = state.add_order("#1001", t, &[(1, 3, d(3000), rate), (2, 1, d(500), rate)]);
    let o = state.orders.get_mut(&order).unwrap();
    o.shipping = d(500);
    o.shipping_tax_rate = rate;
    let lines = o.lines.iter().map(|l| l.id).collect();
    let emulator =
        ShopifyEmulator::start(state, ShopifyConfig::default(), SandboxClock::new(t, 50.0))
            .await
            .unwrap();
    (emulator, order, lines)
}

async fn read_order(client: &Client, order: u64) -> Value {
    let request = GraphQlRequest::query(ORDER_AFTER_REFUNDS, "Order")
        .variable("id", format!("gid://shopify/Order/{order}"))
        .unwrap();
    client.execute(&request).await.unwrap().data.unwrap()["order"].clone()
}

/// The shop amounts of `fields` (compared as numbers: Shopify's scale varies, `"15.0"`).
fn amounts(order: &Value, fields: &[&str]) -> Vec<Decimal> {
    fields
        .iter()
        .map(|f| {
            order[*f]["shopMoney"]["amount"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

fn decimals(values: [&str; 9]) -> Vec<Decimal> {
    values.iter().map(|v| v.parse().unwrap()).collect()
}

const MONEY_FIELDS: [&str; 9] = [
    "currentSubtotalPriceSet",
    "currentTotalPriceSet",
    "totalPriceSet",
    "currentTotalTaxSet",
    "currentShippingPriceSet",
    "totalRefundedSet",
    "totalRefundedShippingSet",
    "netPaymentSet",
    "totalOutstandingSet",
];

fn units(order: &Value) -> Vec<(i64, i64, i64)> {
    order["lineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["quantity"].as_i64().unwrap(),
                l["currentQuantity"].as_i64().unwrap(),
                l["refundableQuantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn transactions(order: &Value) -> Vec<(String, String)> {
    order["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["amountSet"]["shopMoney"]["amount"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_order_read_shows_a_partial_then_a_full_refund() {
    let (shop, order, lines) = shop_with_shipping().await;
    let client = shop.client_builder().build().unwrap();
    let placed = read_order(&client, order).await;
    assert_eq!(placed["displayFinancialStatus"], "PAID");
    assert_eq!(
        amounts(&placed, &MONEY_FIELDS),
        decimals([
            "35.00", "40.00", "40.00", "6.66", "5.00", "0", "0", "40.00", "0"
        ])
    );

    // As recorded: a line of 10.00 and shipping 5.00 paid back in one 15.00 transaction
    // leaves the order PARTIALLY_REFUNDED.
    let mut partial = input(order, lines[0], 1, "NO_RESTOCK", refund_tx(order, "15.00"));
    partial["shipping"] = json!({"amount": "5.00"});
    let p = create(&client, partial).await;
    assert!(p["userErrors"].as_array().unwrap().is_empty(), "{p}");
    let read = read_order(&client, order).await;
    assert_eq!(read["displayFinancialStatus"], "PARTIALLY_REFUNDED");
    // Current: 2 x 10.00 + 5.00, no shipping; VAT 3.33 + 0.83 (1.67 and the shipping's 0.83
    // refunded). The placed total stays; 15.00 refunded, 5.00 of it shipping.
    assert_eq!(
        amounts(&read, &MONEY_FIELDS),
        decimals([
            "25.00", "25.00", "40.00", "4.16", "0.00", "15.00", "5.00", "25.00", "0.00"
        ])
    );
    assert_eq!(
        read["currentTaxLines"][0]["priceSet"]["shopMoney"]["amount"],
        "4.16"
    );
    assert_eq!(units(&read), vec![(3, 2, 2), (1, 1, 1)]);
    assert_eq!(
        read["shippingLines"]["nodes"][0]["currentDiscountedPriceSet"]["shopMoney"]["amount"],
        "0.00"
    );
    assert_eq!(
        read["shippingLines"]["nodes"][0]["originalPriceSet"]["shopMoney"]["amount"],
        "5.00"
    );
    assert_eq!(
        transactions(&read),
        vec![
            ("SALE".to_owned(), "40.00".to_owned()),
            ("REFUND".to_owned(), "15.00".to_owned())
        ]
    );

    // Everything else paid back: REFUNDED, nothing current, no net payment.
    let rest = json!({
        "orderId": format!("gid://shopify/Order/{order}"),
        "refundLineItems": [
            {"lineItemId": format!("gid://shopify/LineItem/{}", lines[0]), "quantity": 2, "restockType": "NO_RESTOCK"},
            {"lineItemId": format!("gid://shopify/LineItem/{}", lines[1]), "quantity": 1, "restockType": "NO_RESTOCK"},
        ],
        "transactions": [refund_tx(order, "25.00")],
    });
    let p = create(&client, rest).await;
    assert!(p["userErrors"].as_array().unwrap().is_empty(), "{p}");
    let read = read_order(&client, order).await;
    assert_eq!(read["displayFinancialStatus"], "REFUNDED");
    assert_eq!(
        amounts(&read, &MONEY_FIELDS),
        decimals([
            "0.00", "0.00", "40.00", "0.00", "0.00", "40.00", "5.00", "0.00", "0.00"
        ])
    );
    assert_eq!(read["currentTaxLines"], json!([]));
    assert_eq!(units(&read), vec![(3, 0, 0), (1, 0, 0)]);
    assert_eq!(transactions(&read).len(), 3);
}

#[tokio::test]
async fn units_refunded_without_money_leave_the_customer_owed() {
    let (shop, order, lines) = shop_with_shipping().await;
    let client = shop.client_builder().build().unwrap();
    let restock_only = json!({
        "orderId": format!("gid://shopify/Order/{order}"),
        "refundLineItems": [{"lineItemId": format!("gid://shopify/LineItem/{}", lines[1]),
            "quantity": 1, "restockType": "RETURN"}],
    });
    let p = create(&client, restock_only).await;
    assert!(p["userErrors"].as_array().unwrap().is_empty(), "{p}");
    let read = read_order(&client, order).await;
    // No money moved: the status stays PAID; the unit is gone from the current total, so
    // the outstanding amount is in the customer's favour (assumed; see the emulator's
    // module documentation).
    assert_eq!(read["displayFinancialStatus"], "PAID");
    assert_eq!(
        amounts(&read, &MONEY_FIELDS),
        decimals([
            "30.00", "35.00", "40.00", "5.83", "5.00", "0", "0.00", "40.00", "-5.00"
        ])
    );
    assert_eq!(units(&read), vec![(3, 3, 3), (1, 0, 0)]);
    assert_eq!(transactions(&read).len(), 1);
}

const FULFILL: &str = "mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id }
    userErrors { field message }
  }
}";

const FULFILLMENT_LINES: &str = "query OrderFulfillments($id: ID!, $fulfillments: Int!) {
  order(id: $id) {
    fulfillments(first: $fulfillments) {
      fulfillmentLineItems(first: 25) { nodes { id quantity lineItem { id } } }
    }
  }
}";

const RETURN_CREATE: &str = "mutation ReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return {
      id name status
      returnLineItems(first: 10) { nodes { ... on ReturnLineItem { id quantity processedQuantity } } }
      reverseFulfillmentOrders(first: 1) { nodes { id lineItems(first: 10) { nodes { id } } } }
    }
    userErrors { field message }
  }
}";

const RETURN_PROCESS: &str = "mutation ReturnProcess($input: ReturnProcessInput!) {
  returnProcess(input: $input) {
    return {
      id status
      returnLineItems(first: 10) { nodes { ... on ReturnLineItem { id quantity processedQuantity } } }
    }
    userErrors { field message }
  }
}";

async fn run(
    client: &Client,
    document: &'static str,
    name: &'static str,
    vars: &[(&'static str, Value)],
) -> Value {
    let mut request = GraphQlRequest::mutation(document, name);
    for (key, value) in vars {
        request = request.variable(key, value).unwrap();
    }
    let response = client.execute(&request).await.unwrap();
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    response.data.unwrap()
}

#[tokio::test]
async fn a_return_is_created_open_processed_and_refunded_with_its_dispositions() {
    let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut state = ShopifyState::new("refunds.myshopify.com", CurrencyCode::USD);
    let warehouse = state.add_location("Warehouse");
    let rate = Decimal::new(2, 1);
    let order = state.add_order(
        "#1001",
        t,
        &[
            (1, 3, Decimal::new(3000, 2), rate),
            (2, 1, Decimal::new(500, 2), rate),
        ],
    );
    let line = state.orders[&order].lines[0].id;
    let shop = ShopifyEmulator::start(state, ShopifyConfig::default(), SandboxClock::new(t, 50.0))
        .await
        .unwrap();
    let client = shop.client_builder().build().unwrap();
    let order_gid = format!("gid://shopify/Order/{order}");

    // Nothing fulfilled yet: nothing to return.
    let p = run(
        &client,
        RETURN_CREATE,
        "ReturnCreate",
        &[(
            "returnInput",
            json!({"orderId": order_gid, "returnLineItems": [
                {"fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/1", "quantity": 1}]}),
        )],
    )
    .await;
    assert_eq!(
        p["returnCreate"]["userErrors"][0]["message"],
        "Fulfillment line item does not exist"
    );

    // Fulfil the 3-unit line.
    let state_read = client
        .order_fulfillments(&OrderId::from_numeric(order))
        .await
        .unwrap()
        .unwrap();
    let fo = &state_read.fulfillment_orders.nodes[0];
    let fo_line = fo
        .line_items
        .nodes
        .iter()
        .find(|l| l.line_item.id.numeric_id() == line)
        .unwrap();
    let p = run(
        &client,
        FULFILL,
        "FulfillmentCreate",
        &[(
            "fulfillment",
            json!({"notifyCustomer": false, "trackingInfo": {"numbers": ["1Z1"]},
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo.id.as_str(),
                    "fulfillmentOrderLineItems": [{"id": fo_line.id.as_str(), "quantity": 3}]}]}),
        )],
    )
    .await;
    assert_eq!(p["fulfillmentCreate"]["userErrors"], json!([]), "{p}");
    let read = run(
        &client,
        FULFILLMENT_LINES,
        "OrderFulfillments",
        &[("id", json!(order_gid)), ("fulfillments", json!(5))],
    )
    .await;
    let fli = read["order"]["fulfillments"][0]["fulfillmentLineItems"]["nodes"][0].clone();
    assert_eq!(fli["quantity"], 3);
    let fli_id = fli["id"].as_str().unwrap().to_owned();

    // More than was fulfilled is refused; 2 of the 3 make an OPEN return.
    let create = |quantity: i64| {
        [(
            "returnInput",
            json!({"orderId": order_gid, "returnLineItems": [
                {"fulfillmentLineItemId": fli_id, "quantity": quantity}]}),
        )]
    };
    let p = run(&client, RETURN_CREATE, "ReturnCreate", &create(4)).await;
    assert_eq!(
        p["returnCreate"]["userErrors"][0]["field"],
        json!(["returnInput", "returnLineItems", "0", "quantity"])
    );
    let p = run(&client, RETURN_CREATE, "ReturnCreate", &create(2)).await;
    let created = &p["returnCreate"]["return"];
    assert_eq!(created["status"], "OPEN");
    assert_eq!(created["name"], "#1001-R1");
    let return_id = created["id"].as_str().unwrap().to_owned();
    let return_line = created["returnLineItems"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rfo_line = created["reverseFulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Only one unit is left to return.
    let p = run(&client, RETURN_CREATE, "ReturnCreate", &create(2)).await;
    assert_eq!(
        p["returnCreate"]["userErrors"][0]["message"],
        "Quantity must be between 1 and 1"
    );

    // As recorded: processed without financialTransfer, the line is processed and the
    // return stays OPEN; nothing is refunded.
    let process = |dispositions: Value, transfer: Option<Value>| {
        let mut input = json!({"returnId": return_id, "returnLineItems": [
            {"id": return_line, "quantity": 1, "dispositions": dispositions}]});
        if let Some(transfer) = transfer {
            input["financialTransfer"] = transfer;
        }
        [("input", input)]
    };
    let p = run(
        &client,
        RETURN_PROCESS,
        "ReturnProcess",
        &process(
            json!([{"reverseFulfillmentOrderLineItemId": rfo_line, "quantity": 1,
                "dispositionType": "RESTOCKED", "locationId": format!("gid://shopify/Location/{warehouse}")}]),
            None,
        ),
    )
    .await;
    assert_eq!(p["returnProcess"]["userErrors"], json!([]), "{p}");
    assert_eq!(p["returnProcess"]["return"]["status"], "OPEN");
    assert_eq!(
        p["returnProcess"]["return"]["returnLineItems"]["nodes"][0]["processedQuantity"],
        1
    );
    assert!(!shop.state().refunds.by_order.contains_key(&order));

    // A transfer Shopify refuses (more than was paid) refuses the processing: nothing changes.
    let greedy = json!({"issueRefund": {"orderTransactions": [{
        "transactionAmount": {"amount": "999.00", "currencyCode": "USD"},
        "parentId": format!("gid://shopify/OrderTransaction/{order}")}]}});
    let p = run(
        &client,
        RETURN_PROCESS,
        "ReturnProcess",
        &process(json!([]), Some(greedy)),
    )
    .await;
    assert_eq!(
        p["returnProcess"]["userErrors"][0],
        json!({"field": ["input", "financialTransfer", "transactions"],
               "message": "Refund amount $999.00 is greater than net payment received $35.00"})
    );
    let state = shop.state();
    let unchanged = &state.refunds.returns.values().next().unwrap().lines[0];
    assert_eq!(unchanged.processed, 1);
    assert!(!shop.state().refunds.by_order.contains_key(&order));

    // The second unit, MISSING, with the money: refunded as part of the return, CLOSED.
    let transfer = json!({"issueRefund": {"orderTransactions": [{
        "transactionAmount": {"amount": "20.00", "currencyCode": "USD"},
        "parentId": format!("gid://shopify/OrderTransaction/{order}")}]}});
    let p = run(
        &client,
        RETURN_PROCESS,
        "ReturnProcess",
        &process(
            json!([{"reverseFulfillmentOrderLineItemId": rfo_line, "quantity": 1,
                "dispositionType": "MISSING"}]),
            Some(transfer),
        ),
    )
    .await;
    assert_eq!(p["returnProcess"]["userErrors"], json!([]), "{p}");
    assert_eq!(p["returnProcess"]["return"]["status"], "CLOSED");

    // The refund reads back with its return and the return's dispositions, through the
    // crate's reads.
    let read = client
        .order_refunds(&OrderId::from_numeric(order))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.refunds.len(), 1);
    let r = &read.refunds[0];
    assert_eq!(r.r#return.as_ref().unwrap().id, return_id);
    assert_eq!(
        r.total_refunded_set.shop_money.amount(),
        Decimal::new(2000, 2)
    );
    let line = &r.refund_line_items.nodes[0];
    assert_eq!(
        (line.quantity, line.restock_type.clone()),
        (1, RestockType::Return)
    );
    assert_eq!(line.subtotal_set.shop_money.amount(), Decimal::new(1000, 2));
    // 20.00 paid back for 10.00 of goods: the difference is the refund's adjustment.
    assert_eq!(
        r.order_adjustments.nodes[0].amount_set.shop_money.amount(),
        Decimal::new(-1000, 2)
    );
    let returned = &read.returns.nodes[0];
    assert_eq!(returned.id, return_id);
    let kinds: Vec<(DispositionType, i64, Option<u64>)> = returned.reverse_fulfillment_orders.nodes
        [0]
    .line_items
    .nodes[0]
        .dispositions
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                d.quantity,
                d.location.as_ref().map(|l| l.id.numeric_id()),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (DispositionType::Restocked, 1, Some(warehouse)),
            (DispositionType::Missing, 1, None)
        ]
    );
    // A closed return takes no more processing.
    let p = run(
        &client,
        RETURN_PROCESS,
        "ReturnProcess",
        &process(json!([]), None),
    )
    .await;
    assert_eq!(
        p["returnProcess"]["userErrors"][0]["message"],
        "Return is closed and cannot be processed"
    );
}

/// The documents these tests send validate against every schema on hand (skipped with a
/// notice where `../shared/shopify-schema` is absent, failed under CI).
#[test]
fn the_test_documents_validate_against_the_schemas() {
    let documents = [
        ("RefundCreate", CREATE),
        ("Order", ORDER_AFTER_REFUNDS),
        ("FulfillmentCreate", FULFILL),
        ("OrderFulfillments", FULFILLMENT_LINES),
        ("ReturnCreate", RETURN_CREATE),
        ("ReturnProcess", RETURN_PROCESS),
    ];
    support::schemas::validate_against_schemas(&documents);
}
