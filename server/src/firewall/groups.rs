//! Changing which groups an instance is in. CloudStack only allows it while the instance is stopped,
//! so the panel does it in one action: stop (if it runs), change, start again, recorded as a job the
//! customer follows. A step that fails leaves the instance as it was: the groups are put back and a
//! stopped instance is started again.

use super::{owned_group, Firewall, FirewallError};
use crate::cloud::{CloudError, CloudFailure};
use crate::jobs::{self, Follow, NewJob};
use crate::tenancy::CustomerCloud;
use anyhow::Context as _;
use app::model::audit::{AuditCategory, AuditOutcome};
use app::model::{InstanceId, InstanceState, JobId, JobKind, JobStatus, SecurityGroupId};
use app::ports::Writer;
use std::time::Duration;

/// How long a stop or a start may take before the panel gives up on it.
const STEP_DEADLINE: Duration = Duration::from_secs(600);

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
    let actor = crate::audit::Actor::from_principal(p);
    let subject = customer.user();
    let audit_id = crate::audit::record_or_log(
        &svc.db,
        crate::audit::Entry {
            actor: Some(&actor),
            subject: Some(&subject),
            category: AuditCategory::Instance,
            action: JobKind::SetGroups.into(),
            target_id: Some(vm.id.as_str()),
            outcome: AuditOutcome::Requested,
            detail: Some(&detail),
            ip: p.client.ip,
        },
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
    let run = Steps { svc: svc.clone(), cloud, instance: vm.id.clone(), job: job.clone(), was_running: state == InstanceState::Running };
    tokio::spawn(async move {
        let outcome = run.carry_out(&before, &groups).await;
        if let Err(e) = run.finish(outcome).await {
            tracing::error!(error = %format!("{e:#}"), "could not record how a change of security groups ended");
        }
    });
    Ok(job)
}

struct Steps {
    svc: Firewall,
    cloud: CustomerCloud,
    instance: InstanceId,
    job: JobId,
    was_running: bool,
}

/// Why the change did not happen, in the customer's words.
type StepFailure = String;

impl Steps {
    async fn progress(&self, p: u8) {
        let r =
            async { jobs::repo::set_progress(&mut *self.svc.db.pool.acquire().await?, &self.job, p).await.map_err(anyhow::Error::from) };
        crate::error::log_failed_write(r.await, "recording a step's progress");
    }

    async fn stop(&self) -> Result<(), CloudError> {
        let j = self.cloud.client.stop_virtual_machine(&self.instance, false).await?;
        self.cloud.client.wait_job(&j.jobid, STEP_DEADLINE).await.map(|_| ())
    }

    async fn start(&self) -> Result<(), CloudError> {
        let j = self.cloud.client.start_virtual_machine(&self.instance).await?;
        self.cloud.client.wait_job(&j.jobid, STEP_DEADLINE).await.map(|_| ())
    }

    async fn carry_out(&self, before: &[SecurityGroupId], after: &[SecurityGroupId]) -> Result<(), StepFailure> {
        let say = |what: &str, e: &CloudError| {
            tracing::warn!(error = %e, instance = %self.instance, "changing security groups: {what}");
            format!("{what} {}", e.customer_message(None))
        };
        if self.was_running {
            self.stop().await.map_err(|e| say("The instance could not be stopped, so nothing was changed.", &e))?;
        }
        self.progress(33).await;
        if let Err(e) = self.cloud.client.update_virtual_machine_groups(&self.instance, after).await {
            let mut msg = say("The groups could not be changed.", &e);
            if self.was_running && self.start().await.is_err() {
                msg.push_str(" Starting the instance again failed too: start it from its page.");
            }
            return Err(msg);
        }
        self.progress(66).await;
        if self.was_running {
            if let Err(e) = self.start().await {
                // Put it back as it was: the old groups, and running.
                let mut msg = say("The instance did not start with its new groups, so the old ones were put back.", &e);
                let restored =
                    self.cloud.client.update_virtual_machine_groups(&self.instance, before).await.is_ok() && self.start().await.is_ok();
                if !restored {
                    msg.push_str(" Restoring it failed too: check its groups and start it from its page.");
                }
                return Err(msg);
            }
        }
        Ok(())
    }

    async fn finish(&self, outcome: Result<(), StepFailure>) -> anyhow::Result<()> {
        let mut conn = self.svc.db.pool.acquire().await.context("recording a job's end")?;
        match outcome {
            Ok(()) => jobs::repo::finish(&mut conn, &self.job, JobStatus::Succeeded, None, None).await?,
            Err(why) => jobs::repo::finish(&mut conn, &self.job, JobStatus::Failed, Some(&why), None).await?,
        };
        Ok(())
    }
}

impl From<CloudError> for FirewallError {
    fn from(e: CloudError) -> FirewallError {
        FirewallError::Cloud(CloudFailure::new(e, None))
    }
}
