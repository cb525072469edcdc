//! CloudStack's objects as the client reads them: every field optional or defaulted, unknown fields
//! ignored, numbers and booleans accepted in their historic shapes (see `wire`).

use super::wire::*;
use app::model::{InstanceId, OfferingId, RuleId, SecurityGroupId, TemplateId, ZoneId};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Zone {
    #[serde(deserialize_with = "typed_id")]
    pub id: ZoneId,
    pub name: String,
    #[serde(default)]
    pub networktype: String,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub securitygroupsenabled: bool,
    #[serde(default)]
    pub allocationstate: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub localstorageenabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceOffering {
    #[serde(deserialize_with = "typed_id")]
    pub id: OfferingId,
    pub name: String,
    #[serde(default)]
    pub displaytext: String,
    #[serde(default, deserialize_with = "u32_or_zero")]
    pub cpunumber: u32,
    #[serde(default, deserialize_with = "u32_or_zero")]
    pub cpuspeed: u32,
    /// MB.
    #[serde(default, deserialize_with = "u32_or_zero")]
    pub memory: u32,
    /// `local` | `shared`.
    #[serde(default)]
    pub storagetype: String,
    /// GB; absent when the root disk takes the template's size.
    #[serde(default, deserialize_with = "opt_i64")]
    pub rootdisksize: Option<i64>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub iscustomized: bool,
    #[serde(default, deserialize_with = "opt_date")]
    pub created: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    #[serde(deserialize_with = "typed_id")]
    pub id: TemplateId,
    pub name: String,
    #[serde(default)]
    pub displaytext: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub zoneid: Option<String>,
    #[serde(default)]
    pub zonename: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub isready: bool,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub passwordenabled: bool,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub sshkeyenabled: bool,
    #[serde(default)]
    pub ostypename: Option<String>,
    /// Bytes.
    #[serde(default, deserialize_with = "opt_i64")]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Nic {
    #[serde(default, deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub ipaddress: Option<String>,
    #[serde(default)]
    pub netmask: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub ip6address: Option<String>,
    #[serde(default)]
    pub ip6cidr: Option<String>,
    #[serde(default)]
    pub ip6gateway: Option<String>,
    #[serde(default)]
    pub macaddress: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub isdefault: bool,
    #[serde(default, rename = "type")]
    pub nic_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VirtualMachine {
    #[serde(deserialize_with = "typed_id")]
    pub id: InstanceId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub displayname: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub state: String,
    #[serde(deserialize_with = "typed_id")]
    pub zoneid: ZoneId,
    #[serde(default)]
    pub zonename: String,
    #[serde(deserialize_with = "typed_id")]
    pub templateid: TemplateId,
    #[serde(default)]
    pub templatename: String,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub passwordenabled: bool,
    #[serde(deserialize_with = "typed_id")]
    pub serviceofferingid: OfferingId,
    #[serde(default)]
    pub serviceofferingname: String,
    #[serde(default, deserialize_with = "u32_or_zero")]
    pub cpunumber: u32,
    #[serde(default, deserialize_with = "u32_or_zero")]
    pub memory: u32,
    #[serde(default, deserialize_with = "opt_f64")]
    pub cpuused: Option<f64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub networkkbsread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub networkkbswrite: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskkbsread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskkbswrite: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskioread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskiowrite: Option<i64>,
    #[serde(default)]
    pub nic: Vec<Nic>,
    #[serde(default)]
    pub securitygroup: Vec<SecurityGroup>,
    /// ≤ 4.16 `keypair`; 4.17+ `keypairs` (comma-separated).
    #[serde(default)]
    pub keypair: Option<String>,
    #[serde(default)]
    pub keypairs: Option<String>,
    /// Only in deploy / reset-password job results, for password-enabled templates.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub jobid: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub jobstatus: Option<i64>,
}

impl VirtualMachine {
    /// The NIC the panel shows: the default one, else the first.
    pub fn primary_nic(&self) -> Option<&Nic> {
        self.nic.iter().find(|n| n.isdefault).or_else(|| self.nic.first())
    }

    pub fn key_pair_name(&self) -> Option<&str> {
        self.keypair.as_deref().or(self.keypairs.as_deref()).filter(|k| !k.is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecurityGroupRule {
    #[serde(deserialize_with = "typed_id")]
    pub ruleid: RuleId,
    #[serde(default)]
    pub protocol: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub startport: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub endport: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub icmptype: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub icmpcode: Option<i64>,
    #[serde(default)]
    pub cidr: Option<String>,
    #[serde(default)]
    pub securitygroupname: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecurityGroup {
    #[serde(deserialize_with = "typed_id")]
    pub id: SecurityGroupId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub ingressrule: Vec<SecurityGroupRule>,
    #[serde(default)]
    pub egressrule: Vec<SecurityGroupRule>,
    /// The instances in the group (CloudStack 4.15+).
    #[serde(default)]
    pub virtualmachineids: Vec<InstanceId>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SshKeyPair {
    pub name: String,
    #[serde(default)]
    pub fingerprint: String,
    /// Only from `createSSHKeyPair`, once.
    #[serde(default)]
    pub privatekey: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
}

/// `queryAsyncJobResult` / `listAsyncJobs` item.
#[derive(Debug, Clone, Deserialize)]
pub struct AsyncJob {
    #[serde(deserialize_with = "id_string")]
    pub jobid: String,
    /// 0 pending, 1 succeeded, 2 failed (3 cancelled, rarely).
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub jobstatus: i64,
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub jobprocstatus: i64,
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub jobresultcode: i64,
    #[serde(default)]
    pub jobresult: Option<serde_json::Value>,
    #[serde(default)]
    pub jobinstancetype: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub jobinstanceid: Option<String>,
    #[serde(default)]
    pub cmd: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    pub created: Option<DateTime<Utc>>,
}

/// The kinds of usage record Zenith reads, by CloudStack's `usagetype` number (the cloud writes more
/// kinds, which Zenith does not ask for). Stored as the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type)]
#[repr(i64)]
pub enum UsageType {
    /// The time a VM ran.
    RunningVm = 1,
    /// The time a VM existed, running or stopped, per size: what Zenith bills.
    AllocatedVm = 2,
    /// A volume snapshot's size over time.
    Snapshot = 9,
}

impl UsageType {
    pub const ALL: [UsageType; 3] = [UsageType::RunningVm, UsageType::AllocatedVm, UsageType::Snapshot];

    pub fn number(self) -> i64 {
        self as i64
    }

    /// `None` for a kind Zenith does not read.
    pub fn from_number(n: i64) -> Option<UsageType> {
        Self::ALL.into_iter().find(|t| t.number() == n)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct UsageRecord {
    #[serde(default)]
    pub account: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub accountid: Option<String>,
    #[serde(default, deserialize_with = "opt_typed_id")]
    pub zoneid: Option<ZoneId>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub usage: String,
    /// A [`UsageType`]'s number, or another kind's.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub usagetype: i64,
    /// Hours for VM records, as text: see `billing::rule::micro_hours`.
    #[serde(default, deserialize_with = "opt_decimal_string")]
    pub rawusage: Option<String>,
    #[serde(default, deserialize_with = "opt_typed_id")]
    pub virtualmachineid: Option<InstanceId>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_typed_id")]
    pub offeringid: Option<OfferingId>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub templateid: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub usageid: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    pub startdate: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_date")]
    pub enddate: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub cpunumber: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub memory: Option<i64>,
    /// A snapshot's bytes on storage (type 9).
    #[serde(default, deserialize_with = "opt_i64")]
    pub size: Option<i64>,
}

/// `listVirtualMachinesUsageHistory` item (CloudStack 4.18+): one VM's stats samples.
#[derive(Debug, Clone, Deserialize)]
pub struct VmHistory {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub stats: Vec<VmStat>,
}

/// One sample of the stats collector: the CPU share then, and what moved since the previous sample
/// (KiB, operations).
#[derive(Debug, Clone, Deserialize)]
pub struct VmStat {
    #[serde(default, deserialize_with = "opt_date")]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub cpuused: Option<f64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub networkkbsread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub networkkbswrite: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskkbsread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskkbswrite: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskiopsread: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub diskiopswrite: Option<i64>,
}

/// `listVolumes` item: a VM's disk (Zenith's instances have their ROOT volume only).
#[derive(Debug, Clone, Deserialize)]
pub struct Volume {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub size: Option<i64>,
    #[serde(default)]
    pub storagetype: String,
    /// The VM it is attached to.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub virtualmachineid: Option<String>,
}

/// `listSnapshotPolicies` item, `createSnapshotPolicy`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotPolicy {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub volumeid: Option<String>,
    /// CloudStack's number: 0 hourly, 1 daily, 2 weekly, 3 monthly.
    #[serde(default, deserialize_with = "opt_i64")]
    pub intervaltype: Option<i64>,
    #[serde(default)]
    pub schedule: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub maxsnaps: Option<i64>,
    #[serde(default)]
    pub timezone: String,
}

/// `listSnapshots` item, `createSnapshot`'s result: CloudStack's state names (`Creating`,
/// `BackingUp`, `BackedUp`, …) and sizes as it reports them.
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub volumeid: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub zoneid: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub state: String,
    /// `MANUAL`, or the schedule's interval for a recurring one.
    #[serde(default)]
    pub snapshottype: String,
    #[serde(default, deserialize_with = "opt_i64")]
    pub physicalsize: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub virtualsize: Option<i64>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub revertable: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Domain {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub parentdomainid: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub accountid: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub name: String,
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub accounttype: i64,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub domainid: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub user: Vec<User>,
}

/// `listUsageServerMetrics` (4.17+): the usage server's heartbeat and last successful aggregation.
#[derive(Debug, Clone, Deserialize)]
pub struct UsageServerMetrics {
    #[serde(default, deserialize_with = "opt_date")]
    pub lastsuccessfuljob: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_date")]
    pub lastheartbeat: Option<DateTime<Utc>>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Clone, Deserialize)]
pub struct UserKeys {
    #[serde(default)]
    pub apikey: Option<String>,
    #[serde(default)]
    pub secretkey: Option<String>,
}

impl std::fmt::Debug for UserKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserKeys").field("apikey", &self.apikey).field("secretkey", &"<redacted>").finish()
    }
}

/// `createConsoleEndpoint`'s answer (§4.15).
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleEndpoint {
    pub success: bool,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub websocket: Option<ConsoleWebsocket>,
}

/// Where the console proxy's WebSocket is. `port` is text in some versions, a number in others.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleWebsocket {
    pub token: String,
    pub host: String,
    pub port: serde_json::Value,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub extra: Option<String>,
}

/// The immediate answer of an async command (`id` only for create-style ones).
#[derive(Debug, Clone, Deserialize)]
pub struct AsyncAccepted {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "id_string")]
    pub jobid: String,
}

/// `{"success":"true"}` (4.x sync) or `{"success":true}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Success {
    #[serde(default, deserialize_with = "flexible_bool")]
    pub success: bool,
    #[serde(default)]
    pub displaytext: Option<String>,
}
