//! What a simulated VM is doing: plausible, deterministic load for the graphs. Each VM has its own
//! level (seeded by its id), follows a daily cycle (busiest in the afternoon, UTC), wobbles minute by
//! minute (noise seeded by the id and the minute), works hard for ten minutes after each start (boot,
//! package updates) and does nothing while it is not running. Time is the simulator's movable clock.
//!
//! CloudStack's stats collector samples a VM once a minute (`vm.stats.interval`); each sample's
//! network and disk figures are what moved during that minute (KiB, operations), `cpuused` the share
//! of its CPUs used. `listVirtualMachinesUsageHistory` returns those samples; the cumulative counters
//! of `listVirtualMachines(Metrics)` are their sums since the VM was made.

use super::{fxhash, Vm};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// One minute's sample: the CPU share and what moved during the minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub cpu_percent: f64,
    pub moved: Counters,
}

/// A number in [0, 1) from the VM's seed, the minute and which figure it is for.
fn noise(seed: u64, minute: i64, k: u64) -> f64 {
    let mut x = seed ^ (minute as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The run (its start) that covers any of the minute from `minute`, if the VM ran in it: the
/// collector's sample of a minute the VM started in is its first.
fn run_at(vm: &Vm, minute: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let end = minute + Duration::minutes(1);
    vm.running.iter().find(|s| s.start < end && minute < s.end.unwrap_or(now)).map(|s| s.start)
}

/// The sample of the minute starting at `minute` (a whole minute), `None` while it was not running.
pub fn sample(vm: &Vm, minute: DateTime<Utc>, now: DateTime<Utc>) -> Option<Sample> {
    let started = run_at(vm, minute, now)?;
    let seed = fxhash(&vm.id);
    let m = minute.timestamp() / 60;
    let level = 0.3 + (seed % 1000) as f64 / 1000.0 * 0.7;
    let day = (minute.timestamp().rem_euclid(86_400)) as f64 / 86_400.0;
    // 0 at 03:00 UTC, 1 at 15:00.
    let daily = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (day - 0.125)).cos();
    let since = (minute - started).num_seconds().max(0) as f64;
    let burst = if since < 600.0 { 1.0 - since / 600.0 } else { 0.0 };
    let n = |k| noise(seed, m, k);
    let cpu = (3.0 + 40.0 * daily * level + 12.0 * n(1) + 50.0 * burst).clamp(0.0, 100.0);
    let kib = |base: f64, k: u64| ((base * level * (0.2 + daily) + base * 0.3 * n(k) + base * 2.0 * burst) * 60.0).round() as i64;
    Some(Sample {
        at: minute,
        cpu_percent: (cpu * 100.0).round() / 100.0,
        moved: Counters {
            net_read_kib: kib(40.0, 2),
            net_write_kib: kib(120.0, 3),
            disk_read_kib: kib(200.0, 4),
            disk_write_kib: kib(90.0, 5),
            disk_read_ops: kib(0.25, 6),
            disk_write_ops: kib(0.5, 7),
        },
    })
}

/// Every minute's sample in [from, to), oldest first, skipping minutes it was not running.
pub fn samples(vm: &Vm, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Sample> {
    let to = to.min(now);
    let mut t = from.duration_trunc(Duration::minutes(1)).unwrap_or(from);
    let mut out = Vec::new();
    while t + Duration::minutes(1) <= to {
        if let Some(s) = sample(vm, t, now) {
            out.push(s);
        }
        t += Duration::minutes(1);
    }
    out
}

/// KiB and operations: what one minute moved, or (`counters`) every minute's added up since the VM
/// was made, as CloudStack's VM objects carry them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub net_read_kib: i64,
    pub net_write_kib: i64,
    pub disk_read_kib: i64,
    pub disk_write_kib: i64,
    pub disk_read_ops: i64,
    pub disk_write_ops: i64,
}

pub fn counters(vm: &Vm, now: DateTime<Utc>) -> Counters {
    let mut c = Counters::default();
    for run in &vm.running {
        for s in samples(vm, run.start, run.end.unwrap_or(now), now) {
            let m = s.moved;
            c.net_read_kib += m.net_read_kib;
            c.net_write_kib += m.net_write_kib;
            c.disk_read_kib += m.disk_read_kib;
            c.disk_write_kib += m.disk_write_kib;
            c.disk_read_ops += m.disk_read_ops;
            c.disk_write_ops += m.disk_write_ops;
        }
    }
    c
}
