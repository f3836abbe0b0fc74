//! `/api/v1`: the versioned JSON API, plus `/healthz` and `/readyz`.

pub mod auth;
pub mod cases;
pub mod documents;
pub mod meta;
pub mod stats;
pub mod triage;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(meta::healthz))
        .route("/readyz", get(meta::readyz))
        .route("/api/v1/openapi.json", get(crate::openapi::serve))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/cases", post(cases::register).get(cases::list))
        .route("/api/v1/cases/repeats", post(cases::repeats))
        .route("/api/v1/cases/{id}", get(cases::get))
        .route("/api/v1/cases/{id}/actions", post(cases::act))
        .route("/api/v1/cases/{id}/petitioners/{pid}/reveal", post(cases::reveal))
        .route(
            "/api/v1/cases/{id}/attachments",
            get(cases::attachments)
                .post(cases::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::attachments::UPLOAD_BODY_LIMIT)),
        )
        .route("/api/v1/cases/{id}/attachments/{aid}", get(cases::attachment))
        .route("/api/v1/cases/{id}/documents", get(documents::list))
        .route("/api/v1/cases/{id}/documents/{doc}", get(documents::get))
        .route("/api/v1/units", get(meta::units))
        .route("/api/v1/categories", get(meta::categories))
        .route("/api/v1/calendar", get(meta::calendar))
        .route("/api/v1/outbox", get(meta::outbox))
        .route("/api/v1/triage", post(triage::suggest))
        .route("/api/v1/warnings", get(meta::warnings))
        .route("/api/v1/stats", get(stats::stats))
}
