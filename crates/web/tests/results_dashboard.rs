//! The results dashboard and the records behind its figures, through the router on both
//! engines: the demo's figures against their targets with SVG charts (no script), the
//! trend computed in one pass equal to the framework's figures period by period, the
//! whole-program view only for readers of every country, bad periods and other countries
//! refused, and each records list as long as its figure — never for observers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::results_dashboard::{Dashboard, RecordList, RecordsOf};
use atlas_domain::directory::CountryCode;
use atlas_domain::results::{IndicatorSource, Period};
use atlas_store::results as st;
use atlas_testkit::TestApp;
use axum::http::StatusCode;
use std::io::Write;
use uuid::Uuid;

async fn actor(t: &TestApp, username: &str) -> atlas_domain::auth::Actor {
    let a = atlas_store::auth::account_by_username(&t.app.db, username)
        .await
        .unwrap()
        .unwrap();
    atlas_domain::auth::Actor {
        user_id: a.account_id,
        username: a.username.clone(),
        role: atlas_domain::auth::Role::parse(&a.role).unwrap(),
        institution_id: a.institution_id,
        country: CountryCode::parse(&a.country_code).unwrap(),
    }
}

async fn indicator_id(t: &TestApp, title: &str) -> Uuid {
    st::list_indicators(&t.app.db, "AR")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.title == title)
        .unwrap()
        .indicator_id
}

/// Rows of the first table body after `marker`.
fn rows_after(body: &str, marker: &str) -> usize {
    let from = body.find(marker).expect("marker");
    let rest = &body[from..];
    let tbody = &rest[rest.find("<tbody>").unwrap()..];
    let tbody = &tbody[..tbody.find("</tbody>").unwrap()];
    tbody.matches("<tr>").count()
}

const TRAINED: &str = "Individuals trained";
const MANUAL: &str = "Trained officials who applied the identification protocol";

#[tokio::test]
async fn the_dashboard_shows_the_demo_figures_against_targets_with_charts_and_no_script() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let r = c
            .get("/results/dashboard?country=AR&period=FY2026-H1")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name(), r.body);
        let b = &r.body;
        assert!(b.contains("2025-10-01 – 2026-03-31"));
        assert!(b.contains(TRAINED) && b.contains(MANUAL));
        // 72 trained against a target of 60: 120 % and on track; the manual 64 % against 50.
        assert!(b.contains(">72</a>"), "the figure links to its records");
        assert!(b.contains(">120%<"));
        assert!(b.contains(">64%</a>"));
        assert!(b.contains("On track"));
        assert!(b.contains("<svg") && b.contains("role=\"img\"") && b.contains("<title id="));
        assert!(b.contains("viewBox=") && b.contains("width=\"100%\""));
        assert!(!b.contains("<script"), "no JavaScript");
        // The trend: six semi-annual periods, the manual figure not recorded before.
        for p in [
            "FY2023-H2",
            "FY2024-H1",
            "FY2024-H2",
            "FY2025-H1",
            "FY2025-H2",
        ] {
            assert!(b.contains(&format!("<th scope=\"row\">{p}</th>")), "{p}");
        }
        assert!(b.contains("Not yet recorded"));
        // Without a period: the current semi-annual one (the test clock is March 2026).
        let r = c.get("/results/dashboard?country=AR").await;
        assert!(r.body.contains("FY2026-H1: 2025-10-01 – 2026-03-31"));
        // The same figures, period by period, as the framework computes them one by one.
        let admin = actor(&t, "admin").await;
        let ar = CountryCode::parse("AR").unwrap();
        for code in ["FY2026-H1", "2026-Q1", "2024-06"] {
            let period = Period::parse(code).unwrap();
            let Dashboard::Country(d) = t.app.dashboard(&admin, Some(&ar), period).await.unwrap()
            else {
                panic!("a country dashboard")
            };
            assert_eq!(d.periods.len(), 6);
            for (k, p) in d.periods.iter().enumerate() {
                let fw = t.app.framework(&admin, &ar, *p).await.unwrap();
                for line in fw.nodes.iter().flat_map(|n| &n.indicators) {
                    let mine = d
                        .indicators
                        .iter()
                        .find(|i| i.indicator.indicator_id == line.indicator.indicator_id)
                        .unwrap();
                    assert_eq!(
                        (mine.trend[k].target, mine.trend[k].actual),
                        (line.target, line.actual),
                        "{} {} {}",
                        t.name(),
                        p.code(),
                        line.indicator.title
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_bad_period_is_refused_naming_the_field_and_other_countries_are_not_found() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("observer").await;
        for q in ["country=AR&period=2026-Q5", "period=FY26"] {
            let r = c.get(&format!("/results/dashboard?{q}")).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            assert!(r.body.contains("No such period"), "{}", r.body);
        }
        let r = c
            .get("/results/records?source=models_in_implementation&period=bad")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            c.get("/results/dashboard?country=ZZ").await.status,
            StatusCode::NOT_FOUND
        );
        let mut th = t.signed_in("official_th").await;
        assert_eq!(
            th.get("/results/dashboard?country=AR").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            th.get("/results/records?source=models_in_implementation&country=AR&period=FY2026-H1")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let id = indicator_id(&t, MANUAL).await;
        assert_eq!(
            th.get(&format!("/results/records?indicator={id}&period=FY2026-H1"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Their own country without asking, never the whole program.
        let r = th.get("/results/dashboard").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Thailand"));
        assert!(!r.body.contains("Whole program"));
        assert!(!r.body.contains("/results/dashboard?country=AR"));
    }
}

#[tokio::test]
async fn the_whole_program_view_is_only_for_readers_of_every_country() {
    for t in TestApp::all_with_demo().await {
        for user in ["admin", "program_staff", "observer"] {
            let mut c = t.signed_in(user).await;
            let r = c.get("/results/dashboard?period=FY2026-H1").await;
            assert_eq!(r.status, StatusCode::OK, "{user}");
            assert!(r.body.contains("Whole program"), "{user}");
            for code in ["AR", "LR", "PY", "TH"] {
                assert!(
                    r.body.contains(&format!(
                        "/results/dashboard?country={code}&amp;period=FY2026-H1"
                    )),
                    "{user} {code}"
                );
            }
            assert!(r.body.contains("Program totals"));
            assert!(r.body.contains("<svg"));
            assert!(!r.body.contains("<script"));
        }
        let admin = actor(&t, "admin").await;
        let Dashboard::Program(p) = t
            .app
            .dashboard(&admin, None, Period::parse("FY2026-H1").unwrap())
            .await
            .unwrap()
        else {
            panic!("the program view")
        };
        // Only Argentina has training and models in the demo: the totals are its figures.
        assert_eq!(p.totals.individuals_trained, 72);
        assert_eq!(p.totals.institutions_targeted, 4);
        assert_eq!(p.totals.models_in_implementation, 3);
        let ar = &p.countries[0];
        assert_eq!(ar.country.as_str(), "AR");
        // The per-country rows show the training and model figures; the other modules'
        // figures are read once, for the totals.
        assert_eq!(
            atlas_core::results_dashboard::KeyFigures {
                modules: p.totals.modules,
                ..ar.key
            },
            p.totals
        );
        assert_eq!(p.totals.modules.mapping_exercises, Some(1));
        assert_eq!((ar.indicators, ar.on_track, ar.behind), (4, 4, 0));
        for user in ["caseworker", "municipal_official", "training_coordinator"] {
            let mut c = t.signed_in(user).await;
            let r = c.get("/results/dashboard").await;
            assert_eq!(r.status, StatusCode::OK, "{user}");
            assert!(!r.body.contains("Whole program"), "{user}");
            assert!(r.body.contains(TRAINED), "{user} sees Argentina's");
        }
    }
}

#[tokio::test]
async fn each_records_list_is_as_long_as_its_figure_and_reading_names_is_audited() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let r = c
            .get("/results/records?source=individuals_trained&country=AR&period=FY2026-H1")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("72 records counted; the figure is 72."),
            "{}",
            r.body
        );
        assert_eq!(rows_after(&r.body, "id=\"count\""), 72);
        let ev = t.audit("results.records.read").await;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].actor_username, "admin");
        assert_eq!(ev[0].entity_id, "AR");
        assert!(ev[0].summary.contains("rows=72"), "{}", ev[0].summary);

        let admin = actor(&t, "admin").await;
        let ar = CountryCode::parse("AR").unwrap();
        let h1 = Period::parse("FY2026-H1").unwrap();
        let Dashboard::Country(d) = t.app.dashboard(&admin, Some(&ar), h1).await.unwrap() else {
            panic!()
        };
        for s in [
            IndicatorSource::IndividualsTrained,
            IndicatorSource::InstitutionsTargeted,
            IndicatorSource::InstitutionsIntegrated,
            IndicatorSource::ModelsInImplementation,
        ] {
            let rec = t
                .app
                .result_records(&admin, Some(&ar), h1, RecordsOf::Source(s))
                .await
                .unwrap();
            let n = i64::try_from(rec.list.len()).unwrap();
            assert_eq!(Some(n), d.key.of(s), "{} {s:?}", t.name());
            assert_eq!(rec.figure, d.key.of(s));
            let r = c
                .get(&format!(
                    "/results/records?source={}&country=AR&period=FY2026-H1",
                    s.as_str()
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(
                rows_after(&r.body, "id=\"count\""),
                usize::try_from(n).unwrap(),
                "{s:?}"
            );
        }
        assert_eq!(d.key.institutions_targeted, 4);
        assert_eq!(d.key.models_in_implementation, 3);
        // In another period nobody was trained: an empty list, and zero.
        let h2 = Period::parse("FY2026-H2").unwrap();
        let rec = t
            .app
            .result_records(
                &admin,
                Some(&ar),
                h2,
                RecordsOf::Source(IndicatorSource::IndividualsTrained),
            )
            .await
            .unwrap();
        assert!(rec.list.is_empty());
        assert_eq!(rec.figure, Some(0));
        // A manual figure: its entry with evidence and who entered it.
        let id = indicator_id(&t, MANUAL).await;
        let r = c
            .get(&format!("/results/records?indicator={id}&period=FY2026-H1"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body
                .contains("Follow-up survey of trained officials, March 2026.")
        );
        assert!(r.body.contains("Server operator"));
        assert!(r.body.contains(">64 (counts)<"), "{}", r.body);
        let rec = t
            .app
            .result_records(&admin, None, h1, RecordsOf::Indicator(id))
            .await
            .unwrap();
        assert!(matches!(rec.list, RecordList::Values(ref v) if v.len() == 1));
        assert_eq!(rec.figure, Some(64));
        // The framework's actuals link to the same records.
        let r = c
            .get("/results/framework?country=AR&period=FY2026-H1")
            .await;
        assert!(
            r.body.contains(
                "/results/records?source=individuals_trained&#38;country=AR&#38;period=FY2026-H1"
            ),
            "{}",
            r.body
        );
        assert!(r.body.contains(&format!(
            "/results/records?indicator={id}&#38;period=FY2026-H1"
        )));
        // The whole program's trained people are only for those who read every participant.
        let r = c
            .get("/results/records?source=individuals_trained&period=FY2026-H1")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(rows_after(&r.body, "id=\"count\""), 72);
    }
}

#[tokio::test]
async fn observers_see_figures_but_never_names_nor_records() {
    for t in TestApp::all_with_demo().await {
        let mut obs = t.signed_in("observer").await;
        for p in [
            "/results/dashboard?country=AR&period=FY2026-H1",
            "/results/dashboard?period=FY2026-H1",
            "/results/framework?country=AR&period=FY2026-H1",
        ] {
            let r = obs.get(p).await;
            assert_eq!(r.status, StatusCode::OK, "{p}");
            assert!(r.body.contains("72"), "{p}");
            assert!(
                !r.body.contains("/results/records"),
                "{p}: no link for observers"
            );
        }
        let id = indicator_id(&t, MANUAL).await;
        for p in [
            "/results/records?source=individuals_trained&country=AR&period=FY2026-H1".to_owned(),
            "/results/records?source=individuals_trained&period=FY2026-H1".into(),
            "/results/records?source=institutions_targeted&country=AR&period=FY2026-H1".into(),
            "/results/records?source=models_in_implementation&country=AR&period=FY2026-H1".into(),
            format!("/results/records?indicator={id}&period=FY2026-H1"),
        ] {
            assert_eq!(obs.get(&p).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        // A caseworker of the country reads the institutions and models, but not the
        // trained people: the training policy does not let them read participants.
        let mut cw = t.signed_in("caseworker").await;
        let r = cw
            .get("/results/dashboard?country=AR&period=FY2026-H1")
            .await;
        assert!(!r.body.contains("source=individuals_trained"));
        assert!(r.body.contains("source=institutions_targeted"));
        assert_eq!(
            cw.get("/results/records?source=individuals_trained&country=AR&period=FY2026-H1")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            cw.get("/results/records?source=models_in_implementation&country=AR&period=FY2026-H1")
                .await
                .status,
            StatusCode::OK
        );
        assert!(t.audit("results.records.read").await.is_empty());
    }
}

#[tokio::test]
async fn the_dashboard_and_records_render_in_every_language_within_budget() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("admin").await;
        let id = indicator_id(&t, MANUAL).await;
        let pages = [
            "/results/dashboard?country=AR&period=FY2026-H1".to_owned(),
            "/results/dashboard?country=AR&period=2026-02".into(),
            "/results/dashboard?country=TH".into(),
            "/results/dashboard".into(),
            "/results/records?source=individuals_trained&country=AR&period=FY2026-H1".into(),
            "/results/records?source=institutions_targeted&country=AR&period=FY2026-H1".into(),
            "/results/records?source=institutions_integrated&period=FY2026-H1".into(),
            "/results/records?source=models_in_implementation&country=AR&period=FY2026-H1".into(),
            format!("/results/records?indicator={id}&period=FY2026-H1"),
            "/results?country=AR".into(),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = c.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{lang} {p}");
                assert!(r.body.contains(&format!("<html lang=\"{lang}\">")), "{p}");
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {p} lacks a translation"
                );
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(r.body.as_bytes()).unwrap();
                let size = gz.finish().unwrap().len();
                assert!(size <= 14 * 1024, "{p} is {size} bytes compressed");
            }
        }
        let r = c.get("/results?country=AR").await;
        assert!(r.body.contains("/results/dashboard?country=AR"));
    }
}
