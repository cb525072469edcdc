//! The `jobs` table: cloud jobs Zenith started, followed until they end (also after a restart).

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::{CustomerId, InstanceId, JobId, JobKind, JobStatus, ZoneId};

/// A job as stored. Its ids and closed sets are the model's types (`database_word!`): an unknown
/// word fails the read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: JobId,
    pub customer_id: CustomerId,
    pub kind: JobKind,
    pub instance_id: Option<InstanceId>,
    pub zone_id: Option<ZoneId>,
    pub cloud_job_id: Option<String>,
    pub status: JobStatus,
    pub progress: Option<i64>,
    pub error: Option<String>,
    pub result_state: Option<String>,
    #[sqlx(try_from = "i64")]
    pub secret_delivered: crate::db::Flag,
    pub attempts: i64,
    pub next_poll_at: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, customer_id, kind, instance_id, zone_id, cloud_job_id, status, progress, error, result_state, secret_delivered, attempts, next_poll_at, created_at";

/// Who carries a job out.
#[derive(Debug, Clone, Copy)]
pub enum Follow<'a> {
    /// A cloud job, polled until it ends.
    Cloud(&'a str),
    /// The cloud finished synchronously: the job is recorded as done.
    Done,
    /// The panel itself, in steps (see `firewall::set_groups`); it records the outcome.
    Panel,
}

impl<'a> From<Option<&'a str>> for Follow<'a> {
    fn from(cloud_job: Option<&'a str>) -> Follow<'a> {
        cloud_job.map(Follow::Cloud).unwrap_or(Follow::Done)
    }
}

/// What a new job is about.
pub struct NewJob<'a> {
    pub customer: &'a CustomerId,
    pub kind: JobKind,
    pub instance: Option<&'a InstanceId>,
    pub zone: Option<&'a ZoneId>,
    pub follow: Follow<'a>,
    pub audit_id: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, j: NewJob<'_>) -> Result<JobId, sqlx::Error> {
    let id = JobId::new_random();
    let now = now_ms();
    let (status, cloud_job) = match j.follow {
        Follow::Cloud(c) => (JobStatus::Pending, Some(c)),
        Follow::Done => (JobStatus::Succeeded, None),
        Follow::Panel => (JobStatus::Pending, None),
    };
    sqlx::query(
        "INSERT INTO jobs (id, customer_id, kind, instance_id, zone_id, cloud_job_id, status, audit_id, next_poll_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)",
    )
    .bind(id.as_str())
    .bind(j.customer.as_str())
    .bind(j.kind.as_str())
    .bind(j.instance.map(|i| i.as_str()))
    .bind(j.zone.map(|z| z.as_str()))
    .bind(cloud_job)
    .bind(status.as_str())
    .bind(j.audit_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn load(conn: &mut Conn, customer: &CustomerId, id: &JobId) -> anyhow::Result<Option<Job>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1 AND customer_id = $2"))
        .bind(id.as_str())
        .bind(customer.as_str())
        .fetch_optional(&mut *conn)
        .await
        .context("reading a job")
}

/// The customer's jobs still running, newest first.
pub async fn pending_for(conn: &mut Conn, customer: &CustomerId, instance: Option<&InstanceId>) -> anyhow::Result<Vec<Job>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE customer_id = $1 AND status = 'pending' AND ($2 = '' OR instance_id = $2) ORDER BY created_at DESC"
    ))
    .bind(customer.as_str())
    .bind(instance.map(|i| i.as_str()).unwrap_or(""))
    .fetch_all(&mut *conn)
    .await
    .context("reading pending jobs")
}

/// Pending jobs whose next poll is due, oldest due first.
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> anyhow::Result<Vec<Job>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE status = 'pending' AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT $2"))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("reading due jobs")
}

/// Claims a due job for one poll; false when another server claimed it first.
pub async fn claim(conn: &mut Conn, job: &Job, until: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE jobs SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3 AND status = 'pending'")
        .bind(until)
        .bind(job.id.as_str())
        .bind(job.next_poll_at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Still running: record progress and when to look again.
pub async fn reschedule(conn: &mut Conn, id: &JobId, progress: Option<u8>, next_poll_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET progress = COALESCE($1, progress), attempts = attempts + 1, next_poll_at = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(progress.map(i64::from))
    .bind(next_poll_at)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a pending job; `false` when it had already ended (another server recorded it first).
pub async fn finish(conn: &mut Conn, id: &JobId, status: JobStatus, error: Option<&str>, state: Option<&str>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $1, error = $2, result_state = $3, progress = NULL, updated_at = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(error)
    .bind(state)
    .bind(now_ms())
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A step of a job the panel carries out itself.
pub async fn set_progress(conn: &mut Conn, id: &JobId, progress: u8) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'")
        .bind(i64::from(progress))
        .bind(now_ms())
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks the generated password handed out; true for exactly one caller, however many race.
pub async fn deliver_secret(conn: &mut Conn, id: &JobId) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE jobs SET secret_delivered = 1 WHERE id = $1 AND secret_delivered = 0")
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}
