//! The HTTP front of ATLAS: server-rendered pages that work without JavaScript and the
//! `/api/v1` JSON API, both thin layers over [`atlas_core::App`].
//!
//! Invariants: handlers extract, authorise through core, and render — no SQL and no
//! access decision here; every state-changing page request passes the CSRF check; every
//! response carries the security headers; errors are mapped in one place (`error`).
// The OpenAPI document is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod api;
pub mod error;
pub mod extract;
pub mod http;
pub mod i18n;
pub mod metrics;
pub mod pages;

use atlas_core::App;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

/// Web-only settings.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Largest file accepted by the attendance import, in bytes (the upload route alone
    /// accepts a body this large, plus room for the multipart framing).
    pub import_limit: usize,
}

impl WebSettings {
    /// Largest body of an upload request: the file limit plus 64 KiB of framing.
    pub fn upload_body_limit(&self) -> usize {
        self.import_limit.saturating_add(64 * 1024)
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            body_limit: 256 * 1024,
            import_limit: atlas_domain::training_import::DEFAULT_MAX_BYTES,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: Arc<WebSettings>,
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    /// Largest body of a material upload: the configured file limit plus 64 KiB of
    /// multipart framing and form fields.
    pub fn material_body_limit(&self) -> usize {
        self.app
            .settings
            .material_max_bytes
            .saturating_add(64 * 1024)
    }

    /// State over an application.
    pub fn new(app: App, web: WebSettings) -> Self {
        Self {
            app,
            web: Arc::new(web),
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }
}

const CSS: &str = include_str!("../static/app.css");

async fn css() -> Response {
    let mut r = CSS.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let audit = atlas_core::store::audit::count(&state.app.db)
        .await
        .map(|n| n as f64)
        .unwrap_or(-1.0);
    let body = state
        .metrics
        .render(&[("atlas_audit_events", "Rows in the audit log.", audit)]);
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    use pages::{
        account, admin, auth, certificates as cert, directory as dir, home, results as res,
        results_edit as res_edit, training as tr, training_adaptation as tad,
        training_import as tri, training_material as trm, training_tests as tt,
    };
    let material_limit = DefaultBodyLimit::max(state.material_body_limit());
    let pages = Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/totp", get(auth::totp_form).post(auth::totp))
        .route("/logout", post(auth::logout))
        .route("/lang/{code}", get(auth::switch_lang))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/totp", get(auth::enrol_form).post(auth::enrol))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/directory", get(dir::index))
        .route("/directory/areas", get(dir::areas).post(dir::create_area))
        .route("/directory/areas/new", get(dir::new_area))
        .route(
            "/directory/areas/{id}",
            get(dir::area).post(dir::update_area),
        )
        .route("/directory/areas/{id}/edit", get(dir::edit_area))
        .route(
            "/directory/institutions",
            get(dir::institutions).post(dir::create_institution),
        )
        .route("/directory/institutions/new", get(dir::new_institution))
        .route(
            "/directory/institutions/{id}",
            get(dir::institution).post(dir::update_institution),
        )
        .route(
            "/directory/institutions/{id}/edit",
            get(dir::edit_institution),
        )
        .route("/training", get(tr::dashboard))
        .route("/training/curriculum", get(tr::curriculum))
        .route(
            "/training/curriculum/modules/{id}",
            get(trm::module_page).post(tr::update_module),
        )
        .route(
            "/training/curriculum/modules/{id}/material",
            post(trm::upload_to_module).layer(material_limit),
        )
        .route(
            "/training/curriculum/presentations/{id}",
            get(trm::presentation_page),
        )
        .route(
            "/training/curriculum/presentations/{id}/material",
            post(trm::upload_to_presentation).layer(material_limit),
        )
        .route("/training/material/{id}", get(trm::download))
        .route("/training/material/{id}/remove", post(trm::remove))
        .route(
            "/training/curriculum/modules/{id}/edit",
            get(tr::edit_module),
        )
        .route(
            "/training/courses",
            get(tr::courses).post(tr::create_course),
        )
        .route(
            "/training/curriculum/modules/{id}/presentations",
            post(tr::create_presentation),
        )
        .route(
            "/training/curriculum/modules/{id}/presentations/new",
            get(tr::new_presentation),
        )
        .route(
            "/training/curriculum/presentations/{id}",
            post(tr::update_presentation),
        )
        .route(
            "/training/curriculum/presentations/{id}/edit",
            get(tr::edit_presentation),
        )
        .route("/training/adaptations", get(tad::list).post(tad::create))
        .route("/training/adaptations/new", get(tad::new))
        .route(
            "/training/adaptations/{id}",
            get(tad::show).post(tad::update),
        )
        .route("/training/adaptations/{id}/edit", get(tad::edit))
        .route(
            "/training/adaptations/{id}/material",
            post(trm::upload_to_adaptation).layer(material_limit),
        )
        .route("/training/adaptations/{id}/items", post(tad::add_item))
        .route(
            "/training/adaptations/{id}/items/{presentation}/move",
            post(tad::move_item),
        )
        .route(
            "/training/adaptations/{id}/items/{presentation}/remove",
            post(tad::remove_item),
        )
        .route(
            "/training/adaptations/{id}/items/{presentation}/note",
            post(tad::note),
        )
        .route(
            "/training/adaptations/{id}/changes/{presentation}",
            post(tad::decide),
        )
        .route("/training/courses/new", get(tr::new_course))
        .route(
            "/training/courses/{id}",
            get(tr::course).post(tr::update_course),
        )
        .route("/training/courses/{id}/edit", get(tr::edit_course))
        .route("/training/courses/{id}/sessions", post(tr::add_session))
        .route(
            "/training/courses/{id}/facilitators",
            post(tr::add_facilitator),
        )
        .route("/training/courses/{id}/enrolments", post(tr::enrol))
        .route("/training/courses/{id}/certificates", post(cert::issue))
        .route(
            "/training/curriculum/modules/{id}/questions",
            get(tt::questions).post(tt::create_question),
        )
        .route(
            "/training/curriculum/questions/{id}",
            post(tt::update_question),
        )
        .route(
            "/training/curriculum/questions/{id}/edit",
            get(tt::edit_question),
        )
        .route(
            "/training/curriculum/questions/{id}/active",
            post(tt::set_active),
        )
        .route(
            "/training/courses/{id}/tests",
            get(tt::tests).post(tt::save_tests),
        )
        .route(
            "/training/courses/{id}/tests/links",
            get(tt::links).post(tt::prepare_links),
        )
        .route(
            "/training/courses/{id}/thresholds",
            post(tt::save_thresholds),
        )
        .route(
            "/training/courses/{id}/scores",
            get(tt::scores).post(tt::enter_scores),
        )
        .route("/t/{token}", get(tt::take).post(tt::submit))
        .route("/training/certificates/{id}", get(cert::show))
        .route("/training/certificates/{id}/revoke", post(cert::revoke))
        .route("/verify", get(cert::verify_form))
        .route("/verify/{code}", get(cert::verify))
        .route("/verify/{code}/credential.json", get(cert::credential))
        .route(
            "/training/courses/{id}/import",
            get(tri::import_form)
                .post(tri::import)
                .layer(DefaultBodyLimit::max(state.web.upload_body_limit())),
        )
        .route(
            "/training/courses/{id}/import/template.csv",
            get(tri::template),
        )
        .route("/training/courses/{id}/export/{file}", get(tri::export))
        .route(
            "/training/sessions/{id}/attendance",
            get(tr::roster).post(tr::take_attendance),
        )
        .route("/results", get(res::index))
        .route("/results/gaps", post(res::create_gap))
        .route("/results/gaps/new", get(res::new_gap))
        .route("/results/gaps/{id}", post(res::update_gap))
        .route("/results/gaps/{id}/edit", get(res::edit_gap))
        .route("/results/models", post(res::create_model))
        .route("/results/models/new", get(res::new_model))
        .route(
            "/results/models/{id}",
            get(res::model).post(res_edit::update_model),
        )
        .route("/results/models/{id}/edit", get(res_edit::edit_model))
        .route(
            "/results/models/{id}/moves",
            post(res::move_model).layer(material_limit),
        )
        .route("/results/moves/{id}/file", get(res_edit::move_file))
        .route(
            "/results/countries/{code}/profile",
            get(res::edit_profile).post(res::save_profile),
        )
        .route("/reports/factsheet", get(res::factsheet))
        .route("/results/framework", get(res::framework))
        .route("/results/framework/nodes", post(res::create_node))
        .route("/results/framework/indicators", post(res::create_indicator))
        .route(
            "/results/indicators/{id}",
            get(res::indicator).post(res_edit::update_indicator),
        )
        .route(
            "/results/indicators/{id}/edit",
            get(res_edit::edit_indicator),
        )
        .route("/results/framework/nodes/{id}", post(res_edit::update_node))
        .route(
            "/results/framework/nodes/{id}/edit",
            get(res_edit::edit_node),
        )
        .route("/results/indicators/{id}/targets", post(res::set_target))
        .route("/results/indicators/{id}/values", post(res::add_value))
        .route(
            "/results/dashboard",
            get(pages::results_dashboard::dashboard),
        )
        .route("/results/records", get(pages::results_dashboard::records))
        .route("/results/export", get(pages::results_export::export))
        .route("/guide", get(pages::guide::index))
        .route("/guide/pathway", get(pages::guide::choose_pathway))
        .route(
            "/guide/services",
            get(pages::guide::services).post(pages::guide::create_service),
        )
        .route("/guide/services/new", get(pages::guide::new_service))
        .route(
            "/guide/services/{id}",
            get(pages::guide::service).post(pages::guide::update_service),
        )
        .route("/guide/services/{id}/edit", get(pages::guide::edit_service))
        .route(
            "/guide/areas/{id}/pathways/{need}",
            get(pages::guide::edit_pathway).post(pages::guide::save_pathway),
        )
        .route("/guide/areas/{id}/public", post(pages::guide::set_public))
        .route("/guide/who/{id}", get(pages::guide::who))
        .route("/cartography", get(pages::cartography::index))
        .route("/cartography/exercises", post(pages::cartography::create))
        .route(
            "/cartography/exercises/{id}",
            get(pages::cartography::exercise),
        )
        .route(
            "/cartography/exercises/{id}/map.svg",
            get(pages::cartography::map_image),
        )
        .route(
            "/cartography/exercises/{id}/features",
            post(pages::cartography::add_point),
        )
        .route(
            "/cartography/exercises/{id}/categories",
            get(pages::cartography::categories).post(pages::cartography::add_category),
        )
        .route(
            "/cartography/exercises/{id}/shapes",
            post(pages::cartography::add_shape),
        )
        .route(
            "/cartography/exercises/{id}/workshops",
            post(pages::cartography::add_workshop),
        )
        .route(
            "/cartography/exercises/{id}/import",
            post(pages::cartography::import),
        )
        .route(
            "/cartography/exercises/{id}/export/{file}",
            get(pages::cartography::export),
        )
        .route(
            "/cartography/exercises/{id}/plan",
            get(pages::cartography::plan),
        )
        .route(
            "/cartography/exercises/{id}/actions",
            post(pages::cartography::add_action),
        )
        .route(
            "/cartography/exercises/{id}/public",
            post(pages::cartography::set_public),
        )
        .route(
            "/cartography/features/{id}",
            post(pages::cartography::edit_feature),
        )
        .route(
            "/cartography/features/{id}/remove",
            post(pages::cartography::remove_feature),
        )
        .route(
            "/cartography/actions/{id}/updates",
            post(pages::cartography::update_action),
        )
        .route("/plans/{id}", get(pages::cartography::public_plan))
        .route(
            "/cartography/exercises/{id}/network",
            get(pages::carto_network::page),
        )
        .route(
            "/cartography/exercises/{id}/network.gexf",
            get(pages::carto_network::gexf),
        )
        .route(
            "/cartography/exercises/{id}/actors",
            post(pages::carto_network::add_actor),
        )
        .route(
            "/cartography/exercises/{id}/relationships",
            post(pages::carto_network::add_relationship),
        )
        .route(
            "/cartography/actors/{id}",
            post(pages::carto_network::update_actor),
        )
        .route(
            "/cartography/actors/{id}/remove",
            post(pages::carto_network::remove_actor),
        )
        .route(
            "/cartography/relationships/{id}/remove",
            post(pages::carto_network::remove_relationship),
        )
        .route(
            "/cartography/exercises/{id}/poster",
            get(pages::carto_network::poster),
        )
        .route(
            "/cartography/exercises/{id}/poster.svg",
            get(pages::carto_network::poster_file),
        )
        .route("/cases", get(pages::cases::list))
        .route(
            "/cases/new",
            get(pages::cases::new_case).post(pages::cases::create_case),
        )
        .route("/cases/overdue", get(pages::cases::overdue))
        .route("/cases/statistics", get(pages::cases::statistics))
        .route("/cases/export.csv", get(pages::cases::export))
        .route("/cases/{id}", get(pages::cases::case))
        .route("/cases/{id}/referrals", post(pages::cases::refer))
        .route("/cases/{id}/referrals/{rid}", post(pages::cases::answer))
        .route("/cases/{id}/legal", post(pages::cases::legal))
        .route("/cases/{id}/close", post(pages::cases::close))
        .route("/guide/hsds.json", get(pages::guide::hsds_json))
        .route("/guide/hsds/{file}", get(pages::guide::hsds_csv))
        .route(
            "/guide/protocols",
            get(pages::guide_docs::protocols).post(pages::guide_docs::create_protocol),
        )
        .route("/guide/protocols/new", get(pages::guide_docs::new_protocol))
        .route(
            "/guide/protocols/{id}",
            post(pages::guide_docs::update_protocol),
        )
        .route(
            "/guide/protocols/{id}/edit",
            get(pages::guide_docs::edit_protocol),
        )
        .route(
            "/guide/docs",
            get(pages::guide_docs::docs).post(pages::guide_docs::create_doc),
        )
        .route("/guide/docs/{id}", get(pages::guide_docs::doc))
        .route("/guide/docs/{id}/edit", get(pages::guide_docs::edit_doc))
        .route("/guide/docs/{id}/text", post(pages::guide_docs::save_doc))
        .route("/guide/docs/{id}/stage", post(pages::guide_docs::move_doc))
        .route(
            "/guide/docs/{id}/rounds",
            post(pages::guide_docs::open_round),
        )
        .route("/guide/docs/{id}/compare", get(pages::guide_docs::compare))
        .route("/guide/docs/{id}/print", get(pages::guide_docs::print))
        .route("/guide/docs/{id}/uses", post(pages::guide_docs::add_use))
        .route(
            "/guide/docs/{id}/uses/{use_id}/remove",
            post(pages::guide_docs::remove_use),
        )
        .route("/guide/rounds/{id}", get(pages::guide_docs::round))
        .route(
            "/guide/rounds/{id}/comments",
            post(pages::guide_docs::comment),
        )
        .route("/guide/rounds/{id}/close", post(pages::guide_docs::close))
        .route(
            "/guide/rounds/{id}/meetings",
            post(pages::guide_docs::meeting),
        )
        .route(
            "/guide/comments/{id}/resolve",
            post(pages::guide_docs::resolve),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/new", get(admin::new_user))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/disable", post(admin::disable))
        .route("/admin/users/{id}/enable", post(admin::enable))
        .route("/admin/users/{id}/contact", post(admin::contact))
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route("/admin/users/{id}/reset-totp", post(admin::reset_totp))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/audit.csv", get(admin::audit_csv));
    let api = Router::new()
        .route("/api/v1/openapi.json", get(api::openapi::serve))
        .route(
            "/api/v1/auth/token",
            post(api::auth::issue).delete(api::auth::revoke),
        )
        .route("/api/v1/me", get(api::auth::me))
        .route("/api/v1/countries", get(api::directory::countries))
        .route(
            "/api/v1/areas",
            get(api::directory::list_areas).post(api::directory::create_area),
        )
        .route(
            "/api/v1/areas/{id}",
            get(api::directory::get_area).put(api::directory::update_area),
        )
        .route(
            "/api/v1/institutions",
            get(api::directory::list_institutions).post(api::directory::create_institution),
        )
        .route(
            "/api/v1/institutions/{id}",
            get(api::directory::get_institution).put(api::directory::update_institution),
        )
        .route("/api/v1/training/figures", get(api::training::figures))
        .route(
            "/api/v1/training/modules/{id}/material",
            get(api::training::module_material),
        )
        .route(
            "/api/v1/training/certificates/verify",
            post(api::training::verify_credential),
        )
        .route(
            "/api/v1/training/certificates/{code}",
            get(api::training::certificate),
        )
        .route("/api/v1/results/key", get(api::results::key))
        .route("/api/v1/guide/pathways", get(api::guide::pathways))
        .route("/api/v1/guide/services", get(api::guide::services))
        .route("/api/v1/guide/hsds", get(api::guide::hsds))
        .route("/api/v1/audit", get(api::audit::list))
        .route("/api/v1/cases", get(api::cases::list))
        .route("/api/v1/cases/{id}", get(api::cases::get))
        .route(
            "/api/v1/cartography/exercises",
            get(api::cartography::exercises),
        )
        .route(
            "/api/v1/cartography/exercises/{id}/features.geojson",
            get(api::cartography::features),
        );
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/static/app.css", get(css));
    let limit = state.web.body_limit;
    pages
        .merge(api)
        .merge(ops)
        .layer(from_fn_with_state(state.clone(), http::csrf))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn(http::render_errors))
        .layer(from_fn(http::security_headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), http::observe))
        .with_state(state)
}
