//! Everything the simulated cloud knows, persisted as one JSON document.
//!
//! Entities mirror CloudStack's: domains, accounts with users and API keys, five Basic zones with an
//! IPv4 pool from RFC 5737 and an IPv6 /64 from 2001:db8::/32 each, two offering families, templates,
//! VMs with one NIC and a ROOT volume, security groups, SSH key pairs and async jobs. How each is
//! shown in CloudStack's JSON is `render`, one place, so every command shows an object the same way.

pub mod metrics;
mod render;
pub mod schedule;

pub(crate) use render::fxhash;

pub use render::rule_json;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub use crate::crypto::random_token;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    /// 0 user, 1 root admin.
    pub account_type: i64,
    pub state: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub api_key: Option<String>,
    pub secret_key: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub description: String,
    /// First usable address, number of addresses, gateway, netmask.
    pub ipv4_first: Ipv4Addr,
    pub ipv4_count: u32,
    pub ipv4_gateway: Ipv4Addr,
    pub ipv4_netmask: Ipv4Addr,
    pub ipv6_prefix: Ipv6Addr,
    pub ipv6_gateway: Ipv6Addr,
    pub network_id: String,
}

impl Zone {
    pub fn ipv6_cidr(&self) -> String {
        format!("{}/64", self.ipv6_prefix)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Offering {
    pub id: String,
    pub name: String,
    pub display_text: String,
    pub cpu: u32,
    pub cpu_speed: u32,
    pub memory_mb: u32,
    /// `local` (Agile) or `shared` (Stamina).
    pub storage_type: String,
    pub root_disk_gb: u32,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub display_text: String,
    pub os_type: String,
    pub size_bytes: i64,
    pub password_enabled: bool,
    pub created: DateTime<Utc>,
    /// A customer's own template (made from a snapshot), usable by that account only and in its
    /// zone only; `None` for the public catalogue.
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub zone_id: Option<String>,
}

impl Template {
    /// May `account` deploy from it in `zone`?
    pub fn usable_by(&self, account: &str, zone: &str) -> bool {
        self.account_id.as_deref().is_none_or(|a| a == account) && self.zone_id.as_deref().is_none_or(|z| z == zone)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Nic {
    pub id: String,
    pub mac: String,
    pub ipv4: Ipv4Addr,
    pub ipv6: Ipv6Addr,
}

/// A period of a VM's life, for usage records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub offering_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub account_id: String,
    pub zone_id: String,
    pub template_id: String,
    pub offering_id: String,
    pub state: String,
    pub created: DateTime<Utc>,
    pub nic: Nic,
    pub root_volume_id: String,
    pub security_group_ids: Vec<String>,
    pub key_pair: Option<String>,
    pub user_data: Option<String>,
    /// When it was destroyed (expunged after `expunge.delay`).
    pub destroyed_at: Option<DateTime<Utc>>,
    /// The job currently acting on it.
    pub pending_job: Option<String>,
    pub running: Vec<Span>,
    pub allocated: Span,
    /// The sizes it had over its life, one span each (a resize ends one and starts the next), for
    /// ALLOCATED_VM records. Older state files have none: then `allocated` says it all.
    #[serde(default)]
    pub sizes: Vec<Span>,
    /// Expunged VMs stay here, hidden, so usage can still be reported for them.
    pub expunged: bool,
}

impl Vm {
    /// A new size from `now` on: usage up to now stays with the old one.
    pub fn resize(&mut self, offering: &str, now: DateTime<Utc>) {
        if self.sizes.is_empty() {
            self.sizes.push(self.allocated.clone());
        }
        if let Some(last) = self.sizes.last_mut() {
            last.end.get_or_insert(now);
        }
        self.sizes.push(Span { start: now, end: None, offering_id: offering.to_string() });
        self.offering_id = offering.to_string();
    }

    /// The sizes it had, each with its span (ending when the VM's life ends). Gaps (destroyed, then
    /// recovered) are not covered by any span.
    pub fn size_spans(&self) -> Vec<Span> {
        let mut spans = if self.sizes.is_empty() { vec![self.allocated.clone()] } else { self.sizes.clone() };
        if let (Some(last), Some(end)) = (spans.last_mut(), self.allocated.end) {
            last.end.get_or_insert(end);
        }
        spans
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    pub name: String,
    pub vm_id: String,
    pub zone_id: String,
    pub account_id: String,
    pub size_bytes: i64,
    pub storage_type: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rule {
    pub id: String,
    pub protocol: String,
    pub start_port: Option<i64>,
    pub end_port: Option<i64>,
    pub icmp_type: Option<i64>,
    pub icmp_code: Option<i64>,
    /// Whom the rule admits (or lets out to): an address range, or the members of a group.
    #[serde(flatten)]
    pub source: RuleSource,
}

/// A rule's other end, as CloudStack stores it: `cidr`, or `securitygroupname` + `account`
/// (`usersecuritygrouplist` when created). Flattened, so saved states from before group rules read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum RuleSource {
    Cidr(String),
    Group { account: String, group: String },
}

impl Rule {
    /// Same rule apart from its id (CloudStack silently skips duplicates).
    pub fn same_as(&self, o: &Rule) -> bool {
        self.protocol == o.protocol
            && self.start_port == o.start_port
            && self.end_port == o.end_port
            && self.icmp_type == o.icmp_type
            && self.icmp_code == o.icmp_code
            && self.source == o.source
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPair {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub fingerprint: String,
    pub public_key: String,
}

/// A ROOT volume's snapshot. On Stamina (Ceph) it is taken in place and quick; on Agile (local SSD) it
/// is copied to secondary storage and takes longer: `ready_at` is when it is `BackedUp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub volume_id: String,
    pub vm_id: String,
    pub zone_id: String,
    /// `MANUAL`, or the schedule's interval (`DAILY`, `WEEKLY`, …) for a recurring one.
    pub snapshot_type: String,
    pub created: DateTime<Utc>,
    pub ready_at: DateTime<Utc>,
    /// Bytes it takes on storage (what usage bills), and the volume's size.
    pub physical_size: i64,
    pub virtual_size: i64,
    pub removed: Option<DateTime<Utc>>,
    /// The schedule that took it (`None`: taken by hand).
    #[serde(default)]
    pub policy_id: Option<String>,
}

impl Volume {
    /// The share of the volume a snapshot of it takes: 15 to 30 %, fixed by the volume's id.
    pub fn snapshot_size(&self) -> i64 {
        let spread = self.id.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 16;
        self.size_bytes / 100 * (15 + spread as i64)
    }
}

/// A recurring snapshot schedule of a volume (`createSnapshotPolicy`): CloudStack's `schedule` is
/// `MM` (HOURLY), `MM:HH` (DAILY), `MM:HH:D` (WEEKLY, 1 = Sunday) or `MM:HH:DD` (MONTHLY), read in
/// `timezone`; it keeps the newest `max_snaps` of its snapshots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotPolicy {
    pub id: String,
    pub account_id: String,
    pub volume_id: String,
    pub interval_type: String,
    pub schedule: String,
    pub max_snaps: u32,
    pub timezone: String,
    /// Occurrences up to here have been taken.
    pub checked_until: DateTime<Utc>,
}

impl Snapshot {
    /// A snapshot of `vol` taken at `at` (`BackedUp` at `ready_at`), by hand or by a schedule.
    pub fn of(
        vol: &Volume,
        name: String,
        snapshot_type: &str,
        at: DateTime<Utc>,
        ready_at: DateTime<Utc>,
        policy_id: Option<String>,
    ) -> Snapshot {
        Snapshot {
            id: new_id(),
            name,
            account_id: vol.account_id.clone(),
            volume_id: vol.id.clone(),
            vm_id: vol.vm_id.clone(),
            zone_id: vol.zone_id.clone(),
            snapshot_type: snapshot_type.to_string(),
            created: at,
            ready_at,
            physical_size: vol.snapshot_size(),
            virtual_size: vol.size_bytes,
            removed: None,
            policy_id,
        }
    }

    /// CloudStack's name for a snapshot nobody named: `<vm>_<volume>_<yyyyMMddHHmmss>`.
    pub fn default_name(vm: &str, vol: &Volume, at: DateTime<Utc>) -> String {
        format!("{vm}_{}_{}", vol.name, at.format("%Y%m%d%H%M%S"))
    }

    /// CloudStack's state name at `now`: `Creating`, `BackingUp` (the copy), `BackedUp` when ready.
    pub fn state(&self, now: DateTime<Utc>) -> &'static str {
        if self.removed.is_some() {
            "Destroyed"
        } else if now >= self.ready_at {
            "BackedUp"
        } else if now < self.created + (self.ready_at - self.created) / 4 {
            "Creating"
        } else {
            "BackingUp"
        }
    }
}

/// What finishing a job does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum JobAction {
    Deploy { vm: String, start: bool, password: Option<String> },
    Start { vm: String },
    Stop { vm: String },
    Reboot { vm: String },
    Destroy { vm: String, expunge: bool },
    Expunge { vm: String },
    Restore { vm: String, template: String, password: Option<String>, was: String },
    Scale { vm: String, offering: String },
    ResetPassword { vm: String, password: String },
    Authorize { group: String, ingress: bool, rules: Vec<Rule> },
    Revoke { group: String, ingress: bool, rule: String },
    Snapshot { snapshot: String },
    CreateTemplate { template: Template },
    DeleteSnapshot { snapshot: String },
    RevertSnapshot { snapshot: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub account_id: String,
    pub user_id: String,
    pub cmd: String,
    pub instance_type: String,
    pub instance_id: Option<String>,
    pub created: DateTime<Utc>,
    pub due: DateTime<Utc>,
    /// 0 pending, 1 succeeded, 2 failed.
    pub status: i64,
    pub result_code: i64,
    pub result: Option<Value>,
    pub action: JobAction,
    pub fail: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct World {
    /// Simulated time runs this many seconds ahead of the wall clock (`POST /sim/clock`).
    pub clock_offset_secs: i64,
    /// A stopped clock: simulated time stays here until moved (`POST /sim/clock {"freeze": true}`),
    /// so a test can make events happen at exact instants.
    #[serde(default)]
    pub frozen_at: Option<DateTime<Utc>>,
    pub domains: Vec<Domain>,
    pub accounts: Vec<Account>,
    pub users: Vec<User>,
    pub zones: Vec<Zone>,
    pub offerings: Vec<Offering>,
    pub templates: Vec<Template>,
    pub vms: Vec<Vm>,
    pub volumes: Vec<Volume>,
    pub security_groups: Vec<SecurityGroup>,
    pub key_pairs: Vec<KeyPair>,
    pub jobs: Vec<Job>,
    pub mac_counter: u64,
    /// Volume snapshots, kept after deletion (`removed`) for their usage records.
    #[serde(default)]
    pub snapshots: Vec<Snapshot>,
    #[serde(default)]
    pub snapshot_policies: Vec<SnapshotPolicy>,
}

/// The five cities, in the order `listZones` returns them.
pub const CITIES: [&str; 5] = ["Amsterdam", "Barcelona", "Miami", "Tokyo", "Los Angeles"];

impl World {
    /// A fresh cloud: ROOT domain with a root admin, five zones, the catalogue.
    pub fn seeded(admin_key: &str, admin_secret: &str, ipv4_pools: &[(Ipv4Addr, u32)]) -> World {
        let now = Utc::now();
        let mut w = World::default();
        let root = Domain { id: new_id(), name: "ROOT".into(), parent_id: None, path: "ROOT".into() };
        let admin = Account {
            id: new_id(),
            name: "admin".into(),
            domain_id: root.id.clone(),
            account_type: 1,
            state: "enabled".into(),
            created: now,
        };
        w.users.push(User {
            id: new_id(),
            account_id: admin.id.clone(),
            username: "admin".into(),
            email: "admin@cloud.example".into(),
            first_name: "Cloud".into(),
            last_name: "Admin".into(),
            api_key: Some(admin_key.into()),
            secret_key: Some(admin_secret.into()),
            created: now,
        });
        w.domains.push(root);
        w.security_groups.push(SecurityGroup::default_for(&admin.id));
        w.accounts.push(admin);

        for (i, city) in CITIES.iter().enumerate() {
            let (first, count) = ipv4_pools[i % ipv4_pools.len()];
            let n = i as u16 + 1;
            // Pool: the block's .1 is the gateway, addresses from .2 up to before the broadcast address.
            let base = u32::from(first);
            w.zones.push(Zone {
                id: new_id(),
                name: city.to_string(),
                description: format!("{city} — Basic networking, security groups"),
                ipv4_first: Ipv4Addr::from(base + 2),
                ipv4_count: count.saturating_sub(3),
                ipv4_gateway: Ipv4Addr::from(base + 1),
                ipv4_netmask: netmask_for(count),
                ipv6_prefix: Ipv6Addr::new(0x2001, 0xdb8, n * 0x100, 0, 0, 0, 0, 0),
                ipv6_gateway: Ipv6Addr::new(0x2001, 0xdb8, n * 0x100, 0, 0, 0, 0, 1),
                network_id: new_id(),
            });
        }

        let sizes: [(&str, u32, u32, u32); 6] = [
            ("XS", 1, 1024, 20),
            ("S", 1, 2048, 40),
            ("M", 2, 4096, 80),
            ("L", 4, 8192, 160),
            ("XL", 8, 16384, 240),
            ("XXL", 8, 32768, 320),
        ];
        for (family, storage, what) in [("Agile", "local", "local SSD"), ("Stamina", "shared", "Ceph, 3 replicas")] {
            for (size, cpu, mem, disk) in sizes {
                w.offerings.push(Offering {
                    id: new_id(),
                    name: format!("{family} {size}"),
                    display_text: format!("{cpu} vCPU, {} GB RAM, {disk} GB {what}", mem / 1024),
                    cpu,
                    cpu_speed: 2400,
                    memory_mb: mem,
                    storage_type: storage.into(),
                    root_disk_gb: disk,
                    created: now,
                });
            }
        }
        for (name, os) in [
            ("Debian 12", "Debian GNU/Linux 12 (64-bit)"),
            ("Ubuntu 24.04 LTS", "Ubuntu 24.04 LTS (64-bit)"),
            ("Rocky Linux 9", "Rocky Linux 9 (64-bit)"),
            ("AlmaLinux 9", "AlmaLinux 9 (64-bit)"),
            ("Fedora 41", "Fedora 41 (64-bit)"),
        ] {
            w.templates.push(Template {
                id: new_id(),
                name: name.into(),
                display_text: format!("{name}, cloud-init enabled"),
                os_type: os.into(),
                size_bytes: 10 * 1024 * 1024 * 1024,
                password_enabled: true,
                created: now,
                account_id: None,
                zone_id: None,
            });
        }
        w
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.frozen_at.unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(self.clock_offset_secs))
    }

    /// Moves simulated time forward to `to` (never back: spans and jobs depend on it) and stops it
    /// there, or lets it run again from there.
    pub fn set_clock(&mut self, to: DateTime<Utc>, frozen: bool) -> Result<(), String> {
        if to < self.now() {
            return Err(format!("the clock only moves forward: it is {} already", self.now().to_rfc3339()));
        }
        if frozen {
            self.frozen_at = Some(to);
        } else {
            self.frozen_at = None;
            self.clock_offset_secs = (to - Utc::now()).num_seconds();
        }
        Ok(())
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    pub fn offering(&self, id: &str) -> Option<&Offering> {
        self.offerings.iter().find(|o| o.id == id)
    }

    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    pub fn vm(&self, id: &str) -> Option<&Vm> {
        self.vms.iter().find(|v| v.id == id && !v.expunged)
    }

    pub fn vm_mut(&mut self, id: &str) -> Option<&mut Vm> {
        self.vms.iter_mut().find(|v| v.id == id && !v.expunged)
    }

    pub fn group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| g.id == id)
    }

    /// A unique guest MAC in the `06:` range basic zones use.
    pub fn next_mac(&mut self) -> String {
        self.mac_counter += 1;
        let n = self.mac_counter;
        let salt: u8 = rand::thread_rng().gen();
        format!("06:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", salt & 0x7f, (n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8, n as u8)
    }

    /// The lowest free address of a zone's pool, never one a live VM holds.
    pub fn free_ipv4(&self, zone: &Zone) -> Option<Ipv4Addr> {
        let used: std::collections::HashSet<Ipv4Addr> =
            self.vms.iter().filter(|v| !v.expunged && v.zone_id == zone.id).map(|v| v.nic.ipv4).collect();
        (0..zone.ipv4_count).map(|i| Ipv4Addr::from(u32::from(zone.ipv4_first) + i)).find(|a| !used.contains(a))
    }
}

fn netmask_for(count: u32) -> Ipv4Addr {
    let bits = 32 - count.next_power_of_two().trailing_zeros();
    Ipv4Addr::from(if bits == 0 { 0 } else { u32::MAX << (32 - bits) })
}

/// SLAAC's EUI-64: flip the universal/local bit, insert `ff:fe` in the middle of the MAC.
pub fn eui64(prefix: Ipv6Addr, mac: &str) -> Option<Ipv6Addr> {
    let b: Vec<u8> = mac.split(':').map(|x| u8::from_str_radix(x, 16)).collect::<Result<_, _>>().ok()?;
    if b.len() != 6 {
        return None;
    }
    let iid = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
    let mut octets = prefix.octets();
    octets[8..].copy_from_slice(&iid);
    Some(Ipv6Addr::from(octets))
}

impl SecurityGroup {
    pub fn default_for(account_id: &str) -> SecurityGroup {
        SecurityGroup {
            id: new_id(),
            account_id: account_id.into(),
            name: "default".into(),
            description: "Default Security Group".into(),
            ingress: vec![],
            egress: vec![],
        }
    }
}

/// RFC 5737's three documentation blocks, shared by the five zones (Amsterdam and Barcelona split
/// 192.0.2.0/24, Miami and Tokyo 198.51.100.0/24, Los Angeles has 203.0.113.0/24).
pub fn default_ipv4_pools() -> Vec<(Ipv4Addr, u32)> {
    vec![
        (Ipv4Addr::new(192, 0, 2, 0), 128),
        (Ipv4Addr::new(192, 0, 2, 128), 128),
        (Ipv4Addr::new(198, 51, 100, 0), 128),
        (Ipv4Addr::new(198, 51, 100, 128), 128),
        (Ipv4Addr::new(203, 0, 113, 0), 256),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eui64_matches_cloudstacks_own_test_vectors() {
        let cases = [
            ("2001:db8:100::", "06:7a:88:00:00:8b", "2001:db8:100::47a:88ff:fe00:8b"),
            ("2a00:f10:121:b00::", "06:34:a0:00:1b:c7", "2a00:f10:121:b00:434:a0ff:fe00:1bc7"),
            ("2001:980:7936::", "e8:2a:ea:58:eb:98", "2001:980:7936:0:ea2a:eaff:fe58:eb98"),
        ];
        for (prefix, mac, want) in cases {
            assert_eq!(eui64(prefix.parse().unwrap(), mac).unwrap(), want.parse::<Ipv6Addr>().unwrap());
        }
    }

    #[test]
    fn five_zones_each_with_a_documentation_pool_and_a_64() {
        let pools = default_ipv4_pools();
        let w = World::seeded("k", "s", &pools);
        assert_eq!(w.zones.iter().map(|z| z.name.as_str()).collect::<Vec<_>>(), CITIES);
        for z in &w.zones {
            let first = z.ipv4_first.octets();
            assert!(matches!((first[0], first[1], first[2]), (192, 0, 2) | (198, 51, 100) | (203, 0, 113)), "{}", z.ipv4_first);
            assert!(z.ipv6_prefix.segments()[0] == 0x2001 && z.ipv6_prefix.segments()[1] == 0xdb8);
        }
        assert_eq!(w.offerings.iter().filter(|o| o.storage_type == "local").count(), 6);
        assert_eq!(w.offerings.iter().filter(|o| o.storage_type == "shared").count(), 6);
    }

    #[test]
    fn macs_are_unique_and_in_the_guest_range() {
        let mut w = World::default();
        let macs: std::collections::HashSet<String> = (0..1000).map(|_| w.next_mac()).collect();
        assert_eq!(macs.len(), 1000);
        assert!(macs.iter().all(|m| m.starts_with("06:")));
    }
}
