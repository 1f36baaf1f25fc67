//! Case notifications by e-mail on both databases, against a real SMTP server written
//! here (tokio, 127.0.0.1, the server side of RFC 5321): who receives a message, that it
//! carries no case content, the encoded Thai subject, a refusal left to the job queue's
//! retry, no job without SMTP; and the accounts' e-mail address in the admin pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_core::Settings;
use atlas_core::mail::{MAIL_NOTIFICATION, SmtpSettings};
use atlas_domain::auth::Role;
use atlas_testkit::TestApp;
use atlas_testkit::cases::{case_input, referral};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const VICTIM: &str = "Rosalía Quispe Mamani";
const PUBLIC: &str = "https://atlas.example.org";

/// One message as the server received it.
#[derive(Debug, Clone)]
struct Received {
    helo: String,
    from: String,
    rcpt: Vec<String>,
    data: String,
}

/// A minimal SMTP server: greets with 220, answers EHLO with a multi-line 250, MAIL and
/// RCPT with 250 (RCPT with 550 while `refuse` is set), DATA with 354, undoes the dot
/// stuffing until the lone dot, and keeps each message.
#[derive(Clone)]
struct Server {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
}

impl Server {
    async fn start() -> Server {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let s = Server {
            port,
            got: Arc::default(),
            refuse: Arc::default(),
        };
        let srv = s.clone();
        tokio::spawn(async move {
            loop {
                let (sock, _) = l.accept().await.unwrap();
                let srv = srv.clone();
                tokio::spawn(async move { srv.session(sock).await });
            }
        });
        s
    }

    async fn session(&self, sock: tokio::net::TcpStream) {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 test.local ESMTP ready\r\n")
            .await
            .unwrap();
        let mut cur = Received {
            helo: String::new(),
            from: String::new(),
            rcpt: Vec::new(),
            data: String::new(),
        };
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap() == 0 {
                return;
            }
            assert!(line.ends_with("\r\n"), "command without CRLF: {line:?}");
            let cmd = line.trim_end().to_owned();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO ") {
                cur.helo = cmd[5..].to_owned();
                b"250-test.local greets you\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                cur.from = cmd[10..].to_owned();
                b"250 2.1.0 ok\r\n"
            } else if upper.starts_with("RCPT TO:") {
                if self.refuse.load(Ordering::SeqCst) {
                    b"550 5.1.1 <someone@example.org>: mailbox unavailable\r\n"
                } else {
                    cur.rcpt.push(cmd[8..].to_owned());
                    b"250 2.1.5 ok\r\n"
                }
            } else if upper == "DATA" {
                if cur.rcpt.is_empty() {
                    b"554 no valid recipients\r\n"
                } else {
                    w.write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                        .await
                        .unwrap();
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        assert!(r.read_line(&mut l).await.unwrap() > 0, "closed in DATA");
                        assert!(l.ends_with("\r\n"), "data line without CRLF: {l:?}");
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    cur.data = data;
                    self.got.lock().unwrap().push(cur.clone());
                    b"250 2.0.0 queued\r\n"
                }
            } else if upper == "QUIT" {
                w.write_all(b"221 bye\r\n").await.unwrap();
                return;
            } else {
                b"502 command not implemented\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
    }

    fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}

fn settings(port: u16) -> Settings {
    Settings {
        public_url: Some(PUBLIC.into()),
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            from: "atlas@example.org".into(),
            helo: "atlas.example.org".into(),
            timeout: std::time::Duration::from_secs(5),
            texts: atlas_web::i18n::mail_text,
        }),
        ..Settings::default()
    }
}

/// Decodes standard base64 (for the encoded subject).
fn unbase64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in s.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | A.iter().position(|x| *x == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

/// Splits a message into its (unfolded) headers and body.
fn parse(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = data
        .split_once("\r\n\r\n")
        .expect("no blank line after headers");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            headers.last_mut().unwrap().1.push_str(line);
        } else {
            let (k, v) = line.split_once(": ").expect("header without colon");
            headers.push((k.to_owned(), v.to_owned()));
        }
    }
    (headers, body.to_owned())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// The subject decoded from its RFC 2047 encoded words.
fn subject(h: &[(String, String)]) -> String {
    let raw = header(h, "Subject");
    if !raw.contains("=?") {
        return raw.to_owned();
    }
    let mut bytes = Vec::new();
    for w in raw.split([' ', '\t']).filter(|w| !w.is_empty()) {
        assert!(w.len() <= 75, "encoded word too long: {w}");
        let inner = w
            .strip_prefix("=?utf-8?B?")
            .and_then(|w| w.strip_suffix("?="))
            .unwrap_or_else(|| panic!("not an encoded word: {w}"));
        bytes.extend(unbase64(inner));
    }
    String::from_utf8(bytes).unwrap()
}

async fn mail_jobs(t: &TestApp) -> Vec<atlas_store::jobs::JobState> {
    atlas_store::jobs::of_kind(&t.app.db, MAIL_NOTIFICATION)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_referral_emails_the_receiving_caseworkers_with_an_address_and_nothing_of_the_case() {
    let server = Server::start().await;
    for t in TestApp::all_with_demo_settings(settings(server.port)).await {
        let n = t.name();
        server.take();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let prv = t.institution_id("PRV").await;
        let dovic = t.institution_id("DOVIC").await;
        let area = t.area_id("17 de Noviembre").await;
        // The PRV caseworker has an address; a second PRV caseworker has none; a
        // disabled one and a DOVIC caseworker have one; a PRV training coordinator
        // (no case role) has one too.
        t.actor("caseworker", Role::Caseworker, "PRV").await;
        t.actor("cw_prv_none", Role::Caseworker, "PRV").await;
        t.actor("cw_prv_gone", Role::Caseworker, "PRV").await;
        t.actor("cw_dovic", Role::Caseworker, "DOVIC").await;
        for (user, email) in [
            ("caseworker", "Ana.Caseworker@PRV.example.org"),
            ("cw_prv_gone", "gone@prv.example.org"),
            ("cw_dovic", "dovic@dovic.example.org"),
            ("coord_prv", "coord@prv.example.org"),
        ] {
            t.app
                .set_account_contact(By::Operator, user, email, "")
                .await
                .unwrap();
        }
        t.app
            .set_account_disabled(By::Operator, "cw_prv_gone", true)
            .await
            .unwrap();

        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv, dovic], VICTIM))
            .await
            .unwrap();
        let r = t
            .app
            .refer_case(&officer, c.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        let jobs = mail_jobs(&t).await;
        assert_eq!(jobs.len(), 1, "{n}: one job for the one recipient");
        assert!(
            !jobs[0].payload.contains('@') && !jobs[0].payload.contains(&c.code),
            "{n}: the job holds ids only: {}",
            jobs[0].payload
        );
        assert!(t.app.run_due_jobs().await.unwrap() >= 1);
        let got = server.take();
        assert_eq!(got.len(), 1, "{n}: exactly one message");
        let m = &got[0];
        assert_eq!(m.rcpt, vec!["<Ana.Caseworker@prv.example.org>".to_owned()]);
        assert_eq!(m.from, "<atlas@example.org>");
        assert_eq!(m.helo, "atlas.example.org");
        let (h, body) = parse(&m.data);
        assert_eq!(header(&h, "To"), "Ana.Caseworker@prv.example.org");
        assert_eq!(header(&h, "From"), "atlas@example.org");
        assert_eq!(header(&h, "MIME-Version"), "1.0");
        assert_eq!(header(&h, "Content-Type"), "text/plain; charset=utf-8");
        assert_eq!(header(&h, "Content-Transfer-Encoding"), "8bit");
        assert!(header(&h, "Message-ID").ends_with("@example.org>"));
        time::OffsetDateTime::parse(
            header(&h, "Date"),
            &time::format_description::well_known::Rfc2822,
        )
        .unwrap();
        // Argentina: Spanish.
        assert_eq!(
            subject(&h),
            atlas_web::i18n::mail_text("es", "mail-referral-received-subject")
        );
        assert!(
            body.contains(&format!("{PUBLIC}/cases?view=awaiting")),
            "{body}"
        );
        for secret in [
            c.code.as_str(),
            VICTIM,
            "Rosal",
            "Quispe",
            "BO-4471",
            "safety",
            "shelter",
            "Calle Falsa",
            &c.case_id.to_string(),
            &r.case_referral_id.to_string(),
        ] {
            assert!(!m.data.contains(secret), "{n}: message shows {secret:?}");
        }
        let job = &mail_jobs(&t).await[0];
        assert!(job.done_at.is_some(), "{n}: the job is done");

        // Answering notifies MTPBA, whose officer has no address: no job, no message.
        let r = t
            .app
            .answer_referral(
                &t.actor("caseworker", Role::Caseworker, "PRV").await,
                r.case_referral_id,
                "acknowledge",
                "",
                "1",
            )
            .await
            .unwrap();
        assert_eq!(mail_jobs(&t).await.len(), 1, "{n}");
        // With an address and Thai chosen, the officer gets the answer in Thai, its
        // subject in RFC 2047 encoded words.
        t.app
            .set_account_contact(
                By::Operator,
                "frontline_officer",
                "officer@mtpba.example.org",
                "th",
            )
            .await
            .unwrap();
        t.app
            .answer_referral(
                &t.actor("caseworker", Role::Caseworker, "PRV").await,
                r.case_referral_id,
                "accept",
                "",
                &r.version.to_string(),
            )
            .await
            .unwrap();
        t.app.run_due_jobs().await.unwrap();
        let got = server.take();
        assert_eq!(got.len(), 1, "{n}");
        assert_eq!(got[0].rcpt, vec!["<officer@mtpba.example.org>".to_owned()]);
        let (h, _) = parse(&got[0].data);
        assert!(header(&h, "Subject").starts_with("=?utf-8?B?"), "{n}");
        assert!(header(&h, "Subject").is_ascii());
        let th = subject(&h);
        assert_eq!(
            th,
            atlas_web::i18n::mail_text("th", "mail-referral-answered-subject")
        );
        assert!(th.contains("การส่งต่อ"), "{th}");
        assert!(!got[0].data.contains(&c.code));
    }
}

#[tokio::test]
async fn a_refused_delivery_stays_queued_and_is_sent_on_retry() {
    let server = Server::start().await;
    for t in TestApp::all_with_demo_settings(settings(server.port)).await {
        let n = t.name();
        server.take();
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let prv = t.institution_id("PRV").await;
        let area = t.area_id("17 de Noviembre").await;
        t.app
            .set_account_contact(By::Operator, "caseworker", "ana@prv.example.org", "")
            .await
            .unwrap();
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        server.refuse.store(true, Ordering::SeqCst);
        t.app
            .refer_case(&officer, c.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        t.app.run_due_jobs().await.unwrap();
        assert!(server.take().is_empty(), "{n}");
        let jobs = mail_jobs(&t).await;
        assert_eq!(jobs.len(), 1);
        let j = &jobs[0];
        assert!(j.done_at.is_none(), "{n}: the job waits for a retry");
        assert_eq!(j.attempts, 1);
        assert!(j.run_at > t.app.now(), "{n}: retried later");
        let error = j.last_error.as_deref().unwrap();
        assert!(
            error.contains("RCPT TO") && error.contains("550"),
            "{error}"
        );
        assert!(
            !error.contains('@'),
            "{n}: no address in the error: {error}"
        );
        // Not yet due: nothing runs.
        t.app.run_due_jobs().await.unwrap();
        assert!(server.take().is_empty());
        // The relay accepts again; after the back-off the message goes out once.
        server.refuse.store(false, Ordering::SeqCst);
        t.clock.advance(time::Duration::minutes(2));
        t.app.run_due_jobs().await.unwrap();
        let got = server.take();
        assert_eq!(got.len(), 1, "{n}");
        assert_eq!(got[0].rcpt, vec!["<ana@prv.example.org>".to_owned()]);
        let j = &mail_jobs(&t).await[0];
        assert!(j.done_at.is_some());
        assert_eq!(j.attempts, 2);
        t.app.run_due_jobs().await.unwrap();
        assert!(server.take().is_empty(), "{n}: sent once");
    }
}

#[tokio::test]
async fn without_smtp_a_referral_enqueues_no_mail() {
    for t in TestApp::all_with_demo().await {
        let officer = t
            .actor("frontline_officer", Role::FrontlineOfficer, "MTPBA")
            .await;
        let prv = t.institution_id("PRV").await;
        let area = t.area_id("17 de Noviembre").await;
        t.app
            .set_account_contact(By::Operator, "caseworker", "ana@prv.example.org", "")
            .await
            .unwrap();
        let c = t
            .app
            .create_case(&officer, &case_input(area, &[prv], VICTIM))
            .await
            .unwrap();
        t.app
            .refer_case(&officer, c.case_id, &referral(prv, "safety_shelter"))
            .await
            .unwrap();
        assert!(mail_jobs(&t).await.is_empty(), "{}", t.name());
        assert!(t.count("case_notification").await >= 1);
    }
}

#[tokio::test]
async fn admins_set_an_address_checked_field_by_field_and_audited_without_it() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        let id = t.account_id("caseworker").await;
        let mut admin = t.signed_in("admin").await;
        let r = admin.get(&format!("/admin/users/{id}")).await;
        assert_eq!(r.status.as_u16(), 200, "{n}");
        assert!(r.body.contains("name=\"email\""));
        let path = format!("/admin/users/{id}/contact");
        for (email, language, field) in [
            ("not-an-address", "", "account-email-invalid"),
            (
                "ana@prv.example.org\r\nBcc: x@y.org",
                "",
                "account-email-invalid",
            ),
            ("ana@prv.example.org", "fr", "field-choice"),
        ] {
            let r = admin
                .post_form(&path, &[("email", email), ("language", language)])
                .await;
            assert_eq!(r.status.as_u16(), 422, "{n} {email:?}");
            assert!(
                r.body.contains(&atlas_web::i18n::mail_text("en", field)),
                "{n}: names the field's problem"
            );
        }
        let a = atlas_store::auth::account(&t.app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.email, None, "{n}: nothing written");
        let r = admin
            .post_form(
                &path,
                &[("email", "ana@PRV.example.org"), ("language", "th")],
            )
            .await;
        assert_eq!(r.status.as_u16(), 303, "{n}");
        let a = atlas_store::auth::account(&t.app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.email.as_deref(), Some("ana@prv.example.org"));
        assert_eq!(a.language.as_deref(), Some("th"));
        let ev = t.audit("auth.account.contact").await;
        assert_eq!(ev.len(), 1);
        assert!(!ev[0].summary.contains("ana"), "{}", ev[0].summary);
        // The user sees it on their account page but cannot change it; nobody else may.
        let mut cw = t.signed_in("caseworker").await;
        assert!(
            cw.get("/account")
                .await
                .body
                .contains("ana@prv.example.org")
        );
        let r = cw.post_form(&path, &[("email", "x@y.org")]).await;
        assert_eq!(r.status.as_u16(), 404, "{n}");
        let a = atlas_store::auth::account(&t.app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.email.as_deref(), Some("ana@prv.example.org"));
        // A new account can be created with an address.
        let inst = t.institution_id("PRV").await.to_string();
        let r = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "new.cw"),
                    ("display_name", "New Caseworker"),
                    ("role", "caseworker"),
                    ("institution_id", &inst),
                    ("password", atlas_testkit::PASSWORD),
                    ("email", "bad address"),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "{n}");
        assert!(
            atlas_store::auth::account_by_username(&t.app.db, "new.cw")
                .await
                .unwrap()
                .is_none()
        );
        let r = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "new.cw"),
                    ("display_name", "New Caseworker"),
                    ("role", "caseworker"),
                    ("institution_id", &inst),
                    ("password", atlas_testkit::PASSWORD),
                    ("email", "new.cw@prv.example.org"),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), 303, "{n}: {}", r.body);
        let a = atlas_store::auth::account_by_username(&t.app.db, "new.cw")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.email.as_deref(), Some("new.cw@prv.example.org"));
    }
}
