//! Prometheus metrics through the `metrics` crate: what is recorded (the names below, one place),
//! the recorder (one per process, as the crate's macros need), and `GET /metrics`, which only the
//! configured networks may read (`ZENITH_METRICS_ALLOW`, loopback by default): the series name
//! routes and zones, which is no one else's business.
//!
//! Labels are closed sets, so a scraper never sees unbounded series: a route is the router's
//! pattern (`/instances/{id}`, never the id), a cloud command is CloudStack's own name, a status is a
//! number. Gauges that describe the server right now (open connections, the hash queue) are read
//! when scraped rather than kept up to date on every change.

use app::model::firewall::Cidr;
use app::ports::ClientInfo;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub const HTTP_REQUESTS: &str = "zenith_http_requests_total";
pub const HTTP_DURATION: &str = "zenith_http_request_duration_seconds";
pub const CLOUD_CALLS: &str = "zenith_cloud_calls_total";
pub const CLOUD_DURATION: &str = "zenith_cloud_call_duration_seconds";
pub const JOBS_FINISHED: &str = "zenith_jobs_finished_total";
pub const JOB_DURATION: &str = "zenith_job_duration_seconds";
pub const INGEST_PASSES: &str = "zenith_usage_ingest_passes_total";
pub const INGEST_LAG: &str = "zenith_usage_ingest_lag_seconds";
pub const HASH_QUEUE: &str = "zenith_password_hash_queue_depth";
pub const OPEN_CONNECTIONS: &str = "zenith_open_connections";
pub const DRAINING: &str = "zenith_draining";
pub const MAIL_SENT: &str = "zenith_mail_sent_total";
pub const MAIL_FAILED: &str = "zenith_mail_failed_total";
pub const MAIL_WAITING: &str = "zenith_mail_waiting";

/// The process's recorder, installed on first use (the integration tests build many panels in one
/// process; they share it, as every server in one process would).
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Requests and cloud calls take milliseconds to tens of seconds; jobs seconds to an hour.
        let requests = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        let jobs = [1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &requests)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(CLOUD_DURATION.into()), &requests))
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), &jobs))
            .expect("the bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only this one's series");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route pattern and status.");
    metrics::describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "Time to answer an HTTP request, by method and route pattern.");
    metrics::describe_counter!(CLOUD_CALLS, "CloudStack API calls, by command, zone and outcome (ok, error).");
    metrics::describe_histogram!(CLOUD_DURATION, metrics::Unit::Seconds, "Time a CloudStack API call took, retries included.");
    metrics::describe_counter!(JOBS_FINISHED, "Asynchronous jobs that ended, by kind and outcome (succeeded, failed, gave_up).");
    metrics::describe_histogram!(JOB_DURATION, metrics::Unit::Seconds, "Time from a job's start to its end, by kind and outcome.");
    metrics::describe_counter!(INGEST_PASSES, "Usage ingestion passes, by outcome (done, busy, error).");
    metrics::describe_gauge!(
        INGEST_LAG,
        metrics::Unit::Seconds,
        "How far behind now the ingested usage reaches, after this server's last pass."
    );
    metrics::describe_gauge!(HASH_QUEUE, "Sign-ins waiting for a password-hashing thread.");
    metrics::describe_gauge!(OPEN_CONNECTIONS, "HTTP connections open right now.");
    metrics::describe_gauge!(DRAINING, "1 while the server is shutting down and finishing its requests.");
    metrics::describe_counter!(MAIL_SENT, "Messages handed to the mail server (or written as .eml files), by kind.");
    metrics::describe_counter!(MAIL_FAILED, "Failed delivery attempts, by kind and outcome (retry, gave_up).");
    metrics::describe_gauge!(MAIL_WAITING, "Messages in the outbox not yet delivered (nor given up).");
}

/// Records every request once it is answered. Runs inside the router, where the matched route is known.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let route = match req.extensions().get::<MatchedPath>() {
        Some(m) => m.as_str().to_string(),
        // Files and unknown paths: one series for all of them, not one per path a scanner tries.
        None => "other".to_string(),
    };
    let method = method_label(req.method());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    res
}

fn method_label(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// A CloudStack call's outcome.
pub fn cloud_call(command: &str, zone: &str, ok: bool, took: Duration) {
    // Commands are CloudStack's fixed names; zones are a handful of ids. Both are bounded.
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!(CLOUD_CALLS, "command" => command.to_string(), "zone" => zone.to_string(), "outcome" => outcome).increment(1);
    metrics::histogram!(CLOUD_DURATION, "command" => command.to_string(), "zone" => zone.to_string()).record(took.as_secs_f64());
}

/// A job's end, `took` after it started.
pub fn job_finished(kind: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!(JOBS_FINISHED, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "kind" => kind, "outcome" => outcome).record(took.as_secs_f64());
}

/// An ingestion pass's outcome and, when it moved, how far behind now the ingested usage reaches.
pub fn ingest_pass(outcome: &'static str, lag: Option<Duration>) {
    metrics::counter!(INGEST_PASSES, "outcome" => outcome).increment(1);
    if let Some(lag) = lag {
        metrics::gauge!(INGEST_LAG).set(lag.as_secs_f64());
    }
}

/// What `/metrics` reads at scrape time, and who may scrape.
#[derive(Clone)]
pub struct Scrape {
    pub allow: Arc<Vec<Cidr>>,
    pub open_connections: crate::http::serve::OpenConnections,
    pub hash_queue: Arc<dyn Fn() -> usize + Send + Sync>,
    pub draining: crate::http::serve::Draining,
}

pub async fn scrape(State(s): State<Scrape>, client: Option<Extension<ClientInfo>>) -> Response {
    let allowed = client.and_then(|c| c.0.ip).is_some_and(|ip| s.allow.iter().any(|n| n.contains(ip)));
    if !allowed {
        // As if there were nothing here: the panel's internals are not for the public.
        return app::error::AppError::NotFound.into_response();
    }
    metrics::gauge!(OPEN_CONNECTIONS).set(s.open_connections.get() as f64);
    metrics::gauge!(HASH_QUEUE).set((s.hash_queue)() as f64);
    metrics::gauge!(DRAINING).set(if s.draining.is_draining() { 1.0 } else { 0.0 });
    let handle = recorder();
    handle.run_upkeep();
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}
