//! Instances as a customer's browser reaches them: the catalogue, deploys and actions, each followed
//! to the end of its job. Answers are the panel's own types (`app::model`); the tests that check the
//! wire itself read the JSON.

use super::Client;
use app::model::{Action, InstanceId, InstanceState, JobId, JobStatus, JobView, Offering, TemplateId, Tier, Zone, ZoneId};
use serde_json::json;
use std::time::Duration;

pub async fn catalog(c: &Client) -> Vec<Zone> {
    let r = c.post("/api/catalog/zones", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

pub fn zone_id(zones: &[Zone], name: &str) -> ZoneId {
    zones.iter().find(|z| z.name == name).unwrap_or_else(|| panic!("no zone {name}")).id.clone()
}

pub async fn offerings(c: &Client, zone: &ZoneId) -> Vec<Offering> {
    let r = c.post("/api/catalog/offerings", json!({"zone_id": zone})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

/// The first size of a family.
pub async fn offering(c: &Client, zone: &ZoneId, tier: Tier) -> Offering {
    offerings(c, zone).await.into_iter().find(|o| o.tier == tier).expect("an offering of this tier")
}

/// A size by name ("Agile S").
pub async fn size(c: &Client, zone: &ZoneId, name: &str) -> Offering {
    offerings(c, zone).await.into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no offering {name}"))
}

pub async fn template(c: &Client, zone: &ZoneId) -> TemplateId {
    let r = c.post("/api/catalog/templates", json!({"zone_id": zone})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body[0]["id"].as_str().and_then(|t| TemplateId::parse(t).ok()).expect("an image")
}

/// The job `job` (an id as the API returned it), followed until it ends.
pub async fn wait_job(c: &Client, job: impl std::fmt::Display) -> JobView {
    let job = JobId::parse(&job.to_string()).expect("a job id");
    for _ in 0..200 {
        let r = c.post("/api/jobs/get", json!({"id": job})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let view: JobView = serde_json::from_value(r.body).unwrap();
        if view.status != JobStatus::Pending {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job} never finished");
}

/// Deploys an instance of `offering` called `name` and waits for it: (its id, the finished job).
pub async fn deploy_sized(c: &Client, zone: &ZoneId, offering: &Offering, name: &str) -> (InstanceId, JobView) {
    let tpl = template(c, zone).await;
    let r = c
        .post(
            "/api/instances/deploy",
            json!({"zone_id": zone, "offering_id": offering.id, "template_id": tpl, "name": name, "idempotency_key": uuid::Uuid::new_v4().to_string()}),
        )
        .await;
    assert_eq!(r.status, 200, "deploy {name}: {}", r.body);
    let job = wait_job(c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    (InstanceId::parse(r.body["instance_id"].as_str().unwrap()).unwrap(), job)
}

/// Deploys the first size of `tier` and waits for it.
pub async fn deploy(c: &Client, zone: &ZoneId, tier: Tier, name: &str) -> (InstanceId, JobView) {
    let off = offering(c, zone, tier).await;
    deploy_sized(c, zone, &off, name).await
}

/// Asks for `action` on the instance and follows its job to the end.
pub async fn act(c: &Client, id: &InstanceId, action: &Action) -> JobView {
    let mut body = serde_json::to_value(app::model::instance::ActionInput::from(action)).unwrap();
    body["id"] = json!(id);
    let r = c.post("/api/instances/action", body.clone()).await;
    assert_eq!(r.status, 200, "{body} → {}", r.body);
    wait_job(c, r.body["job_id"].as_str().unwrap()).await
}

pub async fn state_of(c: &Client, id: &InstanceId) -> InstanceState {
    let r = c.post("/api/instances/get", json!({"id": id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_value(r.body["state"].clone()).unwrap()
}
