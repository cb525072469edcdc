//! From what the cloud measured to what the graphs draw: rates from samples (the history's per-minute
//! amounts, or the differences of counters the panel sampled itself), then one value per step of the
//! range (min, average and max of the rates in each bucket; the graphs draw the average). A bucket
//! with nothing in it is `null`: the instance was stopped, or nothing was measured.

/// One measured interval, as rates: it ends at `at` (unix seconds) and lasted `secs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub at: i64,
    pub cpu_percent: f64,
    pub net_in_bps: f64,
    pub net_out_bps: f64,
    pub disk_read_bps: f64,
    pub disk_write_bps: f64,
    pub disk_read_iops: f64,
    pub disk_write_iops: f64,
}

/// What the history or a counter sample says, in CloudStack's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Amounts {
    pub net_read_kib: i64,
    pub net_write_kib: i64,
    pub disk_read_kib: i64,
    pub disk_write_kib: i64,
    pub disk_read_ops: i64,
    pub disk_write_ops: i64,
}

/// The stats collector's period when nothing says otherwise (`vm.stats.interval`, 60 s).
pub const COLLECTOR_SECS: i64 = 60;

impl Rates {
    /// `amounts` moved during `secs` seconds ending at `at`.
    pub fn of(at: i64, secs: i64, cpu_percent: f64, a: &Amounts) -> Rates {
        let secs = secs.max(1) as f64;
        let bits = |kib: i64| kib.max(0) as f64 * 1024.0 * 8.0 / secs;
        let per = |n: i64| n.max(0) as f64 / secs;
        Rates {
            at,
            cpu_percent: cpu_percent.clamp(0.0, 100.0),
            net_in_bps: bits(a.net_read_kib),
            net_out_bps: bits(a.net_write_kib),
            disk_read_bps: bits(a.disk_read_kib) / 8.0,
            disk_write_bps: bits(a.disk_write_kib) / 8.0,
            disk_read_iops: per(a.disk_read_ops),
            disk_write_iops: per(a.disk_write_ops),
        }
    }
}

/// One counter sample the panel took: when, the CPU share then, and the counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterSample {
    pub at: i64,
    pub cpu_percent: f64,
    pub counters: Amounts,
}

/// Rates between consecutive counter samples. A counter that went backwards restarted (the
/// instance was started again, or its host changed): its new value is what moved since, never
/// negative traffic. Samples further apart than `gap` secs (the sampler was down, or the instance
/// stopped between them) give no rate: a graph shows a gap, not an average over the hole.
pub fn from_counters(samples: &[CounterSample], gap: i64) -> Vec<Rates> {
    samples
        .windows(2)
        .filter(|w| w[1].at > w[0].at && w[1].at - w[0].at <= gap)
        .map(|w| {
            let (a, b) = (&w[0].counters, &w[1].counters);
            let d = |x: i64, y: i64| if y >= x { y - x } else { y };
            let moved = Amounts {
                net_read_kib: d(a.net_read_kib, b.net_read_kib),
                net_write_kib: d(a.net_write_kib, b.net_write_kib),
                disk_read_kib: d(a.disk_read_kib, b.disk_read_kib),
                disk_write_kib: d(a.disk_write_kib, b.disk_write_kib),
                disk_read_ops: d(a.disk_read_ops, b.disk_read_ops),
                disk_write_ops: d(a.disk_write_ops, b.disk_write_ops),
            };
            Rates::of(w[1].at, w[1].at - w[0].at, w[1].cpu_percent, &moved)
        })
        .collect()
}

/// The min, average and max of the values in one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

/// `points` (unix seconds, value; any order) in buckets of `step` secs from `from` (inclusive) to
/// `to` (exclusive): one entry per bucket, its start time and its summary, `None` when empty.
pub fn downsample(points: impl IntoIterator<Item = (i64, f64)>, from: i64, to: i64, step: i64) -> Vec<(i64, Option<Bucket>)> {
    let step = step.max(1);
    let n = ((to - from).max(0) + step - 1) / step;
    let mut acc: Vec<Option<(f64, f64, f64, u32)>> = vec![None; n as usize];
    for (t, v) in points {
        if t < from || t >= to || !v.is_finite() {
            continue;
        }
        let slot = &mut acc[((t - from) / step) as usize];
        *slot = Some(match *slot {
            None => (v, v, v, 1),
            Some((lo, sum, hi, k)) => (lo.min(v), sum + v, hi.max(v), k + 1),
        });
    }
    acc.into_iter()
        .enumerate()
        .map(|(i, a)| (from + i as i64 * step, a.map(|(lo, sum, hi, k)| Bucket { min: lo, avg: sum / k as f64, max: hi })))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_keeps_its_min_average_and_max_and_an_empty_one_is_null() {
        let b = downsample([(0, 1.0), (30, 3.0), (59, 5.0), (150, 7.0), (-1, 99.0), (180, 99.0)], 0, 180, 60);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], (0, Some(Bucket { min: 1.0, avg: 3.0, max: 5.0 })));
        assert_eq!(b[1], (60, None), "nothing measured: a gap, not a zero");
        assert_eq!(b[2], (120, Some(Bucket { min: 7.0, avg: 7.0, max: 7.0 })));
        assert_eq!(downsample([(0, f64::NAN)], 0, 60, 60)[0].1, None);
        // A range that is not a whole number of steps still covers its end.
        assert_eq!(downsample(Vec::new(), 0, 100, 60).len(), 2);
    }

    fn sample(at: i64, net: i64) -> CounterSample {
        CounterSample { at, cpu_percent: 10.0, counters: Amounts { net_read_kib: net, ..Default::default() } }
    }

    #[test]
    fn counters_become_rates_and_a_restart_is_not_negative_traffic() {
        let r = from_counters(&[sample(0, 1000), sample(60, 1600), sample(120, 300), sample(180, 900)], 180);
        let bps: Vec<f64> = r.iter().map(|r| r.net_in_bps).collect();
        // 600 KiB in a minute = 600 × 1024 × 8 / 60 bit/s.
        assert_eq!(bps[0], 600.0 * 8192.0 / 60.0);
        assert_eq!(bps[1], 300.0 * 8192.0 / 60.0, "the counter restarted: 300 KiB since");
        assert!(bps.iter().all(|b| *b >= 0.0));
        assert_eq!(r.iter().map(|r| r.at).collect::<Vec<_>>(), [60, 120, 180]);
    }

    #[test]
    fn samples_too_far_apart_leave_a_gap() {
        let r = from_counters(&[sample(0, 0), sample(60, 60), sample(3600, 120), sample(3660, 180)], 180);
        assert_eq!(r.iter().map(|r| r.at).collect::<Vec<_>>(), [60, 3660]);
    }

    #[test]
    fn history_amounts_are_rates_over_their_interval_and_cpu_stays_a_share() {
        let r = Rates::of(60, 60, 140.0, &Amounts { disk_read_kib: 60, disk_read_ops: 120, ..Default::default() });
        assert_eq!((r.cpu_percent, r.disk_read_bps, r.disk_read_iops), (100.0, 1024.0, 2.0));
    }
}
