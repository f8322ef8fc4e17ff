//! The drift report as Markdown and as self-contained HTML.

use std::fmt::Write as _;

use super::drift::{DriftCause, DriftEntry, DriftReport};
use crate::domain::exception::{DomainException, printable};
use crate::domain::report::{html as html_escape, markdown_cell};

fn sku_of(entry: &DriftEntry) -> String {
    entry
        .sku
        .as_deref()
        .map_or_else(|| "(no SKU)".to_owned(), |s| printable(s).to_string())
}

fn number(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

impl DriftReport {
    /// The report as Markdown: summary, one table of differences, then findings. Every
    /// text from either system is escaped, and hidden characters are shown as `<U+XXXX>`.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Inventory drift report\n");
        let _ = writeln!(out, "Generated at {}.\n", self.generated_at.to_rfc3339());
        let _ = writeln!(
            out,
            "{} level(s) compared, {} in sync, {} difference(s).\n",
            self.summary.compared,
            self.summary.in_sync,
            self.entries.len()
        );
        for cause in DriftCause::ALL {
            if let Some(count) = self.summary.by_cause.get(&cause) {
                let _ = writeln!(out, "- {}: {count}", cause.label());
            }
        }
        if !self.entries.is_empty() {
            let _ = writeln!(
                out,
                "\n| Location | SKU | Variant | Stokly | In flight | Buffer | Target | Shopify | Cause |"
            );
            let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---|");
            for e in &self.entries {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    e.location_id.numeric_id(),
                    markdown_cell(&sku_of(e)),
                    e.variant_id.numeric_id(),
                    number(e.stokly),
                    e.in_flight,
                    e.buffer,
                    number(e.target),
                    e.shopify,
                    e.cause.label()
                );
            }
        }
        if !self.findings.is_empty() {
            let _ = writeln!(out, "\n## Findings\n");
            for f in &self.findings {
                let _ = writeln!(
                    out,
                    "- **{}** ({}, {}): {} {}",
                    f.code(),
                    f.severity(),
                    f.owner(),
                    markdown_cell(&f.reason()),
                    markdown_cell(&f.fix_hint())
                );
            }
        }
        out
    }

    /// The report as one self-contained HTML page (inline style, no scripts, no external
    /// resources). Every text is HTML-escaped.
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Inventory drift report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}</style></head><body>\n");
        out.push_str("<h1>Inventory drift report</h1>\n");
        let _ = writeln!(
            out,
            "<p>Generated at {}. {} level(s) compared, {} in sync, {} difference(s).</p>",
            html_escape(&self.generated_at.to_rfc3339()),
            self.summary.compared,
            self.summary.in_sync,
            self.entries.len()
        );
        out.push_str("<ul>\n");
        for cause in DriftCause::ALL {
            if let Some(count) = self.summary.by_cause.get(&cause) {
                let _ = writeln!(out, "<li>{}: {count}</li>", html_escape(cause.label()));
            }
        }
        out.push_str("</ul>\n");
        if !self.entries.is_empty() {
            out.push_str("<table><thead><tr><th>Location</th><th>SKU</th><th>Variant</th><th>Stokly</th><th>In flight</th><th>Buffer</th><th>Target</th><th>Shopify</th><th>Cause</th></tr></thead><tbody>\n");
            for e in &self.entries {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    e.location_id.numeric_id(),
                    html_escape(&sku_of(e)),
                    e.variant_id.numeric_id(),
                    number(e.stokly),
                    e.in_flight,
                    e.buffer,
                    number(e.target),
                    e.shopify,
                    html_escape(e.cause.label())
                );
            }
            out.push_str("</tbody></table>\n");
        }
        if !self.findings.is_empty() {
            out.push_str("<h2>Findings</h2>\n<ul>\n");
            for f in &self.findings {
                let _ = writeln!(
                    out,
                    "<li><strong>{}</strong> ({}, {}): {} {}</li>",
                    html_escape(f.code()),
                    f.severity(),
                    f.owner(),
                    html_escape(&f.reason()),
                    html_escape(&f.fix_hint())
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</body></html>\n");
        out
    }
}
