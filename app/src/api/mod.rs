//! Server functions: the JSON HTTP API at stable endpoints under `/api`, and what the UI calls.
//!
//! Each function parses its input into domain types (a bad value is a 400 naming the field),
//! authenticates through the port, and delegates. They never touch the database or the cloud.

pub mod account;
pub mod auth;
pub mod catalog;
pub mod instances;
pub mod support;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::ports::{ClientInfo, Ports, Principal, RequestCtx};
    use leptos::prelude::use_context;

    /// The backend and the request's context.
    pub async fn request() -> Result<(Ports, RequestCtx), AppError> {
        let ports = use_context::<Ports>().ok_or_else(|| {
            tracing::error!("Ports missing from the Leptos context");
            AppError::Internal
        })?;
        let session: tower_sessions::Session = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "no session on the request");
            AppError::Internal
        })?;
        let client = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<ClientInfo>().cloned()).unwrap_or_default();
        Ok((ports, RequestCtx { session, client }))
    }

    /// As [`request`], for calls that need someone signed in.
    pub async fn signed_in() -> Result<(Ports, RequestCtx, Principal), AppError> {
        let (ports, ctx) = request().await?;
        let principal = ports.auth.principal(&ctx).await?;
        Ok((ports, ctx, principal))
    }
}

/// Turns a parse failure into a 400 that names the field.
#[cfg(feature = "ssr")]
pub(crate) fn field<T>(name: &str, r: Result<T, String>) -> Result<T, crate::error::AppError> {
    r.map_err(|m| crate::error::AppError::invalid(name, m))
}
