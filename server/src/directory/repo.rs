//! The `instance_directory` table.

use super::Entry;
use crate::db::{Conn, Db};
use anyhow::Context as _;
use std::collections::HashMap;

/// Records a customer's instance as seen at `at` (and no longer gone, if it was).
async fn upsert(conn: &mut Conn, customer: &str, e: &Entry, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO instance_directory (instance_id, customer_id, zone_id, name, ipv4, ipv6, state, seen_at, gone_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
         ON CONFLICT (instance_id) DO UPDATE SET customer_id = $2, zone_id = $3, name = $4, ipv4 = $5, ipv6 = $6, state = $7,
             seen_at = $8, gone_at = NULL",
    )
    .bind(&e.instance_id)
    .bind(customer)
    .bind(&e.zone_id)
    .bind(&e.name)
    .bind(e.ipv4.as_deref())
    .bind(e.ipv6.as_deref())
    .bind(&e.state)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One zone's full listing, in one transaction: what was listed is recorded, what was not is gone.
/// Instances of accounts that are not a Zenith customer's (the operator's own, a customer deleted
/// since) are skipped.
pub async fn record_zone(db: &Db, zone_id: &str, entries: &[Entry], sweep_started: i64) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await.context("starting a directory update")?;
    let mut owners: HashMap<&str, Option<String>> = HashMap::new();
    for e in entries {
        if !owners.contains_key(e.account.as_str()) {
            let owner: Option<(String,)> = sqlx::query_as("SELECT user_id FROM customers WHERE cs_account_name = $1")
                .bind(&e.account)
                .fetch_optional(&mut *tx)
                .await
                .context("finding an instance's owner")?;
            owners.insert(&e.account, owner.map(|(id,)| id));
        }
        if let Some(Some(customer)) = owners.get(e.account.as_str()) {
            upsert(&mut tx, customer, e, sweep_started).await.context("recording an instance")?;
        }
    }
    sqlx::query("UPDATE instance_directory SET gone_at = $1 WHERE zone_id = $2 AND seen_at < $1 AND gone_at IS NULL")
        .bind(sweep_started)
        .bind(zone_id)
        .execute(&mut *tx)
        .await
        .context("marking vanished instances")?;
    tx.commit().await.context("committing a directory update")?;
    Ok(())
}

/// A directory row that matched a search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Found {
    pub instance_id: String,
    pub customer_id: String,
    pub name: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub gone_at: Option<i64>,
}

const FOUND: &str = "SELECT instance_id, customer_id, name, ipv4, ipv6, gone_at FROM instance_directory";

/// Instances that have (or had) this address, canonical form.
pub async fn by_address(conn: &mut Conn, address: &str, limit: i64) -> anyhow::Result<Vec<Found>> {
    sqlx::query_as(&format!("{FOUND} WHERE ipv4 = $1 OR ipv6 = $1 ORDER BY gone_at IS NOT NULL, seen_at DESC LIMIT $2"))
        .bind(address)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("searching the directory by address")
}

pub async fn by_id(conn: &mut Conn, id: &str) -> anyhow::Result<Vec<Found>> {
    sqlx::query_as(&format!("{FOUND} WHERE instance_id = $1")).bind(id).fetch_all(&mut *conn).await.context("searching the directory by id")
}

/// Names containing `pattern` (already a LIKE pattern, lower case, escaped with `\`).
pub async fn by_name(conn: &mut Conn, pattern: &str, limit: i64) -> anyhow::Result<Vec<Found>> {
    sqlx::query_as(&format!("{FOUND} WHERE name LIKE $1 ESCAPE '\\' ORDER BY gone_at IS NOT NULL, name LIMIT $2"))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context("searching the directory by name")
}

/// An instance the last sweep saw, with its addresses.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Live {
    pub instance_id: String,
    pub zone_id: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
}

/// Every instance that exists now (not gone, not being destroyed), with its addresses.
pub async fn live(conn: &mut Conn) -> anyhow::Result<Vec<Live>> {
    sqlx::query_as(
        "SELECT instance_id, zone_id, ipv4, ipv6 FROM instance_directory
         WHERE gone_at IS NULL AND state NOT IN ('Destroyed', 'Expunging', 'Error')",
    )
    .fetch_all(&mut *conn)
    .await
    .context("listing live instances")
}
