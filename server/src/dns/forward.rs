//! Forward confirmation (FCrDNS): a customer's name becomes an address's PTR only when the name
//! already resolves to that address (an A record for IPv4, AAAA for IPv6), as the large mail
//! providers check from the other side. Looked up with hickory-resolver through the system's
//! resolver or `ZENITH_DNS_RESOLVER`, with its cache off: a customer who has just added the record
//! and tries again must be asked about the record as it is now.

use app::model::ptr::{Family, PtrName};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::Resolver;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Why a name was not confirmed, as the customer reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unconfirmed {
    #[error("{name} has no {kind} record, so it cannot name {address}. Add {kind} {address} to {name} first, then try again.")]
    NoRecord { name: String, kind: &'static str, address: IpAddr },
    #[error("{name} has {kind} {found}, not {address}. Point {name} at {address} first, then try again.")]
    Elsewhere { name: String, kind: &'static str, found: String, address: IpAddr },
    #[error("{name} could not be looked up just now ({why}); try again in a minute.")]
    LookupFailed { name: String, why: String },
}

#[derive(Clone)]
pub struct Forward {
    /// `Err`: the system's configuration could not be read (every lookup then says so).
    resolver: Result<Resolver<TokioRuntimeProvider>, String>,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Forward")
    }
}

impl Forward {
    /// `server`: one resolver's `ip:port` (UDP, then TCP for long answers); `None`: the system's.
    pub fn new(server: Option<SocketAddr>) -> anyhow::Result<Forward> {
        let mut builder = match server {
            Some(addr) => {
                let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                    .into_iter()
                    .map(|mut c| {
                        c.port = addr.port();
                        c
                    })
                    .collect();
                let ns = NameServerConfig::new(addr.ip(), true, connections);
                Resolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), TokioRuntimeProvider::default())
            }
            None => match Resolver::builder_tokio() {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "no system resolver configuration: names cannot be confirmed; set ZENITH_DNS_RESOLVER");
                    return Ok(Forward { resolver: Err(format!("no resolver is configured: {e}")) });
                }
            },
        };
        let o = builder.options_mut();
        o.timeout = Duration::from_secs(3);
        o.attempts = 2;
        o.cache_size = 0;
        o.positive_max_ttl = Some(Duration::ZERO);
        o.negative_max_ttl = Some(Duration::ZERO);
        // The name is always fully qualified: no search domains.
        o.ndots = 0;
        Ok(Forward { resolver: Ok(builder.build().map_err(|e| anyhow::anyhow!("building the DNS resolver: {e}"))?) })
    }

    /// Whether `name` resolves to `address` (among its records of the address's family).
    #[tracing::instrument(skip(self))]
    pub async fn confirm(&self, name: &PtrName, address: IpAddr) -> Result<(), Unconfirmed> {
        let family = if address.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
        let kind = family.forward_type();
        let rtype = if address.is_ipv4() { RecordType::A } else { RecordType::AAAA };
        let shown = name.to_string();
        let resolver = self.resolver.as_ref().map_err(|why| Unconfirmed::LookupFailed { name: shown.clone(), why: why.clone() })?;
        let found: Vec<IpAddr> = match resolver.lookup(name.fqdn(), rtype).await {
            Ok(lookup) => lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })
                .collect(),
            Err(e) if e.is_no_records_found() => Vec::new(),
            Err(e) => {
                tracing::info!(error = %e, "a forward lookup failed");
                let why = if e.to_string().to_lowercase().contains("timed out") { "no answer in time".to_string() } else { e.to_string() };
                return Err(Unconfirmed::LookupFailed { name: shown, why });
            }
        };
        if found.contains(&address) {
            return Ok(());
        }
        if found.is_empty() {
            return Err(Unconfirmed::NoRecord { name: shown, kind, address });
        }
        let found = found.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ");
        Err(Unconfirmed::Elsewhere { name: shown, kind, found, address })
    }
}
