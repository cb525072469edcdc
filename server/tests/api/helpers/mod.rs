//! A real Zenith on a random port with its own data dir, the embedded simulator (jobs instant unless
//! asked otherwise), and SQLite or, when `ZENITH_TEST_POSTGRES_URL` is set, a fresh PostgreSQL
//! database. Clients are browser-like: a cookie jar and same-origin headers. What a test does through
//! the API more than once is here, by feature (`instances`, `support`, `account`), and answers with the
//! panel's own types; raw JSON stays in the tests that check the wire.

pub mod account;
pub mod instances;
pub mod pdns;
pub mod smtp;
pub mod support;

pub use account::*;
pub use instances::*;
pub use smtp::Smtp;
pub use support::*;

use clap::Parser as _;
use serde_json::{json, Value};
use server::config::Cli;
use server::startup::{leptos_options, Application};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

pub const PASSWORD: &str = "plum orbit falcon ninety3 kettle";

/// Every log line of the test process, for the tests that check no secret is ever logged. The test
/// clients' own cookie jar (`cookie_store`) is left out: it is the browser's side, not the server's.
pub static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let writer = buf.clone();
    let make = move || CaptureWriter(writer.clone());
    let filter = tracing_subscriber::EnvFilter::new("debug,hyper=info,h2=info,rustls=info,sqlx=info,cookie_store=off");
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(make).with_ansi(false).try_init();
    buf
});

pub struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

/// Runs the test body against SQLite, and against PostgreSQL when one is configured.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::helpers::Store::Sqlite).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if $crate::helpers::postgres_base().is_none() {
                    eprintln!("ZENITH_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped");
                    return;
                }
                super::$name($crate::helpers::Store::Postgres).await
            }) *
        }
    };
}

pub fn postgres_base() -> Option<String> {
    std::env::var("ZENITH_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

#[derive(Clone)]
pub struct Options {
    pub store: Store,
    pub args: Vec<String>,
    /// Reuse a data dir (and database) to test restarts.
    pub reuse: Option<(PathBuf, Option<String>)>,
}

impl Options {
    pub fn new(store: Store) -> Options {
        Options { store, args: vec![], reuse: None }
    }

    pub fn arg(mut self, flag: &str, value: &str) -> Options {
        self.args.push(flag.into());
        self.args.push(value.into());
        self
    }
}

pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub sim: Option<Arc<server::sim::Simulator>>,
    pub sim_base: Option<String>,
    pub db: server::db::Db,
    pub mail: Arc<server::mail::MailSettings>,
    /// The embedded DNS server (when no PowerDNS is configured).
    pub dns_addr: Option<std::net::SocketAddr>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    cleanup: bool,
}

/// A new, empty PostgreSQL database (see [`drop_postgres`]).
pub async fn fresh_postgres() -> String {
    let base = postgres_base().expect("ZENITH_TEST_POSTGRES_URL");
    let name = format!("zenith_test_{}", uuid::Uuid::new_v4().simple());
    let pool =
        sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&base).await.expect("connecting to ZENITH_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("creating a test database");
    pool.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("a database URL ends in /dbname");
    format!("{prefix}/{name}")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::new(Store::Sqlite)).await
    }

    pub async fn spawn_on(store: Store) -> TestApp {
        TestApp::spawn_with(Options::new(store)).await
    }

    pub async fn spawn_with(opts: Options) -> TestApp {
        LazyLock::force(&LOGS);
        let (data_dir, database_url, cleanup) = match opts.reuse.clone() {
            Some((dir, url)) => (dir, url, false),
            None => {
                let dir = std::env::temp_dir().join(format!("zenith-test-{}", uuid::Uuid::new_v4().simple()));
                let url = match opts.store {
                    Store::Sqlite => None,
                    Store::Postgres => Some(fresh_postgres().await),
                };
                (dir, url, true)
            }
        };
        // The tests build the application without a site (no wasm): they opt out of the site check.
        let mut args: Vec<String> = vec!["zenith".into(), "--no-site-check".into()];
        for (flag, default) in
            [("--addr", "127.0.0.1:0"), ("--sim-job-ms", "0"), ("--hash-concurrency", "2"), ("--dns-addr", "127.0.0.1:0")]
        {
            if !opts.args.iter().any(|a| a == flag) {
                args.push(flag.into());
                args.push(default.into());
            }
        }
        args.push("--data-dir".into());
        args.push(data_dir.display().to_string());
        if let Some(url) = &database_url {
            args.push("--database-url".into());
            args.push(url.clone());
        }
        args.extend(opts.args.iter().cloned());
        let cli = Cli::try_parse_from(&args).expect("valid test arguments");
        let app = Application::build(cli.serve, leptos_options(([127, 0, 0, 1], 0).into())).await.expect("the application starts");
        let addr = app.addr;
        let sim = app.sim.as_ref().map(|s| s.sim.clone());
        let sim_base = app.sim.as_ref().map(|s| format!("http://{}", s.addr));
        let db = app.db.clone();
        let mail = app.mail.clone();
        let dns_addr = app.dns_addr;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_with_shutdown(async move {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            data_dir,
            database_url,
            sim,
            sim_base,
            db,
            mail,
            dns_addr,
            stop: Some(tx),
            task: Some(task),
            cleanup,
        }
    }

    /// Tells the server to stop, as SIGTERM does, without waiting for it.
    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server cleanly and returns what a restart needs to reuse its data.
    pub async fn stop(mut self) -> (PathBuf, Option<String>) {
        self.cleanup = false;
        self.begin_stop();
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server stopped cleanly");
        }
        (self.data_dir.clone(), self.database_url.clone())
    }

    /// This app's data (dir and database) is removed when it is dropped, even when it was reused.
    pub fn owning_its_data(mut self) -> TestApp {
        self.cleanup = true;
        self
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A new customer, signed up and signed in.
    pub async fn customer(&self, email: &str) -> Client {
        let c = self.client();
        let r = c.signup(email, PASSWORD).await;
        assert_eq!(r.status, 200, "signing up {email}: {}", r.body);
        c
    }

    pub fn sim(&self) -> &server::sim::Simulator {
        self.sim.as_deref().expect("embedded simulator")
    }

    /// The embedded cloud as its operator reaches it: the root admin's keys, behind Zenith's back.
    pub fn admin_cloud(&self) -> server::cloud::CloudStack {
        let (api_key, secret) = self.sim().admin_credentials();
        server::cloud::CloudStack::new(
            server::cloud::client::http_client(&server::cloud::ClientConfig::default()),
            &format!("{}/client/api", self.sim_base.as_ref().expect("embedded simulator")),
            server::cloud::Credentials { api_key, secret_key: secret.into() },
            Arc::new(server::cloud::ClientConfig::default()),
        )
    }

    pub async fn set_faults(&self, patch: Value) {
        let r = reqwest::Client::new().post(format!("{}/sim/faults", self.sim_base.as_ref().unwrap())).json(&patch).send().await.unwrap();
        assert!(r.status().is_success());
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if self.cleanup {
            let _ = std::fs::remove_dir_all(&self.data_dir);
            if let Some(url) = self.database_url.clone() {
                drop_postgres(&url);
            }
        }
    }
}

/// Drops a database [`fresh_postgres`] made. Blocking, so it can run in `Drop`.
pub fn drop_postgres(url: &str) {
    let Some(base) = postgres_base() else { return };
    // Dropping a database needs its own connection; do it off the test's runtime.
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if let Ok(pool) = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&base).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
            }
        });
    })
    .join()
    .ok();
}

/// An HTTP answer, decoded.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Asserts the answer is exactly this refusal, named by its variant (`FirewallError::DefaultGroup`,
    /// `Denied::ReadOnly`): its status, code, field and sentence, as the one mapping writes them.
    #[track_caller]
    pub fn assert_refused(&self, refusal: impl Into<app::error::AppError>) {
        let want: app::error::AppError = refusal.into();
        let got = (self.status, self.error_code(), self.body["error"]["field"].as_str(), self.error_message());
        let wanted = (want.status(), want.code(), want.field(), want.to_string());
        assert_eq!((got.0, got.1, got.2, got.3), (wanted.0, wanted.1, wanted.2, wanted.3.as_str()), "{}", self.body);
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
}

/// A browser-like client: its own cookie jar, same-origin `Origin`, JSON bodies.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: base.to_string() }
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.post_with(path, body, &[]).await
    }

    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.http.post(format!("{}{path}", self.base)).header("accept", "application/json").json(&body);
        // A browser on our page sends our origin; a test may claim another one instead.
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("origin")) {
            req = req.header("origin", &self.base);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        into_resp(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        into_resp(self.http.get(format!("{}{path}", self.base)).send().await.expect("request sent")).await
    }

    pub async fn signup(&self, email: &str, password: &str) -> Resp {
        self.post("/api/auth/signup", json!({"email": email, "password": password})).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post("/api/auth/login", json!({"email": email, "password": password})).await
    }

    pub async fn me(&self) -> Resp {
        self.post("/api/auth/me", json!({})).await
    }
}

pub async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Resp { status, body, headers }
}
