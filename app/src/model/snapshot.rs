//! Snapshots of an instance's disk (its ROOT volume), and the schedule that takes them.
//!
//! A snapshot's state is CloudStack's word for it; the panel only needs to know when one is ready
//! (`BackedUp`: it can be reverted to, deleted or deployed from) and when it is on its way. A schedule
//! is what a customer thinks in — daily at a time or weekly on a day, in their time zone, keep N — and
//! the server translates it to CloudStack's snapshot policy and back, so it reads back exactly as set.

use super::{InstanceId, SnapshotId, Timestamp};
use serde::{Deserialize, Serialize};

text_enum! {
    /// CloudStack's snapshot states, spelled as CloudStack spells them.
    pub enum SnapshotState {
        Allocated = "Allocated",
        Creating = "Creating",
        CreatedOnPrimary = "CreatedOnPrimary",
        BackingUp = "BackingUp",
        BackedUp = "BackedUp",
        Copying = "Copying",
        Destroying = "Destroying",
        Destroyed = "Destroyed",
        Error = "Error",
        Hidden = "Hidden",
    }
}

impl SnapshotState {
    /// Ready to revert to, delete or deploy from.
    pub fn ready(self) -> bool {
        self == SnapshotState::BackedUp
    }

    /// Still being taken or copied: the list keeps watching it.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            SnapshotState::Allocated
                | SnapshotState::Creating
                | SnapshotState::CreatedOnPrimary
                | SnapshotState::BackingUp
                | SnapshotState::Copying
        )
    }

    /// What a customer reads next to the snapshot.
    pub fn label(self) -> &'static str {
        match self {
            SnapshotState::Allocated | SnapshotState::Creating | SnapshotState::CreatedOnPrimary => "Taking",
            SnapshotState::BackingUp | SnapshotState::Copying => "Copying to backup storage",
            SnapshotState::BackedUp => "Ready",
            SnapshotState::Destroying | SnapshotState::Destroyed | SnapshotState::Hidden => "Deleting",
            SnapshotState::Error => "Failed",
        }
    }
}

/// One snapshot, as `/api/snapshots/list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: SnapshotId,
    pub name: String,
    pub created: Timestamp,
    /// Bytes it takes on storage (what is billed), as CloudStack reports it.
    pub size_bytes: u64,
    pub state: SnapshotState,
    /// Taken by the schedule, not by hand.
    pub scheduled: bool,
}

/// `/api/snapshots/list`: the instance's snapshots, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotList {
    pub snapshots: Vec<Snapshot>,
}

/// `/api/snapshots/create`'s answer: the job taking it, and the snapshot's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotJob {
    pub job_id: super::JobId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<SnapshotId>,
}

/// The name a customer gives a snapshot: 1 to 64 printable characters (CloudStack allows 255; the
/// panel's list has room for 64).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SnapshotName(String);

impl SnapshotName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<SnapshotName, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Give the snapshot a name, such as before-upgrade.".into());
        }
        super::check_text(s, Self::MAX_CHARS, false)?;
        Ok(SnapshotName(s.to_string()))
    }
}

text_newtype!(SnapshotName, display);

text_enum! {
    /// How often a schedule takes a snapshot.
    pub enum Every {
        Day = "day",
        Week = "week",
    }
}

text_enum! {
    /// A day of the week, for a weekly schedule.
    pub enum Weekday {
        Monday = "monday",
        Tuesday = "tuesday",
        Wednesday = "wednesday",
        Thursday = "thursday",
        Friday = "friday",
        Saturday = "saturday",
        Sunday = "sunday",
    }
}

impl Weekday {
    /// CloudStack's number for it in a weekly policy's schedule: 1 is Sunday, 7 Saturday.
    pub fn cloudstack_day(self) -> u8 {
        match self {
            Weekday::Sunday => 1,
            Weekday::Monday => 2,
            Weekday::Tuesday => 3,
            Weekday::Wednesday => 4,
            Weekday::Thursday => 5,
            Weekday::Friday => 6,
            Weekday::Saturday => 7,
        }
    }

    pub fn from_cloudstack_day(d: u8) -> Option<Weekday> {
        Weekday::ALL.iter().copied().find(|w| w.cloudstack_day() == d)
    }

    pub fn label(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }
}

/// A time of day, `HH:MM` on the wire (24-hour clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay {
    hour: u8,
    minute: u8,
}

impl TimeOfDay {
    pub fn new(hour: u8, minute: u8) -> Option<TimeOfDay> {
        (hour < 24 && minute < 60).then_some(TimeOfDay { hour, minute })
    }

    pub fn parse(raw: &str) -> Result<TimeOfDay, String> {
        let s = raw.trim();
        let bad =
            || format!("{:?} is not a time of day: use HH:MM on a 24-hour clock, as in 03:00.", s.chars().take(20).collect::<String>());
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        TimeOfDay::new(h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }

    pub fn hour(self) -> u8 {
        self.hour
    }

    pub fn minute(self) -> u8 {
        self.minute
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        TimeOfDay::parse(&s)
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> String {
        t.to_string()
    }
}

/// An IANA time zone's name (`Europe/Amsterdam`, `UTC`), in its shape: the browser has no zone
/// database to hand (the panel's wasm does not carry one), so whether the zone exists is the
/// server's check, against the same tz database CloudStack's Java reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<TimeZoneName, String> {
        let s = raw.trim();
        let shaped = !s.is_empty()
            && s.len() <= 64
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
        if !shaped {
            return Err("Choose a time zone by its name, such as Europe/Amsterdam or UTC.".into());
        }
        Ok(TimeZoneName(s.to_string()))
    }
}

text_newtype!(TimeZoneName, display);

/// How many of a schedule's snapshots are kept: CloudStack's default limit per interval
/// (`snapshot.max.daily`, `snapshot.max.weekly`) is 8, and a policy asking for more is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Keep(u8);

impl Keep {
    pub const MAX: u8 = 8;

    pub fn new(n: u32) -> Result<Keep, String> {
        if n == 0 || n > Self::MAX as u32 {
            return Err(format!("Keep between 1 and {} snapshots.", Self::MAX));
        }
        Ok(Keep(n as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u32> for Keep {
    type Error = String;
    fn try_from(n: u32) -> Result<Keep, String> {
        Keep::new(n)
    }
}

impl From<Keep> for u32 {
    fn from(k: Keep) -> u32 {
        k.0 as u32
    }
}

/// A schedule, exactly as the customer set it and as it reads back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub every: Every,
    pub at: TimeOfDay,
    /// The day of a weekly schedule; absent from a daily one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<Weekday>,
    pub time_zone: TimeZoneName,
    pub keep: Keep,
}

impl Schedule {
    /// A schedule from its parts, as the wire or a form gives them: a weekly one needs its day, a
    /// daily one has none. Errors name the field.
    pub fn parse(every: &str, at: &str, weekday: Option<&str>, time_zone: &str, keep: u32) -> Result<Schedule, (&'static str, String)> {
        let every = Every::parse(every.trim()).ok_or(("every", "A schedule runs every \"day\" or every \"week\".".to_string()))?;
        let at = TimeOfDay::parse(at).map_err(|e| ("at", e))?;
        let weekday = match (every, weekday.map(str::trim).filter(|w| !w.is_empty())) {
            (Every::Day, None) => None,
            (Every::Day, Some(_)) => return Err(("weekday", "A daily schedule has no weekday; leave it out.".into())),
            (Every::Week, None) => return Err(("weekday", "Choose the day of the week a weekly snapshot is taken.".into())),
            (Every::Week, Some(w)) => Some(
                Weekday::parse(&w.to_ascii_lowercase())
                    .ok_or(("weekday", "Name a day of the week in English, such as sunday.".to_string()))?,
            ),
        };
        let time_zone = TimeZoneName::parse(time_zone).map_err(|e| ("time_zone", e))?;
        let keep = Keep::new(keep).map_err(|e| ("keep", e))?;
        Ok(Schedule { every, at, weekday, time_zone, keep })
    }

    /// "Every day at 03:00 (Europe/Amsterdam), keeping 7".
    pub fn summary(&self) -> String {
        let when = match (self.every, self.weekday) {
            (Every::Week, Some(d)) => format!("Every {} at {}", d.label(), self.at),
            _ => format!("Every day at {}", self.at),
        };
        let keep = self.keep.get();
        format!("{when} ({}), keeping the newest {keep}", self.time_zone)
    }
}

/// `/api/snapshots/schedule`: the instance's schedule, `null` when it has none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSchedule {
    pub instance_id: InstanceId,
    pub schedule: Option<Schedule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_reads_back_exactly_as_it_was_written() {
        let json = r#"{"every":"week","at":"03:30","weekday":"sunday","time_zone":"Europe/Amsterdam","keep":4}"#;
        let s: Schedule = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        let daily = r#"{"every":"day","at":"00:05","time_zone":"UTC","keep":7}"#;
        assert_eq!(serde_json::to_string(&serde_json::from_str::<Schedule>(daily).unwrap()).unwrap(), daily);
    }

    #[test]
    fn each_wrong_part_of_a_schedule_is_named() {
        let field = |r: Result<Schedule, (&'static str, String)>| r.unwrap_err().0;
        assert_eq!(field(Schedule::parse("month", "03:00", None, "UTC", 2)), "every");
        assert_eq!(field(Schedule::parse("day", "3:00", None, "UTC", 2)), "at");
        assert_eq!(field(Schedule::parse("day", "24:00", None, "UTC", 2)), "at");
        assert_eq!(field(Schedule::parse("week", "03:00", None, "UTC", 2)), "weekday");
        assert_eq!(field(Schedule::parse("day", "03:00", Some("monday"), "UTC", 2)), "weekday");
        assert_eq!(field(Schedule::parse("week", "03:00", Some("caturday"), "UTC", 2)), "weekday");
        assert_eq!(field(Schedule::parse("day", "03:00", None, "Europe/Amsterdam; rm", 2)), "time_zone");
        assert_eq!(field(Schedule::parse("day", "03:00", None, "UTC", 0)), "keep");
        assert_eq!(field(Schedule::parse("day", "03:00", None, "UTC", 9)), "keep");
        let s = Schedule::parse("week", "23:59", Some("Friday"), "America/Los_Angeles", 8).unwrap();
        assert_eq!(s.summary(), "Every Friday at 23:59 (America/Los_Angeles), keeping the newest 8");
    }

    #[test]
    fn weekdays_follow_cloudstacks_sunday_first_numbering() {
        assert_eq!(Weekday::Sunday.cloudstack_day(), 1);
        assert_eq!(Weekday::Saturday.cloudstack_day(), 7);
        for w in Weekday::ALL {
            assert_eq!(Weekday::from_cloudstack_day(w.cloudstack_day()), Some(*w));
        }
        assert_eq!(Weekday::from_cloudstack_day(0), None);
    }

    #[test]
    fn snapshot_names_are_short_plain_text() {
        assert_eq!(SnapshotName::parse("  before-upgrade ").unwrap().as_str(), "before-upgrade");
        assert!(SnapshotName::parse("").unwrap_err().contains("Give the snapshot a name"));
        assert!(SnapshotName::parse(&"x".repeat(65)).unwrap_err().contains("64"));
        assert!(SnapshotName::parse("a\u{7}b").unwrap_err().contains("control"));
    }
}
