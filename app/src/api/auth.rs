//! `/api/auth/*`: sign-up, sign-in (with a second step when 2FA is on), sign-out, who am I.

use crate::error::AppError;
use crate::model::{account::LoginOutcome, Me};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::model::{Email, NewPassword};

#[server(prefix = "/api", endpoint = "auth/signup", input = Json)]
pub async fn signup(email: String, password: String) -> Result<Me, AppError> {
    let email = super::field("email", Email::parse(&email))?;
    let password = super::field("password", NewPassword::parse(&password))?;
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.signup(&ctx, email, password).await
}

#[server(prefix = "/api", endpoint = "auth/login", input = Json)]
pub async fn login(email: String, password: String) -> Result<LoginOutcome, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.login(&ctx, &email, &password).await
}

/// The second step of a sign-in: a TOTP code or a recovery code.
#[server(prefix = "/api", endpoint = "auth/login/2fa", input = Json)]
pub async fn login_two_factor(code: String) -> Result<Me, AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.login_second_factor(&ctx, &code).await
}

#[server(prefix = "/api", endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    let (ports, ctx) = super::ssr::request().await?;
    ports.auth.logout(&ctx).await
}

/// `/api/auth/me`: who is signed in.
#[server(prefix = "/api", endpoint = "auth/me", input = Json)]
pub async fn current_user() -> Result<Me, AppError> {
    let (ports, _ctx, principal) = super::ssr::signed_in().await?;
    ports.auth.me(&principal).await
}
