//! Graphs: an instance's CPU, network and disk over a range, from the cloud's own history where it
//! has one (CloudStack 4.18+), else from the panel's samples of the counters. Each answer is one point
//! per step, `null` where nothing was measured; another customer's instance is not found.

use crate::helpers::*;
use app::model::metrics::{InstanceMetrics, MetricsSource};
use app::model::{InstanceId, Tier};
use serde_json::json;
use std::time::Duration;

crate::on_both_databases!(
    a_running_instances_graphs_come_from_the_clouds_history_a_point_per_step,
    without_the_history_the_panel_samples_the_counters_and_draws_their_differences,
);

/// Asks for `range` until the CPU series has a value (the cloud measures once a minute), or gives up.
async fn with_values(c: &Client, id: &InstanceId, range: &str, wait: Duration) -> InstanceMetrics {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let r = c.post("/api/instances/metrics", json!({"id": id, "range": range})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let m: InstanceMetrics = serde_json::from_value(r.body).unwrap();
        if m.series.cpu_percent.iter().any(|(_, v)| v.is_some()) || std::time::Instant::now() > deadline {
            return m;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// What every answer must be: the range's span, one point per step in order, values in their bounds.
fn well_formed(m: &InstanceMetrics, span: i64, step: i64) {
    assert_eq!((m.to - m.from, m.step_seconds), (span, step));
    for (name, s) in [
        ("cpu_percent", &m.series.cpu_percent),
        ("net_in_bps", &m.series.net_in_bps),
        ("net_out_bps", &m.series.net_out_bps),
        ("disk_read_bps", &m.series.disk_read_bps),
        ("disk_write_bps", &m.series.disk_write_bps),
        ("disk_read_iops", &m.series.disk_read_iops),
        ("disk_write_iops", &m.series.disk_write_iops),
    ] {
        assert_eq!(s.len() as i64, span / step, "{name}");
        assert!(s.iter().enumerate().all(|(i, (t, _))| *t == m.from + i as i64 * step), "{name}: one point per step");
        assert!(s.iter().filter_map(|(_, v)| *v).all(|v| v >= 0 && (name != "cpu_percent" || v <= 100)), "{name}: {s:?}");
    }
}

async fn a_running_instances_graphs_come_from_the_clouds_history_a_point_per_step(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("grapher@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "busy").await;

    let m = with_values(&c, &id, "1h", Duration::from_secs(100)).await;
    assert_eq!(m.source, MetricsSource::History);
    well_formed(&m, 3600, 60);
    let measured: Vec<_> = m.series.cpu_percent.iter().filter_map(|(t, v)| v.map(|v| (*t, v))).collect();
    assert!(!measured.is_empty(), "a running instance has values within a minute or two: {:?}", m.series.cpu_percent);
    assert!(m.series.cpu_percent[0].1.is_none(), "before the deploy nothing was measured");
    // The panel's point is the cloud's own sample for that minute, as the cloud reports it.
    let (t, cpu) = measured[0];
    let admin = app.admin_cloud();
    let at = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap();
    let history = admin.vm_usage_history(&id, at(t), at(t + 61)).await.unwrap();
    let cloud_cpu = history[0].stats.iter().find(|s| s.timestamp.unwrap().timestamp() == t + 60).expect("the minute's sample").cpuused;
    assert_eq!(Some(cpu), cloud_cpu.map(|c| c.round() as i64), "to the whole percent");
    assert!(m.series.net_out_bps.iter().any(|(_, v)| v.is_some_and(|v| v > 0)), "traffic while running");

    // Every range answers in its resolution.
    for (range, span, step) in [("24h", 86_400, 300), ("7d", 604_800, 1_800), ("30d", 2_592_000, 7_200)] {
        let r = c.post("/api/instances/metrics", json!({"id": id, "range": range})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        well_formed(&serde_json::from_value(r.body).unwrap(), span, step);
    }
    let bad = c.post("/api/instances/metrics", json!({"id": id, "range": "2h"})).await;
    assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (400, Some("range")));
    let other = app.customer("nosy@example.com").await;
    assert_eq!(other.post("/api/instances/metrics", json!({"id": id, "range": "1h"})).await.status, 404);
}

async fn without_the_history_the_panel_samples_the_counters_and_draws_their_differences(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--metrics-sample-secs", "10")).await;
    app.set_faults(json!({"refuse_commands": ["listVirtualMachinesUsageHistory"]})).await;
    let c = app.customer("legacy@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Miami"), Tier::Stamina, "old").await;

    let m = with_values(&c, &id, "1h", Duration::from_secs(60)).await;
    assert_eq!(m.source, MetricsSource::Samples);
    well_formed(&m, 3600, 60);
    assert!(m.series.cpu_percent.iter().any(|(_, v)| v.is_some()), "{:?}", m.series.cpu_percent);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM metric_samples WHERE vm_id = $1").bind(id.as_str()).fetch_one(&app.db.pool).await.unwrap();
    assert!(n >= 2, "the sampler keeps the counters: {n}");
}
