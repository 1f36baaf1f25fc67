//! Server-rendered SVG charts for the results dashboard, as pure functions of their
//! data: no JavaScript, no inline styles (the Content-Security-Policy forbids them;
//! colours are presentation attributes), a `viewBox` with `width="100%"` so a chart
//! shrinks to any width down to 320 px, `role="img"` with a `<title>` and an
//! `aria-label` for screen readers (the page also gives the numbers in a table).
//!
//! Invariants: every text from outside is escaped; the output depends on the input only
//! (same data, same bytes); the scale's maximum is at least 1, so zeros and missing
//! values never divide by zero; a missing value draws no bar (a gap marked "–"), never a
//! zero bar.

use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ON_TRACK: &str = "#1b6e35";
const BEHIND: &str = "#a4251c";
const NEUTRAL: &str = "#3b4a5e";
const TARGET: &str = "#b8c2cf";
const INK: &str = "#1d232b";

/// The fill of an actual bar for a standing code (`on_track`, `behind`, other).
fn fill(standing: &str) -> &'static str {
    match standing {
        "on_track" => ON_TRACK,
        "behind" => BEHIND,
        _ => NEUTRAL,
    }
}

/// `v` scaled to `span` units of a scale whose top is `max` (at least 1).
fn scale(v: i64, max: i64, span: i64) -> i64 {
    let max = max.max(1);
    v.clamp(0, max) * span / max
}

fn open(out: &mut String, id: &str, w: i64, h: i64, title: &str, label: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         role=\"img\" aria-labelledby=\"{id}-t\" aria-label=\"{}\" font-family=\"sans-serif\"><title id=\"{id}-t\">{}</title>",
        esc(label),
        esc(title)
    );
}

/// An indicator's actual against its target for one period: two horizontal bars.
#[derive(Debug, Clone)]
pub struct TargetChart<'a> {
    /// A prefix unique in the page, for the `<title>` id.
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence with the figures, for the `aria-label`.
    pub summary: &'a str,
    pub actual_label: &'a str,
    pub target_label: &'a str,
    pub actual: Option<i64>,
    pub target: Option<i64>,
    /// `on_track`, `behind`, `no_target` or `not_recorded` (colours the actual bar).
    pub standing: &'a str,
    /// Shown after a percent figure (`%`) or nothing.
    pub suffix: &'a str,
}

/// Renders a [`TargetChart`].
pub fn target_svg(c: &TargetChart<'_>) -> String {
    const W: i64 = 300;
    const X0: i64 = 84;
    const SPAN: i64 = 170;
    let max = c.actual.unwrap_or(0).max(c.target.unwrap_or(0));
    let mut out = String::new();
    open(&mut out, c.id, W, 60, c.title, c.summary);
    for (row, (label, value, colour)) in [
        (c.actual_label, c.actual, fill(c.standing)),
        (c.target_label, c.target, TARGET),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 6 + i64::try_from(row).unwrap_or(0) * 26;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">{}</text>",
            y + 13,
            esc(label)
        );
        match value {
            Some(v) => {
                let w = scale(v, max, SPAN);
                let _ = write!(
                    out,
                    "<rect x=\"{X0}\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"{colour}\"/>\
                     <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">{v}{}</text>",
                    X0 + w + 4,
                    y + 13,
                    esc(c.suffix)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<text x=\"{X0}\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">–</text>",
                    y + 13
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One period of a trend: its label, target and actual (`None`: not recorded).
#[derive(Debug, Clone)]
pub struct TrendBar {
    pub label: String,
    pub target: Option<i64>,
    pub actual: Option<i64>,
}

/// An indicator's actuals over several periods as columns, each period's target a
/// dashed line across its column.
#[derive(Debug, Clone)]
pub struct TrendChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub bars: &'a [TrendBar],
}

/// Renders a [`TrendChart`].
pub fn trend_svg(c: &TrendChart<'_>) -> String {
    const W: i64 = 300;
    const BASE: i64 = 96;
    const SPAN: i64 = 76;
    let max = c
        .bars
        .iter()
        .flat_map(|b| [b.actual.unwrap_or(0), b.target.unwrap_or(0)])
        .max()
        .unwrap_or(0);
    let n = i64::try_from(c.bars.len()).unwrap_or(1).max(1);
    let col = W / n;
    let mut out = String::new();
    open(&mut out, c.id, W, 118, c.title, c.summary);
    let _ = write!(
        out,
        "<line x1=\"0\" y1=\"{BASE}\" x2=\"{W}\" y2=\"{BASE}\" stroke=\"{INK}\" stroke-width=\"1\"/>"
    );
    for (k, b) in c.bars.iter().enumerate() {
        let x = i64::try_from(k).unwrap_or(0) * col;
        let mid = x + col / 2;
        match b.actual {
            Some(v) => {
                let h = scale(v, max, SPAN);
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"{NEUTRAL}\"/>\
                     <text x=\"{mid}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{INK}\">{v}</text>",
                    x + col / 5,
                    BASE - h,
                    col * 3 / 5,
                    BASE - h - 3
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<text x=\"{mid}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{INK}\">–</text>",
                    BASE - 3
                );
            }
        }
        if let Some(t) = b.target {
            let y = BASE - scale(t, max, SPAN);
            let _ = write!(
                out,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{BEHIND}\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>",
                x + 2,
                x + col - 2
            );
        }
        let _ = write!(
            out,
            "<text x=\"{mid}\" y=\"112\" font-size=\"8\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            esc(&b.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn target(actual: Option<i64>, target: Option<i64>, title: &str) -> String {
        target_svg(&TargetChart {
            id: "c1",
            title,
            summary: "72 of 60",
            actual_label: "Actual",
            target_label: "Target",
            actual,
            target,
            standing: "on_track",
            suffix: "",
        })
    }

    fn bars(v: &[(Option<i64>, Option<i64>)]) -> Vec<TrendBar> {
        v.iter()
            .enumerate()
            .map(|(k, (t, a))| TrendBar {
                label: format!("P{k}"),
                target: *t,
                actual: *a,
            })
            .collect()
    }

    #[test]
    fn charts_are_deterministic_accessible_and_scale_to_their_container() {
        let a = target(Some(72), Some(60), "Individuals trained");
        assert_eq!(a, target(Some(72), Some(60), "Individuals trained"));
        assert!(a.starts_with("<svg "));
        assert!(a.contains("viewBox=\"0 0 300 60\" width=\"100%\""));
        assert!(a.contains("role=\"img\""));
        assert!(a.contains("aria-label=\"72 of 60\""));
        assert!(a.contains("<title id=\"c1-t\">Individuals trained</title>"));
        // The larger value spans the whole scale, the other its share of it.
        assert!(a.contains("width=\"170\" height=\"18\" fill=\"#1b6e35\""));
        assert!(a.contains("width=\"141\" height=\"18\" fill=\"#b8c2cf\""));
        assert!(!a.contains("<script"));
        assert!(!a.contains("style="));
        let b = bars(&[(None, Some(1)), (Some(4), Some(2))]);
        let t = TrendChart {
            id: "t1",
            title: "Trend",
            summary: "s",
            bars: &b,
        };
        assert_eq!(trend_svg(&t), trend_svg(&t));
    }

    #[test]
    fn titles_and_labels_are_escaped() {
        let a = target(Some(1), Some(1), "<script>alert('x')</script> & \"q\"");
        assert!(!a.contains("<script>"));
        assert!(a.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        let mut b = bars(&[(None, Some(1))]);
        b[0].label = "<b>".into();
        let t = trend_svg(&TrendChart {
            id: "t",
            title: "a<b",
            summary: "\"",
            bars: &b,
        });
        assert!(t.contains("&lt;b&gt;</text>"));
        assert!(t.contains("<title id=\"t-t\">a&lt;b</title>"));
        assert!(t.contains("aria-label=\"&quot;\""));
    }

    #[test]
    fn zeros_and_missing_values_neither_divide_by_zero_nor_draw_zero_bars() {
        let z = target(Some(0), Some(0), "z");
        assert!(z.contains("width=\"0\" height=\"18\""));
        let none = target(None, None, "n");
        assert!(!none.contains("<rect"), "no value, no bar");
        assert_eq!(none.matches(">–</text>").count(), 2);
        let b = bars(&[
            (None, None),
            (Some(10), Some(0)),
            (Some(5), None),
            (Some(10), Some(10)),
        ]);
        let t = trend_svg(&TrendChart {
            id: "t",
            title: "t",
            summary: "s",
            bars: &b,
        });
        // Two recorded periods draw two columns (the zero one with no height); the
        // two not recorded are gaps marked "–".
        assert_eq!(t.matches("<rect").count(), 2);
        assert!(t.contains("height=\"0\" fill"));
        assert_eq!(t.matches(">–</text>").count(), 2);
        // The target of 10, the top of the scale, sits at the top of the plot.
        assert!(t.contains("y1=\"20\""));
        let empty = trend_svg(&TrendChart {
            id: "e",
            title: "e",
            summary: "s",
            bars: &[],
        });
        assert!(empty.ends_with("</svg>"));
    }
}
