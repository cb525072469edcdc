//! The `customers` table: each customer's CloudStack account and its sealed keys.

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::CustomerId;

#[derive(Debug, sqlx::FromRow)]
pub struct CustomerRow {
    pub cs_account_name: String,
    pub cs_api_key: Option<String>,
    pub cs_secret_sealed: Option<String>,
    pub email: String,
    pub key_version: i64,
}

pub async fn customer(conn: &mut Conn, id: &CustomerId) -> anyhow::Result<Option<CustomerRow>> {
    sqlx::query_as(
        "SELECT c.cs_account_name, c.cs_api_key, c.cs_secret_sealed, u.email, c.key_version
         FROM customers c JOIN users u ON u.id = c.user_id WHERE c.user_id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await
    .context("reading a customer's cloud account")
}

pub async fn record_account(conn: &mut Conn, id: &CustomerId, domain_id: &str, account_id: &str, user_id: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE customers SET cs_domain_id = $1, cs_account_id = $2, cs_user_id = $3 WHERE user_id = $4")
        .bind(domain_id)
        .bind(account_id)
        .bind(user_id)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await
        .context("recording a customer's cloud account")?;
    Ok(())
}

/// Stores new sealed keys and returns their version (one more than before).
pub async fn record_keys(conn: &mut Conn, id: &CustomerId, api_key_sealed: &str, secret_sealed: &str) -> anyhow::Result<i64> {
    let (version,): (i64,) = sqlx::query_as(
        "UPDATE customers SET cs_api_key = $1, cs_secret_sealed = $2, provisioned_at = $3, key_version = key_version + 1
         WHERE user_id = $4 RETURNING key_version",
    )
    .bind(api_key_sealed)
    .bind(secret_sealed)
    .bind(now_ms())
    .bind(id.as_str())
    .fetch_one(&mut *conn)
    .await
    .context("storing a customer's keys")?;
    Ok(version)
}

/// The zone one of the customer's instances was last seen in by the directory's sweep, or else the
/// zone its deploy was aimed at.
pub async fn zone_of(conn: &mut Conn, customer: &CustomerId, instance: &app::model::InstanceId) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT zone_id FROM instance_directory WHERE instance_id = $1 AND customer_id = $2
         UNION ALL
         SELECT zone_id FROM deploy_requests WHERE instance_id = $1 AND customer_id = $2 AND zone_id IS NOT NULL
         LIMIT 1",
    )
    .bind(instance.as_str())
    .bind(customer.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(z,)| z))
}
