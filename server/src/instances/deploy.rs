//! Deploying an instance, safely submittable twice.
//!
//! The idempotency key is recorded (with a hash of the request) before the cloud is called. A repeat
//! with the same key gets the first answer; a concurrent repeat waits for it; a repeat after an
//! answer that never came (timeout, dropped connection) first looks in the cloud for the instance the
//! first attempt may have made, by its exact name in its zone, and adopts it instead of deploying a
//! second one. Taking over such a request is a compare-and-set, so of two retries only one deploys.

use super::{repo, InstanceError, Instances};
use crate::cloud::commands::{DeployVm, VmQuery};
use crate::cloud::InZone;
use crate::db::now_ms;
use crate::jobs::{self, NewJob};
use anyhow::Context as _;
use app::api::instances::DeploySpec;
use app::error::AppError;
use app::model::{CustomerId, DeployAccepted, IdempotencyKey, InstanceId, JobId, JobKind, ZoneId};
use app::ports::Writer;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A pending record older than this belongs to an attempt that died.
const STALE_PENDING_MS: i64 = 60_000;

enum Claim {
    /// This request deploys.
    Ours,
    /// An earlier request with the same key already did.
    Done(DeployAccepted),
    /// An earlier attempt's outcome is unknown and this request took it over: look for its instance
    /// first.
    Retry { since: i64 },
}

fn request_hash(spec: &DeploySpec) -> String {
    let mut s = spec.clone();
    s.idempotency_key = IdempotencyKey::parse("--------").expect("valid placeholder");
    let json = serde_json::to_vec(&s).unwrap_or_default();
    Sha256::digest(json).iter().map(|b| format!("{b:02x}")).collect()
}

async fn claim(svc: &Instances, customer: &CustomerId, key: &IdempotencyKey, hash: &str) -> Result<Claim, InstanceError> {
    let waited_since = std::time::Instant::now();
    loop {
        let mut conn = svc.db.pool.acquire().await?;
        match repo::insert(&mut conn, customer, key, hash).await {
            Ok(()) => return Ok(Claim::Ours),
            Err(e) if crate::db::is_unique_violation(&e) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("recording a deploy request").into()),
        }
        let row = repo::get(&mut conn, customer, key).await?.context("a deploy request vanished")?;
        if row.request_hash != hash {
            return Err(AppError::Conflict(
                "This idempotency_key was already used for a different deploy; use a new key for a new instance.".into(),
            )
            .into());
        }
        let retakeable = row.state == "unknown" || row.state == "pending" && now_ms() - row.created_at > STALE_PENDING_MS;
        match (row.state.as_str(), row.instance_id, row.job_id) {
            ("accepted", Some(instance_id), Some(job_id)) => {
                return Ok(Claim::Done(DeployAccepted {
                    instance_id: InstanceId::parse(&instance_id).map_err(anyhow::Error::msg)?,
                    job_id: JobId::parse(&job_id).map_err(anyhow::Error::msg)?,
                }))
            }
            // Another retry may take it first: then wait for its outcome like any concurrent repeat.
            _ if retakeable && repo::retake(&mut conn, customer, key, row.attempt).await? => {
                return Ok(Claim::Retry { since: row.created_at });
            }
            _ if retakeable => {}
            _ if waited_since.elapsed() > Duration::from_secs(20) => {
                return Err(AppError::Conflict("This deploy is still being submitted; check your instances in a moment.".into()).into())
            }
            _ => {}
        }
        drop(conn);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn record_accepted(
    svc: &Instances,
    customer: &CustomerId,
    key: &IdempotencyKey,
    instance: &InstanceId,
    zone: &ZoneId,
    cloud_job: Option<&str>,
    audit_id: Option<&str>,
) -> Result<DeployAccepted, InstanceError> {
    let mut tx = svc.db.begin_write().await?;
    let job_id = jobs::repo::insert(
        &mut tx,
        NewJob { customer, kind: JobKind::Deploy, instance: Some(instance), zone: Some(zone), follow: cloud_job.into(), audit_id },
    )
    .await?;
    repo::accept(&mut tx, customer, key, instance, &job_id).await?;
    tx.commit().await?;
    Ok(DeployAccepted { instance_id: instance.clone(), job_id })
}

#[tracing::instrument(skip_all, fields(zone = %spec.zone_id, name = %spec.name))]
pub async fn deploy(svc: &Instances, w: &Writer<'_>, spec: DeploySpec) -> Result<DeployAccepted, InstanceError> {
    let customer = w.customer()?;
    let catalog = &svc.catalog.catalog;
    let zone = catalog.zone(&spec.zone_id).await.in_zone(None)?.ok_or_else(|| AppError::invalid("zone_id", "There is no such zone."))?;
    let offering = catalog
        .offering(&spec.offering_id)
        .await
        .in_zone(None)?
        .ok_or_else(|| AppError::invalid("offering_id", "There is no such size."))?;
    let templates = catalog.templates(&zone.id).await.in_zone(Some(&zone.name))?;
    if !templates.iter().any(|t| t.id == spec.template_id) {
        return Err(AppError::invalid("template_id", format!("That image is not available in {}.", zone.name)).into());
    }
    let cloud = svc.cloud_for(customer).await?;
    if !spec.security_group_ids.is_empty() {
        // Only the caller's own groups; anyone else's id answers like an id that does not exist.
        let own = cloud.client.list_security_groups(None).await.in_zone(None)?;
        if spec.security_group_ids.iter().any(|g| !own.iter().any(|o| &o.id == g)) {
            return Err(AppError::NotFound.into());
        }
    }
    if let Some(k) = &spec.ssh_key_name {
        if cloud.client.list_ssh_key_pairs(Some(k)).await.in_zone(None)?.is_empty() {
            return Err(AppError::invalid("ssh_key_name", "There is no SSH key of that name in your account.").into());
        }
    }
    let key = &spec.idempotency_key;
    match claim(svc, customer, key, &request_hash(&spec)).await? {
        Claim::Done(done) => return Ok(done),
        Claim::Ours => {}
        Claim::Retry { since } => {
            let found = cloud
                .client
                .list_virtual_machines(&VmQuery { zone_id: Some(zone.id.clone()), name: Some(spec.name.to_string()), ..Default::default() })
                .await
                .in_zone(Some(&zone.name))?;
            let adopted = found
                .into_iter()
                .find(|vm| vm.name == spec.name.as_str() && vm.created.is_none_or(|c| c.timestamp_millis() >= since - 120_000));
            if let Some(vm) = adopted {
                tracing::info!(instance = %vm.id, "adopting the instance an earlier attempt created");
                let job = vm.jobid.as_deref().filter(|_| vm.jobstatus == Some(0));
                return record_accepted(svc, customer, key, &vm.id, &zone.id, job, None).await;
            }
        }
    }
    let request = DeployVm {
        zone_id: zone.id.clone(),
        service_offering_id: offering.id.clone(),
        template_id: spec.template_id.clone(),
        name: spec.name.to_string(),
        key_pair: spec.ssh_key_name.clone(),
        security_group_ids: spec.security_group_ids.clone(),
        user_data_base64: spec.user_data.as_ref().map(|u| base64::engine::general_purpose::STANDARD.encode(u.as_str().as_bytes())),
        start: true,
    };
    match cloud.client.deploy_virtual_machine(&request).await {
        Ok(accepted) => {
            let Some(instance) = accepted.id.as_deref().and_then(|i| InstanceId::parse(i).ok()) else {
                tracing::error!("deploy answered without an instance id");
                let mut conn = svc.db.pool.acquire().await?;
                repo::mark_unknown(&mut conn, customer, key).await?;
                return Err(AppError::Cloud(
                    "The cloud accepted the deploy but did not say which instance it is; it will appear in your list.".into(),
                )
                .into());
            };
            let detail = format!("{} in {} ({}), image {}", spec.name, zone.name, offering.name, spec.template_id);
            let audit_id = svc.audit_instance(w, JobKind::Deploy, &instance, Some(&detail)).await;
            record_accepted(svc, customer, key, &instance, &zone.id, Some(&accepted.jobid), audit_id.as_deref()).await
        }
        Err(e) => {
            let mut conn = svc.db.pool.acquire().await?;
            if e.outcome_unknown() {
                repo::mark_unknown(&mut conn, customer, key).await?;
            } else {
                repo::forget(&mut conn, customer, key).await?;
            }
            Err(crate::cloud::CloudFailure::new(e, Some(&zone.name)).into())
        }
    }
}
