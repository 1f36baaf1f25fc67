//! Cases: case records, their persons (identifying data only as sealed text and keyed
//! hashes), referrals, legal steps and notifications; the lists, the aggregate
//! statistics and the figures other contexts read ([`referral_counts`],
//! [`cases_by_stage`]).
//!
//! Invariants: nothing here sees clear identifying data (core seals and opens it); an
//! institution's reach over cases is "identified by it or referred to it by a referral
//! that still grants access" (not revoked, not declined), and every list applies it in
//! SQL; calendar dates are `YYYY-MM-DD` text on both engines.

use crate::{Db, Tx, on_db, on_tx};
use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

/// A case record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub case_id: Uuid,
    pub code: String,
    pub country_code: String,
    pub institution_id: Uuid,
    pub officer_id: Option<Uuid>,
    pub identified_on: String,
    pub area_id: Uuid,
    pub province_id: Option<Uuid>,
    pub sector: String,
    pub classes: String,
    pub proposed_classes: String,
    pub reasons: String,
    pub screening: String,
    pub override_note: Option<String>,
    pub exploitation_types: String,
    pub means_of_control: String,
    pub perpetrators: String,
    pub status: String,
    pub closed_at: Option<OffsetDateTime>,
    pub identity_erased_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A person of a case. The `*_sealed` columns hold `FieldCipher` output only.
#[derive(Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub case_person_id: Uuid,
    pub case_id: Uuid,
    pub role: String,
    pub age_band: String,
    pub sex: String,
    pub nationality: String,
    pub languages: String,
    pub needs: String,
    pub name_sealed: Option<String>,
    pub document_sealed: Option<String>,
    pub contact_sealed: Option<String>,
    pub address_sealed: Option<String>,
    pub document_hash: Option<String>,
    pub name_hash: Option<String>,
    pub consent_services: i64,
    pub consent_statistics: i64,
    pub consent_share: String,
    pub best_interest_note: Option<String>,
    pub consent_recorded_at: OffsetDateTime,
    pub consent_recorded_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl std::fmt::Debug for PersonRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonRow")
            .field("case_person_id", &self.case_person_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A referral.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferralRow {
    pub case_referral_id: Uuid,
    pub case_id: Uuid,
    pub from_institution_id: Uuid,
    pub to_institution_id: Uuid,
    pub need: String,
    pub state: String,
    pub consent_basis: String,
    pub override_reason: Option<String>,
    pub note: Option<String>,
    pub pathway_order: Option<i64>,
    pub service_name: Option<String>,
    pub due_at: OffsetDateTime,
    pub decline_reason: Option<String>,
    pub sent_by: Option<Uuid>,
    pub answer_minutes: Option<i64>,
    pub answered_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

/// A referral with both institutions' acronyms and its case's code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferralView {
    #[sqlx(flatten)]
    pub r: ReferralRow,
    pub code: String,
    pub from_acronym: String,
    pub to_acronym: String,
}

/// A step of the legal track.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LegalStepRow {
    pub case_legal_step_id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub occurred_on: String,
    pub institution_id: Uuid,
    pub outcome: Option<String>,
    pub penalty_months: Option<i64>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// An in-app notification for an institution.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub case_notification_id: Uuid,
    pub institution_id: Uuid,
    pub case_id: Uuid,
    pub case_referral_id: Option<Uuid>,
    pub kind: String,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
    pub code: String,
}

/// One line of a case list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseListRow {
    pub case_id: Uuid,
    pub code: String,
    pub identified_on: String,
    pub classes: String,
    pub exploitation_types: String,
    pub status: String,
    pub acronym: String,
    pub created_at: OffsetDateTime,
}

const CASE_COLS: &str = "case_id, code, country_code, institution_id, officer_id, identified_on, area_id, province_id, sector, classes, proposed_classes, reasons, screening, override_note, exploitation_types, means_of_control, perpetrators, status, closed_at, identity_erased_at, created_at, updated_at, version";
const PERSON_COLS: &str = "case_person_id, case_id, role, age_band, sex, nationality, languages, needs, name_sealed, document_sealed, contact_sealed, address_sealed, document_hash, name_hash, consent_services, consent_statistics, consent_share, best_interest_note, consent_recorded_at, consent_recorded_by, created_at, updated_at, version";
const REFERRAL_COLS: &str = "r.case_referral_id, r.case_id, r.from_institution_id, r.to_institution_id, r.need, r.state, r.consent_basis, r.override_reason, r.note, r.pathway_order, r.service_name, r.due_at, r.decline_reason, r.sent_by, r.answer_minutes, r.answered_at, r.created_at, r.updated_at, r.version";
const LEGAL_COLS: &str = "case_legal_step_id, case_id, kind, occurred_on, institution_id, outcome, penalty_months, note, recorded_by, created_at";

/// States of a referral that give the receiver access to the case.
pub const GRANTING: &str = "('sent','acknowledged','accepted','delivered','closed')";

/// Inserts a case.
pub async fn insert_case(tx: &mut Tx, c: &CaseRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into case_record ({CASE_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)"
    );
    on_tx!(tx, x => sqlx::query(&sql)
        .bind(c.case_id).bind(&c.code).bind(&c.country_code).bind(c.institution_id).bind(c.officer_id)
        .bind(&c.identified_on).bind(c.area_id).bind(c.province_id).bind(&c.sector).bind(&c.classes)
        .bind(&c.proposed_classes).bind(&c.reasons).bind(&c.screening).bind(&c.override_note)
        .bind(&c.exploitation_types).bind(&c.means_of_control).bind(&c.perpetrators).bind(&c.status)
        .bind(c.closed_at).bind(c.identity_erased_at).bind(c.created_at).bind(c.updated_at).bind(c.version)
        .execute(x).await.map(|_| ()))
    .context("insert case")
}

/// Inserts a person.
pub async fn insert_person(tx: &mut Tx, p: &PersonRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into case_person ({PERSON_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)"
    );
    on_tx!(tx, x => sqlx::query(&sql)
        .bind(p.case_person_id).bind(p.case_id).bind(&p.role).bind(&p.age_band).bind(&p.sex)
        .bind(&p.nationality).bind(&p.languages).bind(&p.needs).bind(&p.name_sealed)
        .bind(&p.document_sealed).bind(&p.contact_sealed).bind(&p.address_sealed)
        .bind(&p.document_hash).bind(&p.name_hash).bind(p.consent_services).bind(p.consent_statistics)
        .bind(&p.consent_share).bind(&p.best_interest_note).bind(p.consent_recorded_at)
        .bind(p.consent_recorded_by).bind(p.created_at).bind(p.updated_at).bind(p.version)
        .execute(x).await.map(|_| ()))
    .context("insert case person")
}

/// One case.
pub async fn get_case(db: &Db, id: Uuid) -> anyhow::Result<Option<CaseRow>> {
    let sql = format!("select {CASE_COLS} from case_record where case_id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await).context("get case")
}

/// One case, inside a write transaction.
pub async fn get_case_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<CaseRow>> {
    let sql = format!("select {CASE_COLS} from case_record where case_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get case")
}

/// True when a case already has `code`.
pub async fn code_taken(tx: &mut Tx, code: &str) -> anyhow::Result<bool> {
    let (n,): (i64,) =
        on_tx!(tx, c => sqlx::query_as("select count(*) from case_record where code = $1")
        .bind(code).fetch_one(c).await)
        .context("check case code")?;
    Ok(n > 0)
}

/// The persons of a case, victims first.
pub async fn persons_tx(tx: &mut Tx, case: Uuid) -> anyhow::Result<Vec<PersonRow>> {
    let sql = format!(
        "select {PERSON_COLS} from case_person where case_id = $1 \
         order by case role when 'victim' then 0 else 1 end, created_at, case_person_id"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await).context("list persons")
}

/// The persons of a case, victims first.
pub async fn persons(db: &Db, case: Uuid) -> anyhow::Result<Vec<PersonRow>> {
    let sql = format!(
        "select {PERSON_COLS} from case_person where case_id = $1 \
         order by case role when 'victim' then 0 else 1 end, created_at, case_person_id"
    );
    on_db!(db, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await).context("list persons")
}

/// Institutions holding a referral of `case` that grants access.
pub async fn granted_institutions(db: &Db, case: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let sql = format!(
        "select distinct to_institution_id from case_referral where case_id = $1 and state in {GRANTING}"
    );
    let rows: Vec<(Uuid,)> = on_db!(db, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await)
        .context("list referral grants")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Like [`granted_institutions`], inside a write transaction.
pub async fn granted_institutions_tx(tx: &mut Tx, case: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let sql = format!(
        "select distinct to_institution_id from case_referral where case_id = $1 and state in {GRANTING}"
    );
    let rows: Vec<(Uuid,)> = on_tx!(tx, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await)
        .context("list referral grants")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

fn referral_select() -> String {
    format!(
        "select {REFERRAL_COLS}, k.code, fi.acronym as from_acronym, ti.acronym as to_acronym \
         from case_referral r join case_record k on k.case_id = r.case_id \
         join institution fi on fi.institution_id = r.from_institution_id \
         join institution ti on ti.institution_id = r.to_institution_id"
    )
}

/// The referrals of a case, oldest first.
pub async fn referrals(db: &Db, case: Uuid) -> anyhow::Result<Vec<ReferralView>> {
    let sql = format!(
        "{} where r.case_id = $1 order by r.created_at, r.case_referral_id",
        referral_select()
    );
    on_db!(db, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await).context("list referrals")
}

/// One referral, inside a write transaction.
pub async fn get_referral_tx(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<ReferralRow>> {
    let sql = format!("select {REFERRAL_COLS} from case_referral r where r.case_referral_id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await).context("get referral")
}

/// Inserts a referral.
pub async fn insert_referral(tx: &mut Tx, r: &ReferralRow) -> anyhow::Result<()> {
    let cols = REFERRAL_COLS.replace("r.", "");
    // The case's country is copied onto the referral for the results figures.
    let sql = format!(
        "insert into case_referral ({cols}, country_code) select $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19, \
         k.country_code from case_record k where k.case_id = $2"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(r.case_referral_id).bind(r.case_id).bind(r.from_institution_id).bind(r.to_institution_id)
        .bind(&r.need).bind(&r.state).bind(&r.consent_basis).bind(&r.override_reason).bind(&r.note)
        .bind(r.pathway_order).bind(&r.service_name).bind(r.due_at).bind(&r.decline_reason).bind(r.sent_by)
        .bind(r.answer_minutes).bind(r.answered_at).bind(r.created_at).bind(r.updated_at).bind(r.version)
        .execute(c).await.map(|_| ()))
    .context("insert referral")
}

/// Moves a referral to `state` if its version is still `expected`; false when stale.
pub async fn update_referral(tx: &mut Tx, r: &ReferralRow, expected: i64) -> anyhow::Result<bool> {
    let sql = "update case_referral set state = $2, decline_reason = $3, answer_minutes = $4, \
               answered_at = $5, updated_at = $6, version = version + 1 \
               where case_referral_id = $1 and version = $7";
    let n = on_tx!(tx, c => sqlx::query(sql)
        .bind(r.case_referral_id).bind(&r.state).bind(&r.decline_reason).bind(r.answer_minutes)
        .bind(r.answered_at).bind(r.updated_at).bind(expected)
        .execute(c).await.map(|x| x.rows_affected()))
    .context("update referral")?;
    Ok(n == 1)
}

/// Inserts a legal step.
pub async fn insert_legal_step(tx: &mut Tx, s: &LegalStepRow) -> anyhow::Result<()> {
    let sql = format!(
        "insert into case_legal_step ({LEGAL_COLS}) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(s.case_legal_step_id).bind(s.case_id).bind(&s.kind).bind(&s.occurred_on)
        .bind(s.institution_id).bind(&s.outcome).bind(s.penalty_months).bind(&s.note)
        .bind(s.recorded_by).bind(s.created_at)
        .execute(c).await.map(|_| ()))
    .context("insert legal step")
}

/// The legal steps of a case, in date order.
pub async fn legal_steps(db: &Db, case: Uuid) -> anyhow::Result<Vec<LegalStepRow>> {
    let sql = format!(
        "select {LEGAL_COLS} from case_legal_step where case_id = $1 order by occurred_on, created_at"
    );
    on_db!(db, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await).context("list legal steps")
}

/// The legal steps of a case, inside a write transaction.
pub async fn legal_steps_tx(tx: &mut Tx, case: Uuid) -> anyhow::Result<Vec<LegalStepRow>> {
    let sql = format!(
        "select {LEGAL_COLS} from case_legal_step where case_id = $1 order by occurred_on, created_at"
    );
    on_tx!(tx, c => sqlx::query_as(&sql).bind(case).fetch_all(c).await).context("list legal steps")
}

/// Adds a notification for an institution.
pub async fn notify(
    tx: &mut Tx,
    institution: Uuid,
    case: Uuid,
    referral: Option<Uuid>,
    kind: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query("insert into case_notification (case_notification_id, institution_id, case_id, case_referral_id, kind, created_at, read_at) values ($1,$2,$3,$4,$5,$6,null)")
        .bind(id).bind(institution).bind(case).bind(referral).bind(kind).bind(now)
        .execute(c).await.map(|_| ()))
    .context("insert notification")?;
    Ok(id)
}

/// A notification's institution and kind, by id.
pub async fn notification_kind(db: &Db, id: Uuid) -> anyhow::Result<Option<(Uuid, String)>> {
    on_db!(db, c => sqlx::query_as("select institution_id, kind from case_notification where case_notification_id = $1")
        .bind(id).fetch_optional(c).await)
    .context("get notification")
}

/// An institution's latest notifications.
pub async fn notifications(
    db: &Db,
    institution: Uuid,
    limit: i64,
) -> anyhow::Result<Vec<NotificationRow>> {
    let sql = "select n.case_notification_id, n.institution_id, n.case_id, n.case_referral_id, n.kind, \
               n.created_at, n.read_at, k.code from case_notification n \
               join case_record k on k.case_id = n.case_id \
               where n.institution_id = $1 order by n.created_at desc, n.case_notification_id desc limit $2";
    on_db!(db, c => sqlx::query_as(sql).bind(institution).bind(limit).fetch_all(c).await)
        .context("list notifications")
}

/// Marks an institution's notifications read; returns how many changed.
pub async fn mark_notifications_read(
    tx: &mut Tx,
    institution: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<u64> {
    on_tx!(tx, c => sqlx::query("update case_notification set read_at = $2 where institution_id = $1 and read_at is null")
        .bind(institution).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("mark notifications read")
}

/// Cases within an institution's reach holding a person with the document hash or the
/// name hash: (case id, code).
pub async fn find_matches(
    db: &Db,
    institution: Uuid,
    document_hash: Option<&str>,
    name_hash: Option<&str>,
) -> anyhow::Result<Vec<(Uuid, String)>> {
    let sql = format!(
        "select distinct k.case_id, k.code from case_person p join case_record k on k.case_id = p.case_id \
         where (p.document_hash = $2 or p.name_hash = $3) \
         and (k.institution_id = $1 or exists (select 1 from case_referral r where r.case_id = k.case_id \
              and r.to_institution_id = $1 and r.state in {GRANTING})) \
         order by k.code limit 20"
    );
    on_db!(db, c => sqlx::query_as(&sql).bind(institution).bind(document_hash).bind(name_hash).fetch_all(c).await)
        .context("search cases before create")
}

/// Which list of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseView {
    /// Identified by the institution.
    Mine,
    /// Referred to the institution.
    Referred,
    /// Both.
    All,
}

/// Filters of a case list.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub institution: Uuid,
    pub view: CaseView,
    pub status: Option<String>,
    /// A classification code (`cl`, `fl`, `ht`).
    pub class: Option<String>,
    /// Prefix of the case code (upper case).
    pub code_prefix: Option<String>,
    /// Keyset cursor: only cases after this id.
    pub after: Option<Uuid>,
    pub limit: i64,
}

/// Cases within an institution's reach, newest first (by id: UUIDv7 keys grow with time).
pub async fn list_cases(db: &Db, f: &CaseFilter) -> anyhow::Result<Vec<CaseListRow>> {
    let referred = format!(
        "exists (select 1 from case_referral r where r.case_id = k.case_id and r.to_institution_id = $1 and r.state in {GRANTING})"
    );
    let reach = match f.view {
        CaseView::Mine => "k.institution_id = $1".to_owned(),
        CaseView::Referred => referred,
        CaseView::All => format!("(k.institution_id = $1 or {referred})"),
    };
    let sql = format!(
        "select k.case_id, k.code, k.identified_on, k.classes, k.exploitation_types, k.status, i.acronym, k.created_at \
         from case_record k join institution i on i.institution_id = k.institution_id \
         where {reach} and ($2 is null or k.status = $2) \
         and ($3 is null or (',' || k.classes || ',') like $3) \
         and ($4 is null or k.code like $4) and ($5 is null or k.case_id < $5) \
         order by k.case_id desc limit $6"
    );
    let class = f.class.as_ref().map(|c| format!("%,{c},%"));
    let code = f.code_prefix.as_ref().map(|c| format!("{c}%"));
    on_db!(db, c => sqlx::query_as(&sql).bind(f.institution).bind(&f.status).bind(&class).bind(&code)
        .bind(f.after).bind(f.limit).fetch_all(c).await)
    .context("list cases")
}

/// The query of [`awaiting`] (`$1` institution, `$2` limit), public so a test can read
/// its plan. Each awaiting state is one range of `case_referral_to_due` read in deadline
/// order and cut at the limit; only those rows (at most three times the limit) are
/// joined and sorted, however many referrals the institution holds.
pub fn awaiting_sql() -> String {
    let cols = REFERRAL_COLS.replace("r.", "");
    let part = |state: &str| {
        format!(
            "select * from (select {cols} from case_referral \
             where to_institution_id = $1 and state = '{state}' \
             order by due_at, case_referral_id limit $2) as {state}_part"
        )
    };
    format!(
        "select {REFERRAL_COLS}, k.code, fi.acronym as from_acronym, ti.acronym as to_acronym \
         from ({} union all {} union all {}) as r \
         join case_record k on k.case_id = r.case_id \
         join institution fi on fi.institution_id = r.from_institution_id \
         join institution ti on ti.institution_id = r.to_institution_id \
         order by r.state = 'accepted', r.due_at, r.case_referral_id limit $2",
        part("sent"),
        part("acknowledged"),
        part("accepted")
    )
}

/// Referrals to an institution awaiting its action (answer or delivery): those waiting
/// for an answer first, soonest deadline first.
pub async fn awaiting(db: &Db, institution: Uuid, limit: i64) -> anyhow::Result<Vec<ReferralView>> {
    let sql = awaiting_sql();
    on_db!(db, c => sqlx::query_as(&sql).bind(institution).bind(limit).fetch_all(c).await)
        .context("list awaiting referrals")
}

/// Where overdue referrals are looked for.
#[derive(Debug, Clone)]
pub enum OverdueScope {
    /// Sent to this institution.
    ToInstitution(Uuid),
    /// Between institutions of this country.
    Country(String),
}

/// Referrals not answered by their deadline, most overdue first.
pub async fn overdue(
    db: &Db,
    scope: &OverdueScope,
    now: OffsetDateTime,
    limit: i64,
) -> anyhow::Result<Vec<ReferralView>> {
    let (cond, key) = match scope {
        OverdueScope::ToInstitution(i) => ("r.to_institution_id = $1", i.to_string()),
        OverdueScope::Country(c) => ("k.country_code = $1", c.clone()),
    };
    let sql = format!(
        "{} where {cond} and r.state in ('sent','acknowledged') and r.due_at < $2 \
         order by r.due_at, r.case_referral_id limit $3",
        referral_select()
    );
    match scope {
        OverdueScope::ToInstitution(i) => on_db!(db, c => sqlx::query_as(&sql).bind(*i).bind(now).bind(limit).fetch_all(c).await),
        OverdueScope::Country(_) => on_db!(db, c => sqlx::query_as(&sql).bind(&key).bind(now).bind(limit).fetch_all(c).await),
    }
    .context("list overdue referrals")
}

/// One group of victims for the statistics: counts by country, province, month, sex,
/// age band and the case's exploitation types.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VictimGroup {
    pub country_code: String,
    pub province: Option<String>,
    pub month: String,
    pub sex: String,
    pub age_band: String,
    pub exploitation_types: String,
    pub n: i64,
}

/// Victims grouped for the statistics (`country`: one country, or all).
pub async fn victim_groups(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<VictimGroup>> {
    on_db!(db, c => sqlx::query_as(VICTIM_GROUPS_SQL).bind(country).fetch_all(c).await)
        .context("victim statistics")
}

/// The grouped query of [`victim_groups`] (`$1` country or null).
pub const VICTIM_GROUPS_SQL: &str = "select k.country_code, a.name as province, substr(k.identified_on, 1, 7) as month, \
               p.sex, p.age_band, k.exploitation_types, count(*) as n \
               from case_person p join case_record k on k.case_id = p.case_id \
               left join area a on a.area_id = k.province_id \
               where p.role = 'victim' and ($1 is null or k.country_code = $1) \
               group by k.country_code, a.name, substr(k.identified_on, 1, 7), p.sex, p.age_band, k.exploitation_types";

/// Referrals by state, with the number answered and the total minutes to answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferralGroup {
    pub state: String,
    pub n: i64,
    pub answered: i64,
    pub answer_minutes: i64,
}

/// Referrals grouped by state (`country`: of the referring case; or all).
pub async fn referral_groups(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<ReferralGroup>> {
    let rows: Vec<ReferralGroup> = match country {
        Some(c) => {
            on_db!(db, p => sqlx::query_as(REFERRAL_GROUPS_COUNTRY_SQL).bind(c).fetch_all(p).await)
        }
        None => on_db!(db, p => sqlx::query_as(REFERRAL_GROUPS_SQL).fetch_all(p).await),
    }
    .context("referral statistics")?;
    Ok(rows)
}

/// The grouped query of [`referral_groups`] over every country: read from the
/// covering index `case_referral_stats`, never the table.
pub const REFERRAL_GROUPS_SQL: &str = "select r.state, count(*) as n, count(r.answer_minutes) as answered, \
    cast(coalesce(sum(r.answer_minutes), 0) as bigint) as answer_minutes \
    from case_referral r group by r.state order by r.state";

/// The grouped query of [`referral_groups`] for one country (`$1`): a referral carries
/// its case's country, so this is one range of `case_referral_stats`.
pub const REFERRAL_GROUPS_COUNTRY_SQL: &str = "select r.state, count(*) as n, count(r.answer_minutes) as answered, \
    cast(coalesce(sum(r.answer_minutes), 0) as bigint) as answer_minutes \
    from case_referral r where r.country_code = $1 group by r.state order by r.state";

/// Sentences by outcome: (outcome, number).
pub async fn legal_outcomes(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<(String, i64)>> {
    on_db!(db, c => sqlx::query_as(LEGAL_OUTCOMES_SQL).bind(country).fetch_all(c).await)
        .context("legal outcomes")
}

/// The grouped query of [`legal_outcomes`] (`$1` country or null): sentences are one
/// range of `case_legal_step_kind`.
pub const LEGAL_OUTCOMES_SQL: &str = "select s.outcome, count(*) from case_legal_step s join case_record k on k.case_id = s.case_id \
    where s.kind = 'sentence' and s.outcome is not null and ($1 is null or k.country_code = $1) \
    group by s.outcome order by s.outcome";

/// One victim as the anonymised export sees them (no identifying column).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportSource {
    pub identified_on: String,
    pub sex: String,
    pub age_band: String,
    pub nationality: String,
    pub country_code: String,
    pub exploitation_types: String,
    pub means_of_control: String,
}

/// Victims that may appear in anonymous statistics: adults who agreed to it, and
/// children (best-interest rule; they are only ever published k-anonymised).
pub async fn export_sources(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<ExportSource>> {
    let sql = "select k.identified_on, p.sex, p.age_band, p.nationality, k.country_code, \
               k.exploitation_types, k.means_of_control \
               from case_person p join case_record k on k.case_id = p.case_id \
               where p.role = 'victim' and (p.consent_statistics <> 0 or p.age_band in ('0-8','9-17')) \
               and ($1 is null or k.country_code = $1) order by k.case_id, p.case_person_id";
    on_db!(db, c => sqlx::query_as(sql).bind(country).fetch_all(c).await).context("export sources")
}

/// Referrals of a country's cases made in `[from, to)` and how many of them were
/// completed (service delivered or closed). For the results indicators.
pub async fn referral_counts(
    db: &Db,
    country: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> anyhow::Result<(i64, i64)> {
    let sql = "select count(*), coalesce(sum(case when r.state in ('delivered','closed') then 1 else 0 end), 0) \
               from case_referral r join case_record k on k.case_id = r.case_id \
               where k.country_code = $1 and r.created_at >= $2 and r.created_at < $3";
    on_db!(db, c => sqlx::query_as(sql).bind(country).bind(from).bind(to).fetch_one(c).await)
        .context("referral counts")
}

/// A country's cases by the furthest stage they reached: `identified`, `referred`,
/// `assisted` (a referral accepted or delivered), `prosecution` (a legal step),
/// `sentenced`, or `closed`. For the results indicators.
pub async fn cases_by_stage(db: &Db, country: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let sql = "select stage, count(*) from (select case \
               when k.status = 'closed' then 'closed' \
               when exists (select 1 from case_legal_step s where s.case_id = k.case_id and s.kind in ('sentence','appeal')) then 'sentenced' \
               when exists (select 1 from case_legal_step s where s.case_id = k.case_id) then 'prosecution' \
               when exists (select 1 from case_referral r where r.case_id = k.case_id and r.state in ('accepted','delivered','closed')) then 'assisted' \
               when exists (select 1 from case_referral r where r.case_id = k.case_id) then 'referred' \
               else 'identified' end as stage from case_record k where k.country_code = $1) s \
               group by stage order by stage";
    on_db!(db, c => sqlx::query_as(sql).bind(country).fetch_all(c).await).context("cases by stage")
}

/// Closes a case if its version is still `expected`; false when stale.
pub async fn close_case(
    tx: &mut Tx,
    case: Uuid,
    expected: i64,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update case_record set status = 'closed', closed_at = $2, updated_at = $2, version = version + 1 where case_id = $1 and version = $3 and status = 'open'")
        .bind(case).bind(now).bind(expected).execute(c).await.map(|r| r.rows_affected()))
    .context("close case")?;
    Ok(n == 1)
}

/// Closed cases whose identifying data is still held and were closed before `before`.
pub async fn expired_identities(tx: &mut Tx, before: OffsetDateTime) -> anyhow::Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_tx!(tx, c => sqlx::query_as("select case_id from case_record where status = 'closed' and closed_at < $1 and identity_erased_at is null order by case_id")
        .bind(before).fetch_all(c).await)
    .context("list expired identities")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Erases the identifying data of a case's persons (sealed values and their hashes) and
/// marks the case; returns the number of persons erased.
pub async fn erase_identity(tx: &mut Tx, case: Uuid, now: OffsetDateTime) -> anyhow::Result<u64> {
    let n = on_tx!(tx, c => sqlx::query("update case_person set name_sealed = null, document_sealed = null, contact_sealed = null, address_sealed = null, document_hash = null, name_hash = null, updated_at = $2, version = version + 1 where case_id = $1")
        .bind(case).bind(now).execute(c).await.map(|r| r.rows_affected()))
    .context("erase identity")?;
    on_tx!(tx, c => sqlx::query("update case_record set identity_erased_at = $2, updated_at = $2 where case_id = $1")
        .bind(case).bind(now).execute(c).await.map(|_| ()))
    .context("mark identity erased")?;
    Ok(n)
}

/// Updates a person's consent if the version is still `expected`; false when stale.
pub async fn update_consent(tx: &mut Tx, p: &PersonRow, expected: i64) -> anyhow::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update case_person set consent_services = $2, consent_statistics = $3, consent_share = $4, best_interest_note = $5, consent_recorded_at = $6, consent_recorded_by = $7, updated_at = $6, version = version + 1 where case_person_id = $1 and version = $8")
        .bind(p.case_person_id).bind(p.consent_services).bind(p.consent_statistics).bind(&p.consent_share)
        .bind(&p.best_interest_note).bind(p.consent_recorded_at).bind(p.consent_recorded_by).bind(expected)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("update consent")?;
    Ok(n == 1)
}

/// True when victims' identifying data is stored sealed: the master key file must then
/// exist, since a new key would open none of it and nothing could recover it (sealed
/// TOTP secrets alone do not count: `atlas user reset-totp` recovers those).
pub async fn holds_sealed_data(db: &Db) -> anyhow::Result<bool> {
    let sql = "select count(*) from case_person where name_sealed is not null";
    let (n,): (i64,) =
        on_db!(db, c => sqlx::query_as(sql).fetch_one(c).await).context("look for sealed data")?;
    Ok(n > 0)
}
