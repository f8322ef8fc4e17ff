//! Every Stokly wire model round-trips through the fixtures in `tests/fixtures/stokly/`,
//! written from the shapes in the API reference; request bodies built in code serialise to
//! exactly the fixture's JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::fmt::Debug;
use std::str::FromStr;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use stokly_shopify::CurrencyCode;
use stokly_shopify::stokly::model::inferred::{
    CreditNoteLine, Dispatch, JournalLine, NewCreditNote, NewJournal, PriceList,
};
use stokly_shopify::stokly::model::{
    Acquisition, Address, AdjustmentLine, Amount, AttributeValue, BarcodeMatch, Bin, BinType,
    Channel, ChannelType, CollectItems, CollectLine, ComposingItem, Contact, Customer,
    CustomerName, CustomerRef, CustomerType, FulfilmentType, Image, InventoryRecord, InvoiceLine,
    InvoiceStatus, Item, ItemBarcode, ItemChild, ItemFormat, ItemPatch, ItemStatus, LineStatus,
    LineType, Listing, ListingMessage, ListingMessageType, ListingStatus, ListingType, Location,
    NewAdjustment, NewCustomer, NewInvoice, NewItem, NewSaleOrder, NewSaleOrderLine,
    NewVariableItem, Payment, PersonName, RecordLevel, SaleInvoice, SaleOrder, SaleOrderLine,
    SaleOrderPatch, SaleOrderStage, Shipping, SourceType,
};
use stokly_shopify::stokly::{
    BinId, ChannelId, CustomerId, ItemAttributeId, ItemId, ItemTypeId, LocationId, SaleOrderLineId,
    TaxClassId, UserId,
};

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/tests/fixtures/stokly/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Decodes, encodes and decodes again; both decodes must agree.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(value: Value) -> T {
    let first: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("decoding {value}: {e}"));
    let encoded = serde_json::to_value(&first).unwrap();
    let second: T = serde_json::from_value(encoded.clone())
        .unwrap_or_else(|e| panic!("re-decoding {encoded}: {e}"));
    assert_eq!(first, second);
    first
}

fn rows<T: DeserializeOwned + Serialize + PartialEq + Debug>(path: &str) -> Vec<T> {
    let v = fixture(path);
    let count = v["metadata"]["count"].as_u64().unwrap();
    let data = v["data"].as_array().unwrap().clone();
    assert_eq!(data.len() as u64, count, "{path}: metadata.count");
    data.into_iter().map(round_trip).collect()
}

fn one<T: DeserializeOwned + Serialize + PartialEq + Debug>(path: &str) -> T {
    round_trip(fixture(path)["data"].clone())
}

/// A request body: decodes, and encodes back to exactly the fixture.
fn body<T: DeserializeOwned + Serialize + PartialEq + Debug>(path: &str) -> T {
    let v = fixture(path);
    let t: T = round_trip(v.clone());
    assert_eq!(serde_json::to_value(&t).unwrap(), v, "{path}");
    t
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn id<T: FromStr>(s: &str) -> T
where
    T::Err: Debug,
{
    s.parse().unwrap()
}

#[test]
fn items_list() {
    let items: Vec<Item> = rows("items/list.json");
    let shirt = &items[0];
    assert_eq!(
        shirt.item_id.as_str(),
        "0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01"
    );
    assert_eq!(shirt.account_key.as_deref(), Some("acme"));
    assert_eq!(shirt.sku.as_deref(), Some("TSHIRT-RED-M"));
    assert_eq!(shirt.format, Some(ItemFormat::Simple));
    assert_eq!(shirt.status, Some(ItemStatus::Active));
    assert_eq!(shirt.barcodes.len(), 2);
    assert_eq!(shirt.on_hand, Some(dec("14")));
    assert_eq!(shirt.on_order, Some(dec("6")), "a string count decodes");
    assert_eq!(
        shirt.time_created,
        Utc.with_ymd_and_hms(2024, 11, 20, 8, 0, 0).single()
    );
    // Unknown fields are kept, whatever their shape.
    assert_eq!(shirt.extra["supplierSku"], json!("SUP-778"));
    assert_eq!(shirt.extra["weight"], json!({"value": 0.2, "unit": "kg"}));
    let encoded = serde_json::to_value(shirt).unwrap();
    assert_eq!(encoded["weight"], json!({"value": 0.2, "unit": "kg"}));
    assert_eq!(encoded["accountkey"], json!("acme"));

    assert_eq!(items[1].format, Some(ItemFormat::Variable));
    assert_eq!(items[1].on_hand, Some(Decimal::ZERO));
    let gift = &items[2];
    assert_eq!(gift.format, Some(ItemFormat::Composite));
    assert_eq!(
        gift.sku.as_deref(),
        Some("00123"),
        "numeric-looking SKUs stay text"
    );
    assert_eq!(
        gift.status,
        Some(ItemStatus::Active),
        "status \"0\" decodes"
    );
    assert_eq!(gift.barcode, None);
    assert!(gift.tags.is_empty());
    assert_eq!(gift.on_hand, Some(dec("3.5")));
    assert_eq!(items[3].format, Some(ItemFormat::Manufactured));
    assert!(items[3].is_deleted());
}

#[test]
fn single_item_children_components_and_barcodes() {
    let item: Item = one("items/item.json");
    assert_eq!(item.description.as_deref(), Some("<p>Soft cotton tee.</p>"));
    assert_eq!(item.extra["mpn"], json!("TS-R-M"));

    let parts: Vec<ItemChild> = rows("items/children_composite.json");
    assert_eq!(parts[0].composing_item_quantity, Some(dec("2")));
    assert_eq!(parts[1].composing_item_quantity, Some(dec("1")));
    let variants: Vec<ItemChild> = rows("items/children_variable.json");
    assert_eq!(variants[0].composing_item_quantity, None);

    let composing: Vec<ComposingItem> = rows("items/composing_items.json");
    assert_eq!(composing[0].item_id, composing[1].item_id);
    assert_eq!(composing[1].quantity, Decimal::ONE);

    let barcodes: Vec<ItemBarcode> = rows("items/barcodes.json");
    assert_eq!(barcodes[0].barcode, "5012345678900");
    assert_eq!(
        barcodes[1].barcode, "5012345678917",
        "a numeric barcode decodes"
    );
    let found: Vec<BarcodeMatch> = rows("items/barcode_lookup.json");
    assert_eq!(found[0].barcode.as_deref(), Some("0012345678905"));
}

#[test]
fn item_request_bodies() {
    let parsed: NewItem = body("items/new_item.json");
    let mut built = NewItem::simple("T-shirt red M", "TSHIRT-RED-M");
    built.is_sold = Some(true);
    built.acquisition = Some(Acquisition::Purchased);
    built.type_id = Some(id::<ItemTypeId>("5d1c2b3a-4e5f-4a6b-9c7d-8e9f0a1b2c3d"));
    built.tags = vec!["summer".into()];
    built.barcodes = vec!["5012345678900".into()];
    built.attributes = vec![AttributeValue::new(
        id::<ItemAttributeId>("a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d"),
        "Red",
    )];
    built.append_attributes = Some(true);
    built.tax_class_id = Some(id::<TaxClassId>("c0ffee00-1111-4222-8333-444455556666"));
    built.harmony_code = Some("610910".into());
    built.country_of_origin = Some("GB".into());
    built.sale_price = Some(Amount::new(dec("19.99"), CurrencyCode::new("GBP").unwrap()));
    assert_eq!(built, parsed);

    let parsed: NewVariableItem = body("items/new_variable_item.json");
    let mut built = NewVariableItem::new(
        "T-shirt",
        vec![id("a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d")],
        vec![id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01")],
    );
    built.sku = Some("TSHIRT".into());
    built.description = Some("Our classic tee".into());
    built.type_id = Some(id("5d1c2b3a-4e5f-4a6b-9c7d-8e9f0a1b2c3d"));
    built.append_attributes = Some(true);
    built.images = vec![Image::new("https://bucket.stok.ly/acme/3f2a9c.jpg")];
    assert_eq!(built, parsed);

    let parsed: ItemPatch = body("items/item_patch.json");
    let mut built = ItemPatch::new();
    built.sku = Some("TSHIRT-RED-M2".into());
    built.images = Some(Vec::new());
    assert_eq!(built, parsed);
}

#[test]
fn channels_hide_their_settings_in_debug() {
    let channels: Vec<Channel> = rows("channels/list.json");
    assert_eq!(channels[0].channel_type, Some(ChannelType::Shopify));
    assert_eq!(channels[0].sync_data, Some(true), "flag 1 decodes");
    assert_eq!(channels[1].channel_type, Some(ChannelType::WooCommerce));
    assert_eq!(channels[2].channel_type, Some(ChannelType::Stokly));
    let woo = &channels[1];
    assert_eq!(
        woo.data.as_ref().unwrap().get("consumerSecret"),
        Some(&json!("cs_fixture_not_a_real_secret"))
    );
    let shown = format!("{woo:?}");
    assert!(!shown.contains("cs_fixture_not_a_real_secret"), "{shown}");
    assert!(shown.contains("consumerSecret"), "keys are listed: {shown}");

    let channel: Channel = one("channels/channel.json");
    assert_eq!(channel.inventory_location_ids.len(), 2);
    assert_eq!(channel.sync_data, Some(false));
    assert_eq!(channel.extra["defaultInventory"], json!(0));
}

#[test]
fn listings_and_messages() {
    let listings: Vec<Listing> = rows("listings/channel_listings.json");
    assert_eq!(listings[0].listing_type, Some(ListingType::Simple));
    assert_eq!(
        listings[0].reference_id.as_deref(),
        Some("gid://shopify/ProductVariant/44000000000001")
    );
    assert_eq!(listings[0].inventory_synchronised, Some(true));
    assert_eq!(listings[1].listing_type, Some(ListingType::Variable));
    assert_eq!(listings[1].item_id, None);
    assert_eq!(listings[2].data_synchronised, Some(false), "\"0\" decodes");
    assert_eq!(listings[2].reference_id, None, "not published yet");

    let simple: Listing = one("listings/listing_simple.json");
    assert_eq!(simple.status, Some(ListingStatus::Active));
    assert_eq!(simple.sale_price, Some(dec("19.99")));
    assert_eq!(
        simple.tax_rate,
        Some(Decimal::ZERO),
        "taxRate \"0\" decodes"
    );
    assert_eq!(
        simple.sale_currency,
        Some(CurrencyCode::new("GBP").unwrap())
    );
    assert_eq!(simple.images[0].image_id.as_deref(), Some("img-1"));
    assert_eq!(simple.extra["averageCostPrice"], json!(7.5));
    let packet = simple.data.as_ref().unwrap();
    assert_eq!(packet.list_individually, Some(false));
    assert_eq!(packet.sku, None);
    assert_eq!(
        packet.attributes[0].attribute_id,
        "a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
    );
    assert!(
        packet
            .stokly_type
            .as_deref()
            .unwrap()
            .ends_with("SimpleListingDataPacket")
    );
    assert!(packet.extra.contains_key("channelSpecifics"));

    let variable: Listing = one("listings/listing_variable.json");
    let packet = variable.data.as_ref().unwrap();
    assert_eq!(packet.variant_listing_ids.len(), 1);
    assert_eq!(
        packet.variable_item_id,
        Some(id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a02"))
    );
    assert_eq!(variable.tax_rate, Some(dec("20")));

    let messages: Vec<ListingMessage> = rows("listings/messages.json");
    assert_eq!(messages[0].message_type, Some(ListingMessageType::Error));
    assert_eq!(messages[1].nice_id, Some(411));
}

#[test]
fn locations_and_bins() {
    let locations: Vec<Location> = rows("locations/list.json");
    assert_eq!(
        locations[0].address.as_ref().unwrap().postcode.as_deref(),
        Some("BS1 1AA")
    );
    let bins: Vec<Bin> = rows("locations/bins.json");
    assert_eq!(bins[0].default, Some(true));
    assert_eq!(bins[0].bin_type, Some(BinType::Pickable));
    assert_eq!(bins[1].bin_type, Some(BinType::NonPickable));
    assert_eq!(bins[1].default, Some(false));
    let default: Vec<Bin> = rows("locations/default_bin.json");
    assert_eq!(default[0].location_id, None);
}

#[test]
fn inventory_records_understand_unassigned_rows() {
    let records: Vec<InventoryRecord> = rows("inventory/records.json");
    let levels: Vec<_> = records.iter().map(InventoryRecord::level).collect();
    assert_eq!(
        levels,
        vec![RecordLevel::Bin, RecordLevel::Location, RecordLevel::Item]
    );
    assert_eq!(
        records[1].on_hand,
        Some(dec("14")),
        "string quantities decode"
    );
    assert_eq!(records[1].bin_name, None);
    assert!(records[2].location_id.is_unassigned());

    let parsed: NewAdjustment = body("inventory/new_adjustment.json");
    let built = NewAdjustment::new(
        id::<LocationId>("1a2b3c4d-0000-4000-8000-00000000000a"),
        id::<BinId>("b1b1b1b1-0000-4000-8000-000000000001"),
        "Stock count 2025-06-01",
        vec![
            AdjustmentLine::new(id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01"), dec("-3")),
            AdjustmentLine::new(id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a11"), dec("2.5")),
        ],
    );
    assert_eq!(built, parsed);
}

#[test]
fn sale_order_reads() {
    let orders: Vec<SaleOrder> = rows("sale_orders/list.json");
    assert_eq!(orders[0].stage, Some(SaleOrderStage::Order));
    assert!(orders[0].awaits_fulfilment());
    assert_eq!(orders[1].nice_id, Some(1002));
    assert_eq!(
        orders[1].source_reference_id.as_deref(),
        Some("5551234567891"),
        "a numeric reference decodes as text"
    );
    assert_eq!(
        orders[1].item_statuses,
        vec![
            LineStatus::Unprocessed,
            LineStatus::Unknown("collected".into())
        ],
        "a delimited string decodes"
    );
    assert!(
        !orders[1].awaits_fulfilment(),
        "removed orders are not live"
    );
    assert_eq!(
        orders[2].stage,
        Some(SaleOrderStage::Unknown("quote".into()))
    );
    assert_eq!(
        orders[2].created_at,
        Utc.with_ymd_and_hms(2025, 6, 1, 8, 10, 0).single()
    );

    let order: SaleOrder = one("sale_orders/get.json");
    assert_eq!(order.carrier_reference.as_deref(), Some("RM123456785GB"));
    assert_eq!(order.source_type, Some(SourceType::Other));
    assert_eq!(
        order.extra["customer"]["customerId"],
        json!("c5000000-0000-4000-8000-000000000001")
    );

    let lines: Vec<SaleOrderLine> = rows("sale_orders/lines.json");
    assert_eq!(lines[0].display_tax, Some(dec("3.3317")));
    assert_eq!(lines[0].display_price, Some(dec("16.6583")));
    assert_eq!(
        lines[0].item_id(),
        Some(id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01"))
    );
    assert_eq!(lines[0].parent_id, None);
    assert_eq!(lines[1].quantity, Some(Decimal::ONE));
    assert_eq!(
        lines[2].parent_id,
        Some(id("1e000000-0000-4000-8000-000000000002"))
    );
    assert_eq!(
        lines[2].status,
        Some(LineStatus::Unknown("collected".into()))
    );
}

#[test]
fn new_sale_order_serialises_exactly_the_reference_body() {
    let parsed: NewSaleOrder = body("sale_orders/new_sale_order.json");
    let gbp = CurrencyCode::new("GBP").unwrap();
    let shirt: ItemId = id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01");

    let mut line = NewSaleOrderLine::item(shirt.clone(), dec("2"));
    line.display_price = Some(dec("16.6583"));
    line.display_tax = Some(dec("3.3317"));
    line.display_discount = Some(Decimal::ZERO);
    line.display_line_price = Some(dec("33.3166"));
    line.display_line_tax = Some(dec("6.6634"));
    line.display_line_discount = Some(Decimal::ZERO);
    line.display_line_total = Some(dec("39.98"));
    assert_eq!(line.fulfilment_type, Some(FulfilmentType::Delivery));

    let mut address = Address::new();
    address.line1 = Some("12 St James's Square".into());
    address.line2 = Some("Flat 2".into());
    address.city = Some("London".into());
    address.region = Some("Greater London".into());
    address.country = Some("GB".into());
    address.postcode = Some("SW1Y 4JH".into());
    let mut shipping = Shipping::new();
    shipping.name = Some(PersonName::new("Ada", "Lovelace"));
    shipping.address = Some(address);
    shipping.option = Some("Standard".into());
    shipping.cost = Some(dec("3.3333"));
    shipping.tax = Some(dec("0.6667"));

    let mut payment = Payment::new(Payment::IMPORTED, dec("43.98"));
    payment.label = Some("Imported Order".into());
    payment.timestamp = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 5).single();

    let mut invoice_line = InvoiceLine::item(shirt, dec("2"));
    invoice_line.item_name = Some("T-shirt red M".into());
    invoice_line.display_price = Some(dec("16.6583"));
    invoice_line.display_tax = Some(dec("3.3317"));
    let mut invoice = NewInvoice::new(InvoiceStatus::Paid, gbp, vec![invoice_line]);
    invoice.exchange_rate = Some(Decimal::ONE);
    invoice.use_system_exchange_rate = Some(false);
    invoice.payments = vec![Payment::new(4, dec("43.98"))];

    let mut order = NewSaleOrder::new(gbp, vec![line]);
    order.created_at = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).single();
    order.source_type = Some(SourceType::Other);
    order.source_id = Some(id::<ChannelId>("c4a1e2d3-0000-4000-8000-000000000006"));
    order.source_reference_id = Some("5551234567890".into());
    order.customer_reference = Some("PO-778".into());
    order.barcode = Some("EPOS-0001".into());
    order.tags = vec!["shopify".into()];
    order.user_id = Some(id::<UserId>("a5e40000-0000-4000-8000-000000000001"));
    order.use_system_exchange_rate = Some(false);
    order.exchange_rate = Some(Decimal::ONE);
    order.customer = Some(CustomerRef::new(id::<CustomerId>(
        "c5000000-0000-4000-8000-000000000001",
    )));
    order.shipping = Some(shipping);
    order.payments = vec![payment];
    order.invoices = vec![invoice];
    order.invoiced = Some(true);
    order.invoice_all = Some(true);
    assert_eq!(order, parsed);
    assert_eq!(
        serde_json::to_value(&order).unwrap(),
        fixture("sale_orders/new_sale_order.json")
    );
}

#[test]
fn minimal_order_always_sends_payments() {
    let order = NewSaleOrder::new(
        CurrencyCode::new("EUR").unwrap(),
        vec![NewSaleOrderLine::item(id("i-1"), Decimal::ONE)],
    );
    assert_eq!(
        serde_json::to_value(&order).unwrap(),
        json!({
            "stage": "order",
            "currency": "EUR",
            "items": [{"type": "item", "referenceId": "i-1", "quantity": 1, "fulfilmentType": "delivery"}],
            "payments": []
        })
    );
}

#[test]
fn sale_order_write_bodies() {
    let patch: SaleOrderPatch = body("sale_orders/patch.json");
    assert_eq!(patch, SaleOrderPatch::tags(vec!["ignoreInReports".into()]));

    let collect: CollectItems = body("sale_orders/collect_items.json");
    assert_eq!(
        collect,
        CollectItems::new(
            id("1a2b3c4d-0000-4000-8000-00000000000a"),
            vec![CollectLine::new(
                id::<SaleOrderLineId>("1e000000-0000-4000-8000-000000000001"),
                dec("2")
            )]
        )
    );

    let v = fixture("sale_orders/invoices.json");
    let invoices: Vec<NewInvoice> = round_trip(v["invoices"].clone());
    assert_eq!(invoices[0].exchange_rate, Some(dec("0.85")));
    assert_eq!(invoices[0].items[0].reference_type, LineType::Item);
    assert_eq!(serde_json::to_value(&invoices).unwrap(), v["invoices"]);
}

#[test]
fn customers() {
    let customers: Vec<Customer> = rows("customers/list.json");
    let ada = &customers[0];
    assert_eq!(ada.customer_type, Some(CustomerType::Company));
    assert_eq!(
        ada.account_balance.as_ref().unwrap().amount,
        dec("-12.50"),
        "string amounts decode"
    );
    assert_eq!(
        ada.account_balance
            .as_ref()
            .unwrap()
            .to_money()
            .map(|m| m.currency()),
        Some(CurrencyCode::new("GBP").unwrap())
    );
    assert_eq!(ada.display_name().as_deref(), Some("Ada Lovelace"));
    let babbage = &customers[1];
    assert_eq!(babbage.barcode.as_deref(), Some("100043"));
    assert_eq!(
        babbage.name,
        Some(CustomerName::Text("Babbage Engines Ltd".into()))
    );
    assert_eq!(
        babbage.account_balance.as_ref().unwrap().currency,
        None,
        "\"\" currency"
    );
    assert_eq!(
        babbage.display_name().as_deref(),
        Some("Babbage Engines Ltd")
    );

    let parsed: NewCustomer = body("customers/new_customer.json");
    let mut billing = Address::new();
    billing.line1 = Some("12 St James's Square".into());
    billing.city = Some("London".into());
    billing.country = Some("GB".into());
    billing.postcode = Some("SW1Y 4JH".into());
    let mut shipping = Address::new();
    shipping.line1 = Some("1 Dock Road".into());
    shipping.city = Some("Bristol".into());
    shipping.country = Some("GB".into());
    shipping.postcode = Some("BS1 1AA".into());
    let mut contact = Contact::new();
    contact.forename = Some("Ada".into());
    contact.surname = Some("Lovelace".into());
    contact.email = Some("ada@example.test".into());
    contact.phone = Some("+44 20 7946 0000".into());
    contact.tags = vec!["Delivery Contact".into()];
    contact.name = Some(PersonName::new("Ada", "Lovelace"));
    let mut built = NewCustomer::new("Ada Lovelace");
    built.name = Some(PersonName::new("Ada", "Lovelace"));
    built.customer_type = Some(CustomerType::Company);
    built.barcode = Some("ACC-0042".into());
    built.email = Some("ada@example.test".into());
    built.phone = Some("+44 20 7946 0000".into());
    built.billing_address = Some(billing);
    built.shipping_addresses = vec![shipping];
    built.contacts = vec![contact];
    assert_eq!(built, parsed);
}

#[test]
fn invoices() {
    let invoices: Vec<SaleInvoice> = rows("invoices/list.json");
    assert_eq!(invoices[0].status, Some(InvoiceStatus::Paid));
    assert_eq!(
        invoices[0].issue_date,
        Utc.with_ymd_and_hms(2025, 5, 28, 11, 46, 0).single()
    );
    assert_eq!(invoices[1].invoice_number.as_deref(), Some("2002"));
    assert_eq!(invoices[1].sale_order_nice_id, Some(1002));
    assert_eq!(
        invoices[1].status,
        Some(InvoiceStatus::Unknown("part_paid".into()))
    );
    assert!(invoices[1].extra.contains_key("total"));
}

#[test]
fn inferred_models() {
    let dispatches: Vec<Dispatch> = rows("inferred/dispatches.json");
    assert_eq!(
        dispatches[0].carrier_reference.as_deref(),
        Some("RM123456785GB")
    );
    assert_eq!(dispatches[0].items[0].quantity, dec("2"));
    let lists: Vec<PriceList> = rows("inferred/price_lists.json");
    assert_eq!(lists[0].extra["default"], json!(false));

    let parsed: NewCreditNote = body("inferred/new_credit_note.json");
    let mut line = CreditNoteLine::item(
        id("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01"),
        Decimal::ONE,
        dec("16.6583"),
        dec("3.3317"),
        true,
    );
    line.line_id = Some(id("1e000000-0000-4000-8000-000000000001"));
    let mut note = NewCreditNote::new(CurrencyCode::new("GBP").unwrap(), vec![line]);
    note.reason = Some("Customer return: wrong size".into());
    note.external_reference = Some("gid://shopify/Refund/9000001".into());
    note.shipping = Some(dec("3.3333"));
    note.shipping_tax = Some(dec("0.6667"));
    note.payments = vec![Payment::new(4, dec("23.99"))];
    assert_eq!(note, parsed);

    let parsed: NewJournal = body("inferred/new_journal.json");
    let mut lines = vec![
        JournalLine::debit("1200", dec("97.1")),
        JournalLine::debit("7700", dec("2.9")),
        JournalLine::credit("1100", dec("100")),
    ];
    lines[0].description = Some("Bank deposit".into());
    lines[1].description = Some("Shopify fees".into());
    lines[2].description = Some("Order receipts".into());
    let journal = NewJournal::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap(),
        CurrencyCode::new("GBP").unwrap(),
        "gid://shopify/ShopifyPaymentsPayout/77001",
        lines,
    );
    assert_eq!(journal, parsed);
}

#[test]
fn error_and_grant_fixtures_decode() {
    let e = fixture("errors/jwt_expired.json");
    assert_eq!(e["message"], json!("jwt expired"));
    let g = fixture("auth/grant.json");
    assert!(g["data"]["authenticationResult"]["accessToken"].is_string());
}

#[test]
fn codes_keep_unknown_values() {
    let f: ItemFormat = serde_json::from_value(json!(9)).unwrap();
    assert_eq!(f, ItemFormat::Unknown(9));
    assert_eq!(serde_json::to_value(f).unwrap(), json!(9));
    let t: ListingType = serde_json::from_value(json!("3")).unwrap();
    assert_eq!(t, ListingType::Variable);
    assert!(serde_json::from_value::<ItemFormat>(json!("simple")).is_err());
    let s: SaleOrderStage = serde_json::from_value(json!("draft")).unwrap();
    assert_eq!(s.as_str(), "draft");
    let b: BinType = serde_json::from_value(json!("overflow")).unwrap();
    assert_eq!(b, BinType::Unknown("overflow".into()));
}
