//! The audit log: who did what, to whose account, when, from where, and how it ended. Append-only.
//!
//! Every sign-in, security change and cloud action writes a row. The customer's security log and an
//! instance's activity list are views of it; support sessions will write here too, so customers see
//! every step staff take in their account.

use crate::db::{now_ms, Db};
use app::model::Role;
use std::net::IpAddr;

/// The person behind an action (`None` actor = Zenith itself, e.g. the job poller).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

impl Actor {
    pub fn from_principal(p: &app::ports::Principal) -> Actor {
        Actor { user_id: p.user_id.clone(), email: p.email.to_string(), role: p.role }
    }
}

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Option<&'a Actor>,
    pub subject_customer_id: Option<&'a str>,
    /// `auth`, `account`, `instance`, `support`, …
    pub category: &'a str,
    pub action: &'a str,
    pub target_id: Option<&'a str>,
    /// `succeeded`, `failed`, `requested`, `refused`.
    pub outcome: &'a str,
    /// Free text for people; never a secret.
    pub detail: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub at: i64,
    pub actor_email: Option<String>,
    pub actor_role: Option<String>,
    pub category: String,
    pub action: String,
    pub target_id: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

pub async fn record(db: &Db, e: Entry<'_>) -> Result<String, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    record_in(&mut conn, e).await
}

/// As [`record`], on a connection or inside a transaction the caller holds.
pub async fn record_in(conn: &mut sqlx::AnyConnection, e: Entry<'_>) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_user_id, actor_email, actor_role, subject_customer_id, category, action, target_id, outcome, detail, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&id)
    .bind(now_ms())
    .bind(e.actor.map(|a| a.user_id.clone()))
    .bind(e.actor.map(|a| a.email.clone()))
    .bind(e.actor.map(|a| a.role.as_str().to_string()))
    .bind(e.subject_customer_id)
    .bind(e.category)
    .bind(e.action)
    .bind(e.target_id)
    .bind(e.outcome)
    .bind(e.detail)
    .bind(e.ip.map(|i| i.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Logs instead of failing the user's request: the action already happened.
pub async fn record_or_log(db: &Db, e: Entry<'_>) -> Option<String> {
    match record(db, e.clone()).await {
        Ok(id) => Some(id),
        Err(err) => {
            tracing::error!(error = %err, action = e.action, "could not write the audit log");
            None
        }
    }
}

const COLUMNS: &str = "id, at, actor_email, actor_role, category, action, target_id, outcome, detail, ip";

/// Newest first.
pub async fn for_subject(db: &Db, customer_id: &str, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE subject_customer_id = $1 ORDER BY at DESC LIMIT $2"))
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await
}

/// Newest first; scoped to the customer so an id can never reveal someone else's history.
pub async fn for_target(db: &Db, customer_id: &str, target_id: &str, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE subject_customer_id = $1 AND target_id = $2 ORDER BY at DESC LIMIT $3"))
        .bind(customer_id)
        .bind(target_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await
}
