//! An instance's graphs: CPU, network and disk over a range, one point per step.
//!
//! CloudStack 4.18+ keeps each VM's stats samples and answers `listVirtualMachinesUsageHistory`; the
//! graphs read it with the customer's own keys. An older cloud answers that the command does not
//! exist (remembered for an hour, then asked again); for those, the sampler (`sampler`, one server
//! at a time, every `ZENITH_METRICS_SAMPLE_SECS`) keeps the counters of every running VM for 30 days
//! and the graphs are their differences. Either way `series` turns the numbers into rates and
//! buckets.

pub mod repo;
pub mod sampler;
pub mod series;

use crate::cloud::types::VmStat;
use crate::cloud::CloudFailure;
use crate::db::Db;
use crate::tenancy::{Tenancy, TenancyError};
use app::api::metrics::MetricsPort;
use app::error::AppError;
use app::model::metrics::{InstanceMetrics, MetricsRange, MetricsSource, Point, Series};
use app::model::InstanceId;
use app::ports::Principal;
use chrono::{TimeZone, Utc};
use series::{Amounts, Rates};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the panel believes a cloud lacks the history before asking again.
const MISSING_FOR: Duration = Duration::from_secs(3600);

crate::feature_error! {
    pub enum MetricsError {
        #[error("Not found.")]
        NotFound,
    }
    causes { Denied(app::ports::Denied), Cloud(CloudFailure), Tenancy(TenancyError) }
}

impl From<MetricsError> for AppError {
    fn from(e: MetricsError) -> AppError {
        match e {
            MetricsError::NotFound => AppError::NotFound,
            MetricsError::Denied(d) => d.into(),
            MetricsError::Cloud(f) => f.into(),
            MetricsError::Tenancy(t) => t.into(),
            MetricsError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

/// Whether the cloud has `listVirtualMachinesUsageHistory`, as last learned (shared with the sampler).
#[derive(Clone, Default)]
pub struct HistorySupport(Arc<Mutex<Option<Instant>>>);

impl HistorySupport {
    /// The cloud said it has no history command less than an hour ago.
    pub fn missing(&self) -> bool {
        self.0.lock().map(|m| m.is_some_and(|at| at.elapsed() < MISSING_FOR)).unwrap_or(false)
    }

    pub fn set_missing(&self) {
        if let Ok(mut m) = self.0.lock() {
            *m = Some(Instant::now());
        }
    }
}

#[derive(Clone)]
pub struct Metrics {
    db: Db,
    tenancy: Arc<Tenancy>,
    history: HistorySupport,
    /// The sampler's period: counter samples further apart than three of them are a gap.
    sample_secs: i64,
}

/// A history sample's figures as amounts.
fn amounts(s: &VmStat) -> Amounts {
    let n = |v: Option<i64>| v.unwrap_or(0).max(0);
    Amounts {
        net_read_kib: n(s.networkkbsread),
        net_write_kib: n(s.networkkbswrite),
        disk_read_kib: n(s.diskkbsread),
        disk_write_kib: n(s.diskkbswrite),
        disk_read_ops: n(s.diskiopsread),
        disk_write_ops: n(s.diskiopswrite),
    }
}

/// The history's samples as rates: each covers the time since the one before it (the collector's
/// period for the first, or after a gap).
pub fn history_rates(stats: &[VmStat]) -> Vec<Rates> {
    let mut timed: Vec<(i64, &VmStat)> = stats.iter().filter_map(|s| s.timestamp.map(|t| (t.timestamp(), s))).collect();
    timed.sort_by_key(|(t, _)| *t);
    let mut out = Vec::with_capacity(timed.len());
    let mut before: Option<i64> = None;
    for (at, s) in timed {
        let secs = match before {
            Some(b) if at > b && at - b <= 2 * series::COLLECTOR_SECS => at - b,
            _ => series::COLLECTOR_SECS,
        };
        before = Some(at);
        // A sample stands for the interval it ends: put it in the middle of it.
        out.push(Rates::of(at - secs / 2, secs, s.cpuused.unwrap_or(0.0), &amounts(s)));
    }
    out
}

/// The seven series of `rates` over [from, to) in steps of `step`.
pub fn to_series(rates: &[Rates], from: i64, to: i64, step: i64) -> Series {
    let one = |f: fn(&Rates) -> f64| -> Vec<Point> {
        series::downsample(rates.iter().map(|r| (r.at, f(r))), from, to, step)
            .into_iter()
            // Whole units are finer than any graph draws (and the browser reads integers only).
            .map(|(t, b)| (t, b.map(|b| b.avg.round() as i64)))
            .collect()
    };
    Series {
        cpu_percent: one(|r| r.cpu_percent),
        net_in_bps: one(|r| r.net_in_bps),
        net_out_bps: one(|r| r.net_out_bps),
        disk_read_bps: one(|r| r.disk_read_bps),
        disk_write_bps: one(|r| r.disk_write_bps),
        disk_read_iops: one(|r| r.disk_read_iops),
        disk_write_iops: one(|r| r.disk_write_iops),
    }
}

impl Metrics {
    pub fn new(db: Db, tenancy: Arc<Tenancy>, history: HistorySupport, sample_secs: u64) -> Metrics {
        Metrics { db, tenancy, history, sample_secs: sample_secs as i64 }
    }

    #[tracing::instrument(skip_all, fields(instance = %id, range = %range))]
    pub async fn series(&self, p: &Principal, id: &InstanceId, range: MetricsRange) -> Result<InstanceMetrics, MetricsError> {
        let customer = p.customer()?;
        let cloud = self.tenancy.ensure(customer).await?;
        let vm = self.tenancy.owned_vm(&cloud, customer, id).await?.ok_or(MetricsError::NotFound)?;
        let step = range.step_seconds();
        // The range ends with the step now is in, so the newest point is the one being measured.
        let now = Utc::now().timestamp();
        let to = (now.div_euclid(step) + 1) * step;
        let from = to - range.seconds();
        let at = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap_or_else(Utc::now);
        if !self.history.missing() {
            match cloud.client.vm_usage_history(&vm.id, at(from - step), at(to)).await {
                Ok(vms) => {
                    let stats: Vec<VmStat> = vms.into_iter().filter(|h| h.id == vm.id.as_str()).flat_map(|h| h.stats).collect();
                    let rates = history_rates(&stats);
                    return Ok(InstanceMetrics {
                        from,
                        to,
                        step_seconds: step,
                        source: MetricsSource::History,
                        series: to_series(&rates, from, to, step),
                    });
                }
                Err(e) if e.is_unknown_command() => {
                    tracing::info!("the cloud has no listVirtualMachinesUsageHistory (before 4.18): graphs come from the panel's samples");
                    self.history.set_missing();
                }
                Err(e) => return Err(CloudFailure::new(e, None).into()),
            }
        }
        let gap = 3 * self.sample_secs.max(10);
        let samples = repo::samples(&self.db.pool, vm.id.as_str(), (from - gap) * 1000, to * 1000).await?;
        let rates = series::from_counters(&samples, gap);
        Ok(InstanceMetrics { from, to, step_seconds: step, source: MetricsSource::Samples, series: to_series(&rates, from, to, step) })
    }
}

#[async_trait::async_trait]
impl MetricsPort for Metrics {
    async fn metrics(&self, p: &Principal, id: &InstanceId, range: MetricsRange) -> Result<InstanceMetrics, AppError> {
        Ok(self.series(p, id, range).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(at: i64, cpu: f64, net_kib: i64) -> VmStat {
        VmStat {
            timestamp: Utc.timestamp_opt(at, 0).single(),
            cpuused: Some(cpu),
            networkkbsread: Some(net_kib),
            networkkbswrite: None,
            diskkbsread: None,
            diskkbswrite: None,
            diskiopsread: None,
            diskiopswrite: None,
        }
    }

    #[test]
    fn history_samples_are_rates_over_the_minute_they_end_and_land_in_their_step() {
        let stats = [stat(120, 20.0, 60), stat(60, 10.0, 30), stat(600, 50.0, 0)];
        let rates = history_rates(&stats);
        assert_eq!(rates.iter().map(|r| r.at).collect::<Vec<_>>(), [30, 90, 570]);
        assert_eq!(rates[1].net_in_bps, 60.0 * 8192.0 / 60.0);
        let s = to_series(&rates, 0, 600, 300);
        assert_eq!(s.cpu_percent, vec![(0, Some(15)), (300, Some(50))]);
        assert_eq!(s.disk_read_iops, vec![(0, Some(0)), (300, Some(0))]);
        let empty = to_series(&[], 0, 600, 300);
        assert_eq!(empty.net_out_bps, vec![(0, None), (300, None)], "nothing measured is null");
    }
}
