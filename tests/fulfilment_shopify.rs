//! Fulfillment reads and writes through the Shopify client against wiremock: the exact
//! variables, paging of fulfillment orders, user errors, and no retry of a write that has no
//! idempotency key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use serde_json::json;
use stokly_shopify::shopify::model::{
    FulfillmentInput, FulfillmentOrderLineItemInput, FulfillmentOrderLineItemsInput,
    FulfillmentOrderStatus, FulfillmentTrackingInput,
};
use stokly_shopify::shopify::{
    Error, FulfillmentId, FulfillmentOrderId, FulfillmentOrderLineItemId, LocationId, OrderId,
};
use support::*;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fo_node(id: u64, status: &str) -> serde_json::Value {
    json!({
        "id": format!("gid://shopify/FulfillmentOrder/{id}"),
        "status": status,
        "assignedLocation": {"location": {"id": "gid://shopify/Location/7"}},
        "fulfillmentHolds": if status == "ON_HOLD" {
            json!([{"id": "gid://shopify/FulfillmentHold/3", "reason": "INCORRECT_ADDRESS", "reasonNotes": null}])
        } else { json!([]) },
        "supportedActions": [{"action": "CREATE_FULFILLMENT"}, {"action": "MOVE"}],
        "lineItems": {"nodes": [{
            "id": format!("gid://shopify/FulfillmentOrderLineItem/{id}1"),
            "sku": "MUG", "remainingQuantity": 2, "totalQuantity": 3,
            "lineItem": {"id": "gid://shopify/LineItem/55"}
        }], "pageInfo": {"hasNextPage": false, "endCursor": null}}
    })
}

#[tokio::test]
async fn reads_an_orders_fulfillment_state_paging_its_fulfillment_orders() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillments",
            "variables": {"id": "gid://shopify/Order/1001", "fulfillments": 10}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
            "id": "gid://shopify/Order/1001", "name": "#1001", "cancelledAt": null,
            "fulfillmentsCount": {"count": 1, "precision": "EXACT"},
            "fulfillments": [{
                "id": "gid://shopify/Fulfillment/9", "status": "SUCCESS",
                "createdAt": "2026-12-01T10:00:00Z",
                "location": {"id": "gid://shopify/Location/7"},
                "trackingInfo": [{"company": "Hermes", "number": "H1", "url": "https://t/H1"},
                                 {"company": "Hermes", "number": "H2", "url": "https://t/H2"}],
                "fulfillmentLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/55"}, "quantity": 1}],
                                         "pageInfo": {"hasNextPage": false, "endCursor": null}}
            }]
        }}})))
        .expect(1)
        .named("order header and fulfillments")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillmentOrders",
            "variables": {"id": "gid://shopify/Order/1001", "first": 5, "after": null}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
                "fulfillmentOrders": {"nodes": [fo_node(1, "CLOSED")],
                                      "pageInfo": {"hasNextPage": true, "endCursor": "c1"}}
            }}})),
        )
        .expect(1)
        .named("first page")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillmentOrders",
            "variables": {"id": "gid://shopify/Order/1001", "first": 5, "after": "c1"}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
                "fulfillmentOrders": {"nodes": [fo_node(2, "ON_HOLD")],
                                      "pageInfo": {"hasNextPage": false, "endCursor": "c2"}}
            }}})),
        )
        .expect(1)
        .named("second page")
        .mount(&server)
        .await;
    let state = client(&server)
        .order_fulfillments(&OrderId::from_numeric(1001))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.name, "#1001");
    assert_eq!(state.fulfillment_orders.nodes.len(), 2);
    let held = &state.fulfillment_orders.nodes[1];
    assert_eq!(held.status, FulfillmentOrderStatus::OnHold);
    assert_eq!(held.fulfillment_holds[0].reason, "INCORRECT_ADDRESS");
    assert_eq!(held.line_items.nodes[0].remaining_quantity, 2);
    assert_eq!(held.location().unwrap().numeric_id(), 7);
    assert_eq!(
        state.fulfillments[0].tracking_numbers().collect::<Vec<_>>(),
        vec!["H1", "H2"]
    );
    assert!(!state.is_truncated());
}

fn fulfillment_node(id: u64, more_lines: bool) -> serde_json::Value {
    json!({
        "id": format!("gid://shopify/Fulfillment/{id}"), "status": "SUCCESS",
        "createdAt": "2026-12-01T10:00:00Z",
        "location": {"id": "gid://shopify/Location/7"},
        "trackingInfo": [{"company": "UPS", "number": format!("1Z{id}"), "url": null}],
        "fulfillmentLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/55"}, "quantity": 1}],
                                 "pageInfo": {"hasNextPage": more_lines, "endCursor": if more_lines { json!("fl-c25") } else { json!(null) }}}
    })
}

#[tokio::test]
async fn long_lists_are_paged_never_cut_at_a_page_size() {
    let server = MockServer::start().await;
    let header = |n: u64| {
        json!({"data": {"order": {
            "id": "gid://shopify/Order/1001", "name": "#1001", "cancelledAt": null,
            "fulfillmentsCount": {"count": 12, "precision": "EXACT"},
            "fulfillments": (1..=n).map(|i| fulfillment_node(i, i == 3)).collect::<Vec<_>>()
        }}})
    };
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillments",
            "variables": {"id": "gid://shopify/Order/1001", "fulfillments": 10}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(10)))
        .expect(1)
        .named("first ten fulfillments")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillments",
            "variables": {"id": "gid://shopify/Order/1001", "fulfillments": 12}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(header(12)))
        .expect(1)
        .named("read again, sized to the count")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentLineItems",
            "variables": {"id": "gid://shopify/Fulfillment/3", "first": 100, "after": "fl-c25"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillment": {
            "fulfillmentLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/56"}, "quantity": 2}],
                                     "pageInfo": {"hasNextPage": false, "endCursor": "fl-c26"}}
        }}})))
        .expect(1)
        .named("the rest of fulfillment 3's lines")
        .mount(&server)
        .await;
    let mut fo = fo_node(1, "OPEN");
    fo["lineItems"]["pageInfo"] = json!({"hasNextPage": true, "endCursor": "fol-c25"});
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "OrderFulfillmentOrders",
            "variables": {"id": "gid://shopify/Order/1001", "first": 5, "after": null}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": {
            "fulfillmentOrders": {"nodes": [fo], "pageInfo": {"hasNextPage": false, "endCursor": "c1"}}
        }}})))
        .expect(1)
        .named("fulfillment orders")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentOrderLineItems",
            "variables": {"id": "gid://shopify/FulfillmentOrder/1", "first": 100, "after": "fol-c25"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillmentOrder": {
            "lineItems": {"nodes": [{
                "id": "gid://shopify/FulfillmentOrderLineItem/77", "sku": "TEA",
                "remainingQuantity": 4, "totalQuantity": 4,
                "lineItem": {"id": "gid://shopify/LineItem/56", "quantity": 4,
                             "lineItemGroup": {"id": "gid://shopify/LineItemGroup/5", "quantity": 2}}
            }], "pageInfo": {"hasNextPage": false, "endCursor": "fol-c26"}}
        }}})))
        .expect(1)
        .named("the rest of the fulfillment order's lines")
        .mount(&server)
        .await;
    let state = client(&server)
        .order_fulfillments(&OrderId::from_numeric(1001))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.fulfillments.len(), 12);
    assert_eq!(state.fulfillments[2].fulfillment_line_items.nodes.len(), 2);
    let lines = &state.fulfillment_orders.nodes[0].line_items.nodes;
    assert_eq!(lines.len(), 2);
    let group = lines[1].line_item.line_item_group.as_ref().unwrap();
    assert_eq!(
        (group.id.as_str(), group.quantity),
        ("gid://shopify/LineItemGroup/5", 2)
    );
    assert!(!state.is_truncated());
}

#[tokio::test]
async fn a_missing_order_is_none() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"order": null}})))
        .expect(1)
        .mount(&server)
        .await;
    let state = client(&server)
        .order_fulfillments(&OrderId::from_numeric(1))
        .await
        .unwrap();
    assert!(state.is_none());
}

fn create_input() -> FulfillmentInput {
    FulfillmentInput::new(
        FulfillmentTrackingInput::new(
            Some("Hermes".into()),
            vec!["H1".into(), "H2".into()],
            vec![],
        ),
        true,
        vec![FulfillmentOrderLineItemsInput::new(
            FulfillmentOrderId::from_numeric(1),
            vec![FulfillmentOrderLineItemInput::new(
                FulfillmentOrderLineItemId::from_numeric(11),
                2,
            )],
        )],
    )
}

#[tokio::test]
async fn fulfillment_create_sends_the_input_exactly_once_and_surfaces_user_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentCreate",
            "variables": {"fulfillment": {
                "trackingInfo": {"company": "Hermes", "numbers": ["H1", "H2"], "urls": []},
                "notifyCustomer": true,
                "lineItemsByFulfillmentOrder": [{
                    "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1",
                    "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2}]
                }]
            }}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillmentCreate": {
            "fulfillment": {"id": "gid://shopify/Fulfillment/77", "status": "SUCCESS",
                "trackingInfo": [{"company": "Hermes", "number": "H1", "url": null},
                                 {"company": "Hermes", "number": "H2", "url": null}]},
            "userErrors": []
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let made = client(&server)
        .fulfillment_create(&create_input())
        .await
        .unwrap();
    assert_eq!(made.id, FulfillmentId::from_numeric(77));
    assert_eq!(made.tracking_info.len(), 2);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillmentCreate": {
            "fulfillment": null,
            "userErrors": [{"field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity requested."}]
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .fulfillment_create(&create_input())
        .await
        .unwrap_err();
    let Error::UserErrors { errors, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        errors[0].message,
        "Invalid fulfillment order line item quantity requested."
    );
}

#[tokio::test]
async fn fulfillment_create_is_not_retried_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .fulfillment_create(&create_input())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Http { .. }), "{error:?}");
}

#[tokio::test]
async fn tracking_update_sends_the_whole_set_and_move_names_its_lines() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentTrackingInfoUpdate",
            "variables": {
                "fulfillmentId": "gid://shopify/Fulfillment/9",
                "trackingInfoInput": {"company": "UPS", "numbers": ["1Z1", "1Z2"], "urls": []},
                "notifyCustomer": false
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"fulfillmentTrackingInfoUpdate": {
                "fulfillment": {"id": "gid://shopify/Fulfillment/9", "status": "SUCCESS",
                    "trackingInfo": [{"company": "UPS", "number": "1Z1", "url": null},
                                     {"company": "UPS", "number": "1Z2", "url": null}]},
                "userErrors": []
            }}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "FulfillmentOrderMove",
            "variables": {
                "id": "gid://shopify/FulfillmentOrder/1",
                "newLocationId": "gid://shopify/Location/8",
                "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 1}]
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"fulfillmentOrderMove": {
            "movedFulfillmentOrder": {"id": "gid://shopify/FulfillmentOrder/5", "status": "OPEN"},
            "userErrors": []
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let shopify = client(&server);
    let updated = shopify
        .fulfillment_tracking_update(
            &FulfillmentId::from_numeric(9),
            &FulfillmentTrackingInput::new(
                Some("UPS".into()),
                vec!["1Z1".into(), "1Z2".into()],
                vec![],
            ),
            false,
        )
        .await
        .unwrap();
    assert_eq!(updated.tracking_info[1].number.as_deref(), Some("1Z2"));
    let moved = shopify
        .fulfillment_order_move(
            &FulfillmentOrderId::from_numeric(1),
            &LocationId::from_numeric(8),
            &[FulfillmentOrderLineItemInput::new(
                FulfillmentOrderLineItemId::from_numeric(11),
                1,
            )],
        )
        .await
        .unwrap();
    assert_eq!(moved.numeric_id(), 5);
}

/// The fulfilment documents also validate against the newest schema on hand (2026-07);
/// tests/graphql_documents.rs checks every document against 2026-01 and 2026-04.
#[test]
fn fulfilment_documents_validate_against_2026_07() {
    use stokly_shopify::shopify::documents::ALL;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/shopify-schema/admin-2026-07.graphql");
    let Ok(sdl) = std::fs::read_to_string(&path) else {
        eprintln!("NOTICE: {} is absent; not validated", path.display());
        return;
    };
    let schema = apollo_compiler::Schema::parse_and_validate(sdl, &path).unwrap();
    let mut checked = 0;
    for (name, text) in ALL.iter().filter(|(n, _)| n.contains("Fulfillment")) {
        apollo_compiler::ExecutableDocument::parse_and_validate(&schema, *text, "doc.graphql")
            .unwrap_or_else(|e| panic!("{name}: {}", e.errors));
        checked += 1;
    }
    assert_eq!(checked, 7);
}
