//! Deploying an instance, safely submittable twice.
//!
//! The idempotency key is recorded (with a hash of the request) before the cloud is called. A repeat
//! with the same key gets the first answer; a concurrent repeat waits for it; a repeat after an
//! answer that never came (timeout, dropped connection) first looks in the cloud for the instance the
//! first attempt may have made, by its exact name in its zone, and adopts it instead of deploying a
//! second one. Taking over such a request is a compare-and-set, so of two retries only one deploys.
//! When nobody retries (the server died with the browser's answer), [`reconcile`] does the same
//! from any server in the background: the customer sees exactly one instance either way.

use super::repo::{self, DeployState};
use super::{InstanceError, Instances};
use crate::cloud::commands::{DeployVm, VmQuery};
use crate::cloud::InZone;
use crate::db::now_ms;
use crate::jobs::{self, NewJob};
use anyhow::Context as _;
use app::api::instances::{DeploySpec, Image};
use app::model::{CustomerId, DeployAccepted, IdempotencyKey, InstanceId, JobKind, ZoneId};
use app::ports::Creator;
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
    hex::encode(Sha256::digest(json))
}

async fn claim(svc: &Instances, request: &repo::NewRequest<'_>) -> Result<Claim, InstanceError> {
    let (customer, key, hash) = (request.customer, request.key, request.hash);
    let waited_since = std::time::Instant::now();
    loop {
        let mut conn = svc.db.pool.acquire().await?;
        match repo::insert(&mut conn, request).await {
            Ok(()) => return Ok(Claim::Ours),
            Err(e) if crate::db::is_unique_violation(&e) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("recording a deploy request").into()),
        }
        let row = repo::get(&mut conn, customer, key).await?.context("a deploy request vanished")?;
        if row.request_hash != hash {
            return Err(InstanceError::KeyReused);
        }
        let retakeable =
            row.state == DeployState::Unknown || row.state == DeployState::Pending && now_ms() - row.created_at > STALE_PENDING_MS;
        match (row.state, row.instance_id, row.job_id) {
            (DeployState::Accepted, Some(instance_id), Some(job_id)) => return Ok(Claim::Done(DeployAccepted { instance_id, job_id })),
            // Another retry may take it first: then wait for its outcome like any concurrent repeat.
            _ if retakeable && repo::retake(&mut conn, customer, key, row.attempt).await? => {
                return Ok(Claim::Retry { since: row.created_at });
            }
            _ if retakeable => {}
            _ if waited_since.elapsed() > Duration::from_secs(20) => return Err(InstanceError::StillSubmitting),
            _ => {}
        }
        drop(conn);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The instance an earlier attempt (begun at `since`) made, if the cloud has one: same zone, same
/// name, created no earlier than two minutes before the attempt (clocks differ).
async fn made_earlier(
    cloud: &crate::tenancy::CustomerCloud,
    zone: &ZoneId,
    name: &str,
    since: i64,
) -> Result<Option<crate::cloud::types::VirtualMachine>, crate::cloud::CloudError> {
    let found = cloud
        .client
        .list_virtual_machines(&VmQuery { zone_id: Some(zone.clone()), name: Some(name.to_string()), ..Default::default() })
        .await?;
    Ok(found.into_iter().find(|vm| vm.name == name && vm.created.is_none_or(|c| c.timestamp_millis() >= since - 120_000)))
}

/// How long a request may stay pending before another server finishes it: well past the longest a
/// live server can wait for the cloud's answer (`ZENITH_CLOUDSTACK_REQUEST_TIMEOUT`, 30 s).
const RECONCILE_AFTER_MS: i64 = 120_000;

/// Finishes deploys whose server died between recording the request and recording the cloud's
/// answer. Each request is taken with the same compare-and-set a customer's retry uses, so of
/// several servers (and a retry) exactly one handles it. The instance, if the cloud made one, is
/// adopted with a job, as if the answer had arrived; if it made none the key is released, so the
/// customer's retry deploys. A cloud that does not answer leaves the request for the next round.
pub async fn reconcile(svc: &Instances) -> anyhow::Result<usize> {
    let mut conn = svc.db.pool.acquire().await?;
    let rows = repo::unfinished(&mut conn, now_ms() - RECONCILE_AFTER_MS, 20).await?;
    drop(conn);
    let mut done = 0;
    for r in rows {
        let (customer, key, zone) = (r.customer_id, r.idempotency_key, r.zone_id);
        let mut conn = svc.db.pool.acquire().await?;
        if !repo::retake(&mut conn, &customer, &key, r.attempt).await? {
            continue;
        }
        drop(conn);
        let cloud = svc.cloud_for(&customer).await.context("the customer's cloud account")?;
        let found = made_earlier(&cloud, &zone, &r.name, r.created_at).await;
        let mut conn = svc.db.pool.acquire().await?;
        match found {
            Ok(Some(vm)) => {
                drop(conn);
                tracing::info!(instance = %vm.id, "adopting the instance a server that died was deploying");
                let job = vm.jobid.as_deref().filter(|_| vm.jobstatus == Some(0));
                record_accepted(svc, &customer, &key, &vm.id, &zone, job, None).await.context("recording an adopted deploy")?;
            }
            Ok(None) => {
                tracing::info!("a dead server's deploy made nothing; its key is free again");
                repo::forget(&mut conn, &customer, &key).await?;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not look for a dead server's deploy; trying again later");
                repo::mark_unknown(&mut conn, &customer, &key).await?;
                continue;
            }
        }
        done += 1;
    }
    Ok(done)
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
pub async fn deploy(svc: &Instances, c: &Creator<'_>, spec: DeploySpec) -> Result<DeployAccepted, InstanceError> {
    let w = c.writer();
    let customer = w.customer()?;
    let catalog = &svc.catalog.catalog;
    let zone = catalog.zone(&spec.zone_id).await.in_zone(None)?.ok_or(crate::catalog::CatalogError::NoSuchZone)?;
    let offering = catalog.offering(&spec.offering_id).await.in_zone(None)?.ok_or(InstanceError::NoSuchSize)?;
    let cloud = svc.cloud_for(customer).await?;
    let template_id = match &spec.image {
        Image::Template(t) => {
            let templates = catalog.templates(&zone.id).await.in_zone(Some(&zone.name))?;
            if !templates.iter().any(|x| &x.id == t) {
                return Err(InstanceError::ImageNotInZone { zone: zone.name });
            }
            t.clone()
        }
        Image::Snapshot(s) => {
            let (template, home) = svc.snapshots.template_of(&cloud, w.principal(), s).await?;
            if home != zone.id {
                return Err(InstanceError::SnapshotInOtherZone { zone: svc.catalog.zone_name(&home).await });
            }
            template
        }
    };
    if !spec.security_group_ids.is_empty() {
        // Only the caller's own groups; anyone else's id answers like an id that does not exist.
        let own = cloud.client.list_security_groups(None).await.in_zone(None)?;
        if spec.security_group_ids.iter().any(|g| !own.iter().any(|o| &o.id == g)) {
            return Err(InstanceError::NotFound);
        }
    }
    if let Some(k) = &spec.ssh_key_name {
        if cloud.client.list_ssh_key_pairs(Some(k)).await.in_zone(None)?.is_empty() {
            return Err(InstanceError::NoSuchKey);
        }
    }
    let key = &spec.idempotency_key;
    let hash = request_hash(&spec);
    let recorded = repo::NewRequest { customer, key, hash: &hash, zone: &zone.id, name: spec.name.as_str() };
    match claim(svc, &recorded).await? {
        Claim::Done(done) => return Ok(done),
        Claim::Ours => {}
        Claim::Retry { since } => {
            if let Some(vm) = made_earlier(&cloud, &zone.id, spec.name.as_str(), since).await.in_zone(Some(&zone.name))? {
                tracing::info!(instance = %vm.id, "adopting the instance an earlier attempt created");
                let job = vm.jobid.as_deref().filter(|_| vm.jobstatus == Some(0));
                return record_accepted(svc, customer, key, &vm.id, &zone.id, job, None).await;
            }
        }
    }
    let request = DeployVm {
        zone_id: zone.id.clone(),
        service_offering_id: offering.id.clone(),
        template_id: template_id.clone(),
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
                return Err(InstanceError::DeployUnnamed);
            };
            let image = match &spec.image {
                Image::Template(t) => format!("image {t}"),
                Image::Snapshot(s) => format!("from snapshot {s}"),
            };
            let detail = format!("{} in {} ({}), {image}", spec.name, zone.name, offering.name);
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
