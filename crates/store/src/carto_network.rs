//! The actor network of a mapping exercise: actors and the relationships between them.
//!
//! Invariants: both ends of a relationship are actors of the relationship's exercise
//! (checked by the use case before insert); an actor is only deleted when no
//! relationship names it.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// An actor of an exercise's network.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActorRow {
    pub actor_id: Uuid,
    pub exercise_id: Uuid,
    pub kind: String,
    pub institution_id: Option<Uuid>,
    pub label: String,
    pub dimension: Option<String>,
    pub note: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A relationship between two actors.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RelationshipRow {
    pub relationship_id: Uuid,
    pub exercise_id: Uuid,
    pub from_actor_id: Uuid,
    pub to_actor_id: Uuid,
    pub kind: String,
    pub strength: i64,
    pub direction: String,
    pub note: String,
    pub created_at: OffsetDateTime,
}

const ACTOR_COLS: &str = "actor_id, exercise_id, kind, institution_id, label, dimension, note, created_at, updated_at, version";
const REL_COLS: &str = "relationship_id, exercise_id, from_actor_id, to_actor_id, kind, strength, direction, note, created_at";

/// Actors of an exercise, by label then id.
pub async fn list_actors(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<ActorRow>> {
    let sql = format!(
        "select {ACTOR_COLS} from cartography_actor where exercise_id = $1 order by lower(label), actor_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await).context("list actors")
}

/// Relationships of an exercise, by id.
pub async fn list_relationships(db: &Db, exercise: Uuid) -> anyhow::Result<Vec<RelationshipRow>> {
    let sql = format!(
        "select {REL_COLS} from cartography_relationship where exercise_id = $1 order by relationship_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(exercise).fetch_all(p).await)
        .context("list relationships")
}

/// One actor.
pub async fn get_actor(db: &Db, id: Uuid) -> anyhow::Result<Option<ActorRow>> {
    let sql = format!("select {ACTOR_COLS} from cartography_actor where actor_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get actor")
}

/// One actor, inside a write transaction.
pub async fn get_actor_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ActorRow>> {
    let sql = format!("select {ACTOR_COLS} from cartography_actor where actor_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get actor")
}

/// Inserts an actor.
pub async fn insert_actor(tx: &mut Tx, a: &ActorRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_actor ({ACTOR_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(a.actor_id).bind(a.exercise_id).bind(&a.kind).bind(a.institution_id)
        .bind(&a.label).bind(&a.dimension).bind(&a.note).bind(a.created_at)
        .bind(a.updated_at).bind(a.version)
        .execute(c).await.map(|_| ()))
    .context("insert actor")
}

/// Updates an actor if it still has version `expected`; false when it changed since.
pub async fn update_actor(tx: &mut Tx, a: &ActorRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update cartography_actor set kind = $2, institution_id = $3, label = $4, dimension = $5, \
               note = $6, updated_at = $7, version = $8 where actor_id = $1 and version = $9";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(a.actor_id).bind(&a.kind).bind(a.institution_id).bind(&a.label)
        .bind(&a.dimension).bind(&a.note).bind(a.updated_at).bind(a.version).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update actor")?;
    Ok(n == 1)
}

/// How many relationships name the actor (either end).
pub async fn actor_relationships_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<i64> {
    let sql = "select count(*) from cartography_relationship where from_actor_id = $1 or to_actor_id = $1";
    on_tx!(tx, c => sqlx::query_scalar(sql).bind(id).fetch_one(c).await)
        .context("count actor relationships")
}

/// Deletes an actor.
pub async fn delete_actor(tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
    let sql = "delete from cartography_actor where actor_id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).execute(c).await.map(|_| ())).context("delete actor")
}

/// Inserts a relationship.
pub async fn insert_relationship(tx: &mut Tx, r: &RelationshipRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into cartography_relationship ({REL_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(r.relationship_id).bind(r.exercise_id).bind(r.from_actor_id).bind(r.to_actor_id)
        .bind(&r.kind).bind(r.strength).bind(&r.direction).bind(&r.note).bind(r.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert relationship")
}

/// One relationship, inside a write transaction.
pub async fn get_relationship_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<RelationshipRow>> {
    let sql = format!("select {REL_COLS} from cartography_relationship where relationship_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
        .context("get relationship")
}

/// Deletes a relationship.
pub async fn delete_relationship(tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
    let sql = "delete from cartography_relationship where relationship_id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).execute(c).await.map(|_| ()))
        .context("delete relationship")
}
