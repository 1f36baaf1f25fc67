//! Where a guide is used: training courses that use its sections (`guide_use`).

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored use of a guide section by a course.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UseRow {
    pub guide_use_id: Uuid,
    pub guide_document_id: Uuid,
    pub section_position: i64,
    pub section_title: String,
    pub training_course_id: Uuid,
    pub note: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

const USE_COLS: &str = "guide_use_id, guide_document_id, section_position, section_title, \
    training_course_id, note, created_by, created_at";

/// A use as the guide's page lists it, with its course's title, institution and the
/// dates of its first and last sessions (none before a session is planned).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UseListRow {
    pub guide_use_id: Uuid,
    pub section_position: i64,
    pub section_title: String,
    pub training_course_id: Uuid,
    pub note: String,
    pub course_title: String,
    pub institution_acronym: String,
    pub institution_name: String,
    pub first_session: Option<String>,
    pub last_session: Option<String>,
}

/// Inserts a use.
pub async fn insert_use(tx: &mut Tx, r: &UseRow) -> anyhow::Result<()> {
    let sql = format!("insert into guide_use ({USE_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(r.guide_use_id).bind(r.guide_document_id).bind(r.section_position)
        .bind(&r.section_title).bind(r.training_course_id).bind(&r.note)
        .bind(r.created_by).bind(r.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert guide use")
}

/// True when the course already uses that section of the guide.
pub async fn use_exists_tx(
    tx: &mut Tx,
    doc: Uuid,
    position: i64,
    course: Uuid,
) -> anyhow::Result<bool> {
    let n: (i64,) = on_tx!(tx, c => sqlx::query_as(
        "select count(*) from guide_use where guide_document_id = $1 and section_position = $2 \
         and training_course_id = $3")
        .bind(doc).bind(position).bind(course).fetch_one(c).await)
    .context("guide use exists")?;
    Ok(n.0 > 0)
}

/// One use, inside a write transaction.
pub async fn get_use_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<UseRow>> {
    let sql = format!("select {USE_COLS} from guide_use where guide_use_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get guide use")
}

/// Deletes a use.
pub async fn delete_use(tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from guide_use where guide_use_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("delete guide use")
}

/// The uses of a guide, by course title, then section.
pub async fn uses_of(db: &Db, doc: Uuid) -> anyhow::Result<Vec<UseListRow>> {
    on_db!(db, p => sqlx::query_as(
        "select u.guide_use_id, u.section_position, u.section_title, u.training_course_id, u.note, \
         c.title as course_title, i.acronym as institution_acronym, i.name as institution_name, \
         (select min(s.held_on) from training_session s where s.training_course_id = c.training_course_id) as first_session, \
         (select max(s.held_on) from training_session s where s.training_course_id = c.training_course_id) as last_session \
         from guide_use u join training_course c on c.training_course_id = u.training_course_id \
         join institution i on i.institution_id = c.institution_id \
         where u.guide_document_id = $1 \
         order by lower(c.title), c.training_course_id, u.section_position")
        .bind(doc).fetch_all(p).await)
    .context("guide uses")
}
