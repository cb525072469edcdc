//! The `impersonations` table: support sessions.

use crate::db::Conn;
use anyhow::Context as _;
use app::model::audit::{AuditAction, AuditOutcome};
use app::model::support::{SupportAccessMode, SupportMode, SupportSessionEnd};
use app::model::{CustomerId, Email, ImpersonationId, SessionId, UserId};

/// A new support session; fails with a unique violation when the staff session already has one open
/// (two starts racing each other).
pub struct NewSession<'a> {
    pub id: &'a ImpersonationId,
    pub staff: &'a UserId,
    pub staff_session: &'a SessionId,
    pub customer: &'a CustomerId,
    pub mode: SupportMode,
    pub reason: &'a str,
    pub ticket: Option<&'a str>,
    pub started_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, s: NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO impersonations (id, staff_user_id, staff_session_id, customer_id, mode, reason, ticket, started_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.id.as_str())
    .bind(s.staff.as_str())
    .bind(s.staff_session.as_str())
    .bind(s.customer.as_str())
    .bind(s.mode.as_str())
    .bind(s.reason)
    .bind(s.ticket)
    .bind(s.started_at)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The support sessions still open on a customer's account.
pub async fn open_for_customer(conn: &mut Conn, customer: &CustomerId) -> anyhow::Result<Vec<ImpersonationId>> {
    sqlx::query_scalar("SELECT id FROM impersonations WHERE customer_id = $1 AND ended_at IS NULL")
        .bind(customer)
        .fetch_all(&mut *conn)
        .await
        .context("listing open support sessions")
}

/// One support session as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: ImpersonationId,
    pub staff_user_id: UserId,
    pub staff_email: Email,
    pub mode: SupportMode,
    pub reason: String,
    pub ticket: Option<String>,
    pub started_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<SupportSessionEnd>,
}

/// Every support session of a customer's account, newest first (at most `limit`).
pub async fn for_customer(conn: &mut Conn, customer: &CustomerId, limit: i64) -> anyhow::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT i.id, i.staff_user_id, u.email AS staff_email, i.mode, i.reason, i.ticket, i.started_at, i.expires_at, i.ended_at, i.end_reason
         FROM impersonations i JOIN users u ON u.id = i.staff_user_id WHERE i.customer_id = $1 ORDER BY i.started_at DESC LIMIT $2",
    )
    .bind(customer.as_str())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .context("listing a customer's support sessions")
}

/// What was done in each of these support sessions, oldest first: (session, action, outcome, target).
pub async fn actions_in(
    conn: &mut Conn,
    sessions: &[ImpersonationId],
) -> anyhow::Result<Vec<(ImpersonationId, AuditAction, AuditOutcome, Option<String>)>> {
    if sessions.is_empty() {
        return Ok(vec![]);
    }
    let marks = (1..=sessions.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT impersonation_id, action, outcome, target_id FROM audit_log WHERE impersonation_id IN ({marks})
         AND action NOT IN ('impersonation_started', 'impersonation_stopped') ORDER BY at"
    );
    let mut q = sqlx::query_as(&sql);
    for s in sessions {
        q = q.bind(s);
    }
    q.fetch_all(&mut *conn).await.context("reading what was done in support sessions")
}

/// The customer's support access setting and, in consent mode, until when they allow it.
pub async fn set_access(conn: &mut Conn, customer: &CustomerId, mode: SupportAccessMode, until: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET support_access = $1, support_access_until = $2 WHERE id = $3 AND role = 'customer'")
        .bind(mode.as_str())
        .bind(until)
        .bind(customer.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A customer as search lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: String,
    pub email: String,
    pub account: String,
}

const CUSTOMERS: &str = "SELECT u.id, u.email, c.cs_account_name AS account FROM users u JOIN customers c ON c.user_id = u.id";

/// Customers whose email or CloudStack account name contains `pattern` (a LIKE pattern escaped with
/// `\`, lower case), or whose customer or CloudStack account id is exactly `exact`.
pub async fn customers_matching(
    conn: &mut Conn,
    pattern: &str,
    exact: &str,
    limit: i64,
) -> anyhow::Result<Vec<(CustomerRow, &'static str)>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, email, account, matched FROM (
            SELECT u.id, u.email, c.cs_account_name AS account,
                   CASE WHEN u.id = $2 THEN 'id' WHEN c.cs_account_id = $2 THEN 'cloud_id'
                        WHEN LOWER(u.email) LIKE $1 ESCAPE '\\' THEN 'email' ELSE 'account' END AS matched
            FROM users u JOIN customers c ON c.user_id = u.id
            WHERE u.role = 'customer' AND (u.id = $2 OR c.cs_account_id = $2 OR LOWER(u.email) LIKE $1 ESCAPE '\\'
                                           OR LOWER(c.cs_account_name) LIKE $1 ESCAPE '\\')
         ) m ORDER BY email LIMIT $3",
    )
    .bind(pattern)
    .bind(exact)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .context("searching customers")?;
    Ok(rows
        .into_iter()
        .map(|(id, email, account, matched)| {
            let why = match matched.as_str() {
                "id" => "customer id",
                "cloud_id" => "CloudStack account id",
                "email" => "email",
                _ => "CloudStack account",
            };
            (CustomerRow { id, email, account }, why)
        })
        .collect())
}

/// These customers (by id), for instances the directory found.
pub async fn customers_by_id(conn: &mut Conn, ids: &[String]) -> anyhow::Result<Vec<CustomerRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let marks = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("{CUSTOMERS} WHERE u.role = 'customer' AND u.id IN ({marks})");
    let mut q = sqlx::query_as(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(&mut *conn).await.context("reading customers")
}

/// What the summary shows about the account itself.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountFacts {
    pub email: Email,
    pub account: String,
    pub created_at: i64,
    pub totp_enabled_at: Option<i64>,
    pub support_access: SupportAccessMode,
    pub support_access_until: Option<i64>,
    pub last_sign_in: Option<i64>,
}

pub async fn account_facts(conn: &mut Conn, customer: &CustomerId) -> anyhow::Result<Option<AccountFacts>> {
    sqlx::query_as(
        "SELECT u.email, c.cs_account_name AS account, u.created_at, u.totp_enabled_at, u.support_access, u.support_access_until,
                (SELECT MAX(s.created_at) FROM auth_sessions s WHERE s.user_id = u.id) AS last_sign_in
         FROM users u JOIN customers c ON c.user_id = u.id WHERE u.id = $1 AND u.role = 'customer'",
    )
    .bind(customer.as_str())
    .fetch_optional(&mut *conn)
    .await
    .context("reading a customer's account")
}
