//! Support staff viewing a customer's panel: the modes, what `/api/auth/me` says about it, and the
//! customer's own controls over it.

use super::{CustomerId, Email, ImpersonationId, UserId};
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
    pub customer_email: Email,
    pub mode: SupportMode,
    /// RFC 3339, UTC.
    pub expires_at: String,
    /// The staff member, as the banner names them.
    pub staff_email: Email,
}

/// A customer as support finds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHit {
    pub id: CustomerId,
    pub email: Email,
    pub account: String,
    /// Why it matched: "email", "instance web-01 (IPv6)", …
    pub matched: String,
}

/// One support session as the customer and staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportSessionView {
    pub id: ImpersonationId,
    pub staff_email: String,
    pub staff_id: UserId,
    pub mode: SupportMode,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Whole minutes it lasted (so far).
    pub minutes: i64,
    /// What was done during it, in words.
    pub actions: Vec<String>,
}
