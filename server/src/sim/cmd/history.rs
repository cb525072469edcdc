//! `listVirtualMachinesUsageHistory` (CloudStack 4.18+): per VM, the stats collector's samples (one a
//! minute) between `startdate` and `enddate`, from the same deterministic load the VM's counters
//! add up (`world::metrics`). A cloud older than 4.18 lacks it: `POST /sim/faults
//! {"refuse_commands": ["listVirtualMachinesUsageHistory"]}` makes the simulator answer as one would.

use super::{Answer, Call};
use crate::cloud::wire::format_date;
use crate::sim::protocol::ApiError;
use crate::sim::world::{metrics, World};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The most history one call returns: the stats collector keeps 30 days here.
const RETENTION_DAYS: i64 = 30;

fn bound(c: &Call, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match c.p.value(name) {
        None => Ok(None),
        Some(raw) => crate::cloud::wire::parse_date(raw)
            .map(Some)
            .ok_or_else(|| ApiError::param(format!("Unable to parse {name} {raw}: use yyyy-MM-dd HH:mm:ss"))),
    }
}

pub fn usage_history(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    let now = w.now();
    let to = bound(c, "enddate")?.unwrap_or(now).min(now);
    let from = bound(c, "startdate")?.unwrap_or(to - Duration::hours(1)).max(now - Duration::days(RETENTION_DAYS));
    if from > to {
        return Err(ApiError::param("startdate must be before enddate"));
    }
    let ids: Option<Vec<&str>> = c.p.value("ids").map(|s| s.split(',').map(str::trim).collect());
    let items = w
        .vms
        .iter()
        .filter(|v| !v.expunged && scope.includes(&v.account_id))
        .filter(|v| c.p.value("id").is_none_or(|id| id == v.id))
        .filter(|v| ids.as_ref().is_none_or(|ids| ids.contains(&v.id.as_str())))
        .map(|v| {
            let stats: Vec<_> = metrics::samples(v, from, to, now)
                .into_iter()
                .map(|s| {
                    let m = s.moved;
                    json!({
                        // The collector stamps a sample when the minute it covers ends.
                        "timestamp": format_date(s.at + Duration::minutes(1)),
                        "cpuused": format!("{:.2}%", s.cpu_percent),
                        "networkkbsread": m.net_read_kib, "networkkbswrite": m.net_write_kib,
                        "diskkbsread": m.disk_read_kib, "diskkbswrite": m.disk_write_kib,
                        "diskiopsread": m.disk_read_ops, "diskiopswrite": m.disk_write_ops,
                        "diskiopstotal": m.disk_read_ops + m.disk_write_ops,
                        "memorykbs": 1_048_576, "memoryintfreekbs": 524_288, "memorytargetkbs": 1_048_576,
                    })
                })
                .collect();
            json!({"id": v.id, "name": v.name, "displayname": v.display_name, "stats": stats})
        })
        .collect();
    c.list("virtualmachine", items)
}
