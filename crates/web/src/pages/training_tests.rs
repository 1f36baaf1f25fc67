//! Knowledge-test pages: the question bank of a module (curriculum editors), a course's
//! test setup and certificate thresholds, the printable test links, the score sheet for
//! paper tests, and the public test page `/t/{token}` that participants open without
//! signing in (no JavaScript; the answers never reach the page before submission).

use super::err;
use super::{FormState, Shell, render, render_status};
use crate::AppState;
use crate::extract::{Ctx, FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::training::{Course, EnrolledView, Module};
use atlas_core::training_tests::{MarkedQuestion, Question, Submission, TestPaper};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::training_tests::{MAX_OPTIONS, QuestionInput};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

fn when(t: time::OffsetDateTime) -> String {
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

fn question_input(f: &FormMap) -> QuestionInput {
    QuestionInput {
        prompt: f.s("prompt"),
        options: (1..=MAX_OPTIONS)
            .map(|n| f.s(&format!("option_{n}")))
            .collect(),
        correct: f.s("correct"),
        version: f.s("version"),
    }
}

fn question_values(i: &QuestionInput) -> FormState {
    let mut f = FormState::with([
        ("prompt", i.prompt.clone()),
        ("correct", i.correct.clone()),
        ("version", i.version.clone()),
    ]);
    for (n, o) in i.options.iter().enumerate() {
        f.values.insert(format!("option_{}", n + 1), o.clone());
    }
    f
}

/// A question as the bank page lists it.
struct BankRow {
    q: Question,
    options: Vec<String>,
}

#[derive(Template)]
#[template(path = "training/questions.html")]
struct QuestionsPage {
    s: Shell,
    m: Module,
    rows: Vec<BankRow>,
    f: FormState,
    numbers: Vec<usize>,
}

async fn questions_page(
    state: &AppState,
    u: &UserCtx,
    module: Uuid,
    f: FormState,
    status: StatusCode,
) -> Response {
    let (m, qs) = match state
        .app
        .module_questions(By::User(u.actor()), module)
        .await
    {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let rows = qs
        .into_iter()
        .map(|q| BankRow {
            options: q.option_list(),
            q,
        })
        .collect();
    render_status(
        status,
        &QuestionsPage {
            s: Shell::new(&u.ctx, "questions-title").titled(&m.title),
            m,
            rows,
            f,
            numbers: (1..=MAX_OPTIONS).collect(),
        },
    )
}

/// GET /training/curriculum/modules/{id}/questions
pub async fn questions(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let f = FormState::with([("correct", "1".to_owned())]);
    questions_page(&state, &u, id, f, StatusCode::OK).await
}

/// POST /training/curriculum/modules/{id}/questions
pub async fn create_question(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = question_input(&form);
    match state
        .app
        .create_question(By::User(u.actor()), id, &input)
        .await
    {
        Ok(q) => Redirect::to(&format!(
            "/training/curriculum/modules/{id}/questions#q-{}",
            q.training_question_id
        ))
        .into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..question_values(&input)
            };
            questions_page(&state, &u, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "training/question_form.html")]
struct QuestionForm {
    s: Shell,
    f: FormState,
    id: Uuid,
    module: Uuid,
    active: bool,
    stale: bool,
    numbers: Vec<usize>,
    revisions: Vec<(i64, String, String)>,
}

async fn question_form(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    submitted: Option<(FormState, bool)>,
) -> Response {
    let (q, revs) = match state.app.question(By::User(u.actor()), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let (f, stale, status) = match submitted {
        Some((mut f, stale)) => {
            if stale {
                f.values.insert("version".into(), q.version.to_string());
            }
            let status = if stale {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (f, stale, status)
        }
        None => {
            let mut f = FormState::with([
                ("prompt", q.prompt.clone()),
                ("correct", (q.correct_index + 1).to_string()),
                ("version", q.version.to_string()),
            ]);
            for (n, o) in q.option_list().into_iter().enumerate() {
                f.values.insert(format!("option_{}", n + 1), o);
            }
            (f, false, StatusCode::OK)
        }
    };
    render_status(
        status,
        &QuestionForm {
            s: Shell::new(&u.ctx, "question-edit"),
            f,
            id,
            module: q.training_module_id,
            active: q.is_active,
            stale,
            numbers: (1..=MAX_OPTIONS).collect(),
            revisions: revs
                .into_iter()
                .map(|r| {
                    (
                        r.version,
                        r.changed_by.unwrap_or_else(|| "—".into()),
                        when(r.created_at),
                    )
                })
                .collect(),
        },
    )
}

/// GET /training/curriculum/questions/{id}/edit
pub async fn edit_question(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    question_form(&state, &u, id, None).await
}

/// POST /training/curriculum/questions/{id}
pub async fn update_question(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let input = question_input(&form);
    let (errors, stale) = match state
        .app
        .update_question(By::User(u.actor()), id, &input)
        .await
    {
        Ok(q) => {
            return Redirect::to(&format!(
                "/training/curriculum/modules/{}/questions#q-{id}",
                q.training_module_id
            ))
            .into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => (errors, false),
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (FieldErrors::new(), true),
        Err(e) => return err(e),
    };
    let f = FormState {
        errors,
        ..question_values(&input)
    };
    question_form(&state, &u, id, Some((f, stale))).await
}

/// POST /training/curriculum/questions/{id}/active (`active` = 1 or 0, `version`)
pub async fn set_active(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let active = form.s("active") == "1";
    match state
        .app
        .set_question_active(By::User(u.actor()), id, active, &form.s("version"))
        .await
    {
        Ok(q) => Redirect::to(&format!(
            "/training/curriculum/modules/{}/questions#q-{id}",
            q.training_module_id
        ))
        .into_response(),
        Err(e) => err(e),
    }
}

// ---- a course's tests ----

#[derive(Template)]
#[template(path = "training/tests.html")]
struct TestsPage {
    s: Shell,
    c: Course,
    manage: bool,
    modules: Vec<(Module, Vec<Question>)>,
    pre: Vec<Uuid>,
    post: Vec<Uuid>,
    errors: FormState,
    thresholds: FormState,
    saved: bool,
}

async fn tests_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    errors: FormState,
    thresholds: Option<FormState>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let t = match state.app.test_setup(By::User(u.actor()), id).await {
        Ok(t) => t,
        Err(e) => return err(e),
    };
    let c = t.access.course;
    let thresholds = thresholds.unwrap_or_else(|| {
        FormState::with([
            (
                "attendance_min_percent",
                c.attendance_min_percent.to_string(),
            ),
            (
                "post_test_min_percent",
                c.post_test_min_percent
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ),
            ("version", c.version.to_string()),
        ])
    });
    render_status(
        status,
        &TestsPage {
            s: Shell::new(&u.ctx, "tests-title").titled(&c.title),
            manage: t.access.manage,
            c,
            modules: t.modules.into_iter().filter(|m| !m.1.is_empty()).collect(),
            pre: t.pre,
            post: t.post,
            errors,
            thresholds,
            saved,
        },
    )
}

/// GET /training/courses/{id}/tests
pub async fn tests(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    let saved = p.get("saved").is_some();
    tests_page(
        &state,
        &u,
        id,
        FormState::default(),
        None,
        saved,
        StatusCode::OK,
    )
    .await
}

/// POST /training/courses/{id}/tests: the checked questions of each test.
pub async fn save_tests(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let pick = |prefix: &str| {
        let mut v: Vec<String> = form
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
            .collect();
        v.sort();
        v
    };
    let (pre, post) = (pick("pre-"), pick("post-"));
    match state
        .app
        .set_tests(By::User(u.actor()), id, &pre, &post)
        .await
    {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}/tests?saved=1")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..Default::default()
            };
            tests_page(
                &state,
                &u,
                id,
                f,
                None,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => err(e),
    }
}

/// POST /training/courses/{id}/thresholds
pub async fn save_thresholds(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let (att, post, version) = (
        form.s("attendance_min_percent"),
        form.s("post_test_min_percent"),
        form.s("version"),
    );
    let r = state
        .app
        .set_thresholds(By::User(u.actor()), id, &att, &post, &version)
        .await;
    let (errors, status) = match r {
        Ok(()) => {
            return Redirect::to(&format!("/training/courses/{id}/tests?saved=1")).into_response();
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            (errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(atlas_core::Error::Rule(RuleError::Stale)) => (
            FieldErrors::single("attendance_min_percent", "error-stale-help"),
            StatusCode::CONFLICT,
        ),
        Err(e) => return err(e),
    };
    let mut f = FormState {
        errors,
        ..FormState::with([
            ("attendance_min_percent", att),
            ("post_test_min_percent", post),
            ("version", version),
        ])
    };
    if status == StatusCode::CONFLICT
        && let Ok(acc) = state.app.course(By::User(u.actor()), id).await
    {
        f.values
            .insert("version".into(), acc.course.version.to_string());
    }
    tests_page(&state, &u, id, FormState::default(), Some(f), false, status).await
}

/// A link as the printable list shows it.
struct LinkLine {
    name: String,
    kind: String,
    url: String,
    used: bool,
}

#[derive(Template)]
#[template(path = "training/test_links.html")]
struct LinksPage {
    s: Shell,
    c: Course,
    rows: Vec<LinkLine>,
}

/// The absolute base of links: the configured public URL, else the request's host.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = state.app.public_link("") {
        return u;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.web.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// GET /training/courses/{id}/tests/links: printable.
pub async fn links(
    State(state): State<AppState>,
    u: UserCtx,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Response {
    let (acc, links) = match state.app.test_links(By::User(u.actor()), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let base = base_url(&state, &headers);
    render(&LinksPage {
        s: Shell::new(&u.ctx, "test-links-title").titled(&acc.course.title),
        c: acc.course,
        rows: links
            .into_iter()
            .map(|l| LinkLine {
                name: l.link.full_name,
                kind: l.link.kind,
                url: format!("{base}/t/{}", l.token),
                used: l.link.used,
            })
            .collect(),
    })
}

/// POST /training/courses/{id}/tests/links: create the missing links.
pub async fn prepare_links(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    match state.app.prepare_test_links(By::User(u.actor()), id).await {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}/tests/links")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let f = FormState {
                errors,
                ..Default::default()
            };
            tests_page(
                &state,
                &u,
                id,
                f,
                None,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => err(e),
    }
}

// ---- score sheet ----

/// One participant on the score sheet.
struct ScoreLine {
    id: String,
    name: String,
    pre: String,
    post: String,
    pre_error: Option<&'static str>,
    post_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "training/scores.html")]
struct ScoresPage {
    s: Shell,
    c: Course,
    rows: Vec<ScoreLine>,
    has_errors: bool,
    saved: bool,
}

async fn scores_page(
    state: &AppState,
    u: &UserCtx,
    id: Uuid,
    submitted: Option<(&FormMap, FieldErrors)>,
    saved: bool,
) -> Response {
    let by = By::User(u.actor());
    let (acc, _, _, enrolled) = match state.app.course_detail(by, id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let scores = match state.app.course_scores(by, id).await {
        Ok(s) => s,
        Err(e) => return err(e),
    };
    let errors = submitted.as_ref().map(|s| s.1.clone()).unwrap_or_default();
    let current = |p: &EnrolledView, kind: &str| -> String {
        let field = format!("{kind}-{}", p.participant_id);
        match &submitted {
            Some((f, _)) => f.s(&field),
            None => scores
                .iter()
                .find(|s| s.participant_id == p.participant_id && s.kind == kind)
                .map(|s| s.score.to_string())
                .unwrap_or_default(),
        }
    };
    let rows = enrolled
        .iter()
        .map(|p| ScoreLine {
            id: p.participant_id.to_string(),
            name: p.full_name.clone(),
            pre: current(p, "pre"),
            post: current(p, "post"),
            pre_error: errors.get(&format!("pre-{}", p.participant_id)),
            post_error: errors.get(&format!("post-{}", p.participant_id)),
        })
        .collect();
    let status = if submitted.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &ScoresPage {
            s: Shell::new(&u.ctx, "scores-title").titled(&acc.course.title),
            c: acc.course,
            rows,
            has_errors: !errors.is_empty(),
            saved,
        },
    )
}

/// GET /training/courses/{id}/scores
pub async fn scores(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    p: Params,
) -> Response {
    scores_page(&state, &u, id, None, p.get("saved").is_some()).await
}

/// POST /training/courses/{id}/scores: `pre-{participant}` and `post-{participant}`.
pub async fn enter_scores(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let mut rows: Vec<(String, String, String)> = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            let (kind, pid) = k.split_once('-')?;
            matches!(kind, "pre" | "post").then(|| (pid.to_owned(), kind.to_owned(), v.clone()))
        })
        .collect();
    rows.sort();
    match state.app.enter_scores(By::User(u.actor()), id, &rows).await {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}/scores?saved=1")).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            scores_page(&state, &u, id, Some((&form, errors)), false).await
        }
        Err(e) => err(e),
    }
}

// ---- the public test page ----

/// A question on the test page; `chosen` keeps a resubmitted answer.
struct PaperLine {
    id: String,
    prompt: String,
    /// (text, chosen before).
    options: Vec<(String, bool)>,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "training/take_test.html")]
struct TakePage {
    s: Shell,
    token: String,
    paper: Option<TestPaper>,
    lines: Vec<PaperLine>,
    has_errors: bool,
    result: Option<(i64, Vec<MarkedQuestion>)>,
    already: bool,
}

fn take_page(
    ctx: &Ctx,
    token: &str,
    paper: TestPaper,
    submitted: Option<(&FormMap, FieldErrors)>,
) -> Response {
    let errors = submitted.as_ref().map(|s| s.1.clone()).unwrap_or_default();
    let lines = paper
        .questions
        .iter()
        .map(|q| {
            let field = format!("q-{}", q.id);
            let chosen = submitted
                .as_ref()
                .and_then(|(f, _)| f.s(&field).parse::<usize>().ok());
            PaperLine {
                error: errors.get(&field),
                id: q.id.to_string(),
                prompt: q.prompt.clone(),
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (o.clone(), chosen == Some(i)))
                    .collect(),
            }
        })
        .collect();
    let status = if submitted.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let already = paper.submitted;
    render_status(
        status,
        &TakePage {
            s: Shell::new(ctx, &format!("test-kind-{}", paper.kind)).titled(&paper.course_title),
            token: token.to_owned(),
            paper: Some(paper),
            lines,
            has_errors: !errors.is_empty(),
            result: None,
            already,
        },
    )
}

/// GET /t/{token}: public.
pub async fn take(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Response {
    match state.app.open_test(&token).await {
        Ok(paper) => take_page(&ctx, &token, paper, None),
        Err(e) => err(e),
    }
}

/// POST /t/{token}: public; scored once.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    form: FormMap,
) -> Response {
    match state.app.submit_test(&token, &form.0).await {
        Ok(Submission::Scored { score, questions }) => render(&TakePage {
            s: Shell::new(&ctx, "test-done"),
            token,
            paper: None,
            lines: Vec::new(),
            has_errors: false,
            result: Some((score, questions)),
            already: false,
        }),
        Ok(Submission::AlreadySubmitted) => render_status(
            StatusCode::CONFLICT,
            &TakePage {
                s: Shell::new(&ctx, "test-already"),
                token,
                paper: None,
                lines: Vec::new(),
                has_errors: false,
                result: None,
                already: true,
            },
        ),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            match state.app.open_test(&token).await {
                Ok(paper) => take_page(&ctx, &token, paper, Some((&form, errors))),
                Err(e) => err(e),
            }
        }
        Err(e) => err(e),
    }
}
