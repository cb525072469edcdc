//! listZones, listServiceOfferings, listDiskOfferings, listTemplates, listOsTypes, listCapabilities.

use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::World;
use serde_json::json;

fn matches_keyword(name: &str, c: &Call) -> bool {
    c.p.value("keyword").is_none_or(|k| name.to_lowercase().contains(&k.to_lowercase()))
}

pub fn list_zones(w: &mut World, c: &mut Call) -> Answer {
    let items = w
        .zones
        .iter()
        .filter(|z| c.p.value("id").is_none_or(|id| id == z.id))
        .filter(|z| c.p.value("name").is_none_or(|n| n.eq_ignore_ascii_case(&z.name)))
        .filter(|z| matches_keyword(&z.name, c))
        .map(|z| w.zone_json(z))
        .collect();
    c.list("zone", items)
}

pub fn list_service_offerings(w: &mut World, c: &mut Call) -> Answer {
    // With a VM: what it may change to — same storage type, not its current offering.
    let vm = match c.p.value("virtualmachineid") {
        Some(id) => {
            let vm = w.vm(id).ok_or_else(|| ApiError::no_entity(c.command, "virtualmachineid", id))?;
            c.check_owner(&vm.account_id, "the virtual machine")?;
            Some(vm.clone())
        }
        None => None,
    };
    if c.p.flag("issystem") {
        return c.list("serviceoffering", vec![]);
    }
    let current = vm.as_ref().and_then(|v| w.offering(&v.offering_id)).cloned();
    let items = w
        .offerings
        .iter()
        .filter(|o| c.p.value("id").is_none_or(|id| id == o.id))
        .filter(|o| c.p.value("name").is_none_or(|n| n == o.name))
        .filter(|o| matches_keyword(&o.name, c))
        .filter(|o| current.as_ref().is_none_or(|cur| cur.id != o.id && cur.storage_type == o.storage_type))
        .map(|o| w.offering_json(o))
        .collect();
    c.list("serviceoffering", items)
}

pub fn list_disk_offerings(_w: &mut World, c: &mut Call) -> Answer {
    let items = vec![
        json!({"id": "5b4e5f2c-2a3b-4b8e-9a77-2d6f1f0a0001", "name": "Agile Volume 50 GB", "displaytext": "50 GB local SSD", "disksize": 50,
               "created": "2026-01-01T00:00:00+0000", "iscustomized": false, "storagetype": "local", "provisioningtype": "thin", "displayoffering": true}),
        json!({"id": "5b4e5f2c-2a3b-4b8e-9a77-2d6f1f0a0002", "name": "Stamina Volume 100 GB", "displaytext": "100 GB Ceph, 3 replicas", "disksize": 100,
               "created": "2026-01-01T00:00:00+0000", "iscustomized": false, "storagetype": "shared", "provisioningtype": "thin", "displayoffering": true}),
    ];
    let items = items.into_iter().filter(|o| c.p.value("id").is_none_or(|id| o["id"] == id)).collect();
    c.list("diskoffering", items)
}

pub fn list_templates(w: &mut World, c: &mut Call) -> Answer {
    let filter = c.required("templatefilter")?;
    let valid = ["featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"];
    if !valid.contains(&filter) {
        return Err(ApiError::param(format!(
            "Unable to execute API command listtemplates due to invalid value. Invalid parameter templatefilter value={filter}"
        )));
    }
    // The seeded templates are public and featured; a customer's own (from a snapshot) are theirs alone:
    // `self` lists only those, `executable` both, `featured` the public ones, `all` (admin) everything.
    if matches!(filter, "sharedexecutable" | "community") {
        return c.list("template", vec![]);
    }
    let own = |t: &crate::sim::world::Template| t.account_id.as_deref() == Some(c.caller.account_id.as_str());
    let shown = |t: &crate::sim::world::Template| match filter {
        "self" | "selfexecutable" => own(t),
        "featured" => t.account_id.is_none(),
        "all" if c.caller.is_admin => true,
        _ => t.account_id.is_none() || own(t),
    };
    if let Some(z) = c.p.value("zoneid") {
        if w.zone(z).is_none() {
            return Err(ApiError::no_entity(c.command, "zoneid", z));
        }
    }
    let mut items = Vec::new();
    for z in w.zones.iter().filter(|z| c.p.value("zoneid").is_none_or(|id| id == z.id)) {
        for t in w.templates.iter().filter(|t| shown(t) && t.zone_id.as_deref().is_none_or(|tz| tz == z.id)) {
            if c.p.value("id").is_some_and(|id| id != t.id)
                || c.p.value("name").is_some_and(|n| n != t.name)
                || !matches_keyword(&t.name, c)
            {
                continue;
            }
            items.push(w.template_json(t, z));
        }
    }
    c.list("template", items)
}

pub fn list_os_types(w: &mut World, c: &mut Call) -> Answer {
    let items = w
        .templates
        .iter()
        .map(|t| json!({"id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, t.os_type.as_bytes()).to_string(), "description": t.os_type, "oscategoryid": "linux", "isuserdefined": false}))
        .collect();
    c.list("ostype", items)
}

pub fn list_capabilities(_w: &mut World, c: &mut Call) -> Answer {
    Ok(object_body(
        c.command,
        json!({"capability": {
            "securitygroupsenabled": true, "dynamicrolesenabled": true, "cloudstackversion": "4.10.0.0-zenith-sim",
            "userpublictemplateenabled": true, "supportELB": "false", "projectinviterequired": false, "allowusercreateprojects": true,
            "customdiskofferingminsize": 1, "customdiskofferingmaxsize": 1024, "regionsecondaryenabled": false,
            "kvmsnapshotenabled": false, "allowuserviewdestroyedvm": false, "allowuserexpungerecovervm": true
        }}),
    ))
}
