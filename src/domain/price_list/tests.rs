use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::domain::catalogue::{SkuIndex, StoklyCatalogue};
use crate::domain::exception::{DomainException, Owner};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{
    CustomerPriceTags, FixedPrice, PriceList as ShopifyList, ProductVariant, QuantityRule,
};
use crate::shopify::{CompanyLocationId, CustomerId as ShopifyCustomerId, ProductVariantId};
use crate::stokly::model::inferred::{PriceList, PriceListCustomer, PriceListItem};
use crate::stokly::{CustomerId, ItemId, PriceListId};

fn gbp() -> CurrencyCode {
    CurrencyCode::new("GBP").unwrap()
}

fn money(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), gbp())
}

fn variant(n: usize, sku: &str) -> ProductVariant {
    serde_json::from_value(json!({
        "id": format!("gid://shopify/ProductVariant/{}", n + 1),
        "sku": sku, "title": "v", "price": "20.00", "requiresComponents": false,
        "updatedAt": "2026-01-01T00:00:00Z",
        "product": {"id": "gid://shopify/Product/1", "title": "P", "status": "ACTIVE"},
        "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{}", n + 1), "tracked": true},
    }))
    .unwrap()
}

fn vid(n: usize) -> ProductVariantId {
    ProductVariantId::try_from_numeric(n as u64 + 1).unwrap()
}

/// Variants SKU-0 .. SKU-(n-1), plus two sharing DUP.
fn index(n: usize) -> SkuIndex {
    let mut variants: Vec<ProductVariant> =
        (0..n).map(|i| variant(i, &format!("SKU-{i}"))).collect();
    variants.push(variant(n, "DUP"));
    variants.push(variant(n + 1, "DUP"));
    SkuIndex::build(StoklyCatalogue::new(&[]), &variants)
}

fn list(id: &str, currency: Option<&str>) -> PriceList {
    serde_json::from_value(json!({"priceListId": id, "name": "Trade", "currency": currency}))
        .unwrap()
}

fn customer(id: &str) -> PriceListCustomer {
    PriceListCustomer::new(CustomerId::new(id).unwrap())
}

fn item(i: usize, cents: i64) -> PriceListItem {
    PriceListItem::new(
        ItemId::new(format!("item-{i}")).unwrap(),
        format!("SKU-{i}"),
        Decimal::new(cents, 2),
    )
}

fn location(n: u64) -> CompanyLocationId {
    CompanyLocationId::try_from_numeric(n).unwrap()
}

fn config() -> PriceListConfig {
    PriceListConfig::new()
        .with_company_location(CustomerId::new("c-1").unwrap(), location(501))
        .with_company_location(CustomerId::new("c-2").unwrap(), location(502))
}

fn trade(items: Vec<PriceListItem>) -> Vec<StoklyPriceList> {
    vec![StoklyPriceList::new(
        list("pl-1", Some("GBP")),
        vec![customer("c-1"), customer("c-2")],
        items,
    )]
}

const PLUS: ShopCapabilities = ShopCapabilities { shopify_plus: true };

/// Shopify as the plan left it: the price list, its catalog with `locations`, `prices`.
fn shopify_after(locations: &[u64], prices: &[(usize, i64)]) -> ShopifyPriceState {
    let price_list: ShopifyList = serde_json::from_value(json!({
        "id": "gid://shopify/PriceList/900", "name": "Stokly price list pl-1", "currency": "GBP",
        "fixedPricesCount": prices.len(),
        "catalog": {"__typename": "CompanyLocationCatalog", "id": "gid://shopify/CompanyLocationCatalog/800",
                    "title": "Stokly price list pl-1", "status": "ACTIVE"}
    }))
    .unwrap();
    let id = price_list.id.clone();
    let mut state = ShopifyPriceState::default();
    state.price_lists.push(price_list);
    state.catalog_locations.insert(
        "gid://shopify/CompanyLocationCatalog/800".to_owned(),
        locations.iter().map(|l| location(*l)).collect(),
    );
    let fixed: Vec<FixedPrice> = prices
        .iter()
        .map(|(n, cents)| {
            serde_json::from_value(json!({
                "variant": {"id": vid(*n)}, "price": {"amount": Decimal::new(*cents, 2).to_string(), "currencyCode": "GBP"}
            }))
            .unwrap()
        })
        .collect();
    state.fixed_prices.insert(id.clone(), fixed);
    state.quantity_rules.insert(id, Vec::new());
    state
}

#[test]
fn quantity_rules_are_checked_as_shopify_checks_them() {
    assert_eq!(check_quantity_rule(6, Some(60), 6), Ok(()));
    assert_eq!(check_quantity_rule(1, None, 1), Ok(()));
    assert_eq!(
        check_quantity_rule(0, None, 1),
        Err(QuantityRuleProblem::MinimumBelowOne)
    );
    assert_eq!(
        check_quantity_rule(2, None, 0),
        Err(QuantityRuleProblem::IncrementBelowOne)
    );
    assert_eq!(
        check_quantity_rule(4, None, 6),
        Err(QuantityRuleProblem::IncrementAboveMinimum)
    );
    assert_eq!(
        check_quantity_rule(6, Some(3), 3),
        Err(QuantityRuleProblem::MaximumBelowMinimum)
    );
    assert_eq!(
        check_quantity_rule(6, None, 4),
        Err(QuantityRuleProblem::MinimumNotMultipleOfIncrement)
    );
    assert_eq!(
        check_quantity_rule(6, Some(20), 3),
        Err(QuantityRuleProblem::MaximumNotMultipleOfIncrement)
    );
}

#[test]
fn a_plus_shop_gets_a_price_list_a_catalog_and_prices_in_batches_of_250() {
    let items: Vec<PriceListItem> = (0..600).map(|i| item(i, 1500)).collect();
    let plan = plan_price_lists(
        &trade(items),
        &ShopifyPriceState::default(),
        &index(600),
        PLUS,
        &config(),
    );
    assert_eq!(plan.mode, PricingMode::Catalogs);
    assert_eq!(plan.notice, None);
    assert_eq!(plan.findings, vec![]);
    let [push] = plan.lists.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(push.name, "Stokly price list pl-1");
    assert_eq!(push.price_list, None);
    let catalog = push.create_catalog.as_ref().unwrap();
    assert_eq!(catalog.locations, vec![location(501), location(502)]);
    let sizes: Vec<usize> = push.price_batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![250, 250, 100]);
    assert_eq!(push.price_batches[0][0].price, money(1500));
    assert_eq!(plan.calls(), 1 + 1 + 3);
    assert_eq!(plan.prices_to_set(), 600);
    assert!(
        plan.drift
            .iter()
            .any(|d| d.cause == DriftCause::PriceListMissing)
    );
}

#[test]
fn a_rerun_with_nothing_changed_plans_nothing() {
    let items: Vec<PriceListItem> = (0..300).map(|i| item(i, 1500 + i as i64)).collect();
    let prices: Vec<(usize, i64)> = (0..300).map(|i| (i, 1500 + i as i64)).collect();
    let state = shopify_after(&[501, 502], &prices);
    let plan = plan_price_lists(&trade(items), &state, &index(300), PLUS, &config());
    assert!(plan.is_empty(), "{:?}", plan.lists);
    assert_eq!(plan.calls(), 0);
    assert_eq!(plan.drift, vec![]);
}

#[test]
fn drift_is_reported_by_cause_and_only_the_difference_is_sent() {
    let items: Vec<PriceListItem> = vec![item(0, 1500), item(1, 1600), item(2, 1234)];
    // Variant 1 priced differently, variant 2 not priced, variant 3 priced but not on the
    // list; location 502 missing from the catalog, 503 not on the list.
    let state = shopify_after(&[501, 503], &[(0, 1500), (1, 1700), (3, 999)]);
    let plan = plan_price_lists(&trade(items), &state, &index(4), PLUS, &config());
    let [push] = plan.lists.as_slice() else {
        panic!()
    };
    assert_eq!(push.add_locations, vec![location(502)]);
    assert_eq!(push.remove_locations, vec![location(503)]);
    assert_eq!(push.price_batches.len(), 1);
    let sent: Vec<(ProductVariantId, Money)> = push.price_batches[0]
        .iter()
        .map(|p| (p.variant_id.clone(), p.price))
        .collect();
    assert_eq!(sent, vec![(vid(1), money(1600)), (vid(2), money(1234))]);
    let [update] = push.quantity_batches.as_slice() else {
        panic!("{:?}", push.quantity_batches)
    };
    assert_eq!(update.prices_to_delete, vec![vid(3)]);
    assert_eq!(update.variants(), vec![&vid(3)]);
    let list = Some(PriceListId::new("pl-1").unwrap());
    let causes: Vec<DriftCause> = plan.drift.iter().map(|d| d.cause.clone()).collect();
    assert_eq!(
        causes,
        vec![
            DriftCause::LocationMissing {
                location: location(502)
            },
            DriftCause::LocationNotOnList {
                location: location(503)
            },
            DriftCause::PriceNotOnList {
                variant: vid(3),
                shopify: money(999)
            },
            DriftCause::PriceDiffers {
                variant: vid(1),
                shopify: money(1700),
                stokly: money(1600)
            },
            DriftCause::PriceMissing {
                variant: vid(2),
                stokly: money(1234)
            },
        ]
    );
    assert!(plan.drift.iter().all(|d| d.list == list));
}

#[test]
fn every_line_that_cannot_be_pushed_is_a_finding_and_the_rest_goes() {
    let mut blank = item(90, 100);
    blank.sku = Some(" ".into());
    let mut dup = item(91, 100);
    dup.sku = Some("DUP".into());
    let items = vec![
        item(0, 1500),
        blank,
        item(77, 100), // no such variant
        dup,
        item(1, 1500),
        item(1, 1600), // variant 1 twice
        item(2, -5),
        item(3, 1000).with_quantity_rule(4, None, 6),
        item(4, 1000)
            .with_quantity_rule(6, Some(60), 6)
            .with_break(12, Decimal::new(900, 2)),
        item(5, 1234567).with_quantity_rule(1, None, 1),
    ];
    let mut lists = trade(items);
    lists[0].customers.push(customer("c-unmapped"));
    // Variants 1 and 2 have Shopify prices: their lines have problems, so they stay.
    let state = shopify_after(&[501, 502], &[(1, 100), (2, 100)]);
    let plan = plan_price_lists(&lists, &state, &index(6), PLUS, &config());
    let codes: Vec<&str> = plan.findings.iter().map(DomainException::code).collect();
    assert_eq!(
        codes,
        vec![
            "unmapped_customer",
            "blank_sku",
            "no_variant",
            "several_variants",
            "variant_priced_twice",
            "negative_price",
            "invalid_quantity_rule",
        ]
    );
    assert!(
        plan.findings
            .iter()
            .all(|f| matches!(f.owner(), Owner::Ecommerce | Owner::Operations))
    );
    let [push] = plan.lists.as_slice() else {
        panic!()
    };
    let sent: Vec<ProductVariantId> = push.price_batches[0]
        .iter()
        .map(|p| p.variant_id.clone())
        .collect();
    assert_eq!(sent, vec![vid(0), vid(3), vid(4), vid(5)]);
    assert_eq!(push.price_batches[0][3].price, money(1234567));
    let [update] = push.quantity_batches.as_slice() else {
        panic!("{:?}", push.quantity_batches)
    };
    assert!(
        update.prices_to_delete.is_empty(),
        "held variants keep their prices"
    );
    let rules: Vec<(ProductVariantId, i64)> = update
        .quantity_rules_to_add
        .iter()
        .map(|r| (r.variant_id.clone(), r.minimum))
        .collect();
    assert_eq!(rules, vec![(vid(4), 6), (vid(5), 1)]);
    // Variant 4's break (12 units, a multiple of 6 within 6..=60) is sent with its rule.
    let breaks: Vec<(ProductVariantId, i64, Money)> = update
        .quantity_price_breaks_to_add
        .iter()
        .map(|b| (b.variant_id.clone(), b.minimum_quantity, b.price))
        .collect();
    assert_eq!(breaks, vec![(vid(4), 12, money(900))]);
    assert_eq!(
        update.quantity_price_breaks_to_delete_by_variant,
        vec![vid(4)]
    );
}

#[test]
fn prices_are_rounded_to_the_cent_half_away_from_zero() {
    let mut it = item(0, 0);
    it.price = Decimal::new(12345, 3);
    let plan = plan_price_lists(
        &trade(vec![it]),
        &ShopifyPriceState::default(),
        &index(1),
        PLUS,
        &config(),
    );
    assert_eq!(plan.lists[0].price_batches[0][0].price, money(1235));
}

#[test]
fn a_currency_mismatch_or_no_currency_stops_the_list() {
    let mut state = shopify_after(&[501, 502], &[]);
    state.price_lists[0].currency = CurrencyCode::new("EUR").unwrap();
    let plan = plan_price_lists(
        &trade(vec![item(0, 100)]),
        &state,
        &index(1),
        PLUS,
        &config(),
    );
    assert!(plan.lists.is_empty());
    assert_eq!(plan.findings[0].code(), "currency_mismatch");
    let lists = vec![StoklyPriceList::new(
        list("pl-1", None),
        vec![customer("c-1")],
        vec![item(0, 1)],
    )];
    let plan = plan_price_lists(
        &lists,
        &ShopifyPriceState::default(),
        &index(1),
        PLUS,
        &config(),
    );
    assert_eq!(plan.findings[0].code(), "no_currency");
    // No customer maps to a company location: no catalog can hold the list.
    let lists = vec![StoklyPriceList::new(
        list("pl-1", Some("GBP")),
        vec![],
        vec![item(0, 1)],
    )];
    let plan = plan_price_lists(
        &lists,
        &ShopifyPriceState::default(),
        &index(1),
        PLUS,
        &config(),
    );
    assert_eq!(plan.findings[0].code(), "no_company_location");
    assert!(plan.is_empty());
}

fn shopify_customer(n: u64) -> ShopifyCustomerId {
    ShopifyCustomerId::try_from_numeric(n).unwrap()
}

#[test]
fn without_plus_customers_are_tagged_and_carry_their_lists_in_metafields_25_a_call() {
    let mut config = PriceListConfig::new();
    let mut customers = Vec::new();
    for n in 0..30 {
        let id = format!("c-{n}");
        config = config.with_customer(
            CustomerId::new(id.clone()).unwrap(),
            shopify_customer(100 + n),
        );
        customers.push(customer(&id));
    }
    let lists = vec![StoklyPriceList::new(
        list("pl-1", Some("GBP")),
        customers,
        vec![item(0, 1500)],
    )];
    let capabilities = ShopCapabilities::plus(false);
    let plan = plan_price_lists(
        &lists,
        &ShopifyPriceState::default(),
        &index(1),
        capabilities,
        &config,
    );
    assert_eq!(plan.mode, PricingMode::CustomerData);
    assert_eq!(plan.notice.as_deref(), Some(WITHOUT_PLUS_NOTICE));
    assert!(plan.lists.is_empty());
    assert_eq!(plan.customer_tags.len(), 30);
    assert_eq!(
        plan.customer_tags[0].add,
        vec!["stokly-price-list:pl-1".to_owned()]
    );
    let sizes: Vec<usize> = plan.metafield_batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![25, 5]);
    assert_eq!(plan.metafield_batches[0][0].value, "pl-1");

    // Shopify as the plan left it, except that customer 100 also carries an old list.
    let state = ShopifyPriceState {
        customers: (0..30)
            .map(|n| CustomerPriceTags {
                id: shopify_customer(100 + n),
                tags: if n == 0 {
                    vec![
                        "vip".into(),
                        "stokly-price-list:pl-1".into(),
                        "stokly-price-list:pl-old".into(),
                    ]
                } else {
                    vec!["stokly-price-list:pl-1".into()]
                },
                metafield: Some("pl-1".into()),
            })
            .collect(),
        ..ShopifyPriceState::default()
    };
    let plan = plan_price_lists(&lists, &state, &index(1), capabilities, &config);
    assert_eq!(plan.metafield_batches, Vec::<Vec<_>>::new());
    let [change] = plan.customer_tags.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(change.customer, shopify_customer(100));
    assert!(change.add.is_empty());
    assert_eq!(change.remove, vec!["stokly-price-list:pl-old".to_owned()]);
    assert_eq!(plan.calls(), 1);
}

#[test]
fn the_price_book_checks_a_charged_price_against_the_locations_lists() {
    let lists = trade(vec![item(0, 1500)]);
    let book = B2bPriceBook::new(&lists, &config(), Decimal::new(1, 2));
    let at = location(501);
    assert_eq!(
        book.check(&at, "SKU-0", 1, money(1501)),
        ListPriceCheck::Agrees
    );
    assert_eq!(
        book.check(&at, "SKU-0", 1, money(1400)),
        ListPriceCheck::Differs {
            list: PriceListId::new("pl-1").unwrap(),
            expected: money(1500)
        }
    );
    assert_eq!(
        book.check(&at, "SKU-9", 1, money(1)),
        ListPriceCheck::NotListed
    );
    assert_eq!(
        book.check(&location(999), "SKU-0", 1, money(1)),
        ListPriceCheck::NotListed
    );
    let eur = Money::new(Decimal::new(1500, 2), CurrencyCode::new("EUR").unwrap());
    assert!(matches!(
        book.check(&at, "SKU-0", 1, eur),
        ListPriceCheck::Differs { .. }
    ));
}

#[test]
fn the_price_book_expects_the_break_price_the_line_quantity_reaches() {
    let lists = trade(vec![
        item(0, 1500)
            .with_break(24, Decimal::new(1300, 2))
            .with_break(12, Decimal::new(1400, 2)),
    ]);
    let book = B2bPriceBook::new(&lists, &config(), Decimal::ZERO);
    let at = location(501);
    let expect = |quantity, cents| match book.check(&at, "SKU-0", quantity, money(1)) {
        ListPriceCheck::Differs { expected, .. } => assert_eq!(expected, money(cents)),
        other => panic!("{other:?}"),
    };
    expect(1, 1500);
    expect(11, 1500);
    expect(12, 1400);
    expect(23, 1400);
    expect(24, 1300);
    expect(500, 1300);
    assert_eq!(
        book.check(&at, "SKU-0", 12, money(1400)),
        ListPriceCheck::Agrees
    );
    // The unit price for 12 units is a mismatch: Shopify would have charged the break.
    assert!(matches!(
        book.check(&at, "SKU-0", 12, money(1500)),
        ListPriceCheck::Differs { .. }
    ));
}

fn with_breaks(
    mut state: ShopifyPriceState,
    variant: usize,
    breaks: &[(i64, i64)],
    more: bool,
) -> ShopifyPriceState {
    let list = state.price_lists[0].id.clone();
    let prices = state.fixed_prices.get_mut(&list).unwrap();
    let price = prices
        .iter_mut()
        .find(|p| p.variant.id == vid(variant))
        .unwrap();
    price.quantity_price_breaks = serde_json::from_value(json!({
        "nodes": breaks.iter().map(|(q, cents)| json!({"minimumQuantity": q,
            "price": {"amount": Decimal::new(*cents, 2).to_string(), "currencyCode": "GBP"}})).collect::<Vec<_>>(),
        "pageInfo": {"hasNextPage": more}
    }))
    .unwrap();
    state
}

fn rule(n: usize, minimum: i64, maximum: Option<i64>, increment: i64) -> QuantityRule {
    serde_json::from_value(
        json!({"minimum": minimum, "maximum": maximum, "increment": increment,
        "productVariant": {"id": vid(n)}}),
    )
    .unwrap()
}

#[test]
fn price_breaks_are_replaced_whole_only_where_they_differ() {
    // 0: the same breaks as Shopify (nothing to send); 1: one break's price differs (the
    // variant's breaks are replaced); 2: breaks Shopify does not have yet; 3: Shopify has
    // breaks, Stokly none (they go); 4: Shopify has more breaks than the read shows
    // (replaced, whatever the first ten say).
    let items = || {
        vec![
            item(0, 1000)
                .with_break(10, Decimal::new(900, 2))
                .with_break(50, Decimal::new(800, 2)),
            item(1, 1000)
                .with_break(10, Decimal::new(900, 2))
                .with_break(50, Decimal::new(750, 2)),
            item(2, 1000).with_break(24, Decimal::new(12345, 3)),
            item(3, 1000),
            item(4, 1000).with_break(10, Decimal::new(900, 2)),
        ]
    };
    let mut state = shopify_after(
        &[501, 502],
        &[(0, 1000), (1, 1000), (2, 1000), (3, 1000), (4, 1000)],
    );
    state = with_breaks(state, 0, &[(50, 800), (10, 900)], false);
    state = with_breaks(state, 1, &[(10, 900), (50, 800)], false);
    state = with_breaks(state, 3, &[(5, 950)], false);
    state = with_breaks(state, 4, &[(10, 900)], true);
    let plan = plan_price_lists(&trade(items()), &state, &index(5), PLUS, &config());
    assert!(plan.findings.is_empty(), "{:?}", plan.findings);
    let [push] = plan.lists.as_slice() else {
        panic!()
    };
    assert!(push.price_batches.is_empty(), "unit prices agree");
    let [update] = push.quantity_batches.as_slice() else {
        panic!("{:?}", push.quantity_batches)
    };
    assert_eq!(
        update.quantity_price_breaks_to_delete_by_variant,
        vec![vid(1), vid(2), vid(3), vid(4)]
    );
    let breaks: Vec<(ProductVariantId, i64, Money)> = update
        .quantity_price_breaks_to_add
        .iter()
        .map(|b| (b.variant_id.clone(), b.minimum_quantity, b.price))
        .collect();
    assert_eq!(
        breaks,
        vec![
            (vid(1), 10, money(900)),
            (vid(1), 50, money(750)),
            // 12.345 rounds half away from zero to 12.35.
            (vid(2), 24, money(1235)),
            (vid(4), 10, money(900)),
        ]
    );
    let causes: Vec<DriftCause> = plan.drift.iter().map(|d| d.cause.clone()).collect();
    assert_eq!(
        causes,
        vec![
            DriftCause::BreaksDiffer { variant: vid(1) },
            DriftCause::BreaksDiffer { variant: vid(2) },
            DriftCause::BreaksDiffer { variant: vid(3) },
            DriftCause::BreaksDiffer { variant: vid(4) },
        ]
    );
    // Replaced as Shopify now holds them, a rerun sends nothing.
    let mut after = state.clone();
    after = with_breaks(after, 1, &[(10, 900), (50, 750)], false);
    after = with_breaks(after, 2, &[(24, 1235)], false);
    after = with_breaks(after, 3, &[], false);
    after = with_breaks(after, 4, &[(10, 900)], false);
    let rerun = plan_price_lists(&trade(items()), &after, &index(5), PLUS, &config());
    assert!(rerun.is_empty(), "{:?}", rerun.lists);
    assert_eq!(rerun.drift, vec![]);
}

#[test]
fn price_breaks_are_checked_against_the_rule_before_sending() {
    let items = vec![
        // Below the minimum of 6.
        item(0, 1000)
            .with_quantity_rule(6, Some(60), 6)
            .with_break(3, Decimal::new(900, 2)),
        // Above the maximum.
        item(1, 1000)
            .with_quantity_rule(6, Some(60), 6)
            .with_break(66, Decimal::new(900, 2)),
        // Not a multiple of the increment.
        item(2, 1000)
            .with_quantity_rule(6, None, 6)
            .with_break(10, Decimal::new(900, 2)),
        // The same quantity twice.
        item(3, 1000)
            .with_break(10, Decimal::new(900, 2))
            .with_break(10, Decimal::new(850, 2)),
        // A negative price.
        item(4, 1000).with_break(10, Decimal::new(-1, 2)),
        // Valid without a rule (Shopify's default 1, none, 1).
        item(5, 1000).with_break(7, Decimal::new(900, 2)),
    ];
    let plan = plan_price_lists(
        &trade(items),
        &shopify_after(&[501, 502], &[]),
        &index(6),
        PLUS,
        &config(),
    );
    let problems: Vec<(String, i64, QuantityBreakProblem)> = plan
        .findings
        .iter()
        .map(|f| match f {
            PriceListFinding::InvalidQuantityBreak {
                item,
                minimum_quantity,
                problem,
                ..
            } => (item.to_string(), *minimum_quantity, *problem),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            ("item-0".into(), 3, QuantityBreakProblem::BelowRuleMinimum),
            ("item-1".into(), 66, QuantityBreakProblem::AboveRuleMaximum),
            (
                "item-2".into(),
                10,
                QuantityBreakProblem::NotMultipleOfIncrement
            ),
            ("item-3".into(), 10, QuantityBreakProblem::RepeatedQuantity),
            ("item-4".into(), 10, QuantityBreakProblem::NegativePrice),
        ]
    );
    assert!(
        plan.findings
            .iter()
            .all(|f| f.code() == "invalid_quantity_break" && f.owner() == Owner::Operations)
    );
    let [push] = plan.lists.as_slice() else {
        panic!()
    };
    // Every unit price still goes; only item 5's break does, with the rules of items 0-2.
    assert_eq!(push.price_batches[0].len(), 6);
    let [update] = push.quantity_batches.as_slice() else {
        panic!()
    };
    let breaks: Vec<(ProductVariantId, i64)> = update
        .quantity_price_breaks_to_add
        .iter()
        .map(|b| (b.variant_id.clone(), b.minimum_quantity))
        .collect();
    assert_eq!(breaks, vec![(vid(5), 7)]);
    let ruled: Vec<ProductVariantId> = update
        .quantity_rules_to_add
        .iter()
        .map(|r| r.variant_id.clone())
        .collect();
    assert_eq!(ruled, vec![vid(0), vid(1), vid(2)]);
}

#[test]
fn rules_and_locations_stokly_no_longer_holds_are_removed_unless_configured_not_to() {
    // Variant 0 keeps its price but lost its rule in Stokly; variant 1 is off the list
    // (price and rule in Shopify); location 503 is no longer on the list.
    let mut state = shopify_after(&[501, 502, 503], &[(0, 1000), (1, 1000)]);
    let list = state.price_lists[0].id.clone();
    state
        .quantity_rules
        .insert(list, vec![rule(0, 2, None, 2), rule(1, 4, None, 2)]);
    let items = vec![item(0, 1000)];
    let plan = plan_price_lists(&trade(items.clone()), &state, &index(2), PLUS, &config());
    let [push] = plan.lists.as_slice() else {
        panic!()
    };
    assert_eq!(push.remove_locations, vec![location(503)]);
    let [update] = push.quantity_batches.as_slice() else {
        panic!()
    };
    assert_eq!(update.prices_to_delete, vec![vid(1)]);
    assert_eq!(update.quantity_rules_to_delete, vec![vid(0), vid(1)]);
    assert_eq!(push.calls(), 2, "one context update, one quantity update");
    let causes: Vec<DriftCause> = plan.drift.iter().map(|d| d.cause.clone()).collect();
    assert_eq!(
        causes,
        vec![
            DriftCause::LocationNotOnList {
                location: location(503)
            },
            DriftCause::PriceNotOnList {
                variant: vid(1),
                shopify: money(1000)
            },
            DriftCause::RuleNotOnList { variant: vid(0) },
            DriftCause::RuleNotOnList { variant: vid(1) },
        ]
    );
    // Configured to keep them: the same drift, nothing sent.
    let keep = config()
        .with_extra_prices_removed(false)
        .with_stale_locations_removed(false);
    let plan = plan_price_lists(&trade(items), &state, &index(2), PLUS, &keep);
    assert!(plan.is_empty(), "{:?}", plan.lists);
    assert_eq!(plan.drift.len(), 4);
}

#[test]
fn a_list_none_of_whose_customers_maps_never_empties_its_catalog() {
    let state = shopify_after(&[501, 502], &[(0, 1000)]);
    let lists = vec![StoklyPriceList::new(
        list("pl-1", Some("GBP")),
        vec![customer("c-unmapped")],
        vec![item(0, 1000)],
    )];
    let plan = plan_price_lists(&lists, &state, &index(1), PLUS, &config());
    let codes: Vec<&str> = plan.findings.iter().map(DomainException::code).collect();
    assert_eq!(codes, vec!["unmapped_customer", "no_company_location"]);
    assert!(plan.lists.iter().all(|l| l.remove_locations.is_empty()));
}

#[test]
fn quantity_updates_hold_at_most_250_entries_per_list_and_never_split_a_variant() {
    // 200 variants with two breaks each: 400 breaks, so two updates; each variant's
    // delete and adds in the same one.
    let items: Vec<PriceListItem> = (0..200)
        .map(|i| {
            item(i, 1000)
                .with_break(10, Decimal::new(900, 2))
                .with_break(20, Decimal::new(800, 2))
        })
        .collect();
    let prices: Vec<(usize, i64)> = (0..200).map(|i| (i, 1000)).collect();
    let plan = plan_price_lists(
        &trade(items),
        &shopify_after(&[501, 502], &prices),
        &index(200),
        PLUS,
        &config(),
    );
    let push = &plan.lists[0];
    assert_eq!(push.quantity_batches.len(), 2);
    let sizes: Vec<(usize, usize)> = push
        .quantity_batches
        .iter()
        .map(|u| {
            (
                u.quantity_price_breaks_to_add.len(),
                u.quantity_price_breaks_to_delete_by_variant.len(),
            )
        })
        .collect();
    assert_eq!(sizes, vec![(250, 125), (150, 75)]);
    for update in &push.quantity_batches {
        assert!(update.longest_list() <= 250);
        for b in &update.quantity_price_breaks_to_add {
            assert!(
                update
                    .quantity_price_breaks_to_delete_by_variant
                    .contains(&b.variant_id)
            );
        }
    }
}
