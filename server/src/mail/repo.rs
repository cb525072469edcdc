//! The `mail_outbox` table.

use crate::db::Conn;
use anyhow::Context as _;

/// A message as queued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    pub id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub gave_up_at: Option<i64>,
}

const COLUMNS: &str =
    "id, kind, to_address, subject, body_text, body_html, created_at, next_attempt_at, attempts, last_error, sent_at, gave_up_at";

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub now: i64,
}

pub async fn insert(conn: &mut Conn, m: &NewMessage<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (id, kind, to_address, subject, body_text, body_html, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(m.id)
    .bind(m.kind)
    .bind(m.to)
    .bind(m.subject)
    .bind(m.text)
    .bind(m.html)
    .bind(m.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Messages due now that no server holds (at most `limit`, oldest due first).
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> anyhow::Result<Vec<Queued>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $1 AND claimed_until < $1
         ORDER BY next_attempt_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .context("reading due mail")
}

/// Takes a message for one attempt until `until`; false when another server took it first.
pub async fn claim(conn: &mut Conn, id: &str, now: i64, until: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE mail_outbox SET claimed_until = $1 WHERE id = $2 AND claimed_until < $3 AND sent_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Delivered. A message whose link signs in (`forget_body`) keeps no body from then on: the link is
/// a credential, and only its recipient should hold it.
pub async fn mark_sent(conn: &mut Conn, id: &str, now: i64, forget_body: bool) -> Result<(), sqlx::Error> {
    let q = match forget_body {
        true => {
            "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL, claimed_until = 0,
             body_text = '(delivered; not kept: it held a link that works like a password)', body_html = '' WHERE id = $2"
        }
        false => "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL, claimed_until = 0 WHERE id = $2",
    };
    sqlx::query(q).bind(now).bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Deletes messages delivered or given up before `before` (the admin's list keeps a month).
pub async fn prune(conn: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM mail_outbox WHERE COALESCE(sent_at, gave_up_at) < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// A failed attempt: tried again at `next`, or given up (`give_up`).
pub async fn mark_failed(conn: &mut Conn, id: &str, error: &str, next: i64, give_up: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, gave_up_at = $3, claimed_until = 0 WHERE id = $4",
    )
    .bind(error)
    .bind(next)
    .bind(give_up)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest messages, for `zenith mail list`.
pub async fn recent(conn: &mut Conn, limit: i64) -> anyhow::Result<Vec<Queued>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id LIMIT $1"))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("listing mail")
}

pub async fn get(conn: &mut Conn, id: &str) -> anyhow::Result<Option<Queued>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context("reading a message")
}

/// How many messages wait to be delivered (the metrics' gauge).
pub async fn waiting(conn: &mut Conn) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND gave_up_at IS NULL")
        .fetch_one(&mut *conn)
        .await
        .context("counting waiting mail")
}
