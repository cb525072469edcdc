//! The PTR records Zenith means to exist (`ptr_records`, the truth) and keeping DNS equal to them:
//! PowerDNS through its API when configured, else the embedded server, which reads the rows itself.
//!
//! - An address an instance holds always has a PTR: the provider's default until the customer sets a
//!   name. An address that comes to another instance (given back to the pool, handed out again)
//!   starts over from the default, so the next tenant never inherits the last one's name.
//! - When the instance lets go of it (destroyed, or gone from the directory), the name returns to the
//!   default at once; the next reconciliation removes the record of an address nobody holds.
//! - The reconciler (one server at a time, under a lease) puts back what was changed or lost in
//!   PowerDNS behind Zenith's back, and removes PTRs in Zenith's zones that no row accounts for.

use super::pdns::{PdnsError, PowerDns};
use super::repo::{self, PtrRow};
use super::reverse::{reverse_name, zone_of, DefaultPattern};
use crate::catalog::CatalogService;
use crate::cloud::types::VirtualMachine;
use crate::db::{now_ms, Db, Flag};
use crate::directory::Directory;
use app::model::ptr::PtrName;
use app::model::ZoneId;
use serde::Deserialize as _;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// The lease that makes one server reconcile at a time.
pub const LEASE: &str = "reverse-dns";

/// What one reconciliation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Addresses newly given their default.
    pub adopted: usize,
    /// Addresses whose instance was gone, returned to the default.
    pub released: usize,
    /// Records of addresses nobody holds, removed.
    pub removed: usize,
    /// PowerDNS records put back or taken out because they differed.
    pub repaired: usize,
}

#[derive(Clone)]
pub struct Records {
    db: Db,
    catalog: CatalogService,
    pdns: Option<PowerDns>,
    /// The reverse zones' name servers, as PowerDNS wants them (with their dots).
    nameservers: Vec<String>,
    pattern: DefaultPattern,
    /// Zones this process made sure exist in PowerDNS.
    zones_made: std::sync::Arc<std::sync::Mutex<HashSet<String>>>,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").field("pdns", &self.pdns).finish_non_exhaustive()
    }
}

/// The addresses a VM holds (its primary NIC's IPv4 and IPv6), as the cloud reports them.
pub fn addresses_of(vm: &VirtualMachine) -> Vec<IpAddr> {
    let nic = vm.primary_nic();
    [nic.and_then(|n| n.ipaddress.as_deref()), nic.and_then(|n| n.ip6address.as_deref())]
        .into_iter()
        .flatten()
        .filter_map(|a| a.trim().parse().ok())
        .collect()
}

/// The canonical text of an address (one row per address, whatever notation it came in).
pub fn canonical(ip: IpAddr) -> String {
    app::model::firewall::canonical_ip(ip).to_string()
}

impl Records {
    pub fn new(db: Db, catalog: CatalogService, pdns: Option<PowerDns>, nameservers: &[String], pattern: DefaultPattern) -> Records {
        let nameservers = nameservers.iter().map(|n| format!("{}.", n.trim().trim_end_matches('.'))).collect();
        Records { db, catalog, pdns, nameservers, pattern, zones_made: Default::default() }
    }

    pub fn powerdns(&self) -> Option<&PowerDns> {
        self.pdns.as_ref()
    }

    /// The provider's default name of `ip` in the cloud zone named `cloud_zone`.
    pub fn default_name(&self, ip: IpAddr, cloud_zone: &str) -> anyhow::Result<PtrName> {
        self.pattern.name(ip, cloud_zone).map_err(|e| anyhow::anyhow!("the default name of {ip}: {e}"))
    }

    pub fn row(&self, ip: IpAddr, name: PtrName, custom: bool, instance_id: Option<&str>, cloud_zone: &str) -> PtrRow {
        PtrRow {
            address: canonical(ip),
            reverse_name: reverse_name(ip),
            zone: zone_of(ip),
            name,
            custom: Flag(custom),
            instance_id: instance_id.map(str::to_string),
            cloud_zone: cloud_zone.to_string(),
            updated_at: now_ms(),
        }
    }

    /// Puts `row` into PowerDNS (its zone made first when missing). Nothing to do for the embedded
    /// server, which reads the table.
    pub async fn publish(&self, row: &PtrRow) -> Result<(), PdnsError> {
        let Some(pdns) = &self.pdns else { return Ok(()) };
        self.ensure_zone(pdns, &row.zone).await?;
        pdns.set_ptr(&row.zone, &row.reverse_name, &row.name).await
    }

    async fn ensure_zone(&self, pdns: &PowerDns, zone: &str) -> Result<(), PdnsError> {
        let made = |z: &str| self.zones_made.lock().unwrap_or_else(|e| e.into_inner()).contains(z);
        if !made(zone) {
            pdns.ensure_zone(zone, &self.nameservers).await?;
            self.zones_made.lock().unwrap_or_else(|e| e.into_inner()).insert(zone.to_string());
        }
        Ok(())
    }

    /// Writes a row and publishes it; a PowerDNS that does not answer is logged, and the reconciler
    /// puts the record in later (the table is the truth).
    async fn store(&self, row: &PtrRow) -> anyhow::Result<()> {
        repo::put(&mut *self.db.pool.acquire().await?, row).await?;
        if let Err(e) = self.publish(row).await {
            tracing::warn!(error = %e, address = %row.address, "PowerDNS did not take a PTR; the reconciler will retry");
        }
        Ok(())
    }

    /// The rows of the addresses `instance_id` holds now (see the module doc), made when missing;
    /// and how many it had to make.
    #[tracing::instrument(skip(self))]
    pub async fn adopt(&self, instance_id: &str, cloud_zone: &str, addresses: &[IpAddr]) -> anyhow::Result<(Vec<PtrRow>, usize)> {
        let (mut rows, mut made) = (Vec::new(), 0);
        for &ip in addresses {
            let existing = repo::get(&mut *self.db.pool.acquire().await?, &canonical(ip)).await?;
            match existing {
                Some(r) if r.instance_id.as_deref() == Some(instance_id) => rows.push(r),
                _ => {
                    let row = self.row(ip, self.default_name(ip, cloud_zone)?, false, Some(instance_id), cloud_zone);
                    self.store(&row).await?;
                    rows.push(row);
                    made += 1;
                }
            }
        }
        Ok((rows, made))
    }

    /// Every address `instance_id` held gets its default name back and no holder.
    #[tracing::instrument(skip(self))]
    pub async fn release(&self, instance_id: &str) -> anyhow::Result<usize> {
        let rows = repo::of_instance(&mut *self.db.pool.acquire().await?, instance_id).await?;
        for r in &rows {
            let ip: IpAddr = r.address.parse()?;
            let row = self.row(ip, self.default_name(ip, &r.cloud_zone)?, false, None, &r.cloud_zone);
            self.store(&row).await?;
        }
        Ok(rows.len())
    }

    /// After a cloud job succeeded: a deployed instance's addresses get their defaults at once, a
    /// destroyed one's go back to theirs.
    pub async fn after_job(&self, kind: app::model::JobKind, instance_id: &str, zone: Option<&ZoneId>, result: &serde_json::Value) {
        use app::model::JobKind;
        let outcome = match kind {
            JobKind::Deploy => {
                let Ok(vm) = VirtualMachine::deserialize(&result["virtualmachine"]) else { return };
                let cloud_zone = match zone {
                    _ if !vm.zonename.is_empty() => vm.zonename.clone(),
                    Some(z) => self.catalog.zone_name(z).await,
                    None => return,
                };
                self.adopt(instance_id, &cloud_zone, &addresses_of(&vm)).await.map(|_| ())
            }
            JobKind::Destroy => self.release(instance_id).await.map(|_| ()),
            _ => return,
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %format!("{e:#}"), instance = instance_id, "reverse DNS after a job; the reconciler will catch up");
        }
    }

    /// One pass (see the module doc); the directory is swept first, so it says who holds what now.
    #[tracing::instrument(skip_all)]
    pub async fn reconcile(&self, directory: &Directory) -> anyhow::Result<Reconciled> {
        let started = now_ms();
        directory.refresh().await?;
        let mut done = Reconciled::default();
        let live = crate::directory::repo::live(&mut *self.db.pool.acquire().await?).await?;
        let mut zone_names: HashMap<String, String> = HashMap::new();
        let mut held = HashSet::new();
        for e in &live {
            let cloud_zone = match zone_names.get(&e.zone_id) {
                Some(n) => n.clone(),
                None => {
                    let n = match ZoneId::parse(&e.zone_id) {
                        Ok(z) => self.catalog.zone_name(&z).await,
                        Err(_) => e.zone_id.clone(),
                    };
                    zone_names.insert(e.zone_id.clone(), n.clone());
                    n
                }
            };
            let addresses: Vec<IpAddr> = [&e.ipv4, &e.ipv6].into_iter().flatten().filter_map(|a| a.parse().ok()).collect();
            held.insert(e.instance_id.clone());
            done.adopted += self.adopt(&e.instance_id, &cloud_zone, &addresses).await?.1;
        }
        let rows = repo::all(&mut *self.db.pool.acquire().await?).await?;
        // An instance the sweep did not see is gone; a row written since the sweep began is left to
        // the next pass (its instance may have been deployed after the sweep listed its zone).
        let gone: HashSet<&str> = rows
            .iter()
            .filter(|r| r.updated_at < started)
            .filter_map(|r| r.instance_id.as_deref())
            .filter(|i| !held.contains(*i))
            .collect();
        for i in gone {
            done.released += self.release(i).await?;
        }
        // Given back before this pass (it answered the default meanwhile): nobody holds it, remove it.
        let rows = repo::all(&mut *self.db.pool.acquire().await?).await?;
        for r in rows.iter().filter(|r| r.instance_id.is_none() && r.updated_at < started) {
            if let Some(pdns) = &self.pdns {
                if let Err(e) = pdns.delete_ptr(&r.zone, &r.reverse_name).await {
                    tracing::warn!(error = %e, address = %r.address, "could not remove a PTR nobody holds; next pass");
                    continue;
                }
            }
            if repo::forget_unheld(&mut *self.db.pool.acquire().await?, &r.address).await? {
                done.removed += 1;
            }
        }
        if let Some(pdns) = &self.pdns {
            let rows = repo::all(&mut *self.db.pool.acquire().await?).await?;
            let mut by_zone: BTreeMap<&str, Vec<&PtrRow>> = BTreeMap::new();
            for r in &rows {
                by_zone.entry(r.zone.as_str()).or_default().push(r);
            }
            for (zone, want) in by_zone {
                self.ensure_zone(pdns, zone).await?;
                let have = pdns.ptrs(zone).await?;
                for r in &want {
                    let target = r.name.fqdn();
                    if have.get(&r.reverse_name).map(|t| t.to_ascii_lowercase()) != Some(target) {
                        tracing::info!(address = %r.address, "putting back a PTR that PowerDNS lost or changed");
                        self.publish(r).await?;
                        done.repaired += 1;
                    }
                }
                let ours: HashSet<&str> = want.iter().map(|r| r.reverse_name.as_str()).collect();
                for stray in have.keys().filter(|n| !ours.contains(n.as_str())) {
                    tracing::info!(name = %stray, "removing a PTR in Zenith's zone that no address accounts for");
                    pdns.delete_ptr(zone, stray).await?;
                    done.repaired += 1;
                }
            }
        }
        Ok(done)
    }
}
