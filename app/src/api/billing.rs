//! `/api/billing/*`: the customer's statements and what each instance costs this month;
//! `/api/admin/billing/ingest`: an ingestion pass now (admins). The CSV exports are plain GETs
//! (`/billing/export.csv`, `/support/billing/export.csv`), streamed by the server.

use super::codec::Json;
use crate::error::AppError;
use crate::model::billing::{IngestOutcome, InstanceCost, Statement};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::BillingPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::billing::{IngestOutcome, InstanceCost, Month, Statement};
    use crate::model::InstanceId;
    use crate::ports::{Principal, Staff};

    #[async_trait::async_trait]
    pub trait BillingPort: Send + Sync {
        /// The customer's statement for `month` (the month in progress when `None`).
        async fn statement(&self, p: &Principal, month: Option<Month>) -> Result<Statement, AppError>;
        async fn instance_cost(&self, p: &Principal, id: &InstanceId) -> Result<InstanceCost, AppError>;
        /// Admins only.
        async fn ingest(&self, s: &Staff<'_>) -> Result<IngestOutcome, AppError>;
    }
}

#[server(prefix = "/api", endpoint = "billing/statement", input = Json, output = Json)]
pub async fn get_statement(#[server(default)] month: Option<String>) -> Result<Statement, AppError> {
    use crate::model::billing::Month;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let month = month.filter(|m| !m.trim().is_empty()).map(|m| super::field("month", Month::parse(&m))).transpose()?;
    ports.billing.statement(&p, month).await
}

#[server(prefix = "/api", endpoint = "billing/instance", input = Json, output = Json)]
pub async fn get_instance_cost(id: String) -> Result<InstanceCost, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let id = crate::model::InstanceId::parse(&id).map_err(|_| AppError::NotFound)?;
    ports.billing.instance_cost(&p, &id).await
}

#[server(prefix = "/api", endpoint = "admin/billing/ingest", input = Json, output = Json)]
pub async fn ingest_usage() -> Result<IngestOutcome, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.billing.ingest(&p.staff()?).await
}
