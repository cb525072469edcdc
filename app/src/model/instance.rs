use super::{Money, Tier};
use serde::{Deserialize, Serialize};

/// CloudStack's VM states, spelled as CloudStack spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstanceState {
    Starting,
    Running,
    Stopping,
    Stopped,
    Migrating,
    Destroyed,
    Expunging,
    Error,
    Shutdown,
    #[serde(other)]
    Unknown,
}

impl InstanceState {
    pub fn parse(s: &str) -> InstanceState {
        serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(InstanceState::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Starting => "Starting",
            InstanceState::Running => "Running",
            InstanceState::Stopping => "Stopping",
            InstanceState::Stopped => "Stopped",
            InstanceState::Migrating => "Migrating",
            InstanceState::Destroyed => "Destroyed",
            InstanceState::Expunging => "Expunging",
            InstanceState::Error => "Error",
            InstanceState::Shutdown => "Shutdown",
            InstanceState::Unknown => "Unknown",
        }
    }

    /// States in which the cloud is in the middle of something: actions wait.
    pub fn is_transitional(self) -> bool {
        matches!(self, InstanceState::Starting | InstanceState::Stopping | InstanceState::Migrating | InstanceState::Expunging)
    }

    /// Which actions make sense from this state (the cloud has the last word).
    pub fn allows(self, action: &Action) -> bool {
        use InstanceState::*;
        match action {
            Action::Start => matches!(self, Stopped | Shutdown),
            Action::Stop | Action::ForceStop => {
                matches!(self, Running | Starting | Stopping | Error)
            }
            Action::Reboot => self == Running,
            Action::ResetPassword | Action::Resize { .. } => self == Stopped,
            Action::Reinstall { .. } => matches!(self, Running | Stopped),
            Action::Destroy => !matches!(self, Destroyed | Expunging),
        }
    }
}

/// One row of the instance list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub zone_id: String,
    pub zone_name: String,
    pub state: InstanceState,
    pub ipv4: Option<String>,
    /// Canonical compressed form (RFC 5952), as `std::net::Ipv6Addr` prints it.
    pub ipv6: Option<String>,
    pub offering_id: String,
    pub offering_name: String,
    pub tier: Option<Tier>,
    /// RFC 3339, UTC.
    pub created: String,
}

/// A zone whose instances could not be listed, and why, in words for the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneError {
    pub zone_id: String,
    pub zone_name: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceList {
    pub instances: Vec<Instance>,
    pub zone_errors: Vec<ZoneError>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupRef {
    pub id: String,
    pub name: String,
}

/// Who did what to an instance, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub outcome: String,
}

/// Everything the instance page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceDetail {
    #[serde(flatten)]
    pub instance: Instance,
    pub cpu: u32,
    pub memory_mb: u32,
    pub template_id: String,
    pub template_name: String,
    pub password_enabled: bool,
    pub ssh_key: Option<String>,
    pub ipv4_gateway: Option<String>,
    pub ipv4_netmask: Option<String>,
    pub ipv6_prefix: Option<String>,
    pub ipv6_gateway: Option<String>,
    pub security_groups: Vec<SecurityGroupRef>,
    pub price_hourly: Option<Money>,
    /// The job still running on this instance, if any, so the page can follow it after a reload.
    pub pending_job: Option<String>,
    pub activity: Vec<ActivityEntry>,
}

/// `/api/instances/deploy` → where to follow the deploy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployAccepted {
    pub instance_id: String,
    pub job_id: String,
}

/// What a customer can do to an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Start,
    Stop,
    ForceStop,
    Reboot,
    ResetPassword,
    Reinstall { template_id: String },
    Resize { offering_id: String },
    Destroy,
}

impl Action {
    /// The wire name (`/api/instances/action {action}`) and the audit log's word for it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::ForceStop => "force_stop",
            Action::Reboot => "reboot",
            Action::ResetPassword => "reset_password",
            Action::Reinstall { .. } => "reinstall",
            Action::Resize { .. } => "resize",
            Action::Destroy => "destroy",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Action::Start => "Start",
            Action::Stop => "Stop",
            Action::ForceStop => "Force stop",
            Action::Reboot => "Reboot",
            Action::ResetPassword => "Reset password",
            Action::Reinstall { .. } => "Reinstall",
            Action::Resize { .. } => "Resize",
            Action::Destroy => "Destroy",
        }
    }

    /// Builds an action from the API's flat form; the error names what is missing or wrong.
    pub fn from_parts(action: &str, template_id: Option<String>, offering_id: Option<String>) -> Result<Action, String> {
        let need =
            |v: Option<String>, what: &str| v.filter(|s| !s.trim().is_empty()).ok_or_else(|| format!("The {action} action needs {what}."));
        Ok(match action {
            "start" => Action::Start,
            "stop" => Action::Stop,
            "force_stop" => Action::ForceStop,
            "reboot" => Action::Reboot,
            "reset_password" => Action::ResetPassword,
            "reinstall" => Action::Reinstall { template_id: need(template_id, "template_id")? },
            "resize" => Action::Resize { offering_id: need(offering_id, "offering_id")? },
            "destroy" => Action::Destroy,
            other => {
                return Err(format!(
                    "Unknown action {other:?}: use start, stop, force_stop, reboot, reset_password, reinstall, resize or destroy."
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_from_cloudstack_words_and_unknown_ones_do_not_fail() {
        assert_eq!(InstanceState::parse("Running"), InstanceState::Running);
        assert_eq!(InstanceState::parse("Hibernating"), InstanceState::Unknown);
    }

    #[test]
    fn actions_come_from_the_flat_api_form_with_specific_errors() {
        assert_eq!(Action::from_parts("force_stop", None, None).unwrap(), Action::ForceStop);
        assert!(Action::from_parts("resize", None, None).unwrap_err().contains("offering_id"));
        assert!(Action::from_parts("explode", None, None).unwrap_err().contains("Unknown action"));
    }

    #[test]
    fn password_reset_and_resize_need_a_stopped_instance() {
        assert!(!InstanceState::Running.allows(&Action::ResetPassword));
        assert!(InstanceState::Stopped.allows(&Action::Resize { offering_id: "x".into() }));
        assert!(!InstanceState::Stopped.allows(&Action::Reboot));
    }
}
