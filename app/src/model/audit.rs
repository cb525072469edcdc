//! The words of the audit log: what kind of thing happened, what exactly, and how it ended. Stored as
//! these words, shown to customers (security log, activity) and staff (the audit view).

use super::JobKind;

text_enum! {
    /// Which part of the panel an entry belongs to.
    pub enum AuditCategory {
        Auth = "auth",
        Account = "account",
        Instance = "instance",
        Firewall = "firewall",
        Keys = "keys",
        Support = "support",
        Billing = "billing",
    }
}

text_enum! {
    /// What happened to an account, or in support: everything the log records besides what jobs do to
    /// instances (those are `JobKind`s).
    pub enum AuditEvent {
        SignUp = "sign_up",
        SignIn = "sign_in",
        SignOut = "sign_out",
        TwoFactorEnrolmentStarted = "two_factor_enrolment_started",
        /// A wrong code while turning two-factor sign-in on.
        TwoFactorEnrolment = "two_factor_enrolment",
        TwoFactorEnabled = "two_factor_enabled",
        /// A wrong password or code while turning two-factor sign-in off.
        TwoFactorDisable = "two_factor_disable",
        TwoFactorDisabled = "two_factor_disabled",
        /// A wrong current password while changing it.
        PasswordChange = "password_change",
        PasswordChanged = "password_changed",
        /// Reset through a link sent by email.
        PasswordReset = "password_reset",
        /// A wrong password where a security change asked for it again.
        PasswordConfirmation = "password_confirmation",
        SessionsRevoked = "sessions_revoked",
        /// The address confirmation link was mailed again.
        EmailConfirmationSent = "email_confirmation_sent",
        EmailConfirmed = "email_confirmed",
        /// A new address was asked for (its link mailed to it).
        EmailChangeRequested = "email_change_requested",
        EmailChanged = "email_changed",
        NotificationsChanged = "notifications_changed",
        /// The instance's console was opened (who, from where; view-only for read-only support).
        ConsoleOpened = "console_opened",
        /// An address's reverse DNS name was changed or reset (old → new, in the detail).
        PtrChanged = "ptr_changed",
        /// An instance's snapshot schedule was set, changed or removed (old → new, in the detail).
        SnapshotScheduleChanged = "snapshot_schedule_changed",
        GroupCreated = "group_created",
        GroupDeleted = "group_deleted",
        RulesAdded = "rules_added",
        RuleRemoved = "rule_removed",
        KeyAdded = "key_added",
        KeyGenerated = "key_generated",
        KeyDeleted = "key_deleted",
        ImpersonationStarted = "impersonation_started",
        ImpersonationStopped = "impersonation_stopped",
        ImpersonationRefused = "impersonation_refused",
        SupportAccessChanged = "support_access_changed",
        SupportAccessGranted = "support_access_granted",
        SupportAccessRevoked = "support_access_revoked",
        /// An admin downloaded the audit log.
        AuditExported = "audit_exported",
        UsageIngested = "usage_ingested",
    }
}

/// Everything the log records: an event, or the job an action on an instance started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Event(AuditEvent),
    Job(JobKind),
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Event(e) => e.as_str(),
            AuditAction::Job(k) => k.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditEvent::parse(s).map(AuditAction::Event).or_else(|| JobKind::parse(s).map(AuditAction::Job))
    }

    /// What a customer reads in their security log or an instance's activity.
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

impl From<AuditEvent> for AuditAction {
    fn from(e: AuditEvent) -> AuditAction {
        AuditAction::Event(e)
    }
}

impl From<JobKind> for AuditAction {
    fn from(k: JobKind) -> AuditAction {
        AuditAction::Job(k)
    }
}

impl serde::Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AuditAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        AuditAction::parse(&s).ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Str(&s), &"an audit action"))
    }
}

database_word!(AuditAction, |s| AuditAction::parse(s).ok_or_else(|| format!("unknown audit action {s:?}")), |v| v.as_str());

text_enum! {
    /// How it ended. Cloud actions are `requested` when Zenith sends them; their job says the rest.
    pub enum AuditOutcome {
        Succeeded = "succeeded",
        Failed = "failed",
        Requested = "requested",
        Refused = "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_maps_back_to_its_variant_and_unknown_words_are_refused() {
        for e in AuditEvent::ALL {
            assert_eq!(AuditAction::parse(e.as_str()), Some(AuditAction::Event(*e)));
        }
        for k in JobKind::ALL {
            assert_eq!(AuditAction::parse(k.as_str()), Some(AuditAction::Job(*k)));
        }
        assert_eq!(serde_json::to_string(&AuditOutcome::Requested).unwrap(), "\"requested\"");
        assert!(serde_json::from_str::<AuditCategory>("\"nonsense\"").unwrap_err().to_string().contains("expected one of `auth`"));
    }
}
