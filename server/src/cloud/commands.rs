//! A typed function for every CloudStack command Zenith uses (notes §5), grouped as the notes group
//! them. Each names the command once, its parameters in CloudStack's spelling, and its answer type.

use super::client::{CloudStack, Params};
use super::error::CloudError;
use super::types::*;
use chrono::NaiveDate;

type R<T> = Result<T, CloudError>;

fn opt(p: &mut Params, key: &'static str, v: Option<impl ToString>) {
    if let Some(v) = v {
        p.push((key, v.to_string()));
    }
}

/// Filters for `listVirtualMachines`.
#[derive(Debug, Clone, Default)]
pub struct VmQuery {
    pub id: Option<String>,
    pub zone_id: Option<String>,
    pub name: Option<String>,
    pub state: Option<String>,
    pub keyword: Option<String>,
    /// Admin only: everything the caller may see.
    pub list_all: bool,
}

/// `deployVirtualMachine` (notes §5.3).
#[derive(Debug, Clone)]
pub struct DeployVm {
    pub zone_id: String,
    pub service_offering_id: String,
    pub template_id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub key_pair: Option<String>,
    pub security_group_ids: Vec<String>,
    /// Already base64-encoded.
    pub user_data_base64: Option<String>,
    pub start: bool,
}

/// One `authorizeSecurityGroup{Ingress,Egress}` call.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub security_group_id: String,
    /// `tcp`, `udp`, `icmp`, `all`.
    pub protocol: String,
    pub start_port: Option<u16>,
    pub end_port: Option<u16>,
    pub icmp_type: Option<i16>,
    pub icmp_code: Option<i16>,
    pub cidrs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// `createAccount` (admin).
#[derive(Clone)]
pub struct NewAccount {
    pub account: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub domain_id: String,
}

impl CloudStack {
    // ---- §5.1 catalogue -------------------------------------------------------------------------

    pub async fn list_zones(&self) -> R<Vec<Zone>> {
        self.list("listZones", "zone", &[("available", "true".into())]).await
    }

    pub async fn list_service_offerings(&self) -> R<Vec<ServiceOffering>> {
        self.list("listServiceOfferings", "serviceoffering", &[("issystem", "false".into())]).await
    }

    /// The offerings this VM may change to (same storage type; CloudStack decides).
    pub async fn list_service_offerings_for_vm(&self, vm_id: &str) -> R<Vec<ServiceOffering>> {
        self.list("listServiceOfferings", "serviceoffering", &[("virtualmachineid", vm_id.into())]).await
    }

    pub async fn list_disk_offerings(&self) -> R<Vec<DiskOffering>> {
        self.list("listDiskOfferings", "diskoffering", &[]).await
    }

    /// `filter`: `executable` for what the caller can deploy, `featured`, `self`, …
    pub async fn list_templates(&self, filter: &str, zone_id: Option<&str>) -> R<Vec<Template>> {
        let mut p: Params = vec![("templatefilter", filter.into())];
        opt(&mut p, "zoneid", zone_id);
        self.list("listTemplates", "template", &p).await
    }

    // ---- §5.2 SSH keys --------------------------------------------------------------------------

    pub async fn list_ssh_key_pairs(&self, name: Option<&str>) -> R<Vec<SshKeyPair>> {
        let mut p = Params::new();
        opt(&mut p, "name", name);
        self.list("listSSHKeyPairs", "sshkeypair", &p).await
    }

    pub async fn register_ssh_key_pair(&self, name: &str, public_key: &str) -> R<SshKeyPair> {
        self.call_object("registerSSHKeyPair", "keypair", &[("name", name.into()), ("publickey", public_key.into())]).await
    }

    /// The private key is in the answer, once.
    pub async fn create_ssh_key_pair(&self, name: &str) -> R<SshKeyPair> {
        self.call_object("createSSHKeyPair", "keypair", &[("name", name.into())]).await
    }

    pub async fn delete_ssh_key_pair(&self, name: &str) -> R<Success> {
        self.call("deleteSSHKeyPair", &[("name", name.into())]).await
    }

    // ---- §5.3 / §5.4 instances ------------------------------------------------------------------

    pub async fn list_virtual_machines(&self, q: &VmQuery) -> R<Vec<VirtualMachine>> {
        let mut p: Params = vec![("details", "all".into())];
        opt(&mut p, "id", q.id.as_deref());
        opt(&mut p, "zoneid", q.zone_id.as_deref());
        opt(&mut p, "name", q.name.as_deref());
        opt(&mut p, "state", q.state.as_deref());
        opt(&mut p, "keyword", q.keyword.as_deref());
        if q.list_all {
            p.push(("listall", "true".into()));
        }
        self.list("listVirtualMachines", "virtualmachine", &p).await
    }

    /// One VM, or `None` when it does not exist or is not the caller's.
    pub async fn get_virtual_machine(&self, id: &str) -> R<Option<VirtualMachine>> {
        match self.list_virtual_machines(&VmQuery { id: Some(id.into()), ..Default::default() }).await {
            Ok(mut v) => Ok(v.pop()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn deploy_virtual_machine(&self, d: &DeployVm) -> R<AsyncAccepted> {
        let mut p: Params = vec![
            ("zoneid", d.zone_id.clone()),
            ("serviceofferingid", d.service_offering_id.clone()),
            ("templateid", d.template_id.clone()),
            ("name", d.name.clone()),
            ("displayname", d.display_name.clone().unwrap_or_else(|| d.name.clone())),
            ("startvm", d.start.to_string()),
        ];
        opt(&mut p, "keypair", d.key_pair.as_deref());
        if !d.security_group_ids.is_empty() {
            p.push(("securitygroupids", d.security_group_ids.join(",")));
        }
        opt(&mut p, "userdata", d.user_data_base64.as_deref());
        self.call("deployVirtualMachine", &p).await
    }

    pub async fn start_virtual_machine(&self, id: &str) -> R<AsyncAccepted> {
        self.call("startVirtualMachine", &[("id", id.into())]).await
    }

    pub async fn stop_virtual_machine(&self, id: &str, forced: bool) -> R<AsyncAccepted> {
        self.call("stopVirtualMachine", &[("id", id.into()), ("forced", forced.to_string())]).await
    }

    pub async fn reboot_virtual_machine(&self, id: &str) -> R<AsyncAccepted> {
        self.call("rebootVirtualMachine", &[("id", id.into())]).await
    }

    pub async fn destroy_virtual_machine(&self, id: &str, expunge: bool) -> R<AsyncAccepted> {
        self.call("destroyVirtualMachine", &[("id", id.into()), ("expunge", expunge.to_string())]).await
    }

    pub async fn expunge_virtual_machine(&self, id: &str) -> R<AsyncAccepted> {
        self.call("expungeVirtualMachine", &[("id", id.into())]).await
    }

    /// Sync: the VM comes back `Stopped`.
    pub async fn recover_virtual_machine(&self, id: &str) -> R<VirtualMachine> {
        self.call_object("recoverVirtualMachine", "virtualmachine", &[("id", id.into())]).await
    }

    /// Reinstall: a fresh root disk from `template_id` (or the current template).
    pub async fn restore_virtual_machine(&self, id: &str, template_id: Option<&str>) -> R<AsyncAccepted> {
        let mut p: Params = vec![("virtualmachineid", id.into())];
        opt(&mut p, "templateid", template_id);
        self.call("restoreVirtualMachine", &p).await
    }

    /// Sync, VM stopped, same storage type.
    pub async fn change_service_for_virtual_machine(&self, id: &str, offering_id: &str) -> R<VirtualMachine> {
        self.call_object(
            "changeServiceForVirtualMachine",
            "virtualmachine",
            &[("id", id.into()), ("serviceofferingid", offering_id.into())],
        )
        .await
    }

    /// Async resize of a running VM, where the cloud supports dynamic scaling.
    pub async fn scale_virtual_machine(&self, id: &str, offering_id: &str) -> R<AsyncAccepted> {
        self.call("scaleVirtualMachine", &[("id", id.into()), ("serviceofferingid", offering_id.into())]).await
    }

    /// Async, VM stopped; the job result carries the new password.
    pub async fn reset_password_for_virtual_machine(&self, id: &str) -> R<AsyncAccepted> {
        self.call("resetPasswordForVirtualMachine", &[("id", id.into())]).await
    }

    pub async fn update_virtual_machine_display_name(&self, id: &str, display_name: &str) -> R<VirtualMachine> {
        self.call_object("updateVirtualMachine", "virtualmachine", &[("id", id.into()), ("displayname", display_name.into())]).await
    }

    pub async fn list_nics(&self, vm_id: &str) -> R<Vec<Nic>> {
        self.list("listNics", "nic", &[("virtualmachineid", vm_id.into())]).await
    }

    pub async fn list_volumes(&self, vm_id: Option<&str>) -> R<Vec<Volume>> {
        let mut p = Params::new();
        opt(&mut p, "virtualmachineid", vm_id);
        self.list("listVolumes", "volume", &p).await
    }

    // ---- §5.5 security groups -------------------------------------------------------------------

    pub async fn list_security_groups(&self, id: Option<&str>) -> R<Vec<SecurityGroup>> {
        let mut p = Params::new();
        opt(&mut p, "id", id);
        self.list("listSecurityGroups", "securitygroup", &p).await
    }

    pub async fn create_security_group(&self, name: &str, description: Option<&str>) -> R<SecurityGroup> {
        let mut p: Params = vec![("name", name.into())];
        opt(&mut p, "description", description);
        self.call_object("createSecurityGroup", "securitygroup", &p).await
    }

    pub async fn delete_security_group(&self, id: &str) -> R<Success> {
        self.call("deleteSecurityGroup", &[("id", id.into())]).await
    }

    pub async fn authorize_security_group(&self, direction: Direction, rule: &RuleSpec) -> R<AsyncAccepted> {
        let mut p: Params = vec![("securitygroupid", rule.security_group_id.clone()), ("protocol", rule.protocol.clone())];
        opt(&mut p, "startport", rule.start_port);
        opt(&mut p, "endport", rule.end_port);
        opt(&mut p, "icmptype", rule.icmp_type);
        opt(&mut p, "icmpcode", rule.icmp_code);
        p.push(("cidrlist", rule.cidrs.join(",")));
        let command = match direction {
            Direction::Ingress => "authorizeSecurityGroupIngress",
            Direction::Egress => "authorizeSecurityGroupEgress",
        };
        self.call(command, &p).await
    }

    pub async fn revoke_security_group_rule(&self, direction: Direction, rule_id: &str) -> R<AsyncAccepted> {
        let command = match direction {
            Direction::Ingress => "revokeSecurityGroupIngress",
            Direction::Egress => "revokeSecurityGroupEgress",
        };
        self.call(command, &[("id", rule_id.into())]).await
    }

    // ---- §5.7 usage, capabilities, jobs, accounts -----------------------------------------------

    /// Admin. Both dates inclusive, `yyyy-MM-dd`.
    pub async fn list_usage_records(&self, start: NaiveDate, end: NaiveDate, usage_type: Option<i64>) -> R<Vec<UsageRecord>> {
        let mut p: Params = vec![("startdate", start.format("%Y-%m-%d").to_string()), ("enddate", end.format("%Y-%m-%d").to_string())];
        opt(&mut p, "type", usage_type);
        self.list("listUsageRecords", "usagerecord", &p).await
    }

    pub async fn list_usage_types(&self) -> R<Vec<UsageType>> {
        self.list("listUsageTypes", "usagetype", &[]).await
    }

    pub async fn list_capabilities(&self) -> R<Capabilities> {
        self.call_object("listCapabilities", "capability", &[]).await
    }

    /// The job itself is the envelope's content.
    pub async fn query_async_job_result(&self, job_id: &str) -> R<AsyncJob> {
        self.call("queryAsyncJobResult", &[("jobid", job_id.into())]).await
    }

    pub async fn list_async_jobs(&self) -> R<Vec<AsyncJob>> {
        self.list("listAsyncJobs", "asyncjobs", &[]).await
    }

    pub async fn list_domains(&self, name: Option<&str>) -> R<Vec<Domain>> {
        let mut p: Params = vec![("listall", "true".into())];
        opt(&mut p, "name", name);
        self.list("listDomains", "domain", &p).await
    }

    pub async fn create_domain(&self, name: &str) -> R<Domain> {
        self.call_object("createDomain", "domain", &[("name", name.into())]).await
    }

    pub async fn create_account(&self, a: &NewAccount) -> R<Account> {
        let p: Params = vec![
            ("accounttype", "0".into()),
            ("account", a.account.clone()),
            ("username", a.username.clone()),
            ("password", a.password.clone()),
            ("email", a.email.clone()),
            ("firstname", a.first_name.clone()),
            ("lastname", a.last_name.clone()),
            ("domainid", a.domain_id.clone()),
        ];
        self.call_object("createAccount", "account", &p).await
    }

    pub async fn list_accounts(&self, name: &str, domain_id: &str) -> R<Vec<Account>> {
        self.list("listAccounts", "account", &[("name", name.into()), ("domainid", domain_id.into()), ("listall", "true".into())]).await
    }

    pub async fn list_users(&self, account: &str, domain_id: &str) -> R<Vec<User>> {
        self.list("listUsers", "user", &[("account", account.into()), ("domainid", domain_id.into()), ("listall", "true".into())]).await
    }

    /// New keys for a user; the old pair stops working.
    pub async fn register_user_keys(&self, user_id: &str) -> R<UserKeys> {
        self.call_object("registerUserKeys", "userkeys", &[("id", user_id.into())]).await
    }

    pub async fn get_user_keys(&self, user_id: &str) -> R<UserKeys> {
        self.call_object("getUserKeys", "userkeys", &[("id", user_id.into())]).await
    }
}
