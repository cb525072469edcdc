use super::{InstanceId, OfferingId, SecurityGroupId, TemplateId, ZoneId};
use super::{JobId, JobKind, Money, Tier, Timestamp};
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
    const ALL: [InstanceState; 10] = [
        InstanceState::Starting,
        InstanceState::Running,
        InstanceState::Stopping,
        InstanceState::Stopped,
        InstanceState::Migrating,
        InstanceState::Destroyed,
        InstanceState::Expunging,
        InstanceState::Error,
        InstanceState::Shutdown,
        InstanceState::Unknown,
    ];

    /// CloudStack's word for the state; one the panel does not know is `Unknown`, not an error.
    pub fn parse(s: &str) -> InstanceState {
        Self::ALL.into_iter().find(|st| st.as_str() == s).unwrap_or(InstanceState::Unknown)
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

    /// Which actions make sense from this state (the cloud has the last word).
    pub fn allows(self, action: JobKind) -> bool {
        use InstanceState::*;
        match action {
            JobKind::Start => matches!(self, Stopped | Shutdown),
            JobKind::Stop | JobKind::ForceStop => matches!(self, Running | Starting | Stopping | Error),
            JobKind::Reboot => self == Running,
            JobKind::ResetPassword | JobKind::Resize | JobKind::SetGroups => self == Stopped,
            JobKind::Reinstall => matches!(self, Running | Stopped),
            JobKind::Destroy => !matches!(self, Destroyed | Expunging),
            JobKind::TakeSnapshot | JobKind::RevertSnapshot => matches!(self, Running | Stopped),
            JobKind::DeleteSnapshot => true,
            JobKind::Deploy => false,
        }
    }
}

/// One row of the instance list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub id: InstanceId,
    /// As the cloud holds it: chosen by the customer, or by whoever made it outside the panel.
    pub name: String,
    pub zone_id: ZoneId,
    /// The names of the zone and (below) the size, as the cloud gives them.
    pub zone_name: String,
    pub state: InstanceState,
    pub ipv4: Option<String>,
    /// Canonical compressed form (RFC 5952), as `std::net::Ipv6Addr` prints it.
    pub ipv6: Option<String>,
    pub offering_id: OfferingId,
    pub offering_name: String,
    pub tier: Option<Tier>,
    pub created: Timestamp,
    /// The job Zenith is following on this instance, if any: the panel shows what is happening
    /// ("Rebooting") and refreshes until it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<Busy>,
}

/// A job in progress on an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub job_id: JobId,
    pub kind: JobKind,
}

impl Instance {
    /// The state as the panel names it: the job in progress, else the cloud's state.
    pub fn state_label(&self) -> &'static str {
        match &self.busy {
            Some(b) => b.kind.busy_label(),
            None => self.state.as_str(),
        }
    }
}

/// A zone whose instances could not be listed, and why, in words for the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneError {
    pub zone_id: ZoneId,
    pub zone_name: String,
    /// Why, in the customer's words (see `cloud::error` on the server).
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceList {
    pub instances: Vec<Instance>,
    pub zone_errors: Vec<ZoneError>,
    /// How many instances there are in all: more than `instances` holds when only the first page was
    /// asked for (`first`).
    pub total: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupRef {
    pub id: SecurityGroupId,
    /// As the cloud holds it (`default` included).
    pub name: String,
}

/// Who did what to an instance, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub at: Timestamp,
    /// Who, in words: "You", "Support (name@example.com)".
    pub actor: String,
    pub action: super::audit::AuditAction,
    /// In words: `requested`, `succeeded`, `failed: <the cloud's reason>`.
    pub outcome: String,
}

/// Everything the instance page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceDetail {
    #[serde(flatten)]
    pub instance: Instance,
    pub cpu: u32,
    pub memory_mb: u32,
    pub template_id: TemplateId,
    /// As the cloud names the image.
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
    pub pending_job: Option<JobId>,
    pub activity: Vec<ActivityEntry>,
}

/// `/api/instances/console` → what a VNC client (noVNC) needs to open the instance's console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleAccess {
    /// `ws://` or `wss://`, with its path and `?token=…`: the cloud's console proxy, or, for a view-only
    /// session, the panel's relay (which drops every keystroke and pointer event).
    pub websocket_url: String,
    /// The single-use token (also in the URL, as CloudStack's proxy takes it).
    pub token: String,
    /// When the token stops opening a session (a session already open goes on).
    pub expires_at: super::Timestamp,
    /// Keystrokes do not reach the instance (a read-only support session).
    pub view_only: bool,
    /// The instance's name, so the console page needs no other load.
    pub instance_name: String,
}

/// The origin (`ws://host:port`) of a console's WebSocket address, for the console page's content
/// security policy; `None` unless it is a `ws:`/`wss:` address whose host is a name or an address.
pub fn websocket_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "ws" && scheme != "wss" {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!authority.is_empty() && !authority.contains('@') && authority.chars().all(plain)).then(|| format!("{scheme}://{authority}"))
}

/// `/api/instances/deploy` → where to follow the deploy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployAccepted {
    pub instance_id: InstanceId,
    pub job_id: JobId,
}

/// Cloud-init user data as typed (Zenith base64-encodes it for the cloud).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserData(String);

impl UserData {
    /// CloudStack 4.x takes 32 KiB of base64 by POST: 24 KiB before encoding.
    pub const MAX_BYTES: usize = 24 * 1024;

    pub fn parse(raw: &str) -> Result<UserData, String> {
        if raw.len() > Self::MAX_BYTES {
            return Err(format!("User data is {} KiB; the limit is {} KiB.", raw.len().div_ceil(1024), Self::MAX_BYTES / 1024));
        }
        super::check_text(raw, Self::MAX_BYTES, true)?;
        Ok(UserData(raw.to_string()))
    }
}

text_newtype!(UserData);

text_enum! {
    /// How the customer will sign in to a new instance.
    pub enum AccessChoice {
        /// A root password generated by the cloud and shown once.
        Password = "password",
        /// An SSH key pair registered in the account.
        SshKey = "ssh",
    }
}

impl AccessChoice {
    pub fn label(self) -> &'static str {
        match self {
            AccessChoice::Password => "Generated root password",
            AccessChoice::SshKey => "SSH key",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            AccessChoice::Password => "Shown once, right after the instance starts.",
            AccessChoice::SshKey => "A key pair registered in your account.",
        }
    }
}

/// What a customer can do to an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    ForceStop,
    Reboot,
    ResetPassword,
    Reinstall { template_id: TemplateId },
    Resize { offering_id: OfferingId },
    Destroy,
}

impl Action {
    pub fn kind(&self) -> JobKind {
        match self {
            Action::Start => JobKind::Start,
            Action::Stop => JobKind::Stop,
            Action::ForceStop => JobKind::ForceStop,
            Action::Reboot => JobKind::Reboot,
            Action::ResetPassword => JobKind::ResetPassword,
            Action::Reinstall { .. } => JobKind::Reinstall,
            Action::Resize { .. } => JobKind::Resize,
            Action::Destroy => JobKind::Destroy,
        }
    }

    /// The wire name (`/api/instances/action {action}`) and the audit log's word for it.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
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
}

/// `/api/instances/action` as it travels: `{action, template_id?, offering_id?}`. The page hands over
/// an [`Action`] and gets this by `From`; the server parses it back with an error naming the field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInput {
    /// The action's word, parsed by the server into an [`Action`] (an unknown word is refused there,
    /// naming this field).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering_id: Option<String>,
}

impl From<&Action> for ActionInput {
    fn from(a: &Action) -> ActionInput {
        let (template_id, offering_id) = match a {
            Action::Reinstall { template_id } => (Some(template_id.to_string()), None),
            Action::Resize { offering_id } => (None, Some(offering_id.to_string())),
            _ => (None, None),
        };
        ActionInput { action: a.name().to_string(), template_id, offering_id }
    }
}

impl ActionInput {
    /// Which instance action this is (without its arguments), or `(field, message)` when it is none.
    pub fn kind(&self) -> Result<JobKind, (&'static str, String)> {
        let action = self.action.trim();
        match JobKind::parse(action) {
            Some(k) if k.is_action() => Ok(k),
            _ => Err((
                "action",
                format!("Unknown action {action:?}: use start, stop, force_stop, reboot, reset_password, reinstall, resize or destroy."),
            )),
        }
    }

    /// The action, or `(field, message)` for what is missing or wrong.
    pub fn parse(&self) -> Result<Action, (&'static str, String)> {
        let action = self.action.trim();
        let need = |v: &Option<String>, field: &'static str| -> Result<String, (&'static str, String)> {
            v.clone().filter(|s| !s.trim().is_empty()).ok_or_else(|| (field, format!("The {action} action needs {field}.")))
        };
        Ok(match self.kind()? {
            JobKind::Start => Action::Start,
            JobKind::Stop => Action::Stop,
            JobKind::ForceStop => Action::ForceStop,
            JobKind::Reboot => Action::Reboot,
            JobKind::ResetPassword => Action::ResetPassword,
            JobKind::Destroy => Action::Destroy,
            JobKind::Reinstall => Action::Reinstall {
                template_id: TemplateId::parse(&need(&self.template_id, "template_id")?).map_err(|m| ("template_id", m))?,
            },
            JobKind::Resize => {
                Action::Resize { offering_id: OfferingId::parse(&need(&self.offering_id, "offering_id")?).map_err(|m| ("offering_id", m))? }
            }
            _ => return Err(("action", "Deploying, changing groups and snapshots are not instance actions.".into())),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_console_page_may_connect_to_the_origin_of_its_websocket_and_nothing_else() {
        use super::websocket_origin as o;
        assert_eq!(o("wss://console.ams.example.net/websockify?token=abc").as_deref(), Some("wss://console.ams.example.net"));
        assert_eq!(o("ws://127.0.0.1:8081/websockify?token=a").as_deref(), Some("ws://127.0.0.1:8081"));
        assert_eq!(o("ws://[2001:db8::1]:443?token=a").as_deref(), Some("ws://[2001:db8::1]:443"));
        assert_eq!(o("https://example.net/"), None);
        assert_eq!(o("ws://a; script-src *"), None);
        assert_eq!(o("ws://user@host/"), None);
        assert_eq!(o("ws:///path"), None);
    }

    use super::*;

    #[test]
    fn states_parse_from_cloudstack_words_and_unknown_ones_do_not_fail() {
        assert_eq!(InstanceState::parse("Running"), InstanceState::Running);
        assert_eq!(InstanceState::parse("Hibernating"), InstanceState::Unknown);
    }

    #[test]
    fn actions_come_from_the_flat_api_form_with_specific_errors() {
        let input = |a: &str| ActionInput { action: a.into(), ..Default::default() };
        assert_eq!(input("force_stop").parse().unwrap(), Action::ForceStop);
        assert_eq!(input("resize").parse().unwrap_err().0, "offering_id");
        assert!(input("explode").parse().unwrap_err().1.contains("Unknown action"));
        let resize = Action::Resize { offering_id: OfferingId::parse("o-1").unwrap() };
        assert_eq!(ActionInput::from(&resize).parse().unwrap(), resize, "the wire form round-trips");
    }

    #[test]
    fn password_reset_and_resize_need_a_stopped_instance() {
        assert!(!InstanceState::Running.allows(JobKind::ResetPassword));
        assert!(InstanceState::Stopped.allows(JobKind::Resize));
        assert!(!InstanceState::Stopped.allows(JobKind::Reboot));
    }
}
