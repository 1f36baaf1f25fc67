//! The home page: who you are and your work.

use super::{Shell, render};
use crate::AppState;
use crate::error::AppError;
use crate::extract::UserCtx;
use askama::Template;
use atlas_domain::auth::{Action, can};
use axum::extract::State;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    s: Shell,
    name: String,
    role: String,
    institution: String,
    country: String,
    totp_enrolled: bool,
    accounts: i64,
    /// (ISO time, shown time, action)
    recent: Vec<(String, String, String)>,
    /// Referrals to the user's institution: overdue first, then awaiting its action.
    awaiting: Vec<super::cases::AwaitLine>,
    link: bool,
}

/// GET /
pub async fn home(State(state): State<AppState>, u: UserCtx) -> Response {
    let actor = u.actor().clone();
    let recent = match state.app.my_activity(&actor, 8).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    let accounts = if can(&actor, Action::ManageUsers) {
        match state.app.totals(&actor).await {
            Ok(t) => t.0,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        0
    };
    let s = Shell::new(&u.ctx, "home-title");
    let recent = recent
        .into_iter()
        .map(|e| {
            let label = s.code("audit-action", &e.action.replace('.', "-"));
            (
                e.occurred_at.to_string(),
                format!(
                    "{} {:02}:{:02}",
                    e.occurred_at.date(),
                    e.occurred_at.hour(),
                    e.occurred_at.minute()
                ),
                label,
            )
        })
        .collect();
    let awaiting = super::cases::home_block(&state, &actor, &s).await;
    render(&HomePage {
        awaiting,
        link: true,
        name: u.session.display_name.clone(),
        role: s.code("role", actor.role.as_str()),
        institution: u.session.institution_acronym.clone(),
        country: actor.country.as_str().to_owned(),
        totp_enrolled: u.session.totp_enrolled,
        accounts,
        recent,
        s,
    })
}
