//! Cartography pages: the list of mapping exercises, an exercise's page with its map
//! drawn on the server as inline SVG (layers per dimension switched with links, no
//! script), the forms to add a point (typed lon/lat, or a click on the map through an
//! `<input type=image>` whose x/y the server turns back into lon/lat), record a workshop,
//! import GeoJSON or CSV (every bad feature or row listed, nothing written) and edit or
//! remove features; exports; the joint action plan and its public read-only page.
//!
//! Lines and areas are drawn without script: in drawing mode (`?draw=line|area`) a GET
//! form around the map picture adds a vertex per click, undoes, clears or takes typed
//! vertices; the vertices travel in a hidden field as `lon,lat;lon,lat` and are parsed
//! again on every request. "Finish" checks the shape and shows the feature form, whose
//! POST goes through the same validation as imports.

use super::{FormState, Shell, err, render, render_status};
use crate::AppState;
use crate::extract::{Ctx, FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::cartography::{ExerciseView, FeatureView, ImportFormat, Plan};
use atlas_core::directory::Query;
use atlas_core::store::cartography::ExerciseRow;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::cartography::{
    ActionInput, ActionStatus, ActionUpdateInput, CategoryInput, CategorySet, Crime,
    DEFAULT_CATEGORIES, Dimension, ExerciseInput, GeomKind, MAX_VERTICES, MAX_VULNERABILITIES,
    PlanLevel, PointInput, Pos, Projection, Sensitivity, ShapeInput, TileServer, TimeCode,
    WORKSHOP_GROUPS, WorkshopInput, bbox, check_range, format_budget, format_vertices,
    parse_typed_vertices, parse_vertices, sketch_geometry, stored_times, stored_vulnerabilities,
    tiles_for, vulnerabilities_cell,
};
use atlas_domain::directory::AreaLevel;
use atlas_render::carto_map::{self, MapItem};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// Width of the map picture in pixels (the click form relies on it not being scaled).
const MAP_WIDTH: f64 = 640.0;

#[derive(Template)]
#[template(path = "cartography/index.html")]
struct IndexPage {
    s: Shell,
    rows: Vec<(ExerciseRow, String)>,
    areas: Vec<(Uuid, String)>,
    manage: bool,
    f: FormState,
}

async fn index_page(state: &AppState, u: &UserCtx, f: FormState) -> Response {
    let actor = u.actor();
    let rows = match state.app.carto_exercises(actor).await {
        Ok(r) => r,
        Err(e) => return err(e),
    };
    let areas_all = match state
        .app
        .areas(
            actor,
            &Query {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
    {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let name_of = |id: Uuid| {
        areas_all
            .iter()
            .find(|a| a.area_id == id)
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let manage = atlas_domain::auth::can(actor, atlas_domain::auth::Action::ManageCartography);
    let mut areas: Vec<(Uuid, String)> = areas_all
        .iter()
        .filter(|a| AreaLevel::parse(&a.level) == Some(AreaLevel::Neighbourhood))
        .filter(|a| {
            actor.country.as_str() == a.country_code
                || atlas_domain::auth::scope(
                    actor.role,
                    atlas_domain::auth::Action::ManageCartography,
                ) == Some(atlas_domain::auth::Scope::All)
        })
        .map(|a| {
            let parent = a.parent_id.map(name_of).unwrap_or_default();
            (
                a.area_id,
                format!("{} — {parent} ({})", a.name, a.country_code),
            )
        })
        .collect();
    areas.sort_by_key(|a| a.1.to_lowercase());
    let status = if f.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &IndexPage {
            s: Shell::new(&u.ctx, "carto-title"),
            rows: rows
                .into_iter()
                .map(|e| {
                    let n = name_of(e.area_id);
                    (e, n)
                })
                .collect(),
            areas,
            manage,
            f,
        },
    )
}

/// GET /cartography
pub async fn index(State(state): State<AppState>, u: UserCtx) -> Response {
    index_page(&state, &u, FormState::default()).await
}

/// POST /cartography/exercises
pub async fn create(State(state): State<AppState>, u: UserCtx, form: FormMap) -> Response {
    let input = ExerciseInput {
        area_id: form.s("area_id"),
        name: form.s("name"),
        purpose: form.s("purpose"),
        starts_on: form.s("starts_on"),
        ends_on: form.s("ends_on"),
    };
    match state.app.create_exercise(By::User(u.actor()), &input).await {
        Ok(e) => Redirect::to(&format!("/cartography/exercises/{}", e.exercise_id)).into_response(),
        Err(e) => match e.rule() {
            Some(RuleError::Invalid(fe)) => {
                let f = FormState {
                    values: ["area_id", "name", "purpose", "starts_on", "ends_on"]
                        .iter()
                        .map(|k| ((*k).to_owned(), form.s(k)))
                        .collect(),
                    errors: fe.clone(),
                };
                index_page(&state, &u, f).await
            }
            _ => err(e),
        },
    }
}

/// The dimensions shown, from `?layers=a,b` (all when absent; `none` for none).
fn layers_of(p: &Params) -> Vec<Dimension> {
    match p.get("layers") {
        None => Dimension::ALL.to_vec(),
        Some(l) => Dimension::ALL
            .iter()
            .copied()
            .filter(|d| l.split(',').any(|x| x.trim() == d.as_str()))
            .collect(),
    }
}

fn layers_param(ls: &[Dimension]) -> String {
    if ls.is_empty() {
        "none".into()
    } else {
        ls.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// The projection of an exercise's map: the boundary's bounding box, else the
/// features', else a small box around the origin.
pub fn projection_of(v: &ExerciseView) -> Projection {
    let ring: Vec<Pos> = v.boundary.iter().flatten().copied().collect();
    let b = bbox(&ring)
        .or_else(|| {
            let all: Vec<Pos> = v
                .features
                .iter()
                .flat_map(|f| f.geometry.positions())
                .collect();
            bbox(&all).map(|(w, s, e, n)| (w - 0.002, s - 0.002, e + 0.002, n + 0.002))
        })
        .unwrap_or((-0.01, -0.01, 0.01, 0.01));
    Projection::fit(b, MAP_WIDTH)
}

/// The basemap tiles under a map and their attribution, as SVG.
fn basemap(pr: &Projection, ts: &TileServer, attribution: &str) -> (String, String) {
    let mut under = String::from("<g class=\"basemap\">");
    for t in tiles_for(pr) {
        let (x, y, w, h) = t.px;
        under.push_str(&format!(
            "<image href=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" preserveAspectRatio=\"none\"/>",
            carto_map::esc(&ts.url(t.z, t.x, t.y))
        ));
    }
    under.push_str("</g>");
    let over = format!(
        "<text class=\"attribution\" x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\" font-size=\"10\" font-family=\"sans-serif\" fill=\"#333\">{}</text>",
        pr.width - 4.0,
        pr.height - 4.0,
        carto_map::esc(attribution)
    );
    (under, over)
}

fn map_svg(
    s: &Shell,
    v: &ExerciseView,
    layers: &[Dimension],
    sketch: Option<(GeomKind, &[Pos])>,
    tiles: Option<(&TileServer, &str)>,
) -> String {
    let pr = projection_of(v);
    let (under, attribution) = tiles.map(|(ts, a)| basemap(&pr, ts, a)).unwrap_or_default();
    let mut extras = carto_map::Extras {
        defs: v
            .categories
            .own
            .iter()
            .map(|o| carto_map::own_symbol(&o.code, &o.colour, &o.icon))
            .collect(),
        under,
        over: sketch
            .map(|(k, ps)| carto_map::sketch(&pr, ps, k == GeomKind::Area))
            .unwrap_or_default(),
    };
    extras.over.push_str(&attribution);
    let titles: Vec<String> = v
        .features
        .iter()
        .map(|f| {
            let cat = cat_label(s, &v.categories, &f.row.category);
            if f.row.description.is_empty() {
                cat
            } else {
                format!("{cat}: {}", f.row.description)
            }
        })
        .collect();
    let items: Vec<MapItem<'_>> = v
        .features
        .iter()
        .zip(titles)
        .map(|(f, title)| MapItem {
            geometry: &f.geometry,
            category: &f.row.category,
            colour: f
                .category
                .map(|c| c.colour)
                .or_else(|| v.categories.own(&f.row.category).map(|o| o.colour.as_str()))
                .unwrap_or("#555555"),
            dimension: &f.row.dimension,
            title,
        })
        .collect();
    let symbols: Vec<(&str, &str)> = DEFAULT_CATEGORIES
        .iter()
        .map(|c| (c.code, c.colour))
        .collect();
    let ls: Vec<&str> = layers.iter().map(|d| d.as_str()).collect();
    carto_map::svg_with(
        &pr,
        &v.boundary,
        &items,
        &symbols,
        &ls,
        &s.t1("carto-map-label", "area", &v.area.name),
        &extras,
    )
}

/// A request of the drawing mode: the kind being drawn, the vertices so far (as the
/// browser sent them back), a click on the map, the button pressed and typed vertices.
#[derive(Debug, Default)]
struct DrawReq {
    kind: Option<GeomKind>,
    vertices: String,
    click: Option<(f64, f64)>,
    op: String,
    typed: String,
}

impl DrawReq {
    fn from_params(p: &Params) -> Self {
        let g = |k: &str| p.0.get(k).cloned().unwrap_or_default();
        let click = match (
            g("map.x").trim().parse::<f64>(),
            g("map.y").trim().parse::<f64>(),
        ) {
            (Ok(x), Ok(y)) => Some((x, y)),
            _ => None,
        };
        Self {
            kind: match GeomKind::parse(&g("draw")) {
                Some(k @ (GeomKind::Line | GeomKind::Area)) => Some(k),
                _ => None,
            },
            vertices: g("v"),
            click,
            op: g("op"),
            typed: g("typed"),
        }
    }
}

/// The drawing mode as the page shows it.
pub struct DrawState {
    pub kind: &'static str,
    pub vertices: String,
    pub count: usize,
    /// Translated message when the last step was refused.
    pub error: Option<String>,
    /// The vertices make a valid shape and the feature form is shown.
    pub finish: bool,
    /// The vertices as `lon lat` lines, for the keyboard alternative.
    pub typed: String,
    /// The map picture with the drawing, for the click form.
    pub image: String,
}

/// Applies one step of the drawing (click, undo, clear, typed vertices, finish). The
/// vertices are parsed again every time; a list that does not parse is dropped with a
/// message.
fn draw_state(
    s: &Shell,
    pr: &Projection,
    req: &DrawReq,
    kind: GeomKind,
    id: Uuid,
    layers: &str,
) -> (DrawState, Vec<Pos>) {
    let mut error = None;
    let mut vs = parse_vertices(&req.vertices).unwrap_or_else(|k| {
        error = Some(s.t(k));
        Vec::new()
    });
    match req.op.as_str() {
        "undo" => {
            vs.pop();
        }
        "clear" => vs.clear(),
        "typed" => match parse_typed_vertices(&req.typed) {
            Ok(t) => vs = t,
            Err((n, k)) => {
                error = Some(format!("{}: {}", s.t1("carto-typed-line", "n", n), s.t(k)))
            }
        },
        _ => {}
    }
    if let Some((x, y)) = req.click {
        let inside = (0.0..=pr.width).contains(&x) && (0.0..=pr.height).contains(&y);
        let p = pr.lonlat(x, y);
        if vs.len() >= MAX_VERTICES {
            error = Some(s.t("carto-vertices-too-many"));
        } else if !inside {
            error = Some(s.t("carto-vertices-invalid"));
        } else {
            match check_range(p.lon, p.lat) {
                Ok(p) => vs.push(p),
                Err(k) => error = Some(s.t(k)),
            }
        }
    }
    let finish = req.op == "finish"
        && error.is_none()
        && match sketch_geometry(kind, &vs) {
            Ok(_) => true,
            Err(k) => {
                error = Some(s.t(k));
                false
            }
        };
    let vertices = format_vertices(&vs);
    let state = DrawState {
        kind: kind.as_str(),
        count: vs.len(),
        error,
        finish,
        typed: vs
            .iter()
            .map(|p| format!("{:.6} {:.6}", p.lon, p.lat))
            .collect::<Vec<_>>()
            .join("\n"),
        image: format!(
            "/cartography/exercises/{id}/map.svg?layers={layers}&draw={}&v={vertices}",
            kind.as_str()
        ),
        vertices,
    };
    (state, vs)
}

/// The label of a category in the page's language: the Fluent one of the default set,
/// an exercise's own from its record.
pub(crate) fn cat_label(s: &Shell, set: &CategorySet, code: &str) -> String {
    match set.own(code) {
        Some(o) => o.label(s.lang()).to_owned(),
        None => s.code("carto-cat", code),
    }
}

/// One row of the features table.
pub struct FeatureLine {
    pub id: Uuid,
    pub category: String,
    pub label: String,
    pub kind: &'static str,
    pub dimension: String,
    pub sensitivity: String,
    pub description: String,
    pub version: i64,
    pub where_: String,
    /// The workshop's id (empty for none) and its date and place.
    pub workshop_id: String,
    pub workshop: String,
    /// Time codes.
    pub times: Vec<&'static str>,
    /// (crime code, risk) tags.
    pub tags: Vec<(&'static str, String)>,
    /// The edit form: times as a comma list and the tag rows.
    pub form: FormState,
    pub tag_rows: Vec<TagRow>,
}

/// Blank tag rows a new feature's form offers.
const TAG_ROWS: usize = 3;

/// One (crime select, risk text) row of a feature form.
pub struct TagRow {
    pub n: usize,
    pub crime: String,
    pub risk: String,
    pub err: Option<&'static str>,
}

/// The tag rows of a form: `rows` of them, filled from its values, with their errors.
fn tag_rows(f: &FormState, rows: usize) -> Vec<TagRow> {
    (0..rows)
        .map(|n| TagRow {
            n,
            crime: f.v(&format!("vuln_crime_{n}")).to_owned(),
            risk: f.v(&format!("vuln_risk_{n}")).to_owned(),
            err: f
                .e(&format!("vulnerabilities[{n}].crime"))
                .or_else(|| f.e(&format!("vulnerabilities[{n}].risk"))),
        })
        .collect()
}

/// The workshop (`workshop_id`), times (checkboxes `time_<code>`) and tags
/// (`vuln_crime_N`, `vuln_risk_N`) of a feature form.
fn form_extras(form: &FormMap) -> (String, String, Vec<(String, String)>) {
    let times = TimeCode::ALL
        .iter()
        .filter(|t| !form.s(&format!("time_{}", t.as_str())).is_empty())
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let tags = (0..=MAX_VULNERABILITIES)
        .map(|n| {
            (
                form.s(&format!("vuln_crime_{n}")),
                form.s(&format!("vuln_risk_{n}")),
            )
        })
        .collect();
    (form.s("workshop_id"), times, tags)
}

/// Keeps the workshop, times and tags of a rejected form.
fn keep_extras(form: &FormMap, st: &mut FormState) {
    let (w, times, tags) = form_extras(form);
    st.values.insert("workshop_id".into(), w);
    st.values.insert("times".into(), times);
    for (n, (c, r)) in tags.into_iter().enumerate() {
        st.values.insert(format!("vuln_crime_{n}"), c);
        st.values.insert(format!("vuln_risk_{n}"), r);
    }
}

fn feature_lines(
    s: &Shell,
    set: &CategorySet,
    fs: &[FeatureView],
    workshops: &[(String, String)],
) -> Vec<FeatureLine> {
    fs.iter()
        .map(|f| {
            let times = stored_times(&f.row.times);
            let tags = stored_vulnerabilities(&f.row.vulnerabilities);
            let workshop_id = f.row.workshop_id.map(|w| w.to_string()).unwrap_or_default();
            let mut form = FormState::with([(
                "times",
                times
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )]);
            for (n, t) in tags.iter().enumerate() {
                form.values
                    .insert(format!("vuln_crime_{n}"), t.crime.as_str().to_owned());
                form.values.insert(format!("vuln_risk_{n}"), t.risk.clone());
            }
            let rows = (tags.len() + 1).clamp(TAG_ROWS, MAX_VULNERABILITIES);
            (f, times, tags, workshop_id, form, rows)
        })
        .map(|(f, times, tags, workshop_id, form, rows)| FeatureLine {
            workshop: workshops
                .iter()
                .find(|w| w.0 == workshop_id)
                .map(|w| w.1.clone())
                .unwrap_or_default(),
            workshop_id,
            times: times.iter().map(|t| t.as_str()).collect(),
            tags: tags
                .into_iter()
                .map(|t| (t.crime.as_str(), t.risk))
                .collect(),
            tag_rows: tag_rows(&form, rows),
            form,
            id: f.row.feature_id,
            category: f.row.category.clone(),
            label: cat_label(s, set, &f.row.category),
            kind: f.geometry.kind().as_str(),
            dimension: f.row.dimension.clone(),
            sensitivity: f.row.sensitivity.clone(),
            description: f.row.description.clone(),
            version: f.row.version,
            where_: match &f.geometry {
                atlas_domain::cartography::Geometry::Point(p) => {
                    format!("{:.5}, {:.5}", p.lon, p.lat)
                }
                g => format!("{} × {}", g.kind().as_str(), g.positions().len()),
            },
        })
        .collect()
}

/// The exercise's workshops as (id, date and place) for the feature forms.
fn workshop_choices(v: &ExerciseView) -> Vec<(String, String)> {
    v.workshops
        .iter()
        .map(|w| {
            (
                w.workshop_id.to_string(),
                format!("{} — {}", w.held_on, w.place),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cartography/exercise.html")]
struct ExercisePage {
    s: Shell,
    v: ExerciseView,
    map: String,
    map_height: i64,
    layer_links: Vec<(String, bool, String)>,
    layers: String,
    /// (code, label, dimension)
    legend: Vec<(String, String, &'static str)>,
    features: Vec<FeatureLine>,
    /// (code, geometry kind, label)
    categories: Vec<(String, &'static str, String)>,
    sensitivities: Vec<&'static str>,
    groups: Vec<&'static str>,
    /// (date, place, counts by group, total, consent noted)
    workshop_rows: Vec<(String, String, Vec<i64>, i64, bool)>,
    grid: String,
    point: FormState,
    workshop: FormState,
    import: FormState,
    import_errors: Vec<String>,
    imported: Option<i64>,
    draw: Option<DrawState>,
    shape: FormState,
    /// (id, date and place)
    workshops: Vec<(String, String)>,
    time_codes: Vec<&'static str>,
    crimes: Vec<&'static str>,
    point_tags: Vec<TagRow>,
    shape_tags: Vec<TagRow>,
}

/// Forms of the exercise page when one comes back rejected.
#[derive(Default)]
struct Forms {
    point: FormState,
    workshop: FormState,
    import: FormState,
    import_errors: Vec<String>,
    shape: FormState,
}

async fn exercise_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    p: &Params,
    forms: Forms,
    status: StatusCode,
) -> Response {
    exercise_page_drawing(state, u, id, p, &DrawReq::from_params(p), forms, status).await
}

async fn exercise_page_drawing(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    p: &Params,
    req: &DrawReq,
    forms: Forms,
    status: StatusCode,
) -> Response {
    let v = match state.app.carto_exercise(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "carto-exercise").titled(&v.exercise.name);
    let layers = layers_of(p);
    let pr = projection_of(&v);
    let (draw, sketch) = match req.kind.filter(|_| v.manage) {
        Some(k) => {
            let (d, ps) = draw_state(&s, &pr, req, k, id, &layers_param(&layers));
            (Some(d), Some((k, ps)))
        }
        None => (None, None),
    };
    // The basemap, when configured, goes on this page's inline map only: the picture
    // the click forms use is an image, which loads nothing from elsewhere anyway.
    let carto = &state.app.settings.cartography;
    let tiles = carto
        .tile_server
        .as_ref()
        .map(|t| (t, carto.tile_attribution.as_str()));
    let map = map_svg(
        &s,
        &v,
        &layers,
        sketch.as_ref().map(|(k, ps)| (*k, &ps[..])),
        tiles,
    );
    let layer_links = Dimension::ALL
        .iter()
        .map(|d| {
            let on = layers.contains(d);
            let next: Vec<Dimension> = Dimension::ALL
                .iter()
                .copied()
                .filter(|x| if x == d { !on } else { layers.contains(x) })
                .collect();
            let label = s.code("carto-dim", d.as_str());
            (
                format!("/cartography/exercises/{id}?layers={}", layers_param(&next)),
                on,
                s.t1(
                    if on {
                        "carto-layer-shown"
                    } else {
                        "carto-layer-hidden"
                    },
                    "layer",
                    &label,
                ),
            )
        })
        .collect();
    let page = ExercisePage {
        map_height: pr.height as i64,
        map,
        layer_links,
        layers: layers_param(&layers),
        legend: v
            .categories
            .all()
            .into_iter()
            .map(|c| {
                let label = cat_label(&s, &v.categories, &c.code);
                (c.code, label, c.dimension.as_str())
            })
            .collect(),
        features: feature_lines(&s, &v.categories, &v.features, &workshop_choices(&v)),
        workshops: workshop_choices(&v),
        time_codes: TimeCode::ALL.iter().map(|t| t.as_str()).collect(),
        crimes: Crime::ALL.iter().map(|c| c.as_str()).collect(),
        point_tags: tag_rows(&forms.point, TAG_ROWS),
        shape_tags: tag_rows(&forms.shape, TAG_ROWS),
        categories: v
            .categories
            .all()
            .into_iter()
            .map(|c| {
                let label = cat_label(&s, &v.categories, &c.code);
                (c.code, c.kind.as_str(), label)
            })
            .collect(),
        sensitivities: Sensitivity::ALL.iter().map(|x| x.as_str()).collect(),
        groups: WORKSHOP_GROUPS.to_vec(),
        workshop_rows: v
            .workshops
            .iter()
            .map(|w| {
                (
                    w.held_on.clone(),
                    w.place.clone(),
                    vec![
                        w.residents,
                        w.youth,
                        w.teachers,
                        w.health_workers,
                        w.officials,
                        w.other,
                    ],
                    w.total(),
                    w.consent_noted != 0,
                )
            })
            .collect(),
        grid: state.app.settings.cartography.grid_degrees.to_string(),
        point: forms.point,
        workshop: forms.workshop,
        import: forms.import,
        import_errors: forms.import_errors,
        imported: p.get("imported").and_then(|n| n.parse().ok()),
        draw,
        shape: forms.shape,
        v,
        s,
    };
    let mut r = render_status(status, &page);
    if let Some((t, _)) = tiles {
        // Exactly the tile server's origin joins the images the page may load.
        let csp = crate::http::CSP.replace(
            "img-src 'self' data:",
            &format!("img-src 'self' data: {}", t.origin),
        );
        if let Ok(h) = HeaderValue::from_str(&csp) {
            r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, h);
        }
    }
    r
}

/// GET /cartography/exercises/{id}?layers=&imported=
pub async fn exercise(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    exercise_page(&state, &u, id, &p, Forms::default(), StatusCode::OK).await
}

/// GET /cartography/exercises/{id}/map.svg?layers= — the map alone, for the click form.
pub async fn map_image(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    let v = match state.app.carto_exercise(u.actor(), id).await {
        Ok(v) => v,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "carto-map");
    // A drawing in progress is drawn over the map; one that does not parse is left out.
    let kind = DrawReq::from_params(&p).kind;
    let vs = parse_vertices(p.get("v").unwrap_or("")).unwrap_or_default();
    let sketch = kind.map(|k| (k, &vs[..]));
    let mut r = map_svg(&s, &v, &layers_of(&p), sketch, None).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    r
}

pub(crate) fn rejected(e: &atlas_core::Error) -> Option<FieldErrors> {
    match e.rule() {
        Some(RuleError::Invalid(fe)) => Some(fe.clone()),
        _ => None,
    }
}

pub(crate) fn form_state(form: &FormMap, keys: &[&str], errors: FieldErrors) -> FormState {
    FormState {
        values: keys.iter().map(|k| ((*k).to_owned(), form.s(k))).collect(),
        errors,
    }
}

/// POST /cartography/exercises/{id}/features — a typed point, or a click on the map
/// (`map.x`, `map.y` in picture pixels).
pub async fn add_point(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (workshop_id, times, vulnerabilities) = form_extras(&form);
    let mut input = PointInput {
        category: form.s("category"),
        lon: form.s("lon"),
        lat: form.s("lat"),
        description: form.s("description"),
        sensitivity: form.s("sensitivity"),
        workshop_id,
        times,
        vulnerabilities,
    };
    if let (Ok(x), Ok(y)) = (
        form.s("map.x").trim().parse::<f64>(),
        form.s("map.y").trim().parse::<f64>(),
    ) {
        let v = match state.app.carto_exercise(u.actor(), id).await {
            Ok(v) => v,
            Err(e) => return err(e),
        };
        let p = projection_of(&v).lonlat(x, y);
        input.lon = format!("{:.6}", p.lon);
        input.lat = format!("{:.6}", p.lat);
    }
    let layers = form.s("layers");
    match state.app.add_point(By::User(u.actor()), id, &input).await {
        Ok(_) => Redirect::to(&format!(
            "/cartography/exercises/{id}{}",
            if layers.is_empty() {
                String::new()
            } else {
                format!("?layers={layers}")
            }
        ))
        .into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                let mut point = form_state(&form, &["category", "description", "sensitivity"], fe);
                point.values.insert("lon".into(), input.lon);
                point.values.insert("lat".into(), input.lat);
                keep_extras(&form, &mut point);
                exercise_page(
                    &state,
                    &u,
                    id,
                    &Params::default(),
                    Forms {
                        point,
                        ..Default::default()
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// POST /cartography/exercises/{id}/shapes — a finished drawing: `kind` (line, area),
/// `vertices` (`lon,lat;lon,lat`), category, description, sensitivity. Refused input
/// brings the drawing back with one message per field.
pub async fn add_shape(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (workshop_id, times, vulnerabilities) = form_extras(&form);
    let input = ShapeInput {
        kind: form.s("kind"),
        vertices: form.s("vertices"),
        category: form.s("category"),
        description: form.s("description"),
        sensitivity: form.s("sensitivity"),
        workshop_id,
        times,
        vulnerabilities,
    };
    match state.app.add_shape(By::User(u.actor()), id, &input).await {
        Ok(_) => Redirect::to(&format!("/cartography/exercises/{id}#features")).into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                let req = DrawReq {
                    kind: match GeomKind::parse(&input.kind) {
                        Some(k @ (GeomKind::Line | GeomKind::Area)) => Some(k),
                        _ => None,
                    },
                    vertices: input.vertices.clone(),
                    op: "finish".into(),
                    ..Default::default()
                };
                if req.kind.is_none() {
                    return err(RuleError::Invalid(fe));
                }
                let mut p = Params::default();
                p.0.insert("layers".into(), form.s("layers"));
                let mut shape = form_state(&form, &["category", "description", "sensitivity"], fe);
                keep_extras(&form, &mut shape);
                exercise_page_drawing(
                    &state,
                    &u,
                    id,
                    &p,
                    &req,
                    Forms {
                        shape,
                        ..Default::default()
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// One row of the categories page.
pub struct CategoryLine {
    pub code: String,
    pub label: String,
    pub kind: &'static str,
    pub dimension: &'static str,
    pub colour: String,
    pub own: bool,
}

#[derive(Template)]
#[template(path = "cartography/categories.html")]
struct CategoriesPage {
    s: Shell,
    exercise: ExerciseRow,
    rows: Vec<CategoryLine>,
    defs: String,
    manage: bool,
    kinds: Vec<&'static str>,
    dimensions: Vec<&'static str>,
    f: FormState,
    icon_error: Option<String>,
}

const CATEGORY_FIELDS: [&str; 8] = [
    "code",
    "kind",
    "dimension",
    "colour",
    "label_en",
    "label_es",
    "label_th",
    "icon",
];

async fn categories_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: FormState,
    status: StatusCode,
) -> Response {
    let (exercise, set, manage) = match state.app.carto_categories(u.actor(), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "carto-categories").titled(&exercise.name);
    let all = set.all();
    let mut defs: String = DEFAULT_CATEGORIES
        .iter()
        .map(|c| carto_map::symbol(c.code, c.colour))
        .collect();
    for o in &set.own {
        defs.push_str(&carto_map::own_symbol(&o.code, &o.colour, &o.icon));
    }
    // A refused icon names the element or attribute: `icon (script): …`.
    let icon_error = f
        .errors
        .0
        .iter()
        .find(|e| e.field == "icon" || e.field.starts_with("icon ("))
        .map(|e| format!("{}: {}", e.field, s.t(e.key)));
    let page = CategoriesPage {
        rows: all
            .into_iter()
            .map(|c| CategoryLine {
                label: cat_label(&s, &set, &c.code),
                kind: c.kind.as_str(),
                dimension: c.dimension.as_str(),
                colour: c.colour,
                own: c.own,
                code: c.code,
            })
            .collect(),
        defs,
        manage,
        kinds: GeomKind::ALL.iter().map(|k| k.as_str()).collect(),
        dimensions: Dimension::ALL.iter().map(|d| d.as_str()).collect(),
        icon_error,
        f,
        exercise,
        s,
    };
    render_status(status, &page)
}

/// GET /cartography/exercises/{id}/categories — the default set and the exercise's own.
pub async fn categories(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    categories_page(&state, &u, id, FormState::default(), StatusCode::OK).await
}

/// POST /cartography/exercises/{id}/categories — adds an own category.
pub async fn add_category(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = CategoryInput {
        code: form.s("code"),
        kind: form.s("kind"),
        dimension: form.s("dimension"),
        colour: form.s("colour"),
        label_en: form.s("label_en"),
        label_es: form.s("label_es"),
        label_th: form.s("label_th"),
        icon: form.s("icon"),
    };
    match state
        .app
        .create_category(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cartography/exercises/{id}/categories")).into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                categories_page(
                    &state,
                    &u,
                    id,
                    form_state(&form, &CATEGORY_FIELDS, fe),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// POST /cartography/features/{id} — category, description, sensitivity, workshop,
/// times, tags, version.
pub async fn edit_feature(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (workshop_id, times, vulnerabilities) = form_extras(&form);
    let input = PointInput {
        category: form.s("category"),
        description: form.s("description"),
        sensitivity: form.s("sensitivity"),
        workshop_id,
        times,
        vulnerabilities,
        ..Default::default()
    };
    match state
        .app
        .edit_feature(By::User(u.actor()), id, &input, &form.s("version"))
        .await
    {
        Ok(f) => Redirect::to(&format!("/cartography/exercises/{}", f.exercise_id)).into_response(),
        Err(e) => err(e),
    }
}

/// POST /cartography/features/{id}/remove
pub async fn remove_feature(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state.app.remove_feature(By::User(u.actor()), id).await {
        Ok(ex) => Redirect::to(&format!("/cartography/exercises/{ex}")).into_response(),
        Err(e) => err(e),
    }
}

const WORKSHOP_FIELDS: [&str; 9] = [
    "held_on",
    "place",
    "residents",
    "youth",
    "teachers",
    "health_workers",
    "officials",
    "other",
    "consent_noted",
];

/// POST /cartography/exercises/{id}/workshops
pub async fn add_workshop(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = WorkshopInput {
        held_on: form.s("held_on"),
        place: form.s("place"),
        residents: form.s("residents"),
        youth: form.s("youth"),
        teachers: form.s("teachers"),
        health_workers: form.s("health_workers"),
        officials: form.s("officials"),
        other: form.s("other"),
        consent_noted: form.s("consent_noted"),
    };
    match state
        .app
        .add_workshop(By::User(u.actor()), id, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cartography/exercises/{id}#workshops")).into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                exercise_page(
                    &state,
                    &u,
                    id,
                    &Params::default(),
                    Forms {
                        workshop: form_state(&form, &WORKSHOP_FIELDS, fe),
                        ..Default::default()
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// POST /cartography/exercises/{id}/import — `format` (geojson, csv) and `text`.
pub async fn import(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let format = match form.s("format").as_str() {
        "geojson" => Some(ImportFormat::GeoJson),
        "csv" => Some(ImportFormat::Csv),
        _ => None,
    };
    let result = match format {
        Some(f) => {
            state
                .app
                .import_features(By::User(u.actor()), id, f, &form.s("text"))
                .await
        }
        None => Err(RuleError::Invalid(FieldErrors::single("format", "field-choice")).into()),
    };
    match result {
        Ok(n) => Redirect::to(&format!("/cartography/exercises/{id}?imported={n}")).into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                let i = &u.ctx.i18n;
                let import_errors =
                    fe.0.iter()
                        .map(|x| format!("{}: {}", x.field, i.t(x.key)))
                        .collect();
                exercise_page(
                    &state,
                    &u,
                    id,
                    &Params::default(),
                    Forms {
                        import: form_state(&form, &["format", "text"], fe),
                        import_errors,
                        ..Default::default()
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// GET /cartography/exercises/{id}/export/{file}: `features.geojson` or `features.csv`,
/// with what the user may see (generalised snapped, restricted only for those who may).
pub async fn export(
    State(state): State<AppState>,
    u: UserCtx,
    Path((id, file)): Path<(Uuid, String)>,
) -> Response {
    let format = match file.as_str() {
        "features.geojson" => "geojson",
        "features.csv" => "csv",
        _ => return err(RuleError::NotFound),
    };
    let (ex, fs) = match state.app.carto_features(u.actor(), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    if let Err(e) = state
        .app
        .audit_carto_export(u.actor(), id, format, fs.len())
        .await
    {
        return err(e);
    }
    let name = format!("atlas-map-{}", ex.exercise_id);
    if format == "geojson" {
        let body = crate::api::cartography::collection(&fs).to_string();
        return super::training_import::download(
            body.into_bytes(),
            "application/geo+json",
            &format!("{name}.geojson"),
        );
    }
    // Points as lon/lat; lines and areas by their first position (the CSV is the
    // spreadsheet view; GeoJSON keeps every shape).
    let rows: Vec<carto_map::CsvFeature<'_>> = fs
        .iter()
        .map(|f| {
            let p = f
                .geometry
                .positions()
                .first()
                .copied()
                .unwrap_or(Pos { lon: 0.0, lat: 0.0 });
            carto_map::CsvFeature {
                lon: p.lon,
                lat: p.lat,
                category: f.row.category.as_str(),
                description: f.row.description.as_str(),
                sensitivity: f.row.sensitivity.as_str(),
                workshop_id: f.row.workshop_id.map(|w| w.to_string()).unwrap_or_default(),
                times: stored_times(&f.row.times)
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join("|"),
                vulnerabilities: vulnerabilities_cell(&stored_vulnerabilities(
                    &f.row.vulnerabilities,
                )),
            }
        })
        .collect();
    match carto_map::features_csv(&rows) {
        Ok(b) => {
            super::training_import::download(b, super::training_import::CSV, &format!("{name}.csv"))
        }
        Err(x) => err(atlas_core::Error::from(anyhow::anyhow!("csv: {x}"))),
    }
}

/// One action line of the plan page.
pub struct ActionLine {
    pub id: Uuid,
    pub indent: String,
    pub depth: usize,
    pub title: String,
    pub finding: String,
    pub feature: Option<String>,
    pub institution: String,
    pub level: String,
    pub budget: String,
    pub status: String,
    pub progress: i64,
    pub dates: String,
    pub may_update: bool,
}

#[derive(Template)]
#[template(path = "cartography/plan.html")]
struct PlanPage {
    s: Shell,
    public: bool,
    exercise_id: Uuid,
    plan_public: bool,
    area: String,
    manage: bool,
    lines: Vec<ActionLine>,
    updates: Vec<(String, String, String, i64, String)>,
    totals: Vec<String>,
    institutions: Vec<(Uuid, String)>,
    features: Vec<(Uuid, String)>,
    parents: Vec<(Uuid, String)>,
    statuses: Vec<&'static str>,
    levels: Vec<&'static str>,
    f: FormState,
}

fn plan_lines(s: &Shell, plan: &Plan) -> Vec<ActionLine> {
    plan.items
        .iter()
        .map(|it| {
            let r = &it.row;
            ActionLine {
                id: r.action_id,
                indent: "— ".repeat(it.depth),
                depth: it.depth,
                title: r.title.clone(),
                finding: r.finding.clone(),
                feature: it
                    .feature_category
                    .as_deref()
                    .map(|c| cat_label(s, &plan.categories, c)),
                institution: it.institution.clone(),
                level: s.code("carto-level", &r.level),
                budget: if r.budget_minor > 0 {
                    format!("{} {}", r.currency, format_budget(r.budget_minor))
                } else {
                    String::new()
                },
                status: s.code("carto-status", &r.status),
                progress: it.progress,
                dates: match (&r.starts_on, &r.due_on) {
                    (Some(a), Some(b)) => format!("{a} – {b}"),
                    (Some(a), None) => format!("{a} –"),
                    (None, Some(b)) => format!("– {b}"),
                    (None, None) => String::new(),
                },
                may_update: it.may_update,
            }
        })
        .collect()
}

fn plan_updates(s: &Shell, plan: &Plan) -> Vec<(String, String, String, i64, String)> {
    plan.updates
        .iter()
        .rev()
        .map(|u| {
            let title = plan
                .items
                .iter()
                .find(|i| i.row.action_id == u.action_id)
                .map(|i| i.row.title.clone())
                .unwrap_or_default();
            (
                u.created_at.date().to_string(),
                title,
                s.code("carto-status", &u.status),
                u.progress,
                u.note.clone(),
            )
        })
        .collect()
}

async fn plan_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    f: FormState,
    status: StatusCode,
) -> Response {
    let actor = u.actor();
    let plan = match state.app.carto_plan(actor, id).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let s = Shell::new(&u.ctx, "carto-plan").titled(&u.ctx.i18n.t1(
        "carto-plan-of",
        "name",
        &plan.exercise.name,
    ));
    let (mut institutions, mut features) = (Vec::new(), Vec::new());
    if plan.manage {
        let country = atlas_domain::directory::CountryCode::parse(&plan.exercise.country_code);
        institutions = match state
            .app
            .institutions(
                actor,
                &Query {
                    country,
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
        {
            Ok(v) => v
                .into_iter()
                .map(|i| (i.institution_id, format!("{} — {}", i.acronym, i.name)))
                .collect(),
            Err(e) => return err(e),
        };
        features = match state.app.carto_features(actor, id).await {
            Ok((_, fs)) => fs
                .iter()
                .map(|f| {
                    let cat = cat_label(&s, &plan.categories, &f.row.category);
                    let label = if f.row.description.is_empty() {
                        cat
                    } else {
                        format!("{cat}: {}", f.row.description)
                    };
                    (f.row.feature_id, label)
                })
                .collect(),
            Err(e) => return err(e),
        };
    }
    let page = PlanPage {
        public: false,
        exercise_id: id,
        plan_public: plan.exercise.plan_public != 0,
        area: plan.area_name.clone(),
        manage: plan.manage,
        lines: plan_lines(&s, &plan),
        updates: plan_updates(&s, &plan),
        totals: plan
            .totals
            .iter()
            .map(|(c, m)| format!("{c} {}", format_budget(*m)))
            .collect(),
        parents: plan
            .items
            .iter()
            .map(|i| (i.row.action_id, i.row.title.clone()))
            .collect(),
        institutions,
        features,
        statuses: ActionStatus::ALL.iter().map(|x| x.as_str()).collect(),
        levels: PlanLevel::ALL.iter().map(|x| x.as_str()).collect(),
        f,
        s,
    };
    render_status(status, &page)
}

/// GET /cartography/exercises/{id}/plan
pub async fn plan(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    plan_page(&state, &u, id, FormState::default(), StatusCode::OK).await
}

const ACTION_FIELDS: [&str; 12] = [
    "title",
    "finding",
    "feature_id",
    "parent_id",
    "institution_id",
    "level",
    "budget",
    "currency",
    "status",
    "progress",
    "starts_on",
    "due_on",
];

/// POST /cartography/exercises/{id}/actions
pub async fn add_action(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = ActionInput {
        title: form.s("title"),
        finding: form.s("finding"),
        feature_id: form.s("feature_id"),
        parent_id: form.s("parent_id"),
        institution_id: form.s("institution_id"),
        level: form.s("level"),
        budget: form.s("budget"),
        currency: form.s("currency"),
        status: form.s("status"),
        progress: form.s("progress"),
        starts_on: form.s("starts_on"),
        due_on: form.s("due_on"),
    };
    match state.app.add_action(By::User(u.actor()), id, &input).await {
        Ok(_) => Redirect::to(&format!("/cartography/exercises/{id}/plan")).into_response(),
        Err(e) => match rejected(&e) {
            Some(fe) => {
                plan_page(
                    &state,
                    &u,
                    id,
                    form_state(&form, &ACTION_FIELDS, fe),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => err(e),
        },
    }
}

/// POST /cartography/actions/{id}/updates — status, progress, note.
pub async fn update_action(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = ActionUpdateInput {
        status: form.s("status"),
        progress: form.s("progress"),
        note: form.s("note"),
    };
    match state
        .app
        .update_action(By::User(u.actor()), id, &input)
        .await
    {
        Ok(a) => {
            Redirect::to(&format!("/cartography/exercises/{}/plan", a.exercise_id)).into_response()
        }
        Err(e) => err(e),
    }
}

/// POST /cartography/exercises/{id}/public (public=1 or 0)
pub async fn set_public(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let public = match form.s("public").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return err(RuleError::Invalid(FieldErrors::single(
                "public",
                "field-choice",
            )));
        }
    };
    match state
        .app
        .set_plan_public(By::User(u.actor()), id, public)
        .await
    {
        Ok(()) => Redirect::to(&format!("/cartography/exercises/{id}/plan")).into_response(),
        Err(e) => err(e),
    }
}

/// GET /plans/{id} — the public read-only plan of an exercise (no sign-in); not found
/// unless switched on. Shows actions, budgets and progress, and of the map only what is
/// public.
pub async fn public_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
) -> Response {
    let plan = match state.app.public_plan(id).await {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let s = Shell::new(&ctx, "carto-plan").titled(&ctx.i18n.t1(
        "carto-plan-of",
        "name",
        &plan.exercise.name,
    ));
    render(&PlanPage {
        public: true,
        exercise_id: id,
        plan_public: true,
        area: plan.area_name.clone(),
        manage: false,
        lines: plan_lines(&s, &plan),
        updates: plan_updates(&s, &plan),
        totals: plan
            .totals
            .iter()
            .map(|(c, m)| format!("{c} {}", format_budget(*m)))
            .collect(),
        parents: Vec::new(),
        institutions: Vec::new(),
        features: Vec::new(),
        statuses: Vec::new(),
        levels: Vec::new(),
        f: FormState::default(),
        s,
    })
}
