//! Results, editing: a model's own text, language, translations, gaps and partners; the
//! fact sheet profile's translations; the files backing lifecycle moves; and versioned
//! edits of results framework nodes and indicators.
//!
//! Access follows the rest of results: `ManageResults` on the country edits (program
//! staff of the country, admins), `ReadResults` reads — an evidence file is a
//! country-level document (pilot report, evaluation findings), read like the timeline it
//! belongs to. Everything outside the caller's scope is "not found". Every edit writes
//! its audit event in its transaction; a stale version writes nothing.

use crate::results::{Model, audit_event, country_owner, manage, stored_country};
use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::auth::{Action, Actor, authorize};
use atlas_domain::directory::parse_version;
use atlas_domain::results::IndicatorUnit;
use atlas_domain::results_edit::{
    IndicatorEditDraft, IndicatorEditInput, ModelEditDraft, ModelEditInput, NodeEditDraft,
    NodeEditInput,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::results as st;
use atlas_store::results_edit::{self as ste, ModelText, MoveFile, ProfileText};
use std::path::PathBuf;
use uuid::Uuid;

/// A model as its edit form needs it: the model, the ids of its gaps and partners, its
/// translations, and the gaps and institutions of its country it may name.
#[derive(Debug, Clone)]
pub struct ModelEdit {
    pub model: Model,
    pub gap_ids: Vec<Uuid>,
    pub partner_ids: Vec<Uuid>,
    pub texts: Vec<ModelText>,
    /// (id, title) of the country's gaps.
    pub gaps: Vec<(Uuid, String)>,
    /// (id, acronym, name) of the country's institutions.
    pub institutions: Vec<(Uuid, String, String)>,
}

impl App {
    /// The folder evidence files live in.
    pub fn evidence_dir(&self) -> PathBuf {
        self.settings.data_dir.join("evidence")
    }

    /// Writes a move's evidence file as `<data_dir>/evidence/<move id>` (private to the
    /// server's user), returning its path so a failed commit can remove it.
    pub(crate) async fn write_evidence(&self, move_id: Uuid, bytes: &[u8]) -> Result<PathBuf> {
        let dir = self.evidence_dir();
        let bytes = bytes.to_vec();
        Ok(
            tokio::task::spawn_blocking(move || -> anyhow::Result<PathBuf> {
                let mut b = std::fs::DirBuilder::new();
                b.recursive(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::DirBuilderExt;
                    b.mode(0o700);
                }
                b.create(&dir).with_context(|| {
                    format!(
                        "cannot create the evidence folder {} (set data_dir to a writable folder)",
                        dir.display()
                    )
                })?;
                crate::training_material::write_file(&dir, move_id, &bytes)
            })
            .await
            .context("evidence writer stopped")??,
        )
    }

    /// A model for its edit form (managers of its country only).
    pub async fn model_for_edit(&self, actor: &Actor, id: Uuid) -> Result<ModelEdit> {
        self.model_for_edit_by(By::User(actor), id).await
    }

    pub(crate) async fn model_for_edit_by(&self, by: By<'_>, id: Uuid) -> Result<ModelEdit> {
        let model = st::get_model(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&model.country_code)?;
        if let By::User(a) = by {
            // Readers who may not edit learn nothing new from a 403; others get 404.
            authorize(a, Action::ReadResults, Some(&country_owner(&country)))?;
        }
        manage(by, &country_owner(&country), false)?;
        let c = country.as_str();
        let gap_ids = st::model_gaps(&self.db, id)
            .await?
            .into_iter()
            .map(|g| g.0)
            .collect();
        let partner_ids = st::model_partners(&self.db, c)
            .await?
            .into_iter()
            .filter(|l| l.owner_id == id)
            .map(|l| l.institution_id)
            .collect();
        let gaps = st::list_gaps(&self.db, c)
            .await?
            .into_iter()
            .map(|g| (g.gap_id, g.title))
            .collect();
        let f = atlas_store::directory::ListFilter {
            country: Some(c.to_owned()),
            limit: 500,
            ..Default::default()
        };
        let institutions = atlas_store::directory::list_institutions(&self.db, &f)
            .await?
            .into_iter()
            .map(|i| (i.institution_id, i.acronym, i.name))
            .collect();
        Ok(ModelEdit {
            texts: ste::texts_of_model(&self.db, id).await?,
            model,
            gap_ids,
            partner_ids,
            gaps,
            institutions,
        })
    }

    /// Edits a model's own text and language, its translations, gaps and partners, if
    /// `input.version` is still current (else `Stale`). The stage changes only through
    /// lifecycle moves.
    pub async fn update_model(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &ModelEditInput,
    ) -> Result<Model> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = st::get_model_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&cur.country_code)?;
        if let By::User(a) = by {
            authorize(a, Action::ReadResults, Some(&country_owner(&country)))?;
        }
        manage(by, &country_owner(&country), false)?;
        let d = ModelEditDraft::parse(input)?;
        let version = parse_version(&input.version)?;
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
        if !ste::update_model(
            &mut tx,
            id,
            &d.name,
            &d.summary,
            d.text_lang,
            &d.gap_ids,
            &d.partner_ids,
            now,
            version,
        )
        .await?
        {
            return Err(RuleError::Stale.into());
        }
        let texts: Vec<(String, String, String)> = d
            .translations
            .iter()
            .map(|t| {
                let f = |i: usize| t.fields.get(i).cloned().flatten().unwrap_or_default();
                (t.lang.to_owned(), f(0), f(1))
            })
            .collect();
        ste::set_model_texts(&mut tx, id, &texts).await?;
        let ev = audit_event(
            by,
            "results.model.update",
            "model",
            &id.to_string(),
            format!(
                "version={} lang={} gaps={} partners={} translations={}",
                version + 1,
                d.text_lang,
                d.gap_ids.len(),
                d.partner_ids.len(),
                texts
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(Model {
            name: d.name,
            summary: d.summary,
            text_lang: d.text_lang.to_owned(),
            updated_at: now,
            version: version + 1,
            ..cur
        })
    }

    /// The fact sheet profile's translations, for its edit form (managers only).
    pub async fn profile_texts(
        &self,
        actor: &Actor,
        country: &atlas_domain::directory::CountryCode,
    ) -> Result<Vec<ProfileText>> {
        authorize(actor, Action::ManageResults, Some(&country_owner(country)))?;
        Ok(ste::profile_texts(&self.db, country.as_str()).await?)
    }

    /// A move's evidence file and its bytes, for readers of the model's country. A file
    /// missing or changed on disk is an internal error (logged), never served.
    pub async fn move_file(&self, actor: &Actor, move_id: Uuid) -> Result<(MoveFile, Vec<u8>)> {
        let (f, model) = ste::get_move_file(&self.db, move_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let m = st::get_model(&self.db, model)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&m.country_code)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        let path = self.evidence_dir().join(move_id.to_string());
        let expected = f.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            let b = std::fs::read(&path)
                .with_context(|| format!("cannot read evidence file {}", path.display()))?;
            anyhow::ensure!(
                atlas_domain::training_material::sha256_hex(&b) == expected,
                "evidence file {} does not match its SHA-256",
                path.display()
            );
            Ok(b)
        })
        .await
        .context("evidence reader stopped")??;
        Ok((f, bytes))
    }

    /// A framework node and its version, for its edit form (managers only).
    pub async fn node_for_edit(&self, actor: &Actor, id: Uuid) -> Result<(st::NodeRow, i64)> {
        let (n, v) = ste::get_node(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&n.country_code)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        authorize(actor, Action::ManageResults, Some(&country_owner(&country)))?;
        Ok((n, v))
    }

    /// Changes a node's code and title if `input.version` is still current.
    pub async fn update_node(&self, by: By<'_>, id: Uuid, input: &NodeEditInput) -> Result<()> {
        let (n, _) = ste::get_node(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&n.country_code)?;
        if let By::User(a) = by {
            authorize(a, Action::ReadResults, Some(&country_owner(&country)))?;
        }
        manage(by, &country_owner(&country), false)?;
        let d = NodeEditDraft::parse(input)?;
        let version = parse_version(&input.version)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !ste::update_node(&mut tx, id, &d.code, &d.title, version).await? {
            return Err(RuleError::Stale.into());
        }
        let ev = audit_event(
            by,
            "results.node.update",
            "result_node",
            &id.to_string(),
            format!("version={} code={}", version + 1, d.code),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The version of an indicator, for its edit form (managers only).
    pub async fn indicator_version(&self, actor: &Actor, id: Uuid) -> Result<i64> {
        let (_, c) = st::get_indicator(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&c)?;
        authorize(actor, Action::ReadResults, Some(&country_owner(&country)))?;
        authorize(actor, Action::ManageResults, Some(&country_owner(&country)))?;
        Ok(ste::indicator_version(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?)
    }

    /// Changes an indicator's title, definition, direction and baseline if
    /// `input.version` is still current; unit and source stay as created.
    pub async fn update_indicator(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &IndicatorEditInput,
    ) -> Result<()> {
        let (ind, c) = st::get_indicator(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let country = stored_country(&c)?;
        if let By::User(a) = by {
            authorize(a, Action::ReadResults, Some(&country_owner(&country)))?;
        }
        manage(by, &country_owner(&country), false)?;
        let unit = IndicatorUnit::parse(&ind.unit).context("unknown unit stored")?;
        let d = IndicatorEditDraft::parse(input, unit)?;
        let version = parse_version(&input.version)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !ste::update_indicator(
            &mut tx,
            id,
            &d.title,
            &d.definition,
            d.direction.as_str(),
            d.baseline,
            version,
        )
        .await?
        {
            return Err(RuleError::Stale.into());
        }
        let ev = audit_event(
            by,
            "results.indicator.update",
            "indicator",
            &id.to_string(),
            format!(
                "version={} direction={} baseline={}",
                version + 1,
                d.direction.as_str(),
                d.baseline.map(|b| b.to_string()).unwrap_or_default()
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}
