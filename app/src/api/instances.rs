//! `/api/instances/*` and `/api/jobs/get`: the customer's instances and the cloud jobs acting on them.

// A server function's arguments are its JSON fields; the deploy request simply has eight.
#![allow(clippy::too_many_arguments)]

use super::codec::Json;
use crate::error::AppError;
use crate::model::instance::ActionInput;
use crate::model::{Action, DeployAccepted, InstanceDetail, InstanceId, InstanceList, JobId, JobView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::{DeploySpec, Image, InstancesPort};

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::instance::UserData;
    use crate::model::*;
    use crate::ports::{Creator, Principal, Writer};
    use serde::Serialize;

    /// What a new instance starts from: an image of the catalogue, or one of the customer's snapshots.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Image {
        Template(TemplateId),
        Snapshot(SnapshotId),
    }

    /// `/api/instances/deploy`, parsed.
    #[derive(Clone, Debug, Serialize)]
    pub struct DeploySpec {
        pub zone_id: ZoneId,
        pub offering_id: OfferingId,
        pub image: Image,
        pub name: Hostname,
        pub ssh_key_name: Option<SshKeyName>,
        pub security_group_ids: Vec<SecurityGroupId>,
        pub user_data: Option<UserData>,
        pub idempotency_key: IdempotencyKey,
    }

    #[async_trait::async_trait]
    pub trait InstancesPort: Send + Sync {
        async fn list(&self, p: &Principal) -> Result<InstanceList, AppError>;
        async fn get(&self, p: &Principal, id: &InstanceId) -> Result<InstanceDetail, AppError>;
        async fn deploy(&self, c: &Creator<'_>, spec: DeploySpec) -> Result<DeployAccepted, AppError>;
        async fn act(&self, w: &Writer<'_>, id: &InstanceId, action: Action) -> Result<JobId, AppError>;
        async fn job(&self, p: &Principal, id: &JobId) -> Result<JobView, AppError>;
        /// A console session: the customer's and an acting session's type, a read-only session's only
        /// watches.
        async fn console(&self, p: &Principal, id: &InstanceId) -> Result<crate::model::instance::ConsoleAccess, AppError>;
    }
}

/// An id that is not even well-formed cannot be anyone's: it answers like any other unknown id.
#[cfg(feature = "ssr")]
pub(crate) fn known<T>(parsed: Result<T, String>) -> Result<T, AppError> {
    parsed.map_err(|_| AppError::NotFound)
}

/// `{first?}`: every instance, or (`first`) only the first that many in the list's order, with the
/// total: what the server renders into the page, so an account's first page stays small however
/// many instances it has.
#[server(prefix = "/api", endpoint = "instances/list", input = Json, output = Json)]
pub async fn list_instances(#[server(default)] first: Option<u32>) -> Result<InstanceList, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let mut list = ports.instances.list(&p).await?;
    if let Some(n) = first {
        list.instances.truncate(n as usize);
    }
    Ok(list)
}

#[server(prefix = "/api", endpoint = "instances/get", input = Json, output = Json)]
pub async fn get_instance(id: String) -> Result<InstanceDetail, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.instances.get(&p, &known(InstanceId::parse(&id))?).await
}

#[server(prefix = "/api", endpoint = "instances/deploy", input = Json, output = Json)]
pub async fn deploy(
    zone_id: String,
    offering_id: String,
    #[server(default)] template_id: Option<String>,
    #[server(default)] snapshot_id: Option<String>,
    name: String,
    #[server(default)] ssh_key_name: Option<String>,
    #[server(default)] security_group_ids: Option<Vec<String>>,
    #[server(default)] user_data: Option<String>,
    idempotency_key: String,
) -> Result<DeployAccepted, AppError> {
    use super::field;
    use crate::model::instance::UserData;
    use crate::model::*;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, JobKind::Deploy, None).await?;
    let groups = security_group_ids.unwrap_or_default();
    if groups.len() > 10 {
        return Err(AppError::invalid("security_group_ids", "An instance can be in at most 10 security groups."));
    }
    let spec = DeploySpec {
        zone_id: field("zone_id", ZoneId::parse(&zone_id))?,
        offering_id: field("offering_id", OfferingId::parse(&offering_id))?,
        image: match (template_id.filter(|t| !t.trim().is_empty()), snapshot_id.filter(|s| !s.trim().is_empty())) {
            (Some(t), None) => Image::Template(field("template_id", TemplateId::parse(&t))?),
            // Someone else's snapshot id, or one that is not even an id, is not found (404).
            (None, Some(s)) => Image::Snapshot(known(SnapshotId::parse(&s))?),
            (Some(_), Some(_)) => {
                return Err(AppError::invalid("snapshot_id", "Start from an image (template_id) or a snapshot (snapshot_id), not both."))
            }
            (None, None) => {
                return Err(AppError::invalid("template_id", "Choose an image (template_id) or a snapshot (snapshot_id) to start from."))
            }
        },
        name: field("name", Hostname::parse(&name))?,
        ssh_key_name: ssh_key_name.filter(|s| !s.trim().is_empty()).map(|s| field("ssh_key_name", SshKeyName::parse(&s))).transpose()?,
        security_group_ids: groups.iter().map(|g| field("security_group_ids", SecurityGroupId::parse(g))).collect::<Result<_, _>>()?,
        user_data: user_data.filter(|u| !u.trim().is_empty()).map(|u| field("user_data", UserData::parse(&u))).transpose()?,
        idempotency_key: field("idempotency_key", IdempotencyKey::parse(&idempotency_key))?,
    };
    ports.instances.deploy(&w.creator()?, spec).await
}

/// `{id}`: a console session for a running instance (`{websocket_url, token, expires_at, view_only}`).
#[server(prefix = "/api", endpoint = "instances/console", input = Json, output = Json)]
pub async fn open_console(id: String) -> Result<crate::model::instance::ConsoleAccess, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.instances.console(&p, &known(InstanceId::parse(&id))?).await
}

/// `{job_id}` of the cloud job carrying out the action.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionAccepted {
    pub job_id: JobId,
}

#[server(prefix = "/api", endpoint = "instances/action", input = Json, output = Json)]
pub async fn instance_action(id: String, #[server(flatten)] action: ActionInput) -> Result<ActionAccepted, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    // An action that is not one is a 400 before anything is audited (never a refused `stop`).
    let kind = super::fields(action.kind())?;
    let w = super::ssr::writer(&ports, &p, kind, Some(super::ssr::Target::Instance(&id))).await?;
    let action = super::fields(action.parse())?;
    let job_id = ports.instances.act(&w, &known(InstanceId::parse(&id))?, action).await?;
    Ok(ActionAccepted { job_id })
}

/// What the page calls: the typed action, sent in its wire form.
pub async fn run_action(id: &InstanceId, action: &Action) -> Result<ActionAccepted, AppError> {
    instance_action(id.to_string(), action.into()).await
}

#[server(prefix = "/api", endpoint = "jobs/get", input = Json, output = Json)]
pub async fn get_job(id: String) -> Result<JobView, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.instances.job(&p, &known(JobId::parse(&id))?).await
}
