//! `/api/catalog/*`: where and what a customer can deploy.

use crate::error::AppError;
use crate::model::{Offering, Template, Zone};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::model::EntityId;

#[server(prefix = "/api", endpoint = "catalog/zones", input = Json)]
pub async fn zones() -> Result<Vec<Zone>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.zones(&p).await
}

#[server(prefix = "/api", endpoint = "catalog/offerings", input = Json)]
pub async fn offerings(zone_id: String) -> Result<Vec<Offering>, AppError> {
    let zone = super::field("zone_id", EntityId::parse(&zone_id))?;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.offerings(&p, &zone).await
}

#[server(prefix = "/api", endpoint = "catalog/templates", input = Json)]
pub async fn templates(zone_id: String) -> Result<Vec<Template>, AppError> {
    let zone = super::field("zone_id", EntityId::parse(&zone_id))?;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.templates(&p, &zone).await
}
