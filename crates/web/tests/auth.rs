//! Sign-in, sessions, TOTP, lockout, tokens and account administration, through the real
//! router on every configured database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atlas_domain::clock::Clock;
use atlas_testkit::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_user_without_totp_role_signs_in_and_out_and_both_are_audited() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        let r = c.sign_in("observer", PASSWORD, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.name());
        assert_eq!(r.location(), Some("/"));
        let cookie = r.header("set-cookie").unwrap_or_default().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "session cookie flags: {cookie}"
        );
        let home = c.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("Donor Observer"));
        let out = c.post_form("/logout", &[]).await;
        assert_eq!(out.location(), Some("/login"));
        let after = c.get("/").await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "signed-out session must not reach the home page"
        );
        assert!(after.location().unwrap().starts_with("/login"));
        let actions: Vec<String> = t
            .audit("auth.log")
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            actions.contains(&"auth.login".to_string())
                && actions.contains(&"auth.logout".to_string()),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn wrong_password_is_refused_without_saying_which_part_was_wrong() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        let r = c.sign_in("observer", "not the password at all", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong username or password"));
        assert!(
            r.body.contains("value=\"observer\""),
            "the username is kept in the form"
        );
        let r = c
            .sign_in("nobody-here", "not the password at all", None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong username or password"));
        assert_eq!(t.audit("auth.login_failed").await.len(), 2);
    }
}

#[tokio::test]
async fn five_failures_within_fifteen_minutes_lock_the_account_and_are_audited() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        for _ in 0..4 {
            assert_eq!(
                c.sign_in("observer", "wrong password 123", None)
                    .await
                    .status,
                StatusCode::UNAUTHORIZED
            );
        }
        let fifth = c.sign_in("observer", "wrong password 123", None).await;
        assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS, "{}", t.name());
        assert_eq!(t.audit("auth.lockout").await.len(), 1);
        // Even the right password is refused while locked.
        let right = c.sign_in("observer", PASSWORD, None).await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
        t.clock.advance(time::Duration::minutes(16));
        assert_eq!(
            c.sign_in("observer", PASSWORD, None).await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn failures_spread_beyond_the_window_do_not_lock() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        for _ in 0..4 {
            c.sign_in("observer", "wrong password 123", None).await;
        }
        t.clock.advance(time::Duration::minutes(20));
        assert_eq!(
            c.sign_in("observer", "wrong password 123", None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            c.sign_in("observer", PASSWORD, None).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(t.audit("auth.lockout").await.is_empty());
    }
}

#[tokio::test]
async fn a_caseworker_needs_a_valid_unreplayed_totp_code() {
    for t in TestApp::all_with_demo().await {
        let secret = t.accounts["caseworker"].totp_secret.clone().unwrap();
        let mut c = t.client();
        let r = c
            .post_form(
                "/login",
                &[("username", "caseworker"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.location(), Some("/login/totp"));
        // The half-signed-in session reaches no page.
        assert_eq!(c.get("/directory").await.location(), Some("/login/totp"));
        let bad = c.post_form("/login/totp", &[("totp", "000000")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let code = atlas_core::auth::totp_code(&secret, t.clock.now()).unwrap();
        let ok = c.post_form("/login/totp", &[("totp", &code)]).await;
        assert_eq!(ok.location(), Some("/"), "{}", ok.body);
        assert_eq!(c.get("/").await.status, StatusCode::OK);
        // The same code cannot be used again by another sign-in.
        let mut c2 = t.client();
        c2.post_form(
            "/login",
            &[("username", "caseworker"), ("password", PASSWORD)],
        )
        .await;
        let replay = c2.post_form("/login/totp", &[("totp", &code)]).await;
        assert_eq!(
            replay.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "replayed code accepted on {}",
            t.name()
        );
    }
}

#[tokio::test]
async fn a_role_that_requires_totp_must_enrol_before_anything_else() {
    for t in TestApp::all_with_demo().await {
        let inst = t.institution_id("PRV").await;
        t.app
            .create_account(
                atlas_core::By::Operator,
                &atlas_domain::auth::AccountInput {
                    username: "new.caseworker".into(),
                    display_name: "New Caseworker".into(),
                    role: "caseworker".into(),
                    institution_id: inst.to_string(),
                    password: PASSWORD.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut c = t.client();
        let r = c
            .post_form(
                "/login",
                &[("username", "new.caseworker"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.location(), Some("/account/totp"));
        assert_eq!(c.get("/").await.location(), Some("/account/totp"));
        let page = c.get("/account/totp").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<svg"), "QR code shown");
        let secret = page
            .body
            .split("class=\"secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned();
        let code = atlas_core::auth::totp_code(&secret, t.clock.now()).unwrap();
        let stored = t
            .text("select totp_pending_secret from account where username = 'new.caseworker'")
            .await
            .unwrap();
        assert!(
            stored.starts_with("v1:") && !stored.contains(&secret),
            "the pending secret is encrypted at rest"
        );
        let done = c.post_form("/account/totp", &[("totp", &code)]).await;
        assert_eq!(done.location(), Some("/"));
        assert_eq!(c.get("/").await.status, StatusCode::OK);
        assert_eq!(
            t.audit("auth.totp_enrolled")
                .await
                .iter()
                .filter(|e| e.summary.is_empty())
                .count(),
            1
        );
        let stored = t
            .text("select totp_secret from account where username = 'new.caseworker'")
            .await
            .unwrap();
        assert!(
            stored.starts_with("v1:") && !stored.contains(&secret),
            "the secret is encrypted at rest"
        );
        // A sealed secret copied onto another account does not open there.
        t.raw(&format!(
            "update account set totp_secret = '{stored}' where username = 'justice'"
        ))
        .await;
        t.clock.advance(time::Duration::seconds(30));
        let mut other = t.client();
        other
            .post_form("/login", &[("username", "justice"), ("password", PASSWORD)])
            .await;
        let code = atlas_core::auth::totp_code(&secret, t.clock.now()).unwrap();
        let r = other.post_form("/login/totp", &[("totp", &code)]).await;
        assert_eq!(
            r.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "moved ciphertext is refused"
        );
        assert_eq!(
            other.get("/").await.status,
            StatusCode::SEE_OTHER,
            "no session from it"
        );
    }
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.signed_in("program_staff").await;
        t.clock.advance(time::Duration::minutes(20));
        assert_eq!(c.get("/").await.status, StatusCode::OK);
        t.clock.advance(time::Duration::minutes(31));
        assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tokens_at_once() {
    for t in TestApp::all_with_demo().await {
        let mut victim = t.signed_in("program_staff").await;
        let token = t.token("program_staff").await;
        let mut admin = t.signed_in("admin").await;
        let id = t.account_id("program_staff").await;
        let r = admin
            .post_form(&format!("/admin/users/{id}/disable"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            victim.get("/").await.status,
            StatusCode::SEE_OTHER,
            "session survived disable on {}",
            t.name()
        );
        let mut api = t.client();
        api.bearer = Some(token);
        assert_eq!(
            api.json(Method::GET, "/api/v1/me", None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            victim.sign_in("program_staff", PASSWORD, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        let ev = t.audit("auth.account.disable").await;
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].actor_username, "admin");
        assert!(ev[0].summary.contains("sessions_ended=1"));
    }
}

#[tokio::test]
async fn api_tokens_are_issued_used_and_revoked() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        let r = c
            .json(
                Method::POST,
                "/api/v1/auth/token",
                Some(json!({"username": "observer", "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let body = r.json();
        let token = body["token"].as_str().unwrap().to_owned();
        assert!(body["expires_at"].as_str().unwrap().starts_with("2026-04"));
        c.bearer = Some(token.clone());
        let me = c.json(Method::GET, "/api/v1/me", None).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["username"], "observer");
        assert_eq!(
            c.json(Method::DELETE, "/api/v1/auth/token", None)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let after = c.json(Method::GET, "/api/v1/me", None).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            after.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            after
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
        // Tokens are stored hashed: the secret is nowhere in the database.
        let stored = t.db_contains(&token).await;
        assert!(!stored, "raw token stored on {}", t.name());
    }
}

#[tokio::test]
async fn token_requests_for_totp_roles_need_the_code() {
    for t in TestApp::all_with_demo().await {
        let mut c = t.client();
        let r = c
            .json(
                Method::POST,
                "/api/v1/auth/token",
                Some(json!({"username": "admin", "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["pointer"], "#/totp");
        let bad = c
            .json(
                Method::POST,
                "/api/v1/auth/token",
                Some(json!({"username": "admin", "password": "wrong wrong wrong"})),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        let token = t.token("admin").await;
        assert!(token.starts_with("atl_"));
        let garbage = c
            .send(
                Method::POST,
                "/api/v1/auth/token",
                Some("application/json"),
                b"{not json".to_vec(),
            )
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert!(
            garbage.json()["detail"]
                .as_str()
                .unwrap()
                .contains("line 1")
        );
    }
}

#[tokio::test]
async fn users_change_their_own_password_and_other_sessions_end() {
    for t in TestApp::all_with_demo().await {
        let mut a = t.signed_in("facilitator").await;
        let mut b = t.signed_in("facilitator").await;
        let weak = a
            .post_form(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "short"),
                    ("confirm_password", "short"),
                ],
            )
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("at least 12 characters"));
        let new = "a much longer passphrase";
        let ok = a
            .post_form(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(ok.location(), Some("/account?notice=password-changed"));
        assert_eq!(a.get("/").await.status, StatusCode::OK, "own session stays");
        assert_eq!(
            b.get("/").await.status,
            StatusCode::SEE_OTHER,
            "other session ends"
        );
        assert_eq!(
            t.client().sign_in("facilitator", new, None).await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn admins_create_users_with_field_errors_for_bad_input() {
    for t in TestApp::all_with_demo().await {
        let mut admin = t.signed_in("admin").await;
        let inst = t.institution_id("DOVIC").await.to_string();
        let bad = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "A B"),
                    ("display_name", ""),
                    ("role", "king"),
                    ("institution_id", &inst),
                    ("password", "x"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for msg in [
            "lower-case letters",
            "This field is required",
            "Choose one of the listed options",
            "at least 12",
        ] {
            assert!(bad.body.contains(msg), "missing `{msg}`");
        }
        let dup = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "observer"),
                    ("display_name", "X"),
                    ("role", "observer"),
                    ("institution_id", &inst),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert!(dup.body.contains("This username is taken"));
        let before = t.audit("auth.account.create").await.len();
        let ok = admin
            .post_form(
                "/admin/users",
                &[
                    ("username", "dovic.analyst"),
                    ("display_name", "Analyst"),
                    ("role", "caseworker"),
                    ("institution_id", &inst),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(t.audit("auth.account.create").await.len(), before + 1);
    }
}

#[tokio::test]
async fn only_admins_reach_user_administration() {
    for t in TestApp::all_with_demo().await {
        for who in ["program_staff", "observer", "municipal_official"] {
            let mut c = t.signed_in(who).await;
            assert_eq!(
                c.get("/admin/users").await.status,
                StatusCode::FORBIDDEN,
                "{who}"
            );
            assert_eq!(
                c.get("/admin/audit").await.status,
                StatusCode::FORBIDDEN,
                "{who}"
            );
            let id = t.account_id("observer").await;
            let r = c
                .post_form(&format!("/admin/users/{id}/disable"), &[])
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{who} must not learn the account exists"
            );
        }
        assert!(t.audit("auth.account.disable").await.is_empty());
    }
}
