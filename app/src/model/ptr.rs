//! Reverse DNS: the name an address answers `dig -x` with (its PTR record).
//!
//! One rule for a name, in the browser and on the server ([`PtrName::parse`]): a fully-qualified
//! host name in ASCII — at least two labels, each 1 to 63 letters, digits and hyphens, not starting
//! or ending with a hyphen, at most 253 characters, the top label not all digits — lower-cased, with
//! one trailing dot accepted and dropped. Internationalised names arrive here already converted to
//! their ASCII (`xn--`) form: the browser converts with its own URL parser (`new URL`), the server
//! with the `url` crate, and both follow the same WHATWG host rules (UTS #46), so a name is read the
//! same on both sides.

use serde::{Deserialize, Serialize};

/// Which of an instance's two addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }

    /// The wire word (`ipv4`, `ipv6`).
    pub fn parse(raw: &str) -> Result<Family, String> {
        match raw.trim() {
            "ipv4" => Ok(Family::Ipv4),
            "ipv6" => Ok(Family::Ipv6),
            other => Err(format!("family is \"ipv4\" or \"ipv6\", not {:?}.", other.chars().take(20).collect::<String>())),
        }
    }

    /// How the panel names it.
    pub fn label(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }

    /// The forward record that must name the address back: A for IPv4, AAAA for IPv6.
    pub fn forward_type(self) -> &'static str {
        match self {
            Family::Ipv4 => "A",
            Family::Ipv6 => "AAAA",
        }
    }
}

/// The longest name (RFC 1035, without the trailing dot).
pub const MAX_NAME: usize = 253;
/// The longest label.
pub const MAX_LABEL: usize = 63;

/// A PTR target as stored and served: lower case, ASCII, no trailing dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PtrName(String);

impl PtrName {
    /// The name as typed, once it is ASCII (see the module doc for internationalised names).
    pub fn parse(raw: &str) -> Result<PtrName, String> {
        let s = raw.trim();
        let s = s.strip_suffix('.').unwrap_or(s);
        if s.is_empty() {
            return Err("Give a host name, such as mail.example.com.".into());
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.')) {
            return Err(if c.is_whitespace() {
                "A host name has no spaces.".to_string()
            } else {
                format!("Only letters a–z, digits, hyphens and dots are allowed; '{c}' is not.")
            });
        }
        if s.len() > MAX_NAME {
            return Err(format!("Use at most {MAX_NAME} characters ({} now).", s.len()));
        }
        let labels: Vec<&str> = s.split('.').collect();
        if labels.iter().any(|l| l.is_empty()) {
            return Err("The name has an empty part: two dots in a row, or a dot at the start.".into());
        }
        if let Some(l) = labels.iter().find(|l| l.len() > MAX_LABEL) {
            return Err(format!("Each part between dots is at most {MAX_LABEL} characters; '{}…' has {}.", &l[..20], l.len()));
        }
        if let Some(l) = labels.iter().find(|l| l.starts_with('-') || l.ends_with('-')) {
            return Err(format!("A part cannot start or end with a hyphen: '{l}'."));
        }
        if labels.len() < 2 {
            return Err(format!("Give the full name, with its domain: '{s}.example.com', say."));
        }
        if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
            return Err("The last part of a host name cannot be a number (is it an address?).".into());
        }
        Ok(PtrName(s.to_ascii_lowercase()))
    }

    /// The name with its trailing dot, as DNS records write it.
    pub fn fqdn(&self) -> String {
        format!("{}.", self.0)
    }
}

text_newtype!(PtrName, display);
database_word!(PtrName, |s| PtrName::parse(s), |v| v.as_str());

/// One address's reverse name, as `/api/instances/ptr` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ptr {
    pub address: String,
    /// What DNS answers now (`None`: no PTR record answers).
    pub name: Option<PtrName>,
    /// The provider's pattern, not a name the customer set.
    pub default: bool,
}

/// `/api/instances/ptr`: both addresses (an instance without an IPv6 address has no `ipv6`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancePtrs {
    pub ipv4: Option<Ptr>,
    pub ipv6: Option<Ptr>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_stored_lower_case_without_its_trailing_dot() {
        assert_eq!(PtrName::parse(" Mail.Example.COM. ").unwrap().to_string(), "mail.example.com");
        assert_eq!(PtrName::parse("mail.example.com").unwrap().fqdn(), "mail.example.com.");
        assert_eq!(PtrName::parse("xn--bcher-kva.example").unwrap().to_string(), "xn--bcher-kva.example");
        let longest = format!("{}.{}.{}.{}", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));
        assert_eq!(longest.len(), MAX_NAME);
        assert!(PtrName::parse(&longest).is_ok());
    }

    #[test]
    fn each_rule_has_its_own_message() {
        let e = |s: &str| PtrName::parse(s).unwrap_err();
        assert!(e("").contains("Give a host name"));
        assert!(e("mail example.com").contains("no spaces"));
        assert!(e("mail_1.example.com").contains("'_'"));
        assert!(e("mail..example.com").contains("empty part"));
        assert!(e(".mail.example.com").contains("empty part"));
        assert!(e("mail.example.com..").contains("empty part"));
        assert!(e(&format!("{}.example.com", "a".repeat(64))).contains("at most 63"));
        assert!(e(&format!("{}.com", "a.".repeat(126))).contains("at most 253"));
        assert!(e("-mail.example.com").contains("hyphen"));
        assert!(e("mail-.example.com").contains("hyphen"));
        assert!(e("mail").contains("full name"));
        assert!(e("192.0.2.1").contains("number"));
    }

    #[test]
    fn families_are_the_wire_words() {
        assert_eq!(serde_json::to_string(&Family::Ipv6).unwrap(), "\"ipv6\"");
        assert_eq!(serde_json::from_str::<Family>("\"ipv4\"").unwrap(), Family::Ipv4);
        assert!(serde_json::from_str::<PtrName>("\"bad_name\"").is_err());
        assert_eq!(Family::Ipv6.forward_type(), "AAAA");
    }
}
