//! The panel's own samples, for clouds without `listVirtualMachinesUsageHistory`: every running VM's
//! counters (`listVirtualMachinesMetrics`, with the admin key, zone by zone), one pass every
//! `ZENITH_METRICS_SAMPLE_SECS` on one server at a time, kept 30 days. On a cloud that has the
//! history the pass only asks (at most every ten minutes) whether it still has.

use super::repo::{self, NewSample};
use super::series::Amounts;
use super::HistorySupport;
use crate::catalog::CatalogService;
use crate::cloud::CloudStack;
use crate::db::{now_ms, Db};
use std::time::{Duration, Instant};

pub const LEASE: &str = "metrics-sampler";
const KEEP_MS: i64 = 30 * 86_400_000;
const PROBE_EVERY: Duration = Duration::from_secs(600);

pub struct Sampler {
    db: Db,
    admin: CloudStack,
    catalog: CatalogService,
    history: HistorySupport,
    probed: Option<Instant>,
}

impl Sampler {
    pub fn new(db: Db, admin: CloudStack, catalog: CatalogService, history: HistorySupport) -> Sampler {
        Sampler { db, admin, catalog, history, probed: None }
    }

    /// Whether the cloud has the history, asked at most every ten minutes (the customer's graphs
    /// also tell, through the shared `HistorySupport`).
    async fn has_history(&mut self) -> bool {
        if self.history.missing() {
            return false;
        }
        if self.probed.is_some_and(|p| p.elapsed() < PROBE_EVERY) {
            return true;
        }
        self.probed = Some(Instant::now());
        let now = chrono::Utc::now();
        match self
            .admin
            .vm_usage_history(&app::model::InstanceId::parse("0").expect("an id"), now - chrono::Duration::minutes(1), now)
            .await
        {
            Err(e) if e.is_unknown_command() => {
                self.history.set_missing();
                false
            }
            _ => true,
        }
    }

    /// One pass: how many samples it stored.
    pub async fn pass(&mut self) -> anyhow::Result<usize> {
        if self.has_history().await {
            return Ok(0);
        }
        let at_ms = now_ms();
        let mut stored = 0;
        for zone in self.catalog.catalog.zones().await?.iter() {
            let vms = match self.admin.vm_metrics_in_zone(&zone.id).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, zone = %zone.name, "could not sample the zone's counters; next pass");
                    continue;
                }
            };
            let samples: Vec<NewSample> = vms
                .iter()
                .filter(|v| v.state == "Running")
                .map(|v| NewSample {
                    vm_id: v.id.as_str(),
                    at_ms,
                    cpu_percent: v.cpuused.unwrap_or(0.0),
                    counters: Amounts {
                        net_read_kib: v.networkkbsread.unwrap_or(0),
                        net_write_kib: v.networkkbswrite.unwrap_or(0),
                        disk_read_kib: v.diskkbsread.unwrap_or(0),
                        disk_write_kib: v.diskkbswrite.unwrap_or(0),
                        disk_read_ops: v.diskioread.unwrap_or(0),
                        disk_write_ops: v.diskiowrite.unwrap_or(0),
                    },
                })
                .collect();
            for chunk in samples.chunks(500) {
                repo::insert(&self.db.pool, chunk).await?;
            }
            stored += samples.len();
        }
        repo::prune(&self.db.pool, at_ms - KEEP_MS).await?;
        Ok(stored)
    }
}
