//! `/api/support/*`: the support area (staff only; with two-factor sign-in on unless
//! `ZENITH_STAFF_REQUIRE_2FA=false`), and `/api/account/support_access*`: the customer's own view and
//! control of it. Customers calling `/api/support/*` get 403.

use super::codec::Json;
use crate::error::AppError;
use crate::model::support::{AuditPage, CustomerHit, CustomerSummary, Impersonating, SupportAccess};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::{SupportPort, SupportRequest};

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::audit::AuditAction;
    use crate::model::support::{
        AuditFilter, AuditPage, CustomerHit, CustomerSummary, Impersonating, SupportAccess, SupportAccessMode, SupportMode, SupportReason,
        Ticket,
    };
    use crate::model::CustomerId;
    use crate::ports::{Owner, Principal, Staff};

    /// A support session as asked for, parsed.
    #[derive(Debug, Clone)]
    pub struct SupportRequest {
        pub customer: CustomerId,
        pub reason: SupportReason,
        pub ticket: Option<Ticket>,
        pub mode: SupportMode,
    }

    #[async_trait::async_trait]
    pub trait SupportPort: Send + Sync {
        // The support area takes the `Staff` capability (`Principal::staff`, the one staff gate).
        async fn search(&self, s: &Staff<'_>, query: &str) -> Result<Vec<CustomerHit>, AppError>;
        async fn customer(&self, s: &Staff<'_>, id: &CustomerId) -> Result<CustomerSummary, AppError>;
        /// Opens a support session on this staff session, after checking `password` again.
        async fn start(&self, s: &Staff<'_>, start: SupportRequest, password: &str) -> Result<Impersonating, AppError>;
        async fn stop(&self, s: &Staff<'_>) -> Result<(), AppError>;
        async fn audit(&self, s: &Staff<'_>, filter: AuditFilter) -> Result<AuditPage, AppError>;

        /// The account's support access setting and every support session on it.
        async fn access(&self, p: &Principal) -> Result<SupportAccess, AppError>;
        async fn set_access(&self, o: &Owner<'_>, mode: SupportAccessMode) -> Result<SupportAccess, AppError>;
        /// "Allow support for 24 hours".
        async fn grant(&self, o: &Owner<'_>) -> Result<SupportAccess, AppError>;
        /// Withdraws a grant; open support sessions end at once.
        async fn revoke(&self, o: &Owner<'_>) -> Result<SupportAccess, AppError>;

        /// Puts a change refused to a support session on the customer's record (nothing outside one).
        async fn refused(&self, p: &Principal, action: AuditAction, target: Option<&str>);
    }
}

/// `/api/support/access`: `{ready: true}` when the caller may use the support area, else 403 saying why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportReady {
    pub ready: bool,
}

#[server(prefix = "/api", endpoint = "support/access", input = Json, output = Json)]
pub async fn check_support_access() -> Result<SupportReady, AppError> {
    let (_ports, _ctx, p) = super::ssr::signed_in().await?;
    p.staff()?;
    Ok(SupportReady { ready: true })
}

/// Longest search accepted: an email address is at most 254 characters.
pub const QUERY_MAX_CHARS: usize = 254;

#[server(prefix = "/api", endpoint = "support/customers/search", input = Json, output = Json)]
pub async fn search_customers(query: String) -> Result<Vec<CustomerHit>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.support.search(&p.staff()?, &query).await
}

#[server(prefix = "/api", endpoint = "support/customers/get", input = Json, output = Json)]
pub async fn get_customer(id: String) -> Result<CustomerSummary, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let staff = p.staff()?;
    let id = crate::model::CustomerId::parse(&id).map_err(|_| AppError::NotFound)?;
    ports.support.customer(&staff, &id).await
}

#[server(prefix = "/api", endpoint = "support/impersonate/start", input = Json, output = Json)]
pub async fn start_support(
    customer_id: String,
    reason: String,
    #[server(default)] ticket: Option<String>,
    mode: String,
    password: String,
) -> Result<Impersonating, AppError> {
    use crate::model::support::{SupportMode, SupportReason, Ticket};
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let staff = p.staff()?;
    let customer = crate::model::CustomerId::parse(&customer_id).map_err(|_| AppError::NotFound)?;
    let reason = super::field("reason", SupportReason::parse(&reason))?;
    let ticket = super::field("ticket", Ticket::parse_optional(ticket.as_deref().unwrap_or("")))?;
    let mode = SupportMode::parse(&mode).ok_or_else(|| AppError::invalid("mode", "The mode is read_only or acting."))?;
    let start = port::SupportRequest { customer, reason, ticket, mode };
    ports.support.start(&staff, start, &password).await
}

#[server(prefix = "/api", endpoint = "support/impersonate/stop", input = Json, output = Json)]
pub async fn stop_support() -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.support.stop(&p.staff()?).await
}

#[server(prefix = "/api", endpoint = "support/audit", input = Json, output = Json)]
pub async fn support_audit(
    #[server(default)] customer_id: Option<String>,
    #[server(default)] staff_id: Option<String>,
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
    #[server(default)] action: Option<String>,
    #[server(default)] page: Option<u32>,
) -> Result<AuditPage, AppError> {
    use crate::model::support::AuditFilter;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let staff = p.staff()?;
    let filter = super::fields(AuditFilter::parse(
        customer_id.as_deref(),
        staff_id.as_deref(),
        from.as_deref(),
        to.as_deref(),
        action.as_deref(),
        page,
    ))?;
    ports.support.audit(&staff, filter).await
}

#[server(prefix = "/api", endpoint = "account/support_access", input = Json, output = Json)]
pub async fn my_support_access() -> Result<SupportAccess, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.support.access(&p).await
}

#[server(prefix = "/api", endpoint = "account/support_access/set", input = Json, output = Json)]
pub async fn set_support_access(mode: String) -> Result<SupportAccess, AppError> {
    use crate::model::support::SupportAccessMode;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::SupportAccessChanged).await?;
    let mode = SupportAccessMode::parse(&mode).ok_or_else(|| AppError::invalid("mode", "The setting is always or consent."))?;
    ports.support.set_access(&o, mode).await
}

#[server(prefix = "/api", endpoint = "account/support_access/grant", input = Json, output = Json)]
pub async fn grant_support_access() -> Result<SupportAccess, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::SupportAccessGranted).await?;
    ports.support.grant(&o).await
}

#[server(prefix = "/api", endpoint = "account/support_access/revoke", input = Json, output = Json)]
pub async fn revoke_support_access() -> Result<SupportAccess, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::SupportAccessRevoked).await?;
    ports.support.revoke(&o).await
}
