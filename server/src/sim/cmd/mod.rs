//! The simulator's commands: one function per CloudStack command, dispatched by name.
//!
//! Handlers validate exactly what CloudStack validates, in its words, against the caller's account
//! (a user key sees its own account; the root admin sees everything and may scope with
//! `account` + `domainid` or `listall=true`).

mod accounts;
mod catalog;
mod console;
mod groups;
mod history;
mod keys;
mod snapshots;
mod usage;
mod vms;

use super::protocol::{list_body, ApiError, Params};
use super::world::*;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Who signed the request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub account_id: String,
    pub is_admin: bool,
}

/// Knobs the fault endpoint turns that affect command handling.
#[derive(Debug, Clone, Default)]
pub struct JobFaults {
    pub job_ms: u64,
    pub fail_next_jobs: u32,
    pub hang_next_jobs: u32,
}

pub struct Call<'a> {
    pub command: &'a str,
    pub p: &'a Params,
    pub caller: Caller,
    pub faults: &'a mut JobFaults,
    /// The cloud's `default.page.size`.
    pub max_page: usize,
    /// The console proxy: its tokens, and where browsers reach it (unknown until the simulator listens).
    pub consoles: &'a crate::sim::console::Consoles,
    pub console_addr: Option<std::net::SocketAddr>,
}

pub type Answer = Result<Value, ApiError>;

/// Every command the simulator answers.
pub const COMMANDS: &[&str] = &[
    "listZones",
    "listServiceOfferings",
    "listDiskOfferings",
    "listTemplates",
    "listOsTypes",
    "listVirtualMachines",
    "listVirtualMachinesMetrics",
    "listVirtualMachinesUsageHistory",
    "createConsoleEndpoint",
    "deployVirtualMachine",
    "startVirtualMachine",
    "stopVirtualMachine",
    "rebootVirtualMachine",
    "destroyVirtualMachine",
    "expungeVirtualMachine",
    "recoverVirtualMachine",
    "restoreVirtualMachine",
    "changeServiceForVirtualMachine",
    "scaleVirtualMachine",
    "resetPasswordForVirtualMachine",
    "updateVirtualMachine",
    "listNics",
    "listVolumes",
    "createSnapshot",
    "listSnapshots",
    "deleteSnapshot",
    "revertSnapshot",
    "createSnapshotPolicy",
    "listSnapshotPolicies",
    "deleteSnapshotPolicies",
    "createTemplate",
    "listSecurityGroups",
    "createSecurityGroup",
    "deleteSecurityGroup",
    "authorizeSecurityGroupIngress",
    "authorizeSecurityGroupEgress",
    "revokeSecurityGroupIngress",
    "revokeSecurityGroupEgress",
    "listSSHKeyPairs",
    "registerSSHKeyPair",
    "createSSHKeyPair",
    "deleteSSHKeyPair",
    "queryAsyncJobResult",
    "listAsyncJobs",
    "listUsageRecords",
    "listUsageTypes",
    "listUsageServerMetrics",
    "listCapabilities",
    "createAccount",
    "listAccounts",
    "listUsers",
    "registerUserKeys",
    "getUserKeys",
    "listDomains",
    "createDomain",
    "listPublicIpAddresses",
    "listPortForwardingRules",
    "listIpForwardingRules",
];

/// The canonical spelling of a command, if the simulator knows it.
pub fn known(command: &str) -> Option<&'static str> {
    COMMANDS.iter().copied().find(|c| c.eq_ignore_ascii_case(command))
}

pub fn dispatch(w: &mut World, c: &mut Call) -> Answer {
    w.tick();
    match c.command {
        "listZones" => catalog::list_zones(w, c),
        "listServiceOfferings" => catalog::list_service_offerings(w, c),
        "listDiskOfferings" => catalog::list_disk_offerings(w, c),
        "listTemplates" => catalog::list_templates(w, c),
        "listOsTypes" => catalog::list_os_types(w, c),
        "listCapabilities" => catalog::list_capabilities(w, c),
        "listVirtualMachines" => vms::list(w, c, false),
        "listVirtualMachinesMetrics" => vms::list(w, c, true),
        "listVirtualMachinesUsageHistory" => history::usage_history(w, c),
        "deployVirtualMachine" => vms::deploy(w, c),
        "createConsoleEndpoint" => console::create_console_endpoint(w, c),
        "startVirtualMachine" => vms::start(w, c),
        "stopVirtualMachine" => vms::stop(w, c),
        "rebootVirtualMachine" => vms::reboot(w, c),
        "destroyVirtualMachine" => vms::destroy(w, c),
        "expungeVirtualMachine" => vms::expunge(w, c),
        "recoverVirtualMachine" => vms::recover(w, c),
        "restoreVirtualMachine" => vms::restore(w, c),
        "changeServiceForVirtualMachine" => vms::change_service(w, c),
        "scaleVirtualMachine" => vms::scale(w, c),
        "resetPasswordForVirtualMachine" => vms::reset_password(w, c),
        "updateVirtualMachine" => vms::update(w, c),
        "listNics" => vms::list_nics(w, c),
        "listVolumes" => vms::list_volumes(w, c),
        "createSnapshot" => snapshots::create(w, c),
        "listSnapshots" => snapshots::list(w, c),
        "deleteSnapshot" => snapshots::delete(w, c),
        "revertSnapshot" => snapshots::revert(w, c),
        "createSnapshotPolicy" => snapshots::create_policy(w, c),
        "listSnapshotPolicies" => snapshots::list_policies(w, c),
        "deleteSnapshotPolicies" => snapshots::delete_policies(w, c),
        "createTemplate" => snapshots::create_template(w, c),
        "listSecurityGroups" => groups::list(w, c),
        "createSecurityGroup" => groups::create(w, c),
        "deleteSecurityGroup" => groups::delete(w, c),
        "authorizeSecurityGroupIngress" => groups::authorize(w, c, true),
        "authorizeSecurityGroupEgress" => groups::authorize(w, c, false),
        "revokeSecurityGroupIngress" => groups::revoke(w, c, true),
        "revokeSecurityGroupEgress" => groups::revoke(w, c, false),
        "listSSHKeyPairs" => keys::list(w, c),
        "registerSSHKeyPair" => keys::register(w, c),
        "createSSHKeyPair" => keys::create(w, c),
        "deleteSSHKeyPair" => keys::delete(w, c),
        "queryAsyncJobResult" => query_job(w, c),
        "listAsyncJobs" => list_jobs(w, c),
        "listUsageRecords" => usage::list_records(w, c),
        "listUsageTypes" => usage::list_types(w, c),
        "listUsageServerMetrics" => usage::server_metrics(w, c),
        "createAccount" => accounts::create(w, c),
        "listAccounts" => accounts::list(w, c),
        "listUsers" => accounts::list_users(w, c),
        "registerUserKeys" => accounts::register_keys(w, c),
        "getUserKeys" => accounts::get_keys(w, c),
        "listDomains" => accounts::list_domains(w, c),
        "createDomain" => accounts::create_domain(w, c),
        // Asked by some clients even in a Basic zone, where there are none.
        "listPublicIpAddresses" => c.list("publicipaddress", vec![]),
        "listPortForwardingRules" => c.list("portforwardingrule", vec![]),
        "listIpForwardingRules" => c.list("ipforwardingrule", vec![]),
        other => Err(ApiError::unknown_command(other)),
    }
}

impl Call<'_> {
    /// A list answer, paged by `page`/`pagesize` within the cloud's `default.page.size`.
    pub fn list(&self, item_key: &str, items: Vec<Value>) -> Answer {
        list_body(self.command, item_key, self.p, items, self.max_page)
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.p.value(name).ok_or_else(|| ApiError::missing(self.command, name))
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.caller.is_admin {
            Ok(())
        } else {
            Err(ApiError::denied(format!("The API [{}] does not exist or is not available for the account.", self.command)))
        }
    }

    /// Whose objects a list shows.
    pub fn scope(&self, w: &World) -> Result<Scope, ApiError> {
        match (self.p.value("account"), self.p.value("domainid")) {
            (Some(name), Some(domain)) => {
                let acct = w
                    .accounts
                    .iter()
                    .find(|a| a.name == name && a.domain_id == domain)
                    .ok_or_else(|| ApiError::param(format!("Unable to find account {name} in domain id={domain}")))?;
                if !self.caller.is_admin && acct.id != self.caller.account_id {
                    return Err(ApiError::denied(format!(
                        "Account {} does not have permission to access account {name}",
                        self.caller.account_id
                    )));
                }
                Ok(Scope::Account(acct.id.clone()))
            }
            (Some(_), None) => Err(ApiError::param("Account and domainId are needed for resource listing by account")),
            _ if self.caller.is_admin && self.p.flag("listall") => Ok(Scope::All),
            _ => Ok(Scope::Account(self.caller.account_id.clone())),
        }
    }

    /// The account a create acts for (admins may create on behalf of `account` + `domainid`).
    pub fn owner(&self, w: &World) -> Result<String, ApiError> {
        match self.scope(w)? {
            Scope::Account(a) => Ok(a),
            Scope::All => Ok(self.caller.account_id.clone()),
        }
    }

    /// May the caller act on something owned by `account_id`? Foreign objects exist but are denied.
    pub fn check_owner(&self, account_id: &str, what: &str) -> Result<(), ApiError> {
        if self.caller.is_admin || self.caller.account_id == account_id {
            Ok(())
        } else {
            Err(ApiError::denied(format!("Account does not have permission to operate on {what}")))
        }
    }

    pub fn now(&self, w: &World) -> DateTime<Utc> {
        w.now()
    }

    /// Queues a job due after the configured job duration; the fault knob may mark it to fail.
    pub fn start_job(
        &mut self,
        w: &mut World,
        cmd_class: &str,
        instance_type: &str,
        instance_id: Option<&str>,
        action: JobAction,
    ) -> String {
        let now = w.now();
        let fail = self.faults.fail_next_jobs > 0;
        if fail {
            self.faults.fail_next_jobs -= 1;
        }
        let hang = !fail && self.faults.hang_next_jobs > 0;
        if hang {
            self.faults.hang_next_jobs -= 1;
        }
        // A hung job is due in a hundred years: pending to anyone who asks, as a stuck cloud's would be.
        let takes = if hang { chrono::Duration::days(36_500) } else { chrono::Duration::milliseconds(self.faults.job_ms as i64) };
        let id = new_id();
        let account_id = w
            .vms
            .iter()
            .find(|v| Some(v.id.as_str()) == instance_id)
            .map(|v| v.account_id.clone())
            .unwrap_or_else(|| self.caller.account_id.clone());
        w.jobs.push(Job {
            id: id.clone(),
            account_id,
            user_id: self.caller.user_id.clone(),
            cmd: format!("org.apache.cloudstack.api.command.{}{}", if self.caller.is_admin { "admin." } else { "user." }, cmd_class),
            instance_type: instance_type.into(),
            instance_id: instance_id.map(str::to_string),
            created: now,
            due: now + takes,
            status: 0,
            result_code: 0,
            result: None,
            action,
            fail,
        });
        // Jobs older than a week are forgotten, as CloudStack's job cleanup does.
        let cutoff = now - chrono::Duration::days(7);
        w.jobs.retain(|j| j.status == 0 || j.created > cutoff);
        id
    }
}

pub enum Scope {
    All,
    Account(String),
}

impl Scope {
    pub fn includes(&self, account_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Account(a) => a == account_id,
        }
    }
}

fn query_job(w: &mut World, c: &mut Call) -> Answer {
    let id = c.required("jobid")?;
    let job = w.jobs.iter().find(|j| j.id == id).ok_or_else(|| ApiError::no_entity(c.command, "jobid", id))?;
    if !c.caller.is_admin && job.user_id != c.caller.user_id && job.account_id != c.caller.account_id {
        return Err(ApiError::denied("Account does not have permission to query this job"));
    }
    Ok(super::protocol::object_body(c.command, w.job_json(job)))
}

fn list_jobs(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    let items = w.jobs.iter().filter(|j| scope.includes(&j.account_id)).rev().map(|j| w.job_json(j)).collect();
    c.list("asyncjobs", items)
}
