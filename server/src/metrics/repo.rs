//! `metric_samples`: the panel's own samples of running VMs' counters (clouds before 4.18).

use super::series::{Amounts, CounterSample};
use anyhow::Context as _;

/// One VM's counters as the sampler read them.
pub struct NewSample<'a> {
    pub vm_id: &'a str,
    pub at_ms: i64,
    pub cpu_percent: f64,
    pub counters: Amounts,
}

/// Stores samples (one statement each; a sample already there is kept).
pub async fn insert(db: &sqlx::AnyPool, samples: &[NewSample<'_>]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for s in samples {
        let c = &s.counters;
        sqlx::query(
            "INSERT INTO metric_samples (vm_id, at_ms, cpu_centi, net_read_kib, net_write_kib, disk_read_kib, disk_write_kib, disk_read_ops,
                 disk_write_ops) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (vm_id, at_ms) DO NOTHING",
        )
        .bind(s.vm_id)
        .bind(s.at_ms)
        .bind((s.cpu_percent.clamp(0.0, 100.0) * 100.0).round() as i64)
        .bind(c.net_read_kib)
        .bind(c.net_write_kib)
        .bind(c.disk_read_kib)
        .bind(c.disk_write_kib)
        .bind(c.disk_read_ops)
        .bind(c.disk_write_ops)
        .execute(&mut *tx)
        .await
        .context("storing a metrics sample")?;
    }
    tx.commit().await.context("storing metrics samples")?;
    Ok(())
}

type Row = (i64, i64, i64, i64, i64, i64, i64, i64);

/// A VM's samples in [from_ms, to_ms), oldest first, times in unix seconds.
pub async fn samples(db: &sqlx::AnyPool, vm_id: &str, from_ms: i64, to_ms: i64) -> anyhow::Result<Vec<CounterSample>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT at_ms, cpu_centi, net_read_kib, net_write_kib, disk_read_kib, disk_write_kib, disk_read_ops, disk_write_ops
         FROM metric_samples WHERE vm_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms",
    )
    .bind(vm_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db)
    .await
    .context("reading metrics samples")?;
    Ok(rows
        .into_iter()
        .map(|(at, cpu, nr, nw, dr, dw, ro, wo)| CounterSample {
            at: at.div_euclid(1000),
            cpu_percent: cpu as f64 / 100.0,
            counters: Amounts {
                net_read_kib: nr,
                net_write_kib: nw,
                disk_read_kib: dr,
                disk_write_kib: dw,
                disk_read_ops: ro,
                disk_write_ops: wo,
            },
        })
        .collect())
}

/// Forgets samples older than `before_ms`; how many.
pub async fn prune(db: &sqlx::AnyPool, before_ms: i64) -> anyhow::Result<u64> {
    Ok(sqlx::query("DELETE FROM metric_samples WHERE at_ms < $1")
        .bind(before_ms)
        .execute(db)
        .await
        .context("pruning metrics samples")?
        .rows_affected())
}
