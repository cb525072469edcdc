//! The HTTP surface: Leptos pages and server functions, the forms that work without JavaScript,
//! plain routes (health), and the layers every request passes through.
//!
//! Order, outermost first: request id → metrics → tracing (paths only) → compression → security headers → JSON envelope
//! for `/api` errors → body limit → the whole body within its deadline (`body`) → client address → same-origin guard and JSON-only
//! API → sessions → routes. Server functions are mounted by `leptos_routes_with_context`
//! with the backend `Ports` in their context. Connections are accepted by `serve`.

mod body;
mod client;
pub mod download;
mod envelope;
mod forms;
mod guard;
mod headers;
mod health;
pub mod serve;

use crate::db::Db;
use crate::telemetry::request_id::RequestId;
use app::error::AppError;
use app::ports::Ports;
use axum::extract::{FromRef, Request};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub use client::client_address;
pub use guard::{parse_origin, Origin};
pub use headers::CspNonce;

/// The most a request body may be.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How the HTTP surface behaves, derived from the configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `https://panel.example.com`: scheme, host and port.
    pub public_origin: url::Origin,
    /// No public URL is configured and the panel listens on loopback: requests may name any
    /// loopback origin (see `guard`).
    pub local: bool,
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}

impl HttpSettings {
    /// The device cookie (`auth::device`), `__Host-` on https like the session's.
    pub fn device_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-zenith_device"
        } else {
            "zenith_device"
        }
    }

    pub fn cookie_name(&self) -> &'static str {
        // `__Host-` pins the cookie to this exact host, https and path `/`: no sibling domain can set it.
        if self.secure_cookies {
            "__Host-zenith_session"
        } else {
            "zenith_session"
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub ports: Ports,
    /// For what is not a server function: the audit log export.
    pub support: Arc<crate::support::Support>,
    /// The billing exports.
    pub billing: Arc<crate::billing::Billing>,
    pub draining: serve::Draining,
    pub scrape: crate::telemetry::metrics::Scrape,
}

/// The whole application router.
pub fn router(state: AppState, settings: Arc<HttpSettings>) -> Router {
    let routes = leptos_axum::generate_route_list(app::App);
    let ports = state.ports.clone();
    let context = move || {
        provide_context(ports.clone());
        headers::provide_request_nonce();
    };
    let shell = {
        let opts = state.leptos_options.clone();
        move || app::shell(opts.clone())
    };
    let sessions = SessionManagerLayer::new(state.db.sessions.clone())
        .with_name(settings.cookie_name())
        .with_secure(settings.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::seconds(settings.session_idle.as_secs() as i64)));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::telemetry::metrics::scrape))
        .route("/login", post(forms::login))
        .route("/login/2fa", post(forms::login_two_factor))
        .route("/signup", post(forms::signup))
        .route("/console/relay", get(crate::instances::relay::handler))
        .route("/forgot", post(forms::forgot))
        .route("/reset", post(forms::reset))
        .route("/verify", post(forms::verify))
        .route("/support/audit.csv", get(crate::support::export::csv))
        .route("/billing/export.csv", get(crate::billing::export::customer_csv))
        .route("/support/billing/export.csv", get(crate::billing::export::finance_csv))
        .route("/api/{*rest}", any(unknown_api))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(sessions)
        .layer(middleware::from_fn_with_state(settings.clone(), guard::same_origin_json_only))
        .layer(middleware::from_fn_with_state(settings.clone(), client::client_info))
        .layer(middleware::from_fn_with_state(settings.body_timeout, body::within))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(BODY_LIMIT, envelope::api_envelope))
        .layer(middleware::from_fn_with_state(settings.clone(), headers::security_headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: no query strings, no headers (cookies) in logs.
            let id = req.extensions().get::<RequestId>().map(|r| r.0.as_str()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(middleware::from_fn(crate::telemetry::metrics::count_requests))
        .layer(middleware::from_fn(crate::telemetry::request_id::assign))
        .with_state(state)
}

async fn unknown_api() -> Response {
    AppError::NotFound.into_response()
}

async fn method_not_allowed() -> Response {
    AppError::MethodNotAllowed.into_response()
}
