//! Results, editing: translations of models and fact sheet profiles, model edits, the
//! files backing lifecycle moves, and versioned edits of framework nodes and indicators.

use crate::db::{Db, Tx};
use crate::results::NodeRow;
use crate::{on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A model's name and summary in another language (an empty field falls back).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ModelText {
    pub model_id: Uuid,
    pub lang: String,
    pub name: String,
    pub summary: String,
}

/// A profile's texts in another language (an empty field falls back).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProfileText {
    pub lang: String,
    pub overview: String,
    pub contact: String,
    pub funding: String,
}

/// The file backing a lifecycle move's evidence.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveFile {
    pub model_move_id: Uuid,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

#[derive(sqlx::FromRow)]
struct MoveFileOf {
    #[sqlx(flatten)]
    f: MoveFile,
    model_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct NodeWithVersion {
    #[sqlx(flatten)]
    n: NodeRow,
    version: i64,
}

/// Translations of every model of a country.
pub async fn model_texts(db: &Db, country: &str) -> anyhow::Result<Vec<ModelText>> {
    let sql = "select t.model_id, t.lang, t.name, t.summary from model_text t \
               join model m on m.model_id = t.model_id where m.country_code = $1 order by t.model_id, t.lang";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("list model translations")
}

/// Translations of one model.
pub async fn texts_of_model(db: &Db, model: Uuid) -> anyhow::Result<Vec<ModelText>> {
    let sql =
        "select model_id, lang, name, summary from model_text where model_id = $1 order by lang";
    on_db!(db, p => sqlx::query_as(sql).bind(model).fetch_all(p).await)
        .context("list model translations")
}

/// Replaces a model's translations.
pub async fn set_model_texts(
    tx: &mut Tx,
    model: Uuid,
    texts: &[(String, String, String)],
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from model_text where model_id = $1")
        .bind(model).execute(c).await.map(|_| ()))
    .context("clear model translations")?;
    for (lang, name, summary) in texts {
        on_tx!(tx, c => sqlx::query("insert into model_text (model_id, lang, name, summary) values ($1,$2,$3,$4)")
            .bind(model).bind(lang).bind(name).bind(summary).execute(c).await.map(|_| ()))
        .context("insert model translation")?;
    }
    Ok(())
}

/// Updates a model's own text, its language, and replaces its gaps and partners, if its
/// version is still `expected`; false when stale.
#[allow(clippy::too_many_arguments)]
pub async fn update_model(
    tx: &mut Tx,
    id: Uuid,
    name: &str,
    summary: &str,
    text_lang: &str,
    gaps: &[Uuid],
    partners: &[Uuid],
    at: OffsetDateTime,
    expected: i64,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update model set name = $2, summary = $3, text_lang = $4, updated_at = $5, \
                                          version = version + 1 where model_id = $1 and version = $6")
        .bind(id).bind(name).bind(summary).bind(text_lang).bind(at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update model")?;
    if n != 1 {
        return Ok(false);
    }
    on_tx!(tx, c => sqlx::query("delete from model_gap where model_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("clear model gaps")?;
    on_tx!(tx, c => sqlx::query("delete from model_partner where model_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("clear model partners")?;
    for g in gaps {
        on_tx!(tx, c => sqlx::query("insert into model_gap (model_id, gap_id) values ($1, $2)")
            .bind(id).bind(g).execute(c).await.map(|_| ()))
        .context("link model gap")?;
    }
    for i in partners {
        on_tx!(tx, c => sqlx::query("insert into model_partner (model_id, institution_id) values ($1, $2)")
            .bind(id).bind(i).execute(c).await.map(|_| ()))
        .context("link model partner")?;
    }
    Ok(true)
}

/// Translations of a country's profile.
pub async fn profile_texts(db: &Db, country: &str) -> anyhow::Result<Vec<ProfileText>> {
    let sql = "select lang, overview, contact, funding from country_profile_text where country_code = $1 order by lang";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("list profile translations")
}

/// Replaces a country profile's translations.
pub async fn set_profile_texts(
    tx: &mut Tx,
    country: &str,
    texts: &[ProfileText],
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from country_profile_text where country_code = $1")
        .bind(country).execute(c).await.map(|_| ()))
    .context("clear profile translations")?;
    for t in texts {
        on_tx!(tx, c => sqlx::query("insert into country_profile_text (country_code, lang, overview, contact, funding) values ($1,$2,$3,$4,$5)")
            .bind(country).bind(&t.lang).bind(&t.overview).bind(&t.contact).bind(&t.funding)
            .execute(c).await.map(|_| ()))
        .context("insert profile translation")?;
    }
    Ok(())
}

/// Records the file of a move (written to disk before the transaction commits).
pub async fn insert_move_file(tx: &mut Tx, f: &MoveFile) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("insert into model_move_file (model_move_id, file_name, media_type, size_bytes, sha256) values ($1,$2,$3,$4,$5)")
        .bind(f.model_move_id).bind(&f.file_name).bind(&f.media_type).bind(f.size_bytes).bind(&f.sha256)
        .execute(c).await.map(|_| ()))
    .context("insert move file")
}

/// A move's file with the model it belongs to.
pub async fn get_move_file(db: &Db, model_move: Uuid) -> anyhow::Result<Option<(MoveFile, Uuid)>> {
    let sql = "select f.model_move_id, f.file_name, f.media_type, f.size_bytes, f.sha256, m.model_id \
               from model_move_file f join model_move m on m.model_move_id = f.model_move_id where f.model_move_id = $1";
    let r: Option<MoveFileOf> =
        on_db!(db, p => sqlx::query_as(sql).bind(model_move).fetch_optional(p).await)
            .context("get move file")?;
    Ok(r.map(|r| (r.f, r.model_id)))
}

/// A framework node with its version.
pub async fn get_node(db: &Db, id: Uuid) -> anyhow::Result<Option<(NodeRow, i64)>> {
    let r: Option<NodeWithVersion> = on_db!(db, p => sqlx::query_as("select result_node_id, country_code, parent_id, level, code, title, created_at, version \
                                                         from result_node where result_node_id = $1")
        .bind(id).fetch_optional(p).await)
    .context("get node")?;
    Ok(r.map(|r| (r.n, r.version)))
}

/// Updates a node's code and title if its version is still `expected`; false when stale.
pub async fn update_node(
    tx: &mut Tx,
    id: Uuid,
    code: &str,
    title: &str,
    expected: i64,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update result_node set code = $2, title = $3, version = version + 1 \
                                          where result_node_id = $1 and version = $4")
        .bind(id).bind(code).bind(title).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update node")?;
    Ok(n == 1)
}

/// The version of an indicator.
pub async fn indicator_version(db: &Db, id: Uuid) -> anyhow::Result<Option<i64>> {
    let r: Option<(i64,)> =
        on_db!(db, p => sqlx::query_as("select version from indicator where indicator_id = $1")
        .bind(id).fetch_optional(p).await)
        .context("indicator version")?;
    Ok(r.map(|r| r.0))
}

/// Updates what may change of an indicator if its version is still `expected`; false
/// when stale.
pub async fn update_indicator(
    tx: &mut Tx,
    id: Uuid,
    title: &str,
    definition: &str,
    direction: &str,
    baseline: Option<i64>,
    expected: i64,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update indicator set title = $2, definition = $3, direction = $4, baseline = $5, \
                                          version = version + 1 where indicator_id = $1 and version = $6")
        .bind(id).bind(title).bind(definition).bind(direction).bind(baseline).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update indicator")?;
    Ok(n == 1)
}
