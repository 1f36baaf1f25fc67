//! The actor network of a mapping exercise through the router on both databases: bad
//! actors and relationships name the field and write nothing, observers read but do not
//! edit, another country's exercise is not found, centrality is right on a hand-made
//! graph, the diagram is the same bytes whatever order the network was entered in, the
//! GEXF parses back, and the poster follows the map's sensitivity rules and the layers
//! chosen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_core::By;
use atlas_domain::carto_network::{ActorInput, RelationshipInput};
use atlas_domain::cartography::{DEFAULT_GRID_DEGREES, ExerciseInput, PointInput, Pos, snap};
use atlas_testkit::TestApp;
use axum::http::StatusCode;
use uuid::Uuid;

async fn exercise_in(t: &TestApp, area: &str, name: &str) -> Uuid {
    let area = t.area_id(area).await;
    t.app
        .create_exercise(
            By::Operator,
            &ExerciseInput {
                area_id: area.to_string(),
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .exercise_id
}

async fn actor(t: &TestApp, ex: Uuid, kind: &str, label: &str) -> Uuid {
    t.app
        .add_actor(
            By::Operator,
            ex,
            &ActorInput {
                kind: kind.into(),
                label: label.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .actor_id
}

async fn relate(t: &TestApp, ex: Uuid, a: Uuid, b: Uuid, kind: &str, strength: &str, dir: &str) {
    t.app
        .add_relationship(
            By::Operator,
            ex,
            &RelationshipInput {
                from_id: a.to_string(),
                to_id: b.to_string(),
                kind: kind.into(),
                strength: strength.into(),
                direction: dir.into(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
}

/// The inline network diagram of a page.
fn network_svg(body: &str) -> &str {
    let start = body
        .find("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"network\"")
        .expect("network svg");
    let end = start + body[start..].find("</svg>").unwrap() + 6;
    &body[start..end]
}

#[tokio::test]
async fn bad_actors_and_relationships_name_the_field_and_write_nothing() {
    for t in TestApp::all_with_demo().await {
        let ex = exercise_in(&t, "17 de Noviembre", "Red").await;
        let other = exercise_in(&t, "17 de Noviembre", "Otra").await;
        let a = actor(&t, ex, "role", "Reclutador").await;
        let b = actor(&t, ex, "community_organisation", "Comedor").await;
        let foreign = actor(&t, other, "role", "Intermediario").await;
        let actors = t.count("cartography_actor").await;
        let rels = t.count("cartography_relationship").await;
        let audits = t.audit("cartography.").await.len();
        let actor_creates = t.audit("cartography.actor.create").await.len();
        let rel_creates = t.audit("cartography.relationship.create").await.len();
        let mut c = t.signed_in("mapping_facilitator").await;
        let path = format!("/cartography/exercises/{ex}/actors");
        // Unknown institution, and one of another country.
        let thai = t.institution_id("DLPW").await;
        for inst in [Uuid::now_v7(), thai] {
            let r = c
                .post_form(
                    &path,
                    &[
                        ("kind", "institution"),
                        ("institution_id", &inst.to_string()),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name());
            assert!(r.body.contains("Unknown institution"), "{}", r.body);
        }
        // A role without a label; an unknown kind.
        let r = c
            .post_form(&path, &[("kind", "role"), ("label", " ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("This field is required."));
        let r = c
            .post_form(&path, &[("kind", "person"), ("label", "X")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Choose the kind of actor."));
        let rpath = format!("/cartography/exercises/{ex}/relationships");
        let rel = |from: Uuid, to: Uuid, strength: &'static str| {
            vec![
                ("from_id", from.to_string()),
                ("to_id", to.to_string()),
                ("kind", "cooperation".to_owned()),
                ("strength", strength.to_owned()),
                ("direction", "mutual".to_owned()),
            ]
        };
        for (fields, message) in [
            (rel(a, a, "2"), "A relationship needs two different actors."),
            (rel(a, b, "4"), "The strength is 1, 2 or 3."),
            (rel(a, foreign, "2"), "This reference does not exist"),
        ] {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = c.post_form(&rpath, &f).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
            assert!(r.body.contains(message), "{message}: {}", r.body);
        }
        assert_eq!(t.count("cartography_actor").await, actors);
        assert_eq!(t.count("cartography_relationship").await, rels);
        assert_eq!(t.audit("cartography.").await.len(), audits);

        // A good institution takes its directory name; the relationship goes in.
        let copreti = t.institution_id("COPRETI").await;
        let r = c
            .post_form(
                &path,
                &[
                    ("kind", "institution"),
                    ("institution_id", &copreti.to_string()),
                    ("label", "typed name is ignored"),
                    ("dimension", "social"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let f = rel(a, b, "3");
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(c.post_form(&rpath, &f).await.status, StatusCode::SEE_OTHER);
        let page = c.get(&format!("/cartography/exercises/{ex}/network")).await;
        assert!(page.body.contains("Comisión Provincial para la Prevención"));
        assert!(!page.body.contains("typed name is ignored"));
        assert_eq!(
            t.audit("cartography.actor.create").await.len(),
            actor_creates + 1
        );
        assert_eq!(
            t.audit("cartography.relationship.create").await.len(),
            rel_creates + 1
        );

        // An actor with relationships is not removed; once they are gone it is.
        let r = c
            .post_form(&format!("/cartography/actors/{a}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("still has relationships"), "{}", r.body);
        let rid = atlas_core::store::carto_network::list_relationships(&t.app.db, ex)
            .await
            .unwrap()[0]
            .relationship_id;
        let r = c
            .post_form(&format!("/cartography/relationships/{rid}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = c
            .post_form(&format!("/cartography/actors/{a}/remove"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(t.audit("cartography.actor.remove").await.len(), 1);
        assert_eq!(t.audit("cartography.relationship.remove").await.len(), 1);
        // Editing checks the version and the same rules.
        let v = atlas_core::store::carto_network::list_actors(&t.app.db, ex)
            .await
            .unwrap();
        let comedor = v.iter().find(|x| x.label == "Comedor").unwrap();
        let r = c
            .post_form(
                &format!("/cartography/actors/{b}"),
                &[
                    ("kind", "community_organisation"),
                    ("label", "Comedor Los Pibes"),
                    ("version", &comedor.version.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = c
            .post_form(
                &format!("/cartography/actors/{b}"),
                &[
                    ("kind", "community_organisation"),
                    ("label", "Stale"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(!t.db_contains("Stale").await);
        assert_eq!(t.audit("cartography.actor.update").await.len(), 1);
    }
}

#[tokio::test]
async fn observers_read_the_network_but_do_not_edit_and_other_countries_do_not_find_it() {
    for t in TestApp::all_with_demo().await {
        let ex = exercise_in(&t, "17 de Noviembre", "Red").await;
        let a = actor(&t, ex, "role", "Transportista").await;
        let page = format!("/cartography/exercises/{ex}/network");
        let mut o = t.signed_in("observer").await;
        let r = o.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert!(r.body.contains("Transportista"));
        assert!(
            !r.body
                .contains(&format!("/cartography/exercises/{ex}/actors\""))
        );
        let before = t.count("cartography_actor").await;
        let r = o
            .post_form(
                &format!("/cartography/exercises/{ex}/actors"),
                &[("kind", "role"), ("label", "Empleador")],
            )
            .await;
        assert!(matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ));
        let r = o
            .post_form(&format!("/cartography/actors/{a}/remove"), &[])
            .await;
        assert!(matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ));
        assert_eq!(t.count("cartography_actor").await, before);
        // A reader of another country gets 404 for page, files and edits.
        let mut th = t.signed_in("official_th").await;
        for p in [
            page.clone(),
            format!("/cartography/exercises/{ex}/network.gexf"),
            format!("/cartography/exercises/{ex}/poster"),
            format!("/cartography/exercises/{ex}/poster.svg"),
        ] {
            assert_eq!(th.get(&p).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        let fac_th = t
            .actor(
                "mapper_th",
                atlas_domain::auth::Role::MappingFacilitator,
                "DLPW",
            )
            .await;
        let e = t
            .app
            .add_actor(
                By::User(&fac_th),
                ex,
                &ActorInput {
                    kind: "role".into(),
                    label: "Empleador".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.rule(), Some(&atlas_domain::Error::NotFound));
        let e = t.app.remove_actor(By::User(&fac_th), a).await.unwrap_err();
        assert_eq!(e.rule(), Some(&atlas_domain::Error::NotFound));
        assert_eq!(t.count("cartography_actor").await, before);
    }
}

#[tokio::test]
async fn centrality_names_the_key_connector_and_the_isolated_actor() {
    for t in TestApp::all_with_demo().await {
        // A bridge: triangle a-b-c, b-d, d-e; f alone. Betweenness: b 4 (a,c × d,e),
        // d 3 (a,b,c × e), others 0.
        let ex = exercise_in(&t, "17 de Noviembre", "Red").await;
        let ids: Vec<Uuid> = {
            let mut v = Vec::new();
            for l in ["Alfa", "Beta", "Gama", "Delta", "Épsilon", "Zeta"] {
                v.push(actor(&t, ex, "informal_group", l).await);
            }
            v
        };
        for (x, y) in [(0, 1), (1, 2), (2, 0), (1, 3), (3, 4)] {
            relate(&t, ex, ids[x], ids[y], "information", "1", "mutual").await;
        }
        let fac = t
            .actor(
                "mapping_facilitator",
                atlas_domain::auth::Role::MappingFacilitator,
                "COPRETI",
            )
            .await;
        let v = t.app.carto_network(&fac, ex).await.unwrap();
        let g = atlas_web::pages::carto_network::graph_of(&v);
        let by = |l: &str| g.nodes.iter().position(|n| n.label == l).unwrap();
        assert_eq!(g.centrality.betweenness[by("Beta")], 4.0);
        assert_eq!(g.centrality.betweenness[by("Delta")], 3.0);
        assert_eq!(g.centrality.betweenness[by("Alfa")], 0.0);
        assert_eq!(g.centrality.degree[by("Beta")], 3);
        assert_eq!(g.centrality.isolated(), vec![by("Zeta")]);
        let mut c = t.signed_in("mapping_facilitator").await;
        let page = c.get(&format!("/cartography/exercises/{ex}/network")).await;
        let key = &page.body[page.body.find("Key connectors").unwrap()..];
        let key = &key[..key.find("</ol>").unwrap()];
        assert!(
            key.find("Beta").unwrap() < key.find("Delta").unwrap(),
            "{key}"
        );
        assert!(!key.contains("Alfa"));
        let iso = &page.body[page.body.find("class=\"isolated\"").unwrap()..];
        assert!(iso[..iso.find("</ul>").unwrap()].contains("Zeta"));
    }
}

#[tokio::test]
async fn the_diagram_does_not_depend_on_the_order_of_entry() {
    for t in TestApp::all_with_demo().await {
        let one = exercise_in(&t, "17 de Noviembre", "Red").await;
        let two = exercise_in(&t, "17 de Noviembre", "Red").await;
        let labels = ["Escuela", "Comedor", "Reclutador <b>", "Parroquia"];
        let kinds = [
            "informal_group",
            "community_organisation",
            "role",
            "community_organisation",
        ];
        let mut a = Vec::new();
        for i in 0..4 {
            a.push(actor(&t, one, kinds[i], labels[i]).await);
        }
        let mut b = [Uuid::nil(); 4];
        for i in [3, 1, 0, 2] {
            b[i] = actor(&t, two, kinds[i], labels[i]).await;
        }
        let rels = [
            (0, 1, "cooperation", "3", "mutual"),
            (2, 1, "conflict", "2", "directed"),
            (3, 1, "funding", "1", "directed"),
        ];
        for (x, y, k, s, d) in rels {
            relate(&t, one, a[x], a[y], k, s, d).await;
        }
        for (x, y, k, s, d) in rels.iter().rev() {
            relate(&t, two, b[*x], b[*y], k, s, d).await;
        }
        let mut c = t.signed_in("observer").await;
        let p1 = c
            .get(&format!("/cartography/exercises/{one}/network"))
            .await;
        let p2 = c
            .get(&format!("/cartography/exercises/{two}/network"))
            .await;
        let (s1, s2) = (network_svg(&p1.body), network_svg(&p2.body));
        assert_eq!(s1, s2, "{}", t.name());
        // A small snapshot: escaped labels, one path per edge style, an arrow only on
        // directed relationships, four nodes.
        assert!(s1.contains(">Reclutador &lt;b&gt;</text>"));
        assert!(!s1.contains("<b>"));
        assert_eq!(s1.matches("</title></circle>").count(), 4);
        assert!(s1.contains("<path class=\"r-conflict\" d=\"M"));
        assert!(s1.contains("stroke=\"#d62728\" stroke-width=\"2.5\" stroke-dasharray=\"6 3\" marker-end=\"url(#n-a-conflict)\"/>"));
        assert!(
            s1.contains("stroke=\"#2ca02c\" stroke-width=\"3.5\"/>"),
            "{s1}"
        );
    }
}

#[tokio::test]
async fn the_gexf_export_parses_back_as_gexf_1_3() {
    use quick_xml::events::Event;
    for t in TestApp::all_with_demo().await {
        let ex = exercise_in(&t, "17 de Noviembre", "Red").await;
        let a = actor(&t, ex, "role", "Reclutador & co").await;
        let b = actor(&t, ex, "community_organisation", "Comedor").await;
        let c_ = actor(&t, ex, "informal_group", "Hornos").await;
        relate(&t, ex, a, b, "conflict", "3", "directed").await;
        relate(&t, ex, b, c_, "cooperation", "1", "mutual").await;
        let mut c = t.signed_in("observer").await;
        let r = c
            .get(&format!("/cartography/exercises/{ex}/network.gexf"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name());
        assert_eq!(r.header("content-type"), Some("application/gexf+xml"));
        let mut reader = quick_xml::NsReader::from_str(&r.body);
        let (mut root, mut nodes, mut edges) = (None, Vec::new(), Vec::new());
        loop {
            match reader.read_resolved_event().unwrap() {
                (ns, Event::Start(e) | Event::Empty(e)) => {
                    let name = e.local_name().into_inner().to_owned();
                    let ns = match ns {
                        quick_xml::name::ResolveResult::Bound(n) => n.0.to_owned(),
                        _ => String::new(),
                    };
                    let attr = |k: &str| {
                        e.attributes()
                            .map(|x| x.unwrap())
                            .find(|x| x.key.into_inner() == k)
                            .map(|x| {
                                x.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned()
                            })
                    };
                    if root.is_none() {
                        root = Some((name.clone(), ns.clone(), attr("version")));
                    }
                    if ns == "http://gexf.net/1.3" && name == "node" {
                        nodes.push((attr("id").unwrap(), attr("label").unwrap()));
                    }
                    if ns == "http://gexf.net/1.3" && name == "edge" {
                        edges.push((
                            attr("source").unwrap(),
                            attr("target").unwrap(),
                            attr("weight").unwrap(),
                            attr("type").unwrap(),
                        ));
                    }
                }
                (_, Event::Eof) => break,
                _ => {}
            }
        }
        assert_eq!(
            root,
            Some((
                "gexf".into(),
                "http://gexf.net/1.3".into(),
                Some("1.3".into())
            ))
        );
        assert_eq!(nodes.len(), 3);
        assert!(nodes.contains(&(a.to_string(), "Reclutador & co".into())));
        assert_eq!(edges.len(), 2);
        assert!(edges.contains(&(a.to_string(), b.to_string(), "3".into(), "directed".into())));
        assert!(edges.contains(&(
            b.to_string(),
            c_.to_string(),
            "1".into(),
            "undirected".into()
        )));
        assert!(
            r.body
                .contains("<attvalue for=\"betweenness\" value=\"1\"/>")
        );
        let audit = t.audit("cartography.export").await;
        assert!(
            audit
                .iter()
                .any(|e| e.summary == "format=gexf actors=3 relationships=2")
        );
    }
}

async fn point(t: &TestApp, ex: Uuid, cat: &str, lon: f64, lat: f64, sens: &str) {
    t.app
        .add_point(
            By::Operator,
            ex,
            &PointInput {
                category: cat.into(),
                lon: lon.to_string(),
                lat: lat.to_string(),
                description: String::new(),
                sensitivity: sens.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

fn uses<'a>(svg: &'a str, code: &str) -> Vec<&'a str> {
    let needle = format!("<use href=\"#p-{code}\" x=");
    svg.match_indices(&needle)
        .map(|(i, _)| &svg[i..i + svg[i..].find("/>").unwrap()])
        .collect()
}

#[tokio::test]
async fn the_poster_keeps_the_map_rules_and_switches_layers() {
    for t in TestApp::all_with_demo().await {
        let demo = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
            .unwrap()
            .exercise_id;
        let mut o = t.signed_in("observer").await;
        let mut f = t.signed_in("mapping_facilitator").await;
        let path = format!("/cartography/exercises/{demo}/poster.svg");
        let obs = o.get(&path).await;
        assert_eq!(obs.status, StatusCode::OK, "{}", t.name());
        assert_eq!(obs.header("content-type"), Some("image/svg+xml"));
        assert!(
            obs.body
                .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"poster a3\"")
        );
        assert!(obs.body.contains("width=\"420mm\""));
        // The restricted brick kiln is the only one: absent for the observer.
        assert!(uses(&obs.body, "brick_kiln").is_empty());
        assert!(!obs.body.contains("i-brick_kiln"));
        let fac = f.get(&path).await;
        assert!(!uses(&fac.body, "brick_kiln").is_empty());
        // The HTML page the same, with the paper's class for the print stylesheet.
        let page = o
            .get(&format!("/cartography/exercises/{demo}/poster?paper=a4"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("class=\"poster-sheet paper-a4\""));
        assert!(page.body.contains("width=\"297mm\""));
        assert!(!page.body.contains("i-brick_kiln"));
        assert!(
            page.body
                .contains("name=\"layer\" value=\"social\" checked")
        );

        // Layers: only the chosen dimensions are drawn.
        let social = o
            .get(&format!("{path}?layer=social&layer=cultural"))
            .await
            .body;
        assert!(social.contains("class=\"layer d-social\""));
        assert!(social.contains("class=\"layer d-cultural\""));
        assert!(!social.contains("d-economic") && !social.contains("d-geographic"));
        assert!(!uses(&social, "school").is_empty());
        assert!(uses(&social, "market").is_empty(), "economic hidden");
        let none = o.get(&format!("{path}?layer=none")).await.body;
        assert!(!none.contains("class=\"layer "));
        let page = o
            .get(&format!(
                "/cartography/exercises/{demo}/poster?layer=none&layer=economic"
            ))
            .await;
        assert!(
            page.body
                .contains("name=\"layer\" value=\"economic\" checked")
        );
        assert!(
            !page
                .body
                .contains("name=\"layer\" value=\"social\" checked")
        );

        // A generalised point is drawn only where its snapped position is.
        let p = Pos {
            lon: -58.4231,
            lat: -34.7287,
        };
        let q = snap(p, DEFAULT_GRID_DEGREES);
        let generalised = exercise_in(&t, "17 de Noviembre", "G").await;
        point(&t, generalised, "market", p.lon, p.lat, "generalised").await;
        let snapped = exercise_in(&t, "17 de Noviembre", "G").await;
        point(&t, snapped, "market", q.lon, q.lat, "public").await;
        let exact = exercise_in(&t, "17 de Noviembre", "G").await;
        point(&t, exact, "market", p.lon, p.lat, "public").await;
        let svg = |id: Uuid| format!("/cartography/exercises/{id}/poster.svg");
        let g = f.get(&svg(generalised)).await.body;
        let s = f.get(&svg(snapped)).await.body;
        let e = f.get(&svg(exact)).await.body;
        assert_eq!(uses(&g, "market"), uses(&s, "market"));
        assert_ne!(uses(&g, "market"), uses(&e, "market"));
        let g = o.get(&svg(generalised)).await.body;
        assert_eq!(uses(&g, "market"), uses(&s, "market"));
    }
}

#[tokio::test]
async fn the_demo_network_of_17_de_noviembre_has_its_connectors_a_conflict_and_an_isolated_actor() {
    for t in TestApp::all_with_demo().await {
        let demo = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
            .unwrap()
            .exercise_id;
        let v = atlas_core::store::carto_network::list_actors(&t.app.db, demo)
            .await
            .unwrap();
        assert_eq!(v.len(), 13, "{}", t.name());
        assert!(
            v.iter()
                .any(|a| a.label == "Reclutador" && a.kind == "role")
        );
        assert!(
            v.iter()
                .any(|a| a.label == "Municipalidad de Lomas de Zamora" && a.kind == "institution")
        );
        let r = atlas_core::store::carto_network::list_relationships(&t.app.db, demo)
            .await
            .unwrap();
        assert_eq!(r.len(), 16);
        assert!(r.iter().any(|x| x.kind == "conflict"));
        let mut o = t.signed_in("observer").await;
        let page = o
            .get(&format!("/cartography/exercises/{demo}/network"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let iso = &page.body[page.body.find("class=\"isolated\"").unwrap()..];
        assert!(iso[..iso.find("</ul>").unwrap()].contains("Puesteros de la feria"));
        let key = &page.body[page.body.find("Key connectors").unwrap()..];
        assert!(key[..key.find("</ol>").unwrap()].contains("Comisión Provincial"));
        let poster = o
            .get(&format!("/cartography/exercises/{demo}/poster.svg"))
            .await;
        assert!(poster.body.contains("Puesteros de la feria"));
    }
}

fn gz_size(body: &str) -> usize {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    gz.finish().unwrap().len()
}

#[tokio::test]
async fn network_and_poster_pages_render_in_three_languages_with_csrf_and_within_budget() {
    for t in TestApp::all_with_demo().await {
        let id = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
            .unwrap()
            .exercise_id;
        let mut c = t.signed_in("mapping_facilitator").await;
        let pages = [
            format!("/cartography/exercises/{id}/network"),
            format!("/cartography/exercises/{id}/poster"),
            format!("/cartography/exercises/{id}/poster?paper=a4&layer=social"),
        ];
        for lang in ["en", "es", "th"] {
            c.get(&format!("/lang/{lang}")).await;
            for p in &pages {
                let r = c.get(p).await;
                assert_eq!(r.status, StatusCode::OK, "{} {lang} {p}", t.name());
                assert!(
                    !r.body.contains("Unknown localization key"),
                    "{lang} {p} lacks a translation: {}",
                    &r.body[r.body.find("Unknown localization key").unwrap_or(0)..]
                        [..80.min(r.body.len())]
                );
                for form in r.body.split("<form").skip(1) {
                    let head = &form[..form.find('>').unwrap()];
                    if head.contains("method=\"post\"") {
                        assert!(
                            form.contains("name=\"csrf\""),
                            "{p}: POST form without CSRF"
                        );
                    }
                }
                let size = gz_size(&r.body);
                assert!(size <= 14 * 1024, "{lang} {p} is {size} bytes compressed");
            }
        }
        // The exercise page links to both.
        let r = c.get(&format!("/cartography/exercises/{id}")).await;
        assert!(
            r.body
                .contains(&format!("href=\"/cartography/exercises/{id}/network\""))
        );
        assert!(
            r.body
                .contains(&format!("href=\"/cartography/exercises/{id}/poster\""))
        );
    }
}

#[tokio::test]
async fn the_poster_draws_an_exercises_own_category_with_its_icon_and_label() {
    use atlas_core::cartography::ImportFormat;
    use atlas_domain::cartography::CategoryInput;
    for t in TestApp::all_with_demo().await {
        let demo = atlas_core::store::cartography::list_exercises(&t.app.db, Some("AR"))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.name == "Mapeo participativo 17 de Noviembre")
            .unwrap()
            .exercise_id;
        t.app
            .create_category(
                By::Operator,
                demo,
                &CategoryInput {
                    code: "cart_route".into(),
                    kind: "line".into(),
                    dimension: "economic".into(),
                    colour: "#aa3300".into(),
                    label_en: "Cart route".into(),
                    label_es: "Ruta de carreros".into(),
                    label_th: "เส้นทางรถเข็น".into(),
                    icon: "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><path d=\"M1 9L9 1\" stroke=\"#fff\"/></svg>".into(),
                },
            )
            .await
            .unwrap();
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"cart_route"},"geometry":{"type":"LineString","coordinates":[[-58.424,-34.729],[-58.421,-34.727]]}}]}"#;
        t.app
            .import_features(By::Operator, demo, ImportFormat::GeoJson, line)
            .await
            .unwrap();
        let mut o = t.signed_in("observer").await;
        o.get("/lang/es").await;
        let svg = o
            .get(&format!("/cartography/exercises/{demo}/poster.svg"))
            .await;
        assert_eq!(svg.status, StatusCode::OK, "{}", t.name());
        let sym = &svg.body[svg
            .body
            .find("<symbol id=\"i-cart_route\"")
            .expect("own symbol")..];
        let sym = &sym[..sym.find("</symbol>").unwrap()];
        assert!(sym.contains("#aa3300"), "its colour: {sym}");
        assert!(sym.contains("M1 9L9 1"), "its own icon: {sym}");
        assert!(
            svg.body.contains(">Ruta de carreros</text>"),
            "legend label"
        );
    }
}
