//! The HTTP surface: Leptos pages and server functions, plain routes (health), and the layers every
//! request passes through.
//!
//! Order, outermost first: tracing (with cookies redacted) → client address → security headers →
//! same-origin guard and JSON-only API → sessions → routes. Server functions are mounted by
//! `leptos_routes_with_context` with the backend `Ports` in their context.

mod guard;
mod headers;
mod health;

use crate::db::Db;
use app::error::AppError;
use app::ports::{ClientInfo, Ports};
use axum::extract::{ConnectInfo, FromRef, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub use guard::Origin;
pub use headers::CspNonce;

/// How the HTTP surface behaves, derived from the configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `https://panel.example.com` (no trailing slash).
    pub public_origin: String,
    pub secure_cookies: bool,
    pub session_idle: std::time::Duration,
    pub trusted_proxies: Vec<IpAddr>,
}

impl HttpSettings {
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
    #[from_ref(skip)]
    pub ports: Ports,
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
        .route("/api/{*rest}", any(unknown_api))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(sessions)
        .layer(middleware::from_fn_with_state(settings.clone(), guard::same_origin_json_only))
        .layer(middleware::from_fn_with_state(settings.clone(), headers::security_headers))
        .layer(middleware::from_fn_with_state(settings, client_info))
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: no query strings, no headers (cookies) in logs.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

async fn unknown_api() -> Response {
    AppError::NotFound.into_response()
}

async fn method_not_allowed() -> Response {
    let mut r = AppError::BadRequest("this endpoint only accepts POST with a JSON body".into()).into_response();
    *r.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    r
}

/// Who is asking: the peer address, or the client a trusted proxy names in X-Forwarded-For.
async fn client_info(axum::extract::State(settings): axum::extract::State<Arc<HttpSettings>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').map(str::trim).find_map(|s| s.parse::<IpAddr>().ok()));
    let ip = match (peer, forwarded) {
        (Some(p), Some(f)) if settings.trusted_proxies.contains(&p) => Some(f),
        (p, _) => p,
    };
    let user_agent = req.headers().get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(300).collect());
    req.extensions_mut().insert(ClientInfo { ip, user_agent });
    next.run(req).await
}
