//! A typed function for every CloudStack command Zenith uses, grouped by what they touch. Each names
//! the command once, its parameters in CloudStack's spelling, and its answer type. Ids are typed, so
//! a zone id cannot be sent where an instance id belongs.

use super::client::{CloudStack, Params};
use super::error::CloudError;
use super::types::*;
use app::model::firewall::Direction;
use app::model::{InstanceId, OfferingId, RuleId, SecurityGroupId, SshKeyName, TemplateId, ZoneId};
use chrono::{DateTime, NaiveDate, Utc};

type R<T> = Result<T, CloudError>;

fn opt(p: &mut Params, key: &'static str, v: Option<impl ToString>) {
    if let Some(v) = v {
        p.push((key, v.to_string()));
    }
}

/// Filters for `listVirtualMachines`.
#[derive(Debug, Clone, Default)]
pub struct VmQuery {
    pub id: Option<InstanceId>,
    pub zone_id: Option<ZoneId>,
    pub name: Option<String>,
    /// Admin only: everything the caller may see.
    pub list_all: bool,
}

/// `deployVirtualMachine`.
#[derive(Debug, Clone)]
pub struct DeployVm {
    pub zone_id: ZoneId,
    pub service_offering_id: OfferingId,
    pub template_id: TemplateId,
    pub name: String,
    pub key_pair: Option<SshKeyName>,
    pub security_group_ids: Vec<SecurityGroupId>,
    /// Already base64-encoded.
    pub user_data_base64: Option<String>,
    pub start: bool,
}

/// One `authorizeSecurityGroup{Ingress,Egress}` call.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub security_group_id: SecurityGroupId,
    /// `tcp`, `udp`, `icmp`, `all`.
    pub protocol: String,
    pub start_port: Option<u16>,
    pub end_port: Option<u16>,
    pub icmp_type: Option<i16>,
    pub icmp_code: Option<i16>,
    pub cidrs: Vec<String>,
    /// (account, group name) pairs whose instances the rule admits (`usersecuritygrouplist`).
    pub groups: Vec<(String, String)>,
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
    // ---- catalogue ------------------------------------------------------------------------------

    pub async fn list_zones(&self) -> R<Vec<Zone>> {
        self.list("listZones", "zone", &[("available", "true".into())]).await
    }

    pub async fn list_service_offerings(&self) -> R<Vec<ServiceOffering>> {
        self.list("listServiceOfferings", "serviceoffering", &[("issystem", "false".into())]).await
    }

    /// `filter`: `executable` for what the caller can deploy, `featured`, `self`, …
    pub async fn list_templates(&self, filter: &str, zone_id: Option<&ZoneId>) -> R<Vec<Template>> {
        let mut p: Params = vec![("templatefilter", filter.into())];
        opt(&mut p, "zoneid", zone_id);
        self.list("listTemplates", "template", &p).await
    }

    // ---- SSH keys (all synchronous) -------------------------------------------------------------

    pub async fn list_ssh_key_pairs(&self, name: Option<&SshKeyName>) -> R<Vec<SshKeyPair>> {
        let mut p = Params::new();
        opt(&mut p, "name", name);
        self.list("listSSHKeyPairs", "sshkeypair", &p).await
    }

    pub async fn register_ssh_key_pair(&self, name: &SshKeyName, public_key: &str) -> R<SshKeyPair> {
        self.call_object("registerSSHKeyPair", "keypair", &[("name", name.to_string()), ("publickey", public_key.into())]).await
    }

    /// The private key is in the answer, once.
    pub async fn create_ssh_key_pair(&self, name: &SshKeyName) -> R<SshKeyPair> {
        self.call_object("createSSHKeyPair", "keypair", &[("name", name.to_string())]).await
    }

    pub async fn delete_ssh_key_pair(&self, name: &SshKeyName) -> R<Success> {
        self.call("deleteSSHKeyPair", &[("name", name.to_string())]).await
    }

    // ---- instances ------------------------------------------------------------------------------

    pub async fn list_virtual_machines(&self, q: &VmQuery) -> R<Vec<VirtualMachine>> {
        let mut p: Params = vec![("details", "all".into())];
        opt(&mut p, "id", q.id.as_ref());
        opt(&mut p, "zoneid", q.zone_id.as_ref());
        opt(&mut p, "name", q.name.as_deref());
        if q.list_all {
            p.push(("listall", "true".into()));
        }
        self.list("listVirtualMachines", "virtualmachine", &p).await
    }

    /// One VM, or `None` when it does not exist or is not the caller's.
    pub async fn get_virtual_machine(&self, id: &InstanceId) -> R<Option<VirtualMachine>> {
        match self.list_virtual_machines(&VmQuery { id: Some(id.clone()), ..Default::default() }).await {
            Ok(mut v) => Ok(v.pop()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn deploy_virtual_machine(&self, d: &DeployVm) -> R<AsyncAccepted> {
        let mut p: Params = vec![
            ("zoneid", d.zone_id.to_string()),
            ("serviceofferingid", d.service_offering_id.to_string()),
            ("templateid", d.template_id.to_string()),
            ("name", d.name.clone()),
            ("displayname", d.name.clone()),
            ("startvm", d.start.to_string()),
        ];
        opt(&mut p, "keypair", d.key_pair.as_ref());
        if !d.security_group_ids.is_empty() {
            p.push(("securitygroupids", d.security_group_ids.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",")));
        }
        opt(&mut p, "userdata", d.user_data_base64.as_deref());
        self.call("deployVirtualMachine", &p).await
    }

    pub async fn start_virtual_machine(&self, id: &InstanceId) -> R<AsyncAccepted> {
        self.call("startVirtualMachine", &[("id", id.to_string())]).await
    }

    pub async fn stop_virtual_machine(&self, id: &InstanceId, forced: bool) -> R<AsyncAccepted> {
        self.call("stopVirtualMachine", &[("id", id.to_string()), ("forced", forced.to_string())]).await
    }

    /// A console session for a running VM (CloudStack 4.18+).
    pub async fn create_console_endpoint(&self, id: &InstanceId) -> R<ConsoleEndpoint> {
        self.call_object("createConsoleEndpoint", "consoleendpoint", &[("virtualmachineid", id.to_string())]).await
    }

    pub async fn reboot_virtual_machine(&self, id: &InstanceId) -> R<AsyncAccepted> {
        self.call("rebootVirtualMachine", &[("id", id.to_string())]).await
    }

    pub async fn destroy_virtual_machine(&self, id: &InstanceId, expunge: bool) -> R<AsyncAccepted> {
        self.call("destroyVirtualMachine", &[("id", id.to_string()), ("expunge", expunge.to_string())]).await
    }

    /// Reinstall: a fresh root disk from `template_id` (or the current template).
    pub async fn restore_virtual_machine(&self, id: &InstanceId, template_id: Option<&TemplateId>) -> R<AsyncAccepted> {
        let mut p: Params = vec![("virtualmachineid", id.to_string())];
        opt(&mut p, "templateid", template_id);
        self.call("restoreVirtualMachine", &p).await
    }

    /// Sync, VM stopped, same storage type.
    pub async fn change_service_for_virtual_machine(&self, id: &InstanceId, offering_id: &OfferingId) -> R<VirtualMachine> {
        self.call_object(
            "changeServiceForVirtualMachine",
            "virtualmachine",
            &[("id", id.to_string()), ("serviceofferingid", offering_id.to_string())],
        )
        .await
    }

    /// Async, VM stopped; the job result carries the new password.
    pub async fn reset_password_for_virtual_machine(&self, id: &InstanceId) -> R<AsyncAccepted> {
        self.call("resetPasswordForVirtualMachine", &[("id", id.to_string())]).await
    }

    /// Sync, VM stopped: the VM's security groups become exactly `groups`.
    pub async fn update_virtual_machine_groups(&self, id: &InstanceId, groups: &[SecurityGroupId]) -> R<VirtualMachine> {
        let ids = groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",");
        self.call_object("updateVirtualMachine", "virtualmachine", &[("id", id.to_string()), ("securitygroupids", ids)]).await
    }

    // ---- volumes and snapshots ------------------------------------------------------------------

    /// A VM's ROOT volume(s).
    pub async fn list_volumes(&self, vm: &InstanceId) -> R<Vec<Volume>> {
        self.list("listVolumes", "volume", &[("virtualmachineid", vm.to_string()), ("type", "ROOT".into())]).await
    }

    /// One volume by id (any type), if the caller may see it.
    pub async fn volume(&self, id: &str) -> R<Option<Volume>> {
        Ok(self.list("listVolumes", "volume", &[("id", id.to_string())]).await?.into_iter().find(|v: &Volume| v.id == id))
    }

    /// Async, create-style: `id` is the new snapshot's.
    pub async fn create_snapshot(&self, volume_id: &str, name: Option<&str>) -> R<AsyncAccepted> {
        let mut p: Params = vec![("volumeid", volume_id.to_string())];
        opt(&mut p, "name", name);
        self.call("createSnapshot", &p).await
    }

    pub async fn list_snapshots(&self, volume_id: Option<&str>, id: Option<&str>) -> R<Vec<Snapshot>> {
        let mut p = Params::new();
        opt(&mut p, "volumeid", volume_id);
        opt(&mut p, "id", id);
        self.list("listSnapshots", "snapshot", &p).await
    }

    pub async fn delete_snapshot(&self, id: &str) -> R<AsyncAccepted> {
        self.call("deleteSnapshot", &[("id", id.to_string())]).await
    }

    /// The volume back to the snapshot; its VM must be stopped.
    pub async fn revert_snapshot(&self, id: &str) -> R<AsyncAccepted> {
        self.call("revertSnapshot", &[("id", id.to_string())]).await
    }

    /// Sync. `interval_type` HOURLY/DAILY/WEEKLY/MONTHLY, `schedule` as CloudStack writes it
    /// (`MM:HH` daily, `MM:HH:D` weekly), read in `timezone`; keeps the newest `max_snaps`.
    pub async fn create_snapshot_policy(
        &self,
        volume_id: &str,
        interval_type: &str,
        schedule: &str,
        max_snaps: u32,
        timezone: &str,
    ) -> R<SnapshotPolicy> {
        let p: Params = vec![
            ("volumeid", volume_id.to_string()),
            ("intervaltype", interval_type.to_string()),
            ("schedule", schedule.to_string()),
            ("maxsnaps", max_snaps.to_string()),
            ("timezone", timezone.to_string()),
        ];
        self.call_object("createSnapshotPolicy", "snapshotpolicy", &p).await
    }

    pub async fn list_snapshot_policies(&self, volume_id: &str) -> R<Vec<SnapshotPolicy>> {
        self.list("listSnapshotPolicies", "snapshotpolicy", &[("volumeid", volume_id.to_string())]).await
    }

    pub async fn delete_snapshot_policy(&self, id: &str) -> R<Success> {
        self.call("deleteSnapshotPolicies", &[("id", id.to_string())]).await
    }

    /// Async, create-style: a template of the account's own from a snapshot (a new instance from it).
    pub async fn create_template_from_snapshot(&self, snapshot_id: &str, name: &str) -> R<AsyncAccepted> {
        let p: Params = vec![("snapshotid", snapshot_id.to_string()), ("name", name.to_string()), ("displaytext", name.to_string())];
        self.call("createTemplate", &p).await
    }

    // ---- security groups ------------------------------------------------------------------------

    pub async fn list_security_groups(&self, id: Option<&SecurityGroupId>) -> R<Vec<SecurityGroup>> {
        let mut p = Params::new();
        opt(&mut p, "id", id);
        self.list("listSecurityGroups", "securitygroup", &p).await
    }

    pub async fn create_security_group(&self, name: &str, description: Option<&str>) -> R<SecurityGroup> {
        let mut p: Params = vec![("name", name.into())];
        opt(&mut p, "description", description);
        self.call_object("createSecurityGroup", "securitygroup", &p).await
    }

    pub async fn delete_security_group(&self, id: &SecurityGroupId) -> R<Success> {
        self.call("deleteSecurityGroup", &[("id", id.to_string())]).await
    }

    pub async fn authorize_security_group(&self, direction: Direction, rule: &RuleSpec) -> R<AsyncAccepted> {
        let mut p: Params = vec![("securitygroupid", rule.security_group_id.to_string()), ("protocol", rule.protocol.clone())];
        opt(&mut p, "startport", rule.start_port);
        opt(&mut p, "endport", rule.end_port);
        opt(&mut p, "icmptype", rule.icmp_type);
        opt(&mut p, "icmpcode", rule.icmp_code);
        if !rule.cidrs.is_empty() {
            p.push(("cidrlist", rule.cidrs.join(",")));
        }
        let mut indexed: Vec<(String, String)> = Vec::new();
        for (i, (account, group)) in rule.groups.iter().enumerate() {
            indexed.push((format!("usersecuritygrouplist[{i}].account"), account.clone()));
            indexed.push((format!("usersecuritygrouplist[{i}].group"), group.clone()));
        }
        let command = match direction {
            Direction::Ingress => "authorizeSecurityGroupIngress",
            Direction::Egress => "authorizeSecurityGroupEgress",
        };
        let all: Vec<(&str, String)> = p.into_iter().chain(indexed.iter().map(|(k, v)| (k.as_str(), v.clone()))).collect();
        self.call(command, &all).await
    }

    pub async fn revoke_security_group_rule(&self, direction: Direction, rule_id: &RuleId) -> R<AsyncAccepted> {
        let command = match direction {
            Direction::Ingress => "revokeSecurityGroupIngress",
            Direction::Egress => "revokeSecurityGroupEgress",
        };
        self.call(command, &[("id", rule_id.to_string())]).await
    }

    // ---- usage, jobs, accounts ------------------------------------------------------------------

    /// Admin. Both dates inclusive, `yyyy-MM-dd`.
    pub async fn list_usage_records(&self, start: NaiveDate, end: NaiveDate, usage_type: Option<UsageType>) -> R<Vec<UsageRecord>> {
        let mut p: Params = vec![("startdate", start.format("%Y-%m-%d").to_string()), ("enddate", end.format("%Y-%m-%d").to_string())];
        opt(&mut p, "type", usage_type.map(UsageType::number));
        self.list("listUsageRecords", "usagerecord", &p).await
    }

    /// A VM's stats samples between two instants (CloudStack 4.18+; older clouds answer that the
    /// command does not exist: `is_unknown_command`).
    pub async fn vm_usage_history(&self, id: &InstanceId, from: DateTime<Utc>, to: DateTime<Utc>) -> R<Vec<VmHistory>> {
        let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
        self.list(
            "listVirtualMachinesUsageHistory",
            "virtualmachine",
            &[("id", id.to_string()), ("startdate", at(from)), ("enddate", at(to)), ("listall", "true".into())],
        )
        .await
    }

    /// Admin: every VM in a zone with its counters (`listVirtualMachinesMetrics`), for the panel's own
    /// samples on clouds without the history.
    pub async fn vm_metrics_in_zone(&self, zone: &ZoneId) -> R<Vec<VirtualMachine>> {
        self.list("listVirtualMachinesMetrics", "virtualmachine", &[("zoneid", zone.to_string()), ("listall", "true".into())]).await
    }

    /// Admin: the VM whose disk a snapshot is of, while the cloud still has both (a usage record
    /// names only the snapshot).
    pub async fn snapshot_vm(&self, snapshot_id: &str) -> R<Option<InstanceId>> {
        let all = ("listall", "true".to_string());
        let snaps: Vec<Snapshot> = self.list("listSnapshots", "snapshot", &[("id", snapshot_id.to_string()), all.clone()]).await?;
        let Some(volume) = snaps.into_iter().find(|s| s.id == snapshot_id).and_then(|s| s.volumeid) else { return Ok(None) };
        let vols: Vec<Volume> = self.list("listVolumes", "volume", &[("id", volume.clone()), all]).await?;
        Ok(vols.into_iter().find(|v| v.id == volume).and_then(|v| v.virtualmachineid).and_then(|i| InstanceId::parse(&i).ok()))
    }

    /// How far the usage server has aggregated (admin, 4.17+).
    pub async fn usage_server_metrics(&self) -> R<UsageServerMetrics> {
        self.call_object("listUsageServerMetrics", "usageMetrics", &[]).await
    }

    /// The job itself is the envelope's content.
    pub async fn query_async_job_result(&self, job_id: &str) -> R<AsyncJob> {
        self.call("queryAsyncJobResult", &[("jobid", job_id.into())]).await
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
