//! The finance report of a set of reconciled payouts, in Markdown and self-contained HTML.

use std::fmt::Write as _;

use super::journal::Side;
use super::reconcile::{MatchStatus, PayoutAction, PayoutReconciliation, TransactionMatch};
use crate::domain::exception::DomainException;
use crate::domain::report::{html, markdown_cell};

/// Matched transactions listed per payout before the rest are counted only.
const MATCHED_ROWS: usize = 200;

/// The finance report of reconciled payouts: per payout the bank deposit, the journal legs,
/// the matched and unmatched transactions, and the exceptions with their owners.
#[derive(Debug, Clone, Copy)]
pub struct PayoutReport<'a> {
    payouts: &'a [PayoutReconciliation],
}

fn action_label(action: &PayoutAction) -> &'static str {
    match action {
        PayoutAction::Post(_) => "journal to post",
        PayoutAction::Reverse(_) => "reversal to post",
        PayoutAction::Hold => "held: see the exceptions",
        PayoutAction::Wait => "not paid yet",
        PayoutAction::AlreadyPosted => "already posted",
        PayoutAction::Nothing => "failed or cancelled before it was journaled",
    }
}

fn status_label(status: &MatchStatus) -> String {
    match status {
        MatchStatus::SaleOrder(id) => format!("sale order {id}"),
        MatchStatus::CreditDocument {
            credit_document, ..
        } => format!("credit {credit_document}"),
        MatchStatus::Account(account) => format!("account {account}"),
        MatchStatus::Transfer => "the payout transfer".into(),
        MatchStatus::Suspense(reason) => format!("suspense: {}", reason.describe()),
        MatchStatus::Unmatched(reason) => format!("unmatched: {}", reason.describe()),
        MatchStatus::NoAccount => "no account for its family".into(),
        MatchStatus::Rejected => "rejected: other currency".into(),
        MatchStatus::Foreign => "belongs to another payout".into(),
    }
}

/// The order a transaction names, or the orders an adjustment relates to.
fn order_cell(m: &TransactionMatch) -> String {
    match &m.order {
        Some(o) => o.name.clone(),
        None => m
            .adjusted_orders
            .iter()
            .map(|(name, net)| format!("{name} ({})", net.amount()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn row_cells(m: &TransactionMatch) -> [String; 7] {
    [
        m.transaction.numeric_id().to_string(),
        m.transaction_type.as_str().to_owned(),
        order_cell(m),
        m.amount.amount().to_string(),
        m.fee.amount().to_string(),
        m.net.amount().to_string(),
        format!(
            "{} ({} days old)",
            status_label(&m.status),
            m.age.num_days()
        ),
    ]
}

const TX_HEADER: [&str; 7] = [
    "Transaction",
    "Type",
    "Order",
    "Amount",
    "Fee",
    "Net",
    "Matched to",
];

impl<'a> PayoutReport<'a> {
    /// A report of `payouts`, in the order given.
    #[must_use]
    pub fn new(payouts: &'a [PayoutReconciliation]) -> Self {
        Self { payouts }
    }

    /// The report as Markdown. Values from Shopify are escaped.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Payout reconciliation\n");
        for p in self.payouts {
            let payout = &p.payout;
            let _ = write!(
                out,
                "\n## Payout {} ({})\n\n- Status: {}\n- Issued: {}\n- Bank deposit: {} {}\n- Bank trace ID: {}\n- Action: {}\n",
                payout.id.numeric_id(),
                payout.status,
                payout.status,
                payout.issued_at.format("%Y-%m-%d"),
                payout.net.amount(),
                payout.net.currency(),
                markdown_cell(payout.external_trace_id.as_deref().unwrap_or("none")),
                action_label(&p.action)
            );
            if let Some(journal) = &p.journal {
                out.push_str("\n### Journal\n\n| Account | Leg | Debit | Credit |\n| --- | --- | ---: | ---: |\n");
                for line in journal.lines() {
                    let (d, c) = match line.side {
                        Side::Debit => (line.amount.to_string(), String::new()),
                        Side::Credit => (String::new(), line.amount.to_string()),
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {d} | {c} |",
                        markdown_cell(line.account.as_str()),
                        line.leg
                    );
                }
            }
            let (matched, unmatched): (Vec<_>, Vec<_>) =
                p.matches.iter().partition(|m| m.status.is_matched());
            for (title, rows, cap) in [
                ("Unmatched transactions", &unmatched, usize::MAX),
                ("Matched transactions", &matched, MATCHED_ROWS),
            ] {
                let _ = write!(out, "\n### {title} ({})\n\n", rows.len());
                if rows.is_empty() {
                    out.push_str("None.\n");
                    continue;
                }
                let _ = writeln!(out, "| {} |", TX_HEADER.join(" | "));
                out.push_str("| --- | --- | --- | ---: | ---: | ---: | --- |\n");
                for m in rows.iter().take(cap) {
                    let cells = row_cells(m).map(|c| markdown_cell(&c));
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                if rows.len() > cap {
                    let _ = writeln!(out, "\n… and {} more.", rows.len() - cap);
                }
            }
            let _ = write!(out, "\n### Exceptions ({})\n\n", p.findings.len());
            if p.findings.is_empty() {
                out.push_str("None.\n");
            } else {
                out.push_str("| Owner | Severity | Exception | Reason | Fix |\n| --- | --- | --- | --- | --- |\n");
                for f in &p.findings {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        f.owner(),
                        f.severity().label(),
                        markdown_cell(f.code()),
                        markdown_cell(&f.reason()),
                        markdown_cell(&f.fix_hint())
                    );
                }
            }
        }
        out
    }

    /// The report as one self-contained HTML page (inline style, no scripts, no links out).
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Payout reconciliation</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em}td.n{text-align:right}.blocking{color:#a00}</style></head><body>\n<h1>Payout reconciliation</h1>\n",
        );
        let table = |out: &mut String, header: &[&str], rows: Vec<Vec<String>>| {
            out.push_str("<table><tr>");
            for h in header {
                let _ = write!(out, "<th>{}</th>", html(h));
            }
            out.push_str("</tr>\n");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let _ = write!(out, "<td>{}</td>", html(&cell));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        };
        for p in self.payouts {
            let payout = &p.payout;
            let _ = write!(
                out,
                "<section><h2>Payout {} ({})</h2>\n<p>Bank deposit <b>{} {}</b>, issued {}, bank trace ID {}. Action: {}.</p>\n",
                payout.id.numeric_id(),
                html(payout.status.as_str()),
                payout.net.amount(),
                payout.net.currency(),
                payout.issued_at.format("%Y-%m-%d"),
                html(payout.external_trace_id.as_deref().unwrap_or("none")),
                action_label(&p.action)
            );
            if let Some(journal) = &p.journal {
                out.push_str("<h3>Journal</h3>\n");
                let rows = journal
                    .lines()
                    .iter()
                    .map(|l| {
                        let (d, c) = match l.side {
                            Side::Debit => (l.amount.to_string(), String::new()),
                            Side::Credit => (String::new(), l.amount.to_string()),
                        };
                        vec![l.account.to_string(), l.leg.label(), d, c]
                    })
                    .collect();
                table(&mut out, &["Account", "Leg", "Debit", "Credit"], rows);
            }
            let (matched, unmatched): (Vec<_>, Vec<_>) =
                p.matches.iter().partition(|m| m.status.is_matched());
            for (title, rows, cap) in [
                ("Unmatched transactions", &unmatched, usize::MAX),
                ("Matched transactions", &matched, MATCHED_ROWS),
            ] {
                let _ = writeln!(out, "<h3>{title} ({})</h3>", rows.len());
                if rows.is_empty() {
                    out.push_str("<p>None.</p>\n");
                    continue;
                }
                let cells = rows
                    .iter()
                    .take(cap)
                    .map(|m| row_cells(m).to_vec())
                    .collect();
                table(&mut out, &TX_HEADER, cells);
                if rows.len() > cap {
                    let _ = writeln!(out, "<p>… and {} more.</p>", rows.len() - cap);
                }
            }
            let _ = writeln!(out, "<h3>Exceptions ({})</h3>", p.findings.len());
            if p.findings.is_empty() {
                out.push_str("<p>None.</p>\n");
            } else {
                let rows = p
                    .findings
                    .iter()
                    .map(|f| {
                        vec![
                            f.owner().to_string(),
                            f.severity().label().to_owned(),
                            f.code().to_owned(),
                            f.reason(),
                            f.fix_hint(),
                        ]
                    })
                    .collect();
                table(
                    &mut out,
                    &["Owner", "Severity", "Exception", "Reason", "Fix"],
                    rows,
                );
            }
            out.push_str("</section>\n");
        }
        out.push_str("</body></html>\n");
        out
    }
}
