//! The one place that speaks HTTP to CloudStack: signs, sends, unwraps the envelope, pages lists,
//! retries reads. Typed commands are in `commands`; async jobs in `jobs`.

use super::{error::CloudError, sign};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::{fmt, sync::Arc, time::Duration, time::Instant};
use tracing::Instrument;

/// An API key pair. The secret never prints.
#[derive(Clone)]
pub struct Credentials {
    pub api_key: String,
    pub secret_key: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("api_key", &self.api_key).field("secret_key", &"<redacted>").finish()
    }
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Sign with `signatureVersion=3` and an `expires` this far ahead (limits replay of a captured
    /// request). `None` signs the classic way.
    pub expires_after: Option<Duration>,
    /// Answers larger than this are refused rather than parsed.
    pub max_body_bytes: usize,
    pub page_size: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            expires_after: Some(Duration::from_secs(600)),
            max_body_bytes: 10 * 1024 * 1024,
            page_size: 500,
        }
    }
}

/// The HTTP client every `CloudStack` value shares (one connection pool, rustls).
pub fn http_client(cfg: &ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(cfg.connect_timeout)
        .timeout(cfg.request_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(32)
        .user_agent(concat!("zenith/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("TLS backend initialises")
}

/// A CloudStack API endpoint and the credential calls are signed with. Cheap to clone.
#[derive(Clone)]
pub struct CloudStack {
    endpoint: Arc<str>,
    creds: Arc<Credentials>,
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    /// Starts at `cfg.page_size`; lowered to the cloud's `default.page.size` if it refuses ours.
    page_size: Arc<AtomicU32>,
}

impl fmt::Debug for CloudStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudStack").field("endpoint", &self.endpoint).field("api_key", &self.creds.api_key).finish()
    }
}

pub type Params = Vec<(&'static str, String)>;

impl CloudStack {
    pub fn new(http: reqwest::Client, endpoint: &str, creds: Credentials, cfg: Arc<ClientConfig>) -> CloudStack {
        let page_size = Arc::new(AtomicU32::new(cfg.page_size.max(1)));
        CloudStack { endpoint: endpoint.into(), creds: Arc::new(creds), http, cfg, page_size }
    }

    /// The same endpoint and connection pool, signing as someone else.
    pub fn as_user(&self, creds: Credentials) -> CloudStack {
        CloudStack { creds: Arc::new(creds), ..self.clone() }
    }

    pub fn api_key(&self) -> &str {
        &self.creds.api_key
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// Sends a command and returns the inside of its `<command>response` envelope.
    ///
    /// Reads (`list*`, `query*`, `get*`) are retried twice with jitter on connection errors and 5xx.
    /// Writes never are: a retried `deployVirtualMachine` is a second instance.
    pub async fn request(&self, command: &str, params: &[(&str, String)]) -> Result<Value, CloudError> {
        let zone = params.iter().find(|(k, _)| *k == "zoneid").map(|(_, v)| v.as_str()).unwrap_or("-");
        let span = tracing::info_span!("cloud", command, zone, duration_ms = tracing::field::Empty, outcome = tracing::field::Empty);
        async move {
            let started = Instant::now();
            let is_read = is_read(command);
            let mut attempt = 0u32;
            let result = loop {
                let r = self.request_once(command, params).await;
                match r {
                    Err(e) if is_read && attempt < 2 && e.is_transient() => {
                        attempt += 1;
                        let jitter = rand::thread_rng().gen_range(50..150) * u64::from(attempt);
                        tracing::debug!(attempt, error = %e, "retrying read");
                        tokio::time::sleep(Duration::from_millis(jitter)).await;
                    }
                    other => break other,
                }
            };
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            crate::telemetry::metrics::cloud_call(command, zone, result.is_ok(), started.elapsed());
            match &result {
                Ok(_) => {
                    span.record("outcome", "ok");
                    tracing::debug!("cloud call done");
                }
                Err(e) => {
                    span.record("outcome", "error");
                    tracing::warn!(error = %e, "cloud call failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn request_once(&self, command: &str, params: &[(&str, String)]) -> Result<Value, CloudError> {
        let mut all: Vec<(&str, String)> = Vec::with_capacity(params.len() + 6);
        all.push(("command", command.to_string()));
        all.push(("response", "json".to_string()));
        all.push(("apiKey", self.creds.api_key.clone()));
        if let Some(ahead) = self.cfg.expires_after {
            all.push(("signatureVersion", "3".to_string()));
            let at = chrono::Utc::now() + chrono::Duration::from_std(ahead).unwrap_or_default();
            all.push(("expires", sign::expires_at(at)));
        }
        all.extend(params.iter().map(|(k, v)| (*k, v.clone())));
        let signature = sign::signature(all.iter().map(|(k, v)| (*k, v.as_str())), self.creds.secret_key.expose_secret());
        all.push(("signature", signature));
        // POST keeps parameters (user data, public keys) out of URLs and proxy logs.
        let body =
            all.iter().map(|(k, v)| format!("{}={}", sign::java_urlencode(k), sign::java_urlencode(v))).collect::<Vec<_>>().join("&");

        let resp = self
            .http
            .post(&*self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(command, e, self.cfg.request_timeout))?;
        let status = resp.status().as_u16();
        let bytes = read_limited(command, resp, self.cfg.max_body_bytes, self.cfg.request_timeout).await?;
        unwrap_envelope(command, status, &bytes)
    }

    /// The envelope's content decoded as `T`.
    pub async fn call<T: DeserializeOwned>(&self, command: &str, params: &[(&str, String)]) -> Result<T, CloudError> {
        let v = self.request(command, params).await?;
        decode(command, v)
    }

    /// One named object out of the envelope (`{"keypair":{…}}` → `keypair`).
    pub async fn call_object<T: DeserializeOwned>(&self, command: &str, key: &str, params: &[(&str, String)]) -> Result<T, CloudError> {
        let mut v = self.request(command, params).await?;
        let obj = v
            .get_mut(key)
            .map(Value::take)
            .ok_or_else(|| CloudError::Decode { command: command.to_string(), detail: format!("no `{key}` in the answer") })?;
        decode(command, obj)
    }

    /// Every item of a list command, across all pages (`pagesize` = the configured page size, or the
    /// cloud's own maximum once it has said it is lower).
    pub async fn list<T: DeserializeOwned>(&self, command: &str, item_key: &str, params: &[(&str, String)]) -> Result<Vec<T>, CloudError> {
        'restart: loop {
            let page_size = self.page_size.load(Ordering::Relaxed);
            let mut items: Vec<T> = Vec::new();
            let mut page = 1u32;
            loop {
                let mut p: Vec<(&str, String)> = params.to_vec();
                p.push(("page", page.to_string()));
                p.push(("pagesize", page_size.to_string()));
                let v = match self.request(command, &p).await {
                    Ok(v) => v,
                    Err(e) => match max_page_size(&e) {
                        Some(max) if max < page_size => {
                            tracing::info!(max, "the cloud's default.page.size is lower than ours; adopting it");
                            self.page_size.store(max.max(1), Ordering::Relaxed);
                            continue 'restart;
                        }
                        _ => return Err(e),
                    },
                };
                let count = v.get("count").and_then(|c| c.as_u64().or_else(|| c.as_str().and_then(|s| s.parse().ok())));
                let batch: Vec<T> = match v.get(item_key) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(arr) => decode(command, arr.clone())?,
                };
                let got = batch.len();
                items.extend(batch);
                let done = got == 0 || got < page_size as usize || count.is_some_and(|c| items.len() as u64 >= c);
                if done || page >= 100_000 {
                    return Ok(items);
                }
                page += 1;
            }
        }
    }
}

/// CloudStack's refusal of a page size above its `default.page.size`, and that maximum.
fn max_page_size(e: &CloudError) -> Option<u32> {
    match e {
        CloudError::Api { errorcode: 431, errortext, .. } => {
            errortext.split("max allowed page size value:").nth(1).and_then(|n| n.trim().trim_end_matches('.').parse().ok())
        }
        _ => None,
    }
}

fn is_read(command: &str) -> bool {
    let c = command.to_ascii_lowercase();
    c.starts_with("list") || c.starts_with("query") || c.starts_with("get")
}

fn decode<T: DeserializeOwned>(command: &str, v: Value) -> Result<T, CloudError> {
    serde_json::from_value(v).map_err(|e| CloudError::Decode { command: command.to_string(), detail: e.to_string() })
}

fn transport_error(command: &str, e: reqwest::Error, timeout: Duration) -> CloudError {
    // reqwest's Display names the URL; ours carries no secrets, but keep logs tidy anyway.
    let e = e.without_url();
    if e.is_timeout() {
        CloudError::Timeout { command: command.to_string(), after: timeout }
    } else {
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            detail = format!("{detail}: {s}");
            src = s.source();
        }
        CloudError::Connect { command: command.to_string(), detail }
    }
}

async fn read_limited(command: &str, mut resp: reqwest::Response, limit: usize, timeout: Duration) -> Result<Vec<u8>, CloudError> {
    if resp.content_length().is_some_and(|n| n as usize > limit) {
        return Err(CloudError::TooLarge { command: command.to_string(), limit });
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(command, e, timeout))? {
        if buf.len() + chunk.len() > limit {
            return Err(CloudError::TooLarge { command: command.to_string(), limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// `{"<command>response": {…}}` → `{…}`, or the typed error the envelope holds.
pub fn unwrap_envelope(command: &str, status: u16, body: &[u8]) -> Result<Value, CloudError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let Ok(Value::Object(mut top)) = parsed else {
        return Err(if status != 200 {
            CloudError::Http { command: command.to_string(), status }
        } else {
            CloudError::Decode { command: command.to_string(), detail: "not a JSON object".into() }
        });
    };
    let expected = envelope_name(command);
    let key = top
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&expected))
        .or_else(|| top.keys().find(|k| k.to_ascii_lowercase().ends_with("response")))
        .cloned();
    let Some(key) = key else {
        return Err(if status != 200 {
            CloudError::Http { command: command.to_string(), status }
        } else {
            CloudError::Decode { command: command.to_string(), detail: "no response envelope".into() }
        });
    };
    let inner = top.remove(&key).unwrap_or(Value::Null);
    if let Some(code) = inner.get("errorcode") {
        let errorcode = code.as_u64().or_else(|| code.as_str().and_then(|s| s.parse().ok())).unwrap_or(status as u64) as u16;
        return Err(CloudError::Api {
            command: command.to_string(),
            http_status: status,
            errorcode,
            cserrorcode: inner.get("cserrorcode").and_then(|c| c.as_u64()).map(|c| c as u32),
            errortext: inner.get("errortext").and_then(|t| t.as_str()).unwrap_or("").to_string(),
        });
    }
    if status != 200 {
        return Err(CloudError::Http { command: command.to_string(), status });
    }
    Ok(match inner {
        Value::Null => Value::Object(Default::default()),
        v => v,
    })
}

/// The response key CloudStack uses for a command (a few are irregular).
pub fn envelope_name(command: &str) -> String {
    match command {
        "restoreVirtualMachine" => "restorevmresponse".into(),
        "addIpToNic" => "addiptovmnicresponse".into(),
        "updateVMAffinityGroup" => "updatevirtualmachineresponse".into(),
        c => format!("{}response", c.to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_unwrap_including_irregular_names_and_4x_whitespace() {
        let v = unwrap_envelope("listZones", 200, br#"{ "listzonesresponse" : { "count":1 ,"zone" : [ {"id":"z1","name":"Tokyo"} ] } }"#)
            .unwrap();
        assert_eq!(v["zone"][0]["name"], "Tokyo");
        let v = unwrap_envelope("restoreVirtualMachine", 200, br#"{"restorevmresponse":{"jobid":"j1"}}"#).unwrap();
        assert_eq!(v["jobid"], "j1");
        let v =
            unwrap_envelope("resetSSHKeyForVirtualMachine", 200, br#"{"resetSSHKeyforvirtualmachineresponse":{"jobid":"j2"}}"#).unwrap();
        assert_eq!(v["jobid"], "j2");
    }

    #[test]
    fn an_empty_list_is_an_empty_object() {
        let v = unwrap_envelope("listVirtualMachines", 200, br#"{"listvirtualmachinesresponse":{}}"#).unwrap();
        assert!(v.get("virtualmachine").is_none());
    }

    #[test]
    fn error_envelopes_become_typed_errors() {
        let e = unwrap_envelope(
            "registerSSHKeyPair",
            431,
            br#"{"registersshkeypairresponse":{"uuidList":[],"errorcode":431,"cserrorcode":4350,"errortext":"Public key is invalid"}}"#,
        )
        .unwrap_err();
        match e {
            CloudError::Api { errorcode, cserrorcode, errortext, http_status, .. } => {
                assert_eq!((errorcode, cserrorcode, errortext.as_str(), http_status), (431, Some(4350), "Public key is invalid", 431));
            }
            other => panic!("{other:?}"),
        }
        let e = unwrap_envelope("listZones", 401, br#"{"errorresponse":{"uuidList":[],"errorcode":401,"errortext":"unable to verify user credentials and/or request signature"}}"#).unwrap_err();
        assert!(matches!(e, CloudError::Api { errorcode: 401, .. }));
    }

    #[test]
    fn a_status_without_a_cloudstack_body_is_an_http_error() {
        let e = unwrap_envelope("listZones", 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(matches!(e, CloudError::Http { status: 502, .. }));
        assert!(e.is_transient());
        let e = unwrap_envelope("listZones", 200, b"<html>").unwrap_err();
        assert!(matches!(e, CloudError::Decode { .. }));
    }

    #[test]
    fn a_lower_page_size_limit_is_read_from_the_refusal() {
        let e = CloudError::Api {
            command: "listVirtualMachines".into(),
            http_status: 431,
            errorcode: 431,
            cserrorcode: Some(4350),
            errortext: "Page size can't exceed max allowed page size value: 200".into(),
        };
        assert_eq!(max_page_size(&e), Some(200));
        assert_eq!(max_page_size(&CloudError::Http { command: "x".into(), status: 431 }), None);
    }

    #[test]
    fn credentials_never_print_their_secret() {
        let c = Credentials { api_key: "key".into(), secret_key: SecretString::from("hunter2hunter2") };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
