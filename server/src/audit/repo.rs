//! The `audit_log` table: inserts and reads, never updates or deletes.

use super::Entry;
use crate::db::now_ms;
use anyhow::Context as _;
use app::model::audit::{AuditAction, AuditCategory, AuditOutcome};
use app::model::{AuditEntryId, CustomerId, JobStatus, Role, UserId};

/// One entry as stored. Its words are the model's types (`database_word!`): an unknown word fails
/// the read, never becomes a default.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: AuditEntryId,
    pub at: i64,
    pub actor_email: Option<String>,
    pub actor_role: Option<Role>,
    pub category: AuditCategory,
    pub action: AuditAction,
    pub target_id: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub impersonation_id: Option<String>,
}

pub async fn insert<'c, E: sqlx::AnyExecutor<'c>>(conn: E, e: Entry<'_>) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_user_id, actor_email, actor_role, subject_customer_id, category, action, target_id, outcome, detail, ip, impersonation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(now_ms())
    .bind(e.actor.map(|a| a.user_id.to_string()))
    .bind(e.actor.map(|a| a.email.clone()))
    .bind(e.actor.map(|a| a.role.as_str()))
    .bind(e.subject.map(|s| s.as_str()))
    .bind(e.category.as_str())
    .bind(e.action.as_str())
    .bind(e.target_id)
    .bind(e.outcome.as_str())
    .bind(e.detail)
    .bind(e.ip.map(|i| i.to_string()))
    .bind(e.actor.and_then(|a| a.impersonation.as_ref()).map(|i| i.to_string()))
    .execute(conn)
    .await?;
    Ok(id)
}

const COLUMNS: &str = "id, at, actor_email, actor_role, category, action, target_id, outcome, detail, ip, impersonation_id";

/// The account's entries in `categories`, newest first.
pub async fn for_subject(db: &sqlx::AnyPool, subject: &UserId, categories: &[AuditCategory], limit: i64) -> anyhow::Result<Vec<Row>> {
    let list = categories.iter().map(|c| format!("'{}'", c.as_str())).collect::<Vec<_>>().join(", ");
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE subject_customer_id = $1 AND category IN ({list}) ORDER BY at DESC LIMIT $2"
    ))
    .bind(subject)
    .bind(limit)
    .fetch_all(db)
    .await
    .context("reading the audit log")
}

/// An instance's activity with the outcome of the job each entry started, in one query.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    #[sqlx(flatten)]
    pub entry: Row,
    pub job_status: Option<JobStatus>,
    pub job_error: Option<String>,
}

/// Newest first; scoped to the customer so an id can never reveal someone else's history.
pub async fn activity(db: &sqlx::AnyPool, customer: &UserId, target_id: &str, limit: i64) -> anyhow::Result<Vec<ActivityRow>> {
    let cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(&format!(
        "SELECT {cols}, j.status AS job_status, j.error AS job_error FROM audit_log a LEFT JOIN jobs j ON j.audit_id = a.id
         WHERE a.subject_customer_id = $1 AND a.target_id = $2 ORDER BY a.at DESC LIMIT $3"
    ))
    .bind(customer)
    .bind(target_id)
    .bind(limit)
    .fetch_all(db)
    .await
    .context("reading an instance's activity")
}

/// The audit view's filters (all optional), as SQL would use them.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub subject: Option<UserId>,
    pub actor: Option<UserId>,
    /// UTC milliseconds, inclusive.
    pub from: Option<i64>,
    /// UTC milliseconds, exclusive.
    pub to: Option<i64>,
    pub action: Option<AuditAction>,
}

/// An entry with whose account it concerns, for staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    #[sqlx(flatten)]
    pub entry: Row,
    #[sqlx(rename = "subject_customer_id")]
    pub subject: Option<CustomerId>,
    pub subject_email: Option<String>,
}

/// Entries matching `f`, newest first: `limit` of them after skipping `offset`, or (for exports,
/// which walk the whole log in steps) those strictly older than `before` (`at`, `id`). Integers are
/// written into the SQL (they cannot carry anything else); text is always bound.
pub async fn search(db: &sqlx::AnyPool, f: &Filter, before: Option<(i64, &str)>, offset: i64, limit: i64) -> anyhow::Result<Vec<StaffRow>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut text = |sql: &str, v: String, clauses: &mut Vec<String>| {
        binds.push(v);
        clauses.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(s) = &f.subject {
        text("a.subject_customer_id = ?", s.to_string(), &mut clauses);
    }
    if let Some(a) = &f.actor {
        text("a.actor_user_id = ?", a.to_string(), &mut clauses);
    }
    if let Some(a) = f.action {
        text("a.action = ?", a.as_str().to_string(), &mut clauses);
    }
    if let Some((at, id)) = before {
        text(&format!("(a.at < {at} OR (a.at = {at} AND a.id < ?))"), id.to_string(), &mut clauses);
    }
    if let Some(from) = f.from {
        clauses.push(format!("a.at >= {from}"));
    }
    if let Some(to) = f.to {
        clauses.push(format!("a.at < {to}"));
    }
    let cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {cols}, a.subject_customer_id, u.email AS subject_email FROM audit_log a LEFT JOIN users u ON u.id = a.subject_customer_id
         {} ORDER BY a.at DESC, a.id DESC LIMIT {} OFFSET {}",
        if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) },
        limit.max(0),
        offset.max(0),
    );
    let mut q = sqlx::query_as::<_, StaffRow>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    q.fetch_all(db).await.context("searching the audit log")
}
