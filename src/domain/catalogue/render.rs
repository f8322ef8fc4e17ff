//! The audit as Markdown and as a self-contained HTML page, for people, not programs.
//!
//! Both show the verdict first, then the counts, then one table row per finding in the
//! audit's order (worst first, then by SKU). Every value from either catalogue is escaped, and
//! hidden characters in SKUs are spelled out (`<U+200B>`) so that near-misses can be seen.

use std::collections::BTreeMap;

use super::audit::{CatalogueAudit, CatalogueFinding, Readiness};
use crate::domain::exception::{DomainException, Owner, Severity};
use crate::domain::report::{html, markdown_cell};

const TITLE: &str = "Catalogue audit: Stokly and Shopify SKUs";

fn records(finding: &CatalogueFinding) -> Vec<String> {
    finding.subject().iter().map(ToString::to_string).collect()
}

fn sku_cell(finding: &CatalogueFinding) -> String {
    finding
        .sku()
        .map(|s| format!("\"{}\"", crate::domain::exception::printable(s)))
        .unwrap_or_default()
}

/// `(label, count)` rows for the counts table.
fn count_rows(audit: &CatalogueAudit) -> Vec<(&'static str, String)> {
    let s = &audit.summary;
    vec![
        (
            "Stokly items",
            format!(
                "{} ({} active, {} listed on Shopify)",
                s.stokly_items, s.stokly_active_items, s.stokly_listed_on_shopify
            ),
        ),
        (
            "Shopify variants",
            format!("{} in {} products", s.shopify_variants, s.shopify_products),
        ),
        ("Variants matched exactly", s.matched_variants.to_string()),
        ("Blocking findings", s.blocking.to_string()),
        ("Warnings", s.warnings.to_string()),
        ("For information", s.info.to_string()),
    ]
}

/// `(title, severity, owner, count)` per kind, worst first.
fn kind_rows(audit: &CatalogueAudit) -> Vec<(&'static str, Severity, Owner, usize)> {
    let mut kinds: BTreeMap<(Severity, &'static str), (Owner, usize)> = BTreeMap::new();
    for finding in &audit.findings {
        let entry = kinds
            .entry((finding.severity(), finding.title()))
            .or_insert((finding.owner(), 0));
        entry.1 += 1;
    }
    kinds
        .into_iter()
        .map(|((severity, title), (owner, count))| (title, severity, owner, count))
        .collect()
}

/// Findings per owner, in [`Owner`] order.
fn owner_rows(audit: &CatalogueAudit) -> BTreeMap<Owner, [usize; 3]> {
    let mut owners: BTreeMap<Owner, [usize; 3]> = BTreeMap::new();
    for finding in &audit.findings {
        let counts = owners.entry(finding.owner()).or_default();
        let slot = match finding.severity() {
            Severity::Blocking => &mut counts[0],
            Severity::Warning => &mut counts[1],
            Severity::Info => &mut counts[2],
        };
        *slot += 1;
    }
    owners
}

impl CatalogueAudit {
    /// The audit as a Markdown document: verdict, counts, counts per kind and per owner, and
    /// one table row per finding (worst first, then by SKU).
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {TITLE}\n\n");
        out.push_str(&format!(
            "**Verdict:** {}\n\n",
            markdown_cell(&self.summary.readiness.sentence())
        ));

        out.push_str("## Counts\n\n| Measure | Count |\n| --- | ---: |\n");
        for (label, value) in count_rows(self) {
            out.push_str(&format!("| {label} | {} |\n", markdown_cell(&value)));
        }

        if !self.findings.is_empty() {
            out.push_str(
                "\n## Findings by kind\n\n| Kind | Severity | Owner | Count |\n| --- | --- | --- | ---: |\n",
            );
            for (title, severity, owner, count) in kind_rows(self) {
                out.push_str(&format!("| {title} | {severity} | {owner} | {count} |\n"));
            }
            out.push_str(
                "\n## Findings by owner\n\n| Owner | Blocking | Warnings | Info |\n| --- | ---: | ---: | ---: |\n",
            );
            for (owner, [blocking, warnings, info]) in owner_rows(self) {
                out.push_str(&format!("| {owner} | {blocking} | {warnings} | {info} |\n"));
            }
        }

        out.push_str("\n## Findings\n\n");
        if self.findings.is_empty() {
            out.push_str("No findings: both catalogues agree on every SKU.\n");
            return out;
        }
        out.push_str(
            "| # | Severity | Owner | Finding | SKU | Records | Why | How to fix |\n\
             | ---: | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for (number, finding) in self.findings.iter().enumerate() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                number + 1,
                finding.severity(),
                finding.owner(),
                markdown_cell(finding.title()),
                markdown_cell(&sku_cell(finding)),
                markdown_cell(&records(finding).join("; ")),
                markdown_cell(&finding.reason()),
                markdown_cell(&finding.fix_hint()),
            ));
        }
        out
    }

    /// The audit as one self-contained HTML page (inline CSS, no scripts, no external
    /// assets): verdict, counts, counts per kind and owner, and the findings table.
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        );
        out.push_str(&format!("<title>{}</title>\n", html(TITLE)));
        out.push_str(STYLE);
        out.push_str("</head>\n<body>\n");
        out.push_str(&format!("<h1>{}</h1>\n", html(TITLE)));

        let verdict_class = match self.summary.readiness {
            Readiness::OrdersCanPost => "verdict ok",
            Readiness::OrdersBlocked { .. } => "verdict blocked",
        };
        out.push_str(&format!(
            "<p class=\"{verdict_class}\">{}</p>\n",
            html(&self.summary.readiness.sentence())
        ));

        out.push_str("<h2>Counts</h2>\n<table class=\"counts\">\n<tbody>\n");
        for (label, value) in count_rows(self) {
            out.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>\n",
                html(label),
                html(&value)
            ));
        }
        out.push_str("</tbody>\n</table>\n");

        if !self.findings.is_empty() {
            out.push_str(
                "<h2>Findings by kind</h2>\n<table>\n<thead><tr><th>Kind</th><th>Severity</th>\
                 <th>Owner</th><th class=\"num\">Count</th></tr></thead>\n<tbody>\n",
            );
            for (title, severity, owner, count) in kind_rows(self) {
                out.push_str(&format!(
                    "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{count}</td></tr>\n",
                    severity_class(severity),
                    html(title),
                    html(severity.label()),
                    html(owner.label())
                ));
            }
            out.push_str("</tbody>\n</table>\n");

            out.push_str(
                "<h2>Findings by owner</h2>\n<table>\n<thead><tr><th>Owner</th>\
                 <th class=\"num\">Blocking</th><th class=\"num\">Warnings</th>\
                 <th class=\"num\">Info</th></tr></thead>\n<tbody>\n",
            );
            for (owner, [blocking, warnings, info]) in owner_rows(self) {
                out.push_str(&format!(
                    "<tr><td>{}</td><td class=\"num\">{blocking}</td><td class=\"num\">{warnings}</td><td class=\"num\">{info}</td></tr>\n",
                    html(owner.label())
                ));
            }
            out.push_str("</tbody>\n</table>\n");
        }

        out.push_str("<h2>Findings</h2>\n");
        if self.findings.is_empty() {
            out.push_str("<p>No findings: both catalogues agree on every SKU.</p>\n");
        } else {
            out.push_str(
                "<table class=\"findings\">\n<thead><tr><th class=\"num\">#</th><th>Severity</th>\
                 <th>Owner</th><th>Finding</th><th>SKU</th><th>Records</th><th>Why</th>\
                 <th>How to fix</th></tr></thead>\n<tbody>\n",
            );
            for (number, finding) in self.findings.iter().enumerate() {
                let record_list: String = records(finding)
                    .iter()
                    .map(|r| format!("<li>{}</li>", html(r)))
                    .collect();
                out.push_str(&format!(
                    "<tr class=\"{}\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td><code>{}</code></td><td><ul>{record_list}</ul></td><td>{}</td><td>{}</td></tr>\n",
                    severity_class(finding.severity()),
                    number + 1,
                    html(finding.severity().label()),
                    html(finding.owner().label()),
                    html(finding.title()),
                    html(&sku_cell(finding)),
                    html(&finding.reason()),
                    html(&finding.fix_hint()),
                ));
            }
            out.push_str("</tbody>\n</table>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Blocking => "blocking",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

const STYLE: &str = "<style>
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d0d0d5; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #f2f2f5; }
td.num, th.num { text-align: right; }
table.findings { width: 100%; font-size: 0.9rem; }
table.findings ul { margin: 0; padding-left: 1rem; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
tr.blocking td:first-child, tr.blocking td:nth-child(2) { border-left: 4px solid #c62828; }
tr.warning td:first-child, tr.warning td:nth-child(2) { border-left: 4px solid #ef8f00; }
tr.info td:first-child, tr.info td:nth-child(2) { border-left: 4px solid #1565c0; }
.verdict { font-weight: 600; padding: 0.6rem 0.9rem; border-radius: 4px; display: inline-block; }
.verdict.ok { background: #e6f4ea; color: #1e5e2f; }
.verdict.blocked { background: #fdecea; color: #8a1c1c; }
</style>
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::test_support::*;
    use crate::domain::catalogue::{SkuIndex, StoklyCatalogue, audit_catalogue};

    fn sample() -> CatalogueAudit {
        let items = vec![simple("i1", "A|B"), simple("i2", "OK")];
        let variants = vec![
            sold(1, "<script>alert('x')</script>", 10),
            sold(2, "OK", 10),
            sold(3, "a|b", 11),
        ];
        audit_catalogue(&SkuIndex::build(StoklyCatalogue::new(&items), &variants))
    }

    #[test]
    fn markdown_has_the_verdict_counts_and_one_escaped_row_per_finding() {
        let markdown = sample().to_markdown();
        assert!(markdown.starts_with("# Catalogue audit: Stokly and Shopify SKUs\n\n"));
        assert!(
            markdown.contains("**Verdict:** Orders cannot post for 2 SKUs (2 Shopify variants).\n"),
            "{markdown}"
        );
        assert!(markdown.contains("| Shopify variants | 3 in 2 products |\n"));
        assert!(markdown.contains("| Variants matched exactly | 1 |\n"));
        assert!(
            markdown.contains("| Shopify SKU missing in Stokly | Blocking | Ecommerce | 1 |\n")
        );
        assert!(markdown.contains("| Ecommerce | 2 | 0 | 0 |\n"));
        let rows: Vec<&str> = markdown
            .lines()
            .filter(|l| l.starts_with("| 1 |") || l.starts_with("| 2 |"))
            .collect();
        assert_eq!(rows.len(), 2, "{markdown}");
        // Sorted by SKU within a severity: `"<script>...` sorts before `"a|b"`.
        assert!(rows[0].starts_with(
            "| 1 | Blocking | Ecommerce | Shopify SKU missing in Stokly | \"&lt;script&gt;alert('x')&lt;/script&gt;\" |"
        ), "{}", rows[0]);
        assert!(rows[1].starts_with(
            "| 2 | Blocking | Ecommerce | Near-miss SKU (suggestion) | \"a\\|b\" | Shopify variant 3 (SKU \"a\\|b\"); Stokly item i1 (SKU \"A\\|B\") |"
        ), "{}", rows[1]);
        assert!(!markdown.contains("<script>"));
        // Every table row has the same number of unescaped cell separators.
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        assert_eq!(cells(rows[0]), 9);
        assert_eq!(cells(rows[1]), 9);
    }

    #[test]
    fn html_is_self_contained_and_escapes_every_value() {
        let page = sample().to_html();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<style>"));
        assert!(!page.contains("<script"), "a SKU must never become markup");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("src="));
        assert!(page.contains(
            "<p class=\"verdict blocked\">Orders cannot post for 2 SKUs (2 Shopify variants).</p>"
        ));
        assert_eq!(
            page.matches("<tr class=\"blocking\"><td class=\"num\">")
                .count(),
            2
        );
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn hidden_characters_are_spelled_out_in_reports() {
        let items = vec![simple("i1", "MAT")];
        let variants = vec![sold(1, "MAT\u{200B}", 10)];
        let audit = audit_catalogue(&SkuIndex::build(StoklyCatalogue::new(&items), &variants));
        assert!(audit.to_markdown().contains("\"MAT&lt;U+200B&gt;\""));
        assert!(audit.to_html().contains("&quot;MAT&lt;U+200B&gt;&quot;"));
    }

    #[test]
    fn a_clean_audit_says_so() {
        let items = vec![simple("i1", "A")];
        let variants = vec![sold(1, "A", 10)];
        let audit = audit_catalogue(&SkuIndex::build(StoklyCatalogue::new(&items), &variants));
        let markdown = audit.to_markdown();
        assert!(markdown.contains("**Verdict:** Orders can post"));
        assert!(markdown.ends_with("No findings: both catalogues agree on every SKU.\n"));
        assert!(audit.to_html().contains("<p class=\"verdict ok\">"));
    }
}
