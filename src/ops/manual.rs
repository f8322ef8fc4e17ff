//! The operations manual: where each piece of data lives, the daily and weekly checks, and
//! what each team owns and how it resolves it. Written for the people running the business,
//! generated from the [exception catalogue](crate::domain::exception_catalogue) and the
//! lifecycle's expected times, so it never lists a kind the crate does not report or misses
//! one it does.

use std::fmt::Write as _;

use crate::domain::exception::{Owner, Severity};
use crate::domain::exception_catalogue::{CATALOGUE, Cadence, Check, ExceptionKind};
use crate::domain::lifecycle::{LifecycleConfig, Stage};
use crate::domain::report::{html, markdown_cell};

/// A piece of the manual, rendered as Markdown or HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading(u8, String),
    Para(String),
    List(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
}

/// The generated operations manual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationsManual {
    blocks: Vec<Block>,
}

/// Where each kind of record is kept, and who keeps it right.
const DATA: &[(&str, &str, &str, Owner)] = &[
    (
        "Products, items and SKUs",
        "Stokly",
        "Shopify shows the variants Stokly's items are listed as; the SKU must be exactly equal on both sides.",
        Owner::Operations,
    ),
    (
        "Storefront products, variants, photos and options",
        "Shopify",
        "Stokly does not hold them; the product push can create variants from Stokly listings.",
        Owner::Ecommerce,
    ),
    (
        "Stock levels",
        "Stokly",
        "Shopify shows Stokly's stock less a safety buffer, pushed after every change and in full on a schedule. Never edit stock in Shopify.",
        Owner::Operations,
    ),
    (
        "Locations",
        "Stokly",
        "Each Shopify location is mapped to the Stokly location(s) that feed it. An unmapped location gets no stock and its orders cannot be reserved.",
        Owner::Operations,
    ),
    (
        "Checkout, payments and captures",
        "Shopify",
        "Stokly receives the paid order as a sale order with its payment.",
        Owner::Ecommerce,
    ),
    (
        "Sale orders and their reservations",
        "Stokly",
        "Created from each paid Shopify order, exactly once; Stokly allocates stock and dispatches.",
        Owner::Operations,
    ),
    (
        "Dispatches and tracking",
        "Stokly",
        "Sent to Shopify as fulfilments, so the customer gets the tracking.",
        Owner::Operations,
    ),
    (
        "Refunds",
        "Shopify",
        "Each refund becomes a credit document in Stokly against the original sale order.",
        Owner::Finance,
    ),
    (
        "Credit documents",
        "Stokly",
        "The accounting record of every refund.",
        Owner::Finance,
    ),
    (
        "Payouts and fees",
        "Shopify",
        "Shopify Payments pays out in batches; each payout becomes one balanced journal in Stokly.",
        Owner::Finance,
    ),
    (
        "Journals and the chart of accounts",
        "Stokly",
        "Tax, fee and payout accounts are mapped in the connector's account maps.",
        Owner::Finance,
    ),
];

fn owns(owner: Owner) -> &'static str {
    match owner {
        Owner::Finance => {
            "Money: taxes and their accounts, payments that do not add up, refunds that need a \
             credit document, and Shopify Payments payouts that must become journals. Finance \
             runs the payout check every day."
        }
        Owner::Operations => {
            "Stock and the warehouse: Stokly items and their stock, locations and their \
             mapping, sale orders that are not reserved, released or dispatched in time, and \
             dispatches that do not reach Shopify. Operations runs the stuck orders, fulfilment \
             and stock push checks every day and the drift report every week."
        }
        Owner::Ecommerce => {
            "The storefront: Shopify products and variants, their SKUs, holds on orders, and \
             orders that could not be posted because of a SKU. Ecommerce runs the order queue \
             every day and the catalogue audit every week."
        }
    }
}

fn hours(delta: chrono::TimeDelta) -> String {
    let minutes = delta.num_minutes();
    if minutes % (24 * 60) == 0 && minutes >= 24 * 60 {
        let days = minutes / (24 * 60);
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    } else if minutes % 60 == 0 {
        let h = minutes / 60;
        format!("{h} hour{}", if h == 1 { "" } else { "s" })
    } else {
        format!("{minutes} minutes")
    }
}

fn kinds_of(check: Check) -> impl Iterator<Item = &'static ExceptionKind> {
    CATALOGUE.iter().filter(move |k| k.check == check)
}

impl OperationsManual {
    /// Writes the manual for the given expected times.
    #[must_use]
    pub fn generate(config: &LifecycleConfig) -> Self {
        let mut b = Vec::new();
        b.push(Block::Heading(
            1,
            "Shopify and Stokly: operations manual".into(),
        ));
        b.push(Block::Para(
            "Shopify sells; Stokly is the record of items, stock and money. The connector \
             moves each paid order from Shopify into Stokly, sends stock and tracking back, \
             turns refunds into credit documents and payouts into journals. When a record \
             cannot go through, it is never dropped: it becomes an exception with an owner, a \
             reason and a fix. This manual says where each piece of data lives, what to check \
             every day and every week, and what each team owns."
                .into(),
        ));

        b.push(Block::Heading(2, "Where each piece of data lives".into()));
        b.push(Block::Para(
            "Change a record only in the system that is its master; the connector copies it \
             to the other side, and a change made on the copy is overwritten or causes an \
             exception."
                .into(),
        ));
        b.push(Block::Table(
            vec![
                "Data".into(),
                "Master".into(),
                "How it reaches the other side".into(),
                "Kept right by".into(),
            ],
            DATA.iter()
                .map(|(what, master, how, owner)| {
                    vec![
                        (*what).into(),
                        (*master).into(),
                        (*how).into(),
                        owner.label().into(),
                    ]
                })
                .collect(),
        ));

        b.push(Block::Heading(2, "An order's journey".into()));
        b.push(Block::Para(
            "Every order passes these stages. Each has an expected time, counted from the \
             stage before it. An order past it is stuck: the health report lists it with the \
             stage it waits for, the reason when known and the team that acts. The worst \
             case is an order posted to Stokly that never reserved stock (a SKU mismatch or \
             a missing location mapping): nothing failed loudly, so only this check finds it."
                .into(),
        ));
        let mut rows = Vec::new();
        for stage in Stage::ALL.into_iter().skip(1) {
            let from = stage
                .after()
                .map_or_else(|| "The refund".to_owned(), |s| s.label().to_owned());
            rows.push(vec![
                stage.label().into(),
                hours(config.expected(stage)),
                from,
                stage.default_owner().label().into(),
            ]);
        }
        b.push(Block::Table(
            vec![
                "Stage".into(),
                "Expected within".into(),
                "Counted from".into(),
                "Owner when stuck (unless the reason names another)".into(),
            ],
            rows,
        ));

        for cadence in [Cadence::Daily, Cadence::Weekly] {
            b.push(Block::Heading(2, format!("{} checks", cadence.label())));
            for check in Check::ALL.into_iter().filter(|c| c.cadence() == cadence) {
                b.push(Block::Heading(
                    3,
                    format!("{} ({})", check.title(), check.owner()),
                ));
                b.push(Block::Para(check.how().into()));
                let kinds: Vec<String> = kinds_of(check)
                    .filter(|k| k.severity == Severity::Blocking)
                    .map(|k| k.meaning.to_owned())
                    .collect();
                let total = kinds_of(check).count();
                b.push(Block::Para(format!(
                    "It finds {total} kinds of exception; {} of them stop records until fixed. \
                     Each team's section below says how to resolve them.",
                    kinds.len()
                )));
            }
        }

        b.push(Block::Heading(2, "Who owns what".into()));
        for owner in [Owner::Operations, Owner::Ecommerce, Owner::Finance] {
            b.push(Block::Heading(3, owner.label().into()));
            b.push(Block::Para(owns(owner).into()));
            let checks: Vec<String> = Check::ALL
                .into_iter()
                .filter(|c| c.owner() == owner)
                .map(|c| format!("{} check: {}", c.cadence().label(), c.title()))
                .collect();
            if !checks.is_empty() {
                b.push(Block::List(checks));
            }
            let mut kinds: Vec<&ExceptionKind> =
                CATALOGUE.iter().filter(|k| k.owner == owner).collect();
            kinds.sort_by_key(|k| (k.severity, k.check, k.flow, k.code));
            b.push(Block::Table(
                vec![
                    "Exception".into(),
                    "Severity".into(),
                    "What it means".into(),
                    "How to resolve it".into(),
                    "Found by".into(),
                ],
                kinds
                    .iter()
                    .map(|k| {
                        vec![
                            format!("{}/{}", k.flow, k.code),
                            k.severity.label().into(),
                            k.meaning.into(),
                            k.fix.into(),
                            k.check.title().into(),
                        ]
                    })
                    .collect(),
            ));
        }

        b.push(Block::Heading(2, "Severities".into()));
        b.push(Block::List(vec![
            "Blocking: records stop (an order is not posted, a payout not journaled) until it is fixed. Clear these first.".into(),
            "Warning: records go through, but stock, prices or reports drift until it is fixed.".into(),
            "Info: noted so someone knows; nothing goes wrong.".into(),
        ]));
        b.push(Block::Para(
            "An exception that is no longer reported has been resolved: the connector finds \
             the same problem under the same key on every run, so a queue shows each problem \
             once and drops it when it is gone."
                .into(),
        ));
        Self { blocks: b }
    }

    /// The manual as Markdown.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let _ = writeln!(out, "{} {text}\n", "#".repeat(usize::from(*level)));
                }
                Block::Para(text) => {
                    let _ = writeln!(out, "{text}\n");
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(out, "- {item}");
                    }
                    out.push('\n');
                }
                Block::Table(head, rows) => {
                    let cells = |row: &[String]| {
                        row.iter()
                            .map(|c| markdown_cell(c))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    };
                    let _ = writeln!(out, "| {} |", cells(head));
                    let _ = writeln!(out, "|{}", " --- |".repeat(head.len()));
                    for row in rows {
                        let _ = writeln!(out, "| {} |", cells(row));
                    }
                    out.push('\n');
                }
            }
        }
        out
    }

    /// The manual as one self-contained HTML page (inline style, no script).
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Shopify and Stokly: operations manual</title>\n<style>\
             body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;line-height:1.45;color:#222;padding:0 1em}\
             table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}\
             td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
             th{background:#f2f4f7}h2{border-bottom:2px solid #3b6ea8;padding-bottom:.2em;margin-top:2em}\
             </style></head><body>\n",
        );
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let _ = writeln!(out, "<h{level}>{}</h{level}>", html(text));
                }
                Block::Para(text) => {
                    let _ = writeln!(out, "<p>{}</p>", html(text));
                }
                Block::List(items) => {
                    out.push_str("<ul>");
                    for item in items {
                        let _ = write!(out, "<li>{}</li>", html(item));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(head, rows) => {
                    out.push_str("<table><tr>");
                    for h in head {
                        let _ = write!(out, "<th>{}</th>", html(h));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for c in row {
                            let _ = write!(out, "<td>{}</td>", html(c));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
            }
        }
        out.push_str("</body></html>\n");
        out
    }
}
