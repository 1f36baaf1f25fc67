//! Test harness: a [`TestApp`] over a fresh database — SQLite always, and PostgreSQL when
//! `ATLAS_TEST_POSTGRES_URL` is set (each test gets its own schema) — with a settable
//! clock, the real router, and a [`Client`] that keeps cookies and fills in the CSRF
//! token like a browser would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cases;
use atlas_core::demo::DemoAccount;
use atlas_core::{App, Settings};
use atlas_domain::clock::{Clock, ManualClock};
use atlas_store::{Backend, Db};
use atlas_web::{AppState, WebSettings};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use tower::ServiceExt;

/// The password every fixture account has.
pub const PASSWORD: &str = "correct horse battery staple";

/// The instant test clocks start at.
pub fn t0() -> time::OffsetDateTime {
    time::macros::datetime!(2026-03-02 09:00:00 UTC)
}

/// A running application over a private database.
pub struct TestApp {
    pub app: App,
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    /// Demo accounts by username (when seeded).
    pub accounts: HashMap<String, DemoAccount>,
    _dir: Option<tempfile::TempDir>,
    /// This app's own data folder (attached material), removed when the app is dropped.
    data: tempfile::TempDir,
}

impl TestApp {
    /// One app per configured database: SQLite, plus PostgreSQL when
    /// `ATLAS_TEST_POSTGRES_URL` is set.
    pub async fn all() -> Vec<TestApp> {
        let mut v = vec![Self::sqlite().await];
        if let Ok(url) = std::env::var("ATLAS_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            v.push(Self::postgres(&url).await);
        }
        v
    }

    /// Like [`TestApp::all`], each loaded with the demo data.
    pub async fn all_with_demo() -> Vec<TestApp> {
        Self::all_with_demo_settings(Settings::default()).await
    }

    /// Like [`TestApp::all_with_demo`] with these use-case settings (e.g. a public URL).
    pub async fn all_with_demo_settings(settings: Settings) -> Vec<TestApp> {
        let mut v = vec![Self::sqlite_with(settings.clone()).await];
        if let Ok(url) = std::env::var("ATLAS_TEST_POSTGRES_URL")
            && !url.trim().is_empty()
        {
            v.push(Self::postgres_with(&url, settings).await);
        }
        for t in &mut v {
            t.seed_demo().await;
        }
        v
    }

    /// A fresh SQLite database in a temporary folder.
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(Settings::default()).await
    }

    async fn sqlite_with(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("atlas.db").display());
        let db = Db::connect(&url).await.unwrap();
        Self::build(db, Some(dir), settings).await
    }

    /// A fresh schema on the PostgreSQL server at `url`.
    pub async fn postgres(url: &str) -> TestApp {
        Self::postgres_with(url, Settings::default()).await
    }

    async fn postgres_with(url: &str, settings: Settings) -> TestApp {
        use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .expect("ATLAS_TEST_POSTGRES_URL: cannot connect");
        let secs = t_now_secs();
        // Drop schemas left by runs over an hour old (never those of running tests).
        let old: Vec<(String,)> = sqlx::query_as(
            "select nspname::text from pg_namespace where nspname like 'atlas\\_t\\_%'",
        )
        .fetch_all(&admin)
        .await
        .unwrap();
        for (name,) in old {
            let ts = name
                .split('_')
                .nth(2)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(u64::MAX);
            if ts + 3600 < secs {
                let _ = sqlx::query(&format!("drop schema if exists \"{name}\" cascade"))
                    .execute(&admin)
                    .await;
            }
        }
        let schema = format!("atlas_t_{secs}_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("create schema \"{schema}\""))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let opts = PgConnectOptions::from_str(url)
            .unwrap()
            .options([("search_path", schema.as_str())]);
        let db = Db::connect_pg(opts).await.unwrap();
        Self::build(db, None, settings).await
    }

    async fn build(db: Db, dir: Option<tempfile::TempDir>, settings: Settings) -> TestApp {
        db.migrate().await.unwrap();
        let clock = Arc::new(ManualClock::new(t0()));
        let data = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: data.path().to_path_buf(),
            ..settings
        };
        let app = App::new(db.clone(), clock.clone(), settings).unwrap();
        let state = AppState::new(app.clone(), WebSettings::default());
        let router = atlas_web::app(state.clone());
        TestApp {
            app,
            state,
            router,
            clock,
            backend: db.backend(),
            accounts: HashMap::new(),
            _dir: dir,
            data,
        }
    }

    /// This app's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// Loads the demo data (every account's password is [`PASSWORD`]) and adds two
    /// accounts the demo lacks, for scope checks: a Thai municipal official
    /// (`official_th` at DLPW, another country) and a training coordinator of another
    /// Argentine institution (`coord_prv` at PRV).
    pub async fn seed_demo(&mut self) {
        let accounts = atlas_core::demo::seed(&self.app, PASSWORD).await.unwrap();
        for a in accounts {
            self.accounts.insert(a.username.clone(), a);
        }
        for (username, display_name, role, acronym) in [
            (
                "official_th",
                "Thai Municipal Official",
                "municipal_official",
                "DLPW",
            ),
            (
                "coord_prv",
                "PRV Coordinator",
                "training_coordinator",
                "PRV",
            ),
        ] {
            let institution = self.institution_id(acronym).await;
            self.app
                .create_account(
                    atlas_core::By::Operator,
                    &atlas_domain::auth::AccountInput {
                        username: username.into(),
                        display_name: display_name.into(),
                        role: role.into(),
                        institution_id: institution.to_string(),
                        password: PASSWORD.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
    }

    /// The id of the institution with `acronym`.
    pub async fn institution_id(&self, acronym: &str) -> uuid::Uuid {
        let f = atlas_store::directory::ListFilter {
            acronym: Some(acronym.into()),
            limit: 2,
            ..Default::default()
        };
        atlas_store::directory::list_institutions(&self.app.db, &f)
            .await
            .unwrap()
            .first()
            .expect("no such institution")
            .institution_id
    }

    /// The id of the area named `name`.
    pub async fn area_id(&self, name: &str) -> uuid::Uuid {
        let f = atlas_store::directory::ListFilter {
            name_like: Some(atlas_store::like_contains(name)),
            limit: 10,
            ..Default::default()
        };
        atlas_store::directory::list_areas(&self.app.db, &f)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == name)
            .expect("no such area")
            .area_id
    }

    /// An account `username` of `role` at the institution `acronym` (created with the
    /// fixture password when missing) as the policy sees it, for calling use cases.
    pub async fn actor(
        &self,
        username: &str,
        role: atlas_domain::auth::Role,
        acronym: &str,
    ) -> atlas_domain::auth::Actor {
        let institution = self.institution_id(acronym).await;
        let existing = atlas_store::auth::account_by_username(&self.app.db, username)
            .await
            .unwrap();
        let user_id = match existing {
            Some(a) => a.account_id,
            None => {
                self.app
                    .create_account(
                        atlas_core::By::Operator,
                        &atlas_domain::auth::AccountInput {
                            username: username.into(),
                            display_name: username.into(),
                            role: role.as_str().into(),
                            institution_id: institution.to_string(),
                            password: PASSWORD.into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .id
            }
        };
        let inst = atlas_store::directory::get_institution(&self.app.db, institution)
            .await
            .unwrap()
            .unwrap();
        atlas_domain::auth::Actor {
            user_id,
            username: username.into(),
            role,
            institution_id: institution,
            country: atlas_domain::directory::CountryCode::parse(&inst.country_code).unwrap(),
        }
    }

    /// The id of the account `username`.
    pub async fn account_id(&self, username: &str) -> uuid::Uuid {
        atlas_store::auth::account_by_username(&self.app.db, username)
            .await
            .unwrap()
            .expect("no such account")
            .account_id
    }

    /// True when `needle` is stored verbatim as a session id or token hash (it must not
    /// be: only hashes of secrets are stored).
    pub async fn db_contains(&self, needle: &str) -> bool {
        let sql = "select (select count(*) from session where session_id = $1) + (select count(*) from api_token where token_hash = $1)";
        let n: (i64,) = match &self.app.db {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(needle).fetch_one(p).await.unwrap(),
            Db::Pg(p) => sqlx::query_as(sql).bind(needle).fetch_one(p).await.unwrap(),
        };
        n.0 > 0
    }

    /// Runs raw SQL against the database, as an attacker with file or superuser access
    /// would (tamper tests). Returns rows affected.
    pub async fn raw(&self, sql: &str) -> u64 {
        match &self.app.db {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
            Db::Pg(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
        }
    }

    /// The first column of the first row of `sql`, as text (None for no row or NULL).
    pub async fn text(&self, sql: &str) -> Option<String> {
        let r: Option<(Option<String>,)> = match &self.app.db {
            Db::Sqlite(p) => sqlx::query_as(sql).fetch_optional(p).await.unwrap(),
            Db::Pg(p) => sqlx::query_as(sql).fetch_optional(p).await.unwrap(),
        };
        r.and_then(|r| r.0)
    }

    /// Number of rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("select count(*) from {table}");
        let n: (i64,) = match &self.app.db {
            Db::Sqlite(p) => sqlx::query_as(&sql).fetch_one(p).await.unwrap(),
            Db::Pg(p) => sqlx::query_as(&sql).fetch_one(p).await.unwrap(),
        };
        n.0
    }

    /// Like [`TestApp::raw`] but returns the error instead of panicking.
    pub async fn try_raw(&self, sql: &str) -> Result<u64, String> {
        match &self.app.db {
            Db::Sqlite(p) => sqlx::query(sql)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string()),
            Db::Pg(p) => sqlx::query(sql)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string()),
        }
    }

    /// The SQLite URL of this app's database (None on PostgreSQL).
    pub fn sqlite_url(&self) -> Option<String> {
        self._dir
            .as_ref()
            .map(|d| format!("sqlite://{}", d.path().join("atlas.db").display()))
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: HashMap::new(),
            bearer: None,
            clock: self.clock.clone(),
        }
    }

    /// A client signed in as `username` (completing TOTP when the role requires it).
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut c = self.client();
        let secret = self
            .accounts
            .get(username)
            .and_then(|a| a.totp_secret.clone());
        c.sign_in(username, PASSWORD, secret.as_deref()).await;
        c
    }

    /// A bearer token for `username`.
    pub async fn token(&self, username: &str) -> String {
        let mut c = self.client();
        let secret = self
            .accounts
            .get(username)
            .and_then(|a| a.totp_secret.clone());
        let totp = secret
            .and_then(|s| atlas_core::auth::totp_code(&s, self.clock.now()))
            .unwrap_or_default();
        let r = c
            .json(
                Method::POST,
                "/api/v1/auth/token",
                Some(serde_json::json!({"username": username, "password": PASSWORD, "totp": totp})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "token for {username}: {}",
            r.body
        );
        // Codes are single-use: move past this step for the next sign-in.
        self.clock.advance(time::Duration::seconds(30));
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// Audit events whose action starts with `prefix`, oldest first.
    pub async fn audit(&self, prefix: &str) -> Vec<atlas_domain::audit::Event> {
        let f = atlas_store::audit::AuditFilter {
            action_prefix: Some(prefix.into()),
            limit: 1000,
            ..Default::default()
        };
        let mut v = atlas_store::audit::list(&self.app.db, &f).await.unwrap();
        v.reverse();
        v
    }

    /// A label for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

fn t_now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body exactly as received (downloads).
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The redirect target.
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An HTTP client over the router that keeps cookies.
pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub bearer: Option<String>,
    clock: Arc<ManualClock>,
}

impl Client {
    /// Sends a request.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(header::COOKIE, c.join("; "));
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let kv = s.split(';').next().unwrap();
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || s.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    /// The CSRF token a browser would have from the cookie (fetching a page first).
    pub async fn csrf(&mut self) -> String {
        if !self.cookies.contains_key("atlas_csrf") {
            self.get("/login").await;
        }
        self.cookies.get("atlas_csrf").cloned().unwrap_or_default()
    }

    /// POSTs a form with the CSRF token filled in.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        self.post_form_raw(path, &all).await
    }

    /// POSTs one file as `multipart/form-data` (field `field`), with the CSRF token in
    /// the query string as the upload form's action carries it.
    pub async fn post_file(
        &mut self,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Resp {
        let token = self.csrf().await;
        let boundary = "atlasTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        self.send(
            Method::POST,
            &format!("{path}{sep}csrf={token}"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await
    }

    /// POSTs `multipart/form-data` with text fields and optionally one file
    /// (`(field, file name, bytes)`), the CSRF token in the query string as upload forms
    /// carry it.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Resp {
        let token = self.csrf().await;
        let boundary = "atlasTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((field, name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        self.send(
            Method::POST,
            &format!("{path}{sep}csrf={token}"),
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await
    }

    /// POSTs a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded_encode(fields);
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await
    }

    /// Sends JSON (or nothing) with the bearer token if set.
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Resp {
        match body {
            Some(b) => {
                self.send(
                    method,
                    path,
                    Some("application/json"),
                    b.to_string().into_bytes(),
                )
                .await
            }
            None => self.send(method, path, None, Vec::new()).await,
        }
    }

    /// Signs in through the pages, completing the TOTP step when a secret is given.
    pub async fn sign_in(
        &mut self,
        username: &str,
        password: &str,
        totp_secret: Option<&str>,
    ) -> Resp {
        let r = self
            .post_form(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        if r.status != StatusCode::SEE_OTHER {
            return r;
        }
        if r.location() == Some("/login/totp") {
            let secret = totp_secret.expect("TOTP required but no secret given");
            let code = atlas_core::auth::totp_code(secret, self.clock.now()).unwrap();
            let r2 = self.post_form("/login/totp", &[("totp", &code)]).await;
            self.clock.advance(time::Duration::seconds(30));
            return r2;
        }
        r
    }
}

fn serde_urlencoded_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A child process (server, chromedriver) killed when the test ends, pass or fail.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port free on 127.0.0.1 at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
