//! The billing rule, in one place: an instance is billed for every hour it exists (running or
//! stopped: CloudStack's ALLOCATED_VM usage), per size it had; the hours of one size in one month are
//! added up and a partial hour is rounded up; the amount is hours × the hourly price, never more than
//! the size's monthly cap. Usage is counted in whole micro-hours (integers, as the cloud's six-decimal
//! `rawusage` strings give them), never floats, so sums reconcile exactly.

/// One hour, in micro-hours.
pub const HOUR: i64 = 1_000_000;

/// Snapshot storage is priced per GiB-month, a month being the average month's hours (8,760 ÷ 12),
/// as storage is priced across the industry: a GiB kept for 730 hours costs the GiB-month price.
pub const GIB_MONTH_HOURS: i64 = 730;
const GIB: i128 = 1 << 30;

/// Billed GiB-hours for `byte_micro_hours` (Σ size in bytes × micro-hours kept): partial GiB-hours
/// rounded up, once per line.
pub fn gib_hours(byte_micro_hours: i128) -> i64 {
    let per = GIB * HOUR as i128;
    i64::try_from((byte_micro_hours.max(0) + per - 1) / per).unwrap_or(i64::MAX)
}

/// What `gib_hours` of storage cost at `per_gib_month` minor units: rounded up to the minor unit.
pub fn storage_amount(gib_hours: i64, per_gib_month: i64) -> i64 {
    let cost = gib_hours as i128 * per_gib_month as i128;
    i64::try_from((cost + GIB_MONTH_HOURS as i128 - 1) / GIB_MONTH_HOURS as i128).unwrap_or(i64::MAX)
}

/// Rounding slack: the cloud writes each record's hours to six decimals, so a sum of many records
/// can land a few micro-hours above a whole hour that was really whole (a tenth of a second).
const SLACK: i64 = 100;

/// `rawusage` ("2.95288", "24", "0.016667") as micro-hours; `None` for anything that is not a plain
/// non-negative decimal.
pub fn micro_hours(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || whole.len() > 12 {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    // Beyond six decimals is below what the rule can see; digits past it are dropped.
    let mut micro = 0i64;
    for (i, c) in frac.chars().take(6).enumerate() {
        micro += (c as i64 - '0' as i64) * 10i64.pow(5 - i as u32);
    }
    whole.checked_mul(HOUR)?.checked_add(micro)
}

/// Billed hours for this much usage: partial hours rounded up.
pub fn billed_hours(micro: i64) -> i64 {
    if micro <= 0 {
        return 0;
    }
    (micro - SLACK + HOUR - 1).max(0) / HOUR
}

/// What `hours` at `hourly` cost, with the monthly cap: (amount, whether the cap applied).
pub fn amount(hours: i64, hourly: i64, cap: i64) -> (i64, bool) {
    let uncapped = hours.saturating_mul(hourly);
    if uncapped > cap {
        (cap, true)
    } else {
        (uncapped, false)
    }
}

/// Hours at `hourly` after which the cap is reached (`None` when the price is zero).
pub fn hours_to_cap(hourly: i64, cap: i64) -> Option<i64> {
    (hourly > 0).then(|| (cap + hourly - 1) / hourly)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn raw_usage_is_read_exactly() {
        assert_eq!(micro_hours("24"), Some(24 * HOUR));
        assert_eq!(micro_hours("2.95288"), Some(2_952_880));
        assert_eq!(micro_hours("0.016667"), Some(16_667));
        assert_eq!(micro_hours(".5"), Some(500_000));
        for bad in ["", ".", "-1", "1e3", "NaN", "1.2.3", "１"] {
            assert_eq!(micro_hours(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn partial_hours_round_up_but_six_decimal_noise_does_not() {
        assert_eq!(billed_hours(0), 0);
        assert_eq!(billed_hours(SLACK), 0, "a third of a second is rounding noise, not an hour");
        assert_eq!(billed_hours(SLACK + 1), 1, "anything more is an hour");
        assert_eq!(billed_hours(HOUR), 1);
        assert_eq!(billed_hours(HOUR + 1), 1, "a micro-hour of rounding is not a second hour");
        assert_eq!(billed_hours(HOUR + 2_000), 2, "seven seconds more is");
        // Sixty one-minute records as the cloud writes them sum to 1.00002 hours: one hour.
        let minutes: i64 = (0..60).map(|_| micro_hours("0.016667").unwrap()).sum();
        assert_eq!(billed_hours(minutes), 1);
    }

    #[test]
    fn the_cap_is_the_most_a_month_costs() {
        assert_eq!(amount(10, 2, 700), (20, false));
        assert_eq!(amount(350, 2, 700), (700, false));
        assert_eq!(amount(351, 2, 700), (700, true));
        assert_eq!(hours_to_cap(2, 700), Some(350));
        assert_eq!(hours_to_cap(3, 1000), Some(334));
        assert_eq!(hours_to_cap(0, 1000), None);
    }

    #[test]
    fn snapshot_storage_is_gib_hours_at_a_730_hour_month_rounded_up_once() {
        // 1.5 GiB kept 10 hours: 15 GiB-hours.
        assert_eq!(gib_hours(3 * GIB / 2 * 10 * HOUR as i128), 15);
        assert_eq!(gib_hours(1), 1, "any storage at all is a GiB-hour");
        assert_eq!(gib_hours(0), 0);
        // A GiB for the 730-hour month is the GiB-month price; for a 744-hour December a little more.
        assert_eq!(storage_amount(730, 5), 5);
        assert_eq!(storage_amount(744, 5), 6);
        assert_eq!(storage_amount(15, 5), 1, "a cent's fraction is a cent");
        assert_eq!(storage_amount(0, 5), 0);
    }

    proptest! {
        #[test]
        fn any_text_is_usage_or_none_never_a_panic(s in "\\PC{0,30}") {
            let _ = micro_hours(&s);
        }

        #[test]
        fn billed_hours_cover_the_usage(micro in 0i64..10_000 * HOUR) {
            let h = billed_hours(micro);
            prop_assert!(h * HOUR + SLACK >= micro);
            prop_assert!(micro == 0 || (h - 1) * HOUR < micro);
        }

        #[test]
        fn an_amount_never_exceeds_the_cap(hours in 0i64..100_000, hourly in 0i64..10_000, cap in 0i64..1_000_000) {
            let (a, capped) = amount(hours, hourly, cap);
            prop_assert!(a <= cap);
            prop_assert_eq!(capped, hours * hourly > cap);
        }
    }
}
