//! The simulated cloud's objects as CloudStack's JSON shows them (field names, types and the fields
//! an object carries as the real API writes them), for every command that returns one.

use super::*;
use crate::cloud::wire::format_date;
use serde_json::{json, Value};

impl World {
    fn owner_fields(&self, account_id: &str) -> (String, String, String) {
        let acct = self.account(account_id);
        let domain = acct.and_then(|a| self.domain(&a.domain_id));
        (
            acct.map(|a| a.name.clone()).unwrap_or_default(),
            domain.map(|d| d.id.clone()).unwrap_or_default(),
            domain.map(|d| d.name.clone()).unwrap_or_default(),
        )
    }

    pub fn zone_json(&self, z: &Zone) -> Value {
        json!({
            "id": z.id, "name": z.name, "description": z.description, "networktype": "Basic",
            "securitygroupsenabled": true, "allocationstate": "Enabled", "zonetoken": z.network_id,
            "dhcpprovider": "DhcpServer", "localstorageenabled": true, "tags": []
        })
    }

    pub fn offering_json(&self, o: &Offering) -> Value {
        json!({
            "id": o.id, "name": o.name, "displaytext": o.display_text, "cpunumber": o.cpu, "cpuspeed": o.cpu_speed,
            "memory": o.memory_mb, "created": format_date(o.created), "storagetype": o.storage_type,
            "provisioningtype": "thin", "offerha": o.storage_type == "shared", "limitcpuuse": false, "isvolatile": false,
            "issystem": false, "defaultuse": false, "iscustomized": false, "rootdisksize": o.root_disk_gb,
            "tags": if o.storage_type == "shared" { "rbd" } else { "local-ssd" }
        })
    }

    pub fn template_json(&self, t: &Template, z: &Zone) -> Value {
        let (account, domainid, domain) = match &t.account_id {
            Some(a) => self.owner_fields(a),
            None => ("system".into(), String::new(), "ROOT".into()),
        };
        let public = t.account_id.is_none();
        json!({
            "id": t.id, "name": t.name, "displaytext": t.display_text, "ispublic": public, "isfeatured": public,
            "isready": true, "status": "Download Complete", "created": format_date(t.created), "passwordenabled": t.password_enabled,
            "sshkeyenabled": true, "isdynamicallyscalable": false, "format": "QCOW2", "hypervisor": "KVM",
            "ostypeid": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, t.os_type.as_bytes()).to_string(), "ostypename": t.os_type,
            "account": account, "domain": domain, "domainid": domainid, "zoneid": z.id, "zonename": z.name, "size": t.size_bytes,
            "templatetype": "USER", "crossZones": false, "isextractable": false, "bootable": true, "tags": []
        })
    }

    pub fn group_json(&self, g: &SecurityGroup, with_rules: bool) -> Value {
        let (account, domainid, domain) = self.owner_fields(&g.account_id);
        let rules = |rs: &[Rule]| {
            if with_rules {
                rs.iter().map(rule_json).collect::<Vec<_>>()
            } else {
                vec![]
            }
        };
        let vm_ids: Vec<&str> =
            self.vms.iter().filter(|v| !v.expunged && v.security_group_ids.contains(&g.id)).map(|v| v.id.as_str()).collect();
        json!({
            "id": g.id, "name": g.name, "description": g.description, "account": account, "domainid": domainid,
            "domain": domain, "ingressrule": rules(&g.ingress), "egressrule": rules(&g.egress), "tags": [],
            "virtualmachinecount": vm_ids.len(), "virtualmachineids": vm_ids
        })
    }

    pub fn vm_json(&self, v: &Vm) -> Value {
        let (account, domainid, domain) = self.owner_fields(&v.account_id);
        let zone = self.zone(&v.zone_id);
        let tpl = self.template(&v.template_id);
        let off = self.offering(&v.offering_id);
        let groups: Vec<Value> = v
            .security_group_ids
            .iter()
            .filter_map(|id| self.group(id))
            .map(|g| json!({"id": g.id, "name": g.name, "description": g.description, "account": account, "ingressrule": [], "egressrule": [], "tags": []}))
            .collect();
        let now = self.now();
        // What the graphs' history adds up to: the counters and this minute's CPU share.
        let c = super::metrics::counters(v, now);
        let minute = chrono::DurationRound::duration_trunc(now, chrono::Duration::minutes(1)).unwrap_or(now);
        let cpu = super::metrics::sample(v, minute, now).map(|s| s.cpu_percent).unwrap_or(0.0);
        let mut o = json!({
            "id": v.id, "name": v.name, "displayname": v.display_name, "account": account, "domainid": domainid,
            "domain": domain, "created": format_date(v.created), "state": v.state, "haenable": off.is_some_and(|o| o.storage_type == "shared"),
            "zoneid": v.zone_id, "zonename": zone.map(|z| z.name.clone()).unwrap_or_default(),
            "templateid": v.template_id, "templatename": tpl.map(|t| t.name.clone()).unwrap_or_default(),
            "templatedisplaytext": tpl.map(|t| t.display_text.clone()).unwrap_or_default(),
            "passwordenabled": tpl.is_some_and(|t| t.password_enabled),
            "serviceofferingid": v.offering_id, "serviceofferingname": off.map(|o| o.name.clone()).unwrap_or_default(),
            "cpunumber": off.map(|o| o.cpu).unwrap_or(0), "cpuspeed": off.map(|o| o.cpu_speed).unwrap_or(0),
            "memory": off.map(|o| o.memory_mb).unwrap_or(0),
            "cpuused": if v.state == "Running" { format!("{cpu:.2}%") } else { "0%".into() },
            "networkkbsread": c.net_read_kib, "networkkbswrite": c.net_write_kib,
            "diskkbsread": c.disk_read_kib, "diskkbswrite": c.disk_write_kib,
            "diskioread": c.disk_read_ops, "diskiowrite": c.disk_write_ops,
            "guestosid": tpl.map(|t| uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, t.os_type.as_bytes()).to_string()),
            "rootdeviceid": 0, "rootdevicetype": "ROOT", "securitygroup": groups, "hypervisor": "KVM",
            "tags": [], "affinitygroup": [], "isdynamicallyscalable": false, "details": {},
        });
        let m = o.as_object_mut().expect("object");
        if let Some(z) = zone {
            m.insert(
                "nic".into(),
                json!([{
                    "id": v.nic.id, "networkid": z.network_id, "networkname": "defaultGuestNetwork",
                    "netmask": z.ipv4_netmask.to_string(), "gateway": z.ipv4_gateway.to_string(), "ipaddress": v.nic.ipv4.to_string(),
                    "isolationuri": "ec2://untagged", "broadcasturi": "vlan://untagged", "traffictype": "Guest", "type": "Shared",
                    "isdefault": true, "macaddress": v.nic.mac, "ip6address": v.nic.ipv6.to_string(), "ip6cidr": z.ipv6_cidr(),
                    "ip6gateway": z.ipv6_gateway.to_string(), "deviceid": "0", "virtualmachineid": v.id, "secondaryip": [],
                    "extradhcpoption": []
                }]),
            );
        }
        if let Some(k) = &v.key_pair {
            m.insert("keypair".into(), json!(k));
        }
        if let Some(j) = &v.pending_job {
            m.insert("jobid".into(), json!(j));
            m.insert("jobstatus".into(), json!(0));
        }
        o
    }

    pub fn volume_json(&self, vol: &Volume) -> Value {
        let (account, domainid, domain) = self.owner_fields(&vol.account_id);
        let vm = self.vms.iter().find(|v| v.id == vol.vm_id);
        let zone = self.zone(&vol.zone_id);
        let off = vm.and_then(|v| self.offering(&v.offering_id));
        json!({
            "id": vol.id, "name": vol.name, "zoneid": vol.zone_id, "zonename": zone.map(|z| z.name.clone()), "type": "ROOT",
            "deviceid": 0, "virtualmachineid": vol.vm_id, "vmname": vm.map(|v| v.name.clone()),
            "vmdisplayname": vm.map(|v| v.display_name.clone()), "vmstate": vm.map(|v| v.state.clone()),
            "size": vol.size_bytes, "created": format_date(vol.created), "attached": format_date(vol.created), "state": "Ready",
            "account": account, "domainid": domainid, "domain": domain, "storagetype": vol.storage_type, "hypervisor": "KVM",
            "serviceofferingid": off.map(|o| o.id.clone()), "serviceofferingname": off.map(|o| o.name.clone()),
            "templateid": vm.map(|v| v.template_id.clone()), "destroyed": false, "isextractable": false,
            "displayvolume": true, "provisioningtype": "thin", "tags": []
        })
    }

    pub fn snapshot_json(&self, s: &Snapshot) -> Value {
        let (account, domainid, domain) = self.owner_fields(&s.account_id);
        let vol = self.volumes.iter().find(|v| v.id == s.volume_id);
        let zone = self.zone(&s.zone_id);
        json!({
            "id": s.id, "name": s.name, "account": account, "domainid": domainid, "domain": domain,
            "snapshottype": s.snapshot_type, "intervaltype": s.snapshot_type, "volumeid": s.volume_id,
            "volumename": vol.map(|v| v.name.clone()), "volumetype": "ROOT", "created": format_date(s.created),
            "state": s.state(self.now()), "physicalsize": s.physical_size, "virtualsize": s.virtual_size,
            "zoneid": s.zone_id, "zonename": zone.map(|z| z.name.clone()), "revertable": s.removed.is_none(),
            "locationtype": "PRIMARY", "tags": []
        })
    }

    pub fn key_pair_json(&self, k: &KeyPair) -> Value {
        let (account, domainid, domain) = self.owner_fields(&k.account_id);
        json!({"id": k.id, "name": k.name, "fingerprint": k.fingerprint, "account": account, "domainid": domainid, "domain": domain})
    }

    pub fn account_json(&self, a: &Account) -> Value {
        let domain = self.domain(&a.domain_id);
        let users: Vec<Value> = self.users.iter().filter(|u| u.account_id == a.id).map(|u| self.user_json(u, a)).collect();
        let vms: Vec<&Vm> = self.vms.iter().filter(|v| v.account_id == a.id && !v.expunged && v.state != "Destroyed").collect();
        json!({
            "id": a.id, "name": a.name, "accounttype": a.account_type, "roletype": if a.account_type == 1 { "Admin" } else { "User" },
            "domainid": a.domain_id, "domain": domain.map(|d| d.name.clone()), "state": a.state, "isdefault": false,
            "user": users, "vmlimit": "Unlimited", "vmtotal": vms.len(), "vmavailable": "Unlimited",
            "vmrunning": vms.iter().filter(|v| v.state == "Running").count(), "vmstopped": vms.iter().filter(|v| v.state == "Stopped").count(),
            "iscleanuprequired": false, "groups": []
        })
    }

    pub fn user_json(&self, u: &User, a: &Account) -> Value {
        let domain = self.domain(&a.domain_id);
        json!({
            "id": u.id, "username": u.username, "firstname": u.first_name, "lastname": u.last_name, "email": u.email,
            "created": format_date(u.created), "state": "enabled", "account": a.name, "accounttype": a.account_type,
            "accountid": a.id, "domainid": a.domain_id, "domain": domain.map(|d| d.name.clone()), "timezone": "UTC",
            "apikey": u.api_key, "isdefault": false
        })
    }

    pub fn domain_json(&self, d: &Domain) -> Value {
        let level = d.path.matches('/').count();
        json!({
            "id": d.id, "name": d.name, "level": level, "parentdomainid": d.parent_id,
            "parentdomainname": d.parent_id.as_ref().and_then(|p| self.domain(p)).map(|p| p.name.clone()),
            "haschild": self.domains.iter().any(|c| c.parent_id.as_deref() == Some(&d.id)), "path": d.path, "state": "Active"
        })
    }

    pub fn job_json(&self, j: &Job) -> Value {
        let mut o = json!({
            "accountid": j.account_id, "userid": j.user_id, "cmd": j.cmd, "jobstatus": j.status, "jobprocstatus": 0,
            "jobresultcode": j.result_code, "jobinstancetype": j.instance_type, "created": format_date(j.created), "jobid": j.id
        });
        let m = o.as_object_mut().expect("object");
        if let Some(id) = &j.instance_id {
            m.insert("jobinstanceid".into(), json!(id));
        }
        if j.status != 0 {
            m.insert("jobresulttype".into(), json!("object"));
            m.insert("completed".into(), json!(format_date(j.due)));
            if let Some(r) = &j.result {
                m.insert("jobresult".into(), r.clone());
            }
        }
        o
    }
}

pub fn rule_json(r: &Rule) -> Value {
    let mut o = json!({"ruleid": r.id, "protocol": r.protocol, "tags": []});
    let m = o.as_object_mut().expect("object");
    match &r.source {
        RuleSource::Cidr(cidr) => {
            m.insert("cidr".into(), json!(cidr));
        }
        RuleSource::Group { account, group } => {
            m.insert("securitygroupname".into(), json!(group));
            m.insert("account".into(), json!(account));
        }
    }
    if r.protocol == "icmp" {
        m.insert("icmptype".into(), json!(r.icmp_type.unwrap_or(-1)));
        m.insert("icmpcode".into(), json!(r.icmp_code.unwrap_or(-1)));
    } else {
        m.insert("startport".into(), json!(r.start_port.unwrap_or(0)));
        m.insert("endport".into(), json!(r.end_port.unwrap_or(0)));
    }
    o
}

/// A stable per-object number for statistics that look alive but are reproducible.
pub(crate) fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}
