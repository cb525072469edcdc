//! Security groups as customers manage them: address ranges of either family, ports, ICMP, and rules
//! that exist for both families at once.
//!
//! In Basic networking every instance is on the public internet over IPv4 and IPv6, and a rule is
//! written per CIDR; CloudStack turns `icmp` with an IPv6 CIDR into an ICMPv6 rule. The parsers here
//! run in the browser as the customer types and again on the server, with the same messages.
//!
//! `addresses` (networks), `traffic` (what a rule matches and whom it admits), `views` (what the
//! panel shows of groups and rules).

mod addresses;
mod traffic;
mod views;

pub use addresses::*;
pub use traffic::*;
pub use views::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuleId;
    use std::net::IpAddr;

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
