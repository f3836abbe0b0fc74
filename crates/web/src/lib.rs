//! xinfang-web: the HTTP layer. Handlers parse input, call one store operation, and render JSON.
//! No business rule and no SQL lives here.

pub mod api;
pub mod attachments;
pub mod documents;
pub mod error;
pub mod extract;
pub mod open311;
pub mod openapi;
pub mod portal;
pub mod ui;

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use xinfang_store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see [`portal::ClientAddr`]).
    pub trusted_proxies: std::sync::Arc<Vec<std::net::IpAddr>>,
}

/// How the HTTP layer is set up beyond the store.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Addresses of the reverse proxies in front of xinfang. Requests from them are counted
    /// against the client their `X-Forwarded-For` names (the portal's limits are per address);
    /// from anywhere else the header is ignored, so it cannot be forged.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy of every answer: our own scripts, styles and connections only, no
/// inline script, no framing (the pages carry personal data).
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The whole application: API, health checks, and a JSON 404 for everything else.
pub fn app(store: Store) -> Router {
    app_with(store, WebOptions::default())
}

/// [`app`] with options.
pub fn app_with(store: Store, options: WebOptions) -> Router {
    let state = AppState { store, trusted_proxies: std::sync::Arc::new(options.trusted_proxies) };
    Router::new()
        .merge(api::routes())
        .merge(open311::routes())
        .merge(ui::routes())
        .merge(portal::routes())
        .fallback(error::not_found_fallback)
        .with_state(state)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
}

pub use axum::Router;

/// Serve the application until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address reaches the handlers (the portal's limits count per address).
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
