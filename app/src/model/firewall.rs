//! Security groups as customers manage them: address ranges of either family, ports, ICMP, and rules
//! that exist for both families at once.
//!
//! In Basic networking every instance is on the public internet over IPv4 and IPv6, and a rule is
//! written per CIDR; CloudStack turns `icmp` with an IPv6 CIDR into an ICMPv6 rule. The parsers here
//! run in the browser as the customer types and again on the server, with the same messages.

use super::{InstanceId, RuleId, SecurityGroupId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

text_enum! {
    pub enum Family {
        V4 = "ipv4",
        V6 = "ipv6",
    }
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// Everywhere, in this family.
    pub fn anywhere(self) -> Cidr {
        match self {
            Family::V4 => Cidr { addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED), len: 0 },
            Family::V6 => Cidr { addr: IpAddr::V6(Ipv6Addr::UNSPECIFIED), len: 0 },
        }
    }
}

/// Why a CIDR was refused, and the network form when the customer only got the host bits wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrError {
    pub message: String,
    pub suggestion: Option<String>,
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An IPv4 or IPv6 network: an address with no bits set past its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    pub fn parse(raw: &str) -> Result<Cidr, CidrError> {
        let err = |message: String| CidrError { message, suggestion: None };
        let s = raw.trim();
        if s.is_empty() {
            return Err(err("Enter an address range, such as 203.0.113.0/24 or 2001:db8::/48.".into()));
        }
        if s.len() > 64 {
            return Err(err("That is too long to be an address range.".into()));
        }
        let (addr_text, len_text) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr = parse_addr(addr_text).map_err(err)?;
        let max = match addr {
            IpAddr::V4(_) => 32u8,
            IpAddr::V6(_) => 128u8,
        };
        let family = if max == 32 { "IPv4" } else { "IPv6" };
        let len = match len_text {
            None => max,
            Some(l) if l.is_empty() || !l.chars().all(|c| c.is_ascii_digit()) => {
                return Err(err(format!("After the / comes the prefix length, a number from 0 to {max} for {family}.")));
            }
            Some(l) => match l.parse::<u16>() {
                Ok(n) if n <= max as u16 => n as u8,
                _ => return Err(err(format!("The prefix length /{l} is too long: {family} allows /0 to /{max}."))),
            },
        };
        let network = mask(addr, len);
        if network != addr {
            let fixed = Cidr { addr: network, len };
            return Err(CidrError {
                message: format!("{s} has host bits set: the network it is in is {fixed}."),
                suggestion: Some(fixed.to_string()),
            });
        }
        Ok(Cidr { addr, len })
    }

    pub fn family(&self) -> Family {
        match self.addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    pub fn is_anywhere(&self) -> bool {
        self.len == 0
    }

    /// Does this network hold `ip`? (An IPv4-mapped IPv6 address counts as its IPv4 address.)
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => mask(ip, self.len) == self.addr,
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cidr::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.7`) is that IPv4 client.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

fn parse_addr(s: &str) -> Result<IpAddr, String> {
    if s.contains(':') {
        return s.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| format!("{s} is not a valid IPv6 address."));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return Err(format!("{s} is not an IPv4 address: it needs four numbers separated by dots, such as 203.0.113.0."));
    }
    let mut octets = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("{s} is not an IPv4 address: {p:?} is not a number from 0 to 255."));
        }
        octets[i] = p
            .parse::<u16>()
            .ok()
            .filter(|n| *n <= 255)
            .map(|n| n as u8)
            .ok_or_else(|| format!("{s} is not an IPv4 address: each of the four numbers must be 0 to 255, and {p} is not."))?;
    }
    Ok(IpAddr::V4(Ipv4Addr::from(octets)))
}

fn mask(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = if len == 0 { 0 } else { u32::MAX << (32 - len as u32) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = if len == 0 { 0 } else { u128::MAX << (128 - len as u32) };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

text_enum! {
    pub enum Protocol {
        Tcp = "tcp",
        Udp = "udp",
        /// ICMP for IPv4 ranges, ICMPv6 for IPv6 ranges.
        Icmp = "icmp",
        All = "all",
    }
}

impl Protocol {
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
            Protocol::All => "All traffic",
        }
    }

    pub fn parse_input(raw: &str) -> Result<Protocol, String> {
        Protocol::parse(&raw.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("Unknown protocol {:?}: use tcp, udp, icmp or all.", raw.chars().take(20).collect::<String>()))
    }
}

text_enum! {
    pub enum Direction {
        /// Traffic to the instance.
        Ingress = "ingress",
        /// Traffic from the instance.
        Egress = "egress",
    }
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Ingress => "Inbound",
            Direction::Egress => "Outbound",
        }
    }
}

/// TCP or UDP ports, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    /// From the API's two numbers; `end` defaults to `start`. The error names the field at fault.
    pub fn parse(start: Option<i64>, end: Option<i64>) -> Result<PortRange, (&'static str, String)> {
        let start = start.ok_or(("start_port", "Give a port, or a range such as 8000 to 8080.".to_string()))?;
        let end = end.unwrap_or(start);
        let check = |field: &'static str, p: i64| -> Result<u16, (&'static str, String)> {
            if (1..=65535).contains(&p) {
                Ok(p as u16)
            } else {
                Err((field, format!("Port {p} does not exist: ports are 1 to 65535.")))
            }
        };
        let (s, e) = (check("start_port", start)?, check("end_port", end)?);
        if s > e {
            return Err(("end_port", format!("The range ends before it starts: {s} to {e}. Put the lower port first.")));
        }
        Ok(PortRange { start: s, end: e })
    }

    /// Parses the form's text: `22`, `8000-8080`, `8000 to 8080`.
    pub fn parse_text(raw: &str) -> Result<PortRange, (&'static str, String)> {
        let t = raw.trim();
        let num = |s: &str| -> Result<i64, (&'static str, String)> {
            let s = s.trim();
            if s.is_empty() || s.len() > 6 || !s.chars().all(|c| c.is_ascii_digit()) {
                return Err(("start_port", format!("{s:?} is not a port number.")));
            }
            Ok(s.parse().unwrap_or(0))
        };
        match t.split_once('-').or_else(|| t.split_once(" to ")) {
            Some((a, b)) => PortRange::parse(Some(num(a)?), Some(num(b)?)),
            None if t.is_empty() => PortRange::parse(None, None),
            None => PortRange::parse(Some(num(t)?), None),
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}–{}", self.start, self.end)
        }
    }
}

/// An ICMP (or ICMPv6) type and code; −1 means any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IcmpMatch {
    pub icmp_type: i16,
    pub icmp_code: i16,
}

impl IcmpMatch {
    pub const ANY: IcmpMatch = IcmpMatch { icmp_type: -1, icmp_code: -1 };

    pub fn parse(icmp_type: Option<i64>, icmp_code: Option<i64>) -> Result<IcmpMatch, (&'static str, String)> {
        let t = icmp_type.unwrap_or(-1);
        let c = icmp_code.unwrap_or(if t == -1 { -1 } else { 0 });
        let check = |field: &'static str, v: i64| -> Result<i16, (&'static str, String)> {
            if (-1..=255).contains(&v) {
                Ok(v as i16)
            } else {
                Err((
                    field,
                    format!("{v} is not an ICMP {}: use 0 to 255, or −1 for any.", if field == "icmp_type" { "type" } else { "code" }),
                ))
            }
        };
        let (t, c) = (check("icmp_type", t)?, check("icmp_code", c)?);
        if t == -1 && c != -1 {
            return Err(("icmp_code", "With any ICMP type (−1) the code must be any (−1) too.".into()));
        }
        Ok(IcmpMatch { icmp_type: t, icmp_code: c })
    }
}

/// What a rule matches besides its address range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Traffic {
    Tcp(PortRange),
    Udp(PortRange),
    Icmp(IcmpMatch),
    All,
}

/// `/api/firewall/add_rules`' traffic fields as they travel: `{protocol, start_port?, end_port?,
/// icmp_type?, icmp_code?}`. The page sends a [`Traffic`]; the server parses it back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficInput {
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<i64>,
}

impl TrafficInput {
    pub fn parse(&self) -> Result<Traffic, (&'static str, String)> {
        Traffic::parse(&self.protocol, self.start_port, self.end_port, self.icmp_type, self.icmp_code)
    }
}

impl From<&Traffic> for TrafficInput {
    fn from(t: &Traffic) -> TrafficInput {
        let (ports, icmp) = (t.ports(), t.icmp());
        TrafficInput {
            protocol: t.protocol().as_str().to_string(),
            start_port: ports.map(|p| p.start as i64),
            end_port: ports.map(|p| p.end as i64),
            icmp_type: icmp.map(|m| m.icmp_type as i64),
            icmp_code: icmp.map(|m| m.icmp_code as i64),
        }
    }
}

impl Traffic {
    /// From the API's fields; ports only for TCP and UDP, type and code only for ICMP.
    pub fn parse(
        protocol: &str,
        start_port: Option<i64>,
        end_port: Option<i64>,
        icmp_type: Option<i64>,
        icmp_code: Option<i64>,
    ) -> Result<Traffic, (&'static str, String)> {
        let protocol = Protocol::parse_input(protocol).map_err(|m| ("protocol", m))?;
        let no_ports = || {
            if start_port.is_some() || end_port.is_some() {
                Err(("start_port", format!("{} rules have no ports.", protocol.label())))
            } else {
                Ok(())
            }
        };
        let no_icmp = || {
            if icmp_type.is_some() || icmp_code.is_some() {
                Err(("icmp_type", "Only ICMP rules have a type and code.".to_string()))
            } else {
                Ok(())
            }
        };
        Ok(match protocol {
            Protocol::Tcp => {
                no_icmp()?;
                Traffic::Tcp(PortRange::parse(start_port, end_port)?)
            }
            Protocol::Udp => {
                no_icmp()?;
                Traffic::Udp(PortRange::parse(start_port, end_port)?)
            }
            Protocol::Icmp => {
                no_ports()?;
                Traffic::Icmp(IcmpMatch::parse(icmp_type, icmp_code)?)
            }
            Protocol::All => {
                no_ports()?;
                no_icmp()?;
                Traffic::All
            }
        })
    }

    pub fn protocol(&self) -> Protocol {
        match self {
            Traffic::Tcp(_) => Protocol::Tcp,
            Traffic::Udp(_) => Protocol::Udp,
            Traffic::Icmp(_) => Protocol::Icmp,
            Traffic::All => Protocol::All,
        }
    }

    pub fn ports(&self) -> Option<PortRange> {
        match self {
            Traffic::Tcp(p) | Traffic::Udp(p) => Some(*p),
            _ => None,
        }
    }

    pub fn icmp(&self) -> Option<IcmpMatch> {
        match self {
            Traffic::Icmp(i) => Some(*i),
            _ => None,
        }
    }

    /// "TCP 22", "UDP 5000–5100", "ICMP type 8 code 0", "All traffic".
    pub fn label(&self) -> String {
        match self {
            Traffic::Tcp(p) => format!("TCP {p}"),
            Traffic::Udp(p) => format!("UDP {p}"),
            Traffic::Icmp(IcmpMatch { icmp_type: -1, .. }) => "ICMP, any type".into(),
            Traffic::Icmp(IcmpMatch { icmp_type, icmp_code: -1 }) => format!("ICMP type {icmp_type}, any code"),
            Traffic::Icmp(IcmpMatch { icmp_type, icmp_code }) => format!("ICMP type {icmp_type} code {icmp_code}"),
            Traffic::All => "All traffic".into(),
        }
    }
}

/// `/api/firewall/add_rules`, parsed: one direction and traffic, any number of ranges of both families
/// and of the customer's own groups (whose instances it admits over IPv4 and IPv6 at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRules {
    pub direction: Direction,
    pub traffic: Traffic,
    pub peers: Vec<Peer>,
}

impl NewRules {
    pub const MAX_CIDRS: usize = 50;
    pub const MAX_GROUPS: usize = 10;

    /// Every range and group name parsed; the first bad one is reported with its own message. At
    /// least one of the two is needed. Group names are the customer's own (the server checks they
    /// exist).
    pub fn parse_peers(cidrs: &[String], groups: &[String]) -> Result<Vec<Peer>, (&'static str, String)> {
        if cidrs.is_empty() && groups.is_empty() {
            return Err(("cidrs", "Say where the traffic may come from: \"anywhere\", address ranges, or a group's instances.".into()));
        }
        if cidrs.len() > Self::MAX_CIDRS {
            return Err(("cidrs", format!("At most {} address ranges per rule.", Self::MAX_CIDRS)));
        }
        if groups.len() > Self::MAX_GROUPS {
            return Err(("groups", format!("At most {} groups per rule.", Self::MAX_GROUPS)));
        }
        let mut out: Vec<Peer> = Vec::with_capacity(cidrs.len() + groups.len());
        for r in cidrs {
            let c = Peer::Cidr(Cidr::parse(r).map_err(|e| ("cidrs", e.message))?);
            if !out.contains(&c) {
                out.push(c);
            }
        }
        for g in groups {
            let name = GroupPeer::parse_name(g).map_err(|m| ("groups", m))?;
            let p = Peer::Group(GroupPeer { name, account: None });
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// The address ranges of this set (the groups left out).
    pub fn cidrs(&self) -> impl Iterator<Item = &Cidr> {
        self.peers.iter().filter_map(|p| match p {
            Peer::Cidr(c) => Some(c),
            Peer::Group(_) => None,
        })
    }
}

/// Whom a rule admits (ingress) or lets traffic out to (egress): an address range of one family, or
/// the instances in a security group over both families (CloudStack's `securitygroupname` +
/// `account`, created with `usersecuritygrouplist`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    Cidr(Cidr),
    Group(GroupPeer),
}

/// A group as a rule's other end.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupPeer {
    /// The name as the cloud holds it (`default` included, which [`GroupName`] refuses for a new
    /// group, so this is checked text rather than a `GroupName`).
    pub name: String,
    /// The account that owns the group, when it is not the customer's own (a rule a real cloud's
    /// operator wrote); `None` for the customer's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl GroupPeer {
    /// A group name as a rule may name it: what CloudStack accepts, `default` included.
    pub fn parse_name(raw: &str) -> Result<String, String> {
        let s = raw.trim();
        if s.is_empty() || s.chars().count() > 63 || s.chars().any(|c| c.is_control() || c == ',') {
            return Err(format!("{s:?} is not the name of a security group."));
        }
        Ok(s.to_string())
    }
}

impl Peer {
    /// The families a rule with this peer opens: a group's instances have addresses of both.
    pub fn families(&self) -> Vec<Family> {
        match self {
            Peer::Cidr(c) => vec![c.family()],
            Peer::Group(_) => vec![Family::V4, Family::V6],
        }
    }

    pub fn is_anywhere(&self) -> bool {
        matches!(self, Peer::Cidr(c) if c.is_anywhere())
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Cidr(c) => write!(f, "{c}"),
            Peer::Group(GroupPeer { name, account: None }) => write!(f, "instances in group {name}"),
            Peer::Group(GroupPeer { name, account: Some(a) }) => write!(f, "instances in group {name} of account {a}"),
        }
    }
}

/// One-click rules, for both families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Ssh,
    Http,
    Https,
    Ping,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Ssh, Preset::Http, Preset::Https, Preset::Ping];

    pub fn label(self) -> &'static str {
        match self {
            Preset::Ssh => "SSH (22)",
            Preset::Http => "HTTP (80)",
            Preset::Https => "HTTPS (443)",
            Preset::Ping => "Ping",
        }
    }

    /// The rule sets this preset adds: inbound from anywhere over IPv4 and IPv6. Ping is ICMP echo
    /// request, whose type differs by family (8 for ICMP, 128 for ICMPv6), so it is two sets.
    pub fn rule_sets(self) -> Vec<NewRules> {
        let both = vec![Family::V4.anywhere(), Family::V6.anywhere()];
        let tcp = |p: u16| NewRules {
            direction: Direction::Ingress,
            traffic: Traffic::Tcp(PortRange { start: p, end: p }),
            peers: both.iter().copied().map(Peer::Cidr).collect(),
        };
        match self {
            Preset::Ssh => vec![tcp(22)],
            Preset::Http => vec![tcp(80)],
            Preset::Https => vec![tcp(443)],
            Preset::Ping => [(Family::V4, 8), (Family::V6, 128)]
                .into_iter()
                .map(|(f, t)| NewRules {
                    direction: Direction::Ingress,
                    traffic: Traffic::Icmp(IcmpMatch { icmp_type: t, icmp_code: 0 }),
                    peers: vec![Peer::Cidr(f.anywhere())],
                })
                .collect(),
        }
    }
}

/// A security group's name: what customers pick, unique in their account; `default` is CloudStack's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupName(String);

impl GroupName {
    pub const MAX_CHARS: usize = 63;

    pub fn parse(raw: &str) -> Result<GroupName, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Give the group a name.".into());
        }
        let n = s.chars().count();
        if n > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters ({n} now).", Self::MAX_CHARS));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c))) {
            return Err(format!("Use letters, digits and - _ . only; '{}' is not allowed.", c.escape_default()));
        }
        if s.eq_ignore_ascii_case("default") {
            return Err("\"default\" is the group every account already has; choose another name.".into());
        }
        Ok(GroupName(s.to_string()))
    }
}

text_newtype!(GroupName, display);

/// An instance as a group lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRef {
    pub id: InstanceId,
    pub name: String,
}

/// `/api/firewall/list`: one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: SecurityGroupId,
    pub name: String,
    pub description: String,
    pub is_default: bool,
    pub rule_count: usize,
    pub instances: Vec<InstanceRef>,
}

/// One rule as the cloud holds it: one address range, or one group. On the wire the range is `cidr`
/// and the group `group` (exactly one of them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RuleWire", into = "RuleWire")]
pub struct RuleView {
    pub id: RuleId,
    pub direction: Direction,
    pub protocol: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<i16>,
    pub peer: Peer,
}

/// [`RuleView`] as JSON.
#[derive(Clone, Serialize, Deserialize)]
struct RuleWire {
    id: RuleId,
    direction: Direction,
    protocol: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    icmp_type: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    icmp_code: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cidr: Option<Cidr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<GroupPeer>,
}

impl TryFrom<RuleWire> for RuleView {
    type Error = &'static str;
    fn try_from(w: RuleWire) -> Result<RuleView, &'static str> {
        let peer = match (w.cidr, w.group) {
            (Some(c), None) => Peer::Cidr(c),
            (None, Some(g)) => Peer::Group(g),
            _ => return Err("a rule has either a cidr or a group"),
        };
        let RuleWire { id, direction, protocol, start_port, end_port, icmp_type, icmp_code, .. } = w;
        Ok(RuleView { id, direction, protocol, start_port, end_port, icmp_type, icmp_code, peer })
    }
}

impl From<RuleView> for RuleWire {
    fn from(r: RuleView) -> RuleWire {
        let (cidr, group) = match r.peer {
            Peer::Cidr(c) => (Some(c), None),
            Peer::Group(g) => (None, Some(g)),
        };
        let RuleView { id, direction, protocol, start_port, end_port, icmp_type, icmp_code, .. } = r;
        RuleWire { id, direction, protocol, start_port, end_port, icmp_type, icmp_code, cidr, group }
    }
}

impl RuleView {
    pub fn traffic(&self) -> Traffic {
        let ports = || PortRange { start: self.start_port.unwrap_or(1), end: self.end_port.unwrap_or(65535) };
        match self.protocol {
            Protocol::Tcp => Traffic::Tcp(ports()),
            Protocol::Udp => Traffic::Udp(ports()),
            Protocol::Icmp => Traffic::Icmp(IcmpMatch { icmp_type: self.icmp_type.unwrap_or(-1), icmp_code: self.icmp_code.unwrap_or(-1) }),
            Protocol::All => Traffic::All,
        }
    }

    /// Does this rule already do what `traffic` from `peer` would?
    pub fn same_as(&self, direction: Direction, traffic: &Traffic, peer: &Peer) -> bool {
        self.direction == direction && &self.traffic() == traffic && &self.peer == peer
    }
}

/// `/api/firewall/get`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub id: SecurityGroupId,
    pub name: String,
    pub description: String,
    pub is_default: bool,
    pub rules: Vec<RuleView>,
    pub instances: Vec<InstanceRef>,
    /// The names of every group of the account (this one included): what a rule's source may be.
    #[serde(default)]
    pub account_groups: Vec<String>,
}

/// `/api/firewall/add_rules`: what was written, and each range that failed with its reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRulesOutcome {
    pub added: Vec<RuleView>,
    pub failed: Vec<CidrFailure>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidrFailure {
    pub cidr: String,
    pub message: String,
}

/// A line of the rules table: the same traffic in one direction, for every range it is open to. The
/// IPv4 and IPv6 halves of one intent (the same ports from `0.0.0.0/0` and `::/0`, or ping as ICMP
/// type 8 and ICMPv6 type 128) are one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub direction: Direction,
    pub label: String,
    /// (rule, range or group) of each half, IPv4 first.
    pub members: Vec<(RuleId, Peer)>,
}

impl RuleRow {
    pub fn families(&self) -> Vec<Family> {
        let mut f: Vec<Family> = self.members.iter().flat_map(|(_, p)| p.families()).collect();
        f.sort();
        f.dedup();
        f
    }
}

/// The ICMPv6 counterpart of an ICMP type, for the few that have one with another number.
fn icmp_family_key(m: IcmpMatch, family: Family) -> (i16, i16) {
    match (family, m.icmp_type) {
        (Family::V6, 128) => (8, m.icmp_code), // echo request
        (Family::V6, 129) => (0, m.icmp_code), // echo reply
        (Family::V6, 1) => (3, m.icmp_code),   // destination unreachable
        (Family::V6, 3) => (11, m.icmp_code),  // time exceeded
        _ => (m.icmp_type, m.icmp_code),
    }
}

/// Groups a group's rules into table lines (see [`RuleRow`]), ingress first, in a stable order.
/// What makes two rules the same traffic: direction, protocol and the ports (or ICMP type and code,
/// in one family's numbering).
type TrafficKey = (Direction, Protocol, i32, i32);
/// The rules one line stands for, with their ranges or groups.
type Members = Vec<(RuleId, Peer)>;

pub fn rule_rows(rules: &[RuleView]) -> Vec<RuleRow> {
    let mut keyed: Vec<(TrafficKey, String, RuleId, Peer)> = rules
        .iter()
        .map(|r| {
            let t = r.traffic();
            let (a, b, label) = match t {
                Traffic::Tcp(p) | Traffic::Udp(p) => (p.start as i32, p.end as i32, t.label()),
                Traffic::Icmp(m) => {
                    // A group's instances are numbered as IPv4 (ICMP) unless the rule says ICMPv6.
                    let family = match &r.peer {
                        Peer::Cidr(c) => c.family(),
                        Peer::Group(_) => Family::V4,
                    };
                    let (kt, kc) = icmp_family_key(m, family);
                    let label = if (kt, kc) == (8, 0) { "Ping (ICMP echo request)".to_string() } else { t.label() };
                    (kt as i32, kc as i32, label)
                }
                Traffic::All => (0, 0, t.label()),
            };
            ((r.direction, r.protocol, a, b), label, r.id.clone(), r.peer.clone())
        })
        .collect();
    keyed.sort_by(|x, y| x.0.cmp(&y.0).then(x.3.cmp(&y.3)));
    let mut rows: Vec<(Members, TrafficKey, String)> = Vec::new();
    for (key, label, id, peer) in keyed {
        // Same traffic: one line per pair of ranges that mirror each other across families, so
        // `0.0.0.0/0` + `::/0` is one line, and a lone `203.0.113.0/24` its own line. A group's
        // rule is both families already: always a line of its own.
        let pairs_with = |members: &Members| match (&members[..], &peer) {
            ([(_, Peer::Cidr(first))], Peer::Cidr(cidr)) => first.family() != cidr.family() && first.is_anywhere() == cidr.is_anywhere(),
            _ => false,
        };
        match rows.iter_mut().find(|(m, k, _)| *k == key && pairs_with(m)) {
            Some((members, _, _)) => members.push((id, peer)),
            None => rows.push((vec![(id, peer)], key, label)),
        }
    }
    rows.into_iter().map(|(members, key, label)| RuleRow { direction: key.0, label, members }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_of_both_families_parse_and_print_canonically() {
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert_eq!(Cidr::parse(" 2001:DB8:0:0::/32 ").unwrap().to_string(), "2001:db8::/32");
        assert_eq!(Cidr::parse("::/0").unwrap().family(), Family::V6);
        assert_eq!(Cidr::parse("198.51.100.7").unwrap().to_string(), "198.51.100.7/32", "a lone address is that host");
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_message() {
        let e = Cidr::parse("192.0.2.1/24").unwrap_err();
        assert_eq!(e.message, "192.0.2.1/24 has host bits set: the network it is in is 192.0.2.0/24.");
        assert_eq!(e.suggestion.as_deref(), Some("192.0.2.0/24"));
        assert_eq!(Cidr::parse("2001:db8::1/64").unwrap_err().suggestion.as_deref(), Some("2001:db8::/64"));
        assert!(Cidr::parse("2001:db8::/200").unwrap_err().message.contains("/200 is too long: IPv6 allows /0 to /128"));
        assert!(Cidr::parse("10.0.0.0/33").unwrap_err().message.contains("IPv4 allows /0 to /32"));
        assert!(Cidr::parse("10.0.0.300/24").unwrap_err().message.contains("0 to 255, and 300 is not"));
        assert!(Cidr::parse("10.0.0/8").unwrap_err().message.contains("four numbers"));
        assert!(Cidr::parse("2001:db8::g/64").unwrap_err().message.contains("not a valid IPv6 address"));
        assert!(Cidr::parse("10.0.0.0/").unwrap_err().message.contains("prefix length"));
        assert!(Cidr::parse("").unwrap_err().message.contains("Enter an address range"));
    }

    #[test]
    fn ports_and_icmp_are_checked_with_the_field_at_fault() {
        assert_eq!(PortRange::parse(Some(22), None).unwrap(), PortRange { start: 22, end: 22 });
        assert_eq!(PortRange::parse(Some(0), Some(22)).unwrap_err().0, "start_port");
        assert_eq!(PortRange::parse(Some(22), Some(70000)).unwrap_err().0, "end_port");
        assert!(PortRange::parse(Some(80), Some(22)).unwrap_err().1.contains("ends before it starts"));
        assert_eq!(PortRange::parse_text("8000-8080").unwrap(), PortRange { start: 8000, end: 8080 });
        assert!(PortRange::parse_text("http").is_err());
        assert_eq!(IcmpMatch::parse(Some(8), None).unwrap(), IcmpMatch { icmp_type: 8, icmp_code: 0 });
        assert_eq!(IcmpMatch::parse(None, None).unwrap(), IcmpMatch::ANY);
        assert_eq!(IcmpMatch::parse(Some(256), None).unwrap_err().0, "icmp_type");
        assert_eq!(IcmpMatch::parse(Some(-1), Some(3)).unwrap_err().0, "icmp_code");
        assert_eq!(Traffic::parse("gre", None, None, None, None).unwrap_err().0, "protocol");
        assert_eq!(Traffic::parse("icmp", Some(22), None, None, None).unwrap_err().0, "start_port");
        assert_eq!(Traffic::parse("TCP", Some(443), Some(443), None, None).unwrap(), Traffic::Tcp(PortRange { start: 443, end: 443 }));
    }

    #[test]
    fn ipv4_mapped_clients_are_their_ipv4_address() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(canonical_ip(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert!(Cidr::parse("192.0.2.0/24").unwrap().contains(mapped));
        assert!(!Cidr::parse("::/0").unwrap().contains("192.0.2.7".parse().unwrap()));
    }

    fn rule(id: &str, protocol: Protocol, ports: Option<(u16, u16)>, icmp: Option<(i16, i16)>, cidr: &str) -> RuleView {
        RuleView {
            id: RuleId::parse(id).unwrap(),
            direction: Direction::Ingress,
            protocol,
            start_port: ports.map(|p| p.0),
            end_port: ports.map(|p| p.1),
            icmp_type: icmp.map(|i| i.0),
            icmp_code: icmp.map(|i| i.1),
            peer: Peer::Cidr(Cidr::parse(cidr).unwrap()),
        }
    }

    #[test]
    fn the_two_halves_of_a_dual_stack_rule_are_one_row() {
        let rows = rule_rows(&[
            rule("a", Protocol::Tcp, Some((22, 22)), None, "0.0.0.0/0"),
            rule("b", Protocol::Tcp, Some((22, 22)), None, "::/0"),
            rule("c", Protocol::Tcp, Some((22, 22)), None, "203.0.113.0/24"),
            rule("d", Protocol::Icmp, None, Some((8, 0)), "0.0.0.0/0"),
            rule("e", Protocol::Icmp, None, Some((128, 0)), "::/0"),
        ]);
        assert_eq!(rows.len(), 3, "{rows:?}");
        let ssh = rows.iter().find(|r| r.members.len() == 2 && r.label == "TCP 22").unwrap();
        assert_eq!(ssh.families(), vec![Family::V4, Family::V6]);
        let ping = rows.iter().find(|r| r.label.starts_with("Ping")).unwrap();
        assert_eq!(ping.members.len(), 2, "ICMP echo and ICMPv6 echo are one intent");
    }

    #[test]
    fn a_rule_from_a_group_is_its_own_row_for_both_families_and_reads_back_from_json() {
        let web = |id: &str| RuleView {
            peer: Peer::Group(GroupPeer { name: "web".into(), account: None }),
            ..rule(id, Protocol::Tcp, Some((5432, 5432)), None, "0.0.0.0/0")
        };
        let rows = rule_rows(&[web("g"), rule("a", Protocol::Tcp, Some((5432, 5432)), None, "::/0")]);
        assert_eq!(rows.len(), 2, "the group's rule pairs with nothing: {rows:?}");
        let group_row = rows.iter().find(|r| matches!(r.members[0].1, Peer::Group(_))).unwrap();
        assert_eq!(group_row.families(), vec![Family::V4, Family::V6]);
        assert_eq!(group_row.members[0].1.to_string(), "instances in group web");
        let json = serde_json::to_value(web("g")).unwrap();
        assert_eq!(json["group"]["name"], "web");
        assert!(json.get("cidr").is_none());
        assert_eq!(serde_json::from_value::<RuleView>(json).unwrap(), web("g"));
        let cidr = serde_json::to_value(rule("a", Protocol::Tcp, Some((22, 22)), None, "::/0")).unwrap();
        assert_eq!(cidr["cidr"], "::/0", "a range rule keeps its `cidr` on the wire");
        let both = serde_json::json!({"id": "x", "direction": "ingress", "protocol": "tcp", "cidr": "::/0", "group": {"name": "web"}});
        assert!(serde_json::from_value::<RuleView>(both).is_err(), "never both");
    }

    #[test]
    fn new_rules_take_ranges_and_groups_and_refuse_neither() {
        let peers = NewRules::parse_peers(&["203.0.113.0/24".into()], &["web".into(), "default".into(), "web".into()]).unwrap();
        assert_eq!(peers.len(), 3, "duplicates fold: {peers:?}");
        assert_eq!(NewRules::parse_peers(&[], &[]).unwrap_err().0, "cidrs");
        assert_eq!(NewRules::parse_peers(&[], &["a,b".into()]).unwrap_err().0, "groups");
        assert_eq!(NewRules::parse_peers(&[], &vec!["g".to_string(); 11]).unwrap_err().0, "groups");
    }

    #[test]
    fn presets_open_both_families() {
        let ssh = Preset::Ssh.rule_sets();
        assert_eq!(ssh[0].cidrs().map(|c| c.to_string()).collect::<Vec<_>>(), ["0.0.0.0/0", "::/0"]);
        let ping = Preset::Ping.rule_sets();
        assert_eq!(ping.iter().map(|r| r.traffic.icmp().unwrap().icmp_type).collect::<Vec<_>>(), [8, 128]);
    }
}
