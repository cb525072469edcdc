//! The `ssh_keys` table: what the panel remembers about the keys added through it.

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::keys::KeyKind;
use app::model::{CustomerId, SshKeyName};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub name: String,
    pub fingerprint_md5: String,
    pub kind: KeyKind,
    pub fingerprint_sha256: String,
    pub added_at: i64,
}

pub async fn all(conn: &mut Conn, customer: &CustomerId) -> anyhow::Result<Vec<KeyRow>> {
    sqlx::query_as("SELECT name, fingerprint_md5, kind, fingerprint_sha256, added_at FROM ssh_keys WHERE customer_id = $1")
        .bind(customer.as_str())
        .fetch_all(&mut *conn)
        .await
        .context("reading SSH key details")
}

/// Records a key (replacing what an earlier key of the same name left behind).
pub async fn put(conn: &mut Conn, customer: &CustomerId, name: &SshKeyName, md5: &str, kind: KeyKind, sha256: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM ssh_keys WHERE customer_id = $1 AND name = $2")
        .bind(customer.as_str())
        .bind(name.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO ssh_keys (customer_id, name, fingerprint_md5, kind, fingerprint_sha256, added_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(customer.as_str())
    .bind(name.as_str())
    .bind(md5)
    .bind(kind)
    .bind(sha256)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .context("recording an SSH key's details")?;
    Ok(())
}

pub async fn remove(conn: &mut Conn, customer: &CustomerId, name: &SshKeyName) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM ssh_keys WHERE customer_id = $1 AND name = $2")
        .bind(customer.as_str())
        .bind(name.as_str())
        .execute(&mut *conn)
        .await
        .context("forgetting an SSH key's details")?;
    Ok(())
}
