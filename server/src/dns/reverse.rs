//! Where an address's PTR record lives: its reverse name (`1.2.0.192.in-addr.arpa.`, IPv6 as 32
//! nibbles under `ip6.arpa.`), the reverse zone that holds it (an IPv4 /24, an IPv6 /64: the nibble
//! boundary of the prefixes this cloud hands out), and the provider's default name for it
//! (`ZENITH_PTR_DEFAULT`).
//!
//! Addresses are parsed (`std::net::IpAddr`) before anything is written, so every notation of one
//! IPv6 address (`2001:db8::1`, `2001:0DB8:0:0::0001`) has the one reverse name.

use app::model::ptr::PtrName;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The reverse name of an address, with its trailing dot.
pub fn reverse_name(ip: IpAddr) -> String {
    arpa(ip, 4, 32)
}

/// The reverse zone that holds an address's PTR: its /24 (IPv4) or its /64 (IPv6).
pub fn zone_of(ip: IpAddr) -> String {
    arpa(ip, 3, 16)
}

/// The name under `in-addr.arpa.` of an IPv4 address's first `octets`, or under `ip6.arpa.` of an
/// IPv6 address's first `nibbles`: most significant last, each followed by a dot.
fn arpa(ip: IpAddr, octets: usize, nibbles: usize) -> String {
    let (digits, root): (Vec<String>, &str) = match ip {
        IpAddr::V4(v4) => (v4.octets()[..octets].iter().map(u8::to_string).collect(), "in-addr.arpa."),
        IpAddr::V6(v6) => {
            (v6.octets().iter().flat_map(|b| [b >> 4, b & 0xf]).take(nibbles).map(|x| format!("{x:x}")).collect(), "ip6.arpa.")
        }
    };
    digits.iter().rev().map(|d| format!("{d}.")).collect::<String>() + root
}

/// The provider's pattern for default names, one for both families: `{ipv4_dashed}`,
/// `{ipv6_dashed}` and `{address}` all stand for the address being named with dashes for its dots
/// or colons (IPv6 with every group written, so no label is empty: `2001-db8-0-0-0-0-0-1`), so
/// `{ipv4_dashed}.{zone}.cloud.example.net` names an IPv6 address the same way; `{zone}` is the
/// zone's name as a DNS label (`amsterdam`, `los-angeles`). Checked at start-up: the names it makes
/// must be valid.
#[derive(Clone, Debug)]
pub struct DefaultPattern(String);

impl DefaultPattern {
    pub const DEFAULT: &'static str = "{address}.{zone}.cloud.zenith.test";

    /// A pattern whose names are host names, tried on an address of each family.
    pub fn parse(pattern: &str) -> Result<DefaultPattern, String> {
        let p = DefaultPattern(pattern.trim().to_string());
        if !p.0.contains("{ipv4_dashed}") && !p.0.contains("{ipv6_dashed}") && !p.0.contains("{address}") {
            return Err(format!("ZENITH_PTR_DEFAULT {pattern:?} names no address ({{address}}, {{ipv4_dashed}} or {{ipv6_dashed}}): every address would get the same name"));
        }
        for ip in [
            IpAddr::V4(Ipv4Addr::new(203, 0, 113, 254)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff)),
        ] {
            p.name(ip, "Los Angeles").map_err(|e| format!("ZENITH_PTR_DEFAULT {pattern:?} makes an invalid name: {e}"))?;
        }
        Ok(p)
    }

    /// The default name of `ip` in the zone named `zone`.
    pub fn name(&self, ip: IpAddr, zone: &str) -> Result<PtrName, String> {
        let dashed = match ip {
            IpAddr::V4(v4) => v4.to_string().replace('.', "-"),
            IpAddr::V6(v6) => v6.segments().iter().map(|s| format!("{s:x}")).collect::<Vec<_>>().join("-"),
        };
        let name = ["{address}", "{ipv4_dashed}", "{ipv6_dashed}"].iter().fold(self.0.clone(), |n, p| n.replace(p, &dashed));
        let name = name.replace("{zone}", &zone_label(zone));
        PtrName::parse(&name)
    }
}

/// A zone's name as one DNS label: lower case, runs of anything else as one hyphen.
fn zone_label(zone: &str) -> String {
    let mut out = String::new();
    for c in zone.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "zone".to_string()
    } else {
        out.chars().take(63).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_ipv4_address_is_its_octets_backwards() {
        assert_eq!(reverse_name(ip("192.0.2.17")), "17.2.0.192.in-addr.arpa.");
        assert_eq!(zone_of(ip("192.0.2.17")), "2.0.192.in-addr.arpa.");
    }

    #[test]
    fn every_notation_of_an_ipv6_address_is_one_nibble_name() {
        let want = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
        for s in ["2001:db8::1", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0::0:1", "2001:DB8::0001"] {
            assert_eq!(reverse_name(ip(s)), want, "{s}");
        }
        assert_eq!(zone_of(ip("2001:db8:0:7::1")), "7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
        assert!(reverse_name(ip("2001:db8:0:7::1")).ends_with(&zone_of(ip("2001:db8:0:7::1"))));
    }

    #[test]
    fn default_names_follow_the_providers_pattern_for_both_families() {
        let p = DefaultPattern::parse("{address}.{zone}.cloud.example.net").unwrap();
        assert_eq!(p.name(ip("192.0.2.17"), "Amsterdam").unwrap().to_string(), "192-0-2-17.amsterdam.cloud.example.net");
        assert_eq!(p.name(ip("2001:db8::1"), "Los Angeles").unwrap().to_string(), "2001-db8-0-0-0-0-0-1.los-angeles.cloud.example.net");
        // The example pattern names IPv6 the same way.
        let p = DefaultPattern::parse("{ipv4_dashed}.{zone}.cloud.example.net").unwrap();
        assert_eq!(p.name(ip("2001:DB8::1"), "Tokyo").unwrap().to_string(), "2001-db8-0-0-0-0-0-1.tokyo.cloud.example.net");
        assert_eq!(p.name(ip("198.51.100.7"), "Miami").unwrap().to_string(), "198-51-100-7.miami.cloud.example.net");
        DefaultPattern::parse(DefaultPattern::DEFAULT).unwrap();
    }

    #[test]
    fn a_pattern_that_names_no_address_or_makes_bad_names_is_refused_at_start() {
        assert!(DefaultPattern::parse("host.example.net").unwrap_err().contains("names no address"));
        assert!(DefaultPattern::parse("{address}_x.example.net").unwrap_err().contains("invalid name"));
        assert!(DefaultPattern::parse("{address}").unwrap_err().contains("full name"));
    }
}
