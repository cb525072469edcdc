use serde::{Deserialize, Serialize};

/// An instance name, which becomes its hostname: one RFC 1123 label as CloudStack accepts it —
/// ASCII letters, digits and hyphens, 1 to 63 characters, not starting or ending with a hyphen and not
/// starting with a digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

impl Hostname {
    pub fn parse(raw: &str) -> Result<Hostname, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Give the instance a name.".into());
        }
        if s.len() > 63 {
            return Err(format!("Use at most 63 characters ({} now).", s.chars().count()));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!("Only letters a–z, digits and hyphens are allowed; '{c}' is not."));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err("The name cannot start or end with a hyphen.".into());
        }
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("The name cannot start with a digit.".into());
        }
        Ok(Hostname(s.to_string()))
    }
}

text_newtype!(Hostname, display);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_labels_pass() {
        for ok in ["web", "web-01", "a", "DB-primary", &"x".repeat(63)] {
            assert!(Hostname::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn each_rule_has_its_own_message() {
        assert!(Hostname::parse("").unwrap_err().contains("name"));
        assert!(Hostname::parse("bad_name!").unwrap_err().contains("'_'"));
        assert!(Hostname::parse("-web").unwrap_err().contains("hyphen"));
        assert!(Hostname::parse("web-").unwrap_err().contains("hyphen"));
        assert!(Hostname::parse("1web").unwrap_err().contains("digit"));
        assert!(Hostname::parse(&"x".repeat(64)).unwrap_err().contains("63"));
        assert!(Hostname::parse("web.example.com").unwrap_err().contains("'.'"));
    }
}
