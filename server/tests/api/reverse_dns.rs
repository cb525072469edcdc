//! Reverse DNS against Debian's PowerDNS (started by the test): what Zenith writes through the
//! PowerDNS API is what `dig -x` reads, for IPv4 and for IPv6 in any notation; writing twice changes
//! nothing; a removed PTR stops answering; the zone's PTRs read back for the reconciler.

use crate::helpers::pdns::{dig_x, Pdns, API_KEY};
use app::model::ptr::PtrName;
use secrecy::SecretString;
use server::dns::pdns::PowerDns;
use server::dns::reverse::{reverse_name, zone_of};
use std::net::IpAddr;

#[tokio::test]
async fn what_zenith_writes_to_powerdns_is_what_dig_reads_for_both_families() {
    let pdns = Pdns::start().await;
    let api = PowerDns::new(&pdns.url, &SecretString::from(API_KEY), "localhost").unwrap();
    let ns = vec!["ns1.zenith.test.".to_string()];
    let name = |s: &str| PtrName::parse(s).unwrap();

    for (written, asked) in [("192.0.2.17", "192.0.2.17"), ("2001:0DB8:0:7:0::0011", "2001:db8:0:7::11")] {
        let ip: IpAddr = written.parse().unwrap();
        let (zone, rname) = (zone_of(ip), reverse_name(ip));
        // The zone is made when missing, and asking again is harmless.
        api.ensure_zone(&zone, &ns).await.unwrap();
        api.ensure_zone(&zone, &ns).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), Vec::<String>::new(), "nothing answers before a PTR is written");

        api.set_ptr(&zone, &rname, &name("Host-1.Example.NET")).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), vec!["host-1.example.net"], "{asked}");
        // Written again, or replaced: one name answers.
        api.set_ptr(&zone, &rname, &name("host-1.example.net")).await.unwrap();
        api.set_ptr(&zone, &rname, &name("mail.example.net.")).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), vec!["mail.example.net"], "{asked}");
        let listed = api.ptrs(&zone).await.unwrap();
        assert_eq!(listed.get(&rname).map(String::as_str), Some("mail.example.net."), "{listed:?}");

        api.delete_ptr(&zone, &rname).await.unwrap();
        api.delete_ptr(&zone, &rname).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), Vec::<String>::new(), "a removed PTR stops answering");
        assert!(api.ptrs(&zone).await.unwrap().is_empty());
    }

    // A wrong key is refused, and says so.
    let wrong = PowerDns::new(&pdns.url, &SecretString::from("not-the-key"), "localhost").unwrap();
    let e = wrong.ensure_zone("100.51.198.in-addr.arpa.", &ns).await.unwrap_err().to_string();
    assert!(e.contains("401") || e.contains("403"), "{e}");
    assert!(!format!("{api:?}").contains(API_KEY), "the key is not in the client's debug form");
}
