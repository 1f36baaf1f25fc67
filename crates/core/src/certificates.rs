//! Certificates of the training program: issuing them to the people who completed a
//! course, revoking them, the printable certificate, public verification by code, and
//! checking a signed Open Badges 3.0 credential.
//!
//! Rules:
//! - **eligibility** is the course's thresholds, [`atlas_domain::training::meets_thresholds`]:
//!   attended (present or late) sessions ≥ `attendance_min_percent` of the course's
//!   sessions (a course without sessions certifies nobody) and, when the course sets
//!   `post_test_min_percent`, a post-test score at least that;
//! - with a configured public URL, the credential names it as the issuer's `url` and
//!   lists the verification page as `evidence`;
//! - issuing is idempotent: a person who already has a certificate for the course (even
//!   a revoked one) gets no second one; every new certificate is audited
//!   (`training.certificate.issue`) with ids only;
//! - revocation needs a reason (kept on the certificate, not in the audit summary) and
//!   is final; audited as `training.certificate.revoke`;
//! - issuing, revoking and the printable page need `ManageCourses` over the course (else
//!   "not found"); verification by code is public and returns only the name, course,
//!   institution, dates and validity.

use crate::{App, By, Result};
use anyhow::Context;
use atlas_domain::Error as RuleError;
use atlas_domain::FieldErrors;
use atlas_domain::audit::NewEvent;
use atlas_domain::certificate::{self as cert, CredentialFacts};
use atlas_domain::directory::required_text;
use atlas_domain::training::{AttendanceStatus, meets_thresholds};
use atlas_store::audit as st_audit;
use atlas_store::training::{self as st, CertificateRow};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub use atlas_store::training::CertificateView as Certificate;

/// What the public verification shows: no ids, no contact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicCertificate {
    pub code: String,
    pub name: String,
    pub course: String,
    pub institution: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD` when revoked.
    pub revoked_on: Option<String>,
    /// The signed credential (JSON text).
    #[serde(skip)]
    pub credential: String,
}

impl PublicCertificate {
    /// True unless revoked.
    pub fn valid(&self) -> bool {
        self.revoked_on.is_none()
    }
}

/// The answer to "is this credential genuine and in force?".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CredentialCheck {
    pub valid: bool,
    /// `ok`, `malformed`, `unknown_issuer`, `bad_signature`, `unknown_certificate` or
    /// `revoked`.
    pub reason: &'static str,
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

fn rfc3339(t: time::OffsetDateTime) -> Result<String> {
    Ok(t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .context("format instant")?)
}

fn public_of(v: Certificate) -> PublicCertificate {
    PublicCertificate {
        code: v.code,
        name: v.full_name,
        course: v.course_title,
        institution: v.institution_name,
        issued_on: v.issued_at.date().to_string(),
        revoked_on: v.revoked_at.map(|t| t.date().to_string()),
        credential: v.credential,
    }
}

impl App {
    fn signer(&self) -> ed25519_dalek::SigningKey {
        cert::signing_key(&self.settings.signing_key.0)
    }

    /// The `did:key` that issues this deployment's credentials.
    pub fn certificate_issuer(&self) -> String {
        cert::did_key(&self.signer().verifying_key())
    }

    /// Issues a certificate to every participant of the course who completed it and has
    /// none yet; returns how many were issued (0 when everyone already has one).
    pub async fn issue_certificates(&self, by: By<'_>, course: Uuid) -> Result<usize> {
        let now = self.now();
        let key = self.signer();
        let mut tx = self.db.begin().await?;
        let c = self.managed_course_tx(&mut tx, by, course).await?;
        let inst = atlas_store::directory::get_institution_tx(&mut tx, c.institution_id)
            .await?
            .context("course institution missing")?;
        let sessions = st::session_ids_tx(&mut tx, course).await?;
        let marks = st::course_marks_tx(&mut tx, course).await?;
        let done = st::certified_tx(&mut tx, course).await?;
        let post_scores: std::collections::HashMap<Uuid, i64> =
            atlas_store::training_tests::list_scores_tx(&mut tx, course)
                .await?
                .into_iter()
                .filter(|s| s.kind == "post")
                .map(|s| (s.participant_id, s.score))
                .collect();
        let total = sessions.len() as i64;
        let issued_at = rfc3339(now)?;
        let mut n = 0;
        for (pid, name) in st::enrolled_names_tx(&mut tx, course).await? {
            if done.contains(&pid) {
                continue;
            }
            let attended = marks
                .iter()
                .filter(|m| m.0 == pid && sessions.contains(&m.1))
                .filter(|m| AttendanceStatus::parse(&m.2).is_some_and(AttendanceStatus::attended))
                .count() as i64;
            if !meets_thresholds(
                attended,
                total,
                c.attendance_min_percent,
                c.post_test_min_percent,
                post_scores.get(&pid).copied(),
            ) {
                continue;
            }
            let id = Uuid::now_v7();
            let code = cert::code_from_bytes(rand_bytes::<7>());
            let verify_url = self.public_link(&format!("/verify/{code}"));
            let salt = hex::encode(rand_bytes::<16>());
            let facts = CredentialFacts {
                credential_id: id,
                course_id: course,
                course_title: &c.title,
                institution_name: &inst.name,
                recipient_name: &name,
                salt: &salt,
                issued_at: &issued_at,
                public_url: self.settings.public_url.as_deref(),
                verify_url: verify_url.as_deref(),
            };
            let signed = cert::sign(
                cert::credential_with_urls(&facts, &key.verifying_key()),
                &key,
                &issued_at,
            );
            let row = CertificateRow {
                certificate_id: id,
                training_course_id: course,
                participant_id: pid,
                code,
                issued_at: now,
                issued_by: by.audit_actor().map(|a| a.0),
                revoked_at: None,
                revoked_by: None,
                revocation_reason: None,
                credential: signed.to_string(),
                created_at: now,
                updated_at: now,
            };
            if !st::insert_certificate(&mut tx, &row).await? {
                continue;
            }
            let ev = NewEvent::new(
                by.audit_actor(),
                "training.certificate.issue",
                "certificate",
                id,
                format!("course={course} participant={pid}"),
            );
            st_audit::append(&mut tx, now, &ev).await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Revokes a certificate with a reason; returns its course id. A certificate already
    /// revoked is refused with a message.
    pub async fn revoke_certificate(&self, by: By<'_>, id: Uuid, reason: &str) -> Result<Uuid> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let x = st::get_certificate_tx(&mut tx, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        self.managed_course_tx(&mut tx, by, x.training_course_id)
            .await?;
        let mut e = FieldErrors::new();
        let reason = required_text(reason, "revocation_reason", 500, &mut e);
        e.into_result(())?;
        let actor = by.audit_actor().map(|a| a.0);
        if !st::revoke_certificate(&mut tx, id, actor, &reason, now).await? {
            return Err(RuleError::Invalid(FieldErrors::single(
                "revocation_reason",
                "certificate-already-revoked",
            ))
            .into());
        }
        let ev = NewEvent::new(
            by.audit_actor(),
            "training.certificate.revoke",
            "certificate",
            id,
            format!(
                "course={} participant={}",
                x.training_course_id, x.participant_id
            ),
        );
        st_audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        Ok(x.training_course_id)
    }

    /// Certificates of a course the actor manages (others: not found).
    pub async fn course_certificates(&self, by: By<'_>, course: Uuid) -> Result<Vec<Certificate>> {
        let acc = self.course(by, course).await?;
        if !acc.manage {
            return Err(RuleError::NotFound.into());
        }
        Ok(st::list_certificates(&self.db, course).await?)
    }

    /// One certificate, for its printable page: course managers only.
    pub async fn certificate(&self, by: By<'_>, id: Uuid) -> Result<Certificate> {
        let x = st::get_certificate(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let acc = self.course(by, x.training_course_id).await?;
        if !acc.manage {
            return Err(RuleError::NotFound.into());
        }
        Ok(x)
    }

    /// The public view of the certificate with this code (as typed); not found when the
    /// code is malformed or unknown.
    pub async fn public_certificate(&self, code: &str) -> Result<PublicCertificate> {
        let code = cert::normalise_code(code).ok_or(RuleError::NotFound)?;
        let x = st::certificate_by_code(&self.db, &code)
            .await?
            .ok_or(RuleError::NotFound)?;
        Ok(public_of(x))
    }

    /// Checks a credential: the `eddsa-jcs-2022` signature under this deployment's key
    /// (so the issuer is ours and nothing was changed), then that the certificate exists
    /// here and is not revoked.
    pub async fn verify_credential(&self, v: &Value) -> Result<CredentialCheck> {
        let bad = |reason| CredentialCheck {
            valid: false,
            reason,
        };
        if let Err(e) = cert::verify(v, &self.signer().verifying_key()) {
            return Ok(bad(e.as_str()));
        }
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("urn:uuid:"))
            .and_then(|s| Uuid::parse_str(s).ok());
        let Some(id) = id else {
            return Ok(bad("malformed"));
        };
        match st::get_certificate(&self.db, id).await? {
            None => Ok(bad("unknown_certificate")),
            Some(x) if x.revoked_at.is_some() => Ok(bad("revoked")),
            Some(_) => Ok(CredentialCheck {
                valid: true,
                reason: "ok",
            }),
        }
    }
}
