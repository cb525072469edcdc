//! `/api/instances/metrics`: an instance's CPU, network and disk over a range, for its graphs.

use super::codec::Json;
use crate::error::AppError;
use crate::model::metrics::InstanceMetrics;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::MetricsPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::metrics::{InstanceMetrics, MetricsRange};
    use crate::model::InstanceId;
    use crate::ports::Principal;

    #[async_trait::async_trait]
    pub trait MetricsPort: Send + Sync {
        /// The instance's series over `range`, ending now, one point per step.
        async fn metrics(&self, p: &Principal, id: &InstanceId, range: MetricsRange) -> Result<InstanceMetrics, AppError>;
    }
}

/// `{id, range: "1h"|"24h"|"7d"|"30d"}` → `{from, to, step_seconds, source, series: {cpu_percent, …}}`.
#[server(prefix = "/api", endpoint = "instances/metrics", input = Json, output = Json)]
pub async fn get_metrics(id: String, range: String) -> Result<InstanceMetrics, AppError> {
    use crate::model::metrics::MetricsRange;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let range = super::field("range", MetricsRange::parse_wire(&range))?;
    ports.metrics.metrics(&p, &super::instances::known(crate::model::InstanceId::parse(&id))?, range).await
}
