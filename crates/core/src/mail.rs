//! Case notifications by e-mail through an SMTP relay the operator runs, and the small
//! SMTP client (RFC 5321) that talks to it.
//!
//! Every in-app case notification is also e-mailed, when SMTP is configured, to the
//! active accounts of the notified institution whose role reads cases and that have an
//! address: one `mail.notification` job per recipient, enqueued in the transaction that
//! writes the notification, so a notification and its e-mails commit together and a
//! refused delivery is retried by the job queue for that recipient alone.
//!
//! Invariants: a message says only that a referral awaits or was answered, in the
//! recipient's language, with a link to the page — never a case code, a name, a need or
//! any other case content; the job payload holds ids only and the address is read when
//! sending; errors and logs name the SMTP stage and reply code, never an address or the
//! server's reply text. No AUTH and no TLS: the relay (on the host or the LAN) does TLS
//! onward, and credentials are never sent over plain TCP.

use crate::{App, Result};
use anyhow::{Context, bail};
use atlas_domain::auth::{Action, Role, scope};
use atlas_domain::mail::{Message, dot_stuff};
use atlas_store::{Tx, jobs};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use uuid::Uuid;

/// Kind of the job that e-mails one notification to one account.
pub const MAIL_NOTIFICATION: &str = "mail.notification";

/// Looks up a message of the Fluent catalogue: `(language, key) -> text`.
pub type Texts = fn(&str, &str) -> String;

/// Where and how e-mail is sent.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The relay's host name or address.
    pub host: String,
    /// The relay's port (25 by default).
    pub port: u16,
    /// The sender address (`From` and `MAIL FROM`).
    pub from: String,
    /// The name this host gives in `EHLO`.
    pub helo: String,
    /// Longest wait for the connection and for each reply.
    pub timeout: Duration,
    /// The translations messages are written with.
    pub texts: Texts,
}

/// The language e-mails go out in when the account names none: its country's.
pub fn country_language(country: &str) -> &'static str {
    match country {
        "AR" | "PY" => "es",
        "TH" => "th",
        _ => "en",
    }
}

/// The Fluent key of the subject for a notification kind, and the page it links to.
fn subject_and_path(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "referral_received" => ("mail-referral-received-subject", "/cases?view=awaiting"),
        "referral_acknowledged"
        | "referral_accepted"
        | "referral_declined"
        | "referral_delivered" => ("mail-referral-answered-subject", "/cases?view=mine"),
        _ => ("mail-referral-updated-subject", "/cases"),
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    notification: Uuid,
    account: Uuid,
}

impl App {
    /// Enqueues, in the caller's transaction, one e-mail job per account the
    /// notification is meant for (active, a role that reads cases, an address). Does
    /// nothing when SMTP is not configured. Returns how many were enqueued.
    pub(crate) async fn enqueue_notification_mail(
        &self,
        tx: &mut Tx,
        notification: Uuid,
        institution: Uuid,
        now: OffsetDateTime,
    ) -> Result<usize> {
        if self.settings.smtp.is_none() {
            return Ok(0);
        }
        let roles: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| scope(**r, Action::ReadCase).is_some())
            .map(|r| r.as_str())
            .collect();
        let accounts = atlas_store::auth::mail_recipients_tx(tx, institution, &roles).await?;
        for account in &accounts {
            let payload = serde_json::to_string(&Payload {
                notification,
                account: *account,
            })
            .context("mail job payload")?;
            jobs::enqueue(tx, MAIL_NOTIFICATION, &payload, now, now).await?;
        }
        Ok(accounts.len())
    }

    /// Runs one `mail.notification` job: builds the message in the recipient's language
    /// and hands it to the relay. An account that has since been disabled, moved to
    /// another institution or lost its address is skipped.
    pub(crate) async fn send_notification_mail(&self, payload: &str) -> Result<()> {
        let p: Payload = serde_json::from_str(payload).context("mail job payload")?;
        let Some(smtp) = self.settings.smtp.as_ref() else {
            tracing::warn!("mail job dropped: SMTP is no longer configured");
            return Ok(());
        };
        let Some((institution, kind)) =
            atlas_store::cases::notification_kind(&self.db, p.notification).await?
        else {
            return Ok(());
        };
        let Some(account) = atlas_store::auth::account(&self.db, p.account).await? else {
            return Ok(());
        };
        let Some(to) = account.email.as_deref() else {
            return Ok(());
        };
        if account.disabled_at.is_some() || account.institution_id != institution {
            return Ok(());
        }
        let lang = account
            .language
            .as_deref()
            .unwrap_or_else(|| country_language(&account.country_code));
        let (subject_key, path) = subject_and_path(&kind);
        let t = |k: &str| (smtp.texts)(lang, k);
        let subject = t(subject_key);
        let mut body = format!("{subject}.\n\n");
        if let Some(link) = self.public_link(path) {
            body.push_str(&format!("{}\n{link}\n\n", t("mail-body-open")));
        }
        body.push_str(&format!(
            "{}\n\n-- \n{}\n",
            t("mail-body-note"),
            t("mail-body-auto")
        ));
        let message = Message {
            from: smtp.from.clone(),
            to: to.to_owned(),
            subject,
            body,
            date: self.now(),
            id: Uuid::now_v7().simple().to_string(),
        };
        send(smtp, to, &message.to_bytes()).await?;
        tracing::info!(notification.id = %p.notification, account.id = %p.account, "notification e-mailed");
        Ok(())
    }
}

/// One SMTP conversation: greeting, EHLO (HELO when refused), MAIL FROM, RCPT TO, DATA
/// with the dot-stuffed message, QUIT. Every reply code is checked; each wait is
/// bounded by the settings' timeout.
pub async fn send(s: &SmtpSettings, to: &str, message: &[u8]) -> anyhow::Result<()> {
    let stream = tokio::time::timeout(s.timeout, TcpStream::connect((s.host.as_str(), s.port)))
        .await
        .map_err(|_| anyhow::anyhow!("SMTP connect: timed out"))?
        .map_err(|e| anyhow::anyhow!("SMTP connect: {}", e.kind()))?;
    let (r, w) = stream.into_split();
    let mut c = Conn {
        r: BufReader::new(r),
        w,
        timeout: s.timeout,
    };
    c.expect("greeting", &[220]).await?;
    let ehlo = c.command(&format!("EHLO {}", s.helo), "EHLO").await?;
    if ehlo != 250 {
        c.command_ok(&format!("HELO {}", s.helo), "HELO", &[250])
            .await?;
    }
    c.command_ok(&format!("MAIL FROM:<{}>", s.from), "MAIL FROM", &[250])
        .await?;
    c.command_ok(&format!("RCPT TO:<{to}>"), "RCPT TO", &[250, 251])
        .await?;
    c.command_ok("DATA", "DATA", &[354]).await?;
    let mut data = dot_stuff(message);
    data.extend_from_slice(b".\r\n");
    c.write(&data, "message").await?;
    c.expect("end of data", &[250]).await?;
    // The message is accepted; a failed goodbye does not make it undelivered.
    let _ = c.command("QUIT", "QUIT").await;
    Ok(())
}

struct Conn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
    timeout: Duration,
}

impl Conn {
    async fn write(&mut self, bytes: &[u8], stage: &str) -> anyhow::Result<()> {
        tokio::time::timeout(self.timeout, self.w.write_all(bytes))
            .await
            .map_err(|_| anyhow::anyhow!("SMTP {stage}: timed out"))?
            .map_err(|e| anyhow::anyhow!("SMTP {stage}: {}", e.kind()))
    }

    /// Reads one reply, single- or multi-line (`250-…` lines up to a `250 …` line),
    /// and returns its code.
    async fn reply(&mut self, stage: &str) -> anyhow::Result<u16> {
        let mut first: Option<u16> = None;
        for _ in 0..100 {
            let mut line = Vec::new();
            let n = tokio::time::timeout(
                self.timeout,
                (&mut self.r).take(1024).read_until(b'\n', &mut line),
            )
            .await
            .map_err(|_| anyhow::anyhow!("SMTP {stage}: no reply in time"))?
            .map_err(|e| anyhow::anyhow!("SMTP {stage}: {}", e.kind()))?;
            if n == 0 {
                bail!("SMTP {stage}: connection closed");
            }
            let code = line
                .get(..3)
                .and_then(|c| std::str::from_utf8(c).ok())
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|c| (200..=599).contains(c))
                .ok_or_else(|| anyhow::anyhow!("SMTP {stage}: malformed reply"))?;
            if first.is_some_and(|f| f != code) {
                bail!("SMTP {stage}: malformed multi-line reply");
            }
            first = Some(code);
            if line.get(3) != Some(&b'-') {
                return Ok(code);
            }
        }
        bail!("SMTP {stage}: reply too long")
    }

    async fn expect(&mut self, stage: &str, ok: &[u16]) -> anyhow::Result<u16> {
        let code = self.reply(stage).await?;
        if !ok.contains(&code) {
            bail!("SMTP {stage}: server answered {code}");
        }
        Ok(code)
    }

    async fn command(&mut self, line: &str, stage: &str) -> anyhow::Result<u16> {
        self.write(format!("{line}\r\n").as_bytes(), stage).await?;
        self.reply(stage).await
    }

    async fn command_ok(&mut self, line: &str, stage: &str, ok: &[u16]) -> anyhow::Result<u16> {
        self.write(format!("{line}\r\n").as_bytes(), stage).await?;
        self.expect(stage, ok).await
    }
}
