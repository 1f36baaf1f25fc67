//! The participatory map as SVG, drawn on the server: the area's boundary and the
//! features, projected equirectangular over a bounding box
//! ([`atlas_domain::cartography::Projection`]), one group per dimension so layers can be
//! left out, an icon per category (own SVG symbols, no external file), a north arrow and
//! a scale bar. Same input, same bytes: nothing here depends on time or randomness.

use atlas_domain::cartography::{Geometry, Pos, Projection};
use std::fmt::Write;

/// One feature to draw.
#[derive(Debug, Clone)]
pub struct MapItem<'a> {
    pub geometry: &'a Geometry,
    pub category: &'a str,
    pub colour: &'a str,
    pub dimension: &'a str,
    /// Tooltip text (category label and description).
    pub title: String,
}

/// Escapes text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => o.push(c),
        }
    }
    o
}

/// The glyph of a point category, drawn white on its colour in a 16 × 16 box centred
/// on the origin.
fn glyph(code: &str) -> &'static str {
    match code {
        "school" => "M-5 0L0-4.5 5 0ZM-3.5 0h7v4.5h-7Z",
        "health_centre" => "M-1.5-5h3v3.5h3.5v3h-3.5v3.5h-3v-3.5h-3.5v-3h3.5Z",
        "community_kitchen" => "M-5-1h10a5 5 0 0 1-10 0ZM-2-5h1v3h-1ZM1-5h1v3h-1Z",
        "church" => "M-1-5.5h2v3h3v2h-3v6h-2v-6h-3v-2h3Z",
        "police_station" => "M0-5L4.5-3V.5Q4.5 4 0 5.5-4.5 4-4.5.5V-3Z",
        "workshop" => "M-4.5-1h9v5.5h-9ZM-2-4h4v3h-4Z",
        "brick_kiln" => "M-5 5V0h3.5v-5h3v5H5v5Z",
        "market" => "M-5.5 4.5L0-5 5.5 4.5ZM-1 4.5v-3h2v3Z",
        "transport_stop" => "M-4-5h8v7.5h-8ZM-3.5 3h2v2h-2ZM1.5 3h2v2h-2Z",
        "meeting_place" => {
            "M-4.5 0a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0-9 0ZM-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0Z"
        }
        _ => "M-2.5 0a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0Z",
    }
}

/// The `<symbol>` of a category's icon: `i-<code>`.
pub fn symbol(code: &str, colour: &str) -> String {
    format!(
        "<symbol id=\"i-{c}\" viewBox=\"-8 -8 16 16\"><circle r=\"7.5\" fill=\"{col}\" stroke=\"#fff\" stroke-width=\"1\"/><path d=\"{g}\" fill=\"#fff\" fill-rule=\"evenodd\"/></symbol>",
        c = esc(code),
        col = esc(colour),
        g = glyph(code)
    )
}

fn path_of(pr: &Projection, ps: &[Pos], close: bool) -> String {
    let mut d = String::new();
    for (i, p) in ps.iter().enumerate() {
        let (x, y) = pr.xy(*p);
        let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
    }
    if close {
        d.push('Z');
    }
    d
}

/// Metres per degree of latitude (mean).
const M_PER_DEG: f64 = 111_320.0;

/// Draws the map. `symbols` are the categories whose icons the map (and a legend on
/// the same page) uses, as (code, colour); `layers` the dimensions in drawing order.
pub fn svg(
    pr: &Projection,
    boundary: &[Vec<Pos>],
    items: &[MapItem<'_>],
    symbols: &[(&str, &str)],
    layers: &[&str],
    label: &str,
) -> String {
    svg_with(
        pr,
        boundary,
        items,
        symbols,
        layers,
        label,
        &Extras::default(),
    )
}

/// What a page adds to the map, as SVG markup it built itself: `under` is drawn below
/// the boundary and the layers (basemap tiles), `over` above them (a drawing in
/// progress).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub under: String,
    pub over: String,
    /// More `<symbol>`s for the defs (an exercise's own category icons).
    pub defs: String,
}

/// The `<symbol>` of an exercise's own category: its sanitised icon (see
/// `atlas_domain::carto_icon`) nested white-framed on a disc of its colour, under the same
/// id scheme as the default icons.
pub fn own_symbol(code: &str, colour: &str, icon: &str) -> String {
    let (vb, inner) = atlas_domain::carto_icon::parts(icon).unwrap_or(("0 0 1 1", ""));
    format!(
        "<symbol id=\"i-{c}\" viewBox=\"-8 -8 16 16\"><circle r=\"7.5\" fill=\"{col}\" stroke=\"#fff\" stroke-width=\"1\"/><svg x=\"-5\" y=\"-5\" width=\"10\" height=\"10\" viewBox=\"{vb}\">{inner}</svg></symbol>",
        c = esc(code),
        col = esc(colour),
    )
}

/// A line or area being drawn, in a style of its own: dashed segments, the closing
/// segment of an area fainter, every vertex a ring and the last one filled.
pub fn sketch(pr: &Projection, ps: &[Pos], area: bool) -> String {
    let mut s = String::from("<g class=\"sketch\">");
    if ps.len() >= 2 {
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"#c2185b\" stroke-width=\"2.5\" stroke-dasharray=\"6 3\"/>",
            path_of(pr, ps, false),
            if area && ps.len() >= 3 {
                "#c2185b"
            } else {
                "none"
            }
        );
        if area && ps.len() >= 3 {
            let close = [ps[ps.len() - 1], ps[0]];
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"#c2185b\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\" opacity=\"0.6\"/>",
                path_of(pr, &close, false)
            );
        }
    }
    for (i, p) in ps.iter().enumerate() {
        let (x, y) = pr.xy(*p);
        let last = i + 1 == ps.len();
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{}\" stroke=\"#c2185b\" stroke-width=\"2\"/>",
            if last { 5 } else { 4 },
            if last { "#c2185b" } else { "#fff" }
        );
    }
    s.push_str("</g>");
    s
}

/// [`svg`] with what a page adds under and over the layers.
pub fn svg_with(
    pr: &Projection,
    boundary: &[Vec<Pos>],
    items: &[MapItem<'_>],
    symbols: &[(&str, &str)],
    layers: &[&str],
    label: &str,
    extras: &Extras,
) -> String {
    let (w, h) = (pr.width, pr.height);
    let mut s = String::with_capacity(4096 + items.len() * 160);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(label)
    );
    let _ = write!(s, "<title>{}</title><defs>", esc(label));
    for (code, colour) in symbols {
        s.push_str(&symbol(code, colour));
    }
    s.push_str(&extras.defs);
    s.push_str("</defs>");
    let _ = write!(
        s,
        "<rect width=\"{w:.0}\" height=\"{h:.0}\" fill=\"#f7f5ef\"/>"
    );
    s.push_str(&extras.under);
    for ring in boundary {
        let _ = write!(
            s,
            "<path class=\"boundary\" d=\"{}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>",
            path_of(pr, ring, true),
            // Over a basemap the boundary is an outline only.
            if extras.under.is_empty() {
                "#fff"
            } else {
                "none"
            }
        );
    }
    for layer in layers {
        let _ = write!(s, "<g class=\"layer d-{}\">", esc(layer));
        // Areas first, then lines, then points on top.
        for pass in 0..3 {
            for it in items.iter().filter(|i| i.dimension == *layer) {
                let title = format!("<title>{}</title>", esc(&it.title));
                match (pass, it.geometry) {
                    (0, Geometry::Polygon(rings)) => {
                        let d: String = rings.iter().map(|r| path_of(pr, r, true)).collect();
                        let _ = write!(
                            s,
                            "<path d=\"{d}\" fill=\"{c}\" fill-opacity=\"0.35\" stroke=\"{c}\" stroke-width=\"1.5\" fill-rule=\"evenodd\">{title}</path>",
                            c = esc(it.colour)
                        );
                    }
                    (1, Geometry::LineString(ps)) => {
                        let _ = write!(
                            s,
                            "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"3\" stroke-linecap=\"round\">{title}</path>",
                            path_of(pr, ps, false),
                            c = esc(it.colour)
                        );
                    }
                    (2, Geometry::Point(p)) => {
                        let (x, y) = pr.xy(*p);
                        let _ = write!(
                            s,
                            "<use href=\"#i-{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"18\" height=\"18\">{title}</use>",
                            esc(it.category),
                            x - 9.0,
                            y - 9.0
                        );
                    }
                    _ => {}
                }
            }
        }
        s.push_str("</g>");
    }
    s.push_str(&extras.over);
    // North arrow, top right.
    let nx = w - 24.0;
    let _ = write!(
        s,
        "<g class=\"north\"><path d=\"M{nx:.1} 12L{:.1} 34L{nx:.1} 28L{:.1} 34Z\" fill=\"#333\"/><text x=\"{nx:.1}\" y=\"48\" text-anchor=\"middle\" font-size=\"12\" font-family=\"sans-serif\">N</text></g>",
        nx + 7.0,
        nx - 7.0
    );
    // Scale bar, bottom left: the round distance nearest a fifth of the width.
    let px_per_m = pr.scale / M_PER_DEG;
    let target = (w / 5.0) / px_per_m.max(1e-12);
    let step = [
        10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
    ]
    .into_iter()
    .min_by(|a, b| {
        (a - target)
            .abs()
            .partial_cmp(&(b - target).abs())
            .unwrap_or(std::cmp::Ordering::Equal)
    })
    .unwrap_or(100.0);
    let len = step * px_per_m;
    let by = h - 14.0;
    let text = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let _ = write!(
        s,
        "<g class=\"scale\"><path d=\"M12 {by:.1}h{len:.1}\" stroke=\"#333\" stroke-width=\"3\"/><text x=\"12\" y=\"{:.1}\" font-size=\"11\" font-family=\"sans-serif\">{text}</text></g>",
        by - 6.0
    );
    s.push_str("</svg>");
    s
}

/// One row of the features CSV.
pub struct CsvFeature<'a> {
    pub lon: f64,
    pub lat: f64,
    pub category: &'a str,
    pub description: &'a str,
    pub sensitivity: &'a str,
    /// Empty for none.
    pub workshop_id: String,
    /// Time codes joined by `|`.
    pub times: String,
    /// Tags as `CL:risk|HT:risk`.
    pub vulnerabilities: String,
}

/// The features CSV (`lon,lat,category,description,sensitivity,workshop_id,times,
/// vulnerabilities`, RFC 4180, CRLF): the coordinates are written as plain numbers so the
/// file imports back, the text cells through [`crate::csv_safe::cell`] so a spreadsheet
/// never runs them as formulas.
pub fn features_csv(rows: &[CsvFeature<'_>]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(atlas_domain::cartography::CSV_COLUMNS)?;
    for r in rows {
        w.write_record([
            r.lon.to_string(),
            r.lat.to_string(),
            crate::csv_safe::cell(r.category).into_owned(),
            crate::csv_safe::cell(r.description).into_owned(),
            crate::csv_safe::cell(r.sensitivity).into_owned(),
            r.workshop_id.clone(),
            crate::csv_safe::cell(&r.times).into_owned(),
            crate::csv_safe::cell(&r.vulnerabilities).into_owned(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_same_map_is_drawn_byte_for_byte_and_escapes_text() {
        let g = Geometry::Point(Pos {
            lon: -58.42,
            lat: -34.73,
        });
        let pr = Projection::fit((-58.43, -34.74, -58.41, -34.72), 600.0);
        let items = [MapItem {
            geometry: &g,
            category: "school",
            colour: "#1f77b4",
            dimension: "social",
            title: "School <b>&".into(),
        }];
        let a = svg(
            &pr,
            &[],
            &items,
            &[("school", "#1f77b4")],
            &["social"],
            "Map",
        );
        let b = svg(
            &pr,
            &[],
            &items,
            &[("school", "#1f77b4")],
            &["social"],
            "Map",
        );
        assert_eq!(a, b);
        assert!(a.contains("School &lt;b&gt;&amp;"));
        assert!(a.contains("href=\"#i-school\""));
        // A layer left out draws nothing of it.
        let c = svg(&pr, &[], &items, &[("school", "#1f77b4")], &[], "Map");
        assert!(!c.contains("<use"));
    }
}
