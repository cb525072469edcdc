//! The words of the audit log: what kind of thing happened, what exactly, and how it ended. Stored as
//! these words, shown to customers (security log, activity) and staff (the audit view).

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
    /// Everything the log records.
    pub enum AuditAction {
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
        /// A wrong password where a security change asked for it again.
        PasswordConfirmation = "password_confirmation",
        SessionsRevoked = "sessions_revoked",
        Deploy = "deploy",
        Start = "start",
        Stop = "stop",
        ForceStop = "force_stop",
        Reboot = "reboot",
        ResetPassword = "reset_password",
        Reinstall = "reinstall",
        Resize = "resize",
        Destroy = "destroy",
        SetGroups = "set_groups",
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
        UsageIngested = "usage_ingested",
    }
}

impl AuditAction {
    /// What a customer reads in their security log or an instance's activity.
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

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
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
        assert_eq!(serde_json::to_string(&AuditOutcome::Requested).unwrap(), "\"requested\"");
        assert!(serde_json::from_str::<AuditCategory>("\"nonsense\"").unwrap_err().to_string().contains("expected one of auth"));
    }
}
