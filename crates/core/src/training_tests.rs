//! Knowledge tests: the question bank of the master curriculum, the pre- and post-test
//! of a course, test links that participants (who are not users) open without signing
//! in, scores typed in from paper tests, course certificate thresholds, and knowledge
//! gain.
//!
//! Access and rules:
//! - the question bank (with its answers) is read and edited by curriculum editors
//!   (`EditCurriculum`); edits bump `version`, keep a `training_revision` snapshot and
//!   refuse a stale version; questions are deactivated, never deleted;
//! - a course's tests, links and scores are handled by whoever may open the course and
//!   manages it or takes its attendance (its coordinator, program staff, its
//!   facilitators); the thresholds by its managers only; anything else is "not found";
//! - a link's token is `HMAC-SHA256(test-link key, link id)` (first 128 bits, hex):
//!   only its SHA-256 is stored, so a copy of the database alone opens no test, while
//!   the course page can still list the links; the key is derived from the blind-index
//!   key with its own label;
//! - a test page never carries the answers; the score is computed here, once: a second
//!   submission (or one after a score was typed in) is refused;
//! - typed scores are all-or-nothing: every row is checked first;
//! - audit events (`training.question.create|update|deactivate|activate`,
//!   `training.test.setup`, `training.test.links`, `training.test.submit`,
//!   `training.test.scores`, `training.course.thresholds`) hold ids and counts only.

use crate::{App, By, Result, SecretKey, secret_hash};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, authorize};
use atlas_domain::directory::parse_version;
use atlas_domain::training_tests::{
    QuestionDraft, QuestionInput, TestKind, parse_score, score_percent,
};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::training as st;
use atlas_store::training_tests::{self as sq, QuestionRow};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub use atlas_store::training_tests::{
    InstitutionGain, LinkView, QuestionRow as Question, ScoreRow,
};

/// A question as the test page shows it: no answer.
#[derive(Debug, Clone)]
pub struct PaperQuestion {
    pub id: Uuid,
    pub prompt: String,
    pub options: Vec<String>,
}

/// What a test link opens.
#[derive(Debug, Clone)]
pub struct TestPaper {
    pub kind: TestKind,
    pub course_title: String,
    pub institution_name: String,
    pub questions: Vec<PaperQuestion>,
    /// The test was already taken (or a score typed in): nothing to answer.
    pub submitted: bool,
}

/// One answered question after submission.
#[derive(Debug, Clone)]
pub struct MarkedQuestion {
    pub prompt: String,
    pub options: Vec<String>,
    pub chosen: usize,
    pub correct: usize,
}

/// The outcome of submitting a test.
#[derive(Debug, Clone)]
pub enum Submission {
    /// Scored and recorded.
    Scored {
        score: i64,
        questions: Vec<MarkedQuestion>,
    },
    /// The test had been submitted before; nothing recorded.
    AlreadySubmitted,
}

/// The test setup of a course: every active question by module, and what each test uses.
#[derive(Debug, Clone)]
pub struct TestSetup {
    pub access: crate::training::CourseAccess,
    pub modules: Vec<(st::ModuleRow, Vec<Question>)>,
    pub pre: Vec<Uuid>,
    pub post: Vec<Uuid>,
}

/// A link with its token, for the printable list.
#[derive(Debug, Clone)]
pub struct TestLink {
    pub link: LinkView,
    pub token: String,
}

fn ev(by: By<'_>, action: &str, entity: &str, id: Uuid, summary: String) -> NewEvent {
    NewEvent::new(by.audit_actor(), action, entity, id, summary)
}

fn editor(by: By<'_>) -> Result<()> {
    match by {
        By::User(a) => Ok(authorize(a, Action::EditCurriculum, None)?),
        By::Operator => Ok(()),
    }
}

fn options_json(options: &[String]) -> Result<String> {
    Ok(serde_json::to_string(options).context("encode options")?)
}

async fn question_revision(
    tx: &mut atlas_store::Tx,
    by: By<'_>,
    q: &QuestionRow,
    now: time::OffsetDateTime,
) -> Result<()> {
    let snapshot = serde_json::to_string(q).context("snapshot question")?;
    crate::training::record_revision(
        tx,
        by,
        "training_question",
        q.training_question_id,
        q.version,
        snapshot,
        now,
    )
    .await
}

fn parse_kind_ids(
    raw: &[String],
    field: &str,
    active: &HashSet<Uuid>,
    e: &mut FieldErrors,
) -> Vec<Uuid> {
    let mut out = Vec::new();
    for r in raw {
        match Uuid::parse_str(r.trim()) {
            Ok(id) if active.contains(&id) => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => {
                if e.get(field).is_none() {
                    e.add(field, "field-reference");
                }
            }
        }
    }
    out
}

impl App {
    fn link_key(&self) -> SecretKey {
        SecretKey::derive(&self.settings.index_key, "atlas test-link v1")
    }

    /// The token of a test link (derived, never stored).
    pub fn test_link_token(&self, link: Uuid) -> String {
        use hmac::{Hmac, Mac};
        let key = self.link_key();
        let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(&key) else {
            // HMAC accepts keys of any length; this branch cannot be taken.
            return String::new();
        };
        m.update(b"atlas-test-link\0");
        m.update(link.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..16])
    }

    // ---- question bank ----

    /// A module and its questions (active and not), for curriculum editors.
    pub async fn module_questions(
        &self,
        by: By<'_>,
        module: Uuid,
    ) -> Result<(st::ModuleRow, Vec<Question>)> {
        editor(by)?;
        let m = st::get_module(&self.db, module)
            .await?
            .ok_or(RuleError::NotFound)?;
        let qs = sq::list_questions(&self.db, Some(module)).await?;
        Ok((m, qs))
    }

    /// One question and its revisions, for curriculum editors.
    pub async fn question(
        &self,
        by: By<'_>,
        id: Uuid,
    ) -> Result<(Question, Vec<st::RevisionView>)> {
        editor(by)?;
        let q = sq::get_question(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let revs = st::list_revisions(&self.db, "training_question", id).await?;
        Ok((q, revs))
    }

    /// Adds a question to a module's bank (active, version 1).
    pub async fn create_question(
        &self,
        by: By<'_>,
        module: Uuid,
        input: &QuestionInput,
    ) -> Result<Question> {
        editor(by)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::get_module_tx(&mut tx, module)
            .await?
            .ok_or(RuleError::NotFound)?;
        let d = QuestionDraft::parse(input)?;
        let row = QuestionRow {
            training_question_id: Uuid::now_v7(),
            training_module_id: module,
            prompt: d.prompt,
            options: options_json(&d.options)?,
            correct_index: d.correct_index,
            is_active: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        sq::insert_question(&mut tx, &row).await?;
        question_revision(&mut tx, by, &row, now).await?;
        let e = ev(
            by,
            "training.question.create",
            "training_question",
            row.training_question_id,
            format!("module={module} options={}", d.options.len()),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Edits a question if `input.version` is still current (else `Stale`).
    pub async fn update_question(
        &self,
        by: By<'_>,
        id: Uuid,
        input: &QuestionInput,
    ) -> Result<Question> {
        editor(by)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = sq::get_question_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let d = QuestionDraft::parse(input)?;
        let version = parse_version(&input.version)?;
        let row = QuestionRow {
            prompt: d.prompt,
            options: options_json(&d.options)?,
            correct_index: d.correct_index,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !sq::update_question(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        question_revision(&mut tx, by, &row, now).await?;
        let e = ev(
            by,
            "training.question.update",
            "training_question",
            id,
            format!("version={}", row.version),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deactivates (or reactivates) a question; a deactivated question leaves the tests
    /// that used it. Refuses a stale version.
    pub async fn set_question_active(
        &self,
        by: By<'_>,
        id: Uuid,
        active: bool,
        version: &str,
    ) -> Result<Question> {
        editor(by)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let cur = sq::get_question_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let version = parse_version(version)?;
        let row = QuestionRow {
            is_active: active,
            updated_at: now,
            version: version + 1,
            ..cur
        };
        if !sq::update_question(&mut tx, &row, version).await? {
            return Err(RuleError::Stale.into());
        }
        question_revision(&mut tx, by, &row, now).await?;
        let action = if active {
            "training.question.activate"
        } else {
            "training.question.deactivate"
        };
        let e = ev(
            by,
            action,
            "training_question",
            id,
            format!("version={}", row.version),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(row)
    }

    // ---- the tests of a course ----

    /// A course the actor may handle tests of: its managers and the people who take its
    /// attendance (its facilitators); others get "not found".
    async fn test_course(&self, by: By<'_>, course: Uuid) -> Result<crate::training::CourseAccess> {
        let acc = self.course(by, course).await?;
        if !acc.manage && !acc.attend {
            return Err(RuleError::NotFound.into());
        }
        Ok(acc)
    }

    /// The test setup page of a course.
    pub async fn test_setup(&self, by: By<'_>, course: Uuid) -> Result<TestSetup> {
        let access = self.test_course(by, course).await?;
        let mut qs = sq::list_questions(&self.db, None).await?;
        qs.retain(|q| q.is_active);
        let modules = st::list_modules(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                let mine = qs
                    .iter()
                    .filter(|q| q.training_module_id == m.training_module_id)
                    .cloned()
                    .collect();
                (m, mine)
            })
            .collect();
        let sel = sq::test_selection(&self.db, course).await?;
        let pick = |k: &str| {
            sel.iter()
                .filter(|(kind, _)| kind == k)
                .map(|s| s.1)
                .collect()
        };
        Ok(TestSetup {
            pre: pick("pre"),
            post: pick("post"),
            access,
            modules,
        })
    }

    /// Sets the questions of a course's pre-test and post-test (ids of active questions
    /// of the bank; an empty list means no such test).
    pub async fn set_tests(
        &self,
        by: By<'_>,
        course: Uuid,
        pre: &[String],
        post: &[String],
    ) -> Result<(usize, usize)> {
        self.test_course(by, course).await?;
        let active: HashSet<Uuid> = sq::list_questions(&self.db, None)
            .await?
            .into_iter()
            .filter(|q| q.is_active)
            .map(|q| q.training_question_id)
            .collect();
        let mut e = FieldErrors::new();
        let pre = parse_kind_ids(pre, "pre", &active, &mut e);
        let post = parse_kind_ids(post, "post", &active, &mut e);
        e.into_result(())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        sq::replace_test_questions(&mut tx, course, "pre", &pre, now).await?;
        sq::replace_test_questions(&mut tx, course, "post", &post, now).await?;
        let e = ev(
            by,
            "training.test.setup",
            "training_course",
            course,
            format!("pre={} post={}", pre.len(), post.len()),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok((pre.len(), post.len()))
    }

    /// Sets a course's certificate thresholds (course managers): the attendance minimum
    /// (percent of sessions, 1–100) and an optional post-test minimum (0–100; empty: no
    /// post-test needed). Refuses a stale version.
    pub async fn set_thresholds(
        &self,
        by: By<'_>,
        course: Uuid,
        attendance: &str,
        post: &str,
        version: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.managed_course_tx(&mut tx, by, course).await?;
        let mut e = FieldErrors::new();
        let att = match parse_score(attendance) {
            Ok(Some(n)) if n >= 1 => n,
            Ok(Some(_)) => {
                e.add("attendance_min_percent", "threshold-attendance-range");
                0
            }
            Ok(None) => {
                e.add("attendance_min_percent", "field-required");
                0
            }
            Err(_) => {
                e.add("attendance_min_percent", "threshold-attendance-range");
                0
            }
        };
        let post = parse_score(post).unwrap_or_else(|k| {
            e.add("post_test_min_percent", k);
            None
        });
        e.into_result(())?;
        let version = parse_version(version)?;
        if !sq::update_thresholds(&mut tx, course, att, post, version, now).await? {
            return Err(RuleError::Stale.into());
        }
        let post_s = post.map_or_else(|| "none".to_owned(), |p| p.to_string());
        let e = ev(
            by,
            "training.course.thresholds",
            "training_course",
            course,
            format!("attendance_min={att} post_test_min={post_s}"),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the missing links: one per enrolled participant for each test of the
    /// course that has questions. Returns how many were created.
    pub async fn prepare_test_links(&self, by: By<'_>, course: Uuid) -> Result<usize> {
        self.test_course(by, course).await?;
        let sel = sq::test_selection(&self.db, course).await?;
        let kinds: Vec<&str> = ["pre", "post"]
            .into_iter()
            .filter(|k| sel.iter().any(|s| s.0 == *k))
            .collect();
        if kinds.is_empty() {
            return Err(RuleError::Invalid(FieldErrors::single("pre", "test-no-questions")).into());
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut n = 0;
        for (pid, _) in st::enrolled_names_tx(&mut tx, course).await? {
            for k in &kinds {
                let id = Uuid::now_v7();
                let hash = secret_hash(&self.test_link_token(id));
                if sq::insert_link(&mut tx, id, course, pid, k, &hash, now).await? {
                    n += 1;
                }
            }
        }
        let e = ev(
            by,
            "training.test.links",
            "training_course",
            course,
            format!("created={n}"),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The links of a course with their tokens.
    pub async fn test_links(
        &self,
        by: By<'_>,
        course: Uuid,
    ) -> Result<(crate::training::CourseAccess, Vec<TestLink>)> {
        let acc = self.test_course(by, course).await?;
        let links = sq::list_links(&self.db, course)
            .await?
            .into_iter()
            .map(|l| TestLink {
                token: self.test_link_token(l.test_link_id),
                link: l,
            })
            .collect();
        Ok((acc, links))
    }

    async fn link_of(&self, token: &str) -> Result<sq::LinkRow> {
        let t = token.trim();
        if t.len() != 32 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RuleError::NotFound.into());
        }
        Ok(
            sq::link_by_hash(&self.db, &secret_hash(&t.to_ascii_lowercase()))
                .await?
                .ok_or(RuleError::NotFound)?,
        )
    }

    /// The test a link opens (public: the token is the credential). Unknown tokens are
    /// not found; a used one says so and shows no questions.
    pub async fn open_test(&self, token: &str) -> Result<TestPaper> {
        let l = self.link_of(token).await?;
        let kind = TestKind::parse(&l.kind).context("stored test kind")?;
        let c = st::get_course(&self.db, l.training_course_id)
            .await?
            .context("link's course missing")?;
        let inst = atlas_store::directory::get_institution(&self.db, c.institution_id)
            .await?
            .context("course institution missing")?;
        let submitted = l.used_at.is_some()
            || sq::has_score(&self.db, l.training_course_id, l.participant_id, &l.kind).await?;
        let questions = if submitted {
            Vec::new()
        } else {
            sq::test_questions(&self.db, l.training_course_id, &l.kind)
                .await?
                .into_iter()
                .map(|q| PaperQuestion {
                    id: q.training_question_id,
                    options: q.option_list(),
                    prompt: q.prompt,
                })
                .collect()
        };
        Ok(TestPaper {
            kind,
            course_title: c.title,
            institution_name: inst.name,
            questions,
            submitted,
        })
    }

    /// Scores a submitted test once: every question of the test needs one answer (field
    /// `q-{question id}`); the score is recorded and the link used up in one transaction.
    pub async fn submit_test(
        &self,
        token: &str,
        answers: &HashMap<String, String>,
    ) -> Result<Submission> {
        let l = self.link_of(token).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let qs = sq::test_questions_tx(&mut tx, l.training_course_id, &l.kind).await?;
        let scored: Vec<_> = sq::list_scores_tx(&mut tx, l.training_course_id)
            .await?
            .into_iter()
            .filter(|s| s.participant_id == l.participant_id && s.kind == l.kind)
            .collect();
        if l.used_at.is_some() || !scored.is_empty() {
            return Ok(Submission::AlreadySubmitted);
        }
        if qs.is_empty() {
            return Err(RuleError::NotFound.into());
        }
        let mut e = FieldErrors::new();
        let mut marked = Vec::new();
        for q in &qs {
            let field = format!("q-{}", q.training_question_id);
            let options = q.option_list();
            let chosen = answers
                .get(&field)
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|i| *i < options.len());
            match chosen {
                Some(chosen) => marked.push(MarkedQuestion {
                    prompt: q.prompt.clone(),
                    correct: usize::try_from(q.correct_index).unwrap_or(usize::MAX),
                    options,
                    chosen,
                }),
                None => e.add(&field, "test-answer-required"),
            }
        }
        e.into_result(())?;
        let right = marked.iter().filter(|m| m.chosen == m.correct).count();
        let score = score_percent(right, marked.len());
        if !sq::use_link(&mut tx, l.test_link_id, now).await?
            || !sq::insert_score_once(
                &mut tx,
                l.training_course_id,
                l.participant_id,
                &l.kind,
                score,
                now,
            )
            .await?
        {
            return Ok(Submission::AlreadySubmitted);
        }
        let e = NewEvent::new(
            None,
            "training.test.submit",
            "test_link",
            l.test_link_id,
            format!(
                "course={} participant={} kind={}",
                l.training_course_id, l.participant_id, l.kind
            ),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(Submission::Scored {
            score,
            questions: marked,
        })
    }

    /// Scores of a course (for its page and the score sheet).
    pub async fn course_scores(&self, by: By<'_>, course: Uuid) -> Result<Vec<ScoreRow>> {
        self.test_course(by, course).await?;
        Ok(sq::list_scores(&self.db, course).await?)
    }

    /// Records typed scores: `(participant id, kind, value)` per filled input; empty
    /// values are left as they are. Every row is checked first (field
    /// `{kind}-{participant id}`); any problem rejects the whole sheet.
    pub async fn enter_scores(
        &self,
        by: By<'_>,
        course: Uuid,
        rows: &[(String, String, String)],
    ) -> Result<usize> {
        self.test_course(by, course).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let enrolled: HashSet<Uuid> = st::enrolled_names_tx(&mut tx, course)
            .await?
            .into_iter()
            .map(|p| p.0)
            .collect();
        let mut e = FieldErrors::new();
        let mut good = Vec::new();
        for (pid, kind, value) in rows {
            let field = format!("{kind}-{pid}");
            let (Some(kind), Some(p)) = (TestKind::parse(kind), Uuid::parse_str(pid).ok()) else {
                e.add(&field, "field-reference");
                continue;
            };
            if !enrolled.contains(&p) {
                e.add(&field, "field-reference");
                continue;
            }
            match parse_score(value) {
                Ok(Some(s)) => good.push((p, kind, s)),
                Ok(None) => {}
                Err(k) => e.add(&field, k),
            }
        }
        e.into_result(())?;
        let by_id = by.audit_actor().map(|a| a.0);
        for (p, kind, s) in &good {
            sq::upsert_score(
                &mut tx,
                course,
                *p,
                kind.as_str(),
                *s,
                "entered",
                by_id,
                now,
            )
            .await?;
        }
        let pre = good.iter().filter(|g| g.1 == TestKind::Pre).count();
        let e = ev(
            by,
            "training.test.scores",
            "training_course",
            course,
            format!("pre={pre} post={}", good.len() - pre),
        );
        st_audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        Ok(good.len())
    }
}
