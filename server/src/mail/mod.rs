//! Mail: what Zenith tells a customer by email, written to an outbox in the transaction that caused
//! it and delivered by a worker (`outbox`), over SMTP or, with no mail server configured, as `.eml`
//! files under the data directory (`transport`).
//!
//! Delivery is at least once and, in every case but one, exactly once: a server claims a message
//! (a conditional update, so two servers never hold it together, on SQLite and PostgreSQL alike)
//! before it sends; only a server that dies between the mail server's "250 OK" and marking the row
//! sent leaves it to be sent again when the claim runs out.

pub mod cli;
pub mod notice;
pub mod outbox;
pub mod repo;
pub mod template;
pub mod transport;

pub use notice::Notice;
pub use outbox::{Delivered, Outgoing};
pub use transport::Transport;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// What kind of message a row is (its word in the outbox, for the admin's list and the metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// A link to choose a new password.
    PasswordReset,
    /// A link to confirm the account's address.
    ConfirmEmail,
    /// A link, to a new address, that makes it the account's.
    ChangeEmail,
    // Security notices (see `notice`).
    PasswordChanged,
    TwoFactorOn,
    TwoFactorOff,
    RecoveryCodeUsed,
    NewSignIn,
    EmailChangeRequested,
    EmailChanged,
    SupportOpened,
    // Notices a customer may turn off.
    ActionFailed,
    StatementReady,
    SpendCrossed,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::ConfirmEmail => "confirm_email",
            MailKind::ChangeEmail => "change_email",
            MailKind::PasswordChanged => "password_changed",
            MailKind::TwoFactorOn => "two_factor_on",
            MailKind::TwoFactorOff => "two_factor_off",
            MailKind::RecoveryCodeUsed => "recovery_code_used",
            MailKind::NewSignIn => "new_sign_in",
            MailKind::EmailChangeRequested => "email_change_requested",
            MailKind::EmailChanged => "email_changed",
            MailKind::SupportOpened => "support_opened",
            MailKind::ActionFailed => "action_failed",
            MailKind::StatementReady => "statement_ready",
            MailKind::SpendCrossed => "spend_crossed",
        }
    }

    /// Whether messages of the kind named `word` carry a link that signs in or changes the account.
    pub fn holds_link(word: &str) -> bool {
        [MailKind::PasswordReset, MailKind::ConfirmEmail, MailKind::ChangeEmail].iter().any(|k| k.as_str() == word)
    }

    /// The templates (`templates/<name>.txt` and `.html`) a message of this kind is made from.
    fn template(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::ConfirmEmail | MailKind::ChangeEmail => "confirm_email",
            _ => "notice",
        }
    }
}

/// Where mail comes from and how it leaves.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub from: Mailbox,
    pub transport: Transport,
    /// How messages name the provider ("Zenith" unless configured).
    pub provider: String,
    /// The panel's address, for links (`{public_url}/reset?token=…`).
    pub public_url: String,
    /// `--demo`: each delivered message's links are printed to the log, so a fresh clone's "forgot
    /// password" works with nothing installed. Never on a real deployment: a link is a credential.
    pub announce_links: bool,
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies to a password reset.
#[derive(Clone, Debug)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// A stored message as the mail server receives it: `multipart/alternative` (plain text, HTML).
/// Every header is built by lettre from typed values (an address is an `Email`, which cannot hold a
/// line break; the subject is encoded), so nothing a customer typed can add a header.
pub fn build(from: &Mailbox, m: &repo::Queued) -> anyhow::Result<lettre::Message> {
    let to: Mailbox = m.to_address.as_str().parse()?;
    Ok(lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(m.body_text.clone(), m.body_html.clone()))?)
}
