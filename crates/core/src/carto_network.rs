//! The actor network of a mapping exercise: actors (institutions of the directory,
//! community organisations, informal groups, roles — never a private person's name) and
//! their relationships; edits and removals; the audited GEXF export.
//!
//! Access as the rest of cartography: `ReadCartography` over the exercise's country
//! reads, `ManageCartography` edits; an exercise out of scope is not found. An actor
//! that still takes part in relationships is not removed: the relationships are removed
//! first, so nothing disappears from the network by accident. Every change is audited
//! with ids only.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize};
use atlas_domain::carto_network::{
    ActorDraft, ActorInput, ActorKind, RelationshipDraft, RelationshipInput,
};
use atlas_domain::directory::{CountryCode, parse_version};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::carto_network::{self as st, ActorRow, RelationshipRow};
use atlas_store::cartography::{self as st_carto, ExerciseRow};
use atlas_store::directory::{self as st_dir, InstitutionRow};
use uuid::Uuid;

/// The network of an exercise as its page shows it.
#[derive(Debug, Clone)]
pub struct NetworkView {
    pub exercise: ExerciseRow,
    /// By label, then id.
    pub actors: Vec<ActorRow>,
    /// By id.
    pub relationships: Vec<RelationshipRow>,
    pub manage: bool,
    /// Institutions of the exercise's country for the actor form, by name (only when the
    /// viewer may edit).
    pub institutions: Vec<InstitutionRow>,
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

impl App {
    /// The actors and relationships of an exercise the actor may read.
    pub async fn carto_network(&self, actor: &Actor, id: Uuid) -> Result<NetworkView> {
        let exercise = st_carto::get_exercise(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = owner_of(&exercise)?;
        authorize(actor, Action::ReadCartography, Some(&owner))?;
        let manage = authorize(actor, Action::ManageCartography, Some(&owner)).is_ok();
        let institutions = if manage {
            let mut v = st_dir::list_institutions(
                &self.db,
                &st_dir::ListFilter {
                    country: Some(exercise.country_code.clone()),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
            v.sort_by_key(|a| a.name.to_lowercase());
            v
        } else {
            Vec::new()
        };
        Ok(NetworkView {
            actors: st::list_actors(&self.db, id).await?,
            relationships: st::list_relationships(&self.db, id).await?,
            exercise,
            manage,
            institutions,
        })
    }

    async fn exercise_to_edit(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<ExerciseRow> {
        let e = st_carto::get_exercise_tx(tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = owner_of(&e)?;
        check(by, Action::ReadCartography, &owner)?;
        check(by, Action::ManageCartography, &owner)?;
        Ok(e)
    }

    /// The label an actor gets: an institution's directory name (which must be of the
    /// exercise's country), otherwise what was typed.
    async fn actor_label(
        &self,
        tx: &mut atlas_store::Tx,
        d: &ActorDraft,
        ex: &ExerciseRow,
    ) -> Result<String> {
        match (d.kind, d.institution_id) {
            (ActorKind::Institution, Some(i)) => match st_dir::get_institution_tx(tx, i).await? {
                Some(r) if r.country_code == ex.country_code => Ok(r.name),
                _ => Err(RuleError::Invalid(FieldErrors::single(
                    "institution_id",
                    "carto-institution-unknown",
                ))
                .into()),
            },
            _ => Ok(d.label.clone()),
        }
    }

    /// Adds an actor to an exercise's network.
    pub async fn add_actor(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &ActorInput,
    ) -> Result<ActorRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ex = self.exercise_to_edit(&mut tx, by, exercise).await?;
        let d = ActorDraft::parse(input)?;
        let label = self.actor_label(&mut tx, &d, &ex).await?;
        let row = ActorRow {
            actor_id: Uuid::now_v7(),
            exercise_id: exercise,
            kind: d.kind.as_str().to_owned(),
            institution_id: d.institution_id,
            label,
            dimension: d.dimension.map(|x| x.as_str().to_owned()),
            note: d.note,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_actor(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.actor.create",
                "cartography_actor",
                row.actor_id,
                format!("exercise={exercise} kind={}", row.kind),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn actor_to_edit(
        &self,
        tx: &mut atlas_store::Tx,
        by: By<'_>,
        id: Uuid,
    ) -> Result<(ActorRow, ExerciseRow)> {
        let a = st::get_actor_tx(tx, id).await?.ok_or(RuleError::NotFound)?;
        let ex = self.exercise_to_edit(tx, by, a.exercise_id).await?;
        Ok((a, ex))
    }

    /// Edits an actor; a stale version is refused.
    pub async fn update_actor(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &ActorInput,
        version: &str,
    ) -> Result<ActorRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (cur, ex) = self.actor_to_edit(&mut tx, by, id).await?;
        let version = parse_version(version)?;
        let d = ActorDraft::parse(input)?;
        let label = self.actor_label(&mut tx, &d, &ex).await?;
        let row = ActorRow {
            kind: d.kind.as_str().to_owned(),
            institution_id: d.institution_id,
            label,
            dimension: d.dimension.map(|x| x.as_str().to_owned()),
            note: d.note,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !st::update_actor(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.actor.update",
                "cartography_actor",
                id,
                format!("kind={} version={}", row.kind, row.version),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes an actor that takes part in no relationship (else `actor` is refused
    /// with `carto-net-actor-in-use`). Returns its exercise.
    pub async fn remove_actor(&self, by: By<'_>, id: Uuid) -> Result<Uuid> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (a, _) = self.actor_to_edit(&mut tx, by, id).await?;
        if st::actor_relationships_tx(&mut tx, id).await? > 0 {
            return Err(
                RuleError::Invalid(FieldErrors::single("actor", "carto-net-actor-in-use")).into(),
            );
        }
        st::delete_actor(&mut tx, id).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.actor.remove",
                "cartography_actor",
                id,
                format!("exercise={}", a.exercise_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(a.exercise_id)
    }

    /// Adds a relationship between two actors of the exercise.
    pub async fn add_relationship(
        &self,
        by: By<'_>,
        exercise: Uuid,
        input: &RelationshipInput,
    ) -> Result<RelationshipRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.exercise_to_edit(&mut tx, by, exercise).await?;
        let d = RelationshipDraft::parse(input)?;
        let mut e = FieldErrors::new();
        for (id, field) in [(d.from, "from_id"), (d.to, "to_id")] {
            match st::get_actor_tx(&mut tx, id).await? {
                Some(a) if a.exercise_id == exercise => {}
                _ => e.add(field, "field-reference"),
            }
        }
        e.into_result(())?;
        let row = RelationshipRow {
            relationship_id: Uuid::now_v7(),
            exercise_id: exercise,
            from_actor_id: d.from,
            to_actor_id: d.to,
            kind: d.kind.as_str().to_owned(),
            strength: d.strength,
            direction: d.direction.as_str().to_owned(),
            note: d.note,
            created_at: now,
        };
        st::insert_relationship(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.relationship.create",
                "cartography_relationship",
                row.relationship_id,
                format!(
                    "exercise={exercise} from={} to={} kind={} strength={}",
                    row.from_actor_id, row.to_actor_id, row.kind, row.strength
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a relationship. Returns its exercise.
    pub async fn remove_relationship(&self, by: By<'_>, id: Uuid) -> Result<Uuid> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let r = st::get_relationship_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        self.exercise_to_edit(&mut tx, by, r.exercise_id).await?;
        st::delete_relationship(&mut tx, id).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                by.audit_actor(),
                "cartography.relationship.remove",
                "cartography_relationship",
                id,
                format!("exercise={}", r.exercise_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(r.exercise_id)
    }

    /// Records a download of an exercise's network (format and counts).
    pub async fn audit_network_export(
        &self,
        actor: &Actor,
        id: Uuid,
        format: &str,
        actors: usize,
        relationships: usize,
    ) -> Result<()> {
        self.audit_exercise_export(
            actor,
            id,
            format!("format={format} actors={actors} relationships={relationships}"),
        )
        .await
    }
}
