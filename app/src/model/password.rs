use serde::{Deserialize, Serialize};
use std::fmt;

/// A password someone wants to start using (sign-up, password change).
///
/// NIST SP 800-63B-4 for single-factor passwords: at least 15 characters, at most 256 (counted as
/// Unicode code points), no composition rules, kept exactly as typed (no trimming, no case folding).
/// Strength against dictionaries is judged on the server, which carries the dictionaries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 15;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!(
                "Use at least {} characters ({} so far). A few unrelated words make a strong, memorable password.",
                Self::MIN_CHARS,
                n
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        if raw.contains('\0') {
            return Err("A password cannot contain a NUL character.".into());
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print the password, not even in debug output.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

impl TryFrom<String> for NewPassword {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        NewPassword::parse(&s)
    }
}

impl From<NewPassword> for String {
    fn from(p: NewPassword) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_characters_is_the_minimum_and_the_message_counts_them() {
        let e = NewPassword::parse("fourteen chars").unwrap_err();
        assert!(e.contains("at least 15") && e.contains("14 so far"), "{e}");
        assert!(NewPassword::parse("fifteen chars!!").is_ok());
    }

    #[test]
    fn characters_not_bytes_are_counted_and_nothing_is_trimmed() {
        assert!(NewPassword::parse(&"é".repeat(15)).is_ok());
        assert_eq!(NewPassword::parse("  spaces count too  ").unwrap().expose(), "  spaces count too  ");
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        assert!(NewPassword::parse(&"x".repeat(256)).is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let p = NewPassword::parse("correct horse battery staple").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
