//! listUsageRecords (admin), listUsageTypes and listUsageServerMetrics.
//!
//! Records are produced per VM and per whole hour that has already passed on the simulated clock, as
//! the usage server aggregates them: RUNNING_VM (type 1) for the time it ran, per service offering,
//! and ALLOCATED_VM (type 2) for the time it existed; per snapshot, SNAPSHOT (type 9) for the time
//! it was kept, with its `size` on storage. `rawusage` is hours; dates use the usage service's quoted-T
//! format.

use super::{Answer, Call};
use crate::cloud::types::UsageType;
use crate::cloud::wire::{format_usage_date, parse_date};
use crate::sim::protocol::ApiError;
use crate::sim::world::*;
use chrono::{DateTime, Duration, DurationRound, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

pub const RUNNING_VM: i64 = UsageType::RunningVm as i64;
pub const ALLOCATED_VM: i64 = UsageType::AllocatedVm as i64;
pub const SNAPSHOT: i64 = UsageType::Snapshot as i64;

fn parse_bound(c: &Call, name: &str, end: bool) -> Result<DateTime<Utc>, ApiError> {
    let raw = c.required(name)?;
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"));
        return Ok(if end { day + Duration::days(1) } else { day });
    }
    parse_date(raw).ok_or_else(|| ApiError::param(format!("Unable to parse {name} {raw}: use yyyy-MM-dd or yyyy-MM-dd HH:mm:ss")))
}

fn hours(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 3_600_000.0
}

fn overlap(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> Duration {
    let start = a.0.max(b.0);
    let end = a.1.min(b.1);
    if end > start {
        end - start
    } else {
        Duration::zero()
    }
}

fn fmt_hours(h: f64) -> String {
    let s = format!("{h:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

pub fn list_records(w: &mut World, c: &mut Call) -> Answer {
    c.require_admin()?;
    let from = parse_bound(c, "startdate", false)?;
    let to = parse_bound(c, "enddate", true)?;
    if to <= from {
        return Err(ApiError::param("The start date should be before the end date"));
    }
    let want_type: Option<i64> = c.p.value("type").map(|t| t.parse().map_err(|_| ApiError::no_entity(c.command, "type", t))).transpose()?;
    let account_filter: Option<String> = match (c.p.value("accountid"), c.p.value("account"), c.p.value("domainid")) {
        (Some(id), _, _) => Some(id.to_string()),
        (None, Some(name), Some(dom)) => Some(
            w.accounts
                .iter()
                .find(|a| a.name == name && a.domain_id == dom)
                .map(|a| a.id.clone())
                .ok_or_else(|| ApiError::param(format!("Unable to find account {name}")))?,
        ),
        _ => None,
    };
    // Only hours that have fully passed are aggregated.
    let horizon = w.now().duration_trunc(Duration::hours(1)).expect("hour truncation");
    let to = to.min(horizon);
    let mut items: Vec<Value> = Vec::new();
    for vm in &w.vms {
        if account_filter.as_ref().is_some_and(|a| a != &vm.account_id) {
            continue;
        }
        let Some(account) = w.account(&vm.account_id) else {
            continue;
        };
        let alloc = (vm.allocated.start, vm.allocated.end.unwrap_or(horizon));
        let first = from.max(alloc.0).duration_trunc(Duration::hours(1)).expect("hour truncation");
        let mut h = first;
        while h < to && h < alloc.1 {
            let bucket = (h.max(from), (h + Duration::hours(1)).min(to));
            let base = |usage_type: i64, raw: f64, offering: &str, label: &str| {
                let off = w.offering(offering);
                json!({
                    "account": account.name, "accountid": account.id, "domainid": account.domain_id,
                    "zoneid": vm.zone_id, "description": format!("{} {label} (ServiceOffering: {offering}) (Template: {})", vm.name, vm.template_id),
                    "usage": format!("{} Hrs", fmt_hours(raw)), "usagetype": usage_type, "rawusage": fmt_hours(raw),
                    "virtualmachineid": vm.id, "name": vm.name, "offeringid": offering, "templateid": vm.template_id,
                    "usageid": vm.id, "type": "KVM", "startdate": format_usage_date(bucket.0), "enddate": format_usage_date(bucket.1),
                    "cpunumber": off.map(|o| o.cpu), "cpuspeed": off.map(|o| o.cpu_speed), "memory": off.map(|o| o.memory_mb),
                    "tags": []
                })
            };
            if want_type.is_none_or(|t| t == ALLOCATED_VM) {
                // One record per size the hour saw: a resize splits the hour where it happened.
                for s in vm.size_spans() {
                    let existed = hours(overlap((s.start.max(alloc.0), s.end.unwrap_or(horizon).min(alloc.1)), bucket));
                    if existed > 0.0 {
                        items.push(base(ALLOCATED_VM, existed, &s.offering_id, "allocated time"));
                    }
                }
            }
            if want_type.is_none_or(|t| t == RUNNING_VM) {
                let mut per_offering: Vec<(String, f64)> = Vec::new();
                for s in &vm.running {
                    let ran = hours(overlap((s.start, s.end.unwrap_or(horizon)), bucket));
                    if ran > 0.0 {
                        match per_offering.iter_mut().find(|(o, _)| *o == s.offering_id) {
                            Some((_, t)) => *t += ran,
                            None => per_offering.push((s.offering_id.clone(), ran)),
                        }
                    }
                }
                for (offering, ran) in per_offering {
                    items.push(base(RUNNING_VM, ran, &offering, "running time"));
                }
            }
            h += Duration::hours(1);
        }
    }
    if want_type.is_none_or(|t| t == SNAPSHOT) {
        for snap in &w.snapshots {
            if account_filter.as_ref().is_some_and(|a| a != &snap.account_id) {
                continue;
            }
            let Some(account) = w.account(&snap.account_id) else {
                continue;
            };
            let life = (snap.created, snap.removed.unwrap_or(horizon).min(horizon));
            let mut h = from.max(life.0).duration_trunc(Duration::hours(1)).expect("hour truncation");
            while h < to && h < life.1 {
                let bucket = (h.max(from), (h + Duration::hours(1)).min(to));
                let kept = hours(overlap(life, bucket));
                if kept > 0.0 {
                    items.push(json!({
                        "account": account.name, "accountid": account.id, "domainid": account.domain_id, "zoneid": snap.zone_id,
                        "description": format!("{} (Id: {}) size: {} bytes", snap.name, snap.id, snap.physical_size),
                        "usage": format!("{} Hrs", fmt_hours(kept)), "usagetype": SNAPSHOT, "rawusage": fmt_hours(kept),
                        "usageid": snap.id, "name": snap.name, "size": snap.physical_size, "virtualsize": snap.virtual_size,
                        "startdate": format_usage_date(bucket.0), "enddate": format_usage_date(bucket.1), "tags": []
                    }));
                }
                h += Duration::hours(1);
            }
        }
    }
    c.list("usagerecord", items)
}

/// `listUsageServerMetrics` (4.17+): the usage server's state. Its last successful job is how far
/// usage has been aggregated: every whole hour that has passed on the simulated clock.
pub fn server_metrics(w: &mut World, c: &mut Call) -> Answer {
    c.require_admin()?;
    let now = w.now();
    let done = now.duration_trunc(Duration::hours(1)).expect("hour truncation");
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S+0000").to_string();
    Ok(crate::sim::protocol::object_body(
        c.command,
        json!({"usageMetrics": {"hostname": "usage-sim", "lastheartbeat": at(now), "lastsuccessfuljob": at(done), "state": "Up", "collectiontime": at(now)}}),
    ))
}

pub fn list_types(_w: &mut World, c: &mut Call) -> Answer {
    let types = [
        (1, "Running Vm Usage"),
        (2, "Allocated Vm Usage"),
        (3, "IP Address Usage"),
        (4, "Network Usage (Bytes Sent)"),
        (5, "Network Usage (Bytes Received)"),
        (6, "Volume Usage"),
        (7, "Template Usage"),
        (8, "ISO Usage"),
        (9, "Snapshot Usage"),
        (10, "Security Group Usage"),
    ];
    let items = types.iter().map(|(id, d)| json!({"usagetypeid": id, "description": d})).collect();
    c.list("usagetype", items)
}
