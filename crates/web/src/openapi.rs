//! The OpenAPI 3.1 document, generated from the handlers and types, served at
//! `/api/v1/openapi.json`. No Swagger UI is bundled (it would need a download at build time).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "xinfang API", version = "1", description = "信访工作一站式系统 JSON API. Errors are {\"error\": {\"code\", \"message\"}}; messages in Chinese unless Accept-Language prefers English."),
    paths(
        api::auth::login, api::auth::logout, api::auth::me,
        api::cases::register, api::cases::repeats, api::cases::get, api::cases::list, api::cases::act, api::cases::reveal, api::cases::attachments, api::cases::upload, api::cases::attachment,
        api::triage::suggest,
        api::documents::list, api::documents::get, api::documents::get_docx,
        api::meta::units, api::meta::categories, api::meta::calendar, api::meta::outbox, api::meta::warnings, api::meta::healthz, api::meta::readyz,
        api::stats::stats,
        crate::open311::discovery, crate::open311::services, crate::open311::service_definition, crate::open311::post_request,
        crate::open311::requests, crate::open311::service_request, crate::open311::token, crate::open311::updates,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
