//! Case use cases: screening, opening a case with its victim's identifying data sealed,
//! search before create, reading a case (identifying data only for the identifying
//! institution and those it was referred to, each read audited), the legal track, the
//! lists, closing, and retention erasure. Referrals are in `cases_referral`, statistics
//! and the anonymised export in `cases_stats`.
//!
//! Invariants: identifying data is sealed with a purpose key derived from the master key
//! (`atlas case-identity v1`), bound to table, column and row, and appears in no audit
//! summary, log line or error; every access goes through `domain::auth::authorize_case`
//! with the institutions the case was referred to; anything out of reach is `NotFound`.

use crate::crypto::FieldCipher;
use crate::{App, By, Result, SecretKey};
use anyhow::Context;
use atlas_domain::audit::NewEvent;
use atlas_domain::auth::{Action, Actor, Owner, authorize, authorize_case};
use atlas_domain::cases::{
    AgeBand, CaseDraft, CaseInput, ChildLabourRules, Classification, Identity, LegalStepDraft,
    LegalStepInput, LegalStepKind, PersonRole, Proposal, Screening, ScreeningInput, join_codes,
    name_key, normalise_document,
};
use atlas_domain::directory::CountryCode;
use atlas_domain::{Error as RuleError, FieldErrors};
use atlas_store::audit as st_audit;
use atlas_store::cases::{self as st, CaseFilter, CaseListRow, CaseRow, LegalStepRow, PersonRow};
use uuid::Uuid;

pub use atlas_store::cases::{CaseView, NotificationRow, ReferralView};

/// Tunables of the cases module (configuration).
#[derive(Debug, Clone)]
pub struct CaseSettings {
    /// Minimum working ages per country and adolescents' weekly hours.
    pub child_labour: ChildLabourRules,
    /// Smallest group the anonymised export publishes.
    pub k_anonymity: usize,
    /// Days a closed case keeps its identifying data before it is erased.
    pub retention_days: i64,
    /// Hours a receiver has to answer a referral when no pathway step gives a time.
    pub default_response_hours: i64,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            child_labour: ChildLabourRules::default(),
            k_anonymity: 11,
            retention_days: 5 * 365,
            default_response_hours: 72,
        }
    }
}

/// Filters of a case list (unknown status or class codes are ignored).
#[derive(Debug, Clone)]
pub struct CaseQuery {
    pub view: CaseView,
    pub status: Option<String>,
    pub class: Option<String>,
    pub code_prefix: Option<String>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

/// A person as a reader sees them; `identity` only for readers allowed to see it.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub id: Uuid,
    pub role: String,
    pub age_band: String,
    pub sex: String,
    pub nationality: String,
    pub languages: String,
    pub needs: Vec<String>,
    pub identity: Option<Identity>,
    pub consent_services: bool,
    pub consent_statistics: bool,
    pub consent_share: Vec<Uuid>,
    pub best_interest_note: Option<String>,
    pub version: i64,
}

/// A case page: the record, persons, referrals and legal track, and what the reader may do.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    pub case: CaseRow,
    pub institution_acronym: String,
    pub area_name: String,
    pub persons: Vec<PersonView>,
    pub referrals: Vec<ReferralView>,
    pub legal: Vec<LegalStepRow>,
    /// True when the identifying data was opened (and the read audited).
    pub identity_shown: bool,
    pub may_refer: bool,
    pub may_record_legal: bool,
    pub may_close: bool,
    /// True when the reader's institution identified the case.
    pub own: bool,
}

impl App {
    pub(crate) fn case_cipher(&self) -> FieldCipher {
        FieldCipher::new(&SecretKey::derive(&self.settings.field_key, "atlas case-identity v1").0)
    }

    fn case_index_key(&self) -> SecretKey {
        SecretKey::derive(&self.settings.index_key, "atlas case-search v1")
    }

    /// Keyed hash of a normalised document number or name key, by country.
    pub(crate) fn case_hash(&self, country: &str, kind: &str, value: &str) -> Option<String> {
        if value.is_empty() {
            return None;
        }
        let k = self.case_index_key();
        Some(atlas_domain::training::national_id_hash(
            &k,
            &format!("{country}/{kind}"),
            value,
        ))
    }

    /// Screens answers for the actor's country and proposes a classification (no write).
    pub fn screen(&self, actor: &Actor, input: &ScreeningInput) -> Result<Proposal> {
        authorize(actor, Action::CreateCase, None)?;
        let s = Screening::parse(input)?;
        Ok(s.propose(&self.settings.cases.child_labour, actor.country.as_str()))
    }

    /// Parses a new case as [`App::create_case`] would, without writing anything (the
    /// form checks its input before searching for duplicates, so a bad form leaves no
    /// trace, not even a search event).
    pub fn check_case(&self, actor: &Actor, input: &CaseInput) -> Result<()> {
        authorize(actor, Action::CreateCase, None)?;
        CaseDraft::parse(
            input,
            &self.settings.cases.child_labour,
            actor.country.as_str(),
            self.now().date(),
        )?;
        Ok(())
    }

    /// Cases within the actor's reach with a person of the same document number or a
    /// name with the same words: (case id, code). Audited with the number of matches.
    pub async fn search_before_create(
        &self,
        actor: &Actor,
        name: &str,
        document: &str,
    ) -> Result<Vec<(Uuid, String)>> {
        authorize(actor, Action::CreateCase, None)?;
        let c = actor.country.as_str();
        let doc = self.case_hash(c, "document", &normalise_document(document));
        let name = self.case_hash(c, "name", &name_key(name));
        if doc.is_none() && name.is_none() {
            return Ok(Vec::new());
        }
        let found = st::find_matches(
            &self.db,
            actor.institution_id,
            doc.as_deref(),
            name.as_deref(),
        )
        .await?;
        let mut tx = self.db.begin().await?;
        st_audit::append(
            &mut tx,
            self.now(),
            &NewEvent::new(
                By::User(actor).audit_actor(),
                "cases.search",
                "case_record",
                "",
                format!("matches={}", found.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Opens a case identified by the actor's institution.
    pub async fn create_case(&self, actor: &Actor, input: &CaseInput) -> Result<CaseRow> {
        authorize(actor, Action::CreateCase, None)?;
        let now = self.now();
        let country = actor.country.as_str().to_owned();
        let d = CaseDraft::parse(
            input,
            &self.settings.cases.child_labour,
            &country,
            now.date(),
        )?;
        let area = atlas_store::directory::get_area(&self.db, d.area_id)
            .await?
            .filter(|a| a.country_code == country)
            .ok_or_else(|| RuleError::Invalid(FieldErrors::single("area_id", "field-reference")))?;
        let province = self.province_of(area.clone()).await?;
        let cipher = self.case_cipher();
        let mut tx = self.db.begin().await?;
        let mut code = String::new();
        for _ in 0..8 {
            let c = format!(
                "{country}-{}-{}",
                d.identified_on.year(),
                crate::random_hex(4).to_uppercase()
            );
            if !st::code_taken(&mut tx, &c).await? {
                code = c;
                break;
            }
        }
        if code.is_empty() {
            return Err(anyhow::anyhow!("no free case code").into());
        }
        let case_id = Uuid::now_v7();
        let row = CaseRow {
            case_id,
            code,
            country_code: country.clone(),
            institution_id: actor.institution_id,
            officer_id: Some(actor.user_id),
            identified_on: d.identified_on.to_string(),
            area_id: d.area_id,
            province_id: province,
            sector: d.sector.as_str().to_owned(),
            classes: join_codes(&d.classes, Classification::as_str),
            proposed_classes: join_codes(&d.proposal.classes, Classification::as_str),
            reasons: d.proposal.reasons.join(","),
            screening: serde_json::to_string(&d.screening).context("screening as JSON")?,
            override_note: d.override_note.clone(),
            exploitation_types: join_codes(&d.exploitation_types, |t| t.as_str()),
            means_of_control: join_codes(&d.means_of_control, |t| t.as_str()),
            perpetrators: d
                .perpetrators
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            status: "open".into(),
            closed_at: None,
            identity_erased_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_case(&mut tx, &row).await?;
        let v = &d.victim;
        let pid = Uuid::now_v7();
        let seal = |col: &str, val: Option<&str>| -> Result<Option<String>> {
            match val {
                Some(s) => Ok(Some(
                    cipher.seal(&format!("case_person.{col}|{pid}"), s.as_bytes())?,
                )),
                None => Ok(None),
            }
        };
        let person = PersonRow {
            case_person_id: pid,
            case_id,
            role: PersonRole::Victim.as_str().into(),
            age_band: v.age_band.as_str().into(),
            sex: v.sex.as_str().into(),
            nationality: v.nationality.clone(),
            languages: v.languages.clone(),
            needs: join_codes(&v.needs, |n| n.as_str()),
            name_sealed: seal("name_sealed", Some(&v.identity.name))?,
            document_sealed: seal("document_sealed", v.identity.document_number.as_deref())?,
            contact_sealed: seal("contact_sealed", v.identity.contact.as_deref())?,
            address_sealed: seal("address_sealed", v.identity.address.as_deref())?,
            document_hash: v
                .identity
                .document_number
                .as_deref()
                .and_then(|d| self.case_hash(&country, "document", &normalise_document(d))),
            name_hash: self.case_hash(&country, "name", &name_key(&v.identity.name)),
            consent_services: i64::from(v.consent.services),
            consent_statistics: i64::from(v.consent.statistics),
            consent_share: v
                .consent
                .share_with
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(","),
            best_interest_note: v.consent.best_interest_note.clone(),
            consent_recorded_at: now,
            consent_recorded_by: Some(actor.user_id),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        st::insert_person(&mut tx, &person).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                By::User(actor).audit_actor(),
                "cases.case.create",
                "case_record",
                case_id,
                format!(
                    "classes={};proposed={};persons={}",
                    row.classes,
                    row.proposed_classes,
                    1 + d.perpetrators.len()
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The top-level area (province) above `area`.
    async fn province_of(&self, mut area: atlas_store::directory::AreaRow) -> Result<Option<Uuid>> {
        for _ in 0..8 {
            match area.parent_id {
                None => return Ok(Some(area.area_id)),
                Some(p) => match atlas_store::directory::get_area(&self.db, p).await? {
                    Some(a) => area = a,
                    None => return Ok(None),
                },
            }
        }
        Ok(None)
    }

    /// Loads a case and checks `action` on it; returns it with the granted institutions.
    pub(crate) async fn case_for(
        &self,
        actor: &Actor,
        id: Uuid,
        action: Action,
    ) -> Result<(CaseRow, Vec<Uuid>)> {
        let c = st::get_case(&self.db, id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let granted = st::granted_institutions(&self.db, id).await?;
        // Read access first, so a role with the action but no reach still gets 404.
        authorize_case(actor, Action::ReadCase, &case_owner(&c)?, &granted)?;
        authorize_case(actor, action, &case_owner(&c)?, &granted)?;
        Ok((c, granted))
    }

    /// A case as the actor may see it. Identifying data is opened only for the
    /// identifying institution and those the case was referred to, and each such read
    /// appends `cases.identity.read`.
    pub async fn case_detail(&self, actor: &Actor, id: Uuid) -> Result<CaseDetail> {
        let (case, granted) = self.case_for(actor, id, Action::ReadCase).await?;
        let owner = case_owner(&case)?;
        let reveal = authorize_case(actor, Action::ReadCaseIdentity, &owner, &granted).is_ok()
            && case.identity_erased_at.is_none();
        let persons = st::persons(&self.db, id).await?;
        let cipher = self.case_cipher();
        let mut views = Vec::with_capacity(persons.len());
        for p in &persons {
            views.push(self.person_view(&cipher, p, reveal)?);
        }
        let identity_shown = reveal && views.iter().any(|v| v.identity.is_some());
        if identity_shown {
            let mut tx = self.db.begin().await?;
            st_audit::append(
                &mut tx,
                self.now(),
                &NewEvent::new(
                    By::User(actor).audit_actor(),
                    "cases.identity.read",
                    "case_record",
                    id,
                    format!(
                        "persons={}",
                        views.iter().filter(|v| v.identity.is_some()).count()
                    ),
                ),
            )
            .await?;
            tx.commit().await?;
        }
        let institution_acronym =
            atlas_store::directory::get_institution(&self.db, case.institution_id)
                .await?
                .map(|i| i.acronym)
                .unwrap_or_default();
        let area_name = atlas_store::directory::get_area(&self.db, case.area_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let open = case.status == "open";
        Ok(CaseDetail {
            may_refer: open && authorize_case(actor, Action::ReferCase, &owner, &granted).is_ok(),
            may_record_legal: authorize_case(actor, Action::RecordLegalStep, &owner, &granted)
                .is_ok(),
            may_close: open && authorize_case(actor, Action::ManageCase, &owner, &[]).is_ok(),
            own: case.institution_id == actor.institution_id,
            referrals: st::referrals(&self.db, id).await?,
            legal: st::legal_steps(&self.db, id).await?,
            persons: views,
            identity_shown,
            institution_acronym,
            area_name,
            case,
        })
    }

    fn person_view(&self, cipher: &FieldCipher, p: &PersonRow, reveal: bool) -> Result<PersonView> {
        let open = |col: &str, v: &Option<String>| -> Result<Option<String>> {
            match v {
                Some(s) => {
                    let b = cipher.open(&format!("case_person.{col}|{}", p.case_person_id), s)?;
                    Ok(Some(
                        String::from_utf8(b).context("sealed value is not UTF-8")?,
                    ))
                }
                None => Ok(None),
            }
        };
        let identity = if reveal && p.name_sealed.is_some() {
            Some(Identity {
                name: open("name_sealed", &p.name_sealed)?.unwrap_or_default(),
                document_number: open("document_sealed", &p.document_sealed)?,
                contact: open("contact_sealed", &p.contact_sealed)?,
                address: open("address_sealed", &p.address_sealed)?,
            })
        } else {
            None
        };
        Ok(PersonView {
            id: p.case_person_id,
            role: p.role.clone(),
            age_band: p.age_band.clone(),
            sex: p.sex.clone(),
            nationality: p.nationality.clone(),
            languages: p.languages.clone(),
            needs: split(&p.needs),
            identity,
            consent_services: p.consent_services != 0,
            consent_statistics: p.consent_statistics != 0,
            consent_share: p
                .consent_share
                .split(',')
                .filter_map(|s| Uuid::parse_str(s.trim()).ok())
                .collect(),
            best_interest_note: p.best_interest_note.clone(),
            version: p.version,
        })
    }

    /// A list of cases within the actor's reach: identified by their institution
    /// (`Mine`), referred to it (`Referred`) or both.
    pub async fn case_list(&self, actor: &Actor, q: &CaseQuery) -> Result<Vec<CaseListRow>> {
        authorize(actor, Action::ReadCase, None)?;
        let status = q
            .status
            .as_deref()
            .filter(|s| matches!(*s, "open" | "closed"));
        let class = q.class.as_deref().and_then(Classification::parse);
        Ok(st::list_cases(
            &self.db,
            &CaseFilter {
                institution: actor.institution_id,
                view: q.view,
                status: status.map(str::to_owned),
                class: class.map(|c| c.as_str().to_owned()),
                code_prefix: q
                    .code_prefix
                    .as_deref()
                    .map(|c| c.trim().to_uppercase())
                    .filter(|c| !c.is_empty()),
                after: q.after,
                limit: q.limit.clamp(1, 200),
            },
        )
        .await?)
    }

    /// Records a step of the legal track for a case referred to the actor's institution.
    pub async fn add_legal_step(
        &self,
        actor: &Actor,
        case_id: Uuid,
        input: &LegalStepInput,
    ) -> Result<LegalStepRow> {
        self.case_for(actor, case_id, Action::RecordLegalStep)
            .await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let existing: Vec<(LegalStepKind, time::Date)> = st::legal_steps_tx(&mut tx, case_id)
            .await?
            .into_iter()
            .filter_map(|s| Some((LegalStepKind::parse(&s.kind)?, parse_day(&s.occurred_on)?)))
            .collect();
        let d = LegalStepDraft::parse(input, &existing, now.date())?;
        let row = LegalStepRow {
            case_legal_step_id: Uuid::now_v7(),
            case_id,
            kind: d.kind.as_str().into(),
            occurred_on: d.occurred_on.to_string(),
            institution_id: actor.institution_id,
            outcome: d.outcome.map(|o| o.as_str().to_owned()),
            penalty_months: d.penalty_months,
            note: d.note,
            recorded_by: Some(actor.user_id),
            created_at: now,
        };
        st::insert_legal_step(&mut tx, &row).await?;
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                By::User(actor).audit_actor(),
                &format!("cases.legal.{}", row.kind),
                "case_record",
                case_id,
                format!("step={}", row.case_legal_step_id),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Closes a case (its identifying institution); the retention period starts.
    pub async fn close_case(&self, actor: &Actor, case_id: Uuid, version: &str) -> Result<()> {
        let c = st::get_case(&self.db, case_id)
            .await?
            .ok_or(RuleError::NotFound)?;
        let granted = st::granted_institutions(&self.db, case_id).await?;
        authorize_case(actor, Action::ReadCase, &case_owner(&c)?, &granted)?;
        authorize_case(actor, Action::ManageCase, &case_owner(&c)?, &[])
            .map_err(|_| RuleError::Forbidden)?;
        let expected = atlas_domain::directory::parse_version(version)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !st::close_case(&mut tx, case_id, expected, now).await? {
            return Err(RuleError::Stale.into());
        }
        st_audit::append(
            &mut tx,
            now,
            &NewEvent::new(
                By::User(actor).audit_actor(),
                "cases.case.close",
                "case_record",
                case_id,
                String::new(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Erases the identifying data of cases closed longer than the retention period ago
    /// (statistics and the audit trail remain); one `cases.identity.erase` event per
    /// case. Returns the number of cases erased.
    pub async fn erase_expired_identities(&self, by: By<'_>) -> Result<usize> {
        if let By::User(_) = by {
            return Err(RuleError::Forbidden.into());
        }
        let now = self.now();
        let before = now - time::Duration::days(self.settings.cases.retention_days);
        let mut tx = self.db.begin().await?;
        let ids = st::expired_identities(&mut tx, before).await?;
        for id in &ids {
            let n = st::erase_identity(&mut tx, *id, now).await?;
            st_audit::append(
                &mut tx,
                now,
                &NewEvent::new(
                    by.audit_actor(),
                    "cases.identity.erase",
                    "case_record",
                    id,
                    format!("persons={n}"),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// The institution's latest notifications.
    pub async fn case_notifications(&self, actor: &Actor) -> Result<Vec<NotificationRow>> {
        authorize(actor, Action::ReadCase, None)?;
        Ok(st::notifications(&self.db, actor.institution_id, 20).await?)
    }

    /// Areas of the actor's country a case may be placed in: (id, name).
    pub async fn case_areas(&self, actor: &Actor) -> Result<Vec<(Uuid, String)>> {
        authorize(actor, Action::CreateCase, None)?;
        let f = atlas_store::directory::ListFilter {
            country: Some(actor.country.as_str().to_owned()),
            limit: 500,
            ..Default::default()
        };
        Ok(atlas_store::directory::list_areas(&self.db, &f)
            .await?
            .into_iter()
            .map(|a| (a.area_id, a.name))
            .collect())
    }
}

/// The owner of a case for the policy: the identifying institution and its country.
pub(crate) fn case_owner(c: &CaseRow) -> Result<Owner> {
    Ok(Owner {
        institution_id: Some(c.institution_id),
        country: CountryCode::parse(&c.country_code).context("unknown country stored")?,
    })
}

pub(crate) fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn parse_day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// True when a victim of this age band is a child (best-interest rule).
pub(crate) fn is_child(band: &str) -> bool {
    AgeBand::parse(band).is_some_and(AgeBand::is_child)
}
