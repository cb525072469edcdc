//! Changing which groups an instance is in. CloudStack only allows it while the instance is stopped,
//! so the panel does it in one job (`jobs::steps`): stop (if it runs), change, start again. A step
//! that fails leaves the instance as it was: the groups are put back and it is started again.

use super::{owned_group, Firewall, FirewallError};
use crate::cloud::{CloudError, CloudFailure, CloudStack};
use crate::jobs::{self, Follow, NewJob};
use app::model::audit::AuditOutcome;
use app::model::{InstanceId, InstanceState, JobId, JobKind, SecurityGroupId};
use app::ports::Writer;

pub(super) async fn set(
    svc: &Firewall,
    w: &Writer<'_>,
    instance: &InstanceId,
    groups: Vec<SecurityGroupId>,
) -> Result<JobId, FirewallError> {
    let customer = w.customer()?.clone();
    let cloud = svc.cloud(w.principal()).await?;
    let vm = svc.tenancy.owned_vm(&cloud, &customer, instance).await?.ok_or(FirewallError::NotFound)?;
    let mut names = Vec::new();
    for g in &groups {
        names.push(owned_group(&cloud, g).await?.name);
    }
    let before: Vec<SecurityGroupId> = vm.securitygroup.iter().map(|g| g.id.clone()).collect();
    let mut wanted = groups.clone();
    wanted.sort();
    wanted.dedup();
    let mut current = before.clone();
    current.sort();
    if wanted == current {
        return Err(FirewallError::SameGroups);
    }
    let state = InstanceState::parse(&vm.state);
    if !matches!(state, InstanceState::Running | InstanceState::Stopped) {
        return Err(FirewallError::InstanceNotSettled { state });
    }
    let mut conn = svc.db.pool.acquire().await?;
    if !jobs::repo::pending_for(&mut conn, &customer, Some(&vm.id)).await?.is_empty() {
        return Err(crate::instances::InstanceError::Busy.into());
    }
    drop(conn);
    let detail = format!("to {}", names.join(", "));
    let p = w.principal();
    let audit_id = crate::audit::on_instance(
        &svc.db,
        p,
        &customer.user(),
        JobKind::SetGroups.into(),
        vm.id.as_str(),
        AuditOutcome::Requested,
        Some(&detail),
    )
    .await;
    let mut conn = svc.db.pool.acquire().await?;
    let job = jobs::repo::insert(
        &mut conn,
        NewJob {
            customer: &customer,
            kind: JobKind::SetGroups,
            instance: Some(&vm.id),
            zone: Some(&vm.zoneid),
            follow: Follow::Panel,
            audit_id: audit_id.as_deref(),
        },
    )
    .await?;
    drop(conn);
    let change = NewGroups { instance: vm.id.clone(), before, after: groups };
    jobs::steps::spawn(svc.db.clone(), cloud, vm.id.clone(), job.clone(), state == InstanceState::Running, change);
    Ok(job)
}

/// The groups to set, and the ones to put back if the instance will not start with them.
struct NewGroups {
    instance: InstanceId,
    before: Vec<SecurityGroupId>,
    after: Vec<SecurityGroupId>,
}

#[async_trait::async_trait]
impl jobs::steps::WhileStopped for NewGroups {
    async fn apply(&self, client: &CloudStack) -> Result<(), CloudError> {
        client.update_virtual_machine_groups(&self.instance, &self.after).await.map(|_| ())
    }

    async fn undo(&self, client: &CloudStack) -> Option<Result<(), CloudError>> {
        Some(client.update_virtual_machine_groups(&self.instance, &self.before).await.map(|_| ()))
    }

    fn not_changed(&self) -> &'static str {
        "The groups could not be changed."
    }

    fn did_not_start(&self) -> &'static str {
        "The instance did not start with its new groups, so the old ones were put back."
    }
}

impl From<CloudError> for FirewallError {
    fn from(e: CloudError) -> FirewallError {
        FirewallError::Cloud(CloudFailure::new(e, None))
    }
}
