//! The Enforcement Training Program: the master curriculum (modules and presentations),
//! courses that institutions adapt from it, their sessions, participants, enrolments and
//! attendance.
//!
//! Invariants and rules:
//! - every choice is one of the codes below; comma lists (crime types, audiences) hold
//!   known codes only, without repeats, in the order of `ALL`;
//! - an attendance mark names a session of the course it is taken for;
//! - "absent" cannot be recorded for a session held before the person's enrolment date
//!   (they were not expected yet); "present", "late" and "excused" can;
//! - **completion**: a participant *completed* a course when the course has at least one
//!   session and they were marked present or late at every one of them ([`completed`];
//!   the figures in the store compute the same rule in SQL);
//! - **certificates** follow the course's thresholds ([`meets_thresholds`]): attended
//!   sessions ≥ `attendance_min_percent` of the course's sessions and, when the course
//!   sets `post_test_min_percent`, a post-test score at least that;
//! - a national id is never stored, only [`national_id_hash`] of its normalised form.

use crate::directory::{lenient, optional_text, parse_optional_uuid, required_text, string_enum};
use crate::error::{Error, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;
use uuid::Uuid;

string_enum!(
    /// The stage of a case a module trains for.
    Stage {
        Identification = "identification",
        Investigation = "investigation",
        Referral = "referral",
        Prosecution = "prosecution",
        Sentencing = "sentencing",
    }
);

string_enum!(
    /// Crime types: child labour, forced labour, human trafficking.
    CrimeType {
        ChildLabour = "cl",
        ForcedLabour = "fl",
        Trafficking = "ht",
    }
);

string_enum!(
    /// Occupations of trainees (also the audiences of a module).
    Occupation {
        LabourInspector = "labour_inspector",
        Police = "police",
        Prosecutor = "prosecutor",
        Judge = "judge",
        SocialWorker = "social_worker",
        Other = "other",
    }
);

string_enum!(
    /// Language a module is written in.
    ModuleLanguage {
        En = "en",
        Es = "es",
        Th = "th",
    }
);

string_enum!(
    /// How far an institution has taken a course: adapting the curriculum, piloting it,
    /// or integrated into its own regular training.
    CourseStage {
        Adapting = "adapting",
        Piloting = "piloting",
        Integrated = "integrated",
    }
);

string_enum!(
    /// Sex of a participant, as they state it.
    Sex {
        Female = "female",
        Male = "male",
        Other = "other",
        Unknown = "unknown",
    }
);

string_enum!(
    /// Age band of a participant.
    AgeBand {
        From18To24 = "18_24",
        From25To34 = "25_34",
        From35To44 = "35_44",
        From45To54 = "45_54",
        From55 = "55_plus",
        Unknown = "unknown",
    }
);

string_enum!(
    /// An attendance mark.
    AttendanceStatus {
        Present = "present",
        Late = "late",
        Excused = "excused",
        Absent = "absent",
    }
);

impl AttendanceStatus {
    /// True when the mark counts towards completion.
    pub fn attended(self) -> bool {
        matches!(self, AttendanceStatus::Present | AttendanceStatus::Late)
    }
}

/// Parses a comma list of codes of `T` (given as its parser), refusing unknown codes and
/// an empty list; returns the codes in `all` order, without repeats.
pub(crate) fn parse_list<T: Copy + PartialEq>(
    s: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    field: &str,
    e: &mut FieldErrors,
) -> Vec<T> {
    let mut got = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match parse(part) {
            Some(v) => got.push(v),
            None => {
                e.add(field, "field-choice");
                return Vec::new();
            }
        }
    }
    if got.is_empty() {
        e.add(field, "field-required");
    }
    all.iter().copied().filter(|v| got.contains(v)).collect()
}

/// Joins codes as stored (`cl,fl`).
pub fn join_codes<T: fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn parse_int(s: &str, field: &str, min: i64, max: i64, e: &mut FieldErrors) -> i64 {
    match s.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        Ok(_) => {
            e.add(field, "field-range");
            0
        }
        Err(_) => {
            e.add(field, "field-number");
            0
        }
    }
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f).ok()
}

fn date_field(s: &str, field: &str, e: &mut FieldErrors) -> Option<Date> {
    if s.trim().is_empty() {
        e.add(field, "field-required");
        return None;
    }
    let d = parse_date(s);
    if d.is_none() {
        e.add(field, "field-date");
    }
    d
}

pub(crate) fn choice<T>(
    s: &str,
    parse: fn(&str) -> Option<T>,
    field: &str,
    e: &mut FieldErrors,
) -> Option<T> {
    let v = parse(s);
    if v.is_none() {
        e.add(field, "field-choice");
    }
    v
}

/// Raw module input (form or JSON).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModuleInput {
    #[serde(deserialize_with = "lenient")]
    pub ordinal: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub summary: String,
    #[serde(deserialize_with = "lenient")]
    pub objectives: String,
    #[serde(deserialize_with = "lenient")]
    pub stage: String,
    /// Comma list of crime type codes.
    #[serde(deserialize_with = "lenient")]
    pub crime_types: String,
    /// Comma list of occupation codes.
    #[serde(deserialize_with = "lenient")]
    pub audiences: String,
    #[serde(deserialize_with = "lenient")]
    pub duration_minutes: String,
    #[serde(deserialize_with = "lenient")]
    pub language: String,
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed module of the master curriculum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleDraft {
    pub ordinal: i64,
    pub title: String,
    pub summary: String,
    pub objectives: String,
    pub stage: Stage,
    pub crime_types: Vec<CrimeType>,
    pub audiences: Vec<Occupation>,
    pub duration_minutes: i64,
    pub language: ModuleLanguage,
}

impl ModuleDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &ModuleInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let ordinal = parse_int(&i.ordinal, "ordinal", 1, 999, &mut e);
        let title = required_text(&i.title, "title", 200, &mut e);
        let summary = required_text(&i.summary, "summary", 2000, &mut e);
        let objectives = required_text(&i.objectives, "objectives", 4000, &mut e);
        let stage = choice(&i.stage, Stage::parse, "stage", &mut e);
        let crime_types = parse_list(
            &i.crime_types,
            CrimeType::parse,
            CrimeType::ALL,
            "crime_types",
            &mut e,
        );
        let audiences = parse_list(
            &i.audiences,
            Occupation::parse,
            Occupation::ALL,
            "audiences",
            &mut e,
        );
        let duration_minutes =
            parse_int(&i.duration_minutes, "duration_minutes", 1, 10_000, &mut e);
        let language = choice(&i.language, ModuleLanguage::parse, "language", &mut e);
        match (stage, language) {
            (Some(stage), Some(language)) if e.is_empty() => Ok(Self {
                ordinal,
                title,
                summary,
                objectives,
                stage,
                crime_types,
                audiences,
                duration_minutes,
                language,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw presentation input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PresentationInput {
    #[serde(deserialize_with = "lenient")]
    pub training_module_id: String,
    #[serde(deserialize_with = "lenient")]
    pub ordinal: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub summary: String,
    #[serde(deserialize_with = "lenient")]
    pub duration_minutes: String,
    #[serde(deserialize_with = "lenient")]
    pub objectives: String,
    /// Comma list of crime type codes.
    #[serde(deserialize_with = "lenient")]
    pub crime_types: String,
    /// Comma list of occupation codes.
    #[serde(deserialize_with = "lenient")]
    pub audiences: String,
    /// The version the editor read (edits only).
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed presentation. Its stage and language are its module's.
#[derive(Debug, Clone, PartialEq)]
pub struct PresentationDraft {
    pub training_module_id: Uuid,
    pub ordinal: i64,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
    pub objectives: String,
    pub crime_types: Vec<CrimeType>,
    pub audiences: Vec<Occupation>,
}

impl PresentationDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &PresentationInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let module = required_uuid(&i.training_module_id, "training_module_id", &mut e);
        let ordinal = parse_int(&i.ordinal, "ordinal", 1, 999, &mut e);
        let title = required_text(&i.title, "title", 200, &mut e);
        let summary = required_text(&i.summary, "summary", 2000, &mut e);
        let duration_minutes =
            parse_int(&i.duration_minutes, "duration_minutes", 1, 10_000, &mut e);
        let objectives = required_text(&i.objectives, "objectives", 4000, &mut e);
        let crime_types = parse_list(
            &i.crime_types,
            CrimeType::parse,
            CrimeType::ALL,
            "crime_types",
            &mut e,
        );
        let audiences = parse_list(
            &i.audiences,
            Occupation::parse,
            Occupation::ALL,
            "audiences",
            &mut e,
        );
        match module {
            Some(training_module_id) if e.is_empty() => Ok(Self {
                training_module_id,
                ordinal,
                title,
                summary,
                duration_minutes,
                objectives,
                crime_types,
                audiences,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

pub(crate) fn required_uuid(s: &str, field: &str, e: &mut FieldErrors) -> Option<Uuid> {
    let v = parse_optional_uuid(s, field, e);
    if v.is_none() && e.get(field).is_none() {
        e.add(field, "field-required");
    }
    v
}

fn parse_bool(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes")
}

/// Raw course input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CourseInput {
    #[serde(deserialize_with = "lenient")]
    pub institution_id: String,
    #[serde(deserialize_with = "lenient")]
    pub title: String,
    #[serde(deserialize_with = "lenient")]
    pub framework: String,
    #[serde(deserialize_with = "lenient")]
    pub stage: String,
    #[serde(deserialize_with = "lenient")]
    pub area_id: String,
    #[serde(deserialize_with = "lenient")]
    pub is_virtual: String,
    #[serde(deserialize_with = "lenient")]
    pub capacity: String,
    /// Percent of sessions to attend to complete (0–100); empty means 100.
    #[serde(deserialize_with = "lenient")]
    pub attendance_min_percent: String,
    /// Post-test score (percent) a certificate needs; empty means no post-test.
    #[serde(deserialize_with = "lenient")]
    pub post_test_min_percent: String,
    /// The institution's adaptation the course runs (optional).
    #[serde(deserialize_with = "lenient")]
    pub training_adaptation_id: String,
    /// The version the editor read (edits only).
    #[serde(deserialize_with = "lenient")]
    pub version: String,
}

/// A parsed course.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseDraft {
    pub institution_id: Uuid,
    pub title: String,
    /// The institution's existing course this one is integrated into.
    pub framework: Option<String>,
    pub stage: CourseStage,
    pub area_id: Option<Uuid>,
    pub is_virtual: bool,
    pub capacity: i64,
    pub attendance_min_percent: i64,
    pub post_test_min_percent: Option<i64>,
    pub training_adaptation_id: Option<Uuid>,
}

impl CourseDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &CourseInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let institution = required_uuid(&i.institution_id, "institution_id", &mut e);
        let title = required_text(&i.title, "title", 200, &mut e);
        let framework = optional_text(&i.framework, "framework", 200, &mut e);
        let stage = choice(&i.stage, CourseStage::parse, "stage", &mut e);
        let area_id = parse_optional_uuid(&i.area_id, "area_id", &mut e);
        let capacity = parse_int(&i.capacity, "capacity", 1, 10_000, &mut e);
        let attendance_min_percent = if i.attendance_min_percent.trim().is_empty() {
            100
        } else {
            parse_int(
                &i.attendance_min_percent,
                "attendance_min_percent",
                0,
                100,
                &mut e,
            )
        };
        let post_test_min_percent = (!i.post_test_min_percent.trim().is_empty()).then(|| {
            parse_int(
                &i.post_test_min_percent,
                "post_test_min_percent",
                0,
                100,
                &mut e,
            )
        });
        let training_adaptation_id =
            parse_optional_uuid(&i.training_adaptation_id, "training_adaptation_id", &mut e);
        match (institution, stage) {
            (Some(institution_id), Some(stage)) if e.is_empty() => Ok(Self {
                institution_id,
                title,
                framework,
                stage,
                area_id,
                is_virtual: parse_bool(&i.is_virtual),
                capacity,
                attendance_min_percent,
                post_test_min_percent,
                training_adaptation_id,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw session input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SessionInput {
    #[serde(deserialize_with = "lenient")]
    pub held_on: String,
    #[serde(deserialize_with = "lenient")]
    pub place: String,
}

/// A parsed session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDraft {
    pub held_on: Date,
    pub place: Option<String>,
}

impl SessionDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &SessionInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let held_on = date_field(&i.held_on, "held_on", &mut e);
        let place = optional_text(&i.place, "place", 200, &mut e);
        match held_on {
            Some(held_on) if e.is_empty() => Ok(Self { held_on, place }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Raw enrolment input: a participant (found by national id when given, else new) and
/// the enrolment date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EnrolInput {
    #[serde(deserialize_with = "lenient")]
    pub full_name: String,
    #[serde(deserialize_with = "lenient")]
    pub sex: String,
    #[serde(deserialize_with = "lenient")]
    pub age_band: String,
    #[serde(deserialize_with = "lenient")]
    pub occupation: String,
    #[serde(deserialize_with = "lenient")]
    pub institution_id: String,
    /// Raw national id; only its hash is kept.
    #[serde(deserialize_with = "lenient")]
    pub national_id: String,
    #[serde(deserialize_with = "lenient")]
    pub contact: String,
    #[serde(deserialize_with = "lenient")]
    pub enrolled_on: String,
}

/// A parsed enrolment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolDraft {
    pub full_name: String,
    pub sex: Sex,
    pub age_band: AgeBand,
    pub occupation: Occupation,
    pub institution_id: Uuid,
    /// Normalised national id (hash it with [`national_id_hash`] before storing).
    pub national_id: Option<String>,
    pub contact: Option<String>,
    pub enrolled_on: Date,
}

impl EnrolDraft {
    /// Parses every field, collecting one message per bad field.
    pub fn parse(i: &EnrolInput) -> Result<Self, Error> {
        let mut e = FieldErrors::new();
        let full_name = required_text(&i.full_name, "full_name", 200, &mut e);
        let sex = choice(&i.sex, Sex::parse, "sex", &mut e);
        let age_band = choice(&i.age_band, AgeBand::parse, "age_band", &mut e);
        let occupation = choice(&i.occupation, Occupation::parse, "occupation", &mut e);
        let institution = required_uuid(&i.institution_id, "institution_id", &mut e);
        let national_id = if i.national_id.trim().is_empty() {
            None
        } else {
            let n = normalise_national_id(&i.national_id);
            if n.len() < 4 || n.len() > 40 {
                e.add("national_id", "participant-national-id-format");
            }
            Some(n)
        };
        let contact = optional_text(&i.contact, "contact", 200, &mut e);
        let enrolled_on = date_field(&i.enrolled_on, "enrolled_on", &mut e);
        match (sex, age_band, occupation, institution, enrolled_on) {
            (
                Some(sex),
                Some(age_band),
                Some(occupation),
                Some(institution_id),
                Some(enrolled_on),
            ) if e.is_empty() => Ok(Self {
                full_name,
                sex,
                age_band,
                occupation,
                institution_id,
                national_id,
                contact,
                enrolled_on,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// Keeps only letters and digits, upper-cased, so `12.345.678` and `12345678` match.
pub fn normalise_national_id(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// HMAC-SHA256 (hex) of a normalised national id under the deployment's blind-index
/// key, separated by purpose and country so the same number in two countries does not
/// link two people. Keyed because national ids are few enough to enumerate: without the
/// key file, a copy of the database does not reveal them.
pub fn national_id_hash(key: &[u8], country: &str, normalised: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    m.update(b"atlas-national-id\0");
    m.update(country.as_bytes());
    m.update(b"\0");
    m.update(normalised.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Checks one attendance mark: the session must belong to the course the roster is for,
/// and "absent" is refused for a session held before the person's enrolment date.
/// Returns the message key of the problem.
pub fn check_mark(
    course_id: Uuid,
    session_course_id: Uuid,
    held_on: Date,
    enrolled_on: Date,
    status: AttendanceStatus,
) -> Result<(), &'static str> {
    if session_course_id != course_id {
        return Err("attendance-session-other-course");
    }
    if status == AttendanceStatus::Absent && held_on < enrolled_on {
        return Err("attendance-absent-before-enrolment");
    }
    Ok(())
}

/// The completion rule: a course with at least one session, every one of which the
/// person attended (present or late). `marks` holds the person's mark per session id.
pub fn completed(sessions: &[Uuid], marks: &[(Uuid, AttendanceStatus)]) -> bool {
    !sessions.is_empty()
        && sessions
            .iter()
            .all(|s| marks.iter().any(|(ms, st)| ms == s && st.attended()))
}

/// Percent of a course's sessions attended (present or late), rounded down; 0 for a
/// course without sessions. For display: the threshold check is [`meets_thresholds`].
pub fn attendance_percent(attended: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    attended.clamp(0, total) * 100 / total
}

/// The certificate rule of a course: the course has at least one session, the person
/// attended (present or late) at least `attendance_min_percent` of them — compared in
/// integers, `attended × 100 ≥ min × total`, so 3 of 4 meets 75 and 2 of 3 does not
/// meet 67 — and, when the course sets `post_test_min_percent`, they have a post-test
/// score of at least that.
pub fn meets_thresholds(
    attended: i64,
    total: i64,
    attendance_min_percent: i64,
    post_test_min_percent: Option<i64>,
    post_score: Option<i64>,
) -> bool {
    if total <= 0 || attended.clamp(0, total) * 100 < attendance_min_percent * total {
        return false;
    }
    match post_test_min_percent {
        None => true,
        Some(min) => post_score.is_some_and(|s| s >= min),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn absent_is_refused_before_enrolment_and_sessions_must_be_of_the_course() {
        let c = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let (s, d) = (date!(2026 - 03 - 01), date!(2026 - 03 - 05));
        assert_eq!(
            check_mark(c, c, s, d, AttendanceStatus::Absent),
            Err("attendance-absent-before-enrolment")
        );
        assert_eq!(check_mark(c, c, s, d, AttendanceStatus::Present), Ok(()));
        assert_eq!(check_mark(c, c, d, d, AttendanceStatus::Absent), Ok(()));
        assert_eq!(
            check_mark(c, other, d, d, AttendanceStatus::Present),
            Err("attendance-session-other-course")
        );
    }

    #[test]
    fn thresholds_compare_attendance_in_integers_and_need_the_post_test_when_set() {
        assert!(!meets_thresholds(0, 0, 0, None, None), "no sessions: never");
        assert!(!meets_thresholds(0, 0, 100, None, Some(100)));
        assert!(meets_thresholds(4, 5, 75, None, None), "80% meets 75");
        assert!(!meets_thresholds(4, 5, 100, None, None), "80% misses 100");
        assert!(meets_thresholds(3, 4, 75, None, None), "exactly 75%");
        assert!(!meets_thresholds(2, 3, 67, None, None), "66.7% misses 67");
        assert!(meets_thresholds(2, 3, 66, None, None));
        assert!(meets_thresholds(3, 3, 100, None, None));
        assert!(
            !meets_thresholds(3, 3, 100, Some(70), None),
            "post-test missing"
        );
        assert!(!meets_thresholds(3, 3, 100, Some(70), Some(69)));
        assert!(meets_thresholds(3, 3, 100, Some(70), Some(70)));
        assert!(
            meets_thresholds(0, 3, 0, None, None),
            "a zero minimum asks nothing"
        );
        assert_eq!(attendance_percent(2, 3), 66);
        assert_eq!(attendance_percent(4, 5), 80);
        assert_eq!(attendance_percent(0, 0), 0);
    }

    #[test]
    fn completion_needs_present_or_late_at_every_session() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        use AttendanceStatus::*;
        assert!(completed(&[a, b], &[(a, Present), (b, Late)]));
        assert!(!completed(&[a, b], &[(a, Present), (b, Excused)]));
        assert!(!completed(&[a, b], &[(a, Present)]));
        assert!(
            !completed(&[], &[]),
            "a course without sessions trains nobody"
        );
    }

    #[test]
    fn module_lists_are_checked_and_ordered_and_every_bad_field_reported() {
        let i = ModuleInput {
            ordinal: "1".into(),
            title: "Identificación".into(),
            summary: "s".into(),
            objectives: "o".into(),
            stage: "identification".into(),
            crime_types: "ht, cl,cl".into(),
            audiences: "police".into(),
            duration_minutes: "90".into(),
            language: "es".into(),
            version: String::new(),
        };
        let d = ModuleDraft::parse(&i).unwrap();
        assert_eq!(join_codes(&d.crime_types), "cl,ht");
        let bad = ModuleInput {
            crime_types: "cl,xx".into(),
            audiences: String::new(),
            duration_minutes: "abc".into(),
            stage: "trial".into(),
            ..i
        };
        let Err(Error::Invalid(e)) = ModuleDraft::parse(&bad) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("crime_types"), Some("field-choice"));
        assert_eq!(e.get("audiences"), Some("field-required"));
        assert_eq!(e.get("duration_minutes"), Some("field-number"));
        assert_eq!(e.get("stage"), Some("field-choice"));
    }

    #[test]
    fn national_ids_are_normalised_and_hashed_per_country() {
        assert_eq!(normalise_national_id(" 12.345.678-a "), "12345678A");
        let h = national_id_hash(&[7u8; 32], "AR", "12345678");
        assert_eq!(h.len(), 64);
        assert_ne!(h, national_id_hash(&[7u8; 32], "PY", "12345678"));
        assert_ne!(h, national_id_hash(&[8u8; 32], "AR", "12345678"), "keyed");
        assert!(!h.contains("12345678"));
    }

    #[test]
    fn enrolment_dates_and_choices_are_parsed() {
        let i = EnrolInput {
            full_name: "Ana".into(),
            sex: "female".into(),
            age_band: "25_34".into(),
            occupation: "police".into(),
            institution_id: Uuid::from_u128(5).to_string(),
            enrolled_on: "2026-02-30".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(e)) = EnrolDraft::parse(&i) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("enrolled_on"), Some("field-date"));
        let ok = EnrolDraft::parse(&EnrolInput {
            enrolled_on: "2026-02-28".into(),
            ..i
        })
        .unwrap();
        assert_eq!(ok.enrolled_on, date!(2026 - 02 - 28));
    }
}
