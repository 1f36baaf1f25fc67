//! The program-scale training dataset the benchmarks share: 1,000 courses, 100,000
//! participants and about 1,000,000 attendance marks, generated inside the database with
//! set-based SQL on either engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_testkit::TestApp;

pub const COURSES: i64 = 1_000;
pub const PER_COURSE: i64 = 100;
/// The last course is the 40-person one whose roster is timed.
pub const SMALL: i64 = 40;
pub const PARTICIPANTS: i64 = 100_000;
pub const SESSIONS: i64 = 10;

/// Generates the dataset with set-based SQL (recursive CTEs), so it takes seconds on both
/// engines. Course `COURSES - 1` belongs to IUPFA and has `SMALL` people; every other
/// course has `PER_COURSE`; the remaining participants are registered but not enrolled.
/// A quarter of the people miss one session, so three quarters complete their course.
pub async fn generate(t: &TestApp) {
    let uuid = if t.name() == "sqlite" {
        "randomblob(16)"
    } else {
        "gen_random_uuid()"
    };
    let ts = "(select min(created_at) from account)";
    let last = COURSES - 1;
    let enrolled = last * PER_COURSE + SMALL;
    let dates: Vec<String> = (0..SESSIONS)
        .map(|j| format!("({j}, '2026-02-{:02}')", j + 2))
        .collect();
    let dates = dates.join(", ");
    let steps = [
        "create table bench_inst as select row_number() over (order by institution_id) - 1 as k, institution_id, country_code from institution".to_owned(),
        format!(
            "create table bench_course as with recursive n(i) as (select 0 union all select i + 1 from n where i < {last}) select i, {uuid} as id from n"
        ),
        format!(
            "insert into training_course (training_course_id, institution_id, title, framework, stage, area_id, is_virtual, capacity, attendance_min_percent, post_test_min_percent, created_at, updated_at, version) \
             select c.id, case when c.i = {last} then (select institution_id from institution where acronym = 'IUPFA') else b.institution_id end, \
             'Bench course ' || c.i, null, case when c.i % 3 = 0 then 'integrated' else 'piloting' end, null, 1, 200, 100, null, {ts}, {ts}, 1 \
             from bench_course c join bench_inst b on b.k = c.i % (select count(*) from bench_inst)"
        ),
        format!(
            "create table bench_session as with d(j, held_on) as (values {dates}) select c.i, d.j, d.held_on, {uuid} as id from bench_course c cross join d"
        ),
        format!(
            "insert into training_session (training_session_id, training_course_id, held_on, place, created_at, updated_at) \
             select s.id, c.id, s.held_on, null, {ts}, {ts} from bench_session s join bench_course c on c.i = s.i"
        ),
        format!(
            "create table bench_person as with recursive n(i) as (select 0 union all select i + 1 from n where i < {}) \
             select i, case when i < {enrolled} then i / {PER_COURSE} else null end as course, {uuid} as id from n",
            PARTICIPANTS - 1
        ),
        format!(
            "insert into participant (participant_id, full_name, sex, age_band, occupation, institution_id, country_code, national_id_hash, contact, created_at, updated_at, version) \
             select p.id, 'Bench Person ' || p.i, case when p.i % 2 = 0 then 'female' else 'male' end, \
             case p.i % 5 when 0 then '18_24' when 1 then '25_34' when 2 then '35_44' when 3 then '45_54' else '55_plus' end, \
             case p.i % 5 when 0 then 'police' when 1 then 'labour_inspector' when 2 then 'prosecutor' when 3 then 'judge' else 'social_worker' end, \
             b.institution_id, b.country_code, null, null, {ts}, {ts}, 1 \
             from bench_person p join bench_inst b on b.k = p.i % (select count(*) from bench_inst)"
        ),
        format!(
            "insert into enrolment (enrolment_id, training_course_id, participant_id, enrolled_on, created_at, updated_at) \
             select {uuid}, c.id, p.id, '2026-01-15', {ts}, {ts} from bench_person p join bench_course c on c.i = p.course"
        ),
        format!(
            "insert into attendance (attendance_id, training_session_id, participant_id, status, taken_by, taken_at, created_at, updated_at) \
             select {uuid}, s.id, p.id, case when p.i % 4 = 0 and s.j = p.i % {SESSIONS} then 'absent' when (p.i + s.j) % 7 = 0 then 'late' else 'present' end, \
             null, {ts}, {ts}, {ts} from bench_person p join bench_session s on s.i = p.course"
        ),
        // What every attendance write maintains in its transaction.
        "update enrolment set attended = (select count(*) from attendance a \
         join training_session s on s.training_session_id = a.training_session_id \
         where s.training_course_id = enrolment.training_course_id and a.participant_id = enrolment.participant_id \
         and a.status in ('present', 'late'))".to_owned(),
    ];
    for sql in &steps {
        t.raw(sql).await;
    }
    t.raw("analyze").await;
}

pub const CASES: i64 = 100_000;
/// Referrals per case.
pub const REFERRALS: i64 = 3;

/// A frontline officer of the demo (MTPBA, Argentina) as the policy sees them.
pub async fn officer(t: &TestApp) -> atlas_domain::auth::Actor {
    let institution = t.institution_id("MTPBA").await;
    atlas_domain::auth::Actor {
        user_id: t.account_id("frontline_officer").await,
        username: "frontline_officer".into(),
        role: atlas_domain::auth::Role::FrontlineOfficer,
        institution_id: institution,
        country: atlas_domain::directory::CountryCode::parse("AR").unwrap(),
    }
}

/// 100,000 Argentinian cases with one victim each and 300,000 referrals to PRV in every
/// state, a fifth of the cases with a complaint and a twentieth sentenced, identified
/// over 2024-01-01 … 2026-02-28. One case and its referral are made through the use
/// cases (sealed identity, screening JSON, deadline); the rest are copies of them made
/// with set-based SQL.
pub async fn generate_cases(t: &TestApp) {
    generate_cases_n(t, CASES).await;
}

/// Like [`generate_cases`] with `cases` cases (and three times as many referrals).
pub async fn generate_cases_n(t: &TestApp, cases: i64) {
    use atlas_domain::cases::{CaseInput, PersonInput, ScreeningInput};
    let officer = officer(t).await;
    let prv = t.institution_id("PRV").await;
    let area = t.area_id("17 de Noviembre").await;
    let template = t
        .app
        .create_case(
            &officer,
            &CaseInput {
                screening: ScreeningInput {
                    indicators: "deception,withholding_of_wages".into(),
                    age: "29".into(),
                    ..Default::default()
                },
                classification: "fl".into(),
                identified_on: "2026-02-01".into(),
                area_id: area.to_string(),
                sector: "C".into(),
                exploitation_types: "forced_labour".into(),
                means_of_control: "withholds_documents".into(),
                victim: PersonInput {
                    age_band: "27-29".into(),
                    sex: "female".into(),
                    nationality: "BO".into(),
                    languages: "es".into(),
                    needs: "safety_shelter".into(),
                    name: "Bench Victim".into(),
                    document_number: "BO-1".into(),
                    consent_services: "on".into(),
                    consent_statistics: "on".into(),
                    consent_share: prv.to_string(),
                    ..Default::default()
                },
                perpetrators: "employer".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app
        .refer_case(
            &officer,
            template.case_id,
            &atlas_core::cases_referral::ReferralInput {
                institution_id: prv.to_string(),
                need: "safety_shelter".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sqlite = t.name() == "sqlite";
    let uuid = if sqlite {
        "randomblob(16)"
    } else {
        "gen_random_uuid()"
    };
    let day = if sqlite {
        "date('2024-01-01', '+' || (b.i % 790) || ' days')"
    } else {
        "to_char(date '2024-01-01' + (b.i % 790), 'YYYY-MM-DD')"
    };
    let code = &template.code;
    let steps = [
        format!(
            "create table bench_case as with recursive n(i) as (select 0 union all select i + 1 from n where i < {}) select i, {uuid} as id from n",
            cases - 1
        ),
        format!(
            "insert into case_record (case_id, code, country_code, institution_id, officer_id, identified_on, area_id, province_id, sector, classes, proposed_classes, reasons, screening, override_note, exploitation_types, means_of_control, perpetrators, status, closed_at, identity_erased_at, created_at, updated_at, version) \
             select b.id, 'BENCH-' || b.i, k.country_code, k.institution_id, k.officer_id, {day}, k.area_id, k.province_id, k.sector, k.classes, k.proposed_classes, k.reasons, k.screening, k.override_note, k.exploitation_types, k.means_of_control, k.perpetrators, \
             case when b.i % 10 = 0 then 'closed' else 'open' end, case when b.i % 10 = 0 then k.created_at else null end, null, k.created_at, k.updated_at, 1 \
             from bench_case b cross join case_record k where k.code = '{code}'"
        ),
        format!(
            "insert into case_person (case_person_id, case_id, role, age_band, sex, nationality, languages, needs, name_sealed, document_sealed, contact_sealed, address_sealed, document_hash, name_hash, consent_services, consent_statistics, consent_share, best_interest_note, consent_recorded_at, consent_recorded_by, created_at, updated_at, version) \
             select {uuid}, b.id, p.role, case b.i % 4 when 0 then '18-20' when 1 then '21-23' when 2 then '27-29' else '30-38' end, case when b.i % 3 = 0 then 'male' else 'female' end, p.nationality, p.languages, p.needs, p.name_sealed, p.document_sealed, p.contact_sealed, p.address_sealed, null, null, p.consent_services, p.consent_statistics, p.consent_share, p.best_interest_note, p.consent_recorded_at, p.consent_recorded_by, p.created_at, p.updated_at, 1 \
             from bench_case b cross join case_person p join case_record k on k.case_id = p.case_id where k.code = '{code}'"
        ),
        format!(
            "insert into case_referral (case_referral_id, case_id, from_institution_id, to_institution_id, need, state, consent_basis, override_reason, note, pathway_order, service_name, due_at, decline_reason, sent_by, answer_minutes, answered_at, created_at, updated_at, version, country_code) \
             select {uuid}, b.id, r.from_institution_id, r.to_institution_id, r.need, \
             case (b.i + j.j) % 6 when 0 then 'sent' when 1 then 'acknowledged' when 2 then 'accepted' when 3 then 'delivered' when 4 then 'closed' else 'declined' end, \
             r.consent_basis, null, null, r.pathway_order, r.service_name, r.due_at, case when (b.i + j.j) % 6 = 5 then 'Sin cupo' else null end, r.sent_by, \
             case when (b.i + j.j) % 6 = 0 then null else 30 + (b.i % 4000) end, case when (b.i + j.j) % 6 = 0 then null else r.created_at end, r.created_at, r.updated_at, 1, r.country_code \
             from bench_case b cross join (select 0 as j union all select 1 union all select 2) j cross join case_referral r join case_record k on k.case_id = r.case_id where k.code = '{code}'"
        ),
        format!(
            "insert into case_legal_step (case_legal_step_id, case_id, kind, occurred_on, institution_id, outcome, penalty_months, note, recorded_by, created_at) \
             select {uuid}, b.id, 'complaint', '2026-02-01', (select institution_id from institution where acronym = 'PROTEX'), null, null, null, null, k.created_at \
             from bench_case b cross join case_record k where k.code = '{code}' and b.i % 5 = 0"
        ),
        format!(
            "insert into case_legal_step (case_legal_step_id, case_id, kind, occurred_on, institution_id, outcome, penalty_months, note, recorded_by, created_at) \
             select {uuid}, b.id, 'sentence', '2026-02-20', (select institution_id from institution where acronym = 'PROTEX'), 'conviction', 60, null, null, k.created_at \
             from bench_case b cross join case_record k where k.code = '{code}' and b.i % 20 = 0"
        ),
        "drop table bench_case".to_owned(),
    ];
    for sql in &steps {
        t.raw(sql).await;
    }
    t.raw("analyze").await;
}
