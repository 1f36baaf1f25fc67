//! Institutional adaptations of the master curriculum: create and edit an adaptation,
//! select, order, annotate and remove its presentations, and decide — one by one — on
//! master changes made after it took a presentation (take: the item moves to the new
//! version; leave: the version is recorded as seen) and on presentations added to the
//! master since (take: added at the end; leave: not offered again).
//!
//! Access: `ReadAdaptations` to open one, `ManageAdaptations` over its institution to
//! change it; anything else about an adaptation out of reach is "not found". A decision
//! names the master version it was shown: if the master moved on meanwhile it is refused
//! as stale (409) so nobody takes a version they have not seen. Every change writes one
//! audit event with ids only.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, ListScope, Owner, authorize, list_scope};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::training_adaptation::{
    AdaptationDraft, AdaptationInput, Decision, Direction, FieldChange, PresentationSnapshot, diff,
    moved, parse_note, pending,
};
use atlas_store::audit as st_audit;
use atlas_store::training as st_training;
use atlas_store::training_adaptation::{self as st, AdaptationFilter};
use uuid::Uuid;

pub use atlas_store::training_adaptation::{
    AdaptationRow as Adaptation, ItemView, NewPresentation,
};

/// An item of an adaptation and, when the master has a version it has neither taken nor
/// left, what changed field by field. The item's title and duration are those of the
/// version taken.
#[derive(Debug, Clone)]
pub struct Item {
    pub item: ItemView,
    pub pending: bool,
    pub changes: Vec<FieldChange>,
}

/// An adaptation as its page shows it.
#[derive(Debug, Clone)]
pub struct AdaptationDetail {
    pub adaptation: Adaptation,
    pub items: Vec<Item>,
    /// Presentations added to the master that the adaptation has not met.
    pub new_in_master: Vec<NewPresentation>,
    /// Courses that run the adaptation, as (id, title, stage).
    pub courses: Vec<(Uuid, String, String)>,
    /// May the actor change it.
    pub manage: bool,
}

/// The owner the policy checks an adaptation against: its institution and country.
pub(crate) fn owner(a: &Adaptation) -> Result<Owner> {
    Ok(Owner {
        institution_id: Some(a.institution_id),
        country: CountryCode::parse(&a.country_code).context("unknown country stored")?,
    })
}

fn event(by: By<'_>, action: &str, id: Uuid, summary: String) -> NewEvent {
    NewEvent::new(by.audit_actor(), action, "training_adaptation", id, summary)
}

fn snapshot_of(p: &st_training::PresentationRow) -> PresentationSnapshot {
    PresentationSnapshot {
        title: Some(p.title.clone()),
        summary: Some(p.summary.clone()),
        objectives: Some(p.objectives.clone()),
        crime_types: Some(p.crime_types.clone()),
        audiences: Some(p.audiences.clone()),
        duration_minutes: Some(p.duration_minutes),
    }
}

fn invalid(field: &str, key: &'static str) -> crate::Error {
    RuleError::Invalid(FieldErrors::single(field, key)).into()
}

fn parse_id(s: &str, field: &str) -> Result<Uuid> {
    if s.trim().is_empty() {
        return Err(invalid(field, "field-required"));
    }
    Uuid::parse_str(s.trim()).map_err(|_| invalid(field, "field-reference"))
}

impl App {
    /// Adaptations the actor may read (`ReadAdaptations` scope).
    pub async fn adaptations(&self, actor: &Actor) -> Result<Vec<Adaptation>> {
        let f = match list_scope(actor, Action::ReadAdaptations)? {
            ListScope::All => AdaptationFilter::default(),
            ListScope::Country(c) => AdaptationFilter {
                country: Some(c.as_str().to_owned()),
                ..Default::default()
            },
            ListScope::Institution(i) => AdaptationFilter {
                institution_id: Some(i),
                ..Default::default()
            },
        };
        Ok(st::list_adaptations(&self.db, &f).await?)
    }

    /// Adaptations a course of `institution` may name (all the institution's), as
    /// (id, institution id, title); every institution's when `None`.
    pub async fn adaptation_choices(
        &self,
        institution: Option<Uuid>,
    ) -> Result<Vec<(Uuid, Uuid, String)>> {
        Ok(st::choices(&self.db, institution).await?)
    }

    async fn readable(&self, by: By<'_>, id: Uuid) -> Result<(Adaptation, bool)> {
        let a = st::get_adaptation(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let By::User(actor) = by else {
            return Ok((a, true));
        };
        let o = owner(&a)?;
        authorize(actor, Action::ReadAdaptations, Some(&o))?;
        let manage = authorize(actor, Action::ManageAdaptations, Some(&o)).is_ok();
        Ok((a, manage))
    }

    /// One adaptation with its items (pending master changes compared field by field),
    /// the presentations new in the master and the courses that run it.
    pub async fn adaptation(&self, by: By<'_>, id: Uuid) -> Result<AdaptationDetail> {
        let (a, manage) = self.readable(by, id).await?;
        let mut items = Vec::new();
        for mut it in st::list_items(&self.db, id).await? {
            let is_pending = pending(it.presentation_version, it.left_version, it.master_version);
            let changes = if is_pending {
                let pid = it.training_presentation_id;
                let old = st_training::revision_snapshot(
                    &self.db,
                    "training_presentation",
                    pid,
                    it.presentation_version,
                )
                .await?
                .and_then(|s| serde_json::from_str::<PresentationSnapshot>(&s).ok());
                let now = st_training::get_presentation(&self.db, pid)
                    .await?
                    .context("item without presentation")?;
                // The adaptation still teaches the version it took: list it by that
                // version's title and duration until the change is taken.
                if let Some(o) = &old {
                    if let Some(t) = &o.title {
                        it.title.clone_from(t);
                    }
                    if let Some(d) = o.duration_minutes {
                        it.duration_minutes = d;
                    }
                }
                diff(old.as_ref(), &snapshot_of(&now))
            } else {
                Vec::new()
            };
            items.push(Item {
                item: it,
                pending: is_pending,
                changes,
            });
        }
        Ok(AdaptationDetail {
            new_in_master: st::new_in_master(&self.db, id).await?,
            courses: st::courses_of(&self.db, id).await?,
            adaptation: a,
            items,
            manage,
        })
    }

    /// The adaptation for its edit form (needs `ManageAdaptations` over it).
    pub async fn adaptation_for_edit(&self, by: By<'_>, id: Uuid) -> Result<Adaptation> {
        let (a, manage) = self.readable(by, id).await?;
        if !manage {
            return Err(RuleError::NotFound.into());
        }
        Ok(a)
    }

    async fn managed_tx(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<Adaptation> {
        let a = st::get_adaptation_tx(tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        if let By::User(actor) = by {
            authorize(actor, Action::ManageAdaptations, Some(&owner(&a)?))?;
        }
        Ok(a)
    }

    /// Creates an adaptation for an institution within the actor's `ManageAdaptations`
    /// scope, taking the selected master presentations (in the order given) at their
    /// current versions. Every presentation of the master is then known to it.
    pub async fn create_adaptation(
        &self,
        by: By<'_>,
        input: &AdaptationInput,
    ) -> Result<Adaptation> {
        if let By::User(a) = by {
            authorize(a, Action::ManageAdaptations, None)?;
        }
        let d = AdaptationDraft::parse_new(input)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inst_id = d.institution_id.context("parsed without institution")?;
        let Some(inst) = atlas_store::directory::get_institution_tx(&mut tx, inst_id).await? else {
            return Err(invalid("institution_id", "field-reference"));
        };
        let mut e = FieldErrors::new();
        let o = Owner {
            institution_id: Some(inst.institution_id),
            country: CountryCode::parse(&inst.country_code).context("unknown country stored")?,
        };
        if let By::User(a) = by
            && authorize(a, Action::ManageAdaptations, Some(&o)).is_err()
        {
            e.add("institution_id", "field-reference");
        }
        let mut versions = Vec::new();
        for pid in &d.presentations {
            match st_training::get_presentation_tx(&mut tx, *pid).await? {
                Some(p) => versions.push((p.training_presentation_id, p.version)),
                None => {
                    if e.get("presentations").is_none() {
                        e.add("presentations", "field-reference");
                    }
                }
            }
        }
        e.into_result(())?;
        let row = Adaptation {
            training_adaptation_id: Uuid::now_v7(),
            institution_id: inst.institution_id,
            title: d.title,
            framework: d.framework,
            stage: d.stage.as_str().to_owned(),
            notes: d.notes,
            created_at: now,
            updated_at: now,
            version: 1,
            country_code: inst.country_code,
            institution_acronym: inst.acronym,
            items: versions.len() as i64,
            pending: 0,
        };
        let id = row.training_adaptation_id;
        st::insert_adaptation(&mut tx, &row).await?;
        for (n, (pid, v)) in versions.iter().enumerate() {
            // A new adaptation: the draft holds no repeats, so every insert lands.
            st::insert_item(&mut tx, id, *pid, n as i64 + 1, *v, now).await?;
        }
        st::know_all(&mut tx, id, now).await?;
        let ev = event(
            by,
            "training.adaptation.create",
            id,
            format!(
                "institution={} stage={} items={}",
                row.institution_id,
                row.stage,
                versions.len()
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits the title, framework, stage and notes if `input.version` is still current.
    pub async fn update_adaptation(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &AdaptationInput,
    ) -> Result<Adaptation> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = self.managed_tx(&mut tx, by, id).await?;
        let d = AdaptationDraft::parse_edit(input)?;
        let version = parse_version(&input.version)?;
        let row = Adaptation {
            title: d.title,
            framework: d.framework,
            stage: d.stage.as_str().to_owned(),
            notes: d.notes,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_adaptation(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        let ev = event(
            by,
            "training.adaptation.update",
            id,
            format!("version={} stage={}", row.version, row.stage),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a master presentation at the end of the adaptation, at its current version.
    pub async fn add_adaptation_item(
        &self,
        by: By<'_>,
        id: Uuid,
        presentation: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_tx(&mut tx, by, id).await?;
        let field = "training_presentation_id";
        let pid = parse_id(presentation, field)?;
        let Some(p) = st_training::get_presentation_tx(&mut tx, pid).await? else {
            return Err(invalid(field, "field-reference"));
        };
        let items = st::items_tx(&mut tx, id).await?;
        if items.iter().any(|i| i.training_presentation_id == pid) {
            return Err(invalid(field, "adaptation-item-already"));
        }
        let next = items.iter().map(|i| i.ordinal).max().unwrap_or(0) + 1;
        if !st::insert_item(&mut tx, id, pid, next, p.version, now).await? {
            return Err(invalid(field, "adaptation-item-already"));
        }
        st::know(&mut tx, id, pid, now).await?;
        st::touch_adaptation(&mut tx, id, now).await?;
        let ev = event(
            by,
            "training.adaptation.item.add",
            id,
            format!("presentation={pid} version={}", p.version),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a presentation from the adaptation (it stays known: it is not offered
    /// again as new in the master).
    pub async fn remove_adaptation_item(
        &self,
        by: By<'_>,
        id: Uuid,
        presentation: Uuid,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_tx(&mut tx, by, id).await?;
        if !st::delete_item(&mut tx, id, presentation).await? {
            return Err(RuleError::NotFound.into());
        }
        for (n, it) in st::items_tx(&mut tx, id).await?.iter().enumerate() {
            st::set_ordinal(&mut tx, id, it.training_presentation_id, n as i64 + 1, now).await?;
        }
        st::touch_adaptation(&mut tx, id, now).await?;
        let ev = event(
            by,
            "training.adaptation.item.remove",
            id,
            format!("presentation={presentation}"),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an item one place up or down; at either end nothing changes.
    pub async fn move_adaptation_item(
        &self,
        by: By<'_>,
        id: Uuid,
        presentation: Uuid,
        direction: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_tx(&mut tx, by, id).await?;
        let dir =
            Direction::parse(direction).ok_or_else(|| invalid("direction", "field-choice"))?;
        let items = st::items_tx(&mut tx, id).await?;
        let order: Vec<Uuid> = items.iter().map(|i| i.training_presentation_id).collect();
        if !order.contains(&presentation) {
            return Err(RuleError::NotFound.into());
        }
        let Some(new) = moved(&order, presentation, dir) else {
            return Ok(());
        };
        for (n, pid) in new.iter().enumerate() {
            st::set_ordinal(&mut tx, id, *pid, n as i64 + 1, now).await?;
        }
        st::touch_adaptation(&mut tx, id, now).await?;
        let ev = event(
            by,
            "training.adaptation.item.move",
            id,
            format!("presentation={presentation} direction={dir}"),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or clears) an item's local note.
    pub async fn set_adaptation_note(
        &self,
        by: By<'_>,
        id: Uuid,
        presentation: Uuid,
        note: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_tx(&mut tx, by, id).await?;
        let note = parse_note(note)?;
        if !st::set_note(&mut tx, id, presentation, note.as_deref(), now).await? {
            return Err(RuleError::NotFound.into());
        }
        st::touch_adaptation(&mut tx, id, now).await?;
        let ev = event(
            by,
            "training.adaptation.item.note",
            id,
            format!("presentation={presentation}"),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes or leaves a master change of an item, or a presentation new in the master.
    /// `master_version` is the version the decision was shown; a newer master is stale.
    pub async fn decide_adaptation_change(
        &self,
        by: By<'_>,
        id: Uuid,
        presentation: Uuid,
        decision: &str,
        master_version: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_tx(&mut tx, by, id).await?;
        let decision =
            Decision::parse(decision).ok_or_else(|| invalid("decision", "field-choice"))?;
        let shown = parse_version(master_version)
            .map_err(|_| invalid("master_version", "field-version"))?;
        let p = st_training::get_presentation_tx(&mut tx, presentation)
            .await?
            .ok_or(RuleError::NotFound)?;
        let items = st::items_tx(&mut tx, id).await?;
        let item = items
            .iter()
            .find(|i| i.training_presentation_id == presentation);
        let action = match item {
            Some(it) => {
                if !pending(it.presentation_version, it.left_version, p.version) {
                    return Err(invalid("decision", "adaptation-nothing-pending"));
                }
                if p.version != shown {
                    return Err(RuleError::Stale.into());
                }
                match decision {
                    Decision::Take => {
                        st::set_taken(&mut tx, id, presentation, p.version, now).await?;
                        "training.adaptation.change.take"
                    }
                    Decision::Leave => {
                        st::set_left(&mut tx, id, presentation, p.version, now).await?;
                        "training.adaptation.change.leave"
                    }
                }
            }
            None => {
                if st::is_known_tx(&mut tx, id, presentation).await? {
                    return Err(invalid("decision", "adaptation-nothing-pending"));
                }
                if p.version != shown {
                    return Err(RuleError::Stale.into());
                }
                if decision == Decision::Take {
                    let next = items.iter().map(|i| i.ordinal).max().unwrap_or(0) + 1;
                    if !st::insert_item(&mut tx, id, presentation, next, p.version, now).await? {
                        return Err(invalid("decision", "adaptation-nothing-pending"));
                    }
                }
                st::know(&mut tx, id, presentation, now).await?;
                match decision {
                    Decision::Take => "training.adaptation.new.take",
                    Decision::Leave => "training.adaptation.new.leave",
                }
            }
        };
        st::touch_adaptation(&mut tx, id, now).await?;
        let ev = event(
            by,
            action,
            id,
            format!("presentation={presentation} version={}", p.version),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(())
    }
}
