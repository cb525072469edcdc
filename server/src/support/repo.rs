//! The `impersonations` table: support sessions.

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::{CustomerId, ImpersonationId, Role, UserId};

/// A support session that was just ended, with who held it.
#[derive(Debug, Clone)]
pub struct Ended {
    pub staff_user_id: UserId,
    pub staff_email: String,
    pub staff_role: Role,
    pub customer_id: CustomerId,
}

/// Ends the session if it is still open; `None` if it had already ended (by another server, say).
pub async fn end(conn: &mut Conn, id: &ImpersonationId, why: &str) -> anyhow::Result<Option<Ended>> {
    let n = sqlx::query("UPDATE impersonations SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL")
        .bind(now_ms())
        .bind(why)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await
        .context("ending a support session")?
        .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let (staff, email, role, customer): (String, String, String, String) = sqlx::query_as(
        "SELECT i.staff_user_id, u.email, u.role, i.customer_id FROM impersonations i JOIN users u ON u.id = i.staff_user_id WHERE i.id = $1",
    )
    .bind(id.as_str())
    .fetch_one(&mut *conn)
    .await
    .context("reading an ended support session")?;
    Ok(Some(Ended {
        staff_user_id: UserId::parse(&staff).map_err(anyhow::Error::msg)?,
        staff_email: email,
        staff_role: crate::auth::repo::role(&role)?,
        customer_id: CustomerId::parse(&customer).map_err(anyhow::Error::msg)?,
    }))
}
