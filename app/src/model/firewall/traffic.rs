//! Traffic: protocols, ports and ICMP types, what a rule admits from whom (`Peer`), the rules a
//! request adds (`NewRules`) and the one-click presets.

use super::{Cidr, Family};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// The protocol's word (`tcp`, `udp`, `icmp`, `all`), parsed by the server into a [`Traffic`] with
    /// an error naming this field (an API caller's typo is answered, not rejected as a bad body).
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
