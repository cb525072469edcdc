//! How a support session ends, whoever ends it: the staff member (support), their sign-out, expiry,
//! losing the role (auth), the customer withdrawing access (support). Each end is one conditional
//! update of the `impersonations` row and one audit entry, written together, with the reason as a
//! [`SupportSessionEnd`].
//!
//! It sits below both `auth` and `support` so that neither depends on the other for it: `support`
//! uses `auth` (a staff member's password, accounts); `auth` only ends sessions, here.

pub mod repo;

use crate::audit::{self, Actor};
use crate::db::Conn;
use anyhow::Context as _;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::support::SupportSessionEnd;
use app::model::{ImpersonationId, UserId};

/// Ends a support session that is over and records why, on the caller's connection. Ending one
/// already ended does nothing (another server got there first).
pub async fn end_and_audit(conn: &mut Conn, id: &ImpersonationId, why: SupportSessionEnd) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    // The end and its audit entry together, like the start.
    let mut tx = conn.begin().await.context("ending a support session")?;
    let Some(ended) = repo::end(&mut tx, id, why).await? else {
        return Ok(());
    };
    let actor = Actor {
        user_id: ended.staff_user_id,
        email: ended.staff_email.to_string(),
        role: ended.staff_role,
        impersonation: Some(id.clone()),
    };
    let entry = audit::Entry {
        actor: Some(&actor),
        subject: Some(&ended.customer_id.user()),
        category: AuditCategory::Support,
        action: AuditEvent::ImpersonationStopped.into(),
        target_id: Some(id.as_str()),
        outcome: AuditOutcome::Succeeded,
        detail: Some(why.as_str()),
        ip: None,
    };
    audit::repo::insert(&mut *tx, entry).await.context("auditing the end of a support session")?;
    tx.commit().await.context("ending a support session")?;
    Ok(())
}

/// Ends the support sessions whose time is up, also those whose holder never came back to see it:
/// the customer's list then shows when they really ended. Safe on several servers at once (ending is
/// a conditional update; only one server's wins and audits).
pub async fn end_expired(db: &crate::db::Db) -> anyhow::Result<usize> {
    let mut conn = db.pool.acquire().await?;
    let ids = repo::expired(&mut conn, crate::db::now_ms()).await?;
    for id in &ids {
        end_and_audit(&mut conn, id, SupportSessionEnd::Expired).await?;
    }
    Ok(ids.len())
}

/// Ends every support session a staff member holds (removed, or their role changed).
pub async fn end_all_held_by(conn: &mut Conn, staff: &UserId, why: SupportSessionEnd) -> anyhow::Result<()> {
    for id in repo::open_for_staff(conn, staff).await? {
        end_and_audit(conn, &id, why).await?;
    }
    Ok(())
}
