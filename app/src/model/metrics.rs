//! An instance's graphs: what `/api/instances/metrics` answers for a range.
//!
//! Every series has one point per step of the range, `[unix_seconds, value]`, the value `null` where
//! nothing was measured (the instance was stopped, or had not been made yet): a graph shows a gap
//! there, never a made-up zero. Each range has the resolution it needs: a 30-day graph never ships a
//! sample per minute.

use serde::{Deserialize, Serialize};

text_enum! {
    /// The ranges the graphs offer.
    pub enum MetricsRange {
        Hour = "1h",
        Day = "24h",
        Week = "7d",
        Month = "30d",
    }
}

impl MetricsRange {
    pub fn seconds(self) -> i64 {
        match self {
            MetricsRange::Hour => 3_600,
            MetricsRange::Day => 86_400,
            MetricsRange::Week => 7 * 86_400,
            MetricsRange::Month => 30 * 86_400,
        }
    }

    /// One point per minute for an hour, per 5 minutes for a day, per 30 minutes for a week, per 2
    /// hours for 30 days: 60 to 360 points, enough for any screen's width.
    pub fn step_seconds(self) -> i64 {
        match self {
            MetricsRange::Hour => 60,
            MetricsRange::Day => 300,
            MetricsRange::Week => 1_800,
            MetricsRange::Month => 7_200,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MetricsRange::Hour => "1 hour",
            MetricsRange::Day => "24 hours",
            MetricsRange::Week => "7 days",
            MetricsRange::Month => "30 days",
        }
    }

    pub fn parse_wire(raw: &str) -> Result<MetricsRange, String> {
        MetricsRange::parse(raw.trim()).ok_or_else(|| "range is one of \"1h\", \"24h\", \"7d\" or \"30d\".".to_string())
    }
}

/// One point: unix seconds (the start of its step) and the value, `None` where nothing was measured.
/// Values are whole numbers (percent, bit/s, byte/s, operations/s): finer than any graph draws, and
/// the browser's JSON reader reads integers only (see `api::codec::reader`).
pub type Point = (i64, Option<i64>);

/// The seven series, each one point per step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Share of the instance's CPUs in use, 0 to 100.
    pub cpu_percent: Vec<Point>,
    /// Network traffic, bits per second.
    pub net_in_bps: Vec<Point>,
    pub net_out_bps: Vec<Point>,
    /// Disk traffic, bytes per second.
    pub disk_read_bps: Vec<Point>,
    pub disk_write_bps: Vec<Point>,
    /// Disk operations per second.
    pub disk_read_iops: Vec<Point>,
    pub disk_write_iops: Vec<Point>,
}

text_enum! {
    /// Where the numbers came from.
    pub enum MetricsSource {
        /// The cloud's own history (`listVirtualMachinesUsageHistory`, CloudStack 4.18+).
        History = "history",
        /// The panel's samples of the cloud's counters (older clouds).
        Samples = "samples",
    }
}

/// `/api/instances/metrics`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceMetrics {
    /// Unix seconds: the range is [from, to).
    pub from: i64,
    pub to: i64,
    pub step_seconds: i64,
    pub source: MetricsSource,
    pub series: Series,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_has_a_few_hundred_points_at_most() {
        for r in MetricsRange::ALL {
            let points = r.seconds() / r.step_seconds();
            assert!((60..=360).contains(&points), "{r}: {points}");
        }
        assert!(MetricsRange::parse_wire("2h").unwrap_err().contains("\"1h\""));
        assert_eq!(MetricsRange::parse_wire(" 7d ").unwrap(), MetricsRange::Week);
    }

    #[test]
    fn points_travel_as_pairs_with_null_for_nothing_measured() {
        let s = Series { cpu_percent: vec![(60, Some(12)), (120, None)], ..Default::default() };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["cpu_percent"], serde_json::json!([[60, 12], [120, null]]));
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(crate::api::codec::reader::from_str::<Series>(&text).unwrap(), s, "the browser reads what the server writes");
    }
}
