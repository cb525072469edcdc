//! `/api/account/notifications`: the mail a customer may turn off, and spend thresholds. Reading is
//! for anyone who sees the account (support too); changing is the owner's alone.

use super::codec::Json;
use crate::error::AppError;
use crate::model::notifications::Notifications;
use crate::model::Money;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::NotificationsPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::notifications::{NotificationChoices, Notifications};
    use crate::ports::{Owner, Principal};

    #[async_trait::async_trait]
    pub trait NotificationsPort: Send + Sync {
        async fn get(&self, p: &Principal) -> Result<Notifications, AppError>;
        /// Replaces every setting; answers what is now stored.
        async fn set(&self, o: &Owner<'_>, n: NotificationChoices) -> Result<Notifications, AppError>;
    }
}

#[server(prefix = "/api", endpoint = "account/notifications", input = Json, output = Json)]
pub async fn get_notifications() -> Result<Notifications, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.notifications.get(&p).await
}

/// `{action_failed, statement_ready, spend_thresholds: [{minor, currency}]}`: every setting at once.
#[server(prefix = "/api", endpoint = "account/notifications/set", input = Json, output = Json)]
pub async fn set_notifications(
    action_failed: bool,
    statement_ready: bool,
    spend_thresholds: Vec<Money>,
) -> Result<Notifications, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::NotificationsChanged).await?;
    if spend_thresholds.len() > 64 {
        return Err(AppError::invalid("spend_thresholds", "Set at most 5 spend thresholds."));
    }
    let choices = crate::model::notifications::NotificationChoices { action_failed, statement_ready, spend_thresholds };
    ports.notifications.set(&o, choices).await
}
