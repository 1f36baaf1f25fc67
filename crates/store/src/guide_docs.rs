//! The guide's protocol inventory, guide documents (versions of ordered sections and the
//! lifecycle moves) and review rounds (invitations, comments, consultation meetings).
//!
//! Versions are append-only: a save inserts a version row and its sections, never
//! rewrites an older one, so any two versions can be compared later. Dates are
//! `YYYY-MM-DD` text on both engines.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored protocol.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProtocolRow {
    pub guide_protocol_id: Uuid,
    pub country_code: String,
    pub title: String,
    pub issuing_body: String,
    pub issued_on: String,
    pub kind: String,
    pub scope: String,
    pub link: Option<String>,
    pub status: String,
    pub superseded_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

const PROTOCOL_COLS: &str = "guide_protocol_id, country_code, title, issuing_body, issued_on, \
    kind, scope, link, status, superseded_by, created_at, updated_at, version";

/// Protocols of a country, by title.
pub async fn list_protocols(db: &Db, country: &str) -> anyhow::Result<Vec<ProtocolRow>> {
    let sql = format!(
        "select {PROTOCOL_COLS} from guide_protocol where country_code = $1 \
         order by lower(title), guide_protocol_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list protocols")
}

/// One protocol.
pub async fn get_protocol(db: &Db, id: Uuid) -> anyhow::Result<Option<ProtocolRow>> {
    let sql = format!("select {PROTOCOL_COLS} from guide_protocol where guide_protocol_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get protocol")
}

/// One protocol, inside a write transaction.
pub async fn get_protocol_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ProtocolRow>> {
    let sql = format!("select {PROTOCOL_COLS} from guide_protocol where guide_protocol_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get protocol")
}

/// Inserts a protocol.
pub async fn insert_protocol(tx: &mut Tx, r: &ProtocolRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into guide_protocol ({PROTOCOL_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(r.guide_protocol_id).bind(&r.country_code).bind(&r.title).bind(&r.issuing_body)
        .bind(&r.issued_on).bind(&r.kind).bind(&r.scope).bind(&r.link).bind(&r.status)
        .bind(r.superseded_by).bind(r.created_at).bind(r.updated_at).bind(r.version)
        .execute(c).await.map(|_| ()))
    .context("insert protocol")
}

/// Updates a protocol if its version is still `expected`; false when stale.
pub async fn update_protocol(tx: &mut Tx, r: &ProtocolRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update guide_protocol set title = $2, issuing_body = $3, issued_on = $4, kind = $5, \
        scope = $6, link = $7, status = $8, superseded_by = $9, updated_at = $10, \
        version = version + 1 where guide_protocol_id = $1 and version = $11";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(r.guide_protocol_id).bind(&r.title).bind(&r.issuing_body).bind(&r.issued_on)
        .bind(&r.kind).bind(&r.scope).bind(&r.link).bind(&r.status).bind(r.superseded_by)
        .bind(r.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update protocol")?;
    Ok(n == 1)
}

/// Replaces the steps a protocol governs.
pub async fn set_protocol_steps(tx: &mut Tx, id: Uuid, steps: &[&str]) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from guide_protocol_step where guide_protocol_id = $1")
        .bind(id).execute(c).await.map(|_| ()))
    .context("clear protocol steps")?;
    for s in steps {
        on_tx!(tx, c => sqlx::query(
            "insert into guide_protocol_step (guide_protocol_id, step) values ($1, $2)")
            .bind(id).bind(*s).execute(c).await.map(|_| ()))
        .context("insert protocol step")?;
    }
    Ok(())
}

/// (protocol, step) pairs of a country's protocols.
pub async fn protocol_steps(db: &Db, country: &str) -> anyhow::Result<Vec<(Uuid, String)>> {
    on_db!(db, p => sqlx::query_as(
        "select s.guide_protocol_id, s.step from guide_protocol_step s \
         join guide_protocol g on g.guide_protocol_id = s.guide_protocol_id \
         where g.country_code = $1")
        .bind(country).fetch_all(p).await)
    .context("protocol steps")
}

/// A stored guide document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub guide_document_id: Uuid,
    pub country_code: String,
    pub institution_id: Uuid,
    pub area_id: Uuid,
    pub title: String,
    pub language: String,
    pub stage: String,
    pub current_version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A guide with the names a list shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentListRow {
    #[sqlx(flatten)]
    pub doc: DocumentRow,
    pub institution_acronym: String,
    pub area_name: String,
}

const DOC_COLS: &str = "d.guide_document_id, d.country_code, d.institution_id, d.area_id, d.title, \
    d.language, d.stage, d.current_version, d.created_at, d.updated_at, d.version";

/// Guides of a country (or all), with institution and area names.
pub async fn list_documents(
    db: &Db,
    country: Option<&str>,
) -> anyhow::Result<Vec<DocumentListRow>> {
    let sql = format!(
        "select {DOC_COLS}, i.acronym as institution_acronym, a.name as area_name \
         from guide_document d join institution i on i.institution_id = d.institution_id \
         join area a on a.area_id = d.area_id where ($1 is null or d.country_code = $1) \
         order by lower(d.title), d.guide_document_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await).context("list guides")
}

/// One guide with its names.
pub async fn get_document(db: &Db, id: Uuid) -> anyhow::Result<Option<DocumentListRow>> {
    let sql = format!(
        "select {DOC_COLS}, i.acronym as institution_acronym, a.name as area_name \
         from guide_document d join institution i on i.institution_id = d.institution_id \
         join area a on a.area_id = d.area_id where d.guide_document_id = $1"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get guide")
}

/// One guide, inside a write transaction.
pub async fn get_document_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<DocumentRow>> {
    let sql = format!("select {DOC_COLS} from guide_document d where d.guide_document_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get guide")
}

/// Inserts a guide.
pub async fn insert_document(tx: &mut Tx, d: &DocumentRow) -> anyhow::Result<()> {
    let sql = "insert into guide_document (guide_document_id, country_code, institution_id, area_id, \
        title, language, stage, current_version, created_at, updated_at, version) \
        values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(d.guide_document_id).bind(&d.country_code).bind(d.institution_id).bind(d.area_id)
        .bind(&d.title).bind(&d.language).bind(&d.stage).bind(d.current_version)
        .bind(d.created_at).bind(d.updated_at).bind(d.version)
        .execute(c).await.map(|_| ()))
    .context("insert guide")
}

/// Sets a guide's stage and current text version if its version is still `expected`;
/// false when stale.
pub async fn update_document(
    tx: &mut Tx,
    id: Uuid,
    stage: &str,
    current_version: i64,
    now: OffsetDateTime,
    expected: i64,
) -> anyhow::Result<bool> {
    let sql = "update guide_document set stage = $2, current_version = $3, updated_at = $4, \
        version = version + 1 where guide_document_id = $1 and version = $5";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(stage).bind(current_version)
        .bind(now).bind(expected).execute(c).await.map(|r| r.rows_affected()))
    .context("update guide")?;
    Ok(n == 1)
}

/// Guides of `country` at final or institutionalised.
pub async fn count_guides_final(db: &Db, country: &str) -> anyhow::Result<i64> {
    let r: (i64,) = on_db!(db, p => sqlx::query_as(
        "select count(*) from guide_document where country_code = $1 \
         and stage in ('final', 'institutionalised')")
        .bind(country).fetch_one(p).await)
    .context("count final guides")?;
    Ok(r.0)
}

/// A saved version of a guide's text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub version_no: i64,
    pub note: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub author: Option<String>,
}

/// One section of a version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SectionRow {
    pub position: i64,
    pub heading: String,
    pub body: String,
}

/// Inserts a version and its sections.
pub async fn insert_version(
    tx: &mut Tx,
    doc: Uuid,
    version_no: i64,
    note: &str,
    by: Option<Uuid>,
    now: OffsetDateTime,
    sections: &[(i64, String, String)],
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into guide_document_version (guide_document_id, version_no, note, created_by, created_at) \
         values ($1,$2,$3,$4,$5)")
        .bind(doc).bind(version_no).bind(note).bind(by).bind(now)
        .execute(c).await.map(|_| ()))
    .context("insert guide version")?;
    for (position, heading, body) in sections {
        on_tx!(tx, c => sqlx::query(
            "insert into guide_document_section (guide_document_id, version_no, position, heading, body) \
             values ($1,$2,$3,$4,$5)")
            .bind(doc).bind(version_no).bind(*position).bind(heading).bind(body)
            .execute(c).await.map(|_| ()))
        .context("insert guide section")?;
    }
    Ok(())
}

/// The versions of a guide, newest first, with their author's display name.
pub async fn versions_of(db: &Db, doc: Uuid) -> anyhow::Result<Vec<VersionRow>> {
    on_db!(db, p => sqlx::query_as(
        "select v.version_no, v.note, v.created_by, v.created_at, a.display_name as author \
         from guide_document_version v left join account a on a.account_id = v.created_by \
         where v.guide_document_id = $1 order by v.version_no desc")
        .bind(doc).fetch_all(p).await)
    .context("guide versions")
}

const SECTIONS_SQL: &str = "select position, heading, body from guide_document_section \
    where guide_document_id = $1 and version_no = $2 order by position";

/// The sections of one version, in order.
pub async fn sections_of(db: &Db, doc: Uuid, version_no: i64) -> anyhow::Result<Vec<SectionRow>> {
    on_db!(db, p => sqlx::query_as(SECTIONS_SQL).bind(doc).bind(version_no).fetch_all(p).await)
        .context("guide sections")
}

/// The sections of one version, inside a write transaction.
pub async fn sections_of_tx(
    tx: &mut Tx,
    doc: Uuid,
    version_no: i64,
) -> anyhow::Result<Vec<SectionRow>> {
    on_tx!(tx, c => sqlx::query_as(SECTIONS_SQL).bind(doc).bind(version_no).fetch_all(c).await)
        .context("guide sections")
}

/// A lifecycle move.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageMoveRow {
    pub seq: i64,
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub moved_by: Option<Uuid>,
    pub moved_at: OffsetDateTime,
    pub mover: Option<String>,
}

/// Records a lifecycle move (numbered after the last one).
pub async fn insert_stage_move(
    tx: &mut Tx,
    doc: Uuid,
    from: &str,
    to: &str,
    reason: &str,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let (seq,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "select cast(coalesce(max(seq), 0) + 1 as bigint) from guide_document_stage where guide_document_id = $1")
        .bind(doc).fetch_one(c).await)
    .context("next stage seq")?;
    on_tx!(tx, c => sqlx::query(
        "insert into guide_document_stage (guide_document_id, seq, from_stage, to_stage, reason, moved_by, moved_at) \
         values ($1,$2,$3,$4,$5,$6,$7)")
        .bind(doc).bind(seq).bind(from).bind(to).bind(reason).bind(by).bind(now)
        .execute(c).await.map(|_| ()))
    .context("insert stage move")
}

/// A guide's lifecycle moves, oldest first.
pub async fn stage_moves(db: &Db, doc: Uuid) -> anyhow::Result<Vec<StageMoveRow>> {
    on_db!(db, p => sqlx::query_as(
        "select s.seq, s.from_stage, s.to_stage, s.reason, s.moved_by, s.moved_at, \
         a.display_name as mover from guide_document_stage s \
         left join account a on a.account_id = s.moved_by \
         where s.guide_document_id = $1 order by s.seq")
        .bind(doc).fetch_all(p).await)
    .context("stage moves")
}

/// A review round.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundRow {
    pub guide_review_round_id: Uuid,
    pub guide_document_id: Uuid,
    pub version_no: i64,
    pub deadline: String,
    pub status: String,
    pub opened_by: Option<Uuid>,
    pub opened_at: OffsetDateTime,
    pub closed_by: Option<Uuid>,
    pub closed_at: Option<OffsetDateTime>,
}

const ROUND_COLS: &str = "guide_review_round_id, guide_document_id, version_no, deadline, status, \
    opened_by, opened_at, closed_by, closed_at";

/// Inserts a round and its invitations (`kind` is `user` or `institution`).
pub async fn insert_round(
    tx: &mut Tx,
    r: &RoundRow,
    invites: &[(&str, Uuid)],
) -> anyhow::Result<()> {
    let sql = format!(
        "insert into guide_review_round ({ROUND_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(r.guide_review_round_id).bind(r.guide_document_id).bind(r.version_no)
        .bind(&r.deadline).bind(&r.status).bind(r.opened_by).bind(r.opened_at)
        .bind(r.closed_by).bind(r.closed_at)
        .execute(c).await.map(|_| ()))
    .context("insert round")?;
    for (kind, id) in invites {
        on_tx!(tx, c => sqlx::query(
            "insert into guide_review_invite (guide_review_round_id, kind, ref_id) values ($1,$2,$3)")
            .bind(r.guide_review_round_id).bind(*kind).bind(*id)
            .execute(c).await.map(|_| ()))
        .context("insert invite")?;
    }
    Ok(())
}

/// One round.
pub async fn get_round(db: &Db, id: Uuid) -> anyhow::Result<Option<RoundRow>> {
    let sql =
        format!("select {ROUND_COLS} from guide_review_round where guide_review_round_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get round")
}

/// One round, inside a write transaction.
pub async fn get_round_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<RoundRow>> {
    let sql =
        format!("select {ROUND_COLS} from guide_review_round where guide_review_round_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get round")
}

/// The rounds of a guide, newest first.
pub async fn rounds_of(db: &Db, doc: Uuid) -> anyhow::Result<Vec<RoundRow>> {
    let sql = format!(
        "select {ROUND_COLS} from guide_review_round where guide_document_id = $1 \
         order by opened_at desc, guide_review_round_id desc"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(doc).fetch_all(p).await).context("rounds")
}

/// The invitations of a round as (kind, id, name): a user's display name or an
/// institution's acronym.
pub async fn invites_of(db: &Db, round: Uuid) -> anyhow::Result<Vec<(String, Uuid, String)>> {
    on_db!(db, p => sqlx::query_as(
        "select v.kind, v.ref_id, coalesce(a.display_name, i.acronym, '') from guide_review_invite v \
         left join account a on v.kind = 'user' and a.account_id = v.ref_id \
         left join institution i on v.kind = 'institution' and i.institution_id = v.ref_id \
         where v.guide_review_round_id = $1 order by v.kind, v.ref_id")
        .bind(round).fetch_all(p).await)
    .context("invites")
}

const INVITED_SQL: &str = "select count(*) from guide_review_invite where guide_review_round_id = $1 and \
    ((kind = 'user' and ref_id = $2) or (kind = 'institution' and ref_id = $3))";

/// True when the user, or their institution, is invited to the round.
pub async fn is_invited(
    db: &Db,
    round: Uuid,
    user: Uuid,
    institution: Uuid,
) -> anyhow::Result<bool> {
    let (n,): (i64,) = on_db!(db, p => sqlx::query_as(INVITED_SQL)
        .bind(round).bind(user).bind(institution).fetch_one(p).await)
    .context("is invited")?;
    Ok(n > 0)
}

/// True when the user, or their institution, is invited to the round (in a transaction).
pub async fn is_invited_tx(
    tx: &mut Tx,
    round: Uuid,
    user: Uuid,
    institution: Uuid,
) -> anyhow::Result<bool> {
    let (n,): (i64,) = on_tx!(tx, c => sqlx::query_as(INVITED_SQL)
        .bind(round).bind(user).bind(institution).fetch_one(c).await)
    .context("is invited")?;
    Ok(n > 0)
}

/// Closes an open round; false when it was not open.
pub async fn close_round(
    tx: &mut Tx,
    id: Uuid,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update guide_review_round set status = 'closed', closed_by = $2, closed_at = $3 \
         where guide_review_round_id = $1 and status = 'open'")
        .bind(id).bind(by).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("close round")?;
    Ok(n == 1)
}

/// A review comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRow {
    pub guide_review_comment_id: Uuid,
    pub guide_review_round_id: Uuid,
    pub position: i64,
    pub quote: String,
    pub body: String,
    pub author_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub resolution: Option<String>,
    pub reason: String,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<OffsetDateTime>,
    pub version: i64,
}

/// A comment with its author's display name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentListRow {
    #[sqlx(flatten)]
    pub c: CommentRow,
    pub author: Option<String>,
}

const COMMENT_COLS: &str = "c.guide_review_comment_id, c.guide_review_round_id, c.position, c.quote, \
    c.body, c.author_id, c.created_at, c.resolution, c.reason, c.resolved_by, c.resolved_at, c.version";

/// Inserts a comment.
pub async fn insert_comment(tx: &mut Tx, r: &CommentRow) -> anyhow::Result<()> {
    let sql = "insert into guide_review_comment (guide_review_comment_id, guide_review_round_id, \
        position, quote, body, author_id, created_at, resolution, reason, resolved_by, resolved_at, \
        version) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(r.guide_review_comment_id).bind(r.guide_review_round_id).bind(r.position)
        .bind(&r.quote).bind(&r.body).bind(r.author_id).bind(r.created_at).bind(&r.resolution)
        .bind(&r.reason).bind(r.resolved_by).bind(r.resolved_at).bind(r.version)
        .execute(c).await.map(|_| ()))
    .context("insert comment")
}

/// The comments of a round, by section then time.
pub async fn comments_of(db: &Db, round: Uuid) -> anyhow::Result<Vec<CommentListRow>> {
    let sql = format!(
        "select {COMMENT_COLS}, a.display_name as author from guide_review_comment c \
         left join account a on a.account_id = c.author_id \
         where c.guide_review_round_id = $1 order by c.position, c.created_at, c.guide_review_comment_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(round).fetch_all(p).await).context("comments")
}

/// One comment, inside a write transaction.
pub async fn get_comment_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<CommentRow>> {
    let sql = format!(
        "select {COMMENT_COLS} from guide_review_comment c where c.guide_review_comment_id = $1"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get comment")
}

/// Resolves a comment if its version is still `expected`; false when stale.
pub async fn resolve_comment(
    tx: &mut Tx,
    id: Uuid,
    resolution: &str,
    reason: &str,
    by: Option<Uuid>,
    now: OffsetDateTime,
    expected: i64,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update guide_review_comment set resolution = $2, reason = $3, resolved_by = $4, \
         resolved_at = $5, version = version + 1 where guide_review_comment_id = $1 and version = $6")
        .bind(id).bind(resolution).bind(reason).bind(by).bind(now).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("resolve comment")?;
    Ok(n == 1)
}

/// Comments of a round not yet resolved.
pub async fn open_comments_tx(tx: &mut Tx, round: Uuid) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "select count(*) from guide_review_comment where guide_review_round_id = $1 and resolution is null")
        .bind(round).fetch_one(c).await)
    .context("open comments")?;
    Ok(n)
}

/// A consultation meeting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub guide_meeting_id: Uuid,
    pub guide_review_round_id: Uuid,
    pub held_on: String,
    /// Institution ids separated by commas.
    pub institutions: String,
    pub minutes: String,
    pub decisions: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// Inserts a meeting.
pub async fn insert_meeting(tx: &mut Tx, m: &MeetingRow) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into guide_meeting (guide_meeting_id, guide_review_round_id, held_on, institutions, \
         minutes, decisions, created_by, created_at) values ($1,$2,$3,$4,$5,$6,$7,$8)")
        .bind(m.guide_meeting_id).bind(m.guide_review_round_id).bind(&m.held_on)
        .bind(&m.institutions).bind(&m.minutes).bind(&m.decisions).bind(m.created_by)
        .bind(m.created_at).execute(c).await.map(|_| ()))
    .context("insert meeting")
}

/// The meetings of a round, by date.
pub async fn meetings_of(db: &Db, round: Uuid) -> anyhow::Result<Vec<MeetingRow>> {
    on_db!(db, p => sqlx::query_as(
        "select guide_meeting_id, guide_review_round_id, held_on, institutions, minutes, decisions, \
         created_by, created_at from guide_meeting where guide_review_round_id = $1 \
         order by held_on, guide_meeting_id")
        .bind(round).fetch_all(p).await)
    .context("meetings")
}
