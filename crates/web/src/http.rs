//! Cross-cutting HTTP middleware: request ids, logging and metrics, security headers,
//! CSRF protection and error rendering. Order (outermost first): `observe`,
//! `security_headers`, `render_errors`, `csrf`.

use crate::AppState;
use crate::error::{AppError, ErrorInfo, key_for_status};
use crate::i18n::{I18n, Lang};
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "atlas_session";
/// Name of the CSRF cookie (double-submit token).
pub const CSRF_COOKIE: &str = "atlas_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "atlas_lang";

/// The id of the current request, for logs and 5xx pages.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The CSRF token of the current request (to embed in forms).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the project's attributes.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    http_only: bool,
    secure: bool,
) -> String {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(a) = max_age {
        s.push_str(&format!("; Max-Age={a}"));
    }
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    s
}

/// The request's language: cookie, then `Accept-Language`, then English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

/// Assigns a request id, times the request, counts it by route and status, and logs it
/// (with the internal cause of a 5xx).
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let path = req.uri().path().to_owned();
    let start = Instant::now();
    let mut res = next.run(req).await;
    let elapsed = start.elapsed();
    let route = route
        .or_else(|| {
            res.extensions()
                .get::<MatchedPath>()
                .map(|m| m.as_str().to_owned())
        })
        .unwrap_or_else(|| {
            if res.status() == StatusCode::NOT_FOUND {
                "unmatched".into()
            } else {
                path.clone()
            }
        });
    state
        .metrics
        .record(method.as_str(), &route, res.status().as_u16(), elapsed);
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    let status = res.status().as_u16();
    let ms = elapsed.as_secs_f64() * 1000.0;
    if res.status().is_server_error() {
        let cause = res
            .extensions()
            .get::<ErrorInfo>()
            .and_then(|i| i.cause.clone())
            .unwrap_or_default();
        tracing::error!(request.id = %id, http.method = %method, http.route = %route, http.status = status, cause = %cause, "request failed");
    } else {
        tracing::info!(request.id = %id, http.method = %method, http.route = %route, http.status = status, duration_ms = ms, "request");
    }
    res
}

pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers every response carries.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may set a stricter policy (downloads of attached files); keep it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(self)"),
    );
    if !is_static {
        // Pages can hold personal data: never cached (ASVS V14.3.2).
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Turns error responses into a page in the user's language, or problem+json for the
/// API. Responses a handler already rendered (a form with its errors) pass untouched.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let instance = req.uri().path().to_owned();
    let res = next.run(req).await;
    let status = res.status();
    if status.as_u16() < 400 {
        return res;
    }
    let info = res.extensions().get::<ErrorInfo>().cloned();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if info.is_none()
        && (ctype.starts_with("text/html")
            || ctype.starts_with("application/problem+json")
            || ctype.starts_with("application/json"))
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let info = match info {
        Some(i) => i,
        None => {
            // A framework rejection (bad query, body too large, unknown route): keep its
            // short plain-text explanation as the detail.
            let text = axum::body::to_bytes(body, 4096)
                .await
                .ok()
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
                .filter(|t| !t.is_empty() && t.len() < 400);
            ErrorInfo {
                key: key_for_status(status),
                detail: text,
                fields: Vec::new(),
                cause: None,
            }
        }
    };
    let i18n = I18n::new(if api { Lang::En } else { lang });
    let mut out = if api {
        crate::api::problem(status, &info, &instance, &request_id, &i18n)
    } else {
        crate::pages::error_page(status, &info, &request_id, lang)
    };
    *out.status_mut() = status;
    for (k, v) in parts.headers.iter() {
        if k == header::WWW_AUTHENTICATE
            || k == header::RETRY_AFTER
            || k == header::SET_COOKIE
            || k == header::ALLOW
        {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out.extensions_mut().insert(info);
    out
}

/// CSRF protection for every state-changing request outside `/api` (which uses bearer
/// tokens, never cookies): the request must come from this site (Origin and
/// Sec-Fetch-Site) and carry the double-submit token from the `atlas_csrf` cookie as the
/// `csrf` form field or query parameter.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|t| t.len() == 64)
        .map(str::to_owned);
    let token = existing.clone().unwrap_or_else(|| {
        use rand::RngCore;
        let mut b = [0u8; 32];
        rand::rng().fill_bytes(&mut b);
        hex::encode(b)
    });
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let api = req.uri().path().starts_with("/api/");
    let mut req = req;
    if unsafe_method && !api {
        // Only the upload routes take large multipart bodies; every other route keeps
        // the small limit even for multipart.
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/form-data"));
        let path = req.uri().path();
        let (limit, too_large) = if multipart && path.ends_with("/import") {
            (state.web.upload_body_limit(), None)
        } else if multipart
            && (path.ends_with("/material")
                || (path.starts_with("/results/models/") && path.ends_with("/moves")))
        {
            // Cut off early, answered with a page that names the limit.
            let i18n = I18n::new(lang_of(req.headers()));
            let limit = crate::pages::training_material::limit_text(&state);
            (
                state.material_body_limit(),
                Some(i18n.t1("material-file-too-large", "limit", &limit)),
            )
        } else {
            (state.web.body_limit, None)
        };
        match check_csrf(req, existing.as_deref(), limit, too_large).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none() {
        let c = set_cookie(CSRF_COOKIE, &token, None, true, state.web.secure_cookies);
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn check_csrf(
    req: Request,
    cookie_token: Option<&str>,
    limit: usize,
    too_large: Option<String>,
) -> Result<Request, Response> {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(AppError::Csrf.into_response());
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || origin_host != host {
            return Err(AppError::Csrf.into_response());
        }
    }
    let Some(expected) = cookie_token else {
        return Err(AppError::Csrf.into_response());
    };
    let from_query = req.uri().query().and_then(|q| {
        form_pairs(q.as_bytes())
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
    });
    let is_form = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let mut r = StatusCode::PAYLOAD_TOO_LARGE.into_response();
            if let Some(detail) = too_large {
                r.extensions_mut().insert(ErrorInfo {
                    key: key_for_status(StatusCode::PAYLOAD_TOO_LARGE),
                    detail: Some(detail),
                    fields: Vec::new(),
                    cause: None,
                });
            }
            return Err(r);
        }
    };
    let from_body = if is_form {
        form_pairs(&bytes)
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
    } else {
        None
    };
    let given = from_body.or(from_query).unwrap_or_default();
    let ok: bool = subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes()).into();
    if !ok {
        return Err(AppError::Csrf.into_response());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Decodes `application/x-www-form-urlencoded` pairs.
fn form_pairs(b: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(b).unwrap_or_default()
}
