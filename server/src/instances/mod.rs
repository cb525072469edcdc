//! Instances across zones: the customer's instances from every zone at once, an instance's page,
//! deploys (idempotent, `deploy`) and lifecycle actions (`actions`), each followed as a job (`jobs`).
//!
//! Every call for a customer is signed with the customer's own keys (see `tenancy`); ownership is
//! also checked here, so an id that is not the caller's answers exactly like one that does not exist.

mod actions;
pub mod console;
mod deploy;
pub mod relay;
mod repo;
pub mod view;

use crate::audit;
use crate::catalog::CatalogService;
use crate::cloud::commands::VmQuery;
use crate::cloud::types::VirtualMachine;
use crate::cloud::zones::across_zones;
use crate::cloud::{CloudFailure, InZone};
use crate::db::Db;
use crate::jobs::{self, Jobs};
use crate::tenancy::{CustomerCloud, Tenancy, TenancyError};
use app::api::instances::{DeploySpec, InstancesPort};
use app::error::AppError;
use app::model::audit::AuditOutcome;
use app::model::instance::{ActivityEntry, Busy, SecurityGroupRef};
use app::model::*;
use app::ports::{Creator, Principal, Writer};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use view::canonical_ipv6;

crate::feature_error! {
    pub enum InstanceError {
        /// No such instance, group or job, or another customer's.
        #[error("Not found.")]
        NotFound,
        #[error("Another action is still running on this instance; wait for it to finish.")]
        Busy,
        #[error("The instance is already running.")]
        AlreadyRunning,
        #[error("Stop the instance first: its password can only be reset while it is stopped.")]
        StopToResetPassword,
        #[error("Stop the instance first: it can only be resized while it is stopped.")]
        StopToResize,
        #[error("Only a running instance can be rebooted.")]
        RebootNeedsRunning,
        #[error("{action} is not possible while the instance is {}.", state.as_str())]
        NotWhile { action: &'static str, state: InstanceState },
        #[error("This instance's image does not support password reset; sign in with your SSH key.")]
        NoPasswordReset,
        #[error("That image is not available in {zone}.")]
        ImageNotInZone { zone: String },
        #[error("This snapshot is kept in {zone}, so a new instance from it starts there: choose {zone}.")]
        SnapshotInOtherZone { zone: String },
        #[error("There is no such size.")]
        NoSuchSize,
        #[error(
            "Agile and Stamina keep disks in different places, so an instance cannot move between them by resizing. Deploy a new instance in the other family instead."
        )]
        OtherFamily,
        #[error("The instance already has this size.")]
        SameSize,
        #[error("There is no SSH key of that name in your account.")]
        NoSuchKey,
        #[error("This idempotency_key was already used for a different deploy; use a new key for a new instance.")]
        KeyReused,
        #[error("This deploy is still being submitted; check your instances in a moment.")]
        StillSubmitting,
        #[error("Start the instance to open its console: it is {}, and only a running instance has a screen.", state.as_str())]
        ConsoleNeedsRunning { state: InstanceState },
        #[error("The console needs CloudStack 4.18 or later, and this cloud does not offer it yet. Contact support if you need the instance's screen.")]
        ConsoleUnsupported,
        #[error("The cloud could not open a console: {details}")]
        ConsoleRefused { details: String },
        /// The cloud took the deploy but its answer named no instance: not the customer's doing (502).
        #[error("The cloud accepted the deploy but did not say which instance it is; it will appear in your list.")]
        DeployUnnamed,
    }
    causes {
        Denied(app::ports::Denied),
        Catalog(crate::catalog::CatalogError),
        Cloud(CloudFailure),
        Tenancy(TenancyError),
        Snapshot(crate::snapshots::SnapshotError),
    }
}

impl From<InstanceError> for AppError {
    fn from(e: InstanceError) -> AppError {
        use InstanceError::*;
        let sentence = e.to_string();
        match e {
            NotFound => AppError::NotFound,
            Busy
            | AlreadyRunning
            | StopToResetPassword
            | StopToResize
            | RebootNeedsRunning
            | NotWhile { .. }
            | NoPasswordReset
            | KeyReused
            | StillSubmitting
            | ConsoleNeedsRunning { .. } => AppError::Conflict(sentence),
            ConsoleUnsupported | ConsoleRefused { .. } => AppError::Cloud(sentence),
            ImageNotInZone { .. } => AppError::invalid("template_id", sentence),
            SnapshotInOtherZone { .. } => AppError::invalid("zone_id", sentence),
            NoSuchSize | OtherFamily | SameSize => AppError::invalid("offering_id", sentence),
            NoSuchKey => AppError::invalid("ssh_key_name", sentence),
            DeployUnnamed => AppError::Cloud(sentence),
            Denied(d) => d.into(),
            Catalog(c) => c.into(),
            Cloud(f) => f.into(),
            Tenancy(t) => t.into(),
            Snapshot(s) => s.into(),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

#[derive(Clone)]
pub struct Instances {
    pub(crate) db: Db,
    pub(crate) tenancy: Arc<Tenancy>,
    pub(crate) catalog: CatalogService,
    pub(crate) jobs: Jobs,
    /// A new instance from a snapshot starts from a template made of it.
    pub(crate) snapshots: crate::snapshots::Snapshots,
    pub(crate) zone_deadline: Duration,
    /// The panel's view-only console relay (`ws(s)://…/console/relay`).
    pub(crate) console_relay: String,
    /// When the cloud last said it has no `createConsoleEndpoint` (an older CloudStack): for an hour
    /// after, the panel says so without asking again.
    pub(crate) console_missing: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl Instances {
    pub fn new(
        db: Db,
        tenancy: Arc<Tenancy>,
        catalog: CatalogService,
        jobs: Jobs,
        snapshots: crate::snapshots::Snapshots,
        zone_deadline: Duration,
        console_relay: String,
    ) -> Instances {
        Instances { db, tenancy, catalog, jobs, snapshots, zone_deadline, console_relay, console_missing: Arc::default() }
    }

    /// Finishes deploys a dead server left pending (see `deploy::reconcile`); how many it finished.
    pub async fn reconcile_deploys(&self) -> anyhow::Result<usize> {
        deploy::reconcile(self).await
    }

    pub(crate) async fn cloud_for(&self, customer: &CustomerId) -> Result<CustomerCloud, InstanceError> {
        Ok(self.tenancy.ensure(customer).await?)
    }

    /// The VM if it exists and belongs to the caller; `NotFound` otherwise, whichever it is.
    pub(crate) async fn owned_vm(
        &self,
        cloud: &CustomerCloud,
        customer: &CustomerId,
        id: &InstanceId,
    ) -> Result<VirtualMachine, InstanceError> {
        self.tenancy.owned_vm(cloud, customer, id).await?.ok_or(InstanceError::NotFound)
    }

    /// Records an instance action as requested; its job will say how it ended.
    pub(crate) async fn audit_instance(&self, w: &Writer<'_>, kind: JobKind, target: &InstanceId, detail: Option<&str>) -> Option<String> {
        let subject = w.customer().ok()?.user();
        audit::on_instance(&self.db, w.principal(), &subject, kind.into(), target.as_str(), AuditOutcome::Requested, detail).await
    }

    /// The jobs running on the customer's instances, by instance.
    async fn busy(&self, customer: &CustomerId, instance: Option<&InstanceId>) -> Result<HashMap<InstanceId, Busy>, InstanceError> {
        let mut conn = self.db.pool.acquire().await?;
        let pending = jobs::repo::pending_for(&mut conn, customer, instance).await?;
        let mut busy = HashMap::new();
        for j in pending {
            if let Some(i) = j.instance_id {
                busy.entry(i).or_insert(Busy { job_id: j.id, kind: j.kind });
            }
        }
        Ok(busy)
    }

    async fn activity(&self, customer: &CustomerId, instance: &InstanceId) -> Result<Vec<ActivityEntry>, InstanceError> {
        let rows = audit::repo::activity(&self.db.pool, &customer.user(), instance.as_str(), 100).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let outcome = match (r.job_status, r.job_error) {
                    (Some(JobStatus::Failed), Some(err)) => format!("failed: {err}"),
                    (Some(status), _) => status.to_string(),
                    (None, _) => r.entry.outcome.to_string(),
                };
                let actor = match (r.entry.actor_email.as_deref(), r.entry.actor_role) {
                    (Some(e), Some(role)) if role.is_staff() => format!("Support ({e})"),
                    (Some(e), _) => e.to_string(),
                    (None, _) => "Zenith".into(),
                };
                ActivityEntry { at: Timestamp::from_unix_ms(r.entry.at), actor, action: r.entry.action, outcome }
            })
            .collect())
    }

    async fn list(&self, p: &Principal) -> Result<InstanceList, InstanceError> {
        self.list_for(p.customer()?).await
    }

    /// The customer's instances in every zone, as the customer sees them (support's summary too).
    #[tracing::instrument(skip_all, fields(customer = %customer))]
    pub async fn list_for(&self, customer: &CustomerId) -> Result<InstanceList, InstanceError> {
        let cloud = self.cloud_for(customer).await?;
        let zones = self.catalog.catalog.zones().await.in_zone(None)?;
        let offerings = self.catalog.catalog.offerings().await.in_zone(None)?;
        let (outcomes, busy) = tokio::join!(
            across_zones(zones.to_vec(), self.zone_deadline, "listVirtualMachines", |z| {
                let client = cloud.client.clone();
                async move { client.list_virtual_machines(&VmQuery { zone_id: Some(z.id.clone()), ..Default::default() }).await }
            }),
            self.busy(customer, None)
        );
        let mut busy = busy?;
        let mut instances = Vec::new();
        let mut zone_errors = Vec::new();
        for o in outcomes {
            match o.result {
                Ok(vms) => instances.extend(
                    vms.iter()
                        .filter(|vm| cloud.owns(vm.account.as_deref()))
                        .map(|vm| view::instance(vm, &o.zone.name, &offerings, busy.remove(&vm.id))),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, zone = %o.zone.name, "a zone did not answer");
                    zone_errors.push(ZoneError {
                        zone_id: o.zone.id.clone(),
                        zone_name: o.zone.name.clone(),
                        message: e.customer_message(Some(&o.zone.name)),
                    })
                }
            }
        }
        instances.sort_by(|a, b| a.name.cmp(&b.name).then(a.zone_name.cmp(&b.zone_name)));
        let total = u32::try_from(instances.len()).unwrap_or(u32::MAX);
        Ok(InstanceList { instances, zone_errors, total })
    }

    async fn get(&self, p: &Principal, id: &InstanceId) -> Result<InstanceDetail, InstanceError> {
        let customer = p.customer()?;
        let cloud = self.cloud_for(customer).await?;
        let vm = self.owned_vm(&cloud, customer, id).await?;
        let offerings = self.catalog.catalog.offerings().await.in_zone(None)?;
        let prices = self.catalog.prices().await?;
        let mut busy = self.busy(customer, Some(&vm.id)).await?;
        let pending_job = busy.get(&vm.id).map(|b| b.job_id.clone());
        let instance = view::instance(&vm, &self.catalog.zone_name(&vm.zoneid).await, &offerings, busy.remove(&vm.id));
        let nic = vm.primary_nic().cloned().unwrap_or_default();
        Ok(InstanceDetail {
            cpu: vm.cpunumber,
            memory_mb: vm.memory,
            template_id: vm.templateid.clone(),
            template_name: vm.templatename.clone(),
            password_enabled: vm.passwordenabled,
            ssh_key: vm.key_pair_name().map(str::to_string),
            ipv4_gateway: nic.gateway.clone(),
            ipv4_netmask: nic.netmask.clone(),
            ipv6_prefix: nic.ip6cidr.clone(),
            ipv6_gateway: nic.ip6gateway.as_deref().and_then(canonical_ipv6),
            security_groups: vm.securitygroup.iter().map(|g| SecurityGroupRef { id: g.id.clone(), name: g.name.clone() }).collect(),
            price_hourly: prices.of(&vm.serviceofferingname, self.catalog.currency).map(|p| p.0),
            pending_job,
            activity: self.activity(customer, &vm.id).await?,
            instance,
        })
    }
}

#[async_trait::async_trait]
impl InstancesPort for Instances {
    async fn list(&self, p: &Principal) -> Result<InstanceList, AppError> {
        Ok(Instances::list(self, p).await?)
    }

    async fn get(&self, p: &Principal, id: &InstanceId) -> Result<InstanceDetail, AppError> {
        Ok(Instances::get(self, p, id).await?)
    }

    async fn deploy(&self, c: &Creator<'_>, spec: DeploySpec) -> Result<DeployAccepted, AppError> {
        Ok(deploy::deploy(self, c, spec).await?)
    }

    async fn act(&self, w: &Writer<'_>, id: &InstanceId, action: Action) -> Result<JobId, AppError> {
        Ok(actions::act(self, w, id, action).await?)
    }

    async fn job(&self, p: &Principal, id: &JobId) -> Result<JobView, AppError> {
        Ok(self.jobs.view(p, id).await?)
    }

    async fn console(&self, p: &Principal, id: &InstanceId) -> Result<app::model::instance::ConsoleAccess, AppError> {
        Ok(console::open(self, p, id).await?)
    }
}
