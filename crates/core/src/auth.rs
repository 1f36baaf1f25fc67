//! Accounts, sign-in, TOTP, sessions and API tokens.
//!
//! Invariants:
//! - passwords are stored as argon2id PHC strings, verified off the async runtime;
//! - `lockout_threshold` failures (password or TOTP) within `lockout_window` lock the
//!   account for `lockout_duration`, with an audit event;
//! - roles that require TOTP reach a full session only after a valid, never-replayed
//!   code; the session token is replaced at that moment (no fixation);
//! - disabling an account or resetting its password ends its sessions and revokes its
//!   tokens in the same transaction.

use crate::crypto::FieldCipher;
use crate::{App, By, Error, Result, random_hex, secret_hash};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{
    AccountDraft, AccountInput, Action, Actor, Role, Username, authorize, check_new_password,
};
use atlas_domain::directory::CountryCode;
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::auth as st;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; a TOTP code is awaited.
    Totp,
    /// Password accepted; the role requires TOTP and none is enrolled yet.
    Enrol,
    /// Fully signed in.
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Totp => "totp",
            Stage::Enrol => "enrol",
            Stage::Full => "full",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "totp" => Some(Stage::Totp),
            "enrol" => Some(Stage::Enrol),
            "full" => Some(Stage::Full),
            _ => None,
        }
    }
}

/// A resolved session: who, at what stage.
#[derive(Debug, Clone)]
pub struct SessionCtx {
    /// Hash of the cookie token (the session's key).
    pub session_id: String,
    pub stage: Stage,
    pub actor: Actor,
    pub display_name: String,
    pub institution_acronym: String,
    pub totp_enrolled: bool,
}

/// A new session: the token for the cookie and its stage.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub stage: Stage,
}

/// A public view of an account (no secrets).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub institution_id: Uuid,
    pub institution_acronym: String,
    pub country: String,
    pub totp_enrolled: bool,
    pub disabled: bool,
    pub locked: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub email: Option<String>,
    pub language: Option<String>,
}

/// An API token as its owner sees it (never the secret again).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenView {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

/// A TOTP enrolment in progress: what the user scans or types.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

fn actor_of(a: &st::AccountRow) -> Result<Actor> {
    let role = Role::parse(&a.role)
        .with_context(|| format!("unknown role stored for account {}", a.account_id))?;
    let country = CountryCode::parse(&a.country_code)
        .with_context(|| format!("unknown country for account {}", a.account_id))?;
    Ok(Actor {
        user_id: a.account_id,
        username: a.username.clone(),
        role,
        institution_id: a.institution_id,
        country,
    })
}

fn view_of(a: &st::AccountRow, now: OffsetDateTime) -> AccountView {
    AccountView {
        id: a.account_id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.clone(),
        institution_id: a.institution_id,
        institution_acronym: a.institution_acronym.clone(),
        country: a.country_code.clone(),
        totp_enrolled: a.totp_secret.is_some(),
        disabled: a.disabled_at.is_some(),
        locked: a.locked_until.is_some_and(|t| t > now),
        created_at: a.created_at,
        email: a.email.clone(),
        language: a.language.clone(),
    }
}

/// Columns holding TOTP secrets, sealed with the field key (bound to column and row).
const TOTP_SECRET: &str = "totp_secret";
const TOTP_PENDING: &str = "totp_pending_secret";

/// A fixed hash verified when the username is unknown, so the response takes as long as
/// for a real account and does not reveal which usernames exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W9Sx2yfbp1Ofe1u9xGV0b9U4aZb0W+0tRzT3O3Jr3T4";

fn totp_for(secret_b32: &str, issuer: &str, account: &str) -> Result<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("stored TOTP secret is not base32: {e:?}"))?;
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP setup failed: {e}")))
}

/// Finds the step (30-second window, with one step of skew each way) whose code matches.
fn matching_step(totp: &totp_rs::TOTP, code: &str, now: OffsetDateTime) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = now.unix_timestamp();
    [-1i64, 0, 1].into_iter().find_map(|d| {
        let ts = t + d * 30;
        let ts_u = u64::try_from(ts).ok()?;
        let expected = totp.generate(ts_u);
        bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            code.as_bytes(),
        ))
        .then_some(ts / 30)
    })
}

impl App {
    async fn audit(&self, tx: &mut atlas_store::Tx, e: NewEvent) -> Result<()> {
        st_audit::append(tx, self.now(), &e).await?;
        Ok(())
    }

    fn cipher(&self) -> FieldCipher {
        FieldCipher::new(&self.settings.field_key.0)
    }

    /// Encrypts a TOTP secret for `column` of account `id`.
    fn seal_totp(&self, id: Uuid, column: &str, secret_b32: &str) -> Result<String> {
        Ok(self
            .cipher()
            .seal(&format!("account.{column}|{id}"), secret_b32.as_bytes())?)
    }

    /// Decrypts a stored TOTP secret of `account`.
    fn open_totp(&self, account: &st::AccountRow, column: &str, stored: &str) -> Result<String> {
        let bytes = self
            .cipher()
            .open(&format!("account.{column}|{}", account.account_id), stored)
            .with_context(|| format!("TOTP secret of account {}", account.account_id))?;
        Ok(String::from_utf8(bytes).context("TOTP secret is not text")?)
    }

    /// Appends an event about `account` done by that account itself.
    async fn audit_own(
        &self,
        tx: &mut atlas_store::Tx,
        account: &st::AccountRow,
        action: &str,
        summary: impl Into<String>,
    ) -> Result<()> {
        let e = NewEvent::new(
            Some((account.account_id, account.username.as_str())),
            action,
            "account",
            account.account_id,
            summary,
        );
        self.audit(tx, e).await
    }

    /// Replaces a half-signed-in session by a full one (after TOTP or enrolment), so a
    /// session id seen before the second factor is worthless after it.
    async fn promote_session(
        &self,
        tx: &mut atlas_store::Tx,
        session: &SessionCtx,
        account: &st::AccountRow,
        how: &str,
    ) -> Result<NewSession> {
        st::delete_session_tx(tx, &session.session_id).await?;
        let s = self
            .open_session(tx, account.account_id, Stage::Full)
            .await?;
        self.audit_own(tx, account, "auth.login", format!("stage=full totp={how}"))
            .await?;
        Ok(s)
    }

    /// Records a failed credential check; locks the account at the threshold. Returns
    /// whether the account is now locked.
    async fn record_failure(&self, account: &st::AccountRow, what: &str) -> Result<bool> {
        let now = self.now();
        let s = &self.settings;
        let mut tx = self.db.begin().await?;
        // Re-read inside the write transaction so concurrent failures all count.
        let Some(a) = st::account_tx(&mut tx, account.account_id).await? else {
            return Ok(false);
        };
        let fresh = a
            .failed_window_start
            .is_none_or(|w| now - w > s.lockout_window);
        let (count, start) = if fresh {
            (1, now)
        } else {
            (a.failed_count + 1, a.failed_window_start.unwrap_or(now))
        };
        let lock = (count >= s.lockout_threshold).then_some(now + s.lockout_duration);
        st::set_failures(
            &mut tx,
            a.account_id,
            if lock.is_some() { 0 } else { count },
            if lock.is_some() { None } else { Some(start) },
            lock.or(a.locked_until),
        )
        .await?;
        let who = Some((a.account_id, a.username.as_str()));
        self.audit(
            &mut tx,
            NewEvent::new(
                who,
                "auth.login_failed",
                "account",
                a.account_id,
                format!("reason={what} failures={count}"),
            ),
        )
        .await?;
        if lock.is_some() {
            self.audit(
                &mut tx,
                NewEvent::new(
                    who,
                    "auth.lockout",
                    "account",
                    a.account_id,
                    format!("locked for {} minutes", s.lockout_duration.whole_minutes()),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(lock.is_some())
    }

    /// Checks username and password with lockout bookkeeping; returns the account.
    async fn check_credentials(&self, username: &str, password: &str) -> Result<st::AccountRow> {
        let now = self.now();
        let account = match Username::parse(username) {
            Some(u) => st::account_by_username(&self.db, u.as_str()).await?,
            None => None,
        };
        let Some(account) = account else {
            self.hasher.verify(password, DUMMY_HASH).await?;
            let mut tx = self.db.begin().await?;
            self.audit(
                &mut tx,
                NewEvent::new(
                    None,
                    "auth.login_failed",
                    "account",
                    "-",
                    "reason=unknown_user",
                ),
            )
            .await?;
            tx.commit().await?;
            return Err(RuleError::Unauthenticated.into());
        };
        if account.locked_until.is_some_and(|t| t > now) {
            let mut tx = self.db.begin().await?;
            self.audit_own(&mut tx, &account, "auth.login_refused", "reason=locked")
                .await?;
            tx.commit().await?;
            return Err(RuleError::Locked.into());
        }
        let ok = self.hasher.verify(password, &account.password_hash).await?;
        if account.disabled_at.is_some() {
            let mut tx = self.db.begin().await?;
            self.audit_own(&mut tx, &account, "auth.login_refused", "reason=disabled")
                .await?;
            tx.commit().await?;
            return Err(RuleError::Unauthenticated.into());
        }
        if !ok {
            return Err(if self.record_failure(&account, "password").await? {
                RuleError::Locked
            } else {
                RuleError::Unauthenticated
            }
            .into());
        }
        Ok(account)
    }

    /// Checks a TOTP code for an account with lockout bookkeeping and replay protection
    /// (the step is stored inside `tx`).
    async fn check_totp(&self, account: &st::AccountRow, secret: &str, code: &str) -> Result<i64> {
        let totp = totp_for(secret, &self.settings.totp_issuer, &account.username)?;
        match matching_step(&totp, code, self.now()) {
            Some(step) if account.totp_last_step.is_none_or(|last| step > last) => Ok(step),
            _ => Err(if self.record_failure(account, "totp").await? {
                RuleError::Locked
            } else {
                RuleError::Invalid(FieldErrors::single("totp", "totp-invalid"))
            }
            .into()),
        }
    }

    async fn open_session(
        &self,
        tx: &mut atlas_store::Tx,
        account: Uuid,
        stage: Stage,
    ) -> Result<NewSession> {
        let now = self.now();
        let token = random_hex(32);
        st::insert_session(
            tx,
            &st::SessionRow {
                session_id: secret_hash(&token),
                account_id: account,
                stage: stage.as_str().into(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + self.settings.session_absolute,
            },
        )
        .await?;
        Ok(NewSession { token, stage })
    }

    /// Signs in with username and password. The returned session may still need a TOTP
    /// code ([`Stage::Totp`]) or an enrolment ([`Stage::Enrol`]).
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<NewSession> {
        let account = self.check_credentials(username, password).await?;
        let role = actor_of(&account)?.role;
        let stage = match (role.requires_totp(), account.totp_secret.is_some()) {
            (false, _) => Stage::Full,
            (true, true) => Stage::Totp,
            (true, false) => Stage::Enrol,
        };
        let mut tx = self.db.begin().await?;
        st::set_failures(&mut tx, account.account_id, 0, None, None).await?;
        let s = self
            .open_session(&mut tx, account.account_id, stage)
            .await?;
        let action = if stage == Stage::Full {
            "auth.login"
        } else {
            "auth.login_password"
        };
        self.audit(
            &mut tx,
            NewEvent::new(
                Some((account.account_id, &account.username)),
                action,
                "account",
                account.account_id,
                format!("stage={}", stage.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Completes a sign-in waiting for a TOTP code; returns the replacement session.
    pub async fn sign_in_totp(&self, session: &SessionCtx, code: &str) -> Result<NewSession> {
        if session.stage != Stage::Totp {
            return Err(RuleError::Unauthenticated.into());
        }
        let account = st::account(&self.db, session.actor.user_id)
            .await?
            .ok_or(RuleError::Unauthenticated)?;
        let sealed = account
            .totp_secret
            .clone()
            .ok_or(RuleError::Unauthenticated)?;
        let secret = self.open_totp(&account, TOTP_SECRET, &sealed)?;
        let step = self.check_totp(&account, &secret, code).await?;
        let mut tx = self.db.begin().await?;
        st::set_totp_step(&mut tx, account.account_id, step).await?;
        st::set_failures(&mut tx, account.account_id, 0, None, None).await?;
        let s = self
            .promote_session(&mut tx, session, &account, "ok")
            .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Resolves a session cookie token; `None` when unknown, expired or the account is
    /// disabled (the session is then removed).
    pub async fn session(&self, token: &str) -> Result<Option<SessionCtx>> {
        let id = secret_hash(token);
        let Some(s) = st::session(&self.db, &id).await? else {
            return Ok(None);
        };
        let now = self.now();
        if s.expires_at <= now || s.last_seen_at + self.settings.session_idle <= now {
            st::delete_session(&self.db, &id).await?;
            return Ok(None);
        }
        let Some(a) = st::account(&self.db, s.account_id).await? else {
            return Ok(None);
        };
        if a.disabled_at.is_some() {
            st::delete_session(&self.db, &id).await?;
            return Ok(None);
        }
        if now - s.last_seen_at > time::Duration::seconds(30) {
            st::touch_session(&self.db, &id, now).await?;
        }
        Ok(Some(SessionCtx {
            session_id: id,
            stage: Stage::parse(&s.stage).context("unknown session stage")?,
            actor: actor_of(&a)?,
            display_name: a.display_name.clone(),
            institution_acronym: a.institution_acronym.clone(),
            totp_enrolled: a.totp_secret.is_some(),
        }))
    }

    /// Signs out: deletes the session and records it.
    pub async fn sign_out(&self, session: &SessionCtx) -> Result<()> {
        let mut tx = self.db.begin().await?;
        st::delete_session_tx(&mut tx, &session.session_id).await?;
        self.audit(
            &mut tx,
            NewEvent::new(
                Some((session.actor.user_id, &session.actor.username)),
                "auth.logout",
                "account",
                session.actor.user_id,
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts (or restarts) TOTP enrolment for the session's account.
    pub async fn begin_totp_enrolment(&self, session: &SessionCtx) -> Result<Enrolment> {
        let account = st::account(&self.db, session.actor.user_id)
            .await?
            .ok_or(RuleError::Unauthenticated)?;
        let secret = match &account.totp_pending_secret {
            Some(sealed) => self.open_totp(&account, TOTP_PENDING, sealed)?,
            None => {
                use rand::RngCore;
                let mut b = [0u8; 20];
                rand::rng().fill_bytes(&mut b);
                let s = totp_rs::Secret::Raw(b.to_vec()).to_encoded().to_string();
                let mut tx = self.db.begin().await?;
                let sealed = self.seal_totp(account.account_id, TOTP_PENDING, &s)?;
                st::set_totp_pending(&mut tx, account.account_id, Some(&sealed)).await?;
                self.audit_own(&mut tx, &account, "auth.totp_enrolment_started", "")
                    .await?;
                tx.commit().await?;
                s
            }
        };
        let totp = totp_for(&secret, &self.settings.totp_issuer, &account.username)?;
        Ok(Enrolment {
            otpauth_url: totp.get_url(),
            secret_base32: secret,
        })
    }

    /// Confirms enrolment with a code from the new secret. A session that was waiting
    /// for enrolment becomes a full session (the returned replacement).
    pub async fn confirm_totp_enrolment(
        &self,
        session: &SessionCtx,
        code: &str,
    ) -> Result<Option<NewSession>> {
        let account = st::account(&self.db, session.actor.user_id)
            .await?
            .ok_or(RuleError::Unauthenticated)?;
        let pending = account
            .totp_pending_secret
            .clone()
            .ok_or_else(|| RuleError::Invalid(FieldErrors::single("totp", "totp-no-enrolment")))?;
        let secret = self.open_totp(&account, TOTP_PENDING, &pending)?;
        let step = self.check_totp(&account, &secret, code).await?;
        let sealed = self.seal_totp(account.account_id, TOTP_SECRET, &secret)?;
        let mut tx = self.db.begin().await?;
        st::set_totp(
            &mut tx,
            account.account_id,
            Some(&sealed),
            Some(step),
            self.now(),
        )
        .await?;
        self.audit_own(&mut tx, &account, "auth.totp_enrolled", "")
            .await?;
        let new = if session.stage == Stage::Enrol {
            Some(
                self.promote_session(&mut tx, session, &account, "enrolled")
                    .await?,
            )
        } else {
            None
        };
        tx.commit().await?;
        Ok(new)
    }

    /// Changes the signed-in user's own password; other sessions and tokens end.
    pub async fn change_password(
        &self,
        session: &SessionCtx,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<()> {
        let account = st::account(&self.db, session.actor.user_id)
            .await?
            .ok_or(RuleError::Unauthenticated)?;
        let mut e = FieldErrors::new();
        if let Err(k) = check_new_password(new, &account.username) {
            e.add("new_password", k);
        }
        if new != confirm {
            e.add("confirm_password", "password-mismatch");
        }
        if !self.hasher.verify(current, &account.password_hash).await? {
            if self.record_failure(&account, "password_change").await? {
                return Err(RuleError::Locked.into());
            }
            e.add("current_password", "password-wrong");
        }
        e.into_result(())?;
        let hash = self.hasher.hash(new).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::set_password(&mut tx, account.account_id, &hash, now).await?;
        let ended =
            st::end_all_sessions(&mut tx, account.account_id, Some(&session.session_id), now)
                .await?;
        self.audit_own(
            &mut tx,
            &account,
            "auth.password_changed",
            format!("other_sessions_ended={ended}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues an API token for username, password and (where the role requires it) TOTP.
    pub async fn issue_token(
        &self,
        username: &str,
        password: &str,
        totp: &str,
    ) -> Result<(String, OffsetDateTime)> {
        let account = self.check_credentials(username, password).await?;
        let role = actor_of(&account)?.role;
        let step = if role.requires_totp() {
            let sealed = account.totp_secret.clone().ok_or_else(|| {
                RuleError::Invalid(FieldErrors::single("totp", "totp-enrolment-required"))
            })?;
            let secret = self.open_totp(&account, TOTP_SECRET, &sealed)?;
            if totp.trim().is_empty() {
                return Err(
                    RuleError::Invalid(FieldErrors::single("totp", "field-required")).into(),
                );
            }
            Some(self.check_totp(&account, &secret, totp).await?)
        } else {
            None
        };
        let now = self.now();
        let token = format!("atl_{}", random_hex(32));
        let row = st::TokenRow {
            api_token_id: Uuid::now_v7(),
            account_id: account.account_id,
            token_hash: secret_hash(&token),
            created_at: now,
            expires_at: now + self.settings.token_ttl,
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.db.begin().await?;
        if let Some(step) = step {
            st::set_totp_step(&mut tx, account.account_id, step).await?;
        }
        st::set_failures(&mut tx, account.account_id, 0, None, None).await?;
        st::insert_token(&mut tx, &row).await?;
        self.audit(
            &mut tx,
            NewEvent::new(
                Some((account.account_id, &account.username)),
                "auth.token_issued",
                "api_token",
                row.api_token_id,
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((token, row.expires_at))
    }

    /// Resolves a bearer token to its actor and token id.
    pub async fn token_actor(&self, token: &str) -> Result<Option<(Actor, Uuid)>> {
        let Some(t) = st::token(&self.db, &secret_hash(token)).await? else {
            return Ok(None);
        };
        let now = self.now();
        if t.revoked_at.is_some() || t.expires_at <= now {
            return Ok(None);
        }
        let Some(a) = st::account(&self.db, t.account_id).await? else {
            return Ok(None);
        };
        if a.disabled_at.is_some() {
            return Ok(None);
        }
        if t.last_used_at
            .is_none_or(|u| now - u > time::Duration::minutes(1))
        {
            st::touch_token(&self.db, t.api_token_id, now).await?;
        }
        Ok(Some((actor_of(&a)?, t.api_token_id)))
    }

    /// Revokes one of the actor's own tokens.
    pub async fn revoke_token(&self, actor: &Actor, token_id: Uuid) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !st::revoke_token(&mut tx, actor.user_id, token_id, self.now()).await? {
            return Err(RuleError::NotFound.into());
        }
        self.audit(
            &mut tx,
            NewEvent::new(
                Some((actor.user_id, &actor.username)),
                "auth.token_revoked",
                "api_token",
                token_id,
                "",
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor's own tokens.
    pub async fn my_tokens(&self, actor: &Actor) -> Result<Vec<TokenView>> {
        let now = self.now();
        Ok(st::tokens_of(&self.db, actor.user_id)
            .await?
            .into_iter()
            .map(|t| TokenView {
                id: t.api_token_id,
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at.map(|u| u.date().to_string()),
                revoked: t.revoked_at.is_some() || t.expires_at <= now,
            })
            .collect())
    }

    /// The actor's own account.
    pub async fn me(&self, actor: &Actor) -> Result<AccountView> {
        let a = st::account(&self.db, actor.user_id)
            .await?
            .ok_or(RuleError::Unauthenticated)?;
        Ok(view_of(&a, self.now()))
    }

    /// Creates an account (administrators, or the operator from the CLI).
    pub async fn create_account(&self, by: By<'_>, input: &AccountInput) -> Result<AccountView> {
        if let By::User(a) = by {
            authorize(a, Action::ManageUsers, None)?;
        }
        let draft = AccountDraft::parse(input)?;
        let hash = self.hasher.hash(&draft.password).await?;
        let now = self.now();
        let id = Uuid::now_v7();
        let mut tx = self.db.begin().await?;
        let mut e = FieldErrors::new();
        if st::username_taken(&mut tx, draft.username.as_str()).await? {
            e.add("username", "username-taken");
        }
        if atlas_store::directory::get_institution_tx(&mut tx, draft.institution_id)
            .await?
            .is_none()
        {
            e.add("institution_id", "field-reference");
        }
        e.into_result(())?;
        st::insert_account(
            &mut tx,
            &st::NewAccount {
                account_id: id,
                username: draft.username.as_str(),
                display_name: &draft.display_name,
                role: draft.role.as_str(),
                institution_id: draft.institution_id,
                password_hash: &hash,
                totp_secret: None,
                email: draft.email.as_deref(),
                language: draft.language.as_deref(),
                now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            NewEvent::new(
                by.audit_actor(),
                "auth.account.create",
                "account",
                id,
                format!(
                    "role={} institution={}",
                    draft.role.as_str(),
                    draft.institution_id
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        let a = st::account(&self.db, id)
            .await?
            .context("account vanished after insert")?;
        Ok(view_of(&a, now))
    }

    /// Accounts (administrators).
    pub async fn list_accounts(&self, actor: &Actor) -> Result<Vec<AccountView>> {
        authorize(actor, Action::ManageUsers, None)?;
        let now = self.now();
        Ok(st::list_accounts(&self.db, None, 1000)
            .await?
            .iter()
            .map(|a| view_of(a, now))
            .collect())
    }

    /// One account (administrators).
    pub async fn account(&self, actor: &Actor, id: Uuid) -> Result<AccountView> {
        let a = st::account(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        authorize(
            actor,
            Action::ManageUsers,
            Some(&atlas_domain::auth::Owner {
                institution_id: Some(a.institution_id),
                country: actor_of(&a)?.country,
            }),
        )?;
        Ok(view_of(&a, self.now()))
    }

    async fn find_account(&self, by: By<'_>, id_or_name: &str) -> Result<st::AccountRow> {
        let a = match Uuid::parse_str(id_or_name) {
            Ok(id) => st::account(&self.db, id).await?,
            Err(_) => {
                st::account_by_username(&self.db, &id_or_name.trim().to_ascii_lowercase()).await?
            }
        }
        .ok_or(RuleError::NotFound)?;
        if let By::User(actor) = by {
            authorize(
                actor,
                Action::ManageUsers,
                Some(&atlas_domain::auth::Owner {
                    institution_id: Some(a.institution_id),
                    country: actor_of(&a)?.country,
                }),
            )?;
        }
        Ok(a)
    }

    /// Disables or re-enables an account; disabling ends its sessions and tokens at once.
    pub async fn set_account_disabled(
        &self,
        by: By<'_>,
        id_or_name: &str,
        disabled: bool,
    ) -> Result<AccountView> {
        let a = self.find_account(by, id_or_name).await?;
        if let By::User(actor) = by
            && actor.user_id == a.account_id
            && disabled
        {
            return Err(RuleError::Invalid(FieldErrors::single(
                "account",
                "account-cannot-disable-self",
            ))
            .into());
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::set_disabled(&mut tx, a.account_id, disabled.then_some(now), now).await?;
        let summary = if disabled {
            let n = st::end_all_sessions(&mut tx, a.account_id, None, now).await?;
            format!("sessions_ended={n}")
        } else {
            String::new()
        };
        let action = if disabled {
            "auth.account.disable"
        } else {
            "auth.account.enable"
        };
        self.audit(
            &mut tx,
            NewEvent::new(by.audit_actor(), action, "account", a.account_id, summary),
        )
        .await?;
        tx.commit().await?;
        let a = st::account(&self.db, a.account_id)
            .await?
            .context("account vanished")?;
        Ok(view_of(&a, now))
    }

    /// Sets a new password for an account, unlocks it and ends its sessions. TOTP stays
    /// enrolled: a reset must not bypass the second factor.
    pub async fn reset_password(&self, by: By<'_>, id_or_name: &str, new: &str) -> Result<()> {
        let a = self.find_account(by, id_or_name).await?;
        if let Err(k) = check_new_password(new, &a.username) {
            return Err(RuleError::Invalid(FieldErrors::single("password", k)).into());
        }
        let hash = self.hasher.hash(new).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::set_password(&mut tx, a.account_id, &hash, now).await?;
        let n = st::end_all_sessions(&mut tx, a.account_id, None, now).await?;
        self.audit(
            &mut tx,
            NewEvent::new(
                by.audit_actor(),
                "auth.account.reset_password",
                "account",
                a.account_id,
                format!("sessions_ended={n}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets or clears an account's e-mail address and e-mail language (administrators,
    /// or the operator). The audit summary says what changed, never the address.
    pub async fn set_account_contact(
        &self,
        by: By<'_>,
        id_or_name: &str,
        email: &str,
        language: &str,
    ) -> Result<AccountView> {
        let a = self.find_account(by, id_or_name).await?;
        let mut e = FieldErrors::new();
        let (email, language) = atlas_domain::auth::parse_contact(email, language, &mut e);
        e.into_result(())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::set_contact(
            &mut tx,
            a.account_id,
            email.as_deref(),
            language.as_deref(),
            now,
        )
        .await?;
        let summary = format!(
            "email={};language={}",
            if email.is_some() { "set" } else { "none" },
            language.as_deref().unwrap_or("country")
        );
        self.audit(
            &mut tx,
            NewEvent::new(
                by.audit_actor(),
                "auth.account.contact",
                "account",
                a.account_id,
                summary,
            ),
        )
        .await?;
        tx.commit().await?;
        let a = st::account(&self.db, a.account_id)
            .await?
            .context("account vanished")?;
        Ok(view_of(&a, now))
    }

    /// Removes an account's TOTP (a lost phone); it must enrol again at next sign-in.
    pub async fn reset_totp(&self, by: By<'_>, id_or_name: &str) -> Result<()> {
        let a = self.find_account(by, id_or_name).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        st::set_totp(&mut tx, a.account_id, None, None, now).await?;
        let n = st::end_all_sessions(&mut tx, a.account_id, None, now).await?;
        self.audit(
            &mut tx,
            NewEvent::new(
                by.audit_actor(),
                "auth.account.reset_totp",
                "account",
                a.account_id,
                format!("sessions_ended={n}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an account's TOTP secret directly (demo data only: the secret is printed).
    pub(crate) async fn set_totp_secret(&self, id: Uuid, secret: &str) -> Result<()> {
        let sealed = self.seal_totp(id, TOTP_SECRET, secret)?;
        let mut tx = self.db.begin().await?;
        st::set_totp(&mut tx, id, Some(&sealed), None, self.now()).await?;
        self.audit(
            &mut tx,
            NewEvent::new(None, "auth.totp_enrolled", "account", id, "demo"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Generates the current TOTP code for a base32 secret at `now` (tests and the demo).
pub fn totp_code(secret_b32: &str, now: OffsetDateTime) -> Option<String> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .ok()?;
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).ok()?;
    Some(t.generate(u64::try_from(now.unix_timestamp()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_neighbours_only() {
        let secret = totp_rs::Secret::Raw(vec![7u8; 20]).to_encoded().to_string();
        let t = totp_for(&secret, "ATLAS", "ana").unwrap();
        let now = time::macros::datetime!(2026-03-01 12:00:00 UTC);
        let code = totp_code(&secret, now).unwrap();
        assert_eq!(
            matching_step(&t, &code, now),
            Some(now.unix_timestamp() / 30)
        );
        assert!(matching_step(&t, &code, now + time::Duration::seconds(30)).is_some());
        assert!(matching_step(&t, &code, now + time::Duration::minutes(5)).is_none());
        assert!(matching_step(&t, "12a456", now).is_none());
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
