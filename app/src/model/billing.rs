//! Billing: statements built from the cloud's usage records, priced per offering with a monthly cap.

use super::{Day, InstanceId, LineId, Money, Tier, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// What a statement line bills.
    pub enum ResourceType {
        Instance = "instance",
        Snapshot = "snapshot",
    }
}

impl Default for ResourceType {
    fn default() -> ResourceType {
        ResourceType::Instance
    }
}

/// A calendar month, `YYYY-MM` (UTC): what a statement covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn parse(raw: &str) -> Result<Month, String> {
        let s = raw.trim();
        let bad = || format!("{s:?} is not a month: use YYYY-MM, as in 2026-12.");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.chars().chain(m.chars()).all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?);
        if !(1..=12).contains(&month) || !(2000..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { month: self.month + 1, ..self }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { month: self.month - 1, ..self }
        }
    }

    pub fn days(self) -> u32 {
        super::time::days_in_month(self.year as i64, self.month)
    }

    /// "December 2026".
    pub fn label(self) -> String {
        const NAMES: [&str; 12] =
            ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        format!("{} {}", NAMES[(self.month - 1) as usize], self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One line of a statement: one instance at one size in one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// Stable: the same line has the same id in every export.
    pub line_id: LineId,
    /// What is billed: an instance's hours at a size, or a snapshot's storage (then `instance_id` and
    /// `instance_name` are the snapshot's, `hours` are GiB-hours and `unit_price` is per GiB-month).
    #[serde(default)]
    pub resource_type: ResourceType,
    pub instance_id: InstanceId,
    /// The names as the cloud's usage records give them (an instance may be gone since).
    pub instance_name: String,
    pub zone: String,
    pub offering: String,
    pub tier: Option<Tier>,
    /// The first and last usage the line counts.
    pub usage_start: Timestamp,
    pub usage_end: Timestamp,
    pub hours: i64,
    pub unit_price: Money,
    pub monthly_cap: Money,
    pub cap_applied: bool,
    pub amount: Money,
    /// False when the size has no price in the price list (then it is billed at zero, and the
    /// operator is told in the log).
    pub priced: bool,
}

/// What a day added to the month's total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCost {
    pub day: Day,
    pub amount: Money,
}

/// `/api/billing/statement`: the customer's month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub month: Month,
    pub lines: Vec<StatementLine>,
    pub subtotal: Money,
    /// Basis points: 2100 is 21%.
    pub vat_rate_bp: u32,
    pub vat: Money,
    pub total: Money,
    /// The month is not over: a live preview of what has been used so far.
    pub preview: bool,
    /// How far the cloud had counted usage when this was made.
    pub counted_until: Option<Timestamp>,
    /// For a month in progress: the total if every instance that still exists runs to the month's end.
    pub forecast: Option<Money>,
    pub daily: Vec<DailyCost>,
}

/// The cost panel on an instance page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceCost {
    pub month: Month,
    /// The size's name, as the cloud gives it.
    pub offering: String,
    pub hours: i64,
    pub rate: Money,
    pub cap: Money,
    pub amount: Money,
    /// The day the cap was reached, if it was.
    pub cap_reached_on: Option<Day>,
    /// At this rate, in how many days the cap is reached (when it is still this month).
    pub cap_in_days: Option<i64>,
    pub counted_until: Option<Timestamp>,
    /// This month's cost of the instance's snapshots (kept or deleted since), when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<Money>,
}

/// `/api/admin/billing/ingest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestOutcome {
    pub records_added: u64,
}

#[cfg(test)]
mod month_tests {
    use super::*;

    #[test]
    fn months_are_yyyy_mm_and_nothing_else() {
        assert_eq!(Month::parse("2026-12"), Ok(Month { year: 2026, month: 12 }));
        assert_eq!(Month::parse("2026-12").unwrap().to_string(), "2026-12");
        for bad in ["2026-13", "2026-00", "2026-1", "26-12", "2026/12", "", "2026-12-01", "１９９９-01"] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Month::parse("2026-12").unwrap().next(), Month { year: 2027, month: 1 });
        assert_eq!(Month::parse("2027-01").unwrap().previous(), Month { year: 2026, month: 12 });
        assert_eq!(Month::parse("2028-02").unwrap().days(), 29);
        assert_eq!(Month::parse("2026-12").unwrap().label(), "December 2026");
    }
}
