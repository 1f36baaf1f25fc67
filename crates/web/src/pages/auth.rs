//! Sign-in, the TOTP step, TOTP enrolment, sign-out and the language switch.

use super::{FormState, Shell, render, render_status};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{Ctx, FormMap, Params};
use crate::http::{LANG_COOKIE, SESSION_COOKIE, set_cookie};
use askama::Template;
use atlas_core::auth::{NewSession, Stage};
use atlas_domain::{Error as RuleError, FieldErrors};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    s: Shell,
    f: FormState,
    next: String,
    message: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    s: Shell,
    f: FormState,
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    s: Shell,
    f: FormState,
    required: bool,
    secret: String,
    qr_svg: String,
}

/// Only same-site paths are followed after sign-in (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn with_session(mut r: Response, state: &AppState, s: &NewSession) -> Response {
    let c = set_cookie(
        SESSION_COOKIE,
        &s.token,
        None,
        true,
        state.web.secure_cookies,
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn clear_session(mut r: Response, state: &AppState) -> Response {
    let c = set_cookie(SESSION_COOKIE, "", Some(0), true, state.web.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn after_password(stage: Stage, next: &str) -> String {
    match stage {
        Stage::Full => safe_next(next),
        Stage::Totp => "/login/totp".into(),
        Stage::Enrol => "/account/totp".into(),
    }
}

/// GET /login
pub async fn login_form(ctx: Ctx, q: Params) -> Response {
    if ctx.session.as_ref().is_some_and(|s| s.stage == Stage::Full) {
        return Redirect::to("/").into_response();
    }
    let s = Shell::new(&ctx, "login-title");
    render(&LoginPage {
        s,
        f: FormState::default(),
        next: safe_next(q.get("next").unwrap_or("/")),
        message: None,
    })
}

/// POST /login
pub async fn login(State(state): State<AppState>, ctx: Ctx, form: FormMap) -> Response {
    let (username, password, next) = (
        form.s("username"),
        form.s("password"),
        safe_next(&form.s("next")),
    );
    let mut f = FormState::with([("username", username.clone())]);
    if username.trim().is_empty() {
        f.errors.add("username", "field-required");
    }
    if password.is_empty() {
        f.errors.add("password", "field-required");
    }
    let message = if f.has_errors() {
        None
    } else {
        match state.app.sign_in(&username, &password).await {
            Ok(sess) => {
                let to = after_password(sess.stage, &next);
                return with_session(Redirect::to(&to).into_response(), &state, &sess);
            }
            Err(atlas_core::Error::Rule(RuleError::Locked)) => Some("login-locked"),
            Err(atlas_core::Error::Rule(RuleError::Unauthenticated)) => Some("login-failed"),
            Err(e) => return AppError::from(e).into_response(),
        }
    };
    let status = if message == Some("login-locked") {
        StatusCode::TOO_MANY_REQUESTS
    } else if f.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::UNAUTHORIZED
    };
    render_status(
        status,
        &LoginPage {
            s: Shell::new(&ctx, "login-title"),
            f,
            next,
            message,
        },
    )
}

/// GET /login/totp
pub async fn totp_form(ctx: Ctx) -> Response {
    match ctx.session.as_ref().map(|s| s.stage) {
        Some(Stage::Totp) => render(&TotpPage {
            s: Shell::new(&ctx, "totp-title"),
            f: FormState::default(),
        }),
        Some(Stage::Full) => Redirect::to("/").into_response(),
        Some(Stage::Enrol) => Redirect::to("/account/totp").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// POST /login/totp
pub async fn totp(State(state): State<AppState>, ctx: Ctx, form: FormMap) -> Response {
    let Some(session) = ctx.session.clone().filter(|s| s.stage == Stage::Totp) else {
        return Redirect::to("/login").into_response();
    };
    match state.app.sign_in_totp(&session, &form.s("totp")).await {
        Ok(new) => with_session(Redirect::to("/").into_response(), &state, &new),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &TotpPage {
                s: Shell::new(&ctx, "totp-title"),
                f: FormState {
                    values: Default::default(),
                    errors,
                },
            },
        ),
        Err(atlas_core::Error::Rule(RuleError::Locked)) => {
            let r = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage {
                    s: Shell::new(&ctx, "login-title"),
                    f: FormState::default(),
                    next: "/".into(),
                    message: Some("login-locked"),
                },
            );
            clear_session(r, &state)
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

async fn enrol_page(state: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> Response {
    let Some(session) = ctx
        .session
        .clone()
        .filter(|s| matches!(s.stage, Stage::Enrol | Stage::Full))
    else {
        return Redirect::to("/login").into_response();
    };
    match state.app.begin_totp_enrolment(&session).await {
        Ok(e) => {
            let s = Shell::build(
                ctx,
                (session.stage == Stage::Full).then_some(&session),
                "enrol-title",
            );
            render_status(
                status,
                &EnrolPage {
                    s,
                    f,
                    required: session.stage == Stage::Enrol,
                    qr_svg: qr_svg(&e.otpauth_url),
                    secret: e.secret_base32,
                },
            )
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// GET /account/totp — enrol (or re-enrol) an authenticator app.
pub async fn enrol_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    enrol_page(&state, &ctx, FormState::default(), StatusCode::OK).await
}

/// POST /account/totp
pub async fn enrol(State(state): State<AppState>, ctx: Ctx, form: FormMap) -> Response {
    let Some(session) = ctx
        .session
        .clone()
        .filter(|s| matches!(s.stage, Stage::Enrol | Stage::Full))
    else {
        return Redirect::to("/login").into_response();
    };
    match state
        .app
        .confirm_totp_enrolment(&session, &form.s("totp"))
        .await
    {
        Ok(Some(new)) => with_session(Redirect::to("/").into_response(), &state, &new),
        Ok(None) => Redirect::to("/account?notice=totp-enrolled").into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            enrol_page(
                &state,
                &ctx,
                FormState {
                    values: Default::default(),
                    errors,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(atlas_core::Error::Rule(RuleError::Locked)) => {
            clear_session(Redirect::to("/login").into_response(), &state)
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// POST /logout
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Response {
    if let Some(s) = &ctx.session
        && let Err(e) = state.app.sign_out(s).await
    {
        return AppError::from(e).into_response();
    }
    clear_session(Redirect::to("/login").into_response(), &state)
}

/// GET /lang/{code}?next=… — remembers the language in a cookie and goes back.
pub async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    q: Params,
) -> Response {
    let Some(lang) = crate::i18n::Lang::parse(&code) else {
        return AppError::from(RuleError::Invalid(FieldErrors::single(
            "lang",
            "field-choice",
        )))
        .into_response();
    };
    let mut r = Redirect::to(&safe_next(q.get("next").unwrap_or("/"))).into_response();
    let c = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(60 * 60 * 24 * 365),
        false,
        state.web.secure_cookies,
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_follows_local_paths() {
        assert_eq!(safe_next("/directory?x=1"), "/directory?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
    }
}
