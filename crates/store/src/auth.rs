//! Accounts, sessions and API tokens.
//!
//! Sessions and tokens are stored by the SHA-256 of the secret the client holds, so a copy
//! of the database hands out no live credential.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored account, with its institution's country for the policy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub account_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub institution_id: Uuid,
    pub country_code: String,
    pub institution_acronym: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_count: i64,
    pub failed_window_start: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    pub email: Option<String>,
    pub language: Option<String>,
}

const ACCOUNT_SELECT: &str = "select a.account_id, a.username, a.display_name, a.role, a.institution_id, \
    i.country_code, i.acronym as institution_acronym, a.password_hash, a.totp_secret, a.totp_pending_secret, \
    a.totp_last_step, a.failed_count, a.failed_window_start, a.locked_until, a.disabled_at, \
    a.created_at, a.updated_at, a.version, a.email, a.language \
    from account a join institution i on i.institution_id = a.institution_id";

/// A new account to insert.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub account_id: Uuid,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub institution_id: Uuid,
    pub password_hash: &'a str,
    pub totp_secret: Option<&'a str>,
    pub email: Option<&'a str>,
    pub language: Option<&'a str>,
    pub now: OffsetDateTime,
}

/// Inserts an account.
pub async fn insert_account(tx: &mut Tx, a: &NewAccount<'_>) -> anyhow::Result<()> {
    let sql = "insert into account (account_id, username, display_name, role, institution_id, password_hash, \
               totp_secret, failed_count, created_at, updated_at, version, email, language) \
               values ($1,$2,$3,$4,$5,$6,$7,0,$8,$8,1,$9,$10)";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(a.account_id).bind(a.username).bind(a.display_name).bind(a.role)
        .bind(a.institution_id).bind(a.password_hash).bind(a.totp_secret).bind(a.now)
        .bind(a.email).bind(a.language)
        .execute(c).await.map(|_| ()))
    .context("insert account")?;
    Ok(())
}

/// True when the username is taken.
pub async fn username_taken(tx: &mut Tx, username: &str) -> anyhow::Result<bool> {
    let n: (i64,) =
        on_tx!(tx, c => sqlx::query_as("select count(*) from account where username = $1")
        .bind(username).fetch_one(c).await)
        .context("check username")?;
    Ok(n.0 > 0)
}

/// An account by username, read in a transaction (sign-in updates counters).
pub async fn account_by_username_tx(
    tx: &mut Tx,
    username: &str,
) -> anyhow::Result<Option<AccountRow>> {
    let sql = format!("{ACCOUNT_SELECT} where a.username = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(username).fetch_optional(c).await)
        .context("get account")
}

/// An account by id.
pub async fn account(db: &Db, id: Uuid) -> anyhow::Result<Option<AccountRow>> {
    let sql = format!("{ACCOUNT_SELECT} where a.account_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get account")
}

/// An account by id, read in a transaction.
pub async fn account_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<AccountRow>> {
    let sql = format!("{ACCOUNT_SELECT} where a.account_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get account")
}

/// An account by username.
pub async fn account_by_username(db: &Db, username: &str) -> anyhow::Result<Option<AccountRow>> {
    let sql = format!("{ACCOUNT_SELECT} where a.username = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(username).fetch_optional(p).await)
        .context("get account")
}

/// Accounts, optionally of one institution, by username.
pub async fn list_accounts(
    db: &Db,
    institution: Option<Uuid>,
    limit: i64,
) -> anyhow::Result<Vec<AccountRow>> {
    let sql = format!(
        "{ACCOUNT_SELECT} where ($1 is null or a.institution_id = $1) order by a.username limit $2"
    );
    on_db!(db, p => sqlx::query_as(&sql).bind(institution).bind(limit).fetch_all(p).await)
        .context("list accounts")
}

/// Records the sign-in failure counters and lock.
pub async fn set_failures(
    tx: &mut Tx,
    id: Uuid,
    count: i64,
    window_start: Option<OffsetDateTime>,
    locked_until: Option<OffsetDateTime>,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set failed_count = $2, failed_window_start = $3, locked_until = $4 where account_id = $1")
        .bind(id).bind(count).bind(window_start).bind(locked_until).execute(c).await.map(|_| ()))
    .context("record sign-in failures")?;
    Ok(())
}

/// Replaces the password hash (and clears failures).
pub async fn set_password(
    tx: &mut Tx,
    id: Uuid,
    hash: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set password_hash = $2, failed_count = 0, failed_window_start = null, \
        locked_until = null, updated_at = $3, version = version + 1 where account_id = $1")
        .bind(id).bind(hash).bind(now).execute(c).await.map(|_| ()))
    .context("set password")?;
    Ok(())
}

/// Sets an account's e-mail address and e-mail language (either may be cleared).
pub async fn set_contact(
    tx: &mut Tx,
    id: Uuid,
    email: Option<&str>,
    language: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set email = $2, language = $3, updated_at = $4, version = version + 1 where account_id = $1")
        .bind(id).bind(email).bind(language).bind(now).execute(c).await.map(|_| ()))
    .context("set account contact")
}

/// Active accounts of `institution` with one of `roles` and an e-mail address: who an
/// institution's notification is e-mailed to.
pub async fn mail_recipients_tx(
    tx: &mut Tx,
    institution: Uuid,
    roles: &[&str],
) -> anyhow::Result<Vec<Uuid>> {
    let mut out = Vec::new();
    for role in roles {
        let ids: Vec<(Uuid,)> = on_tx!(tx, c => sqlx::query_as("select account_id from account where institution_id = $1 \
            and role = $2 and disabled_at is null and email is not null order by account_id")
            .bind(institution).bind(*role).fetch_all(c).await)
        .context("list mail recipients")?;
        out.extend(ids.into_iter().map(|r| r.0));
    }
    Ok(out)
}

/// Disables (`Some(t)`) or re-enables (`None`) an account.
pub async fn set_disabled(
    tx: &mut Tx,
    id: Uuid,
    at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set disabled_at = $2, updated_at = $3, version = version + 1 where account_id = $1")
        .bind(id).bind(at).bind(now).execute(c).await.map(|_| ()))
    .context("disable account")?;
    Ok(())
}

/// Stores a TOTP secret awaiting confirmation.
pub async fn set_totp_pending(tx: &mut Tx, id: Uuid, secret: Option<&str>) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set totp_pending_secret = $2 where account_id = $1")
        .bind(id).bind(secret).execute(c).await.map(|_| ()))
    .context("store pending TOTP secret")?;
    Ok(())
}

/// Makes a confirmed secret the account's TOTP secret.
pub async fn set_totp(
    tx: &mut Tx,
    id: Uuid,
    secret: Option<&str>,
    step: Option<i64>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set totp_secret = $2, totp_pending_secret = null, totp_last_step = $3, \
        updated_at = $4, version = version + 1 where account_id = $1")
        .bind(id).bind(secret).bind(step).bind(now).execute(c).await.map(|_| ()))
    .context("store TOTP secret")?;
    Ok(())
}

/// Remembers the last TOTP step used, so a code cannot be replayed.
pub async fn set_totp_step(tx: &mut Tx, id: Uuid, step: i64) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update account set totp_last_step = $2 where account_id = $1")
        .bind(id).bind(step).execute(c).await.map(|_| ()))
    .context("store TOTP step")?;
    Ok(())
}

/// A session with its account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub session_id: String,
    pub account_id: Uuid,
    pub stage: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Inserts a session.
pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("insert into session (session_id, account_id, stage, created_at, last_seen_at, expires_at) \
        values ($1,$2,$3,$4,$5,$6)")
        .bind(&s.session_id).bind(s.account_id).bind(&s.stage).bind(s.created_at).bind(s.last_seen_at).bind(s.expires_at)
        .execute(c).await.map(|_| ()))
    .context("insert session")?;
    Ok(())
}

/// A session by the hash of its token.
pub async fn session(db: &Db, id: &str) -> anyhow::Result<Option<SessionRow>> {
    on_db!(db, p => sqlx::query_as("select session_id, account_id, stage, created_at, last_seen_at, expires_at \
        from session where session_id = $1").bind(id).fetch_optional(p).await)
    .context("get session")
}

/// Marks a session as seen now (sliding idle expiry).
pub async fn touch_session(db: &Db, id: &str, now: OffsetDateTime) -> anyhow::Result<()> {
    on_db!(db, p => sqlx::query("update session set last_seen_at = $2 where session_id = $1").bind(id).bind(now).execute(p).await.map(|_| ()))
        .context("touch session")?;
    Ok(())
}

/// Moves a session to another stage (after TOTP or enrolment).
pub async fn set_session_stage(tx: &mut Tx, id: &str, stage: &str) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("update session set stage = $2 where session_id = $1").bind(id).bind(stage).execute(c).await.map(|_| ()))
        .context("set session stage")?;
    Ok(())
}

/// Deletes one session (sign-out, expiry).
pub async fn delete_session(db: &Db, id: &str) -> anyhow::Result<()> {
    on_db!(db, p => sqlx::query("delete from session where session_id = $1").bind(id).execute(p).await.map(|_| ()))
        .context("delete session")?;
    Ok(())
}

/// Deletes one session inside a transaction.
pub async fn delete_session_tx(tx: &mut Tx, id: &str) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("delete from session where session_id = $1").bind(id).execute(c).await.map(|_| ()))
        .context("delete session")?;
    Ok(())
}

/// Ends every session of an account and revokes its tokens, except session `keep`.
pub async fn end_all_sessions(
    tx: &mut Tx,
    account: Uuid,
    keep: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<u64> {
    let n = on_tx!(tx, c => sqlx::query("delete from session where account_id = $1 and ($2 is null or session_id <> $2)")
        .bind(account).bind(keep).execute(c).await.map(|r| r.rows_affected()))
    .context("end sessions")?;
    on_tx!(tx, c => sqlx::query("update api_token set revoked_at = $2 where account_id = $1 and revoked_at is null")
        .bind(account).bind(now).execute(c).await.map(|_| ()))
    .context("revoke tokens")?;
    Ok(n)
}

/// Deletes sessions past their absolute or idle expiry.
pub async fn purge_sessions(
    db: &Db,
    now: OffsetDateTime,
    idle_cutoff: OffsetDateTime,
) -> anyhow::Result<u64> {
    on_db!(db, p => sqlx::query("delete from session where expires_at <= $1 or last_seen_at <= $2")
        .bind(now).bind(idle_cutoff).execute(p).await.map(|r| r.rows_affected()))
    .context("purge sessions")
}

/// A stored API token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub api_token_id: Uuid,
    pub account_id: Uuid,
    pub token_hash: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// Inserts a token.
pub async fn insert_token(tx: &mut Tx, t: &TokenRow) -> anyhow::Result<()> {
    on_tx!(tx, c => sqlx::query("insert into api_token (api_token_id, account_id, token_hash, created_at, expires_at) values ($1,$2,$3,$4,$5)")
        .bind(t.api_token_id).bind(t.account_id).bind(&t.token_hash).bind(t.created_at).bind(t.expires_at)
        .execute(c).await.map(|_| ()))
    .context("insert token")?;
    Ok(())
}

/// A token by hash.
pub async fn token(db: &Db, hash: &str) -> anyhow::Result<Option<TokenRow>> {
    on_db!(db, p => sqlx::query_as("select api_token_id, account_id, token_hash, created_at, expires_at, last_used_at, revoked_at \
        from api_token where token_hash = $1").bind(hash).fetch_optional(p).await)
    .context("get token")
}

/// The tokens of an account, newest first.
pub async fn tokens_of(db: &Db, account: Uuid) -> anyhow::Result<Vec<TokenRow>> {
    on_db!(db, p => sqlx::query_as("select api_token_id, account_id, token_hash, created_at, expires_at, last_used_at, revoked_at \
        from api_token where account_id = $1 order by created_at desc limit 50").bind(account).fetch_all(p).await)
    .context("list tokens")
}

/// Revokes one token of an account; false when there is no such live token.
pub async fn revoke_token(
    tx: &mut Tx,
    account: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update api_token set revoked_at = $3 where api_token_id = $1 and account_id = $2 and revoked_at is null")
        .bind(id).bind(account).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("revoke token")?;
    Ok(n == 1)
}

/// Notes when a token was last used (at most once a minute per token).
pub async fn touch_token(db: &Db, id: Uuid, now: OffsetDateTime) -> anyhow::Result<()> {
    on_db!(db, p => sqlx::query("update api_token set last_used_at = $2 where api_token_id = $1").bind(id).bind(now).execute(p).await.map(|_| ()))
        .context("touch token")?;
    Ok(())
}

/// Number of accounts, institutions and areas (home page of an administrator).
pub async fn totals(db: &Db) -> anyhow::Result<(i64, i64, i64)> {
    on_db!(db, p => sqlx::query_as("select (select count(*) from account), (select count(*) from institution), (select count(*) from area)")
        .fetch_one(p).await)
    .context("count totals")
}
