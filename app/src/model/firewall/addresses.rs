//! Addresses: a network of either family (`Cidr`), parsed and printed canonically.

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
