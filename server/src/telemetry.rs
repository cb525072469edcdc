//! Logging: `tracing` to stdout, text or JSON (`ZENITH_LOG_FORMAT`), filtered by `RUST_LOG`
//! (default `info`). Spans wrap every request (`http`, with its `request_id`) and every cloud call
//! (`cloud`). Metrics for Prometheus are in [`metrics`].

pub mod metrics;
pub mod request_id;

use crate::config::LogFormat;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,hyper=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry.with(fmt::layer().json().with_current_span(true)).try_init(),
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
    };
}
