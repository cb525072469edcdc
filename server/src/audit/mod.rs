//! The audit log: who did what, to whose account, when, from where, and how it ended. Append-only:
//! there is no update or delete in this module, and the database refuses them too (see `db`).
//!
//! Every sign-in, security change and cloud action writes a row. The customer's security log, an
//! instance's activity list and the support audit view are views of it. Actions taken in a support
//! session name the staff member as the actor, the customer as the subject, and the session.

pub mod repo;

use crate::db::Db;
use app::model::audit::{AuditAction, AuditCategory, AuditOutcome};
use app::model::{ImpersonationId, Role, UserId};
use app::ports::Principal;
use std::net::IpAddr;

pub use repo::{ActivityRow, Row};

/// The person behind an action (`None` actor = Zenith itself, e.g. the job poller).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// The support session the action was taken in.
    pub impersonation: Option<ImpersonationId>,
}

impl Actor {
    pub fn from_principal(p: &Principal) -> Actor {
        Actor {
            user_id: p.user_id.clone(),
            email: p.email.to_string(),
            role: p.role,
            impersonation: p.support.as_ref().map(|s| s.id.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Option<&'a Actor>,
    /// Whose account it concerns.
    pub subject: Option<&'a UserId>,
    pub category: AuditCategory,
    pub action: AuditAction,
    pub target_id: Option<&'a str>,
    pub outcome: AuditOutcome,
    /// Free text for people; never a secret.
    pub detail: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

/// Records what `p` did to a customer's instance (the customer, or staff in a support session: the
/// actor is who asked, the subject is whose instance it is), as the instance's activity shows it.
pub async fn on_instance(
    db: &Db,
    p: &Principal,
    subject: &UserId,
    action: AuditAction,
    instance: &str,
    outcome: AuditOutcome,
    detail: Option<&str>,
) -> Option<String> {
    let actor = Actor::from_principal(p);
    let e = Entry {
        actor: Some(&actor),
        subject: Some(subject),
        category: app::model::audit::AuditCategory::Instance,
        action,
        target_id: Some(instance),
        outcome,
        detail,
        ip: p.client.ip,
    };
    record_or_log(db, e).await
}

/// Records an entry; a failure is logged rather than failing the user's request, because the action
/// itself already happened. Returns the entry's id when it was written.
pub async fn record_or_log(db: &Db, e: Entry<'_>) -> Option<String> {
    let action = e.action;
    match repo::insert(&db.pool, e).await {
        Ok(id) => Some(id),
        Err(err) => {
            tracing::error!(error = %err, action = action.as_str(), "could not write the audit log");
            None
        }
    }
}

/// How an entry's actor is named to the customer: themselves, support staff (named), or Zenith.
pub fn actor_label(actor_email: Option<&str>, actor_role: Option<Role>, viewer_email: &str) -> String {
    match (actor_email, actor_role) {
        (Some(e), Some(r)) if r.is_staff() && e != viewer_email => format!("Support ({e})"),
        (Some(_), _) => "You".to_string(),
        (None, _) => "Zenith".to_string(),
    }
}
