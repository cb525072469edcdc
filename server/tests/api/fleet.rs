//! Several `zenith serve` processes on one PostgreSQL and one cloud (a `zenith sim` process), as a
//! hosting company runs them: anything a request needs is in the database, so any server answers
//! any request, and a server that dies leaves nothing the others cannot finish.
//!
//! Real processes (the binary cargo built for these tests), real signals. PostgreSQL only: with
//! SQLite there is one server.

use crate::helpers::*;
use app::model::{InstanceState, Tier};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SIM_KEY: &str = "fleet-admin-key";
const SIM_SECRET: &str = "fleet-admin-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A zenith process, killed when dropped.
struct Proc {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Proc {
    fn start(args: &[&str], env: &[(&str, String)]) -> Proc {
        Proc::start_on(free_port(), args, env)
    }

    fn start_on(port: u16, args: &[&str], env: &[(&str, String)]) -> Proc {
        let dir = std::env::temp_dir().join(format!("zenith-fleet-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("process.log")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zenith"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .env("ZENITH_DATA_DIR", &dir)
            .env("ZENITH_ADDR", format!("127.0.0.1:{port}"))
            .env("ZENITH_SIM_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("starting zenith");
        Proc { child, base: format!("http://127.0.0.1:{port}"), dir }
    }

    async fn ready(mut self, path: &str) -> Proc {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) && self.child.try_wait().unwrap().is_none() {
            if let Ok(r) = reqwest::get(format!("{}{path}", self.base)).await {
                if r.status().as_u16() < 500 {
                    return self;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} never answered; log:\n{}", self.base, std::fs::read_to_string(self.dir.join("process.log")).unwrap_or_default());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("process.log")).unwrap_or_default()
    }

    fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    fn wait(&mut self, within: Duration) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < within {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A cloud (`zenith sim`), a fresh PostgreSQL database, and what servers need to share them.
struct Fleet {
    sim: Proc,
    db_url: String,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        drop_postgres(&self.db_url);
    }
}

impl Fleet {
    /// `None` without PostgreSQL (`ZENITH_TEST_POSTGRES_URL`).
    async fn new(job_ms: u64) -> Option<Fleet> {
        postgres_base()?;
        let db_url = fresh_postgres().await;
        let sim = Proc::start(
            &["sim"],
            &[
                ("ZENITH_SIM_API_KEY", SIM_KEY.into()),
                ("ZENITH_SIM_SECRET_KEY", SIM_SECRET.into()),
                ("ZENITH_SIM_JOB_MS", job_ms.to_string()),
            ],
        )
        .ready("/client/api")
        .await;
        Some(Fleet { sim, db_url })
    }

    async fn server(&self, extra: &[(&str, String)]) -> Proc {
        self.server_on(free_port(), extra).await
    }

    async fn server_on(&self, port: u16, extra: &[(&str, String)]) -> Proc {
        let mut env = vec![
            ("ZENITH_DATABASE_URL", self.db_url.clone()),
            ("ZENITH_CLOUDSTACK_URL", format!("{}/client/api", self.sim.base)),
            ("ZENITH_CLOUDSTACK_API_KEY", SIM_KEY.to_string()),
            ("ZENITH_CLOUDSTACK_SECRET_KEY", SIM_SECRET.to_string()),
            // One master key for the fleet: each server decrypts what another stored.
            ("ZENITH_SECRET_KEY", "7".repeat(64)),
            ("ZENITH_NO_SITE_CHECK", "true".to_string()),
            ("ZENITH_STAFF_REQUIRE_2FA", "false".to_string()),
            ("ZENITH_HASH_CONCURRENCY", "1".to_string()),
        ];
        env.extend(extra.iter().cloned());
        Proc::start_on(port, &["serve"], &env).ready("/readyz").await
    }
}

fn on(c: &Client, p: &Proc) -> Client {
    // The cookie jar is per host, as a browser's is behind one balancer address.
    Client { http: c.http.clone(), base: p.base.clone() }
}

#[tokio::test]
async fn a_session_made_on_one_server_works_on_the_other_and_a_sign_out_on_it_ends_it_everywhere() {
    let Some(fleet) = Fleet::new(0).await else { return };
    let (one, two) = (fleet.server(&[]).await, fleet.server(&[]).await);
    let c = Client::new(&one.base);
    assert_eq!(c.signup("fleet@example.com", PASSWORD).await.status, 200);
    let me = on(&c, &two).me().await;
    assert_eq!((me.status, me.body["email"].as_str()), (200, Some("fleet@example.com")), "{}", me.body);
    assert_eq!(on(&c, &two).post("/api/instances/list", json!({})).await.status, 200);
    assert_eq!(on(&c, &two).post("/api/auth/logout", json!({})).await.status, 200);
    assert_eq!(c.me().await.status, 401, "signed out on two is signed out on one");
}

#[tokio::test]
async fn a_support_session_stopped_on_one_server_is_gone_on_the_other() {
    let Some(fleet) = Fleet::new(0).await else { return };
    let (one, two) = (fleet.server(&[]).await, fleet.server(&[]).await);
    let customer = Client::new(&one.base);
    assert_eq!(customer.signup("helped@example.com", PASSWORD).await.status, 200);
    let db = server::db::connect(&fleet.db_url).await.unwrap();
    let hasher = server::auth::password::Hasher::new(1, 1);
    let email = app::model::Email::parse("helper@example.com").unwrap();
    server::auth::AuthService::upsert_staff(
        &db,
        &hasher,
        &email,
        app::model::Role::Support,
        &app::model::NewPassword::parse(PASSWORD).unwrap(),
    )
    .await
    .unwrap();
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = 'helped@example.com'").fetch_one(&db.pool).await.unwrap();

    let staff = Client::new(&one.base);
    assert_eq!(staff.login("helper@example.com", PASSWORD).await.status, 200);
    let body = json!({"customer_id": id, "reason": "customer asked", "ticket": "T-1", "mode": "read_only", "password": PASSWORD});
    assert_eq!(staff.post("/api/support/impersonate/start", body).await.status, 200);
    let seen = on(&staff, &two).me().await.body;
    assert_eq!(seen["impersonating"]["customer_email"], "helped@example.com", "two sees the session one started: {seen}");
    assert_eq!(staff.post("/api/support/impersonate/stop", json!({})).await.status, 200);
    let seen = on(&staff, &two).me().await.body;
    assert!(seen["impersonating"].is_null(), "stopped on one, gone on two: {seen}");
    assert_eq!(on(&staff, &two).post("/api/instances/list", json!({})).await.status, 403, "staff without a customer see no instances");
}

async fn deploy_on(c: &Client, name: &str, key: &str) -> crate::helpers::Resp {
    let cat = catalog(c).await;
    let zone = zone_id(&cat, "Tokyo");
    let off = offering(c, &zone, Tier::Agile).await;
    let tpl = template(c, &zone).await;
    c.post(
        "/api/instances/deploy",
        json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": name, "idempotency_key": key}),
    )
    .await
}

#[tokio::test]
async fn a_deploy_started_on_a_server_killed_with_sigkill_is_completed_by_the_other_and_makes_one_instance() {
    // Jobs take 3 s in this cloud: the first server dies while the deploy is still running.
    let Some(fleet) = Fleet::new(3000).await else { return };
    let (mut one, two) = (fleet.server(&[]).await, fleet.server(&[]).await);
    let c = Client::new(&one.base);
    assert_eq!(c.signup("crash@example.com", PASSWORD).await.status, 200);
    let key = uuid::Uuid::new_v4().to_string();
    let r = deploy_on(&c, "survivor", &key).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (instance, job) = (r.body["instance_id"].as_str().unwrap().to_string(), r.body["job_id"].as_str().unwrap().to_string());
    one.signal(libc::SIGKILL);
    assert_eq!(one.wait(Duration::from_secs(10)), None, "killed, not exited");

    // The other server's job poller finishes the record without anyone asking.
    let b = on(&c, &two);
    let db = server::db::connect(&fleet.db_url).await.unwrap();
    let started = Instant::now();
    let status = loop {
        let (s,): (String,) = sqlx::query_as("SELECT status FROM jobs WHERE id = $1").bind(&job).fetch_one(&db.pool).await.unwrap();
        if s != "pending" || started.elapsed() > Duration::from_secs(40) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let row: (i64, i64, Option<String>) =
        sqlx::query_as("SELECT attempts, next_poll_at, cloud_job_id FROM jobs WHERE id = $1").bind(&job).fetch_one(&db.pool).await.unwrap();
    assert_eq!(status, "succeeded", "{row:?} now {} the survivor's log:\n{}", chrono::Utc::now().timestamp_millis(), two.log());
    assert_eq!(state_of(&b, &app::model::InstanceId::parse(&instance).unwrap()).await, InstanceState::Running);
    // The customer's browser retries the same deploy against the survivor: the same instance, not a second.
    let again = deploy_on(&b, "survivor", &key).await;
    assert_eq!((again.status, again.body["instance_id"].as_str()), (200, Some(instance.as_str())), "{}", again.body);
    let list: Value = b.post("/api/instances/list", json!({})).await.body;
    let names: Vec<&str> = list["instances"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["survivor"], "exactly one instance");
}

#[tokio::test]
async fn sigterm_completes_the_requests_in_flight_and_exits_zero_while_the_other_server_goes_on() {
    let Some(fleet) = Fleet::new(0).await else { return };
    let (mut one, two) = (fleet.server(&[]).await, fleet.server(&[]).await);
    let c = Client::new(&one.base);
    assert_eq!(c.signup("term@example.com", PASSWORD).await.status, 200);
    // Every cloud call takes 1.5 s for now: the list is in flight when the signal comes.
    let faults =
        reqwest::Client::new().post(format!("{}/sim/faults", fleet.sim.base)).json(&json!({"latency_ms": 1500})).send().await.unwrap();
    assert!(faults.status().is_success());
    let inflight: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.post("/api/instances/list", json!({})).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    one.signal(libc::SIGTERM);
    for r in inflight {
        let r = r.await.unwrap();
        assert_eq!(r.status, 200, "in flight at SIGTERM, completed: {}", r.body);
    }
    assert_eq!(one.wait(Duration::from_secs(40)), Some(0), "SIGTERM exits 0");
    assert_eq!(on(&c, &two).post("/api/instances/list", json!({})).await.status, 200, "the other server goes on");
}

/// HAProxy (Debian's) with the test's configuration, stopped when dropped.
struct Haproxy {
    child: Child,
    base: String,
    _dir: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Haproxy {
    async fn start(front: u16, a: u16, b: u16) -> Haproxy {
        let bin = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].into_iter().find(|p| std::path::Path::new(p).exists());
        let bin = bin.expect("HAProxy is not installed: `bash .ci/setup test` installs Debian's package");
        let dir = std::env::temp_dir().join(format!("zenith-haproxy-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = include_str!("haproxy.cfg")
            .replace("{FRONT}", &front.to_string())
            .replace("{A}", &a.to_string())
            .replace("{B}", &b.to_string());
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, cfg).unwrap();
        let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("starting haproxy");
        let base = format!("http://127.0.0.1:{front}");
        let started = Instant::now();
        while reqwest::get(format!("{base}/readyz")).await.map(|r| r.status() != 200).unwrap_or(true) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "haproxy never passed a request: {}",
                std::fs::read_to_string(dir.join("haproxy.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Haproxy { child, base, _dir: tempdir::Dir(dir) }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops `p` with SIGTERM (it must exit 0) and starts its replacement on the same port.
async fn restart(fleet: &Fleet, mut p: Proc, extra: &[(&str, String)]) -> Proc {
    let port: u16 = p.base.rsplit(':').next().unwrap().parse().unwrap();
    p.signal(libc::SIGTERM);
    let code = tokio::task::spawn_blocking(move || {
        let c = p.wait(Duration::from_secs(40));
        (c, p)
    })
    .await
    .unwrap();
    assert_eq!(code.0, Some(0), "SIGTERM exits 0; log:\n{}", code.1.log());
    drop(code.1);
    let next = fleet.server_on(port, extra).await;
    // Until HAProxy has seen it ready twice (rise 2, every 300 ms) it sends it nothing.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    next
}

#[tokio::test]
async fn a_rolling_restart_of_two_servers_behind_haproxy_fails_no_request() {
    let Some(fleet) = Fleet::new(0).await else { return };
    // The delay is above HAProxy's check interval × fall: it stops sending before the port closes.
    // Browsers see one address, the balancer's: it is the panel's public URL.
    let front = free_port();
    let extra = [
        ("ZENITH_SHUTDOWN_DELAY_SECS", "1".to_string()),
        ("ZENITH_TRUSTED_PROXIES", "127.0.0.1".to_string()),
        ("ZENITH_PUBLIC_URL", format!("http://127.0.0.1:{front}")),
    ];
    let (one, two) = (fleet.server(&extra).await, fleet.server(&extra).await);
    let port = |p: &Proc| p.base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let lb = Haproxy::start(front, port(&one), port(&two)).await;
    let c = Client::new(&lb.base);
    assert_eq!(c.signup("rolling@example.com", PASSWORD).await.status, 200);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (c, stop) = (c.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut ok, mut failed) = (0u32, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = if i % 2 == 0 { c.post("/api/instances/list", json!({})).await } else { c.me().await };
                    if r.status == 200 {
                        ok += 1;
                    } else {
                        failed.push(format!("{} {}", r.status, r.body));
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let one = restart(&fleet, one, &extra).await;
    let two = restart(&fleet, two, &extra).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut ok, mut failed) = (0, Vec::new());
    for t in clients {
        let (o, f) = t.await.unwrap();
        ok += o;
        failed.extend(f);
    }
    assert!(
        failed.is_empty(),
        "{} of {} requests failed during the rolling restart: {:?}",
        failed.len(),
        ok as usize + failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert!(ok > 50, "the clients kept working throughout: {ok} answers");
    drop((one, two));
}

#[tokio::test]
async fn two_servers_delivering_from_one_outbox_send_each_message_once() {
    let Some(fleet) = Fleet::new(0).await else { return };
    let smtp = Smtp::start();
    let env = [("ZENITH_SMTP_URL", smtp.url()), ("ZENITH_SIGNUP_PER_ADDRESS_PER_HOUR", "1000".to_string())];
    let (one, two) = (fleet.server(&env).await, fleet.server(&env).await);
    // Twenty sign-ups on each server: each queues its confirmation; both servers deliver.
    let signups = (0..40).map(|i| {
        let base = if i % 2 == 0 { one.base.clone() } else { two.base.clone() };
        async move {
            let r = Client::new(&base).signup(&format!("crowd{i:02}@example.com"), PASSWORD).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    });
    futures::future::join_all(signups).await;
    let got = smtp.wait_for(40).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!((got.len(), smtp.messages().len()), (40, 40), "forty messages, none twice");
    for i in 0..40 {
        assert_eq!(smtp.to(&format!("crowd{i:02}@example.com")).len(), 1, "crowd{i:02} got one confirmation");
    }
}
