use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of something in the cloud or in Zenith (instance, zone, offering, job…), as received from a
/// caller. CloudStack ids are UUIDs today but were integers once, so they are treated as opaque: the
/// only promise is a short run of letters, digits and hyphens, which keeps garbage and injection
/// attempts out of every query and cloud call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntityId(String);

impl EntityId {
    pub fn parse(raw: &str) -> Result<EntityId, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("An id is required.".into());
        }
        if s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("That is not a valid id.".into());
        }
        Ok(EntityId(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EntityId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        EntityId::parse(&s)
    }
}

impl From<EntityId> for String {
    fn from(i: EntityId) -> String {
        i.0
    }
}

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

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        IdempotencyKey::parse(&s)
    }
}

impl From<IdempotencyKey> for String {
    fn from(i: IdempotencyKey) -> String {
        i.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_opaque_but_tame() {
        assert_eq!(EntityId::parse(" 6B0B5EA7-0a8a ").unwrap().as_str(), "6b0b5ea7-0a8a");
        assert!(EntityId::parse("1234").is_ok());
        assert!(EntityId::parse("").is_err());
        assert!(EntityId::parse("x&command=deleteAccount").is_err());
        assert!(EntityId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn idempotency_keys_are_uuid_like_tokens() {
        assert!(IdempotencyKey::parse("3f2b6a8e-2d1c-4c7e-9a55-0f2f3a7e1c11").is_ok());
        assert!(IdempotencyKey::parse("short").is_err());
        assert!(IdempotencyKey::parse("has spaces in it").is_err());
    }
}
