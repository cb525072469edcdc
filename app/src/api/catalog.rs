//! `/api/catalog/*`: where and what a customer can deploy.

use super::codec::Json;
use crate::error::AppError;
use crate::model::{Offering, Template, Zone};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::CatalogPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::{Offering, Template, Zone, ZoneId};
    use crate::ports::Principal;

    #[async_trait::async_trait]
    pub trait CatalogPort: Send + Sync {
        async fn zones(&self, p: &Principal) -> Result<Vec<Zone>, AppError>;
        async fn offerings(&self, p: &Principal, zone: &ZoneId) -> Result<Vec<Offering>, AppError>;
        async fn templates(&self, p: &Principal, zone: &ZoneId) -> Result<Vec<Template>, AppError>;
    }
}

#[server(prefix = "/api", endpoint = "catalog/zones", input = Json, output = Json)]
pub async fn zones() -> Result<Vec<Zone>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.catalog.zones(&p).await
}

#[server(prefix = "/api", endpoint = "catalog/offerings", input = Json, output = Json)]
pub async fn offerings(zone_id: String) -> Result<Vec<Offering>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let zone = super::field("zone_id", crate::model::ZoneId::parse(&zone_id))?;
    ports.catalog.offerings(&p, &zone).await
}

#[server(prefix = "/api", endpoint = "catalog/templates", input = Json, output = Json)]
pub async fn templates(zone_id: String) -> Result<Vec<Template>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let zone = super::field("zone_id", crate::model::ZoneId::parse(&zone_id))?;
    ports.catalog.templates(&p, &zone).await
}
