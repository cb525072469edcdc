//! Cloud jobs Zenith started, in the `jobs` table: started by an action, followed by whoever asks
//! (`/api/jobs/get`) and by a background poller, so a job ends in the table even if nobody watches
//! and even across restarts. Polling backs off (1, 2, 4, 8, then every 10 s) and gives up after an hour.
//!
//! A generated root password (deploy, reset, reinstall) is read from the cloud's job result when
//! asked for and handed out exactly once; Zenith never stores it.

use super::{cloud_error, Instances};
use crate::cloud::jobs::JobState;
use crate::db::now_ms;
use crate::error::OrInternal;
use app::error::AppError;
use app::model::job::JobResult;
use app::model::{Action, EntityId, InstanceState, JobStatus, JobView};
use app::ports::{Principal, RequestCtx};

const GIVE_UP_MS: i64 = 3_600_000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub customer_id: String,
    pub kind: String,
    pub instance_id: Option<String>,
    pub zone_id: Option<String>,
    pub cloud_job_id: Option<String>,
    pub status: String,
    pub progress: Option<i64>,
    pub error: Option<String>,
    pub result_state: Option<String>,
    pub secret_delivered: i64,
    pub attempts: i64,
    pub next_poll_at: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, customer_id, kind, instance_id, zone_id, cloud_job_id, status, progress, error, result_state, secret_delivered, attempts, next_poll_at, created_at";

/// Kinds whose successful result carries a generated password.
fn carries_password(kind: &str) -> bool {
    matches!(kind, "deploy" | "reset_password" | "reinstall")
}

pub async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    customer: &str,
    kind: &str,
    instance_id: Option<&str>,
    zone_id: Option<&str>,
    cloud_job_id: Option<&str>,
    audit_id: Option<&str>,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    // A job the cloud finished synchronously (no cloud job) is recorded as done.
    let status = if cloud_job_id.is_some() { "pending" } else { "succeeded" };
    sqlx::query(
        "INSERT INTO jobs (id, customer_id, kind, instance_id, zone_id, cloud_job_id, status, audit_id, next_poll_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)",
    )
    .bind(&id)
    .bind(customer)
    .bind(kind)
    .bind(instance_id)
    .bind(zone_id)
    .bind(cloud_job_id)
    .bind(status)
    .bind(audit_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

fn conflict_for(action: &Action, state: InstanceState) -> AppError {
    let msg = match action {
        Action::Start if state == InstanceState::Running => "The instance is already running.".to_string(),
        Action::ResetPassword => "Stop the instance first: its password can only be reset while it is stopped.".to_string(),
        Action::Resize { .. } => "Stop the instance first: it can only be resized while it is stopped.".to_string(),
        Action::Reboot => "Only a running instance can be rebooted.".to_string(),
        a => format!("{} is not possible while the instance is {}.", a.label(), state.as_str()),
    };
    AppError::Conflict(msg)
}

#[tracing::instrument(skip_all, fields(instance = %id, action = action.name()))]
pub async fn act(svc: &Instances, p: &Principal, ctx: &RequestCtx, id: &EntityId, action: Action) -> Result<String, AppError> {
    let customer = p.customer()?.to_string();
    let cloud = svc.cloud_for(p).await?;
    let vm = svc.owned_vm(&cloud, id).await?;
    let zone_name = svc.zone_name(&vm.zoneid).await;
    let busy: Option<(String,)> =
        sqlx::query_as("SELECT id FROM jobs WHERE customer_id = $1 AND instance_id = $2 AND status = 'pending' LIMIT 1")
            .bind(&customer)
            .bind(&vm.id)
            .fetch_optional(&svc.db.pool)
            .await
            .or_internal("reading jobs")?;
    if busy.is_some() || vm.jobstatus == Some(0) && vm.jobid.is_some() {
        return Err(AppError::Conflict("Another action is still running on this instance; wait for it to finish.".into()));
    }
    let state = InstanceState::parse(&vm.state);
    if !state.allows(&action) {
        return Err(conflict_for(&action, state));
    }
    let c = &cloud.client;
    let err = |e: crate::cloud::CloudError| cloud_error(&e, Some(&zone_name));
    let (cloud_job, detail): (Option<String>, Option<String>) = match &action {
        Action::Start => (Some(c.start_virtual_machine(&vm.id).await.map_err(err)?.jobid), None),
        Action::Stop => (Some(c.stop_virtual_machine(&vm.id, false).await.map_err(err)?.jobid), None),
        Action::ForceStop => (Some(c.stop_virtual_machine(&vm.id, true).await.map_err(err)?.jobid), None),
        Action::Reboot => (Some(c.reboot_virtual_machine(&vm.id).await.map_err(err)?.jobid), None),
        Action::Destroy => (Some(c.destroy_virtual_machine(&vm.id, true).await.map_err(err)?.jobid), None),
        Action::ResetPassword => {
            if !vm.passwordenabled {
                return Err(AppError::Conflict("This instance's image does not support password reset; sign in with your SSH key.".into()));
            }
            (Some(c.reset_password_for_virtual_machine(&vm.id).await.map_err(err)?.jobid), None)
        }
        Action::Reinstall { template_id } => {
            let templates = svc.catalog.templates(&vm.zoneid).await.map_err(err)?;
            let t = templates
                .iter()
                .find(|t| t.id == *template_id)
                .ok_or_else(|| AppError::invalid("template_id", format!("That image is not available in {zone_name}.")))?;
            (Some(c.restore_virtual_machine(&vm.id, Some(&t.id)).await.map_err(err)?.jobid), Some(format!("with {}", t.name)))
        }
        Action::Resize { offering_id } => {
            let offerings = svc.catalog.offerings().await.map_err(err)?;
            let new = offerings
                .iter()
                .find(|o| o.id == *offering_id)
                .ok_or_else(|| AppError::invalid("offering_id", "There is no such size."))?;
            let current = offerings.iter().find(|o| o.id == vm.serviceofferingid);
            if current.is_some_and(|c| c.storagetype != new.storagetype) {
                return Err(AppError::invalid(
                    "offering_id",
                    "Agile and Stamina keep disks in different places, so an instance cannot move between them by resizing. Deploy a new instance in the other family instead.",
                ));
            }
            if new.id == vm.serviceofferingid {
                return Err(AppError::invalid("offering_id", "The instance already has this size."));
            }
            c.change_service_for_virtual_machine(&vm.id, &new.id).await.map_err(err)?;
            (None, Some(format!("from {} to {}", vm.serviceofferingname, new.name)))
        }
    };
    let audit_id = svc.audit_instance(p, ctx, action.name(), &vm.id, detail.as_deref()).await;
    let mut tx = svc.db.pool.begin().await.or_internal("starting a transaction")?;
    let job = insert(&mut tx, &customer, action.name(), Some(&vm.id), Some(&vm.zoneid), cloud_job.as_deref(), audit_id.as_deref())
        .await
        .or_internal("recording a job")?;
    tx.commit().await.or_internal("committing a job")?;
    Ok(job)
}

async fn load(svc: &Instances, customer: &str, id: &str) -> Result<Option<JobRow>, AppError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND customer_id = $2"))
        .bind(id)
        .bind(customer)
        .fetch_optional(&svc.db.pool)
        .await
        .or_internal("reading a job")
}

fn backoff_ms(attempts: i64) -> i64 {
    (1000i64 << attempts.clamp(0, 4)).min(10_000)
}

/// Asks the cloud about a pending job and records what it says. Returns a password from the
/// result, when there is one.
async fn refresh(svc: &Instances, row: &JobRow) -> Result<Option<String>, AppError> {
    let Some(cloud_job) = &row.cloud_job_id else {
        return Ok(None);
    };
    let cloud = svc.tenancy.ensure(&row.customer_id).await.map_err(|e| {
        tracing::warn!(error = %e, "cannot poll a job");
        AppError::Unavailable("The cloud is not reachable right now.".into())
    })?;
    let job = match cloud.client.query_async_job_result(cloud_job).await {
        Ok(j) => j,
        Err(e) => {
            not_yet(svc, row, None, "The cloud did not report an outcome in time; check the instance's state.").await?;
            return Err(cloud_error(&e, None));
        }
    };
    match job.state() {
        JobState::Pending { progress } => {
            not_yet(svc, row, progress, "The cloud did not finish this within an hour; check the instance's state.").await?;
            Ok(None)
        }
        JobState::Succeeded(v) => {
            let vm = v.get("virtualmachine");
            let state = vm.and_then(|vm| vm.get("state")).and_then(|s| s.as_str()).map(str::to_string);
            let password = vm.and_then(|vm| vm.get("password")).and_then(|s| s.as_str()).map(str::to_string);
            finish(svc, row, "succeeded", None, state.as_deref()).await?;
            Ok(password)
        }
        JobState::Failed { errorcode, errortext } => {
            let e = crate::cloud::CloudError::JobFailed { command: row.kind.clone(), job_id: cloud_job.clone(), errorcode, errortext };
            tracing::info!(error = %e, "a cloud job failed");
            let zone = match &row.zone_id {
                Some(z) => Some(svc.zone_name(z).await),
                None => None,
            };
            finish(svc, row, "failed", Some(&e.customer_message(zone.as_deref())), None).await?;
            Ok(None)
        }
    }
}

/// The job has not ended (or the cloud did not say): poll again after the backoff, or give up with
/// `give_up` once the job is an hour old.
async fn not_yet(svc: &Instances, row: &JobRow, progress: Option<u8>, give_up: &str) -> Result<(), AppError> {
    let now = now_ms();
    if now - row.created_at > GIVE_UP_MS {
        return finish(svc, row, "failed", Some(give_up), None).await;
    }
    sqlx::query(
        "UPDATE jobs SET progress = COALESCE($1, progress), attempts = attempts + 1, next_poll_at = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(progress.map(i64::from))
    .bind(now + backoff_ms(row.attempts))
    .bind(now)
    .bind(&row.id)
    .execute(&svc.db.pool)
    .await
    .or_internal("updating a job")?;
    Ok(())
}

async fn finish(svc: &Instances, row: &JobRow, status: &str, error: Option<&str>, state: Option<&str>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE jobs SET status = $1, error = $2, result_state = $3, progress = NULL, updated_at = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(error)
    .bind(state)
    .bind(now_ms())
    .bind(&row.id)
    .execute(&svc.db.pool)
    .await
    .or_internal("finishing a job")?;
    Ok(())
}

/// `/api/jobs/get`: the job, freshly polled when still pending.
pub async fn view(svc: &Instances, p: &Principal, id: &EntityId) -> Result<JobView, AppError> {
    let customer = p.customer()?.to_string();
    let mut row = load(svc, &customer, id.as_str()).await?.ok_or(AppError::NotFound)?;
    let mut password = None;
    if row.status == "pending" {
        match refresh(svc, &row).await {
            Ok(pw) => password = pw,
            Err(e) => {
                tracing::debug!(error = %e, "job poll failed; answering with the last known state")
            }
        }
        row = load(svc, &customer, id.as_str()).await?.ok_or(AppError::NotFound)?;
    } else if row.status == "succeeded" && carries_password(&row.kind) && row.secret_delivered == 0 && !p.read_only {
        if let (Some(cj), Ok(cloud)) = (&row.cloud_job_id, svc.cloud_for(p).await) {
            if let Ok(job) = cloud.client.query_async_job_result(cj).await {
                if let JobState::Succeeded(v) = job.state() {
                    password = v.get("virtualmachine").and_then(|vm| vm.get("password")).and_then(|s| s.as_str()).map(str::to_string);
                }
            }
        }
    }
    // Exactly once, and never into a read-only support session.
    let password = match password {
        Some(pw) if row.status == "succeeded" && !p.read_only => {
            let n = sqlx::query("UPDATE jobs SET secret_delivered = 1 WHERE id = $1 AND secret_delivered = 0")
                .bind(&row.id)
                .execute(&svc.db.pool)
                .await
                .or_internal("marking a password delivered")?
                .rows_affected();
            (n == 1).then_some(pw)
        }
        _ => None,
    };
    let status = JobStatus::parse(&row.status);
    let result = (status == JobStatus::Succeeded).then(|| JobResult {
        instance_id: row.instance_id.clone(),
        state: row.result_state.clone(),
        password,
    });
    Ok(JobView {
        id: row.id,
        kind: row.kind,
        status,
        progress: row.progress.map(|p| p.clamp(0, 100) as u8),
        error: row.error,
        result,
        instance_id: row.instance_id,
    })
}

/// One round of following pending jobs nobody is watching: each due job is claimed with a conditional
/// update before it is polled, so several servers never poll the same job at once. Returns how many
/// were polled.
pub async fn poll_due(svc: &Instances) -> Result<usize, sqlx::Error> {
    let now = now_ms();
    let due: Vec<JobRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE status = 'pending' AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT 50"
    ))
    .bind(now)
    .fetch_all(&svc.db.pool)
    .await?;
    let mut polled = 0;
    for row in due {
        let claimed = sqlx::query("UPDATE jobs SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3 AND status = 'pending'")
            .bind(now + 30_000)
            .bind(&row.id)
            .bind(row.next_poll_at)
            .execute(&svc.db.pool)
            .await?
            .rows_affected()
            == 1;
        if claimed {
            polled += 1;
            if let Err(e) = refresh(svc, &row).await {
                tracing::debug!(error = %e, job = %row.id, "job poll failed");
            }
        }
    }
    Ok(polled)
}
