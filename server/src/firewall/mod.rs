//! Security groups: the customer's groups with their rules and instances, rules of both families from
//! one request, and changing an instance's groups (which CloudStack allows only while it is stopped:
//! see `groups`).
//!
//! The cloud owns the groups; nothing about them is stored here. Every call is signed with the
//! customer's keys, and every group is checked to be the customer's: another customer's id answers
//! exactly like an id that does not exist.

mod groups;
mod rules;

use crate::audit::{self, Actor};
use crate::cloud::commands::VmQuery;
use crate::cloud::types::{SecurityGroup, VirtualMachine};
use crate::cloud::{CloudFailure, InZone};
use crate::db::Db;
use crate::tenancy::{CustomerCloud, Tenancy, TenancyError};
use app::api::firewall::FirewallPort;
use app::error::AppError;
use app::model::audit::{AuditAction, AuditCategory, AuditOutcome};
use app::model::firewall::{AddRulesOutcome, GroupDetail, GroupName, GroupSummary, InstanceRef, NewRules};
use app::model::{InstanceId, JobId, RuleId, SecurityGroupId};
use app::ports::{Principal, Writer};
use std::sync::Arc;

crate::feature_error! {
    pub enum FirewallError {
        /// No such group, rule or instance, or another customer's.
        #[error("Not found.")]
        NotFound,
        #[error("You already have a security group named {name}.")]
        NameTaken { name: String },
        #[error("The default group cannot be deleted: every account has one.")]
        DefaultGroup,
        #[error("{group} is used by {instances}: move them to other groups first.")]
        GroupInUse { group: String, instances: String },
        #[error("The instance is in exactly these groups already.")]
        SameGroups,
        #[error("Security groups can be changed on a running or stopped instance, not while it is {}.", state.as_str())]
        InstanceNotSettled { state: app::model::InstanceState },
        #[error("You have no security group named {name}.")]
        NoSuchSourceGroup { name: String },
        /// `rule` reads as "TCP 22 from 203.0.113.0/24".
        #[error("That rule already exists: {rule}.")]
        RuleExists { rule: String },
        /// Every range of the request failed in the cloud; `detail` has each one's reason.
        #[error("No rule was added. {detail}")]
        NoRuleAdded { detail: String },
    }
    causes { Denied(app::ports::Denied), Instance(crate::instances::InstanceError), Cloud(CloudFailure), Tenancy(TenancyError) }
}

impl From<FirewallError> for AppError {
    fn from(e: FirewallError) -> AppError {
        use FirewallError::*;
        let sentence = e.to_string();
        match e {
            NotFound => AppError::NotFound,
            NameTaken { .. } | DefaultGroup | GroupInUse { .. } | InstanceNotSettled { .. } | RuleExists { .. } => {
                AppError::Conflict(sentence)
            }
            SameGroups => AppError::invalid("group_ids", sentence),
            NoSuchSourceGroup { .. } => AppError::invalid("groups", sentence),
            NoRuleAdded { .. } => AppError::Cloud(sentence),
            Denied(d) => d.into(),
            Instance(i) => i.into(),
            Cloud(f) => f.into(),
            Tenancy(t) => t.into(),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

/// How long a rule change may take in the cloud before the panel stops waiting.
const RULE_JOB_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
pub struct Firewall {
    db: Db,
    tenancy: Arc<Tenancy>,
}

/// The group a request names, if it is the customer's; `NotFound` otherwise, whichever it is.
async fn owned_group(cloud: &CustomerCloud, id: &SecurityGroupId) -> Result<SecurityGroup, FirewallError> {
    let found = match cloud.client.list_security_groups(Some(id)).await {
        Ok(mut gs) => gs.pop(),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(CloudFailure::new(e, None).into()),
    };
    found.filter(|g| cloud.owns(g.account.as_deref()) && &g.id == id).ok_or(FirewallError::NotFound)
}

/// Every group of the customer's, in one call (the list page, a group's page, a rule naming groups).
async fn account_groups(cloud: &CustomerCloud) -> Result<Vec<SecurityGroup>, FirewallError> {
    let groups = cloud.client.list_security_groups(None).await.in_zone(None)?;
    Ok(groups.into_iter().filter(|g| cloud.owns(g.account.as_deref())).collect())
}

/// `id` among `groups`, taken out; `NotFound` when it is not one of them.
fn take_group(groups: &mut Vec<SecurityGroup>, id: &SecurityGroupId) -> Result<SecurityGroup, FirewallError> {
    let at = groups.iter().position(|g| &g.id == id).ok_or(FirewallError::NotFound)?;
    Ok(groups.swap_remove(at))
}

fn instances_in(group: &SecurityGroup, vms: &[VirtualMachine]) -> Vec<InstanceRef> {
    vms.iter()
        .filter(|vm| group.virtualmachineids.contains(&vm.id) || vm.securitygroup.iter().any(|g| g.id == group.id))
        .map(|vm| InstanceRef { id: vm.id.clone(), name: vm.name.clone() })
        .collect()
}

impl Firewall {
    pub fn new(db: Db, tenancy: Arc<Tenancy>) -> Firewall {
        Firewall { db, tenancy }
    }

    async fn cloud(&self, p: &Principal) -> Result<CustomerCloud, FirewallError> {
        Ok(self.tenancy.ensure(p.customer()?).await?)
    }

    /// The customer's instances in every zone (one call: the cloud lists all zones at once).
    async fn vms(cloud: &CustomerCloud) -> Result<Vec<VirtualMachine>, FirewallError> {
        let vms = cloud.client.list_virtual_machines(&VmQuery::default()).await.in_zone(None)?;
        Ok(vms.into_iter().filter(|vm| cloud.owns(vm.account.as_deref())).collect())
    }

    async fn audit(&self, w: &Writer<'_>, action: AuditAction, target: &str, detail: &str) {
        let p = w.principal();
        let actor = Actor::from_principal(p);
        let subject = p.customer_id.as_ref().map(|c| c.user());
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: Some(&actor),
                subject: subject.as_ref(),
                category: AuditCategory::Firewall,
                action,
                target_id: Some(target),
                outcome: AuditOutcome::Succeeded,
                detail: Some(detail),
                ip: p.client.ip,
            },
        )
        .await;
    }

    async fn list(&self, p: &Principal) -> Result<Vec<GroupSummary>, FirewallError> {
        let cloud = self.cloud(p).await?;
        let (groups, vms) = tokio::join!(account_groups(&cloud), Self::vms(&cloud));
        let (groups, vms) = (groups?, vms?);
        let mut out: Vec<GroupSummary> = groups
            .iter()
            .map(|g| GroupSummary {
                id: g.id.clone(),
                name: g.name.clone(),
                description: g.description.clone().unwrap_or_default(),
                is_default: g.name == "default",
                rule_count: rules::line_count(g, &cloud.account_name),
                instances: instances_in(g, &vms),
            })
            .collect();
        out.sort_by(|a, b| b.is_default.cmp(&a.is_default).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    async fn get(&self, p: &Principal, id: &SecurityGroupId) -> Result<GroupDetail, FirewallError> {
        let cloud = self.cloud(p).await?;
        // Every group at once: this one, and the names a rule's source may take.
        let (groups, vms) = tokio::join!(account_groups(&cloud), Self::vms(&cloud));
        let (mut groups, vms) = (groups?, vms?);
        let mut account_groups: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        account_groups.sort();
        let group = take_group(&mut groups, id)?;
        Ok(GroupDetail {
            account_groups,
            rules: rules::views(&group, &cloud.account_name),
            instances: instances_in(&group, &vms),
            is_default: group.name == "default",
            description: group.description.clone().unwrap_or_default(),
            name: group.name,
            id: group.id,
        })
    }

    async fn create(&self, w: &Writer<'_>, name: GroupName, description: String) -> Result<GroupDetail, FirewallError> {
        let cloud = self.cloud(w.principal()).await?;
        let description = Some(description).filter(|d| !d.is_empty());
        let group = match cloud.client.create_security_group(name.as_str(), description.as_deref()).await {
            Ok(g) => g,
            Err(e) if e.is_param_error() => return Err(FirewallError::NameTaken { name: name.as_str().to_string() }),
            Err(e) => return Err(CloudFailure::new(e, None).into()),
        };
        self.audit(w, app::model::audit::AuditEvent::GroupCreated.into(), group.id.as_str(), name.as_str()).await;
        Ok(GroupDetail {
            id: group.id,
            name: group.name,
            description: group.description.unwrap_or_default(),
            is_default: false,
            rules: vec![],
            instances: vec![],
            account_groups: vec![],
        })
    }

    async fn delete(&self, w: &Writer<'_>, id: &SecurityGroupId) -> Result<(), FirewallError> {
        let cloud = self.cloud(w.principal()).await?;
        let group = owned_group(&cloud, id).await?;
        if group.name == "default" {
            return Err(FirewallError::DefaultGroup);
        }
        let using = instances_in(&group, &Self::vms(&cloud).await?);
        if !using.is_empty() {
            let names = using.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(FirewallError::GroupInUse { group: group.name, instances: names });
        }
        cloud.client.delete_security_group(&group.id).await.in_zone(None)?;
        self.audit(w, app::model::audit::AuditEvent::GroupDeleted.into(), group.id.as_str(), &group.name).await;
        Ok(())
    }
}

#[async_trait::async_trait]
impl FirewallPort for Firewall {
    async fn list(&self, p: &Principal) -> Result<Vec<GroupSummary>, AppError> {
        Ok(Firewall::list(self, p).await?)
    }

    async fn get(&self, p: &Principal, id: &SecurityGroupId) -> Result<GroupDetail, AppError> {
        Ok(Firewall::get(self, p, id).await?)
    }

    async fn create(&self, w: &Writer<'_>, name: GroupName, description: String) -> Result<GroupDetail, AppError> {
        Ok(Firewall::create(self, w, name, description).await?)
    }

    async fn delete(&self, w: &Writer<'_>, id: &SecurityGroupId) -> Result<(), AppError> {
        Ok(Firewall::delete(self, w, id).await?)
    }

    async fn add_rules(&self, w: &Writer<'_>, group: &SecurityGroupId, rules: NewRules) -> Result<AddRulesOutcome, AppError> {
        Ok(rules::add(self, w, group, rules).await?)
    }

    async fn remove_rule(&self, w: &Writer<'_>, group: &SecurityGroupId, rule: &RuleId) -> Result<(), AppError> {
        Ok(rules::remove(self, w, group, rule).await?)
    }

    async fn set_groups(&self, w: &Writer<'_>, instance: &InstanceId, groups: Vec<SecurityGroupId>) -> Result<JobId, AppError> {
        Ok(groups::set(self, w, instance, groups).await?)
    }
}
