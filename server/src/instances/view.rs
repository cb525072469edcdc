//! From CloudStack's objects to what the panel shows.

use crate::cloud::types::{ServiceOffering, VirtualMachine};
use app::model::instance::Busy;
use app::model::{Instance, InstanceState, OfferingId, Tier};
use std::net::Ipv6Addr;

/// An IPv6 address in canonical compressed form (RFC 5952), whatever form the cloud sent.
pub fn canonical_ipv6(s: &str) -> Option<String> {
    s.trim().parse::<Ipv6Addr>().ok().map(|a| a.to_string())
}

pub fn tier_of(offering_id: &OfferingId, offerings: &[ServiceOffering]) -> Option<Tier> {
    offerings.iter().find(|o| &o.id == offering_id).and_then(|o| Tier::from_storage_type(&o.storagetype))
}

pub fn instance(vm: &VirtualMachine, zone_name: &str, offerings: &[ServiceOffering], busy: Option<Busy>) -> Instance {
    let nic = vm.primary_nic();
    Instance {
        id: vm.id.clone(),
        name: vm.name.clone(),
        zone_id: vm.zoneid.clone(),
        zone_name: if vm.zonename.is_empty() { zone_name.to_string() } else { vm.zonename.clone() },
        state: InstanceState::parse(&vm.state),
        ipv4: nic.and_then(|n| n.ipaddress.clone()).filter(|a| !a.is_empty()),
        ipv6: nic.and_then(|n| n.ip6address.as_deref()).and_then(canonical_ipv6),
        offering_id: vm.serviceofferingid.clone(),
        offering_name: vm.serviceofferingname.clone(),
        tier: tier_of(&vm.serviceofferingid, offerings),
        created: app::model::Timestamp::from_unix_ms(vm.created.map(|c| c.timestamp_millis()).unwrap_or(0)),
        busy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_shown_canonically_whatever_the_cloud_sent() {
        // RFC 5952: `::` never stands for a single zero group.
        assert_eq!(canonical_ipv6("2001:0db8:0100:0000:047a:88ff:fe00:008b").unwrap(), "2001:db8:100:0:47a:88ff:fe00:8b");
        assert_eq!(canonical_ipv6("2001:0db8:0000:0000:0000:0000:0000:0001").unwrap(), "2001:db8::1");
        assert_eq!(canonical_ipv6("2001:DB8::1").unwrap(), "2001:db8::1");
        assert_eq!(canonical_ipv6("not an address"), None);
    }

    #[test]
    fn a_vm_with_several_nics_shows_its_default_nic_addresses() {
        let vm: VirtualMachine = serde_json::from_value(serde_json::json!({
            "id": "vm1", "name": "web", "state": "Running", "zoneid": "z", "zonename": "Tokyo", "templateid": "t",
            "serviceofferingid": "o1", "serviceofferingname": "Agile S", "created": "2026-11-26T10:00:00+0000",
            "nic": [
                {"id": "n0", "ipaddress": "10.0.0.5", "isdefault": false},
                {"id": "n1", "ipaddress": "198.51.100.23", "isdefault": true, "ip6address": "2001:db8:100:1:4d2:5cff:fe00:17"}
            ]
        }))
        .unwrap();
        let offs: Vec<ServiceOffering> =
            serde_json::from_value(serde_json::json!([{"id": "o1", "name": "Agile S", "storagetype": "local"}])).unwrap();
        let i = instance(&vm, "Tokyo", &offs, None);
        assert_eq!(i.ipv4.as_deref(), Some("198.51.100.23"));
        assert_eq!(i.ipv6.as_deref(), Some("2001:db8:100:1:4d2:5cff:fe00:17"));
        assert_eq!(i.tier, Some(Tier::Agile));
        assert_eq!(i.created.to_string(), "2026-11-26T10:00:00Z");
    }
}
