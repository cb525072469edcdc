//! The embedded DNS server: with no PowerDNS configured, Zenith answers for its reverse zones itself
//! (hickory-server, UDP and TCP on `ZENITH_DNS_ADDR`), from the same `ptr_records` rows PowerDNS
//! would be given, so `dig -p 5353 @127.0.0.1 -x <address>` answers on a fresh clone.
//!
//! Authoritative only, and only for the zones Zenith holds a record in (an IPv4 /24, an IPv6 /64, see
//! `reverse`): PTR for a reverse name, SOA and NS at a zone's apex, NXDOMAIN or NODATA with the SOA
//! otherwise, REFUSED for every other name. Every answer is read from the database, so several servers
//! answer alike; the reads in flight are bounded, and a flood beyond that is answered SERVFAIL at once
//! rather than queued.

use super::repo;
use crate::db::Db;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, OpCode, ResponseCode};
use hickory_server::proto::rr::rdata::{NS, PTR, SOA};
use hickory_server::proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Database reads in flight at once.
const IN_FLIGHT: usize = 32;
/// A TCP client that sends nothing for this long is dropped.
const TCP_IDLE: Duration = Duration::from_secs(5);
/// How long resolvers may remember that a name has no PTR (the SOA's minimum).
const NEGATIVE_TTL: u32 = 60;

/// Answers queries for Zenith's reverse zones.
pub struct Authority {
    db: Db,
    /// The zones' name servers (`ZENITH_DNS_NAMESERVERS`), the first also the SOA's primary.
    nameservers: Vec<Name>,
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// What one query is answered with.
struct Answer {
    code: ResponseCode,
    authoritative: bool,
    answers: Vec<Record>,
    /// The SOA, for a negative answer.
    soa: Vec<Record>,
}

impl Answer {
    fn refused() -> Answer {
        Answer { code: ResponseCode::Refused, authoritative: false, answers: vec![], soa: vec![] }
    }
}

/// The reverse zone a query name falls in, when it is under `in-addr.arpa.` or `ip6.arpa.` deep
/// enough to have one: its last three octets or sixteen nibbles.
pub fn zone_of_name(qname: &str) -> Option<String> {
    let (depth, root) = if qname.ends_with(".in-addr.arpa.") {
        (3, "in-addr.arpa.")
    } else if qname.ends_with(".ip6.arpa.") {
        (16, "ip6.arpa.")
    } else {
        return None;
    };
    let labels: Vec<&str> = qname[..qname.len() - root.len()].trim_end_matches('.').split('.').collect();
    if labels.len() < depth || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    Some(labels[labels.len() - depth..].iter().map(|l| format!("{l}.")).collect::<String>() + root)
}

impl Authority {
    pub fn new(db: Db, nameservers: &[String]) -> anyhow::Result<Authority> {
        let nameservers = nameservers
            .iter()
            .map(|n| Name::from_ascii(format!("{}.", n.trim_end_matches('.'))))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("ZENITH_DNS_NAMESERVERS: {e}"))?;
        anyhow::ensure!(!nameservers.is_empty(), "ZENITH_DNS_NAMESERVERS names no server");
        Ok(Authority { db, nameservers, in_flight: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)) })
    }

    fn soa(&self, zone: &Name, changed_at: i64) -> Record {
        let primary = self.nameservers[0].clone();
        let contact =
            Name::from_ascii("hostmaster.").and_then(|h| h.append_domain(&primary.base_name())).unwrap_or_else(|_| primary.clone());
        // Seconds since the epoch of the zone's last change: grows with every change, as a serial must.
        let serial = u32::try_from(changed_at / 1000).unwrap_or(u32::MAX);
        Record::from_rdata(zone.clone(), NEGATIVE_TTL, RData::SOA(SOA::new(primary, contact, serial, 3600, 600, 604_800, NEGATIVE_TTL)))
    }

    async fn answer(&self, name: &Name, qtype: RecordType) -> anyhow::Result<Answer> {
        let qname = name.to_ascii().to_ascii_lowercase();
        let qname = if qname.ends_with('.') { qname } else { format!("{qname}.") };
        let Some(zone) = zone_of_name(&qname) else {
            return Ok(Answer::refused());
        };
        let mut conn = self.db.pool.acquire().await?;
        // The common question (a PTR that exists) is one read; the zone's SOA only when it is needed.
        let row = if qname == zone { None } else { repo::by_reverse_name(&mut conn, &qname).await? };
        if let Some(row) = row.as_ref().filter(|_| matches!(qtype, RecordType::PTR | RecordType::ANY)) {
            let target = Name::from_ascii(row.name.fqdn())?;
            let ptr = Record::from_rdata(name.clone(), super::pdns::PTR_TTL, RData::PTR(PTR(target)));
            return Ok(Answer { code: ResponseCode::NoError, authoritative: true, answers: vec![ptr], soa: vec![] });
        }
        let Some(changed_at) = repo::zone_changed_at(&mut conn, &zone).await? else {
            return Ok(Answer::refused());
        };
        let zone_name = Name::from_ascii(&zone)?;
        let soa = self.soa(&zone_name, changed_at);
        let mut a = Answer { code: ResponseCode::NoError, authoritative: true, answers: vec![], soa: vec![] };
        match (qname == zone, qtype) {
            (true, RecordType::SOA) => a.answers.push(soa),
            (true, RecordType::NS) => {
                a.answers =
                    self.nameservers.iter().map(|ns| Record::from_rdata(zone_name.clone(), 3600, RData::NS(NS(ns.clone())))).collect()
            }
            // A name that exists with no record of that type: NODATA; one that does not: NXDOMAIN.
            (true, _) => a.soa.push(soa),
            (false, _) if row.is_some() => a.soa.push(soa),
            (false, _) => {
                a.code = ResponseCode::NXDomain;
                a.soa.push(soa);
            }
        }
        Ok(a)
    }
}

#[async_trait::async_trait]
impl RequestHandler for Authority {
    async fn handle_request<R: ResponseHandler, T: Time>(&self, request: &Request, mut response: R) -> ResponseInfo {
        let mut meta = Metadata::response_from_request(&request.metadata);
        meta.recursion_available = false;
        let answer = match request.request_info() {
            Err(_) => Answer { code: ResponseCode::FormErr, ..Answer::refused() },
            Ok(_) if request.metadata.op_code != OpCode::Query => Answer { code: ResponseCode::NotImp, ..Answer::refused() },
            Ok(info) if info.query.query_class() != DNSClass::IN => Answer::refused(),
            Ok(info) => match self.in_flight.clone().try_acquire_owned() {
                Err(_) => Answer { code: ResponseCode::ServFail, ..Answer::refused() },
                Ok(_permit) => {
                    let q = info.query.original();
                    match self.answer(q.name(), q.query_type()).await {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "the embedded DNS server could not read its records");
                            Answer { code: ResponseCode::ServFail, ..Answer::refused() }
                        }
                    }
                }
            },
        };
        meta.response_code = answer.code;
        meta.authoritative = answer.authoritative;
        let msg = MessageResponseBuilder::from_message_request(request).build(
            meta,
            answer.answers.iter(),
            std::iter::empty(),
            answer.soa.iter(),
            std::iter::empty(),
        );
        match response.send_response(msg).await {
            Ok(info) => info,
            Err(e) => {
                tracing::debug!(error = %e, "a DNS answer could not be sent");
                ResponseInfo::from(Header { metadata: meta, counts: HeaderCounts::default() })
            }
        }
    }
}

/// The embedded server, listening.
pub struct Running {
    server: hickory_server::Server<Authority>,
    pub addr: SocketAddr,
}

impl Running {
    pub async fn stop(mut self) {
        if let Err(e) = self.server.shutdown_gracefully().await {
            tracing::debug!(error = %e, "the embedded DNS server stopped with an error");
        }
    }
}

/// Binds UDP and TCP on `addr` (port 0: one free port for both) and starts answering.
pub async fn listen(authority: Authority, addr: SocketAddr) -> anyhow::Result<Running> {
    let mut last = None;
    // With port 0, the port UDP got may be taken for TCP: try a few.
    for _ in 0..5 {
        let udp = tokio::net::UdpSocket::bind(addr).await?;
        let bound = udp.local_addr()?;
        match tokio::net::TcpListener::bind(bound).await {
            Ok(tcp) => {
                let mut server = hickory_server::Server::new(authority);
                server.register_socket(udp);
                server.register_listener(tcp, TCP_IDLE, 64);
                return Ok(Running { server, addr: bound });
            }
            Err(e) if addr.port() == 0 => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.map(anyhow::Error::from).unwrap_or_else(|| anyhow::anyhow!("no port for both UDP and TCP")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_name_falls_in_its_24_or_64() {
        assert_eq!(zone_of_name("17.2.0.192.in-addr.arpa.").as_deref(), Some("2.0.192.in-addr.arpa."));
        assert_eq!(zone_of_name("2.0.192.in-addr.arpa.").as_deref(), Some("2.0.192.in-addr.arpa."));
        assert_eq!(zone_of_name("0.192.in-addr.arpa."), None);
        let v6 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
        assert_eq!(zone_of_name(v6).as_deref(), Some("7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."));
        assert_eq!(zone_of_name("mail.example.com."), None);
        assert_eq!(zone_of_name("x..2.0.192.in-addr.arpa."), None);
    }
}
