//! Use cases of ATLAS. [`App`] is the facade both the web layer and the CLI call; each
//! use case follows the same steps: authorise with the domain policy, parse the input,
//! run one store transaction, append the audit event in it, commit.
//!
//! Invariants: no use case changes data without an audit event in the same transaction;
//! callers never see internal errors' details (they are [`Error::Internal`] and logged by
//! the web layer).

pub mod audit;
pub mod auth;
pub mod carto_network;
pub mod cartography;
pub mod cartography_demo;
pub mod cases;
pub mod cases_demo;
pub mod cases_referral;
pub mod cases_stats;
pub mod certificates;
pub mod crypto;
pub mod demo;
pub mod directory;
pub mod guide;
pub mod guide_demo;
pub mod guide_docs;
pub mod guide_uses;
pub mod jobs;
pub mod mail;
pub mod password;
pub mod results;
pub mod results_dashboard;
pub mod results_demo;
pub mod results_edit;
pub mod results_export;
pub mod results_sources;
pub mod training;
pub mod training_adaptation;
pub mod training_demo;
pub mod training_import;
pub mod training_material;
pub mod training_tests;

use atlas_domain::auth::Actor;
use atlas_domain::clock::Clock;
use atlas_store::Db;
use std::sync::Arc;
use time::Duration;

pub use atlas_domain as domain;
pub use atlas_store as store;

/// A use-case failure: a broken rule (shown to the user) or an internal fault (logged).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Rule(#[from] atlas_domain::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result of a use case.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The rule error, if this is one.
    pub fn rule(&self) -> Option<&atlas_domain::Error> {
        match self {
            Error::Rule(r) => Some(r),
            Error::Internal(_) => None,
        }
    }
}

/// Who is acting: a signed-in user (checked by the policy) or the operator at the server's
/// command line (`atlas user …`), who already holds the machine and is audited as such.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    User(&'a Actor),
    Operator,
}

impl By<'_> {
    /// Actor identity for audit events.
    pub fn audit_actor(&self) -> Option<(uuid::Uuid, &str)> {
        match self {
            By::User(a) => Some((a.user_id, a.username.as_str())),
            By::Operator => None,
        }
    }
}

/// Tunables of the use cases (from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in whatever its use.
    pub session_absolute: Duration,
    /// Lifetime of an API token.
    pub token_ttl: Duration,
    /// Failed sign-ins within `lockout_window` that lock the account.
    pub lockout_threshold: i64,
    /// Window in which failures are counted.
    pub lockout_window: Duration,
    /// How long a locked account stays locked.
    pub lockout_duration: Duration,
    /// Issuer name shown in authenticator apps.
    pub totp_issuer: String,
    /// Key of the blind indexes (keyed hashes that find a record by a secret value, such
    /// as a participant's national id, without storing the value).
    pub index_key: SecretKey,
    /// Key of field encryption at rest (TOTP secrets now; victims' identifying data next).
    pub field_key: SecretKey,
    /// Seed of the Ed25519 key that signs certificates (Open Badges credentials); its
    /// public key, as a `did:key`, is the credentials' issuer.
    pub signing_key: SecretKey,
    /// Folder of the files the platform keeps outside the database (attached material
    /// under `material/`). Back it up together with the database.
    pub data_dir: std::path::PathBuf,
    /// Largest attached-material file accepted, in bytes.
    pub material_max_bytes: usize,
    /// The deployment's public address (`https://atlas.example.org`, no trailing slash),
    /// used in certificate QR codes, verification and test links and Open Badges
    /// credentials instead of the host a request came to. `None`: the request's host.
    pub public_url: Option<String>,
    /// Cases: minimum working ages, k of the anonymised export, retention, default
    /// referral response time.
    pub cases: cases::CaseSettings,
    /// Cartography: the grid generalised features are snapped to.
    pub cartography: cartography::CartoSettings,
    /// The SMTP relay case notifications are e-mailed through; `None`: no e-mail.
    pub smtp: Option<mail::SmtpSettings>,
}

/// A 32-byte secret. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(pub [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

impl std::ops::Deref for SecretKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn random() -> Self {
        use rand::RngCore;
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        Self(k)
    }

    /// A purpose-specific key derived from a deployment's master key (HMAC-SHA256 of the
    /// purpose label, i.e. one HKDF-expand block), so keys for different uses never
    /// coincide.
    pub fn derive(master: &[u8], purpose: &str) -> Self {
        use hmac::{Hmac, Mac};
        let mut out = [0u8; 32];
        if let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(master) {
            m.update(purpose.as_bytes());
            m.update(&[1]);
            out.copy_from_slice(&m.finalize().into_bytes());
        }
        Self(out)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
            token_ttl: Duration::days(30),
            lockout_threshold: 5,
            lockout_window: Duration::minutes(15),
            lockout_duration: Duration::minutes(15),
            totp_issuer: "ATLAS".into(),
            // Safe by default: a key nobody knows. `atlas serve` loads the deployment's.
            index_key: SecretKey::random(),
            field_key: SecretKey::random(),
            signing_key: SecretKey::random(),
            data_dir: std::path::PathBuf::from("atlas-data"),
            material_max_bytes: atlas_domain::training_material::DEFAULT_MAX_BYTES,
            public_url: None,
            cases: cases::CaseSettings::default(),
            cartography: cartography::CartoSettings::default(),
            smtp: None,
        }
    }
}

/// The application: database, clock and settings.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Password hashing workers.
    pub hasher: password::Hasher,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("backend", &self.db.backend())
            .finish()
    }
}

impl App {
    /// Builds the application over an already migrated database; starts the two
    /// password-hashing threads.
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            clock,
            settings: Arc::new(settings),
            hasher: password::Hasher::start(2)
                .map_err(|e| anyhow::anyhow!("cannot start password hashing threads: {e}"))?,
        })
    }

    /// `path` (starting with `/`) under the configured public URL, if one is set.
    pub fn public_link(&self, path: &str) -> Option<String> {
        self.settings
            .public_url
            .as_deref()
            .map(|base| format!("{base}{path}"))
    }

    /// The current time.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

/// Random bytes from the operating system's generator, hex-encoded.
pub(crate) fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a secret, hex-encoded (how sessions and tokens are stored).
pub fn secret_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}
