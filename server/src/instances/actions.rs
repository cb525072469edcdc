//! Lifecycle actions on an instance: checked against its state, sent with the customer's keys,
//! audited, and recorded as a job the panel follows.

use super::{InstanceError, Instances};
use crate::cloud::InZone;
use crate::jobs::{self, NewJob};
use app::model::{Action, InstanceId, InstanceState, JobId};
use app::ports::Writer;

fn refusal_for(action: &Action, state: InstanceState) -> InstanceError {
    match action {
        Action::Start if state == InstanceState::Running => InstanceError::AlreadyRunning,
        Action::ResetPassword => InstanceError::StopToResetPassword,
        Action::Resize { .. } => InstanceError::StopToResize,
        Action::Reboot => InstanceError::RebootNeedsRunning,
        a => InstanceError::NotWhile { action: a.label(), state },
    }
}

#[tracing::instrument(skip_all, fields(instance = %id, action = action.name()))]
pub async fn act(svc: &Instances, w: &Writer<'_>, id: &InstanceId, action: Action) -> Result<JobId, InstanceError> {
    let customer = w.customer()?;
    let cloud = svc.cloud_for(customer).await?;
    let vm = svc.owned_vm(&cloud, customer, id).await?;
    let zone_name = svc.catalog.zone_name(&vm.zoneid).await;
    let mut conn = svc.db.pool.acquire().await?;
    let running = !jobs::repo::pending_for(&mut conn, customer, Some(&vm.id)).await?.is_empty();
    drop(conn);
    if running || vm.jobstatus == Some(0) && vm.jobid.is_some() {
        return Err(InstanceError::Busy);
    }
    let state = InstanceState::parse(&vm.state);
    if !state.allows(action.kind()) {
        return Err(refusal_for(&action, state));
    }
    let c = &cloud.client;
    let zone = Some(zone_name.as_str());
    let (cloud_job, detail): (Option<String>, Option<String>) = match &action {
        Action::Start => (Some(c.start_virtual_machine(&vm.id).await.in_zone(zone)?.jobid), None),
        Action::Stop => (Some(c.stop_virtual_machine(&vm.id, false).await.in_zone(zone)?.jobid), None),
        Action::ForceStop => (Some(c.stop_virtual_machine(&vm.id, true).await.in_zone(zone)?.jobid), None),
        Action::Reboot => (Some(c.reboot_virtual_machine(&vm.id).await.in_zone(zone)?.jobid), None),
        Action::Destroy => (Some(c.destroy_virtual_machine(&vm.id, true).await.in_zone(zone)?.jobid), None),
        Action::ResetPassword => {
            if !vm.passwordenabled {
                return Err(InstanceError::NoPasswordReset);
            }
            (Some(c.reset_password_for_virtual_machine(&vm.id).await.in_zone(zone)?.jobid), None)
        }
        Action::Reinstall { template_id } => {
            let templates = svc.catalog.catalog.templates(&vm.zoneid).await.in_zone(zone)?;
            let t =
                templates.iter().find(|t| &t.id == template_id).ok_or_else(|| InstanceError::ImageNotInZone { zone: zone_name.clone() })?;
            (Some(c.restore_virtual_machine(&vm.id, Some(&t.id)).await.in_zone(zone)?.jobid), Some(format!("with {}", t.name)))
        }
        Action::Resize { offering_id } => {
            let offerings = svc.catalog.catalog.offerings().await.in_zone(zone)?;
            let new = offerings.iter().find(|o| &o.id == offering_id).ok_or(InstanceError::NoSuchSize)?;
            let current = offerings.iter().find(|o| o.id == vm.serviceofferingid);
            if current.is_some_and(|c| c.storagetype != new.storagetype) {
                return Err(InstanceError::OtherFamily);
            }
            if new.id == vm.serviceofferingid {
                return Err(InstanceError::SameSize);
            }
            c.change_service_for_virtual_machine(&vm.id, &new.id).await.in_zone(zone)?;
            (None, Some(format!("from {} to {}", vm.serviceofferingname, new.name)))
        }
    };
    let kind = action.kind();
    let audit_id = svc.audit_instance(w, kind, &vm.id, detail.as_deref()).await;
    let mut tx = svc.db.begin_write().await?;
    let job = jobs::repo::insert(
        &mut tx,
        NewJob {
            customer,
            kind,
            instance: Some(&vm.id),
            zone: Some(&vm.zoneid),
            follow: cloud_job.as_deref().into(),
            audit_id: audit_id.as_deref(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(job)
}
