//! The `deploy_requests` table: a deploy's idempotency key, recorded before the cloud is called.

use crate::db::{now_ms, Conn};
use app::model::{CustomerId, IdempotencyKey, InstanceId, JobId};

#[derive(sqlx::FromRow)]
pub struct RequestRow {
    pub request_hash: String,
    pub state: String,
    pub instance_id: Option<String>,
    pub job_id: Option<String>,
    pub created_at: i64,
    pub attempt: i64,
}

/// Records a new request as `pending`; a unique violation means the key was used before.
pub async fn insert(conn: &mut Conn, customer: &CustomerId, key: &IdempotencyKey, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deploy_requests (customer_id, idempotency_key, request_hash, state, created_at) VALUES ($1, $2, $3, 'pending', $4)",
    )
    .bind(customer.as_str())
    .bind(key.as_str())
    .bind(hash)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
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
