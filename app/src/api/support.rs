//! `/api/support/*`: the support area. Its gate comes first: staff only, and (by default,
//! `ZENITH_STAFF_REQUIRE_2FA`) only with two-factor sign-in on.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
pub use port::SupportPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::ports::Principal;

    #[async_trait::async_trait]
    pub trait SupportPort: Send + Sync {
        /// May this principal use the support area? (Staff only; with 2FA when the policy says so.)
        async fn gate(&self, p: &Principal) -> Result<(), AppError>;
    }
}

/// `/api/support/access`: `{ready: true}` when the caller may use the support area, else 403 saying why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportReady {
    pub ready: bool,
}

#[server(prefix = "/api", endpoint = "support/access", input = Json)]
pub async fn support_access() -> Result<SupportReady, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.support.gate(&p).await?;
    Ok(SupportReady { ready: true })
}
