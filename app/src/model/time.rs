//! Time on the wire: an instant ([`Timestamp`], UTC) and a calendar day ([`Day`], UTC).
//!
//! Zenith keeps time as UTC milliseconds and shows it in UTC, so both types are integers inside and
//! RFC 3339 text outside (read with any offset, written in UTC) (`"2026-12-07T05:34:17Z"`, `"2026-12-07"`), exactly the strings the API
//! returned before it had types. The calendar arithmetic is Howard Hinnant's `days_from_civil` and its
//! inverse (public domain, exact for every proleptic Gregorian date): a few lines, where `chrono` would
//! add its formatting and time-zone code to the browser's download.

use serde::{Deserialize, Serialize};
use std::fmt;

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `digits` ASCII digits as a number, or `None`.
fn number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// "YYYY-MM-DD" as a day number, years 1970 to 9999.
fn parse_date(s: &str) -> Option<i64> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    if (y.len(), m.len(), d.len()) != (4, 2, 2) {
        return None;
    }
    let (y, m, d) = (number(y)? as i64, number(m)?, number(d)?);
    ((1970..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// An instant, to the millisecond; RFC 3339 on the wire, written in UTC to the second (`…Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_unix_ms(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn unix_ms(self) -> i64 {
        self.0
    }

    /// RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`), held as the UTC instant it names.
    pub fn parse(raw: &str) -> Result<Timestamp, String> {
        let s = raw.trim();
        Self::parse_rfc3339(s).ok_or_else(|| format!("{s:?} is not a time: use RFC 3339, as in 2026-12-07T05:34:17Z."))
    }

    fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let (date, rest) = s.split_once(['T', 't', ' '])?;
        let day = parse_date(date)?;
        let num = |x: &str| number(x).map(i64::from);
        let (clock, offset_ms) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else {
            let at = rest.rfind(['+', '-'])?;
            let (c, off) = rest.split_at(at);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (oh, om) = off[1..].split_once(':')?;
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 23 || om > 59 {
                return None;
            }
            (c, sign * (oh * 3_600_000 + om * 60_000))
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut parts = hms.split(':');
        let (h, m, sec) = (num(parts.next()?)?, num(parts.next()?)?, num(parts.next()?)?);
        if parts.next().is_some()
            || hms.len() != 8
            || h > 23
            || m > 59
            || sec > 59
            || frac.len() > 9
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let millis = frac.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |acc, b| acc * 10 + (b - b'0') as i64);
        Some(Timestamp(day * MS_PER_DAY + h * 3_600_000 + m * 60_000 + sec * 1000 + millis - offset_ms))
    }

    /// The day it falls on, in UTC.
    pub fn day(self) -> Day {
        Day(self.0.div_euclid(MS_PER_DAY))
    }

    /// "2026-12-07 05:34 UTC": how the panel shows a time.
    pub fn shown(self) -> String {
        let s = self.to_string();
        format!("{} {} UTC", &s[..10], &s[11..16])
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1000);
        let (day, in_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        write!(f, "{}T{:02}:{:02}:{:02}Z", Day(day), in_day / 3600, in_day % 3600 / 60, in_day % 60)
    }
}

/// A calendar day, UTC: `YYYY-MM-DD` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    pub fn parse(raw: &str) -> Result<Day, String> {
        parse_date(raw.trim()).map(Day).ok_or_else(|| format!("{raw:?} is not a day: use YYYY-MM-DD, as in 2026-12-07."))
    }

    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        parse_date(&format!("{year:04}-{month:02}-{day:02}")).map(Day)
    }

    /// The day after.
    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }

    /// Midnight at its start, UTC.
    pub fn start(self) -> Timestamp {
        Timestamp(self.0 * MS_PER_DAY)
    }

    /// The day of the month, 1 to 31.
    pub fn day_of_month(self) -> u32 {
        civil_from_days(self.0).2
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

macro_rules! text_on_the_wire {
    ($($name:ident),+) => {$(
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    )+};
}

text_on_the_wire!(Timestamp, Day);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_time_reads_and_writes_as_rfc_3339_in_utc() {
        let t = Timestamp::parse("2026-12-07T05:34:17Z").unwrap();
        assert_eq!(t.to_string(), "2026-12-07T05:34:17Z");
        assert_eq!(t.unix_ms(), 1_796_621_657_000);
        assert_eq!(Timestamp::parse("2026-12-07T05:34:17.250+00:00").unwrap().unix_ms(), 1_796_621_657_250);
        assert_eq!(Timestamp::parse("2026-12-07T06:34:17+01:00").unwrap(), t, "an offset names the same instant");
        assert_eq!(t.shown(), "2026-12-07 05:34 UTC");
        assert_eq!(t.day().to_string(), "2026-12-07");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-12-07T05:34:17Z\"");
    }

    #[test]
    fn what_is_not_a_time_or_a_real_day_is_refused() {
        for bad in [
            "2026-12-07T05:34:17",
            "2026-12-07T05:34:17+25:00",
            "2026-02-30T00:00:00Z",
            "2026-12-07T24:00:00Z",
            "2026-12-07T5:34:17Z",
            "yesterday",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        for bad in ["2026-2-01", "2025-02-29", "2026-13-01", "20261207", "1969-12-31"] {
            assert!(Day::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
    }

    proptest! {
        #[test]
        fn any_text_is_a_time_or_an_error_never_a_panic(s in "\\PC{0,40}") {
            let _ = Timestamp::parse(&s);
            let _ = Day::parse(&s);
        }

        /// Every instant this API writes reads back as itself, on the day it falls on.
        #[test]
        fn every_instant_survives_the_wire(ms in 0i64..253_402_300_799_000) {
            let t = Timestamp::from_unix_ms(ms / 1000 * 1000);
            prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
            let d = t.day();
            prop_assert_eq!(Day::parse(&d.to_string()).unwrap(), d);
            prop_assert!(d.start() <= t && t.unix_ms() - d.start().unix_ms() < MS_PER_DAY);
        }
    }
}
