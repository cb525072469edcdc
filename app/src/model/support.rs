//! Support staff viewing a customer's panel: the modes, what `/api/auth/me` says about it, and the
//! customer's own controls over it.

use super::account::SecurityEvent;
use super::audit::{AuditAction, AuditOutcome};
use super::{AuditEntryId, CustomerId, Day, Email, ImpersonationId, InstanceId, InstanceState, Role, Timestamp, UserId, ZoneId};
use serde::{Deserialize, Serialize};

text_enum! {
    /// How much a support session may do. Read-only unless an admin asks for more.
    pub enum SupportMode {
        ReadOnly = "read_only",
        /// Instance actions and firewall changes; never the account's password, two-factor sign-in,
        /// email, API keys, SSH keys or closure.
        Acting = "acting",
    }
}

impl SupportMode {
    pub fn label(self) -> &'static str {
        match self {
            SupportMode::ReadOnly => "read-only",
            SupportMode::Acting => "acting",
        }
    }
}

text_enum! {
    /// Whether support may open the customer's panel without asking.
    pub enum SupportAccessMode {
        Always = "always",
        /// Only while the customer has allowed it (24 hours at a time).
        Consent = "consent",
    }
}

/// `/api/auth/me`'s `impersonating`: who the staff member is looking at, how, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impersonating {
    pub id: ImpersonationId,
    pub customer_id: CustomerId,
    pub customer_email: Email,
    /// The customer's own two-factor setting, as their account page shows it.
    pub customer_two_factor: bool,
    /// Whether the customer's address is confirmed (deploys may wait for it).
    #[serde(default)]
    pub customer_email_verified: bool,
    pub mode: SupportMode,
    pub expires_at: Timestamp,
    /// The staff member, as the banner names them.
    pub staff_email: Email,
}

impl SupportAccessMode {
    pub fn label(self) -> &'static str {
        match self {
            SupportAccessMode::Always => "Always",
            SupportAccessMode::Consent => "Only after I allow it",
        }
    }
}

/// How long a support session lasts; it cannot be extended.
pub const SESSION_MINUTES: i64 = 30;
/// The banner warns this many minutes before the end.
pub const WARNING_MINUTES: i64 = 5;
/// How long "Allow support for 24 hours" lasts.
pub const GRANT_HOURS: i64 = 24;

/// Why a staff member opens a customer's panel: required, one line, at most 500 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SupportReason(String);

impl SupportReason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<SupportReason, String> {
        let s = raw.trim();
        if s.chars().count() < 5 {
            return Err("Say why you need to look (at least 5 characters): the customer reads it.".into());
        }
        super::check_text(s, Self::MAX_CHARS, false)?;
        Ok(SupportReason(s.to_string()))
    }
}

text_newtype!(SupportReason, display);

/// A ticket reference: optional, at most 64 letters, digits and `- _ # . /`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ticket(String);

impl Ticket {
    pub const MAX_CHARS: usize = 64;

    /// `None` for an empty field.
    pub fn parse_optional(raw: &str) -> Result<Option<Ticket>, String> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        Ticket::parse(raw).map(Some)
    }

    pub fn parse(raw: &str) -> Result<Ticket, String> {
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 || n > Self::MAX_CHARS {
            return Err(format!("A ticket id is 1 to {} characters.", Self::MAX_CHARS));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_#./".contains(*c))) {
            return Err(format!("A ticket id uses letters, digits and - _ # . / only; '{}' is not allowed.", c.escape_default()));
        }
        Ok(Ticket(s.to_string()))
    }
}

text_newtype!(Ticket, display);

text_enum! {
    /// Why a support session ended. The words are what the customer's list and the audit log have
    /// always shown, so rows written before this type read as it.
    pub enum SupportSessionEnd {
        StoppedByStaff = "stopped by the staff member",
        StaffSignedOut = "the staff member signed out",
        StaffSessionEnded = "the staff member's session ended",
        Expired = "expired",
        NoLongerStaff = "the staff member is no longer staff",
        NoLongerAdmin = "the staff member is no longer an admin",
        StaffAccountChanged = "the staff member's account was changed",
        StaffRemoved = "the staff member was removed",
        AccessWithdrawn = "the customer withdrew support access",
    }
}

/// A customer as support finds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHit {
    pub id: CustomerId,
    pub email: Email,
    /// The CloudStack account, as the cloud names it.
    pub account: String,
    /// Why it matched, in words: "email", "instance web-01 (IPv6)", …
    pub matched: String,
}

/// One support session as the customer and staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportSessionView {
    pub id: ImpersonationId,
    pub staff_email: Email,
    pub staff_id: UserId,
    pub mode: SupportMode,
    /// As the staff member typed it.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    /// Whole minutes it lasted (so far).
    pub minutes: i64,
    /// What was done during it, in words.
    pub actions: Vec<String>,
}

/// `/api/support/customers/get`: what support sees of a customer before opening their panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: CustomerId,
    pub email: Email,
    /// The CloudStack account, as the cloud names it.
    pub account: String,
    pub signed_up: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in: Option<Timestamp>,
    pub two_factor: bool,
    pub support_access: SupportAccessMode,
    /// Until when the customer allows support (consent mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_until: Option<Timestamp>,
    /// May support open the panel now?
    pub viewable: bool,
    pub zones: Vec<ZoneInstances>,
    /// The account's latest security and support events, newest first.
    pub activity: Vec<SecurityEvent>,
}

/// A customer's instances in one zone, as the cloud lists them now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneInstances {
    pub zone_id: ZoneId,
    /// As the cloud names it.
    pub zone_name: String,
    pub instances: Vec<InstanceBrief>,
    /// The zone did not answer: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceBrief {
    pub id: InstanceId,
    /// As the cloud holds it (the customer chose it).
    pub name: String,
    pub state: InstanceState,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    /// The addresses' reverse DNS names, as Zenith keeps them (read-only here; the customer sets them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ptr_ipv4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ptr_ipv6: Option<String>,
}

/// `/api/account/support_access`: the customer's setting and every support session of their account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportAccess {
    pub mode: SupportAccessMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_until: Option<Timestamp>,
    pub sessions: Vec<SupportSessionView>,
}

/// One entry of the audit log as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: AuditEntryId,
    pub at: Timestamp,
    pub actor_email: Option<String>,
    pub actor_role: Option<Role>,
    pub customer_id: Option<CustomerId>,
    pub customer_email: Option<String>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    pub target_id: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    /// The support session it happened in.
    pub impersonation_id: Option<ImpersonationId>,
}

/// `/api/support/audit`: one page, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    pub page: u32,
    pub has_more: bool,
}

/// The audit view's filters, parsed: ids are ids, times are UTC instants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub customer: Option<CustomerId>,
    pub staff: Option<UserId>,
    /// UTC milliseconds, inclusive.
    pub from_ms: Option<i64>,
    /// UTC milliseconds, exclusive.
    pub to_ms: Option<i64>,
    pub action: Option<AuditAction>,
    /// From 1.
    pub page: u32,
}

impl AuditFilter {
    pub const PAGE_SIZE: u32 = 50;
    /// Pages beyond this are refused: narrow the filter (or download the CSV) instead.
    pub const MAX_PAGE: u32 = 1000;

    /// Parses the filters as typed (empty = no filter). Dates are `YYYY-MM-DD` (a whole UTC day, so
    /// `to` includes its day) or RFC 3339. Errors name their field.
    pub fn parse(
        customer: Option<&str>,
        staff: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        action: Option<&str>,
        page: Option<u32>,
    ) -> Result<AuditFilter, (&'static str, String)> {
        let some = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let customer = some(customer)
            .map(|c| CustomerId::parse(&c).map_err(|_| ("customer_id", "That is not a customer id.".to_string())))
            .transpose()?;
        let staff =
            some(staff).map(|s| UserId::parse(&s).map_err(|_| ("staff_id", "That is not a staff member's id.".to_string()))).transpose()?;
        let from_ms = some(from).map(|f| parse_instant(&f, false).map_err(|m| ("from", m))).transpose()?;
        let to_ms = some(to).map(|t| parse_instant(&t, true).map_err(|m| ("to", m))).transpose()?;
        if let (Some(f), Some(t)) = (from_ms, to_ms) {
            if t <= f {
                return Err(("to", "The end of the range is before its start.".into()));
            }
        }
        let action = some(action)
            .map(|a| AuditAction::parse(&a).ok_or_else(|| ("action", format!("There is no action called {a:?}."))))
            .transpose()?;
        let page = page.unwrap_or(1);
        if page == 0 || page > Self::MAX_PAGE {
            return Err(("page", format!("Pages go from 1 to {}; narrow the filters to see older entries.", Self::MAX_PAGE)));
        }
        Ok(AuditFilter { customer, staff, from_ms, to_ms, action, page })
    }
}

/// `YYYY-MM-DD` (the start of that UTC day, or with `end_of_day` the start of the next) or RFC 3339
/// with an offset, as UTC milliseconds.
pub fn parse_instant(s: &str, end_of_day: bool) -> Result<i64, String> {
    if let Ok(day) = Day::parse(s) {
        return Ok(if end_of_day { day.next() } else { day }.start().unix_ms());
    }
    Timestamp::parse(s).map(Timestamp::unix_ms).map_err(|_| format!("{s:?} is not a date: use YYYY-MM-DD (UTC) or a full RFC 3339 time."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_are_whole_utc_days_and_rfc3339_times_are_instants() {
        assert_eq!(parse_instant("1970-01-01", false), Ok(0));
        assert_eq!(parse_instant("1970-01-01", true), Ok(86_400_000));
        assert_eq!(parse_instant("2026-12-01", false), Ok(1_796_083_200_000));
        assert_eq!(parse_instant("2026-12-01T10:00:00Z", false), Ok(1_796_083_200_000 + 36_000_000));
        assert_eq!(parse_instant("2026-12-01T11:00:00+01:00", false), Ok(1_796_083_200_000 + 36_000_000));
        assert!(parse_instant("2024-02-29", false).is_ok());
        for bad in ["2023-02-29", "2026-13-01", "yesterday", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00"] {
            assert!(parse_instant(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_range_that_ends_before_it_starts_names_its_end() {
        let e = AuditFilter::parse(None, None, Some("2026-12-02"), Some("2026-12-01"), None, None).unwrap_err();
        assert_eq!(e.0, "to");
        let one_day = AuditFilter::parse(None, None, Some("2026-12-01"), Some("2026-12-01"), None, None).unwrap();
        assert_eq!(one_day.to_ms.unwrap() - one_day.from_ms.unwrap(), 86_400_000);
        assert_eq!(AuditFilter::parse(None, None, None, None, Some("sign_in"), Some(0)).unwrap_err().0, "page");
        assert_eq!(AuditFilter::parse(Some("not an id!"), None, None, None, None, None).unwrap_err().0, "customer_id");
        assert_eq!(AuditFilter::parse(None, None, None, None, Some("hack"), None).unwrap_err().0, "action");
    }

    #[test]
    fn a_reason_is_required_and_a_ticket_is_a_short_reference() {
        assert!(SupportReason::parse("  ").is_err());
        assert!(SupportReason::parse("slow disk on web-01").is_ok());
        assert!(SupportReason::parse(&"x".repeat(501)).is_err());
        assert!(SupportReason::parse("line\nbreak").is_err());
        assert_eq!(Ticket::parse_optional(""), Ok(None));
        assert_eq!(Ticket::parse_optional(" T-1 ").unwrap().unwrap().as_str(), "T-1");
        assert!(Ticket::parse_optional("=HYPERLINK(1)").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_an_instant_or_an_error_never_a_panic(s in "\\PC{0,40}") {
            let _ = parse_instant(&s, false);
            let _ = parse_instant(&s, true);
        }
    }
}
