//! The query plans behind the cases pages the benchmark times, on the benchmark's
//! generated dataset at a smaller size (5,000 cases, 15,000 referrals) and on both
//! engines: "awaiting my action" is index ranges on the receiving institution and state
//! (no scan of `case_referral` or `case_record`), and the statistics are grouped queries
//! (on SQLite reading covering indexes). Run with `--nocapture` to see the plans.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::Db;
use atlas_store::cases::{
    LEGAL_OUTCOMES_SQL, REFERRAL_GROUPS_COUNTRY_SQL, REFERRAL_GROUPS_SQL, VICTIM_GROUPS_SQL,
    awaiting_sql,
};
use atlas_testkit::TestApp;
use uuid::Uuid;

#[allow(dead_code)]
#[path = "../benches/dataset/mod.rs"]
mod dataset;

/// A bind value of the explained statement.
enum Arg {
    Id(Uuid),
    Int(i64),
    Text(&'static str),
    Null,
}

/// The plan's lines: SQLite's `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN`.
async fn plan(t: &TestApp, sql: &str, args: &[Arg]) -> Vec<String> {
    match &t.app.db {
        Db::Sqlite(p) => {
            let q = format!("explain query plan {sql}");
            let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&q);
            for a in args {
                q = match a {
                    Arg::Id(u) => q.bind(*u),
                    Arg::Int(i) => q.bind(*i),
                    Arg::Text(s) => q.bind(*s),
                    Arg::Null => q.bind(None::<String>),
                };
            }
            q.fetch_all(p)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect()
        }
        Db::Pg(p) => {
            let q = format!("explain {sql}");
            let mut q = sqlx::query_as::<_, (String,)>(&q);
            for a in args {
                q = match a {
                    Arg::Id(u) => q.bind(*u),
                    Arg::Int(i) => q.bind(*i),
                    Arg::Text(s) => q.bind(*s),
                    Arg::Null => q.bind(None::<String>),
                };
            }
            q.fetch_all(p)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.0)
                .collect()
        }
    }
}

/// True when a line reads a whole table (or a whole index of it) of `tables` (name or
/// alias).
fn scans(lines: &[String], tables: &[&str]) -> bool {
    lines.iter().any(|l| {
        let l = l.trim_start_matches([' ', '-', '>']).trim();
        tables.iter().any(|t| {
            l.starts_with(&format!("SCAN {t} "))
                || l == format!("SCAN {t}")
                || l.starts_with(&format!("Seq Scan on {t} "))
                || l == format!("Seq Scan on {t}")
        })
    })
}

#[tokio::test]
async fn awaiting_reads_index_ranges_and_statistics_are_grouped_over_covering_indexes() {
    for t in TestApp::all_with_demo().await {
        let n = t.name();
        dataset::generate_cases_n(&t, 5_000).await;
        if n == "postgres" {
            t.raw("analyze").await;
        }
        let prv = t.institution_id("PRV").await;
        let sqlite = n == "sqlite";

        let p = plan(&t, &awaiting_sql(), &[Arg::Id(prv), Arg::Int(200)]).await;
        println!("== {n} awaiting ==\n{}", p.join("\n"));
        let text = p.join("\n");
        // (`r` is the derived table of the three ranges; `SCAN r` reads those rows.)
        assert!(
            !scans(&p, &["case_referral", "case_record", "k"]),
            "{n}: awaiting scans a table:\n{text}"
        );
        assert!(
            text.contains("case_referral_to_due"),
            "{n}: awaiting does not range the receiving institution's index:\n{text}"
        );
        if sqlite {
            // One range per state: institution and state as equality, deadline order
            // from the index (no sort of the institution's referrals).
            assert_eq!(
                p.iter()
                    .filter(|l| l.contains("case_referral_to_due (to_institution_id=? AND state=?)"))
                    .count(),
                3,
                "{n}:\n{text}"
            );
        } else {
            assert_eq!(
                p.iter()
                    .filter(|l| l.contains("Index Cond: ((to_institution_id = ")
                        && l.contains("AND (state = '"))
                    .count(),
                3,
                "{n}:\n{text}"
            );
        }

        // Victims: every victim of the scope is counted, so their rows are read (from
        // the covering person index, with the case by key) and grouped in the database;
        // referrals and sentences come from covering indexes alone.
        for (name, sql, args, index) in [
            ("victims", VICTIM_GROUPS_SQL, vec![Arg::Null], None),
            ("victims AR", VICTIM_GROUPS_SQL, vec![Arg::Text("AR")], None),
            (
                "referrals",
                REFERRAL_GROUPS_SQL,
                vec![],
                Some("case_referral_stats"),
            ),
            (
                "referrals AR",
                REFERRAL_GROUPS_COUNTRY_SQL,
                vec![Arg::Text("AR")],
                Some("case_referral_stats"),
            ),
            (
                "sentences",
                LEGAL_OUTCOMES_SQL,
                vec![Arg::Null],
                Some("case_legal_step_kind"),
            ),
        ] {
            let p = plan(&t, sql, &args).await;
            let text = p.join("\n");
            println!("== {n} statistics: {name} ==\n{text}");
            assert!(sql.contains("group by"), "{name}");
            if !sqlite {
                assert!(
                    text.contains("Aggregate"),
                    "{n} {name}: not grouped in the database:\n{text}"
                );
            }
            // PostgreSQL reads whole-table aggregates sequentially (index-only scans pay
            // off only once the visibility map is set by VACUUM); the index check is
            // SQLite's.
            if let Some(index) = index.filter(|_| sqlite) {
                assert!(
                    text.contains(index),
                    "{n} {name}: not read from {index}:\n{text}"
                );
                let rows_read = p
                    .iter()
                    .any(|l| !l.contains("COVERING INDEX") && !l.contains("Index Only Scan"))
                    && scans(
                        &p.iter()
                            .filter(|l| !l.contains("COVERING INDEX"))
                            .cloned()
                            .collect::<Vec<_>>(),
                        &["case_referral", "case_legal_step", "r", "s"],
                    );
                assert!(!rows_read, "{n} {name}: reads the table:\n{text}");
            }
        }
    }
}
