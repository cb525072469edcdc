//! Identifiers, one type per kind, so an instance id can never be passed where a zone id is expected.
//!
//! CloudStack ids are UUIDs today but were integers once, and Zenith's own ids are UUIDs: all of them
//! are treated as opaque. The only promise is a short run of letters, digits and hyphens (lower-cased),
//! which keeps garbage and injection attempts out of every query and cloud call. On the wire each is a
//! plain JSON string, exactly as before they had types.

use serde::{Deserialize, Serialize};

/// The one rule every id follows.
fn parse_opaque(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("An id is required.".into());
    }
    if s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("That is not a valid id.".into());
    }
    Ok(s.to_ascii_lowercase())
}

/// Declares an id newtype: parsed once where it enters, a JSON string on the wire.
macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<$name, String> {
                parse_opaque(raw).map($name)
            }
        }

        text_newtype!($name, display);
        database_word!($name, |s| $name::parse(s), |v| v.as_str());
    )+};
}

id_type! {
    /// A CloudStack zone.
    ZoneId;
    /// A CloudStack service offering (a size).
    OfferingId;
    /// A CloudStack template (an operating system image).
    TemplateId;
    /// A CloudStack virtual machine.
    InstanceId;
    /// A Zenith job following a cloud job (`/api/jobs/get`).
    JobId;
    /// A CloudStack security group.
    SecurityGroupId;
    /// One rule of a security group.
    RuleId;
    /// A Zenith account (customer or staff).
    UserId;
    /// A customer: the user whose cloud resources a request acts on.
    CustomerId;
    /// One signed-in session (a row of `auth_sessions`).
    SessionId;
    /// One support session: a staff member viewing a customer's panel.
    ImpersonationId;
    /// One entry of the audit log.
    AuditEntryId;
    /// One line of a statement: the same in every export of it.
    LineId;
    /// A CloudStack volume snapshot.
    SnapshotId;
}

impl CustomerId {
    /// A customer is a user: the same id, seen as the owner of cloud resources.
    pub fn of_user(user: &UserId) -> CustomerId {
        CustomerId(user.0.clone())
    }

    pub fn user(&self) -> UserId {
        UserId(self.0.clone())
    }
}

#[cfg(feature = "ssr")]
impl UserId {
    /// A fresh random id for a new account.
    pub fn new_random() -> UserId {
        UserId(new_uuid())
    }
}

#[cfg(feature = "ssr")]
impl SessionId {
    pub fn new_random() -> SessionId {
        SessionId(new_uuid())
    }
}

#[cfg(feature = "ssr")]
impl JobId {
    pub fn new_random() -> JobId {
        JobId(new_uuid())
    }
}

#[cfg(feature = "ssr")]
impl ImpersonationId {
    pub fn new_random() -> ImpersonationId {
        ImpersonationId(new_uuid())
    }
}

#[cfg(feature = "ssr")]
fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The name of an SSH key pair, as customers choose it and CloudStack keys it (unique per account).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SshKeyName(String);

impl SshKeyName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<SshKeyName, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Give the key a name.".into());
        }
        let n = s.chars().count();
        if n > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters ({n} now).", Self::MAX_CHARS));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.@".contains(*c))) {
            return Err(format!("Use letters, digits and - _ . @ only; '{}' is not allowed.", c.escape_default()));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("Start the name with a letter or a digit.".into());
        }
        Ok(SshKeyName(s.to_string()))
    }
}

text_newtype!(SshKeyName, display);

/// What makes a deploy (or any other create) safe to submit twice: the client picks it once per
/// intent, the server records it before calling the cloud and answers a repeat with the first result.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<IdempotencyKey, String> {
        let s = raw.trim();
        if s.len() < 8 || s.len() > 100 || !s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) {
            return Err("idempotency_key must be 8 to 100 letters, digits or -_.: (a UUID works).".into());
        }
        Ok(IdempotencyKey(s.to_string()))
    }
}

text_newtype!(IdempotencyKey);
database_word!(IdempotencyKey, |s| IdempotencyKey::parse(s), |v| v.as_str());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_opaque_but_tame() {
        assert_eq!(InstanceId::parse(" 6B0B5EA7-0a8a ").unwrap().as_str(), "6b0b5ea7-0a8a");
        assert!(ZoneId::parse("1234").is_ok());
        assert!(ZoneId::parse("").is_err());
        assert!(InstanceId::parse("x&command=deleteAccount").is_err());
        assert!(InstanceId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn ids_travel_as_plain_json_strings_and_are_checked_on_the_way_in() {
        let id = InstanceId::parse("abc-1").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"abc-1\"");
        assert_eq!(serde_json::from_str::<InstanceId>("\"ABC-1\"").unwrap(), id);
        assert!(serde_json::from_str::<InstanceId>("\"a b\"").is_err());
    }

    #[test]
    fn key_names_say_what_is_wrong() {
        assert!(SshKeyName::parse("laptop-2026").is_ok());
        assert!(SshKeyName::parse("me@work.example").is_ok());
        assert_eq!(SshKeyName::parse("  ").unwrap_err(), "Give the key a name.");
        assert!(SshKeyName::parse("my key").unwrap_err().contains("' '"));
        assert!(SshKeyName::parse("-rf").unwrap_err().contains("Start the name"));
        assert!(SshKeyName::parse(&"k".repeat(65)).unwrap_err().contains("64"));
        assert!(SshKeyName::parse("nul\0byte").unwrap_err().contains("\\u{0}"));
    }

    #[test]
    fn idempotency_keys_are_uuid_like_tokens() {
        assert!(IdempotencyKey::parse("3f2b6a8e-2d1c-4c7e-9a55-0f2f3a7e1c11").is_ok());
        assert!(IdempotencyKey::parse("short").is_err());
        assert!(IdempotencyKey::parse("has spaces in it").is_err());
    }
}
