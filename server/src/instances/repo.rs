//! The `deploy_requests` table: a deploy's idempotency key, recorded before the cloud is called.

use crate::db::{now_ms, Conn};
use app::model::support::SupportMode;
use app::model::{CustomerId, IdempotencyKey, ImpersonationId, InstanceId, JobId, ZoneId};

/// Where a deploy request stands (the `state` column's words; read with `#[sqlx(try_from = "String")]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployState {
    /// Recorded; the cloud is being (or was, by a server that died) asked.
    Pending,
    /// The cloud took it: the instance and its job are known.
    Accepted,
    /// The cloud's answer was lost: whether it made an instance is found out later.
    Unknown,
}

impl TryFrom<String> for DeployState {
    type Error = String;
    fn try_from(word: String) -> Result<DeployState, String> {
        match word.as_str() {
            "pending" => Ok(DeployState::Pending),
            "accepted" => Ok(DeployState::Accepted),
            "unknown" => Ok(DeployState::Unknown),
            _ => Err(format!("a deploy request in the unknown state {word:?}")),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub request_hash: String,
    #[sqlx(try_from = "String")]
    pub state: DeployState,
    pub instance_id: Option<InstanceId>,
    pub job_id: Option<JobId>,
    pub created_at: i64,
    pub attempt: i64,
}

/// What a new request is: its key, the hash of the rest, and where it goes under what name (so
/// another server can look for the instance if this one dies on the way).
pub struct NewRequest<'a> {
    pub customer: &'a CustomerId,
    pub key: &'a IdempotencyKey,
    pub hash: &'a str,
    pub zone: &'a ZoneId,
    pub name: &'a str,
}

/// Records a new request as `pending`; a unique violation means the key was used before.
pub async fn insert(conn: &mut Conn, r: &NewRequest<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deploy_requests (customer_id, idempotency_key, request_hash, state, created_at, zone_id, name)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6)",
    )
    .bind(r.customer.as_str())
    .bind(r.key.as_str())
    .bind(r.hash)
    .bind(now_ms())
    .bind(r.zone.as_str())
    .bind(r.name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A request nobody finished: pending since before `cutoff` (its server died between recording
/// it and the cloud's answer), or of unknown outcome.
#[derive(sqlx::FromRow)]
pub struct Unfinished {
    pub customer_id: CustomerId,
    pub idempotency_key: IdempotencyKey,
    pub zone_id: ZoneId,
    pub name: String,
    pub created_at: i64,
    pub attempt: i64,
}

pub async fn unfinished(conn: &mut Conn, cutoff: i64, limit: i64) -> Result<Vec<Unfinished>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, idempotency_key, zone_id, name, created_at, attempt FROM deploy_requests
         WHERE state IN ('pending', 'unknown') AND created_at < $1 AND zone_id IS NOT NULL AND name IS NOT NULL
         ORDER BY created_at LIMIT $2",
    )
    .bind(cutoff)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

pub async fn get(conn: &mut Conn, customer: &CustomerId, key: &IdempotencyKey) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT request_hash, state, instance_id, job_id, created_at, attempt FROM deploy_requests WHERE customer_id = $1 AND idempotency_key = $2",
    )
    .bind(customer.as_str())
    .bind(key.as_str())
    .fetch_optional(&mut *conn)
    .await
}

/// Takes over a request whose outcome is unknown (or whose attempt died), if nobody else did first:
/// a compare-and-set on the attempt counter, so of two racing retries exactly one wins.
pub async fn retake(conn: &mut Conn, customer: &CustomerId, key: &IdempotencyKey, seen_attempt: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE deploy_requests SET state = 'pending', created_at = $1, attempt = attempt + 1
         WHERE customer_id = $2 AND idempotency_key = $3 AND attempt = $4 AND state <> 'accepted'",
    )
    .bind(now_ms())
    .bind(customer.as_str())
    .bind(key.as_str())
    .bind(seen_attempt)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn accept(
    conn: &mut Conn,
    customer: &CustomerId,
    key: &IdempotencyKey,
    instance: &InstanceId,
    job: &JobId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE deploy_requests SET state = 'accepted', instance_id = $1, job_id = $2 WHERE customer_id = $3 AND idempotency_key = $4",
    )
    .bind(instance.as_str())
    .bind(job.as_str())
    .bind(customer.as_str())
    .bind(key.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The cloud may or may not have made the instance: a retry must look before deploying again.
pub async fn mark_unknown(conn: &mut Conn, customer: &CustomerId, key: &IdempotencyKey) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deploy_requests SET state = 'unknown' WHERE customer_id = $1 AND idempotency_key = $2")
        .bind(customer.as_str())
        .bind(key.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A definite refusal: nothing was made, so the same key may be tried again.
pub async fn forget(conn: &mut Conn, customer: &CustomerId, key: &IdempotencyKey) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM deploy_requests WHERE customer_id = $1 AND idempotency_key = $2")
        .bind(customer.as_str())
        .bind(key.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A support session's console ticket (its SHA-256), the cloud URL it opens until `expires_at`, and the
/// support session it belongs to.
pub struct NewRelay<'a> {
    pub ticket_hash: &'a str,
    pub upstream: &'a str,
    pub expires_at: i64,
    pub support: &'a ImpersonationId,
    pub mode: SupportMode,
}

pub async fn prune_relays(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM console_relays WHERE expires_at < $1").bind(now).execute(&mut *conn).await?.rows_affected())
}

/// A new ticket (expired ones are pruned by housekeeping, `worker::prune_mail_and_links`; an expired
/// ticket never opens a relay either way, `take_relay`).
pub async fn insert_relay(conn: &mut Conn, r: &NewRelay<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO console_relays (ticket_hash, upstream, expires_at, impersonation_id, mode) VALUES ($1, $2, $3, $4, $5)")
        .bind(r.ticket_hash)
        .bind(r.upstream)
        .bind(r.expires_at)
        .bind(r.support)
        .bind(r.mode)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A relay ticket as taken.
#[derive(sqlx::FromRow)]
pub struct Relay {
    pub upstream: String,
    pub expires_at: i64,
    pub impersonation_id: ImpersonationId,
    pub mode: SupportMode,
}

/// Uses a ticket: the relay it opens if it is known and unexpired. Deleted either way: it works once.
pub async fn take_relay(conn: &mut Conn, ticket_hash: &str, now: i64) -> Result<Option<Relay>, sqlx::Error> {
    let row: Option<Relay> =
        sqlx::query_as("SELECT upstream, expires_at, impersonation_id, mode FROM console_relays WHERE ticket_hash = $1")
            .bind(ticket_hash)
            .fetch_optional(&mut *conn)
            .await?;
    let n = sqlx::query("DELETE FROM console_relays WHERE ticket_hash = $1").bind(ticket_hash).execute(&mut *conn).await?.rows_affected();
    Ok(row.filter(|r| r.expires_at > now && n == 1))
}

/// Whether a support session is still open.
pub async fn support_open(conn: &mut Conn, id: &ImpersonationId, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM impersonations WHERE id = $1 AND ended_at IS NULL AND expires_at > $2")
        .bind(id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n == 1)
}
