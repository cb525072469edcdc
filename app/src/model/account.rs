use super::audit::{AuditAction, AuditOutcome};
use super::{Email, SessionId, Timestamp};
use serde::{Deserialize, Serialize};

text_enum! {
    /// What an account may do. Staff (support, admin) are made with `zenith staff add`, never by sign-up.
    pub enum Role {
        Customer = "customer",
        Support = "support",
        Admin = "admin",
    }
}

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Support | Role::Admin)
    }
}

/// `/api/auth/me`: who the panel is showing, and to whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: Email,
    pub role: Role,
    pub two_factor_enabled: bool,
    /// Whether the address is confirmed by its mailed link.
    pub email_verified: bool,
    /// Whether deploys wait for that (`ZENITH_EMAIL_VERIFICATION=required`).
    #[serde(default)]
    pub email_verification_required: bool,
    /// Present while a staff member views a customer's panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonating: Option<super::support::Impersonating>,
}

/// What the sign-in page reads of a [`LoginOutcome`]: whether a code comes next. (Signed in, the
/// panel loads afresh and asks who is signed in itself.)
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LoginStep {
    #[serde(default)]
    pub two_factor_required: bool,
}

/// Kept by `the_sign_in_page_reads_both_outcomes_of_a_sign_in`.
impl crate::api::codec::PartOf<LoginOutcome> for LoginStep {}

/// `/api/auth/login` when the password was right: either signed in, or one more step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOutcome {
    #[serde(default)]
    pub two_factor_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<Me>,
}

/// `/api/account/2fa/begin`: what an authenticator app needs. The secret is shown only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    /// Base32, for typing into an authenticator by hand.
    pub secret: String,
    /// The `otpauth://` link the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as SVG markup, drawn by the server.
    pub qr_svg: String,
}

/// `/api/account/2fa/confirm`: the recovery codes, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// One signed-in session of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: SessionId,
    pub created: Timestamp,
    pub last_seen: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub current: bool,
}

/// One line of the customer's security log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub at: Timestamp,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// Who did it, in words: "You", or the support staff member by name.
    pub actor: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// `/api/account/sessions/revoke` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub revoked: u64,
}

/// What a sign-in or sign-up form posted without JavaScript ended in, for the page it returns to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::error::AppError>,
    /// The email as typed, to fill the field again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The password was right: the code comes next.
    #[serde(default)]
    pub code_step: bool,
    /// The form did what it asked (a reset link asked for, a new password set, an address confirmed).
    #[serde(default)]
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_reads_both_outcomes_of_a_sign_in() {
        let me = Me {
            email: crate::model::Email::parse("a@example.com").unwrap(),
            role: Role::Customer,
            two_factor_enabled: false,
            email_verified: true,
            email_verification_required: false,
            impersonating: None,
        };
        for (outcome, code_next) in [
            (LoginOutcome { two_factor_required: true, me: None }, true),
            (LoginOutcome { two_factor_required: false, me: Some(me) }, false),
        ] {
            let json = serde_json::to_string(&outcome).unwrap();
            let step: LoginStep = crate::api::codec::reader::from_str(&json).unwrap();
            assert_eq!(step.two_factor_required, code_next, "{json}");
        }
    }
}
