//! Cases of child labour (CL), forced labour (FL) and human trafficking (HT): the
//! screening that proposes a classification, the vocabularies of the Human Trafficking
//! Case Data Standard (HTCDS/CTDC, extended with child labour), the case draft with its
//! victims, consent and the best-interest rule, the referral state machine and the order
//! of the legal track. Pure rules: no I/O.
//!
//! Invariants: a classification that differs from the proposal carries a note; a child
//! labour classification needs a victim in a child age band; a referral of an adult is
//! gated by consent to share with the receiving institution (or an override with a
//! reason), a child's by a recorded best-interest note; referral states only move along
//! [`ReferralState::next`]; a legal step needs the step before it, dated no earlier.

use crate::directory::{optional_text, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use time::Date;
use uuid::Uuid;

string_enum!(
    /// The 11 ILO indicators of forced labour.
    FlIndicator {
        AbuseOfVulnerability = "abuse_of_vulnerability",
        Deception = "deception",
        RestrictionOfMovement = "restriction_of_movement",
        Isolation = "isolation",
        PhysicalSexualViolence = "physical_sexual_violence",
        IntimidationThreats = "intimidation_threats",
        RetentionOfDocuments = "retention_of_documents",
        WithholdingOfWages = "withholding_of_wages",
        DebtBondage = "debt_bondage",
        AbusiveConditions = "abusive_conditions",
        ExcessiveOvertime = "excessive_overtime",
    }
);

string_enum!(
    /// Trafficking's act (Palermo Protocol, art. 3).
    HtAct {
        Recruitment = "recruitment",
        Transportation = "transportation",
        Transfer = "transfer",
        Harbouring = "harbouring",
        Receipt = "receipt",
    }
);

string_enum!(
    /// Trafficking's means.
    HtMeans {
        Threat = "threat",
        Force = "force",
        Coercion = "coercion",
        Abduction = "abduction",
        Fraud = "fraud",
        Deception = "deception",
        AbuseOfPower = "abuse_of_power",
        AbuseOfVulnerability = "abuse_of_vulnerability",
        Payments = "payments",
    }
);

string_enum!(
    /// Trafficking's purpose (exploitation).
    HtPurpose {
        SexualExploitation = "sexual_exploitation",
        ForcedLabour = "forced_labour",
        Slavery = "slavery",
        Servitude = "servitude",
        OrganRemoval = "organ_removal",
        ForcedCriminality = "forced_criminality",
        ForcedMarriage = "forced_marriage",
    }
);

string_enum!(
    /// A case's classification.
    Classification {
        ChildLabour = "cl",
        ForcedLabour = "fl",
        Trafficking = "ht",
    }
);

string_enum!(
    /// Exploitation types (HTCDS `exp_Type`, CTDC `typeOf…`), with child labour added.
    ExploitationType {
        SexualExploitation = "sexual_exploitation",
        ForcedLabour = "forced_labour",
        ChildLabour = "child_labour",
        ForcedMarriage = "forced_marriage",
        ForcedCriminality = "forced_criminality",
        ForcedMilitary = "forced_military",
        Slavery = "slavery",
        OrganRemoval = "organ_removal",
        Other = "other",
    }
);

string_enum!(
    /// Means of control (CTDC `meansOfControl…`).
    MeansOfControl {
        DebtBondage = "debt_bondage",
        TakesEarnings = "takes_earnings",
        Threats = "threats",
        PsychologicalAbuse = "psychological_abuse",
        PhysicalAbuse = "physical_abuse",
        SexualAbuse = "sexual_abuse",
        FalsePromises = "false_promises",
        PsychoactiveSubstances = "psychoactive_substances",
        RestrictsMovement = "restricts_movement",
        ExcessiveWorkingHours = "excessive_working_hours",
        WithholdsDocuments = "withholds_documents",
        WithholdsNecessities = "withholds_necessities",
        Other = "other",
    }
);

string_enum!(
    /// ISIC Rev. 4 sections.
    IsicSection {
        A = "A", B = "B", C = "C", D = "D", E = "E", F = "F", G = "G", H = "H", I = "I",
        J = "J", K = "K", L = "L", M = "M", N = "N", O = "O", P = "P", Q = "Q", R = "R",
        S = "S", T = "T", U = "U",
    }
);

string_enum!(
    /// CTDC age bands (`ageBroad`).
    AgeBand {
        A0to8 = "0-8",
        A9to17 = "9-17",
        A18to20 = "18-20",
        A21to23 = "21-23",
        A24to26 = "24-26",
        A27to29 = "27-29",
        A30to38 = "30-38",
        A39to47 = "39-47",
        A48Plus = "48+",
        Unknown = "unknown",
    }
);

impl AgeBand {
    /// True for the bands below 18.
    pub fn is_child(self) -> bool {
        matches!(self, AgeBand::A0to8 | AgeBand::A9to17)
    }
    /// The band of an age in whole years.
    pub fn of_age(years: u8) -> Self {
        match years {
            0..=8 => AgeBand::A0to8,
            9..=17 => AgeBand::A9to17,
            18..=20 => AgeBand::A18to20,
            21..=23 => AgeBand::A21to23,
            24..=26 => AgeBand::A24to26,
            27..=29 => AgeBand::A27to29,
            30..=38 => AgeBand::A30to38,
            39..=47 => AgeBand::A39to47,
            _ => AgeBand::A48Plus,
        }
    }
}

string_enum!(
    /// Gender as the person states it (CTDC `gender`).
    Sex {
        Female = "female",
        Male = "male",
        Other = "other",
        Unknown = "unknown",
    }
);

string_enum!(
    /// A person's role in the case.
    PersonRole {
        Victim = "victim",
        Perpetrator = "perpetrator",
        Employer = "employer",
    }
);

string_enum!(
    /// What a victim needs; the same codes as the guide's referral pathways.
    Need {
        SafetyShelter = "safety_shelter",
        Health = "health",
        Psychosocial = "psychosocial",
        LegalAid = "legal_aid",
        Documents = "documents",
        Migration = "migration",
        Education = "education",
        Livelihood = "livelihood",
        Interpretation = "interpretation",
    }
);

/// Minimum working ages per country and the weekly hours adolescents above it may work
/// (configuration; Argentina: 16 by Law 26.390, 36 hours a week for 16–17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildLabourRules {
    /// (ISO country code, minimum working age in years).
    pub minimum_age: Vec<(String, u8)>,
    /// Minimum age where the country is not listed (ILO C138 general minimum: 15).
    pub default_minimum_age: u8,
    /// Most weekly hours a worker under 18 may do.
    pub adolescent_max_weekly_hours: u8,
}

impl Default for ChildLabourRules {
    fn default() -> Self {
        Self {
            minimum_age: vec![
                ("AR".into(), 16),
                ("PY".into(), 14),
                ("LR".into(), 16),
                ("TH".into(), 15),
            ],
            default_minimum_age: 15,
            adolescent_max_weekly_hours: 36,
        }
    }
}

impl ChildLabourRules {
    /// The minimum working age of `country`.
    pub fn minimum_age_of(&self, country: &str) -> u8 {
        self.minimum_age
            .iter()
            .find(|(c, _)| c == country)
            .map(|(_, a)| *a)
            .unwrap_or(self.default_minimum_age)
    }
}

/// Raw screening answers (form fields; lists are comma-separated codes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScreeningInput {
    pub indicators: String,
    pub age: String,
    pub hazardous: String,
    pub night_work: String,
    pub weekly_hours: String,
    pub acts: String,
    pub means: String,
    pub purposes: String,
}

/// Parsed screening answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Screening {
    pub indicators: BTreeSet<FlIndicator>,
    pub age: Option<u8>,
    pub hazardous: bool,
    pub night_work: bool,
    pub weekly_hours: Option<u8>,
    pub acts: BTreeSet<HtAct>,
    pub means: BTreeSet<HtMeans>,
    pub purposes: BTreeSet<HtPurpose>,
}

macro_rules! ord_by_code {
    ($($t:ty),+) => {$(
        impl PartialOrd for $t { fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> { Some(self.cmp(o)) } }
        impl Ord for $t { fn cmp(&self, o: &Self) -> std::cmp::Ordering { self.as_str().cmp(o.as_str()) } }
    )+};
}
ord_by_code!(
    FlIndicator,
    HtAct,
    HtMeans,
    HtPurpose,
    Classification,
    ExploitationType,
    MeansOfControl,
    Need
);

/// Parses a comma list of codes into a set; an unknown code is a `field-choice` error.
pub fn code_set<T: Ord>(
    s: &str,
    parse: fn(&str) -> Option<T>,
    field: &str,
    e: &mut FieldErrors,
) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    for c in s.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match parse(c) {
            Some(v) => {
                out.insert(v);
            }
            None => {
                if e.get(field).is_none() {
                    e.add(field, "field-choice");
                }
            }
        }
    }
    out
}

/// Joins a set of codes with commas (storage form).
pub fn join_codes<T: Copy>(v: &BTreeSet<T>, code: fn(T) -> &'static str) -> String {
    v.iter().map(|x| code(*x)).collect::<Vec<_>>().join(",")
}

fn flag(s: &str) -> bool {
    matches!(s.trim(), "1" | "on" | "true" | "yes")
}

fn small_number(s: &str, field: &str, max: u8, e: &mut FieldErrors) -> Option<u8> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<u8>() {
        Ok(n) if n <= max => Some(n),
        _ => {
            e.add(field, "field-number");
            None
        }
    }
}

impl Screening {
    /// Parses the answers, collecting one message per bad field.
    pub fn parse(i: &ScreeningInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let s = Screening {
            indicators: code_set(&i.indicators, FlIndicator::parse, "indicators", &mut e),
            age: small_number(&i.age, "age", 120, &mut e),
            hazardous: flag(&i.hazardous),
            night_work: flag(&i.night_work),
            weekly_hours: small_number(&i.weekly_hours, "weekly_hours", 168, &mut e),
            acts: code_set(&i.acts, HtAct::parse, "acts", &mut e),
            means: code_set(&i.means, HtMeans::parse, "means", &mut e),
            purposes: code_set(&i.purposes, HtPurpose::parse, "purposes", &mut e),
        };
        e.into_result(s)
    }

    /// The proposed classification with its reasons (Fluent keys), for `country`'s
    /// minimum working age.
    ///
    /// - CL: below the minimum working age; or under 18 in hazardous work, at night, or
    ///   over the adolescents' weekly hours (ILO C138, C182).
    /// - FL: two or more ILO indicators, or one of those that alone show work exacted
    ///   under menace (violence, debt bondage, restriction of movement).
    /// - HT: an act, a means and a purpose; for a child the means are not needed
    ///   (Palermo Protocol, art. 3(c)).
    pub fn propose(&self, rules: &ChildLabourRules, country: &str) -> Proposal {
        let mut reasons = Vec::new();
        let mut out = BTreeSet::new();
        let child = self.age.is_some_and(|a| a < 18);
        if let Some(age) = self.age {
            if age < rules.minimum_age_of(country) {
                reasons.push("screen-reason-under-minimum-age");
            }
            if child && self.hazardous {
                reasons.push("screen-reason-hazardous");
            }
            if child && self.night_work {
                reasons.push("screen-reason-night-work");
            }
            if child
                && self
                    .weekly_hours
                    .is_some_and(|h| h > rules.adolescent_max_weekly_hours)
            {
                reasons.push("screen-reason-hours");
            }
            if !reasons.is_empty() {
                out.insert(Classification::ChildLabour);
            }
        }
        let strong = [
            FlIndicator::PhysicalSexualViolence,
            FlIndicator::DebtBondage,
            FlIndicator::RestrictionOfMovement,
        ];
        if self.indicators.len() >= 2 {
            reasons.push("screen-reason-fl-indicators");
            out.insert(Classification::ForcedLabour);
        } else if self.indicators.iter().any(|i| strong.contains(i)) {
            reasons.push("screen-reason-fl-strong");
            out.insert(Classification::ForcedLabour);
        }
        let act = !self.acts.is_empty();
        let purpose = !self.purposes.is_empty();
        if act && purpose && !self.means.is_empty() {
            reasons.push("screen-reason-ht");
            out.insert(Classification::Trafficking);
        } else if act && purpose && child {
            reasons.push("screen-reason-ht-child");
            out.insert(Classification::Trafficking);
        }
        if out.is_empty() {
            reasons.push("screen-reason-none");
        }
        Proposal {
            classes: out,
            reasons,
        }
    }
}

/// What the screening proposes: possible CL, FL, HT (any of them, or none) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub classes: BTreeSet<Classification>,
    /// Fluent keys of the reasons, in the order the rules found them.
    pub reasons: Vec<&'static str>,
}

/// Raw input of a new case (form fields; lists are comma-separated codes).
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub screening: ScreeningInput,
    /// The classification confirmed (comma list of `cl`, `fl`, `ht`; empty: none).
    pub classification: String,
    pub override_note: String,
    pub identified_on: String,
    pub area_id: String,
    pub sector: String,
    pub exploitation_types: String,
    pub means_of_control: String,
    pub victim: PersonInput,
    /// Roles of alleged perpetrators or employers, comma-separated (no names).
    pub perpetrators: String,
}

/// Raw input of a person in a case.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub age_band: String,
    pub sex: String,
    pub nationality: String,
    pub languages: String,
    pub needs: String,
    pub name: String,
    pub document_number: String,
    pub contact: String,
    pub address: String,
    pub consent_services: String,
    pub consent_statistics: String,
    /// Institution ids the person agreed their data may be shared with (comma list).
    pub consent_share: String,
    pub best_interest_note: String,
}

/// Identifying data of a victim: never logged (its `Debug` is redacted), stored sealed.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub name: String,
    pub document_number: Option<String>,
    pub contact: Option<String>,
    pub address: Option<String>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity(redacted)")
    }
}

/// A parsed victim.
#[derive(Debug, Clone)]
pub struct VictimDraft {
    pub age_band: AgeBand,
    pub sex: Sex,
    pub nationality: String,
    pub languages: String,
    pub needs: BTreeSet<Need>,
    pub identity: Identity,
    pub consent: Consent,
}

/// What the person agreed to; for a child, the best-interest note instead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consent {
    pub services: bool,
    pub statistics: bool,
    pub share_with: BTreeSet<Uuid>,
    /// Children's cases follow the best-interest rule instead of consent.
    pub best_interest_note: Option<String>,
}

/// A parsed new case.
#[derive(Debug, Clone)]
pub struct CaseDraft {
    pub screening: Screening,
    pub proposal: Proposal,
    pub classes: BTreeSet<Classification>,
    pub override_note: Option<String>,
    pub identified_on: Date,
    pub area_id: Uuid,
    pub sector: IsicSection,
    pub exploitation_types: BTreeSet<ExploitationType>,
    pub means_of_control: BTreeSet<MeansOfControl>,
    pub victim: VictimDraft,
    pub perpetrators: Vec<PersonRole>,
}

/// Normalises a document number for the blind index (letters and digits, upper case).
pub fn normalise_document(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Normalises a name for the similarity check: lower case, letters only, words sorted.
pub fn name_key(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut words: Vec<String> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .map(|c| match c {
                    'á' | 'à' | 'ä' | 'â' => 'a',
                    'é' | 'è' | 'ë' | 'ê' => 'e',
                    'í' | 'ì' | 'ï' | 'î' => 'i',
                    'ó' | 'ò' | 'ö' | 'ô' => 'o',
                    'ú' | 'ù' | 'ü' | 'û' => 'u',
                    'ñ' => 'n',
                    c => c,
                })
                .collect()
        })
        .collect();
    words.sort();
    words.join(" ")
}

/// True when two names are similar enough to ask whether the case already exists: the
/// same words in any order, or one edit apart.
pub fn similar_names(a: &str, b: &str) -> bool {
    let (x, y) = (name_key(a), name_key(b));
    if x.is_empty() || y.is_empty() {
        return false;
    }
    x == y || levenshtein(&x, &y) <= 1 + x.chars().count().min(y.chars().count()) / 10
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn parse_date(s: &str, field: &str, e: &mut FieldErrors) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(s.trim(), f) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, "field-date");
            None
        }
    }
}

fn uuid_set(s: &str, field: &str, e: &mut FieldErrors) -> BTreeSet<Uuid> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .filter_map(|t| parse_optional_uuid(t, field, e))
        .collect()
}

impl CaseDraft {
    /// Parses every field for a case identified in `country`, collecting one message
    /// per bad field. `today` bounds the identification date.
    pub fn parse(
        i: &CaseInput,
        rules: &ChildLabourRules,
        country: &str,
        today: Date,
    ) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let screening = match Screening::parse(&i.screening) {
            Ok(s) => s,
            Err(Error::Invalid(fe)) => {
                e.0.extend(fe.0);
                Screening::default()
            }
            Err(other) => return Err(other),
        };
        let proposal = screening.propose(rules, country);
        let classes = code_set(
            &i.classification,
            Classification::parse,
            "classification",
            &mut e,
        );
        let override_note = optional_text(&i.override_note, "override_note", 2000, &mut e);
        if classes != proposal.classes
            && override_note.is_none()
            && e.get("classification").is_none()
        {
            e.add("override_note", "case-override-note-required");
        }
        let identified_on = parse_date(&i.identified_on, "identified_on", &mut e);
        if identified_on.is_some_and(|d| d > today) {
            e.add("identified_on", "case-date-future");
        }
        let area_id = parse_optional_uuid(&i.area_id, "area_id", &mut e);
        if area_id.is_none() && e.get("area_id").is_none() {
            e.add("area_id", "field-required");
        }
        let sector = IsicSection::parse(i.sector.trim());
        if sector.is_none() {
            e.add("sector", "field-choice");
        }
        let mut exploitation_types = code_set(
            &i.exploitation_types,
            ExploitationType::parse,
            "exploitation_types",
            &mut e,
        );
        if classes.contains(&Classification::ChildLabour) {
            exploitation_types.insert(ExploitationType::ChildLabour);
        }
        if classes.contains(&Classification::ForcedLabour) {
            exploitation_types.insert(ExploitationType::ForcedLabour);
        }
        let means_of_control = code_set(
            &i.means_of_control,
            MeansOfControl::parse,
            "means_of_control",
            &mut e,
        );
        let victim = VictimDraft::parse(&i.victim, &mut e);
        if let Some(v) = &victim {
            if classes.contains(&Classification::ChildLabour)
                && v.age_band != AgeBand::Unknown
                && !v.age_band.is_child()
            {
                e.add("age_band", "case-age-band-contradicts-cl");
            }
            if let Some(age) = screening.age
                && v.age_band != AgeBand::Unknown
                && AgeBand::of_age(age) != v.age_band
            {
                e.add("age_band", "case-age-band-contradicts-age");
            }
        }
        let perpetrators = i
            .perpetrators
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .filter_map(|t| {
                let r = PersonRole::parse(t).filter(|r| *r != PersonRole::Victim);
                if r.is_none() && e.get("perpetrators").is_none() {
                    e.add("perpetrators", "field-choice");
                }
                r
            })
            .collect();
        match (identified_on, area_id, sector, victim) {
            (Some(identified_on), Some(area_id), Some(sector), Some(victim)) if e.is_empty() => {
                Ok(CaseDraft {
                    screening,
                    proposal,
                    classes,
                    override_note,
                    identified_on,
                    area_id,
                    sector,
                    exploitation_types,
                    means_of_control,
                    victim,
                    perpetrators,
                })
            }
            _ => Err(Error::Invalid(e)),
        }
    }
}

impl VictimDraft {
    /// Parses a victim, adding problems to `e`.
    pub fn parse(i: &PersonInput, e: &mut FieldErrors) -> Option<Self> {
        let age_band = AgeBand::parse(&i.age_band);
        if age_band.is_none() {
            e.add("age_band", "field-choice");
        }
        let sex = Sex::parse(&i.sex);
        if sex.is_none() {
            e.add("sex", "field-choice");
        }
        let nationality = i.nationality.trim().to_ascii_uppercase();
        if !(nationality.len() == 2 && nationality.chars().all(|c| c.is_ascii_uppercase())) {
            e.add("nationality", "case-nationality-format");
        }
        let languages = optional_text(&i.languages, "languages", 200, e).unwrap_or_default();
        let needs = code_set(&i.needs, Need::parse, "needs", e);
        let name = required_text(&i.name, "name", 200, e);
        let document_number = optional_text(&i.document_number, "document_number", 40, e);
        let contact = optional_text(&i.contact, "contact", 200, e);
        let address = optional_text(&i.address, "address", 300, e);
        let best_interest_note =
            optional_text(&i.best_interest_note, "best_interest_note", 2000, e);
        let share_with = uuid_set(&i.consent_share, "consent_share", e);
        let child = age_band.is_some_and(AgeBand::is_child);
        if child && best_interest_note.is_none() {
            e.add("best_interest_note", "case-best-interest-required");
        }
        let consent = Consent {
            services: flag(&i.consent_services),
            statistics: flag(&i.consent_statistics),
            share_with,
            best_interest_note,
        };
        Some(VictimDraft {
            age_band: age_band?,
            sex: sex?,
            nationality,
            languages,
            needs,
            identity: Identity {
                name,
                document_number,
                contact,
                address,
            },
            consent,
        })
    }
}

/// Decides whether a person's data may go to `to` in a referral.
///
/// A child's case follows the best-interest rule: a recorded best-interest note allows
/// the referral. An adult must have consented to sharing with that institution, unless
/// the user holds the consent-override permission and gives a reason.
pub fn check_consent(
    child: bool,
    consent: &Consent,
    to: Uuid,
    may_override: bool,
    override_reason: Option<&str>,
) -> Result<ConsentBasis, Error> {
    if child {
        return if consent.best_interest_note.is_some() {
            Ok(ConsentBasis::BestInterest)
        } else {
            Err(Error::Invalid(FieldErrors::single(
                "institution_id",
                "referral-best-interest-missing",
            )))
        };
    }
    if consent.share_with.contains(&to) {
        return Ok(ConsentBasis::Consent);
    }
    match (may_override, override_reason.map(str::trim)) {
        (true, Some(r)) if !r.is_empty() => Ok(ConsentBasis::Override),
        (true, _) => Err(Error::Invalid(FieldErrors::single(
            "override_reason",
            "referral-override-reason-required",
        ))),
        (false, _) => Err(Error::Invalid(FieldErrors::single(
            "institution_id",
            "referral-no-consent",
        ))),
    }
}

string_enum!(
    /// On what grounds a referral shares a person's data.
    ConsentBasis {
        Consent = "consent",
        BestInterest = "best_interest",
        Override = "override",
    }
);

string_enum!(
    /// Where a referral stands.
    ReferralState {
        Sent = "sent",
        Acknowledged = "acknowledged",
        Accepted = "accepted",
        Declined = "declined",
        Delivered = "delivered",
        Closed = "closed",
        Revoked = "revoked",
    }
);

string_enum!(
    /// A move of a referral, as the user asks for it.
    ReferralEvent {
        Acknowledge = "acknowledge",
        Accept = "accept",
        Decline = "decline",
        Deliver = "deliver",
        Close = "close",
        Revoke = "revoke",
    }
);

/// Which end of a referral the user is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

impl ReferralState {
    /// The state after `event` by `side`, or the Fluent key of why it is refused.
    ///
    /// sent → acknowledged → accepted | declined → delivered → closed; the receiver
    /// answers (it may accept or decline straight from sent), the sender may revoke
    /// until the service is delivered, and either side closes a delivered referral.
    pub fn next(self, event: ReferralEvent, side: Side) -> Result<ReferralState, &'static str> {
        use ReferralEvent as E;
        use ReferralState as S;
        let to = match (self, event, side) {
            (S::Sent, E::Acknowledge, Side::Receiver) => S::Acknowledged,
            (S::Sent | S::Acknowledged, E::Accept, Side::Receiver) => S::Accepted,
            (S::Sent | S::Acknowledged, E::Decline, Side::Receiver) => S::Declined,
            (S::Accepted, E::Deliver, Side::Receiver) => S::Delivered,
            (S::Delivered, E::Close, _) => S::Closed,
            (S::Sent | S::Acknowledged | S::Accepted, E::Revoke, Side::Sender) => S::Revoked,
            (_, E::Acknowledge | E::Accept | E::Decline | E::Deliver, Side::Sender)
            | (_, E::Revoke, Side::Receiver) => return Err("referral-wrong-side"),
            _ => return Err("referral-out-of-order"),
        };
        Ok(to)
    }

    /// True while the receiver has not answered (the deadline runs).
    pub fn awaiting_answer(self) -> bool {
        matches!(self, ReferralState::Sent | ReferralState::Acknowledged)
    }

    /// True while the referral gives the receiver access to the case.
    pub fn grants_access(self) -> bool {
        !matches!(self, ReferralState::Revoked | ReferralState::Declined)
    }
}

string_enum!(
    /// Steps of the legal track, in their order.
    LegalStepKind {
        Complaint = "complaint",
        Investigation = "investigation",
        Charges = "charges",
        Trial = "trial",
        Sentence = "sentence",
        Appeal = "appeal",
    }
);

impl LegalStepKind {
    /// The step that must come before this one.
    pub fn requires(self) -> Option<LegalStepKind> {
        use LegalStepKind::*;
        match self {
            Complaint => None,
            Investigation => Some(Complaint),
            Charges => Some(Investigation),
            Trial => Some(Charges),
            Sentence => Some(Trial),
            Appeal => Some(Sentence),
        }
    }
}

string_enum!(
    /// Outcome of a sentence.
    SentenceOutcome {
        Conviction = "conviction",
        Acquittal = "acquittal",
    }
);

/// Raw input of a legal step.
#[derive(Debug, Clone, Default)]
pub struct LegalStepInput {
    pub kind: String,
    pub occurred_on: String,
    pub outcome: String,
    pub penalty_months: String,
    pub note: String,
}

/// A parsed legal step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalStepDraft {
    pub kind: LegalStepKind,
    pub occurred_on: Date,
    pub outcome: Option<SentenceOutcome>,
    pub penalty_months: Option<i64>,
    pub note: Option<String>,
}

impl LegalStepDraft {
    /// Parses a step and judges it against the steps already recorded
    /// (`(kind, date)` pairs): its predecessor must exist and not be later; a sentence
    /// names its outcome, a conviction may carry a penalty, an acquittal none.
    pub fn parse(
        i: &LegalStepInput,
        existing: &[(LegalStepKind, Date)],
        today: Date,
    ) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let kind = LegalStepKind::parse(&i.kind);
        if kind.is_none() {
            e.add("kind", "field-choice");
        }
        let occurred_on = parse_date(&i.occurred_on, "occurred_on", &mut e);
        if occurred_on.is_some_and(|d| d > today) {
            e.add("occurred_on", "case-date-future");
        }
        let note = optional_text(&i.note, "note", 2000, &mut e);
        let mut outcome = None;
        let mut penalty_months = None;
        if let Some(k) = kind {
            if let Some(req) = k.requires() {
                match existing
                    .iter()
                    .filter(|(x, _)| *x == req)
                    .map(|(_, d)| *d)
                    .min()
                {
                    None => e.add("kind", legal_missing_key(req)),
                    Some(d) if occurred_on.is_some_and(|o| o < d) => {
                        e.add("occurred_on", "legal-before-previous");
                    }
                    _ => {}
                }
            }
            if k == LegalStepKind::Sentence {
                outcome = SentenceOutcome::parse(&i.outcome);
                if outcome.is_none() {
                    e.add("outcome", "legal-outcome-required");
                }
            } else if !i.outcome.trim().is_empty() {
                e.add("outcome", "legal-outcome-sentence-only");
            }
            let p = i.penalty_months.trim();
            if !p.is_empty() {
                match p.parse::<i64>() {
                    Ok(n)
                        if (1..=1200).contains(&n)
                            && outcome == Some(SentenceOutcome::Conviction) =>
                    {
                        penalty_months = Some(n);
                    }
                    Ok(_) if outcome != Some(SentenceOutcome::Conviction) => {
                        e.add("penalty_months", "legal-penalty-conviction-only");
                    }
                    _ => e.add("penalty_months", "field-number"),
                }
            }
        }
        match (kind, occurred_on) {
            (Some(kind), Some(occurred_on)) if e.is_empty() => Ok(Self {
                kind,
                occurred_on,
                outcome,
                penalty_months,
                note,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

fn legal_missing_key(req: LegalStepKind) -> &'static str {
    match req {
        LegalStepKind::Complaint => "legal-needs-complaint",
        LegalStepKind::Investigation => "legal-needs-investigation",
        LegalStepKind::Charges => "legal-needs-charges",
        LegalStepKind::Trial => "legal-needs-trial",
        LegalStepKind::Sentence => "legal-needs-sentence",
        LegalStepKind::Appeal => "legal-needs-sentence",
    }
}

/// One exported record's quasi-identifying columns, in CTDC order.
pub type ExportRow = Vec<String>;

/// Keeps the rows whose every column combination is shared by at least `k` rows and
/// returns them with the number suppressed (k-anonymity by suppression, as the CTDC's
/// published dataset does for its small cells).
pub fn k_anonymise(rows: Vec<ExportRow>, k: usize) -> (Vec<ExportRow>, usize) {
    let mut counts: std::collections::HashMap<&ExportRow, usize> = Default::default();
    for r in &rows {
        *counts.entry(r).or_default() += 1;
    }
    let keep: Vec<bool> = rows
        .iter()
        .map(|r| counts.get(r).copied().unwrap_or(0) >= k)
        .collect();
    let total = rows.len();
    let kept: Vec<ExportRow> = rows
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    let suppressed = total - kept.len();
    (kept, suppressed)
}

/// The CTDC-compatible export header.
pub const EXPORT_COLUMNS: &[&str] = &[
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "isForcedLabour",
    "isSexualExploit",
    "isChildLabour",
    "isOtherExploit",
    "meansOfControlDebtBondage",
    "meansOfControlThreats",
    "meansOfControlRestrictsMovement",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
];

/// The export row of one victim (see [`EXPORT_COLUMNS`]).
pub fn export_row(
    year: i32,
    sex: &str,
    age_band: &str,
    citizenship: &str,
    country: &str,
    types: &BTreeSet<ExploitationType>,
    means: &BTreeSet<MeansOfControl>,
) -> ExportRow {
    use ExploitationType as T;
    use MeansOfControl as M;
    let b = |x: bool| if x { "1" } else { "0" }.to_owned();
    let other_type = types
        .iter()
        .any(|t| !matches!(t, T::ForcedLabour | T::SexualExploitation | T::ChildLabour));
    let other_means = means.iter().any(|m| {
        !matches!(
            m,
            M::DebtBondage | M::Threats | M::RestrictsMovement | M::WithholdsDocuments
        )
    });
    vec![
        year.to_string(),
        sex.to_owned(),
        age_band.to_owned(),
        citizenship.to_owned(),
        country.to_owned(),
        b(types.contains(&T::ForcedLabour)),
        b(types.contains(&T::SexualExploitation)),
        b(types.contains(&T::ChildLabour)),
        b(other_type),
        b(means.contains(&M::DebtBondage)),
        b(means.contains(&M::Threats)),
        b(means.contains(&M::RestrictsMovement)),
        b(means.contains(&M::WithholdsDocuments)),
        b(other_means),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn screen(i: ScreeningInput) -> Proposal {
        Screening::parse(&i)
            .unwrap()
            .propose(&ChildLabourRules::default(), "AR")
    }

    #[test]
    fn a_fifteen_year_old_in_argentina_is_below_the_minimum_working_age() {
        let p = screen(ScreeningInput {
            age: "15".into(),
            ..Default::default()
        });
        assert_eq!(p.classes, BTreeSet::from([Classification::ChildLabour]));
        assert!(p.reasons.contains(&"screen-reason-under-minimum-age"));
        let p16 = screen(ScreeningInput {
            age: "16".into(),
            ..Default::default()
        });
        assert!(
            p16.classes.is_empty(),
            "16 is Argentina's minimum working age"
        );
        let p16_night = screen(ScreeningInput {
            age: "16".into(),
            night_work: "on".into(),
            weekly_hours: "40".into(),
            ..Default::default()
        });
        assert_eq!(
            p16_night.reasons,
            vec!["screen-reason-night-work", "screen-reason-hours"]
        );
    }

    #[test]
    fn minimum_ages_are_configuration() {
        let rules = ChildLabourRules {
            minimum_age: vec![("AR".into(), 14)],
            ..Default::default()
        };
        let s = Screening::parse(&ScreeningInput {
            age: "15".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(s.propose(&rules, "AR").classes.is_empty());
        assert_eq!(rules.minimum_age_of("TH"), 15);
    }

    #[test]
    fn forced_labour_needs_two_indicators_or_one_strong_one() {
        let one = screen(ScreeningInput {
            indicators: "deception".into(),
            ..Default::default()
        });
        assert!(one.classes.is_empty());
        assert_eq!(one.reasons, vec!["screen-reason-none"]);
        let two = screen(ScreeningInput {
            indicators: "deception,withholding_of_wages".into(),
            ..Default::default()
        });
        assert_eq!(two.classes, BTreeSet::from([Classification::ForcedLabour]));
        let strong = screen(ScreeningInput {
            indicators: "debt_bondage".into(),
            ..Default::default()
        });
        assert_eq!(strong.reasons, vec!["screen-reason-fl-strong"]);
    }

    #[test]
    fn trafficking_needs_act_means_and_purpose_except_for_children() {
        let adult = screen(ScreeningInput {
            age: "30".into(),
            acts: "recruitment".into(),
            purposes: "forced_labour".into(),
            ..Default::default()
        });
        assert!(!adult.classes.contains(&Classification::Trafficking));
        let adult_means = screen(ScreeningInput {
            age: "30".into(),
            acts: "recruitment".into(),
            means: "deception".into(),
            purposes: "forced_labour".into(),
            ..Default::default()
        });
        assert!(adult_means.classes.contains(&Classification::Trafficking));
        let child = screen(ScreeningInput {
            age: "17".into(),
            acts: "transportation".into(),
            purposes: "sexual_exploitation".into(),
            ..Default::default()
        });
        assert!(child.reasons.contains(&"screen-reason-ht-child"));
    }

    #[test]
    fn unknown_codes_and_bad_numbers_name_their_field() {
        let Err(Error::Invalid(e)) = Screening::parse(&ScreeningInput {
            indicators: "deception,nonsense".into(),
            age: "abc".into(),
            weekly_hours: "500".into(),
            ..Default::default()
        }) else {
            panic!("accepted")
        };
        assert_eq!(e.get("indicators"), Some("field-choice"));
        assert_eq!(e.get("age"), Some("field-number"));
        assert_eq!(e.get("weekly_hours"), Some("field-number"));
    }

    fn case_input() -> CaseInput {
        CaseInput {
            screening: ScreeningInput {
                age: "14".into(),
                hazardous: "on".into(),
                ..Default::default()
            },
            classification: "cl".into(),
            identified_on: "2026-03-01".into(),
            area_id: Uuid::now_v7().to_string(),
            sector: "A".into(),
            exploitation_types: "".into(),
            means_of_control: "excessive_working_hours".into(),
            victim: PersonInput {
                age_band: "9-17".into(),
                sex: "female".into(),
                nationality: "py".into(),
                needs: "safety_shelter,education".into(),
                name: "Ana Pérez".into(),
                best_interest_note: "Child out of school, parents absent".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_case_confirming_the_proposal_parses_and_adds_child_labour_to_its_types() {
        let d = CaseDraft::parse(
            &case_input(),
            &ChildLabourRules::default(),
            "AR",
            date!(2026 - 03 - 02),
        )
        .unwrap();
        assert!(
            d.exploitation_types
                .contains(&ExploitationType::ChildLabour)
        );
        assert_eq!(d.victim.nationality, "PY");
        assert!(d.override_note.is_none());
        assert!(
            !format!("{d:?}").contains("Ana"),
            "identity is redacted in Debug"
        );
    }

    #[test]
    fn overriding_the_proposal_needs_a_note() {
        let mut i = case_input();
        i.classification = "cl,fl".into();
        let Err(Error::Invalid(e)) = CaseDraft::parse(
            &i,
            &ChildLabourRules::default(),
            "AR",
            date!(2026 - 03 - 02),
        ) else {
            panic!("accepted")
        };
        assert_eq!(e.get("override_note"), Some("case-override-note-required"));
        i.override_note = "Wages withheld for months, seen in the payroll".into();
        assert!(
            CaseDraft::parse(
                &i,
                &ChildLabourRules::default(),
                "AR",
                date!(2026 - 03 - 02)
            )
            .is_ok()
        );
    }

    #[test]
    fn an_adult_age_band_contradicts_a_child_labour_classification() {
        let mut i = case_input();
        i.screening.age = String::new();
        i.screening.hazardous = String::new();
        i.override_note = "seen working at the kiln".into();
        i.victim.age_band = "21-23".into();
        let Err(Error::Invalid(e)) = CaseDraft::parse(
            &i,
            &ChildLabourRules::default(),
            "AR",
            date!(2026 - 03 - 02),
        ) else {
            panic!("accepted")
        };
        assert_eq!(e.get("age_band"), Some("case-age-band-contradicts-cl"));
    }

    #[test]
    fn a_child_needs_a_best_interest_note_and_dates_cannot_be_in_the_future() {
        let mut i = case_input();
        i.victim.best_interest_note = String::new();
        i.identified_on = "2026-04-01".into();
        let Err(Error::Invalid(e)) = CaseDraft::parse(
            &i,
            &ChildLabourRules::default(),
            "AR",
            date!(2026 - 03 - 02),
        ) else {
            panic!("accepted")
        };
        assert_eq!(
            e.get("best_interest_note"),
            Some("case-best-interest-required")
        );
        assert_eq!(e.get("identified_on"), Some("case-date-future"));
    }

    #[test]
    fn consent_gates_adults_and_the_best_interest_rule_children() {
        let to = Uuid::now_v7();
        let mut c = Consent::default();
        assert_eq!(
            check_consent(false, &c, to, false, None),
            Err(Error::Invalid(FieldErrors::single(
                "institution_id",
                "referral-no-consent"
            )))
        );
        assert!(check_consent(false, &c, to, true, Some("  ")).is_err());
        assert_eq!(
            check_consent(false, &c, to, true, Some("life at risk")),
            Ok(ConsentBasis::Override)
        );
        c.share_with.insert(to);
        assert_eq!(
            check_consent(false, &c, to, false, None),
            Ok(ConsentBasis::Consent)
        );
        assert!(check_consent(true, &Consent::default(), to, true, Some("x")).is_err());
        let child = Consent {
            best_interest_note: Some("n".into()),
            ..Default::default()
        };
        assert_eq!(
            check_consent(true, &child, to, false, None),
            Ok(ConsentBasis::BestInterest)
        );
    }

    #[test]
    fn referrals_move_only_in_order_and_from_the_right_side() {
        use ReferralEvent as E;
        use ReferralState as S;
        let s = S::Sent;
        let s = s.next(E::Acknowledge, Side::Receiver).unwrap();
        let s = s.next(E::Accept, Side::Receiver).unwrap();
        assert_eq!(
            s.next(E::Close, Side::Sender),
            Err("referral-out-of-order"),
            "close before delivery"
        );
        let s = s.next(E::Deliver, Side::Receiver).unwrap();
        assert_eq!(s.next(E::Close, Side::Sender), Ok(S::Closed));
        assert_eq!(
            S::Sent.next(E::Accept, Side::Sender),
            Err("referral-wrong-side")
        );
        assert_eq!(
            S::Sent.next(E::Revoke, Side::Receiver),
            Err("referral-wrong-side")
        );
        assert_eq!(S::Accepted.next(E::Revoke, Side::Sender), Ok(S::Revoked));
        assert_eq!(
            S::Declined.next(E::Accept, Side::Receiver),
            Err("referral-out-of-order")
        );
        assert!(!S::Revoked.grants_access());
        assert!(S::Acknowledged.awaiting_answer());
    }

    #[test]
    fn a_sentence_needs_a_trial_and_so_a_charge() {
        let today = date!(2026 - 12 - 01);
        let i = LegalStepInput {
            kind: "sentence".into(),
            occurred_on: "2026-06-01".into(),
            outcome: "conviction".into(),
            penalty_months: "48".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = LegalStepDraft::parse(&i, &[], today) else {
            panic!("accepted")
        };
        assert_eq!(e.get("kind"), Some("legal-needs-trial"));
        let Err(Error::Invalid(e)) = LegalStepDraft::parse(
            &LegalStepInput {
                kind: "charges".into(),
                occurred_on: "2026-01-01".into(),
                ..Default::default()
            },
            &[(LegalStepKind::Complaint, date!(2026 - 01 - 01))],
            today,
        ) else {
            panic!("accepted")
        };
        assert_eq!(e.get("kind"), Some("legal-needs-investigation"));
        let done = [
            (LegalStepKind::Complaint, date!(2026 - 01 - 01)),
            (LegalStepKind::Investigation, date!(2026 - 01 - 10)),
            (LegalStepKind::Charges, date!(2026 - 03 - 01)),
            (LegalStepKind::Trial, date!(2026 - 05 - 01)),
        ];
        let d = LegalStepDraft::parse(&i, &done, today).unwrap();
        assert_eq!(d.penalty_months, Some(48));
        let early = LegalStepInput {
            occurred_on: "2026-04-01".into(),
            ..i.clone()
        };
        let Err(Error::Invalid(e)) = LegalStepDraft::parse(&early, &done, today) else {
            panic!("accepted")
        };
        assert_eq!(e.get("occurred_on"), Some("legal-before-previous"));
        let acquittal = LegalStepInput {
            outcome: "acquittal".into(),
            ..i
        };
        let Err(Error::Invalid(e)) = LegalStepDraft::parse(&acquittal, &done, today) else {
            panic!("accepted")
        };
        assert_eq!(
            e.get("penalty_months"),
            Some("legal-penalty-conviction-only")
        );
    }

    #[test]
    fn similar_names_match_reordered_and_one_typo_apart() {
        assert!(similar_names("Ana María Pérez", "perez ana maria"));
        assert!(similar_names("Juana Gomez", "Juana Gomes"));
        assert!(!similar_names("Juana Gomez", "Pedro Ruiz"));
        assert_eq!(normalise_document("12.345.678-k"), "12345678K");
    }

    #[test]
    fn k_anonymity_suppresses_every_small_group() {
        let mut rows = vec![vec!["a".to_owned()]; 11];
        rows.extend(vec![vec!["b".to_owned()]; 10]);
        let (kept, suppressed) = k_anonymise(rows, 11);
        assert_eq!(kept.len(), 11);
        assert_eq!(suppressed, 10);
        assert_eq!(AgeBand::of_age(17), AgeBand::A9to17);
        assert!(!AgeBand::A18to20.is_child());
    }
}
