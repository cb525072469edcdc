//! `/api/auth/*`: sign-up, sign-in (with a second step when 2FA is on), sign-out, who am I.

use crate::error::AppError;
use crate::model::{account::LoginOutcome, Me};

use super::codec::Json;
pub use crate::model::account::FormState;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::AuthPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::{account::LoginOutcome, Email, Me, NewPassword};
    use crate::ports::{Owner, Principal, RequestCtx};

    #[async_trait::async_trait]
    pub trait AuthPort: Send + Sync {
        async fn signup(&self, ctx: &RequestCtx, email: Email, password: NewPassword) -> Result<Me, AppError>;
        /// `email` is as typed: an address that cannot be anyone's is a wrong password like any other.
        async fn login(&self, ctx: &RequestCtx, email: &str, password: &str) -> Result<LoginOutcome, AppError>;
        async fn login_second_factor(&self, ctx: &RequestCtx, code: &str) -> Result<Me, AppError>;
        async fn logout(&self, ctx: &RequestCtx) -> Result<(), AppError>;
        /// The signed-in principal, or `Unauthorized`.
        async fn principal(&self, ctx: &RequestCtx) -> Result<Principal, AppError>;
        async fn me(&self, principal: &Principal) -> Result<Me, AppError>;
        /// What the last form posted without JavaScript left for the page to show (read once).
        async fn take_form_state(&self, ctx: &RequestCtx) -> Result<super::FormState, AppError>;
        /// Mails a reset link if an account has `email`; answers the same either way.
        async fn request_password_reset(&self, ctx: &RequestCtx, email: &str) -> Result<(), AppError>;
        /// Sets a new password with a mailed link's token.
        async fn complete_password_reset(&self, ctx: &RequestCtx, token: &str, password: NewPassword) -> Result<(), AppError>;
        /// Follows a mailed `/verify` link: confirms the address, or makes a new one the account's.
        async fn verify_email(&self, ctx: &RequestCtx, token: &str) -> Result<super::EmailVerified, AppError>;
        /// Mails the confirmation link again to the signed-in account's address.
        async fn resend_verification(&self, o: &Owner<'_>) -> Result<(), AppError>;
    }
}

#[server(prefix = "/api", endpoint = "auth/signup", input = Json, output = Json)]
pub async fn signup(email: String, password: String) -> Result<Me, AppError> {
    use crate::model::{Email, NewPassword};
    let email = super::field("email", Email::parse(&email))?;
    let password = super::field("password", NewPassword::parse(&password))?;
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.signup(&ctx, email, password).await
}

#[server(prefix = "/api", endpoint = "auth/login", input = Json, output = Json)]
pub async fn login(email: String, password: String) -> Result<LoginOutcome, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.login(&ctx, &email, &password).await
}

/// The second step of a sign-in: a TOTP code or a recovery code.
#[server(prefix = "/api", endpoint = "auth/login/2fa", input = Json, output = Json)]
pub async fn login_two_factor(code: String) -> Result<Me, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.login_second_factor(&ctx, &code).await
}

#[server(prefix = "/api", endpoint = "auth/logout", input = Json, output = Json)]
pub async fn logout() -> Result<(), AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.logout(&ctx).await
}

/// `/api/auth/me`: who is signed in.
#[server(prefix = "/api", endpoint = "auth/me", input = Json, output = Json)]
pub async fn current_user() -> Result<Me, AppError> {
    let (ports, _ctx, principal) = super::ssr::signed_in().await?;
    ports.auth.me(&principal).await
}

/// `/api/auth/password_reset/request`: "forgot password". The same answer whether or not an account
/// has the address (the link, if any, comes by email).
#[server(prefix = "/api", endpoint = "auth/password_reset/request", input = Json, output = Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.request_password_reset(&ctx, &email).await
}

/// `/api/auth/password_reset/complete`: a new password, with the token from the mailed link.
#[server(prefix = "/api", endpoint = "auth/password_reset/complete", input = Json, output = Json)]
pub async fn complete_password_reset(token: String, password: String) -> Result<(), AppError> {
    use crate::model::NewPassword;
    let password = super::field("password", NewPassword::parse(&password))?;
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.complete_password_reset(&ctx, &token, password).await
}

/// What following a `/verify` link did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailVerified {
    /// The account's address, now confirmed.
    pub email: crate::model::Email,
    /// Whether the link changed the account's address (rather than confirming the one it had).
    pub changed: bool,
}

/// `/api/auth/email/verify {token}`: the token of a mailed `/verify` link. Needs no session: the
/// link may be opened on another device.
#[server(prefix = "/api", endpoint = "auth/email/verify", input = Json, output = Json)]
pub async fn verify_email(token: String) -> Result<EmailVerified, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.verify_email(&ctx, &token).await
}

/// `/api/auth/email/resend {}`: the confirmation link again, to the signed-in account's address
/// (throttled). A support session cannot send it.
#[server(prefix = "/api", endpoint = "auth/email/resend", input = Json, output = Json)]
pub async fn resend_verification() -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::EmailConfirmationSent).await?;
    ports.auth.resend_verification(&o).await
}

/// `/api/auth/form_state`: the outcome of a sign-in or sign-up form posted without JavaScript.
#[server(prefix = "/api", endpoint = "auth/form_state", input = Json, output = Json)]
pub async fn posted_form() -> Result<FormState, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.take_form_state(&ctx).await
}
