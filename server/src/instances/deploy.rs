//! Deploying an instance, safely submittable twice.
//!
//! The idempotency key is recorded (with a hash of the request) before the cloud is called. A repeat
//! with the same key gets the first answer; a concurrent repeat waits for it; a repeat after an
//! answer that never came (timeout, dropped connection) first looks in the cloud for the instance the
//! first attempt may have made, by its exact name in its zone, and adopts it instead of deploying a
//! second one.

use super::{cloud_error, jobs, Instances};
use crate::cloud::commands::{DeployVm, VmQuery};
use crate::db::{now_ms, Db};
use crate::error::OrInternal;
use app::error::AppError;
use app::model::DeployAccepted;
use app::ports::{DeploySpec, Principal, RequestCtx};
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
    /// An earlier attempt's outcome is unknown: look for its instance first.
    Unknown { since: i64 },
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    request_hash: String,
    state: String,
    instance_id: Option<String>,
    job_id: Option<String>,
    created_at: i64,
}

fn request_hash(spec: &DeploySpec) -> String {
    let mut s = spec.clone();
    s.idempotency_key = app::model::IdempotencyKey::parse("--------").expect("valid placeholder");
    let json = serde_json::to_vec(&s).unwrap_or_default();
    Sha256::digest(json).iter().map(|b| format!("{b:02x}")).collect()
}

async fn claim(db: &Db, customer: &str, key: &str, hash: &str) -> Result<Claim, AppError> {
    let waited_since = std::time::Instant::now();
    loop {
        let inserted = sqlx::query("INSERT INTO deploy_requests (customer_id, idempotency_key, request_hash, state, created_at) VALUES ($1, $2, $3, 'pending', $4)")
            .bind(customer)
            .bind(key)
            .bind(hash)
            .bind(now_ms())
            .execute(&db.pool)
            .await;
        match inserted {
            Ok(_) => return Ok(Claim::Ours),
            Err(e) if crate::db::is_unique_violation(&e) => {}
            Err(e) => return Err(e).or_internal("recording a deploy request"),
        }
        let row: RequestRow = sqlx::query_as("SELECT request_hash, state, instance_id, job_id, created_at FROM deploy_requests WHERE customer_id = $1 AND idempotency_key = $2")
            .bind(customer)
            .bind(key)
            .fetch_one(&db.pool)
            .await
            .or_internal("reading a deploy request")?;
        if row.request_hash != hash {
            return Err(AppError::Conflict(
                "This idempotency_key was already used for a different deploy; use a new key for a new instance.".into(),
            ));
        }
        match (row.state.as_str(), row.instance_id, row.job_id) {
            ("accepted", Some(instance_id), Some(job_id)) => return Ok(Claim::Done(DeployAccepted { instance_id, job_id })),
            ("unknown", ..) => return Ok(Claim::Unknown { since: row.created_at }),
            ("pending", ..) if now_ms() - row.created_at > STALE_PENDING_MS => return Ok(Claim::Unknown { since: row.created_at }),
            _ if waited_since.elapsed() > Duration::from_secs(20) => {
                return Err(AppError::Conflict("This deploy is still being submitted; check your instances in a moment.".into()))
            }
            _ => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
}

async fn record_accepted(
    svc: &Instances,
    customer: &str,
    key: &str,
    instance_id: &str,
    zone_id: &str,
    cloud_job: Option<&str>,
    audit_id: Option<&str>,
) -> Result<DeployAccepted, AppError> {
    let mut tx = svc.db.pool.begin().await.or_internal("starting a transaction")?;
    let job_id = jobs::insert(&mut tx, customer, "deploy", Some(instance_id), Some(zone_id), cloud_job, audit_id)
        .await
        .or_internal("recording a job")?;
    sqlx::query(
        "UPDATE deploy_requests SET state = 'accepted', instance_id = $1, job_id = $2 WHERE customer_id = $3 AND idempotency_key = $4",
    )
    .bind(instance_id)
    .bind(&job_id)
    .bind(customer)
    .bind(key)
    .execute(&mut *tx)
    .await
    .or_internal("recording a deploy")?;
    tx.commit().await.or_internal("committing a deploy")?;
    Ok(DeployAccepted { instance_id: instance_id.to_string(), job_id })
}

#[tracing::instrument(skip_all, fields(zone = %spec.zone_id, name = %spec.name))]
pub async fn deploy(svc: &Instances, p: &Principal, ctx: &RequestCtx, spec: DeploySpec) -> Result<DeployAccepted, AppError> {
    let customer = p.customer()?.to_string();
    let zone = svc
        .catalog
        .zone(spec.zone_id.as_str())
        .await
        .map_err(|e| cloud_error(&e, None))?
        .ok_or_else(|| AppError::invalid("zone_id", "There is no such zone."))?;
    let offering = svc
        .catalog
        .offering(spec.offering_id.as_str())
        .await
        .map_err(|e| cloud_error(&e, None))?
        .ok_or_else(|| AppError::invalid("offering_id", "There is no such size."))?;
    let templates = svc.catalog.templates(&zone.id).await.map_err(|e| cloud_error(&e, Some(&zone.name)))?;
    if !templates.iter().any(|t| t.id == spec.template_id.as_str()) {
        return Err(AppError::invalid("template_id", format!("That image is not available in {}.", zone.name)));
    }
    let cloud = svc.cloud_for(p).await?;
    if !spec.security_group_ids.is_empty() {
        // Only the caller's own groups; anyone else's id answers like an id that does not exist.
        let own = cloud.client.list_security_groups(None).await.map_err(|e| cloud_error(&e, None))?;
        if spec.security_group_ids.iter().any(|g| !own.iter().any(|o| o.id == g.as_str())) {
            return Err(AppError::NotFound);
        }
    }
    let key = spec.idempotency_key.as_str().to_string();
    match claim(&svc.db, &customer, &key, &request_hash(&spec)).await? {
        Claim::Done(done) => return Ok(done),
        Claim::Ours => {}
        Claim::Unknown { since } => {
            let found = cloud
                .client
                .list_virtual_machines(&VmQuery { zone_id: Some(zone.id.clone()), name: Some(spec.name.to_string()), ..Default::default() })
                .await
                .map_err(|e| cloud_error(&e, Some(&zone.name)))?;
            let adopted = found
                .into_iter()
                .find(|vm| vm.name == spec.name.as_str() && vm.created.is_none_or(|c| c.timestamp_millis() >= since - 120_000));
            if let Some(vm) = adopted {
                tracing::info!(instance = %vm.id, "adopting the instance an earlier attempt created");
                return record_accepted(
                    svc,
                    &customer,
                    &key,
                    &vm.id,
                    &zone.id,
                    vm.jobid.as_deref().filter(|_| vm.jobstatus == Some(0)),
                    None,
                )
                .await;
            }
            sqlx::query("UPDATE deploy_requests SET state = 'pending', created_at = $1 WHERE customer_id = $2 AND idempotency_key = $3")
                .bind(now_ms())
                .bind(&customer)
                .bind(&key)
                .execute(&svc.db.pool)
                .await
                .or_internal("retaking a deploy request")?;
        }
    }
    let request = DeployVm {
        zone_id: zone.id.clone(),
        service_offering_id: offering.id.clone(),
        template_id: spec.template_id.to_string(),
        name: spec.name.to_string(),
        display_name: None,
        key_pair: spec.ssh_key_name.clone(),
        security_group_ids: spec.security_group_ids.iter().map(|g| g.to_string()).collect(),
        user_data_base64: spec.user_data.as_ref().map(|u| base64::engine::general_purpose::STANDARD.encode(u.as_bytes())),
        start: true,
    };
    match cloud.client.deploy_virtual_machine(&request).await {
        Ok(accepted) => {
            let Some(instance_id) = accepted.id.clone() else {
                tracing::error!("deploy answered without an instance id");
                return Err(AppError::Cloud(
                    "The cloud accepted the deploy but did not say which instance it is; it will appear in your list.".into(),
                ));
            };
            let detail = format!("{} in {} ({}), image {}", spec.name, zone.name, offering.name, spec.template_id);
            let audit_id = svc.audit_instance(p, ctx, "deploy", &instance_id, Some(&detail)).await;
            record_accepted(svc, &customer, &key, &instance_id, &zone.id, Some(&accepted.jobid), audit_id.as_deref()).await
        }
        Err(e) if e.outcome_unknown() => {
            let _ = sqlx::query("UPDATE deploy_requests SET state = 'unknown' WHERE customer_id = $1 AND idempotency_key = $2")
                .bind(&customer)
                .bind(&key)
                .execute(&svc.db.pool)
                .await;
            Err(cloud_error(&e, Some(&zone.name)))
        }
        Err(e) => {
            // A definite refusal: nothing was made, so the same key may be tried again.
            let _ = sqlx::query("DELETE FROM deploy_requests WHERE customer_id = $1 AND idempotency_key = $2")
                .bind(&customer)
                .bind(&key)
                .execute(&svc.db.pool)
                .await;
            Err(cloud_error(&e, Some(&zone.name)))
        }
    }
}
