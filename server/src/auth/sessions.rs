//! Signed-in sessions. The cookie (tower-sessions) holds only the id of a row in `auth_sessions`;
//! the row says who, since when, last seen when and from where, and whether it was revoked. That is
//! what makes listing, revoking, idle expiry and an absolute lifetime work across servers.

use crate::db::{now_ms, Db};
use app::ports::ClientInfo;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// Session key: the `auth_sessions` row of a completed sign-in.
pub const SID: &str = "sid";
/// Session key: a password that was right, waiting for the second factor.
pub const PENDING: &str = "pending_2fa";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub user_id: String,
    pub at: i64,
    pub failures: u32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Resolved {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
    pub email: String,
    pub role: String,
    pub disabled_at: Option<i64>,
    pub totp_enabled_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Records a completed sign-in: a fresh cookie id (no fixation) pointing at a new row.
pub async fn begin(db: &Db, session: &Session, user_id: &str, client: &ClientInfo) -> anyhow::Result<String> {
    session.cycle_id().await?;
    session.remove::<Pending>(PENDING).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let ua: Option<String> = client.user_agent.as_ref().map(|u| u.chars().take(300).collect());
    sqlx::query("INSERT INTO auth_sessions (id, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5)")
        .bind(&id)
        .bind(user_id)
        .bind(now)
        .bind(client.ip.map(|i| i.to_string()))
        .bind(ua)
        .execute(&db.pool)
        .await?;
    session.insert(SID, &id).await?;
    Ok(id)
}

pub async fn resolve(db: &Db, id: &str) -> Result<Option<Resolved>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.revoked_at, u.email, u.role, u.disabled_at, u.totp_enabled_at
         FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn touch(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE id = $2").bind(now_ms()).bind(id).execute(&db.pool).await?;
    Ok(())
}

pub async fn revoke(db: &Db, user_id: &str, id: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .bind(user_id)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Ends every session of the user except `keep`.
pub async fn revoke_others(db: &Db, user_id: &str, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
        .bind(now_ms())
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Live sessions, newest first.
pub async fn list(db: &Db, user_id: &str, not_before: i64, idle_since: i64) -> Result<Vec<Listed>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM auth_sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND created_at > $2 AND last_seen_at > $3 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(not_before)
    .bind(idle_since)
    .fetch_all(&db.pool)
    .await
}
