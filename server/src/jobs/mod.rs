//! Cloud jobs Zenith started: recorded when an action is accepted, followed by whoever asks
//! (`/api/jobs/get`) and by a background poller, so a job ends in the table even if nobody watches
//! and even across restarts. Polls follow the jobs' backoff (`Backoff::JOBS`); after an hour a job
//! that never ended is given up.
//!
//! A generated root password (deploy, reset, reinstall) is read from the cloud's job result when
//! asked for and handed out exactly once; Zenith never stores it.

pub mod repo;
pub mod steps;

use crate::catalog::CatalogService;
use crate::cloud::jobs::JobState;
use crate::cloud::CloudError;
use crate::db::{now_ms, Db};
use crate::tenancy::{Tenancy, TenancyError};
use anyhow::Context as _;
use app::error::AppError;
use app::model::job::JobResult;
use app::model::{Backoff, JobId, JobStatus, JobView};
use app::ports::Principal;
use std::sync::Arc;

pub use repo::{Follow, Job, NewJob};

const GIVE_UP_MS: i64 = 3_600_000;
/// How long a poller's claim on a job lasts before another server may take it.
const CLAIM_MS: i64 = 30_000;

crate::feature_error! {
    pub enum JobError {
        /// No such job, or another customer's.
        #[error("Not found.")]
        NotFound,
    }
    causes { Denied(app::ports::Denied), Cloud(crate::cloud::CloudFailure), Tenancy(TenancyError) }
}

impl From<JobError> for AppError {
    fn from(e: JobError) -> AppError {
        match e {
            JobError::NotFound => AppError::NotFound,
            JobError::Denied(d) => d.into(),
            JobError::Cloud(f) => f.into(),
            JobError::Tenancy(t) => t.into(),
            JobError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

#[derive(Clone)]
pub struct Jobs {
    db: Db,
    tenancy: Arc<Tenancy>,
    catalog: CatalogService,
    mail: Arc<crate::mail::MailSettings>,
    /// Reverse DNS follows deploys and destroys as they end.
    ptrs: crate::dns::records::Records,
}

/// The password in a finished job's result, if the cloud put one there.
fn password_in(result: &serde_json::Value) -> Option<String> {
    result.get("virtualmachine").and_then(|vm| vm.get("password")).and_then(|s| s.as_str()).map(str::to_string)
}

/// A job this server saw end, for the metrics.
fn observe(job: &Job, outcome: &'static str) {
    let took = std::time::Duration::from_millis((now_ms() - job.created_at).max(0) as u64);
    crate::telemetry::metrics::job_finished(job.kind.as_str(), outcome, took);
}

impl Jobs {
    pub fn new(
        db: Db,
        tenancy: Arc<Tenancy>,
        catalog: CatalogService,
        mail: Arc<crate::mail::MailSettings>,
        ptrs: crate::dns::records::Records,
    ) -> Jobs {
        Jobs { db, tenancy, catalog, mail, ptrs }
    }

    /// Ends `job` as failed with the customer's sentence `why`, and queues its notice with it (unless
    /// the customer turned those off). False when it had ended already (another server got there).
    async fn fail(&self, job: &Job, why: &str) -> Result<bool, JobError> {
        let mut tx = self.db.begin_write().await?;
        if !repo::finish(&mut tx, &job.id, JobStatus::Failed, Some(why), None).await? {
            return Ok(false);
        }
        crate::notifications::action_failed(&mut tx, &self.mail, &job.customer_id, job.kind, job.instance_id.as_ref(), why).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Asks the cloud about a pending job and records what it says. Returns a password from the
    /// result, when there is one.
    async fn refresh(&self, job: &Job) -> Result<Option<String>, JobError> {
        let Some(cloud_job) = &job.cloud_job_id else {
            // The panel carries this one out itself; if its server died on the way, give it up.
            if now_ms() - job.created_at > GIVE_UP_MS {
                if self.fail(job, "This was interrupted; check the instance's state.").await? {
                    observe(job, "gave_up");
                }
            }
            return Ok(None);
        };
        let cloud = self.tenancy.ensure(&job.customer_id).await?;
        let answer = cloud.client.query_async_job_result(cloud_job).await;
        // Only after the cloud answered: no database connection is held across a cloud call.
        let mut conn = self.db.pool.acquire().await?;
        let state = match answer {
            Ok(j) => j.state(),
            Err(e) => {
                self.not_yet(&mut conn, job, None, "The cloud did not report an outcome in time; check the instance's state.").await?;
                return Err(JobError::Cloud(crate::cloud::CloudFailure::new(e, None)));
            }
        };
        match state {
            JobState::Pending { progress } => {
                self.not_yet(&mut conn, job, progress, "The cloud did not finish this within an hour; check the instance's state.").await?;
                Ok(None)
            }
            JobState::Succeeded(v) => {
                let vm_state = v.get("virtualmachine").and_then(|vm| vm.get("state")).and_then(|s| s.as_str()).map(str::to_string);
                if repo::finish(&mut conn, &job.id, JobStatus::Succeeded, None, vm_state.as_deref()).await? {
                    observe(job, "succeeded");
                    drop(conn);
                    if let Some(instance) = &job.instance_id {
                        self.ptrs.after_job(job.kind, instance.as_str(), job.zone_id.as_ref(), &v).await;
                    }
                }
                Ok(password_in(&v))
            }
            JobState::Failed { errorcode, errortext } => {
                let e = CloudError::JobFailed { command: job.kind.as_str().into(), job_id: cloud_job.clone(), errorcode, errortext };
                tracing::info!(error = %e, "a cloud job failed");
                let zone = match &job.zone_id {
                    Some(z) => Some(self.catalog.zone_name(z).await),
                    None => None,
                };
                drop(conn);
                if self.fail(job, &e.customer_message(zone.as_deref())).await? {
                    observe(job, "failed");
                }
                Ok(None)
            }
        }
    }

    /// The job has not ended (or the cloud did not say): poll again after the backoff, or give up with
    /// `give_up` once the job is an hour old.
    async fn not_yet(&self, conn: &mut crate::db::Conn, job: &Job, progress: Option<u8>, give_up: &str) -> Result<(), JobError> {
        let now = now_ms();
        if now - job.created_at > GIVE_UP_MS {
            if self.fail(job, give_up).await? {
                observe(job, "gave_up");
            }
            return Ok(());
        }
        let wait = Backoff::JOBS.delay(job.attempts.clamp(0, 64) as u32).as_millis() as i64;
        repo::reschedule(conn, &job.id, progress, now + wait).await?;
        Ok(())
    }

    /// `/api/jobs/get`: the job, freshly polled when still pending.
    pub async fn view(&self, p: &Principal, id: &JobId) -> Result<JobView, JobError> {
        let customer = p.customer()?;
        let mut conn = self.db.pool.acquire().await?;
        let mut job = repo::load(&mut conn, customer, id).await?.ok_or(JobError::NotFound)?;
        drop(conn);
        let mut password = None;
        if job.status == JobStatus::Pending {
            match self.refresh(&job).await {
                Ok(pw) => password = pw,
                Err(e) => tracing::debug!(error = %e, "job poll failed; answering with the last known state"),
            }
            let mut conn = self.db.pool.acquire().await?;
            job = repo::load(&mut conn, customer, id).await?.context("a job vanished")?;
        } else if job.status == JobStatus::Succeeded && job.kind.carries_password() && !job.secret_delivered.0 && p.support.is_none() {
            if let Some(cj) = &job.cloud_job_id {
                let cloud = self.tenancy.ensure(customer).await?;
                if let Ok(j) = cloud.client.query_async_job_result(cj).await {
                    if let JobState::Succeeded(v) = j.state() {
                        password = password_in(&v);
                    }
                }
            }
        }
        // Exactly once, and never into a support session (not even an acting one).
        let password = match password {
            Some(pw) if job.status == JobStatus::Succeeded && p.support.is_none() => {
                let mut conn = self.db.pool.acquire().await?;
                repo::deliver_secret(&mut conn, &job.id).await?.then_some(pw)
            }
            _ => None,
        };
        let result = (job.status == JobStatus::Succeeded).then(|| JobResult {
            instance_id: job.instance_id.clone(),
            state: job.result_state.clone(),
            password,
        });
        Ok(JobView {
            id: job.id,
            kind: job.kind,
            status: job.status,
            progress: job.progress.map(|p| p.clamp(0, 100) as u8),
            error: job.error,
            result,
            instance_id: job.instance_id,
        })
    }

    /// One round of following pending jobs nobody is watching: each due job is claimed with a
    /// conditional update before it is polled, so several servers never poll the same job at once, and
    /// a claim that is not renewed (its server died) lapses. Returns how many were polled.
    pub async fn poll_due(&self) -> anyhow::Result<usize> {
        let now = now_ms();
        let due = repo::due(&mut *self.db.pool.acquire().await?, now, 50).await?;
        let mut polled = 0;
        for job in due {
            let claimed = repo::claim(&mut *self.db.pool.acquire().await?, &job, now + CLAIM_MS).await?;
            if claimed {
                polled += 1;
                if let Err(e) = self.refresh(&job).await {
                    tracing::debug!(error = %e, job = %job.id, "job poll failed");
                }
            }
        }
        Ok(polled)
    }
}
