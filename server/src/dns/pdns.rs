//! PowerDNS Authoritative through its HTTP API (`{ZENITH_PDNS_URL}/api/v1/servers/{server_id}/…`):
//! Zenith's reverse zones, created when missing, and their PTR RRsets written with `PATCH` —
//! `REPLACE` sets a name, `DELETE` removes it — so writing the same thing twice changes nothing.
//! The API key travels in `X-API-Key`, marked sensitive, and is never logged.

use app::model::ptr::PtrName;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// A PTR's time to live: short, so a change shows within a minute wherever it is cached.
pub const PTR_TTL: u32 = 300;

#[derive(Debug, thiserror::Error)]
pub enum PdnsError {
    #[error("PowerDNS did not answer: {0}")]
    Unreachable(#[source] reqwest::Error),
    #[error("PowerDNS refused {what}: {status} {message}")]
    Refused { what: String, status: u16, message: String },
    #[error("PowerDNS answered {what} with something unreadable: {source}")]
    Unreadable { what: String, source: reqwest::Error },
}

/// A connection to one PowerDNS server's API.
#[derive(Clone)]
pub struct PowerDns {
    http: reqwest::Client,
    /// `…/api/v1/servers/{server_id}`, no trailing slash.
    base: String,
}

impl std::fmt::Debug for PowerDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerDns").field("base", &self.base).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Zone {
    #[serde(default)]
    rrsets: Vec<RrSet>,
}

#[derive(Deserialize)]
struct RrSet {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    records: Vec<Record>,
}

#[derive(Deserialize)]
struct Record {
    content: String,
    #[serde(default)]
    disabled: bool,
}

impl PowerDns {
    /// `url` is the server's base (`http://127.0.0.1:8081`); `server_id` is almost always `localhost`.
    pub fn new(url: &str, key: &SecretString, server_id: &str) -> anyhow::Result<PowerDns> {
        let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("ZENITH_PDNS_URL {url:?}: {e}"))?;
        anyhow::ensure!(matches!(parsed.scheme(), "http" | "https"), "ZENITH_PDNS_URL {url:?} is not an http(s) address");
        let mut key =
            HeaderValue::from_str(key.expose_secret()).map_err(|_| anyhow::anyhow!("ZENITH_PDNS_API_KEY is not a header value"))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let http = reqwest::Client::builder().default_headers(headers).timeout(Duration::from_secs(10)).build()?;
        let server = url::form_urlencoded::byte_serialize(server_id.as_bytes()).collect::<String>();
        Ok(PowerDns { http, base: format!("{}/api/v1/servers/{server}", url.trim_end_matches('/')) })
    }

    fn zone_url(&self, zone: &str) -> String {
        format!("{}/zones/{}", self.base, url::form_urlencoded::byte_serialize(zone.as_bytes()).collect::<String>())
    }

    async fn refused(what: &str, r: reqwest::Response) -> PdnsError {
        let status = r.status().as_u16();
        let message = r.json::<serde_json::Value>().await.ok().and_then(|v| v["error"].as_str().map(str::to_string)).unwrap_or_default();
        PdnsError::Refused { what: what.to_string(), status, message }
    }

    /// Creates `zone` (a Native zone served by `nameservers`) unless it exists.
    #[tracing::instrument(skip(self, nameservers))]
    pub async fn ensure_zone(&self, zone: &str, nameservers: &[String]) -> Result<(), PdnsError> {
        let r = self.http.get(self.zone_url(zone)).send().await.map_err(PdnsError::Unreachable)?;
        if r.status().is_success() {
            return Ok(());
        }
        if r.status().as_u16() != 404 && r.status().as_u16() != 422 {
            return Err(Self::refused(&format!("reading zone {zone}"), r).await);
        }
        let body = json!({"name": zone, "kind": "Native", "nameservers": nameservers, "soa_edit_api": "DEFAULT"});
        let r = self.http.post(format!("{}/zones", self.base)).json(&body).send().await.map_err(PdnsError::Unreachable)?;
        match r.status().as_u16() {
            201 => Ok(()),
            // Created meanwhile by another server.
            409 => Ok(()),
            _ => Err(Self::refused(&format!("creating zone {zone}"), r).await),
        }
    }

    async fn patch(&self, zone: &str, rrset: serde_json::Value, what: &str) -> Result<(), PdnsError> {
        let r = self.http.patch(self.zone_url(zone)).json(&json!({"rrsets": [rrset]})).send().await.map_err(PdnsError::Unreachable)?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(Self::refused(what, r).await)
        }
    }

    /// Makes `name` (a reverse name, with its dot) in `zone` answer `target`, whatever it answered.
    #[tracing::instrument(skip(self))]
    pub async fn set_ptr(&self, zone: &str, name: &str, target: &PtrName) -> Result<(), PdnsError> {
        let rrset = json!({"name": name, "type": "PTR", "ttl": PTR_TTL, "changetype": "REPLACE",
            "records": [{"content": target.fqdn(), "disabled": false}]});
        self.patch(zone, rrset, &format!("setting the PTR of {name}")).await
    }

    /// Removes the PTR of `name` in `zone` (nothing to remove is fine).
    #[tracing::instrument(skip(self))]
    pub async fn delete_ptr(&self, zone: &str, name: &str) -> Result<(), PdnsError> {
        self.patch(zone, json!({"name": name, "type": "PTR", "changetype": "DELETE"}), &format!("removing the PTR of {name}")).await
    }

    /// Every enabled PTR in `zone`: reverse name → target, both as PowerDNS writes them (with dots).
    #[tracing::instrument(skip(self))]
    pub async fn ptrs(&self, zone: &str) -> Result<BTreeMap<String, String>, PdnsError> {
        let r = self.http.get(self.zone_url(zone)).send().await.map_err(PdnsError::Unreachable)?;
        if r.status().as_u16() == 404 {
            return Ok(BTreeMap::new());
        }
        if !r.status().is_success() {
            return Err(Self::refused(&format!("reading zone {zone}"), r).await);
        }
        let z: Zone = r.json().await.map_err(|source| PdnsError::Unreadable { what: format!("zone {zone}"), source })?;
        Ok(z.rrsets
            .into_iter()
            .filter(|s| s.kind == "PTR")
            .filter_map(|s| s.records.into_iter().find(|r| !r.disabled).map(|r| (s.name, r.content)))
            .collect())
    }
}
