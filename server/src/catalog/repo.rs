//! The `prices` table: integer minor units per hour and per month, by CloudStack offering name.

use anyhow::Context as _;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PriceRow {
    pub offering_name: String,
    pub hourly_minor: i64,
    pub monthly_minor: i64,
}

pub async fn all(db: &sqlx::AnyPool) -> anyhow::Result<Vec<PriceRow>> {
    sqlx::query_as("SELECT offering_name, hourly_minor, monthly_minor FROM prices").fetch_all(db).await.context("reading prices")
}
