//! Snapshots of an instance's disk: taken by hand or by a schedule, listed, deleted, reverted to, and
//! (in `instances::deploy`) started from. They are CloudStack volume snapshots of the instance's ROOT
//! volume, made with the customer's own keys, so the cloud itself scopes them; ownership is checked
//! again here through the instance, and another customer's id answers like one that does not exist.
//!
//! Taking and deleting are cloud jobs the panel follows; reverting is the panel's own job
//! (`jobs::steps`: stop, revert, start, running again if a step fails). The schedule is CloudStack's
//! snapshot policy, translated in `policy`. Every change is audited on the instance.

pub mod policy;

use crate::audit;
use crate::catalog::CatalogService;
use crate::cloud::types::{Snapshot as CloudSnapshot, VirtualMachine, Volume};
use crate::cloud::{CloudError, CloudFailure, CloudStack, InZone};
use crate::db::Db;
use crate::jobs::{self, Follow, NewJob};
use crate::tenancy::{CustomerCloud, Tenancy, TenancyError};
use app::api::snapshots::SnapshotsPort;
use app::error::AppError;
use app::model::audit::{AuditEvent, AuditOutcome};
use app::model::snapshot::{InstanceSchedule, Schedule, Snapshot, SnapshotJob, SnapshotList, SnapshotName, SnapshotState};
use app::model::{InstanceId, InstanceState, JobKind, SnapshotId, Timestamp};
use app::ports::{Discarder, Principal, Writer};
use std::sync::Arc;
use std::time::Duration;

/// Snapshots one instance may hold, by hand and by schedule together: each is storage the customer
/// pays for and CloudStack limits per account (`max.account.snapshots`, 20 by default).
pub const MAX_PER_INSTANCE: usize = 20;

/// How long the panel waits for CloudStack to make a template of a snapshot (a new instance from it).
const TEMPLATE_DEADLINE: Duration = Duration::from_secs(120);

crate::feature_error! {
    pub enum SnapshotError {
        /// No such instance or snapshot, or another customer's.
        #[error("Not found.")]
        NotFound,
        #[error("Another action is still running on this instance; wait for it to finish.")]
        Busy,
        #[error("A snapshot can only be taken of a running or stopped instance; this one is {}.", state.as_str())]
        InstanceNotSettled { state: InstanceState },
        #[error("This snapshot is not ready yet ({}); wait until it is.", state.label().to_lowercase())]
        NotReady { state: SnapshotState },
        #[error("This instance has {MAX_PER_INSTANCE} snapshots, the most it can keep; delete one first.")]
        TooMany,
        #[error("This instance has no disk the cloud can snapshot.")]
        NoDisk,
        #[error("{0:?} is not a time zone the cloud knows; use an IANA name such as Europe/Amsterdam or UTC.")]
        UnknownTimeZone(String),
        #[error("This instance has that schedule already.")]
        SameSchedule,
    }
    causes { Denied(app::ports::Denied), Cloud(CloudFailure), Tenancy(TenancyError) }
}

impl From<SnapshotError> for AppError {
    fn from(e: SnapshotError) -> AppError {
        use SnapshotError::*;
        let sentence = e.to_string();
        match e {
            NotFound => AppError::NotFound,
            Busy | InstanceNotSettled { .. } | NotReady { .. } | TooMany | NoDisk | SameSchedule => AppError::Conflict(sentence),
            UnknownTimeZone(_) => AppError::invalid("time_zone", sentence),
            Denied(d) => d.into(),
            Cloud(f) => f.into(),
            Tenancy(t) => t.into(),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

impl From<crate::jobs::JobError> for SnapshotError {
    fn from(e: crate::jobs::JobError) -> SnapshotError {
        SnapshotError::Unexpected(anyhow::Error::new(e))
    }
}

/// A snapshot as the panel shows it; `None` (logged) for one whose id the panel cannot hold.
pub fn view(s: &CloudSnapshot) -> Option<Snapshot> {
    let id = SnapshotId::parse(&s.id).map_err(|e| tracing::warn!(id = %s.id, error = %e, "a snapshot id the panel cannot hold")).ok()?;
    let state = SnapshotState::parse(&s.state).unwrap_or_else(|| {
        tracing::warn!(state = %s.state, "a snapshot state the panel does not know; shown as Error");
        SnapshotState::Error
    });
    Some(Snapshot {
        id,
        name: s.name.clone(),
        created: Timestamp::from_unix_ms(s.created.map(|c| c.timestamp_millis()).unwrap_or(0)),
        size_bytes: s.physicalsize.or(s.virtualsize).unwrap_or(0).max(0) as u64,
        state,
        // CloudStack says MANUAL for one taken by hand, and RECURRING or the interval for a policy's.
        scheduled: !s.snapshottype.eq_ignore_ascii_case("MANUAL"),
    })
}

#[derive(Clone)]
pub struct Snapshots {
    db: Db,
    tenancy: Arc<Tenancy>,
    catalog: CatalogService,
}

/// A customer's snapshot, with the instance whose disk it is (if that still exists).
struct Owned {
    snapshot: CloudSnapshot,
    vm: Option<VirtualMachine>,
}

impl Snapshots {
    pub fn new(db: Db, tenancy: Arc<Tenancy>, catalog: CatalogService) -> Snapshots {
        Snapshots { db, tenancy, catalog }
    }

    async fn cloud(&self, p: &Principal) -> Result<CustomerCloud, SnapshotError> {
        Ok(self.tenancy.ensure(p.customer()?).await?)
    }

    async fn zone_of(&self, vm: &VirtualMachine) -> String {
        self.catalog.zone_name(&vm.zoneid).await
    }

    /// The customer's instance and its ROOT volume.
    async fn disk(&self, p: &Principal, cloud: &CustomerCloud, id: &InstanceId) -> Result<(VirtualMachine, Volume), SnapshotError> {
        let vm = self.tenancy.owned_vm(cloud, p.customer()?, id).await?.ok_or(SnapshotError::NotFound)?;
        let zone = self.zone_of(&vm).await;
        let volume =
            cloud.client.list_volumes(&vm.id).await.in_zone(Some(&zone))?.into_iter().find(|v| v.kind.eq_ignore_ascii_case("ROOT"));
        Ok((vm, volume.ok_or(SnapshotError::NoDisk)?))
    }

    /// The customer's snapshot and the instance it is of.
    async fn owned(&self, p: &Principal, cloud: &CustomerCloud, id: &SnapshotId) -> Result<Owned, SnapshotError> {
        let found = cloud.client.list_snapshots(None, Some(id.as_str())).await.in_zone(None)?;
        let snapshot = found
            .into_iter()
            .find(|s| s.id.eq_ignore_ascii_case(id.as_str()) && cloud.owns(s.account.as_deref()))
            .ok_or(SnapshotError::NotFound)?;
        let volume = match &snapshot.volumeid {
            Some(v) => cloud.client.volume(v).await.in_zone(None)?,
            None => None,
        };
        let vm = match volume.and_then(|v| v.virtualmachineid).and_then(|i| InstanceId::parse(&i).ok()) {
            Some(i) => self.tenancy.owned_vm(cloud, p.customer()?, &i).await?,
            None => None,
        };
        Ok(Owned { snapshot, vm })
    }

    async fn not_busy(&self, p: &Principal, vm: &VirtualMachine) -> Result<(), SnapshotError> {
        let mut conn = self.db.pool.acquire().await?;
        let pending = jobs::repo::pending_for(&mut conn, p.customer()?, Some(&vm.id)).await?;
        if !pending.is_empty() || vm.jobstatus == Some(0) && vm.jobid.is_some() {
            return Err(SnapshotError::Busy);
        }
        Ok(())
    }

    /// Records the action on the instance's activity (on the snapshot itself when its instance is
    /// gone) and the job that carries it out.
    async fn record(
        &self,
        w: &Writer<'_>,
        kind: JobKind,
        vm: Option<&VirtualMachine>,
        snapshot: &str,
        follow: Follow<'_>,
        detail: &str,
    ) -> Result<app::model::JobId, SnapshotError> {
        let customer = w.customer()?;
        let target = vm.map(|v| v.id.as_str()).unwrap_or(snapshot);
        let audit_id =
            audit::on_instance(&self.db, w.principal(), &customer.user(), kind.into(), target, AuditOutcome::Requested, Some(detail)).await;
        let mut conn = self.db.pool.acquire().await?;
        let job = jobs::repo::insert(
            &mut conn,
            NewJob { customer, kind, instance: vm.map(|v| &v.id), zone: vm.map(|v| &v.zoneid), follow, audit_id: audit_id.as_deref() },
        )
        .await?;
        Ok(job)
    }

    #[tracing::instrument(skip_all, fields(instance = %instance))]
    pub async fn list(&self, p: &Principal, instance: &InstanceId) -> Result<SnapshotList, SnapshotError> {
        let cloud = self.cloud(p).await?;
        let (vm, volume) = self.disk(p, &cloud, instance).await?;
        let zone = self.zone_of(&vm).await;
        let found = cloud.client.list_snapshots(Some(&volume.id), None).await.in_zone(Some(&zone))?;
        let mut snapshots: Vec<Snapshot> =
            found.iter().filter(|s| cloud.owns(s.account.as_deref()) && s.state != "Destroyed").filter_map(view).collect();
        snapshots.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name)));
        Ok(SnapshotList { snapshots })
    }

    pub async fn get(&self, p: &Principal, id: &SnapshotId) -> Result<Snapshot, SnapshotError> {
        let cloud = self.cloud(p).await?;
        let owned = self.owned(p, &cloud, id).await?;
        view(&owned.snapshot).ok_or(SnapshotError::NotFound)
    }

    #[tracing::instrument(skip_all, fields(instance = %instance))]
    pub async fn take(&self, w: &Writer<'_>, instance: &InstanceId, name: SnapshotName) -> Result<SnapshotJob, SnapshotError> {
        let p = w.principal();
        let cloud = self.cloud(p).await?;
        let (vm, volume) = self.disk(p, &cloud, instance).await?;
        let state = InstanceState::parse(&vm.state);
        if !state.allows(JobKind::TakeSnapshot) {
            return Err(SnapshotError::InstanceNotSettled { state });
        }
        self.not_busy(p, &vm).await?;
        let zone = self.zone_of(&vm).await;
        let existing = cloud.client.list_snapshots(Some(&volume.id), None).await.in_zone(Some(&zone))?;
        if existing.iter().filter(|s| s.state != "Destroyed").count() >= MAX_PER_INSTANCE {
            return Err(SnapshotError::TooMany);
        }
        let accepted = cloud.client.create_snapshot(&volume.id, Some(name.as_str())).await.in_zone(Some(&zone))?;
        let snapshot_id = accepted.id.as_deref().and_then(|i| SnapshotId::parse(i).ok());
        let job = self
            .record(
                w,
                JobKind::TakeSnapshot,
                Some(&vm),
                accepted.id.as_deref().unwrap_or(""),
                Follow::Cloud(&accepted.jobid),
                name.as_str(),
            )
            .await?;
        Ok(SnapshotJob { job_id: job, snapshot_id })
    }

    #[tracing::instrument(skip_all, fields(snapshot = %id))]
    pub async fn delete(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, SnapshotError> {
        let w = d.writer();
        let cloud = self.cloud(w.principal()).await?;
        let Owned { snapshot, vm } = self.owned(w.principal(), &cloud, id).await?;
        let state = SnapshotState::parse(&snapshot.state).unwrap_or(SnapshotState::Error);
        // A failed one may be cleared away; one on its way must finish first (CloudStack refuses).
        if !state.ready() && state != SnapshotState::Error {
            return Err(SnapshotError::NotReady { state });
        }
        let accepted = cloud.client.delete_snapshot(&snapshot.id).await.in_zone(None)?;
        let detail = format!("{} ({})", snapshot.name, snapshot.id);
        let job = self.record(w, JobKind::DeleteSnapshot, vm.as_ref(), &snapshot.id, Follow::Cloud(&accepted.jobid), &detail).await?;
        Ok(SnapshotJob { job_id: job, snapshot_id: Some(id.clone()) })
    }

    #[tracing::instrument(skip_all, fields(snapshot = %id))]
    pub async fn revert(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, SnapshotError> {
        let w = d.writer();
        let p = w.principal();
        let cloud = self.cloud(p).await?;
        let Owned { snapshot, vm } = self.owned(p, &cloud, id).await?;
        // A snapshot whose instance is gone can still start a new one, but not be reverted to.
        let vm = vm.ok_or(SnapshotError::NotFound)?;
        let state = SnapshotState::parse(&snapshot.state).unwrap_or(SnapshotState::Error);
        if !state.ready() {
            return Err(SnapshotError::NotReady { state });
        }
        let vm_state = InstanceState::parse(&vm.state);
        if !vm_state.allows(JobKind::RevertSnapshot) {
            return Err(SnapshotError::InstanceNotSettled { state: vm_state });
        }
        self.not_busy(p, &vm).await?;
        let detail = format!("to {} ({})", snapshot.name, snapshot.id);
        let job = self.record(w, JobKind::RevertSnapshot, Some(&vm), &snapshot.id, Follow::Panel, &detail).await?;
        let change = Revert { snapshot: snapshot.id.clone() };
        jobs::steps::spawn(self.db.clone(), cloud, vm.id.clone(), job.clone(), vm_state == InstanceState::Running, change);
        Ok(SnapshotJob { job_id: job, snapshot_id: Some(id.clone()) })
    }

    pub async fn schedule(&self, p: &Principal, instance: &InstanceId) -> Result<InstanceSchedule, SnapshotError> {
        let cloud = self.cloud(p).await?;
        let (vm, volume) = self.disk(p, &cloud, instance).await?;
        let zone = self.zone_of(&vm).await;
        let policies = cloud.client.list_snapshot_policies(&volume.id).await.in_zone(Some(&zone))?;
        Ok(InstanceSchedule { instance_id: vm.id, schedule: policies.iter().find_map(policy::from_policy) })
    }

    #[tracing::instrument(skip_all, fields(instance = %instance))]
    pub async fn set_schedule(
        &self,
        w: &Writer<'_>,
        instance: &InstanceId,
        schedule: Option<Schedule>,
    ) -> Result<InstanceSchedule, SnapshotError> {
        if let Some(s) = &schedule {
            // CloudStack's Java reads the same IANA database; a name it does not know fails there late.
            if s.time_zone.as_str().parse::<chrono_tz::Tz>().is_err() {
                return Err(SnapshotError::UnknownTimeZone(s.time_zone.to_string()));
            }
        }
        let p = w.principal();
        let cloud = self.cloud(p).await?;
        let (vm, volume) = self.disk(p, &cloud, instance).await?;
        let zone = self.zone_of(&vm).await;
        let c = &cloud.client;
        let before = c.list_snapshot_policies(&volume.id).await.in_zone(Some(&zone))?;
        let old = before.iter().find_map(policy::from_policy);
        if old == schedule && before.len() == usize::from(schedule.is_some()) {
            return Err(SnapshotError::SameSchedule);
        }
        // The new policy first: if the cloud refuses it, the old one still stands.
        let kept = match &schedule {
            Some(s) => {
                let pol = policy::to_policy(s);
                Some(
                    c.create_snapshot_policy(&volume.id, pol.interval_type, &pol.schedule, pol.max_snaps, &pol.timezone)
                        .await
                        .in_zone(Some(&zone))?
                        .id,
                )
            }
            None => None,
        };
        for stale in before.iter().filter(|b| Some(&b.id) != kept.as_ref()) {
            c.delete_snapshot_policy(&stale.id).await.in_zone(Some(&zone))?;
        }
        let say = |s: &Option<Schedule>| s.as_ref().map(Schedule::summary).unwrap_or_else(|| "none".into());
        let detail = format!("{} → {}", say(&old), say(&schedule));
        audit::on_instance(
            &self.db,
            p,
            &w.customer()?.user(),
            AuditEvent::SnapshotScheduleChanged.into(),
            vm.id.as_str(),
            AuditOutcome::Succeeded,
            Some(&detail),
        )
        .await;
        self.schedule(p, instance).await
    }

    /// The template a new instance from `id` starts from, in the snapshot's zone: made once, then
    /// found again by its name (a retried deploy does not make a second). Another customer's snapshot
    /// is not found; one in another zone is named.
    pub async fn template_of(
        &self,
        cloud: &CustomerCloud,
        p: &Principal,
        id: &SnapshotId,
    ) -> Result<(app::model::TemplateId, app::model::ZoneId), SnapshotError> {
        let Owned { snapshot, .. } = self.owned(p, cloud, id).await?;
        let state = SnapshotState::parse(&snapshot.state).unwrap_or(SnapshotState::Error);
        if !state.ready() {
            return Err(SnapshotError::NotReady { state });
        }
        let zone = snapshot.zoneid.as_deref().and_then(|z| app::model::ZoneId::parse(z).ok()).ok_or(SnapshotError::NotFound)?;
        let name = format!("from-snapshot-{}", snapshot.id);
        let c = &cloud.client;
        let own = c.list_templates("self", Some(&zone)).await.in_zone(None)?;
        if let Some(t) = own.iter().find(|t| t.name == name) {
            return Ok((t.id.clone(), zone));
        }
        let accepted = c.create_template_from_snapshot(&snapshot.id, &name).await.in_zone(None)?;
        let made = c.wait_job(&accepted.jobid, TEMPLATE_DEADLINE).await.in_zone(None)?;
        let id = made
            .get("template")
            .and_then(|t| t.get("id"))
            .and_then(|i| i.as_str())
            .or(accepted.id.as_deref())
            .and_then(|i| app::model::TemplateId::parse(i).ok())
            .ok_or_else(|| anyhow::anyhow!("createTemplate answered without a template id"))?;
        Ok((id, zone))
    }
}

/// Reverting the disk to a snapshot (the instance stopped).
struct Revert {
    snapshot: String,
}

#[async_trait::async_trait]
impl jobs::steps::WhileStopped for Revert {
    async fn apply(&self, client: &CloudStack) -> Result<(), CloudError> {
        let j = client.revert_snapshot(&self.snapshot).await?;
        client.wait_job(&j.jobid, Duration::from_secs(1800)).await.map(|_| ())
    }

    async fn undo(&self, _client: &CloudStack) -> Option<Result<(), CloudError>> {
        None
    }

    fn not_changed(&self) -> &'static str {
        "The disk could not be reverted to the snapshot, so it is as it was."
    }

    fn did_not_start(&self) -> &'static str {
        "The disk was reverted to the snapshot, but the instance did not start."
    }
}

#[async_trait::async_trait]
impl SnapshotsPort for Snapshots {
    async fn list(&self, p: &Principal, instance: &InstanceId) -> Result<SnapshotList, AppError> {
        Ok(Snapshots::list(self, p, instance).await?)
    }

    async fn get(&self, p: &Principal, id: &SnapshotId) -> Result<Snapshot, AppError> {
        Ok(Snapshots::get(self, p, id).await?)
    }

    async fn take(&self, w: &Writer<'_>, instance: &InstanceId, name: SnapshotName) -> Result<SnapshotJob, AppError> {
        Ok(Snapshots::take(self, w, instance, name).await?)
    }

    async fn delete(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, AppError> {
        Ok(Snapshots::delete(self, d, id).await?)
    }

    async fn revert(&self, d: &Discarder<'_>, id: &SnapshotId) -> Result<SnapshotJob, AppError> {
        Ok(Snapshots::revert(self, d, id).await?)
    }

    async fn schedule(&self, p: &Principal, instance: &InstanceId) -> Result<InstanceSchedule, AppError> {
        Ok(Snapshots::schedule(self, p, instance).await?)
    }

    async fn set_schedule(&self, w: &Writer<'_>, instance: &InstanceId, schedule: Option<Schedule>) -> Result<InstanceSchedule, AppError> {
        Ok(Snapshots::set_schedule(self, w, instance, schedule).await?)
    }
}
