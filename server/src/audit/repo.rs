//! The `audit_log` table: inserts and reads, never updates or deletes.

use super::Entry;
use crate::db::now_ms;
use anyhow::Context as _;
use app::model::audit::{AuditAction, AuditCategory, AuditOutcome};
use app::model::{JobStatus, Role, UserId};

/// One entry as stored, with its words parsed: an unknown word is an error, never a default.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
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

#[derive(sqlx::FromRow)]
struct RawRow {
    id: String,
    at: i64,
    actor_email: Option<String>,
    actor_role: Option<String>,
    category: String,
    action: String,
    target_id: Option<String>,
    outcome: String,
    detail: Option<String>,
    ip: Option<String>,
    impersonation_id: Option<String>,
}

fn word<T>(parsed: Option<T>, what: &str, raw: &str) -> anyhow::Result<T> {
    parsed.with_context(|| format!("the audit log holds an unknown {what} {raw:?}"))
}

impl TryFrom<RawRow> for Row {
    type Error = anyhow::Error;
    fn try_from(r: RawRow) -> anyhow::Result<Row> {
        Ok(Row {
            actor_role: r.actor_role.as_deref().map(|s| word(Role::parse(s), "role", s)).transpose()?,
            category: word(AuditCategory::parse(&r.category), "category", &r.category)?,
            action: word(AuditAction::parse(&r.action), "action", &r.action)?,
            outcome: word(AuditOutcome::parse(&r.outcome), "outcome", &r.outcome)?,
            id: r.id,
            at: r.at,
            actor_email: r.actor_email,
            target_id: r.target_id,
            detail: r.detail,
            ip: r.ip,
            impersonation_id: r.impersonation_id,
        })
    }
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
    let rows: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE subject_customer_id = $1 AND category IN ({list}) ORDER BY at DESC LIMIT $2"
    ))
    .bind(subject.as_str())
    .bind(limit)
    .fetch_all(db)
    .await
    .context("reading the audit log")?;
    rows.into_iter().map(Row::try_from).collect()
}

/// An instance's activity with the outcome of the job each entry started, in one query.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub entry: Row,
    pub job_status: Option<JobStatus>,
    pub job_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RawActivity {
    #[sqlx(flatten)]
    entry: RawRow,
    job_status: Option<String>,
    job_error: Option<String>,
}

/// Newest first; scoped to the customer so an id can never reveal someone else's history.
pub async fn activity(db: &sqlx::AnyPool, customer: &UserId, target_id: &str, limit: i64) -> anyhow::Result<Vec<ActivityRow>> {
    let cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    let rows: Vec<RawActivity> = sqlx::query_as(&format!(
        "SELECT {cols}, j.status AS job_status, j.error AS job_error FROM audit_log a LEFT JOIN jobs j ON j.audit_id = a.id
         WHERE a.subject_customer_id = $1 AND a.target_id = $2 ORDER BY a.at DESC LIMIT $3"
    ))
    .bind(customer.as_str())
    .bind(target_id)
    .bind(limit)
    .fetch_all(db)
    .await
    .context("reading an instance's activity")?;
    rows.into_iter()
        .map(|r| {
            let job_status = r.job_status.as_deref().map(|s| word(JobStatus::parse(s), "job status", s)).transpose()?;
            Ok(ActivityRow { entry: Row::try_from(r.entry)?, job_status, job_error: r.job_error })
        })
        .collect()
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
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub entry: Row,
    pub subject: Option<String>,
    pub subject_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RawStaffRow {
    #[sqlx(flatten)]
    entry: RawRow,
    subject_customer_id: Option<String>,
    subject_email: Option<String>,
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
    let mut q = sqlx::query_as::<_, RawStaffRow>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db).await.context("searching the audit log")?;
    rows.into_iter()
        .map(|r| Ok(StaffRow { entry: Row::try_from(r.entry)?, subject: r.subject_customer_id, subject_email: r.subject_email }))
        .collect()
}
