//! B2B price lists end to end on the sandbox: Stokly's lists reach a Shopify Plus shop as
//! catalogs, price lists, fixed prices (10,000 prices in 40 calls, never throttled), quantity
//! rules and price breaks; a rerun sends nothing, a price changed in Stokly is pushed alone,
//! what Stokly no longer holds is removed, two workers make one catalog; a shop without Plus
//! gets customer tags and metafields; the emulator refuses what real Shopify was recorded
//! refusing and applies a quantity update whole or not at all.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use chrono::TimeZone;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::adapters::exactly_once::{ShopifyWritePorts, SystemClock};
use stokly_shopify::adapters::price_lists::{read_stokly_price_lists, sync_price_lists};
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::domain::price_list::{PriceListConfig, PricingMode, WITHOUT_PLUS_NOTICE};
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::Outcome;
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{
    self, CustomerId, GraphQlRequest, PageOptions, ProductVariantId, UserErrorCode,
};
use stokly_shopify::stokly;

struct World {
    shopify: ShopifyEmulator,
    stokly: StoklyEmulator,
    list: String,
    customers: Vec<String>,
    shopify_customers: Vec<u64>,
}

fn gbp() -> CurrencyCode {
    CurrencyCode::new("GBP").unwrap()
}

/// A shop with `skus` variants, a Stokly list pricing each of them for two customers (one
/// with a company location, one without), and on every 100th item a quantity rule (6 to 60
/// in sixes) with price breaks from 12 and 24 units.
async fn world(skus: usize, plus: bool) -> World {
    let epoch = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let clock = SandboxClock::new(epoch, 200.0);
    let mut state =
        stokly_shopify::sandbox::shopify::ShopifyState::new("trade.myshopify.com", gbp());
    state.set_shopify_plus(plus);
    let product = state.add_product("Trade range", ProductStatus::Active);
    for i in 0..skus {
        state.add_variant(
            product,
            Some(&format!("TR-{i:05}")),
            None,
            Decimal::new(2000, 2),
            true,
            epoch,
        );
    }
    let mut stokly_state = StoklyState::new("trade", 7);
    let list = stokly_state.add_price_list("Trade GBP", "GBP");
    let customers = vec![stokly_state.new_id(), stokly_state.new_id()];
    for c in &customers {
        stokly_state.add_price_list_customer(&list, c);
    }
    // The first customer buys through a company location that names it.
    state.add_company_location("Acme Ltd, Leeds", Some(&customers[0]));
    let shopify_customers = vec![state.add_customer(), state.add_customer()];
    for i in 0..skus {
        let rule = (i % 100 == 0).then_some((6, Some(60), 6));
        stokly_state.set_price_list_item(
            &list,
            &format!("item-{i}"),
            &format!("TR-{i:05}"),
            Decimal::new(1500 + (i as i64 % 7), 2),
            rule,
        );
        if rule.is_some() {
            stokly_state.set_price_list_item_breaks(
                &list,
                &format!("item-{i}"),
                &[(12, Decimal::new(1400, 2)), (24, Decimal::new(1300, 2))],
            );
        }
    }
    World {
        shopify: ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock.clone())
            .await
            .unwrap(),
        stokly: StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
            .await
            .unwrap(),
        list,
        customers,
        shopify_customers,
    }
}

async fn index(client: &shopify::Client) -> SkuIndex {
    let variants: Vec<_> = client
        .product_variants(None, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    SkuIndex::build(StoklyCatalogue::new(&[]), &variants)
}

async fn company_config(w: &World, client: &shopify::Client) -> PriceListConfig {
    let locations: Vec<_> = client
        .company_locations(PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    PriceListConfig::new()
        .with_company_locations_by_external_id(&locations)
        .with_customer(
            stokly::CustomerId::new(w.customers[0].clone()).unwrap(),
            CustomerId::try_from_numeric(w.shopify_customers[0]).unwrap(),
        )
        .with_customer(
            stokly::CustomerId::new(w.customers[1].clone()).unwrap(),
            CustomerId::try_from_numeric(w.shopify_customers[1]).unwrap(),
        )
}

const WRITES: [&str; 10] = [
    "B2bPriceListCreate",
    "B2bCatalogCreate",
    "B2bCatalogContextUpdate",
    "B2bFixedPricesAdd",
    "B2bFixedPricesDelete",
    "B2bQuantityRulesAdd",
    "B2bQuantityPricingUpdate",
    "B2bTagsAdd",
    "B2bTagsRemove",
    "B2bMetafieldsSet",
];

fn mutations(w: &World, operation: &str) -> usize {
    w.shopify
        .requests()
        .iter()
        .filter(|r| r.operation == operation && r.outcome == Outcome::Ok)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_prices_reach_a_plus_shop_in_forty_calls_and_a_rerun_sends_nothing() {
    let w = world(10_000, true).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let ledger = InMemoryPostingLedger::new();
    let ports = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
    let index = index(&shopify).await;
    let config = company_config(&w, &shopify).await;

    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].items.len(), 10_000);
    let first = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(first.plan.mode, PricingMode::Catalogs);
    assert_eq!(first.report.refused, vec![]);
    assert_eq!(first.report.price_lists_created, 1);
    assert_eq!(first.report.catalogs_created, 1);
    assert_eq!(first.report.prices_set, 10_000);
    assert_eq!(first.report.rules_set, 100);
    assert_eq!(first.report.breaks_set, 200);
    // Rules and breaks of 100 variants: one atomic quantity update, after the prices.
    assert_eq!(mutations(&w, "B2bQuantityPricingUpdate"), 1);
    // The customer without a company location is a finding, not a silent omission.
    assert_eq!(first.plan.findings.len(), 1);
    // The target: 10,000 fixed prices in at most 40 calls, none throttled.
    assert_eq!(mutations(&w, "B2bFixedPricesAdd"), 40);
    let throttled = w
        .shopify
        .requests()
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    assert_eq!(throttled, 0);

    let state = w.shopify.state();
    let name = config.shopify_name(&stokly::PriceListId::new(w.list.clone()).unwrap());
    let list = state.price_list_named(&name).unwrap();
    assert_eq!(list.fixed_prices.len(), 10_000);
    assert_eq!(list.quantity_rules.len(), 100);
    let ruled = state.variants_by_sku("TR-00100")[0].id;
    assert_eq!(
        list.price_breaks[&ruled]
            .iter()
            .map(|(q, p)| (*q, *p))
            .collect::<Vec<_>>(),
        vec![(12, Decimal::new(1400, 2)), (24, Decimal::new(1300, 2))]
    );
    let catalog = &state.b2b.catalogs[&list.catalog.unwrap()];
    assert_eq!(catalog.company_locations.len(), 1);
    assert_eq!(catalog.status, "ACTIVE");

    // A rerun with nothing changed sends nothing.
    let sent = w.shopify.requests().len();
    let again = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert!(again.plan.is_empty(), "{:?}", again.plan.drift.first());
    assert_eq!(again.report.calls, 0);
    let writes = w.shopify.requests()[sent..]
        .iter()
        .filter(|r| WRITES.contains(&r.operation.as_str()))
        .count();
    assert_eq!(writes, 0);

    // A price changed in Stokly goes out alone.
    w.stokly.with_state(|s| {
        s.set_price_list_item(&w.list, "item-42", "TR-00042", Decimal::new(1234, 2), None);
    });
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    let changed = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(changed.report.calls, 1);
    assert_eq!(changed.report.prices_set, 1);
    let state = w.shopify.state();
    let variant = state.variants_by_sku("TR-00042")[0].id;
    assert_eq!(
        state.price_list_named(&name).unwrap().fixed_prices[&variant],
        Decimal::new(1234, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_without_plus_gets_tags_and_metafields_and_is_told_prices_do_not_change() {
    let w = world(30, false).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let ledger = InMemoryPostingLedger::new();
    let ports = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
    let index = index(&shopify).await;
    let config = company_config(&w, &shopify)
        .await
        .with_prices_in_metafield(true);
    let lists = read_stokly_price_lists(&stokly).await.unwrap();

    let first = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(first.plan.mode, PricingMode::CustomerData);
    assert_eq!(first.plan.notice.as_deref(), Some(WITHOUT_PLUS_NOTICE));
    assert_eq!(first.report.customers_tagged, 2);
    assert_eq!(first.report.metafields_set, 2);
    assert_eq!(mutations(&w, "B2bCatalogCreate"), 0);
    let state = w.shopify.state();
    let customer = &state.b2b.customers[&w.shopify_customers[0]];
    assert_eq!(customer.tags, vec![format!("stokly-price-list:{}", w.list)]);
    let (kind, value) = &customer.metafields[&("stokly".to_owned(), "price_lists".to_owned())];
    assert_eq!(kind, "json");
    let value: serde_json::Value = serde_json::from_str(value).unwrap();
    assert_eq!(value["priceLists"][0]["prices"]["TR-00003"], "15.03");
    // Item 0's breaks are published beside its price; items without breaks have none.
    assert_eq!(
        value["priceLists"][0]["quantityBreaks"],
        json!({"TR-00000": [
            {"minimumQuantity": 12, "price": "14.00"},
            {"minimumQuantity": 24, "price": "13.00"}
        ]})
    );

    let again = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert!(again.plan.is_empty());
    assert_eq!(again.report.calls, 0);

    // The customer leaves the list in Stokly: its tag goes.
    w.stokly.with_state(|s| {
        s.price_list_customers
            .retain(|r| r["customerId"] != json!(w.customers[1]));
    });
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    let left = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(left.report.customers_tagged, 1);
    assert!(
        w.shopify.state().b2b.customers[&w.shopify_customers[1]]
            .tags
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_refuses_what_shopify_was_recorded_refusing() {
    let w = world(3, true).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let created = shopify
        .create_price_list("Stokly price list x", gbp())
        .await
        .unwrap();
    let list = created.result.unwrap().id;
    // Names are unique.
    let taken = shopify
        .create_price_list("Stokly price list x", gbp())
        .await
        .unwrap();
    assert_eq!(taken.user_errors[0].code, Some(UserErrorCode::Taken));

    let variant = |sku: &str| {
        ProductVariantId::try_from_numeric(w.shopify.state().variants_by_sku(sku)[0].id).unwrap()
    };
    // An unknown variant and a price in another currency, each named by its input.
    let request = GraphQlRequest::mutation(
        stokly_shopify::shopify::documents::ALL
            .iter()
            .find(|(n, _)| *n == "B2bFixedPricesAdd")
            .unwrap()
            .1,
        "B2bFixedPricesAdd",
    )
    .variable("priceListId", &list)
    .unwrap()
    .variable(
        "prices",
        json!([
            {"variantId": variant("TR-00000"), "price": {"amount": "1.00", "currencyCode": "GBP"}},
            {"variantId": "gid://shopify/ProductVariant/1", "price": {"amount": "1.00", "currencyCode": "GBP"}},
            {"variantId": variant("TR-00001"), "price": {"amount": "1.00", "currencyCode": "EUR"}},
        ]),
    )
    .unwrap();
    let answer: serde_json::Value = shopify.query(&request).await.unwrap();
    let payload = &answer["priceListFixedPricesAdd"];
    assert_eq!(payload["prices"], serde_json::Value::Null);
    assert_eq!(payload["userErrors"][0]["code"], "VARIANT_NOT_FOUND");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["prices", "1", "variantId"])
    );
    assert_eq!(
        payload["userErrors"][1]["code"],
        "PRICE_LIST_CURRENCY_MISMATCH"
    );
    assert_eq!(
        payload["userErrors"][1]["field"],
        json!(["prices", "2", "price", "currencyCode"])
    );
    assert!(
        w.shopify
            .state()
            .price_list_named("Stokly price list x")
            .unwrap()
            .fixed_prices
            .is_empty()
    );

    // Quantity rules need a company-location catalog.
    let rules = |rules: serde_json::Value| {
        GraphQlRequest::mutation(
            stokly_shopify::shopify::documents::ALL
                .iter()
                .find(|(n, _)| *n == "B2bQuantityRulesAdd")
                .unwrap()
                .1,
            "B2bQuantityRulesAdd",
        )
        .variable("priceListId", &list)
        .unwrap()
        .variable("quantityRules", rules)
        .unwrap()
    };
    let answer: serde_json::Value = shopify
        .query(&rules(
            json!([{"variantId": variant("TR-00000"), "minimum": 2, "increment": 2}]),
        ))
        .await
        .unwrap();
    assert_eq!(
        answer["quantityRulesAdd"]["userErrors"][0]["code"],
        "CATALOG_CONTEXT_DOES_NOT_SUPPORT_QUANTITY_RULES"
    );
    let location = shopify_stokly_location(&w);
    let catalog = shopify
        .create_company_location_catalog("Trade", &[location], &list)
        .await
        .unwrap();
    assert!(catalog.result.is_some(), "{:?}", catalog.user_errors);
    // The recorded rules, each named by its input.
    let answer: serde_json::Value = shopify
        .query(&rules(json!([
            {"variantId": variant("TR-00000"), "minimum": 0, "increment": 1},
            {"variantId": variant("TR-00001"), "minimum": 4, "increment": 6},
            {"variantId": variant("TR-00002"), "minimum": 6, "maximum": 3, "increment": 3},
        ])))
        .await
        .unwrap();
    let codes: Vec<&str> = answer["quantityRulesAdd"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![
            "GREATER_THAN_OR_EQUAL_TO",
            "INCREMENT_IS_GREATER_THAN_MINIMUM",
            "MINIMUM_NOT_MULTIPLE_OF_INCREMENT",
            "MINIMUM_IS_GREATER_THAN_MAXIMUM",
        ]
    );
    // The client refuses the same rules before sending them.
    let refused = shopify
        .add_quantity_rules(
            &list,
            &[shopify::model::QuantityRuleInput::new(
                variant("TR-00001"),
                4,
                None,
                6,
            )],
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, shopify::Error::InvalidArgument { .. }));
}

fn shopify_stokly_location(w: &World) -> shopify::CompanyLocationId {
    let state = w.shopify.state();
    let id = *state.b2b.company_locations.keys().next().unwrap();
    shopify::CompanyLocationId::try_from_numeric(id).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaks_rules_and_locations_follow_stokly_and_a_rerun_sends_nothing() {
    let w = world(300, true).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let ledger = InMemoryPostingLedger::new();
    let ports = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
    let index = index(&shopify).await;
    // Both customers buy through company locations.
    w.shopify.with_state(|s| {
        s.add_company_location("Acme Ltd, York", Some(&w.customers[1]));
    });
    let config = company_config(&w, &shopify).await;
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    let first = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(first.report.refused, vec![]);
    assert_eq!(first.report.breaks_set, 6);
    let name = config.shopify_name(&stokly::PriceListId::new(w.list.clone()).unwrap());
    let catalog_locations = |w: &World| {
        let state = w.shopify.state();
        let list = state.price_list_named(&name).unwrap();
        state.b2b.catalogs[&list.catalog.unwrap()]
            .company_locations
            .len()
    };
    assert_eq!(catalog_locations(&w), 2);

    // In Stokly: item 100's breaks change, item 200 loses its rule and breaks, the second
    // customer leaves the list.
    w.stokly.with_state(|s| {
        s.set_price_list_item_breaks(&w.list, "item-100", &[(30, Decimal::new(1250, 2))]);
        s.set_price_list_item(
            &w.list,
            "item-200",
            "TR-00200",
            Decimal::new(1500 + 200 % 7, 2),
            None,
        );
        s.price_list_customers
            .retain(|r| r["customerId"] != json!(w.customers[1]));
    });
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    let sent = w.shopify.requests().len();
    let changed = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert_eq!(changed.report.refused, vec![]);
    assert_eq!(changed.report.locations_removed, 1);
    assert_eq!(changed.report.rules_removed, 1);
    assert_eq!(changed.report.breaks_set, 1);
    assert_eq!(changed.report.variants_with_breaks_replaced, 2);
    // One context update and one quantity update; no fixed price changed.
    let writes: Vec<String> = w.shopify.requests()[sent..]
        .iter()
        .filter(|r| WRITES.contains(&r.operation.as_str()))
        .map(|r| r.operation.clone())
        .collect();
    assert_eq!(
        writes,
        vec!["B2bCatalogContextUpdate", "B2bQuantityPricingUpdate"]
    );
    assert_eq!(catalog_locations(&w), 1);
    let state = w.shopify.state();
    let list = state.price_list_named(&name).unwrap();
    let v100 = state.variants_by_sku("TR-00100")[0].id;
    let v200 = state.variants_by_sku("TR-00200")[0].id;
    assert_eq!(
        list.price_breaks[&v100]
            .iter()
            .map(|(q, p)| (*q, *p))
            .collect::<Vec<_>>(),
        vec![(30, Decimal::new(1250, 2))]
    );
    assert!(list.price_breaks.get(&v200).is_none_or(|b| b.is_empty()));
    assert!(!list.quantity_rules.contains_key(&v200));
    assert_eq!(list.fixed_prices[&v200], Decimal::new(1500 + 200 % 7, 2));
    drop(state);

    let again = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    assert!(again.plan.is_empty(), "{:?}", again.plan.drift);
    assert_eq!(again.report.calls, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_applies_a_quantity_update_whole_or_not_at_all() {
    use stokly_shopify::shopify::model::{
        PriceListPriceInput, QuantityPriceBreakInput, QuantityPricingUpdate, QuantityRuleInput,
    };
    let w = world(3, true).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let list = shopify
        .create_price_list("Stokly price list q", gbp())
        .await
        .unwrap()
        .result
        .unwrap()
        .id;
    let catalog = shopify
        .create_company_location_catalog("Trade", &[shopify_stokly_location(&w)], &list)
        .await
        .unwrap();
    assert!(catalog.result.is_some());
    let variant = |sku: &str| {
        ProductVariantId::try_from_numeric(w.shopify.state().variants_by_sku(sku)[0].id).unwrap()
    };
    let gbp_money = |cents| stokly_shopify::money::Money::new(Decimal::new(cents, 2), gbp());
    // A break below its rule's minimum, and a break of a variant with no fixed price: both
    // named by their input, and nothing of the update applied (not even the valid price).
    let mut update = QuantityPricingUpdate::default();
    update.prices_to_add = vec![PriceListPriceInput::new(
        variant("TR-00000"),
        gbp_money(1000),
    )];
    update.quantity_rules_to_add = vec![QuantityRuleInput::new(variant("TR-00000"), 6, None, 6)];
    update.quantity_price_breaks_to_add = vec![
        QuantityPriceBreakInput::new(variant("TR-00000"), 3, gbp_money(900)),
        QuantityPriceBreakInput::new(variant("TR-00001"), 10, gbp_money(900)),
    ];
    let answer = shopify
        .update_quantity_pricing(&list, gbp(), &update)
        .await
        .unwrap();
    let errors: Vec<(String, Vec<String>)> = answer
        .user_errors
        .iter()
        .map(|e| {
            (
                e.code
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                e.field.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(answer.result, None);
    let at = |list: &str, i: &str, field: &str| -> Vec<String> {
        vec!["input".into(), list.into(), i.into(), field.into()]
    };
    assert_eq!(
        errors,
        vec![
            (
                "QUANTITY_PRICE_BREAK_ADD_MIN_LOWER_THAN_QUANTITY_RULES_MIN".to_owned(),
                at("quantityPriceBreaksToAdd", "0", "minimumQuantity")
            ),
            (
                "QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND".to_owned(),
                at("quantityPriceBreaksToAdd", "1", "variantId")
            ),
        ]
    );
    let state = w.shopify.state();
    let held = state.price_list_named("Stokly price list q").unwrap();
    assert!(held.fixed_prices.is_empty() && held.quantity_rules.is_empty());
    drop(state);

    // Corrected, it applies whole; sent again (as a retry would), it ends the same.
    update.quantity_price_breaks_to_add = vec![QuantityPriceBreakInput::new(
        variant("TR-00000"),
        12,
        gbp_money(900),
    )];
    update.quantity_price_breaks_to_delete_by_variant = vec![variant("TR-00000")];
    for _ in 0..2 {
        let answer = shopify
            .update_quantity_pricing(&list, gbp(), &update)
            .await
            .unwrap();
        assert_eq!(answer.user_errors, vec![]);
        assert_eq!(answer.result, Some(1));
    }
    let state = w.shopify.state();
    let held = state.price_list_named("Stokly price list q").unwrap();
    let v0 = state.variants_by_sku("TR-00000")[0].id;
    assert_eq!(held.quantity_rules[&v0], (6, None, 6));
    assert_eq!(
        held.price_breaks[&v0]
            .iter()
            .map(|(q, p)| (*q, *p))
            .collect::<Vec<_>>(),
        vec![(12, Decimal::new(900, 2))]
    );
}

/// Every request of `operation` that reached the emulator, whatever its outcome.
fn sent(w: &World, operation: &str) -> usize {
    w.shopify
        .requests()
        .iter()
        .filter(|r| r.operation == operation)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_with_one_ledger_make_one_catalog_whether_in_turn_or_at_once() {
    use stokly_shopify::adapters::price_lists::{apply_price_list_plan, read_shopify_price_state};
    use stokly_shopify::domain::price_list::{ShopCapabilities, plan_price_lists};
    for at_once in [false, true] {
        let w = world(20, true).await;
        let shopify = w.shopify.client_builder().build().unwrap();
        let stokly = w.stokly.client_builder().build().unwrap();
        let index = index(&shopify).await;
        let config = company_config(&w, &shopify).await;
        let lists = read_stokly_price_lists(&stokly).await.unwrap();
        // Both workers read the shop before either writes: both plan the catalog.
        let plus = ShopCapabilities::plus(true);
        let state = read_shopify_price_state(&shopify, plus, &config)
            .await
            .unwrap();
        let plan = plan_price_lists(&lists, &state, &index, plus, &config);
        assert!(plan.lists[0].create_catalog.is_some());
        let ledger = InMemoryPostingLedger::new();
        let a = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
        let b = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
        let (first, second) = if at_once {
            let (x, y) = tokio::join!(
                apply_price_list_plan(a, &plan),
                apply_price_list_plan(b, &plan)
            );
            (x.unwrap(), y.unwrap())
        } else {
            let x = apply_price_list_plan(a, &plan).await.unwrap();
            (x, apply_price_list_plan(b, &plan).await.unwrap())
        };
        assert_eq!(sent(&w, "B2bCatalogCreate"), 1, "at once: {at_once}");
        assert_eq!(first.catalogs_created + second.catalogs_created, 1);
        assert_eq!(first.refused, vec![]);
        assert_eq!(second.refused, vec![]);
        let state = w.shopify.state();
        assert_eq!(state.b2b.catalogs.len(), 1);
        assert_eq!(state.b2b.price_lists.len(), 1, "names are unique");
        drop(state);
        // Whichever way, the next sync finds everything in place.
        let ports = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
        let again = sync_price_lists(ports, &lists, &index, &config)
            .await
            .unwrap();
        assert!(again.plan.is_empty(), "{:?}", again.plan.drift);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_quantity_update_reports_the_variant_named_and_sends_the_rest_again() {
    let w = world(300, true).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let ledger = InMemoryPostingLedger::new();
    let ports = ShopifyWritePorts::new(&shopify, &ledger, &SystemClock, "trade");
    let index = index(&shopify).await;
    let config = company_config(&w, &shopify).await;
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    // Items 100 and 200 get new breaks in Stokly; meanwhile variant TR-00200 is deleted in
    // Shopify (the index the sync plans with still has it).
    w.stokly.with_state(|s| {
        for item in ["item-100", "item-200"] {
            s.set_price_list_item_breaks(&w.list, item, &[(18, Decimal::new(1350, 2))]);
        }
    });
    let gone = w.shopify.state().variants_by_sku("TR-00200")[0].id;
    w.shopify.with_state(|s| {
        s.variants.remove(&gone);
    });
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    let before = sent(&w, "B2bQuantityPricingUpdate");
    let sync = sync_price_lists(ports, &lists, &index, &config)
        .await
        .unwrap();
    // Refused whole once, then sent again without the variant Shopify named.
    assert_eq!(sent(&w, "B2bQuantityPricingUpdate") - before, 2);
    let [refused] = sync.report.refused.as_slice() else {
        panic!("{:?}", sync.report.refused)
    };
    assert_eq!(refused.operation, "quantityPricingByVariantUpdate");
    assert_eq!(
        refused.input,
        format!("gid://shopify/ProductVariant/{gone}")
    );
    assert_eq!(sync.report.breaks_set, 1);
    let state = w.shopify.state();
    let name = config.shopify_name(&stokly::PriceListId::new(w.list.clone()).unwrap());
    let v100 = state.variants_by_sku("TR-00100")[0].id;
    assert_eq!(
        state.price_list_named(&name).unwrap().price_breaks[&v100]
            .iter()
            .map(|(q, p)| (*q, *p))
            .collect::<Vec<_>>(),
        vec![(18, Decimal::new(1350, 2))]
    );
}
