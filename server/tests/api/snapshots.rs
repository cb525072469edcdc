//! Snapshots, as a customer uses them before a risky change: take one of a running instance, see it
//! become ready with its size, revert to it (the instance stopped, reverted and started as one job,
//! running again when a step fails), start a new instance from it, let a nightly schedule keep the
//! newest few, and delete it. Another customer's ids are 404 everywhere; support looks, an acting
//! session may take one but neither delete nor revert.

use crate::helpers::*;
use app::model::snapshot::{InstanceSchedule, Snapshot, SnapshotList, SnapshotState};
use app::model::{InstanceId, JobStatus, Role, Tier};
use app::ports::Denied;
use serde_json::{json, Value};
use server::snapshots::SnapshotError;

crate::on_both_databases!(
    a_snapshot_is_taken_listed_reverted_to_started_from_and_deleted,
    a_nightly_schedule_reads_back_as_set_fires_on_the_clouds_clock_and_keeps_the_newest,
    another_customers_snapshots_are_not_found_and_support_may_look_but_not_throw_data_away,
);

async fn list(c: &Client, instance: &InstanceId) -> Vec<Snapshot> {
    let r = c.post("/api/snapshots/list", json!({"instance_id": instance})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_value::<SnapshotList>(r.body).unwrap().snapshots
}

/// Takes a snapshot called `name` and follows its job: the snapshot as the list then shows it.
async fn take(c: &Client, instance: &InstanceId, name: &str) -> Snapshot {
    let r = c.post("/api/snapshots/create", json!({"instance_id": instance, "name": name})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let job = wait_job(c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    let id = r.body["snapshot_id"].as_str().unwrap();
    list(c, instance).await.into_iter().find(|s| s.id.as_str() == id).expect("listed")
}

async fn clock(app: &TestApp, body: Value) {
    let r = reqwest::Client::new().post(format!("{}/sim/clock", app.sim_base.as_ref().unwrap())).json(&body).send().await.unwrap();
    assert!(r.status().is_success());
}

async fn a_snapshot_is_taken_listed_reverted_to_started_from_and_deleted(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("careful@example.com").await;
    let cat = catalog(&c).await;
    let ams = zone_id(&cat, "Amsterdam");
    let (db1, _) = deploy(&c, &ams, Tier::Stamina, "db1").await;
    assert!(list(&c, &db1).await.is_empty());

    // Before the upgrade: a snapshot on Stamina is ready when its job ends, with its size.
    let snap = take(&c, &db1, "before-upgrade").await;
    assert_eq!((snap.name.as_str(), snap.state, snap.scheduled), ("before-upgrade", SnapshotState::BackedUp, false));
    assert!(snap.size_bytes > 1 << 20, "{snap:?}");
    let r = c.post("/api/snapshots/create", json!({"instance_id": db1, "name": ""})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("name")), "{}", r.body);

    // The upgrade went wrong: revert. The instance is stopped, reverted and started as one job.
    let r = c.post("/api/snapshots/revert", json!({"id": snap.id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let job = wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(state_of(&c, &db1).await, app::model::InstanceState::Running);
    let detail = c.post("/api/instances/get", json!({"id": db1})).await.body;
    let activity = detail["activity"].as_array().unwrap();
    assert!(activity.iter().any(|a| a["action"] == "revert_snapshot" && a["outcome"] == "succeeded"), "{activity:?}");
    assert!(activity.iter().any(|a| a["action"] == "take_snapshot"), "{activity:?}");

    // A revert the cloud refuses changes nothing, and the instance runs again.
    app.set_faults(json!({"refuse_commands": ["revertSnapshot"]})).await;
    let r = c.post("/api/snapshots/revert", json!({"id": snap.id})).await;
    let job = wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    app.set_faults(json!({"refuse_commands": []})).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert!(job.error.as_deref().unwrap().starts_with("The disk could not be reverted to the snapshot, so it is as it was."), "{job:?}");
    assert_eq!(state_of(&c, &db1).await, app::model::InstanceState::Running, "started again");

    // A stopped instance is reverted and left stopped.
    act(&c, &db1, &app::model::Action::Stop).await;
    let r = c.post("/api/snapshots/revert", json!({"id": snap.id})).await;
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
    assert_eq!(state_of(&c, &db1).await, app::model::InstanceState::Stopped);
    act(&c, &db1, &app::model::Action::Start).await;

    // A new instance from the snapshot, in its zone; another zone is named.
    let stamina = offering(&c, &ams, Tier::Stamina).await;
    let body = |zone: &app::model::ZoneId, name: &str| json!({"zone_id": zone, "offering_id": stamina.id, "snapshot_id": snap.id, "name": name, "idempotency_key": uuid::Uuid::new_v4().to_string()});
    let r = c.post("/api/instances/deploy", body(&zone_id(&cat, "Tokyo"), "copy-tokyo")).await;
    r.assert_refused(server::instances::InstanceError::SnapshotInOtherZone { zone: "Amsterdam".into() });
    let r = c.post("/api/instances/deploy", body(&ams, "copy")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
    let copy = InstanceId::parse(r.body["instance_id"].as_str().unwrap()).unwrap();
    assert_eq!(state_of(&c, &copy).await, app::model::InstanceState::Running);
    let from = c.post("/api/instances/get", json!({"id": copy})).await.body;
    assert!(from["template_name"].as_str().unwrap().contains(snap.id.as_str()), "{from}");
    // A second one reuses the template made for the first.
    let r = c.post("/api/instances/deploy", body(&ams, "copy2")).await;
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
    let templates = app.admin_cloud().list_templates("all", None).await.unwrap();
    assert_eq!(templates.iter().filter(|t| t.name.contains(snap.id.as_str())).count(), 1);
    let both = c.post("/api/instances/deploy", json!({"zone_id": ams, "offering_id": stamina.id, "snapshot_id": snap.id, "template_id": from["template_id"], "name": "x", "idempotency_key": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!((both.status, both.body["error"]["field"].as_str()), (400, Some("snapshot_id")));

    // Deleted: gone from the list.
    let r = c.post("/api/snapshots/delete", json!({"id": snap.id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(wait_job(&c, r.body["job_id"].as_str().unwrap()).await.status, JobStatus::Succeeded);
    assert!(list(&c, &db1).await.is_empty());
    c.post("/api/snapshots/revert", json!({"id": snap.id})).await.assert_refused(SnapshotError::NotFound);
}

async fn a_nightly_schedule_reads_back_as_set_fires_on_the_clouds_clock_and_keeps_the_newest(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("nightly@example.com").await;
    let cat = catalog(&c).await;
    let (web, _) = deploy(&c, &zone_id(&cat, "Barcelona"), Tier::Stamina, "web").await;
    let manual = take(&c, &web, "by-hand").await;
    let get = || c.post("/api/snapshots/schedule", json!({"instance_id": web}));
    assert_eq!(get().await.body["schedule"], Value::Null);

    let nightly = json!({"every": "day", "at": "03:00", "time_zone": "Europe/Amsterdam", "keep": 2});
    let r = c.post("/api/snapshots/schedule/set", json!({"instance_id": web, "schedule": nightly})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["schedule"], nightly, "answered as set");
    assert_eq!(get().await.body["schedule"], nightly, "reads back as set");
    let same = c.post("/api/snapshots/schedule/set", json!({"instance_id": web, "schedule": nightly})).await;
    same.assert_refused(SnapshotError::SameSchedule);

    // Each wrong part is named; nothing changes.
    for (patch, field) in [
        (json!({"every": "hour"}), "every"),
        (json!({"at": "3am"}), "at"),
        (json!({"every": "week"}), "weekday"),
        (json!({"time_zone": "Europe/Atlantis"}), "time_zone"),
        (json!({"keep": 50}), "keep"),
    ] {
        let mut s = nightly.clone();
        s.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        let r = c.post("/api/snapshots/schedule/set", json!({"instance_id": web, "schedule": s})).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some(field)), "{s} → {}", r.body);
    }
    assert_eq!(get().await.body["schedule"], nightly);

    // Three nights on the cloud's clock: three snapshots taken, the oldest pruned.
    for _ in 0..3 {
        clock(&app, json!({"advance_hours": 24})).await;
    }
    let mut scheduled = vec![];
    for _ in 0..100 {
        scheduled = list(&c, &web).await.into_iter().filter(|s| s.scheduled).collect();
        if scheduled.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(scheduled.len(), 2, "{scheduled:?}");
    assert!(list(&c, &web).await.iter().any(|s| s.id == manual.id && !s.scheduled), "the one taken by hand stays");

    // Weekly on Sundays instead; then none.
    let weekly = json!({"every": "week", "at": "23:30", "weekday": "sunday", "time_zone": "Asia/Tokyo", "keep": 4});
    let r = c.post("/api/snapshots/schedule/set", json!({"instance_id": web, "schedule": weekly})).await;
    assert_eq!(r.body["schedule"], weekly, "{}", r.body);
    // The daily policy is gone: a night passes (not a Sunday) and nothing new is taken.
    clock(&app, json!({"advance_hours": 24})).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(list(&c, &web).await.iter().filter(|s| s.scheduled).count(), 2, "the daily schedule was replaced");
    let r = c.post("/api/snapshots/schedule/set", json!({"instance_id": web, "schedule": null})).await;
    let read: InstanceSchedule = serde_json::from_value(r.body).unwrap();
    assert_eq!(read.schedule, None);
    let changes: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'snapshot_schedule_changed' AND target_id = $1 ORDER BY at")
            .bind(web.as_str())
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        changes,
        [
            "none → Every day at 03:00 (Europe/Amsterdam), keeping the newest 2",
            "Every day at 03:00 (Europe/Amsterdam), keeping the newest 2 → Every Sunday at 23:30 (Asia/Tokyo), keeping the newest 4",
            "Every Sunday at 23:30 (Asia/Tokyo), keeping the newest 4 → none",
        ]
    );
}

async fn another_customers_snapshots_are_not_found_and_support_may_look_but_not_throw_data_away(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let owner = app.customer("owner@example.com").await;
    let cat = catalog(&owner).await;
    let ams = zone_id(&cat, "Amsterdam");
    let (vm, _) = deploy(&owner, &ams, Tier::Agile, "vm").await;
    let snap = take(&owner, &vm, "mine").await;

    let other = app.customer("other@example.com").await;
    for (path, body) in [
        ("/api/snapshots/list", json!({"instance_id": vm})),
        ("/api/snapshots/create", json!({"instance_id": vm, "name": "stolen"})),
        ("/api/snapshots/delete", json!({"id": snap.id})),
        ("/api/snapshots/revert", json!({"id": snap.id})),
        ("/api/snapshots/schedule", json!({"instance_id": vm})),
        ("/api/snapshots/schedule/set", json!({"instance_id": vm, "schedule": null})),
        ("/api/snapshots/delete", json!({"id": "not an id; rm -rf"})),
    ] {
        let r = other.post(path, body.clone()).await;
        assert_eq!(r.status, 404, "{path} {body} → {}", r.body);
    }
    let stamina = offering(&other, &ams, Tier::Stamina).await;
    let r = other
        .post(
            "/api/instances/deploy",
            json!({"zone_id": ams, "offering_id": stamina.id, "snapshot_id": snap.id, "name": "stolen", "idempotency_key": uuid::Uuid::new_v4().to_string()}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Support: a read-only session sees the snapshots and changes nothing.
    let viewer = read_only_view(&app, "owner@example.com").await;
    assert_eq!(list(&viewer, &vm).await.len(), 1);
    viewer.post("/api/snapshots/create", json!({"instance_id": vm, "name": "x"})).await.assert_refused(Denied::ReadOnly);
    viewer.post("/api/snapshots/delete", json!({"id": snap.id})).await.assert_refused(Denied::ReadOnly);

    // An acting session may take one, but not delete one or revert to it; each refusal is on the record.
    let staff = staff_as(&app, "helper@example.com", Role::Admin).await;
    open_view(&staff, &customer_id(&app, "owner@example.com").await, "acting").await;
    let taken = take(&staff, &vm, "by-support").await;
    assert_eq!((taken.state, taken.scheduled), (SnapshotState::BackedUp, false), "{taken:?}");
    staff.post("/api/snapshots/delete", json!({"id": snap.id})).await.assert_refused(Denied::CustomerOnly);
    staff.post("/api/snapshots/revert", json!({"id": snap.id})).await.assert_refused(Denied::CustomerOnly);
    assert_eq!(list(&owner, &vm).await.len(), 2, "nothing deleted");
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, outcome FROM audit_log WHERE action IN ('delete_snapshot', 'revert_snapshot') ORDER BY action")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audit.iter().filter(|(_, o)| o == "refused").count(), 3, "read-only delete, acting delete and revert: {audit:?}");
}
