//! Running the panel for real: metrics for Prometheus, request ids, readiness while draining.

use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn series<'a>(metrics: &'a str, name: &str) -> Vec<&'a str> {
    metrics.lines().filter(|l| l.starts_with(name) && !l.starts_with('#')).collect()
}

#[tokio::test]
async fn metrics_speak_prometheus_with_route_patterns_cloud_calls_and_gauges() {
    let app = TestApp::spawn().await;
    let c = app.customer("metrics@example.com").await;
    assert_eq!(c.post("/api/instances/list", json!({})).await.status, 200);
    // An id in a path is one series for the route, not one per id a scanner tries.
    let _ = c.get("/instances/i-do-not-exist-4711").await;
    let _ = c.get("/wp-login.php").await;

    let r = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    for t in [
        "# TYPE zenith_http_requests_total counter",
        "# TYPE zenith_http_request_duration_seconds histogram",
        "# TYPE zenith_cloud_calls_total counter",
        "# TYPE zenith_open_connections gauge",
        "# TYPE zenith_password_hash_queue_depth gauge",
    ] {
        assert!(text.contains(t), "{t} missing from /metrics:\n{text}");
    }
    let listed = series(&text, "zenith_http_requests_total")
        .into_iter()
        .any(|l| l.contains(r#"route="/api/instances/list""#) && l.contains(r#"status="200""#) && l.contains(r#"method="POST""#));
    assert!(listed, "no series for the instance list:\n{text}");
    assert!(!text.contains("i-do-not-exist-4711") && !text.contains("wp-login"), "a path became a label:\n{text}");
    assert!(series(&text, "zenith_http_requests_total").iter().any(|l| l.contains(r#"route="other""#)), "unmatched paths share one series");
    let cloud = series(&text, "zenith_cloud_calls_total");
    assert!(cloud.iter().any(|l| l.contains(r#"command="listVirtualMachines""#) && l.contains(r#"outcome="ok""#)), "{cloud:?}");
    let open: f64 = series(&text, "zenith_open_connections")[0].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(open >= 1.0, "the scrape's own connection is open: {open}");
}

#[tokio::test]
async fn metrics_are_only_for_the_allowed_networks_as_the_client_address_resolves() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--trusted-proxies", "127.0.0.1")).await;
    let http = reqwest::Client::new();
    // Through the (trusted) proxy on behalf of someone on the internet: not for them.
    let r = http.get(format!("{}/metrics", app.base)).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(!body.contains("zenith_"), "{body}");
    // Prometheus on the loopback, directly: allowed.
    assert_eq!(http.get(format!("{}/metrics", app.base)).send().await.unwrap().status(), 200);

    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--metrics-allow", "192.0.2.0/24")).await;
    assert_eq!(http.get(format!("{}/metrics", app.base)).send().await.unwrap().status(), 404, "loopback is not in the list");
}

#[tokio::test]
async fn every_answer_carries_its_own_request_id_made_by_the_server() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let a = c.get("/healthz").await;
    let b = c.get("/healthz").await;
    let id = |r: &Resp| r.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (ia, ib) = (id(&a), id(&b));
    assert!(ia.len() == 32 && ia.chars().all(|ch| ch.is_ascii_hexdigit()), "{ia:?}");
    assert_ne!(ia, ib, "two requests, two ids");

    // A client cannot choose its id (it would write what it likes into the logs).
    let r = c.post_with("/api/auth/me", json!({}), &[("x-request-id", "forged-by-the-client")]).await;
    assert_eq!(r.status, 401);
    let rid = id(&r);
    assert_ne!(rid, "forged-by-the-client");
    assert_eq!(rid.len(), 32);
    assert_eq!(r.error_code(), "unauthorized");
    // The envelope itself stays the same for everyone (a wrong password and an unknown email must
    // read alike): only an internal failure carries its id (see below).
    assert!(r.body["error"].get("reference").is_none(), "{}", r.body);

    // Also on answers made outside the server functions, and on pages.
    let r = c.post("/api/no/such/thing", json!({})).await;
    assert_eq!(r.status, 404);
    assert_eq!(id(&r).len(), 32);
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert_eq!(id(&r).len(), 32);
}

#[tokio::test]
async fn an_internal_failure_names_its_request_id_in_the_envelope_and_on_the_page() {
    let app = TestApp::spawn().await;
    let c = app.customer("reference@example.com").await;
    assert_eq!(c.post("/api/billing/statement", json!({})).await.status, 200);
    // The database loses a table: the statement cannot be read, which only the logs explain.
    sqlx::query("DROP TABLE statement_lines").execute(&app.db.pool).await.unwrap();
    let id = |r: &Resp| r.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();

    let r = c.post("/api/billing/statement", json!({})).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code(), "internal");
    assert_eq!(r.body["error"]["reference"], id(&r), "the reference is the answer's own request id: {}", r.body);
    assert!(!r.error_message().contains("statement_lines"), "no SQL reaches the customer: {}", r.body);

    // The page rendered for the browser says the same, next to the message.
    let r = c.get("/billing").await;
    let page = r.body.as_str().unwrap_or_default();
    assert!(page.contains("Something went wrong on our side"), "{page}");
    let shown = format!(r#"Reference: <code class="reference">{}</code>"#, id(&r));
    assert!(page.contains(&shown), "the page shows its request id {}:\n{page}", id(&r));
    assert!(!page.contains("no such table"), "{page}");
}

#[tokio::test]
async fn a_draining_server_says_it_is_not_ready_keeps_serving_for_the_delay_then_stops() {
    let mut app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--shutdown-delay-secs", "2")).await;
    let c = app.client();
    assert_eq!(c.get("/readyz").await.status, 200);
    app.begin_stop();
    let started = Instant::now();
    let mut saw_draining = false;
    while started.elapsed() < Duration::from_millis(1500) {
        let r = c.get("/readyz").await;
        if r.status == 503 {
            assert_eq!(r.body["status"], "draining");
            saw_draining = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(saw_draining, "/readyz never said draining");
    // Still answering (the balancer has not taken it out yet): requests are served, not refused.
    assert_eq!(c.get("/healthz").await.status, 200);
    let base = app.base.clone();
    app.stop().await;
    assert!(started.elapsed() >= Duration::from_secs(2), "the port stayed open for the delay");
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "the port is closed after stopping");
}

#[tokio::test]
async fn requests_in_flight_when_the_server_is_told_to_stop_are_completed() {
    let mut app = TestApp::spawn().await;
    let c = app.customer("inflight@example.com").await;
    app.set_faults(json!({"latency_ms": 1200})).await;
    let slow = {
        let c = c.clone();
        tokio::spawn(async move { c.post("/api/instances/list", json!({})).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.begin_stop();
    let r = slow.await.unwrap();
    assert_eq!(r.status, 200, "the in-flight request was completed: {}", r.body);
    assert!(r.body["instances"].is_array(), "{}", r.body);
    app.stop().await;
}

crate::on_both_databases!(a_server_of_the_previous_version_starts_on_a_database_a_newer_one_migrated);

async fn a_server_of_the_previous_version_starts_on_a_database_a_newer_one_migrated(store: Store) {
    let app = TestApp::spawn_on(store).await;
    // What the next version's migration leaves behind, as far as this version can tell.
    let checksum = match store {
        Store::Sqlite => "X'00'",
        Store::Postgres => "'\\x00'::bytea",
    };
    sqlx::query(&format!(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (99999, 'from the future', CURRENT_TIMESTAMP, TRUE, {checksum}, 1)"
    ))
    .execute(&app.db.pool)
    .await
    .expect("recording a newer migration");
    let reuse = app.stop().await;
    let again = TestApp::spawn_with(Options { reuse: Some(reuse), ..Options::new(store) }).await.owning_its_data();
    assert_eq!(again.client().get("/readyz").await.status, 200, "the older server starts and serves");
}
