//! Results use cases: a country's gap assessment, its Differentiated Models of Practice
//! and their lifecycle timeline, the key results computed from live data, the country
//! fact sheet with its profile and publish flag, and the results framework (nodes,
//! indicators computed per period or entered by hand with evidence, targets).
//!
//! Access: everything here is country-level and free of personal data. `ReadResults`
//! reads (all countries for admins, program staff and observers; the own country for
//! everyone else — another country is "not found"); `ManageResults` edits (admins
//! everywhere, program staff in their country). A published fact sheet is readable by
//! anyone, signed in or not; an unpublished one only by readers of its country.
//!
//! Figures come from the modules that own them: training through
//! [`App::training_figures`] (or, for the public fact sheet, the training store's own
//! figures function, the same computation without a caller); figures of modules that do
//! not exist yet (mapping exercises, budget allocated) are `None`, "not yet recorded".

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize, authorize_create};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::results::{
    GapDraft, GapInput, IndicatorDraft, IndicatorInput, IndicatorSource, IndicatorUnit, ModelDraft,
    ModelInput, ModelStage, MoveDraft, MoveInput, NodeDraft, NodeInput, Period, PeriodValueDraft,
    PeriodValueInput, ProfileDraft, ProfileInput,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::results::{self as st, LinkedInstitution, MoveRow};
use time::OffsetDateTime;
use uuid::Uuid;

pub use atlas_store::results::{GapRow as Gap, ModelRow as Model, MoveView, ProfileRow as Profile};

/// A gap with the acronyms of the institutions it concerns.
#[derive(Debug, Clone)]
pub struct GapView {
    pub gap: Gap,
    pub institutions: Vec<(Uuid, String)>,
}

/// A model with its partners' acronyms.
#[derive(Debug, Clone)]
pub struct ModelView {
    pub model: Model,
    pub partners: Vec<(Uuid, String)>,
}

/// A model's page: the model, the gaps it addresses, its partners and its timeline.
#[derive(Debug, Clone)]
pub struct ModelDetail {
    pub model: Model,
    pub gaps: Vec<(Uuid, String)>,
    pub partners: Vec<(Uuid, String)>,
    pub moves: Vec<MoveView>,
}

/// A country's results page.
#[derive(Debug, Clone)]
pub struct Overview {
    pub country: CountryCode,
    pub gaps: Vec<GapView>,
    pub models: Vec<ModelView>,
    pub profile: Option<Profile>,
}

/// An amount of money in major units with its ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

/// The key results of a country, computed from live data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyResults {
    pub country: String,
    /// Distinct people who completed a course (training module).
    pub individuals_trained: i64,
    /// Institutions with at least one course (training module).
    pub institutions_targeted: i64,
    /// Institutions with a course integrated into their own training (training module).
    pub institutions_integrated: i64,
    /// Models of practice of the country.
    pub models_total: i64,
    /// Models implemented or institutionalised.
    pub models_in_implementation: i64,
    /// True when there is at least one model and every one is in implementation or later.
    pub all_models_in_implementation: bool,
    /// Every stage with its number of models, in lifecycle order.
    pub models_by_stage: Vec<(String, i64)>,
    /// Social cartography mapping exercises: `None` while the country has none.
    pub mapping_exercises: Option<i64>,
    /// Budget committed in joint action plans (top-level actions not cancelled), in the
    /// plans' main currency: `None` while no plan holds a budgeted action.
    pub budget_allocated: Option<Money>,
    /// Plan actions done: `None` while the country has no mapping exercise.
    pub actions_done: Option<i64>,
    /// Guides final or institutionalised: `None` while the country has no guide.
    pub guides_final: Option<i64>,
    /// Cases identified, referrals sent and referrals completed (service delivered or
    /// closed), all time: `None` while the country has no case.
    pub cases_identified: Option<i64>,
    pub referrals_made: Option<i64>,
    pub referrals_completed: Option<i64>,
}

impl KeyResults {
    /// Figures the platform cannot count yet because their module does not exist.
    pub fn not_yet_recorded(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.mapping_exercises.is_none() {
            v.push("mapping_exercises");
        }
        if self.budget_allocated.is_none() {
            v.push("budget_allocated");
        }
        if self.actions_done.is_none() {
            v.push("actions_done");
        }
        if self.guides_final.is_none() {
            v.push("guides_final");
        }
        if self.cases_identified.is_none() {
            v.push("cases_identified");
        }
        if self.referrals_made.is_none() {
            v.push("referrals_made");
        }
        if self.referrals_completed.is_none() {
            v.push("referrals_completed");
        }
        v
    }
}

/// A country's fact sheet: only publishable aggregate figures and country-level text.
#[derive(Debug, Clone)]
pub struct Factsheet {
    pub country: CountryCode,
    pub profile: Option<Profile>,
    pub models: Vec<ModelView>,
    pub key: KeyResults,
    /// The profile's translations (per field; empty fields fall back to the own text).
    pub profile_texts: Vec<atlas_store::results_edit::ProfileText>,
    /// The models' translations.
    pub model_texts: Vec<atlas_store::results_edit::ModelText>,
}

pub(crate) fn country_owner(c: &CountryCode) -> Owner {
    Owner {
        institution_id: None,
        country: c.clone(),
    }
}

pub(crate) fn stored_country(s: &str) -> Result<CountryCode> {
    Ok(CountryCode::parse(s).context("unknown country stored")?)
}

pub(crate) fn audit_event(
    by: By<'_>,
    action: &str,
    entity: &str,
    id: &str,
    summary: String,
) -> NewEvent {
    NewEvent::new(by.audit_actor(), action, entity, id, summary)
}

pub(crate) fn manage(by: By<'_>, owner: &Owner, create: bool) -> Result<()> {
    match by {
        By::User(a) if create => Ok(authorize_create(a, Action::ManageResults, owner)?),
        By::User(a) => Ok(authorize(a, Action::ManageResults, Some(owner))?),
        By::Operator => Ok(()),
    }
}

fn group(rows: Vec<LinkedInstitution>) -> std::collections::HashMap<Uuid, Vec<(Uuid, String)>> {
    let mut m: std::collections::HashMap<Uuid, Vec<(Uuid, String)>> = Default::default();
    for r in rows {
        m.entry(r.owner_id)
            .or_default()
            .push((r.institution_id, r.acronym));
    }
    m
}

fn parse_country_field(s: &str) -> Result<CountryCode> {
    CountryCode::parse(s)
        .ok_or_else(|| RuleError::Invalid(FieldErrors::single("country", "field-choice")).into())
}

impl App {
    /// The results page of a country: gaps, models and the fact sheet profile.
    pub async fn results_overview(&self, actor: &Actor, country: &CountryCode) -> Result<Overview> {
        authorize(actor, Action::ReadResults, Some(&country_owner(country)))?;
        let c = country.as_str();
        let mut gi = group(st::gap_institutions(&self.db, c).await?);
        let mut mp = group(st::model_partners(&self.db, c).await?);
        Ok(Overview {
            country: country.clone(),
            gaps: st::list_gaps(&self.db, c)
                .await?
                .into_iter()
                .map(|g| GapView {
                    institutions: gi.remove(&g.gap_id).unwrap_or_default(),
                    gap: g,
                })
                .collect(),
            models: st::list_models(&self.db, c)
                .await?
                .into_iter()
                .map(|m| ModelView {
                    partners: mp.remove(&m.model_id).unwrap_or_default(),
                    model: m,
                })
                .collect(),
            profile: st::get_profile(&self.db, c).await?,
        })
    }

    /// Institutions of a country a gap or model may name, as (id, acronym, name).
    pub async fn results_institutions(
        &self,
        actor: &Actor,
        country: &CountryCode,
    ) -> Result<Vec<(Uuid, String, String)>> {
        authorize(actor, Action::ReadResults, Some(&country_owner(country)))?;
        let f = atlas_store::directory::ListFilter {
            country: Some(country.as_str().to_owned()),
            limit: 500,
            ..Default::default()
        };
        Ok(atlas_store::directory::list_institutions(&self.db, &f)
            .await?
            .into_iter()
            .map(|i| (i.institution_id, i.acronym, i.name))
            .collect())
    }

    /// One gap with its institutions.
    pub async fn gap(&self, actor: &Actor, id: Uuid) -> Result<GapView> {
        let g = st::get_gap(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&g.country_code)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        let institutions = st::gap_institutions(&self.db, country.as_str())
            .await?
            .into_iter()
            .filter(|l| l.owner_id == id)
            .map(|l| (l.institution_id, l.acronym))
            .collect();
        Ok(GapView {
            gap: g,
            institutions,
        })
    }

    async fn check_institutions(
        &self,
        tx: &mut atlas_store::Tx,
        country: &CountryCode,
        ids: &[Uuid],
        field: &str,
    ) -> Result<()> {
        if st::count_institutions_in(tx, country.as_str(), ids).await? != ids.len() {
            return Err(RuleError::Invalid(FieldErrors::single(field, "field-reference")).into());
        }
        Ok(())
    }

    /// Adds a gap to a country's assessment.
    pub async fn create_gap(&self, by: By<'_>, input: &GapInput) -> Result<Gap> {
        let country = parse_country_field(&input.country)?;
        manage(by, &country_owner(&country), true)?;
        let d = GapDraft::parse(input)?;
        let now = self.now();
        let row = Gap {
            gap_id: Uuid::now_v7(),
            country_code: country.as_str().to_owned(),
            title: d.title,
            description: d.description,
            severity: d.severity.as_str().to_owned(),
            evidence_source: d.evidence_source,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        self.check_institutions(&mut tx, &country, &d.institution_ids, "institution_ids")
            .await?;
        st::insert_gap(&mut tx, &row).await?;
        st::set_gap_institutions(&mut tx, row.gap_id, &d.institution_ids).await?;
        let ev = audit_event(
            by,
            "results.gap.create",
            "gap",
            &row.gap_id.to_string(),
            format!(
                "country={} severity={} institutions={}",
                row.country_code,
                row.severity,
                d.institution_ids.len()
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a gap if `input.version` is still current (else `Stale`).
    pub async fn update_gap(&self, by: By<'_>, id: Uuid, input: &GapInput) -> Result<Gap> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_gap_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&cur.country_code)?;
        manage(by, &country_owner(&country), false)?;
        let d = GapDraft::parse(input)?;
        let version = parse_version(&input.version)?;
        self.check_institutions(&mut tx, &country, &d.institution_ids, "institution_ids")
            .await?;
        let row = Gap {
            title: d.title,
            description: d.description,
            severity: d.severity.as_str().to_owned(),
            evidence_source: d.evidence_source,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_gap(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st::set_gap_institutions(&mut tx, id, &d.institution_ids).await?;
        let ev = audit_event(
            by,
            "results.gap.update",
            "gap",
            &id.to_string(),
            format!("version={} severity={}", row.version, row.severity),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One model with its gaps, partners and timeline.
    pub async fn model(&self, actor: &Actor, id: Uuid) -> Result<ModelDetail> {
        let m = st::get_model(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&m.country_code)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        let partners = st::model_partners(&self.db, country.as_str())
            .await?
            .into_iter()
            .filter(|l| l.owner_id == id)
            .map(|l| (l.institution_id, l.acronym))
            .collect();
        Ok(ModelDetail {
            gaps: st::model_gaps(&self.db, id).await?,
            moves: st::list_moves(&self.db, id).await?,
            partners,
            model: m,
        })
    }

    /// Adds a model in `developed`, with the first entry of its timeline.
    pub async fn create_model(&self, by: By<'_>, input: &ModelInput) -> Result<Model> {
        self.create_model_at(by, input, self.now()).await
    }

    /// [`App::create_model`] at a given instant (the demo's past timeline).
    pub(crate) async fn create_model_at(
        &self,
        by: By<'_>,
        input: &ModelInput,
        at: OffsetDateTime,
    ) -> Result<Model> {
        let country = parse_country_field(&input.country)?;
        manage(by, &country_owner(&country), true)?;
        let d = ModelDraft::parse(input)?;
        let row = Model {
            model_id: Uuid::now_v7(),
            country_code: country.as_str().to_owned(),
            name: d.name,
            summary: d.summary,
            module_code: d.module.as_str().to_owned(),
            stage: ModelStage::Developed.as_str().to_owned(),
            created_at: at,
            updated_at: at,
            version: 1,
            text_lang: d.text_lang.to_owned(),
        };
        let mut tx = self.db.begin().await?;
        let mut e = FieldErrors::new();
        if st::count_gaps_in(&mut tx, country.as_str(), &d.gap_ids).await? != d.gap_ids.len() {
            e.add("gap_ids", "field-reference");
        }
        if st::count_institutions_in(&mut tx, country.as_str(), &d.partner_ids).await?
            != d.partner_ids.len()
        {
            e.add("partner_ids", "field-reference");
        }
        e.into_result(())?;
        st::insert_model(&mut tx, &row, &d.gap_ids, &d.partner_ids).await?;
        st::insert_move(
            &mut tx,
            &MoveRow {
                model_move_id: Uuid::now_v7(),
                model_id: row.model_id,
                from_stage: None,
                to_stage: row.stage.clone(),
                evidence: d.evidence,
                moved_by: by.audit_actor().map(|a| a.0),
                moved_at: at,
            },
        )
        .await?;
        let ev = audit_event(
            by,
            "results.model.create",
            "model",
            &row.model_id.to_string(),
            format!(
                "country={} module={} gaps={} partners={}",
                row.country_code,
                row.module_code,
                d.gap_ids.len(),
                d.partner_ids.len()
            ),
        );
        st_audit::append(&mut tx, self.now(), &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a model to the next stage of its lifecycle with an evidence note; a move the
    /// lifecycle does not allow, a missing note or a stale version writes nothing.
    pub async fn move_model(&self, by: By<'_>, id: Uuid, input: &MoveInput) -> Result<Model> {
        self.move_model_at(by, id, input, None, self.now()).await
    }

    /// [`App::move_model`] with the file backing the evidence (a pilot report, the
    /// evaluation's findings): the browser's file name and the bytes, checked like
    /// training material (type by content, size limit). `None`: no file sent.
    pub async fn move_model_with_file(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &MoveInput,
        file: Option<(&str, &[u8])>,
    ) -> Result<Model> {
        self.move_model_at(by, id, input, file, self.now()).await
    }

    /// [`App::move_model`] recorded at a given instant (the demo's past timeline).
    pub(crate) async fn move_model_at(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &MoveInput,
        file: Option<(&str, &[u8])>,
        at: OffsetDateTime,
    ) -> Result<Model> {
        let mut tx = self.db.begin().await?;
        let cur = st::get_model_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&cur.country_code)?;
        manage(by, &country_owner(&country), false)?;
        let from = ModelStage::parse(&cur.stage).context("unknown model stage stored")?;
        // A move is decided against the stage the user saw: if the model moved since,
        // say so (409) rather than judging the move against a stage they did not see.
        let version = parse_version(&input.version)?;
        if version != cur.version {
            return Err(RuleError::Stale.into());
        }
        let d = MoveDraft::parse(input, from);
        let checked = file.map(|(name, bytes)| {
            atlas_domain::training_material::check_file(
                name,
                bytes,
                self.settings.material_max_bytes,
            )
            .map(|(n, k)| (n, k, bytes))
        });
        let (d, checked) = match (d, checked) {
            (Ok(d), None) => (d, None),
            (Ok(d), Some(Ok(c))) => (d, Some(c)),
            (d, c) => {
                let mut e = match d {
                    Err(RuleError::Invalid(e)) => e,
                    Err(other) => return Err(other.into()),
                    Ok(_) => FieldErrors::new(),
                };
                if let Some(Err(key)) = c {
                    e.add("file", key);
                }
                return Err(RuleError::Invalid(e).into());
            }
        };
        if !st::set_model_stage(&mut tx, id, d.to.as_str(), at, version).await? {
            return Err(RuleError::Stale.into());
        }
        let move_id = Uuid::now_v7();
        st::insert_move(
            &mut tx,
            &MoveRow {
                model_move_id: move_id,
                model_id: id,
                from_stage: Some(from.as_str().to_owned()),
                to_stage: d.to.as_str().to_owned(),
                evidence: d.evidence,
                moved_by: by.audit_actor().map(|a| a.0),
                moved_at: at,
            },
        )
        .await?;
        let mut summary = format!("from={} to={}", from.as_str(), d.to.as_str());
        let mut written = None;
        if let Some((file_name, kind, bytes)) = checked {
            let f = atlas_store::results_edit::MoveFile {
                model_move_id: move_id,
                file_name,
                media_type: kind.media_type().to_owned(),
                size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                sha256: atlas_domain::training_material::sha256_hex(bytes),
            };
            summary.push_str(&format!(
                " file_type={kind} size={} sha256={}",
                f.size_bytes, f.sha256
            ));
            atlas_store::results_edit::insert_move_file(&mut tx, &f).await?;
            written = Some(self.write_evidence(move_id, bytes).await?);
        }
        let ev = audit_event(by, "results.model.move", "model", &id.to_string(), summary);
        let committed = async {
            st_audit::append(&mut tx, self.now(), &ev).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = committed {
            if let Some(path) = written
                && let Err(rm) = std::fs::remove_file(&path)
            {
                tracing::warn!(error = %rm, "cannot remove the evidence file of a failed move");
            }
            return Err(e.into());
        }
        Ok(Model {
            stage: d.to.as_str().to_owned(),
            updated_at: at,
            version: version + 1,
            ..cur
        })
    }

    /// A country's fact sheet profile for editing (`None` before the first save).
    pub async fn profile(&self, actor: &Actor, country: &CountryCode) -> Result<Option<Profile>> {
        authorize(actor, Action::ManageResults, Some(&country_owner(country)))?;
        Ok(st::get_profile(&self.db, country.as_str()).await?)
    }

    /// Saves a country's fact sheet profile and publish flag. The first save needs no
    /// version; later ones need the version read (else `Stale`).
    pub async fn save_profile(
        &self,
        by: By<'_>,
        country: &CountryCode,
        input: &ProfileInput,
    ) -> Result<Profile> {
        manage(by, &country_owner(country), false)?;
        let d = ProfileDraft::parse(input)?;
        let now = self.now();
        let mut row = Profile {
            country_code: country.as_str().to_owned(),
            overview: d.overview,
            contact: d.contact,
            funding: d.funding,
            factsheet_published: d.published,
            updated_at: now,
            version: 1,
            text_lang: d.text_lang.to_owned(),
        };
        let mut tx = self.db.begin().await?;
        if input.version.trim().is_empty() {
            if !st::insert_profile(&mut tx, &row).await? {
                return Err(RuleError::Stale.into());
            }
        } else {
            let version = parse_version(&input.version)?;
            if !st::update_profile(&mut tx, &row, version).await? {
                return Err(RuleError::Stale.into());
            }
            row.version = version + 1;
        }
        let texts: Vec<atlas_store::results_edit::ProfileText> = d
            .translations
            .iter()
            .map(|t| {
                let f = |i: usize| t.fields.get(i).cloned().flatten().unwrap_or_default();
                atlas_store::results_edit::ProfileText {
                    lang: t.lang.to_owned(),
                    overview: f(0),
                    contact: f(1),
                    funding: f(2),
                }
            })
            .collect();
        atlas_store::results_edit::set_profile_texts(&mut tx, country.as_str(), &texts).await?;
        let ev = audit_event(
            by,
            "results.profile.update",
            "country_profile",
            country.as_str(),
            format!(
                "version={} published={} lang={} translations={}",
                row.version,
                row.factsheet_published,
                row.text_lang,
                texts
                    .iter()
                    .map(|t| t.lang.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The key results of a country for a signed-in reader.
    pub async fn key_results(&self, actor: &Actor, country: &CountryCode) -> Result<KeyResults> {
        authorize(actor, Action::ReadResults, Some(&country_owner(country)))?;
        let r = self
            .training_figures(actor, Some(country), (None, None))
            .await?;
        self.assemble_key(country, &r.figures).await
    }

    async fn assemble_key(
        &self,
        country: &CountryCode,
        f: &atlas_store::training::Figures,
    ) -> Result<KeyResults> {
        let counts = st::models_by_stage(&self.db, country.as_str()).await?;
        let n = |s: ModelStage| {
            counts
                .iter()
                .filter(|(k, _)| k == s.as_str())
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let models_total: i64 = counts.iter().map(|(_, n)| n).sum();
        let m = self.module_totals(Some(country.as_str())).await?;
        let models_in_implementation: i64 = ModelStage::ALL
            .iter()
            .filter(|s| s.in_implementation())
            .map(|s| n(*s))
            .sum();
        Ok(KeyResults {
            country: country.as_str().to_owned(),
            individuals_trained: f.individuals_trained,
            institutions_targeted: f.institutions_targeted,
            institutions_integrated: f.institutions_integrated,
            models_total,
            models_in_implementation,
            all_models_in_implementation: models_total > 0
                && models_in_implementation == models_total,
            models_by_stage: ModelStage::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), n(*s)))
                .collect(),
            mapping_exercises: m.mapping_exercises,
            budget_allocated: self.budget_committed(country.as_str()).await?,
            actions_done: m.actions_done,
            guides_final: m.guides_final,
            cases_identified: m.cases_identified,
            referrals_made: m.referrals_made,
            referrals_completed: m.referrals_completed,
        })
    }

    /// A country's fact sheet. Anyone may read a published one; an unpublished one is
    /// "not found" except for readers of the country's results (a preview).
    pub async fn factsheet(
        &self,
        viewer: Option<&Actor>,
        country: &CountryCode,
    ) -> Result<Factsheet> {
        let c = country.as_str();
        let profile = st::get_profile(&self.db, c).await?;
        let published = profile.as_ref().is_some_and(|p| p.factsheet_published);
        let reader = viewer
            .filter(|a| authorize(a, Action::ReadResults, Some(&country_owner(country))).is_ok());
        if !published && reader.is_none() {
            return Err(RuleError::NotFound.into());
        }
        // Aggregates only: the same training computation the figures page uses, without
        // a caller when the sheet is public.
        let figures = match reader {
            Some(a) => {
                self.training_figures(a, Some(country), (None, None))
                    .await?
                    .figures
            }
            None => {
                let f = atlas_store::training::FiguresFilter {
                    country: Some(c.to_owned()),
                    from: None,
                    to: None,
                };
                atlas_store::training::figures(&self.db, &f).await?.0
            }
        };
        let key = self.assemble_key(country, &figures).await?;
        let mut mp = group(st::model_partners(&self.db, c).await?);
        let models = st::list_models(&self.db, c)
            .await?
            .into_iter()
            .map(|m| ModelView {
                partners: mp.remove(&m.model_id).unwrap_or_default(),
                model: m,
            })
            .collect();
        Ok(Factsheet {
            country: country.clone(),
            profile,
            models,
            key,
            profile_texts: atlas_store::results_edit::profile_texts(&self.db, c).await?,
            model_texts: atlas_store::results_edit::model_texts(&self.db, c).await?,
        })
    }
}

/// An indicator of the framework with its target and actual for one period.
#[derive(Debug, Clone)]
pub struct IndicatorLine {
    pub indicator: st::IndicatorRow,
    pub target: Option<i64>,
    /// `None`: not yet recorded (no manual value for the period, or a module that does
    /// not exist yet).
    pub actual: Option<i64>,
}

/// A framework node with its indicators.
#[derive(Debug, Clone)]
pub struct NodeLine {
    pub node: st::NodeRow,
    pub indicators: Vec<IndicatorLine>,
}

/// A country's results framework for one period, nodes in code order.
#[derive(Debug, Clone)]
pub struct Framework {
    pub country: CountryCode,
    pub period: Period,
    pub nodes: Vec<NodeLine>,
}

/// One indicator's page: the indicator, its country, targets and manual values.
#[derive(Debug, Clone)]
pub struct IndicatorDetail {
    pub indicator: st::IndicatorRow,
    pub country: CountryCode,
    pub targets: Vec<(String, i64)>,
    pub values: Vec<st::ValueView>,
}

impl App {
    /// The computed value of `source` for `country` over `period` (`None` when the
    /// module that owns it does not exist yet, and for manual sources).
    async fn computed(
        &self,
        actor: &Actor,
        country: &CountryCode,
        period: &Period,
        source: IndicatorSource,
    ) -> Result<Option<i64>> {
        use IndicatorSource::*;
        Ok(match source {
            IndividualsTrained | InstitutionsTargeted | InstitutionsIntegrated => {
                let f = self
                    .training_figures(
                        actor,
                        Some(country),
                        (
                            Some(period.first.to_string()),
                            Some(period.last.to_string()),
                        ),
                    )
                    .await?
                    .figures;
                Some(match source {
                    IndividualsTrained => f.individuals_trained,
                    InstitutionsTargeted => f.institutions_targeted,
                    _ => f.institutions_integrated,
                })
            }
            ModelsInImplementation => {
                let end = period
                    .last
                    .next_day()
                    .context("period end out of range")?
                    .midnight()
                    .assume_utc()
                    - time::Duration::nanoseconds(1);
                let stages = st::model_stages_at(&self.db, country.as_str(), end).await?;
                Some(
                    i64::try_from(
                        stages
                            .iter()
                            .filter(|s| {
                                ModelStage::parse(s).is_some_and(ModelStage::in_implementation)
                            })
                            .count(),
                    )
                    .unwrap_or(i64::MAX),
                )
            }
            Manual => None,
            s => self
                .module_figures(Some(country.as_str()), period)
                .await?
                .of(s),
        })
    }

    /// A country's results framework with each indicator's target and actual for
    /// `period` (computed from module data, or the latest manual value).
    pub async fn framework(
        &self,
        actor: &Actor,
        country: &CountryCode,
        period: Period,
    ) -> Result<Framework> {
        authorize(actor, Action::ReadResults, Some(&country_owner(country)))?;
        let c = country.as_str();
        let code = period.code();
        let targets: std::collections::HashMap<Uuid, i64> = st::targets_for(&self.db, c, &code)
            .await?
            .into_iter()
            .collect();
        let manual: std::collections::HashMap<Uuid, i64> =
            st::latest_values_for(&self.db, c, &code)
                .await?
                .into_iter()
                .collect();
        let mut computed: std::collections::HashMap<IndicatorSource, Option<i64>> =
            Default::default();
        let mut lines: Vec<IndicatorLine> = Vec::new();
        for i in st::list_indicators(&self.db, c).await? {
            let source = IndicatorSource::parse(&i.source).context("unknown indicator source")?;
            let actual = if source == IndicatorSource::Manual {
                manual.get(&i.indicator_id).copied()
            } else {
                match computed.get(&source) {
                    Some(v) => *v,
                    None => {
                        let v = self.computed(actor, country, &period, source).await?;
                        computed.insert(source, v);
                        v
                    }
                }
            };
            lines.push(IndicatorLine {
                target: targets.get(&i.indicator_id).copied(),
                actual,
                indicator: i,
            });
        }
        let nodes = st::list_nodes(&self.db, c)
            .await?
            .into_iter()
            .map(|n| {
                let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut lines)
                    .into_iter()
                    .partition(|l| l.indicator.result_node_id == n.result_node_id);
                lines = rest;
                NodeLine {
                    node: n,
                    indicators: mine,
                }
            })
            .collect();
        Ok(Framework {
            country: country.clone(),
            period,
            nodes,
        })
    }

    /// Adds a framework node; the parent must be of the level above, in the same country.
    pub async fn create_node(&self, by: By<'_>, input: &NodeInput) -> Result<st::NodeRow> {
        let country = parse_country_field(&input.country)?;
        manage(by, &country_owner(&country), true)?;
        let d = NodeDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if let Some(pid) = d.parent_id {
            let ok = st::get_node_tx(&mut tx, pid).await?.is_some_and(|p| {
                p.country_code == country.as_str()
                    && Some(p.level.as_str()) == d.level.parent_level().map(|l| l.as_str())
            });
            if !ok {
                return Err(RuleError::Invalid(FieldErrors::single(
                    "parent_id",
                    "node-parent-level",
                ))
                .into());
            }
        }
        let row = st::NodeRow {
            result_node_id: Uuid::now_v7(),
            country_code: country.as_str().to_owned(),
            parent_id: d.parent_id,
            level: d.level.as_str().to_owned(),
            code: d.code,
            title: d.title,
            created_at: now,
        };
        st::insert_node(&mut tx, &row).await?;
        let ev = audit_event(
            by,
            "results.node.create",
            "result_node",
            &row.result_node_id.to_string(),
            format!("country={} level={}", row.country_code, row.level),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds an indicator to a node of a country the actor manages.
    pub async fn create_indicator(
        &self,
        by: By<'_>,
        input: &IndicatorInput,
    ) -> Result<st::IndicatorRow> {
        let d = IndicatorDraft::parse(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let node = st::get_node_tx(&mut tx, d.result_node_id)
            .await?
            .ok_or_else(|| {
                RuleError::Invalid(FieldErrors::single("result_node_id", "field-reference"))
            })?;
        let country = stored_country(&node.country_code)?;
        manage(by, &country_owner(&country), false)?;
        let row = st::IndicatorRow {
            indicator_id: Uuid::now_v7(),
            result_node_id: d.result_node_id,
            title: d.title,
            definition: d.definition,
            unit: d.unit.as_str().to_owned(),
            direction: d.direction.as_str().to_owned(),
            source: d.source.as_str().to_owned(),
            baseline: d.baseline,
            created_at: now,
            disaggregations: atlas_domain::results_disagg::dimensions_code(&d.disaggregations),
        };
        st::insert_indicator(&mut tx, &row).await?;
        let ev = audit_event(
            by,
            "results.indicator.create",
            "indicator",
            &row.indicator_id.to_string(),
            format!("unit={} source={}", row.unit, row.source),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One indicator with its targets and manual values.
    pub async fn indicator(&self, actor: &Actor, id: Uuid) -> Result<IndicatorDetail> {
        let (indicator, c) = st::get_indicator(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&c)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        Ok(IndicatorDetail {
            targets: st::targets_of(&self.db, id).await?,
            values: st::values_of(&self.db, id).await?,
            indicator,
            country,
        })
    }

    async fn managed_indicator(&self, by: By<'_>, id: Uuid) -> Result<st::IndicatorRow> {
        let (indicator, c) = st::get_indicator(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        manage(by, &country_owner(&stored_country(&c)?), false)?;
        Ok(indicator)
    }

    /// Sets an indicator's target for a period (replacing an earlier target).
    pub async fn set_target(&self, by: By<'_>, id: Uuid, input: &PeriodValueInput) -> Result<()> {
        let ind = self.managed_indicator(by, id).await?;
        let unit = IndicatorUnit::parse(&ind.unit).context("unknown unit stored")?;
        let d = PeriodValueDraft::target(input, unit)?;
        let now = self.now();
        let code = d.period.code();
        let mut tx = self.db.begin().await?;
        st::set_target(&mut tx, id, &code, d.value, now).await?;
        let ev = audit_event(
            by,
            "results.target.set",
            "indicator",
            &id.to_string(),
            format!("period={code} target={}", d.value),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a manual value of a manual indicator for a period, with evidence.
    pub async fn add_value(&self, by: By<'_>, id: Uuid, input: &PeriodValueInput) -> Result<()> {
        self.add_value_parts(by, id, input, &Default::default())
            .await
    }

    /// Records a manual value with its parts by the indicator's dimensions (form fields
    /// `part-<dimension>-<category>`, see `domain::results_disagg::parse_parts`): every
    /// dimension given must add up to the value, or nothing is written.
    pub async fn add_value_parts(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &PeriodValueInput,
        parts: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        let (ind, c) = st::get_indicator(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&c)?;
        manage(by, &country_owner(&country), false)?;
        if ind.source != IndicatorSource::Manual.as_str() {
            return Err(
                RuleError::Invalid(FieldErrors::single("value", "indicator-not-manual")).into(),
            );
        }
        let unit = IndicatorUnit::parse(&ind.unit).context("unknown unit stored")?;
        let dims = atlas_domain::results_disagg::stored_dimensions(&ind.disaggregations);
        let d = PeriodValueDraft::manual(input, unit);
        let parts = match &d {
            Ok(d) if !dims.is_empty() => {
                let directory = self.disaggregation_categories(&country).await?;
                atlas_domain::results_disagg::parse_parts(parts, d.value, &dims, &directory)
            }
            _ => Ok(Vec::new()),
        };
        let (d, parts) = match (d, parts) {
            (Ok(d), Ok(p)) => (d, p),
            (Err(RuleError::Invalid(mut a)), Err(RuleError::Invalid(b))) => {
                a.0.extend(b.0);
                return Err(RuleError::Invalid(a).into());
            }
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        let now = self.now();
        let code = d.period.code();
        let mut tx = self.db.begin().await?;
        let vid = st::insert_value(
            &mut tx,
            id,
            &code,
            d.value,
            &d.evidence,
            by.audit_actor().map(|a| a.0),
            now,
        )
        .await?;
        st::insert_parts(&mut tx, vid, &parts).await?;
        let ev = audit_event(
            by,
            "results.value.add",
            "indicator",
            &id.to_string(),
            format!(
                "period={code} value={} entry={vid} parts={}",
                d.value,
                parts.len()
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}
