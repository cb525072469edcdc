//! The embedded CloudStack simulator: a real HTTP server at `/client/api` that a third-party
//! CloudStack client cannot tell from a small CloudStack 4.x cloud in Basic networking with security
//! groups. It is Zenith's zero-set-up default and the test bed of the real client code path.
//!
//! Besides the API it has simulator-only endpoints (outside `/client/api`, unauthenticated, meant for
//! loopback): `POST /sim/clock {"advance_hours": N}` (or `advance_minutes`, `to`, `freeze`) moves simulated time (usage, job completion),
//! `GET|POST /sim/faults` reads or changes injected faults, `GET /sim/stats` counts calls per zone.
//! State is saved atomically under the data dir, so a restart keeps every account and instance.

pub mod cmd;
pub mod console;
mod engine;
pub mod protocol;
pub mod world;

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use cmd::{Caller, JobFaults};
use protocol::{ApiError, Params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use world::World;

/// How to start a simulator.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// Where state is kept; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    pub admin_key: Option<String>,
    pub admin_secret: Option<String>,
    pub job_ms: u64,
    pub latency_ms: u64,
    pub down_zones: Vec<String>,
    /// IPv4 pools as CIDRs, one per zone in turn; the RFC 5737 blocks by default.
    pub ipv4_pools: Vec<String>,
    /// The cloud's `default.page.size`: the largest `pagesize` a list accepts.
    pub page_size: usize,
}

/// Faults injected on demand (`/sim/faults`), reset at start from `ZENITH_SIM_*`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Faults {
    /// Added to every API call.
    #[serde(default)]
    pub latency_ms: u64,
    /// Added to calls aimed at a zone, by zone name.
    #[serde(default)]
    pub zone_latency_ms: BTreeMap<String, u64>,
    /// Zones whose calls fail as an unreachable zone's would (HTTP 503, no CloudStack body).
    #[serde(default)]
    pub down_zones: Vec<String>,
    /// The next N API calls fail: with HTTP 503 and no CloudStack answer, or with `fail_with`.
    #[serde(default)]
    pub fail_next_calls: u32,
    /// The CloudStack error the failing calls answer with (as the cloud would), instead of a 503.
    #[serde(default)]
    pub fail_with: Option<InjectedError>,
    /// The next N async jobs end in failure.
    #[serde(default)]
    pub fail_next_jobs: u32,
    /// The next N async jobs never end (a cloud whose job queue is stuck): they stay pending.
    #[serde(default)]
    pub hang_next_jobs: u32,
    /// How long async jobs take.
    #[serde(default)]
    pub job_ms: u64,
    /// Commands answered as an older CloudStack answers a command it does not have (401, "does not
    /// exist"): `createConsoleEndpoint` before 4.18, `listVirtualMachinesUsageHistory`, …
    #[serde(default)]
    pub refuse_commands: Vec<String>,
}

/// A CloudStack error to answer with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InjectedError {
    pub errorcode: u16,
    pub errortext: String,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub calls: u64,
    pub by_zone: BTreeMap<String, u64>,
    pub by_command: BTreeMap<String, u64>,
}

pub struct Simulator {
    world: Mutex<World>,
    faults: Mutex<Faults>,
    stats: Mutex<Stats>,
    state_file: Option<PathBuf>,
    max_page: usize,
    dirty: AtomicBool,
    /// One writer at a time: saves share the temporary file.
    save_lock: Mutex<()>,
    admin: (String, String),
    generated_admin: bool,
    consoles: Arc<console::Consoles>,
    /// Where this simulator listens (set when it does): the console proxy's address.
    console_addr: std::sync::OnceLock<std::net::SocketAddr>,
}

fn parse_pool(cidr: &str) -> anyhow::Result<(Ipv4Addr, u32)> {
    let (addr, len) = cidr.trim().split_once('/').ok_or_else(|| anyhow::anyhow!("{cidr:?} is not a CIDR"))?;
    let len: u32 = len.parse()?;
    anyhow::ensure!((8..=30).contains(&len), "pool {cidr} must be between /8 and /30");
    let base = u32::from(addr.parse::<Ipv4Addr>()?) & (u32::MAX << (32 - len));
    Ok((Ipv4Addr::from(base), 1u32 << (32 - len)))
}

impl Simulator {
    /// Loads the saved cloud, or seeds a new one.
    pub fn open(cfg: SimConfig) -> anyhow::Result<Arc<Simulator>> {
        let pools = if cfg.ipv4_pools.is_empty() {
            world::default_ipv4_pools()
        } else {
            cfg.ipv4_pools.iter().map(|p| parse_pool(p)).collect::<anyhow::Result<Vec<_>>>()?
        };
        let loaded: Option<World> = match &cfg.state_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)?;
                Some(serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("simulator state {} is unreadable: {e}", path.display()))?)
            }
            _ => None,
        };
        let mut generated = false;
        let mut world = match loaded {
            Some(w) => w,
            None => {
                let key = cfg.admin_key.clone().unwrap_or_else(|| {
                    generated = true;
                    world::random_token(86)
                });
                let secret = cfg.admin_secret.clone().unwrap_or_else(|| world::random_token(86));
                World::seeded(&key, &secret, &pools)
            }
        };
        // Keys given in the environment win over saved ones, so a configured client always works.
        let admin_account = world.accounts.iter().find(|a| a.account_type == 1).map(|a| a.id.clone()).unwrap_or_default();
        let admin_user = world
            .users
            .iter_mut()
            .find(|u| u.account_id == admin_account)
            .ok_or_else(|| anyhow::anyhow!("simulator state has no admin"))?;
        if let (Some(k), Some(s)) = (&cfg.admin_key, &cfg.admin_secret) {
            admin_user.api_key = Some(k.clone());
            admin_user.secret_key = Some(s.clone());
        }
        let admin = (admin_user.api_key.clone().unwrap_or_default(), admin_user.secret_key.clone().unwrap_or_default());
        let faults = Faults { latency_ms: cfg.latency_ms, down_zones: cfg.down_zones.clone(), job_ms: cfg.job_ms, ..Default::default() };
        let sim = Arc::new(Simulator {
            world: Mutex::new(world),
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
            state_file: cfg.state_file,
            max_page: cfg.page_size.max(1),
            dirty: AtomicBool::new(true),
            save_lock: Mutex::new(()),
            admin,
            generated_admin: generated,
            consoles: Arc::default(),
            console_addr: std::sync::OnceLock::new(),
        });
        sim.save()?;
        Ok(sim)
    }

    /// The root admin's API key and secret.
    pub fn admin_credentials(&self) -> (String, String) {
        self.admin.clone()
    }

    /// True when this start made up the admin keys (so they should be shown to the operator).
    pub fn generated_admin_keys(&self) -> bool {
        self.generated_admin
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/client/api", get(api).post(api))
            .route("/client/api/", get(api).post(api))
            .route("/sim/clock", post(advance_clock))
            .route("/sim/faults", get(get_faults).post(set_faults))
            .route("/sim/stats", get(get_stats).delete(reset_stats))
            .route("/sim/console/{vm}", get(console::text))
            .route("/websockify", get(console::websocket))
            .with_state(self.clone())
    }

    /// Writes the state atomically (temp file + rename) if anything changed.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let _one_writer = self.save_lock.lock().expect("sim save lock");
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let text = {
            let w = self.world.lock().expect("sim lock");
            serde_json::to_vec(&*w).map_err(std::io::Error::other)?
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // A name of its own: two simulators saving into one data dir (a server restarting while the
        // old one's saver still runs) must never rename each other's half-written file away.
        let tmp = path.with_extension(format!("json.{}.tmp", uuid::Uuid::new_v4().simple()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
            self.dirty.store(true, Ordering::SeqCst);
        })
    }

    /// Saves changed state every quarter second until the process ends.
    pub fn spawn_saver(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let sim = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                let s = sim.clone();
                if let Err(e) = tokio::task::spawn_blocking(move || s.save()).await.unwrap_or(Ok(())) {
                    tracing::error!(error = %e, "could not save simulator state");
                }
            }
        })
    }

    pub fn stats(&self) -> Stats {
        self.stats.lock().expect("sim lock").clone()
    }

    pub fn set_fault_config(&self, f: Faults) {
        *self.faults.lock().expect("sim lock") = f;
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().expect("sim lock").clone()
    }

    /// The zone a call is aimed at: its `zoneid`, or the zone of the VM it names.
    fn zone_of(&self, p: &Params) -> Option<String> {
        let w = self.world.lock().expect("sim lock");
        if let Some(z) = p.value("zoneid").and_then(|id| w.zone(id)) {
            return Some(z.name.clone());
        }
        ["id", "virtualmachineid"]
            .iter()
            .filter_map(|k| p.value(k))
            .find_map(|id| w.vm(id))
            .and_then(|vm| w.zone(&vm.zone_id))
            .map(|z| z.name.clone())
    }

    fn authenticate(w: &World, p: &Params) -> Result<Caller, ApiError> {
        let key = p.value("apiKey").ok_or_else(ApiError::unauthorized)?;
        let user = w.users.iter().find(|u| u.api_key.as_deref() == Some(key)).ok_or_else(ApiError::unauthorized)?;
        let account = w.account(&user.account_id).ok_or_else(ApiError::unauthorized)?;
        if account.state != "enabled" {
            return Err(ApiError::unauthorized());
        }
        if p.get("signatureVersion") == Some("3") {
            let expires = p.value("expires").and_then(crate::cloud::wire::parse_date).ok_or_else(ApiError::unauthorized)?;
            if expires <= chrono::Utc::now() {
                return Err(ApiError::unauthorized());
            }
        }
        if !p.signature_ok(user.secret_key.as_deref().unwrap_or_default()) {
            return Err(ApiError::unauthorized());
        }
        Ok(Caller { user_id: user.id.clone(), account_id: account.id.clone(), is_admin: account.account_type == 1 })
    }

    /// Handles one API request; returns the HTTP status and body.
    pub async fn handle(&self, p: Params) -> (StatusCode, serde_json::Value) {
        let raw_command = p.value("command").unwrap_or("").to_string();
        let zone = self.zone_of(&p);
        {
            let mut s = self.stats.lock().expect("sim lock");
            s.calls += 1;
            *s.by_command.entry(raw_command.clone()).or_default() += 1;
            if let Some(z) = &zone {
                *s.by_zone.entry(z.clone()).or_default() += 1;
            }
        }
        let (delay, down, fail_now, fail_with, job_faults) = {
            let mut f = self.faults.lock().expect("sim lock");
            let zone_lc = zone.as_deref().map(str::to_lowercase);
            let zone_delay =
                zone_lc.as_ref().and_then(|z| f.zone_latency_ms.iter().find(|(k, _)| k.to_lowercase() == *z).map(|(_, v)| *v)).unwrap_or(0);
            let down = zone_lc.as_ref().is_some_and(|z| f.down_zones.iter().any(|d| d.trim().to_lowercase() == *z));
            let fail_now = f.fail_next_calls > 0;
            if fail_now {
                f.fail_next_calls -= 1;
            }
            (
                f.latency_ms + zone_delay,
                down,
                fail_now,
                f.fail_with.clone(),
                JobFaults { job_ms: f.job_ms, fail_next_jobs: f.fail_next_jobs, hang_next_jobs: f.hang_next_jobs },
            )
        };
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        match (down, fail_now, fail_with) {
            (false, true, Some(e)) => {
                let e = ApiError::injected(e.errorcode, e.errortext);
                return (status(&e), e.body(p.value("command").unwrap_or("")));
            }
            (true, _, _) | (_, true, _) => return (StatusCode::SERVICE_UNAVAILABLE, serde_json::Value::Null),
            _ => {}
        }
        let Some(command) = p.value("command") else {
            let e = ApiError::unsupported("no command specified");
            return (status(&e), e.body(""));
        };
        if !p.get("response").is_some_and(|r| r.eq_ignore_ascii_case("json")) {
            let e = ApiError::unsupported("This simulator answers JSON only: send response=json");
            return (status(&e), e.body(command));
        }
        let mut w = self.world.lock().expect("sim lock");
        let caller = match Self::authenticate(&w, &p) {
            Ok(c) => c,
            Err(e) => return (status(&e), e.body(command)),
        };
        let refused = self.faults().refuse_commands.iter().any(|c| c.eq_ignore_ascii_case(command));
        let Some(canonical) = cmd::known(command).filter(|_| !refused) else {
            let e = ApiError::unknown_command(command);
            return (status(&e), e.body(command));
        };
        let mut faults = job_faults;
        let mut call = cmd::Call {
            command: canonical,
            p: &p,
            caller,
            faults: &mut faults,
            max_page: self.max_page,
            consoles: &self.consoles,
            console_addr: self.console_addr.get().copied(),
        };
        let answer = cmd::dispatch(&mut w, &mut call);
        drop(w);
        {
            let mut f = self.faults.lock().expect("sim lock");
            f.fail_next_jobs = faults.fail_next_jobs;
            f.hang_next_jobs = faults.hang_next_jobs;
        }
        // Reads finish due jobs too, so any call may have changed state.
        self.dirty.store(true, Ordering::SeqCst);
        match answer {
            Ok(body) => (StatusCode::OK, body),
            Err(e) => (status(&e), e.body(canonical)),
        }
    }
}

fn status(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn api(State(sim): State<Arc<Simulator>>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let params = Params::parse(query.as_deref(), is_form.then_some(&body[..]));
    let (status, body) = sim.handle(params).await;
    if body.is_null() {
        return (
            status,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>503 Service Unavailable</h1>zone unreachable</body></html>",
        )
            .into_response();
    }
    let mut res = (status, [(header::CONTENT_TYPE, "application/json; charset=UTF-8")], body.to_string()).into_response();
    if !status.is_success() {
        if let Some(text) = body.as_object().and_then(|o| o.values().next()).and_then(|v| v.get("errortext")).and_then(|t| t.as_str()) {
            if let Ok(v) = header::HeaderValue::from_str(&text.chars().filter(|c| c.is_ascii() && !c.is_control()).collect::<String>()) {
                res.headers_mut().insert("X-Description", v);
            }
        }
    }
    res
}

/// `POST /sim/clock`: `advance_hours` and/or `advance_minutes` move the clock forward; `to` (RFC
/// 3339) sets it, forward only; `freeze` stops it at the resulting instant (or, `false`, lets it run
/// on from there).
#[derive(Deserialize)]
struct ClockMove {
    #[serde(default)]
    advance_hours: i64,
    #[serde(default)]
    advance_minutes: i64,
    #[serde(default)]
    to: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    freeze: Option<bool>,
}

async fn advance_clock(State(sim): State<Arc<Simulator>>, body: Bytes) -> Response {
    let bad = |msg: String| (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": msg}))).into_response();
    let Ok(m) = serde_json::from_slice::<ClockMove>(&body) else {
        return bad("send {\"advance_hours\": N}, {\"advance_minutes\": N}, {\"to\": RFC 3339} and/or {\"freeze\": bool}".into());
    };
    if !(0..=24 * 366 * 5).contains(&m.advance_hours) || !(0..=60 * 24 * 366).contains(&m.advance_minutes) {
        return bad("advance_hours must be between 0 and 43920, advance_minutes between 0 and 527040".into());
    }
    let now = {
        let mut w = sim.world.lock().expect("sim lock");
        let target =
            m.to.unwrap_or_else(|| w.now()) + chrono::Duration::hours(m.advance_hours) + chrono::Duration::minutes(m.advance_minutes);
        let frozen = m.freeze.unwrap_or(w.frozen_at.is_some());
        if let Err(e) = w.set_clock(target, frozen) {
            return bad(e);
        }
        w.tick();
        w.now()
    };
    sim.dirty.store(true, Ordering::SeqCst);
    Json(serde_json::json!({"now": now.to_rfc3339()})).into_response()
}

async fn get_faults(State(sim): State<Arc<Simulator>>) -> Json<Faults> {
    Json(sim.faults())
}

async fn set_faults(State(sim): State<Arc<Simulator>>, body: Bytes) -> Response {
    // A partial update: only the fields sent change.
    let mut current = serde_json::to_value(sim.faults()).expect("serialisable");
    let Ok(serde_json::Value::Object(patch)) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": "send a JSON object of fault fields"}))).into_response();
    };
    for (k, v) in patch {
        current[k] = v;
    }
    match serde_json::from_value::<Faults>(current) {
        Ok(f) => {
            sim.set_fault_config(f.clone());
            Json(f).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": e.to_string()}))).into_response(),
    }
}

async fn get_stats(State(sim): State<Arc<Simulator>>) -> Json<Stats> {
    Json(sim.stats())
}

async fn reset_stats(State(sim): State<Arc<Simulator>>) -> StatusCode {
    *sim.stats.lock().expect("sim lock") = Stats::default();
    StatusCode::NO_CONTENT
}

/// A running simulator on a socket.
pub struct RunningSim {
    pub sim: Arc<Simulator>,
    pub addr: std::net::SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
    saver: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    /// The API endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}/client/api", self.addr)
    }

    /// Stops serving and saving, then saves what changed last: nothing of this simulator runs on
    /// after it (a server restarted on the same data dir opens the state alone).
    pub fn stop(self) -> std::io::Result<()> {
        self.task.abort();
        self.saver.abort();
        self.sim.save()
    }
}

/// Starts a simulator on `listener` (saving state in the background).
pub async fn spawn(sim: Arc<Simulator>, listener: tokio::net::TcpListener) -> std::io::Result<RunningSim> {
    let addr = listener.local_addr()?;
    let _ = sim.console_addr.set(addr);
    let app = sim.router();
    let saver = sim.spawn_saver();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok(RunningSim { sim, addr, task, saver })
}

/// Parses `ZENITH_SIM_DOWN_ZONES`-style lists.
pub fn zone_list(s: &str) -> Vec<String> {
    s.split(',').map(|z| z.trim().to_string()).filter(|z| !z.is_empty()).collect()
}
