//! Instances across zones through the JSON API: deploys in every zone and family, every action,
//! double submits, a zone down, and a second customer who can touch nothing of the first.

use crate::helpers::*;
use app::model::{Action, InstanceState, JobStatus, Offering, OfferingId, TemplateId, Tier};
use serde_json::json;
use server::instances::InstanceError;
use std::time::Duration;

crate::on_both_databases!(
    an_instance_deploys_in_every_zone_and_family_with_ipv4_and_ipv6,
    every_action_ends_in_its_state_and_the_password_is_shown_once,
    the_list_survives_a_zone_that_is_down_and_names_it,
    submitting_the_same_deploy_twice_makes_one_instance,
    bad_deploy_input_gets_specific_400s,
    a_second_customer_gets_404_for_every_id_of_the_first_and_changes_nothing,
    jobs_nobody_watches_are_followed_to_the_end,
    a_deploy_whose_server_died_before_recording_the_answer_is_adopted_by_any_server,
    a_deploy_whose_server_died_before_the_cloud_made_anything_frees_its_key,
);

async fn an_instance_deploys_in_every_zone_and_family_with_ipv4_and_ipv6(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("everywhere@example.com").await;
    let cat = catalog(&c).await;
    assert_eq!(cat.len(), 5);
    for z in &cat {
        let zid = &z.id;
        let offs = c.post("/api/catalog/offerings", json!({"zone_id": zid})).await.body;
        let tiers: std::collections::HashSet<&str> = offs.as_array().unwrap().iter().map(|o| o["tier"].as_str().unwrap()).collect();
        assert_eq!(tiers, ["agile", "stamina"].into());
        assert!(offs
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["price_hourly"]["minor"].as_i64().is_some() && o["price_monthly"]["currency"] == "EUR"));
        for tier in [Tier::Agile, Tier::Stamina] {
            let name = format!("{}-{}", tier.slug(), z.name.to_lowercase().replace(' ', ""));
            deploy(&c, zid, tier, &name).await;
        }
    }
    let list = c.post("/api/instances/list", json!({})).await.body;
    let instances = list["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 10);
    assert_eq!(list["zone_errors"], json!([]));
    for i in instances {
        let v4: std::net::Ipv4Addr = i["ipv4"].as_str().unwrap().parse().unwrap();
        let v6: std::net::Ipv6Addr = i["ipv6"].as_str().unwrap().parse().unwrap();
        assert_eq!(i["ipv6"].as_str().unwrap(), v6.to_string(), "IPv6 in canonical compressed form");
        assert!(!v4.is_unspecified());
        assert_eq!(i["state"], "Running");
        assert!(i["name"].as_str().unwrap().starts_with(i["tier"].as_str().unwrap()), "{i}");
    }
}

async fn every_action_ends_in_its_state_and_the_password_is_shown_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("actions@example.com").await;
    let cat = catalog(&c).await;
    let ams = zone_id(&cat, "Amsterdam");
    let (id, deployed) = deploy(&c, &ams, Tier::Agile, "worker").await;
    assert!(
        deployed.result.as_ref().and_then(|r| r.password.as_deref()).is_some_and(|p| p.len() >= 8),
        "the generated password comes with the deploy"
    );
    let again = c.post("/api/jobs/get", json!({"id": deployed.id})).await.body;
    assert!(again["result"]["password"].is_null(), "…and only once");

    let r = c.post("/api/instances/action", json!({"id": id, "action": "reset_password"})).await;
    r.assert_refused(InstanceError::StopToResetPassword);

    act(&c, &id, &Action::Stop).await;
    assert_eq!(state_of(&c, &id).await, InstanceState::Stopped);
    let reset = act(&c, &id, &Action::ResetPassword).await;
    assert!(reset.result.as_ref().is_some_and(|r| r.password.is_some()));

    let bigger = c
        .post("/api/catalog/offerings", json!({"zone_id": ams}))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["tier"] == "agile")
        .nth(2)
        .map(|o| OfferingId::parse(o["id"].as_str().unwrap()).unwrap())
        .unwrap();
    act(&c, &id, &Action::Resize { offering_id: bigger.clone() }).await;
    assert_eq!(c.post("/api/instances/get", json!({"id": id})).await.body["offering_id"], bigger.as_str());
    let stamina = offering(&c, &ams, Tier::Stamina).await;
    let r = c.post("/api/instances/action", json!({"id": id, "action": "resize", "offering_id": stamina.id})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("offering_id")), "Agile to Stamina is not a resize");

    act(&c, &id, &Action::Start).await;
    assert_eq!(state_of(&c, &id).await, InstanceState::Running);
    act(&c, &id, &Action::Reboot).await;
    assert_eq!(state_of(&c, &id).await, InstanceState::Running);
    let other_template = c.post("/api/catalog/templates", json!({"zone_id": ams})).await.body[1]["id"].clone();
    let template_id = TemplateId::parse(other_template.as_str().unwrap()).unwrap();
    act(&c, &id, &Action::Reinstall { template_id }).await;
    assert_eq!(c.post("/api/instances/get", json!({"id": id})).await.body["template_id"], other_template);
    act(&c, &id, &Action::ForceStop).await;
    assert_eq!(state_of(&c, &id).await, InstanceState::Stopped);

    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    let actions: Vec<&str> = detail["activity"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["force_stop", "reinstall", "reboot", "start", "resize", "reset_password", "stop", "deploy"]);
    assert!(detail["activity"].as_array().unwrap().iter().all(|a| a["actor"] == "actions@example.com" && a["outcome"] == "succeeded"));
    assert!(detail["ipv6_prefix"].as_str().unwrap().ends_with("/64") && detail["ipv6_gateway"].is_string());

    let r = c.post("/api/instances/action", json!({"id": id, "action": "explode"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("action")));
    act(&c, &id, &Action::Destroy).await;
    assert_eq!(c.post("/api/instances/get", json!({"id": id})).await.status, 404);
    assert_eq!(c.post("/api/instances/list", json!({})).await.body["instances"], json!([]));
}

async fn the_list_survives_a_zone_that_is_down_and_names_it(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("partial@example.com").await;
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "in-tokyo").await;
    deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Stamina, "in-amsterdam").await;
    app.set_faults(json!({"down_zones": ["Tokyo"]})).await;
    let r = c.post("/api/instances/list", json!({})).await;
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r.body["instances"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["in-amsterdam"]);
    let errors = r.body["zone_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["zone_name"], "Tokyo");
    assert!(errors[0]["message"].as_str().unwrap().contains("Tokyo zone is unreachable"), "{}", errors[0]);
}

async fn submitting_the_same_deploy_twice_makes_one_instance(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("twice@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Miami");
    let off = offering(&c, &zone, Tier::Agile).await;
    let body = json!({"zone_id": zone, "offering_id": off.id, "template_id": template(&c, &zone).await, "name": "once", "idempotency_key": "double-click-1234"});
    let (a, b) = tokio::join!(c.post("/api/instances/deploy", body.clone()), c.post("/api/instances/deploy", body.clone()));
    assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.body, b.body);
    assert_eq!(a.body, b.body, "both answers name the same instance and job");
    let retry = c.post("/api/instances/deploy", body.clone()).await;
    assert_eq!(retry.body, a.body, "a retry later gets the first answer too");
    let list = c.post("/api/instances/list", json!({})).await.body;
    assert_eq!(list["instances"].as_array().unwrap().len(), 1);

    let mut changed = body.clone();
    changed["name"] = json!("other");
    let r = c.post("/api/instances/deploy", changed).await;
    assert_eq!(r.status, 409, "a key reused for a different deploy is refused");
}

async fn bad_deploy_input_gets_specific_400s(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("inputs@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Barcelona");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    let base = json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "ok-name", "idempotency_key": "inputs-12345678"});
    for (patch, field) in [
        (json!({"name": "bad_name!"}), "name"),
        (json!({"name": "9lives"}), "name"),
        (json!({"zone_id": "no-such-zone"}), "zone_id"),
        (json!({"offering_id": "no-such-size"}), "offering_id"),
        (json!({"template_id": "no-such-image"}), "template_id"),
        (json!({"idempotency_key": "short"}), "idempotency_key"),
        (json!({"user_data": "x".repeat(30 * 1024)}), "user_data"),
    ] {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = c.post("/api/instances/deploy", body).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some(field)), "{patch} → {}", r.body);
        assert!(!r.error_message().is_empty());
    }
    assert_eq!(c.post("/api/instances/list", json!({})).await.body["instances"], json!([]), "nothing was created");
}

async fn a_second_customer_gets_404_for_every_id_of_the_first_and_changes_nothing(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let owner = app.customer("owner@example.com").await;
    let cat = catalog(&owner).await;
    let zone = zone_id(&cat, "Los Angeles");
    let (id, job) = deploy(&owner, &zone, Tier::Stamina, "precious").await;
    let intruder = app.customer("intruder@example.com").await;
    let unknown = intruder.post("/api/instances/get", json!({"id": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!(unknown.status, 404);

    let r = intruder.post("/api/instances/get", json!({"id": id})).await;
    assert_eq!((r.status, &r.body), (404, &unknown.body), "exactly like an id that does not exist");
    for action in ["start", "stop", "force_stop", "reboot", "reset_password", "destroy"] {
        let r = intruder.post("/api/instances/action", json!({"id": id, "action": action})).await;
        assert_eq!((r.status, &r.body), (404, &unknown.body), "{action}");
    }
    for (action, extra) in [("reinstall", "template_id"), ("resize", "offering_id")] {
        let r = intruder.post("/api/instances/action", json!({"id": id, "action": action, extra: "whatever"})).await;
        assert_eq!(r.status, 404, "{action}: {}", r.body);
    }
    let r = intruder.post("/api/jobs/get", json!({"id": job.id})).await;
    assert_eq!((r.status, &r.body), (404, &unknown.body));
    let default_group = owner.post("/api/instances/get", json!({"id": id})).await.body["security_groups"][0]["id"].clone();
    let off = offering(&intruder, &zone, Tier::Agile).await;
    let r = intruder
        .post("/api/instances/deploy", json!({"zone_id": zone, "offering_id": off.id, "template_id": template(&intruder, &zone).await, "name": "sneaky", "security_group_ids": [default_group], "idempotency_key": "sneaky-12345678"}))
        .await;
    assert_eq!(r.status, 404, "another customer's security group: {}", r.body);
    assert_eq!(intruder.post("/api/instances/list", json!({})).await.body["instances"], json!([]));
    assert_eq!(state_of(&owner, &id).await, InstanceState::Running, "the owner's instance is untouched");
    assert_eq!(owner.post("/api/instances/get", json!({"id": id})).await.body["activity"].as_array().unwrap().len(), 1);
}

async fn jobs_nobody_watches_are_followed_to_the_end(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--sim-job-ms", "300")).await;
    let c = app.customer("unwatched@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Tokyo");
    let off = offering(&c, &zone, Tier::Agile).await;
    let r = c
        .post("/api/instances/deploy", json!({"zone_id": zone, "offering_id": off.id, "template_id": template(&c, &zone).await, "name": "alone", "idempotency_key": "unwatched-1234"}))
        .await;
    let job = r.body["job_id"].as_str().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..100 {
        let (s,): (String,) = sqlx::query_as("SELECT status FROM jobs WHERE id = $1").bind(&job).fetch_one(&app.db.pool).await.unwrap();
        status = s;
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "succeeded", "the background poller finished the job without anyone asking");
}

/// A large account's first page carries one page of rows (and their data), not every instance:
/// the rest follows once the page runs (`/api/instances/list` without `first`).
#[tokio::test]
async fn the_server_renders_the_first_page_of_a_large_account_only() {
    let app = TestApp::spawn().await;
    let c = app.customer("large@example.com").await;
    let cat = catalog(&c).await;
    let zones = ["Amsterdam", "Barcelona", "Miami", "Tokyo", "Los Angeles"].map(|z| zone_id(&cat, z));
    let off: Vec<Offering> = futures::future::join_all(zones.iter().map(|z| offering(&c, z, Tier::Agile))).await;
    let tpl: Vec<TemplateId> = futures::future::join_all(zones.iter().map(|z| template(&c, z))).await;
    for i in 0..55 {
        let z = i % zones.len();
        let r = c
            .post("/api/instances/deploy", json!({"zone_id": zones[z], "offering_id": off[z].id, "template_id": tpl[z], "name": format!("vm-{i:02}"), "idempotency_key": uuid::Uuid::new_v4().to_string()}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let all = c.post("/api/instances/list", json!({})).await.body;
    assert_eq!((all["instances"].as_array().unwrap().len(), all["total"].as_u64()), (55, Some(55)));
    let first = c.post("/api/instances/list", json!({"first": 50})).await.body;
    assert_eq!((first["instances"].as_array().unwrap().len(), first["total"].as_u64()), (50, Some(55)));
    let html = c.get("/").await.body.as_str().unwrap().to_string();
    assert!(html.contains("vm-00") && html.contains("vm-49"), "the first page is rendered");
    assert!(!html.contains("vm-50") && !html.contains("vm-54"), "the rest is not in the page, neither as rows nor as data");
    assert!(html.contains("1–50 of 55"), "the pager counts them all");
}

#[tokio::test]
async fn the_instances_page_renders_on_the_server_with_the_list() {
    let app = TestApp::spawn().await;
    let c = app.customer("ssr@example.com").await;
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Agile, "rendered").await;
    let page = c.get("/").await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("rendered") && html.contains("Amsterdam"), "the list is in the server-rendered HTML");
    assert!(html.contains("/pkg/zenith.js") && html.contains("/pkg/zenith.css"), "the page loads the app's script and styles");
    let anonymous = into_resp(app.client().http.get(format!("{}/", app.base)).header("accept", "text/html").send().await.unwrap()).await;
    assert_eq!(
        (anonymous.status, anonymous.headers.get("location").map(|l| l.to_str().unwrap())),
        (302, Some("/login")),
        "signed-out visitors are sent to sign in"
    );
}

#[tokio::test]
async fn a_sign_up_while_the_cloud_is_down_is_finished_by_the_next_sign_in_with_one_account() {
    let app = TestApp::spawn().await;
    // Every cloud call fails for a while: the sign-up itself still works.
    app.set_faults(json!({"fail_next_calls": 1000})).await;
    let c = app.client();
    assert_eq!(c.signup("early@example.com", PASSWORD).await.status, 200);
    let r = c.post("/api/instances/list", json!({})).await;
    assert_eq!((r.status, r.error_code()), (503, "unavailable"), "{}", r.body);
    assert!(r.error_message().contains("still being set up"));
    let (key,): (Option<String>,) =
        sqlx::query_as("SELECT c.cs_api_key FROM customers c JOIN users u ON u.id = c.user_id WHERE u.email = $1")
            .bind("early@example.com")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(key.is_none(), "nothing was provisioned yet");

    app.set_faults(json!({"fail_next_calls": 0})).await;
    let again = app.client();
    assert_eq!(again.login("early@example.com", PASSWORD).await.status, 200);
    let mut listed = again.post("/api/instances/list", json!({})).await;
    for _ in 0..50 {
        if listed.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        listed = again.post("/api/instances/list", json!({})).await;
    }
    assert_eq!(listed.status, 200, "{}", listed.body);
    let id: (String,) =
        sqlx::query_as("SELECT id FROM users WHERE email = $1").bind("early@example.com").fetch_one(&app.db.pool).await.unwrap();
    let name = server::tenancy::account_name(&app::model::CustomerId::parse(&id.0).unwrap());
    let admin = app.admin_cloud();
    let domain = admin.list_domains(Some("customers")).await.unwrap().remove(0);
    assert_eq!(admin.list_accounts(&name, &domain.id).await.unwrap().len(), 1, "exactly one cloud account");
}

/// Puts a deploy back where a server that died between the cloud's answer and recording it leaves
/// it: the request pending for ten minutes, no job, nothing accepted.
async fn as_if_its_server_died(app: &TestApp, key: &str, job: Option<&str>) {
    let ten_minutes_ago = chrono::Utc::now().timestamp_millis() - 600_000;
    sqlx::query(
        "UPDATE deploy_requests SET state = 'pending', instance_id = NULL, job_id = NULL, created_at = $1 WHERE idempotency_key = $2",
    )
    .bind(ten_minutes_ago)
    .bind(key)
    .execute(&app.db.pool)
    .await
    .unwrap();
    if let Some(job) = job {
        sqlx::query("DELETE FROM jobs WHERE id = $1").bind(job).execute(&app.db.pool).await.unwrap();
    }
}

async fn request_state(app: &TestApp, key: &str) -> Option<(String, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT state, instance_id, job_id FROM deploy_requests WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
}

/// Waits for the background reconciler (every 10 s) to settle the request.
async fn reconciled(app: &TestApp, key: &str) -> Option<(String, Option<String>, Option<String>)> {
    for _ in 0..60 {
        let s = request_state(app, key).await;
        if s.as_ref().is_none_or(|(state, ..)| state == "accepted") {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    request_state(app, key).await
}

async fn a_deploy_whose_server_died_before_recording_the_answer_is_adopted_by_any_server(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("orphan@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Barcelona");
    let off = offering(&c, &zone, Tier::Agile).await;
    let key = uuid::Uuid::new_v4().to_string();
    let body =
        json!({"zone_id": zone, "offering_id": off.id, "template_id": template(&c, &zone).await, "name": "orphan", "idempotency_key": key});
    let r = c.post("/api/instances/deploy", body.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (instance, job) = (r.body["instance_id"].as_str().unwrap().to_string(), r.body["job_id"].as_str().unwrap().to_string());
    wait_job(&c, &job).await;
    as_if_its_server_died(&app, &key, Some(&job)).await;

    let (state, adopted, new_job) = reconciled(&app, &key).await.expect("the request is still there");
    assert_eq!((state.as_str(), adopted.as_deref()), ("accepted", Some(instance.as_str())), "the cloud's instance is adopted");
    let job = wait_job(&c, new_job.as_deref().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    // The browser that never got its answer retries: the same instance, not a second one.
    let retry = c.post("/api/instances/deploy", body).await;
    assert_eq!(retry.body["instance_id"], instance, "{}", retry.body);
    let list = c.post("/api/instances/list", json!({})).await.body;
    assert_eq!(list["instances"].as_array().unwrap().len(), 1, "exactly one instance: {list}");
}

async fn a_deploy_whose_server_died_before_the_cloud_made_anything_frees_its_key(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("ghost@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Miami");
    let off = offering(&c, &zone, Tier::Agile).await;
    let body = json!({"zone_id": zone, "offering_id": off.id, "template_id": template(&c, &zone).await, "name": "ghost", "idempotency_key": "ghost-key-0001"});
    // The request was recorded, then its server died before the cloud was called.
    let (customer,): (String,) =
        sqlx::query_as("SELECT id FROM users WHERE email = 'ghost@example.com'").fetch_one(&app.db.pool).await.unwrap();
    sqlx::query("INSERT INTO deploy_requests (customer_id, idempotency_key, request_hash, state, created_at, zone_id, name) VALUES ($1, 'ghost-key-0001', 'x', 'pending', $2, $3, 'ghost')")
        .bind(&customer)
        .bind(chrono::Utc::now().timestamp_millis() - 600_000)
        .bind(zone.as_str())
        .execute(&app.db.pool)
        .await
        .unwrap();

    assert_eq!(reconciled(&app, "ghost-key-0001").await, None, "nothing was made, so the key is released");
    assert!(c.post("/api/instances/list", json!({})).await.body["instances"].as_array().unwrap().is_empty());
    let r = c.post("/api/instances/deploy", body).await;
    assert_eq!(r.status, 200, "the retry deploys: {}", r.body);
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
}
