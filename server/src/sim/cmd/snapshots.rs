//! Volume snapshots: createSnapshot, listSnapshots, deleteSnapshot, revertSnapshot (all but the list
//! async, as CloudStack's are). A snapshot of a Stamina (Ceph) volume is taken in place and is
//! `BackedUp` when its job ends; an Agile (local SSD) one is copied to secondary storage and takes four
//! times as long, passing through `Creating` and `BackingUp` on the way. Its size on storage is a
//! deterministic share of the volume (what usage type 9 bills).

use super::vms::async_answer;
use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::schedule::Schedule;
use crate::sim::world::*;
use serde_json::{json, Value};

/// How much longer an Agile snapshot takes than a Stamina one (the copy to secondary storage).
pub const AGILE_SLOWER: i32 = 4;

/// The snapshot named by `param`, if it exists, is not deleted and is the caller's.
fn owned<'w>(w: &'w World, c: &Call, param: &str) -> Result<&'w Snapshot, ApiError> {
    let id = c.required(param)?;
    let s = w.snapshots.iter().find(|s| s.id == id && s.removed.is_none()).ok_or_else(|| ApiError::no_entity(c.command, param, id))?;
    c.check_owner(&s.account_id, "the snapshot")?;
    Ok(s)
}

pub fn create(w: &mut World, c: &mut Call) -> Answer {
    let volume_id = c.required("volumeid")?.to_string();
    let vol =
        w.volumes.iter().find(|v| v.id == volume_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "volumeid", &volume_id))?;
    c.check_owner(&vol.account_id, "the volume")?;
    let vm = w.vm(&vol.vm_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "volumeid", &volume_id))?;
    if matches!(vm.state.as_str(), "Destroyed" | "Expunging" | "Error") {
        return Err(ApiError::param(format!("Unable to take a snapshot of a volume of VM {} in state {}", vm.name, vm.state)));
    }
    let now = w.now();
    let name = match c.p.value("name").map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.len() > 255 => return Err(ApiError::param("The snapshot name is longer than 255 characters")),
        Some(n) => n.to_string(),
        None => Snapshot::default_name(&vm.name, &vol, now),
    };
    let mut snap = Snapshot::of(&vol, name, "MANUAL", now, now, None);
    let id = snap.id.clone();
    let job = c.start_job(w, "snapshot.CreateSnapshotCmd", "Snapshot", None, JobAction::Snapshot { snapshot: id.clone() });
    let job_entry = w.jobs.iter_mut().find(|j| j.id == job).expect("just started");
    if vol.storage_type == "local" {
        job_entry.due = now + (job_entry.due - now) * AGILE_SLOWER;
    }
    job_entry.instance_id = Some(id.clone());
    snap.ready_at = job_entry.due;
    w.snapshots.push(snap);
    Ok(async_answer(c.command, &job, Some(&id)))
}

pub fn list(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    let items = w
        .snapshots
        .iter()
        .filter(|s| s.removed.is_none())
        .filter(|s| scope.includes(&s.account_id))
        .filter(|s| c.p.value("id").is_none_or(|id| id == s.id))
        .filter(|s| c.p.value("volumeid").is_none_or(|id| id == s.volume_id))
        .filter(|s| c.p.value("zoneid").is_none_or(|id| id == s.zone_id))
        .filter(|s| c.p.value("snapshottype").is_none_or(|t| t.eq_ignore_ascii_case(&s.snapshot_type)))
        .filter(|s| c.p.value("name").is_none_or(|n| n == s.name))
        .map(|s| w.snapshot_json(s))
        .collect();
    c.list("snapshot", items)
}

pub fn delete(w: &mut World, c: &mut Call) -> Answer {
    let s = owned(w, c, "id")?.clone();
    if s.state(w.now()) != "BackedUp" {
        return Err(ApiError::param(format!("Snapshot {} is {}: wait until it is BackedUp", s.name, s.state(w.now()))));
    }
    let job = c.start_job(w, "snapshot.DeleteSnapshotCmd", "Snapshot", None, JobAction::DeleteSnapshot { snapshot: s.id.clone() });
    Ok(async_answer(c.command, &job, None))
}

pub fn revert(w: &mut World, c: &mut Call) -> Answer {
    let s = owned(w, c, "id")?.clone();
    if s.state(w.now()) != "BackedUp" {
        return Err(ApiError::param(format!("Snapshot {} is {}: only a BackedUp snapshot can be reverted to", s.name, s.state(w.now()))));
    }
    match w.vm(&s.vm_id) {
        Some(vm) if vm.state == "Stopped" && vm.pending_job.is_none() => {}
        Some(vm) => {
            return Err(ApiError::param(format!("Stop VM {} before reverting its volume to a snapshot (it is {})", vm.name, vm.state)))
        }
        None => return Err(ApiError::no_entity(c.command, "id", &s.id)),
    }
    let job = c.start_job(w, "snapshot.RevertSnapshotCmd", "Snapshot", None, JobAction::RevertSnapshot { snapshot: s.id.clone() });
    Ok(async_answer(c.command, &job, Some(&s.id)))
}

/// CloudStack's numbers for interval types in a policy's JSON.
fn interval_number(t: &str) -> i64 {
    match t {
        "HOURLY" => 0,
        "DAILY" => 1,
        "WEEKLY" => 2,
        _ => 3,
    }
}

fn policy_json(p: &SnapshotPolicy) -> Value {
    json!({"id": p.id, "volumeid": p.volume_id, "intervaltype": interval_number(&p.interval_type), "schedule": p.schedule,
        "maxsnaps": p.max_snaps, "timezone": p.timezone, "fordisplay": true})
}

/// Sync. A volume has one policy per interval type: a new one replaces it.
pub fn create_policy(w: &mut World, c: &mut Call) -> Answer {
    let volume_id = c.required("volumeid")?.to_string();
    let vol =
        w.volumes.iter().find(|v| v.id == volume_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "volumeid", &volume_id))?;
    c.check_owner(&vol.account_id, "the volume")?;
    let interval_type = c.required("intervaltype")?.to_ascii_uppercase();
    let schedule = c.required("schedule")?.to_string();
    Schedule::parse(&interval_type, &schedule).map_err(ApiError::param)?;
    let max_snaps: u32 = c
        .required("maxsnaps")?
        .parse()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| ApiError::param("maxsnaps must be a number from 1 to 100"))?;
    let timezone = c.required("timezone")?.to_string();
    timezone.parse::<chrono_tz::Tz>().map_err(|_| ApiError::param(format!("Invalid timezone {timezone:?}")))?;
    let now = w.now();
    w.snapshot_policies.retain(|p| !(p.volume_id == vol.id && p.interval_type == interval_type));
    let p = SnapshotPolicy {
        id: new_id(),
        account_id: vol.account_id.clone(),
        volume_id: vol.id.clone(),
        interval_type,
        schedule,
        max_snaps,
        timezone,
        checked_until: now,
    };
    let body = policy_json(&p);
    w.snapshot_policies.push(p);
    Ok(object_body(c.command, json!({"snapshotpolicy": body})))
}

pub fn list_policies(w: &mut World, c: &mut Call) -> Answer {
    if let Some(v) = c.p.value("volumeid") {
        let vol = w.volumes.iter().find(|x| x.id == v).ok_or_else(|| ApiError::no_entity(c.command, "volumeid", v))?;
        c.check_owner(&vol.account_id, "the volume")?;
    }
    let scope = c.scope(w)?;
    let items = w
        .snapshot_policies
        .iter()
        .filter(|p| scope.includes(&p.account_id))
        .filter(|p| c.p.value("volumeid").is_none_or(|v| v == p.volume_id))
        .filter(|p| c.p.value("id").is_none_or(|id| id == p.id))
        .map(policy_json)
        .collect();
    c.list("snapshotpolicy", items)
}

/// Sync: `id`, or `ids` (comma-separated).
pub fn delete_policies(w: &mut World, c: &mut Call) -> Answer {
    let ids: Vec<String> = match (c.p.value("id"), c.p.value("ids")) {
        (Some(id), _) => vec![id.to_string()],
        (None, Some(ids)) => ids.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        _ => return Err(ApiError::param("Either id or ids is required")),
    };
    for id in &ids {
        let p = w.snapshot_policies.iter().find(|p| &p.id == id).ok_or_else(|| ApiError::no_entity(c.command, "id", id))?;
        c.check_owner(&p.account_id, "the snapshot policy")?;
    }
    w.snapshot_policies.retain(|p| !ids.contains(&p.id));
    Ok(object_body(c.command, json!({"success": true})))
}

/// Async: a template of the customer's own from a `BackedUp` snapshot (`snapshotid`), in the
/// snapshot's zone, usable by that account only: how a new instance starts from a snapshot.
pub fn create_template(w: &mut World, c: &mut Call) -> Answer {
    if c.p.value("volumeid").is_some() && c.p.value("snapshotid").is_none() {
        return Err(ApiError::param("This cloud makes templates from snapshots only: give snapshotid"));
    }
    let s = owned(w, c, "snapshotid")?.clone();
    if s.state(w.now()) != "BackedUp" {
        return Err(ApiError::param(format!("Snapshot {} is {}: a template needs a BackedUp snapshot", s.name, s.state(w.now()))));
    }
    let name = c.required("name")?.trim().to_string();
    if name.is_empty() || name.len() > 255 {
        return Err(ApiError::param("The template name must be 1 to 255 characters"));
    }
    let display_text = c.p.value("displaytext").map(str::to_string).unwrap_or_else(|| name.clone());
    // The snapshot's system is the one its VM was deployed from.
    let base = w.vm(&s.vm_id).and_then(|v| w.template(&v.template_id)).cloned();
    let template = Template {
        id: new_id(),
        name,
        display_text,
        os_type: base.as_ref().map(|t| t.os_type.clone()).unwrap_or_else(|| "Other Linux (64-bit)".into()),
        size_bytes: s.virtual_size,
        password_enabled: base.is_some_and(|t| t.password_enabled),
        created: w.now(),
        account_id: Some(s.account_id.clone()),
        zone_id: Some(s.zone_id.clone()),
    };
    let id = template.id.clone();
    let job = c.start_job(w, "template.CreateTemplateCmd", "Template", None, JobAction::CreateTemplate { template });
    Ok(async_answer(c.command, &job, Some(&id)))
}
