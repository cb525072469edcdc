//! What an attacker and a new customer ran into, each pinned by a test: parallel bursts against the
//! throttles, dual-stack addresses, unbounded input, sign-up floods and a full hashing queue, slow
//! clients, security changes without the password, errors outside the server functions, cloud texts,
//! file modes, racing deploy retries, and a binary built without cargo-leptos.

use crate::helpers::*;
use app::model::Tier;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::time::Duration;

crate::on_both_databases!(
    a_parallel_burst_of_wrong_passwords_is_checked_at_most_five_times,
    a_parallel_burst_from_one_address_is_checked_at_most_thirty_times,
    a_parallel_burst_of_wrong_codes_is_checked_at_most_five_times,
    huge_emails_leave_fixed_size_keys_and_nul_bytes_are_refused_with_400,
    two_retries_of_a_deploy_whose_outcome_was_unknown_make_one_instance,
    security_changes_ask_for_the_password_and_a_pending_sign_in_ends_with_a_password_change,
    a_returning_browser_signs_in_during_a_distributed_flood_that_fills_the_hashing_queue,
);

fn statuses(rs: &[Resp]) -> std::collections::BTreeMap<u16, usize> {
    let mut m = std::collections::BTreeMap::new();
    for r in rs {
        *m.entry(r.status).or_insert(0) += 1;
    }
    m
}

async fn burst(n: usize, make: impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Resp> + Send>>) -> Vec<Resp> {
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn a_parallel_burst_of_wrong_passwords_is_checked_at_most_five_times(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--trusted-proxies", "127.0.0.1")).await;
    app.customer("target@example.com").await;
    let base = app.base.clone();
    let rs = burst(40, move |i| {
        let base = base.clone();
        Box::pin(async move {
            // Each from its own address, so only the account's own limit applies.
            Client::new(&base)
                .post_with(
                    "/api/auth/login",
                    json!({"email": "target@example.com", "password": format!("wrong guess number {i}")}),
                    &[("x-forwarded-for", &format!("198.18.{}.{}", i / 200, i % 200 + 1))],
                )
                .await
        })
    })
    .await;
    let st = statuses(&rs);
    assert!(st.get(&401).copied().unwrap_or(0) <= 5, "{st:?}: more wrong passwords were checked than the policy allows");
    assert_eq!(st.get(&401).copied().unwrap_or(0) + st.get(&429).copied().unwrap_or(0), 40, "{st:?}");
}

async fn a_parallel_burst_from_one_address_is_checked_at_most_thirty_times(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--trusted-proxies", "127.0.0.1")).await;
    let base = app.base.clone();
    let rs = burst(60, move |i| {
        let base = base.clone();
        Box::pin(async move {
            Client::new(&base)
                .post_with(
                    "/api/auth/login",
                    json!({"email": format!("nobody{i}@example.com"), "password": "x".repeat(20)}),
                    &[("x-forwarded-for", "198.18.7.7")],
                )
                .await
        })
    })
    .await;
    let st = statuses(&rs);
    assert!(st.get(&401).copied().unwrap_or(0) <= 30, "{st:?}");
    assert!(rs.iter().all(|r| r.status < 500), "{st:?}");
}

async fn a_parallel_burst_of_wrong_codes_is_checked_at_most_five_times(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("codes@example.com").await;
    enable_2fa(&c).await;
    let mut pending = Vec::new();
    for _ in 0..10 {
        let p = app.client();
        assert_eq!(p.login("codes@example.com", PASSWORD).await.body["two_factor_required"], true);
        pending.push(p);
    }
    let tasks: Vec<_> =
        pending.into_iter().map(|p| tokio::spawn(async move { p.post("/api/auth/login/2fa", json!({"code": "000000"})).await })).collect();
    let mut rs = Vec::new();
    for t in tasks {
        rs.push(t.await.unwrap());
    }
    let st = statuses(&rs);
    assert!(st.get(&400).copied().unwrap_or(0) <= 5, "{st:?}: more codes were checked than the policy allows");
    assert!(st.get(&429).copied().unwrap_or(0) >= 5, "{st:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv4_clients_of_a_dual_stack_listener_are_counted_apart_and_shown_as_ipv4() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--addr", "[::]:0")).await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let from = |ip: &str| {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .local_address(ip.parse::<IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client { http, base: format!("http://127.0.0.1:{port}") }
    };
    for i in 0..30 {
        let r = from("127.0.0.2").login(&format!("nobody{i}@example.com"), "wrong wrong wrong").await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    assert_eq!(from("127.0.0.2").login("nobody@example.com", "wrong wrong wrong").await.status, 429, "the address is throttled");
    assert_eq!(from("127.0.0.3").login("nobody@example.com", "wrong wrong wrong").await.status, 401, "its neighbour is not");
    let c = from("127.0.0.4");
    assert_eq!(c.signup("dual@example.com", PASSWORD).await.status, 200);
    let sessions = c.post("/api/account/sessions", json!({})).await.body;
    assert_eq!(sessions[0]["ip"], "127.0.0.4", "recorded as the IPv4 address it is: {sessions}");
    let log = c.post("/api/account/security_log", json!({})).await.body;
    assert_eq!(log[0]["ip"], "127.0.0.4", "{log}");
}

async fn huge_emails_leave_fixed_size_keys_and_nul_bytes_are_refused_with_400(store: Store) {
    let app = TestApp::spawn_on(store).await;
    for _ in 0..5 {
        let r = app.client().login(&format!("{}@example.com", "a".repeat(900_000)), "wrong wrong wrong").await;
        assert!(r.status < 500, "{}", r.status);
    }
    let (longest,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(LENGTH(scope)) FROM throttle_attempts").fetch_one(&app.db.pool).await.unwrap();
    assert!(longest.unwrap_or(0) <= 64, "throttle keys are digests: {longest:?}");

    let c = app.customer("nul@example.com").await;
    let nul = "bad\u{0}value";
    for (path, body, field) in [
        ("/api/auth/signup", json!({"email": format!("x{nul}@example.com"), "password": PASSWORD}), "email"),
        ("/api/auth/signup", json!({"email": "fresh@example.com", "password": format!("{PASSWORD}{nul}")}), "password"),
        ("/api/auth/login", json!({"email": format!("nul{nul}@example.com"), "password": PASSWORD}), "email"),
        ("/api/auth/login", json!({"email": "nul@example.com", "password": nul}), "password"),
        (
            "/api/instances/deploy",
            json!({"zone_id": "z", "offering_id": "o", "template_id": "t", "name": nul, "idempotency_key": "nul-test-0001"}),
            "name",
        ),
        (
            "/api/instances/deploy",
            json!({"zone_id": "z", "offering_id": "o", "template_id": "t", "name": "ok", "user_data": nul, "idempotency_key": "nul-test-0002"}),
            "user_data",
        ),
        (
            "/api/instances/deploy",
            json!({"zone_id": "z", "offering_id": "o", "template_id": "t", "name": "ok", "ssh_key_name": nul, "idempotency_key": "nul-test-0003"}),
            "ssh_key_name",
        ),
        ("/api/account/password", json!({"current_password": PASSWORD, "new_password": format!("{PASSWORD}{nul}")}), "new_password"),
    ] {
        let r = c.post(path, body).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some(field)), "{path}: {}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_is_limited_per_address() {
    let app = TestApp::spawn().await;
    let mut created = 0;
    let mut last = None;
    for i in 0..15 {
        let r = app.client().signup(&format!("bulk{i}@example.com"), PASSWORD).await;
        created += (r.status == 200) as usize;
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(created, 10, "the default allows ten sign-ups an hour from one address");
    assert_eq!((last.status, last.error_code()), (429, "too_many_requests"));
    assert!(last.headers.contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hashing_queue_answers_503_with_retry_after_instead_of_queueing() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--hash-concurrency", "1").arg("--hash-queue", "1")).await;
    let base = app.base.clone();
    let rs = burst(24, move |i| {
        let base = base.clone();
        Box::pin(async move { Client::new(&base).login(&format!("flood{i}@example.com"), "wrong wrong wrong").await })
    })
    .await;
    let busy: Vec<&Resp> = rs.iter().filter(|r| r.status == 503).collect();
    assert!(!busy.is_empty(), "{:?}", statuses(&rs));
    assert!(busy.iter().all(|r| r.error_code() == "unavailable" && r.headers.contains_key("retry-after")));
    assert!(rs.iter().all(|r| matches!(r.status, 401 | 429 | 503)), "{:?}", statuses(&rs));
}

/// OWASP's device cookie: a browser that signed in to an account before signs in to it again during a
/// distributed flood (100 wrong passwords for unknown emails from 100 addresses) that fills the
/// common hashing queue, while a browser without one is told the panel is busy.
async fn a_returning_browser_signs_in_during_a_distributed_flood_that_fills_the_hashing_queue(store: Store) {
    let app = TestApp::spawn_with(
        Options::new(store)
            .arg("--hash-concurrency", "1")
            .arg("--hash-queue", "2")
            .arg("--hash-reserved", "1")
            .arg("--trusted-proxies", "127.0.0.1"),
    )
    .await;
    let returning = app.customer("returning@example.com").await;
    let set = returning.post("/api/auth/logout", json!({})).await;
    assert_eq!(set.status, 200);
    // Sign-up set the device cookie: HttpOnly, SameSite=Strict, a year, signed and naming the account.
    let again = returning.login("returning@example.com", PASSWORD).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let cookie = again.set_cookies().into_iter().find(|c| c.starts_with("zenith_device=")).expect("a device cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=31536000"), "{cookie}");
    assert!(!captured_logs().contains(cookie.split(';').next().unwrap().trim_start_matches("zenith_device=")), "never logged");
    returning.post("/api/auth/logout", json!({})).await;
    let stranger = app.customer("stranger@example.com").await;
    stranger.post("/api/auth/logout", json!({})).await;
    let fresh = app.client(); // the same account's password, from a browser that never signed in

    for round in 0..3 {
        let base = app.base.clone();
        let flood: Vec<_> = (0..100)
            .map(|i| {
                let base = base.clone();
                tokio::spawn(async move {
                    let c = Client::new(&base);
                    let ip = format!("10.{round}.{}.{}", i / 250, i % 250 + 1);
                    let r = c
                        .post_with(
                            "/api/auth/login",
                            json!({"email": format!("bot{round}-{i}@example.com"), "password": "wrong wrong wrong"}),
                            &[("x-forwarded-for", &ip)],
                        )
                        .await;
                    r.status
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let (mine, theirs) =
            tokio::join!(returning.login("returning@example.com", PASSWORD), fresh.login("stranger@example.com", PASSWORD));
        let flood: Vec<u16> = futures::future::join_all(flood).await.into_iter().map(|r| r.unwrap()).collect();
        assert!(flood.contains(&503), "the flood filled the common queue: {flood:?}");
        assert_eq!(mine.status, 200, "round {round}: the returning browser is served from the reserved share: {}", mine.body);
        returning.post("/api/auth/logout", json!({})).await;
        if theirs.status == 200 {
            fresh.post("/api/auth/logout", json!({})).await;
        } else {
            assert_eq!(theirs.status, 503, "a new browser keeps today's limits: {}", theirs.body);
        }
    }
    // A device cookie of another account, or a forged one, is a new browser.
    let forged = Client::new(&app.base);
    let r = forged
        .post_with(
            "/api/auth/login",
            json!({"email": "returning@example.com", "password": PASSWORD}),
            &[("cookie", "zenith_device=v1.x.y.00")],
        )
        .await;
    assert_eq!(r.status, 200, "a bad cookie costs nothing but the reserved share: {}", r.body);
}

/// Opens a raw connection to the app.
fn raw(app: &TestApp) -> TcpStream {
    let s = TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// True when the server closed the connection (or answered and closed it).
fn closed(mut s: TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_and_connections_are_capped() {
    let app = TestApp::spawn_with(
        Options::new(Store::Sqlite)
            .arg("--header-timeout-secs", "1")
            .arg("--body-timeout-secs", "1")
            .arg("--idle-timeout-secs", "2")
            .arg("--max-connections", "3"),
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let checks = tokio::task::spawn_blocking({
        move || {
            let open = || TcpStream::connect(&addr).unwrap();
            let mut headers = open();
            headers.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\n").unwrap();
            let mut body = open();
            body.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                .unwrap();
            let mut idle = open();
            idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut first = [0u8; 512];
            assert!(idle.read(&mut first).unwrap() > 0, "the idle connection got its answer first");
            // All three permits are taken: a fourth connection waits in the backlog.
            let mut waiting = open();
            waiting.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
            waiting.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
            let mut buf = [0u8; 512];
            assert!(waiting.read(&mut buf).is_err(), "a fourth connection is not served while three are open");
            for s in [&headers, &body, &idle] {
                s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
            }
            let slow = [closed(headers), closed(body), closed(idle)];
            waiting.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
            let served = waiting.read(&mut buf).unwrap_or(0) > 0 && buf.starts_with(b"HTTP/1.1 200");
            (slow, served)
        }
    })
    .await
    .unwrap();
    assert_eq!(checks.0, [true, true, true], "trickled headers, a trickled body and an idle connection are all closed");
    assert!(checks.1, "once they are closed, the waiting connection is served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_outside_the_server_functions_carry_the_envelope() {
    let app = TestApp::spawn().await;
    let c = app.customer("edges@example.com").await;
    let big = json!({"x": "a".repeat(2 * 1024 * 1024)});
    let r = c.post("/api/auth/me", big).await;
    assert_eq!((r.status, r.error_code()), (413, "payload_too_large"), "{}", r.body);
    let r = c.get("/api/auth/me").await;
    assert_eq!((r.status, r.error_code()), (405, "method_not_allowed"), "{}", r.body);
    let r = c.post("/api/no/such/endpoint", json!({})).await;
    assert_eq!((r.status, r.error_code()), (404, "not_found"), "{}", r.body);
    let r = into_resp(
        c.http
            .post(format!("{}/api/auth/me", app.base))
            .header("origin", &app.base)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, r.error_code()), (415, "unsupported_media_type"));
    // Downloads: a query that does not parse is the envelope too, saying what was wrong.
    let admin = staff_as(&app, "edges-admin@example.com", app::model::Role::Admin).await;
    for (who, path) in [
        (&c, "/billing/export.csv?month=2027-02&month=2027-02"),
        (&admin, "/support/billing/export.csv?month=2027-02&month=2027-02"),
        (&admin, "/support/audit.csv?from=2026-12-01&from=2026-12-02"),
    ] {
        let r = who.get(path).await;
        assert_eq!((r.status, r.error_code()), (400, "bad_request"), "{path}: {}", r.body);
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        assert!(r.error_message().contains("duplicate field"), "{path}: {}", r.error_message());
    }
    let mut s = raw(&app);
    s.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"email\":")
        .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    if let Some(body) = answer.split("\r\n\r\n").nth(1) {
        let v: Value = serde_json::from_str(body.trim()).unwrap_or(Value::Null);
        assert!(v["error"]["code"].is_string(), "a body that never finishes gets the envelope: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cloudstack_writes_never_reaches_the_customer() {
    let app = TestApp::spawn().await;
    let c = app.customer("texts@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Miami");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    c.post("/api/instances/list", json!({})).await;
    app.set_faults(json!({"fail_next_calls": 1, "fail_with": {"errorcode": 431, "errortext": "account zenith-4f1c in domain 8a11-22 refused input <script>"}}))
        .await;
    let r = c
        .post(
            "/api/instances/deploy",
            json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "echo", "idempotency_key": "echo-test-0001"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    for leaked in ["zenith-4f1c", "8a11", "<script>"] {
        assert!(!r.error_message().contains(leaked), "{}", r.error_message());
    }
    assert!(captured_logs().contains("zenith-4f1c"), "the detail goes to the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    app.customer("modes@example.com").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir), 0o700);
    let mut files = 0;
    for e in std::fs::read_dir(&app.data_dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            files += 1;
            assert_eq!(mode(&p) & 0o077, 0, "{} is readable by others", p.display());
        }
    }
    assert!(files >= 3, "the database, the master key and the simulator's state: {files}");
}

async fn two_retries_of_a_deploy_whose_outcome_was_unknown_make_one_instance(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("retry@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Barcelona");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    c.post("/api/instances/list", json!({})).await;
    let body = json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "twice", "idempotency_key": "unknown-outcome-1"});
    // The deploy call itself fails the way a lost answer does: its outcome is unknown.
    app.set_faults(json!({"fail_next_calls": 1})).await;
    let first = c.post("/api/instances/deploy", body.clone()).await;
    assert_eq!(first.status, 503, "{}", first.body);
    let (a, b) = tokio::join!(c.post("/api/instances/deploy", body.clone()), c.post("/api/instances/deploy", body.clone()));
    assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.body, b.body);
    assert_eq!(a.body, b.body, "both retries get the same answer");
    let list = c.post("/api/instances/list", json!({})).await.body;
    assert_eq!(list["instances"].as_array().unwrap().len(), 1, "{list}");
}

async fn security_changes_ask_for_the_password_and_a_pending_sign_in_ends_with_a_password_change(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("stepup@example.com").await;
    let r = c.post("/api/account/2fa/begin", json!({})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("password")), "{}", r.body);
    let r = c.post("/api/account/2fa/begin", json!({"password": "not the password at all"})).await;
    assert_eq!(r.status, 400);
    let other = app.client();
    other.login("stepup@example.com", PASSWORD).await;
    let r = c.post("/api/account/sessions/revoke", json!({"all_others": true})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("password")));
    assert_eq!(other.me().await.status, 200, "nothing was ended without the password");
    let r = c.post("/api/account/sessions/revoke", json!({"all_others": true, "password": PASSWORD})).await;
    assert_eq!((r.status, r.body["revoked"].as_u64()), (200, Some(1)), "{}", r.body);
    assert_eq!(other.me().await.status, 401);

    let (secret, _) = enable_2fa(&c).await;
    let pending = app.client();
    assert_eq!(pending.login("stepup@example.com", PASSWORD).await.body["two_factor_required"], true);
    let r =
        c.post("/api/account/password", json!({"current_password": PASSWORD, "new_password": "violet harbor quartz 1987 lantern"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = server::auth::totp::code(&secret, server::auth::totp::step_at(chrono::Utc::now().timestamp()) + 1).unwrap();
    let r = pending.post("/api/auth/login/2fa", json!({"code": code})).await;
    assert_eq!(r.status, 403, "the sign-in begun with the old password is void: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_name_the_wasm_as_cargo_leptos_builds_it_and_a_missing_site_stops_the_start() {
    let app = TestApp::spawn().await;
    // Signing in and up are taken over by their own bundle, every other page by the panel's,
    // "not found" included (the router does not take `/login/` for `/login`).
    for page in ["/login", "/signup"] {
        let html = app.client().get(page).await.body.as_str().unwrap().to_string();
        assert!(html.contains("/pkg/public.wasm") && html.contains("/pkg/public.js"), "{page} loads public.wasm");
        assert!(!html.contains("/pkg/zenith.wasm") && !html.contains("/pkg/zenith.js"), "{page} never loads the panel's code");
        assert!(html.contains("/pkg/zenith.css"), "{page} has the one stylesheet");
    }
    let html = app.client().get("/login/").await.body.as_str().unwrap().to_string();
    assert!(html.contains("/pkg/zenith.wasm") && !html.contains("public.wasm"), "/login/ is the panel's not-found page");
    let c = app.customer("bundles@example.com").await;
    for page in ["/", "/nowhere", "/LOGIN"] {
        let html = c.get(page).await.body.as_str().unwrap().to_string();
        assert!(html.contains("/pkg/zenith.wasm") && html.contains("/pkg/zenith.js"), "{page} loads zenith.wasm");
        assert!(!html.contains("public.wasm"), "{page}");
    }
    let html = c.get("/").await.body.as_str().unwrap().to_string();
    assert!(!html.contains("zenith_bg.wasm"), "a binary built by cargo names the wasm as cargo-leptos does");

    let empty = std::env::temp_dir().join(format!("zenith-nosite-{}", uuid::Uuid::new_v4().simple()));
    let site =
        leptos::config::LeptosOptions::builder().output_name("zenith").site_root(empty.display().to_string()).site_pkg_dir("pkg").build();
    let args = <server::config::Cli as clap::Parser>::try_parse_from([
        "zenith",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        &empty.display().to_string(),
    ])
    .unwrap();
    let err = server::startup::Application::build(args.serve, site).await.err().expect("no site, no start");
    assert!(err.to_string().contains("cargo leptos build"), "{err}");
    std::fs::remove_dir_all(empty).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickled_a_byte_at_a_time_gets_408_at_its_deadline_and_the_connection_closes() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--body-timeout-secs", "1")).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let (answer, took, closed_after) = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(250))).unwrap();
        let started = std::time::Instant::now();
        s.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        // A byte every 200 ms: each arrives well within any per-chunk timeout; the whole never does.
        while started.elapsed() < Duration::from_secs(6) {
            let _ = s.write_all(b" ");
            match s.read(&mut buf) {
                Ok(0) => return (String::from_utf8_lossy(&got).to_string(), started.elapsed(), true),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
        (String::from_utf8_lossy(&got).to_string(), started.elapsed(), false)
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "with the envelope: {answer}");
    assert!(closed_after && took < Duration::from_secs(3), "closed {closed_after} after {took:?}");
}
