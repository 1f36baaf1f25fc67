//! Curriculum pages with their attached material: the module page
//! (`/training/curriculum/modules/{id}`) and the presentation page
//! (`/training/curriculum/presentations/{id}`), each listing material with download
//! links and, for curriculum editors, an upload form (multipart, CSRF token in the
//! action's query) and remove buttons; the uploads to them and to an adaptation
//! (`/training/adaptations/{id}/material`, whose page shows the same section through
//! [`section`]); the download (`/training/material/{id}`) and the removal.
//!
//! Downloads are always attachments (`Content-Disposition: attachment` with the RFC 6266
//! / RFC 5987 encoded name), typed with the stored media type, `nosniff` and a sandboxing
//! CSP, so an uploaded file is never rendered as a page of this site.

use super::err;
use super::{FormState, Shell, render_status};
use crate::AppState;
use crate::error::AppError;
use crate::extract::UserCtx;
use askama::Template;
use atlas_core::By;
use atlas_core::training::{Module, Presentation};
use atlas_core::training_material::{Material, MaterialOwner};
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::auth::{Action, can};
use atlas_domain::training::ModuleLanguage;
use atlas_domain::training_material::{MaterialInput, MaterialKind, OwnerKind};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

/// A size for people: bytes, KiB or MiB with at most one decimal.
pub fn human_size(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    let (v, unit) = if b >= KIB * KIB {
        (b / (KIB * KIB), "MiB")
    } else if b >= KIB {
        (b / KIB, "KiB")
    } else {
        return format!("{bytes} B");
    };
    let s = format!("{v:.1}");
    format!("{} {unit}", s.trim_end_matches(".0"))
}

/// The largest accepted file, for messages.
pub fn limit_text(state: &AppState) -> String {
    human_size(i64::try_from(state.app.settings.material_max_bytes).unwrap_or(i64::MAX))
}

/// Where an owner's page is.
fn owner_path(o: MaterialOwner) -> String {
    match o.kind {
        OwnerKind::Module => format!("/training/curriculum/modules/{}", o.id),
        OwnerKind::Presentation => format!("/training/curriculum/presentations/{}", o.id),
        OwnerKind::Adaptation => format!("/training/adaptations/{}", o.id),
    }
}

/// One row of the material list.
pub struct MaterialItem {
    pub id: Uuid,
    pub label: String,
    pub file_name: String,
    pub kind: String,
    pub size: String,
    pub date: String,
    pub who: String,
    pub description: String,
}

fn items(v: Vec<Material>) -> Vec<MaterialItem> {
    v.into_iter()
        .map(|m| {
            let r = m.row;
            MaterialItem {
                id: r.training_material_id,
                label: r.title.clone().unwrap_or_else(|| r.file_name.clone()),
                kind: MaterialKind::from_media_type(&r.media_type)
                    .map_or_else(|| r.media_type.clone(), |k| k.label().to_owned()),
                size: human_size(r.size_bytes),
                date: r.created_at.date().to_string(),
                who: m.uploaded_by_name.unwrap_or_else(|| "—".into()),
                description: r.description.unwrap_or_default(),
                file_name: r.file_name,
            }
        })
        .collect()
}

/// What the material section of a page needs.
pub struct MaterialSection {
    /// Message ids of the heading and of an optional line under it.
    pub heading: &'static str,
    pub hint: Option<&'static str>,
    pub items: Vec<MaterialItem>,
    pub can_edit: bool,
    pub action: String,
    pub f: FormState,
    pub limit: String,
    pub accept: &'static str,
    pub languages: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "training/module.html")]
struct ModulePage {
    s: Shell,
    m: Module,
    pres: Vec<Presentation>,
    ms: MaterialSection,
}

#[derive(Template)]
#[template(path = "training/presentation.html")]
struct PresentationPage {
    s: Shell,
    m: Module,
    p: Presentation,
    ms: MaterialSection,
}

/// The material section of `owner`'s page: its current material (the actor must be
/// allowed to read it) and, when `can_edit`, the upload form in state `f` posting to
/// `<owner page>/material?csrf=…`.
pub async fn section(
    state: &AppState,
    u: &UserCtx,
    owner: MaterialOwner,
    f: FormState,
    can_edit: bool,
) -> Result<MaterialSection, AppError> {
    let material = state.app.material_of(By::User(u.actor()), owner).await?;
    let (heading, hint) = match owner.kind {
        OwnerKind::Module | OwnerKind::Presentation => ("material-title", None),
        OwnerKind::Adaptation => (
            "material-title-adaptation",
            Some("material-adaptation-hint"),
        ),
    };
    Ok(MaterialSection {
        heading,
        hint,
        items: items(material),
        can_edit,
        action: format!("{}/material?csrf={}", owner_path(owner), u.ctx.csrf),
        f,
        limit: limit_text(state),
        accept: MaterialKind::ACCEPT,
        languages: ModuleLanguage::ALL.iter().map(|l| l.as_str()).collect(),
    })
}

/// Renders the page of `owner` with the upload form in state `f`.
async fn owner_page(
    state: &AppState,
    u: &UserCtx,
    owner: MaterialOwner,
    f: FormState,
    status: StatusCode,
) -> Response {
    if owner.kind == OwnerKind::Adaptation {
        return super::training_adaptation::page_with_material(state, u, owner.id, f, status).await;
    }
    let actor = u.actor();
    let can_edit = can(actor, Action::EditCurriculum);
    let mut f = f;
    let modules = match state.app.curriculum(actor).await {
        Ok(m) => m,
        Err(e) => return err(e),
    };
    let ms = |f: FormState| section(state, u, owner, f, can_edit);
    match owner.kind {
        OwnerKind::Module => {
            let Some((m, pres)) = modules
                .into_iter()
                .find(|(m, _)| m.training_module_id == owner.id)
            else {
                return err(RuleError::NotFound);
            };
            if f.v("language").is_empty() {
                f.values.insert("language".into(), m.language.clone());
            }
            let ms = match ms(f).await {
                Ok(x) => x,
                Err(e) => return err(e),
            };
            render_status(
                status,
                &ModulePage {
                    s: Shell::new(&u.ctx, "training-curriculum").titled(&m.title),
                    m,
                    pres,
                    ms,
                },
            )
        }
        OwnerKind::Presentation => {
            let Some((m, p)) = modules.into_iter().find_map(|(m, pres)| {
                pres.into_iter()
                    .find(|p| p.training_presentation_id == owner.id)
                    .map(|p| (m, p))
            }) else {
                return err(RuleError::NotFound);
            };
            if f.v("language").is_empty() {
                f.values.insert("language".into(), m.language.clone());
            }
            let ms = match ms(f).await {
                Ok(x) => x,
                Err(e) => return err(e),
            };
            render_status(
                status,
                &PresentationPage {
                    s: Shell::new(&u.ctx, "training-curriculum").titled(&p.title),
                    m,
                    p,
                    ms,
                },
            )
        }
        // Rendered by the adaptation page (above).
        OwnerKind::Adaptation => err(RuleError::NotFound),
    }
}

/// GET /training/curriculum/modules/{id}
pub async fn module_page(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let o = MaterialOwner::module(id);
    owner_page(&state, &u, o, FormState::default(), StatusCode::OK).await
}

/// GET /training/curriculum/presentations/{id}
pub async fn presentation_page(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
) -> Response {
    let o = MaterialOwner::presentation(id);
    owner_page(&state, &u, o, FormState::default(), StatusCode::OK).await
}

/// POST /training/curriculum/modules/{id}/material (multipart)
pub async fn upload_to_module(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Response {
    upload(&state, &u, MaterialOwner::module(id), mp).await
}

/// POST /training/curriculum/presentations/{id}/material (multipart)
pub async fn upload_to_presentation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Response {
    upload(&state, &u, MaterialOwner::presentation(id), mp).await
}

/// POST /training/adaptations/{id}/material (multipart)
pub async fn upload_to_adaptation(
    State(state): State<AppState>,
    u: UserCtx,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Response {
    upload(&state, &u, MaterialOwner::adaptation(id), mp).await
}

/// Why an upload form could not be read.
enum ReadError {
    /// The body is over the limit: the `file` field's "too large" error.
    TooLarge,
    /// A malformed multipart body: answered as the framework words it.
    Malformed(Box<Response>),
}

/// Reads the upload form: text fields and the `file` part (name and bytes).
async fn read_form(
    mp: &mut Multipart,
) -> Result<(MaterialInput, Option<(String, Vec<u8>)>), ReadError> {
    let mut input = MaterialInput::default();
    let mut file = None;
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Err(ReadError::TooLarge)
        } else {
            Err(ReadError::Malformed(Box::new(
                (e.status(), e.body_text()).into_response(),
            )))
        }
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return fail(e),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let fname = field.file_name().unwrap_or("").to_owned();
            match field.bytes().await {
                // A file input left empty sends an empty part without a name.
                Ok(b) if fname.is_empty() && b.is_empty() => {}
                Ok(b) => file = Some((fname, b.to_vec())),
                Err(e) => return fail(e),
            }
            continue;
        }
        let text = match field.text().await {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        match name.as_str() {
            "title" => input.title = text,
            "description" => input.description = text,
            "language" => input.language = text,
            _ => {}
        }
    }
    Ok((input, file))
}

async fn upload(
    state: &AppState,
    u: &UserCtx,
    owner: MaterialOwner,
    mut mp: Multipart,
) -> Response {
    let by = By::User(u.actor());
    // Out of reach or not an editor: refused before the file is looked at.
    if let Err(e) = state.app.may_attach_material(by, owner).await {
        return err(e);
    }
    let (input, file) = match read_form(&mut mp).await {
        Ok(x) => x,
        Err(ReadError::TooLarge) => {
            let f = FormState {
                errors: FieldErrors::single("file", "material-file-too-large"),
                ..Default::default()
            };
            return owner_page(state, u, owner, f, StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        Err(ReadError::Malformed(r)) => return *r,
    };
    let file_ref = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    match state.app.upload_material(by, owner, &input, file_ref).await {
        Ok(_) => Redirect::to(&format!("{}#material", owner_path(owner))).into_response(),
        Err(atlas_core::Error::Rule(RuleError::Invalid(errors))) => {
            let status = if errors.get("file") == Some("material-file-too-large") {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let f = FormState {
                errors,
                ..FormState::with([
                    ("title", input.title),
                    ("description", input.description),
                    ("language", input.language),
                ])
            };
            owner_page(state, u, owner, f, status).await
        }
        Err(e) => err(e),
    }
}

/// RFC 5987 `attr-char`: the bytes that stay as they are in `filename*`.
fn attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// `Content-Disposition: attachment` naming the file: an ASCII fallback `filename` for
/// old clients and the exact name as `filename*=UTF-8''…` (RFC 6266, RFC 5987 encoding).
/// Hand-written: the encoding set is this small and must be exactly RFC 5987's.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if attr_char(b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The CSP of downloads: nothing may load or run, and a browser that renders the file
/// anyway renders it sandboxed (no script, no same-origin access).
const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// GET /training/material/{id}
pub async fn download(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    let (m, bytes) = match state.app.material_file(By::User(u.actor()), id).await {
        Ok(x) => x,
        Err(e) => return err(e),
    };
    let ctype = if m.row.media_type.starts_with("text/") {
        format!("{}; charset=utf-8", m.row.media_type)
    } else {
        m.row.media_type.clone()
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    match (
        HeaderValue::from_str(&ctype),
        HeaderValue::from_str(&content_disposition(&m.row.file_name)),
    ) {
        (Ok(t), Ok(d)) => {
            h.insert(header::CONTENT_TYPE, t);
            h.insert(header::CONTENT_DISPOSITION, d);
        }
        _ => return err(anyhow::anyhow!("material {id}: unusable stored headers")),
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOWNLOAD_CSP),
    );
    r
}

/// POST /training/material/{id}/remove
pub async fn remove(State(state): State<AppState>, u: UserCtx, Path(id): Path<Uuid>) -> Response {
    match state.app.remove_material(By::User(u.actor()), id).await {
        Ok(row) => {
            let owner = OwnerKind::parse(&row.owner_kind).map(|kind| MaterialOwner {
                kind,
                id: row.owner_id,
            });
            match owner {
                Some(o) => Redirect::to(&format!("{}#material", owner_path(o))).into_response(),
                None => Redirect::to("/training/curriculum").into_response(),
            }
        }
        Err(e) => err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_for_content_disposition() {
        assert_eq!(
            content_disposition("Guía \"práctica\" 100%.pdf"),
            "attachment; filename=\"Gu_a _pr_ctica_ 100_.pdf\"; filename*=UTF-8''Gu%C3%ADa%20%22pr%C3%A1ctica%22%20100%25.pdf"
        );
        assert_eq!(human_size(26_214_400), "25 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12), "12 B");
    }
}
