//! The `impersonations` rows a session's end touches.

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::support::SupportSessionEnd;
use app::model::{CustomerId, Email, ImpersonationId, Role, UserId};

/// A support session that was just ended, with who held it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Ended {
    pub staff_user_id: UserId,
    pub staff_email: Email,
    pub staff_role: Role,
    pub customer_id: CustomerId,
}

/// Ends the session if it is still open; `None` if it had already ended (by another server, say).
pub async fn end(conn: &mut Conn, id: &ImpersonationId, why: SupportSessionEnd) -> anyhow::Result<Option<Ended>> {
    let n = sqlx::query("UPDATE impersonations SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL")
        .bind(now_ms())
        .bind(why)
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("ending a support session")?
        .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let ended = sqlx::query_as(
        "SELECT i.staff_user_id, u.email AS staff_email, u.role AS staff_role, i.customer_id
         FROM impersonations i JOIN users u ON u.id = i.staff_user_id WHERE i.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .context("reading an ended support session")?;
    Ok(Some(ended))
}

/// Open sessions whose time is up (at most 500 a sweep).
pub async fn expired(conn: &mut Conn, now: i64) -> anyhow::Result<Vec<ImpersonationId>> {
    sqlx::query_scalar("SELECT id FROM impersonations WHERE ended_at IS NULL AND expires_at <= $1 LIMIT 500")
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .context("listing expired support sessions")
}

/// The support sessions a staff member has open.
pub async fn open_for_staff(conn: &mut Conn, staff: &UserId) -> anyhow::Result<Vec<ImpersonationId>> {
    sqlx::query_scalar("SELECT id FROM impersonations WHERE staff_user_id = $1 AND ended_at IS NULL")
        .bind(staff)
        .fetch_all(&mut *conn)
        .await
        .context("listing a staff member's support sessions")
}
