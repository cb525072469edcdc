//! `/api/firewall/*` and `/api/instances/set_groups`: security groups and their rules, IPv4 and IPv6
//! from one request.

use super::codec::Json;
use crate::error::AppError;
use crate::model::firewall::{AddRulesOutcome, GroupDetail, GroupSummary};
use crate::model::JobId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::FirewallPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::firewall::{AddRulesOutcome, GroupDetail, GroupName, GroupSummary, NewRules};
    use crate::model::{InstanceId, JobId, RuleId, SecurityGroupId};
    use crate::ports::{Principal, Writer};

    #[async_trait::async_trait]
    pub trait FirewallPort: Send + Sync {
        async fn list(&self, p: &Principal) -> Result<Vec<GroupSummary>, AppError>;
        async fn get(&self, p: &Principal, id: &SecurityGroupId) -> Result<GroupDetail, AppError>;
        async fn create(&self, w: &Writer<'_>, name: GroupName, description: String) -> Result<GroupDetail, AppError>;
        async fn delete(&self, w: &Writer<'_>, id: &SecurityGroupId) -> Result<(), AppError>;
        async fn add_rules(&self, w: &Writer<'_>, group: &SecurityGroupId, rules: NewRules) -> Result<AddRulesOutcome, AppError>;
        async fn remove_rule(&self, w: &Writer<'_>, group: &SecurityGroupId, rule: &RuleId) -> Result<(), AppError>;
        /// Stops the instance if it runs, sets its groups, starts it again; as it was if a step fails.
        async fn set_groups(&self, w: &Writer<'_>, instance: &InstanceId, groups: Vec<SecurityGroupId>) -> Result<JobId, AppError>;
    }
}

/// An id that is not even well-formed cannot be anyone's: it answers like any other unknown id.
#[cfg(feature = "ssr")]
fn known<T>(parsed: Result<T, String>) -> Result<T, AppError> {
    parsed.map_err(|_| AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "firewall/list", input = Json, output = Json)]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.firewall.list(&p).await
}

#[server(prefix = "/api", endpoint = "firewall/get", input = Json, output = Json)]
pub async fn get_group(id: String) -> Result<GroupDetail, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.firewall.get(&p, &known(crate::model::SecurityGroupId::parse(&id))?).await
}

#[server(prefix = "/api", endpoint = "firewall/create", input = Json, output = Json)]
pub async fn create_group(name: String, #[server(default)] description: String) -> Result<GroupDetail, AppError> {
    use crate::model::firewall::GroupName;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, crate::model::audit::AuditEvent::GroupCreated, None).await?;
    let name = super::field("name", GroupName::parse(&name))?;
    super::field("description", crate::model::check_text(&description, 255, false))?;
    ports.firewall.create(&w, name, description.trim().to_string()).await
}

#[server(prefix = "/api", endpoint = "firewall/delete", input = Json, output = Json)]
pub async fn delete_group(id: String) -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, crate::model::audit::AuditEvent::GroupDeleted, Some(super::ssr::Target::Group(&id))).await?;
    ports.firewall.delete(&w, &known(crate::model::SecurityGroupId::parse(&id))?).await
}

/// `{group_id, direction, protocol, start_port?, end_port?, icmp_type?, icmp_code?, cidrs?, groups?}`:
/// one rule for every range (both families at once) and for every group named (its instances, over
/// IPv4 and IPv6).
#[server(prefix = "/api", endpoint = "firewall/add_rules", input = Json, output = Json)]
pub async fn add_rules(
    group_id: String,
    direction: String,
    #[server(flatten)] traffic: crate::model::firewall::TrafficInput,
    #[server(default)] cidrs: Vec<String>,
    #[server(default)] groups: Vec<String>,
) -> Result<AddRulesOutcome, AppError> {
    use crate::model::firewall::{Direction, NewRules};
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, crate::model::audit::AuditEvent::RulesAdded, Some(super::ssr::Target::Group(&group_id))).await?;
    let group = known(crate::model::SecurityGroupId::parse(&group_id))?;
    let direction = Direction::parse(&direction.trim().to_ascii_lowercase())
        .ok_or_else(|| AppError::invalid("direction", "Say which way: ingress (to the instance) or egress (from it)."))?;
    let traffic = super::fields(traffic.parse())?;
    let peers = super::fields(NewRules::parse_peers(&cidrs, &groups))?;
    ports.firewall.add_rules(&w, &group, NewRules { direction, traffic, peers }).await
}

#[server(prefix = "/api", endpoint = "firewall/remove_rule", input = Json, output = Json)]
pub async fn remove_rule(group_id: String, rule_id: String) -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w =
        super::ssr::writer(&ports, &p, crate::model::audit::AuditEvent::RuleRemoved, Some(super::ssr::Target::Group(&group_id))).await?;
    let group = known(crate::model::SecurityGroupId::parse(&group_id))?;
    ports.firewall.remove_rule(&w, &group, &known(crate::model::RuleId::parse(&rule_id))?).await
}

/// `{job_id}` of the stop–change–start the panel carries out.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupsChanging {
    pub job_id: JobId,
}

#[server(prefix = "/api", endpoint = "instances/set_groups", input = Json, output = Json)]
pub async fn set_groups(id: String, group_ids: Vec<String>) -> Result<GroupsChanging, AppError> {
    use crate::model::SecurityGroupId;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, crate::model::JobKind::SetGroups, Some(super::ssr::Target::Instance(&id))).await?;
    if group_ids.is_empty() || group_ids.len() > 10 {
        return Err(AppError::invalid("group_ids", "Choose between one and ten security groups."));
    }
    let groups = group_ids.iter().map(|g| super::field("group_ids", SecurityGroupId::parse(g))).collect::<Result<Vec<_>, _>>()?;
    let job_id = ports.firewall.set_groups(&w, &known(crate::model::InstanceId::parse(&id))?, groups).await?;
    Ok(GroupsChanging { job_id })
}
