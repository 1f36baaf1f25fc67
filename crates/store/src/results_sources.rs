//! Figures the results framework reads from the cartography and case modules. Every
//! query takes an optional country (`None`: the whole program) so the same figure
//! serves a country's framework and the program dashboard.
//!
//! Periods are calendar dates `[first, last]` (`YYYY-MM-DD`, compared as text on both
//! engines) or, for timestamps, `[from, to)`.

use crate::{Db, on_db};
use anyhow::Context;
use time::OffsetDateTime;

/// Mapping exercises started on or before `last` (an exercise without a start date
/// counts from the day it was recorded, so it is always counted).
pub async fn exercises_by(db: &Db, country: Option<&str>, last: &str) -> anyhow::Result<i64> {
    let sql = "select count(*) from cartography_exercise \
               where ($1 is null or country_code = $1) and (starts_on is null or starts_on <= $2)";
    on_db!(db, p => sqlx::query_scalar(sql).bind(country).bind(last).fetch_one(p).await)
        .context("count exercises by date")
}

/// Plan actions that are done, as they stand.
pub async fn actions_done(db: &Db, country: Option<&str>) -> anyhow::Result<i64> {
    let sql = "select count(*) from cartography_action a \
               join cartography_exercise e on e.exercise_id = a.exercise_id \
               where ($1 is null or e.country_code = $1) and a.status = 'done'";
    on_db!(db, p => sqlx::query_scalar(sql).bind(country).fetch_one(p).await)
        .context("count actions done")
}

/// Budget committed by the action plans, as they stand, per currency in minor units:
/// top-level actions that are not cancelled, so nested budgets are not counted twice.
pub async fn budget(db: &Db, country: Option<&str>) -> anyhow::Result<Vec<(String, i64)>> {
    let sql = "select a.currency, cast(sum(a.budget_minor) as bigint) from cartography_action a \
               join cartography_exercise e on e.exercise_id = a.exercise_id \
               where ($1 is null or e.country_code = $1) and a.parent_id is null \
               and a.status <> 'cancelled' group by a.currency order by a.currency";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_all(p).await)
        .context("budget committed")
}

/// Referrals sent in `[from, to)` and how many of them were completed (service
/// delivered or closed): one range of the referrals' (country, sent) index.
pub async fn referrals(
    db: &Db,
    country: Option<&str>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> anyhow::Result<(i64, i64)> {
    let done = "coalesce(sum(case when r.state in ('delivered','closed') then 1 else 0 end), 0)";
    match country {
        Some(c) => {
            let sql = format!(
                "select count(*), {done} from case_referral r \
                 where r.country_code = $1 and r.created_at >= $2 and r.created_at < $3"
            );
            on_db!(db, p => sqlx::query_as(&sql).bind(c).bind(from).bind(to).fetch_one(p).await)
        }
        None => {
            let sql = format!(
                "select count(*), {done} from case_referral r \
                 where r.created_at >= $1 and r.created_at < $2"
            );
            on_db!(db, p => sqlx::query_as(&sql).bind(from).bind(to).fetch_one(p).await)
        }
    }
    .context("count referrals")
}

/// Whether the country (or the program) has any case at all.
pub async fn any_case(db: &Db, country: Option<&str>) -> anyhow::Result<bool> {
    let n: i64 = match country {
        Some(c) => {
            let sql = "select count(*) from (select 1 from case_record where country_code = $1 limit 1) x";
            on_db!(db, p => sqlx::query_scalar(sql).bind(c).fetch_one(p).await)
        }
        None => {
            let sql = "select count(*) from (select 1 from case_record limit 1) x";
            on_db!(db, p => sqlx::query_scalar(sql).fetch_one(p).await)
        }
    }
    .context("any case")?;
    Ok(n > 0)
}

/// Cases identified in `[first, last]` by how far they went, each count including the
/// cases that went further: identified, referred (a referral sent), assisted (a referral
/// accepted, delivered or closed), prosecuted (a legal step recorded) and sentenced (a
/// sentence or an appeal of one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseStages {
    pub identified: i64,
    pub referred: i64,
    pub assisted: i64,
    pub prosecuted: i64,
    pub sentenced: i64,
}

/// One pass over the period's cases (a covering index range) with an index probe per
/// case and stage, so the cost follows the period's cases, not the whole table.
pub async fn case_stages(
    db: &Db,
    country: Option<&str>,
    first: &str,
    last: &str,
) -> anyhow::Result<CaseStages> {
    let (filter, n) = match country {
        Some(_) => ("k.country_code = $1 and", 1),
        None => ("", 0),
    };
    let has = |table: &str, cond: &str| {
        format!(
            "coalesce(sum(case when exists (select 1 from {table} x where x.case_id = k.case_id{cond}) \
             then 1 else 0 end), 0)"
        )
    };
    let sql = format!(
        "select count(*), {}, {}, {}, {} from case_record k \
         where {filter} k.identified_on >= ${} and k.identified_on <= ${}",
        has("case_referral", ""),
        has(
            "case_referral",
            " and x.state in ('accepted','delivered','closed')"
        ),
        has("case_legal_step", ""),
        has("case_legal_step", " and x.kind in ('sentence','appeal')"),
        n + 1,
        n + 2
    );
    let row: (i64, i64, i64, i64, i64) = match country {
        Some(c) => {
            on_db!(db, p => sqlx::query_as(&sql).bind(c).bind(first).bind(last).fetch_one(p).await)
        }
        None => on_db!(db, p => sqlx::query_as(&sql).bind(first).bind(last).fetch_one(p).await),
    }
    .context("count cases by stage")?;
    let (identified, referred, assisted, prosecuted, sentenced) = row;
    Ok(CaseStages {
        identified,
        referred,
        assisted,
        prosecuted,
        sentenced,
    })
}

/// Guides of the country (or the program): how many exist and how many are final or
/// institutionalised, as they stand.
pub async fn guides(db: &Db, country: Option<&str>) -> anyhow::Result<(i64, i64)> {
    let sql = "select count(*), coalesce(sum(case when stage in ('final', 'institutionalised') then 1 else 0 end), 0) \
               from guide_document where ($1 is null or country_code = $1)";
    on_db!(db, p => sqlx::query_as(sql).bind(country).fetch_one(p).await).context("count guides")
}

/// Cases identified in `[first, last]` (a covering index range; no join).
pub async fn cases_identified(
    db: &Db,
    country: Option<&str>,
    first: &str,
    last: &str,
) -> anyhow::Result<i64> {
    let sql = "select count(*) from case_record \
               where ($1 is null or country_code = $1) and identified_on >= $2 and identified_on <= $3";
    on_db!(db, p => sqlx::query_scalar(sql).bind(country).bind(first).bind(last).fetch_one(p).await)
        .context("count cases identified")
}
