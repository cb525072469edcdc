//! What the panel shows: a group's name, its summary and detail, its rules as the cloud holds them
//! (`RuleView`) and as table lines (`RuleRow`, the two families of one intent on one line).

use super::{Cidr, Direction, Family, GroupPeer, IcmpMatch, Peer, PortRange, Protocol, Traffic};
use crate::model::{InstanceId, RuleId, SecurityGroupId};
use serde::{Deserialize, Serialize};

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
    /// As the cloud holds them (`default` included, which a new group may not be called).
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
    /// The rule's other end as the request named it: a range, or "instances in group web".
    pub cidr: String,
    /// The cloud's reason, in the customer's words.
    pub message: String,
}

/// A line of the rules table: the same traffic in one direction, for every range it is open to. The
/// IPv4 and IPv6 halves of one intent (the same ports from `0.0.0.0/0` and `::/0`, or ping as ICMP
/// type 8 and ICMPv6 type 128) are one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub direction: Direction,
    /// The traffic in words ("SSH (TCP 22)", "Ping"), as the table shows it.
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
