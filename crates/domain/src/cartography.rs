//! Social cartography: the default category set of a participatory map, typed WGS84
//! geometry parsed from GeoJSON (RFC 7946) at the edge, sensitivity of a mapped feature
//! and the grid snapping that generalises a location.
//!
//! Invariants: a [`Geometry`] only exists with coordinates in range, closed rings of at
//! least four positions and no self-intersecting polygon ring; a category's allowed
//! geometry kind is checked before a feature is accepted. The GeoJSON parser is written
//! over serde_json (already a dependency) rather than pulling in the `geojson` crate: the
//! three geometry types a workshop draws are all that is accepted.

use crate::directory::string_enum;
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

string_enum!(
    /// The four dimensions a participatory map is read in.
    Dimension {
        Geographic = "geographic",
        Social = "social",
        Economic = "economic",
        Cultural = "cultural",
    }
);

string_enum!(
    /// Who may see a feature: everyone who reads the map, everyone but only snapped to
    /// a grid, or only mapping facilitators and program staff of the country.
    Sensitivity {
        Public = "public",
        Generalised = "generalised",
        Restricted = "restricted",
    }
);

string_enum!(
    /// The kind of geometry a category allows.
    GeomKind {
        Point = "point",
        Line = "line",
        Area = "area",
    }
);

/// A category of the default set: stable code, allowed geometry, dimension, colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub kind: GeomKind,
    pub dimension: Dimension,
    /// Fill colour as `#rrggbb`, used as an SVG presentation attribute.
    pub colour: &'static str,
}

const fn cat(
    code: &'static str,
    kind: GeomKind,
    dimension: Dimension,
    colour: &'static str,
) -> Category {
    Category {
        code,
        kind,
        dimension,
        colour,
    }
}

/// The default category set (Iconoclasistas-style); labels live in the Fluent files
/// under `carto-cat-<code>`.
pub const DEFAULT_CATEGORIES: &[Category] = &[
    cat("school", GeomKind::Point, Dimension::Social, "#1f77b4"),
    cat(
        "health_centre",
        GeomKind::Point,
        Dimension::Social,
        "#2ca02c",
    ),
    cat(
        "community_kitchen",
        GeomKind::Point,
        Dimension::Social,
        "#17becf",
    ),
    cat("church", GeomKind::Point, Dimension::Cultural, "#9467bd"),
    cat(
        "police_station",
        GeomKind::Point,
        Dimension::Social,
        "#393b79",
    ),
    cat("workshop", GeomKind::Point, Dimension::Economic, "#8c564b"),
    cat(
        "brick_kiln",
        GeomKind::Point,
        Dimension::Economic,
        "#d62728",
    ),
    cat("dump", GeomKind::Area, Dimension::Economic, "#7f7f7f"),
    cat("market", GeomKind::Point, Dimension::Economic, "#ff7f0e"),
    cat(
        "transport_stop",
        GeomKind::Point,
        Dimension::Geographic,
        "#bcbd22",
    ),
    cat("route", GeomKind::Line, Dimension::Geographic, "#636363"),
    cat("stream", GeomKind::Line, Dimension::Geographic, "#6baed6"),
    cat(
        "place_of_risk",
        GeomKind::Area,
        Dimension::Social,
        "#e7298a",
    ),
    cat(
        "meeting_place",
        GeomKind::Point,
        Dimension::Cultural,
        "#66a61e",
    ),
];

/// The default category with this code.
pub fn category(code: &str) -> Option<&'static Category> {
    DEFAULT_CATEGORIES.iter().find(|c| c.code == code.trim())
}

/// The languages an exercise's own category is labelled in, in the order of
/// [`OwnCategory::labels`].
pub const LABEL_LANGS: [&str; 3] = ["en", "es", "th"];

/// A category an exercise adds to the default set: its labels are its own (the default
/// set's live in the Fluent files) and so is its icon, sanitised SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnCategory {
    pub code: String,
    pub kind: GeomKind,
    pub dimension: Dimension,
    /// `#rrggbb`, lowercase.
    pub colour: String,
    /// Labels in the languages of [`LABEL_LANGS`].
    pub labels: [String; 3],
    /// The icon as normalised SVG ([`crate::carto_icon::sanitise`]).
    pub icon: String,
}

impl OwnCategory {
    /// The label in `lang` (English when the language is not one of the three).
    pub fn label(&self, lang: &str) -> &str {
        let i = LABEL_LANGS.iter().position(|l| *l == lang).unwrap_or(0);
        &self.labels[i]
    }
}

/// What a feature needs of its category, whether from the default set or an exercise's.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRef {
    pub code: String,
    pub kind: GeomKind,
    pub dimension: Dimension,
    pub colour: String,
    /// True for an exercise's own category.
    pub own: bool,
}

impl From<&Category> for CategoryRef {
    fn from(c: &Category) -> Self {
        Self {
            code: c.code.to_owned(),
            kind: c.kind,
            dimension: c.dimension,
            colour: c.colour.to_owned(),
            own: false,
        }
    }
}

/// The categories an exercise's features may use: the default set, then its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategorySet {
    pub own: Vec<OwnCategory>,
}

impl CategorySet {
    /// The category with this code, default first.
    pub fn get(&self, code: &str) -> Option<CategoryRef> {
        let code = code.trim();
        category(code).map(CategoryRef::from).or_else(|| {
            self.own(code).map(|o| CategoryRef {
                code: o.code.clone(),
                kind: o.kind,
                dimension: o.dimension,
                colour: o.colour.clone(),
                own: true,
            })
        })
    }

    /// The exercise's own category with this code.
    pub fn own(&self, code: &str) -> Option<&OwnCategory> {
        self.own.iter().find(|o| o.code == code)
    }

    /// Every category: the default set in its order, then the exercise's own.
    pub fn all(&self) -> Vec<CategoryRef> {
        DEFAULT_CATEGORIES
            .iter()
            .map(CategoryRef::from)
            .chain(self.own.iter().filter_map(|o| self.get(&o.code)))
            .collect()
    }
}

/// An exercise's own category as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CategoryInput {
    pub code: String,
    pub kind: String,
    pub dimension: String,
    pub colour: String,
    pub label_en: String,
    pub label_es: String,
    pub label_th: String,
    pub icon: String,
}

impl OwnCategory {
    /// Parses the form, one message per field. The code is a lowercase slug not taken by
    /// the default set or the exercise (`set`); the icon is sanitised, and when refused
    /// the error's field names the element or attribute (`icon (script)`).
    pub fn parse(i: &CategoryInput, set: &CategorySet) -> Result<Self, Error> {
        use crate::directory::required_text;
        let mut e = FieldErrors::new();
        let code = i.code.trim().to_owned();
        let slug = code.len() >= 2
            && code.len() <= 40
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !slug {
            e.add("code", "carto-category-code");
        } else if set.get(&code).is_some() {
            e.add("code", "carto-category-code-taken");
        }
        let kind = GeomKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "field-choice");
        }
        let dimension = Dimension::parse(&i.dimension);
        if dimension.is_none() {
            e.add("dimension", "field-choice");
        }
        let colour = i.colour.trim().to_ascii_lowercase();
        let hex = colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !hex {
            e.add("colour", "carto-category-colour");
        }
        let labels = [
            required_text(&i.label_en, "label_en", 100, &mut e),
            required_text(&i.label_es, "label_es", 100, &mut e),
            required_text(&i.label_th, "label_th", 100, &mut e),
        ];
        let icon = match crate::carto_icon::sanitise(&i.icon) {
            Ok(s) => s,
            Err(x) if x.name.is_empty() => {
                e.add("icon", x.key);
                String::new()
            }
            Err(x) => {
                e.add(&format!("icon ({})", x.name), x.key);
                String::new()
            }
        };
        match (kind, dimension) {
            (Some(kind), Some(dimension)) if e.is_empty() => Ok(Self {
                code,
                kind,
                dimension,
                colour,
                labels,
                icon,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// A WGS84 position: longitude, latitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pos {
    pub lon: f64,
    pub lat: f64,
}

/// A validated geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Pos),
    LineString(Vec<Pos>),
    /// Outer ring first, then holes; every ring closed.
    Polygon(Vec<Vec<Pos>>),
}

impl Geometry {
    /// The kind a category must allow for this geometry.
    pub fn kind(&self) -> GeomKind {
        match self {
            Geometry::Point(_) => GeomKind::Point,
            Geometry::LineString(_) => GeomKind::Line,
            Geometry::Polygon(_) => GeomKind::Area,
        }
    }

    /// Every position, for bounds.
    pub fn positions(&self) -> Vec<Pos> {
        match self {
            Geometry::Point(p) => vec![*p],
            Geometry::LineString(v) => v.clone(),
            Geometry::Polygon(r) => r.iter().flatten().copied().collect(),
        }
    }

    /// The geometry as a GeoJSON geometry object.
    pub fn to_json(&self) -> Value {
        let pos = |p: &Pos| serde_json::json!([p.lon, p.lat]);
        match self {
            Geometry::Point(p) => serde_json::json!({"type": "Point", "coordinates": pos(p)}),
            Geometry::LineString(v) => serde_json::json!({"type": "LineString",
                "coordinates": v.iter().map(pos).collect::<Vec<_>>()}),
            Geometry::Polygon(r) => serde_json::json!({"type": "Polygon",
                "coordinates": r.iter().map(|ring| ring.iter().map(pos).collect::<Vec<_>>()).collect::<Vec<_>>()}),
        }
    }

    /// The geometry with every position snapped to a grid of `cell` degrees, so a
    /// generalised feature never reveals its exact place.
    pub fn snapped(&self, cell: f64) -> Geometry {
        let s = |p: &Pos| snap(*p, cell);
        match self {
            Geometry::Point(p) => Geometry::Point(s(p)),
            Geometry::LineString(v) => Geometry::LineString(v.iter().map(s).collect()),
            Geometry::Polygon(r) => {
                Geometry::Polygon(r.iter().map(|ring| ring.iter().map(s).collect()).collect())
            }
        }
    }
}

/// Snaps a position to the centre of its grid cell of `cell` degrees (no-op for a
/// non-positive cell).
pub fn snap(p: Pos, cell: f64) -> Pos {
    if cell <= 0.0 || !cell.is_finite() {
        return p;
    }
    let f = |v: f64| ((v / cell).floor() + 0.5) * cell;
    Pos {
        lon: f(p.lon),
        lat: f(p.lat),
    }
}

/// Parses and validates a GeoJSON geometry (a bare geometry or a Feature's). The error
/// is a Fluent key naming what is wrong.
pub fn parse_geometry(v: &Value) -> Result<Geometry, &'static str> {
    let g = if v.get("type").and_then(Value::as_str) == Some("Feature") {
        v.get("geometry").ok_or("carto-geom-type")?
    } else {
        v
    };
    let coords = g.get("coordinates").ok_or("carto-geom-type")?;
    match g.get("type").and_then(Value::as_str) {
        Some("Point") => Ok(Geometry::Point(position(coords)?)),
        Some("LineString") => {
            let pts = positions(coords)?;
            if pts.len() < 2 {
                return Err("carto-geom-line");
            }
            Ok(Geometry::LineString(pts))
        }
        Some("Polygon") => {
            let rings = coords.as_array().ok_or("carto-geom-type")?;
            if rings.is_empty() {
                return Err("carto-geom-ring");
            }
            let mut out = Vec::with_capacity(rings.len());
            for r in rings {
                let pts = positions(r)?;
                if pts.len() < 4 || pts.first() != pts.last() {
                    return Err("carto-geom-ring");
                }
                if self_intersects(&pts) {
                    return Err("carto-geom-self-intersection");
                }
                out.push(pts);
            }
            Ok(Geometry::Polygon(out))
        }
        _ => Err("carto-geom-type"),
    }
}

fn position(v: &Value) -> Result<Pos, &'static str> {
    let a = v.as_array().ok_or("carto-geom-position")?;
    if a.len() < 2 || a.len() > 3 {
        return Err("carto-geom-position");
    }
    let lon = a[0].as_f64().ok_or("carto-geom-position")?;
    let lat = a[1].as_f64().ok_or("carto-geom-position")?;
    check_range(lon, lat)
}

/// A position from numbers, checked against the WGS84 ranges.
pub fn check_range(lon: f64, lat: f64) -> Result<Pos, &'static str> {
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err("carto-geom-range");
    }
    Ok(Pos { lon, lat })
}

fn positions(v: &Value) -> Result<Vec<Pos>, &'static str> {
    v.as_array()
        .ok_or("carto-geom-type")?
        .iter()
        .map(position)
        .collect()
}

fn orient(a: Pos, b: Pos, c: Pos) -> f64 {
    (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon)
}

fn on_segment(a: Pos, b: Pos, p: Pos) -> bool {
    p.lon >= a.lon.min(b.lon)
        && p.lon <= a.lon.max(b.lon)
        && p.lat >= a.lat.min(b.lat)
        && p.lat <= a.lat.max(b.lat)
}

fn segments_cross(a: Pos, b: Pos, c: Pos, d: Pos) -> bool {
    let (d1, d2, d3, d4) = (
        orient(c, d, a),
        orient(c, d, b),
        orient(a, b, c),
        orient(a, b, d),
    );
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// True when two non-adjacent edges of a closed ring touch or cross. A plain O(n²) test
/// over all edge pairs: workshop polygons have tens of vertices, not thousands.
fn self_intersects(ring: &[Pos]) -> bool {
    let n = ring.len() - 1; // edges; the last position repeats the first
    for i in 0..n {
        for j in (i + 1)..n {
            // Adjacent edges share a vertex (and the first and last edge share the start).
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            if segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                return true;
            }
        }
    }
    false
}

/// A feature accepted for the map.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDraft {
    pub category: CategoryRef,
    pub geometry: Geometry,
    pub description: String,
    pub sensitivity: Sensitivity,
    /// The workshop that mapped it (checked against the exercise in core).
    pub workshop_id: Option<uuid::Uuid>,
    /// When it matters, in vocabulary order without repeats.
    pub times: Vec<TimeCode>,
    /// Risks of child labour, forced labour or trafficking it carries.
    pub vulnerabilities: Vec<Vulnerability>,
}

string_enum!(
    /// When a feature matters: time of day, of the week and of the year. The seasons
    /// are the ones workshops name (dry and rainy season, harvest, school holidays)
    /// rather than a bare "season", since the risk changes with which one it is.
    TimeCode {
        Day = "day",
        Night = "night",
        Weekday = "weekday",
        Weekend = "weekend",
        DrySeason = "dry_season",
        RainySeason = "rainy_season",
        Harvest = "harvest",
        SchoolHolidays = "school_holidays",
    }
);

string_enum!(
    /// The crime a vulnerability tag is about.
    Crime {
        ChildLabour = "CL",
        ForcedLabour = "FL",
        Trafficking = "HT",
    }
);

/// One vulnerability tag: the crime and the risk in the mappers' words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vulnerability {
    pub crime: Crime,
    pub risk: String,
}

/// Most vulnerability tags on one feature.
pub const MAX_VULNERABILITIES: usize = 10;
/// Longest risk text of a tag, in characters.
pub const MAX_RISK_CHARS: usize = 200;

/// Parses a list of time codes (separated by commas or `|`), one message naming the
/// field for an unknown code; the result is in vocabulary order without repeats.
pub fn parse_times(s: &str, field: &str, e: &mut FieldErrors) -> Vec<TimeCode> {
    let mut bad = false;
    let mut got = Vec::new();
    for c in s.split([',', '|']).map(str::trim).filter(|c| !c.is_empty()) {
        match TimeCode::parse(c) {
            Some(t) => got.push(t),
            None => bad = true,
        }
    }
    if bad {
        e.add(field, "carto-time-unknown");
    }
    times_in_order(&got)
}

fn times_in_order(got: &[TimeCode]) -> Vec<TimeCode> {
    TimeCode::ALL
        .iter()
        .copied()
        .filter(|t| got.contains(t))
        .collect()
}

/// The stored form of a time list: codes joined by commas.
pub fn times_text(ts: &[TimeCode]) -> String {
    ts.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
}

/// Reads a stored time list, skipping anything unknown.
pub fn stored_times(s: &str) -> Vec<TimeCode> {
    times_in_order(&s.split(',').filter_map(TimeCode::parse).collect::<Vec<_>>())
}

/// Parses (crime, risk) pairs; pairs with both parts empty are skipped (the blank rows
/// of a form). Errors name `{field}[i].crime` / `{field}[i].risk` (i counting the pairs
/// given, from 0) and `{field}` for too many tags.
pub fn parse_vulnerabilities(
    pairs: &[(String, String)],
    field: &str,
    e: &mut FieldErrors,
) -> Vec<Vulnerability> {
    let mut out = Vec::new();
    for (n, (crime, risk)) in pairs.iter().enumerate() {
        let (crime, risk) = (crime.trim(), risk.trim());
        if crime.is_empty() && risk.is_empty() {
            continue;
        }
        let c = Crime::parse(crime);
        if c.is_none() {
            e.add(&format!("{field}[{n}].crime"), "carto-crime-unknown");
        }
        if risk.chars().count() > MAX_RISK_CHARS {
            e.add(&format!("{field}[{n}].risk"), "field-too-long");
        }
        if let Some(crime) = c {
            out.push(Vulnerability {
                crime,
                risk: risk.to_owned(),
            });
        }
    }
    if out.len() > MAX_VULNERABILITIES {
        e.add(field, "carto-vuln-too-many");
    }
    out
}

/// Splits the CSV cell form `CL:risk text|HT:other risk` into pairs.
pub fn vulnerability_pairs(s: &str) -> Vec<(String, String)> {
    s.split('|')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once(':') {
            Some((c, r)) => (c.to_owned(), r.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// The CSV cell form of tags (a `|` in a risk becomes `/` so the cell splits back).
pub fn vulnerabilities_cell(vs: &[Vulnerability]) -> String {
    vs.iter()
        .map(|v| format!("{}:{}", v.crime.as_str(), v.risk.replace('|', "/")))
        .collect::<Vec<_>>()
        .join("|")
}

/// The stored (and GeoJSON) form of tags: a JSON array of `{"crime","risk"}`.
pub fn vulnerabilities_json(vs: &[Vulnerability]) -> Value {
    Value::Array(
        vs.iter()
            .map(|v| serde_json::json!({"crime": v.crime.as_str(), "risk": v.risk}))
            .collect(),
    )
}

/// Reads stored tags, skipping anything malformed.
pub fn stored_vulnerabilities(s: &str) -> Vec<Vulnerability> {
    let v: Value = serde_json::from_str(s).unwrap_or(Value::Null);
    json_pairs(&v)
        .into_iter()
        .filter_map(|(c, r)| {
            Some(Vulnerability {
                crime: Crime::parse(&c)?,
                risk: r,
            })
        })
        .collect()
}

fn json_pairs(v: &Value) -> Vec<(String, String)> {
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match v {
        Value::Array(a) => a.iter().map(|o| (s(o, "crime"), s(o, "risk"))).collect(),
        _ => Vec::new(),
    }
}

fn workshop_ref(s: &str, field: &str, e: &mut FieldErrors) -> Option<uuid::Uuid> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    uuid::Uuid::parse_str(t)
        .map_err(|_| e.add(field, "carto-workshop-unknown"))
        .ok()
}

/// A point as typed into the map form (or clicked: the form carries lon/lat).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PointInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub sensitivity: String,
    /// The mapping workshop, empty for none.
    #[serde(default)]
    pub workshop_id: String,
    /// Time codes separated by commas or `|`.
    #[serde(default)]
    pub times: String,
    /// (crime code, risk) pairs; blank pairs are ignored.
    #[serde(default)]
    pub vulnerabilities: Vec<(String, String)>,
}

/// The workshop, times and tags of a form, one message per field.
pub fn feature_extras(
    workshop_id: &str,
    times: &str,
    vulnerabilities: &[(String, String)],
    prefix: &str,
    e: &mut FieldErrors,
) -> (Option<uuid::Uuid>, Vec<TimeCode>, Vec<Vulnerability>) {
    (
        workshop_ref(workshop_id, &format!("{prefix}workshop_id"), e),
        parse_times(times, &format!("{prefix}times"), e),
        parse_vulnerabilities(vulnerabilities, &format!("{prefix}vulnerabilities"), e),
    )
}

fn category_for(
    set: &CategorySet,
    code: &str,
    kind: GeomKind,
    field: &str,
    e: &mut FieldErrors,
) -> Option<CategoryRef> {
    match set.get(code) {
        None => {
            e.add(field, "carto-category-unknown");
            None
        }
        Some(c) if c.kind != kind => {
            e.add(field, "carto-category-geometry");
            None
        }
        Some(c) => Some(c),
    }
}

fn description(s: &str, field: &str, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.chars().count() > 2000 {
        e.add(field, "field-too-long");
    }
    t.to_owned()
}

fn sensitivity(s: &str, field: &str, e: &mut FieldErrors) -> Sensitivity {
    if s.trim().is_empty() {
        return Sensitivity::Public;
    }
    Sensitivity::parse(s).unwrap_or_else(|| {
        e.add(field, "carto-sensitivity-unknown");
        Sensitivity::Public
    })
}

impl FeatureDraft {
    /// Parses the point form against the default categories.
    pub fn point(i: &PointInput) -> Result<Self, Error> {
        Self::point_in(i, &CategorySet::default())
    }

    /// Parses the point form, one message per field, against an exercise's categories.
    pub fn point_in(i: &PointInput, set: &CategorySet) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let num = |s: &str, f: &str, max: f64, e: &mut FieldErrors| -> Option<f64> {
            match s.trim().parse::<f64>().ok().filter(|v| v.is_finite()) {
                None => {
                    e.add(f, "carto-geom-position");
                    None
                }
                Some(v) if !(-max..=max).contains(&v) => {
                    e.add(f, "carto-geom-range");
                    None
                }
                Some(v) => Some(v),
            }
        };
        let lon = num(&i.lon, "lon", 180.0, &mut e);
        let lat = num(&i.lat, "lat", 90.0, &mut e);
        let geometry = match (lon, lat) {
            (Some(lon), Some(lat)) => Some(Geometry::Point(Pos { lon, lat })),
            _ => None,
        };
        let category = category_for(set, &i.category, GeomKind::Point, "category", &mut e);
        let description = description(&i.description, "description", &mut e);
        let sensitivity = sensitivity(&i.sensitivity, "sensitivity", &mut e);
        let (workshop_id, times, vulnerabilities) =
            feature_extras(&i.workshop_id, &i.times, &i.vulnerabilities, "", &mut e);
        match (category, geometry) {
            (Some(category), Some(geometry)) if e.is_empty() => Ok(FeatureDraft {
                category,
                geometry,
                description,
                sensitivity,
                workshop_id,
                times,
                vulnerabilities,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }

    /// Parses a GeoJSON FeatureCollection; every bad feature is reported as
    /// `features[i]` (with its `id` when it has one), and nothing is accepted unless
    /// all are good.
    pub fn collection(text: &str) -> Result<Vec<Self>, Error> {
        Self::collection_in(text, &CategorySet::default())
    }

    /// [`FeatureDraft::collection`] against an exercise's categories.
    pub fn collection_in(text: &str, set: &CategorySet) -> Result<Vec<Self>, Error> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| Error::Invalid(FieldErrors::single("geojson", "carto-geojson-invalid")))?;
        let feats = match (v.get("type").and_then(Value::as_str), v.get("features")) {
            (Some("FeatureCollection"), Some(Value::Array(f))) => f,
            _ => {
                return Err(Error::Invalid(FieldErrors::single(
                    "geojson",
                    "carto-geojson-collection",
                )));
            }
        };
        let mut e = FieldErrors::new();
        let mut out = Vec::with_capacity(feats.len());
        for (n, f) in feats.iter().enumerate() {
            let field = match f.get("id") {
                Some(Value::String(id)) => format!("features[{n}] ({id})"),
                Some(Value::Number(id)) => format!("features[{n}] ({id})"),
                _ => format!("features[{n}]"),
            };
            let props = f.get("properties").cloned().unwrap_or(Value::Null);
            let prop = |k: &str| {
                props
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let geometry = match parse_geometry(f) {
                Ok(g) => g,
                Err(k) => {
                    e.add(&field, k);
                    continue;
                }
            };
            let mut fe = FieldErrors::new();
            let category = category_for(set, &prop("category"), geometry.kind(), &field, &mut fe);
            let description = description(&prop("description"), &field, &mut fe);
            let sensitivity = sensitivity(&prop("sensitivity"), &field, &mut fe);
            let workshop_id = workshop_ref(
                &prop("workshop_id"),
                &format!("{field}.workshop_id"),
                &mut fe,
            );
            let times = match props.get("times") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) if a.iter().all(Value::is_string) => parse_times(
                    &a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                    &format!("{field}.times"),
                    &mut fe,
                ),
                Some(_) => {
                    fe.add(&format!("{field}.times"), "carto-time-unknown");
                    Vec::new()
                }
            };
            let vulnerabilities = match props.get("vulnerabilities") {
                None | Some(Value::Null) => Vec::new(),
                Some(v @ Value::Array(a)) if a.iter().all(Value::is_object) => {
                    parse_vulnerabilities(
                        &json_pairs(v),
                        &format!("{field}.vulnerabilities"),
                        &mut fe,
                    )
                }
                Some(_) => {
                    fe.add(&format!("{field}.vulnerabilities"), "carto-crime-unknown");
                    Vec::new()
                }
            };
            match category {
                Some(category) if fe.is_empty() => out.push(FeatureDraft {
                    category,
                    geometry,
                    description,
                    sensitivity,
                    workshop_id,
                    times,
                    vulnerabilities,
                }),
                _ => e.0.extend(fe.0),
            }
        }
        e.into_result(out)
    }
}

/// Most vertices a drawn line or area may have.
pub const MAX_VERTICES: usize = 300;

/// Parses the compact vertex list a drawing carries between requests
/// (`lon,lat;lon,lat`). It comes back from the browser, so every position is checked
/// again each time; the error is a Fluent key.
pub fn parse_vertices(s: &str) -> Result<Vec<Pos>, &'static str> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for pair in t.split(';') {
        if out.len() >= MAX_VERTICES {
            return Err("carto-vertices-too-many");
        }
        let (lon, lat) = pair.split_once(',').ok_or("carto-vertices-invalid")?;
        let num = |x: &str| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or("carto-vertices-invalid")
        };
        out.push(check_range(num(lon)?, num(lat)?)?);
    }
    Ok(out)
}

/// The compact vertex list of [`parse_vertices`], six decimals (about 10 cm).
pub fn format_vertices(ps: &[Pos]) -> String {
    ps.iter()
        .map(|p| format!("{:.6},{:.6}", p.lon, p.lat))
        .collect::<Vec<_>>()
        .join(";")
}

/// Parses typed vertices, one `lon lat` per line (a comma between them is accepted
/// too; blank lines are skipped). A bad line is named by its number (from 1).
pub fn parse_typed_vertices(s: &str) -> Result<Vec<Pos>, (usize, &'static str)> {
    let mut out = Vec::new();
    for (n, line) in s.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if out.len() >= MAX_VERTICES {
            return Err((n + 1, "carto-vertices-too-many"));
        }
        let parts: Vec<&str> = t
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|x| !x.is_empty())
            .collect();
        let nums: Vec<f64> = parts
            .iter()
            .filter_map(|x| x.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        if parts.len() != 2 || nums.len() != 2 {
            return Err((n + 1, "carto-vertices-invalid"));
        }
        out.push(check_range(nums[0], nums[1]).map_err(|k| (n + 1, k))?);
    }
    Ok(out)
}

/// The geometry of a drawing: a line of at least two positions, or an area of at least
/// three distinct ones, closed here and with a non-zero area. Repeated clicks on the
/// same place count once. The result goes through [`parse_geometry`], the same
/// validation as imports (ranges, closed rings, self-intersection).
pub fn sketch_geometry(kind: GeomKind, ps: &[Pos]) -> Result<Geometry, &'static str> {
    let mut v: Vec<Pos> = Vec::with_capacity(ps.len() + 1);
    for p in ps {
        check_range(p.lon, p.lat)?;
        if v.last() != Some(p) {
            v.push(*p);
        }
    }
    let g = match kind {
        GeomKind::Point => return Err("carto-category-geometry"),
        GeomKind::Line => {
            if v.len() < 2 {
                return Err("carto-geom-line");
            }
            Geometry::LineString(v)
        }
        GeomKind::Area => {
            if v.len() > 1 && v.first() == v.last() {
                v.pop();
            }
            let mut distinct: Vec<Pos> = Vec::new();
            for p in &v {
                if !distinct.contains(p) {
                    distinct.push(*p);
                }
            }
            if distinct.len() < 3 {
                return Err("carto-geom-area-few");
            }
            let twice_area: f64 = (0..v.len())
                .map(|i| {
                    let (a, b) = (v[i], v[(i + 1) % v.len()]);
                    a.lon * b.lat - b.lon * a.lat
                })
                .sum();
            v.push(v[0]);
            // Crossing edges first: a bow tie's halves cancel out to no surface too.
            let g = parse_geometry(&Geometry::Polygon(vec![v]).to_json())?;
            if twice_area.abs() < 1e-14 {
                return Err("carto-geom-area-empty");
            }
            return Ok(g);
        }
    };
    parse_geometry(&g.to_json())
}

/// A drawn line or area with its feature form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ShapeInput {
    /// `line` or `area`.
    pub kind: String,
    /// The compact vertex list.
    pub vertices: String,
    pub category: String,
    pub description: String,
    pub sensitivity: String,
    pub workshop_id: String,
    pub times: String,
    pub vulnerabilities: Vec<(String, String)>,
}

impl FeatureDraft {
    /// Parses a drawn shape and its form, one message per field (`vertices` for the
    /// geometry).
    pub fn shape(i: &ShapeInput, set: &CategorySet) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let kind = match GeomKind::parse(&i.kind) {
            Some(k @ (GeomKind::Line | GeomKind::Area)) => Some(k),
            _ => {
                e.add("kind", "field-choice");
                None
            }
        };
        let geometry = kind.and_then(|k| {
            match parse_vertices(&i.vertices).and_then(|ps| sketch_geometry(k, &ps)) {
                Ok(g) => Some(g),
                Err(key) => {
                    e.add("vertices", key);
                    None
                }
            }
        });
        let category = kind.and_then(|k| category_for(set, &i.category, k, "category", &mut e));
        let description = description(&i.description, "description", &mut e);
        let sensitivity = sensitivity(&i.sensitivity, "sensitivity", &mut e);
        let (workshop_id, times, vulnerabilities) =
            feature_extras(&i.workshop_id, &i.times, &i.vulnerabilities, "", &mut e);
        match (category, geometry) {
            (Some(category), Some(geometry)) if e.is_empty() => Ok(FeatureDraft {
                category,
                geometry,
                description,
                sensitivity,
                workshop_id,
                times,
                vulnerabilities,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Default size of the grid generalised features are snapped to, in degrees (about
/// 220 m of latitude): coarse enough that a house cannot be told from its block, fine
/// enough that the feature stays in its neighbourhood.
pub const DEFAULT_GRID_DEGREES: f64 = 0.002;

/// How a feature is shown to someone: restricted features only to those who may read
/// them, generalised ones always snapped (to everyone, in pages and exports alike).
/// `None` when the viewer must not see it at all.
pub fn shown_geometry(
    g: &Geometry,
    s: Sensitivity,
    may_read_restricted: bool,
    grid: f64,
) -> Option<Geometry> {
    match s {
        Sensitivity::Public => Some(g.clone()),
        Sensitivity::Generalised => Some(g.snapped(grid)),
        Sensitivity::Restricted => may_read_restricted.then(|| g.clone()),
    }
}

fn date_opt(s: &str, field: &str, e: &mut FieldErrors) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match crate::training::parse_date(t) {
        Some(d) => Some(d.to_string()),
        None => {
            e.add(field, "field-date");
            None
        }
    }
}

fn date_order(a: &Option<String>, b: &Option<String>, field: &str, e: &mut FieldErrors) {
    if let (Some(a), Some(b)) = (a, b)
        && b < a
    {
        e.add(field, "field-date-order");
    }
}

/// A mapping exercise as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExerciseInput {
    pub area_id: String,
    pub name: String,
    pub purpose: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A parsed exercise (the area's existence and country are checked by the use case).
#[derive(Debug, Clone)]
pub struct ExerciseDraft {
    pub area_id: uuid::Uuid,
    pub name: String,
    pub purpose: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

impl ExerciseDraft {
    /// Parses every field, one message per bad field.
    pub fn parse(i: &ExerciseInput) -> Result<Self, Error> {
        use crate::directory::required_text;
        let mut e = FieldErrors::new();
        let area_id = match uuid::Uuid::parse_str(i.area_id.trim()) {
            Ok(u) => Some(u),
            Err(_) => {
                e.add("area_id", "field-reference");
                None
            }
        };
        let name = required_text(&i.name, "name", 200, &mut e);
        let purpose = description(&i.purpose, "purpose", &mut e);
        let starts_on = date_opt(&i.starts_on, "starts_on", &mut e);
        let ends_on = date_opt(&i.ends_on, "ends_on", &mut e);
        date_order(&starts_on, &ends_on, "ends_on", &mut e);
        match area_id {
            Some(area_id) if e.is_empty() => Ok(Self {
                area_id,
                name,
                purpose,
                starts_on,
                ends_on,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// The groups a workshop counts its participants by (never their names).
pub const WORKSHOP_GROUPS: [&str; 6] = [
    "residents",
    "youth",
    "teachers",
    "health_workers",
    "officials",
    "other",
];

/// A workshop as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WorkshopInput {
    pub held_on: String,
    pub place: String,
    pub residents: String,
    pub youth: String,
    pub teachers: String,
    pub health_workers: String,
    pub officials: String,
    pub other: String,
    pub consent_noted: String,
}

/// A parsed workshop: participant counts in the order of [`WORKSHOP_GROUPS`].
#[derive(Debug, Clone)]
pub struct WorkshopDraft {
    pub held_on: String,
    pub place: String,
    pub counts: [i64; 6],
    pub consent_noted: bool,
}

impl WorkshopDraft {
    /// Parses every field. Consent must be noted: a workshop whose participants did not
    /// agree to take part is not recorded.
    pub fn parse(i: &WorkshopInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let held_on = match crate::training::parse_date(&i.held_on) {
            Some(d) => d.to_string(),
            None => {
                e.add("held_on", "field-date");
                String::new()
            }
        };
        let place = crate::directory::required_text(&i.place, "place", 200, &mut e);
        let raw = [
            &i.residents,
            &i.youth,
            &i.teachers,
            &i.health_workers,
            &i.officials,
            &i.other,
        ];
        let mut counts = [0i64; 6];
        for (n, r) in raw.iter().enumerate() {
            let t = r.trim();
            if t.is_empty() {
                continue;
            }
            match t.parse::<i64>() {
                Ok(v) if (0..=100_000).contains(&v) => counts[n] = v,
                _ => e.add(WORKSHOP_GROUPS[n], "field-number"),
            }
        }
        let consent_noted = matches!(i.consent_noted.trim(), "1" | "on" | "true" | "yes");
        if !consent_noted {
            e.add("consent_noted", "carto-consent-required");
        }
        e.into_result(Self {
            held_on,
            place,
            counts,
            consent_noted,
        })
    }
}

/// Columns of the feature CSV (import and export), in order.
pub const CSV_COLUMNS: [&str; 8] = [
    "lon",
    "lat",
    "category",
    "description",
    "sensitivity",
    "workshop_id",
    "times",
    "vulnerabilities",
];

impl FeatureDraft {
    /// Parses a CSV of points with the header `lon,lat,category,description,sensitivity`
    /// (and optionally `workshop_id`, `times` as `day|night`, `vulnerabilities` as
    /// `CL:risk|HT:risk`);
    /// every bad row is reported as `row N` (N counting the header as row 1) and nothing
    /// is accepted unless every row is good.
    pub fn csv(text: &str) -> Result<Vec<Self>, Error> {
        Self::csv_in(text, &CategorySet::default())
    }

    /// [`FeatureDraft::csv`] against an exercise's categories.
    pub fn csv_in(text: &str, set: &CategorySet) -> Result<Vec<Self>, Error> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = match r.headers() {
            Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
            Err(_) => {
                return Err(Error::Invalid(FieldErrors::single(
                    "csv",
                    "carto-csv-header",
                )));
            }
        };
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(lon), Some(lat), Some(cat)) = (col("lon"), col("lat"), col("category")) else {
            return Err(Error::Invalid(FieldErrors::single(
                "csv",
                "carto-csv-header",
            )));
        };
        let (desc, sens) = (col("description"), col("sensitivity"));
        let (ws, times, vulns) = (col("workshop_id"), col("times"), col("vulnerabilities"));
        let mut e = FieldErrors::new();
        let mut out = Vec::new();
        for (n, rec) in r.records().enumerate() {
            let row = format!("row {}", n + 2);
            let Ok(rec) = rec else {
                e.add(&row, "carto-csv-row");
                continue;
            };
            let get = |i: Option<usize>| {
                i.and_then(|i| rec.get(i))
                    .map(str::to_owned)
                    .unwrap_or_default()
            };
            let input = PointInput {
                category: get(Some(cat)),
                lon: get(Some(lon)),
                lat: get(Some(lat)),
                description: get(desc),
                sensitivity: get(sens),
                workshop_id: get(ws),
                times: get(times),
                vulnerabilities: vulnerability_pairs(&get(vulns)),
            };
            match FeatureDraft::point_in(&input, set) {
                Ok(d) => out.push(d),
                Err(Error::Invalid(fe)) => {
                    for f in fe.0 {
                        e.add(&format!("{row}: {}", f.field), f.key);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        if out.is_empty() && e.is_empty() {
            e.add("csv", "carto-import-empty");
        }
        e.into_result(out)
    }
}

/// The bounding box of a set of positions: (west, south, east, north).
pub fn bbox(ps: &[Pos]) -> Option<(f64, f64, f64, f64)> {
    let first = ps.first()?;
    let mut b = (first.lon, first.lat, first.lon, first.lat);
    for p in ps {
        b.0 = b.0.min(p.lon);
        b.1 = b.1.min(p.lat);
        b.2 = b.2.max(p.lon);
        b.3 = b.3.max(p.lat);
    }
    Some(b)
}

/// An equirectangular projection of a bounding box onto a `width` × `height` picture
/// (y down), with longitudes scaled by the cosine of the middle latitude so shapes keep
/// their proportions; the picture keeps a margin of 5 % on each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub west: f64,
    pub north: f64,
    /// Pixels per degree of latitude.
    pub scale: f64,
    /// Cosine of the middle latitude.
    pub k: f64,
    pub width: f64,
    pub height: f64,
    pub margin: f64,
}

impl Projection {
    /// Fits `bbox` into a picture `width` pixels wide; the height follows the shape.
    pub fn fit(bbox: (f64, f64, f64, f64), width: f64) -> Self {
        let (w, s, e, n) = bbox;
        let k = ((s + n) / 2.0).to_radians().cos().max(0.01);
        let margin = width * 0.05;
        let dx = ((e - w) * k).max(1e-9);
        let dy = (n - s).max(1e-9);
        let scale = (width - 2.0 * margin) / dx;
        let height = (dy * scale + 2.0 * margin).round();
        Self {
            west: w,
            north: n,
            scale,
            k,
            width,
            height,
            margin,
        }
    }

    /// Picture coordinates of a position.
    pub fn xy(&self, p: Pos) -> (f64, f64) {
        (
            self.margin + (p.lon - self.west) * self.k * self.scale,
            self.margin + (self.north - p.lat) * self.scale,
        )
    }

    /// The position under a picture point (the inverse of [`Projection::xy`]).
    pub fn lonlat(&self, x: f64, y: f64) -> Pos {
        Pos {
            lon: self.west + (x - self.margin) / (self.k * self.scale),
            lat: self.north - (y - self.margin) / self.scale,
        }
    }
}

/// A basemap tile server: a URL template with `{z}`, `{x}` and `{y}` over https, and
/// its origin (what the page's Content-Security-Policy lets images come from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileServer {
    pub template: String,
    pub origin: String,
}

impl TileServer {
    /// Parses the configured template; the error says what is wrong. Placeholders are
    /// only allowed in the path, so the origin is fixed.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let t = s.trim();
        let rest = t
            .strip_prefix("https://")
            .ok_or("must start with https://")?;
        let host_end = rest.find('/').ok_or("needs a path with {z}, {x} and {y}")?;
        let host = &rest[..host_end];
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !host_ok {
            return Err("needs a plain host name (no placeholders, user or spaces)");
        }
        for p in ["{z}", "{x}", "{y}"] {
            if !rest.contains(p) {
                return Err("must contain {z}, {x} and {y}");
            }
        }
        let path = &rest[host_end..]
            .replace("{z}", "")
            .replace("{x}", "")
            .replace("{y}", "");
        let path_ok = path.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '/' | '.' | '-' | '_' | '~' | '?' | '=' | '&' | '%' | '@')
        });
        if !path_ok {
            return Err(
                "has characters not allowed in its path (only {z}, {x} and {y} as placeholders)",
            );
        }
        Ok(Self {
            template: t.to_owned(),
            origin: format!("https://{host}"),
        })
    }

    /// The URL of one tile.
    pub fn url(&self, z: u32, x: u32, y: u32) -> String {
        self.template
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
    }
}

/// One basemap tile placed on the picture: zoom, column, row, and its box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tile {
    pub z: u32,
    pub x: u32,
    pub y: u32,
    /// Picture coordinates of the north-west corner, width and height.
    pub px: (f64, f64, f64, f64),
}

/// Most tiles one map asks for.
pub const MAX_TILES: usize = 36;

fn tile_lon(x: f64, n: f64) -> f64 {
    x / n * 360.0 - 180.0
}

fn tile_lat(y: f64, n: f64) -> f64 {
    (std::f64::consts::PI * (1.0 - 2.0 * y / n))
        .sinh()
        .atan()
        .to_degrees()
}

/// The Web Mercator tiles under a picture: the zoom whose tiles come closest to 256
/// pixels wide at the picture's scale (lower while more than [`MAX_TILES`] would be
/// needed), every tile that covers the picture, each placed by projecting its corners'
/// lon/lat through `pr` (the equirectangular picture and the Mercator tiles agree to well
/// under a pixel over a neighbourhood).
pub fn tiles_for(pr: &Projection) -> Vec<Tile> {
    let nw = pr.lonlat(0.0, 0.0);
    let se = pr.lonlat(pr.width, pr.height);
    let clamp_lat = |l: f64| l.clamp(-85.0511, 85.0511);
    let px_per_lon = pr.k * pr.scale;
    let mut z = ((360.0 * px_per_lon / 256.0).log2().round()).clamp(0.0, 19.0) as u32;
    loop {
        let n = f64::from(1u32 << z);
        let col = |lon: f64| (((lon + 180.0) / 360.0 * n).floor()).clamp(0.0, n - 1.0) as u32;
        let row = |lat: f64| {
            let r = clamp_lat(lat).to_radians();
            let y = (1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
            y.floor().clamp(0.0, n - 1.0) as u32
        };
        let (x0, x1) = (col(nw.lon.max(-180.0)), col(se.lon.min(180.0)));
        let (y0, y1) = (row(nw.lat), row(se.lat));
        let count = ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize;
        if count > MAX_TILES && z > 0 {
            z -= 1;
            continue;
        }
        let mut out = Vec::with_capacity(count);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (xf, yf) = (f64::from(x), f64::from(y));
                let (ax, ay) = pr.xy(Pos {
                    lon: tile_lon(xf, n),
                    lat: tile_lat(yf, n),
                });
                let (bx, by) = pr.xy(Pos {
                    lon: tile_lon(xf + 1.0, n),
                    lat: tile_lat(yf + 1.0, n),
                });
                out.push(Tile {
                    z,
                    x,
                    y,
                    px: (ax, ay, bx - ax, by - ay),
                });
            }
        }
        return out;
    }
}

string_enum!(
    /// The state of an action of the plan.
    ActionStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

impl ActionStatus {
    /// The progress a status implies when none is given: planned 0 %, in progress 50 %,
    /// done 100 %, cancelled 0 % (and left out of its parent's progress).
    pub fn default_progress(self) -> i64 {
        match self {
            ActionStatus::Planned | ActionStatus::Cancelled => 0,
            ActionStatus::InProgress => 50,
            ActionStatus::Done => 100,
        }
    }
}

string_enum!(
    /// The level of government responsible for an action.
    PlanLevel {
        Municipal = "municipal",
        Provincial = "provincial",
        National = "national",
    }
);

/// An action of the plan as typed into its form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionInput {
    pub title: String,
    pub finding: String,
    pub feature_id: String,
    pub parent_id: String,
    pub institution_id: String,
    pub level: String,
    /// Budget in major units (`5000000` or `5000000.50`).
    pub budget: String,
    pub currency: String,
    pub status: String,
    pub progress: String,
    pub starts_on: String,
    pub due_on: String,
}

/// A parsed action (references are checked by the use case).
#[derive(Debug, Clone)]
pub struct ActionDraft {
    pub title: String,
    pub finding: String,
    pub feature_id: Option<uuid::Uuid>,
    pub parent_id: Option<uuid::Uuid>,
    pub institution_id: uuid::Uuid,
    pub level: PlanLevel,
    pub budget_minor: i64,
    pub currency: String,
    pub status: ActionStatus,
    pub progress: i64,
    pub starts_on: Option<String>,
    pub due_on: Option<String>,
}

/// Parses an amount in major units with at most two decimals into minor units;
/// negative amounts are refused.
pub fn parse_budget(s: &str) -> Result<i64, &'static str> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_'))
        .collect();
    if t.is_empty() {
        return Ok(0);
    }
    if t.starts_with('-') {
        return Err("carto-budget-negative");
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("carto-budget-format");
    }
    let w: i64 = whole.parse().map_err(|_| "carto-budget-format")?;
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    w.checked_mul(100)
        .and_then(|v| v.checked_add(f))
        .ok_or("carto-budget-format")
}

/// Formats minor units as a major amount with thousands separators (`5,000,000.00`).
pub fn format_budget(minor: i64) -> String {
    let whole = (minor / 100).to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", (minor % 100).abs())
}

impl ActionDraft {
    /// Parses every field, one message per bad field.
    pub fn parse(i: &ActionInput) -> Result<Self, Error> {
        use crate::directory::{parse_optional_uuid, required_text};
        let mut e = FieldErrors::new();
        let title = required_text(&i.title, "title", 300, &mut e);
        let finding = description(&i.finding, "finding", &mut e);
        let feature_id = parse_optional_uuid(&i.feature_id, "feature_id", &mut e);
        let parent_id = parse_optional_uuid(&i.parent_id, "parent_id", &mut e);
        let institution_id = match uuid::Uuid::parse_str(i.institution_id.trim()) {
            Ok(u) => Some(u),
            Err(_) => {
                e.add("institution_id", "carto-institution-unknown");
                None
            }
        };
        let level = PlanLevel::parse(&i.level);
        if level.is_none() {
            e.add("level", "field-choice");
        }
        let budget_minor = parse_budget(&i.budget).unwrap_or_else(|k| {
            e.add("budget", k);
            0
        });
        let currency = i.currency.trim().to_ascii_uppercase();
        if !(currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase())) {
            e.add("currency", "carto-currency");
        }
        let status = if i.status.trim().is_empty() {
            Some(ActionStatus::Planned)
        } else {
            ActionStatus::parse(&i.status)
        };
        if status.is_none() {
            e.add("status", "field-choice");
        }
        let progress = match (i.progress.trim(), status) {
            (
                _,
                Some(s @ (ActionStatus::Planned | ActionStatus::Done | ActionStatus::Cancelled)),
            ) => s.default_progress(),
            ("", Some(s)) => s.default_progress(),
            (p, _) => match p.parse::<i64>() {
                Ok(v) if (0..=100).contains(&v) => v,
                _ => {
                    e.add("progress", "carto-progress");
                    0
                }
            },
        };
        let starts_on = date_opt(&i.starts_on, "starts_on", &mut e);
        let due_on = date_opt(&i.due_on, "due_on", &mut e);
        date_order(&starts_on, &due_on, "due_on", &mut e);
        match (institution_id, level, status) {
            (Some(institution_id), Some(level), Some(status)) if e.is_empty() => Ok(Self {
                title,
                finding,
                feature_id,
                parent_id,
                institution_id,
                level,
                budget_minor,
                currency,
                status,
                progress,
                starts_on,
                due_on,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// An update of an action's status and progress, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionUpdateInput {
    pub status: String,
    pub progress: String,
    pub note: String,
}

/// A parsed update: status, progress (the status' default unless in progress), note.
pub fn parse_update(i: &ActionUpdateInput) -> Result<(ActionStatus, i64, String), Error> {
    let mut e = FieldErrors::new();
    let status = ActionStatus::parse(&i.status);
    if status.is_none() {
        e.add("status", "field-choice");
    }
    let progress = match status {
        Some(ActionStatus::InProgress) if !i.progress.trim().is_empty() => {
            match i.progress.trim().parse::<i64>() {
                Ok(v) if (0..=100).contains(&v) => v,
                _ => {
                    e.add("progress", "carto-progress");
                    0
                }
            }
        }
        Some(s) => s.default_progress(),
        None => 0,
    };
    let note = description(&i.note, "note", &mut e);
    match status {
        Some(s) if e.is_empty() => Ok((s, progress, note)),
        _ => Err(Error::Invalid(e)),
    }
}

/// The progress of every action of a plan: a leaf's own, a parent's the rounded mean of
/// its children that are not cancelled (recursively; a parent whose children are all
/// cancelled keeps its own). `items` are (id, parent, status, own progress); the answer
/// is in the same order. Cycles cannot be stored (a parent must exist first), but a
/// depth limit guards the recursion anyway.
pub fn rolled_progress(items: &[(uuid::Uuid, Option<uuid::Uuid>, ActionStatus, i64)]) -> Vec<i64> {
    fn of(
        i: usize,
        items: &[(uuid::Uuid, Option<uuid::Uuid>, ActionStatus, i64)],
        depth: usize,
    ) -> i64 {
        let id = items[i].0;
        let kids: Vec<usize> = (0..items.len())
            .filter(|&j| items[j].1 == Some(id) && items[j].2 != ActionStatus::Cancelled)
            .collect();
        if kids.is_empty() || depth > 32 {
            return items[i].3;
        }
        let sum: i64 = kids.iter().map(|&j| of(j, items, depth + 1)).sum();
        let n = kids.len() as i64;
        (sum + n / 2) / n
    }
    (0..items.len()).map(|i| of(i, items, 0)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn geom(s: &str) -> Result<Geometry, &'static str> {
        parse_geometry(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn polygons_must_be_closed_in_range_and_simple() {
        assert!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#).is_ok()
        );
        assert_eq!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#),
            Err("carto-geom-ring")
        );
        // A bow tie: the edges (0,0)-(1,1) and (1,0)-(0,1) cross.
        assert_eq!(
            geom(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#),
            Err("carto-geom-self-intersection")
        );
        assert_eq!(
            geom(r#"{"type":"Point","coordinates":[181,0]}"#),
            Err("carto-geom-range")
        );
        assert_eq!(
            geom(r#"{"type":"Circle","coordinates":[0,0]}"#),
            Err("carto-geom-type")
        );
    }

    #[test]
    fn a_collection_reports_every_bad_feature_and_accepts_none() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"category":"school"},"geometry":{"type":"Point","coordinates":[-58.42,-34.73]}},
          {"type":"Feature","id":"k1","properties":{"category":"brick_kiln"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
          {"type":"Feature","properties":{"category":"dump"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}}
        ]}"#;
        let Err(Error::Invalid(e)) = FeatureDraft::collection(text) else {
            panic!("accepted")
        };
        assert_eq!(e.get("features[1] (k1)"), Some("carto-category-geometry"));
        assert_eq!(e.get("features[2]"), Some("carto-geom-ring"));
        assert_eq!(e.get("features[0]"), None);
        let ok = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"category":"school","sensitivity":"restricted"},"geometry":{"type":"Point","coordinates":[-58.42,-34.73]}}]}"#;
        let v = FeatureDraft::collection(ok).unwrap();
        assert_eq!(v[0].sensitivity, Sensitivity::Restricted);
        assert_eq!(v[0].category.dimension, Dimension::Social);
    }

    #[test]
    fn the_point_form_names_each_bad_field() {
        let i = PointInput {
            category: "dump".into(),
            lon: "200".into(),
            lat: "x".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = FeatureDraft::point(&i) else {
            panic!("accepted")
        };
        assert_eq!(e.get("lon"), Some("carto-geom-range"));
        assert_eq!(e.get("lat"), Some("carto-geom-position"));
        assert_eq!(e.get("category"), Some("carto-category-geometry"));
    }

    #[test]
    fn a_drawing_is_checked_every_time_and_areas_close_themselves() {
        let p = |lon: f64, lat: f64| Pos { lon, lat };
        let sq = [p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0), p(0.0, 1.0)];
        let text = format_vertices(&sq);
        assert_eq!(parse_vertices(&text).unwrap(), sq.to_vec());
        assert_eq!(parse_vertices("1,2;x,3"), Err("carto-vertices-invalid"));
        assert_eq!(parse_vertices("1,2;181,3"), Err("carto-geom-range"));
        assert_eq!(parse_vertices("NaN,1"), Err("carto-vertices-invalid"));
        assert_eq!(parse_vertices(""), Ok(vec![]));
        let many = vec!["0,0"; MAX_VERTICES + 1].join(";");
        assert_eq!(parse_vertices(&many), Err("carto-vertices-too-many"));
        assert_eq!(
            parse_typed_vertices("-58.42 -34.73\n\n-58.41, -34.72\n"),
            Ok(vec![p(-58.42, -34.73), p(-58.41, -34.72)])
        );
        assert_eq!(
            parse_typed_vertices("1 2\n3\n"),
            Err((2, "carto-vertices-invalid"))
        );
        // An area is closed here; a line needs two distinct positions.
        let Geometry::Polygon(r) = sketch_geometry(GeomKind::Area, &sq).unwrap() else {
            panic!("not a polygon")
        };
        assert_eq!(r[0].len(), 5);
        assert_eq!(r[0].first(), r[0].last());
        assert_eq!(
            sketch_geometry(GeomKind::Line, &[p(1.0, 1.0), p(1.0, 1.0)]),
            Err("carto-geom-line")
        );
        assert_eq!(
            sketch_geometry(GeomKind::Area, &[p(0.0, 0.0), p(1.0, 0.0), p(0.0, 0.0)]),
            Err("carto-geom-area-few")
        );
        assert_eq!(
            sketch_geometry(GeomKind::Area, &[p(0.0, 0.0), p(1.0, 1.0), p(2.0, 2.0)]),
            Err("carto-geom-area-empty")
        );
        let bow = [p(0.0, 0.0), p(1.0, 1.0), p(1.0, 0.0), p(0.0, 1.0)];
        assert_eq!(
            sketch_geometry(GeomKind::Area, &bow),
            Err("carto-geom-self-intersection")
        );
        // The form: a point category cannot take a line.
        let Err(Error::Invalid(e)) = FeatureDraft::shape(
            &ShapeInput {
                kind: "line".into(),
                vertices: "0,0;1,1".into(),
                category: "school".into(),
                ..Default::default()
            },
            &CategorySet::default(),
        ) else {
            panic!("accepted")
        };
        assert_eq!(e.get("category"), Some("carto-category-geometry"));
        let d = FeatureDraft::shape(
            &ShapeInput {
                kind: "area".into(),
                vertices: text,
                category: "dump".into(),
                ..Default::default()
            },
            &CategorySet::default(),
        )
        .unwrap();
        assert_eq!(d.geometry.kind(), GeomKind::Area);
    }

    #[test]
    fn an_exercise_extends_the_default_set_with_its_own_categories() {
        let icon = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle cx=\"5\" cy=\"5\" r=\"4\"/></svg>";
        let input = CategoryInput {
            code: "cart_route".into(),
            kind: "line".into(),
            dimension: "economic".into(),
            colour: "#AA3300".into(),
            label_en: "Cart route".into(),
            label_es: "Ruta de carreros".into(),
            label_th: "เส้นทางรถเข็น".into(),
            icon: icon.into(),
        };
        let own = OwnCategory::parse(&input, &CategorySet::default()).unwrap();
        assert_eq!(own.colour, "#aa3300");
        assert_eq!(own.label("es"), "Ruta de carreros");
        let set = CategorySet { own: vec![own] };
        // Taken codes, bad slugs and colours, missing labels are named.
        let Err(Error::Invalid(e)) = OwnCategory::parse(&input, &set) else {
            panic!("accepted")
        };
        assert_eq!(e.get("code"), Some("carto-category-code-taken"));
        let bad = CategoryInput {
            code: "School".into(),
            colour: "red".into(),
            label_th: " ".into(),
            icon: "<svg viewBox=\"0 0 1 1\" onload=\"x()\"/>".into(),
            ..input.clone()
        };
        let Err(Error::Invalid(e)) = OwnCategory::parse(&bad, &set) else {
            panic!("accepted")
        };
        assert_eq!(e.get("code"), Some("carto-category-code"));
        assert_eq!(e.get("colour"), Some("carto-category-colour"));
        assert_eq!(e.get("label_th"), Some("field-required"));
        assert_eq!(e.get("icon (onload)"), Some("carto-icon-attribute"));
        let taken = CategoryInput {
            code: "school".into(),
            ..input
        };
        let Err(Error::Invalid(e)) = OwnCategory::parse(&taken, &set) else {
            panic!("accepted")
        };
        assert_eq!(e.get("code"), Some("carto-category-code-taken"));
        // Imports use it with its dimension, and refuse a geometry it does not allow.
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"cart_route"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#;
        let v = FeatureDraft::collection_in(line, &set).unwrap();
        assert_eq!(v[0].category.dimension, Dimension::Economic);
        assert!(FeatureDraft::collection(line).is_err());
        let pt = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"cart_route"},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
        let Err(Error::Invalid(e)) = FeatureDraft::collection_in(pt, &set) else {
            panic!("accepted")
        };
        assert_eq!(e.get("features[0]"), Some("carto-category-geometry"));
        assert_eq!(set.all().len(), DEFAULT_CATEGORIES.len() + 1);
    }

    #[test]
    fn tile_urls_are_checked_and_tiles_cover_the_picture() {
        let ts = TileServer::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(ts.origin, "https://tile.openstreetmap.org");
        assert_eq!(
            ts.url(17, 1, 2),
            "https://tile.openstreetmap.org/17/1/2.png"
        );
        for bad in [
            "http://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://tile.openstreetmap.org/{z}/{x}.png",
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png\" onload=\"x",
            "https://tiles.example/{z}/{x}/{y}.png?key={key}",
        ] {
            assert!(TileServer::parse(bad).is_err(), "{bad}");
        }
        // The neighbourhood of the demo at its page scale: zoom 17, a handful of tiles
        // whose union covers the picture.
        let pr = Projection::fit((-58.4268, -34.7320, -58.4195, -34.7260), 640.0);
        let ts = tiles_for(&pr);
        assert!(!ts.is_empty() && ts.len() <= MAX_TILES);
        assert!(ts.iter().all(|t| t.z == 17), "{ts:?}");
        let min_x = ts.iter().map(|t| t.px.0).fold(f64::MAX, f64::min);
        let max_x = ts.iter().map(|t| t.px.0 + t.px.2).fold(f64::MIN, f64::max);
        assert!(min_x <= 0.0 && max_x >= pr.width, "{min_x} {max_x}");
        // Tile (x, y) of a point at zoom 17 by the usual formula.
        let n = f64::from(1u32 << 17);
        let x = ((-58.4231 + 180.0) / 360.0 * n).floor() as u32;
        assert!(ts.iter().any(|t| t.x == x));
    }

    #[test]
    fn snapping_moves_a_point_to_its_cell_centre() {
        let p = snap(
            Pos {
                lon: -58.4231,
                lat: -34.7287,
            },
            0.01,
        );
        assert!((p.lon - -58.425).abs() < 1e-9, "{p:?}");
        assert!((p.lat - -34.725).abs() < 1e-9, "{p:?}");
    }
    #[test]
    fn a_parent_progress_is_the_mean_of_its_live_children() {
        let (a, b, c, d) = (
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
        );
        let items = [
            (a, None, ActionStatus::InProgress, 10),
            (b, Some(a), ActionStatus::Done, 100),
            (c, Some(a), ActionStatus::Planned, 0),
            (d, Some(a), ActionStatus::Cancelled, 0),
        ];
        assert_eq!(rolled_progress(&items), vec![50, 100, 0, 0]);
    }

    #[test]
    fn budgets_parse_to_minor_units_and_refuse_negatives() {
        assert_eq!(parse_budget("5000000"), Ok(500_000_000));
        assert_eq!(parse_budget("12.5"), Ok(1250));
        assert_eq!(parse_budget("-1"), Err("carto-budget-negative"));
        assert_eq!(parse_budget("1.234"), Err("carto-budget-format"));
        assert_eq!(format_budget(500_000_000), "5,000,000.00");
    }

    #[test]
    fn the_projection_inverts_and_the_csv_names_bad_rows() {
        let pr = Projection::fit((-58.43, -34.74, -58.41, -34.72), 600.0);
        let (x, y) = pr.xy(Pos {
            lon: -58.42,
            lat: -34.73,
        });
        let p = pr.lonlat(x, y);
        assert!((p.lon - -58.42).abs() < 1e-9 && (p.lat - -34.73).abs() < 1e-9);
        let Err(Error::Invalid(e)) = FeatureDraft::csv(
            "lon,lat,category,description,sensitivity\n-58.42,-34.73,school,,\n-58.42,95,school,,\n",
        ) else {
            panic!("accepted")
        };
        assert_eq!(e.get("row 3: lat"), Some("carto-geom-range"));
        assert_eq!(e.0.len(), 1);
    }
}
