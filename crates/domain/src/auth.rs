//! Who may do what. One policy decides every access: [`authorize`] for a single record,
//! [`list_scope`] for the filter a list query must apply. Handlers and templates never
//! decide on their own.
//!
//! Invariants: a role that lacks an action altogether gets `Forbidden`; a role that has it
//! but not over this record gets `NotFound`, so the record's existence is not revealed.

use crate::directory::{CountryCode, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

string_enum!(
    /// The ten roles of DESIGN.md §4.
    Role {
        Admin = "admin",
        ProgramStaff = "program_staff",
        TrainingCoordinator = "training_coordinator",
        Facilitator = "facilitator",
        FrontlineOfficer = "frontline_officer",
        Caseworker = "caseworker",
        Justice = "justice",
        MunicipalOfficial = "municipal_official",
        MappingFacilitator = "mapping_facilitator",
        Observer = "observer",
    }
);

impl Role {
    /// Roles that see case data or administer the system must sign in with TOTP.
    pub fn requires_totp(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::FrontlineOfficer | Role::Caseworker | Role::Justice
        )
    }
}

/// The signed-in user as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    pub institution_id: Uuid,
    pub country: CountryCode,
}

/// Kinds of action the policy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read countries, areas and institutions.
    ReadDirectory,
    /// Create or edit areas and institutions.
    WriteDirectory,
    /// Create, disable and reset user accounts.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Edit the master training curriculum (modules and presentations).
    EditCurriculum,
    /// Create courses and manage their sessions, facilitators and enrolments.
    ManageCourses,
    /// Take attendance. A facilitator's institution scope is narrowed further in core to
    /// the courses they facilitate.
    TakeAttendance,
    /// Read the training figures and the curriculum (no personal data).
    ReadTrainingFigures,
    /// Read institutions' adaptations of the curriculum (no personal data).
    ReadAdaptations,
    /// Create and change an institution's adaptation of the curriculum.
    ManageAdaptations,
    /// Read a country's gap assessment, models of practice, key results and fact sheet
    /// preview (no personal data).
    ReadResults,
    /// Edit a country's gap assessment, models of practice (and move them through their
    /// lifecycle) and fact sheet profile, including publishing it.
    ManageResults,
    /// Read the records a results figure counts (institutions, models, manual entries
    /// with who entered them; trained people also need `ManageCourses` over the country).
    /// Observers read figures only, never names.
    ReadResultRecords,
    /// Read the guide's service directory and published referral pathways (every
    /// signed-in user: the worker facing a victim needs them, whatever her role).
    ReadGuide,
    /// Create and edit services and referral pathways, and switch a municipality's
    /// public page on or off.
    ManageGuideDirectory,
    /// Read the protocol inventory and guide documents with their versions and review
    /// rounds (no personal data).
    ReadGuideDocuments,
    /// Write the protocol inventory and guide documents: program staff in their country
    /// and the guide's own institution.
    EditGuides,
    /// Identify a possible victim and open a case (front-line officers).
    CreateCase,
    /// Read a case: its code, classification, persons without identifying data and
    /// referrals. Institution scope means the identifying institution or one the case
    /// was referred to ([`authorize_case`]).
    ReadCase,
    /// Read victims' identifying data (name, document, contact, address); audited.
    ReadCaseIdentity,
    /// Record consent, close the case (an institution with access).
    ManageCase,
    /// Refer a case to another institution.
    ReferCase,
    /// Answer a referral received by the own institution.
    AnswerReferral,
    /// Refer without the person's consent to share, giving a reason.
    OverrideConsent,
    /// Record steps of the legal track (prosecutors and judges).
    RecordLegalStep,
    /// Read aggregate case statistics and the anonymised export (no person).
    ReadCaseStatistics,
    /// Watch for referrals nobody has answered (codes, institutions, deadlines).
    SuperviseReferrals,
    /// Read mapping exercises and their public and generalised map features.
    ReadCartography,
    /// Create and edit mapping exercises and their features.
    ManageCartography,
    /// See restricted map features (only mapping facilitators and program staff of the
    /// country; observers never, anywhere).
    ReadRestrictedFeatures,
}

/// How far an action reaches for a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Records owned by the user's institution.
    Institution,
    /// Records of the user's country.
    Country,
    /// Every record.
    All,
}

/// The owner of a record: its institution (when it has one) and its country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub institution_id: Option<Uuid>,
    pub country: CountryCode,
}

/// The filter a list query applies for an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    All,
    Country(CountryCode),
    Institution(Uuid),
}

/// The scope a role has for an action, or `None` when the role may not do it at all.
pub fn scope(role: Role, action: Action) -> Option<Scope> {
    use Role::*;
    match action {
        Action::ReadDirectory => match role {
            Admin | ProgramStaff | Observer => Some(Scope::All),
            _ => Some(Scope::Country),
        },
        Action::WriteDirectory => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            _ => None,
        },
        Action::ManageUsers | Action::ReadAudit => match role {
            Admin => Some(Scope::All),
            _ => None,
        },
        Action::EditCurriculum => match role {
            Admin | ProgramStaff => Some(Scope::All),
            _ => None,
        },
        Action::ManageCourses => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            TrainingCoordinator => Some(Scope::Institution),
            _ => None,
        },
        Action::TakeAttendance => match role {
            Admin => Some(Scope::All),
            TrainingCoordinator | Facilitator => Some(Scope::Institution),
            _ => None,
        },
        Action::ReadTrainingFigures | Action::ReadResults => match role {
            Admin | ProgramStaff | Observer => Some(Scope::All),
            _ => Some(Scope::Country),
        },
        // Observers see figures only (issue 3); facilitators read the adaptation their
        // institution teaches from.
        Action::ReadAdaptations => match role {
            Admin | ProgramStaff => Some(Scope::All),
            TrainingCoordinator | Facilitator => Some(Scope::Institution),
            _ => None,
        },
        Action::ManageAdaptations => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            TrainingCoordinator => Some(Scope::Institution),
            _ => None,
        },
        Action::ManageResults => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            _ => None,
        },
        Action::ReadGuide => Some(Scope::All),
        Action::ManageGuideDirectory => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            _ => None,
        },
        Action::ReadGuideDocuments => match role {
            Admin | ProgramStaff | Observer => Some(Scope::All),
            _ => Some(Scope::Country),
        },
        Action::EditGuides => match role {
            Admin => Some(Scope::All),
            ProgramStaff => Some(Scope::Country),
            Caseworker | MunicipalOfficial | TrainingCoordinator | MappingFacilitator => {
                Some(Scope::Institution)
            }
            _ => None,
        },
        Action::ReadResultRecords => match role {
            Admin | ProgramStaff => Some(Scope::All),
            Observer => None,
            _ => Some(Scope::Country),
        },
        // Cases are need-to-know (issue 7): only the identifying institution and the
        // institutions a case was referred to; admins see no case content at all.
        Action::CreateCase => match role {
            FrontlineOfficer => Some(Scope::Institution),
            _ => None,
        },
        Action::ReadCase | Action::AnswerReferral => match role {
            FrontlineOfficer | Caseworker | Justice => Some(Scope::Institution),
            _ => None,
        },
        // Justice users see the legal track and the persons' age, sex and nationality,
        // not who they are.
        Action::ReadCaseIdentity | Action::ManageCase | Action::ReferCase => match role {
            FrontlineOfficer | Caseworker => Some(Scope::Institution),
            _ => None,
        },
        // Social protection judges when a referral must go ahead without consent.
        Action::OverrideConsent => match role {
            Caseworker => Some(Scope::Institution),
            _ => None,
        },
        Action::RecordLegalStep => match role {
            Justice => Some(Scope::Institution),
            _ => None,
        },
        Action::ReadCaseStatistics => match role {
            Admin | ProgramStaff | Observer => Some(Scope::All),
            _ => None,
        },
        Action::SuperviseReferrals => match role {
            ProgramStaff => Some(Scope::Country),
            _ => None,
        },
        Action::ReadCartography => match role {
            Admin | ProgramStaff | Observer => Some(Scope::All),
            _ => Some(Scope::Country),
        },
        Action::ManageCartography => match role {
            Admin => Some(Scope::All),
            ProgramStaff | MappingFacilitator => Some(Scope::Country),
            _ => None,
        },
        Action::ReadRestrictedFeatures => match role {
            ProgramStaff | MappingFacilitator => Some(Scope::Country),
            _ => None,
        },
    }
}

/// Decides one access to a case: `owner` is the identifying institution and its
/// country, `referred_to` the institutions holding a referral of it that still grants
/// access. Institution scope reaches the identifying institution and those institutions;
/// anything else is `NotFound` (a role without the action at all: `NotFound` too, since
/// a case is always a particular record).
pub fn authorize_case(
    actor: &Actor,
    action: Action,
    owner: &Owner,
    referred_to: &[Uuid],
) -> Result<(), Error> {
    let Some(scope) = scope(actor.role, action) else {
        return Err(Error::NotFound);
    };
    let within = match scope {
        Scope::All => true,
        Scope::Country => owner.country == actor.country,
        Scope::Institution => {
            owner.institution_id == Some(actor.institution_id)
                || referred_to.contains(&actor.institution_id)
        }
    };
    if within { Ok(()) } else { Err(Error::NotFound) }
}

/// True when the role may perform the action on at least some records; used to decide
/// what navigation to offer (the check on each record still happens).
pub fn can(actor: &Actor, action: Action) -> bool {
    scope(actor.role, action).is_some()
}

/// Decides one access. `record` is the owner of the record acted on, or `None` for an
/// action on no particular record (listing, creating).
pub fn authorize(actor: &Actor, action: Action, record: Option<&Owner>) -> Result<(), Error> {
    let Some(scope) = scope(actor.role, action) else {
        return Err(match record {
            Some(_) => Error::NotFound,
            None => Error::Forbidden,
        });
    };
    let Some(owner) = record else {
        return Ok(());
    };
    let within = match scope {
        Scope::All => true,
        Scope::Country => owner.country == actor.country,
        Scope::Institution => owner.institution_id == Some(actor.institution_id),
    };
    if within { Ok(()) } else { Err(Error::NotFound) }
}

/// Authorises creating a record that will be owned by `owner` (e.g. an institution in a
/// country): outside scope is `Forbidden` since nothing existing is revealed.
pub fn authorize_create(actor: &Actor, action: Action, owner: &Owner) -> Result<(), Error> {
    authorize(actor, action, Some(owner)).map_err(|e| match e {
        Error::NotFound => Error::Forbidden,
        other => other,
    })
}

/// The filter a list query must apply for this actor.
pub fn list_scope(actor: &Actor, action: Action) -> Result<ListScope, Error> {
    match scope(actor.role, action) {
        None => Err(Error::Forbidden),
        Some(Scope::All) => Ok(ListScope::All),
        Some(Scope::Country) => Ok(ListScope::Country(actor.country.clone())),
        Some(Scope::Institution) => Ok(ListScope::Institution(actor.institution_id)),
    }
}

/// A login name: 3–64 characters of lower-case letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a username, lower-casing it.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&t.len())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        ok.then_some(Self(t))
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Minimum password length (ASVS 5.0 V6.2.1 asks at least 8 and recommends 15; 12 is the
/// compromise for officials typing on phones).
pub const PASSWORD_MIN: usize = 12;
/// Maximum password length (ASVS asks that at least 64 be allowed).
pub const PASSWORD_MAX: usize = 128;

/// Checks a new password; returns the message key of the problem.
pub fn check_new_password(pw: &str, username: &str) -> Result<(), &'static str> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN {
        return Err("password-too-short");
    }
    if n > PASSWORD_MAX {
        return Err("password-too-long");
    }
    if pw.to_lowercase().contains(&username.to_lowercase()) {
        return Err("password-contains-username");
    }
    Ok(())
}

/// Raw input for a new account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub institution_id: String,
    pub password: String,
    /// Optional address for case notifications by e-mail.
    pub email: String,
    /// Optional language of e-mails (`en`, `es`, `th`); empty: the country's.
    pub language: String,
}

/// Languages e-mails can be written in.
pub const MAIL_LANGUAGES: [&str; 3] = ["en", "es", "th"];

/// Parses an account's optional e-mail address and language, adding field errors.
pub fn parse_contact(
    email: &str,
    language: &str,
    e: &mut FieldErrors,
) -> (Option<String>, Option<String>) {
    let email = match email.trim() {
        "" => None,
        s => match crate::mail::parse_address(s) {
            Some(a) => Some(a),
            None => {
                e.add("email", "account-email-invalid");
                None
            }
        },
    };
    let language = match language.trim() {
        "" => None,
        l if MAIL_LANGUAGES.contains(&l) => Some(l.to_owned()),
        _ => {
            e.add("language", "field-choice");
            None
        }
    };
    (email, language)
}

/// A parsed new account.
#[derive(Debug, Clone)]
pub struct AccountDraft {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub institution_id: Uuid,
    pub password: String,
    pub email: Option<String>,
    pub language: Option<String>,
}

impl AccountDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &AccountInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let username = Username::parse(&i.username);
        if username.is_none() {
            e.add("username", "username-format");
        }
        let display_name =
            crate::directory::required_text(&i.display_name, "display_name", 120, &mut e);
        let role = Role::parse(&i.role);
        if role.is_none() {
            e.add("role", "field-choice");
        }
        let institution_id =
            crate::directory::parse_optional_uuid(&i.institution_id, "institution_id", &mut e);
        if institution_id.is_none() && e.get("institution_id").is_none() {
            e.add("institution_id", "field-required");
        }
        if let Err(k) = check_new_password(&i.password, i.username.trim()) {
            e.add("password", k);
        }
        let (email, language) = parse_contact(&i.email, &i.language, &mut e);
        match (username, role, institution_id) {
            (Some(username), Some(role), Some(institution_id)) if e.is_empty() => Ok(Self {
                username,
                display_name,
                role,
                institution_id,
                password: i.password.clone(),
                email,
                language,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Serialisable view of a role for templates and JSON.
#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub code: &'static str,
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, country: &str) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            username: "u".into(),
            role,
            institution_id: Uuid::from_u128(1),
            country: CountryCode::parse(country).unwrap(),
        }
    }

    fn owner(country: &str) -> Owner {
        Owner {
            institution_id: Some(Uuid::from_u128(2)),
            country: CountryCode::parse(country).unwrap(),
        }
    }

    #[test]
    fn restricted_features_stay_with_facilitators_and_staff_of_the_country() {
        assert_eq!(
            scope(Role::MappingFacilitator, Action::ReadRestrictedFeatures),
            Some(Scope::Country)
        );
        assert_eq!(
            scope(Role::ProgramStaff, Action::ReadRestrictedFeatures),
            Some(Scope::Country)
        );
        for r in [Role::Observer, Role::Admin, Role::MunicipalOfficial] {
            assert_eq!(scope(r, Action::ReadRestrictedFeatures), None, "{r}");
        }
        assert_eq!(scope(Role::Observer, Action::ManageCartography), None);
        assert_eq!(
            scope(Role::Observer, Action::ReadCartography),
            Some(Scope::All)
        );
    }

    #[test]
    fn a_record_of_another_country_is_not_found_for_country_scoped_roles() {
        let a = actor(Role::Caseworker, "TH");
        assert_eq!(
            authorize(&a, Action::ReadDirectory, Some(&owner("AR"))),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize(&a, Action::ReadDirectory, Some(&owner("TH"))),
            Ok(())
        );
    }

    #[test]
    fn a_role_without_the_action_is_forbidden_for_lists_and_blind_for_records() {
        let a = actor(Role::Observer, "AR");
        assert_eq!(
            authorize(&a, Action::ManageUsers, None),
            Err(Error::Forbidden)
        );
        assert_eq!(
            authorize(&a, Action::WriteDirectory, Some(&owner("AR"))),
            Err(Error::NotFound)
        );
    }

    #[test]
    fn program_staff_write_only_in_their_country() {
        let a = actor(Role::ProgramStaff, "AR");
        assert_eq!(
            authorize_create(&a, Action::WriteDirectory, &owner("AR")),
            Ok(())
        );
        assert_eq!(
            authorize_create(&a, Action::WriteDirectory, &owner("PY")),
            Err(Error::Forbidden)
        );
        assert_eq!(list_scope(&a, Action::ReadDirectory), Ok(ListScope::All));
    }

    #[test]
    fn training_policy_scopes_each_role() {
        let owner_inst = |inst: u128, c: &str| Owner {
            institution_id: Some(Uuid::from_u128(inst)),
            country: CountryCode::parse(c).unwrap(),
        };
        let coord = actor(Role::TrainingCoordinator, "AR");
        assert_eq!(
            authorize(&coord, Action::ManageCourses, Some(&owner_inst(1, "AR"))),
            Ok(())
        );
        assert_eq!(
            authorize(&coord, Action::ManageCourses, Some(&owner_inst(2, "AR"))),
            Err(Error::NotFound),
            "another institution's course is not found"
        );
        let staff = actor(Role::ProgramStaff, "AR");
        assert_eq!(
            authorize(&staff, Action::ManageCourses, Some(&owner_inst(2, "PY"))),
            Err(Error::NotFound)
        );
        assert_eq!(authorize(&staff, Action::EditCurriculum, None), Ok(()));
        assert_eq!(
            authorize(&coord, Action::EditCurriculum, None),
            Err(Error::Forbidden)
        );
        let obs = actor(Role::Observer, "AR");
        assert_eq!(
            list_scope(&obs, Action::ReadTrainingFigures),
            Ok(ListScope::All)
        );
        assert_eq!(
            authorize(&obs, Action::TakeAttendance, Some(&owner_inst(1, "AR"))),
            Err(Error::NotFound)
        );
        let fac = actor(Role::Facilitator, "AR");
        assert_eq!(
            scope(fac.role, Action::TakeAttendance),
            Some(Scope::Institution)
        );
        assert_eq!(scope(fac.role, Action::ManageCourses), None);
        assert_eq!(
            authorize(&fac, Action::ManageAdaptations, Some(&owner_inst(1, "AR"))),
            Err(Error::NotFound),
            "a facilitator reads but does not change adaptations"
        );
        assert_eq!(
            authorize(&fac, Action::ReadAdaptations, Some(&owner_inst(1, "AR"))),
            Ok(())
        );
        assert_eq!(
            authorize(&obs, Action::ReadAdaptations, None),
            Err(Error::Forbidden),
            "observers see figures only"
        );
        assert_eq!(
            authorize(
                &coord,
                Action::ManageAdaptations,
                Some(&owner_inst(2, "AR"))
            ),
            Err(Error::NotFound)
        );
        assert_eq!(
            list_scope(&actor(Role::Caseworker, "TH"), Action::ReadTrainingFigures),
            Ok(ListScope::Country(CountryCode::parse("TH").unwrap()))
        );
    }

    #[test]
    fn results_are_edited_by_program_staff_of_the_country_and_read_by_everyone_in_scope() {
        let staff = actor(Role::ProgramStaff, "AR");
        assert_eq!(
            authorize(&staff, Action::ManageResults, Some(&owner("AR"))),
            Ok(())
        );
        assert_eq!(
            authorize(&staff, Action::ManageResults, Some(&owner("PY"))),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize_create(&staff, Action::ManageResults, &owner("PY")),
            Err(Error::Forbidden)
        );
        let admin = actor(Role::Admin, "AR");
        assert_eq!(
            authorize(&admin, Action::ManageResults, Some(&owner("TH"))),
            Ok(())
        );
        for role in [Role::Observer, Role::TrainingCoordinator, Role::Caseworker] {
            let a = actor(role, "AR");
            assert_eq!(scope(role, Action::ManageResults), None, "{role}");
            assert_eq!(
                authorize(&a, Action::ManageResults, Some(&owner("AR"))),
                Err(Error::NotFound)
            );
        }
        assert_eq!(
            list_scope(&actor(Role::Observer, "AR"), Action::ReadResults),
            Ok(ListScope::All)
        );
        let th = actor(Role::MunicipalOfficial, "TH");
        assert_eq!(
            authorize(&th, Action::ReadResults, Some(&owner("AR"))),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize(&th, Action::ReadResults, Some(&owner("TH"))),
            Ok(())
        );
    }

    #[test]
    fn cases_are_need_to_know_by_institution_and_referral() {
        let mut officer = actor(Role::FrontlineOfficer, "AR");
        let own = officer.institution_id;
        let other = Uuid::now_v7();
        let case = Owner {
            institution_id: Some(own),
            country: CountryCode::parse("AR").unwrap(),
        };
        assert_eq!(
            authorize_case(&officer, Action::ReadCase, &case, &[]),
            Ok(())
        );
        assert_eq!(
            authorize_case(&officer, Action::ReadCaseIdentity, &case, &[]),
            Ok(())
        );
        officer.institution_id = other;
        assert_eq!(
            authorize_case(&officer, Action::ReadCase, &case, &[]),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize_case(&officer, Action::ReadCase, &case, &[other]),
            Ok(())
        );
        let mut justice = actor(Role::Justice, "AR");
        justice.institution_id = other;
        assert_eq!(
            authorize_case(&justice, Action::ReadCase, &case, &[other]),
            Ok(())
        );
        assert_eq!(
            authorize_case(&justice, Action::ReadCaseIdentity, &case, &[other]),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize_case(&justice, Action::RecordLegalStep, &case, &[other]),
            Ok(())
        );
        for r in [
            Role::Admin,
            Role::ProgramStaff,
            Role::Observer,
            Role::TrainingCoordinator,
        ] {
            let mut a = actor(r, "AR");
            a.institution_id = own;
            assert_eq!(
                authorize_case(&a, Action::ReadCase, &case, &[]),
                Err(Error::NotFound),
                "{r}"
            );
            assert_eq!(
                authorize(&a, Action::CreateCase, None),
                Err(Error::Forbidden),
                "{r}"
            );
        }
        assert!(can(
            &actor(Role::Observer, "AR"),
            Action::ReadCaseStatistics
        ));
        assert!(!can(
            &actor(Role::FrontlineOfficer, "AR"),
            Action::OverrideConsent
        ));
        assert!(can(&actor(Role::Caseworker, "AR"), Action::OverrideConsent));
    }

    #[test]
    fn totp_is_required_for_roles_that_see_case_data_and_for_admins() {
        let required: Vec<_> = Role::ALL
            .iter()
            .filter(|r| r.requires_totp())
            .map(|r| r.as_str())
            .collect();
        assert_eq!(
            required,
            ["admin", "frontline_officer", "caseworker", "justice"]
        );
    }

    #[test]
    fn passwords_are_checked_for_length_and_username() {
        assert_eq!(
            check_new_password("short", "ana"),
            Err("password-too-short")
        );
        assert_eq!(
            check_new_password("my-name-is-anagonzalez", "anagonzalez"),
            Err("password-contains-username")
        );
        assert_eq!(
            check_new_password(&"x".repeat(129), "ana"),
            Err("password-too-long")
        );
        assert_eq!(check_new_password("correct horse battery", "ana"), Ok(()));
    }

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(
            Username::parse(" Ana.G ").map(|u| u.0),
            Some("ana.g".into())
        );
        assert!(Username::parse("a").is_none());
        assert!(Username::parse("ana g").is_none());
    }

    #[test]
    fn guide_policy_lets_everyone_read_pathways_and_few_edit() {
        let inst = |i: u128, c: &str| Owner {
            institution_id: Some(Uuid::from_u128(i)),
            country: CountryCode::parse(c).unwrap(),
        };
        for role in Role::ALL {
            let a = actor(*role, "TH");
            assert_eq!(
                authorize(&a, Action::ReadGuide, Some(&inst(9, "AR"))),
                Ok(()),
                "{role} reads the directory"
            );
        }
        let staff = actor(Role::ProgramStaff, "AR");
        assert_eq!(
            authorize(&staff, Action::ManageGuideDirectory, Some(&inst(9, "AR"))),
            Ok(())
        );
        assert_eq!(
            authorize(&staff, Action::ManageGuideDirectory, Some(&inst(9, "PY"))),
            Err(Error::NotFound)
        );
        let cw = actor(Role::Caseworker, "AR");
        assert_eq!(
            authorize(&cw, Action::ManageGuideDirectory, None),
            Err(Error::Forbidden)
        );
        assert_eq!(
            authorize(&cw, Action::EditGuides, Some(&inst(1, "AR"))),
            Ok(())
        );
        assert_eq!(
            authorize(&cw, Action::EditGuides, Some(&inst(2, "AR"))),
            Err(Error::NotFound),
            "another institution's guide"
        );
        let obs = actor(Role::Observer, "AR");
        assert_eq!(
            authorize(&obs, Action::ReadGuideDocuments, Some(&inst(2, "TH"))),
            Ok(())
        );
        assert_eq!(
            authorize(&obs, Action::EditGuides, Some(&inst(2, "AR"))),
            Err(Error::NotFound)
        );
        assert_eq!(
            authorize(
                &actor(Role::Justice, "TH"),
                Action::ReadGuideDocuments,
                Some(&inst(2, "AR"))
            ),
            Err(Error::NotFound)
        );
    }
}
