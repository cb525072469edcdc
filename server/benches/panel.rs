//! Benchmarks that print ratios (run: `cargo bench -p server --bench panel`). Not tests: they measure.
//!
//! 1. fan-out — the same call in five zones with different latencies takes about as long as the
//!    slowest zone (ratio to the slowest), not their sum.
//! 2. list — with 100 ms added to every cloud call, `/api/instances/list` and the server-rendered `/`
//!    take at most 1.3× the slowest zone, with one cloud call per zone once the catalogue is cached.
//! 3. flood — while 50 clients hammer `/api/auth/login` with wrong passwords, the p99 of
//!    `/api/instances/list` compared with its unloaded p99; and while 100 addresses do, the p99 of a
//!    returning customer's sign-in (their device cookie) next to a new browser's.
//! 4. export — a 1,000,000-line finance export streamed by the panel against `sqlite3 -csv` reading
//!    the same rows from the same database (speed ratio), and how much the process's resident memory
//!    grows while it streams.
//! 5. pages — `/` and `/api/instances/list` for a customer with 1,000 instances in five zones: the
//!    page's size and both medians as a ratio to the cloud's own answer, then requests per second and
//!    p50/p99 next to `/healthz` on the same server in the same run.
//! 6. balanced — two servers on one PostgreSQL behind HAProxy against one server alone: throughput
//!    of `/api/instances/list` (needs `ZENITH_TEST_POSTGRES_URL` and Debian's haproxy).

use clap::Parser as _;
use serde_json::json;
use server::cloud::commands::VmQuery;
use server::cloud::zones::across_zones;
use server::cloud::{client, ClientConfig, CloudStack, Credentials};
use server::config::Cli;
use server::sim::{Faults, SimConfig, Simulator};
use server::startup::{leptos_options, Application};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn fan_out() {
    let latencies = [("Amsterdam", 120), ("Barcelona", 160), ("Miami", 200), ("Tokyo", 300), ("Los Angeles", 240)];
    let sim =
        Simulator::open(SimConfig { admin_key: Some("k".into()), admin_secret: Some("s".into()), page_size: 500, ..Default::default() })
            .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = server::sim::spawn(sim.clone(), listener).await.unwrap();
    let cfg = Arc::new(ClientConfig::default());
    let c = CloudStack::new(
        client::http_client(&cfg),
        &running.endpoint(),
        Credentials { api_key: "k".into(), secret_key: "s".to_string().into() },
        cfg,
    );
    let zones = c.list_zones().await.unwrap();
    sim.set_fault_config(Faults { zone_latency_ms: latencies.iter().map(|(z, l)| (z.to_string(), *l)).collect(), ..Default::default() });
    let mut runs = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let out = across_zones(zones.clone(), Duration::from_secs(5), "listVirtualMachines", |z| {
            let c = c.clone();
            async move { c.list_virtual_machines(&VmQuery { zone_id: Some(z.id), ..Default::default() }).await }
        })
        .await;
        assert!(out.iter().all(|o| o.result.is_ok()));
        runs.push(t.elapsed());
    }
    let slowest = Duration::from_millis(300);
    let serial: u64 = latencies.iter().map(|(_, l)| l).sum();
    let median = pct(runs, 0.5);
    println!(
        "fan-out   5 zones at 120/160/200/300/240 ms: median {:.0} ms = {:.2}× the slowest zone (serial would be {:.2}×)",
        ms(median),
        ms(median) / ms(slowest),
        serial as f64 / ms(slowest)
    );
}

async fn app(args: &[&str]) -> (Application, String) {
    let dir = std::env::temp_dir().join(format!("zenith-bench-{}", uuid::Uuid::new_v4().simple()));
    let mut all = vec!["zenith", "--addr", "127.0.0.1:0", "--data-dir", dir.to_str().unwrap(), "--sim-job-ms", "0", "--no-site-check"];
    all.extend_from_slice(args);
    let cli = Cli::try_parse_from(all).unwrap();
    let app = Application::build(cli.serve, leptos_options(([127, 0, 0, 1], 0).into())).await.unwrap();
    let base = format!("http://{}", app.addr);
    (app, base)
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().unwrap()
}

async fn post(c: &reqwest::Client, base: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    c.post(format!("{base}{path}")).header("origin", base).json(&body).send().await.unwrap().json().await.unwrap()
}

/// A customer with one instance in each zone; returns their client.
async fn customer_with_instances(base: &str, email: &str) -> reqwest::Client {
    let c = browser();
    post(&c, base, "/api/auth/signup", json!({"email": email, "password": "plum orbit falcon ninety3 kettle"})).await;
    let zones = post(&c, base, "/api/catalog/zones", json!({})).await;
    for z in zones.as_array().unwrap() {
        let zid = z["id"].as_str().unwrap();
        let off = post(&c, base, "/api/catalog/offerings", json!({"zone_id": zid})).await[0]["id"].clone();
        let tpl = post(&c, base, "/api/catalog/templates", json!({"zone_id": zid})).await[0]["id"].clone();
        let name = format!("bench-{}", z["name"].as_str().unwrap().to_lowercase().replace(' ', "-"));
        post(&c, base, "/api/instances/deploy", json!({"zone_id": zid, "offering_id": off, "template_id": tpl, "name": name, "idempotency_key": uuid::Uuid::new_v4().to_string()})).await;
    }
    c
}

async fn list_and_ssr() {
    let (app, base) = app(&["--sim-latency-ms", "100"]).await;
    let sim = app.sim.as_ref().unwrap().sim.clone();
    let handle = tokio::spawn(app.run_with_shutdown(std::future::pending()));
    let c = customer_with_instances(&base, "bench-list@example.com").await;
    // Warm the catalogue cache, then count only what the measured requests cost.
    post(&c, &base, "/api/instances/list", json!({})).await;
    c.get(&base).send().await.unwrap().text().await.unwrap();
    let before = sim.stats();
    let n = 15;
    let mut api = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let body = post(&c, &base, "/api/instances/list", json!({})).await;
        api.push(t.elapsed());
        assert_eq!(body["instances"].as_array().unwrap().len(), 5);
    }
    let mut ssr = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let html = c.get(&base).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
        ssr.push(t.elapsed());
        assert!(html.contains("bench-tokyo"));
    }
    let after = sim.stats();
    let calls = after.calls - before.calls;
    let per_zone: Vec<String> = after
        .by_zone
        .iter()
        .map(|(z, c)| format!("{z} {:.1}", (*c - before.by_zone.get(z).copied().unwrap_or(0)) as f64 / (2 * n) as f64))
        .collect();
    println!(
        "list      100 ms per call in every zone: /api/instances/list median {:.0} ms = {:.2}× the slowest zone (p95 {:.2}×); serial would be 5×",
        ms(pct(api.clone(), 0.5)),
        ms(pct(api.clone(), 0.5)) / 100.0,
        ms(pct(api, 0.95)) / 100.0
    );
    println!(
        "          server-rendered /: median {:.0} ms = {:.2}× the slowest zone (p95 {:.2}×)",
        ms(pct(ssr.clone(), 0.5)),
        ms(pct(ssr.clone(), 0.5)) / 100.0,
        ms(pct(ssr, 0.95)) / 100.0
    );
    let per_command: Vec<String> = after
        .by_command
        .iter()
        .filter_map(|(c, k)| {
            let d = *k - before.by_command.get(c).copied().unwrap_or(0);
            (d > 0).then(|| format!("{c} {:.1}", d as f64 / (2 * n) as f64))
        })
        .collect();
    println!(
        "          cloud calls per page: {:.1} in all; per zone: {}; per command: {}",
        calls as f64 / (2 * n) as f64,
        per_zone.join(", "),
        per_command.join(", ")
    );
    handle.abort();
}

async fn measure_list(c: &reqwest::Client, base: &str, n: usize) -> Vec<Duration> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = c.post(format!("{base}/api/instances/list")).header("origin", base).json(&json!({})).send().await.unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        v.push(t.elapsed());
    }
    v
}

/// 50 clients hammer `/api/auth/login` with wrong passwords while `/api/instances/list` is timed.
/// `spread`: every attempt comes from a new address for a new email (a botnet), so throttling never
/// answers early and every attempt costs an argon2 verification — the worst case for the panel.
/// Otherwise they come from one address, as a single attacker's would, and throttling refuses them.
async fn login_flood(spread: bool) {
    // The shipping default (0: half the cores) unless BENCH_HASH_THREADS says otherwise.
    let threads = std::env::var("BENCH_HASH_THREADS").unwrap_or_else(|_| "0".into());
    let mut args = vec!["--hash-concurrency", threads.as_str()];
    if spread {
        args.extend(["--trusted-proxies", "127.0.0.1"]);
    }
    let (app, base) = app(&args).await;
    let handle = tokio::spawn(app.run_with_shutdown(std::future::pending()));
    let c = customer_with_instances(&base, "bench-flood@example.com").await;
    measure_list(&c, &base, 100).await;
    let unloaded = measure_list(&c, &base, 1000).await;
    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut flood = Vec::new();
    for i in 0..50u32 {
        let (stop, attempts, refused, base) = (stop.clone(), attempts.clone(), refused.clone(), base.clone());
        flood.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let mut req = http
                    .post(format!("{base}/api/auth/login"))
                    .json(&json!({"email": format!("attacker{i}-{n}@example.com"), "password": "wrong password guess"}));
                if spread {
                    req = req.header("x-forwarded-for", format!("10.{}.{}.{}", i, n / 250 % 250, n % 250));
                }
                if let Ok(r) = req.send().await {
                    if r.status() == 429 {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
                attempts.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    let (a0, r0) = (attempts.load(Ordering::Relaxed), refused.load(Ordering::Relaxed));
    let loaded = measure_list(&c, &base, 1000).await;
    let secs = started.elapsed().as_secs_f64();
    let rate = (attempts.load(Ordering::Relaxed) - a0) as f64 / secs;
    let throttled = (refused.load(Ordering::Relaxed) - r0) as f64 / secs;
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }
    let (u, l) = (pct(unloaded.clone(), 0.99), pct(loaded.clone(), 0.99));
    let how = if spread { "from 50 addresses, new emails, every attempt verified" } else { "from one address, as one attacker" };
    println!(
        "flood     50 clients, wrong passwords {how}: {rate:.0} attempts/s ({throttled:.0}/s refused by throttling); /api/instances/list p99 {:.1} ms loaded vs {:.1} ms unloaded = {:.2}× (medians {:.1} / {:.1} ms)",
        ms(l),
        ms(u),
        ms(l) / ms(u),
        ms(pct(loaded, 0.5)),
        ms(pct(unloaded, 0.5))
    );
    handle.abort();
}

/// A returning customer (their browser holds the device cookie from signing up) signs in 20 times
/// while 100 addresses flood `/api/auth/login` with wrong passwords for unknown emails: the p99 of
/// their sign-in and how many were refused, next to a new browser's with the same password.
async fn returning_during_flood() {
    let threads = std::env::var("BENCH_HASH_THREADS").unwrap_or_else(|_| "0".into());
    let (app, base) = app(&["--hash-concurrency", threads.as_str(), "--trusted-proxies", "127.0.0.1"]).await;
    let handle = tokio::spawn(app.run_with_shutdown(std::future::pending()));
    let password = "plum orbit falcon ninety3 kettle";
    let returning = browser();
    post(&returning, &base, "/api/auth/signup", json!({"email": "bench-returning@example.com", "password": password})).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut flood = Vec::new();
    for i in 0..100u32 {
        let (stop, base) = (stop.clone(), base.clone());
        flood.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let _ = http
                    .post(format!("{base}/api/auth/login"))
                    .header("x-forwarded-for", format!("10.{}.{}.{}", i, n / 250 % 250, n % 250 + 1))
                    .json(&json!({"email": format!("bot{i}-{n}@example.com"), "password": "wrong password guess"}))
                    .send()
                    .await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sign_in = |c: reqwest::Client| {
        let base = base.clone();
        async move {
            let mut times = Vec::new();
            let mut refused = 0;
            for _ in 0..20 {
                let _ = c.post(format!("{base}/api/auth/logout")).header("origin", &base).json(&json!({})).send().await;
                let t = Instant::now();
                let r = c
                    .post(format!("{base}/api/auth/login"))
                    .header("origin", &base)
                    .json(&json!({"email": "bench-returning@example.com", "password": "plum orbit falcon ninety3 kettle"}))
                    .send()
                    .await
                    .unwrap();
                times.push(t.elapsed());
                if !r.status().is_success() {
                    refused += 1;
                }
            }
            (pct(times, 0.99), refused)
        }
    };
    let (mine, mine_refused) = sign_in(returning).await;
    let (new, new_refused) = sign_in(browser()).await;
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }
    println!(
        "flood     100 addresses, wrong passwords for unknown emails: a returning browser's sign-in p99 {:.0} ms, {mine_refused}/20 refused (goal: under 2 s, none refused); a new browser's p99 {:.0} ms, {new_refused}/20 refused",
        ms(mine),
        ms(new)
    );
    handle.abort();
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        if wants("fan-out") {
            fan_out().await;
        }
        if wants("list") {
            list_and_ssr().await;
        }
        if wants("flood") {
            login_flood(false).await;
            login_flood(true).await;
            returning_during_flood().await;
        }
        if wants("pages") {
            pages(1000).await;
        }
        if wants("balanced") {
            balanced().await;
        }
        if wants("export") {
            export(1_000_000).await;
        }
    });
}

/// Requests per second and p50/p99 of `path` with `clients` concurrent clients, `per_client` each.
async fn load(c: &reqwest::Client, base: &str, path: &str, clients: usize, per_client: usize) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (c, base, path) = (c.clone(), base.to_string(), path.to_string());
            tokio::spawn(async move {
                let mut v = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    let r = if path.starts_with("/api/") {
                        c.post(format!("{base}{path}")).header("origin", &base).json(&json!({})).send().await.unwrap()
                    } else {
                        c.get(format!("{base}{path}")).header("accept", "text/html").send().await.unwrap()
                    };
                    assert!(r.status().is_success(), "{path}: {}", r.status());
                    r.bytes().await.unwrap();
                    v.push(t.elapsed());
                }
                v
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    (rps, pct(all.clone(), 0.5), pct(all, 0.99))
}

/// `/` and `/api/instances/list` for a customer with `n` instances across the five zones, next to
/// `/healthz` on the same server in the same run: the ratio is what a page costs.
async fn pages(n: usize) {
    // The default pools (RFC 5737 /25s) hold 126 instances a zone; a thousand need larger ones.
    let (mut app, base) = app(&["--sim-ipv4-pools", "10.0.0.0/22,10.0.4.0/22,10.0.8.0/22,10.0.12.0/22,10.0.16.0/22"]).await;
    let app_sim = app.sim.take();
    let handle = tokio::spawn(app.run_with_shutdown(std::future::pending()));
    let c = browser();
    post(&c, &base, "/api/auth/signup", json!({"email": "bench-pages@example.com", "password": "plum orbit falcon ninety3 kettle"})).await;
    let zones = post(&c, &base, "/api/catalog/zones", json!({})).await;
    let mut targets = Vec::new();
    for z in zones.as_array().unwrap() {
        let zid = z["id"].as_str().unwrap().to_string();
        let off = post(&c, &base, "/api/catalog/offerings", json!({"zone_id": zid})).await[0]["id"].clone();
        let tpl = post(&c, &base, "/api/catalog/templates", json!({"zone_id": zid})).await[0]["id"].clone();
        targets.push((zid, off, tpl));
    }
    for i in 0..n {
        let (zid, off, tpl) = &targets[i % targets.len()];
        let r = post(&c, &base, "/api/instances/deploy", json!({"zone_id": zid, "offering_id": off, "template_id": tpl, "name": format!("vm-{i:04}"), "idempotency_key": uuid::Uuid::new_v4().to_string()})).await;
        assert!(r["instance_id"].is_string(), "{r}");
    }
    let listed = post(&c, &base, "/api/instances/list", json!({})).await;
    assert_eq!(listed["instances"].as_array().unwrap().len(), n);
    // The page the customer opens: its size, and its time against the cloud's own answer (the five
    // zones' listVirtualMachines, asked directly in parallel, as the panel asks them).
    let running = app_sim.as_ref().expect("the embedded simulator");
    let (key, secret) = running.sim.admin_credentials();
    let cfg = Arc::new(ClientConfig::default());
    let cloud =
        CloudStack::new(client::http_client(&cfg), &running.endpoint(), Credentials { api_key: key, secret_key: secret.into() }, cfg);
    let zone_list = cloud.list_zones().await.unwrap();
    let timed = |what: &'static str| {
        let (c, base, cloud, zone_list) = (c.clone(), base.clone(), cloud.clone(), zone_list.clone());
        async move {
            let mut v = Vec::new();
            let mut bytes = 0;
            for _ in 0..30 {
                let t = Instant::now();
                bytes = match what {
                    "cloud" => {
                        let out = across_zones(zone_list.clone(), Duration::from_secs(30), "listVirtualMachines", |z| {
                            let cloud = cloud.clone();
                            async move {
                                cloud.list_virtual_machines(&VmQuery { zone_id: Some(z.id), list_all: true, ..Default::default() }).await
                            }
                        })
                        .await;
                        out.iter().map(|o| o.result.as_ref().map_or(0, |v| v.len())).sum()
                    }
                    "json" => c
                        .post(format!("{base}/api/instances/list"))
                        .header("origin", &base)
                        .json(&json!({}))
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap()
                        .len(),
                    _ => c.get(&base).header("accept", "text/html").send().await.unwrap().bytes().await.unwrap().len(),
                };
                v.push(t.elapsed());
            }
            (pct(v, 0.5), bytes)
        }
    };
    let (cloud_t, vms) = timed("cloud").await;
    let (json_t, json_bytes) = timed("json").await;
    let (page_t, page_bytes) = timed("page").await;
    println!(
        "pages     {n} instances: the cloud answers {vms} VMs in {:.1} ms (median); /api/instances/list {:.1} ms = {:.2}× the cloud ({} KB); server-rendered / {:.1} ms = {:.2}× the cloud ({:.1} KB of HTML)",
        ms(cloud_t),
        ms(json_t),
        ms(json_t) / ms(cloud_t),
        json_bytes / 1024,
        ms(page_t),
        ms(page_t) / ms(cloud_t),
        page_bytes as f64 / 1024.0
    );
    let (clients, each) = (8, 40);
    // Warm up every path once.
    for p in ["/healthz", "/api/instances/list", "/"] {
        load(&c, &base, p, 1, 2).await;
    }
    let (h_rps, h50, h99) = load(&c, &base, "/healthz", clients, each * 5).await;
    println!(
        "pages     {n} instances in 5 zones, {clients} clients: /healthz {h_rps:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
        ms(h50),
        ms(h99)
    );
    for p in ["/api/instances/list", "/"] {
        let (rps, p50, p99) = load(&c, &base, p, clients, each).await;
        println!(
            "          {p}: {rps:.0} req/s ({:.3}× /healthz), p50 {:.1} ms ({:.0}×), p99 {:.1} ms ({:.0}×)",
            rps / h_rps,
            ms(p50),
            ms(p50) / ms(h50),
            ms(p99),
            ms(p99) / ms(h99)
        );
    }
    handle.abort();
}

/// Two servers on one PostgreSQL behind HAProxy against one of them alone, same client load.
async fn balanced() {
    let Some(base_url) = std::env::var("ZENITH_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        println!("balanced  skipped: set ZENITH_TEST_POSTGRES_URL");
        return;
    };
    let Some(haproxy) = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].into_iter().find(|p| std::path::Path::new(p).exists()) else {
        println!("balanced  skipped: no haproxy (bash .ci/setup test installs it)");
        return;
    };
    let name = format!("zenith_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&base_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
    let url = format!("{}/{name}", base_url.rsplit_once('/').unwrap().0);
    let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("http://127.0.0.1:{front}");
    let key = "5".repeat(64);
    // One cloud for both: the first server's embedded simulator.
    let (one, one_base) =
        app(&["--database-url", &url, "--secret-key", &key, "--public-url", &public, "--trusted-proxies", "127.0.0.1"]).await;
    let sim = format!("http://{}/client/api", one.sim.as_ref().unwrap().addr);
    let (k, sk) = one.sim.as_ref().unwrap().sim.admin_credentials();
    let (two, two_base) = app(&[
        "--database-url",
        &url,
        "--secret-key",
        &key,
        "--public-url",
        &public,
        "--trusted-proxies",
        "127.0.0.1",
        "--cloudstack-url",
        &sim,
        "--cloudstack-api-key",
        &k,
        "--cloudstack-secret-key",
        &sk,
    ])
    .await;
    let port = |b: &str| b.rsplit(':').next().unwrap().to_string();
    let cfg = include_str!("../tests/api/haproxy.cfg")
        .replace("{FRONT}", &front.to_string())
        .replace("{A}", &port(&one_base))
        .replace("{B}", &port(&two_base));
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("haproxy.cfg"), cfg).unwrap();
    let mut lb = std::process::Command::new(haproxy)
        .arg("-db")
        .arg("-f")
        .arg(dir.join("haproxy.cfg"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let h1 = tokio::spawn(one.run_with_shutdown(std::future::pending()));
    let h2 = tokio::spawn(two.run_with_shutdown(std::future::pending()));
    while reqwest::get(format!("{public}/readyz")).await.map(|r| !r.status().is_success()).unwrap_or(true) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The same customer through the balancer and directly (the session is in the database).
    let c = customer_with_instances(&public, "bench-balanced@example.com").await;
    let (clients, each) = (16, 60);
    load(&c, &public, "/api/instances/list", 2, 5).await;
    let (lb_rps, lb50, lb99) = load(&c, &public, "/api/instances/list", clients, each).await;
    let direct = browser();
    post(
        &direct,
        &one_base,
        "/api/auth/login",
        json!({"email": "bench-balanced@example.com", "password": "plum orbit falcon ninety3 kettle"}),
    )
    .await;
    let (one_rps, one50, one99) = load(&direct, &one_base, "/api/instances/list", clients, each).await;
    println!(
        "balanced  /api/instances/list, {clients} clients: two servers behind HAProxy {lb_rps:.0} req/s (p50 {:.1} ms, p99 {:.1} ms) vs one server {one_rps:.0} req/s (p50 {:.1} ms, p99 {:.1} ms) = {:.2}× on this machine's cores",
        ms(lb50),
        ms(lb99),
        ms(one50),
        ms(one99),
        lb_rps / one_rps
    );
    let _ = lb.kill();
    let _ = lb.wait();
    h1.abort();
    h2.abort();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

async fn export(lines: i64) {
    let dir = std::env::temp_dir().join(format!("zenith-bench-{}", uuid::Uuid::new_v4().simple()));
    let args = ["zenith", "--addr", "127.0.0.1:0", "--data-dir", dir.to_str().unwrap(), "--staff-require-2fa", "false", "--no-site-check"];
    let cli = Cli::try_parse_from(args).unwrap();
    let app = Application::build(cli.serve, leptos_options(([127, 0, 0, 1], 0).into())).await.unwrap();
    let base = format!("http://{}", app.addr);
    let db = app.db.clone();
    // 1,000 customers with 1,000 lines each, made by SQLite itself.
    let t = Instant::now();
    let customers = 1000;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {customers} - 1)
         INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at)
         SELECT printf('00000000-0000-4000-8000-%012d', i), printf('customer%d@example.com', i), 'x', 'customer', 0, 0 FROM n"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO customers (user_id, cs_account_name) SELECT id, 'zenith-' || replace(id, '-', '') FROM users WHERE role = 'customer'",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {lines} - 1)
         INSERT INTO statement_lines (id, customer_id, month, instance_id, offering_id, instance_name, zone_id, zone_name, offering_name, tier,
             usage_start, usage_end, micro_hours, hours, records, source_usage_ids, updated_at)
         SELECT printf('L202612-%016x', i), printf('00000000-0000-4000-8000-%012d', i % {customers}), '2026-12',
                printf('10000000-0000-4000-8000-%012d', i), 'o-1', printf('web-%d', i), 'z-1', 'Tokyo',
                CASE i % 2 WHEN 0 THEN 'Agile S' ELSE 'Stamina M' END, CASE i % 2 WHEN 0 THEN 'agile' ELSE 'stamina' END,
                1796083200000, 1798761600000, 744000000, 744, 744, printf('10000000-0000-4000-8000-%012d', i), 0 FROM n"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    println!("export    made {lines} lines for {customers} customers in {:.1} s", t.elapsed().as_secs_f64());
    let email = app::model::Email::parse("finance@example.com").unwrap();
    let pw = app::model::NewPassword::parse("plum orbit falcon ninety3 kettle").unwrap();
    server::auth::AuthService::upsert_staff(&db, app.auth.hasher(), &email, app::model::Role::Admin, &pw).await.unwrap();
    let handle = tokio::spawn(app.run_with_shutdown(std::future::pending()));
    let c = browser();
    let r = c
        .post(format!("{base}/api/auth/login"))
        .header("origin", &base)
        .json(&json!({"email": "finance@example.com", "password": "plum orbit falcon ninety3 kettle"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    // The panel: stream the export, count its bytes, watch memory.
    let before = rss();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t = Instant::now();
    let mut r = c.get(format!("{base}/support/billing/export.csv?month=2026-12")).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (mut bytes, mut rows) = (0usize, 0usize);
    while let Some(chunk) = r.chunk().await.unwrap() {
        bytes += chunk.len();
        rows += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let ours = t.elapsed();
    done.store(true, Ordering::Relaxed);
    watcher.await.unwrap();
    assert_eq!(rows as i64, lines + 1, "every line and the header");

    if std::env::var("ZENITH_BENCH_PARTS").is_ok() {
        // Where the time goes: the pages alone, then the pages rendered.
        for render in [false, true] {
            let t = Instant::now();
            let mut after: Option<(String, String)> = None;
            let mut n = 0;
            let mut out = String::new();
            let prices = server::billing::repo::prices(&db.pool).await.unwrap();
            loop {
                let page = server::billing::repo::lines_page(
                    &db,
                    &prices,
                    "2026-12",
                    None,
                    after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                    5000,
                )
                .await
                .unwrap();
                n += page.len();
                if render {
                    out.clear();
                    server::billing::export::write_lines(&mut out, &page, app::model::Currency::Eur, ("2026-12-01", "2026-12-31"));
                }
                if page.len() < 5000 {
                    break;
                }
                after = page.last().map(|l| (l.customer_id.clone(), l.id.clone()));
            }
            println!("export    parts: {n} rows read{} in {:.2} s", if render { " and rendered" } else { "" }, t.elapsed().as_secs_f64());
        }
    }
    // sqlite3 -csv reading the same rows (the export's own query) from the same file.
    let sql = format!("{} WHERE l.month = '2026-12' ORDER BY l.customer_id, l.id;", server::billing::repo::LINES_SQL.replace('\n', " "));
    let t = Instant::now();
    let out = std::process::Command::new("sqlite3")
        .arg("-csv")
        .arg(dir.join("zenith.db"))
        .arg(&sql)
        .stdout(std::process::Stdio::piped())
        .output();
    let theirs = t.elapsed();
    match out {
        Ok(o) if o.status.success() => {
            let their_rows = o.stdout.iter().filter(|b| **b == b'\n').count();
            println!(
                "export    {lines} lines: panel {:.2} s ({:.0} MB, {:.0} lines/s) vs sqlite3 -csv {:.2} s ({their_rows} rows): the panel streams at {:.2}× sqlite3's speed; resident memory grew {:.1} MB while streaming",
                ours.as_secs_f64(),
                bytes as f64 / 1e6,
                lines as f64 / ours.as_secs_f64(),
                theirs.as_secs_f64(),
                theirs.as_secs_f64() / ours.as_secs_f64(),
                (peak.load(Ordering::Relaxed).saturating_sub(before)) as f64 / 1048576.0
            );
        }
        other => println!("export    sqlite3 could not run ({other:?}); the panel took {:.2} s for {lines} lines", ours.as_secs_f64()),
    }
    handle.abort();
    let _ = std::fs::remove_dir_all(&dir);
}
