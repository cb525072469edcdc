//! Plain data shared by the browser and the server: values that can only hold valid contents
//! (`Email`, `Hostname`, `NewPassword`, ids, CIDRs), closed sets as enums, and the shapes the HTTP API
//! returns.
//!
//! No I/O here: this module compiles to wasm, and the same parsers validate a form as the user types
//! and the request when it reaches the server.

/// A closed set of words: an enum whose one text mapping (database, JSON, logs) sits next to it.
/// Serialised as its word; an unknown word is an error, never a silent default.
macro_rules! text_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                // serde's own "unknown variant" error: it names the words to the API caller, and the
                // browser's reader skips its formatting.
                $name::parse(&s).ok_or_else(|| serde::de::Error::unknown_variant(&s, &[$($s),+]))
            }
        }

        database_word!($name, |s| $name::parse(s).ok_or_else(|| format!("unknown {} {s:?}", stringify!($name))), |v| v.as_str());
    };
}

/// A value stored as a text column (a closed set's word, an id): a sqlx type on the server, so a
/// repo binds and reads it as itself and a word that is not one of the set fails the read, naming
/// it, instead of each repo parsing by hand (as crates.io's `pg_enum!` does for its enums).
macro_rules! database_word {
    ($name:ident, |$s:ident| $parse:expr, |$v:ident| $text:expr) => {
        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let $v = self;
                <String as sqlx::Encode<'q, DB>>::encode(String::from($text), buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let $s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok($parse?)
            }
        }
    };
}

/// The conversions every text newtype has (`Email`, `Hostname`, …): made only through its `parse`
/// (also when deserialised), readable as `&str`, back to a `String`. `display` adds `Display`, for the
/// ones that may be printed (not passwords).
macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
    ($name:ident, display) => {
        text_newtype!($name);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub mod account;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod email;
pub mod firewall;
pub mod hostname;
pub mod ids;
pub mod instance;
pub mod job;
pub mod keyboard;
pub mod keys;
pub mod metrics;
pub mod money;
pub mod notifications;
pub mod password;
pub mod ptr;
pub mod snapshot;
pub mod support;
pub mod text;
pub mod time;

pub use account::{Me, Role};
pub use catalog::{Offering, Template, Tier, Zone};
pub use email::Email;
pub use hostname::Hostname;
pub use ids::*;
pub use instance::{Action, DeployAccepted, Instance, InstanceDetail, InstanceList, InstanceState, ZoneError};
pub use job::{Backoff, JobKind, JobStatus, JobView};
pub use money::{Currency, Money};
pub use password::NewPassword;
pub use time::{Day, Timestamp};

/// Refuses text that cannot be stored faithfully: a NUL byte is not text (PostgreSQL refuses it outright),
/// and other control characters in a one-line field are a mistake or an attack.
pub fn check_text(raw: &str, max_chars: usize, multiline: bool) -> Result<(), String> {
    if raw.chars().count() > max_chars {
        return Err(format!("Use at most {max_chars} characters."));
    }
    if raw.contains('\0') {
        return Err("This contains a NUL character, which is not allowed.".into());
    }
    if raw.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err("This contains control characters, which are not allowed.".into());
    }
    Ok(())
}
