//! The printable poster of a large exercise: 10,000 features (points, lines and areas of
//! the four dimensions) and a network of 500 actors with about 1,500 relationships.
//! Times the pure render function (`render::carto_poster::svg`, with the network's
//! centrality and layout) and the whole `GET …/poster.svg` through the router on SQLite
//! (and PostgreSQL when `ATLAS_TEST_POSTGRES_URL` is set). Prints p50 over 20 runs and
//! the SVG size; asserts nothing about time.
//!
//! `cargo bench -p atlas-web --bench cartography`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::carto_network::{ActorInput, ActorKind, Direction, RelKind, RelationshipInput};
use atlas_domain::cartography::{
    DEFAULT_CATEGORIES, Dimension, ExerciseInput, GeomKind, Geometry, Pos,
};
use atlas_render::carto_network::{Graph, NetEdge, NetLabels, NetNode};
use atlas_render::carto_poster::{Paper, Poster, PosterCategory, PosterFeature, svg};
use atlas_testkit::TestApp;
use std::time::{Duration, Instant};

const FEATURES: usize = 10_000;
const ACTORS: usize = 500;
const RELATIONSHIPS: usize = 1_500;
const RUNS: usize = 20;
/// Around barrio 17 de Noviembre.
const BBOX: (f64, f64, f64, f64) = (-58.4270, -34.7320, -58.4195, -34.7260);

/// A small deterministic generator (64-bit LCG), so every run draws the same exercise.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pos(&mut self) -> Pos {
        Pos {
            lon: BBOX.0 + self.next() * (BBOX.2 - BBOX.0),
            lat: BBOX.1 + self.next() * (BBOX.3 - BBOX.1),
        }
    }
}

/// Features as (category code, geometry): a third points, a third lines, a third areas.
fn features() -> Vec<(&'static str, Geometry)> {
    let mut r = Lcg(7);
    let of = |k: GeomKind| -> Vec<&'static str> {
        DEFAULT_CATEGORIES
            .iter()
            .filter(|c| c.kind == k)
            .map(|c| c.code)
            .collect()
    };
    let (points, lines, areas) = (of(GeomKind::Point), of(GeomKind::Line), of(GeomKind::Area));
    (0..FEATURES)
        .map(|i| {
            let p = r.pos();
            match i % 3 {
                0 => (points[i % points.len()], Geometry::Point(p)),
                1 => {
                    let mut v = vec![p];
                    for k in 1..5 {
                        v.push(Pos {
                            lon: p.lon + 0.00008 * k as f64,
                            lat: p.lat + if k % 2 == 0 { 0.00005 } else { -0.00005 },
                        });
                    }
                    (lines[i % lines.len()], Geometry::LineString(v))
                }
                _ => {
                    let d = 0.00006;
                    let ring = vec![
                        p,
                        Pos {
                            lon: p.lon + d,
                            lat: p.lat,
                        },
                        Pos {
                            lon: p.lon + d,
                            lat: p.lat + d,
                        },
                        Pos {
                            lon: p.lon + d / 2.0,
                            lat: p.lat + 1.5 * d,
                        },
                        Pos {
                            lon: p.lon,
                            lat: p.lat + d,
                        },
                        p,
                    ];
                    (areas[i % areas.len()], Geometry::Polygon(vec![ring]))
                }
            }
        })
        .collect()
}

/// Relationships as (from, to, kind, strength, direction) over `ACTORS` actors: a ring
/// so the network is connected, and random chords.
fn relationships() -> Vec<(usize, usize, RelKind, i64, Direction)> {
    let mut r = Lcg(11);
    (0..RELATIONSHIPS)
        .map(|i| {
            let from = i % ACTORS;
            let to = if i < ACTORS {
                (i + 1) % ACTORS
            } else {
                let mut t = (r.next() * ACTORS as f64) as usize % ACTORS;
                if t == from {
                    t = (t + 7) % ACTORS;
                }
                t
            };
            (
                from,
                to,
                RelKind::ALL[i % RelKind::ALL.len()],
                1 + (i % 3) as i64,
                if i % 4 == 0 {
                    Direction::Directed
                } else {
                    Direction::Mutual
                },
            )
        })
        .collect()
}

fn kind_of(i: usize) -> ActorKind {
    [
        ActorKind::CommunityOrganisation,
        ActorKind::InformalGroup,
        ActorKind::Role,
    ][i % 3]
}

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pure() {
    let feats = features();
    let boundary = vec![vec![
        Pos {
            lon: BBOX.0,
            lat: BBOX.1,
        },
        Pos {
            lon: BBOX.2,
            lat: BBOX.1,
        },
        Pos {
            lon: BBOX.2,
            lat: BBOX.3,
        },
        Pos {
            lon: BBOX.0,
            lat: BBOX.3,
        },
        Pos {
            lon: BBOX.0,
            lat: BBOX.1,
        },
    ]];
    let items: Vec<PosterFeature<'_>> = feats
        .iter()
        .map(|(code, g)| PosterFeature {
            geometry: g,
            category: code,
            dimension: atlas_domain::cartography::category(code).unwrap().dimension,
        })
        .collect();
    let cats: Vec<PosterCategory> = DEFAULT_CATEGORIES
        .iter()
        .map(|c| PosterCategory {
            code: c.code.into(),
            colour: c.colour.into(),
            label: c.code.into(),
            icon: None,
        })
        .collect();
    let nodes: Vec<NetNode> = (0..ACTORS)
        .map(|i| NetNode {
            key: format!("{i:04}"),
            label: format!("Actor {i}"),
            kind: kind_of(i),
            dimension: Some(Dimension::ALL[i % 4]),
        })
        .collect();
    let edges: Vec<NetEdge> = relationships()
        .into_iter()
        .enumerate()
        .map(|(n, (a, b, kind, strength, direction))| NetEdge {
            key: format!("e{n}"),
            from: format!("{a:04}"),
            to: format!("{b:04}"),
            kind,
            strength,
            direction,
        })
        .collect();
    let labels = NetLabels {
        title: "Network".into(),
        ..Default::default()
    };
    let (mut graph_t, mut poster_t, mut size) = (Vec::new(), Vec::new(), 0);
    for _ in 0..RUNS {
        let s = Instant::now();
        let g = Graph::new(nodes.clone(), edges.clone());
        graph_t.push(s.elapsed());
        let s = Instant::now();
        let out = svg(&Poster {
            title: "Mapeo participativo 17 de Noviembre".into(),
            subtitle: "17 de Noviembre · 2026-12-03".into(),
            boundary: &boundary,
            bbox: BBOX,
            features: &items,
            categories: &cats,
            layers: Dimension::ALL,
            network: &g,
            net_labels: &labels,
            headings: ["Map".into(), "Actors".into(), "Legend".into()],
            paper: Paper::A3,
        });
        poster_t.push(s.elapsed());
        size = out.len();
    }
    let (g, p) = (p50(graph_t), p50(poster_t));
    println!(
        "poster (pure) {FEATURES} features, {ACTORS} actors, {RELATIONSHIPS} relationships: network centrality+layout p50 {g:.2?}, SVG writing p50 {p:.2?}, total {:.2?}; {size} bytes ({:.2} MB)",
        g + p,
        size as f64 / 1_048_576.0
    );
}

async fn through_the_router(mut t: TestApp) {
    t.seed_demo().await;
    let area = t.area_id("17 de Noviembre").await;
    let ex = t
        .app
        .create_exercise(
            By::Operator,
            &ExerciseInput {
                area_id: area.to_string(),
                name: "Bench".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .exercise_id;
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "features": features().iter().map(|(code, g)| serde_json::json!({
            "type": "Feature",
            "properties": {"category": code},
            "geometry": g.to_json(),
        })).collect::<Vec<_>>(),
    });
    let n = t
        .app
        .import_features(
            By::Operator,
            ex,
            atlas_core::cartography::ImportFormat::GeoJson,
            &fc.to_string(),
        )
        .await
        .unwrap();
    let mut ids = Vec::with_capacity(ACTORS);
    for i in 0..ACTORS {
        let a = t
            .app
            .add_actor(
                By::Operator,
                ex,
                &ActorInput {
                    kind: kind_of(i).as_str().into(),
                    label: format!("Actor {i}"),
                    dimension: Dimension::ALL[i % 4].as_str().into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        ids.push(a.actor_id);
    }
    for (a, b, kind, strength, direction) in relationships() {
        t.app
            .add_relationship(
                By::Operator,
                ex,
                &RelationshipInput {
                    from_id: ids[a].to_string(),
                    to_id: ids[b].to_string(),
                    kind: kind.as_str().into(),
                    strength: strength.to_string(),
                    direction: direction.as_str().into(),
                    note: String::new(),
                },
            )
            .await
            .unwrap();
    }
    let mut c = t.signed_in("mapping_facilitator").await;
    let path = format!("/cartography/exercises/{ex}/poster.svg");
    let (mut times, mut size) = (Vec::new(), 0);
    for _ in 0..RUNS {
        let s = Instant::now();
        let r = c.get(&path).await;
        times.push(s.elapsed());
        assert_eq!(r.status, axum::http::StatusCode::OK);
        size = r.body.len();
    }
    println!(
        "poster (router, {}) {n} features, {ACTORS} actors, {RELATIONSHIPS} relationships: GET poster.svg p50 {:.2?}; {size} bytes ({:.2} MB)",
        t.name(),
        p50(times),
        size as f64 / 1_048_576.0
    );
}

fn main() {
    pure();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        through_the_router(TestApp::sqlite().await).await;
        if let Ok(url) = std::env::var("ATLAS_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            through_the_router(TestApp::postgres(&url).await).await;
        }
    });
}
