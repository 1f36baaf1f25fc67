//! Referrals between institutions: suggestions from the guide's referral pathway of the
//! case's area for a need, sending (consent or best-interest gated, deadline from the
//! pathway step's maximum response time or the configured default), answering along
//! the state machine, notifications, and the "awaiting my action" and overdue lists.
//!
//! Invariants: a referral never goes to the sender's own institution; the receiver gains
//! access to the case only through a referral in a granting state; every move writes
//! its audit event (ids and codes only) and a notification for the other side — with
//! its e-mail jobs when SMTP is configured (`crate::mail`) — in the same transaction; a
//! stale version is refused.

use crate::cases::{case_owner, is_child};
use crate::{App, By, Result};
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize, authorize_case};
use atlas_domain::cases::{Consent, Need, ReferralEvent, ReferralState, Side, check_consent};
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::cases::{self as st, OverdueScope, ReferralRow, ReferralView};
use uuid::Uuid;

/// A step of the area's referral pathway for a need, as a referral suggestion.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub order: i64,
    pub service_name: String,
    pub institution_id: Option<Uuid>,
    pub institution_acronym: Option<String>,
    pub max_response_hours: i64,
    pub bring: String,
    pub consent_required: bool,
}

/// Raw input of a referral.
#[derive(Debug, Clone, Default)]
pub struct ReferralInput {
    pub institution_id: String,
    pub need: String,
    pub note: String,
    pub override_reason: String,
    /// The pathway step the referral follows (its order), when it follows one.
    pub pathway_order: String,
}

impl App {
    /// The pathway steps for `need` from the case's area up (guide module).
    pub async fn pathway_for(&self, area_id: Uuid, need: Need) -> Result<Vec<Suggestion>> {
        // The two vocabularies share their codes; a need the guide does not know has no
        // pathway.
        let Some(need) = atlas_domain::guide::Need::parse(need.as_str()) else {
            return Ok(Vec::new());
        };
        Ok(self
            .pathway_steps(area_id, need)
            .await?
            .into_iter()
            .map(|s| Suggestion {
                order: s.order,
                service_name: s.service_name,
                institution_id: s.institution_id,
                institution_acronym: s.institution_acronym,
                max_response_hours: s.max_response_hours,
                bring: s.bring,
                consent_required: s.consent_required,
            })
            .collect())
    }

    /// Suggestions for referring a case for a need: the pathway's steps.
    pub async fn referral_suggestions(
        &self,
        actor: &Actor,
        case_id: Uuid,
        need: Need,
    ) -> Result<Vec<Suggestion>> {
        let (case, _) = self.case_for(actor, case_id, Action::ReferCase).await?;
        self.pathway_for(case.area_id, need).await
    }

    /// Institutions a case may be referred to: every institution of the actor's country
    /// but their own, as (id, acronym, name).
    pub async fn referral_targets(&self, actor: &Actor) -> Result<Vec<(Uuid, String, String)>> {
        authorize(actor, Action::ReferCase, None)?;
        let f = atlas_store::directory::ListFilter {
            country: Some(actor.country.as_str().to_owned()),
            limit: 500,
            ..Default::default()
        };
        Ok(atlas_store::directory::list_institutions(&self.db, &f)
            .await?
            .into_iter()
            .filter(|i| i.institution_id != actor.institution_id)
            .map(|i| (i.institution_id, i.acronym, i.name))
            .collect())
    }

    /// Refers a case to another institution for a need.
    pub async fn refer_case(
        &self,
        actor: &Actor,
        case_id: Uuid,
        input: &ReferralInput,
    ) -> Result<ReferralRow> {
        let (case, granted) = self.case_for(actor, case_id, Action::ReferCase).await?;
        if case.status != "open" {
            return Err(RuleError::Invalid(FieldErrors::single(
                "institution_id",
                "referral-case-closed",
            ))
            .into());
        }
        let mut e = FieldErrors::new();
        let to = atlas_domain::directory::parse_optional_uuid(
            &input.institution_id,
            "institution_id",
            &mut e,
        );
        if to.is_none() && e.get("institution_id").is_none() {
            e.add("institution_id", "field-required");
        }
        let need = Need::parse(&input.need);
        if need.is_none() {
            e.add("need", "field-choice");
        }
        let note = atlas_domain::directory::optional_text(&input.note, "note", 1000, &mut e);
        let reason = atlas_domain::directory::optional_text(
            &input.override_reason,
            "override_reason",
            1000,
            &mut e,
        );
        let order = match input.pathway_order.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.add("pathway_order", "field-number");
                    None
                }
            },
        };
        if to == Some(actor.institution_id) {
            e.add("institution_id", "referral-own-institution");
        }
        let (Some(to), Some(need)) = (to, need) else {
            return Err(RuleError::Invalid(e).into());
        };
        if !e.is_empty() {
            return Err(RuleError::Invalid(e).into());
        }
        let target = atlas_store::directory::get_institution(&self.db, to)
            .await?
            .filter(|i| i.country_code == case.country_code)
            .ok_or_else(|| {
                RuleError::Invalid(FieldErrors::single("institution_id", "field-reference"))
            })?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Consent of every victim: the referral shares the case as a whole.
        let persons = st::persons_tx(&mut tx, case_id).await?;
        let may_override = authorize_case(
            actor,
            Action::OverrideConsent,
            &case_owner(&case)?,
            &granted,
        )
        .is_ok();
        let mut basis = atlas_domain::cases::ConsentBasis::Consent;
        for p in persons.iter().filter(|p| p.role == "victim") {
            let consent = Consent {
                services: p.consent_services != 0,
                statistics: p.consent_statistics != 0,
                share_with: p
                    .consent_share
                    .split(',')
                    .filter_map(|s| Uuid::parse_str(s.trim()).ok())
                    .collect(),
                best_interest_note: p.best_interest_note.clone(),
            };
            let b = check_consent(
                is_child(&p.age_band),
                &consent,
                to,
                may_override,
                reason.as_deref(),
            )?;
            if b != atlas_domain::cases::ConsentBasis::Consent {
                basis = b;
            }
        }
        let steps = self.pathway_for(case.area_id, need).await?;
        let step = order.and_then(|o| {
            steps
                .iter()
                .find(|s| s.order == o && s.institution_id.is_none_or(|i| i == to))
        });
        let hours = step
            .map(|s| s.max_response_hours)
            .unwrap_or(self.settings.cases.default_response_hours);
        let row = ReferralRow {
            case_referral_id: Uuid::now_v7(),
            case_id,
            from_institution_id: actor.institution_id,
            to_institution_id: target.institution_id,
            need: need.as_str().into(),
            state: ReferralState::Sent.as_str().into(),
            consent_basis: basis.as_str().into(),
            override_reason: if basis == atlas_domain::cases::ConsentBasis::Override {
                reason
            } else {
                None
            },
            note,
            pathway_order: step.map(|s| s.order),
            service_name: step.map(|s| s.service_name.clone()),
            due_at: now + time::Duration::hours(hours),
            decline_reason: None,
            sent_by: Some(actor.user_id),
            answer_minutes: None,
            answered_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_referral(&mut tx, &row).await?;
        self.notify_institution(
            &mut tx,
            to,
            case_id,
            row.case_referral_id,
            "referral_received",
            now,
        )
        .await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                By::User(actor).audit_actor(),
                "cases.referral.send",
                "case_referral",
                row.case_referral_id,
                format!(
                    "case={case_id};to={to};need={};basis={}",
                    row.need, row.consent_basis
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a referral: the receiver acknowledges, accepts, declines (with a reason) and
    /// delivers; the sender revokes; either closes a delivered one.
    pub async fn answer_referral(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        event: &str,
        reason: &str,
        version: &str,
    ) -> Result<ReferralRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let r = st::get_referral_tx(&mut tx, referral_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let case = st::get_case_tx(&mut tx, r.case_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let owner = case_owner(&case)?;
        let side = if actor.institution_id == r.to_institution_id {
            authorize(
                actor,
                Action::AnswerReferral,
                Some(&Owner {
                    institution_id: Some(r.to_institution_id),
                    country: owner.country.clone(),
                }),
            )?;
            Side::Receiver
        } else if actor.institution_id == r.from_institution_id {
            authorize(
                actor,
                Action::ReferCase,
                Some(&Owner {
                    institution_id: Some(r.from_institution_id),
                    country: owner.country.clone(),
                }),
            )?;
            Side::Sender
        } else {
            return Err(RuleError::NotFound.into());
        };
        let expected = atlas_domain::directory::parse_version(version)?;
        let ev = ReferralEvent::parse(event)
            .ok_or_else(|| RuleError::Invalid(FieldErrors::single("event", "field-choice")))?;
        let from = ReferralState::parse(&r.state)
            .ok_or_else(|| anyhow::anyhow!("unknown referral state stored"))?;
        let to = from
            .next(ev, side)
            .map_err(|k| RuleError::Invalid(FieldErrors::single("event", k)))?;
        let reason = reason.trim();
        if to == ReferralState::Declined && reason.is_empty() {
            return Err(RuleError::Invalid(FieldErrors::single(
                "reason",
                "referral-decline-reason-required",
            ))
            .into());
        }
        if reason.chars().count() > 1000 {
            return Err(RuleError::Invalid(FieldErrors::single("reason", "field-too-long")).into());
        }
        if r.version != expected {
            return Err(RuleError::Stale.into());
        }
        let mut next = r.clone();
        next.state = to.as_str().into();
        next.updated_at = now;
        if to == ReferralState::Declined {
            next.decline_reason = Some(reason.to_owned());
        }
        if from.awaiting_answer() && matches!(to, ReferralState::Accepted | ReferralState::Declined)
        {
            next.answered_at = Some(now);
            next.answer_minutes = Some((now - r.created_at).whole_minutes());
        }
        if !st::update_referral(&mut tx, &next, expected).await? {
            return Err(RuleError::Stale.into());
        }
        next.version = expected + 1;
        let other = match side {
            Side::Receiver => r.from_institution_id,
            Side::Sender => r.to_institution_id,
        };
        self.notify_institution(
            &mut tx,
            other,
            r.case_id,
            r.case_referral_id,
            &format!("referral_{}", to.as_str()),
            now,
        )
        .await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                By::User(actor).audit_actor(),
                &format!("cases.referral.{}", ev.as_str()),
                "case_referral",
                r.case_referral_id,
                format!(
                    "case={};from={};to={}",
                    r.case_id,
                    from.as_str(),
                    to.as_str()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Writes the in-app notification of a referral for an institution and, when SMTP
    /// is configured, enqueues its e-mails in the same transaction.
    async fn notify_institution(
        &self,
        tx: &mut atlas_store::Tx,
        institution: Uuid,
        case_id: Uuid,
        referral_id: Uuid,
        kind: &str,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let id = st::notify(tx, institution, case_id, Some(referral_id), kind, now).await?;
        self.enqueue_notification_mail(tx, id, institution, now)
            .await?;
        Ok(())
    }

    /// Referrals to the actor's institution awaiting its answer or delivery.
    pub async fn awaiting_action(&self, actor: &Actor, limit: i64) -> Result<Vec<ReferralView>> {
        authorize(actor, Action::AnswerReferral, None)?;
        Ok(st::awaiting(&self.db, actor.institution_id, limit.clamp(1, 200)).await?)
    }

    /// Referrals to the actor's institution past their deadline without an answer.
    pub async fn overdue_to_me(&self, actor: &Actor) -> Result<Vec<ReferralView>> {
        authorize(actor, Action::AnswerReferral, None)?;
        Ok(st::overdue(
            &self.db,
            &OverdueScope::ToInstitution(actor.institution_id),
            self.now(),
            100,
        )
        .await?)
    }

    /// Referrals of the supervisor's country past their deadline without an answer
    /// (codes, institutions and deadlines; no person).
    pub async fn overdue_for_supervisor(&self, actor: &Actor) -> Result<Vec<ReferralView>> {
        authorize(actor, Action::SuperviseReferrals, None)?;
        Ok(st::overdue(
            &self.db,
            &OverdueScope::Country(actor.country.as_str().to_owned()),
            self.now(),
            200,
        )
        .await?)
    }
}
