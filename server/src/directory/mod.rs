//! The instance directory: what Zenith last saw of every instance in the cloud (owner, zone, name,
//! addresses), so support can find a customer by an instance's name, id or address without asking
//! every zone for every instance on every search.
//!
//! The cloud stays the owner: the directory is refreshed by a sweep (one server at a time, under a
//! lease), and a search for an address or id it does not know triggers a sweep at once (at most one in
//! flight, shared by every search waiting for it), so an instance deployed a minute ago is found. Instances
//! that disappear keep their row, marked gone: an abuse report about last week's address still finds
//! who had it.

pub mod repo;

use crate::cloud::catalog::Catalog;
use crate::cloud::commands::VmQuery;
use crate::cloud::types::VirtualMachine;
use crate::cloud::CloudStack;
use crate::db::{now_ms, Db};
use crate::instances::view::canonical_ipv6;
use anyhow::Context as _;
use std::sync::Arc;
use std::time::Instant;

/// The lease that makes one server sweep at a time.
pub const LEASE: &str = "directory-sweep";

pub struct Directory {
    db: Db,
    admin: CloudStack,
    catalog: Arc<Catalog>,
    /// Held while sweeping; holds when the last sweep started.
    sweeping: tokio::sync::Mutex<Option<Instant>>,
}

/// What one sweep saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub instances: usize,
    pub zones_failed: usize,
}

/// One instance as the directory records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub instance_id: String,
    /// The CloudStack account, which names the customer (see `repo::record_zone`).
    pub account: String,
    pub zone_id: String,
    pub name: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub state: String,
}

impl Entry {
    /// A VM with an owner; whether it is a Zenith customer's is decided when it is recorded.
    pub fn of(vm: &VirtualMachine) -> Option<Entry> {
        let account = vm.account.clone().filter(|a| !a.is_empty())?;
        let nic = vm.primary_nic();
        Some(Entry {
            instance_id: vm.id.to_string(),
            account,
            zone_id: vm.zoneid.to_string(),
            name: vm.name.to_lowercase(),
            ipv4: nic.and_then(|n| n.ipaddress.clone()).filter(|a| !a.is_empty()),
            ipv6: nic.and_then(|n| n.ip6address.as_deref()).and_then(canonical_ipv6),
            state: vm.state.clone(),
        })
    }
}

impl Directory {
    pub fn new(db: Db, admin: CloudStack, catalog: Arc<Catalog>) -> Directory {
        Directory { db, admin, catalog, sweeping: tokio::sync::Mutex::new(None) }
    }

    /// Lists every zone's instances with the admin key and records them; an instance no longer listed
    /// in a zone that answered is marked gone. A zone that fails keeps its rows as they were.
    #[tracing::instrument(skip_all)]
    pub async fn sweep(&self) -> anyhow::Result<Swept> {
        let mut last = self.sweeping.lock().await;
        let started = Instant::now();
        let swept = self.sweep_zones().await;
        *last = Some(started);
        swept
    }

    async fn sweep_zones(&self) -> anyhow::Result<Swept> {
        let started = now_ms();
        let zones = self.catalog.zones().await.context("listing zones for the directory")?;
        let mut swept = Swept::default();
        for zone in zones.iter() {
            let q = VmQuery { zone_id: Some(zone.id.clone()), list_all: true, ..Default::default() };
            match self.admin.list_virtual_machines(&q).await {
                Ok(vms) => {
                    let entries: Vec<Entry> = vms.iter().filter_map(Entry::of).collect();
                    swept.instances += entries.len();
                    repo::record_zone(&self.db, &zone.id.to_string(), &entries, started).await?;
                }
                Err(e) => {
                    swept.zones_failed += 1;
                    tracing::warn!(zone = %zone.name, error = %e, "the directory could not list a zone; its entries stay as they were");
                }
            }
        }
        Ok(swept)
    }

    /// A sweep that starts after this call: callers that arrive while one runs wait for it and then
    /// share the next, so a burst of searches makes one sweep, not many.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let asked = Instant::now();
        let mut last = self.sweeping.lock().await;
        if last.is_some_and(|started| started >= asked) {
            return Ok(());
        }
        let started = Instant::now();
        let swept = self.sweep_zones().await;
        *last = Some(started);
        swept.map(|_| ())
    }
}
