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

/// An `Origin` header (or a configured URL) as scheme, host and port, parsed by the `url` crate. A
/// header is exactly `scheme://host[:port]`: anything with a user, a path, a query or a fragment is
/// not an origin a browser sends, and is refused rather than read generously.
pub fn parse_origin(s: &str) -> Option<url::Origin> {
    let u = url::Url::parse(s).ok()?;
    let bare = u.username().is_empty() && u.password().is_none() && u.path() == "/" && u.query().is_none() && u.fragment().is_none();
    let o = u.origin();
    (bare && o.is_tuple() && matches!(u.scheme(), "http" | "https")).then_some(o)
}

/// `http://127.0.0.1:3000`, `http://localhost`, `http://[::1]:8080`.
fn is_loopback_origin(origin: &url::Origin) -> bool {
    use url::Host;
    match origin {
        url::Origin::Tuple(scheme, host, _) if scheme == "http" => match host {
            Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
        },
        _ => false,
    }
}

pub fn allowed(method: &Method, headers: &axum::http::HeaderMap, public_origin: &url::Origin, local: bool) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(claimed) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = claimed.to_str().ok().and_then(parse_origin) else {
        return false; // `null`, or not an origin at all.
    };
    if origin == *public_origin || local && is_loopback_origin(&origin) {
        return true;
    }
    // The host the request was sent to, in the origin's scheme: the same origin as the claim?
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()).filter(|h| !h.is_empty()) else {
        return false;
    };
    let url::Origin::Tuple(scheme, ..) = &origin else { return false };
    parse_origin(&format!("{scheme}://{host}")).is_some_and(|sent_to| sent_to == origin)
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

    fn o(s: &str) -> url::Origin {
        parse_origin(s).unwrap()
    }

    #[test]
    fn fetch_metadata_decides_when_the_browser_sends_it() {
        assert!(allowed(&Method::POST, &h(&[("sec-fetch-site", "same-origin")]), &o("https://panel.example.com"), false));
        assert!(allowed(&Method::POST, &h(&[("sec-fetch-site", "none")]), &o("https://panel.example.com"), false));
        assert!(!allowed(&Method::POST, &h(&[("sec-fetch-site", "cross-site")]), &o("https://panel.example.com"), false));
        // A customer's VM under a sibling domain is same-site, not same-origin.
        assert!(!allowed(&Method::POST, &h(&[("sec-fetch-site", "same-site")]), &o("https://panel.example.com"), false));
    }

    #[test]
    fn origin_must_be_ours_when_fetch_metadata_is_missing() {
        assert!(allowed(&Method::POST, &h(&[("origin", "https://panel.example.com")]), &o("https://panel.example.com"), false));
        assert!(!allowed(
            &Method::POST,
            &h(&[("origin", "https://evil.example"), ("host", "panel.example.com")]),
            &o("https://panel.example.com"),
            false
        ));
        assert!(allowed(
            &Method::POST,
            &h(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]),
            &o("https://panel.example.com"),
            false
        ));
        assert!(!allowed(&Method::POST, &h(&[("origin", "null"), ("host", "panel.example.com")]), &o("https://panel.example.com"), false));
        // The Host comparison is by origin too, not by text after `://`.
        let pub_ = &o("https://panel.example.com");
        assert!(!allowed(
            &Method::POST,
            &h(&[("origin", "http://evil.example@panel.example.com"), ("host", "panel.example.com")]),
            pub_,
            false
        ));
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://panel.example.com/x"), ("host", "panel.example.com")]), pub_, false));
        assert!(allowed(&Method::POST, &h(&[("origin", "HTTPS://Panel.Example.com:443")]), pub_, false), "default port, any case");
    }

    #[test]
    fn an_unconfigured_local_panel_takes_any_loopback_origin_and_nothing_else() {
        let local = &o("http://127.0.0.1:3000");
        let other_port = h(&[("origin", "http://127.0.0.1:4123"), ("host", "127.0.0.1:3000")]);
        assert!(allowed(&Method::POST, &other_port, local, true), "another local server of the same panel");
        assert!(allowed(&Method::POST, &h(&[("origin", "http://localhost:8080")]), local, true));
        assert!(allowed(&Method::POST, &h(&[("origin", "http://[::1]:8080")]), local, true));
        assert!(!allowed(&Method::POST, &other_port, &o("https://panel.example.com"), false), "not once a public URL is configured");
        assert!(!allowed(&Method::POST, &h(&[("origin", "https://evil.example")]), local, true));
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://127.0.0.1.evil.example")]), local, true));
        // Read up to the first `:` by hand, these two looked like loopback; as URLs they are not.
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://127.0.0.1:3000.evil.example")]), local, true));
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://127.0.0.1:3000@evil.example")]), local, true));
        assert!(!allowed(&Method::POST, &h(&[("origin", "http://localhost@evil.example:3000")]), local, true));
        assert!(!allowed(&Method::POST, &h(&[("origin", "https://127.0.0.1:3000")]), local, true), "loopback is http only");
        assert!(allowed(&Method::POST, &h(&[("origin", "http://LOCALHOST:3000")]), local, true));
        // A browser says where the page is from: a page on another local port is refused all the same.
        let browser = h(&[("origin", "http://127.0.0.1:4123"), ("sec-fetch-site", "same-site")]);
        assert!(!allowed(&Method::POST, &browser, local, true));
    }

    #[test]
    fn non_browser_clients_and_safe_methods_pass() {
        assert!(allowed(&Method::POST, &h(&[]), &o("https://panel.example.com"), false));
        assert!(allowed(&Method::GET, &h(&[("sec-fetch-site", "cross-site")]), &o("https://panel.example.com"), false));
    }
}
