//! `/api/snapshots/*`: snapshots of an instance's disk and the schedule that takes them.
//!
//! Looking is for anyone who sees the instance (support too); taking one and setting the schedule
//! take the write capability (an acting support session may); deleting and reverting throw data away
//! and take the [`Discarder`](crate::ports::Discarder) capability, the customer's alone.

use super::codec::Json;
use crate::error::AppError;
use crate::model::snapshot::{InstanceSchedule, SnapshotJob, SnapshotList};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub use port::SnapshotsPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::snapshot::{InstanceSchedule, Schedule, Snapshot, SnapshotJob, SnapshotList, SnapshotName};
    use crate::model::{InstanceId, SnapshotId};
    use crate::ports::{Discarder, Principal, Writer};

    #[async_trait::async_trait]
    pub trait SnapshotsPort: Send + Sync {
        /// The instance's snapshots, newest first.
        async fn list(&self, p: &Principal, instance: &InstanceId) -> Result<SnapshotList, AppError>;
        /// One of the customer's snapshots (another customer's is not found).
        async fn get(&self, p: &Principal, id: &SnapshotId) -> Result<Snapshot, AppError>;
        async fn take(&self, w: &Writer<'_>, instance: &InstanceId, name: SnapshotName) -> Result<SnapshotJob, AppError>;
        async fn delete(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, AppError>;
        /// Stops the instance if it runs, reverts its disk, starts it again: one job.
        async fn revert(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, AppError>;
        async fn schedule(&self, p: &Principal, instance: &InstanceId) -> Result<InstanceSchedule, AppError>;
        /// Replaces the schedule (`None` removes it); answers it as it now reads back.
        async fn set_schedule(
            &self,
            w: &Writer<'_>,
            instance: &InstanceId,
            schedule: Option<Schedule>,
        ) -> Result<InstanceSchedule, AppError>;
    }
}

/// A schedule as the wire carries it, before it is parsed (each bad part is a 400 naming it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub every: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<String>,
    pub time_zone: String,
    pub keep: u32,
}

impl From<&crate::model::snapshot::Schedule> for ScheduleInput {
    fn from(s: &crate::model::snapshot::Schedule) -> ScheduleInput {
        ScheduleInput {
            every: s.every.as_str().into(),
            at: s.at.to_string(),
            weekday: s.weekday.map(|w| w.as_str().into()),
            time_zone: s.time_zone.to_string(),
            keep: s.keep.get().into(),
        }
    }
}

#[cfg(feature = "ssr")]
fn instance(raw: &str) -> Result<crate::model::InstanceId, AppError> {
    super::instances::known(crate::model::InstanceId::parse(raw))
}

#[cfg(feature = "ssr")]
fn snapshot(raw: &str) -> Result<crate::model::SnapshotId, AppError> {
    super::instances::known(crate::model::SnapshotId::parse(raw))
}

/// `{instance_id}` → `{snapshots: [{id, name, created, size_bytes, state, scheduled}]}`.
#[server(prefix = "/api", endpoint = "snapshots/list", input = Json, output = Json)]
pub async fn list_snapshots(instance_id: String) -> Result<SnapshotList, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.snapshots.list(&p, &instance(&instance_id)?).await
}

/// `{instance_id, name}` → `{job_id, snapshot_id}`.
#[server(prefix = "/api", endpoint = "snapshots/create", input = Json, output = Json)]
pub async fn take_snapshot(instance_id: String, name: String) -> Result<SnapshotJob, AppError> {
    use crate::model::snapshot::SnapshotName;
    use crate::model::JobKind;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, JobKind::TakeSnapshot, Some(super::ssr::Target::Instance(&instance_id))).await?;
    let name = super::field("name", SnapshotName::parse(&name))?;
    ports.snapshots.take(&w, &instance(&instance_id)?, name).await
}

/// `{id}` → `{job_id}`.
#[server(prefix = "/api", endpoint = "snapshots/delete", input = Json, output = Json)]
pub async fn delete_snapshot(id: String) -> Result<SnapshotJob, AppError> {
    use crate::model::JobKind;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let d = super::ssr::discarder(&ports, &p, JobKind::DeleteSnapshot, super::ssr::Target::Snapshot(&id)).await?;
    ports.snapshots.delete(&d, &snapshot(&id)?).await
}

/// `{id}` → `{job_id}`: stop, revert, start, as one job.
#[server(prefix = "/api", endpoint = "snapshots/revert", input = Json, output = Json)]
pub async fn revert_snapshot(id: String) -> Result<SnapshotJob, AppError> {
    use crate::model::JobKind;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let d = super::ssr::discarder(&ports, &p, JobKind::RevertSnapshot, super::ssr::Target::Snapshot(&id)).await?;
    ports.snapshots.revert(&d, &snapshot(&id)?).await
}

/// `{instance_id}` → `{instance_id, schedule: null | {every, at, weekday?, time_zone, keep}}`.
#[server(prefix = "/api", endpoint = "snapshots/schedule", input = Json, output = Json)]
pub async fn get_schedule(instance_id: String) -> Result<InstanceSchedule, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.snapshots.schedule(&p, &instance(&instance_id)?).await
}

/// `{instance_id, schedule: null | {every: "day"|"week", at: "HH:MM", weekday?, time_zone, keep}}`.
#[server(prefix = "/api", endpoint = "snapshots/schedule/set", input = Json, output = Json)]
pub async fn set_schedule(instance_id: String, #[server(default)] schedule: Option<ScheduleInput>) -> Result<InstanceSchedule, AppError> {
    use crate::model::audit::AuditEvent;
    use crate::model::snapshot::Schedule;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, AuditEvent::SnapshotScheduleChanged, Some(super::ssr::Target::Instance(&instance_id))).await?;
    let schedule = match schedule {
        None => None,
        Some(s) => Some(super::fields(Schedule::parse(&s.every, &s.at, s.weekday.as_deref(), &s.time_zone, s.keep))?),
    };
    ports.snapshots.set_schedule(&w, &instance(&instance_id)?, schedule).await
}
