//! Knowledge tests: the question bank, the questions of a course's pre- and post-test,
//! scores, the one-use test links (stored as token hashes), course thresholds, and the
//! knowledge-gain aggregates.
//!
//! Kinds are the codes `pre` and `post`; a score is unique per (course, participant,
//! kind); a link is unique per (course, participant, kind) and by its token hash.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A question of the bank.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct QuestionRow {
    pub training_question_id: Uuid,
    pub training_module_id: Uuid,
    pub prompt: String,
    /// JSON array of the option texts.
    pub options: String,
    /// 0-based index of the correct option.
    pub correct_index: i64,
    pub is_active: bool,
    #[serde(skip)]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl QuestionRow {
    /// The option texts (empty when the stored JSON is unreadable).
    pub fn option_list(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }
}

/// A stored score.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    pub participant_id: Uuid,
    pub kind: String,
    pub score: i64,
    pub source: String,
}

/// A test link with the participant's name (for the printable list).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkView {
    pub test_link_id: Uuid,
    pub participant_id: Uuid,
    pub full_name: String,
    pub kind: String,
    /// Submitted through the link, or a score was typed in for this test.
    pub used: bool,
}

/// A stored test link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub test_link_id: Uuid,
    pub training_course_id: Uuid,
    pub participant_id: Uuid,
    pub kind: String,
    pub used_at: Option<OffsetDateTime>,
}

/// Mean knowledge gain of the courses of one institution.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct InstitutionGain {
    pub institution_acronym: String,
    pub mean_gain: f64,
    /// Participants with both a pre- and a post-test score.
    pub pairs: i64,
}

const Q_COLS: &str = "training_question_id, training_module_id, prompt, options, correct_index, is_active <> 0 as is_active, created_at, updated_at, version";

// ---- question bank ----

/// Questions of a module (or every module), oldest first.
pub async fn list_questions(db: &Db, module: Option<Uuid>) -> anyhow::Result<Vec<QuestionRow>> {
    let sql = format!(
        "select {Q_COLS} from training_question where ($1 is null or training_module_id = $1) \
         order by training_module_id, created_at, training_question_id"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(module).fetch_all(p).await).context("list questions")
}

/// One question.
pub async fn get_question(db: &Db, id: Uuid) -> anyhow::Result<Option<QuestionRow>> {
    let sql = format!("select {Q_COLS} from training_question where training_question_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get question")
}

/// One question (tx).
pub async fn get_question_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<QuestionRow>> {
    let sql = format!("select {Q_COLS} from training_question where training_question_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get question")
}

/// Inserts a question.
pub async fn insert_question(tx: &mut Tx, q: &QuestionRow) -> anyhow::Result<()> {
    let sql = "insert into training_question (training_question_id, training_module_id, prompt, options, correct_index, \
               is_active, created_at, updated_at, version) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(q.training_question_id).bind(q.training_module_id).bind(&q.prompt).bind(&q.options)
        .bind(q.correct_index).bind(i64::from(q.is_active)).bind(q.created_at).bind(q.updated_at).bind(q.version)
        .execute(c).await.map(|_| ()))
    .context("insert question")
}

/// Updates a question's text, options, answer and active flag if its stored version is
/// still `expected` (the version is bumped); false when stale.
pub async fn update_question(tx: &mut Tx, q: &QuestionRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update training_question set prompt = $2, options = $3, correct_index = $4, is_active = $5, \
               updated_at = $6, version = version + 1 where training_question_id = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(q.training_question_id).bind(&q.prompt).bind(&q.options).bind(q.correct_index)
        .bind(i64::from(q.is_active)).bind(q.updated_at).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update question")?;
    Ok(n == 1)
}

// ---- the tests of a course ----

/// (kind, question id) of every question a course's tests use.
pub async fn test_selection(db: &Db, course: Uuid) -> anyhow::Result<Vec<(String, Uuid)>> {
    on_db!(db, p => sqlx::query_as("select kind, training_question_id from training_test_question where training_course_id = $1 order by kind, ordinal")
        .bind(course).fetch_all(p).await)
    .context("list test questions")
}

/// Replaces the questions of one test of a course (in the given order).
pub async fn replace_test_questions(
    tx: &mut Tx,
    course: Uuid,
    kind: &str,
    questions: &[Uuid],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from training_test_question where training_course_id = $1 and kind = $2")
        .bind(course).bind(kind).execute(c).await.map(|_| ()))
    .context("clear test questions")?;
    let sql = "insert into training_test_question (training_course_id, kind, training_question_id, ordinal, created_at) \
               values ($1,$2,$3,$4,$5)";
    for (i, q) in questions.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(sql).bind(course).bind(kind).bind(*q).bind(i as i64 + 1).bind(now)
            .execute(c).await.map(|_| ()))
        .context("insert test question")?;
    }
    Ok(())
}

/// The active questions of one test of a course, in order (tx).
pub async fn test_questions_tx(
    tx: &mut Tx,
    course: Uuid,
    kind: &str,
) -> anyhow::Result<Vec<QuestionRow>> {
    let sql = "select q.training_question_id, q.training_module_id, q.prompt, q.options, q.correct_index, q.is_active <> 0 as is_active, \
               q.created_at, q.updated_at, q.version from training_test_question t \
               join training_question q on q.training_question_id = t.training_question_id \
               where t.training_course_id = $1 and t.kind = $2 and q.is_active <> 0 order by t.ordinal";
    on_tx!(tx, c => sqlx::query_as(sql).bind(course).bind(kind).fetch_all(c).await)
        .context("list test questions")
}

/// The active questions of one test of a course, in order.
pub async fn test_questions(db: &Db, course: Uuid, kind: &str) -> anyhow::Result<Vec<QuestionRow>> {
    let sql = "select q.training_question_id, q.training_module_id, q.prompt, q.options, q.correct_index, q.is_active <> 0 as is_active, \
               q.created_at, q.updated_at, q.version from training_test_question t \
               join training_question q on q.training_question_id = t.training_question_id \
               where t.training_course_id = $1 and t.kind = $2 and q.is_active <> 0 order by t.ordinal";
    on_db!(db, p => sqlx::query_as(sql).bind(course).bind(kind).fetch_all(p).await)
        .context("list test questions")
}

/// Sets a course's certificate thresholds if its stored version is still `expected`
/// (bumping it); false when stale.
pub async fn update_thresholds(
    tx: &mut Tx,
    course: Uuid,
    attendance_min_percent: i64,
    post_test_min_percent: Option<i64>,
    expected: i64,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "update training_course set attendance_min_percent = $2, post_test_min_percent = $3, updated_at = $4, \
               version = version + 1 where training_course_id = $1 and version = $5";
    let n = on_tx!(tx, c => sqlx::query(sql).bind(course).bind(attendance_min_percent).bind(post_test_min_percent)
        .bind(now).bind(expected).execute(c).await.map(|r| r.rows_affected()))
    .context("update course thresholds")?;
    Ok(n == 1)
}

// ---- scores ----

/// Every score of a course.
pub async fn list_scores(db: &Db, course: Uuid) -> anyhow::Result<Vec<ScoreRow>> {
    on_db!(db, p => sqlx::query_as("select participant_id, kind, score, source from test_score where training_course_id = $1")
        .bind(course).fetch_all(p).await)
    .context("list scores")
}

/// Every score of a course (tx).
pub async fn list_scores_tx(tx: &mut Tx, course: Uuid) -> anyhow::Result<Vec<ScoreRow>> {
    on_tx!(tx, c => sqlx::query_as("select participant_id, kind, score, source from test_score where training_course_id = $1")
        .bind(course).fetch_all(c).await)
    .context("list scores")
}

/// Records or replaces a score.
#[allow(clippy::too_many_arguments)]
pub async fn upsert_score(
    tx: &mut Tx,
    course: Uuid,
    participant: Uuid,
    kind: &str,
    score: i64,
    source: &str,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sql = "insert into test_score (test_score_id, training_course_id, participant_id, kind, score, source, recorded_by, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,$6,$7,$8,$8) on conflict (training_course_id, participant_id, kind) \
               do update set score = excluded.score, source = excluded.source, recorded_by = excluded.recorded_by, updated_at = excluded.updated_at";
    on_tx!(tx, c => sqlx::query(sql).bind(Uuid::now_v7()).bind(course).bind(participant).bind(kind)
        .bind(score).bind(source).bind(by).bind(now)
        .execute(c).await.map(|_| ()))
    .context("record score")
}

/// Inserts a score taken on the test page unless one exists; false when one did.
pub async fn insert_score_once(
    tx: &mut Tx,
    course: Uuid,
    participant: Uuid,
    kind: &str,
    score: i64,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "insert into test_score (test_score_id, training_course_id, participant_id, kind, score, source, recorded_by, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,'page',null,$6,$6) on conflict (training_course_id, participant_id, kind) do nothing";
    on_tx!(tx, c => sqlx::query(sql).bind(Uuid::now_v7()).bind(course).bind(participant).bind(kind)
        .bind(score).bind(now)
        .execute(c).await.map(|r| r.rows_affected() == 1))
    .context("record score")
}

/// True when the participant has a score for this test of the course.
pub async fn has_score(
    db: &Db,
    course: Uuid,
    participant: Uuid,
    kind: &str,
) -> anyhow::Result<bool> {
    let n: (i64,) = on_db!(db, p => sqlx::query_as("select count(*) from test_score where training_course_id = $1 and participant_id = $2 and kind = $3")
        .bind(course).bind(participant).bind(kind).fetch_one(p).await)
    .context("check score")?;
    Ok(n.0 > 0)
}

// ---- links ----

/// Creates a link unless the participant already has one for this test; false when
/// they had.
pub async fn insert_link(
    tx: &mut Tx,
    id: Uuid,
    course: Uuid,
    participant: Uuid,
    kind: &str,
    token_hash: &str,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sql = "insert into test_link (test_link_id, training_course_id, participant_id, kind, token_hash, used_at, created_at, updated_at) \
               values ($1,$2,$3,$4,$5,null,$6,$6) on conflict (training_course_id, participant_id, kind) do nothing";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(course).bind(participant).bind(kind).bind(token_hash).bind(now)
        .execute(c).await.map(|r| r.rows_affected() == 1))
    .context("insert test link")
}

/// The links of a course, by name then kind.
pub async fn list_links(db: &Db, course: Uuid) -> anyhow::Result<Vec<LinkView>> {
    let sql = "select l.test_link_id, l.participant_id, p.full_name, l.kind, \
               (l.used_at is not null or exists (select 1 from test_score s where s.training_course_id = l.training_course_id \
                 and s.participant_id = l.participant_id and s.kind = l.kind)) as used from test_link l \
               join participant p on p.participant_id = l.participant_id \
               where l.training_course_id = $1 order by lower(p.full_name), l.participant_id, l.kind desc";
    on_db!(db, p => sqlx::query_as(sql).bind(course).fetch_all(p).await).context("list test links")
}

/// The link with this token hash.
pub async fn link_by_hash(db: &Db, token_hash: &str) -> anyhow::Result<Option<LinkRow>> {
    let sql = "select test_link_id, training_course_id, participant_id, kind, used_at from test_link where token_hash = $1";
    on_db!(db, p => sqlx::query_as(sql).bind(token_hash).fetch_optional(p).await)
        .context("find test link")
}

/// The link with this token hash (tx).
pub async fn link_by_hash_tx(tx: &mut Tx, token_hash: &str) -> anyhow::Result<Option<LinkRow>> {
    let sql = "select test_link_id, training_course_id, participant_id, kind, used_at from test_link where token_hash = $1";
    on_tx!(tx, c => sqlx::query_as(sql).bind(token_hash).fetch_optional(c).await)
        .context("find test link")
}

/// Marks a link used unless it already is; false when it was.
pub async fn use_link(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update test_link set used_at = $2, updated_at = $2 where test_link_id = $1 and used_at is null")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("use test link")?;
    Ok(n == 1)
}

// ---- knowledge gain ----

/// Pairs of (pre, post) scores of the same participant in the same course, with the
/// course's institution; `$1` filters by that institution's country (null: all).
const PAIRS: &str = "with pairs as (select c.institution_id, post.score - pre.score as gain \
    from test_score pre join test_score post on post.training_course_id = pre.training_course_id \
      and post.participant_id = pre.participant_id and post.kind = 'post' \
    join training_course c on c.training_course_id = pre.training_course_id \
    join institution ci on ci.institution_id = c.institution_id \
    where pre.kind = 'pre' and ($1 is null or ci.country_code = $1))";

/// Mean knowledge gain over every (pre, post) pair of a country's courses (or all);
/// `None` when there is no pair.
pub async fn mean_gain(db: &Db, country: Option<&str>) -> anyhow::Result<Option<f64>> {
    let sql = format!("{PAIRS} select cast(avg(gain) as double precision) from pairs");
    let r: (Option<f64>,) = on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_one(p).await)
        .context("mean knowledge gain")?;
    Ok(r.0)
}

/// Mean knowledge gain per institution running the courses, by acronym.
pub async fn gain_by_institution(
    db: &Db,
    country: Option<&str>,
) -> anyhow::Result<Vec<InstitutionGain>> {
    let sql = format!(
        "{PAIRS} select i.acronym as institution_acronym, cast(avg(x.gain) as double precision) as mean_gain, count(*) as pairs \
         from pairs x join institution i on i.institution_id = x.institution_id group by i.acronym order by i.acronym"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(country).fetch_all(p).await)
        .context("knowledge gain by institution")
}
