//! Support staff: finding a customer, a summary of their account, support sessions (a staff member
//! viewing the customer's panel, read-only unless an admin asks to act), the audit view, and the
//! customer's own control over all of it.
//!
//! A support session is its own row, checked on every request (`auth::AuthService::principal`): it
//! ends when stopped, when it expires (30 minutes, never extended), when its holder loses the role or
//! signs out, and when the customer withdraws access. Read-only is not a UI convention: it is the
//! `Writer` capability, which a read-only session cannot get (`app::ports`).

pub mod consent;
pub mod export;
pub mod repo;
pub mod search;
pub mod sessions;
pub mod summary;

use crate::audit::{self, Actor};
use crate::auth::{AuthError, AuthService};
use crate::db::{Conn, Db};
use crate::directory::Directory;
use crate::instances::{InstanceError, Instances};
use app::api::support::SupportRequest;
use app::error::AppError;
use app::model::audit::{AuditAction, AuditCategory, AuditEvent, AuditOutcome};
use app::model::support::{AuditFilter, AuditPage, CustomerHit, CustomerSummary, Impersonating, SupportAccess, SupportAccessMode};
use app::model::CustomerId;
use app::ports::{Owner, Principal, Staff};
use std::sync::Arc;

crate::feature_error! {
    pub enum SupportError {
        /// No such customer, or a staff account looked up as one.
        #[error("Not found.")]
        NotFound,
        #[error("You are already in a support session: stop it before opening another.")]
        AlreadyInSession,
        #[error("There is no support session to stop.")]
        NoSession,
        #[error("Only admins can open an acting session; open a read-only one.")]
        ActingNeedsAdmin,
        #[error("You cannot open a support session on your own account.")]
        OwnAccount,
        #[error("Staff accounts cannot be viewed through support.")]
        StaffAccount,
        #[error("Your password is not correct: a support session needs your own password again.")]
        PasswordWrong,
        #[error(
            "This customer allows support only when they ask for it, and has not: ask them to press \"Allow support for 24 hours\" under Account → Support access."
        )]
        NotAllowed,
        #[error("Support may already view your account at any time; choose \"Only after I allow it\" first.")]
        AlreadyAlways,
        /// Why the search text cannot be searched for (see `search::Query::parse`).
        #[error("{reason}")]
        BadQuery { reason: String },
    }
    causes { Denied(app::ports::Denied), Auth(AuthError), Instances(InstanceError) }
}

impl From<SupportError> for AppError {
    fn from(e: SupportError) -> AppError {
        use SupportError::*;
        let sentence = e.to_string();
        match e {
            NotFound => AppError::NotFound,
            AlreadyInSession | NoSession | AlreadyAlways => AppError::Conflict(sentence),
            ActingNeedsAdmin | OwnAccount | StaffAccount | PasswordWrong | NotAllowed => AppError::Forbidden(sentence),
            BadQuery { .. } => AppError::invalid("query", sentence),
            Denied(d) => d.into(),
            Auth(e) => e.into(),
            Instances(e) => e.into(),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

#[derive(Clone)]
pub struct Support {
    pub(crate) db: Db,
    pub(crate) auth: AuthService,
    pub(crate) instances: Instances,
    pub(crate) directory: Arc<Directory>,
}

impl Support {
    pub fn new(db: Db, auth: AuthService, instances: Instances, directory: Arc<Directory>) -> Support {
        Support { db, auth, instances, directory }
    }

    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, SupportError> {
        Ok(self.db.pool.acquire().await?)
    }
}

/// An audit entry about a support session or the customer's support settings, on `customer`'s
/// account, by `actor`.
pub(crate) async fn record(
    conn: &mut Conn,
    actor: &Actor,
    customer: &CustomerId,
    action: AuditEvent,
    outcome: AuditOutcome,
    detail: Option<&str>,
    ip: Option<std::net::IpAddr>,
) {
    let entry = audit::Entry {
        actor: Some(actor),
        subject: Some(&customer.user()),
        category: AuditCategory::Support,
        action: action.into(),
        target_id: None,
        outcome,
        detail,
        ip,
    };
    crate::error::log_failed_write(audit::repo::insert(&mut *conn, entry).await, "writing the audit log");
}

#[async_trait::async_trait]
impl app::api::support::SupportPort for Support {
    #[tracing::instrument(skip_all, fields(staff = %s.principal().user_id))]
    async fn search(&self, s: &Staff<'_>, query: &str) -> Result<Vec<CustomerHit>, AppError> {
        Ok(search::search(self, query).await?)
    }

    #[tracing::instrument(skip_all, fields(staff = %s.principal().user_id, customer = %id))]
    async fn customer(&self, s: &Staff<'_>, id: &CustomerId) -> Result<CustomerSummary, AppError> {
        Ok(summary::summary(self, id).await?)
    }

    #[tracing::instrument(skip_all, fields(staff = %s.principal().user_id, customer = %start.customer))]
    async fn start(&self, s: &Staff<'_>, start: SupportRequest, password: &str) -> Result<Impersonating, AppError> {
        Ok(sessions::start(self, s.principal(), start, password).await?)
    }

    #[tracing::instrument(skip_all, fields(staff = %s.principal().user_id))]
    async fn stop(&self, s: &Staff<'_>) -> Result<(), AppError> {
        Ok(sessions::stop(self, s.principal()).await?)
    }

    async fn audit(&self, _s: &Staff<'_>, filter: AuditFilter) -> Result<AuditPage, AppError> {
        Ok(export::page(self, &filter).await?)
    }

    async fn access(&self, p: &Principal) -> Result<SupportAccess, AppError> {
        Ok(consent::access(self, p).await?)
    }

    async fn set_access(&self, o: &Owner<'_>, mode: SupportAccessMode) -> Result<SupportAccess, AppError> {
        Ok(consent::set(self, o, mode).await?)
    }

    async fn grant(&self, o: &Owner<'_>) -> Result<SupportAccess, AppError> {
        Ok(consent::grant(self, o).await?)
    }

    async fn revoke(&self, o: &Owner<'_>) -> Result<SupportAccess, AppError> {
        Ok(consent::revoke(self, o).await?)
    }

    async fn refused(&self, p: &Principal, action: AuditAction, target: Option<&str>) {
        let (Some(s), Some(customer)) = (&p.support, &p.customer_id) else { return };
        let detail = format!("refused: the support session is {}", s.mode.label());
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: Some(&Actor::from_principal(p)),
                subject: Some(&customer.user()),
                category: AuditCategory::Support,
                action,
                target_id: target,
                outcome: AuditOutcome::Refused,
                detail: Some(&detail),
                ip: p.client.ip,
            },
        )
        .await;
    }
}
