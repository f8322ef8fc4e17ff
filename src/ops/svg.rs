//! Small hand-written SVG charts, inline in the HTML reports: no script, no external file.
//! Every label is escaped; sizes are fixed so the page lays out before it is read.

use std::fmt::Write as _;

use crate::domain::report::html;

/// One bar of a horizontal bar chart.
pub(crate) struct Bar<'a> {
    pub label: &'a str,
    pub value: usize,
    pub colour: &'a str,
}

/// A horizontal bar chart: one row per bar, the value at its end.
pub(crate) fn horizontal_bars(title: &str, bars: &[Bar<'_>]) -> String {
    const ROW: usize = 24;
    const LABEL: usize = 190;
    const WIDTH: usize = 640;
    let plot = WIDTH - LABEL - 70;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = bars.len() * ROW + 10;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\">",
        html(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i * ROW + 4;
        let w = bar.value * plot / max;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>",
            LABEL - 8,
            y + 15,
            html(bar.label),
            ROW - 6,
            html(bar.colour),
            LABEL + w + 6,
            y + 15,
            bar.value
        );
    }
    out.push_str("</svg>");
    out
}

/// One column of a stacked column chart: a label under it and its parts, bottom up.
pub(crate) struct Column {
    pub label: String,
    pub parts: Vec<usize>,
}

/// A stacked column chart with a legend (`series` names and colours, in part order).
pub(crate) fn stacked_columns(title: &str, series: &[(&str, &str)], columns: &[Column]) -> String {
    const HEIGHT: usize = 220;
    const PLOT: usize = 160;
    const TOP: usize = 30;
    const COL: usize = 38;
    let width = (columns.len() * COL + 60).max(420);
    let max = columns
        .iter()
        .map(|c| c.parts.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {width} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        html(title)
    );
    let mut legend_x = 40;
    for (name, colour) in series {
        let _ = write!(
            out,
            "<rect x=\"{legend_x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"17\" font-size=\"12\">{}</text>",
            html(colour),
            legend_x + 16,
            html(name)
        );
        legend_x += 16 + name.chars().count() * 7 + 18;
    }
    let base = TOP + PLOT;
    let _ = write!(
        out,
        "<line x1=\"36\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#888\"/>\
         <text x=\"32\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{max}</text>\
         <text x=\"32\" y=\"{base}\" text-anchor=\"end\" font-size=\"11\">0</text>",
        width - 10,
        TOP + 10,
    );
    for (i, column) in columns.iter().enumerate() {
        let x = 40 + i * COL;
        let mut top = base;
        for (part, (_, colour)) in column.parts.iter().zip(series) {
            let h = part * PLOT / max;
            if h == 0 {
                continue;
            }
            top -= h;
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{top}\" width=\"{}\" height=\"{h}\" fill=\"{}\"/>",
                COL - 8,
                html(colour)
            );
        }
        let total: usize = column.parts.iter().sum();
        if total > 0 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{total}</text>",
                x + (COL - 8) / 2,
                top.saturating_sub(3)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
            x + (COL - 8) / 2,
            base + 14,
            html(&column.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_scale_to_the_largest_value_and_escape_labels() {
        let svg = horizontal_bars(
            "t",
            &[
                Bar {
                    label: "<a>",
                    value: 10,
                    colour: "#123",
                },
                Bar {
                    label: "b",
                    value: 5,
                    colour: "#123",
                },
            ],
        );
        assert!(svg.contains("&lt;a&gt;"));
        assert!(svg.contains("width=\"380\" height=\"18\""));
        assert!(svg.contains("width=\"190\" height=\"18\""));
        let svg = stacked_columns(
            "t",
            &[("a", "#1"), ("b", "#2")],
            &[Column {
                label: "03-01".into(),
                parts: vec![2, 2],
            }],
        );
        assert!(svg.contains("height=\"80\" fill=\"#1\""));
        assert!(svg.contains("y=\"30\" width=\"30\" height=\"80\" fill=\"#2\""));
        assert!(!svg.contains("<script"));
    }
}
