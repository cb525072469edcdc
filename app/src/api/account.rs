//! `/api/account/*`: two-factor sign-in, password change, sessions, the security log.
//!
//! Every change here is the account owner's alone (an `Owner` capability, never a support session),
//! and every security change asks for the current password again: a stolen session must not be enough
//! to lock the owner out.

use super::codec::Json;
use crate::error::AppError;
use crate::model::account::{RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::{AccountPort, RevokeWhich};

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::account::{RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup};
    use crate::model::{Email, NewPassword, SessionId};
    use crate::ports::{Owner, Principal, RequestCtx};

    /// Which sessions to end.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum RevokeWhich {
        One(SessionId),
        AllOthers,
    }

    #[async_trait::async_trait]
    pub trait AccountPort: Send + Sync {
        async fn two_factor_begin(&self, o: &Owner<'_>, password: &str) -> Result<TwoFactorSetup, AppError>;
        async fn two_factor_confirm(&self, o: &Owner<'_>, ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, AppError>;
        async fn two_factor_disable(&self, o: &Owner<'_>, ctx: &RequestCtx, password: &str, code: &str) -> Result<(), AppError>;
        async fn change_password(&self, o: &Owner<'_>, ctx: &RequestCtx, current: &str, new: NewPassword) -> Result<(), AppError>;
        async fn sessions(&self, p: &Principal) -> Result<Vec<SessionView>, AppError>;
        /// Ending one other session needs nothing more; ending all of them needs the password.
        async fn revoke_sessions(&self, o: &Owner<'_>, which: RevokeWhich, password: Option<&str>) -> Result<Revoked, AppError>;
        async fn security_log(&self, p: &Principal) -> Result<Vec<SecurityEvent>, AppError>;
        /// Mails a link to `email` that makes it the account's address, and a notice to the current one.
        async fn change_email(&self, o: &Owner<'_>, email: Email, password: &str) -> Result<(), AppError>;
    }
}

/// Starts enrolment; needs the current password.
#[server(prefix = "/api", endpoint = "account/2fa/begin", input = Json, output = Json)]
pub async fn two_factor_begin(#[server(default)] password: String) -> Result<TwoFactorSetup, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::TwoFactorEnrolmentStarted).await?;
    ports.account.two_factor_begin(&o, &password).await
}

#[server(prefix = "/api", endpoint = "account/2fa/confirm", input = Json, output = Json)]
pub async fn two_factor_confirm(code: String) -> Result<RecoveryCodes, AppError> {
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::TwoFactorEnabled).await?;
    ports.account.two_factor_confirm(&o, &ctx, &code).await
}

#[server(prefix = "/api", endpoint = "account/2fa/disable", input = Json, output = Json)]
pub async fn two_factor_disable(password: String, code: String) -> Result<(), AppError> {
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::TwoFactorDisabled).await?;
    ports.account.two_factor_disable(&o, &ctx, &password, &code).await
}

#[server(prefix = "/api", endpoint = "account/password", input = Json, output = Json)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::model::NewPassword;
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    let owner = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::PasswordChanged).await?;
    let new = super::field("new_password", NewPassword::parse(&new_password))?;
    ports.account.change_password(&owner, &ctx, &current_password, new).await
}

/// `{email, password}`: a new address for the account. It changes only when the link mailed to it is
/// followed; the current address is told at once.
#[server(prefix = "/api", endpoint = "account/email/change", input = Json, output = Json)]
pub async fn change_email(email: String, password: String) -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let owner = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::EmailChangeRequested).await?;
    let email = super::field("email", crate::model::Email::parse(&email))?;
    ports.account.change_email(&owner, email, &password).await
}

#[server(prefix = "/api", endpoint = "account/sessions", input = Json, output = Json)]
pub async fn sessions() -> Result<Vec<SessionView>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.account.sessions(&p).await
}

/// `{id}` ends one session; `{all_others: true, password}` ends every session but this one.
#[server(prefix = "/api", endpoint = "account/sessions/revoke", input = Json, output = Json)]
pub async fn revoke_sessions(
    #[server(default)] id: Option<String>,
    #[server(default)] all_others: Option<bool>,
    #[server(default)] password: Option<String>,
) -> Result<Revoked, AppError> {
    use crate::model::SessionId;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let owner = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::SessionsRevoked).await?;
    let which = match (id.filter(|s| !s.trim().is_empty()), all_others.unwrap_or(false)) {
        // An id that is not even well-formed cannot be one of the caller's sessions.
        (Some(id), false) => RevokeWhich::One(SessionId::parse(&id).map_err(|_| AppError::NotFound)?),
        (None, true) => RevokeWhich::AllOthers,
        _ => return Err(AppError::invalid("id", "Send either {\"id\": …} or {\"all_others\": true, \"password\": …}.")),
    };
    ports.account.revoke_sessions(&owner, which, password.as_deref()).await
}

#[server(prefix = "/api", endpoint = "account/security_log", input = Json, output = Json)]
pub async fn security_log() -> Result<Vec<SecurityEvent>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.account.security_log(&p).await
}
