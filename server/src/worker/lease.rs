//! Leases: one server at a time does a piece of periodic work (the directory sweep, usage ingestion),
//! however many run. A lease is a row naming its holder and until when; it is taken with one
//! conditional statement, so two servers never both hold it, and a holder that dies lets it lapse.

use crate::db::{now_ms, Db};
use anyhow::Context as _;
use std::time::Duration;

/// This process, as a lease holder: random per start, so a restarted server is a new holder.
pub fn holder_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// Takes (or renews) the lease `name` for `hold`; `false` when another live holder has it.
pub async fn take(db: &Db, name: &str, hold: Duration) -> anyhow::Result<bool> {
    let now = now_ms();
    let until = now + hold.as_millis() as i64;
    let me = holder_id();
    // Create it if it has never existed; a conflict means it exists, which the update below handles.
    sqlx::query("INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(me)
        .bind(until)
        .execute(&db.pool)
        .await
        .context("creating a lease")?;
    let n = sqlx::query("UPDATE leases SET holder = $1, until = $2 WHERE name = $3 AND (holder = $1 OR until < $4)")
        .bind(me)
        .bind(until)
        .bind(name)
        .bind(now)
        .execute(&db.pool)
        .await
        .context("taking a lease")?
        .rows_affected();
    Ok(n == 1)
}

/// Gives the lease back early (on shutdown), so another server need not wait for it to lapse.
pub async fn release(db: &Db, name: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE leases SET until = 0 WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder_id())
        .execute(&db.pool)
        .await
        .context("releasing a lease")?;
    Ok(())
}
