//! Certificate pages: issuing and revoking (forms on the course page), the printable
//! certificate for course managers, and the public verification pages (`/verify`), which
//! need no sign-in and show only the name, course, institution, date and validity.

use super::err;
use super::{Shell, render};
use crate::AppState;
use crate::extract::{Ctx, FormMap, Params, UserCtx};
use askama::Template;
use atlas_core::By;
use atlas_core::certificates::{Certificate, PublicCertificate};
use atlas_domain::Error as RuleError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// The absolute verification URL of a code: under the configured public URL, else on
/// the host the request came to (https when cookies are marked secure, i.e. behind TLS).
fn verify_url(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    format!(
        "{}/verify/{code}",
        super::training_tests::base_url(state, headers)
    )
}

fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(140, 140)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// POST /training/courses/{id}/certificates
pub async fn issue(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state.app.issue_certificates(By::User(u.actor()), id).await {
        Ok(_) => Redirect::to(&format!("/training/courses/{id}#certificates")).into_response(),
        Err(e) => err(e),
    }
}

/// POST /training/certificates/{id}/revoke
pub async fn revoke(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    form: FormMap,
) -> Response {
    let reason = form.s("revocation_reason");
    match state
        .app
        .revoke_certificate(By::User(u.actor()), id, &reason)
        .await
    {
        Ok(course) => {
            Redirect::to(&format!("/training/courses/{course}#certificates")).into_response()
        }
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let course = match state.app.certificate(By::User(u.actor()), id).await {
                Ok(c) => c.training_course_id,
                Err(e) => return err(e),
            };
            let f = super::FormState {
                errors,
                ..super::FormState::with([
                    ("certificate_id", id.to_string()),
                    ("revocation_reason", reason),
                ])
            };
            super::training::course_page_with_revoke(&state, &u, course, f).await
        }
        Err(e) => err(e),
    }
}

#[derive(Template)]
#[template(path = "training/certificate.html")]
struct CertificatePage {
    s: Shell,
    x: Certificate,
    issued_on: String,
    revoked_on: Option<String>,
    url: String,
    qr: String,
}

/// GET /training/certificates/{id}: the printable certificate (course managers).
pub async fn show(
    State(state): State<AppState>,
    u: UserCtx,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Response {
    let x = match state.app.certificate(By::User(u.actor()), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let url = verify_url(&state, &headers, &x.code);
    render(&CertificatePage {
        s: Shell::new(&u.ctx, "certificate-heading").titled(&x.full_name),
        issued_on: x.issued_at.date().to_string(),
        revoked_on: x.revoked_at.map(|t| t.date().to_string()),
        qr: qr_svg(&url),
        url,
        x,
    })
}

#[derive(Template)]
#[template(path = "training/verify.html")]
struct VerifyPage {
    s: Shell,
    c: Option<PublicCertificate>,
    code: String,
}

/// GET /verify (`?code=…` goes to that code's page).
pub async fn verify_form(ctx: Ctx, p: Params) -> Response {
    if let Some(code) = p.get("code") {
        let code = atlas_domain::certificate::normalise_code(code)
            .unwrap_or_else(|| code.chars().filter(char::is_ascii_alphanumeric).collect());
        return Redirect::to(&format!("/verify/{code}")).into_response();
    }
    render(&VerifyPage {
        s: Shell::new(&ctx, "verify-title"),
        c: None,
        code: String::new(),
    })
}

/// GET /verify/{code}: public; unknown codes are a 404 page.
pub async fn verify(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Response {
    match state.app.public_certificate(&code).await {
        Ok(c) => render(&VerifyPage {
            s: Shell::new(&ctx, "verify-title"),
            code: c.code.clone(),
            c: Some(c),
        }),
        Err(e) => err(e),
    }
}

/// GET /verify/{code}/credential.json: the signed Open Badges credential.
pub async fn credential(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    match state.app.public_certificate(&code).await {
        Ok(c) => {
            let mut r = (StatusCode::OK, c.credential).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => err(e),
    }
}
