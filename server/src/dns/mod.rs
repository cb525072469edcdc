//! Reverse DNS for every instance address (`/api/instances/ptr*`).
//!
//! `reverse` holds the names (an address's reverse name and zone, the provider's default pattern);
//! `records` the PTRs Zenith means to exist (`repo`) and keeping DNS equal to them: PowerDNS through
//! its HTTP API (`pdns`) when `ZENITH_PDNS_URL` is set, else Zenith's own authoritative server
//! (`authority`, hickory-server on `ZENITH_DNS_ADDR`). A customer's name is checked forward first
//! (`forward`, hickory-resolver). This module is the customer's side: ownership, throttling, audit.

pub mod authority;
pub mod forward;
pub mod pdns;
pub mod records;
pub mod repo;
pub mod reverse;

use crate::audit;
use crate::auth::throttle::{self, Scope};
use crate::instances::{InstanceError, Instances};
use app::api::dns::DnsPort;
use app::error::AppError;
use app::model::audit::{AuditEvent, AuditOutcome};
use app::model::ptr::{Family, InstancePtrs, Ptr, PtrName};
use app::model::InstanceId;
use app::ports::{Principal, Writer};
use forward::{Forward, Unconfirmed};
use records::Records;
use std::net::IpAddr;

/// Attempts a customer may make per hour (sets, refused names and resets together): plenty for
/// setting up a fleet's mail servers, not a way to make PowerDNS churn or Zenith look names up.
pub const CHANGES_PER_HOUR: u32 = 60;

crate::feature_error! {
    pub enum DnsError {
        #[error("This instance has no {} address.", family.label())]
        NoAddress { family: Family },
        #[error("{0}")]
        Unconfirmed(Unconfirmed),
        #[error("Too many reverse DNS changes in the last hour; try again in {} minutes.", seconds.div_ceil(60))]
        Throttled { seconds: u64 },
        #[error("The DNS server did not take the change, so nothing changed. Try again in a minute.")]
        NotPublished(#[source] pdns::PdnsError),
        #[error("The DNS server did not answer, so the names cannot be shown just now. Try again in a minute.")]
        NotReadable(#[source] pdns::PdnsError),
    }
    causes { Denied(app::ports::Denied), Instance(InstanceError) }
}

impl From<DnsError> for AppError {
    fn from(e: DnsError) -> AppError {
        use DnsError::*;
        let sentence = e.to_string();
        match e {
            NoAddress { .. } => AppError::Conflict(sentence),
            Unconfirmed(_) => AppError::invalid("name", sentence),
            Throttled { seconds } => AppError::Throttled { retry_after: seconds },
            NotPublished(_) | NotReadable(_) => AppError::Unavailable(sentence),
            Denied(d) => d.into(),
            Instance(i) => i.into(),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

/// The customer's side of reverse DNS.
pub struct ReverseDns {
    db: crate::db::Db,
    records: Records,
    instances: Instances,
    forward: Forward,
}

/// An instance's address of one family, as the cloud reports it now.
struct Held {
    ip: IpAddr,
    cloud_zone: String,
}

impl ReverseDns {
    pub fn new(records: Records, instances: Instances, forward: Forward) -> ReverseDns {
        ReverseDns { db: instances.db.clone(), records, instances, forward }
    }

    /// The instance's addresses (IPv4 first), checked to be the caller's; their rows made when missing.
    async fn addresses(
        &self,
        customer: &app::model::CustomerId,
        id: &InstanceId,
    ) -> Result<(Vec<(Family, Held)>, Vec<repo::PtrRow>), DnsError> {
        let cloud = self.instances.cloud_for(customer).await?;
        let vm = self.instances.owned_vm(&cloud, customer, id).await?;
        let cloud_zone = if vm.zonename.is_empty() { self.instances.catalog.zone_name(&vm.zoneid).await } else { vm.zonename.clone() };
        let nic = vm.primary_nic().cloned().unwrap_or_default();
        let mut held = Vec::new();
        for (family, raw) in [(Family::Ipv4, nic.ipaddress), (Family::Ipv6, nic.ip6address)] {
            if let Some(ip) = raw.as_deref().and_then(|a| a.trim().parse::<IpAddr>().ok()) {
                held.push((family, Held { ip, cloud_zone: cloud_zone.clone() }));
            }
        }
        let ips: Vec<IpAddr> = held.iter().map(|(_, h)| h.ip).collect();
        let (rows, _) = self.records.adopt(vm.id.as_str(), &cloud_zone, &ips).await?;
        Ok((held, rows))
    }

    /// What DNS answers for these rows' reverse names: PowerDNS's records, or (embedded) the rows,
    /// which are what the embedded server answers.
    async fn answering(&self, rows: &[repo::PtrRow]) -> Result<Vec<Option<PtrName>>, DnsError> {
        let Some(pdns) = self.records.powerdns() else {
            return Ok(rows.iter().map(|r| Some(r.name.clone())).collect());
        };
        let mut zones = std::collections::HashMap::new();
        let mut out = Vec::new();
        for r in rows {
            if !zones.contains_key(&r.zone) {
                zones.insert(r.zone.clone(), pdns.ptrs(&r.zone).await.map_err(DnsError::NotReadable)?);
            }
            out.push(zones[&r.zone].get(&r.reverse_name).and_then(|t| PtrName::parse(t).ok()));
        }
        Ok(out)
    }

    fn ptr(&self, held: &Held, name: Option<PtrName>) -> Result<Ptr, DnsError> {
        let default = self.records.default_name(held.ip, &held.cloud_zone)?;
        Ok(Ptr { address: records::canonical(held.ip), default: name.as_ref() == Some(&default), name })
    }

    async fn ptrs(&self, p: &Principal, id: &InstanceId) -> Result<InstancePtrs, DnsError> {
        let customer = p.customer()?;
        let (held, rows) = self.addresses(customer, id).await?;
        let names = self.answering(&rows).await?;
        let mut out = InstancePtrs { ipv4: None, ipv6: None };
        for ((family, h), name) in held.iter().zip(names) {
            let ptr = Some(self.ptr(h, name)?);
            match family {
                Family::Ipv4 => out.ipv4 = ptr,
                Family::Ipv6 => out.ipv6 = ptr,
            }
        }
        Ok(out)
    }

    /// Sets (`Some`) or resets (`None`) one address's name: throttled, confirmed forward, written to
    /// DNS before the table (a DNS server that refuses leaves everything as it was), audited.
    async fn change(&self, w: &Writer<'_>, id: &InstanceId, family: Family, name: Option<PtrName>) -> Result<Ptr, DnsError> {
        let customer = w.customer()?;
        let (held, rows) = self.addresses(customer, id).await?;
        let (h, old) =
            held.iter().zip(&rows).find(|((f, _), _)| *f == family).map(|((_, h), r)| (h, r)).ok_or(DnsError::NoAddress { family })?;
        let scope = Scope::new(&format!("ptr:customer:{customer}"), throttle::per_hour(CHANGES_PER_HOUR));
        let attempt = match throttle::attempt(&self.db, std::slice::from_ref(&scope)).await? {
            Ok(a) => a,
            Err(seconds) => return Err(DnsError::Throttled { seconds }),
        };
        let default = self.records.default_name(h.ip, &h.cloud_zone)?;
        let (target, custom) = match name {
            Some(n) => {
                if n != default {
                    // A refused name counts: each one is a lookup made for the customer.
                    if let Err(u) = self.forward.confirm(&n, h.ip).await {
                        attempt.keep();
                        return Err(DnsError::Unconfirmed(u));
                    }
                }
                let custom = n != default;
                (n, custom)
            }
            None => (default, false),
        };
        let row = self.records.row(h.ip, target.clone(), custom, old.instance_id.as_deref(), &h.cloud_zone);
        if let Err(e) = self.records.publish(&row).await {
            attempt.forget(&self.db).await?;
            return Err(DnsError::NotPublished(e));
        }
        repo::put(&mut *self.db.pool.acquire().await?, &row).await?;
        attempt.keep();
        let detail = format!("{} {}: {} → {}{}", family.label(), row.address, old.name, row.name, if custom { "" } else { " (default)" });
        let action = AuditEvent::PtrChanged.into();
        audit::on_instance(&self.db, w.principal(), &customer.user(), action, id.as_str(), AuditOutcome::Succeeded, Some(&detail)).await;
        self.ptr(h, Some(target))
    }
}

#[async_trait::async_trait]
impl DnsPort for ReverseDns {
    async fn ptrs(&self, p: &Principal, id: &InstanceId) -> Result<InstancePtrs, AppError> {
        Ok(ReverseDns::ptrs(self, p, id).await?)
    }

    async fn set(&self, w: &Writer<'_>, id: &InstanceId, family: Family, name: PtrName) -> Result<Ptr, AppError> {
        Ok(self.change(w, id, family, Some(name)).await?)
    }

    async fn reset(&self, w: &Writer<'_>, id: &InstanceId, family: Family) -> Result<Ptr, AppError> {
        Ok(self.change(w, id, family, None).await?)
    }
}
