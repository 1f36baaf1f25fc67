//! Cartography network pages: an exercise's actors and relationships (forms to add,
//! edit and remove them, no script), the network diagram drawn on the server with its
//! centrality table, key connectors and isolated actors; the GEXF download; and the
//! printable poster (HTML page and standalone SVG) with layers chosen by a GET form of
//! checkboxes.

use super::cartography::{form_state, rejected};
use super::{FormState, Shell, err, render_status};
use crate::AppState;
use crate::extract::{FormMap, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::carto_network::NetworkView;
use atlas_core::cartography::ExerciseView;
use atlas_core::store::carto_network::{ActorRow, RelationshipRow};
use atlas_domain::FieldErrors;
use atlas_domain::carto_network::{ActorInput, ActorKind, Direction, RelKind, RelationshipInput};
use atlas_domain::cartography::{Dimension, Pos, bbox};
use atlas_render::carto_network::{self as net, Graph, NetEdge, NetLabels, NetNode};
use atlas_render::carto_poster::{self, Paper, Poster, PosterCategory, PosterFeature};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use uuid::Uuid;

/// How many key connectors the page names.
const KEY_CONNECTORS: usize = 5;

/// The graph of a network view (sorted, measured, laid out).
pub fn graph_of(v: &NetworkView) -> Graph {
    let nodes = v
        .actors
        .iter()
        .filter_map(|a| {
            Some(NetNode {
                key: a.actor_id.to_string(),
                label: a.label.clone(),
                kind: ActorKind::parse(&a.kind)?,
                dimension: a.dimension.as_deref().and_then(Dimension::parse),
            })
        })
        .collect();
    let edges = v
        .relationships
        .iter()
        .filter_map(|r| {
            Some(NetEdge {
                key: r.relationship_id.to_string(),
                from: r.from_actor_id.to_string(),
                to: r.to_actor_id.to_string(),
                kind: RelKind::parse(&r.kind)?,
                strength: r.strength,
                direction: Direction::parse(&r.direction)?,
            })
        })
        .collect();
    Graph::new(nodes, edges)
}

/// The translated texts of the diagram.
pub fn labels(s: &Shell, title: &str) -> NetLabels {
    NetLabels {
        title: title.to_owned(),
        kinds: ActorKind::ALL
            .iter()
            .map(|k| s.code("carto-net-kind", k.as_str()))
            .collect(),
        rels: RelKind::ALL
            .iter()
            .map(|k| s.code("carto-net-rel", k.as_str()))
            .collect(),
        directed: s.t("carto-net-dir-directed"),
    }
}

/// One actor row of the table.
pub struct ActorLine {
    pub id: Uuid,
    pub label: String,
    pub kind: String,
    pub institution_id: String,
    pub dimension: String,
    pub note: String,
    pub version: i64,
    pub degree: usize,
    pub weighted: i64,
    pub betweenness: String,
}

/// One relationship row of the table.
pub struct RelLine {
    pub id: Uuid,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub strength: i64,
    pub direction: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "cartography/carto_network_page.html")]
struct NetworkPage {
    s: Shell,
    exercise_id: Uuid,
    exercise_name: String,
    manage: bool,
    svg: String,
    actors: Vec<ActorLine>,
    relationships: Vec<RelLine>,
    key_connectors: Vec<(String, String)>,
    isolated: Vec<String>,
    institutions: Vec<(Uuid, String)>,
    /// (id, label) for the relationship form, by label.
    choices: Vec<(Uuid, String)>,
    kinds: Vec<&'static str>,
    rel_kinds: Vec<&'static str>,
    dimensions: Vec<&'static str>,
    actor: FormState,
    rel: FormState,
    /// Messages of a rejected edit or removal.
    problems: Vec<String>,
}

#[derive(Default)]
struct Forms {
    actor: FormState,
    rel: FormState,
    problems: Vec<String>,
}

async fn network_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    forms: Forms,
    status: StatusCode,
) -> Response {
    let v = match state.app.carto_network(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "carto-net-title").titled(&v.exercise.name);
    let g = graph_of(&v);
    let svg = net::svg(
        &g,
        &labels(&s, &s.t1("carto-net-diagram", "name", &v.exercise.name)),
    );
    let by_key: HashMap<String, &ActorRow> = v
        .actors
        .iter()
        .map(|a| (a.actor_id.to_string(), a))
        .collect();
    let actors = g
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let a = *by_key.get(&n.key)?;
            Some(ActorLine {
                id: a.actor_id,
                label: a.label.clone(),
                kind: a.kind.clone(),
                institution_id: a.institution_id.map(|x| x.to_string()).unwrap_or_default(),
                dimension: a.dimension.clone().unwrap_or_default(),
                note: a.note.clone(),
                version: a.version,
                degree: g.centrality.degree[i],
                weighted: g.centrality.weighted[i],
                betweenness: format!("{:.1}", g.centrality.betweenness[i]),
            })
        })
        .collect();
    let label_of = |id: Uuid| {
        by_key
            .get(&id.to_string())
            .map(|a| a.label.clone())
            .unwrap_or_default()
    };
    let rel_by_key: HashMap<String, &RelationshipRow> = v
        .relationships
        .iter()
        .map(|r| (r.relationship_id.to_string(), r))
        .collect();
    let relationships = g
        .edges
        .iter()
        .filter_map(|(_, _, _, key)| {
            let r = *rel_by_key.get(key)?;
            Some(RelLine {
                id: r.relationship_id,
                from: label_of(r.from_actor_id),
                to: label_of(r.to_actor_id),
                kind: r.kind.clone(),
                strength: r.strength,
                direction: r.direction.clone(),
                note: r.note.clone(),
            })
        })
        .collect();
    let page = NetworkPage {
        exercise_id: id,
        exercise_name: v.exercise.name.clone(),
        manage: v.manage,
        svg,
        actors,
        relationships,
        key_connectors: g
            .centrality
            .key_connectors(KEY_CONNECTORS)
            .into_iter()
            .map(|i| {
                (
                    g.nodes[i].label.clone(),
                    format!("{:.1}", g.centrality.betweenness[i]),
                )
            })
            .collect(),
        isolated: g
            .centrality
            .isolated()
            .into_iter()
            .map(|i| g.nodes[i].label.clone())
            .collect(),
        institutions: v
            .institutions
            .iter()
            .map(|i| (i.institution_id, format!("{} ({})", i.name, i.acronym)))
            .collect(),
        choices: g
            .nodes
            .iter()
            .filter_map(|n| Some((Uuid::parse_str(&n.key).ok()?, n.label.clone())))
            .collect(),
        kinds: ActorKind::ALL.iter().map(|k| k.as_str()).collect(),
        rel_kinds: RelKind::ALL.iter().map(|k| k.as_str()).collect(),
        dimensions: Dimension::ALL.iter().map(|d| d.as_str()).collect(),
        actor: forms.actor,
        rel: forms.rel,
        problems: forms.problems,
        s,
    };
    render_status(status, &page)
}

/// GET /cartography/exercises/{id}/network
pub async fn page(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    network_page(&state, &u, id, Forms::default(), StatusCode::OK).await
}

const ACTOR_FIELDS: [&str; 5] = ["kind", "institution_id", "label", "dimension", "note"];
const REL_FIELDS: [&str; 6] = ["from_id", "to_id", "kind", "strength", "direction", "note"];

fn actor_input(form: &FormMap) -> ActorInput {
    ActorInput {
        kind: form.s("kind"),
        institution_id: form.s("institution_id"),
        label: form.s("label"),
        dimension: form.s("dimension"),
        note: form.s("note"),
    }
}

fn back(id: Uuid, anchor: &str) -> Response {
    Redirect::to(&format!("/cartography/exercises/{id}/network#{anchor}")).into_response()
}

/// POST /cartography/exercises/{id}/actors
pub async fn add_actor(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    match state
        .app
        .add_actor(By::User(u.actor()), id, &actor_input(&form))
        .await
    {
        Ok(_) => back(id, "actors"),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                let forms = Forms {
                    actor: form_state(&form, &ACTOR_FIELDS, fe),
                    ..Default::default()
                };
                network_page(&state, &u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => err(e),
        },
    }
}

fn problems(u: &UserCtx, fe: &FieldErrors) -> Vec<String> {
    let i = &u.ctx.i18n;
    fe.0.iter()
        .map(|x| {
            format!(
                "{}: {}",
                i.t(&format!("carto-net-field-{}", x.field)),
                i.t(x.key)
            )
        })
        .collect()
}

/// The exercise of an actor the user may read, for re-rendering after a rejection.
async fn exercise_of_actor(state: &AppState, u: &UserCtx, actor: Uuid) -> Option<Uuid> {
    let a = atlas_core::store::carto_network::get_actor(&state.app.db, actor)
        .await
        .ok()??;
    state
        .app
        .carto_network(u.actor(), a.exercise_id)
        .await
        .ok()
        .map(|v| v.exercise.exercise_id)
}

/// POST /cartography/actors/{id} — kind, institution_id, label, dimension, note, version.
pub async fn update_actor(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    match state
        .app
        .update_actor(
            By::User(u.actor()),
            id,
            &actor_input(&form),
            &form.s("version"),
        )
        .await
    {
        Ok(a) => back(a.exercise_id, "actors"),
        Err(e) => actor_refused(&state, &u, id, e).await,
    }
}

/// A refused edit or removal of actor `id`: the network page with the problems listed
/// (422), or the error itself when it is not about the input (404, 403…).
async fn actor_refused(state: &AppState, u: &UserCtx, id: Uuid, e: atlas_core::Error) -> Response {
    match (rejected(&e), exercise_of_actor(state, u, id).await) {
        (Some(fe), Some(ex)) => {
            let forms = Forms {
                problems: problems(u, &fe),
                ..Default::default()
            };
            network_page(state, u, ex, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        _ => err(e),
    }
}

/// POST /cartography/actors/{id}/remove — refused while relationships name the actor.
pub async fn remove_actor(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state.app.remove_actor(By::User(u.actor()), id).await {
        Ok(ex) => back(ex, "actors"),
        Err(e) => actor_refused(&state, &u, id, e).await,
    }
}

/// POST /cartography/exercises/{id}/relationships
pub async fn add_relationship(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = RelationshipInput {
        from_id: form.s("from_id"),
        to_id: form.s("to_id"),
        kind: form.s("kind"),
        strength: form.s("strength"),
        direction: form.s("direction"),
        note: form.s("note"),
    };
    match state
        .app
        .add_relationship(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => back(id, "relationships"),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                let forms = Forms {
                    rel: form_state(&form, &REL_FIELDS, fe),
                    ..Default::default()
                };
                network_page(&state, &u, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => err(e),
        },
    }
}

/// POST /cartography/relationships/{id}/remove
pub async fn remove_relationship(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state.app.remove_relationship(By::User(u.actor()), id).await {
        Ok(ex) => back(ex, "relationships"),
        Err(e) => err(e),
    }
}

/// GET /cartography/exercises/{id}/network.gexf — audited download for Gephi.
pub async fn gexf(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let v = match state.app.carto_network(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    if let Err(e) = state
        .app
        .audit_network_export(u.actor(), id, "gexf", v.actors.len(), v.relationships.len())
        .await
    {
        return err(e);
    }
    let g = graph_of(&v);
    let date = state.app.now().date().to_string();
    let body = net::gexf(&g, &v.exercise.name, &date);
    super::training_import::download(
        body.into_bytes(),
        "application/gexf+xml",
        &format!("atlas-network-{id}.gexf"),
    )
}

/// The poster's choices from the query: `paper=a3|a4` and repeated `layer=` (all four
/// when none is given; `layer=none` for none).
fn poster_query(uri: &Uri) -> (Paper, Vec<Dimension>) {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let paper = pairs
        .iter()
        .find(|(k, _)| k == "paper")
        .map(|(_, v)| Paper::parse(v))
        .unwrap_or(Paper::A3);
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "layer")
        .map(|(_, v)| v.trim())
        .collect();
    let layers = if chosen.is_empty() {
        Dimension::ALL.to_vec()
    } else {
        Dimension::ALL
            .iter()
            .copied()
            .filter(|d| chosen.contains(&d.as_str()))
            .collect()
    };
    (paper, layers)
}

/// The map's bounding box: the boundary's, else the features', else around the origin.
fn map_bbox(v: &ExerciseView) -> (f64, f64, f64, f64) {
    let ring: Vec<Pos> = v.boundary.iter().flatten().copied().collect();
    bbox(&ring)
        .or_else(|| {
            let all: Vec<Pos> = v
                .features
                .iter()
                .flat_map(|f| f.geometry.positions())
                .collect();
            bbox(&all).map(|(w, s, e, n)| (w - 0.002, s - 0.002, e + 0.002, n + 0.002))
        })
        .unwrap_or((-0.01, -0.01, 0.01, 0.01))
}

/// Draws the poster of an exercise as the user may see it.
async fn poster_svg(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    paper: Paper,
    layers: &[Dimension],
) -> Result<(String, ExerciseView, Shell), Response> {
    let v = state.app.carto_exercise(u.actor(), id).await.map_err(err)?;
    let n = state.app.carto_network(u.actor(), id).await.map_err(err)?;
    let s = Shell::new(&u.ctx, "carto-poster").titled(&v.exercise.name);
    let g = graph_of(&n);
    let nl = labels(&s, &s.t1("carto-net-diagram", "name", &v.exercise.name));
    let features: Vec<PosterFeature<'_>> = v
        .features
        .iter()
        .filter_map(|f| {
            Some(PosterFeature {
                geometry: &f.geometry,
                category: &f.row.category,
                dimension: Dimension::parse(&f.row.dimension)?,
            })
        })
        .collect();
    let categories: Vec<PosterCategory> = v
        .categories
        .all()
        .into_iter()
        .map(|c| PosterCategory {
            label: super::cartography::cat_label(&s, &v.categories, &c.code),
            icon: v.categories.own(&c.code).map(|o| o.icon.clone()),
            code: c.code,
            colour: c.colour,
        })
        .collect();
    let date = state.app.now().date().to_string();
    let subtitle = format!("{} · {date}", v.area.name);
    let svg = carto_poster::svg(&Poster {
        title: v.exercise.name.clone(),
        subtitle,
        boundary: &v.boundary,
        bbox: map_bbox(&v),
        features: &features,
        categories: &categories,
        layers,
        network: &g,
        net_labels: &nl,
        headings: [
            s.t("carto-map"),
            s.t("carto-net-title"),
            s.t("carto-legend"),
        ],
        paper,
    });
    Ok((svg, v, s))
}

#[derive(Template)]
#[template(path = "cartography/carto_network_poster.html")]
struct PosterPage {
    s: Shell,
    exercise_id: Uuid,
    svg: String,
    paper: &'static str,
    /// (code, checked)
    layers: Vec<(&'static str, bool)>,
    query: String,
}

fn query_of(paper: Paper, layers: &[Dimension]) -> String {
    let mut pairs = vec![("paper", paper.as_str())];
    if layers.is_empty() {
        pairs.push(("layer", "none"));
    }
    pairs.extend(layers.iter().map(|d| ("layer", d.as_str())));
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// GET /cartography/exercises/{id}/poster?paper=&layer=…
pub async fn poster(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    uri: Uri,
) -> Response {
    let (paper, layers) = poster_query(&uri);
    let (svg, _, s) = match poster_svg(&state, &u, id, paper, &layers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_status(
        StatusCode::OK,
        &PosterPage {
            s,
            exercise_id: id,
            svg,
            paper: paper.as_str(),
            layers: Dimension::ALL
                .iter()
                .map(|d| (d.as_str(), layers.contains(d)))
                .collect(),
            query: query_of(paper, &layers),
        },
    )
}

/// GET /cartography/exercises/{id}/poster.svg?paper=&layer=… — the standalone SVG.
pub async fn poster_file(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    uri: Uri,
) -> Response {
    let (paper, layers) = poster_query(&uri);
    match poster_svg(&state, &u, id, paper, &layers).await {
        Ok((svg, _, _)) => {
            let mut r = svg.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            );
            r
        }
        Err(r) => r,
    }
}
