//! Material attached to the curriculum: the `training_material` rows (the files live on
//! disk, see `core::training_material`), and the presentation look-ups material needs.
//!
//! Removed material keeps its row (`removed_at`, `removed_by`); every query for display
//! or download skips it.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// One piece of material as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRow {
    pub training_material_id: Uuid,
    pub owner_kind: String,
    pub owner_id: Uuid,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub removed_at: Option<OffsetDateTime>,
    pub removed_by: Option<Uuid>,
}

/// Material with the display name of who uploaded it (none: the operator).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialView {
    #[sqlx(flatten)]
    pub row: MaterialRow,
    pub uploaded_by_name: Option<String>,
}

const COLS: &str = "training_material_id, owner_kind, owner_id, file_name, media_type, size_bytes, sha256, \
    title, description, language, uploaded_by, created_at, removed_at, removed_by";
const VIEW: &str = "select m.training_material_id, m.owner_kind, m.owner_id, m.file_name, m.media_type, m.size_bytes, \
    m.sha256, m.title, m.description, m.language, m.uploaded_by, m.created_at, m.removed_at, m.removed_by, \
    a.display_name as uploaded_by_name from training_material m left join account a on a.account_id = m.uploaded_by";

/// Inserts a row.
pub async fn insert(tx: &mut Tx, m: &MaterialRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into training_material ({COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(m.training_material_id).bind(&m.owner_kind).bind(m.owner_id).bind(&m.file_name)
        .bind(&m.media_type).bind(m.size_bytes).bind(&m.sha256).bind(&m.title)
        .bind(&m.description).bind(&m.language).bind(m.uploaded_by).bind(m.created_at)
        .bind(m.removed_at).bind(m.removed_by)
        .execute(c).await.map(|_| ()))
    .context("insert material")
}

/// One piece of material that has not been removed.
pub async fn get(db: &Db, id: Uuid) -> anyhow::Result<Option<MaterialView>> {
    let sql = format!("{VIEW} where m.training_material_id = $1 and m.removed_at is null");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get material")
}

/// One piece of material that has not been removed (tx).
pub async fn get_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<MaterialRow>> {
    let sql = format!(
        "select {COLS} from training_material where training_material_id = $1 and removed_at is null"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get material")
}

/// Marks material removed; false when it already was.
pub async fn mark_removed(
    tx: &mut Tx,
    id: Uuid,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "update training_material set removed_at = $2, removed_by = $3 \
               where training_material_id = $1 and removed_at is null";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).bind(by)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("remove material")?;
    Ok(n == 1)
}

/// Current material of one owner, oldest first.
pub async fn list_for(db: &Db, kind: &str, owner: Uuid) -> anyhow::Result<Vec<MaterialView>> {
    let sql = format!(
        "{VIEW} where m.owner_kind = $1 and m.owner_id = $2 and m.removed_at is null \
         order by m.created_at, m.training_material_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(kind).bind(owner).fetch_all(p).await)
        .context("list material")
}

/// Current material of a module and of its presentations: the module's first, then by
/// presentation order, each oldest first.
pub async fn list_for_module(db: &Db, module: Uuid) -> anyhow::Result<Vec<MaterialView>> {
    let sql = format!(
        "{VIEW} left join training_presentation tp on m.owner_kind = 'presentation' and tp.training_presentation_id = m.owner_id \
         where m.removed_at is null and ((m.owner_kind = 'module' and m.owner_id = $1) or tp.training_module_id = $1) \
         order by coalesce(tp.ordinal, 0), m.created_at, m.training_material_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(module).fetch_all(p).await)
        .context("list module material")
}

/// Presentations are read through the training store.
pub use crate::training::{get_presentation, get_presentation_tx};
