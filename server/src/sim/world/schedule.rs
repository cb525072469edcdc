//! When a snapshot policy fires: CloudStack's `intervaltype` and `schedule` read in the policy's time
//! zone (an IANA name, as CloudStack takes it), so "daily at 03:00 Europe/Amsterdam" is 02:00 UTC in
//! winter and 01:00 UTC in summer. A local time that does not exist (the spring-forward hour) fires at
//! the first instant after it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// A parsed `schedule` of one interval type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Hourly {
        minute: u32,
    },
    Daily {
        minute: u32,
        hour: u32,
    },
    /// `weekday`: CloudStack's 1 = Sunday … 7 = Saturday.
    Weekly {
        minute: u32,
        hour: u32,
        weekday: Weekday,
    },
    Monthly {
        minute: u32,
        hour: u32,
        day: u32,
    },
}

impl Schedule {
    pub fn parse(interval_type: &str, schedule: &str) -> Result<Schedule, String> {
        let parts: Vec<u32> = schedule
            .split(':')
            .map(|p| p.trim().parse::<u32>().map_err(|_| format!("Invalid schedule {schedule:?}: numbers separated by ':'")))
            .collect::<Result<_, _>>()?;
        let minute = |m: u32| if m < 60 { Ok(m) } else { Err(format!("Invalid minute {m} in schedule {schedule:?}")) };
        let hour = |h: u32| if h < 24 { Ok(h) } else { Err(format!("Invalid hour {h} in schedule {schedule:?}")) };
        match (interval_type.to_ascii_uppercase().as_str(), parts.as_slice()) {
            ("HOURLY", [m]) => Ok(Schedule::Hourly { minute: minute(*m)? }),
            ("DAILY", [m, h]) => Ok(Schedule::Daily { minute: minute(*m)?, hour: hour(*h)? }),
            ("WEEKLY", [m, h, d]) if (1..=7).contains(d) => {
                let weekday = Weekday::try_from((*d as u8 + 5) % 7).map_err(|_| format!("Invalid day {d}"))?;
                Ok(Schedule::Weekly { minute: minute(*m)?, hour: hour(*h)?, weekday })
            }
            ("MONTHLY", [m, h, d]) if (1..=28).contains(d) => Ok(Schedule::Monthly { minute: minute(*m)?, hour: hour(*h)?, day: *d }),
            ("HOURLY" | "DAILY" | "WEEKLY" | "MONTHLY", _) => {
                Err(format!("Invalid schedule {schedule:?} for {interval_type}: MM, MM:HH, MM:HH:D (1-7, Sunday first) or MM:HH:DD (1-28)"))
            }
            _ => Err(format!("Invalid intervaltype {interval_type:?}: HOURLY, DAILY, WEEKLY or MONTHLY")),
        }
    }

    /// The first time it fires strictly after `after`, in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let local = after.with_timezone(&tz).naive_local();
        // Candidates from the start of the current period on; the first one after `after` wins.
        let mut day = local.date();
        for _ in 0..800 {
            for candidate in self.on(day) {
                let at = resolve(tz, candidate);
                if at > after {
                    return at;
                }
            }
            day = day.succ_opt().unwrap_or(day);
        }
        after + Duration::days(3650)
    }

    /// The local times it fires on `day`, in order.
    fn on(&self, day: NaiveDate) -> Vec<NaiveDateTime> {
        let at = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).map(|t| day.and_time(t));
        match *self {
            Schedule::Hourly { minute } => (0..24).filter_map(|h| at(h, minute)).collect(),
            Schedule::Daily { minute, hour } => at(hour, minute).into_iter().collect(),
            Schedule::Weekly { minute, hour, weekday } => at(hour, minute).into_iter().filter(|_| day.weekday() == weekday).collect(),
            Schedule::Monthly { minute, hour, day: d } => at(hour, minute).into_iter().filter(|_| day.day() == d).collect(),
        }
    }
}

/// A local time as an instant: the earlier of an ambiguous (fall-back) time, and for a time that does
/// not exist (spring-forward) the same wall time an hour on.
fn resolve(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn daily_at_three_in_amsterdam_follows_summer_time() {
        let s = Schedule::parse("DAILY", "00:03").unwrap();
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        assert_eq!(s.next_after(utc("2026-12-07T12:00:00Z"), tz), utc("2026-12-08T02:00:00Z"));
        assert_eq!(s.next_after(utc("2026-07-01T00:30:00Z"), tz), utc("2026-07-01T01:00:00Z"));
        assert_eq!(s.next_after(utc("2026-07-01T01:00:00Z"), tz), utc("2026-07-02T01:00:00Z"), "strictly after");
    }

    #[test]
    fn weekly_counts_days_from_sunday_and_hourly_every_hour() {
        // 2026-12-07 is a Monday; 1 = Sunday, so 3 = Tuesday.
        let s = Schedule::parse("WEEKLY", "30:22:3").unwrap();
        assert_eq!(s.next_after(utc("2026-12-07T00:00:00Z"), Tz::UTC), utc("2026-12-08T22:30:00Z"));
        let h = Schedule::parse("HOURLY", "15").unwrap();
        assert_eq!(h.next_after(utc("2026-12-07T10:15:00Z"), Tz::UTC), utc("2026-12-07T11:15:00Z"));
        let m = Schedule::parse("MONTHLY", "0:4:28").unwrap();
        assert_eq!(m.next_after(utc("2026-12-07T00:00:00Z"), Tz::UTC), utc("2026-12-28T04:00:00Z"));
    }

    #[test]
    fn a_time_skipped_by_spring_forward_fires_an_hour_on() {
        let s = Schedule::parse("DAILY", "30:02").unwrap();
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // 2026-03-29 02:30 does not exist in Amsterdam (02:00 → 03:00): 03:30 CEST = 01:30 UTC.
        assert_eq!(s.next_after(utc("2026-03-28T12:00:00Z"), tz), utc("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        assert!(Schedule::parse("DAILY", "00:25").unwrap_err().contains("hour 25"));
        assert!(Schedule::parse("WEEKLY", "0:1:8").unwrap_err().contains("MM:HH:D"));
        assert!(Schedule::parse("YEARLY", "0").unwrap_err().contains("intervaltype"));
        assert!(Schedule::parse("DAILY", "a:b").unwrap_err().contains("numbers"));
    }
}
