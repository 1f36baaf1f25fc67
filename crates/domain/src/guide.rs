//! Local Implementation Guide: the service directory (shaped after Open Referral HSDS:
//! organisation, service, location, contact, eligibility, cost, languages) and the
//! referral pathways that tell a municipal worker, for each victim need, whom to call,
//! in what order and within how long.
//!
//! Invariants and rules:
//! - a need is one of the nine codes of [`Need`]; a referral method one of
//!   [`ReferralMethod`], a next step one of [`NextStep`];
//! - a service names either a directory institution or an organisation name (HSDS
//!   requires every service to belong to an organisation);
//! - a phone number is digits with optional spaces, dashes, dots and parentheses and at
//!   most one leading `+`: 3 to 15 digits (short national hotlines such as 145 are
//!   numbers too), at least 8 with an international `+`;
//! - a pathway's steps are numbered 1..n in the order given (gaps and duplicates in the
//!   submitted order numbers are refused, not silently renumbered, so what the author
//!   saw is what is stored); every step names a service and a maximum response time of
//!   1 to 720 hours (30 days).

use crate::directory::{lenient, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

string_enum!(
    /// A victim's need a referral pathway answers.
    Need {
        /// Immediate safety and shelter.
        SafetyShelter = "safety_shelter",
        Health = "health",
        /// Psychosocial support.
        Psychosocial = "psychosocial",
        LegalAid = "legal_aid",
        /// Identity documents.
        Documents = "documents",
        /// Migration status or return.
        Migration = "migration",
        /// Education for children.
        Education = "education",
        /// Livelihood and employment.
        Livelihood = "livelihood",
        Interpretation = "interpretation",
    }
);

string_enum!(
    /// How a service takes referrals (Services Advisor's referral method).
    ReferralMethod {
        /// The person approaches the service directly.
        None = "none",
        /// An inter-agency referral form.
        Form = "form",
        Phone = "phone",
        Email = "email",
    }
);

string_enum!(
    /// What happens after a referral (Services Advisor's next step).
    NextStep {
        /// The person goes to the service.
        ClientApproaches = "client_approaches",
        HomeVisit = "home_visit",
        FollowUpCall = "follow_up_call",
    }
);

string_enum!(
    /// Whether a pathway is in use. Only published pathways are shown to every
    /// signed-in user, on public pages and to the case module.
    PathwayStatus {
        Draft = "draft",
        Published = "published",
    }
);

/// Longest accepted maximum response time, in hours.
pub const MAX_RESPONSE_HOURS: i64 = 720;
/// Most steps in one pathway.
pub const MAX_STEPS: usize = 20;

/// A phone number as written by the user, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number (see the module rules); keeps the user's spacing.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        let body = t.strip_prefix('+').unwrap_or(t);
        let international = body.len() != t.len();
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        {
            return None;
        }
        let digits = body.chars().filter(char::is_ascii_digit).count();
        let min = if international { 8 } else { 3 };
        (min..=15).contains(&digits).then(|| Self(t.to_owned()))
    }
    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Raw service input from a form or JSON body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceInput {
    #[serde(deserialize_with = "lenient")]
    pub country: String,
    #[serde(deserialize_with = "lenient")]
    pub institution_id: String,
    #[serde(deserialize_with = "lenient")]
    pub organization: String,
    #[serde(deserialize_with = "lenient")]
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub description: String,
    #[serde(deserialize_with = "lenient")]
    pub area_id: String,
    #[serde(deserialize_with = "lenient")]
    pub address: String,
    #[serde(deserialize_with = "lenient")]
    pub hours: String,
    #[serde(deserialize_with = "lenient")]
    pub phone: String,
    #[serde(deserialize_with = "lenient")]
    pub email: String,
    #[serde(deserialize_with = "lenient")]
    pub intake_criteria: String,
    #[serde(deserialize_with = "lenient")]
    pub cost: String,
    #[serde(deserialize_with = "lenient")]
    pub languages: String,
    #[serde(deserialize_with = "lenient")]
    pub referral_method: String,
    #[serde(deserialize_with = "lenient")]
    pub next_step: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed service, ready to be stored once its institution and area are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDraft {
    pub country: crate::directory::CountryCode,
    pub institution_id: Option<Uuid>,
    pub organization: Option<String>,
    pub name: String,
    pub description: String,
    pub area_id: Option<Uuid>,
    pub address: String,
    pub hours: String,
    pub phone: Option<Phone>,
    pub email: Option<String>,
    pub intake_criteria: String,
    pub cost: String,
    /// ISO 639-1 codes, lower case, comma-separated on input.
    pub languages: Vec<String>,
    pub referral_method: ReferralMethod,
    pub next_step: NextStep,
}

/// Text that may be empty, at most `max` characters, line breaks allowed.
pub fn free_text(s: &str, field: &str, max: usize, e: &mut FieldErrors) -> String {
    let t = s.trim();
    if t.chars().count() > max {
        e.add(field, "field-too-long");
    } else if t
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        e.add(field, "field-control-chars");
    }
    t.to_owned()
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces. Deliverability is not the platform's to judge.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && s.len() <= 254
}

impl ServiceDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ServiceInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let country = crate::directory::CountryCode::parse(&i.country);
        if country.is_none() {
            e.add("country", "field-country-invalid");
        }
        let institution_id = parse_optional_uuid(&i.institution_id, "institution_id", &mut e);
        let organization = free_text(&i.organization, "organization", 200, &mut e);
        let organization = (!organization.is_empty()).then_some(organization);
        if institution_id.is_none() && organization.is_none() && e.get("institution_id").is_none() {
            e.add("organization", "guide-service-organization-required");
        }
        let name = required_text(&i.name, "name", 200, &mut e);
        let description = free_text(&i.description, "description", 2000, &mut e);
        let area_id = parse_optional_uuid(&i.area_id, "area_id", &mut e);
        let address = free_text(&i.address, "address", 300, &mut e);
        let hours = free_text(&i.hours, "hours", 200, &mut e);
        let phone = if i.phone.trim().is_empty() {
            None
        } else {
            let p = Phone::parse(&i.phone);
            if p.is_none() {
                e.add("phone", "guide-phone-invalid");
            }
            p
        };
        let email = if i.email.trim().is_empty() {
            None
        } else if valid_email(i.email.trim()) {
            Some(i.email.trim().to_owned())
        } else {
            e.add("email", "guide-email-invalid");
            None
        };
        let intake_criteria = free_text(&i.intake_criteria, "intake_criteria", 1000, &mut e);
        let cost = free_text(&i.cost, "cost", 200, &mut e);
        let mut languages = Vec::new();
        for l in i.languages.split([',', ' ']).map(str::trim) {
            if l.is_empty() {
                continue;
            }
            let l = l.to_ascii_lowercase();
            if l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()) {
                if !languages.contains(&l) {
                    languages.push(l);
                }
            } else {
                e.add("languages", "guide-languages-invalid");
                break;
            }
        }
        let referral_method = ReferralMethod::parse(&i.referral_method);
        if referral_method.is_none() {
            e.add("referral_method", "field-choice");
        }
        let next_step = NextStep::parse(&i.next_step);
        if next_step.is_none() {
            e.add("next_step", "field-choice");
        }
        match (country, referral_method, next_step) {
            (Some(country), Some(referral_method), Some(next_step)) if e.is_empty() => Ok(Self {
                country,
                institution_id,
                organization,
                name,
                description,
                area_id,
                address,
                hours,
                phone,
                email,
                intake_criteria,
                cost,
                languages,
                referral_method,
                next_step,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// One submitted step of a pathway; every member is text as the form sent it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StepInput {
    #[serde(deserialize_with = "lenient")]
    pub order: String,
    #[serde(deserialize_with = "lenient")]
    pub service_id: String,
    #[serde(deserialize_with = "lenient")]
    pub max_response_hours: String,
    #[serde(deserialize_with = "lenient")]
    pub bring: String,
    #[serde(deserialize_with = "lenient")]
    pub consent_required: String,
}

impl StepInput {
    /// True when the row was left empty (blank rows of a form are not steps).
    pub fn is_blank(&self) -> bool {
        self.service_id.trim().is_empty()
            && self.max_response_hours.trim().is_empty()
            && self.bring.trim().is_empty()
    }
}

/// Raw pathway input: status and the steps in any order (their `order` decides).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PathwayInput {
    #[serde(deserialize_with = "lenient")]
    pub status: String,
    pub steps: Vec<StepInput>,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDraft {
    pub order: i64,
    pub service_id: Uuid,
    pub max_response_hours: i64,
    pub bring: String,
    pub consent_required: bool,
}

/// A parsed pathway: steps sorted by `order`, numbered 1..n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathwayDraft {
    pub status: PathwayStatus,
    pub steps: Vec<StepDraft>,
}

/// True for the ways a form or JSON body says yes.
pub fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes")
}

impl PathwayDraft {
    /// Parses the pathway; errors name the step as `steps[N].field` (N counted from 1
    /// over the submitted rows, blank rows included, so it matches the form's row).
    pub fn parse(i: &PathwayInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let status = PathwayStatus::parse(&i.status);
        if status.is_none() {
            e.add("status", "field-choice");
        }
        let mut steps = Vec::new();
        for (n, s) in i.steps.iter().enumerate() {
            if s.is_blank() {
                continue;
            }
            let f = |name: &str| format!("steps[{}].{name}", n + 1);
            let order = s.order.trim().parse::<i64>().ok().filter(|o| *o >= 1);
            if order.is_none() {
                e.add(&f("order"), "guide-step-order");
            }
            let service_id = if s.service_id.trim().is_empty() {
                e.add(&f("service_id"), "guide-step-service-required");
                None
            } else {
                let id = Uuid::parse_str(s.service_id.trim()).ok();
                if id.is_none() {
                    e.add(&f("service_id"), "field-reference");
                }
                id
            };
            let hours = s
                .max_response_hours
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=MAX_RESPONSE_HOURS).contains(h));
            if hours.is_none() {
                e.add(&f("max_response_hours"), "guide-step-hours");
            }
            let bring = free_text(&s.bring, &f("bring"), 1000, &mut e);
            if let (Some(order), Some(service_id), Some(max_response_hours)) =
                (order, service_id, hours)
            {
                steps.push(StepDraft {
                    order,
                    service_id,
                    max_response_hours,
                    bring,
                    consent_required: truthy(&s.consent_required),
                });
            }
        }
        if steps.len() > MAX_STEPS {
            e.add("steps", "guide-steps-too-many");
        }
        steps.sort_by_key(|s| s.order);
        if e.is_empty()
            && steps
                .iter()
                .enumerate()
                .any(|(k, s)| s.order != k as i64 + 1)
        {
            e.add("steps", "guide-step-order-sequence");
        }
        if e.is_empty() && status == Some(PathwayStatus::Published) && steps.is_empty() {
            e.add("steps", "guide-steps-required");
        }
        match status {
            Some(status) if e.is_empty() => Ok(Self { status, steps }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_codes_round_trip() {
        assert_eq!(Need::ALL.len(), 9);
        for n in Need::ALL {
            assert_eq!(Need::parse(n.as_str()), Some(*n));
        }
        assert_eq!(Need::parse("safety_shelter"), Some(Need::SafetyShelter));
        assert_eq!(Need::parse("shelter"), None);
    }

    #[test]
    fn phone_numbers_are_digits_with_separators() {
        for ok in [
            "145",
            "+54 11 4239-1111",
            "(011) 4282-0000",
            "0800.222.1717",
        ] {
            assert!(Phone::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "12",
            "call me",
            "+54",
            "+1234",
            "11 4239 ext 2",
            "1234567890123456",
            "++5411",
        ] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
    }

    fn service() -> ServiceInput {
        ServiceInput {
            country: "AR".into(),
            organization: "Hospital Gandulfo".into(),
            name: "Guardia".into(),
            phone: "+54 11 4244-1000".into(),
            languages: "es, en".into(),
            referral_method: "phone".into(),
            next_step: "client_approaches".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_service_needs_an_organisation_and_valid_contact() {
        let d = ServiceDraft::parse(&service()).unwrap();
        assert_eq!(d.languages, vec!["es", "en"]);
        let mut i = service();
        i.organization.clear();
        i.phone = "not a number".into();
        i.email = "nobody".into();
        i.languages = "spanish".into();
        i.referral_method = "fax".into();
        let Err(Error::Invalid(e)) = ServiceDraft::parse(&i) else {
            panic!("expected invalid")
        };
        assert_eq!(
            e.get("organization"),
            Some("guide-service-organization-required")
        );
        assert_eq!(e.get("phone"), Some("guide-phone-invalid"));
        assert_eq!(e.get("email"), Some("guide-email-invalid"));
        assert_eq!(e.get("languages"), Some("guide-languages-invalid"));
        assert_eq!(e.get("referral_method"), Some("field-choice"));
    }

    fn step(order: &str, service: &str, hours: &str) -> StepInput {
        StepInput {
            order: order.into(),
            service_id: service.into(),
            max_response_hours: hours.into(),
            ..Default::default()
        }
    }

    #[test]
    fn pathway_steps_are_sorted_by_order_and_blank_rows_skipped() {
        let a = Uuid::from_u128(1).to_string();
        let b = Uuid::from_u128(2).to_string();
        let d = PathwayDraft::parse(&PathwayInput {
            status: "published".into(),
            steps: vec![
                step("2", &b, "24"),
                StepInput::default(),
                step("1", &a, "2"),
            ],
            version: String::new(),
        })
        .unwrap();
        assert_eq!(d.steps.len(), 2);
        assert_eq!(d.steps[0].service_id, Uuid::from_u128(1));
        assert_eq!(d.steps[1].order, 2);
    }

    #[test]
    fn a_step_without_a_service_or_with_bad_hours_names_its_row() {
        let a = Uuid::from_u128(1).to_string();
        let Err(Error::Invalid(e)) = PathwayDraft::parse(&PathwayInput {
            status: "draft".into(),
            steps: vec![
                step("1", &a, "2"),
                step("2", "", "0"),
                step("x", &a, "1000"),
            ],
            version: String::new(),
        }) else {
            panic!("expected invalid")
        };
        assert_eq!(
            e.get("steps[2].service_id"),
            Some("guide-step-service-required")
        );
        assert_eq!(
            e.get("steps[2].max_response_hours"),
            Some("guide-step-hours")
        );
        assert_eq!(e.get("steps[3].order"), Some("guide-step-order"));
        assert_eq!(
            e.get("steps[3].max_response_hours"),
            Some("guide-step-hours")
        );
    }

    #[test]
    fn order_numbers_must_run_from_one_without_gaps() {
        let a = Uuid::from_u128(1).to_string();
        for orders in [["1", "3"], ["1", "1"], ["2", "3"]] {
            let Err(Error::Invalid(e)) = PathwayDraft::parse(&PathwayInput {
                status: "draft".into(),
                steps: vec![step(orders[0], &a, "2"), step(orders[1], &a, "2")],
                version: String::new(),
            }) else {
                panic!("expected invalid for {orders:?}")
            };
            assert_eq!(e.get("steps"), Some("guide-step-order-sequence"));
        }
        let Err(Error::Invalid(e)) = PathwayDraft::parse(&PathwayInput {
            status: "published".into(),
            steps: vec![],
            version: String::new(),
        }) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("steps"), Some("guide-steps-required"));
    }
}
