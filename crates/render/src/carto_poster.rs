//! The printable poster of a mapping exercise as one standalone SVG, landscape: title,
//! area and date; the map with one layer per chosen dimension, north arrow and scale
//! bar; the actor network beside it; the legend of the category icons the shown map
//! actually uses.
//!
//! Pure: the caller hands in the features already as the viewer may see them
//! (restricted ones left out, generalised ones snapped). Compact so that ten thousand
//! features stay well under a megabyte: integer picture coordinates, relative path
//! steps, one style group per category, points as `<use>` of one symbol per category.
//! Same input, same bytes.

use crate::carto_map::{esc, own_symbol, symbol};
use crate::carto_network::{self as net, Graph, NetLabels};
use atlas_domain::cartography::{Dimension, Geometry, Pos, Projection};
use std::fmt::Write;

/// Paper size the poster is laid out for (landscape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A3,
    A4,
}

impl Paper {
    /// From `a3`/`a4` (anything else is A3).
    pub fn parse(s: &str) -> Self {
        if s.trim().eq_ignore_ascii_case("a4") {
            Paper::A4
        } else {
            Paper::A3
        }
    }

    /// The code used in URLs and class names.
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A3 => "a3",
            Paper::A4 => "a4",
        }
    }

    /// Width and height in millimetres, landscape.
    pub fn mm(self) -> (u32, u32) {
        match self {
            Paper::A3 => (420, 297),
            Paper::A4 => (297, 210),
        }
    }
}

/// A feature to draw, as the viewer may see it.
#[derive(Debug, Clone)]
pub struct PosterFeature<'a> {
    pub geometry: &'a Geometry,
    pub category: &'a str,
    pub dimension: Dimension,
}

/// A category of the legend: code, colour, translated label and, for an exercise's own
/// category, its sanitised icon.
#[derive(Debug, Clone)]
pub struct PosterCategory {
    pub code: String,
    pub colour: String,
    pub label: String,
    pub icon: Option<String>,
}

/// Everything the poster shows.
#[derive(Debug, Clone)]
pub struct Poster<'a> {
    pub title: String,
    /// Area name and date line under the title.
    pub subtitle: String,
    pub boundary: &'a [Vec<Pos>],
    /// The bounding box of the map (west, south, east, north).
    pub bbox: (f64, f64, f64, f64),
    pub features: &'a [PosterFeature<'a>],
    /// The categories known, for colours and legend labels.
    pub categories: &'a [PosterCategory],
    /// The dimensions shown, in drawing order.
    pub layers: &'a [Dimension],
    pub network: &'a Graph,
    pub net_labels: &'a NetLabels,
    /// Headings: "Map", "Actors and relationships", "Legend".
    pub headings: [String; 3],
    pub paper: Paper,
}

/// Width of the poster's coordinate system; the height keeps the paper's ratio.
pub const WIDTH: f64 = 1400.0;
const MAP_X: f64 = 30.0;
const MAP_Y: f64 = 120.0;
const MAP_W: f64 = 820.0;
const SIDE_X: f64 = 880.0;
const SIDE_W: f64 = 490.0;

fn path(d: &mut String, pr: &Projection, ps: &[Pos], close: bool) {
    let mut last = (0i64, 0i64);
    for (i, p) in ps.iter().enumerate() {
        let (x, y) = pr.xy(*p);
        let (x, y) = ((x + MAP_X).round() as i64, (y + MAP_Y).round() as i64);
        if i == 0 {
            let _ = write!(d, "M{x} {y}");
        } else if close && i == ps.len() - 1 && ps.first() == ps.last() {
            break;
        } else {
            let _ = write!(d, "l{} {}", x - last.0, y - last.1);
        }
        last = (x, y);
    }
    if close {
        d.push('Z');
    }
}

/// Metres per degree of latitude (mean).
const M_PER_DEG: f64 = 111_320.0;

/// Draws the poster.
pub fn svg(p: &Poster<'_>) -> String {
    let (mm_w, mm_h) = p.paper.mm();
    let h = (WIDTH * f64::from(mm_h) / f64::from(mm_w)).round();
    let mut pr = Projection::fit(p.bbox, MAP_W);
    let max_h = h - MAP_Y - 30.0;
    if pr.height > max_h {
        pr = Projection::fit(p.bbox, (MAP_W * max_h / pr.height).floor());
    }
    let colour = |code: &str| {
        p.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.colour.as_str())
            .unwrap_or("#555555")
    };
    let shown: Vec<&PosterFeature<'_>> = p
        .features
        .iter()
        .filter(|f| p.layers.contains(&f.dimension))
        .collect();
    let mut used: Vec<&str> = shown.iter().map(|f| f.category).collect();
    used.sort_unstable();
    used.dedup();

    let mut s = String::with_capacity(8192 + shown.len() * 48 + p.network.edges.len() * 24);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"poster {paper}\" viewBox=\"0 0 {WIDTH:.0} {h:.0}\" width=\"{mm_w}mm\" height=\"{mm_h}mm\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><defs>",
        paper = p.paper.as_str(),
        t = esc(&p.title)
    );
    for code in &used {
        match p
            .categories
            .iter()
            .find(|c| c.code == *code)
            .and_then(|c| c.icon.as_deref())
        {
            Some(icon) => s.push_str(&own_symbol(code, colour(code), icon)),
            None => s.push_str(&symbol(code, colour(code))),
        }
        let _ = write!(
            s,
            "<g id=\"p-{c}\"><use href=\"#i-{c}\" x=\"-7\" y=\"-7\" width=\"14\" height=\"14\"/></g>",
            c = esc(code)
        );
    }
    s.push_str("</defs>");
    let _ = write!(
        s,
        "<rect width=\"{WIDTH:.0}\" height=\"{h:.0}\" fill=\"#fff\"/><g font-family=\"sans-serif\" fill=\"#222\"><text x=\"{MAP_X:.0}\" y=\"58\" font-size=\"34\" font-weight=\"bold\">{}</text><text x=\"{MAP_X:.0}\" y=\"92\" font-size=\"18\">{}</text><text x=\"{MAP_X:.0}\" y=\"{:.0}\" font-size=\"15\" font-weight=\"bold\">{}</text><text x=\"{SIDE_X:.0}\" y=\"{:.0}\" font-size=\"15\" font-weight=\"bold\">{}</text></g>",
        esc(&p.title),
        esc(&p.subtitle),
        MAP_Y - 8.0,
        esc(&p.headings[0]),
        MAP_Y - 8.0,
        esc(&p.headings[1]),
    );
    // The map.
    let _ = write!(
        s,
        "<g class=\"map\"><rect x=\"{MAP_X:.0}\" y=\"{MAP_Y:.0}\" width=\"{:.0}\" height=\"{:.0}\" fill=\"#f7f5ef\" stroke=\"#999\"/>",
        pr.width, pr.height
    );
    for ring in p.boundary {
        let mut d = String::new();
        path(&mut d, &pr, ring, true);
        let _ = write!(
            s,
            "<path class=\"boundary\" d=\"{d}\" fill=\"#fff\" stroke=\"#333\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
        );
    }
    for layer in p.layers {
        let _ = write!(s, "<g class=\"layer d-{}\">", layer.as_str());
        let mine: Vec<&&PosterFeature<'_>> =
            shown.iter().filter(|f| f.dimension == *layer).collect();
        for pass in 0..3 {
            for code in &used {
                let mut body = String::new();
                for f in mine.iter().filter(|f| f.category == *code) {
                    match (pass, f.geometry) {
                        (0, Geometry::Polygon(rings)) => {
                            body.push_str("<path d=\"");
                            for r in rings {
                                path(&mut body, &pr, r, true);
                            }
                            body.push_str("\"/>");
                        }
                        (1, Geometry::LineString(ps)) => {
                            body.push_str("<path d=\"");
                            path(&mut body, &pr, ps, false);
                            body.push_str("\"/>");
                        }
                        (2, Geometry::Point(q)) => {
                            let (x, y) = pr.xy(*q);
                            let _ = write!(
                                body,
                                "<use href=\"#p-{}\" x=\"{:.0}\" y=\"{:.0}\"/>",
                                esc(code),
                                x + MAP_X,
                                y + MAP_Y
                            );
                        }
                        _ => {}
                    }
                }
                if body.is_empty() {
                    continue;
                }
                let c = esc(colour(code));
                match pass {
                    0 => {
                        let _ = write!(
                            s,
                            "<g fill=\"{c}\" fill-opacity=\"0.35\" stroke=\"{c}\" stroke-width=\"1.5\" fill-rule=\"evenodd\">{body}</g>"
                        );
                    }
                    1 => {
                        let _ = write!(
                            s,
                            "<g fill=\"none\" stroke=\"{c}\" stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\">{body}</g>"
                        );
                    }
                    _ => s.push_str(&body),
                }
            }
        }
        s.push_str("</g>");
    }
    // North arrow, top right of the map.
    let nx = MAP_X + pr.width - 26.0;
    let ny = MAP_Y + 12.0;
    let _ = write!(
        s,
        "<g class=\"north\"><path d=\"M{nx:.0} {ny:.0}l8 24-8-6-8 6Z\" fill=\"#333\"/><text x=\"{nx:.0}\" y=\"{:.0}\" text-anchor=\"middle\" font-size=\"13\" font-family=\"sans-serif\">N</text></g>",
        ny + 40.0
    );
    // Scale bar, bottom left of the map: the round distance nearest a fifth of its width.
    let px_per_m = pr.scale / M_PER_DEG;
    let target = (pr.width / 5.0) / px_per_m.max(1e-12);
    let step = [
        10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0,
        50000.0,
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
    let by = MAP_Y + pr.height - 16.0;
    let text = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let _ = write!(
        s,
        "<g class=\"scale\"><path d=\"M{:.0} {by:.0}h{len:.1}\" stroke=\"#333\" stroke-width=\"4\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" font-family=\"sans-serif\">{text}</text></g></g>",
        MAP_X + 14.0,
        MAP_X + 14.0,
        by - 8.0
    );
    // The network beside the map, scaled to the side column.
    let nh = net::height();
    let side_h = SIDE_W * nh / net::WIDTH;
    let _ = write!(
        s,
        "<svg x=\"{SIDE_X:.0}\" y=\"{MAP_Y:.0}\" width=\"{SIDE_W:.0}\" height=\"{side_h:.0}\" viewBox=\"0 0 {:.0} {nh:.0}\" class=\"network\">",
        net::WIDTH
    );
    net::body(&mut s, p.network, p.net_labels);
    s.push_str("</svg>");
    // Legend of the icons used, two columns under the network.
    let ly = MAP_Y + side_h + 34.0;
    let _ = write!(
        s,
        "<g class=\"legend\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#222\"><text x=\"{SIDE_X:.0}\" y=\"{ly:.0}\" font-size=\"15\" font-weight=\"bold\">{}</text>",
        esc(&p.headings[2])
    );
    let rows = used.len().div_ceil(2).max(1);
    for (i, code) in used.iter().enumerate() {
        let (col, row) = (i / rows, i % rows);
        let x = SIDE_X + 8.0 + col as f64 * SIDE_W / 2.0;
        let y = ly + 22.0 + row as f64 * 20.0;
        let label = p
            .categories
            .iter()
            .find(|c| c.code == *code)
            .map(|c| c.label.as_str())
            .unwrap_or(code);
        let _ = write!(
            s,
            "<use href=\"#p-{}\" x=\"{x:.0}\" y=\"{y:.0}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
            esc(code),
            x + 14.0,
            y + 4.0,
            esc(label)
        );
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use atlas_domain::carto_network::{ActorKind, Direction, RelKind};

    #[test]
    fn ten_thousand_features_and_five_hundred_actors_stay_under_a_megabyte() {
        let at = |i: usize, k: usize| Pos {
            lon: -58.427 + ((i * 37 + k) % 1000) as f64 * 0.0000075,
            lat: -34.732 + ((i * 91 + k * 3) % 1000) as f64 * 0.000006,
        };
        let geoms: Vec<(&str, Geometry)> = (0..10_000)
            .map(|i| match i % 3 {
                0 => ("school", Geometry::Point(at(i, 0))),
                1 => (
                    "route",
                    Geometry::LineString((0..5).map(|k| at(i, k)).collect()),
                ),
                _ => {
                    let mut r: Vec<Pos> = (0..5).map(|k| at(i, k)).collect();
                    r.push(r[0]);
                    ("dump", Geometry::Polygon(vec![r]))
                }
            })
            .collect();
        let feats: Vec<PosterFeature<'_>> = geoms
            .iter()
            .enumerate()
            .map(|(i, (c, g))| PosterFeature {
                geometry: g,
                category: c,
                dimension: Dimension::ALL[i % 4],
            })
            .collect();
        let nodes = (0..500)
            .map(|i| net::NetNode {
                key: format!("{i:03}"),
                label: format!("Actor {i}"),
                kind: ActorKind::ALL[i % 4],
                dimension: None,
            })
            .collect();
        let edges = (0..1500)
            .map(|i| net::NetEdge {
                key: format!("e{i}"),
                from: format!("{:03}", i % 500),
                to: format!("{:03}", (i * 7 + 1) % 500),
                kind: RelKind::ALL[i % 6],
                strength: 1 + (i % 3) as i64,
                direction: if i % 2 == 0 {
                    Direction::Directed
                } else {
                    Direction::Mutual
                },
            })
            .collect();
        let g = Graph::new(nodes, edges);
        let l = NetLabels::default();
        let out = svg(&Poster {
            title: "T".into(),
            subtitle: "S".into(),
            boundary: &[],
            bbox: (-58.4275, -34.7325, -58.419, -34.7255),
            features: &feats,
            categories: &[],
            layers: Dimension::ALL,
            network: &g,
            net_labels: &l,
            headings: ["Map".into(), "Net".into(), "Legend".into()],
            paper: Paper::A3,
        });
        assert!(out.len() < 1_000_000, "{} bytes", out.len());
    }

    #[test]
    fn layers_left_out_draw_nothing_and_the_legend_follows_the_map() {
        let a = Geometry::Point(Pos {
            lon: -58.42,
            lat: -34.73,
        });
        let b = Geometry::LineString(vec![
            Pos {
                lon: -58.43,
                lat: -34.73,
            },
            Pos {
                lon: -58.41,
                lat: -34.72,
            },
        ]);
        let feats = [
            PosterFeature {
                geometry: &a,
                category: "school",
                dimension: Dimension::Social,
            },
            PosterFeature {
                geometry: &b,
                category: "route",
                dimension: Dimension::Geographic,
            },
        ];
        let cats = [
            PosterCategory {
                code: "school".into(),
                colour: "#1f77b4".into(),
                label: "School & co".into(),
                icon: None,
            },
            PosterCategory {
                code: "route".into(),
                colour: "#636363".into(),
                label: "Route".into(),
                icon: None,
            },
        ];
        let g = Graph::new(Vec::new(), Vec::new());
        let l = NetLabels::default();
        let poster = |layers: &'static [Dimension]| Poster {
            title: "T".into(),
            subtitle: "S".into(),
            boundary: &[],
            bbox: (-58.44, -34.74, -58.40, -34.71),
            features: &feats,
            categories: &cats,
            layers,
            network: &g,
            net_labels: &l,
            headings: ["Map".into(), "Net".into(), "Legend".into()],
            paper: Paper::A4,
        };
        let all = svg(&poster(&[Dimension::Geographic, Dimension::Social]));
        assert!(all.contains("href=\"#p-school\""));
        assert!(all.contains("School &amp; co"));
        assert!(all.contains("width=\"297mm\""));
        let social = svg(&poster(&[Dimension::Social]));
        assert!(!social.contains("Route"));
        assert!(!social.contains("d-geographic"));
        assert_eq!(social, svg(&poster(&[Dimension::Social])));
    }
}
