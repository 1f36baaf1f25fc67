//! Cartography storage on both engines: exercises and features round-trip, country
//! filters hold, and the figures the results module reads count what is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_store::cartography as st;
use atlas_testkit::{TestApp, t0};
use uuid::Uuid;

#[tokio::test]
async fn exercises_and_features_round_trip_and_are_counted_per_country() {
    for t in TestApp::all_with_demo().await {
        let area = t.area_id("17 de Noviembre").await;
        let ex = st::ExerciseRow {
            exercise_id: Uuid::now_v7(),
            country_code: "AR".into(),
            area_id: area,
            name: "Mapeo 17 de Noviembre".into(),
            purpose: "Map risks of child labour".into(),
            starts_on: Some("2026-03-01".into()),
            ends_on: None,
            plan_public: 0,
            created_at: t0(),
            updated_at: t0(),
            version: 1,
        };
        let f = st::FeatureRow {
            feature_id: Uuid::now_v7(),
            exercise_id: ex.exercise_id,
            category: "brick_kiln".into(),
            dimension: "economic".into(),
            geometry: r#"{"type":"Point","coordinates":[-58.423,-34.729]}"#.into(),
            description: String::new(),
            sensitivity: "restricted".into(),
            created_at: t0(),
            updated_at: t0(),
            version: 1,
            workshop_id: None,
            times: String::new(),
            vulnerabilities: "[]".into(),
        };
        // The demo's own plan is already there: count what this test adds on top.
        let demo_budget: i64 = st::budget_allocated(&t.app.db, "AR")
            .await
            .unwrap()
            .iter()
            .map(|(_, m)| m)
            .sum();
        let demo_done = st::actions_done(&t.app.db, "AR").await.unwrap();
        let mut tx = t.app.db.begin().await.unwrap();
        st::insert_exercise(&mut tx, &ex).await.unwrap();
        st::insert_feature(&mut tx, &f).await.unwrap();
        let dya = t.institution_id("DyA").await;
        let action = |parent: Option<Uuid>, minor: i64, status: &str| st::ActionRow {
            action_id: Uuid::now_v7(),
            exercise_id: ex.exercise_id,
            parent_id: parent,
            title: "Social care institutions".into(),
            institution_id: dya,
            level: "provincial".into(),
            budget_minor: minor,
            currency: "ARS".into(),
            status: status.into(),
            progress: 0,
            created_at: t0(),
            updated_at: t0(),
            version: 1,
            finding: String::new(),
            feature_id: None,
            starts_on: None,
            due_on: None,
        };
        let top = action(None, 500_000_000, "in_progress");
        st::insert_action(&mut tx, &top).await.unwrap();
        // A child's budget is part of its parent's and a cancelled action allocates nothing.
        st::insert_action(&mut tx, &action(Some(top.action_id), 100_000_000, "done"))
            .await
            .unwrap();
        st::insert_action(&mut tx, &action(None, 7, "cancelled"))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let before = st::count_exercises(&t.app.db, "AR").await.unwrap();
        assert!(before >= 1, "{}", t.name());
        assert_eq!(st::count_exercises(&t.app.db, "TH").await.unwrap(), 0);
        let ar = st::list_exercises(&t.app.db, Some("AR")).await.unwrap();
        assert!(ar.iter().any(|e| e.exercise_id == ex.exercise_id));
        assert!(
            st::list_exercises(&t.app.db, Some("TH"))
                .await
                .unwrap()
                .is_empty()
        );
        let all = st::list_exercises(&t.app.db, None).await.unwrap();
        assert_eq!(all.len() as i64, before);
        let got = st::get_exercise(&t.app.db, ex.exercise_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.starts_on.as_deref(), Some("2026-03-01"));
        let feats = st::list_features(&t.app.db, ex.exercise_id).await.unwrap();
        assert_eq!(feats.len(), 1);
        assert_eq!(feats[0].sensitivity, "restricted");
        assert!(
            st::budget_allocated(&t.app.db, "TH")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            st::budget_allocated(&t.app.db, "AR").await.unwrap(),
            vec![("ARS".to_owned(), demo_budget + 500_000_000)]
        );
        assert_eq!(
            st::actions_done(&t.app.db, "AR").await.unwrap(),
            demo_done + 1
        );
        assert_eq!(st::actions_done(&t.app.db, "TH").await.unwrap(), 0);
    }
}
