//! The actor network of a mapping exercise: who acts in the neighbourhood (institutions of
//! the directory, community organisations, informal groups and roles — a role such as
//! "recruiter", never a private person's name) and how they relate (cooperation,
//! conflict, referral, funding, information, dependency; strength 1–3; directed or
//! mutual). Also the network's centrality (degree, weighted degree, Brandes
//! betweenness) and a deterministic force-directed layout.
//!
//! Invariants: the layout and the centrality depend only on the order of the nodes and
//! edges they are given; callers sort both (by label and id) first, so the same network
//! gives the same picture whatever order it was entered in.

use crate::cartography::Dimension;
use crate::directory::string_enum;
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use uuid::Uuid;

string_enum!(
    /// What an actor of the network is.
    ActorKind {
        Institution = "institution",
        CommunityOrganisation = "community_organisation",
        InformalGroup = "informal_group",
        Role = "role",
    }
);

impl ActorKind {
    /// Fill colour of the kind's nodes (`#rrggbb`).
    pub fn colour(self) -> &'static str {
        match self {
            ActorKind::Institution => "#1f77b4",
            ActorKind::CommunityOrganisation => "#2ca02c",
            ActorKind::InformalGroup => "#ff7f0e",
            ActorKind::Role => "#d62728",
        }
    }
}

string_enum!(
    /// What a relationship between two actors is.
    RelKind {
        Cooperation = "cooperation",
        Conflict = "conflict",
        Referral = "referral",
        Funding = "funding",
        Information = "information",
        Dependency = "dependency",
    }
);

impl RelKind {
    /// Stroke colour and dash pattern (empty for a solid line) of the kind's edges.
    pub fn style(self) -> (&'static str, &'static str) {
        match self {
            RelKind::Cooperation => ("#2ca02c", ""),
            RelKind::Conflict => ("#d62728", "6 3"),
            RelKind::Referral => ("#1f77b4", ""),
            RelKind::Funding => ("#8c564b", "2 2"),
            RelKind::Information => ("#7f7f7f", "1 3"),
            RelKind::Dependency => ("#9467bd", "8 3 2 3"),
        }
    }
}

string_enum!(
    /// Whether a relationship goes from one actor to the other or both ways.
    Direction {
        Directed = "directed",
        Mutual = "mutual",
    }
);

/// An actor as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActorInput {
    pub kind: String,
    pub institution_id: String,
    pub label: String,
    pub dimension: String,
    pub note: String,
}

/// A parsed actor. An institution's label is taken from the directory by the use case
/// (which also checks it exists and is of the exercise's country).
#[derive(Debug, Clone, PartialEq)]
pub struct ActorDraft {
    pub kind: ActorKind,
    pub institution_id: Option<Uuid>,
    pub label: String,
    pub dimension: Option<Dimension>,
    pub note: String,
}

fn note(s: &str, field: &str, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.chars().count() > 2000 {
        e.add(field, "field-too-long");
    }
    t.to_owned()
}

impl ActorDraft {
    /// Parses every field, one message per bad field.
    pub fn parse(i: &ActorInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let kind = ActorKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "carto-net-kind-unknown");
        }
        let mut institution_id = None;
        let mut label = String::new();
        if kind == Some(ActorKind::Institution) {
            match Uuid::parse_str(i.institution_id.trim()) {
                Ok(u) => institution_id = Some(u),
                Err(_) => e.add("institution_id", "carto-institution-unknown"),
            }
        } else if kind.is_some() {
            label = crate::directory::required_text(&i.label, "label", 200, &mut e);
        }
        let dimension = if i.dimension.trim().is_empty() {
            None
        } else {
            let d = Dimension::parse(&i.dimension);
            if d.is_none() {
                e.add("dimension", "field-choice");
            }
            d
        };
        let note = note(&i.note, "note", &mut e);
        match kind {
            Some(kind) if e.is_empty() => Ok(Self {
                kind,
                institution_id,
                label,
                dimension,
                note,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// A relationship as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RelationshipInput {
    pub from_id: String,
    pub to_id: String,
    pub kind: String,
    pub strength: String,
    pub direction: String,
    pub note: String,
}

/// A parsed relationship (that both actors are of the exercise is checked by the use
/// case).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipDraft {
    pub from: Uuid,
    pub to: Uuid,
    pub kind: RelKind,
    pub strength: i64,
    pub direction: Direction,
    pub note: String,
}

impl RelationshipDraft {
    /// Parses every field; an actor related to itself is refused (`to_id`).
    pub fn parse(i: &RelationshipInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let id = |s: &str, f: &str, e: &mut FieldErrors| match Uuid::parse_str(s.trim()) {
            Ok(u) => Some(u),
            Err(_) => {
                e.add(f, "field-reference");
                None
            }
        };
        let from = id(&i.from_id, "from_id", &mut e);
        let to = id(&i.to_id, "to_id", &mut e);
        if from.is_some() && from == to {
            e.add("to_id", "carto-net-self");
        }
        let kind = RelKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "field-choice");
        }
        let strength = match i.strength.trim().parse::<i64>() {
            Ok(v) if (1..=3).contains(&v) => v,
            _ => {
                e.add("strength", "carto-net-strength-range");
                0
            }
        };
        let direction = if i.direction.trim().is_empty() {
            Some(Direction::Mutual)
        } else {
            Direction::parse(&i.direction)
        };
        if direction.is_none() {
            e.add("direction", "field-choice");
        }
        let note = note(&i.note, "note", &mut e);
        match (from, to, kind, direction) {
            (Some(from), Some(to), Some(kind), Some(direction)) if e.is_empty() => Ok(Self {
                from,
                to,
                kind,
                strength,
                direction,
                note,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// An edge of the network by node index: from, to, strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub strength: i64,
}

/// Centrality of each node, by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Centrality {
    /// Number of relationships the node takes part in.
    pub degree: Vec<usize>,
    /// Sum of the strengths of those relationships.
    pub weighted: Vec<i64>,
    /// Betweenness on the undirected simple graph (each pair of nodes counted once):
    /// how many shortest paths between other actors pass through the node.
    pub betweenness: Vec<f64>,
}

impl Centrality {
    /// Indices of nodes without any relationship, in node order.
    pub fn isolated(&self) -> Vec<usize> {
        (0..self.degree.len())
            .filter(|&i| self.degree[i] == 0)
            .collect()
    }

    /// Up to `n` nodes of highest positive betweenness (ties by node order): the key
    /// connectors of the network.
    pub fn key_connectors(&self, n: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.betweenness.len())
            .filter(|&i| self.betweenness[i] > 1e-9)
            .collect();
        idx.sort_by(|&a, &b| {
            self.betweenness[b]
                .partial_cmp(&self.betweenness[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        idx.truncate(n);
        idx
    }
}

/// Neighbour lists of the undirected simple graph (no loops, no parallel edges), each
/// sorted, so traversal order follows node order.
fn neighbours(n: usize, edges: &[Edge]) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); n];
    for e in edges {
        if e.from < n && e.to < n && e.from != e.to {
            adj[e.from].push(e.to);
            adj[e.to].push(e.from);
        }
    }
    for a in &mut adj {
        a.sort_unstable();
        a.dedup();
    }
    adj
}

/// Degree, weighted degree and betweenness (Brandes 2001, unweighted, undirected) of a
/// network of `n` nodes. O(n·m) time, O(n + m) memory.
pub fn centrality(n: usize, edges: &[Edge]) -> Centrality {
    let mut degree = vec![0usize; n];
    let mut weighted = vec![0i64; n];
    for e in edges {
        if e.from < n && e.to < n && e.from != e.to {
            degree[e.from] += 1;
            degree[e.to] += 1;
            weighted[e.from] += e.strength;
            weighted[e.to] += e.strength;
        }
    }
    let adj = neighbours(n, edges);
    let mut cb = vec![0f64; n];
    let mut stack = Vec::with_capacity(n);
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut sigma = vec![0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0f64; n];
    let mut queue = VecDeque::with_capacity(n);
    for s in 0..n {
        stack.clear();
        for v in 0..n {
            pred[v].clear();
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            stack.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    pred[w].push(v);
                }
            }
        }
        while let Some(w) = stack.pop() {
            for &v in &pred[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    // Every undirected pair was counted from both ends.
    for c in &mut cb {
        *c /= 2.0;
    }
    Centrality {
        degree,
        weighted,
        betweenness: cb,
    }
}

/// A force-directed layout (Fruchterman–Reingold) of `n` nodes in the unit square,
/// starting from positions on a circle in node order and running a fixed number of
/// iterations with a linearly cooling temperature. Deterministic: no randomness, the
/// same arithmetic in the same order. O(iterations · n²).
pub fn layout(n: usize, edges: &[Edge]) -> Vec<(f64, f64)> {
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![(0.5, 0.5)];
    }
    let adj = neighbours(n, edges);
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            (0.5 + 0.4 * a.cos(), 0.5 + 0.4 * a.sin())
        })
        .collect();
    let k = (1.0 / n as f64).sqrt();
    let k2 = k * k;
    let iterations = if n > 200 { 40 } else { 80 };
    let mut disp = vec![(0f64, 0f64); n];
    for it in 0..iterations {
        let t = 0.1 * (1.0 - it as f64 / iterations as f64) + 0.002;
        for d in disp.iter_mut() {
            *d = (0.0, 0.0);
        }
        for i in 0..n {
            let (xi, yi) = pos[i];
            for j in (i + 1)..n {
                let dx = xi - pos[j].0;
                let dy = yi - pos[j].1;
                let d2 = (dx * dx + dy * dy).max(1e-9);
                let f = k2 / d2; // repulsion k²/d, along the unit vector (dx, dy)/d
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for (i, a) in adj.iter().enumerate() {
            for &j in a.iter().filter(|&&j| j > i) {
                let dx = pos[i].0 - pos[j].0;
                let dy = pos[i].1 - pos[j].1;
                let d = (dx * dx + dy * dy).sqrt().max(1e-9);
                let f = d / k; // attraction d²/k, along the unit vector
                disp[i].0 -= dx * f;
                disp[i].1 -= dy * f;
                disp[j].0 += dx * f;
                disp[j].1 += dy * f;
            }
        }
        for i in 0..n {
            // A weak pull to the centre keeps isolated actors and loose components on
            // the picture.
            disp[i].0 += (0.5 - pos[i].0) * k * 2.0;
            disp[i].1 += (0.5 - pos[i].1) * k * 2.0;
            let (dx, dy) = disp[i];
            let d = (dx * dx + dy * dy).sqrt();
            if d > 0.0 {
                let m = d.min(t) / d;
                pos[i].0 = (pos[i].0 + dx * m).clamp(0.0, 1.0);
                pos[i].1 = (pos[i].1 + dy * m).clamp(0.0, 1.0);
            }
        }
    }
    // Fit the result to the unit square.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &pos {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    // An axis along which every node lies at the same place is centred, not pushed to
    // the edge.
    let fit = |v: f64, lo: f64, hi: f64| {
        if hi - lo < 1e-6 {
            0.5
        } else {
            (v - lo) / (hi - lo)
        }
    };
    pos.into_iter()
        .map(|(x, y)| (fit(x, x0, x1), fit(y, y0, y1)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn e(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            strength: 1,
        }
    }

    #[test]
    fn betweenness_of_a_path_a_star_and_a_bridge() {
        // Path 0-1-2-3: 1 and 2 each lie on two shortest paths.
        let c = centrality(4, &[e(0, 1), e(1, 2), e(2, 3)]);
        assert_eq!(c.betweenness, vec![0.0, 2.0, 2.0, 0.0]);
        // Star around 0 with four leaves: C(4,2) = 6 pairs through the centre.
        let c = centrality(5, &[e(0, 1), e(0, 2), e(0, 3), e(0, 4)]);
        assert_eq!(c.betweenness, vec![6.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(c.degree, vec![4, 1, 1, 1, 1]);
        // A square 0-1-2-3-0: two shortest paths between opposite corners, half each.
        let c = centrality(4, &[e(0, 1), e(1, 2), e(2, 3), e(3, 0)]);
        assert_eq!(c.betweenness, vec![0.5, 0.5, 0.5, 0.5]);
        // Parallel edges count in degree but not twice in betweenness.
        let c = centrality(3, &[e(0, 1), e(1, 0), e(1, 2)]);
        assert_eq!(c.degree, vec![2, 3, 1]);
        assert_eq!(c.betweenness, vec![0.0, 1.0, 0.0]);
        assert_eq!(c.key_connectors(3), vec![1]);
        let c = centrality(3, &[e(0, 1)]);
        assert_eq!(c.isolated(), vec![2]);
    }

    #[test]
    fn the_layout_is_deterministic_and_inside_the_square() {
        let edges = [e(0, 1), e(1, 2), e(2, 0), e(2, 3)];
        let a = layout(5, &edges);
        assert_eq!(a, layout(5, &edges));
        assert!(
            a.iter()
                .all(|&(x, y)| (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y))
        );
    }

    #[test]
    fn drafts_name_the_bad_field() {
        let Err(Error::Invalid(fe)) = RelationshipDraft::parse(&RelationshipInput {
            from_id: Uuid::nil().to_string(),
            to_id: Uuid::nil().to_string(),
            kind: "cooperation".into(),
            strength: "4".into(),
            ..Default::default()
        }) else {
            panic!("accepted")
        };
        assert_eq!(fe.get("to_id"), Some("carto-net-self"));
        assert_eq!(fe.get("strength"), Some("carto-net-strength-range"));
        let Err(Error::Invalid(fe)) = ActorDraft::parse(&ActorInput {
            kind: "role".into(),
            ..Default::default()
        }) else {
            panic!("accepted")
        };
        assert_eq!(fe.get("label"), Some("field-required"));
        let d = ActorDraft::parse(&ActorInput {
            kind: "institution".into(),
            institution_id: Uuid::nil().to_string(),
            label: "ignored".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(d.label, "");
    }
}
