//! Social cartography use cases: mapping exercises of an area, their workshops, the
//! mapped features (added one by one, imported from GeoJSON or CSV, edited, removed,
//! exported) and the joint action plan with its updates and public page.
//!
//! Reading needs `ReadCartography` over the exercise's country; writing
//! `ManageCartography`. What a viewer gets of a feature is decided in one place,
//! [`atlas_domain::cartography::shown_geometry`]: restricted features only for
//! `ReadRestrictedFeatures` over the country, generalised ones always snapped to the
//! configured grid (pages, API and exports alike), so a generalised location never leaves
//! the server at full precision. An action of the plan may also be updated by a
//! municipal official of the institution responsible for it. Every change is audited
//! with ids and counts only.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, Role, authorize, authorize_create, list_scope};
use atlas_domain::cartography::{
    ActionDraft, ActionInput, ActionStatus, ActionUpdateInput, Category, CategoryInput,
    CategorySet, Dimension, ExerciseDraft, ExerciseInput, FeatureDraft, GeomKind, Geometry,
    OwnCategory, PointInput, Pos, Sensitivity, ShapeInput, WorkshopDraft, WorkshopInput, category,
    parse_geometry, parse_update, rolled_progress, shown_geometry,
};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::cartography::{
    self as st, ActionRow, ActionUpdateRow, CategoryRow, ExerciseRow, FeatureRow, WorkshopRow,
};
use atlas_store::directory::{self as st_dir, AreaRow};
use uuid::Uuid;

/// Tunables of the cartography module (configuration).
#[derive(Debug, Clone)]
pub struct CartoSettings {
    /// Size in degrees of the grid generalised features are snapped to.
    pub grid_degrees: f64,
    /// Basemap tiles under the exercise page's map when online; none by default.
    pub tile_server: Option<atlas_domain::cartography::TileServer>,
    /// Attribution shown on the map with the tiles.
    pub tile_attribution: String,
}

impl Default for CartoSettings {
    fn default() -> Self {
        Self {
            grid_degrees: atlas_domain::cartography::DEFAULT_GRID_DEGREES,
            tile_server: None,
            tile_attribution: String::new(),
        }
    }
}

/// A feature as a viewer may see it.
#[derive(Debug, Clone)]
pub struct FeatureView {
    pub row: FeatureRow,
    /// The geometry to show: snapped when generalised.
    pub geometry: Geometry,
    pub category: Option<&'static Category>,
    pub sensitivity: Sensitivity,
}

/// An exercise with everything its page shows.
#[derive(Debug, Clone)]
pub struct ExerciseView {
    pub exercise: ExerciseRow,
    pub area: AreaRow,
    pub workshops: Vec<WorkshopRow>,
    pub features: Vec<FeatureView>,
    /// The area's boundary rings (outer rings of its polygons).
    pub boundary: Vec<Vec<Pos>>,
    pub manage: bool,
    pub restricted: bool,
    /// The default categories and the exercise's own.
    pub categories: CategorySet,
}

/// One action of a plan with what is computed for it.
#[derive(Debug, Clone)]
pub struct PlanItem {
    pub row: ActionRow,
    /// Nesting depth (0 for top-level actions).
    pub depth: usize,
    /// Own progress for a leaf, computed from the children for a parent.
    pub progress: i64,
    pub institution: String,
    /// Category code of the linked feature when the viewer may see it.
    pub feature_category: Option<String>,
    /// True when the viewer may post updates to it.
    pub may_update: bool,
}

/// The joint action plan of an exercise.
#[derive(Debug, Clone)]
pub struct Plan {
    pub exercise: ExerciseRow,
    pub area_name: String,
    /// Depth-first, children after their parent.
    pub items: Vec<PlanItem>,
    pub updates: Vec<ActionUpdateRow>,
    /// Budget of top-level actions that are not cancelled, per currency, minor units.
    pub totals: Vec<(String, i64)>,
    pub manage: bool,
    /// The exercise's categories, for the labels of linked features.
    pub categories: CategorySet,
}

/// What a GeoJSON or CSV import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    GeoJson,
    Csv,
}

fn owner_of(e: &ExerciseRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: None,
        country: CountryCode::parse(&e.country_code).context("unknown country stored")?,
    })
}

fn check(by: By<'_>, action: Action, owner: &Owner) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, action, Some(owner))?),
        By::Operator => Ok(()),
    }
}

fn allowed(actor: &Actor, action: Action, owner: &Owner) -> bool {
    authorize(actor, action, Some(owner)).is_ok()
}

/// The outer rings of a stored area boundary (Polygon or MultiPolygon GeoJSON).
pub fn boundary_rings(text: Option<&str>) -> Vec<Vec<Pos>> {
    let Some(v) = text.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) else {
        return Vec::new();
    };
    let g = if v.get("type").and_then(|t| t.as_str()) == Some("Feature") {
        v.get("geometry").cloned().unwrap_or_default()
    } else {
        v
    };
    let ring = |r: &serde_json::Value| -> Vec<Pos> {
        r.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        Some(Pos {
                            lon: p.get(0)?.as_f64()?,
                            lat: p.get(1)?.as_f64()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let coords = g.get("coordinates");
    match g.get("type").and_then(|t| t.as_str()) {
        Some("Polygon") => coords
            .and_then(|c| c.get(0))
            .map(|r| vec![ring(r)])
            .unwrap_or_default(),
        Some("MultiPolygon") => coords
            .and_then(|c| c.as_array())
            .map(|ps| ps.iter().filter_map(|p| p.get(0)).map(ring).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The category set of an exercise from its stored own categories (rows that no longer
/// parse are left out rather than breaking the map).
pub fn category_set(rows: Vec<CategoryRow>) -> CategorySet {
    CategorySet {
        own: rows
            .into_iter()
            .filter_map(|r| {
                Some(OwnCategory {
                    kind: GeomKind::parse(&r.kind)?,
                    dimension: Dimension::parse(&r.dimension)?,
                    code: r.code,
                    colour: r.colour,
                    labels: [r.label_en, r.label_es, r.label_th],
                    icon: r.icon,
                })
            })
            .collect(),
    }
}

impl App {
    fn grid(&self) -> f64 {
        self.settings.cartography.grid_degrees
    }

    fn view_features(
        &self,
        rows: Vec<FeatureRow>,
        may_restricted: bool,
        public_only: bool,
    ) -> Vec<FeatureView> {
        rows.into_iter()
            .filter_map(|row| {
                let sensitivity = Sensitivity::parse(&row.sensitivity)?;
                if public_only && sensitivity != Sensitivity::Public {
                    return None;
                }
                let stored: serde_json::Value = serde_json::from_str(&row.geometry).ok()?;
                let g = parse_geometry(&stored).ok()?;
                let geometry = shown_geometry(&g, sensitivity, may_restricted, self.grid())?;
                Some(FeatureView {
                    category: category(&row.category),
                    geometry,
                    sensitivity,
                    row,
                })
            })
            .collect()
    }

    async fn exercise_for(&self, actor: &Actor, id: Uuid) -> Result<(ExerciseRow, Owner)> {
        let e = st::get_exercise(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = owner_of(&e)?;
        authorize(actor, Action::ReadCartography, Some(&owner))?;
        Ok((e, owner))
    }

    /// The exercises the actor may see, by name.
    pub async fn carto_exercises(&self, actor: &Actor) -> Result<Vec<ExerciseRow>> {
        let country = match list_scope(actor, Action::ReadCartography)? {
            atlas_domain::auth::ListScope::All => None,
            atlas_domain::auth::ListScope::Country(c) => Some(c.as_str().to_owned()),
            atlas_domain::auth::ListScope::Institution(_) => {
                Some(actor.country.as_str().to_owned())
            }
        };
        Ok(st::list_exercises(&self.db, country.as_deref()).await?)
    }

    /// One exercise with its area, workshops and the features the actor may see.
    pub async fn carto_exercise(&self, actor: &Actor, id: Uuid) -> Result<ExerciseView> {
        let (exercise, owner) = self.exercise_for(actor, id).await?;
        let area = st_dir::get_area(&self.db, exercise.area_id)
            .await?
            .context("exercise area missing")?;
        let restricted = allowed(actor, Action::ReadRestrictedFeatures, &owner);
        let features =
            self.view_features(st::list_features(&self.db, id).await?, restricted, false);
        Ok(ExerciseView {
            categories: category_set(st::list_categories(&self.db, id).await?),
            workshops: st::list_workshops(&self.db, id).await?,
            boundary: boundary_rings(area.boundary.as_deref()),
            manage: allowed(actor, Action::ManageCartography, &owner),
            area,
            exercise,
            features,
            restricted,
        })
    }

    /// The features of an exercise as the actor may see them (API and exports).
    pub async fn carto_features(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(ExerciseRow, Vec<FeatureView>)> {
        let (exercise, owner) = self.exercise_for(actor, id).await?;
        let restricted = allowed(actor, Action::ReadRestrictedFeatures, &owner);
        let f = self.view_features(st::list_features(&self.db, id).await?, restricted, false);
        Ok((exercise, f))
    }

    /// Records an export of an exercise's features (format and how many left).
    pub async fn audit_carto_export(
        &self,
        actor: &Actor,
        id: Uuid,
        format: &str,
        count: usize,
    ) -> Result<()> {
        self.audit_exercise_export(actor, id, format!("format={format} features={count}"))
            .await
    }

    /// The `cartography.export` event of every download of an exercise (features,
    /// network); `summary` holds the format and counts only.
    pub(crate) async fn audit_exercise_export(
        &self,
        actor: &Actor,
        id: Uuid,
        summary: String,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                Some((actor.user_id, actor.username.as_str())),
                "cartography.export",
                "cartography_exercise",
                id,
                summary,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an exercise for an area of the actor's reach.
    pub async fn create_exercise(&self, by: By<'_>, input: &ExerciseInput) -> Result<ExerciseRow> {
        let d = ExerciseDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let area = st_dir::get_area_tx(&mut tx, d.area_id).await?;
        let Some(area) = area else {
            return Err(
                RuleError::Invalid(FieldErrors::single("area_id", "field-reference")).into(),
            );
        };
        let owner = Owner {
            institution_id: None,
            country: CountryCode::parse(&area.country_code).context("unknown country stored")?,
        };
        if let By::User(a) = by {
            authorize_create(a, Action::ManageCartography, &owner)?;
        }
        let row = ExerciseRow {
            exercise_id: Uuid::now_v7(),
            country_code: area.country_code.clone(),
            area_id: area.area_id,
            name: d.name,
            purpose: d.purpose,
            starts_on: d.starts_on,
            ends_on: d.ends_on,
            plan_public: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_exercise(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.exercise.create",
                "cartography_exercise",
                row.exercise_id,
                format!("country={} area={}", row.country_code, row.area_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn exercise_to_manage(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<ExerciseRow> {
        let e = st::get_exercise_tx(tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = owner_of(&e)?;
        check(by, Action::ReadCartography, &owner)?;
        check(by, Action::ManageCartography, &owner)?;
        Ok(e)
    }

    /// The categories of an exercise (the default set and its own) and whether the
    /// actor may add to them.
    pub async fn carto_categories(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(ExerciseRow, CategorySet, bool)> {
        let (e, owner) = self.exercise_for(actor, id).await?;
        let set = category_set(st::list_categories(&self.db, id).await?);
        Ok((e, set, allowed(actor, Action::ManageCartography, &owner)))
    }

    /// Adds a category of the exercise's own: a code unique within the default set and
    /// the exercise, labels in the three languages and a sanitised icon.
    pub async fn create_category(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &CategoryInput,
    ) -> Result<CategoryRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, exercise).await?;
        let set = category_set(st::list_categories_tx(&mut tx, exercise).await?);
        let c = OwnCategory::parse(input, &set)?;
        let [label_en, label_es, label_th] = c.labels;
        let row = CategoryRow {
            category_id: Uuid::now_v7(),
            exercise_id: exercise,
            code: c.code,
            kind: c.kind.as_str().to_owned(),
            dimension: c.dimension.as_str().to_owned(),
            colour: c.colour,
            label_en,
            label_es,
            label_th,
            icon: c.icon,
            created_at: now,
        };
        st::insert_category(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.category.create",
                "cartography_exercise",
                exercise,
                format!(
                    "category={} kind={} dimension={}",
                    row.category_id, row.kind, row.dimension
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a workshop (participant counts by group and consent; never names).
    pub async fn add_workshop(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &WorkshopInput,
    ) -> Result<WorkshopRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, exercise).await?;
        let d = WorkshopDraft::parse(input)?;
        let [residents, youth, teachers, health_workers, officials, other] = d.counts;
        let row = WorkshopRow {
            workshop_id: Uuid::now_v7(),
            exercise_id: exercise,
            held_on: d.held_on,
            place: d.place,
            residents,
            youth,
            teachers,
            health_workers,
            officials,
            other,
            consent_noted: i64::from(d.consent_noted),
            created_at: now,
        };
        st::insert_workshop(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.workshop.create",
                "cartography_workshop",
                row.workshop_id,
                format!("exercise={exercise} participants={}", row.total()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    fn feature_row(d: &FeatureDraft, exercise: Uuid, now: time::OffsetDateTime) -> FeatureRow {
        FeatureRow {
            feature_id: Uuid::now_v7(),
            exercise_id: exercise,
            category: d.category.code.to_owned(),
            dimension: d.category.dimension.as_str().to_owned(),
            geometry: d.geometry.to_json().to_string(),
            description: d.description.clone(),
            sensitivity: d.sensitivity.as_str().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
            workshop_id: d.workshop_id,
            times: atlas_domain::cartography::times_text(&d.times),
            vulnerabilities: atlas_domain::cartography::vulnerabilities_json(&d.vulnerabilities)
                .to_string(),
        }
    }

    /// Refuses a workshop that is not one of the exercise's, naming `{prefix}workshop_id`.
    async fn check_workshops(
        tx: &mut atlas_store::Tx,
        exercise: Uuid,
        wanted: &[(String, Option<Uuid>)],
    ) -> Result<()> {
        if wanted.iter().all(|(_, w)| w.is_none()) {
            return Ok(());
        }
        let known: Vec<Uuid> = st::list_workshops_tx(tx, exercise)
            .await?
            .into_iter()
            .map(|w| w.workshop_id)
            .collect();
        let mut e = FieldErrors::new();
        for (prefix, w) in wanted {
            if let Some(w) = w
                && !known.contains(w)
            {
                e.add(&format!("{prefix}workshop_id"), "carto-workshop-unknown");
            }
        }
        Ok(e.into_result(())?)
    }

    /// Adds one point typed (or clicked) on the map.
    pub async fn add_point(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &PointInput,
    ) -> Result<FeatureRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, exercise).await?;
        let set = category_set(st::list_categories_tx(&mut tx, exercise).await?);
        let d = FeatureDraft::point_in(input, &set)?;
        Self::check_workshops(&mut tx, exercise, &[(String::new(), d.workshop_id)]).await?;
        Self::create_feature(tx, by, exercise, &d, now).await
    }

    /// Adds a line or area drawn on the map (or typed vertex by vertex): the vertices
    /// are validated like an import's geometry, an area closed automatically.
    pub async fn add_shape(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &ShapeInput,
    ) -> Result<FeatureRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, exercise).await?;
        let set = category_set(st::list_categories_tx(&mut tx, exercise).await?);
        let d = FeatureDraft::shape(input, &set)?;
        Self::check_workshops(&mut tx, exercise, &[(String::new(), d.workshop_id)]).await?;
        Self::create_feature(tx, by, exercise, &d, now).await
    }

    async fn create_feature(
        mut tx: atlas_store::Tx,
        by: By<'_>,
        exercise: Uuid,
        d: &FeatureDraft,
        now: time::OffsetDateTime,
    ) -> Result<FeatureRow> {
        let row = Self::feature_row(d, exercise, now);
        st::insert_feature(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.feature.create",
                "cartography_feature",
                row.feature_id,
                format!(
                    "exercise={exercise} category={} kind={} sensitivity={}",
                    row.category,
                    d.geometry.kind().as_str(),
                    row.sensitivity
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Imports features from GeoJSON or CSV: all of them, or none when any is bad (each
    /// bad feature or row named). Returns how many were added.
    pub async fn import_features(
        &self,
        by: By<'_>,
        exercise: Uuid,
        format: ImportFormat,
        text: &str,
    ) -> Result<usize> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, exercise).await?;
        let set = category_set(st::list_categories_tx(&mut tx, exercise).await?);
        let drafts = match format {
            ImportFormat::GeoJson => FeatureDraft::collection_in(text, &set)?,
            ImportFormat::Csv => FeatureDraft::csv_in(text, &set)?,
        };
        let wanted: Vec<(String, Option<Uuid>)> = drafts
            .iter()
            .enumerate()
            .map(|(n, d)| {
                let prefix = match format {
                    ImportFormat::GeoJson => format!("features[{n}]."),
                    ImportFormat::Csv => format!("row {}: ", n + 2),
                };
                (prefix, d.workshop_id)
            })
            .collect();
        Self::check_workshops(&mut tx, exercise, &wanted).await?;
        for d in &drafts {
            st::insert_feature(&mut tx, &Self::feature_row(d, exercise, now)).await?;
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.feature.import",
                "cartography_exercise",
                exercise,
                format!(
                    "format={} features={}",
                    match format {
                        ImportFormat::GeoJson => "geojson",
                        ImportFormat::Csv => "csv",
                    },
                    drafts.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(drafts.len())
    }

    async fn feature_to_manage(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<FeatureRow> {
        let f = st::get_feature_tx(tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let e = self.exercise_to_manage(tx, by, f.exercise_id).await?;
        // A restricted feature does not exist for those who may not read it.
        if f.sensitivity == Sensitivity::Restricted.as_str() {
            check(by, Action::ReadRestrictedFeatures, &owner_of(&e)?)?;
        }
        Ok(f)
    }

    /// Edits a feature's category, description and sensitivity (the geometry stays; the
    /// new category must allow it). A stale version is refused.
    pub async fn edit_feature(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &PointInput,
        version: &str,
    ) -> Result<FeatureRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = self.feature_to_manage(&mut tx, by, id).await?;
        let version = parse_version(version)?;
        let stored: serde_json::Value =
            serde_json::from_str(&cur.geometry).context("stored geometry")?;
        let g =
            parse_geometry(&stored).map_err(|k| anyhow::anyhow!("stored geometry invalid: {k}"))?;
        let mut e = FieldErrors::new();
        let set = category_set(st::list_categories_tx(&mut tx, cur.exercise_id).await?);
        let cat = match set.get(&input.category) {
            None => {
                e.add("category", "carto-category-unknown");
                None
            }
            Some(c) if c.kind != g.kind() => {
                e.add("category", "carto-category-geometry");
                None
            }
            Some(c) => Some(c),
        };
        let description = input.description.trim().to_owned();
        if description.chars().count() > 2000 {
            e.add("description", "field-too-long");
        }
        let sensitivity = Sensitivity::parse(&input.sensitivity);
        if sensitivity.is_none() {
            e.add("sensitivity", "carto-sensitivity-unknown");
        }
        let (workshop_id, times, vulnerabilities) = atlas_domain::cartography::feature_extras(
            &input.workshop_id,
            &input.times,
            &input.vulnerabilities,
            "",
            &mut e,
        );
        let (Some(cat), Some(sensitivity)) = (cat, sensitivity) else {
            return Err(RuleError::Invalid(e).into());
        };
        e.into_result(())?;
        Self::check_workshops(&mut tx, cur.exercise_id, &[(String::new(), workshop_id)]).await?;
        let row = FeatureRow {
            category: cat.code.clone(),
            dimension: cat.dimension.as_str().to_owned(),
            description,
            sensitivity: sensitivity.as_str().to_owned(),
            updated_at: now,
            version: version + 1,
            workshop_id,
            times: atlas_domain::cartography::times_text(&times),
            vulnerabilities: atlas_domain::cartography::vulnerabilities_json(&vulnerabilities)
                .to_string(),
            ..cur
        };
        if !st::update_feature(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.feature.update",
                "cartography_feature",
                id,
                format!(
                    "category={} sensitivity={} version={}",
                    row.category, row.sensitivity, row.version
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a feature. Returns its exercise.
    pub async fn remove_feature(&self, by: By<'_>, id: Uuid) -> Result<Uuid> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let f = self.feature_to_manage(&mut tx, by, id).await?;
        st::delete_feature(&mut tx, id).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.feature.remove",
                "cartography_feature",
                id,
                format!("exercise={}", f.exercise_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(f.exercise_id)
    }

    /// Adds an action to an exercise's plan. The institution must be in the directory of
    /// the exercise's country, the parent an action of the same plan, the feature one of
    /// the exercise's.
    pub async fn add_action(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &ActionInput,
    ) -> Result<ActionRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ex = self.exercise_to_manage(&mut tx, by, exercise).await?;
        let d = ActionDraft::parse(input)?;
        let mut e = FieldErrors::new();
        match st_dir::get_institution_tx(&mut tx, d.institution_id).await? {
            Some(i) if i.country_code == ex.country_code => {}
            _ => e.add("institution_id", "carto-institution-unknown"),
        }
        if let Some(p) = d.parent_id {
            match st::get_action_tx(&mut tx, p).await? {
                Some(a) if a.exercise_id == exercise => {}
                _ => e.add("parent_id", "field-reference"),
            }
        }
        if let Some(f) = d.feature_id {
            match st::get_feature_tx(&mut tx, f).await? {
                Some(x) if x.exercise_id == exercise => {}
                _ => e.add("feature_id", "field-reference"),
            }
        }
        e.into_result(())?;
        let row = ActionRow {
            action_id: Uuid::now_v7(),
            exercise_id: exercise,
            parent_id: d.parent_id,
            title: d.title,
            institution_id: d.institution_id,
            level: d.level.as_str().to_owned(),
            budget_minor: d.budget_minor,
            currency: d.currency,
            status: d.status.as_str().to_owned(),
            progress: d.progress,
            created_at: now,
            updated_at: now,
            version: 1,
            finding: d.finding,
            feature_id: d.feature_id,
            starts_on: d.starts_on,
            due_on: d.due_on,
        };
        st::insert_action(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.action.create",
                "cartography_action",
                row.action_id,
                format!(
                    "exercise={exercise} budget_minor={} currency={} status={}",
                    row.budget_minor, row.currency, row.status
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// True when the actor may post updates to an action: managers of the country, and
    /// municipal officials of the institution responsible for it.
    fn may_update(actor: &Actor, owner: &Owner, a: &ActionRow) -> bool {
        allowed(actor, Action::ManageCartography, owner)
            || (actor.role == Role::MunicipalOfficial
                && actor.institution_id == a.institution_id
                && allowed(actor, Action::ReadCartography, owner))
    }

    /// Records an update of an action's status and progress (kept as history).
    pub async fn update_action(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &ActionUpdateInput,
    ) -> Result<ActionRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let a = st::get_action_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let ex = st::get_exercise_tx(&mut tx, a.exercise_id)
            .await?
            .context("action exercise missing")?;
        let owner = owner_of(&ex)?;
        if let By::User(actor) = by {
            authorize(actor, Action::ReadCartography, Some(&owner))?;
            if !Self::may_update(actor, &owner, &a) {
                return Err(RuleError::Forbidden.into());
            }
        }
        let (status, progress, note) = parse_update(input)?;
        st::set_action_status(&mut tx, id, status.as_str(), progress, now).await?;
        st::insert_update(
            &mut tx,
            &ActionUpdateRow {
                update_id: Uuid::now_v7(),
                action_id: id,
                status: status.as_str().to_owned(),
                progress,
                note,
                account_id: by.audit_actor().map(|(u, _)| u),
                created_at: now,
            },
        )
        .await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.action.update",
                "cartography_action",
                id,
                format!("status={} progress={progress}", status.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(ActionRow {
            status: status.as_str().to_owned(),
            progress,
            updated_at: now,
            version: a.version + 1,
            ..a
        })
    }

    async fn plan_of(
        &self,
        exercise: ExerciseRow,
        actor: Option<(&Actor, &Owner)>,
    ) -> Result<Plan> {
        let id = exercise.exercise_id;
        let area_name = st_dir::get_area(&self.db, exercise.area_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let rows = st::list_actions(&self.db, id).await?;
        let items: Vec<(Uuid, Option<Uuid>, ActionStatus, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r.action_id,
                    r.parent_id,
                    ActionStatus::parse(&r.status).unwrap_or(ActionStatus::Planned),
                    r.progress,
                )
            })
            .collect();
        let rolled = rolled_progress(&items);
        let restricted = actor.is_some_and(|(a, o)| allowed(a, Action::ReadRestrictedFeatures, o));
        // Public page: public features only; signed in: what the viewer may see.
        let visible = self.view_features(
            st::list_features(&self.db, id).await?,
            restricted,
            actor.is_none(),
        );
        let mut inst_names = std::collections::HashMap::new();
        for r in &rows {
            if let std::collections::hash_map::Entry::Vacant(v) = inst_names.entry(r.institution_id)
            {
                let name = st_dir::get_institution(&self.db, r.institution_id)
                    .await?
                    .map(|i| i.acronym)
                    .unwrap_or_default();
                v.insert(name);
            }
        }
        // Depth-first order: parents before their children, siblings by creation.
        let mut order: Vec<(usize, usize)> = Vec::new();
        fn walk(
            parent: Option<Uuid>,
            depth: usize,
            rows: &[ActionRow],
            out: &mut Vec<(usize, usize)>,
        ) {
            for (i, r) in rows.iter().enumerate() {
                if r.parent_id == parent && depth < 16 {
                    out.push((i, depth));
                    walk(Some(r.action_id), depth + 1, rows, out);
                }
            }
        }
        walk(None, 0, &rows, &mut order);
        let plan_items = order
            .into_iter()
            .map(|(i, depth)| {
                let r = rows[i].clone();
                PlanItem {
                    depth,
                    progress: rolled[i],
                    institution: inst_names
                        .get(&r.institution_id)
                        .cloned()
                        .unwrap_or_default(),
                    feature_category: r.feature_id.and_then(|f| {
                        visible
                            .iter()
                            .find(|v| v.row.feature_id == f)
                            .map(|v| v.row.category.clone())
                    }),
                    may_update: actor.is_some_and(|(a, o)| Self::may_update(a, o, &r)),
                    row: r,
                }
            })
            .collect();
        let mut totals: Vec<(String, i64)> = Vec::new();
        for r in rows
            .iter()
            .filter(|r| r.parent_id.is_none() && r.status != ActionStatus::Cancelled.as_str())
        {
            match totals.iter_mut().find(|(c, _)| *c == r.currency) {
                Some(t) => t.1 += r.budget_minor,
                None => totals.push((r.currency.clone(), r.budget_minor)),
            }
        }
        totals.sort();
        Ok(Plan {
            categories: category_set(st::list_categories(&self.db, id).await?),
            manage: actor.is_some_and(|(a, o)| allowed(a, Action::ManageCartography, o)),
            area_name,
            items: plan_items,
            updates: st::list_updates(&self.db, id).await?,
            totals,
            exercise,
        })
    }

    /// The plan of an exercise for a signed-in user.
    pub async fn carto_plan(&self, actor: &Actor, id: Uuid) -> Result<Plan> {
        let (e, owner) = self.exercise_for(actor, id).await?;
        self.plan_of(e, Some((actor, &owner))).await
    }

    /// The public plan page: only when switched on for the exercise; otherwise (and for
    /// an exercise that does not exist) not found.
    pub async fn public_plan(&self, id: Uuid) -> Result<Plan> {
        let e = st::get_exercise(&self.db, id)
            .await?
            .filter(|e| e.plan_public != 0)
            .ok_or(RuleError::NotFound)?;
        self.plan_of(e, None).await
    }

    /// Switches an exercise's public plan page on or off.
    pub async fn set_plan_public(&self, by: By<'_>, id: Uuid, public: bool) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_manage(&mut tx, by, id).await?;
        st::set_plan_public(&mut tx, id, public, now).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.plan.public",
                "cartography_exercise",
                id,
                format!("public={public}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
