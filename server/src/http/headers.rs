//! Security headers on every response, and a fresh CSP nonce per request for Leptos' inline scripts.
//!
//! HTML gets a Content-Security-Policy without `unsafe-inline` for scripts: only scripts carrying
//! this response's nonce run (`'strict-dynamic'` lets the hydration script load the app), and
//! `'wasm-unsafe-eval'` lets the browser compile the app's WebAssembly. Framing is refused.
//! Authenticated content is never cached.

use super::HttpSettings;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use std::sync::Arc;

/// The nonce of the current request (request extension).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Makes Leptos stamp this request's nonce on the scripts it renders.
pub fn provide_request_nonce() {
    if let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() {
        if let Some(n) = parts.extensions.get::<CspNonce>() {
            leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(n.0.clone()));
        }
    }
}

/// The policy, with `connect_to` (an origin a page asked for: the console's proxy) added to the
/// sources it may connect to.
pub fn csp(nonce: &str, connect_to: Option<&str>) -> String {
    let extra = connect_to.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'{extra}; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The origin a page asked to connect to (`app::pages::console::CONNECT_SRC_HEADER`), taken out of
/// the response; only a `ws:`/`wss:` origin is kept.
fn take_connect_src(h: &mut axum::http::HeaderMap) -> Option<String> {
    let asked = h.remove(app::pages::console::CONNECT_SRC_HEADER)?;
    let asked = asked.to_str().ok()?;
    app::model::instance::websocket_origin(asked).filter(|o| o == asked)
}

pub async fn security_headers(State(settings): State<Arc<HttpSettings>>, mut req: Request, next: Next) -> Response {
    let mut bytes = [0u8; 18];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = req.uri().path();
    let is_static = ["/pkg/", "/assets/", "/novnc/"].iter().any(|p| path.starts_with(p)) || path == "/favicon.ico";
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let connect_to = take_connect_src(h);
    let is_html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"));
    if is_html {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp(&nonce, connect_to.as_deref())).expect("ascii"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"));
    if settings.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
