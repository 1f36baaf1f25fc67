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
