//! `/api/instances/*` and `/api/jobs/get`: the customer's instances and the cloud jobs acting on them.

// A server function's arguments are its JSON fields; the deploy request simply has eight.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::model::{InstanceDetail, InstanceList, JobView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

pub use crate::model::instance::Action;

#[cfg(feature = "ssr")]
use crate::model::{EntityId, Hostname, IdempotencyKey};

/// `/api/instances/deploy` answer.
pub use crate::model::instance::DeployAccepted;

/// Cloud-init user data is sent base64-encoded by POST; CloudStack 4.x takes up to 32 KiB of that.
pub const USER_DATA_MAX_BYTES: usize = 24 * 1024;

#[server(prefix = "/api", endpoint = "instances/list", input = Json)]
pub async fn list_instances() -> Result<InstanceList, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.list_instances(&p).await
}

#[server(prefix = "/api", endpoint = "instances/get", input = Json)]
pub async fn get_instance(id: String) -> Result<InstanceDetail, AppError> {
    // An id that is not even well-formed cannot be anyone's: answer like any other unknown id.
    let id = EntityId::parse(&id).map_err(|_| AppError::NotFound)?;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.get_instance(&p, &id).await
}

#[server(prefix = "/api", endpoint = "instances/deploy", input = Json)]
pub async fn deploy(
    zone_id: String,
    offering_id: String,
    template_id: String,
    name: String,
    #[server(default)] ssh_key_name: Option<String>,
    #[server(default)] security_group_ids: Option<Vec<String>>,
    #[server(default)] user_data: Option<String>,
    idempotency_key: String,
) -> Result<DeployAccepted, AppError> {
    use crate::ports::DeploySpec;
    let user_data = user_data.filter(|u| !u.trim().is_empty());
    if let Some(u) = &user_data {
        if u.len() > USER_DATA_MAX_BYTES {
            return Err(AppError::invalid(
                "user_data",
                format!("User data is {} KiB; the limit is {} KiB.", u.len().div_ceil(1024), USER_DATA_MAX_BYTES / 1024),
            ));
        }
    }
    let spec = DeploySpec {
        zone_id: super::field("zone_id", EntityId::parse(&zone_id))?,
        offering_id: super::field("offering_id", EntityId::parse(&offering_id))?,
        template_id: super::field("template_id", EntityId::parse(&template_id))?,
        name: super::field("name", Hostname::parse(&name))?,
        ssh_key_name: ssh_key_name.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        security_group_ids: security_group_ids
            .unwrap_or_default()
            .iter()
            .map(|g| super::field("security_group_ids", EntityId::parse(g)))
            .collect::<Result<_, _>>()?,
        user_data,
        idempotency_key: super::field("idempotency_key", IdempotencyKey::parse(&idempotency_key))?,
    };
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    ports.cloud.deploy(&p, &ctx, spec).await
}

/// `{job_id}` of the cloud job carrying out the action.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionAccepted {
    pub job_id: String,
}

#[server(prefix = "/api", endpoint = "instances/action", input = Json)]
pub async fn instance_action(
    id: String,
    action: String,
    #[server(default)] template_id: Option<String>,
    #[server(default)] offering_id: Option<String>,
) -> Result<ActionAccepted, AppError> {
    let action = super::field("action", Action::from_parts(&action, template_id, offering_id))?;
    if let Action::Reinstall { template_id: t } | Action::Resize { offering_id: t } = &action {
        super::field(if matches!(action, Action::Resize { .. }) { "offering_id" } else { "template_id" }, EntityId::parse(t))?;
    }
    let id = EntityId::parse(&id).map_err(|_| AppError::NotFound)?;
    let (ports, ctx, p) = super::ssr::signed_in().await?;
    p.require_write()?;
    let job_id = ports.cloud.act(&p, &ctx, &id, action).await?;
    Ok(ActionAccepted { job_id })
}

#[server(prefix = "/api", endpoint = "jobs/get", input = Json)]
pub async fn get_job(id: String) -> Result<JobView, AppError> {
    let id = EntityId::parse(&id).map_err(|_| AppError::NotFound)?;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.cloud.job(&p, &id).await
}
