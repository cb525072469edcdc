//! Security notices: what happened to an account that its owner must hear about, whatever their
//! preferences (a new sign-in, a password or address change, two-factor sign-in turned on or off, a
//! recovery code used, support opening the account). Each is one message from the `notice`
//! templates: a headline, the facts, and what to do if it was not the customer.

use super::{template, MailKind, MailSettings, Outgoing};
use app::model::support::SupportMode;
use app::model::{Email, Timestamp};
use std::net::IpAddr;

/// Something that happened to the account.
#[derive(Debug, Clone)]
pub enum Notice<'a> {
    /// The password changed; `how` finishes "The password was …".
    PasswordChanged {
        how: &'static str,
    },
    TwoFactorOn,
    TwoFactorOff,
    RecoveryCodeUsed {
        left: usize,
    },
    /// A sign-in from a browser and address not seen on this account in 90 days.
    NewSignIn {
        browser: Option<&'a str>,
        address: Option<IpAddr>,
    },
    /// A change to `new` was asked for; sent to the old address while the new one is unconfirmed.
    EmailChangeRequested {
        new: &'a Email,
    },
    /// The address changed to `new`; sent to the old one.
    EmailChanged {
        new: &'a Email,
    },
    SupportOpened {
        staff: &'a Email,
        mode: SupportMode,
        reason: &'a str,
        until: Timestamp,
    },
    // The ones a customer may turn off (Account → Notifications).
    /// A deploy or an action on an instance failed; `why` is the customer's sentence.
    ActionFailed {
        action: &'a str,
        instance: Option<&'a str>,
        why: &'a str,
        link: Option<&'a str>,
    },
    StatementReady {
        month: &'a str,
        total: &'a str,
        link: &'a str,
    },
    /// This month's total (VAT included) reached a threshold the customer set.
    SpendCrossed {
        month: &'a str,
        threshold: &'a str,
        so_far: &'a str,
        link: &'a str,
    },
}

const NOT_YOU: &str = "If this was not you, reset your password from the sign-in page at once and contact support.";

impl Notice<'_> {
    pub fn kind(&self) -> MailKind {
        match self {
            Notice::PasswordChanged { .. } => MailKind::PasswordChanged,
            Notice::TwoFactorOn => MailKind::TwoFactorOn,
            Notice::TwoFactorOff => MailKind::TwoFactorOff,
            Notice::RecoveryCodeUsed { .. } => MailKind::RecoveryCodeUsed,
            Notice::NewSignIn { .. } => MailKind::NewSignIn,
            Notice::EmailChangeRequested { .. } => MailKind::EmailChangeRequested,
            Notice::EmailChanged { .. } => MailKind::EmailChanged,
            Notice::SupportOpened { .. } => MailKind::SupportOpened,
            Notice::ActionFailed { .. } => MailKind::ActionFailed,
            Notice::StatementReady { .. } => MailKind::StatementReady,
            Notice::SpendCrossed { .. } => MailKind::SpendCrossed,
        }
    }

    /// Security notices always go; the others only while the customer has them on.
    fn always(&self) -> bool {
        !matches!(self, Notice::ActionFailed { .. } | Notice::StatementReady { .. } | Notice::SpendCrossed { .. })
    }

    fn subject(&self, provider: &str) -> String {
        match self {
            Notice::PasswordChanged { how, .. } => format!("Your {provider} password was {}", how.split(' ').next().unwrap_or("changed")),
            Notice::TwoFactorOn => format!("Two-factor sign-in is now on for your {provider} account"),
            Notice::TwoFactorOff => format!("Two-factor sign-in was turned off on your {provider} account"),
            Notice::RecoveryCodeUsed { .. } => format!("A recovery code was used to sign in to {provider}"),
            Notice::NewSignIn { .. } => format!("New sign-in to your {provider} account"),
            Notice::EmailChangeRequested { .. } => format!("A new address was asked for your {provider} account"),
            Notice::EmailChanged { .. } => format!("Your {provider} account's address changed"),
            Notice::SupportOpened { .. } => format!("{provider} support opened your account"),
            Notice::ActionFailed { action, .. } => format!("A {} failed on {provider}", action.replace('_', " ")),
            Notice::StatementReady { month, .. } => format!("Your {provider} statement for {month} is ready"),
            Notice::SpendCrossed { threshold, month, .. } => format!("Your {provider} spending passed {threshold} in {month}"),
        }
    }

    /// The headline, the facts, and the advice.
    fn body(&self) -> (String, Vec<String>, &'static str) {
        match self {
            Notice::PasswordChanged { how } => (
                format!("Your password was {how}."),
                vec!["Every other session was signed out.".into()],
                NOT_YOU,
            ),
            Notice::TwoFactorOn => (
                "Two-factor sign-in is now on: signing in asks for a code from your authenticator app.".into(),
                vec!["Keep your recovery codes somewhere safe: they are the way in if you lose the phone.".into()],
                NOT_YOU,
            ),
            Notice::TwoFactorOff => (
                "Two-factor sign-in was turned off: your password alone now signs in.".into(),
                vec!["Every other session was signed out.".into()],
                NOT_YOU,
            ),
            Notice::RecoveryCodeUsed { left } => (
                "A recovery code was used instead of an authenticator code to sign in.".into(),
                vec![format!("{left} unused recovery code(s) are left; each works once.")],
                NOT_YOU,
            ),
            Notice::NewSignIn { browser, address } => (
                "Your account was signed in to from a browser and address not seen in the last 90 days.".into(),
                vec![
                    format!("Browser: {}", browser.map(short_agent).unwrap_or_else(|| "unknown".into())),
                    format!("Address: {}", address.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into())),
                ],
                "If this was you, there is nothing to do. If not, change your password and end the other sessions under Account.",
            ),
            Notice::EmailChangeRequested { new } => (
                format!("Someone signed in to your account asked to change its address to {new}."),
                vec!["Nothing changes unless the link we sent to the new address is followed within 24 hours.".into()],
                NOT_YOU,
            ),
            Notice::EmailChanged { new } => (
                format!("Your account's address is now {new}. Mail about the account goes there from now on."),
                vec![],
                NOT_YOU,
            ),
            Notice::SupportOpened { staff, mode, reason, until } => (
                format!("{staff} of support opened your account, {}.", mode.label()),
                vec![format!("Reason given: {reason}"), format!("The session ends by {} at the latest.", until.shown())],
                "You can see what support does in your security log, and end the session or withdraw support's access at any time under Account → Support access.",
            ),
            Notice::ActionFailed { action, instance, why, link } => (
                match instance {
                    Some(i) => format!("A {} of instance {i} failed.", action.replace('_', " ")),
                    None => format!("A {} failed.", action.replace('_', " ")),
                },
                [Some(format!("What the cloud said: {why}")), link.map(|l| format!("The instance: {l}"))].into_iter().flatten().collect(),
                "Nothing more happens on its own: try again from the panel, or contact support if it keeps failing.",
            ),
            Notice::StatementReady { month, total, link } => (
                format!("Your statement for {month} is final: {total}, VAT included."),
                vec![format!("Every line, and the CSV: {link}")],
                "Questions about a line? Contact support with the month and the line.",
            ),
            Notice::SpendCrossed { month, threshold, so_far, link } => (
                format!("Your spending in {month} has reached {so_far}, past the {threshold} you asked to hear about."),
                vec![format!("What each instance costs so far, and the month's forecast: {link}")],
                "This threshold will not be mailed again this month.",
            ),
        }
    }

    /// The message to `to`, as of `at`.
    pub fn render<'m>(&self, mail: &MailSettings, to: &'m Email, at: Timestamp) -> anyhow::Result<Outgoing<'m>> {
        let (headline, details, advice) = self.body();
        let always = self.always();
        let vars =
            minijinja::context! { provider => mail.provider, email => to.as_str(), at => at.shown(), headline, details, advice, always };
        template::render(self.kind(), to, self.subject(&mail.provider), vars)
    }
}

/// A user agent cut to something a person reads (and a line a mail client shows whole).
fn short_agent(agent: &str) -> String {
    let agent: String = agent.chars().filter(|c| !c.is_control()).take(120).collect();
    agent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MailSettings {
        MailSettings {
            from: "Zenith <noreply@example.net>".parse().unwrap(),
            transport: super::super::Transport::Files(std::env::temp_dir()),
            provider: "Example Cloud".into(),
            public_url: "https://panel.example.net".into(),
            announce_links: false,
        }
    }

    #[test]
    fn a_support_notice_names_who_how_why_and_until_when() {
        let to = Email::parse("ann@example.com").unwrap();
        let staff = Email::parse("sam@support.example.net").unwrap();
        let until = Timestamp::from_unix_ms(1_700_000_000_000);
        let n = Notice::SupportOpened { staff: &staff, mode: SupportMode::Acting, reason: "ticket #42 <urgent>", until };
        let m = n.render(&settings(), &to, Timestamp::from_unix_ms(1_699_999_000_000)).unwrap();
        assert_eq!(m.subject, "Example Cloud support opened your account");
        for part in ["sam@support.example.net", "ticket #42 <urgent>", &until.shown(), "withdraw support's access"] {
            assert!(m.text.contains(part), "{part} in {}", m.text);
        }
        assert!(m.html.contains("ticket #42 &lt;urgent&gt;"), "the reason is text in HTML: {}", m.html);
    }

    #[test]
    fn a_new_sign_in_shows_the_browser_without_control_characters() {
        let to = Email::parse("ann@example.com").unwrap();
        let n = Notice::NewSignIn { browser: Some("Evil\r\nBcc: x@example.org"), address: Some("2001:db8::1".parse().unwrap()) };
        let m = n.render(&settings(), &to, Timestamp::from_unix_ms(0)).unwrap();
        assert!(m.text.contains("Browser: EvilBcc: x@example.org") && m.text.contains("Address: 2001:db8::1"), "{}", m.text);
    }
}
