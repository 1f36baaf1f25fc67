//! The actor network of a mapping exercise as a picture and as a file: a server-side SVG
//! (node size by betweenness, colour by actor kind, edge colour and dash by relationship
//! kind, width by strength, an arrow for directed relationships, a legend) and GEXF 1.3
//! (<http://gexf.net/1.3>) for Gephi, with the same layout as viz positions.
//!
//! Deterministic: [`Graph::new`] sorts the nodes by label and key and the edges by their
//! content before computing centrality and layout, so the same network gives the same
//! bytes whatever order it was entered in.

use crate::carto_map::esc;
use atlas_domain::carto_network::{
    ActorKind, Centrality, Direction, Edge, RelKind, centrality, layout,
};
use atlas_domain::cartography::Dimension;
use std::collections::HashMap;
use std::fmt::Write;

/// A node as handed in: a stable key (the actor id), its label, kind and dimension.
#[derive(Debug, Clone)]
pub struct NetNode {
    pub key: String,
    pub label: String,
    pub kind: ActorKind,
    pub dimension: Option<Dimension>,
}

/// An edge as handed in, by node keys.
#[derive(Debug, Clone)]
pub struct NetEdge {
    pub key: String,
    pub from: String,
    pub to: String,
    pub kind: RelKind,
    pub strength: i64,
    pub direction: Direction,
}

/// A sorted network with its centrality and layout (unit square).
#[derive(Debug, Clone)]
pub struct Graph {
    pub nodes: Vec<NetNode>,
    /// Edges with `from`/`to` as indices into `nodes`.
    pub edges: Vec<(Edge, RelKind, Direction, String)>,
    pub centrality: Centrality,
    pub positions: Vec<(f64, f64)>,
    /// The highest betweenness, for node sizes.
    max_betweenness: f64,
}

impl Graph {
    /// Sorts, indexes, measures and lays out a network. Edges naming an unknown node are
    /// left out.
    pub fn new(mut nodes: Vec<NetNode>, edges: Vec<NetEdge>) -> Self {
        nodes.sort_by(|a, b| {
            a.label
                .to_lowercase()
                .cmp(&b.label.to_lowercase())
                .then_with(|| a.label.cmp(&b.label))
                .then_with(|| a.key.cmp(&b.key))
        });
        let index: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        let mut es: Vec<(Edge, RelKind, Direction, String)> = edges
            .into_iter()
            .filter_map(|e| {
                let from = *index.get(e.from.as_str())?;
                let to = *index.get(e.to.as_str())?;
                Some((
                    Edge {
                        from,
                        to,
                        strength: e.strength,
                    },
                    e.kind,
                    e.direction,
                    e.key,
                ))
            })
            .collect();
        es.sort_by(|a, b| {
            (
                a.0.from,
                a.0.to,
                a.1.as_str(),
                a.0.strength,
                a.2.as_str(),
                &a.3,
            )
                .cmp(&(
                    b.0.from,
                    b.0.to,
                    b.1.as_str(),
                    b.0.strength,
                    b.2.as_str(),
                    &b.3,
                ))
        });
        let plain: Vec<Edge> = es.iter().map(|e| e.0).collect();
        let centrality = centrality(nodes.len(), &plain);
        let positions = layout(nodes.len(), &plain);
        let max_betweenness = centrality.betweenness.iter().copied().fold(0.0, f64::max);
        Self {
            nodes,
            edges: es,
            centrality,
            positions,
            max_betweenness,
        }
    }

    /// Radius of a node in pixels: 5 to 16 by the square root of its share of the
    /// highest betweenness.
    pub fn radius(&self, i: usize) -> f64 {
        let max = self.max_betweenness;
        let b = self.centrality.betweenness.get(i).copied().unwrap_or(0.0);
        if max <= 0.0 {
            6.0
        } else {
            5.0 + 11.0 * (b / max).sqrt()
        }
    }
}

/// Translated texts of the picture: its title, and the legend's names of the actor kinds
/// (in [`ActorKind::ALL`] order) and relationship kinds (in [`RelKind::ALL`] order), and
/// of a directed relationship.
#[derive(Debug, Clone, Default)]
pub struct NetLabels {
    pub title: String,
    pub kinds: Vec<String>,
    pub rels: Vec<String>,
    pub directed: String,
}

/// Width of the diagram in pixels.
pub const WIDTH: f64 = 640.0;
/// Height of the drawing area (the legend follows below).
pub const HEIGHT: f64 = 480.0;

/// Height of the whole picture, legend included.
pub fn height() -> f64 {
    let legend_rows = ActorKind::ALL.len().max(RelKind::ALL.len() + 1);
    HEIGHT + 16.0 + 16.0 * legend_rows as f64
}

/// The network as SVG: `WIDTH` wide, drawing area then legend. Labels are escaped.
pub fn svg(g: &Graph, l: &NetLabels) -> String {
    let h = height();
    let mut s = String::with_capacity(2048 + g.nodes.len() * 120 + g.edges.len() * 32);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"network\" viewBox=\"0 0 {WIDTH:.0} {h:.0}\" width=\"{WIDTH:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(&l.title)
    );
    body(&mut s, g, l);
    s.push_str("</svg>");
    s
}

/// The content of the network picture (defs, edges, nodes, labels, legend) in a
/// `WIDTH` × [`height`] coordinate system, for embedding in another SVG.
pub fn body(s: &mut String, g: &Graph, l: &NetLabels) {
    // Wider side margins so centred labels of nodes at the edge stay on the picture.
    let (mx, m) = (70.0, 24.0);
    let h = height();
    let xy = |i: usize| -> (f64, f64) {
        let (x, y) = g.positions.get(i).copied().unwrap_or((0.5, 0.5));
        (mx + x * (WIDTH - 2.0 * mx), m + y * (HEIGHT - 2.0 * m))
    };
    s.push_str("<defs>");
    for k in RelKind::ALL {
        let _ = write!(
            s,
            "<marker id=\"n-a-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\"><path d=\"M0 0L10 5L0 10Z\" fill=\"{}\"/></marker>",
            k.as_str(),
            k.style().0
        );
    }
    s.push_str("</defs>");
    let _ = write!(
        s,
        "<rect width=\"{WIDTH:.0}\" height=\"{h:.0}\" fill=\"#fff\"/>"
    );
    // Edges grouped by style so each is a short path; shortened to end at the target's
    // rim so arrows show.
    let mut groups: Vec<((RelKind, i64, bool), String)> = Vec::new();
    for (e, kind, dir, _) in &g.edges {
        let directed = *dir == Direction::Directed;
        let key = (*kind, e.strength, directed);
        let (x1, y1) = xy(e.from);
        let (x2, y2) = xy(e.to);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let d = (dx * dx + dy * dy).sqrt().max(1e-9);
        let cut = if directed { g.radius(e.to) + 1.0 } else { 0.0 };
        let (ex, ey) = (x2 - dx / d * cut, y2 - dy / d * cut);
        let pos = match groups.iter().position(|(k, _)| *k == key) {
            Some(p) => p,
            None => {
                groups.push((key, String::new()));
                groups.len() - 1
            }
        };
        let _ = write!(groups[pos].1, "M{x1:.0} {y1:.0}L{ex:.0} {ey:.0}");
    }
    groups.sort_by(|a, b| (a.0.0.as_str(), a.0.1, a.0.2).cmp(&(b.0.0.as_str(), b.0.1, b.0.2)));
    s.push_str("<g class=\"edges\" fill=\"none\">");
    for ((kind, strength, directed), d) in &groups {
        let (colour, dash) = kind.style();
        let _ = write!(
            s,
            "<path class=\"r-{k}\" d=\"{d}\" stroke=\"{colour}\" stroke-width=\"{w}\"{dash}{arrow}/>",
            k = kind.as_str(),
            w = 0.5 + *strength as f64,
            dash = if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            },
            arrow = if *directed {
                format!(" marker-end=\"url(#n-a-{})\"", kind.as_str())
            } else {
                String::new()
            },
        );
    }
    s.push_str("</g><g class=\"nodes\" stroke=\"#fff\" stroke-width=\"1\">");
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = xy(i);
        let _ = write!(
            s,
            "<circle cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"{:.1}\" fill=\"{}\"><title>{}</title></circle>",
            g.radius(i),
            n.kind.colour(),
            esc(&n.label)
        );
    }
    s.push_str("</g><g class=\"labels\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"middle\" fill=\"#222\">");
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = xy(i);
        let label: String = n.label.chars().take(28).collect();
        let _ = write!(
            s,
            "<text x=\"{x:.0}\" y=\"{:.0}\">{}</text>",
            y + g.radius(i) + 10.0,
            esc(&label)
        );
    }
    s.push_str("</g>");
    // Legend: actor kinds left, relationship kinds right.
    let _ = write!(
        s,
        "<g class=\"legend\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#222\">"
    );
    let top = HEIGHT + 12.0;
    for (i, k) in ActorKind::ALL.iter().enumerate() {
        let y = top + 16.0 * i as f64;
        let _ = write!(
            s,
            "<circle cx=\"{m:.0}\" cy=\"{y:.0}\" r=\"5\" fill=\"{}\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
            k.colour(),
            m + 10.0,
            y + 4.0,
            esc(l.kinds.get(i).map(String::as_str).unwrap_or(k.as_str()))
        );
    }
    let lx = WIDTH / 2.0;
    for (i, k) in RelKind::ALL.iter().enumerate() {
        let y = top + 16.0 * i as f64;
        let (colour, dash) = k.style();
        let _ = write!(
            s,
            "<path d=\"M{lx:.0} {y:.0}h28\" stroke=\"{colour}\" stroke-width=\"2\"{}/><text x=\"{:.0}\" y=\"{:.0}\">{}</text>",
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            },
            lx + 36.0,
            y + 4.0,
            esc(l.rels.get(i).map(String::as_str).unwrap_or(k.as_str()))
        );
    }
    let y = top + 16.0 * RelKind::ALL.len() as f64;
    let _ = write!(
        s,
        "<path d=\"M{lx:.0} {y:.0}h28\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#n-a-information)\"/><text x=\"{:.0}\" y=\"{:.0}\">{}</text></g>",
        lx + 36.0,
        y + 4.0,
        esc(&l.directed)
    );
}

fn rgb(hex: &str) -> (u8, u8, u8) {
    let c = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    (c(1), c(3), c(5))
}

/// The network as GEXF 1.3: nodes with label and the attributes kind, dimension,
/// degree, weighted degree and betweenness; edges with weight = strength, their own
/// `type` (directed or undirected) and kind; viz positions, sizes and colours from the
/// layout. `date` is the `lastmodifieddate` (YYYY-MM-DD).
pub fn gexf(g: &Graph, description: &str, date: &str) -> String {
    let mut s = String::with_capacity(1024 + g.nodes.len() * 400 + g.edges.len() * 200);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<gexf xmlns=\"http://gexf.net/1.3\" xmlns:viz=\"http://gexf.net/1.3/viz\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">\n");
    let _ = writeln!(
        s,
        "<meta lastmodifieddate=\"{}\"><creator>ATLAS</creator><description>{}</description></meta>",
        esc(date),
        esc(description)
    );
    s.push_str("<graph mode=\"static\" defaultedgetype=\"undirected\">\n");
    s.push_str("<attributes class=\"node\"><attribute id=\"kind\" title=\"kind\" type=\"string\"/><attribute id=\"dimension\" title=\"dimension\" type=\"string\"/><attribute id=\"degree\" title=\"degree\" type=\"integer\"/><attribute id=\"weighted_degree\" title=\"weighted degree\" type=\"integer\"/><attribute id=\"betweenness\" title=\"betweenness\" type=\"double\"/></attributes>\n");
    s.push_str("<attributes class=\"edge\"><attribute id=\"kind\" title=\"kind\" type=\"string\"/></attributes>\n<nodes>\n");
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = g.positions.get(i).copied().unwrap_or((0.5, 0.5));
        let (r, gr, b) = rgb(n.kind.colour());
        let _ = writeln!(
            s,
            "<node id=\"{}\" label=\"{}\"><attvalues><attvalue for=\"kind\" value=\"{}\"/><attvalue for=\"dimension\" value=\"{}\"/><attvalue for=\"degree\" value=\"{}\"/><attvalue for=\"weighted_degree\" value=\"{}\"/><attvalue for=\"betweenness\" value=\"{}\"/></attvalues><viz:color r=\"{r}\" g=\"{gr}\" b=\"{b}\"/><viz:position x=\"{:.1}\" y=\"{:.1}\" z=\"0.0\"/><viz:size value=\"{:.1}\"/></node>",
            esc(&n.key),
            esc(&n.label),
            n.kind.as_str(),
            n.dimension.map(|d| d.as_str()).unwrap_or(""),
            g.centrality.degree[i],
            g.centrality.weighted[i],
            g.centrality.betweenness[i],
            (x - 0.5) * 1000.0,
            (0.5 - y) * 1000.0,
            g.radius(i)
        );
    }
    s.push_str("</nodes>\n<edges>\n");
    for (e, kind, dir, key) in &g.edges {
        let _ = writeln!(
            s,
            "<edge id=\"{}\" source=\"{}\" target=\"{}\" type=\"{}\" weight=\"{}\"><attvalues><attvalue for=\"kind\" value=\"{}\"/></attvalues></edge>",
            esc(key),
            esc(&g.nodes[e.from].key),
            esc(&g.nodes[e.to].key),
            if *dir == Direction::Directed {
                "directed"
            } else {
                "undirected"
            },
            e.strength,
            kind.as_str()
        );
    }
    s.push_str("</edges>\n</graph>\n</gexf>\n");
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn node(key: &str, label: &str) -> NetNode {
        NetNode {
            key: key.into(),
            label: label.into(),
            kind: ActorKind::Role,
            dimension: None,
        }
    }

    fn edge(key: &str, from: &str, to: &str) -> NetEdge {
        NetEdge {
            key: key.into(),
            from: from.into(),
            to: to.into(),
            kind: RelKind::Conflict,
            strength: 2,
            direction: Direction::Directed,
        }
    }

    #[test]
    fn snapshot_of_a_two_actor_network() {
        let g = Graph::new(
            vec![node("1", "Reclutador"), node("2", "Hornos")],
            vec![edge("e1", "1", "2")],
        );
        let s = svg(&g, &NetLabels::default());
        let edges =
            &s[s.find("<g class=\"edges\"").unwrap()..s.find("<g class=\"legend\"").unwrap()];
        // Sorted by label (Hornos first), the directed edge from Reclutador stops at
        // Hornos's rim (radius + 1) so its arrow shows; both on the middle line.
        assert_eq!(
            edges,
            concat!(
                "<g class=\"edges\" fill=\"none\">",
                "<path class=\"r-conflict\" d=\"M70 240L563 240\" stroke=\"#d62728\" stroke-width=\"2.5\" stroke-dasharray=\"6 3\" marker-end=\"url(#n-a-conflict)\"/>",
                "</g>",
                "<g class=\"nodes\" stroke=\"#fff\" stroke-width=\"1\">",
                "<circle cx=\"570\" cy=\"240\" r=\"6.0\" fill=\"#d62728\">",
                "<title>Hornos</title>",
                "</circle>",
                "<circle cx=\"70\" cy=\"240\" r=\"6.0\" fill=\"#d62728\">",
                "<title>Reclutador</title>",
                "</circle>",
                "</g>",
                "<g class=\"labels\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"middle\" fill=\"#222\">",
                "<text x=\"570\" y=\"256\">Hornos</text>",
                "<text x=\"70\" y=\"256\">Reclutador</text>",
                "</g>",
            )
        );
    }

    #[test]
    fn the_order_of_input_does_not_change_the_picture() {
        let a = Graph::new(
            vec![node("1", "B <x>"), node("2", "A"), node("3", "C")],
            vec![edge("e1", "1", "2"), edge("e2", "2", "3")],
        );
        let b = Graph::new(
            vec![node("3", "C"), node("2", "A"), node("1", "B <x>")],
            vec![edge("e2", "2", "3"), edge("e1", "1", "2")],
        );
        let l = NetLabels::default();
        assert_eq!(svg(&a, &l), svg(&b, &l));
        assert!(svg(&a, &l).contains("B &lt;x&gt;"));
        assert!(svg(&a, &l).contains("marker-end=\"url(#n-a-conflict)\""));
        assert_eq!(gexf(&a, "d", "2026-01-01"), gexf(&b, "d", "2026-01-01"));
    }
}
