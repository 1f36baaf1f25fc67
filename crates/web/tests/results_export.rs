//! Disaggregations and donor exports through the router on both engines: the demo's
//! individuals trained broken down by sex, age band, role, institution and province,
//! each table adding up to the total; manual values whose parts must add up (a short sum
//! refused naming the field, nothing written); percentages and non-person sources
//! refused a breakdown; and the XLSX workbook, HXL CSV and IATI XML read back with the
//! same figures, audited, for observers too, and not found for another country.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::directory::CountryCode;
use atlas_domain::results::Period;
use atlas_domain::results_disagg::Disaggregation;
use atlas_store::results as st;
use atlas_testkit::TestApp;
use axum::http::StatusCode;
use calamine::Reader;

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

const TRAINED: &str = "Individuals trained";
const EXPORT: &str = "/results/export?country=AR&period=FY2026-H1";

#[tokio::test]
async fn individuals_trained_break_down_by_every_dimension_and_each_table_adds_up() {
    for t in TestApp::all_with_demo().await {
        let staff = actor(&t, "program_staff").await;
        let ar = CountryCode::parse("AR").unwrap();
        let period = Period::parse("FY2026-H1").unwrap();
        let indicators = st::list_indicators(&t.app.db, "AR").await.unwrap();
        let trained = indicators.iter().find(|i| i.title == TRAINED).unwrap();
        let b = t
            .app
            .disaggregations(&staff, &ar, &period, &indicators)
            .await
            .unwrap();
        assert_eq!(
            b.len(),
            1,
            "{}: only the trained indicator has dimensions",
            t.name()
        );
        let tables = &b[&trained.indicator_id];
        let dims: Vec<Disaggregation> = tables.iter().map(|x| x.0).collect();
        assert_eq!(dims, Disaggregation::ALL.to_vec());
        for (d, cats) in tables {
            let sum: i64 = cats.iter().map(|c| c.1).sum();
            assert_eq!(sum, 72, "{} {d}", t.name());
        }
        // Every demo institution is in the directory under Buenos Aires or the capital.
        let provinces = &tables
            .iter()
            .find(|x| x.0 == Disaggregation::Province)
            .unwrap()
            .1;
        assert!(
            provinces.iter().all(|(p, _)| p != "unknown"),
            "{provinces:?}"
        );

        // The dashboard shows the tables.
        let mut c = t.signed_in("observer").await;
        let r = c
            .get("/results/dashboard?country=AR&period=FY2026-H1")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for caption in [
            "By Sex",
            "By Age band",
            "By Role",
            "By Institution",
            "By Province",
        ] {
            assert!(
                r.body.contains(&format!("<caption>{caption}</caption>")),
                "{caption}"
            );
        }
        assert!(r.body.contains("<th scope=\"row\">Female</th>"));
        assert!(r.body.contains("Donor exports"));
    }
}

/// Creates a manual number indicator broken down by sex and institution under the
/// demo's output, through the form; returns its id.
async fn manual_indicator(t: &TestApp, c: &mut atlas_testkit::Client) -> uuid::Uuid {
    let node = st::list_nodes(&t.app.db, "AR")
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.level == "output")
        .unwrap()
        .result_node_id
        .to_string();
    let r = c
        .post_form(
            "/results/framework/indicators",
            &[
                ("country", "AR"),
                ("result_node_id", &node),
                ("indicator_title", "Officials reached by awareness sessions"),
                (
                    "definition",
                    "People at sessions run with municipal services.",
                ),
                ("unit", "number"),
                ("direction", "increase"),
                ("source", "manual"),
                ("baseline", "0"),
                ("disagg-sex", "1"),
                ("disagg-institution", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let i = st::list_indicators(&t.app.db, "AR")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.title == "Officials reached by awareness sessions")
        .unwrap();
    assert_eq!(i.disaggregations, "sex,institution");
    i.indicator_id
}

#[tokio::test]
async fn manual_parts_must_add_up_to_the_value_or_nothing_is_written() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("program_staff").await;
        let id = manual_indicator(&t, &mut c).await;
        let page = c.get(&format!("/results/indicators/{id}")).await;
        assert!(page.body.contains("name=\"part-sex-female\""));
        assert!(page.body.contains("name=\"part-institution-IUPFA\""));
        let values = t.count("indicator_value").await;
        let path = format!("/results/indicators/{id}/values");
        let r = c
            .post_form(
                &path,
                &[
                    ("period", "FY2026-H1"),
                    ("value", "30"),
                    ("evidence", "Attendance sheets of three sessions."),
                    ("part-sex-female", "20"),
                    ("part-sex-male", "5"),
                    ("part-institution-IUPFA", "10"),
                    ("part-institution-NOPE", "20"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body
                .contains("The values of this breakdown must add up to the total.")
        );
        assert!(r.body.contains("This category is not one of the indicator"));
        assert!(r.body.contains("value=\"20\""), "the input is kept");
        assert_eq!(t.count("indicator_value").await, values, "nothing written");
        assert_eq!(t.count("indicator_value_part").await, 0);

        let r = c
            .post_form(
                &path,
                &[
                    ("period", "FY2026-H1"),
                    ("value", "30"),
                    ("evidence", "Attendance sheets of three sessions."),
                    ("part-sex-female", "20"),
                    ("part-sex-male", "10"),
                    ("part-institution-IUPFA", "12"),
                    ("part-institution-PRV", "18"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.count("indicator_value_part").await, 4);
        let ev = t.audit("results.value.add").await;
        assert!(ev.last().unwrap().summary.ends_with("parts=4"));

        let staff = actor(&t, "program_staff").await;
        let ar = CountryCode::parse("AR").unwrap();
        let period = Period::parse("FY2026-H1").unwrap();
        let indicators = st::list_indicators(&t.app.db, "AR").await.unwrap();
        let b = t
            .app
            .disaggregations(&staff, &ar, &period, &indicators)
            .await
            .unwrap();
        assert_eq!(
            b[&id],
            vec![
                (
                    Disaggregation::Sex,
                    vec![("female".into(), 20), ("male".into(), 10)]
                ),
                (
                    Disaggregation::Institution,
                    vec![("IUPFA".into(), 12), ("PRV".into(), 18)]
                ),
            ]
        );
        // A later value without parts is "not broken down", not zeros.
        let r = c
            .post_form(
                &path,
                &[
                    ("period", "FY2026-H1"),
                    ("value", "31"),
                    ("evidence", "One late sheet."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let b = t
            .app
            .disaggregations(&staff, &ar, &period, &indicators)
            .await
            .unwrap();
        assert!(!b.contains_key(&id));
    }
}

#[tokio::test]
async fn percentages_and_non_person_sources_cannot_be_broken_down() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("program_staff").await;
        let node = st::list_nodes(&t.app.db, "AR").await.unwrap()[0]
            .result_node_id
            .to_string();
        let before = t.count("indicator").await;
        for (unit, source, msg) in [
            ("percent", "manual", "A percentage cannot be broken down"),
            (
                "number",
                "models_in_implementation",
                "Only individuals trained and manual indicators",
            ),
        ] {
            let r = c
                .post_form(
                    "/results/framework/indicators",
                    &[
                        ("country", "AR"),
                        ("result_node_id", &node),
                        ("indicator_title", "Broken down"),
                        ("definition", "x"),
                        ("unit", unit),
                        ("direction", "increase"),
                        ("source", source),
                        ("disagg-sex", "1"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(msg), "{msg}");
            assert!(r.body.contains("name=\"disagg-sex\" value=\"1\" checked"));
        }
        assert_eq!(t.count("indicator").await, before);
    }
}

#[tokio::test]
async fn the_three_donor_exports_carry_the_same_figures_and_read_back() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("observer").await;

        // XLSX: one sheet per outcome, numbers as numbers.
        let r = c.get(&format!("{EXPORT}&format=xlsx")).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name(), r.body);
        assert!(r.header("content-disposition").unwrap().contains(".xlsx"));
        let mut wb =
            calamine::Xlsx::new(std::io::Cursor::new(r.bytes.clone())).expect("a workbook");
        let names = wb.sheet_names();
        assert_eq!(names.len(), 1, "one outcome in the demo: {names:?}");
        let sheet = wb.worksheet_range(&names[0]).unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0][2], "Indicator");
        let trained = rows.iter().find(|r| r[2] == TRAINED).expect("trained row");
        assert_eq!(trained[5], "60", "target");
        assert_eq!(trained[6], "72", "actual");
        assert_eq!(trained[7], "72", "cumulative: nobody trained before");
        let female_col = rows[0].iter().position(|h| h == "Sex: Female").unwrap();
        let male_col = rows[0].iter().position(|h| h == "Sex: Male").unwrap();
        let f: i64 = trained[female_col].parse().unwrap();
        let m: i64 = trained[male_col].parse().unwrap();
        assert!(f > 0 && m > 0 && f + m <= 72);
        assert!(
            sheet
                .rows()
                .flat_map(|r| r.iter())
                .all(|c| !matches!(c, calamine::Data::Error(_))),
            "no formulas"
        );

        // HXL CSV: header, hashtags, values; province rows with #adm1.
        let r = c.get(&format!("{EXPORT}&format=csv")).await;
        assert_eq!(r.status, StatusCode::OK);
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(r.bytes.as_slice());
        let recs: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        let tags = &recs[0];
        assert!(tags.iter().all(|x| x.starts_with('#')), "{tags:?}");
        let col = |tag: &str| {
            tags.iter()
                .position(|x| x == tag)
                .unwrap_or_else(|| panic!("{tag}"))
        };
        let (ind, reached, f_col, adm1, country) = (
            col("#indicator+name"),
            col("#reached+num"),
            col("#reached+f+num"),
            col("#adm1+name"),
            col("#country+code"),
        );
        let total = recs
            .iter()
            .find(|x| &x[ind] == TRAINED && x[adm1].is_empty() && !x[f_col].is_empty())
            .unwrap();
        assert_eq!(&total[reached], "72");
        assert_eq!(&total[country], "AR");
        assert_eq!(total[f_col].parse::<i64>().unwrap(), f);
        let by_province: i64 = recs
            .iter()
            .filter(|x| &x[ind] == TRAINED && !x[adm1].is_empty())
            .map(|x| x[reached].parse::<i64>().unwrap())
            .sum();
        assert_eq!(by_province, 72);

        // IATI XML: well-formed, the same actual, one per part with its dimension.
        let r = c
            .get(&format!(
                "{EXPORT}&format=xml&activity=XM-DAC-ATLAS-AR-1&org=XM-DAC-ATLAS"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut xr = quick_xml::Reader::from_str(&r.body);
        let mut depth = 0i32;
        let mut actuals = Vec::new();
        let mut dims = 0;
        loop {
            match xr.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) => {
                    depth += 1;
                    if e.local_name().into_inner() == "actual" {
                        dims += 1;
                    }
                }
                quick_xml::events::Event::Empty(e) if e.local_name().into_inner() == "actual" => {
                    let a = e.try_get_attribute("value").unwrap().unwrap();
                    actuals.push(a.value.to_string());
                }
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        assert!(r.body.contains("<iati-activities version=\"2.03\""));
        assert!(
            r.body
                .contains("<iati-identifier>XM-DAC-ATLAS-AR-1</iati-identifier>")
        );
        assert!(r.body.contains("<result type=\"1\""), "the output");
        assert!(r.body.contains("<result type=\"2\""), "the outcome");
        assert!(actuals.contains(&"72".to_owned()));
        assert!(dims >= 10, "one actual per part, with its dimension");
        assert!(
            r.body
                .contains("<dimension name=\"sex\" value=\"female\"/>")
        );

        let ev = t.audit("results.export").await;
        assert_eq!(ev.len(), 3);
        assert!(ev[0].summary.contains("format=xlsx"));
        assert!(ev[2].summary.contains("period=FY2026-H1 format=xml"));
        // No names anywhere: the demo's participants are not in any export.
        assert!(!r.body.contains("García"));
    }
}

#[tokio::test]
async fn bad_export_requests_name_the_field_and_other_countries_are_not_found() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("observer").await;
        for (q, msg) in [
            ("country=AR&period=FY2026-H3&format=xlsx", "No such period"),
            (
                "country=AR&period=FY2026-H1&format=pdf",
                "Choose one of the listed options.",
            ),
            (
                "country=AR&period=FY2026-H1&format=xml",
                "This field is required.",
            ),
            (
                "country=AR&period=FY2026-H1&format=xml&activity=has%20space&org=X",
                "Enter an IATI identifier",
            ),
        ] {
            let r = c.get(&format!("/results/export?{q}")).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{q}: {}",
                r.body
            );
            assert!(r.body.contains(msg), "{q}: {}", r.body);
        }
        assert!(
            t.audit("results.export").await.is_empty(),
            "nothing exported"
        );
        let mut th = t.signed_in("official_th").await;
        let r = th.get(&format!("{EXPORT}&format=csv")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut api = t.client();
        let r = api.get(&format!("{EXPORT}&format=csv")).await;
        assert!(
            r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNAUTHORIZED,
            "signed out: {}",
            r.status
        );
    }
}
