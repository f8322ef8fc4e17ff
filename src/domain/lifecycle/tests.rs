#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;
use crate::domain::exception::{
    DomainException, ExceptionRecord, Flow, Owner, RecordRef, Severity,
};
use crate::shopify::{BalanceTransactionId, LocationId, OrderId, ProductVariantId, RefundId};
use crate::stokly::SaleOrderId;

fn at(hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + TimeDelta::hours(hour)
}

fn order(n: u64) -> OrderFacts {
    OrderFacts::captured(OrderId::from_numeric(n), format!("#{n}"), at(0))
}

fn so(n: u64) -> SaleOrderId {
    SaleOrderId::new(format!("so-{n}")).unwrap()
}

#[test]
fn a_complete_order_is_at_journaled_and_not_stuck() {
    let facts = order(1)
        .posted(so(1), at(0))
        .reserved(at(0))
        .released(at(1))
        .dispatched(at(5))
        .fulfilled(at(6))
        .paid_out(at(48))
        .journaled(at(50))
        .with_refund(RefundFact::new(RefundId::from_numeric(9), at(20)).credited(at(21)));
    let life = assess_lifecycle(&facts, &LifecycleConfig::default(), at(500));
    assert_eq!(life.stage, Stage::Journaled);
    assert!(life.complete);
    assert!(life.stuck.is_empty());
}

#[test]
fn posted_but_not_reserved_is_the_silent_failure_with_its_cause() {
    let facts = order(2)
        .posted(so(2), at(0))
        .with_unreserved_line(UnreservedLine::new(
            "MUG-01",
            UnreservedCause::MissingLocationMapping {
                location: LocationId::from_numeric(7),
            },
        ));
    let config = LifecycleConfig::default();
    // Inside the hour: not stuck yet.
    assert!(assess_lifecycle(&facts, &config, at(1)).stuck.is_empty());
    let life = assess_lifecycle(&facts, &config, at(3));
    assert_eq!(life.stage, Stage::Posted);
    assert!(!life.complete);
    let stuck = life.first_stuck().unwrap();
    assert!(stuck.is_posted_not_reserved());
    assert_eq!(stuck.code(), "posted_not_reserved");
    assert_eq!(stuck.owner, Owner::Operations);
    assert_eq!(stuck.due, at(1));
    assert_eq!(stuck.overdue, TimeDelta::hours(2));
    assert_eq!(
        stuck.reason,
        Some(StuckReason::MissingLocationMapping {
            location: Some(RecordRef::ShopifyLocation {
                id: LocationId::from_numeric(7)
            })
        })
    );
    // Payout clock runs beside it: not due for four days.
    assert_eq!(life.stuck.len(), 1);
}

#[test]
fn a_rejected_sku_holds_posting_and_ecommerce_owns_it() {
    let record = ExceptionRecord {
        flow: Flow::Order,
        code: "unknown_sku".into(),
        owner: Owner::Ecommerce,
        severity: Severity::Blocking,
        subject: vec![
            RecordRef::ShopifyOrder {
                id: OrderId::from_numeric(3),
                name: "#3".into(),
            },
            RecordRef::ShopifyVariant {
                id: ProductVariantId::from_numeric(30),
                sku: Some("TEE-RED".into()),
            },
        ],
        reason: String::new(),
        fix_hint: String::new(),
    };
    let facts = order(3).with_exception(record);
    let life = assess_lifecycle(&facts, &LifecycleConfig::default(), at(2));
    assert_eq!(life.stage, Stage::Captured);
    let stuck = &life.stuck[0];
    assert_eq!(stuck.stage, Stage::Posted);
    assert_eq!(stuck.code(), "not_posted");
    assert_eq!(stuck.owner, Owner::Ecommerce);
    assert_eq!(
        stuck.reason,
        Some(StuckReason::SkuMismatch {
            sku: Some("TEE-RED".into())
        })
    );
    let record = stuck.to_record();
    assert_eq!(record.flow, Flow::Lifecycle);
    assert_eq!(record.key(), "lifecycle/not_posted/gid://shopify/Order/3");
    assert!(
        record.reason.contains("1.5 h past due"),
        "{}",
        record.reason
    );
}

#[test]
fn holds_refunds_and_payout_lines_each_name_their_owner() {
    let facts = order(4)
        .posted(so(4), at(0))
        .reserved(at(0))
        .with_hold(HoldFact::new("HIGH_RISK_OF_FRAUD", at(0)))
        .paid_out(at(50))
        .with_unmatched_payout_line(BalanceTransactionId::from_numeric(44))
        .with_refund(RefundFact::new(RefundId::from_numeric(40), at(10)));
    let life = assess_lifecycle(&facts, &LifecycleConfig::default(), at(80));
    let found: Vec<(Stage, Owner)> = life.stuck.iter().map(|s| (s.stage, s.owner)).collect();
    assert_eq!(
        found,
        vec![
            (Stage::Released, Owner::Ecommerce),
            (Stage::Journaled, Owner::Finance),
            (Stage::Credited, Owner::Finance),
        ]
    );
    assert_eq!(
        life.stuck[0].reason,
        Some(StuckReason::OnHold {
            hold: "HIGH_RISK_OF_FRAUD".into()
        })
    );
    assert_eq!(
        life.stuck[1].reason,
        Some(StuckReason::UnmatchedPayoutLine {
            transaction: BalanceTransactionId::from_numeric(44)
        })
    );
    assert_eq!(life.stuck[2].due, at(34));
    assert_eq!(life.stuck[2].code(), "refund_not_credited");
}

#[test]
fn expected_times_are_configurable() {
    let facts = order(5).posted(so(5), at(0)).reserved(at(0));
    let tight = LifecycleConfig::default().with_expected(Stage::Released, TimeDelta::hours(1));
    assert!(
        assess_lifecycle(&facts, &LifecycleConfig::default(), at(2))
            .stuck
            .is_empty()
    );
    let life = assess_lifecycle(&facts, &tight, at(2));
    assert_eq!(life.stuck[0].stage, Stage::Released);
    assert_eq!(life.stuck[0].owner, Owner::Operations);
    assert_eq!(life.stuck[0].reason, None);
}
