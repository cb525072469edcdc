//! What the session cookie holds. The cookie (tower-sessions) carries only the id of an
//! `auth_sessions` row and, between the steps of a sign-in, the pending second factor; the row says
//! who, since when, last seen when, from where, and whether it was revoked. That is what makes
//! listing, revoking, idle expiry and an absolute lifetime work across servers.

use super::repo;
use crate::db::{now_ms, Db};
use app::model::account::FormState;
use app::model::{SessionId, UserId};
use app::ports::ClientInfo;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// Session key: the `auth_sessions` row of a completed sign-in.
pub const SID: &str = "sid";
/// Session key: a password that was right, waiting for the second factor.
pub const PENDING: &str = "pending_2fa";
/// Session key: the outcome of a form posted without JavaScript, for the page it returns to.
pub const FORM: &str = "form_state";

/// A right password waiting for its second factor. It is bound to the password it was right for: a
/// password change meanwhile ends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub user_id: UserId,
    pub at: i64,
    pub failures: u32,
    pub password_changed_at: i64,
}

/// Records a completed sign-in: a fresh cookie id (no fixation) pointing at a new row, and the
/// notice it calls for (a browser and address not seen before), written with it.
pub async fn begin(
    db: &Db,
    session: &Session,
    user: &UserId,
    client: &ClientInfo,
    notice: Option<&crate::mail::Outgoing<'_>>,
) -> anyhow::Result<SessionId> {
    session.cycle_id().await?;
    session.remove::<Pending>(PENDING).await?;
    let id = SessionId::new_random();
    let mut tx = db.begin_write().await?;
    repo::insert_session(&mut tx, &id, user, client).await?;
    if let Some(m) = notice {
        crate::mail::outbox::enqueue(&mut tx, m).await?;
    }
    tx.commit().await?;
    session.insert(SID, &id).await?;
    Ok(id)
}

pub async fn current(session: &Session) -> anyhow::Result<Option<SessionId>> {
    Ok(session.get::<SessionId>(SID).await?)
}

pub async fn pending(session: &Session) -> anyhow::Result<Option<Pending>> {
    Ok(session.get::<Pending>(PENDING).await?)
}

pub async fn set_pending(session: &Session, p: &Pending) -> anyhow::Result<()> {
    Ok(session.insert(PENDING, p).await?)
}

pub async fn clear_pending(session: &Session) -> anyhow::Result<()> {
    session.remove::<Pending>(PENDING).await?;
    Ok(())
}

/// Slides the cookie's and the store's expiry (tower-sessions renews on a write).
pub async fn keep_alive(session: &Session) -> anyhow::Result<()> {
    Ok(session.insert("seen", now_ms()).await?)
}

pub async fn set_form_state(session: &Session, state: &FormState) -> anyhow::Result<()> {
    Ok(session.insert(FORM, state).await?)
}

pub async fn take_form_state(session: &Session) -> anyhow::Result<FormState> {
    Ok(session.remove::<FormState>(FORM).await?.unwrap_or_default())
}
