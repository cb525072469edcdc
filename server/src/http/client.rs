//! Who is asking: the peer's address, or the client a trusted proxy names in `X-Forwarded-For`.
//!
//! Every header line is read (proxies such as HAProxy append a line of their own), the entries are
//! walked from the right past trusted proxies, and the first untrusted hop is the client. An entry
//! the walk cannot read (`unknown`, garbage) ends it at the peer address: whatever stands left of it
//! was written by someone we cannot vouch for. Entries may carry a port (`ip:port`, `[v6]:port`).
//! Addresses are canonical: an IPv4 client on a dual-stack socket is its IPv4 address everywhere.

use super::HttpSettings;
use app::model::firewall::canonical_ip;
use app::ports::{ClientInfo, DeviceCookie};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// One `X-Forwarded-For` entry: `198.51.100.7`, `198.51.100.7:4711`, `2001:db8::9`, `[2001:db8::9]:443`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(canonical_ip(ip));
    }
    if let Ok(sa) = e.parse::<SocketAddr>() {
        return Some(canonical_ip(sa.ip()));
    }
    let bracketed = e.strip_prefix('[').and_then(|r| r.split(']').next());
    bracketed.and_then(|b| b.parse::<IpAddr>().ok()).map(canonical_ip)
}

/// The client's address, given the peer and the request's headers.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer.map(canonical_ip)?;
    let trusts = |ip: &IpAddr| trusted.iter().any(|t| canonical_ip(*t) == *ip);
    if !trusts(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match parse_hop(entry) {
            Some(hop) if trusts(&hop) => client = hop,
            Some(hop) => return Some(hop),
            None => return Some(peer),
        }
    }
    Some(client)
}

pub async fn client_info(State(settings): State<Arc<HttpSettings>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = client_address(peer, req.headers(), &settings.trusted_proxies);
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().filter(|c| !c.is_control()).take(300).collect());
    let device = DeviceCookie { presented: cookie(req.headers(), settings.device_cookie_name()), ..Default::default() };
    req.extensions_mut().insert(ClientInfo { ip, user_agent, device: device.clone() });
    let mut res = next.run(req).await;
    // A sign-in that succeeded left a device cookie to set (see `auth::device`).
    if let Some(value) = device.take_issued() {
        let secure = if settings.secure_cookies { "; Secure" } else { "" };
        let header = format!(
            "{}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
            settings.device_cookie_name(),
            crate::auth::device::MAX_AGE_SECS
        );
        match axum::http::HeaderValue::from_str(&header) {
            Ok(v) => {
                res.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
            Err(_) => tracing::warn!("a device cookie could not be written"),
        }
    }
    res
}

/// The value of cookie `name` in the request, if it has exactly one.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string());
    let first = found.next();
    // Two cookies of one name (one planted by a sibling domain): trust neither.
    if found.next().is_some() {
        return None;
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(lines: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append("x-forwarded-for", HeaderValue::from_static(l));
        }
        h
    }

    const PROXY: &str = "127.0.0.1";

    fn client(lines: &[&'static str]) -> String {
        let proxy: IpAddr = PROXY.parse().unwrap();
        client_address(Some(proxy), &xff(lines), &[proxy]).unwrap().to_string()
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        let peer: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(client_address(Some(peer), &xff(&["198.51.100.10"]), &[]).unwrap(), peer);
    }

    #[test]
    fn a_plain_entry_from_the_proxy_is_the_client() {
        assert_eq!(client(&["198.51.100.7"]), "198.51.100.7");
    }

    #[test]
    fn the_client_cannot_choose_its_address_with_a_line_of_its_own() {
        // The client sent the first line; the proxy appended the second.
        assert_eq!(client(&["6.6.6.6", "198.51.100.8"]), "198.51.100.8");
        assert_eq!(client(&["6.6.6.6, 198.51.100.8"]), "198.51.100.8");
    }

    #[test]
    fn entries_with_ports_are_read() {
        assert_eq!(client(&["6.6.6.7, 198.51.100.9:4711"]), "198.51.100.9");
        assert_eq!(client(&["6.6.6.9, [2001:db8::9]:443"]), "2001:db8::9");
        assert_eq!(client(&["2001:db8::1"]), "2001:db8::1");
    }

    #[test]
    fn an_unreadable_hop_falls_back_to_the_peer() {
        assert_eq!(client(&["6.6.6.8, unknown"]), PROXY);
        assert_eq!(client(&["6.6.6.8, garbage!"]), PROXY);
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked() {
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let got = client_address(Some(a), &xff(&["6.6.6.6, 198.51.100.3, 10.0.0.2"]), &[a, b]).unwrap();
        assert_eq!(got.to_string(), "198.51.100.3");
        assert_eq!(client_address(Some(a), &HeaderMap::new(), &[a]).unwrap(), a, "no header: the proxy itself");
    }

    #[test]
    fn ipv4_mapped_addresses_are_canonical() {
        let mapped: IpAddr = "::ffff:127.0.0.2".parse().unwrap();
        assert_eq!(client_address(Some(mapped), &HeaderMap::new(), &[]).unwrap().to_string(), "127.0.0.2");
        // A proxy configured as 127.0.0.1 is recognised on a dual-stack socket too.
        let proxy: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let got = client_address(Some(proxy), &xff(&["::ffff:198.51.100.4"]), &["127.0.0.1".parse().unwrap()]).unwrap();
        assert_eq!(got.to_string(), "198.51.100.4");
    }
}
