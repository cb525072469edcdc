use serde::{Deserialize, Serialize};

/// An email address as Zenith stores it: trimmed, lower-cased, and shaped like `local@domain.tld`.
///
/// This is deliberately not a full RFC 5322 parser: it accepts what mail systems deliver in practice
/// and rejects what is certainly a typo, with a message that says which.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = super::text::lowercase(raw.trim());
        if s.is_empty() {
            return Err("Enter your email address.".into());
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err("That email address is too long.".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("An email address cannot contain spaces.".into());
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("That email address is missing an @.".into());
        };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err("The part before the @ is not valid.".into());
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err("The part before the @ cannot start or end with a dot, or have two dots in a row.".into());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err("The domain after the @ needs a dot, as in example.com.".into());
        }
        let label_ok = |l: &str| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if !labels.iter().all(|l| label_ok(l)) {
            return Err("The domain after the @ is not valid.".into());
        }
        Ok(Email(s))
    }
}

text_newtype!(Email, display);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Alice@Example.COM ").unwrap().as_str(), "alice@example.com");
    }

    #[test]
    fn each_kind_of_typo_gets_its_own_message() {
        assert_eq!(Email::parse("").unwrap_err(), "Enter your email address.");
        assert_eq!(Email::parse("alice.example.com").unwrap_err(), "That email address is missing an @.");
        assert!(Email::parse("alice@localhost").unwrap_err().contains("needs a dot"));
        assert!(Email::parse("al ice@example.com").unwrap_err().contains("spaces"));
        assert!(Email::parse("@example.com").unwrap_err().contains("before the @"));
        assert!(Email::parse("alice@-x.com").unwrap_err().contains("domain"));
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn international_domains_and_plus_addressing_are_accepted() {
        assert!(Email::parse("ops+zenith@bücher.de").is_ok());
        assert!(Email::parse("first.last@sub.example.co.uk").is_ok());
    }
}

database_word!(Email, |s| Email::parse(s), |v| v.as_str());
