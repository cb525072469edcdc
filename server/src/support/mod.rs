//! Support staff: the gate to the support area and support sessions (a staff member viewing a
//! customer's panel). A support session is its own row, checked on every request (see
//! `auth::AuthService::principal`); ending it, by stop, expiry or loss of the staff role, is audited.

pub mod repo;

use crate::audit::{self, Actor};
use crate::db::{Conn, Db};
use app::error::AppError;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::ImpersonationId;
use app::ports::Principal;

#[derive(Clone)]
pub struct Support {
    pub(crate) db: Db,
    pub(crate) staff_require_2fa: bool,
}

impl Support {
    pub fn new(db: Db, staff_require_2fa: bool) -> Support {
        Support { db, staff_require_2fa }
    }

    fn gate(&self, p: &Principal) -> Result<(), AppError> {
        p.require_staff()?;
        if self.staff_require_2fa && !p.two_factor {
            return Err(AppError::Forbidden("Turn on two-factor sign-in under Account before using Support.".into()));
        }
        Ok(())
    }
}

/// Ends a support session that is over (expired, or its holder lost the staff role) and records why,
/// on the caller's connection.
pub async fn end_and_audit(conn: &mut Conn, id: &ImpersonationId, why: &str) -> anyhow::Result<()> {
    let Some(ended) = repo::end(conn, id, why).await? else {
        return Ok(());
    };
    let actor = Actor {
        user_id: ended.staff_user_id.clone(),
        email: ended.staff_email.clone(),
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
        detail: Some(why),
        ip: None,
    };
    crate::error::log_failed_write(audit::repo::insert(&mut *conn, entry).await, "auditing the end of a support session");
    Ok(())
}

#[async_trait::async_trait]
impl app::api::support::SupportPort for Support {
    async fn gate(&self, p: &Principal) -> Result<(), AppError> {
        Support::gate(self, p)
    }
}
