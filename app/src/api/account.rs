//! `/api/account/*`: two-factor sign-in, password change, sessions, the security log.

use crate::error::AppError;
use crate::model::account::{RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::model::NewPassword;

#[server(prefix = "/api", endpoint = "account/2fa/begin", input = Json)]
pub async fn two_factor_begin() -> Result<TwoFactorSetup, AppError> {
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.account.two_factor_begin(&p, &ctx).await
}

#[server(prefix = "/api", endpoint = "account/2fa/confirm", input = Json)]
pub async fn two_factor_confirm(code: String) -> Result<RecoveryCodes, AppError> {
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.account.two_factor_confirm(&p, &ctx, &code).await
}

#[server(prefix = "/api", endpoint = "account/2fa/disable", input = Json)]
pub async fn two_factor_disable(password: String, code: String) -> Result<(), AppError> {
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.account.two_factor_disable(&p, &ctx, &password, &code).await
}

#[server(prefix = "/api", endpoint = "account/password", input = Json)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let new = super::field("new_password", NewPassword::parse(&new_password))?;
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.account.change_password(&p, &ctx, &current_password, new).await
}

#[server(prefix = "/api", endpoint = "account/sessions", input = Json)]
pub async fn sessions() -> Result<Vec<SessionView>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.account.sessions(&p).await
}

/// `{id}` ends one session; `{all_others: true}` ends every session but this one.
#[server(prefix = "/api", endpoint = "account/sessions/revoke", input = Json)]
pub async fn revoke_sessions(
    #[server(default)] id: Option<String>,
    #[server(default)] all_others: Option<bool>,
) -> Result<Revoked, AppError> {
    use crate::ports::RevokeWhich;
    let which = match (id.filter(|s| !s.trim().is_empty()), all_others.unwrap_or(false)) {
        (Some(id), false) => RevokeWhich::One(id),
        (None, true) => RevokeWhich::AllOthers,
        _ => return Err(AppError::invalid("id", "Send either {\"id\": …} or {\"all_others\": true}.")),
    };
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.account.revoke_sessions(&p, &ctx, which).await
}

#[server(prefix = "/api", endpoint = "account/security_log", input = Json)]
pub async fn security_log() -> Result<Vec<SecurityEvent>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.account.security_log(&p).await
}
