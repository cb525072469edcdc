//! A customer's schedule ↔ CloudStack's snapshot policy. CloudStack writes a daily policy's time as
//! `MM:HH` and a weekly one's as `MM:HH:D` (D from 1, Sunday, to 7, Saturday), numbers its intervals
//! 0 hourly, 1 daily, 2 weekly, 3 monthly, and reads the time in the policy's time zone. The panel
//! offers daily and weekly; a policy it did not make (hourly, monthly) reads as none and is replaced
//! when the customer sets a schedule.

use crate::cloud::types::SnapshotPolicy;
use app::model::snapshot::{Every, Keep, Schedule, TimeOfDay, TimeZoneName, Weekday};

/// What `createSnapshotPolicy` is given.
#[derive(Debug, PartialEq, Eq)]
pub struct Policy {
    pub interval_type: &'static str,
    pub schedule: String,
    pub max_snaps: u32,
    pub timezone: String,
}

pub fn to_policy(s: &Schedule) -> Policy {
    let (interval_type, schedule) = match (s.every, s.weekday) {
        (Every::Week, Some(d)) => ("WEEKLY", format!("{:02}:{:02}:{}", s.at.minute(), s.at.hour(), d.cloudstack_day())),
        _ => ("DAILY", format!("{:02}:{:02}", s.at.minute(), s.at.hour())),
    };
    Policy { interval_type, schedule, max_snaps: s.keep.get().into(), timezone: s.time_zone.to_string() }
}

/// The schedule a policy the panel made stands for; `None` for one it cannot show.
pub fn from_policy(p: &SnapshotPolicy) -> Option<Schedule> {
    let mut parts = p.schedule.split(':').map(|n| n.trim().parse::<u8>().ok());
    let (minute, hour) = (parts.next()??, parts.next()??);
    let at = TimeOfDay::new(hour, minute)?;
    let (every, weekday) = match (p.intervaltype?, parts.next()) {
        (1, None) => (Every::Day, None),
        (2, Some(d)) => (Every::Week, Some(Weekday::from_cloudstack_day(d?)?)),
        _ => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let keep = Keep::new(u32::try_from(p.maxsnaps?).ok()?).ok()?;
    Some(Schedule { every, at, weekday, time_zone: TimeZoneName::parse(&p.timezone).ok()?, keep })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(intervaltype: i64, schedule: &str, maxsnaps: i64, timezone: &str) -> SnapshotPolicy {
        SnapshotPolicy {
            id: "p-1".into(),
            volumeid: None,
            intervaltype: Some(intervaltype),
            schedule: schedule.into(),
            maxsnaps: Some(maxsnaps),
            timezone: timezone.into(),
        }
    }

    #[test]
    fn a_daily_and_a_weekly_schedule_become_cloudstacks_policies_and_come_back_the_same() {
        let daily = Schedule::parse("day", "03:05", None, "Europe/Amsterdam", 7).unwrap();
        let p = to_policy(&daily);
        assert_eq!(p, Policy { interval_type: "DAILY", schedule: "05:03".into(), max_snaps: 7, timezone: "Europe/Amsterdam".into() });
        assert_eq!(from_policy(&policy(1, &p.schedule, 7, &p.timezone)), Some(daily));

        let weekly = Schedule::parse("week", "23:30", Some("sunday"), "Asia/Tokyo", 4).unwrap();
        let p = to_policy(&weekly);
        assert_eq!((p.interval_type, p.schedule.as_str()), ("WEEKLY", "30:23:1"));
        assert_eq!(from_policy(&policy(2, &p.schedule, 4, &p.timezone)), Some(weekly));
    }

    #[test]
    fn policies_the_panel_does_not_offer_read_as_no_schedule() {
        assert_eq!(from_policy(&policy(0, "15", 8, "UTC")), None, "hourly");
        assert_eq!(from_policy(&policy(3, "00:01:15", 8, "UTC")), None, "monthly");
        assert_eq!(from_policy(&policy(2, "00:01", 8, "UTC")), None, "weekly without a day");
        assert_eq!(from_policy(&policy(1, "00:25", 8, "UTC")), None, "hour 25");
        assert_eq!(from_policy(&policy(1, "00:01", 20, "UTC")), None, "keeps more than the panel offers");
    }
}
