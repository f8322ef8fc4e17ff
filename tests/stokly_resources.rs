//! Every Stokly resource call against wiremock, asserting the exact request: method, path,
//! query (filter, page, size) and JSON body, and what the client makes of the answer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::str::FromStr;

use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::model::inferred::{JournalLine, NewCreditNote, NewJournal};
use stokly_shopify::stokly::model::{
    AdjustmentLine, CollectItems, CollectLine, InvoiceLine, InvoiceStatus, ItemFormat, ItemPatch,
    NewAdjustment, NewCustomer, NewInvoice, NewItem, NewSaleOrder, NewVariableItem, RecordLevel,
    SaleOrderPatch,
};
use stokly_shopify::stokly::{
    BinId, ChannelId, Client, Error, InferredEndpoints, ItemId, ListQuery, ListingId, LocationId,
    RateLimit, SaleOrderId,
};
use wiremock::matchers::{body_json, body_string, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ITEM: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01";
const PARENT: &str = "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a02";
const CHANNEL: &str = "c4a1e2d3-0000-4000-8000-000000000006";
const LISTING: &str = "11111111-aaaa-4bbb-8ccc-000000000001";
const LOCATION: &str = "1a2b3c4d-0000-4000-8000-00000000000a";
const ORDER: &str = "5a1e0000-0000-4000-8000-000000000001";

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/tests/fixtures/stokly/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn accepted(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(202).set_body_json(json!({"data": {"id": id}}))
}

fn empty_list() -> ResponseTemplate {
    ok(json!({"data": [], "metadata": {"count": 0}}))
}

fn id<T: FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

#[tokio::test]
async fn item_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/items"))
        .and(query_param("page", "0"))
        .and(query_param("size", "100"))
        .respond_with(ok(fixture("items/list.json")))
        .named("list")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}")))
        .respond_with(ok(fixture("items/item.json")))
        .named("one")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{PARENT}/children")))
        .respond_with(ok(fixture("items/children_variable.json")))
        .named("children")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/composing-items"))
        .respond_with(ok(fixture("items/composing_items.json")))
        .named("composing")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/items/{ITEM}/barcodes")))
        .respond_with(ok(fixture("items/barcodes.json")))
        .named("barcodes")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/item-barcodes"))
        .and(query_param("filter", "[barcode]=={@string;0012345678905}"))
        .and(query_param("size", "1000"))
        .respond_with(ok(fixture("items/barcode_lookup.json")))
        .named("barcode lookup")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let items: Vec<_> = c.items(ListQuery::new()).try_collect().await.unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(
        c.item(&id(ITEM)).await.unwrap().sku.as_deref(),
        Some("TSHIRT-RED-M")
    );
    let children: Vec<_> = c
        .item_children(&id(PARENT), ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(children.len(), 1);
    let composing: Vec<_> = c
        .composing_items(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(composing.len(), 2);
    let barcodes: Vec<_> = c
        .item_barcodes(&id(ITEM), ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(barcodes.len(), 2);
    let found = c.items_by_barcode("0012345678905").await.unwrap();
    assert_eq!(found[0].item_id, id::<ItemId>(ITEM));
}

#[tokio::test]
async fn sku_lookup_is_exact_and_skips_deleted_items() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/items"))
        .and(query_param(
            "filter",
            "[sku]=={@string;abc-1}&&[status]!={1}",
        ))
        .and(query_param("size", "1000"))
        .respond_with(ok(json!({
            "data": [
                {"itemId": "i-1", "sku": "abc-1", "status": 0},
                {"itemId": "i-2", "sku": "ABC-1", "status": 0}
            ],
            "metadata": {"count": 2}
        })))
        .named("sku filter")
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server).items_by_sku("abc-1").await.unwrap();
    assert_eq!(
        found.len(),
        1,
        "Stokly's case-insensitive match is narrowed"
    );
    assert_eq!(found[0].item_id.as_str(), "i-1");
}

#[tokio::test]
async fn item_writes_route_by_format() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0/items"))
        .and(body_json(fixture("items/new_item.json")))
        .respond_with(accepted(ITEM))
        .named("create item")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/variable-items"))
        .and(body_json(fixture("items/new_variable_item.json")))
        .respond_with(accepted(PARENT))
        .named("create variable item")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v0/items/{ITEM}")))
        .and(body_json(fixture("items/item_patch.json")))
        .respond_with(ResponseTemplate::new(202))
        .named("patch simple")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v0/variable-items/{PARENT}")))
        .and(body_json(json!({"sku": "TSHIRT-2"})))
        .respond_with(ResponseTemplate::new(202))
        .named("patch variable")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let item: NewItem = serde_json::from_value(fixture("items/new_item.json")).unwrap();
    assert_eq!(c.create_item(&item).await.unwrap(), id::<ItemId>(ITEM));
    let variable: NewVariableItem =
        serde_json::from_value(fixture("items/new_variable_item.json")).unwrap();
    assert_eq!(
        c.create_variable_item(&variable).await.unwrap(),
        id::<ItemId>(PARENT)
    );
    let patch: ItemPatch = serde_json::from_value(fixture("items/item_patch.json")).unwrap();
    c.update_item(&id(ITEM), ItemFormat::Simple, &patch)
        .await
        .unwrap();
    let mut patch = ItemPatch::new();
    patch.sku = Some("TSHIRT-2".into());
    c.update_item(&id(PARENT), ItemFormat::Variable, &patch)
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_item_writes_are_refused_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(accepted("x"))
        .named("nothing may be sent")
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let argument = |e: Error| match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("{other:?}"),
    };
    let mut item = NewItem::simple(" ", "SKU");
    assert_eq!(argument(c.create_item(&item).await.unwrap_err()), "name");
    item = NewItem::simple("Name", "SKU");
    item.format = ItemFormat::Variable;
    assert_eq!(argument(c.create_item(&item).await.unwrap_err()), "format");
    let variable = NewVariableItem::new("T", Vec::new(), vec![id(ITEM)]);
    assert_eq!(
        argument(c.create_variable_item(&variable).await.unwrap_err()),
        "variableAttributes"
    );
    assert_eq!(
        argument(
            c.update_item(&id(ITEM), ItemFormat::Simple, &ItemPatch::new())
                .await
                .unwrap_err()
        ),
        "patch"
    );
}

#[tokio::test]
async fn credit_notes_are_checked_field_by_field_without_adding_amounts() {
    let server = MockServer::start().await;
    let c = client(&server);
    let note = |shipping: &str, tax: &str| -> NewCreditNote {
        serde_json::from_value(json!({
            "currency": "GBP",
            "items": [],
            "shipping": shipping.parse::<f64>().ok().map(|_| shipping),
            "shippingTax": tax.parse::<f64>().ok().map(|_| tax),
            "payments": []
        }))
        .unwrap()
    };
    let argument = |e: Error| match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("{other:?}"),
    };
    // Shipping and a negative tax that cancel out: the negative tax is named.
    assert_eq!(
        argument(
            c.create_credit_note(&id(ORDER), &note("5", "-5"))
                .await
                .unwrap_err()
        ),
        "shippingTax"
    );
    assert_eq!(
        argument(
            c.create_credit_note(&id(ORDER), &note("0", "0"))
                .await
                .unwrap_err()
        ),
        "items"
    );
    // Amounts whose sum would overflow are checked one by one, never added: no panic, and
    // the encoder refuses a number JSON cannot carry exactly.
    let max = "79228162514264337593543950335";
    let sent = c.create_credit_note(&id(ORDER), &note(max, max)).await;
    assert!(
        matches!(&sent, Err(Error::Encode { source, .. }) if source.to_string().contains(max)),
        "{sent:?}"
    );
}

#[tokio::test]
async fn channels_and_listings() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/channels"))
        .and(query_param("filter", "[status]!={2}"))
        .respond_with(ok(fixture("channels/list.json")))
        .named("channels")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/channels/{CHANNEL}")))
        .respond_with(ok(fixture("channels/channel.json")))
        .named("channel")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/channels/{CHANNEL}/listings")))
        .and(query_param("size", "1000"))
        .respond_with(ok(fixture("listings/channel_listings.json")))
        .named("channel listings")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/listings/{LISTING}")))
        .respond_with(ok(fixture("listings/listing_simple.json")))
        .named("listing")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/listings/{LISTING}/messages")))
        .and(query_param("sortField", "niceId"))
        .and(query_param("sortDirection", "DESC"))
        .respond_with(ok(fixture("listings/messages.json")))
        .named("messages")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v0/listings/{LISTING}/synchronisations")))
        .and(body_string(""))
        .respond_with(ResponseTemplate::new(202))
        .named("synchronise")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let query = ListQuery::new().filter(
        stokly_shopify::stokly::Filter::field("status")
            .ne(2)
            .unwrap(),
    );
    let channels: Vec<_> = c.channels(query).try_collect().await.unwrap();
    assert_eq!(channels.len(), 3);
    assert_eq!(
        c.channel(&id(CHANNEL)).await.unwrap().name.as_deref(),
        Some("Acme Shopify")
    );
    let listings: Vec<_> = c
        .channel_listings(&id::<ChannelId>(CHANNEL), ListQuery::new().page_size(1000))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listings.len(), 3);
    let listing = c.listing(&id::<ListingId>(LISTING)).await.unwrap();
    assert_eq!(listing.item_id, Some(id(ITEM)));
    let messages: Vec<_> = c
        .listing_messages(
            &id(LISTING),
            ListQuery::new().sort(stokly_shopify::stokly::Sort::desc("niceId").unwrap()),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    c.synchronise_listing(&id(LISTING)).await.unwrap();
}

#[tokio::test]
async fn locations_bins_and_the_default_bin() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/locations"))
        .respond_with(ok(fixture("locations/list.json")))
        .named("locations")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v0/locations/{LOCATION}/bins")))
        .and(query_param("filter", "[default]=={1}"))
        .and(query_param("size", "1"))
        .and(query_param("page", "0"))
        .respond_with(ok(fixture("locations/default_bin.json")))
        .named("default bin")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/bins"))
        .and(query_param(
            "filter",
            format!("[locationId]=={{{LOCATION}}}").as_str(),
        ))
        .respond_with(ok(fixture("locations/bins.json")))
        .named("bins")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let locations: Vec<_> = c.locations(ListQuery::new()).try_collect().await.unwrap();
    assert_eq!(locations.len(), 2);
    let bin = c.default_bin(&id(LOCATION)).await.unwrap().unwrap();
    assert_eq!(
        bin.bin_id,
        id::<BinId>("b1b1b1b1-0000-4000-8000-000000000001")
    );
    let location: LocationId = id(LOCATION);
    let bins: Vec<_> = c
        .bins(
            ListQuery::new().filter(
                stokly_shopify::stokly::Filter::field("locationId")
                    .eq(&location)
                    .unwrap(),
            ),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(bins.len(), 2);
}

#[tokio::test]
async fn a_location_without_a_default_bin() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(empty_list())
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        client(&server)
            .default_bin(&id(LOCATION))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn inventory_records_by_level_and_adjustments() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/inventory-records"))
        .and(query_param(
            "filter",
            "[onOrder]!={0}&&[locationId]!={UNASSIGNED}&&[binId]=={UNASSIGNED}",
        ))
        .respond_with(ok(json!({
            "data": [fixture("inventory/records.json")["data"][1].clone()],
            "metadata": {"count": 1}
        })))
        .named("location-level rows")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/adjustments"))
        .and(body_json(fixture("inventory/new_adjustment.json")))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"data": {"id": "adj-1"}})))
        .named("adjustment")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let query = ListQuery::new().filter(
        stokly_shopify::stokly::Filter::field("onOrder")
            .ne(0)
            .unwrap(),
    );
    let rows: Vec<_> = c
        .inventory_records_at(RecordLevel::Location, query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows[0].level(), RecordLevel::Location);
    let adjustment: NewAdjustment =
        serde_json::from_value(fixture("inventory/new_adjustment.json")).unwrap();
    let made = c.create_adjustment(&adjustment).await.unwrap();
    assert_eq!(made.map(|a| a.to_string()).as_deref(), Some("adj-1"));
}

#[tokio::test]
async fn adjustments_are_checked_and_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/adjustments"))
        .respond_with(ResponseTemplate::new(502))
        .named("failed adjustment, sent once")
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(server.uri())
        .bearer_token("t")
        .retry(RetryConfig::default().with_initial_backoff(std::time::Duration::from_millis(5)))
        .build()
        .unwrap();
    let line = |q: &str| AdjustmentLine::new(id(ITEM), Decimal::from_str(q).unwrap());
    let adj = |lines| NewAdjustment::new(id(LOCATION), id("bin-1"), "count", lines);
    match c.create_adjustment(&adj(vec![line("1"), line("0")])).await {
        Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "items[1].quantity"),
        other => panic!("{other:?}"),
    }
    let unassigned = NewAdjustment::new(id(LOCATION), BinId::UNASSIGNED, "count", vec![line("1")]);
    assert!(c.create_adjustment(&unassigned).await.is_err());
    let err = c
        .create_adjustment(&adj(vec![line("-2")]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
}

#[tokio::test]
async fn sale_order_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/saleorders"))
        .and(query_param(
            "filter",
            "[stage]=={order}&&[itemStatuses]::{unprocessed}&&[stage]!={removed}",
        ))
        .respond_with(ok(fixture("sale_orders/list.json")))
        .named("awaiting fulfilment")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/saleorders"))
        .and(query_param(
            "filter",
            "[sourceReferenceId]=={@string;5551234567890}",
        ))
        .and(query_param("size", "1000"))
        .respond_with(ok(fixture("sale_orders/list.json")))
        .named("dedup lookup")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}")))
        .respond_with(ok(fixture("sale_orders/get.json")))
        .named("one order")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}/items")))
        .and(query_param("filter", "[parentId]=={@null;}"))
        .and(query_param("size", "1000"))
        .respond_with(ok(fixture("sale_orders/lines.json")))
        .named("lines")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let live: Vec<_> = c
        .sale_orders_awaiting_fulfilment(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(live.len(), 3);
    let same = c
        .sale_orders_by_source_reference("5551234567890")
        .await
        .unwrap();
    assert_eq!(same.len(), 1, "only the exact reference is kept");
    let order = c.sale_order(&id(ORDER)).await.unwrap();
    assert_eq!(order.carrier_reference.as_deref(), Some("RM123456785GB"));
    let top = ListQuery::new()
        .filter(
            stokly_shopify::stokly::Filter::field("parentId")
                .is_null()
                .unwrap(),
        )
        .page_size(1000);
    let lines: Vec<_> = c
        .sale_order_lines(&id::<SaleOrderId>(ORDER), top)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lines.len(), 3);
}

#[tokio::test]
async fn sale_order_writes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/saleorders"))
        .and(body_json(fixture("sale_orders/new_sale_order.json")))
        .respond_with(accepted(ORDER))
        .named("create with the full body")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v2/saleorders/{ORDER}")))
        .and(body_json(fixture("sale_orders/patch.json")))
        .respond_with(ResponseTemplate::new(202))
        .named("patch")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/saleorders/{ORDER}/collect-items")))
        .and(body_json(fixture("sale_orders/collect_items.json")))
        .respond_with(ResponseTemplate::new(202))
        .named("collect")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/saleorders/{ORDER}/invoices")))
        .and(body_json(fixture("sale_orders/invoices.json")))
        .respond_with(accepted("inv-1"))
        .named("invoice")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let order: NewSaleOrder =
        serde_json::from_value(fixture("sale_orders/new_sale_order.json")).unwrap();
    let created = c.create_sale_order(&order).await.unwrap();
    assert_eq!(created, id::<SaleOrderId>(ORDER));
    c.update_sale_order(
        &created,
        &SaleOrderPatch::tags(vec!["ignoreInReports".into()]),
    )
    .await
    .unwrap();
    let collect = CollectItems::new(
        id(LOCATION),
        vec![CollectLine::new(
            id("1e000000-0000-4000-8000-000000000001"),
            Decimal::TWO,
        )],
    );
    c.collect_sale_order_items(&created, &collect)
        .await
        .unwrap();
    let invoices: Vec<NewInvoice> =
        serde_json::from_value(fixture("sale_orders/invoices.json")["invoices"].clone()).unwrap();
    c.invoice_sale_order(&created, &invoices).await.unwrap();
}

#[tokio::test]
async fn invalid_order_writes_are_refused_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(accepted("x"))
        .named("nothing may be sent")
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let argument = |e: Error| match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("{other:?}"),
    };
    let empty = NewSaleOrder::new("GBP".parse().unwrap(), Vec::new());
    assert_eq!(
        argument(c.create_sale_order(&empty).await.unwrap_err()),
        "items"
    );
    let collect = CollectItems::new(
        id(LOCATION),
        vec![CollectLine::new(id("l-1"), Decimal::ZERO)],
    );
    assert_eq!(
        argument(
            c.collect_sale_order_items(&id(ORDER), &collect)
                .await
                .unwrap_err()
        ),
        "items[0].quantity"
    );
    let invoice = NewInvoice::new(InvoiceStatus::Paid, "GBP".parse().unwrap(), Vec::new());
    assert_eq!(
        argument(
            c.invoice_sale_order(&id(ORDER), &[invoice])
                .await
                .unwrap_err()
        ),
        "invoices[0].items"
    );
    let line = InvoiceLine::item(id(ITEM), Decimal::ONE);
    let fine = NewInvoice::new(InvoiceStatus::Paid, "GBP".parse().unwrap(), vec![line]);
    let mut order = NewSaleOrder::new("GBP".parse().unwrap(), Vec::new());
    order.invoices = vec![fine];
    assert_eq!(
        argument(c.create_sale_order(&order).await.unwrap_err()),
        "items"
    );
    assert_eq!(
        argument(
            c.update_sale_order(&id(ORDER), &SaleOrderPatch::new())
                .await
                .unwrap_err()
        ),
        "patch"
    );
}

#[tokio::test]
async fn customers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/customers"))
        .and(query_param("filter", "[barcode]=={@string;ACC-0042}"))
        .respond_with(ok(fixture("customers/list.json")))
        .named("by barcode")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/customers"))
        .and(query_param(
            "filter",
            "[email]=={@string;orders@babbage.example.test}",
        ))
        .respond_with(ok(fixture("customers/list.json")))
        .named("by email")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0/customers"))
        .and(body_json(fixture("customers/new_customer.json")))
        .respond_with(accepted("c5000000-0000-4000-8000-000000000001"))
        .named("create")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let by_barcode = c.customers_by_barcode("ACC-0042").await.unwrap();
    assert_eq!(by_barcode.len(), 1);
    let by_email = c
        .customers_by_email(" orders@babbage.example.test ")
        .await
        .unwrap();
    assert_eq!(by_email.len(), 1, "case-insensitive exact match");
    assert_eq!(
        by_email[0].customer_id.as_str(),
        "c5000000-0000-4000-8000-000000000002"
    );
    let customer: NewCustomer =
        serde_json::from_value(fixture("customers/new_customer.json")).unwrap();
    let created = c.create_customer(&customer).await.unwrap();
    assert_eq!(created.as_str(), "c5000000-0000-4000-8000-000000000001");
    let nameless = NewCustomer::default();
    assert!(matches!(
        c.create_customer(&nameless).await,
        Err(Error::InvalidArgument { .. })
    ));
}

#[tokio::test]
async fn invoices() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/invoices"))
        .and(query_param(
            "filter",
            "[issueDate]>={2025-05-28T11:46}&&[status]=*{paid}",
        ))
        .respond_with(ok(fixture("invoices/list.json")))
        .named("invoices")
        .expect(1)
        .mount(&server)
        .await;
    let since = chrono::DateTime::parse_from_rfc3339("2025-05-28T11:46:30Z")
        .unwrap()
        .to_utc();
    let filter = stokly_shopify::stokly::Filter::field("issueDate")
        .ge(since)
        .unwrap()
        .and(
            stokly_shopify::stokly::Filter::field("status")
                .in_list([InvoiceStatus::Paid])
                .unwrap(),
        );
    let invoices: Vec<_> = client(&server)
        .invoices(ListQuery::new().filter(filter))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(invoices.len(), 2);
}

#[tokio::test]
async fn inferred_endpoints_use_their_defaults_and_overrides() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}/dispatches")))
        .respond_with(ok(fixture("inferred/dispatches.json")))
        .named("default dispatches path")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/price-lists"))
        .respond_with(ok(fixture("inferred/price_lists.json")))
        .named("default price lists path")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/saleorders/{ORDER}/credit-notes")))
        .and(body_json(fixture("inferred/new_credit_note.json")))
        .respond_with(accepted("cn-1"))
        .named("default credit notes path")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/ledger/journals"))
        .and(body_json(fixture("inferred/new_journal.json")))
        .respond_with(accepted("j-1"))
        .named("overridden journals path")
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/saleorders/{ORDER}/shipments")))
        .respond_with(empty_list())
        .named("overridden dispatches path")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let dispatches: Vec<_> = c
        .sale_order_dispatches(&id(ORDER), ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(dispatches[0].carrier.as_deref(), Some("Royal Mail"));
    let lists: Vec<_> = c.price_lists(ListQuery::new()).try_collect().await.unwrap();
    assert_eq!(lists.len(), 1);
    let note: NewCreditNote =
        serde_json::from_value(fixture("inferred/new_credit_note.json")).unwrap();
    assert_eq!(
        c.create_credit_note(&id(ORDER), &note)
            .await
            .unwrap()
            .as_str(),
        "cn-1"
    );

    let overridden = Client::builder()
        .base_url(server.uri())
        .bearer_token("t")
        .inferred_endpoints(
            InferredEndpoints::default()
                .with_journals("/v1/ledger/journals")
                .with_sale_order_dispatches("/v2/saleorders/{id}/shipments"),
        )
        .build()
        .unwrap();
    let journal: NewJournal = serde_json::from_value(fixture("inferred/new_journal.json")).unwrap();
    assert_eq!(
        overridden.create_journal(&journal).await.unwrap().as_str(),
        "j-1"
    );
    let none: Vec<_> = overridden
        .sale_order_dispatches(&id(ORDER), ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());

    let unbalanced = NewJournal::new(
        journal.date,
        journal.currency,
        "payout-2",
        vec![
            JournalLine::debit("1200", Decimal::ONE),
            JournalLine::credit("4000", Decimal::TWO),
        ],
    );
    assert!(matches!(
        overridden.create_journal(&unbalanced).await,
        Err(Error::InvalidArgument { .. })
    ));
}

#[tokio::test]
async fn escape_hatches_reach_unmodelled_resources() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/suppliers"))
        .and(|r: &Request| r.url.query() == Some("page=0&size=100"))
        .respond_with(ok(
            json!({"data": [{"supplierId": "s-1", "name": "Acme"}], "metadata": {"count": 1}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/suppliers/s-1"))
        .respond_with(ok(json!({"data": {"supplierId": "s-1"}})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let suppliers: Vec<Value> = c
        .list_at("/v1/suppliers", ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(suppliers[0]["name"], json!("Acme"));
    let one: Value = c.get_at("/v1/suppliers/s-1").await.unwrap();
    assert_eq!(one["supplierId"], json!("s-1"));
    assert!(matches!(
        c.get_at::<Value>("v1/no-slash").await,
        Err(Error::InvalidArgument { .. })
    ));
}
