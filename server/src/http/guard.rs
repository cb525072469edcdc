//! Cross-site request forgery and content-type confusion.
//!
//! Leptos server functions have no CSRF protection of their own. Every state-changing request
//! (anything but GET/HEAD/OPTIONS) must come from our own origin: a browser's `Sec-Fetch-Site` must
//! say `same-origin` (or `none`); without it, `Origin` must be the public URL's origin or match the
//! `Host` the request was sent to. Requests with neither header are not from a browser and cannot
//! carry a victim's cookie by accident, so they pass (curl, API clients). This is the algorithm of
//! Go's `CrossOriginProtection` and tower-http 0.7's `CsrfLayer`.
//!
//! A panel with no public URL configured that listens on loopback (a first run, a developer's
//! machine, several local servers sharing one database) also takes an `Origin` naming any loopback
//! address: the same panel may answer on several local ports. Browsers still send `Sec-Fetch-Site`,
//! which decides before `Origin` is looked at, so a page on another local port cannot post.
//!
//! `/api/*` also accepts only `application/json` bodies: a cross-site HTML form can send
//! `text/plain` or form-encoded bodies without a preflight, never JSON.

use super::HttpSettings;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The origin a request claims, for tests and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(pub String);

/// `http://127.0.0.1:3000`, `http://localhost`, `http://[::1]:8080`.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else { return false };
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => rest.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub fn allowed(method: &Method, headers: &axum::http::HeaderMap, public_origin: &str, local: bool) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin.eq_ignore_ascii_case(public_origin) || local && is_loopback_origin(origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

pub async fn same_origin_json_only(State(settings): State<Arc<HttpSettings>>, req: Request, next: Next) -> Response {
    if !allowed(req.method(), req.headers(), &settings.public_origin, settings.local) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-origin request");
        return AppError::Forbidden("This request did not come from the Zenith panel and was refused.".into()).into_response();
    }
    if req.method() == Method::POST && req.uri().path().starts_with("/api/") && !is_json(req.headers()) {
        return AppError::UnsupportedMediaType.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    const PUBLIC: &str = "https://panel.example.com";

    #[test]
    fn fetch_metadata_decides_when_the_browser_sends_it() {
        assert!(allowed(&Method::POST, &h(&[("sec-fetch-site", "same-origin")]), PUBLIC, false));
        assert!(allowed(&Method::POST, &h(&[("sec-fetch-site", "none")]), PUBLIC, false));
        assert!(!allowed(&Method::POST, &h(&[("sec-fetch-site", "cross-site")]), PUBLIC, false));
        // A customer's VM under a sibling domain is same-site, not same-origin.
        assert!(!allowed(&Method::POST, &h(&[("sec-fetch-site", "same-site")]), PUBLIC, false));
    }

    #[test]
    fn origin_must_be_ours_when_fetch_metadata_is_missing() {
        assert!(allowed(&Method::POST, &h(&[("origin", "https://panel.example.com")]), PUBLIC, false));
        assert!(!allowed(&Method::POST, &h(&[("origin", "https://evil.example"), ("host", "panel.example.com")]), PUBLIC, false));
        assert!(allowed(&Method::POST, &h(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), PUBLIC, false));
        assert!(!allowed(&Method::POST, &h(&[("origin", "null"), ("host", "panel.example.com")]), PUBLIC, false));
    }

    #[test]
    fn an_unconfigured_local_panel_takes_any_loopback_origin_and_nothing_else() {
        let local = "http://127.0.0.1:3000";
        let other_port = h(&[("origin", "http://127.0.0.1:4123"), ("host", "127.0.0.1:3000")]);
        assert!(allowed(&Method::POST, &other_port, local, true), "another local server of the same panel");
        assert!(allowed(&Method::POST, &h(&[("origin", "http://localhost:8080")]), local, true));
        assert!(allowed(&Method::POST, &h(&[("origin", "http://[::1]:8080")]), local, true));
        assert!(!allowed(&Method::POST, &other_port, PUBLIC, false), "not once a public URL is configured");
        assert!(!allowed(&Method::POST, &h(&[("origin", "https://evil.example")]), local, true));
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://127.0.0.1.evil.example")]), local, true));
        // A browser says where the page is from: a page on another local port is refused all the same.
        let browser = h(&[("origin", "http://127.0.0.1:4123"), ("sec-fetch-site", "same-site")]);
        assert!(!allowed(&Method::POST, &browser, local, true));
    }

    #[test]
    fn non_browser_clients_and_safe_methods_pass() {
        assert!(allowed(&Method::POST, &h(&[]), PUBLIC, false));
        assert!(allowed(&Method::GET, &h(&[("sec-fetch-site", "cross-site")]), PUBLIC, false));
    }
}
