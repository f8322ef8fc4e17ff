//! The daily health report: one page an operations manager reads to see whether every order
//! got through, not only whether the sync ran.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use super::svg::{Bar, Column, horizontal_bars, stacked_columns};
use crate::domain::catalogue::CatalogueAudit;
use crate::domain::exception::{DomainException, ExceptionRecord, Flow, Owner, Severity};
use crate::domain::exception_catalogue::{Check, lookup};
use crate::domain::inventory::{DriftCause, DriftReport};
use crate::domain::lifecycle::{OrderLifecycle, Stage, StuckOrder};
use crate::domain::payout::{PayoutAction, PayoutReconciliation};
use crate::domain::report::{html, markdown_cell};
use crate::shopify::PayoutId;

/// What the health report is made from. Every field is optional: a report without a drift
/// report or an audit says so.
#[derive(Debug, Clone, Copy, Default)]
pub struct HealthInputs<'a> {
    /// The lifecycle of every order in the window (see
    /// [`assess_lifecycle`](crate::domain::lifecycle::assess_lifecycle)).
    pub lifecycles: &'a [OrderLifecycle],
    /// Other open exceptions (order rejections, order changes, fulfilment, refunds...).
    pub exceptions: &'a [ExceptionRecord],
    /// The latest inventory drift report.
    pub drift: Option<&'a DriftReport>,
    /// The latest catalogue audit.
    pub audit: Option<&'a CatalogueAudit>,
    /// The latest reconciliation of each payout.
    pub payouts: &'a [PayoutReconciliation],
}

/// A payout that is not reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnreconciledPayout {
    /// The payout.
    pub payout: PayoutId,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Its net, as `12.34 GBP`.
    pub net: String,
    /// Transactions not accounted for.
    pub unmatched_lines: usize,
    /// Blocking findings.
    pub blocking: usize,
}

/// Counts of one day for the trend chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DayCounts {
    /// Orders captured that day and complete.
    pub complete: usize,
    /// Captured that day, in progress within expected times.
    pub in_progress: usize,
    /// Captured that day and stuck somewhere.
    pub stuck: usize,
}

/// The health report. Build it with [`HealthReport::build`]; render it with
/// [`HealthReport::to_markdown`] or [`HealthReport::to_html`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HealthReport {
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// Orders assessed.
    pub orders: usize,
    /// Orders through every stage, refunds credited.
    pub complete: usize,
    /// Orders per stage reached ([`OrderLifecycle::stage`]), every stage of the line listed.
    pub per_stage: BTreeMap<Stage, usize>,
    /// Every stuck stage of every order, oldest due first (then by order name).
    pub stuck: Vec<StuckOrder>,
    /// Orders with at least one stuck stage.
    pub stuck_orders: usize,
    /// Stuck stages per owner.
    pub stuck_by_owner: BTreeMap<Owner, usize>,
    /// Open exceptions of every flow, stuck orders included, each once (by key).
    pub exceptions: usize,
    /// Open exceptions per owner and severity.
    pub by_owner_severity: BTreeMap<Owner, BTreeMap<Severity, usize>>,
    /// Open exceptions per flow and code.
    pub by_kind: BTreeMap<(Flow, String), usize>,
    /// Drift per cause (`None`: no drift report given).
    pub drift_by_cause: Option<BTreeMap<DriftCause, usize>>,
    /// Levels compared by the drift report, and how many were equal.
    pub drift_compared: Option<(usize, usize)>,
    /// The catalogue audit's verdict (`None`: no audit given).
    pub catalogue_verdict: Option<String>,
    /// Payouts not reconciled, oldest first.
    pub unreconciled_payouts: Vec<UnreconciledPayout>,
    /// Payouts given.
    pub payouts: usize,
    /// Orders per capture day (the last 14 days with orders), for the trend chart.
    pub by_day: BTreeMap<NaiveDate, DayCounts>,
    /// The most stuck rows the rendered report lists (the counts always cover all).
    pub max_rows: usize,
}

const DAYS: u64 = 14;

impl HealthReport {
    /// Builds the report at `now`. Linear in the number of orders and exceptions, apart from
    /// sorting the stuck ones.
    #[must_use]
    pub fn build(inputs: &HealthInputs<'_>, now: DateTime<Utc>) -> Self {
        let mut per_stage: BTreeMap<Stage, usize> =
            Stage::LINE.into_iter().map(|s| (s, 0)).collect();
        let mut complete = 0;
        let mut stuck = Vec::new();
        let mut stuck_orders = 0;
        let first_day = now
            .date_naive()
            .checked_sub_days(Days::new(DAYS - 1))
            .unwrap_or(NaiveDate::MIN);
        let mut by_day: BTreeMap<NaiveDate, DayCounts> = BTreeMap::new();
        for life in inputs.lifecycles {
            *per_stage.entry(life.stage).or_default() += 1;
            let day = life.captured_at.date_naive();
            let counts = (day >= first_day).then(|| by_day.entry(day).or_default());
            if life.complete {
                complete += 1;
                if let Some(c) = counts {
                    c.complete += 1;
                }
            } else if life.stuck.is_empty() {
                if let Some(c) = counts {
                    c.in_progress += 1;
                }
            } else {
                stuck_orders += 1;
                if let Some(c) = counts {
                    c.stuck += 1;
                }
            }
            stuck.extend(life.stuck.iter().cloned());
        }
        stuck.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
        let mut stuck_by_owner: BTreeMap<Owner, usize> = BTreeMap::new();
        for s in &stuck {
            *stuck_by_owner.entry(s.owner).or_default() += 1;
        }

        let mut seen: HashSet<String> = HashSet::new();
        let mut by_owner_severity: BTreeMap<Owner, BTreeMap<Severity, usize>> = BTreeMap::new();
        let mut by_kind: BTreeMap<(Flow, String), usize> = BTreeMap::new();
        let mut exceptions = 0;
        let mut count =
            |flow: Flow, code: &str, owner: Owner, severity: Severity, key: Option<String>| {
                if key.is_none_or(|key| seen.insert(key)) {
                    exceptions += 1;
                    *by_owner_severity
                        .entry(owner)
                        .or_default()
                        .entry(severity)
                        .or_default() += 1;
                    match by_kind.get_mut(&(flow, code.to_owned())) {
                        Some(n) => *n += 1,
                        None => {
                            by_kind.insert((flow, code.to_owned()), 1);
                        }
                    }
                }
            };
        // A stuck stage's key is its code and order (see `ExceptionRecord::key`); they are
        // told apart without building each record.
        let mut stuck_seen: HashSet<(&'static str, &str)> = HashSet::with_capacity(stuck.len());
        for s in &stuck {
            if stuck_seen.insert((s.code(), s.order.as_str())) {
                count(s.flow(), s.code(), s.owner, s.severity(), None);
            }
        }
        let mut record =
            |r: &ExceptionRecord| count(r.flow, &r.code, r.owner, r.severity, Some(r.key()));
        inputs.exceptions.iter().for_each(&mut record);
        if let Some(audit) = inputs.audit {
            audit.records().iter().for_each(&mut record);
        }
        if let Some(drift) = inputs.drift {
            drift.findings.iter().for_each(|f| record(&f.to_record()));
        }
        let mut unreconciled = Vec::new();
        for payout in inputs.payouts {
            payout.findings.iter().for_each(|f| record(&f.to_record()));
            let settled = matches!(
                payout.action,
                PayoutAction::Post(_)
                    | PayoutAction::Reverse(_)
                    | PayoutAction::AlreadyPosted
                    | PayoutAction::Wait
                    | PayoutAction::Nothing
            );
            let unmatched = payout.unmatched().count();
            if !settled || unmatched > 0 {
                unreconciled.push(UnreconciledPayout {
                    payout: payout.payout.id.clone(),
                    issued_at: payout.payout.issued_at,
                    net: format!(
                        "{} {}",
                        payout.payout.net.amount(),
                        payout.payout.net.currency().as_str()
                    ),
                    unmatched_lines: unmatched,
                    blocking: payout
                        .findings
                        .iter()
                        .filter(|f| f.severity() == Severity::Blocking)
                        .count(),
                });
            }
        }
        unreconciled.sort_by_key(|a| a.issued_at);

        Self {
            generated_at: now,
            orders: inputs.lifecycles.len(),
            complete,
            per_stage,
            stuck,
            stuck_orders,
            stuck_by_owner,
            exceptions,
            by_owner_severity,
            by_kind,
            drift_by_cause: inputs.drift.map(|d| d.summary.by_cause.clone()),
            drift_compared: inputs
                .drift
                .map(|d| (d.summary.compared, d.summary.in_sync)),
            catalogue_verdict: inputs.audit.map(|a| a.readiness().sentence()),
            unreconciled_payouts: unreconciled,
            payouts: inputs.payouts.len(),
            by_day,
            max_rows: 200,
        }
    }

    /// The same report listing at most `rows` stuck rows when rendered.
    #[must_use]
    pub fn with_max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }

    /// Open exceptions of `owner` and `severity`.
    #[must_use]
    pub fn open(&self, owner: Owner, severity: Severity) -> usize {
        self.by_owner_severity
            .get(&owner)
            .and_then(|m| m.get(&severity))
            .copied()
            .unwrap_or(0)
    }

    /// A few lines for a console or a chat message.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let in_progress = self
            .orders
            .saturating_sub(self.complete)
            .saturating_sub(self.stuck_orders);
        let _ = writeln!(
            out,
            "Orders: {} ({} complete, {} in progress, {} stuck)",
            self.orders, self.complete, in_progress, self.stuck_orders
        );
        let owners: Vec<String> = self
            .stuck_by_owner
            .iter()
            .map(|(o, n)| format!("{o} {n}"))
            .collect();
        if !owners.is_empty() {
            let _ = writeln!(out, "Stuck stages by owner: {}", owners.join(", "));
        }
        let _ = writeln!(
            out,
            "Open exceptions: {} ({} blocking, {} warnings, {} info)",
            self.exceptions,
            self.severity_total(Severity::Blocking),
            self.severity_total(Severity::Warning),
            self.severity_total(Severity::Info)
        );
        if let Some(causes) = &self.drift_by_cause {
            let parts: Vec<String> = causes
                .iter()
                .map(|(c, n)| format!("{} {n}", c.label()))
                .collect();
            let _ = writeln!(
                out,
                "Stock drift: {}",
                if parts.is_empty() {
                    "none".to_owned()
                } else {
                    parts.join(", ")
                }
            );
        }
        let _ = writeln!(
            out,
            "Payouts: {} of {} not reconciled",
            self.unreconciled_payouts.len(),
            self.payouts
        );
        if let Some(verdict) = &self.catalogue_verdict {
            let _ = writeln!(out, "Catalogue: {verdict}");
        }
        out
    }

    fn severity_total(&self, severity: Severity) -> usize {
        self.by_owner_severity
            .values()
            .filter_map(|m| m.get(&severity))
            .sum()
    }

    fn check_of(flow: Flow, code: &str) -> &'static str {
        lookup(flow, code).map_or("", |k| k.check.title())
    }

    /// The report as Markdown.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Operations health report\n\nGenerated {}.\n",
            self.generated_at.format("%Y-%m-%d %H:%M UTC")
        );
        for line in self.summary().lines() {
            let _ = writeln!(out, "- {}", markdown_cell(line));
        }
        out.push_str("\n## Orders per stage\n\n| Stage | Orders |\n| --- | ---: |\n");
        for (stage, n) in &self.per_stage {
            let _ = writeln!(out, "| {} | {n} |", stage.label());
        }
        let _ = writeln!(out, "\n## Stuck orders, oldest first\n");
        if self.stuck.is_empty() {
            out.push_str("None.\n");
        } else {
            out.push_str("| Order | Waits for | Due | Overdue | Reason | Owner |\n");
            out.push_str("| --- | --- | --- | ---: | --- | --- |\n");
            for s in self.stuck.iter().take(self.max_rows) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    markdown_cell(&s.name),
                    s.stage.label(),
                    s.due.format("%Y-%m-%d %H:%M"),
                    overdue(s),
                    markdown_cell(&reason(s)),
                    s.owner
                );
            }
            if self.stuck.len() > self.max_rows {
                let _ = writeln!(
                    out,
                    "\n... and {} more (every one is in the exception queue).",
                    self.stuck.len() - self.max_rows
                );
            }
        }
        out.push_str("\n## Open exceptions by owner\n\n| Owner | Blocking | Warning | Info |\n| --- | ---: | ---: | ---: |\n");
        for owner in [Owner::Operations, Owner::Ecommerce, Owner::Finance] {
            let _ = writeln!(
                out,
                "| {owner} | {} | {} | {} |",
                self.open(owner, Severity::Blocking),
                self.open(owner, Severity::Warning),
                self.open(owner, Severity::Info)
            );
        }
        out.push_str("\n## Open exceptions by kind\n\n| Flow | Kind | Open | Found by |\n| --- | --- | ---: | --- |\n");
        for ((flow, code), n) in &self.by_kind {
            let _ = writeln!(
                out,
                "| {flow} | {} | {n} | {} |",
                markdown_cell(code),
                Self::check_of(*flow, code)
            );
        }
        out.push_str("\n## Stock drift by cause\n\n");
        match &self.drift_by_cause {
            None => out.push_str("No drift report given.\n"),
            Some(causes) => {
                if let Some((compared, in_sync)) = self.drift_compared {
                    let _ = writeln!(out, "{compared} levels compared, {in_sync} equal.\n");
                }
                out.push_str("| Cause | Levels |\n| --- | ---: |\n");
                for (cause, n) in causes {
                    let _ = writeln!(out, "| {} | {n} |", cause.label());
                }
            }
        }
        out.push_str("\n## Payouts not reconciled\n\n");
        if self.unreconciled_payouts.is_empty() {
            out.push_str("None.\n");
        } else {
            out.push_str("| Payout | Issued | Net | Unmatched lines | Blocking |\n| --- | --- | ---: | ---: | ---: |\n");
            for p in &self.unreconciled_payouts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    p.payout.numeric_id(),
                    p.issued_at.format("%Y-%m-%d"),
                    p.net,
                    p.unmatched_lines,
                    p.blocking
                );
            }
        }
        out
    }

    /// The report as one self-contained HTML page: inline style and SVG charts, no script,
    /// nothing fetched. Every value is escaped.
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        out.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Operations health report</title>\n<style>\
             body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}\
             table{border-collapse:collapse;margin:.5em 0 1.5em}\
             td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}\
             .cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:9em}\
             .card b{display:block;font-size:1.8em}.bad b{color:#b3261e}.ok b{color:#1b7f3b}\
             .charts{display:flex;gap:2em;flex-wrap:wrap}</style></head><body>\n",
        );
        let _ = writeln!(
            out,
            "<h1>Operations health report</h1>\n<p>Generated {}.</p>",
            self.generated_at.format("%Y-%m-%d %H:%M UTC")
        );
        let in_progress = self
            .orders
            .saturating_sub(self.complete)
            .saturating_sub(self.stuck_orders);
        let card = |out: &mut String, class: &str, value: usize, label: &str| {
            let _ = write!(
                out,
                "<div class=\"card {class}\"><b>{value}</b>{}</div>",
                html(label)
            );
        };
        out.push_str("<div class=\"cards\">");
        card(&mut out, "", self.orders, "orders");
        card(&mut out, "ok", self.complete, "complete");
        card(&mut out, "", in_progress, "in progress");
        card(
            &mut out,
            if self.stuck_orders > 0 { "bad" } else { "ok" },
            self.stuck_orders,
            "stuck",
        );
        card(
            &mut out,
            "",
            self.severity_total(Severity::Blocking),
            "blocking exceptions",
        );
        card(
            &mut out,
            if self.unreconciled_payouts.is_empty() {
                "ok"
            } else {
                "bad"
            },
            self.unreconciled_payouts.len(),
            "payouts not reconciled",
        );
        out.push_str("</div>\n<div class=\"charts\"><div><h2>Orders per stage</h2>");
        let bars: Vec<Bar<'_>> = self
            .per_stage
            .iter()
            .map(|(stage, n)| Bar {
                label: stage.label(),
                value: *n,
                colour: "#3b6ea8",
            })
            .collect();
        out.push_str(&horizontal_bars("Orders per stage", &bars));
        out.push_str("</div><div><h2>Orders by capture day</h2>");
        let columns: Vec<Column> = self
            .by_day
            .iter()
            .map(|(day, c)| Column {
                label: day.format("%m-%d").to_string(),
                parts: vec![c.complete, c.in_progress, c.stuck],
            })
            .collect();
        out.push_str(&stacked_columns(
            "Orders by capture day",
            &[
                ("complete", "#1b7f3b"),
                ("in progress", "#9bb7d4"),
                ("stuck", "#b3261e"),
            ],
            &columns,
        ));
        out.push_str("</div><div><h2>Open exceptions by owner</h2>");
        let columns: Vec<Column> = [Owner::Operations, Owner::Ecommerce, Owner::Finance]
            .into_iter()
            .map(|owner| Column {
                label: owner.label().to_owned(),
                parts: vec![
                    self.open(owner, Severity::Blocking),
                    self.open(owner, Severity::Warning),
                    self.open(owner, Severity::Info),
                ],
            })
            .collect();
        out.push_str(&stacked_columns(
            "Open exceptions by owner and severity",
            &[
                ("blocking", "#b3261e"),
                ("warning", "#e0a526"),
                ("info", "#9bb7d4"),
            ],
            &columns,
        ));
        out.push_str("</div></div>\n<h2>Stuck orders, oldest first</h2>\n");
        if self.stuck.is_empty() {
            out.push_str("<p>None.</p>\n");
        } else {
            out.push_str("<table><tr><th>Order</th><th>Waits for</th><th>Due</th><th>Overdue</th><th>Reason</th><th>Owner</th></tr>\n");
            for s in self.stuck.iter().take(self.max_rows) {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                    html(&s.name),
                    html(s.stage.label()),
                    s.due.format("%Y-%m-%d %H:%M"),
                    overdue(s),
                    html(&reason(s)),
                    s.owner
                );
            }
            out.push_str("</table>\n");
            if self.stuck.len() > self.max_rows {
                let _ = writeln!(
                    out,
                    "<p>... and {} more (every one is in the exception queue).</p>",
                    self.stuck.len() - self.max_rows
                );
            }
        }
        out.push_str("<h2>Open exceptions by kind</h2>\n<table><tr><th>Flow</th><th>Kind</th><th>Open</th><th>Found by</th></tr>\n");
        for ((flow, code), n) in &self.by_kind {
            let _ = writeln!(
                out,
                "<tr><td>{flow}</td><td>{}</td><td class=\"n\">{n}</td><td>{}</td></tr>",
                html(code),
                html(Self::check_of(*flow, code))
            );
        }
        out.push_str("</table>\n<h2>Stock drift by cause</h2>\n");
        match &self.drift_by_cause {
            None => out.push_str("<p>No drift report given.</p>\n"),
            Some(causes) => {
                if let Some((compared, in_sync)) = self.drift_compared {
                    let _ = writeln!(out, "<p>{compared} levels compared, {in_sync} equal.</p>");
                }
                let bars: Vec<Bar<'_>> = causes
                    .iter()
                    .map(|(cause, n)| Bar {
                        label: cause.label(),
                        value: *n,
                        colour: "#e0a526",
                    })
                    .collect();
                out.push_str(&horizontal_bars("Stock drift by cause", &bars));
            }
        }
        out.push_str("<h2>Payouts not reconciled</h2>\n");
        if self.unreconciled_payouts.is_empty() {
            out.push_str("<p>None.</p>\n");
        } else {
            out.push_str("<table><tr><th>Payout</th><th>Issued</th><th>Net</th><th>Unmatched lines</th><th>Blocking</th></tr>\n");
            for p in &self.unreconciled_payouts {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    p.payout.numeric_id(),
                    p.issued_at.format("%Y-%m-%d"),
                    html(&p.net),
                    p.unmatched_lines,
                    p.blocking
                );
            }
            out.push_str("</table>\n");
        }
        if let Some(verdict) = &self.catalogue_verdict {
            let _ = writeln!(out, "<h2>Catalogue</h2>\n<p>{}</p>", html(verdict));
        }
        let _ = writeln!(
            out,
            "<p>What each check means and who acts: see the operations manual ({}).</p>",
            Check::ALL
                .iter()
                .map(|c| c.title())
                .collect::<Vec<_>>()
                .join(", ")
        );
        out.push_str("</body></html>\n");
        out
    }
}

fn overdue(s: &StuckOrder) -> String {
    let minutes = s.overdue.num_minutes();
    if minutes >= 48 * 60 {
        format!("{} d", minutes / (24 * 60))
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

fn reason(s: &StuckOrder) -> String {
    s.reason
        .as_ref()
        .map_or_else(|| "not known".to_owned(), |r| r.describe())
}
