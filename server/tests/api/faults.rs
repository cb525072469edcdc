//! The cloud's bad days, one simulator switch each: every page still renders (200, naming what is
//! missing), writes fail with a clear message and leave nothing half-done, and reads recover by
//! themselves when the fault ends.

use crate::helpers::*;
use app::model::{InstanceState, JobStatus, Tier};
use serde_json::{json, Value};
use server::instances::InstanceError;
use std::time::{Duration, Instant};

crate::on_both_databases!(
    a_zone_that_is_down_is_named_on_every_page_its_writes_fail_clearly_and_it_comes_back_by_itself,
    a_slow_zone_is_named_as_not_answering_while_the_rest_of_the_list_comes_at_the_deadline,
    calls_failing_with_a_cloudstack_error_fail_the_write_clearly_and_change_nothing,
    a_job_the_cloud_fails_ends_failed_with_the_reason_and_the_instance_as_it_was,
    a_job_that_never_finishes_stays_pending_blocks_a_second_action_and_pages_keep_rendering,
);

async fn names(c: &Client) -> Vec<String> {
    let r = c.post("/api/instances/list", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut n: Vec<String> = r.body["instances"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect();
    n.sort();
    n
}

/// A page as a signed-in browser loads it (server-rendered HTML): status and text.
async fn page(c: &Client, path: &str) -> (u16, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn a_zone_that_is_down_is_named_on_every_page_its_writes_fail_clearly_and_it_comes_back_by_itself(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("down@example.com").await;
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "in-tokyo").await;
    let (miami, _) = deploy(&c, &zone_id(&cat, "Miami"), Tier::Agile, "in-miami").await;
    app.set_faults(json!({"down_zones": ["Miami"]})).await;

    assert_eq!(names(&c).await, ["in-tokyo"]);
    let (status, html) = page(&c, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("The Miami zone is unreachable"), "the list page names the zone");
    let (status, html) = page(&c, &format!("/instances/{miami}")).await;
    assert_eq!(status, 200, "the instance page renders");
    assert!(html.contains("The Miami zone is unreachable right now"), "and names the zone it cannot show: {html}");
    let (status, _) = page(&c, "/firewall").await;
    assert_eq!(status, 200);

    let r = c.post("/api/instances/action", json!({"id": miami, "action": "stop"})).await;
    assert_eq!(r.status, 503, "{}", r.body);
    // The cloud is asked by id alone; the panel knows where the instance lives and names it.
    assert!(r.error_message().starts_with("The Miami zone is unreachable right now"), "{}", r.error_message());
    // What the panel knows of one customer's instance is never told to another.
    let other = app.customer("down-other@example.com").await;
    let r = other.post("/api/instances/action", json!({"id": miami, "action": "stop"})).await;
    assert!(!r.error_message().contains("Miami"), "{}", r.body);
    let jobs: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'stop'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(jobs.0, 0, "no job was recorded for a write the cloud never took");

    app.set_faults(json!({"down_zones": []})).await;
    assert_eq!(names(&c).await, ["in-miami", "in-tokyo"], "back by itself, no restart, nothing lost");
    assert_eq!(state_of(&c, &miami).await, InstanceState::Running);
}

async fn a_slow_zone_is_named_as_not_answering_while_the_rest_of_the_list_comes_at_the_deadline(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--zone-deadline-ms", "600")).await;
    let c = app.customer("slow@example.com").await;
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "in-tokyo").await;
    deploy(&c, &zone_id(&cat, "Barcelona"), Tier::Agile, "in-barcelona").await;
    app.set_faults(json!({"zone_latency_ms": {"Barcelona": 3000}})).await;

    let started = Instant::now();
    let r = c.post("/api/instances/list", json!({})).await;
    let took = started.elapsed();
    assert_eq!(r.status, 200);
    assert!(took < Duration::from_millis(2500), "the list did not wait for the slow zone: {took:?}");
    let listed: Vec<&str> = r.body["instances"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["in-tokyo"]);
    let errors = r.body["zone_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["zone_name"], "Barcelona");
    assert!(errors[0]["message"].as_str().unwrap().contains("did not answer in time"), "{}", errors[0]);
    let (status, html) = page(&c, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Barcelona zone did not answer in time"));

    app.set_faults(json!({"zone_latency_ms": {}})).await;
    assert_eq!(names(&c).await, ["in-barcelona", "in-tokyo"]);
}

async fn calls_failing_with_a_cloudstack_error_fail_the_write_clearly_and_change_nothing(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("errors@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Agile, "steady").await;
    app.set_faults(json!({"fail_next_calls": 1, "fail_with": {"errorcode": 530, "errortext": "Internal error executing command"}})).await;

    let r = c.post("/api/instances/action", json!({"id": id, "action": "stop"})).await;
    assert!(r.status > 500, "a clear 5xx from the cloud, never the panel's own 500: {} {}", r.status, r.body);
    let message = r.error_message();
    assert!(message.contains("could not complete the request") && !message.contains("Internal error executing"), "{message}");
    assert!(r.headers.contains_key("x-request-id"), "the answer carries its request id, for support to find the logs");
    assert_eq!(state_of(&c, &id).await, InstanceState::Running, "nothing changed");

    // The fault is over: the same write goes through.
    let r = c.post("/api/instances/action", json!({"id": id, "action": "stop"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
    assert_eq!(state_of(&c, &id).await, InstanceState::Stopped);
}

async fn a_job_the_cloud_fails_ends_failed_with_the_reason_and_the_instance_as_it_was(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("jobfail@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Los Angeles"), Tier::Stamina, "kept").await;
    app.set_faults(json!({"fail_next_jobs": 1})).await;

    let r = c.post("/api/instances/action", json!({"id": id, "action": "reboot"})).await;
    assert_eq!(r.status, 200, "the cloud accepted the job: {}", r.body);
    let job = wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert!(job.error.as_deref().unwrap().contains("Los Angeles"), "{job:?}");
    assert_eq!(state_of(&c, &id).await, InstanceState::Running);
    let (status, html) = page(&c, &format!("/instances/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("kept"));
}

async fn a_job_that_never_finishes_stays_pending_blocks_a_second_action_and_pages_keep_rendering(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("hang@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "stuck").await;
    app.set_faults(json!({"hang_next_jobs": 1})).await;

    let r = c.post("/api/instances/action", json!({"id": id, "action": "stop"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let job = r.body["job_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let j: Value = c.post("/api/jobs/get", json!({"id": job})).await.body;
    assert_eq!(j["status"], "pending", "a job the cloud never ends is not made up as done: {j}");
    let second = c.post("/api/instances/action", json!({"id": id, "action": "reboot"})).await;
    second.assert_refused(InstanceError::Busy);
    let got = c.post("/api/instances/get", json!({"id": id})).await.body;
    assert_eq!(got["pending_job"], job.as_str(), "the instance page shows the job in progress: {got}");
    for path in ["/", &format!("/instances/{id}"), "/billing"] {
        assert_eq!(page(&c, path).await.0, 200, "{path}");
    }
    assert_eq!(names(&c).await, ["stuck"]);
}
