//! The training program: curriculum, revisions, courses, sessions, facilitators,
//! participants, enrolments, attendance, the figures computed from attendance, and
//! certificates.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A module of the master curriculum.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ModuleRow {
    pub training_module_id: Uuid,
    pub ordinal: i64,
    pub title: String,
    pub summary: String,
    pub objectives: String,
    pub stage: String,
    pub crime_types: String,
    pub audiences: String,
    pub duration_minutes: i64,
    pub language: String,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A presentation of a module.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct PresentationRow {
    pub training_presentation_id: Uuid,
    pub training_module_id: Uuid,
    pub ordinal: i64,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
    pub objectives: String,
    /// Comma list of crime type codes.
    pub crime_types: String,
    /// Comma list of occupation codes.
    pub audiences: String,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A saved version of a master record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    pub training_revision_id: Uuid,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub version: i64,
    pub snapshot: String,
    pub changed_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// A revision with the name of who saved it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionView {
    pub version: i64,
    pub changed_by: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A course, with its institution's country and acronym.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRow {
    pub training_course_id: Uuid,
    pub institution_id: Uuid,
    pub title: String,
    pub framework: Option<String>,
    pub stage: String,
    pub area_id: Option<Uuid>,
    pub is_virtual: bool,
    pub capacity: i64,
    /// Percent of the sessions a participant must attend to complete the course.
    pub attendance_min_percent: i64,
    /// Post-test score (percent) a certificate needs; `None`: no post-test required.
    pub post_test_min_percent: Option<i64>,
    /// The institution's adaptation the course runs, if named.
    pub training_adaptation_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    pub country_code: String,
    pub institution_acronym: String,
}

/// A session of a course.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub training_session_id: Uuid,
    pub training_course_id: Uuid,
    pub held_on: String,
    pub place: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A facilitator of a course, with the account's display name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FacilitatorView {
    pub account_id: Uuid,
    pub display_name: String,
    pub is_pilot: bool,
}

/// A participant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipantRow {
    pub participant_id: Uuid,
    pub full_name: String,
    pub sex: String,
    pub age_band: String,
    pub occupation: String,
    pub institution_id: Uuid,
    pub country_code: String,
    pub national_id_hash: Option<String>,
    pub contact: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// An enrolled participant of a course, for the course page and the roster.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnrolledView {
    pub participant_id: Uuid,
    pub full_name: String,
    pub occupation: String,
    pub institution_acronym: String,
    pub enrolled_on: String,
    /// Sessions attended (present or late).
    pub attended: i64,
}

/// A stored attendance mark.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkRow {
    pub participant_id: Uuid,
    pub status: String,
}

/// An account that may be named facilitator.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountChoice {
    pub account_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub institution_id: Uuid,
}

const MODULE_COLS: &str = "training_module_id, ordinal, title, summary, objectives, stage, crime_types, audiences, duration_minutes, language, created_at, updated_at, version";
pub(crate) const PRES_COLS: &str = "training_presentation_id, training_module_id, ordinal, title, summary, duration_minutes, objectives, crime_types, audiences, created_at, updated_at, version";
const COURSE_SELECT: &str = "select c.training_course_id, c.institution_id, c.title, c.framework, c.stage, c.area_id, \
    c.is_virtual <> 0 as is_virtual, c.capacity, c.attendance_min_percent, c.post_test_min_percent, c.training_adaptation_id, c.created_at, c.updated_at, c.version, i.country_code, i.acronym as institution_acronym \
    from training_course c join institution i on i.institution_id = c.institution_id";
const SESSION_COLS: &str =
    "training_session_id, training_course_id, held_on, place, created_at, updated_at";
const PARTICIPANT_COLS: &str = "participant_id, full_name, sex, age_band, occupation, institution_id, country_code, national_id_hash, contact, created_at, updated_at, version";

// ---- curriculum ----

/// Every module, in order.
pub async fn list_modules(db: &Db) -> anyhow::Result<Vec<ModuleRow>> {
    let sql =
        format!("select {MODULE_COLS} from training_module order by ordinal, training_module_id");
    on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await).context("list modules")
}

/// Every presentation, by module and order.
pub async fn list_presentations(db: &Db) -> anyhow::Result<Vec<PresentationRow>> {
    let sql = format!(
        "select {PRES_COLS} from training_presentation order by training_module_id, ordinal, training_presentation_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await).context("list presentations")
}

/// One module.
pub async fn get_module(db: &Db, id: Uuid) -> anyhow::Result<Option<ModuleRow>> {
    let sql = format!("select {MODULE_COLS} from training_module where training_module_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get module")
}

/// One module, inside a write transaction.
pub async fn get_module_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ModuleRow>> {
    let sql = format!("select {MODULE_COLS} from training_module where training_module_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get module")
}

/// Inserts a module.
pub async fn insert_module(tx: &mut Tx, m: &ModuleRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into training_module ({MODULE_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(m.training_module_id).bind(m.ordinal).bind(&m.title).bind(&m.summary).bind(&m.objectives)
        .bind(&m.stage).bind(&m.crime_types).bind(&m.audiences).bind(m.duration_minutes).bind(&m.language)
        .bind(m.created_at).bind(m.updated_at).bind(m.version)
        .execute(c).await.map(|_| ()))
    .context("insert module")
}

/// Updates a module if its stored version is still `expected`; false when stale.
pub async fn update_module(tx: &mut Tx, m: &ModuleRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update training_module set ordinal = $2, title = $3, summary = $4, objectives = $5, stage = $6, \
               crime_types = $7, audiences = $8, duration_minutes = $9, language = $10, updated_at = $11, \
               version = version + 1 where training_module_id = $1 and version = $12";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(m.training_module_id).bind(m.ordinal).bind(&m.title).bind(&m.summary).bind(&m.objectives)
        .bind(&m.stage).bind(&m.crime_types).bind(&m.audiences).bind(m.duration_minutes).bind(&m.language)
        .bind(m.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update module")?;
    Ok(n == 1)
}

/// Inserts a presentation.
pub async fn insert_presentation(tx: &mut Tx, p: &PresentationRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into training_presentation ({PRES_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(p.training_presentation_id).bind(p.training_module_id).bind(p.ordinal).bind(&p.title)
        .bind(&p.summary).bind(p.duration_minutes).bind(&p.objectives).bind(&p.crime_types).bind(&p.audiences)
        .bind(p.created_at).bind(p.updated_at).bind(p.version)
        .execute(c).await.map(|_| ()))
    .context("insert presentation")
}

/// One presentation.
pub async fn get_presentation(db: &Db, id: Uuid) -> anyhow::Result<Option<PresentationRow>> {
    let sql = format!(
        "select {PRES_COLS} from training_presentation where training_presentation_id = $1"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("get presentation")
}

/// One presentation, inside a write transaction.
pub async fn get_presentation_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<PresentationRow>> {
    let sql = format!(
        "select {PRES_COLS} from training_presentation where training_presentation_id = $1"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
        .context("get presentation")
}

/// Updates a presentation's content if its stored version is still `expected` (the
/// module does not change); false when stale.
pub async fn update_presentation(
    tx: &mut Tx,
    p: &PresentationRow,
    expected: i64,
) -> anyhow::Result<bool> {
    let sql = "update training_presentation set ordinal = $2, title = $3, summary = $4, duration_minutes = $5, \
               objectives = $6, crime_types = $7, audiences = $8, updated_at = $9, version = version + 1 \
               where training_presentation_id = $1 and version = $10";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(p.training_presentation_id).bind(p.ordinal).bind(&p.title).bind(&p.summary)
        .bind(p.duration_minutes).bind(&p.objectives).bind(&p.crime_types).bind(&p.audiences)
        .bind(p.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update presentation")?;
    Ok(n == 1)
}

/// The snapshot (JSON) of one version of a master record, if recorded.
pub async fn revision_snapshot(
    db: &Db,
    entity_type: &str,
    id: Uuid,
    version: i64,
) -> anyhow::Result<Option<String>> {
    let sql = "select snapshot from training_revision where entity_type = $1 and entity_id = $2 and version = $3";
    let r: Option<(String,)> = on_db!(db, p => sqlx::query_as(sql).bind(entity_type).bind(id).bind(version).fetch_optional(p).await)
        .context("get revision")?;
    Ok(r.map(|r| r.0))
}

/// Appends a revision snapshot.
pub async fn insert_revision(tx: &mut Tx, r: &RevisionRow) -> anyhow::Result<()> {
    let sql = "insert into training_revision (training_revision_id, entity_type, entity_id, version, snapshot, changed_by, created_at) \
               values ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(r.training_revision_id).bind(&r.entity_type).bind(r.entity_id).bind(r.version)
        .bind(&r.snapshot).bind(r.changed_by).bind(r.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert revision")
}

/// Revisions of one record, newest first.
pub async fn list_revisions(
    db: &Db,
    entity_type: &str,
    id: Uuid,
) -> anyhow::Result<Vec<RevisionView>> {
    let sql = "select r.version, a.display_name as changed_by, r.created_at from training_revision r \
               left join account a on a.account_id = r.changed_by \
               where r.entity_type = $1 and r.entity_id = $2 order by r.version desc";
    on_db!(db, p => sqlx::query_as(sql).bind(entity_type).bind(id).fetch_all(p).await)
        .context("list revisions")
}

// ---- courses ----

/// Filter for listing courses; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    pub country: Option<String>,
    pub institution_id: Option<Uuid>,
    /// Only courses this account facilitates.
    pub facilitator: Option<Uuid>,
}

/// Courses matching `f`, by institution and title.
pub async fn list_courses(db: &Db, f: &CourseFilter) -> anyhow::Result<Vec<CourseRow>> {
    let sql = format!(
        "{COURSE_SELECT} where ($1 is null or i.country_code = $1) and ($2 is null or c.institution_id = $2) \
         and ($3 is null or exists (select 1 from training_facilitator f where f.training_course_id = c.training_course_id and f.account_id = $3)) \
         order by i.acronym, lower(c.title), c.training_course_id limit 500"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(&f.country).bind(f.institution_id).bind(f.facilitator).fetch_all(p).await)
        .context("list courses")
}

/// One course.
pub async fn get_course(db: &Db, id: Uuid) -> anyhow::Result<Option<CourseRow>> {
    let sql = format!("{COURSE_SELECT} where c.training_course_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get course")
}

/// One course, inside a write transaction.
pub async fn get_course_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<CourseRow>> {
    let sql = format!("{COURSE_SELECT} where c.training_course_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get course")
}

/// Inserts a course (the country and acronym fields are ignored).
pub async fn insert_course(tx: &mut Tx, c: &CourseRow) -> anyhow::Result<()> {
    let sql = "insert into training_course (training_course_id, institution_id, title, framework, stage, area_id, \
               is_virtual, capacity, attendance_min_percent, post_test_min_percent, training_adaptation_id, created_at, updated_at, version) \
               values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)";
    let virt = i64::from(c.is_virtual);
    on_tx!(tx, x => sqlx::query(sql)
        .bind(c.training_course_id).bind(c.institution_id).bind(&c.title).bind(&c.framework).bind(&c.stage)
        .bind(c.area_id).bind(virt).bind(c.capacity).bind(c.attendance_min_percent).bind(c.post_test_min_percent)
        .bind(c.training_adaptation_id).bind(c.created_at).bind(c.updated_at).bind(c.version)
        .execute(x).await.map(|_| ()))
    .context("insert course")
}

/// Updates a course's editable fields if its stored version is still `expected` (the
/// institution does not change); false when stale.
pub async fn update_course(tx: &mut Tx, c: &CourseRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update training_course set title = $2, framework = $3, stage = $4, area_id = $5, is_virtual = $6, \
               capacity = $7, attendance_min_percent = $8, post_test_min_percent = $9, training_adaptation_id = $10, \
               updated_at = $11, version = version + 1 where training_course_id = $1 and version = $12";
    let virt = i64::from(c.is_virtual);
    let n = on_tx!(tx, x => sqlx::query(sql)
        .bind(c.training_course_id).bind(&c.title).bind(&c.framework).bind(&c.stage).bind(c.area_id)
        .bind(virt).bind(c.capacity).bind(c.attendance_min_percent).bind(c.post_test_min_percent)
        .bind(c.training_adaptation_id).bind(c.updated_at).bind(expected)
        .execute(x).await.map(|r| r.rows_affected()))
    .context("update course")?;
    Ok(n == 1)
}

/// True when `account` facilitates `course`.
pub async fn is_facilitator(db: &Db, course: Uuid, account: Uuid) -> anyhow::Result<bool> {
    let n: (i64,) = on_db!(db, p => sqlx::query_as("select count(*) from training_facilitator where training_course_id = $1 and account_id = $2")
        .bind(course).bind(account).fetch_one(p).await)
    .context("check facilitator")?;
    Ok(n.0 > 0)
}

/// Facilitators of a course.
pub async fn list_facilitators(db: &Db, course: Uuid) -> anyhow::Result<Vec<FacilitatorView>> {
    let sql = "select f.account_id, a.display_name, f.is_pilot <> 0 as is_pilot from training_facilitator f \
               join account a on a.account_id = f.account_id where f.training_course_id = $1 order by lower(a.display_name)";
    on_db!(db, p => sqlx::query_as(sql).bind(course).fetch_all(p).await)
        .context("list facilitators")
}

/// Adds a facilitator; false when already one.
pub async fn insert_facilitator(
    tx: &mut Tx,
    course: Uuid,
    account: Uuid,
    is_pilot: bool,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let n: (i64,) = on_tx!(tx, c => sqlx::query_as("select count(*) from training_facilitator where training_course_id = $1 and account_id = $2")
        .bind(course).bind(account).fetch_one(c).await)
    .context("check facilitator")?;
    if n.0 > 0 {
        return Ok(false);
    }
    let sql = "insert into training_facilitator (training_facilitator_id, training_course_id, account_id, is_pilot, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,$5)";
    on_tx!(tx, c => sqlx::query(sql).bind(Uuid::now_v7()).bind(course).bind(account).bind(i64::from(is_pilot)).bind(now)
        .execute(c).await.map(|_| ()))
    .context("insert facilitator")?;
    Ok(true)
}

/// Active accounts of an institution with a role that may facilitate.
pub async fn facilitator_choices(db: &Db, institution: Uuid) -> anyhow::Result<Vec<AccountChoice>> {
    let sql = "select account_id, display_name, role, institution_id from account where institution_id = $1 \
               and disabled_at is null and role in ('facilitator', 'training_coordinator') order by lower(display_name)";
    on_db!(db, p => sqlx::query_as(sql).bind(institution).fetch_all(p).await)
        .context("list facilitator choices")
}

/// An account's institution and role, for the facilitator check (tx).
pub async fn account_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<AccountChoice>> {
    let sql = "select account_id, display_name, role, institution_id from account where account_id = $1 and disabled_at is null";
    on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("get account")
}

// ---- sessions ----

/// Sessions of a course by date.
pub async fn list_sessions(db: &Db, course: Uuid) -> anyhow::Result<Vec<SessionRow>> {
    let sql = format!(
        "select {SESSION_COLS} from training_session where training_course_id = $1 order by held_on, training_session_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(course).fetch_all(p).await).context("list sessions")
}

/// One session.
pub async fn get_session(db: &Db, id: Uuid) -> anyhow::Result<Option<SessionRow>> {
    let sql = format!("select {SESSION_COLS} from training_session where training_session_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get session")
}

/// One session, inside a write transaction.
pub async fn get_session_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<SessionRow>> {
    let sql = format!("select {SESSION_COLS} from training_session where training_session_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get session")
}

/// Inserts a session.
pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> anyhow::Result<()> {
    let sql = format!("insert into training_session ({SESSION_COLS}) values ($1,$2,$3,$4,$5,$6)");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(s.training_session_id).bind(s.training_course_id).bind(&s.held_on).bind(&s.place)
        .bind(s.created_at).bind(s.updated_at)
        .execute(c).await.map(|_| ()))
    .context("insert session")
}

// ---- participants and enrolments ----

/// The participant of a country with this national id hash.
pub async fn participant_by_hash_tx(
    tx: &mut Tx,
    country: &str,
    hash: &str,
) -> anyhow::Result<Option<ParticipantRow>> {
    let sql = format!(
        "select {PARTICIPANT_COLS} from participant where country_code = $1 and national_id_hash = $2"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(country).bind(hash).fetch_optional(c).await)
        .context("find participant")
}

/// Inserts a participant.
pub async fn insert_participant(tx: &mut Tx, p: &ParticipantRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into participant ({PARTICIPANT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(p.participant_id).bind(&p.full_name).bind(&p.sex).bind(&p.age_band).bind(&p.occupation)
        .bind(p.institution_id).bind(&p.country_code).bind(&p.national_id_hash).bind(&p.contact)
        .bind(p.created_at).bind(p.updated_at).bind(p.version)
        .execute(c).await.map(|_| ()))
    .context("insert participant")
}

/// The enrolment date of a participant in a course, if enrolled.
pub async fn enrolled_on_tx(
    tx: &mut Tx,
    course: Uuid,
    participant: Uuid,
) -> anyhow::Result<Option<String>> {
    let r: Option<(String,)> = on_tx!(tx, c => sqlx::query_as("select enrolled_on from enrolment where training_course_id = $1 and participant_id = $2")
        .bind(course).bind(participant).fetch_optional(c).await)
    .context("get enrolment")?;
    Ok(r.map(|r| r.0))
}

/// Enrols a participant.
pub async fn insert_enrolment(
    tx: &mut Tx,
    id: Uuid,
    course: Uuid,
    participant: Uuid,
    enrolled_on: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "insert into enrolment (enrolment_id, training_course_id, participant_id, enrolled_on, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,$5)";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(course).bind(participant).bind(enrolled_on).bind(now)
        .execute(c).await.map(|_| ()))
    .context("insert enrolment")
}

/// Number of people enrolled in a course (tx, for the capacity check).
pub async fn enrolled_count_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<i64> {
    let n: (i64,) = on_tx!(tx, c => sqlx::query_as("select count(*) from enrolment where training_course_id = $1")
        .bind(course).fetch_one(c).await)
    .context("count enrolments")?;
    Ok(n.0)
}

/// People enrolled in a course, by name, with the number of sessions they attended.
pub async fn list_enrolled(db: &Db, course: Uuid) -> anyhow::Result<Vec<EnrolledView>> {
    let sql = "select p.participant_id, p.full_name, p.occupation, i.acronym as institution_acronym, e.enrolled_on, \
               (select count(*) from attendance a join training_session s on s.training_session_id = a.training_session_id \
                 where s.training_course_id = e.training_course_id and a.participant_id = p.participant_id \
                 and a.status in ('present', 'late')) as attended \
               from enrolment e join participant p on p.participant_id = e.participant_id \
               join institution i on i.institution_id = p.institution_id \
               where e.training_course_id = $1 order by lower(p.full_name), p.participant_id";
    on_db!(db, p => sqlx::query_as(sql).bind(course).fetch_all(p).await).context("list enrolled")
}

// ---- attendance ----

/// Marks of one session.
pub async fn list_marks(db: &Db, session: Uuid) -> anyhow::Result<Vec<MarkRow>> {
    on_db!(db, p => sqlx::query_as("select participant_id, status from attendance where training_session_id = $1")
        .bind(session).fetch_all(p).await)
    .context("list marks")
}

/// Records or replaces one mark.
pub async fn upsert_mark(
    tx: &mut Tx,
    session: Uuid,
    participant: Uuid,
    status: &str,
    taken_by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "insert into attendance (attendance_id, training_session_id, participant_id, status, taken_by, taken_at, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,$6,$6,$6) on conflict (training_session_id, participant_id) \
               do update set status = excluded.status, taken_by = excluded.taken_by, taken_at = excluded.taken_at, updated_at = excluded.updated_at";
    on_tx!(tx, c => sqlx::query(sql).bind(Uuid::now_v7()).bind(session).bind(participant).bind(status).bind(taken_by).bind(now)
        .execute(c).await.map(|_| ()))
    .context("record attendance")?;
    let sql = format!(
        "update enrolment set attended = {RECOUNT} where participant_id = $1 \
         and training_course_id = (select training_course_id from training_session where training_session_id = $2)"
    );
    on_tx!(tx, c => sqlx::query(&sql).bind(participant).bind(session).execute(c).await.map(|_| ()))
        .context("recount attendance")
}

/// The sessions of `enrolment`'s course its participant attended: the value of
/// `enrolment.attended`, which every attendance write refreshes in its transaction.
const RECOUNT: &str = "(select count(*) from attendance a \
    join training_session s on s.training_session_id = a.training_session_id \
    where s.training_course_id = enrolment.training_course_id \
    and a.participant_id = enrolment.participant_id and a.status in ('present', 'late'))";

// ---- figures ----

/// The program's training figures, computed from attendance.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    pub individuals_trained: i64,
    pub institutions_targeted: i64,
    pub institutions_integrated: i64,
    pub courses: i64,
    pub sessions: i64,
    /// Mean post − pre test score (percentage points) over participants with both;
    /// `None` when nobody has both.
    pub mean_knowledge_gain: Option<f64>,
}

/// What the figures count: a country (of the course's institution) and a period, both
/// optional. Dates are `YYYY-MM-DD`, inclusive.
#[derive(Debug, Clone, Default)]
pub struct FiguresFilter {
    pub country: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// People who completed at least one course, grouped by everything a breakdown needs;
/// each person is in exactly one group, so sums over groups never count anyone twice.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainedGroup {
    pub sex: String,
    pub age_band: String,
    pub occupation: String,
    pub institution: String,
    pub country_code: String,
    pub people: i64,
}

/// Courses a participant can have completed under `$1` (country), `$2`..`$3` (period:
/// the course's last session falls in it), with their session count and last session day.
const DONE_COURSES: &str = "with cs as (select training_course_id, count(*) as n, max(held_on) as last_on \
      from training_session group by training_course_id), \
    dc as (select c.training_course_id, c.attendance_min_percent as m, cs.n, cs.last_on from training_course c \
      join cs on cs.training_course_id = c.training_course_id \
      join institution ci on ci.institution_id = c.institution_id \
      where ($1 is null or ci.country_code = $1) and ($2 is null or cs.last_on >= $2) and ($3 is null or cs.last_on <= $3))";

/// Individuals trained, grouped: a person is trained when, in at least one course, they
/// attended (present or late) at least the course's `attendance_min_percent` of its
/// sessions. Reads `enrolment.attended`, not the attendance marks.
pub async fn trained_groups(db: &Db, f: &FiguresFilter) -> anyhow::Result<Vec<TrainedGroup>> {
    let sql = format!(
        "{DONE_COURSES}, done as (select distinct e.participant_id from enrolment e \
           join dc on dc.training_course_id = e.training_course_id where e.attended * 100 >= dc.m * dc.n) \
         select p.sex, p.age_band, p.occupation, i.acronym as institution, p.country_code, count(*) as people \
         from done d join participant p on p.participant_id = d.participant_id \
         join institution i on i.institution_id = p.institution_id \
         group by p.sex, p.age_band, p.occupation, i.acronym, p.country_code"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(&f.country).bind(&f.from).bind(&f.to).fetch_all(p).await)
        .context("individuals trained")
}

/// The headline figures. Courses and sessions follow the period (a course counts when one
/// of its sessions is in it); institutions targeted (delivering a course or adapting the
/// curriculum) and integrated (a course or an adaptation at the integrated stage) are the
/// state now.
pub async fn figures(db: &Db, f: &FiguresFilter) -> anyhow::Result<(Figures, Vec<TrainedGroup>)> {
    let groups = trained_groups(db, f).await?;
    let sql = "with ic as (select c.training_course_id, c.institution_id, c.stage from training_course c \
           join institution i on i.institution_id = c.institution_id where ($1 is null or i.country_code = $1)), \
         ia as (select a.institution_id, a.stage from training_adaptation a \
           join institution i on i.institution_id = a.institution_id where ($1 is null or i.country_code = $1)), \
         ss as (select s.training_course_id from training_session s join ic on ic.training_course_id = s.training_course_id \
           where ($2 is null or s.held_on >= $2) and ($3 is null or s.held_on <= $3)) \
         select (select count(*) from (select institution_id from ic union select institution_id from ia) x), \
         (select count(*) from (select institution_id from ic where stage = 'integrated' \
           union select institution_id from ia where stage = 'integrated') y), \
         (select count(distinct training_course_id) from ss), \
         (select count(*) from ss)";
    let r: (i64, i64, i64, i64) = on_db!(db, p => sqlx::query_as(sql).bind(&f.country).bind(&f.from).bind(&f.to).fetch_one(p).await)
        .context("training figures")?;
    // A separate query: the gain is over test scores, not completions, and not by period.
    let mean_knowledge_gain = crate::training_tests::mean_gain(db, f.country.as_deref()).await?;
    let figures = Figures {
        individuals_trained: groups.iter().map(|g| g.people).sum(),
        institutions_targeted: r.0,
        institutions_integrated: r.1,
        courses: r.2,
        sessions: r.3,
        mean_knowledge_gain,
    };
    Ok((figures, groups))
}

// ---- import and export ----

/// What identifies a stored participant for de-duplication on import.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipantKeyRow {
    pub participant_id: Uuid,
    pub full_name: String,
    pub institution_id: Uuid,
    pub national_id_hash: Option<String>,
}

/// Every participant of a country, for matching imported people (tx).
pub async fn participant_keys_tx(
    tx: &mut Tx,
    country: &str,
) -> anyhow::Result<Vec<ParticipantKeyRow>> {
    let sql = "select participant_id, full_name, institution_id, national_id_hash from participant where country_code = $1";
    on_tx!(tx, c => sqlx::query_as(sql).bind(country).fetch_all(c).await)
        .context("participant keys")
}

/// Sessions of a course (tx).
pub async fn list_sessions_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<SessionRow>> {
    let sql = format!(
        "select {SESSION_COLS} from training_session where training_course_id = $1 order by held_on, training_session_id"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(course).fetch_all(c).await).context("list sessions")
}

/// (participant, enrolment date) of everyone enrolled in a course (tx).
pub async fn enrolments_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<(Uuid, String)>> {
    on_tx!(tx, c => sqlx::query_as("select participant_id, enrolled_on from enrolment where training_course_id = $1")
        .bind(course).fetch_all(c).await)
    .context("list enrolments")
}

/// (acronym, id) of the institutions of a country (tx).
pub async fn institution_acronyms_tx(
    tx: &mut Tx,
    country: &str,
) -> anyhow::Result<Vec<(String, Uuid)>> {
    on_tx!(tx, c => sqlx::query_as("select acronym, institution_id from institution where country_code = $1")
        .bind(country).fetch_all(c).await)
    .context("institution acronyms")
}

/// A participant of a course as exported.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportParticipant {
    pub full_name: String,
    pub sex: String,
    pub age_band: String,
    pub occupation: String,
    pub institution_acronym: String,
    pub enrolled_on: String,
    /// Sessions attended (present or late).
    pub attended: i64,
}

/// One attendance mark as exported (the columns of the import file).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportMark {
    pub full_name: String,
    pub sex: String,
    pub age_band: String,
    pub occupation: String,
    pub institution_acronym: String,
    pub held_on: String,
    pub status: String,
}

/// The participants of a course, by name.
pub async fn export_participants(db: &Db, course: Uuid) -> anyhow::Result<Vec<ExportParticipant>> {
    let sql = "select p.full_name, p.sex, p.age_band, p.occupation, i.acronym as institution_acronym, e.enrolled_on, \
               (select count(*) from attendance a join training_session s on s.training_session_id = a.training_session_id \
                 where s.training_course_id = e.training_course_id and a.participant_id = p.participant_id \
                 and a.status in ('present', 'late')) as attended \
               from enrolment e join participant p on p.participant_id = e.participant_id \
               join institution i on i.institution_id = p.institution_id \
               where e.training_course_id = $1 order by lower(p.full_name), p.participant_id";
    on_db!(db, p => sqlx::query_as(sql).bind(course).fetch_all(p).await)
        .context("export participants")
}

/// The attendance marks of a course, by session date and name.
pub async fn export_marks(db: &Db, course: Uuid) -> anyhow::Result<Vec<ExportMark>> {
    let sql = "select p.full_name, p.sex, p.age_band, p.occupation, i.acronym as institution_acronym, s.held_on, a.status \
               from attendance a join training_session s on s.training_session_id = a.training_session_id \
               join participant p on p.participant_id = a.participant_id \
               join institution i on i.institution_id = p.institution_id \
               where s.training_course_id = $1 order by s.held_on, lower(p.full_name), p.participant_id";
    on_db!(db, p => sqlx::query_as(sql).bind(course).fetch_all(p).await).context("export marks")
}

/// Writes many marks without refreshing `enrolment.attended`: the caller must call
/// [`recount_course`] for the course before committing (an import writes in chunks and
/// recounts once). PostgreSQL takes each chunk as arrays through `unnest` (one statement of
/// four parameters); SQLite, a few hundred rows per statement.
pub async fn write_marks(
    tx: &mut Tx,
    marks: &[(Uuid, Uuid, &str)],
    taken_by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    const UPSERT: &str = "on conflict (training_session_id, participant_id) \
        do update set status = excluded.status, taken_by = excluded.taken_by, taken_at = excluded.taken_at, updated_at = excluded.updated_at";
    if let Tx::Pg(t) = tx {
        for chunk in marks.chunks(10_000) {
            let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
            let sessions: Vec<Uuid> = chunk.iter().map(|m| m.0).collect();
            let people: Vec<Uuid> = chunk.iter().map(|m| m.1).collect();
            let statuses: Vec<String> = chunk.iter().map(|m| m.2.to_owned()).collect();
            let sql = format!(
                "insert into attendance (attendance_id, training_session_id, participant_id, status, taken_by, taken_at, created_at, updated_at) \
                 select x.a, x.s, x.p, x.st, $5, $6, $6, $6 from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) as x(a, s, p, st) {UPSERT}"
            );
            sqlx::query(&sql)
                .bind(&ids)
                .bind(&sessions)
                .bind(&people)
                .bind(&statuses)
                .bind(taken_by)
                .bind(now)
                .execute(&mut **t)
                .await
                .context("record attendance")?;
        }
        return Ok(());
    }
    // 4 parameters per row plus 2 shared: well under both engines' limits.
    for chunk in marks.chunks(500) {
        let n = chunk.len() * 4;
        let (by, at) = (n + 1, n + 2);
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 4;
                format!(
                    "(${},${},${},${},${by},${at},${at},${at})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4
                )
            })
            .collect();
        let sql = format!(
            "insert into attendance (attendance_id, training_session_id, participant_id, status, taken_by, taken_at, created_at, updated_at) \
             values {} {UPSERT}",
            values.join(",")
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for (s, p, st) in chunk {
                q = q.bind(Uuid::now_v7()).bind(*s).bind(*p).bind(*st);
            }
            q.bind(taken_by).bind(now).execute(c).await.map(|_| ())
        })
        .context("record attendance")?;
    }
    Ok(())
}

/// Refreshes `enrolment.attended` for everyone enrolled in `course`.
pub async fn recount_course(tx: &mut Tx, course: Uuid) -> anyhow::Result<()> {
    let sql = format!("update enrolment set attended = {RECOUNT} where training_course_id = $1");
    on_tx!(tx, c => sqlx::query(&sql).bind(course).execute(c).await.map(|_| ()))
        .context("recount attendance")
}

/// Records or replaces many marks, `(session, participant, status)`, and refreshes the
/// attended counts of the enrolments they touch. The same (session, participant) must not
/// appear twice in `marks`.
pub async fn upsert_marks(
    tx: &mut Tx,
    marks: &[(Uuid, Uuid, &str)],
    taken_by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    write_marks(tx, marks, taken_by, now).await?;
    // Refresh the attended counts of every enrolment these marks touch.
    let mut sessions: Vec<Uuid> = marks.iter().map(|(s, _, _)| *s).collect();
    sessions.sort_unstable();
    sessions.dedup();
    let mut people: Vec<Uuid> = marks.iter().map(|(_, p, _)| *p).collect();
    people.sort_unstable();
    people.dedup();
    let list = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    for who in people.chunks(500) {
        for sess in sessions.chunks(500) {
            let sql = format!(
                "update enrolment set attended = {RECOUNT} where participant_id in ({}) \
                 and training_course_id in (select training_course_id from training_session where training_session_id in ({}))",
                list(1, who.len()),
                list(who.len() + 1, sess.len()),
            );
            on_tx!(tx, c => {
                let mut q = sqlx::query(&sql);
                for p in who {
                    q = q.bind(*p);
                }
                for s in sess {
                    q = q.bind(*s);
                }
                q.execute(c).await.map(|_| ())
            })
            .context("recount attendance")?;
        }
    }
    Ok(())
}

// ---- certificates ----

/// A stored certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub certificate_id: Uuid,
    pub training_course_id: Uuid,
    pub participant_id: Uuid,
    pub code: String,
    pub issued_at: OffsetDateTime,
    pub issued_by: Option<Uuid>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<Uuid>,
    pub revocation_reason: Option<String>,
    pub credential: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A certificate with what a certificate page and the verification page show: the
/// person's name, the course title and the institution's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateView {
    pub certificate_id: Uuid,
    pub training_course_id: Uuid,
    pub code: String,
    pub issued_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub revocation_reason: Option<String>,
    pub credential: String,
    pub full_name: String,
    pub course_title: String,
    pub institution_name: String,
}

const CERT_COLS: &str = "certificate_id, training_course_id, participant_id, code, issued_at, issued_by, revoked_at, revoked_by, revocation_reason, credential, created_at, updated_at";
const CERT_VIEW: &str = "select x.certificate_id, x.training_course_id, x.code, x.issued_at, x.revoked_at, x.revocation_reason, x.credential, \
    p.full_name, c.title as course_title, i.name as institution_name from certificate x \
    join participant p on p.participant_id = x.participant_id \
    join training_course c on c.training_course_id = x.training_course_id \
    join institution i on i.institution_id = c.institution_id";

/// Session ids of a course (tx).
pub async fn session_ids_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let r: Vec<(Uuid,)> = on_tx!(tx, c => sqlx::query_as("select training_session_id from training_session where training_course_id = $1")
        .bind(course).fetch_all(c).await)
    .context("list session ids")?;
    Ok(r.into_iter().map(|r| r.0).collect())
}

/// Every mark of a course as (participant, session, status) (tx).
pub async fn course_marks_tx(
    tx: &mut Tx,
    course: Uuid,
) -> anyhow::Result<Vec<(Uuid, Uuid, String)>> {
    let sql = "select a.participant_id, a.training_session_id, a.status from attendance a \
               join training_session s on s.training_session_id = a.training_session_id where s.training_course_id = $1";
    on_tx!(tx, c => sqlx::query_as(sql).bind(course).fetch_all(c).await)
        .context("list course marks")
}

/// Enrolled participants of a course as (id, full name), by id (tx).
pub async fn enrolled_names_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<(Uuid, String)>> {
    let sql = "select p.participant_id, p.full_name from enrolment e join participant p on p.participant_id = e.participant_id \
               where e.training_course_id = $1 order by p.participant_id";
    on_tx!(tx, c => sqlx::query_as(sql).bind(course).fetch_all(c).await)
        .context("list enrolled names")
}

/// Participants of a course who already have a certificate (revoked or not) (tx).
pub async fn certified_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let r: Vec<(Uuid,)> = on_tx!(tx, c => sqlx::query_as("select participant_id from certificate where training_course_id = $1")
        .bind(course).fetch_all(c).await)
    .context("list certified")?;
    Ok(r.into_iter().map(|r| r.0).collect())
}

/// Inserts a certificate unless the participant already has one for the course (a
/// concurrent issue); false when nothing was inserted.
pub async fn insert_certificate(tx: &mut Tx, x: &CertificateRow) -> anyhow::Result<bool> {
    let sql = format!(
        "insert into certificate ({CERT_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) \
         on conflict (training_course_id, participant_id) do nothing"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(x.certificate_id).bind(x.training_course_id).bind(x.participant_id).bind(&x.code)
        .bind(x.issued_at).bind(x.issued_by).bind(x.revoked_at).bind(x.revoked_by)
        .bind(&x.revocation_reason).bind(&x.credential).bind(x.created_at).bind(x.updated_at)
        .execute(c).await.map(|r| r.rows_affected() == 1))
    .context("insert certificate")
}

/// One certificate (tx).
pub async fn get_certificate_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<CertificateRow>> {
    let sql = format!("select {CERT_COLS} from certificate where certificate_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
        .context("get certificate")
}

/// Marks a certificate revoked unless it already is; false when it was.
pub async fn revoke_certificate(
    tx: &mut Tx,
    id: Uuid,
    by: Option<Uuid>,
    reason: &str,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "update certificate set revoked_at = $2, revoked_by = $3, revocation_reason = $4, updated_at = $2 \
               where certificate_id = $1 and revoked_at is null";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).bind(by).bind(reason)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("revoke certificate")?;
    Ok(n == 1)
}

/// Certificates of a course, by name.
pub async fn list_certificates(db: &Db, course: Uuid) -> anyhow::Result<Vec<CertificateView>> {
    let sql = format!(
        "{CERT_VIEW} where x.training_course_id = $1 order by lower(p.full_name), x.certificate_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(course).fetch_all(p).await)
        .context("list certificates")
}

/// One certificate with names.
pub async fn get_certificate(db: &Db, id: Uuid) -> anyhow::Result<Option<CertificateView>> {
    let sql = format!("{CERT_VIEW} where x.certificate_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
        .context("get certificate")
}

/// The certificate with this public code.
pub async fn certificate_by_code(db: &Db, code: &str) -> anyhow::Result<Option<CertificateView>> {
    let sql = format!("{CERT_VIEW} where x.code = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await)
        .context("find certificate by code")
}

// ---- figures over several periods and the records they count ----

/// Individuals trained in each of `periods` (inclusive `YYYY-MM-DD` bounds, not
/// overlapping), in one query: the rule of [`trained_groups`] (a course completed whose
/// last session falls in the period), counted per period. For `n` periods this reads
/// the enrolments once instead of `n` times.
pub async fn trained_by_period(
    db: &Db,
    country: Option<&str>,
    periods: &[(String, String)],
) -> anyhow::Result<Vec<i64>> {
    let mut out = vec![0; periods.len()];
    let (Some(first), Some(last)) = (
        periods.iter().map(|p| &p.0).min(),
        periods.iter().map(|p| &p.1).max(),
    ) else {
        return Ok(out);
    };
    let arms: String = (0..periods.len())
        .map(|k| {
            format!(
                " when dc.last_on >= ${} and dc.last_on <= ${} then {k}",
                4 + 2 * k,
                5 + 2 * k
            )
        })
        .collect();
    let sql = format!(
        "{DONE_COURSES}, done as (select distinct e.participant_id, case{arms} end as k from enrolment e \
           join dc on dc.training_course_id = e.training_course_id where e.attended * 100 >= dc.m * dc.n) \
         select cast(k as bigint), count(distinct participant_id) from done where k is not null group by k"
    );
    let rows: Vec<(i64, i64)> = on_db!(db, p => {
        let mut q = sqlx::query_as(&sql).bind(country).bind(first).bind(last);
        for (a, b) in periods {
            q = q.bind(a).bind(b);
        }
        q.fetch_all(p).await
    })
    .context("individuals trained by period")?;
    for (k, n) in rows {
        if let Some(slot) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
            *slot = n;
        }
    }
    Ok(out)
}

/// One completed course of a trained person, as the figures count it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrainedRecord {
    pub participant_id: Uuid,
    pub full_name: String,
    /// The acronym of the participant's institution.
    pub institution: String,
    pub course: String,
    /// The day of the course's last session.
    pub completed_on: String,
}

/// The people [`trained_groups`] counts under `f`, one row per completed course, by
/// name: the distinct `participant_id`s number exactly `individuals_trained`.
pub async fn trained_records(db: &Db, f: &FiguresFilter) -> anyhow::Result<Vec<TrainedRecord>> {
    let sql = format!(
        "{DONE_COURSES} select p.participant_id, p.full_name, i.acronym as institution, c.title as course, dc.last_on as completed_on \
         from enrolment e join dc on dc.training_course_id = e.training_course_id \
         join participant p on p.participant_id = e.participant_id \
         join institution i on i.institution_id = p.institution_id \
         join training_course c on c.training_course_id = e.training_course_id \
         where e.attended * 100 >= dc.m * dc.n order by p.full_name, p.participant_id, dc.last_on, c.title"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(&f.country).bind(&f.from).bind(&f.to).fetch_all(p).await)
        .context("trained records")
}

/// A course or adaptation that makes its institution count as targeted (or integrated).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstitutionRecord {
    pub institution_id: Uuid,
    pub acronym: String,
    pub name: String,
    pub country_code: String,
    /// `course` or `adaptation`.
    pub kind: String,
    pub title: String,
    pub stage: String,
}

/// The courses and adaptations behind `institutions_targeted` (or, with `integrated`,
/// `institutions_integrated`) of [`figures`]: the same rule (the state now, whatever the
/// period), so the distinct institutions number exactly the figure.
pub async fn institution_records(
    db: &Db,
    country: Option<&str>,
    integrated: bool,
) -> anyhow::Result<Vec<InstitutionRecord>> {
    let stage = integrated.then_some("integrated");
    let sql = "select i.institution_id, i.acronym, i.name, i.country_code, 'course' as kind, c.title, c.stage \
         from training_course c join institution i on i.institution_id = c.institution_id \
         where ($1 is null or i.country_code = $1) and ($2 is null or c.stage = $2) \
         union all select i.institution_id, i.acronym, i.name, i.country_code, 'adaptation' as kind, a.title, a.stage \
         from training_adaptation a join institution i on i.institution_id = a.institution_id \
         where ($1 is null or i.country_code = $1) and ($2 is null or a.stage = $2) \
         order by 2, 1, 5, 6";
    on_db!(db, p => sqlx::query_as(sql).bind(country).bind(stage).fetch_all(p).await)
        .context("institution records")
}
