//! Exact-amount tests of `map_refund` on the order fixtures in `tests/fixtures/shopify/orders/`.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::*;
use crate::domain::catalogue::test_support::{simple, with_format};
use crate::domain::catalogue::{SkuIndex, StoklyCatalogue};
use crate::domain::exception::{DomainException, Owner, RecordRef};
use crate::domain::order::{
    ChargeAccount, CurrencyPolicy, GlAccountCode, OrderMappingConfig, SaleOrderDraft,
    TaxAccountMap, TaxKey, map_order,
};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{Order, OrderRefunds, Refund};
use crate::shopify::{LineItemId, LocationId as ShopifyLocationId};
use crate::stokly::model::ItemFormat;
use crate::stokly::{ChannelId, ItemId, LocationId, SaleOrderId};

fn fixture(name: &str) -> Order {
    let text = match name {
        "vat_included_discounts" => {
            include_str!("../../../tests/fixtures/shopify/orders/vat_included_discounts.json")
        }
        "tax_excluded_free_shipping" => {
            include_str!("../../../tests/fixtures/shopify/orders/tax_excluded_free_shipping.json")
        }
        "multi_currency" => {
            include_str!("../../../tests/fixtures/shopify/orders/multi_currency.json")
        }
        "b2b_bundles" => include_str!("../../../tests/fixtures/shopify/orders/b2b_bundles.json"),
        other => panic!("no fixture {other}"),
    };
    let value: Value = serde_json::from_str(text).unwrap();
    serde_json::from_value(value["data"]["order"].clone()).unwrap()
}

fn index() -> SkuIndex {
    let items = vec![
        simple("i-tshirt", "TSHIRT-RED-M"),
        simple("i-mug", "MUG-BLUE"),
        simple("i-wrap", "GIFT-WRAP"),
        simple("i-sneaker", "SNEAKER-42"),
        simple("i-socks", "SOCKS-3PK"),
        simple("i-scarf", "SCARF-GREY"),
        simple("i-soap", "SOAP-LAV"),
        simple("i-towel", "TOWEL-WHT"),
        with_format(simple("i-kit", "STARTER-KIT"), ItemFormat::Composite),
    ];
    SkuIndex::build(StoklyCatalogue::new(&items), &[])
}

fn order_config(policy: CurrencyPolicy) -> OrderMappingConfig {
    let account = |code: &str| GlAccountCode::new(code).unwrap();
    let accounts = TaxAccountMap::new()
        .with(
            TaxKey::new("VAT", Some(Decimal::new(2, 1)), Some("Shopify"), false),
            account("2200"),
        )
        .with(
            TaxKey::new(
                "CA State Tax",
                Some(Decimal::new(725, 4)),
                Some("Shopify"),
                false,
            ),
            account("2310"),
        )
        .with(
            TaxKey::new(
                "Los Angeles County Tax",
                Some(Decimal::new(25, 4)),
                Some("Shopify"),
                false,
            ),
            account("2320"),
        );
    OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts)
        .with_currency_policy(policy)
}

fn posted_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

fn posted(name: &str, policy: CurrencyPolicy) -> SaleOrderFacts {
    let draft: SaleOrderDraft = map_order(&fixture(name), &index(), &order_config(policy)).unwrap();
    SaleOrderFacts::new(SaleOrderId::new("so-1").unwrap(), draft, posted_at())
}

fn config() -> RefundMappingConfig {
    RefundMappingConfig::new(CurrencyPolicy::ShopMoney)
        .with_shipping_account(GlAccountCode::new("4090").unwrap())
        .with_duties(ChargeAccount::new(
            ItemId::new("i-duty").unwrap(),
            GlAccountCode::new("4095").unwrap(),
        ))
        .with_adjustments(ChargeAccount::new(
            ItemId::new("i-adjust").unwrap(),
            GlAccountCode::new("4099").unwrap(),
        ))
        .with_restock_location(shop_location(1), warehouse())
}

fn shop_location(n: u64) -> ShopifyLocationId {
    ShopifyLocationId::from_numeric(n)
}

fn warehouse() -> LocationId {
    LocationId::new("loc-main").unwrap()
}

fn bag(shop: &str, presentment: &str, shop_cur: &str, pres_cur: &str) -> Value {
    json!({
        "shopMoney": {"amount": shop, "currencyCode": shop_cur},
        "presentmentMoney": {"amount": presentment, "currencyCode": pres_cur},
    })
}

fn money(amount: &str, currency: &str) -> Value {
    bag(amount, amount, currency, currency)
}

fn line(id: u64, qty: i64, restock: &str, subtotal: &str, tax: &str, currency: &str) -> Value {
    json!({
        "lineItem": {"id": format!("gid://shopify/LineItem/{id}"), "sku": null},
        "quantity": qty,
        "restockType": restock,
        "restocked": restock == "RETURN",
        "location": {"id": "gid://shopify/Location/1"},
        "subtotalSet": money(subtotal, currency),
        "totalTaxSet": money(tax, currency),
    })
}

fn refund(lines: Vec<Value>, total: &str, currency: &str) -> Value {
    json!({
        "id": "gid://shopify/Refund/900",
        "createdAt": "2026-03-02T10:00:00Z",
        "processedAt": "2026-03-02T10:00:00Z",
        "note": "customer changed mind",
        "totalRefundedSet": money(total, currency),
        "refundLineItems": {"nodes": lines, "pageInfo": {"hasNextPage": false}},
        "refundShippingLines": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "orderAdjustments": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "transactions": {"nodes": [], "pageInfo": {"hasNextPage": false}},
        "duties": [],
    })
}

fn parse(refund: Value) -> Refund {
    serde_json::from_value(refund).unwrap()
}

fn order_refunds(order: &str, refunds: Vec<Refund>, returns: Value) -> OrderRefunds {
    let o = fixture(order);
    let mut value = json!({
        "id": o.id.as_str(), "name": o.name,
        "currencyCode": o.currency_code.as_str(),
        "presentmentCurrencyCode": o.presentment_currency_code.as_str(),
        "returns": {"nodes": returns, "pageInfo": {"hasNextPage": false}},
    });
    value["refunds"] = serde_json::to_value(refunds).unwrap();
    serde_json::from_value(value).unwrap()
}

fn decide(
    order: &str,
    refund: Value,
    posted: &SaleOrderFacts,
) -> Result<RefundDecision, RefundRejection> {
    decide_with(order, refund, json!([]), posted, &config())
}

fn decide_with(
    order: &str,
    refund: Value,
    returns: Value,
    posted: &SaleOrderFacts,
    config: &RefundMappingConfig,
) -> Result<RefundDecision, RefundRejection> {
    let refund = parse(refund);
    let refunds = order_refunds(order, vec![refund.clone()], returns);
    map_refund(&refund, &refunds, SaleOrderState::Posted(posted), config)
}

fn credit(result: Result<RefundDecision, RefundRejection>) -> CreditDraft {
    match result {
        Ok(RefundDecision::Credit(draft)) => draft,
        other => panic!("expected a credit, got {other:?}"),
    }
}

fn rejected(result: Result<RefundDecision, RefundRejection>) -> Vec<RefundException> {
    match result {
        Err(rejection) => rejection.exceptions,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), CurrencyCode::USD)
}

fn gbp(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), CurrencyCode::GBP)
}

fn line_id(n: u64) -> LineItemId {
    LineItemId::from_numeric(n)
}

/// Every part of the draft, tax included, in one sum.
fn sum_of_parts(draft: &CreditDraft) -> Money {
    let mut sum = Money::zero(draft.currency());
    for l in draft.lines() {
        sum = sum.checked_add(&l.total().unwrap()).unwrap();
        let taxes = Money::sum(draft.currency(), l.taxes.iter().map(|t| &t.amount)).unwrap();
        if !l.taxes.is_empty() {
            assert_eq!(taxes, l.tax, "line taxes sum to the line tax");
        }
        assert_eq!(
            l.stock.iter().map(|m| m.units).sum::<i64>(),
            l.quantity,
            "movements sum to the units"
        );
    }
    if let Some(s) = draft.shipping() {
        sum = sum
            .checked_add(&s.amount)
            .unwrap()
            .checked_add(&s.tax)
            .unwrap();
    }
    for c in draft.charges() {
        sum = sum
            .checked_add(&c.amount)
            .unwrap()
            .checked_add(&c.tax)
            .unwrap();
    }
    sum
}

#[test]
fn partial_refund_before_dispatch_splits_the_tax_and_takes_the_units_off_the_order() {
    // Socks: 3 posted at 18.00 + tax 1.31 (CA) + 0.05 (LA). One pair refunded: 6.00 + 0.45.
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let draft = credit(decide(
        "tax_excluded_free_shipping",
        refund(
            vec![line(22, 1, "RETURN", "6.00", "0.45", "USD")],
            "6.45",
            "USD",
        ),
        &posted,
    ));
    assert_eq!(draft.total(), usd(645));
    assert_eq!(draft.natural_key(), "gid://shopify/Refund/900");
    assert_eq!(draft.sale_order_id().as_str(), "so-1");
    let l = &draft.lines()[0];
    assert_eq!((l.item_id.as_str(), l.quantity), ("i-socks", 1));
    assert_eq!((l.net, l.tax), (usd(600), usd(45)));
    // 0.45 over 1.31 : 0.05 is 0.4334 : 0.0165; the cent left goes to the larger remainder.
    let taxes: Vec<(String, Money)> = l
        .taxes
        .iter()
        .map(|t| (t.account.as_str().to_owned(), t.amount))
        .collect();
    assert_eq!(
        taxes,
        vec![("2310".to_owned(), usd(43)), ("2320".to_owned(), usd(2))]
    );
    assert_eq!(
        l.stock,
        vec![StockMovement {
            units: 1,
            effect: StockEffect::RemoveFromOrder
        }]
    );
    assert_eq!(draft.finance_note(), None);
    assert_eq!(sum_of_parts(&draft), draft.total());
}

#[test]
fn full_refund_after_dispatch_restocks_at_the_mapped_location() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(21), 1)
        .with_dispatched(line_id(22), 3);
    let draft = credit(decide(
        "tax_excluded_free_shipping",
        refund(
            vec![
                line(21, 1, "RETURN", "80.00", "6.00", "USD"),
                line(22, 3, "NO_RESTOCK", "18.00", "1.36", "USD"),
            ],
            "105.36",
            "USD",
        ),
        &posted,
    ));
    assert_eq!(draft.total(), usd(10536));
    assert_eq!(
        draft.lines()[0].stock,
        vec![StockMovement {
            units: 1,
            effect: StockEffect::Restock {
                location: warehouse()
            }
        }]
    );
    assert_eq!(
        draft.lines()[1].stock,
        vec![StockMovement {
            units: 3,
            effect: StockEffect::NotRestocked {
                reason: NotRestockedReason::MoneyOnly
            }
        }]
    );
    let taxes: Vec<Money> = draft.lines()[0].taxes.iter().map(|t| t.amount).collect();
    assert_eq!(taxes, vec![usd(580), usd(20)]);
    assert_eq!(sum_of_parts(&draft), draft.total());

    let body = draft.to_new_credit_note();
    assert_eq!(
        body.external_reference.as_deref(),
        Some("gid://shopify/Refund/900")
    );
    assert_eq!(body.items.len(), 2);
    assert!(body.items[0].restock);
    assert_eq!(
        body.items[0].display_line_price,
        Some(Decimal::new(8000, 2))
    );
    assert_eq!(body.items[1].display_price, Decimal::new(6, 0));
    assert_eq!(body.items[1].movements[0].kind, "notRestocked");
    assert_eq!(body.shipping, None);
}

#[test]
fn shipping_only_refund_of_a_tax_inclusive_order_goes_to_the_shipping_account() {
    // Shipping posted: Standard 2.50 (VAT 0.42) + Express 9.00 (VAT 1.50), VAT included.
    let posted = posted("vat_included_discounts", CurrencyPolicy::ShopMoney);
    let mut r = refund(vec![], "2.50", "GBP");
    r["refundShippingLines"]["nodes"] = json!([{
        "shippingLine": {"id": "gid://shopify/ShippingLine/1", "title": "Standard"},
        "subtotalAmountSet": money("2.50", "GBP"),
        "taxAmountSet": money("0.42", "GBP"),
    }]);
    let draft = credit(decide("vat_included_discounts", r, &posted));
    let s = draft.shipping().unwrap();
    assert_eq!((s.amount, s.tax), (gbp(208), gbp(42)));
    assert_eq!(s.account.as_str(), "4090");
    // Both shipping lines carry the one VAT key: the posted shipping has one tax to split over.
    let taxes: Vec<(&str, Money)> = s
        .taxes
        .iter()
        .map(|t| (t.account.as_str(), t.amount))
        .collect();
    assert_eq!(taxes, vec![("2200", gbp(42))]);
    assert!(draft.lines().is_empty());
    assert_eq!(draft.total(), gbp(250));
    assert_eq!(sum_of_parts(&draft), draft.total());
    let body = draft.to_new_credit_note();
    assert_eq!(body.shipping, Some(Decimal::new(208, 2)));
    assert_eq!(body.shipping_tax, Some(Decimal::new(42, 2)));
}

#[test]
fn a_tax_inclusive_line_is_credited_net_of_its_tax() {
    // T-shirt: 2 posted at 33.00 gross (VAT 5.50). One refunded: 16.50 gross, VAT 2.75.
    let posted =
        posted("vat_included_discounts", CurrencyPolicy::ShopMoney).with_dispatched(line_id(11), 2);
    let draft = credit(decide(
        "vat_included_discounts",
        refund(
            vec![line(11, 1, "RETURN", "16.50", "2.75", "GBP")],
            "16.50",
            "GBP",
        ),
        &posted,
    ));
    let l = &draft.lines()[0];
    assert_eq!(
        (l.net, l.tax, l.total().unwrap()),
        (gbp(1375), gbp(275), gbp(1650))
    );
    assert_eq!(draft.total(), gbp(1650));
}

#[test]
fn a_refunded_bundle_credits_and_restocks_its_components() {
    // Gift Box: 2 soaps (8.00, VAT 1.33) and a towel (12.00, VAT 2.00); the kit is a
    // Stokly composite.
    let posted = posted("b2b_bundles", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(51), 2)
        .with_dispatched(line_id(52), 1)
        .with_dispatched(line_id(53), 1);
    let draft = credit(decide(
        "b2b_bundles",
        refund(
            vec![
                line(51, 2, "RETURN", "8.00", "1.33", "GBP"),
                line(52, 1, "RETURN", "12.00", "2.00", "GBP"),
                line(53, 1, "RETURN", "30.00", "5.00", "GBP"),
            ],
            "50.00",
            "GBP",
        ),
        &posted,
    ));
    let lines = draft.lines();
    assert_eq!(lines.len(), 3);
    for l in &lines[..2] {
        assert_eq!(l.bundle.as_ref().unwrap().title, "Gift Box");
        assert!(matches!(l.stock[0].effect, StockEffect::Restock { .. }));
    }
    assert_eq!(
        (lines[0].item_id.as_str(), lines[0].quantity),
        ("i-soap", 2)
    );
    assert_eq!(
        (lines[1].item_id.as_str(), lines[1].quantity),
        ("i-towel", 1)
    );
    assert!(lines[2].stokly_composite);
    assert_eq!(lines[2].item_id.as_str(), "i-kit");
    assert_eq!(draft.total(), gbp(5000));
    assert_eq!(sum_of_parts(&draft), draft.total());
}

#[test]
fn a_processed_return_restocks_by_its_dispositions() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(22), 3);
    let mut r = refund(
        vec![line(22, 3, "RETURN", "18.00", "1.36", "USD")],
        "19.36",
        "USD",
    );
    r["return"] = json!({"id": "gid://shopify/Return/7"});
    let returns = json!([{
        "id": "gid://shopify/Return/7", "name": "#1002-R1", "status": "CLOSED",
        "reverseFulfillmentOrders": {"nodes": [{"lineItems": {"nodes": [{
            "totalQuantity": 3,
            "fulfillmentLineItem": {"lineItem": {"id": "gid://shopify/LineItem/22", "sku": "SOCKS-3PK"}},
            "dispositions": [
                {"type": "RESTOCKED", "quantity": 1, "location": {"id": "gid://shopify/Location/1"}},
                {"type": "MISSING", "quantity": 1, "location": null},
            ],
        }]}}]},
    }]);
    let draft = credit(decide_with(
        "tax_excluded_free_shipping",
        r,
        returns,
        &posted,
        &config(),
    ));
    assert_eq!(
        draft.lines()[0].stock,
        vec![
            StockMovement {
                units: 1,
                effect: StockEffect::Restock {
                    location: warehouse()
                }
            },
            StockMovement {
                units: 1,
                effect: StockEffect::NotRestocked {
                    reason: NotRestockedReason::Missing
                }
            },
            // The unit no disposition names follows the restock type.
            StockMovement {
                units: 1,
                effect: StockEffect::Restock {
                    location: warehouse()
                }
            },
        ]
    );
}

#[test]
fn timing_before_posting_after_payout() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let r = parse(refund(
        vec![line(22, 1, "CANCEL", "6.00", "0.45", "USD")],
        "6.45",
        "USD",
    ));
    let refunds = order_refunds("tax_excluded_free_shipping", vec![r.clone()], json!([]));
    assert_eq!(
        map_refund(&r, &refunds, SaleOrderState::NotPosted, &config()),
        Ok(RefundDecision::BeforePosting)
    );
    let mut early = r.clone();
    early.created_at = Some(posted_at() - chrono::Duration::minutes(1));
    assert_eq!(
        map_refund(&early, &refunds, SaleOrderState::Posted(&posted), &config()),
        Ok(RefundDecision::BeforePosting)
    );
    let paid_out = posted.clone().with_paid_out(true);
    let draft = credit(map_refund(
        &r,
        &refunds,
        SaleOrderState::Posted(&paid_out),
        &config(),
    ));
    assert_eq!(draft.finance_note(), Some(FinanceNote::RefundAfterPayout));
    assert_eq!(
        draft.lines()[0].stock[0].effect,
        StockEffect::RemoveFromOrder
    );
}

/// Refund `id` of `lines`, created `minutes` after the first refund.
fn refund_numbered(id: u64, minutes: i64, lines: Vec<Value>, total: &str) -> Refund {
    let mut r = refund(lines, total, "USD");
    r["id"] = json!(format!("gid://shopify/Refund/{id}"));
    let at =
        Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + chrono::Duration::minutes(minutes);
    r["createdAt"] = json!(at.to_rfc3339());
    r["processedAt"] = json!(at.to_rfc3339());
    parse(r)
}

#[test]
fn refunds_of_one_line_are_checked_together_against_the_posted_units() {
    // Socks: 3 posted at 18.00 + tax 1.36. Two refunds of 2 pairs each (12.00 + 0.91).
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let first = refund_numbered(
        901,
        0,
        vec![line(22, 2, "CANCEL", "12.00", "0.91", "USD")],
        "12.91",
    );
    let second = refund_numbered(
        902,
        5,
        vec![line(22, 2, "CANCEL", "12.00", "0.91", "USD")],
        "12.91",
    );
    let refunds = order_refunds(
        "tax_excluded_free_shipping",
        vec![first.clone(), second.clone()],
        json!([]),
    );
    let map = |r: &Refund| map_refund(r, &refunds, SaleOrderState::Posted(&posted), &config());

    // The first is credited: 2 pairs off the order, 12.00 + 0.91 (0.88 CA, 0.03 LA).
    let draft = credit(map(&first));
    assert_eq!(draft.total(), usd(1291));
    let l = &draft.lines()[0];
    assert_eq!((l.item_id.as_str(), l.quantity), ("i-socks", 2));
    assert_eq!((l.net, l.tax), (usd(1200), usd(91)));
    let taxes: Vec<Money> = l.taxes.iter().map(|t| t.amount).collect();
    assert_eq!(taxes, vec![usd(88), usd(3)]);
    assert_eq!(
        l.stock,
        vec![StockMovement {
            units: 2,
            effect: StockEffect::RemoveFromOrder
        }]
    );

    // The second would take 4 of 3 posted units: refused, naming the line and the units.
    let found = rejected(map(&second));
    assert_eq!(
        found,
        vec![RefundException::MoreUnitsThanPosted {
            refund: RefundRef {
                refund_id: second.id.clone(),
                order_id: refunds.id.clone(),
                order_name: refunds.name.clone(),
            },
            line: line_id(22),
            item_id: ItemId::new("i-socks").unwrap(),
            refunded: 2,
            posted: 3,
            earlier: 2,
        }]
    );
    assert_eq!(found[0].code(), "more_units_than_posted");
    assert_eq!(
        found[0].reason(),
        "refund 902 of order #1002 refunds 2 units of line 22 but the sale order carries 3, of which earlier refunds took 2"
    );
    // Mapped again (a rerun), each refund gets the same answer: the order is Shopify's.
    assert_eq!(credit(map(&first)), draft);
    assert_eq!(rejected(map(&second)), found);

    // A refund before posting took nothing the sale order carried: it does not count.
    let before = refund_numbered(
        903,
        -24 * 60,
        vec![line(22, 2, "CANCEL", "12.00", "0.91", "USD")],
        "12.91",
    );
    let mut early = before.clone();
    early.created_at = Some(posted_at() - chrono::Duration::hours(1));
    let refunds = order_refunds(
        "tax_excluded_free_shipping",
        vec![early.clone(), first.clone()],
        json!([]),
    );
    assert_eq!(
        map_refund(&early, &refunds, SaleOrderState::Posted(&posted), &config()),
        Ok(RefundDecision::BeforePosting)
    );
    assert_eq!(
        credit(map_refund(
            &first,
            &refunds,
            SaleOrderState::Posted(&posted),
            &config()
        ))
        .total(),
        usd(1291)
    );
}

#[test]
fn a_later_refund_finds_the_undispatched_units_taken_by_an_earlier_one() {
    // Socks: 3 posted, 1 dispatched, so 2 were still to send. The first refund takes both of
    // those off the order; the second (1 pair, RETURN) is the dispatched pair coming back.
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(22), 1);
    let first = refund_numbered(
        901,
        0,
        vec![line(22, 2, "RETURN", "12.00", "0.91", "USD")],
        "12.91",
    );
    let second = refund_numbered(
        902,
        5,
        vec![line(22, 1, "RETURN", "6.00", "0.45", "USD")],
        "6.45",
    );
    let refunds = order_refunds(
        "tax_excluded_free_shipping",
        vec![first.clone(), second.clone()],
        json!([]),
    );
    let map = |r: &Refund| {
        credit(map_refund(
            r,
            &refunds,
            SaleOrderState::Posted(&posted),
            &config(),
        ))
    };
    assert_eq!(
        map(&first).lines()[0].stock,
        vec![StockMovement {
            units: 2,
            effect: StockEffect::RemoveFromOrder
        }]
    );
    let second = map(&second);
    assert_eq!(second.total(), usd(645));
    assert_eq!(
        second.lines()[0].stock,
        vec![StockMovement {
            units: 1,
            effect: StockEffect::Restock {
                location: warehouse()
            }
        }]
    );
}

#[test]
fn cancel_of_dispatched_units_is_an_exception_for_operations() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(22), 2);
    let found = rejected(decide(
        "tax_excluded_free_shipping",
        refund(
            vec![line(22, 2, "CANCEL", "12.00", "0.90", "USD")],
            "12.90",
            "USD",
        ),
        &posted,
    ));
    assert_eq!(found.len(), 1);
    assert!(matches!(
        &found[0],
        RefundException::CancelOfDispatchedUnits {
            cancelled: 2,
            open: 1,
            ..
        }
    ));
    assert_eq!(found[0].owner(), Owner::Operations);
    assert_eq!(found[0].code(), "cancel_of_dispatched_units");
    assert!(found[0].subject().contains(&RecordRef::ShopifyRefund {
        id: crate::shopify::RefundId::from_numeric(900)
    }));
}

#[test]
fn adjustments_are_negated_and_a_small_difference_is_posted() {
    // A restocking fee kept: the order adjustment is +2.00 from the order's side (2.00 less
    // paid back); Shopify's total is one cent off the parts.
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(21), 1);
    let mut r = refund(
        vec![line(21, 1, "RETURN", "80.00", "6.00", "USD")],
        "84.01",
        "USD",
    );
    r["orderAdjustments"]["nodes"] = json!([{
        "id": "gid://shopify/OrderAdjustment/1", "reason": "RESTOCK",
        "amountSet": money("2.00", "USD"), "taxAmountSet": money("0.00", "USD"),
    }]);
    let draft = credit(decide("tax_excluded_free_shipping", r, &posted));
    let charges: Vec<(CreditChargeKind, Money)> =
        draft.charges().iter().map(|c| (c.kind, c.amount)).collect();
    assert_eq!(
        charges,
        vec![
            (CreditChargeKind::Adjustment, usd(-200)),
            (CreditChargeKind::Difference, usd(1)),
        ]
    );
    assert_eq!(draft.total(), usd(8401));
    assert_eq!(sum_of_parts(&draft), draft.total());
    let body = draft.to_new_credit_note();
    assert_eq!(body.items[1].account.as_deref(), Some("4099"));
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let mut r = refund(
        vec![
            line(99, 1, "RETURN", "1.00", "0.00", "USD"),
            line(22, 4, "RETURN", "24.00", "0.00", "USD"),
            line(21, 0, "RETURN", "0.00", "0.00", "USD"),
            line(21, 1, "SOMETHING_NEW", "80.00", "6.00", "USD"),
            line(22, 1, "RETURN", "6.001", "0.45", "USD"),
        ],
        "200.00",
        "USD",
    );
    r["duties"] = json!([{"amountSet": money("3.00", "USD"), "originalDuty": null}]);
    let cfg = RefundMappingConfig::new(CurrencyPolicy::ShopMoney);
    let found = rejected(decide_with(
        "tax_excluded_free_shipping",
        r,
        json!([]),
        &posted,
        &cfg,
    ));
    let codes: Vec<&str> = found.iter().map(DomainException::code).collect();
    assert_eq!(
        codes,
        vec![
            "line_not_posted",
            "more_units_than_posted",
            "invalid_value",
            "unknown_restock_type",
            "invalid_value",
            "unmapped_account",
        ]
    );
    assert!(found[4].reason().contains("refundLineItems[4].subtotalSet"));
}

#[test]
fn totals_that_do_not_balance_and_incomplete_refunds_are_refused() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let found = rejected(decide(
        "tax_excluded_free_shipping",
        refund(
            vec![line(22, 1, "RETURN", "6.00", "0.45", "USD")],
            "7.45",
            "USD",
        ),
        &posted,
    ));
    assert!(matches!(
        &found[..],
        [RefundException::DoesNotBalance { parts, total, .. }] if *parts == usd(645) && *total == usd(745)
    ));
    assert_eq!(found[0].owner(), Owner::Finance);

    let mut r = refund(
        vec![line(22, 1, "RETURN", "6.00", "0.45", "USD")],
        "6.45",
        "USD",
    );
    r["refundLineItems"]["pageInfo"] = json!({"hasNextPage": true, "endCursor": "c1"});
    let found = rejected(decide("tax_excluded_free_shipping", r, &posted));
    assert!(matches!(
        &found[..],
        [RefundException::IncompleteRefund { .. }]
    ));
}

#[test]
fn presentment_money_is_never_mixed_with_shop_money() {
    // The scarf order: shop GBP, presentment EUR. Posted in GBP, mapped with the EUR policy.
    let posted = posted("multi_currency", CurrencyPolicy::ShopMoney);
    let mut r = refund(vec![], "29.00", "EUR");
    r["refundLineItems"]["nodes"] = json!([{
        "lineItem": {"id": "gid://shopify/LineItem/31", "sku": "SCARF-GREY"},
        "quantity": 1, "restockType": "NO_RESTOCK", "restocked": false, "location": null,
        "subtotalSet": bag("25.00", "29.00", "GBP", "EUR"),
        "totalTaxSet": bag("4.17", "4.83", "GBP", "EUR"),
    }]);
    r["totalRefundedSet"] = bag("25.00", "29.00", "GBP", "EUR");
    let eur = RefundMappingConfig::new(CurrencyPolicy::PresentmentMoney);
    let found = rejected(decide_with(
        "multi_currency",
        r.clone(),
        json!([]),
        &posted,
        &eur,
    ));
    assert!(
        found
            .iter()
            .all(|e| matches!(e, RefundException::OtherCurrency { .. }))
    );
    // In shop money it balances in GBP.
    let draft = credit(decide("multi_currency", r.clone(), &posted));
    assert_eq!(draft.total(), gbp(2500));
    // Posted in EUR and mapped in EUR, it balances in EUR.
    let posted_eur = self::posted("multi_currency", CurrencyPolicy::PresentmentMoney);
    let draft = credit(decide_with(
        "multi_currency",
        r,
        json!([]),
        &posted_eur,
        &eur,
    ));
    assert_eq!(
        draft.total(),
        Money::new(Decimal::new(2900, 2), CurrencyCode::EUR)
    );
    assert_eq!(draft.lines()[0].net.currency(), CurrencyCode::EUR);
}

#[test]
fn a_refund_with_nothing_to_credit() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    assert_eq!(
        decide(
            "tax_excluded_free_shipping",
            refund(vec![], "0.00", "USD"),
            &posted
        ),
        Ok(RefundDecision::NothingToCredit)
    );
}

#[test]
fn drafts_round_trip_as_work_items() {
    let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney);
    let draft = credit(decide(
        "tax_excluded_free_shipping",
        refund(
            vec![line(22, 1, "RETURN", "6.00", "0.45", "USD")],
            "6.45",
            "USD",
        ),
        &posted,
    ));
    let text = serde_json::to_string(&draft).unwrap();
    assert_eq!(serde_json::from_str::<CreditDraft>(&text).unwrap(), draft);
}

// ----- property: every draft balances to totalRefundedSet, in one currency -----

fn cents(n: i64) -> String {
    Decimal::new(n, 2).to_string()
}

prop_compose! {
    /// A refund of the multi-currency order (shop GBP, presentment EUR): scarf units,
    /// shipping, an adjustment, and a total within a few cents of the parts in each
    /// currency.
    fn arbitrary_refund()(
        units in 0_i64..=1,
        line in (0_i64..3000, 0_i64..600, 0_i64..3500, 0_i64..700),
        shipping in (0_i64..500, 0_i64..100, 0_i64..600, 0_i64..120),
        adjustment in (-300_i64..300, -300_i64..300),
        off in (-5_i64..=5, -5_i64..=5),
        restock in prop::sample::select(vec!["RETURN", "NO_RESTOCK", "CANCEL"]),
    ) -> (Value, i64, i64) {
        let (sub_g, tax_g, sub_e, tax_e) = line;
        let (ship_g, stax_g, ship_e, stax_e) = shipping;
        let (adj_g, adj_e) = adjustment;
        let mut r = refund(vec![], "0", "GBP");
        let mut parts_g = -adj_g;
        let mut parts_e = -adj_e;
        if units > 0 {
            // VAT included: the subtotal holds the tax.
            let (sub_g, sub_e) = (sub_g.max(tax_g), sub_e.max(tax_e));
            parts_g += sub_g;
            parts_e += sub_e;
            r["refundLineItems"]["nodes"] = json!([{
                "lineItem": {"id": "gid://shopify/LineItem/31", "sku": "SCARF-GREY"},
                "quantity": units, "restockType": restock, "restocked": false,
                "location": {"id": "gid://shopify/Location/1"},
                "subtotalSet": bag(&cents(sub_g), &cents(sub_e), "GBP", "EUR"),
                "totalTaxSet": bag(&cents(tax_g), &cents(tax_e), "GBP", "EUR"),
            }]);
        }
        let (ship_g, ship_e) = (ship_g.max(stax_g), ship_e.max(stax_e));
        parts_g += ship_g;
        parts_e += ship_e;
        r["refundShippingLines"]["nodes"] = json!([{
            "shippingLine": null,
            "subtotalAmountSet": bag(&cents(ship_g), &cents(ship_e), "GBP", "EUR"),
            "taxAmountSet": bag(&cents(stax_g), &cents(stax_e), "GBP", "EUR"),
        }]);
        r["orderAdjustments"]["nodes"] = json!([{
            "id": null, "reason": "REFUND_DISCREPANCY",
            "amountSet": bag(&cents(adj_g), &cents(adj_e), "GBP", "EUR"),
            "taxAmountSet": bag("0", "0", "GBP", "EUR"),
        }]);
        let (total_g, total_e) = (parts_g + off.0, parts_e + off.1);
        r["totalRefundedSet"] = bag(&cents(total_g), &cents(total_e), "GBP", "EUR");
        (r, total_g, total_e)
    }
}

proptest! {
    #[test]
    fn every_credit_draft_balances_to_the_refund_total((r, total_g, total_e) in arbitrary_refund()) {
        for (policy, currency, total) in [
            (CurrencyPolicy::ShopMoney, CurrencyCode::GBP, total_g),
            (CurrencyPolicy::PresentmentMoney, CurrencyCode::EUR, total_e),
        ] {
            let posted = posted("multi_currency", policy);
            let cfg = RefundMappingConfig::new(policy)
                .with_shipping_account(GlAccountCode::new("4090").unwrap())
                .with_adjustments(ChargeAccount::new(
                    ItemId::new("i-adjust").unwrap(),
                    GlAccountCode::new("4099").unwrap(),
                ))
                .with_default_restock_location(warehouse());
            match decide_with("multi_currency", r.clone(), json!([]), &posted, &cfg) {
                Ok(RefundDecision::Credit(draft)) => {
                    let expected = Money::new(Decimal::new(total, 2), currency);
                    prop_assert_eq!(draft.total(), expected);
                    prop_assert_eq!(sum_of_parts(&draft), expected);
                    for l in draft.lines() {
                        prop_assert_eq!(l.net.currency(), currency);
                        prop_assert_eq!(l.tax.currency(), currency);
                    }
                    if let Some(s) = draft.shipping() {
                        prop_assert_eq!(s.amount.currency(), currency);
                    }
                    for c in draft.charges() {
                        prop_assert_eq!(c.amount.currency(), currency);
                    }
                }
                Ok(RefundDecision::NothingToCredit) => prop_assert_eq!(total, 0),
                Ok(other) => prop_assert!(false, "unexpected {:?}", other),
                Err(rejection) => {
                    // Only a difference above the limit (never with these inputs) or a
                    // CANCEL of units that shipped (none dispatched here) may refuse.
                    prop_assert!(false, "refused {:?}", rejection.exceptions);
                }
            }
        }
    }
}

#[test]
fn dispatched_units_add_up_every_dispatch_and_count_whole_bundles() {
    use crate::domain::fulfilment::{BundleComponent, Dispatch};
    use crate::shopify::OrderId;
    let dispatch = |id: &str| {
        Dispatch::new(
            id,
            SaleOrderId::new("so-1").unwrap(),
            OrderId::from_numeric(1002),
            warehouse(),
            posted_at(),
        )
    };
    let dispatches = vec![
        dispatch("d-1").item(line_id(22), 1).bundle(
            line_id(30),
            vec![
                BundleComponent::new("CANDLE", 2, 3),
                BundleComponent::new("WICK", 1, 2),
            ],
        ),
        dispatch("d-2")
            .item(line_id(22), 1)
            .item(line_id(21), 1)
            .bundle(
                line_id(30),
                vec![
                    BundleComponent::new("CANDLE", 2, 1),
                    BundleComponent::new("WICK", 1, 0),
                ],
            ),
    ];
    // Socks 1 + 1; sneaker 1; the bundle: 4 candles (2 each) and 2 wicks make 2 whole bundles.
    let units = dispatched_units(&dispatches);
    assert_eq!(
        units.into_iter().collect::<Vec<_>>(),
        vec![(line_id(21), 1), (line_id(22), 2), (line_id(30), 2)]
    );
    // The facts take them, replacing what was there.
    let facts = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
        .with_dispatched(line_id(99), 5)
        .with_dispatches(&dispatches);
    assert_eq!(facts.dispatched_units.get(&line_id(22)), Some(&2));
    assert_eq!(facts.dispatched_units.get(&line_id(99)), None);
    // A bundle with only 3 candles sent (1 whole bundle) and nothing else.
    let one = vec![dispatch("d-3").bundle(
        line_id(30),
        vec![
            BundleComponent::new("CANDLE", 2, 3),
            BundleComponent::new("WICK", 1, 1),
        ],
    )];
    assert_eq!(dispatched_units(&one).get(&line_id(30)), Some(&1));
    assert!(dispatched_units(&[]).is_empty());
}

proptest! {
    /// However an order's refunds split a line, the units credited never exceed the units
    /// posted, and a refund is refused exactly when it would take more than is left; the
    /// undispatched units are taken off the order at most once.
    #[test]
    fn refunds_never_credit_more_units_than_were_posted(
        quantities in proptest::collection::vec(1i64..=3, 1..6),
        dispatched in 0i64..=3,
    ) {
        // Socks: 3 posted at 6.00 + 0.45 a pair.
        let posted = posted("tax_excluded_free_shipping", CurrencyPolicy::ShopMoney)
            .with_dispatched(line_id(22), dispatched);
        let refunds: Vec<Refund> = quantities
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let subtotal = format!("{}.00", 6 * q);
                let tax = cents(45 * q);
                let total = cents(645 * q);
                refund_numbered(
                    910 + i as u64,
                    i64::try_from(i).unwrap(),
                    vec![line(22, *q, "RETURN", &subtotal, &tax, "USD")],
                    &total,
                )
            })
            .collect();
        let order = order_refunds("tax_excluded_free_shipping", refunds.clone(), json!([]));
        let (mut credited, mut off_the_order) = (0i64, 0i64);
        for (r, q) in refunds.iter().zip(&quantities) {
            match map_refund(r, &order, SaleOrderState::Posted(&posted), &config()) {
                Ok(RefundDecision::Credit(draft)) => {
                    prop_assert!(credited + q <= 3);
                    credited += q;
                    off_the_order += draft.lines()[0]
                        .stock
                        .iter()
                        .filter(|m| m.effect == StockEffect::RemoveFromOrder)
                        .map(|m| m.units)
                        .sum::<i64>();
                }
                Err(rejection) => {
                    prop_assert!(credited + q > 3, "{:?}", rejection);
                    prop_assert_eq!(rejection.exceptions.len(), 1);
                    prop_assert_eq!(rejection.exceptions[0].code(), "more_units_than_posted");
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
        prop_assert!(credited <= 3);
        prop_assert_eq!(off_the_order, credited.min(3 - dispatched));
    }
}
