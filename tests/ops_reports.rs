//! The health report counts exactly, sorts the stuck orders oldest first, and renders both
//! forms without script; built from lifecycles made by hand.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use stokly_shopify::domain::exception::{Owner, Severity};
use stokly_shopify::domain::lifecycle::{
    HoldFact, LifecycleConfig, OrderFacts, Stage, assess_lifecycle,
};
use stokly_shopify::ops::{HealthInputs, HealthReport};
use stokly_shopify::shopify::OrderId;
use stokly_shopify::stokly::SaleOrderId;

fn at(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap() + TimeDelta::hours(hours)
}

#[test]
fn counts_stages_owners_and_days_and_lists_oldest_first() {
    let now = at(100);
    let config = LifecycleConfig::default();
    let facts = [
        // Complete.
        OrderFacts::captured(OrderId::from_numeric(1), "#1", at(0))
            .posted(SaleOrderId::new("s1").unwrap(), at(0))
            .reserved(at(0))
            .released(at(1))
            .dispatched(at(2))
            .fulfilled(at(2))
            .paid_out(at(48))
            .journaled(at(49)),
        // Not posted for 99.5 hours, then (older) on hold.
        OrderFacts::captured(OrderId::from_numeric(2), "#2", at(10)),
        OrderFacts::captured(OrderId::from_numeric(3), "#3", at(5))
            .posted(SaleOrderId::new("s3").unwrap(), at(5))
            .reserved(at(5))
            .with_hold(HoldFact::new("OTHER", at(5))),
        // In progress.
        OrderFacts::captured(
            OrderId::from_numeric(4),
            "#4",
            at(100) - TimeDelta::minutes(10),
        ),
    ];
    let lifecycles: Vec<_> = facts
        .iter()
        .map(|f| assess_lifecycle(f, &config, now))
        .collect();
    let report = HealthReport::build(
        &HealthInputs {
            lifecycles: &lifecycles,
            ..HealthInputs::default()
        },
        now,
    );
    assert_eq!(report.orders, 4);
    assert_eq!(report.complete, 1);
    assert_eq!(report.stuck_orders, 2);
    assert_eq!(report.per_stage[&Stage::Captured], 2);
    assert_eq!(report.per_stage[&Stage::Reserved], 1);
    assert_eq!(report.per_stage[&Stage::Journaled], 1);
    assert_eq!(report.per_stage[&Stage::Posted], 0);
    // #3: released due at 13 h, paid out due at 101 h (not yet); #2: posted due at 10.5 h.
    let order: Vec<(&str, Stage)> = report
        .stuck
        .iter()
        .map(|s| (s.name.as_str(), s.stage))
        .collect();
    assert_eq!(order, vec![("#2", Stage::Posted), ("#3", Stage::Released)]);
    assert_eq!(report.stuck_by_owner[&Owner::Operations], 1);
    assert_eq!(report.stuck_by_owner[&Owner::Ecommerce], 1);
    assert_eq!(report.open(Owner::Operations, Severity::Blocking), 1);
    assert_eq!(report.open(Owner::Ecommerce, Severity::Warning), 1);
    assert_eq!(report.exceptions, 2);
    let day = at(0).date_naive();
    assert_eq!(report.by_day[&day].complete, 1);
    assert_eq!(report.by_day[&day].stuck, 2);
    assert_eq!(report.by_day[&(day + chrono::Days::new(4))].in_progress, 1);

    let markdown = report.to_markdown();
    assert!(
        markdown.contains(
            "| \\#2 | Posted to Stokly | 2026-03-10 10:30 | 3 d | not known | Operations |"
        ),
        "{markdown}"
    );
    let html = report.to_html();
    assert!(html.contains("<svg") && html.contains("on hold (OTHER)"));
    assert!(!html.contains("<script") && !html.contains("http-equiv") && !html.contains("src="));
    let short = report.clone().with_max_rows(1).to_markdown();
    assert!(short.contains("... and 1 more"));
    assert!(
        report
            .summary()
            .starts_with("Orders: 4 (1 complete, 1 in progress, 2 stuck)")
    );
}
