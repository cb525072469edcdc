//! Mail: what Zenith tells a customer by email, written to an outbox in the transaction that caused
//! it and delivered by a worker (`outbox`), over SMTP or, with no mail server configured, as `.eml`
//! files under the data directory (`transport`).
//!
//! Delivery is at least once and, in every case but one, exactly once: a server claims a message
//! (a conditional update, so two servers never hold it together, on SQLite and PostgreSQL alike)
//! before it sends; only a server that dies between the mail server's "250 OK" and marking the row
//! sent leaves it to be sent again when the claim runs out.

pub mod cli;
pub mod outbox;
pub mod repo;
pub mod template;
pub mod transport;

pub use outbox::{Delivered, Outgoing};
pub use transport::Transport;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// What kind of message a row is (its word in the outbox, for the admin's list and the metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    PasswordReset,
    PasswordChanged,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
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
