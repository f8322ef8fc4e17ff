//! The price-list calls of both clients against wiremock: the exact GraphQL variables and
//! headers, the checks made before sending, the recorded `userErrors` read back per input,
//! and the Stokly price-list reads on their **inferred** paths.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::money::{CurrencyCode, Money};
use stokly_shopify::shopify::model::{
    MetafieldsSetInput, PriceListPriceInput, QuantityPriceBreakInput, QuantityPricingUpdate,
    QuantityRuleInput,
};
use stokly_shopify::shopify::{
    CustomerId, Error, PriceListId, ProductVariantId, UserErrorCode, UserErrorsByInput,
};
use support::*;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn gbp(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), CurrencyCode::new("GBP").unwrap())
}

fn price(n: u64, cents: i64) -> PriceListPriceInput {
    PriceListPriceInput::new(ProductVariantId::try_from_numeric(n).unwrap(), gbp(cents))
}

#[tokio::test]
async fn fixed_prices_go_with_the_exact_variables_and_errors_come_back_per_input() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("x-shopify-access-token", TOKEN))
        .and(body_partial_json(json!({
            "operationName": "B2bFixedPricesAdd",
            "variables": {
                "priceListId": "gid://shopify/PriceList/9",
                "prices": [
                    {"variantId": "gid://shopify/ProductVariant/1", "price": {"amount": "812.34", "currencyCode": "GBP"}},
                    {"variantId": "gid://shopify/ProductVariant/2", "price": {"amount": "1.50", "currencyCode": "GBP"}}
                ]
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"priceListFixedPricesAdd": {
            "prices": null,
            "userErrors": [{"field": ["prices", "1", "variantId"], "message": "Variant not found.", "code": "VARIANT_NOT_FOUND"}]
        }}})))
        .named("priceListFixedPricesAdd")
        .expect(1)
        .mount(&server)
        .await;
    let list = PriceListId::try_from_numeric(9).unwrap();
    let answer = client(&server)
        .add_fixed_prices(
            &list,
            CurrencyCode::new("GBP").unwrap(),
            &[price(1, 81234), price(2, 150)],
        )
        .await
        .unwrap();
    assert_eq!(answer.result, None);
    assert_eq!(
        answer.user_errors[0].code,
        Some(UserErrorCode::VariantNotFound)
    );
    let split = UserErrorsByInput::partition(&answer.user_errors, 2);
    assert!(split.per_input[0].is_empty());
    assert_eq!(split.per_input[1].len(), 1);
}

#[tokio::test]
async fn batches_shopify_would_refuse_are_refused_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let list = PriceListId::try_from_numeric(9).unwrap();
    let gbp_code = CurrencyCode::new("GBP").unwrap();
    let too_many: Vec<PriceListPriceInput> = (1..=251).map(|n| price(n, 100)).collect();
    let twice = [price(1, 100), price(1, 200)];
    let euro = [PriceListPriceInput::new(
        ProductVariantId::try_from_numeric(1).unwrap(),
        Money::new(Decimal::ONE, CurrencyCode::new("EUR").unwrap()),
    )];
    for prices in [&too_many[..], &[][..], &twice[..], &euro[..]] {
        let e = c
            .add_fixed_prices(&list, gbp_code, prices)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    argument: "prices",
                    ..
                }
            ),
            "{e:?}"
        );
    }
    let customer = CustomerId::try_from_numeric(5).unwrap();
    let metafields: Vec<MetafieldsSetInput> = (0..26)
        .map(|i| {
            MetafieldsSetInput::new(
                &customer,
                "stokly",
                format!("k{i}"),
                "single_line_text_field",
                "v",
            )
        })
        .collect();
    let e = c.set_metafields(&metafields).await.unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidArgument {
            argument: "metafields",
            ..
        }
    ));
    let e = c
        .add_customer_tags(&customer, &["a,b".to_owned()])
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidArgument {
            argument: "tags",
            ..
        }
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_price_list_is_created_with_a_neutral_adjustment_and_taken_names_come_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "B2bPriceListCreate",
            "variables": {"input": {
                "name": "Stokly price list pl-1", "currency": "GBP",
                "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0.0}}
            }}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"priceListCreate": {
            "priceList": null,
            "userErrors": [{"field": ["input", "name"], "message": "Name has already been taken", "code": "TAKEN"}]
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .create_price_list("Stokly price list pl-1", CurrencyCode::new("GBP").unwrap())
        .await
        .unwrap();
    assert_eq!(answer.user_errors[0].code, Some(UserErrorCode::Taken));
}

#[tokio::test]
async fn stokly_price_lists_are_read_on_their_inferred_paths() {
    use futures::TryStreamExt;
    use stokly_shopify::stokly::{self, ListQuery};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/price-lists/pl-1/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"priceListId": "pl-1", "itemId": "i-1", "sku": "SKU-1", "price": "12.5",
                      "minimumQuantity": 6, "maximumQuantity": null, "increment": 6,
                      "quantityBreaks": [{"minimumQuantity": 12, "price": 11}]}],
            "metadata": {"count": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0/price-lists/pl-1/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"priceListId": "pl-1", "customerId": "c-1", "name": "Acme"}],
            "metadata": {"count": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = stokly::Client::builder()
        .bearer_token("token")
        .base_url(server.uri())
        .build()
        .unwrap();
    let list = stokly::PriceListId::new("pl-1").unwrap();
    let items: Vec<_> = client
        .price_list_items(&list, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items[0].sku.as_deref(), Some("SKU-1"));
    assert_eq!(items[0].price, Decimal::new(125, 1));
    assert_eq!(items[0].increment, Some(6));
    assert_eq!(items[0].quantity_breaks[0].price, Decimal::from(11));
    let customers: Vec<_> = client
        .price_list_customers(&list, ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(customers[0].customer_id.as_str(), "c-1");
}

#[tokio::test]
async fn a_quantity_update_goes_whole_with_the_exact_input_and_is_checked_first() {
    let server = MockServer::start().await;
    let variant = |n| ProductVariantId::try_from_numeric(n).unwrap();
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("x-shopify-access-token", TOKEN))
        .and(body_partial_json(json!({
            "operationName": "B2bQuantityPricingUpdate",
            "variables": {
                "priceListId": "gid://shopify/PriceList/9",
                "input": {
                    "pricesToAdd": [],
                    "pricesToDeleteByVariantId": ["gid://shopify/ProductVariant/3"],
                    "quantityRulesToAdd": [{"variantId": "gid://shopify/ProductVariant/1", "minimum": 6, "maximum": 60, "increment": 6}],
                    "quantityRulesToDeleteByVariantId": [],
                    "quantityPriceBreaksToAdd": [
                        {"variantId": "gid://shopify/ProductVariant/1", "minimumQuantity": 12, "price": {"amount": "9.00", "currencyCode": "GBP"}},
                        {"variantId": "gid://shopify/ProductVariant/1", "minimumQuantity": 24, "price": {"amount": "8.50", "currencyCode": "GBP"}}
                    ],
                    "quantityPriceBreaksToDelete": [],
                    "quantityPriceBreaksToDeleteByVariantId": ["gid://shopify/ProductVariant/1"]
                }
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"quantityPricingByVariantUpdate": {
            "productVariants": [{"id": "gid://shopify/ProductVariant/1"}, {"id": "gid://shopify/ProductVariant/3"}],
            "userErrors": []
        }}})))
        .named("quantityPricingByVariantUpdate")
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let list = PriceListId::try_from_numeric(9).unwrap();
    let gbp_code = CurrencyCode::new("GBP").unwrap();
    let mut update = QuantityPricingUpdate::default();
    update.prices_to_delete = vec![variant(3)];
    update.quantity_rules_to_add = vec![QuantityRuleInput::new(variant(1), 6, Some(60), 6)];
    update.quantity_price_breaks_to_add = vec![
        QuantityPriceBreakInput::new(variant(1), 12, gbp(900)),
        QuantityPriceBreakInput::new(variant(1), 24, gbp(850)),
    ];
    update.quantity_price_breaks_to_delete_by_variant = vec![variant(1)];
    let answer = c
        .update_quantity_pricing(&list, gbp_code, &update)
        .await
        .unwrap();
    assert_eq!(answer.result, Some(2));
    assert_eq!(answer.user_errors, vec![]);

    // Refused before sending (the mock expects the one call above): nothing to change, a
    // break in another currency, the same minimum twice, an invalid rule, 251 entries.
    let refused = |u: QuantityPricingUpdate| {
        let c = c.clone();
        let list = list.clone();
        async move { c.update_quantity_pricing(&list, gbp_code, &u).await }
    };
    let is_invalid = |r: Result<_, Error>, argument: &str| {
        assert!(
            matches!(&r, Err(Error::InvalidArgument { argument: a, .. }) if *a == argument),
            "{r:?}"
        );
    };
    is_invalid(refused(QuantityPricingUpdate::default()).await, "input");
    let mut other = QuantityPricingUpdate::default();
    other.quantity_price_breaks_to_add = vec![QuantityPriceBreakInput::new(
        variant(1),
        12,
        Money::new(Decimal::new(900, 2), CurrencyCode::new("EUR").unwrap()),
    )];
    is_invalid(refused(other).await, "input.quantityPriceBreaksToAdd");
    let mut twice = QuantityPricingUpdate::default();
    twice.quantity_price_breaks_to_add = vec![
        QuantityPriceBreakInput::new(variant(1), 12, gbp(900)),
        QuantityPriceBreakInput::new(variant(1), 12, gbp(800)),
    ];
    is_invalid(refused(twice).await, "input.quantityPriceBreaksToAdd");
    let mut bad_rule = QuantityPricingUpdate::default();
    bad_rule.quantity_rules_to_add = vec![QuantityRuleInput::new(variant(1), 4, None, 6)];
    is_invalid(refused(bad_rule).await, "input.quantityRulesToAdd");
    let mut long = QuantityPricingUpdate::default();
    long.prices_to_delete = (1..=251).map(variant).collect();
    is_invalid(refused(long).await, "input");
}

#[tokio::test]
async fn fixed_prices_are_read_forty_a_page_with_their_first_ten_breaks() {
    use futures::TryStreamExt;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_partial_json(json!({
            "operationName": "B2bFixedPrices",
            "variables": {"id": "gid://shopify/PriceList/9", "first": 40}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"priceList": {"prices": {
                "nodes": [
                    {"variant": {"id": "gid://shopify/ProductVariant/1"},
                     "price": {"amount": "10.00", "currencyCode": "GBP"},
                     "quantityPriceBreaks": {"nodes": [
                         {"minimumQuantity": 12, "price": {"amount": "9.00", "currencyCode": "GBP"}}
                     ], "pageInfo": {"hasNextPage": true}}},
                    {"variant": {"id": "gid://shopify/ProductVariant/2"},
                     "price": {"amount": "5.00", "currencyCode": "GBP"},
                     "quantityPriceBreaks": {"nodes": [], "pageInfo": {"hasNextPage": false}}}
                ],
                "pageInfo": {"hasNextPage": false, "endCursor": null}
            }}}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let prices: Vec<_> = client(&server)
        .fixed_prices(
            &PriceListId::try_from_numeric(9).unwrap(),
            stokly_shopify::shopify::PageOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(prices.len(), 2);
    let breaks = &prices[0].quantity_price_breaks;
    assert_eq!(breaks.nodes[0].minimum_quantity, 12);
    assert_eq!(breaks.nodes[0].price, gbp(900));
    assert!(
        breaks.page_info.has_next_page,
        "more breaks than the read shows"
    );
    assert!(prices[1].quantity_price_breaks.nodes.is_empty());
}

#[tokio::test]
async fn company_locations_are_removed_from_a_catalog_with_contexts_to_remove() {
    use stokly_shopify::shopify::{CompanyLocationCatalogId, CompanyLocationId};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_partial_json(json!({
            "operationName": "B2bCatalogContextUpdate",
            "variables": {
                "catalogId": "gid://shopify/CompanyLocationCatalog/8",
                "contextsToRemove": {"companyLocationIds": ["gid://shopify/CompanyLocation/503"]}
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"catalogContextUpdate": {
                "catalog": {"id": "gid://shopify/CompanyLocationCatalog/8"}, "userErrors": []
            }}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .remove_catalog_company_locations(
            &CompanyLocationCatalogId::try_from_numeric(8).unwrap(),
            &[CompanyLocationId::try_from_numeric(503).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(answer.user_errors, vec![]);
    let request: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(
        request["variables"].get("contextsToAdd").is_none(),
        "only the removal is sent: {request}"
    );
}
