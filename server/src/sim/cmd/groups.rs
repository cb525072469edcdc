//! Security groups: list, create, delete, authorize and revoke ingress/egress rules, validated as
//! `SecurityGroupManagerImpl` validates them (one rule row per CIDR, IPv4 and IPv6 alike).

use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::*;
use serde_json::json;
use std::net::IpAddr;

pub fn list(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    let vm_groups: Option<Vec<String>> = match c.p.value("virtualmachineid") {
        Some(id) => {
            let vm = w.vm(id).ok_or_else(|| ApiError::no_entity(c.command, "virtualmachineid", id))?;
            c.check_owner(&vm.account_id, "the virtual machine")?;
            Some(vm.security_group_ids.clone())
        }
        None => None,
    };
    if let Some(id) = c.p.value("id") {
        let g = w.group(id).ok_or_else(|| ApiError::no_entity(c.command, "id", id))?;
        c.check_owner(&g.account_id, "the security group")?;
    }
    let items = w
        .security_groups
        .iter()
        .filter(|g| scope.includes(&g.account_id) || c.p.value("id") == Some(g.id.as_str()))
        .filter(|g| c.p.value("id").is_none_or(|id| id == g.id))
        .filter(|g| c.p.value("securitygroupname").is_none_or(|n| n == g.name))
        .filter(|g| c.p.value("keyword").is_none_or(|k| g.name.contains(k)))
        .filter(|g| vm_groups.as_ref().is_none_or(|ids| ids.contains(&g.id)))
        .map(|g| w.group_json(g, true))
        .collect();
    c.list("securitygroup", items)
}

pub fn create(w: &mut World, c: &mut Call) -> Answer {
    let name = c.required("name")?.to_string();
    let owner = c.owner(w)?;
    if name.eq_ignore_ascii_case("default") || w.security_groups.iter().any(|g| g.account_id == owner && g.name == name) {
        return Err(ApiError::param(format!("Unable to create security group, a group with name {name} already exists.")));
    }
    let g = SecurityGroup {
        id: new_id(),
        account_id: owner,
        name,
        description: c.p.value("description").unwrap_or("").to_string(),
        ingress: vec![],
        egress: vec![],
    };
    let body = object_body(c.command, json!({"securitygroup": w.group_json(&g, true)}));
    w.security_groups.push(g);
    Ok(body)
}

fn find_group(w: &World, c: &Call) -> Result<SecurityGroup, ApiError> {
    let g = match (c.p.value("id").or(c.p.value("securitygroupid")), c.p.value("name").or(c.p.value("securitygroupname"))) {
        (Some(id), _) => w.group(id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "id", id))?,
        (None, Some(name)) => {
            let owner = c.owner(w)?;
            w.security_groups
                .iter()
                .find(|g| g.account_id == owner && g.name == name)
                .cloned()
                .ok_or_else(|| ApiError::param(format!("Unable to find security group by name {name}")))?
        }
        (None, None) => return Err(ApiError::param("Either id or name of the security group is required")),
    };
    c.check_owner(&g.account_id, "the security group")?;
    Ok(g)
}

pub fn delete(w: &mut World, c: &mut Call) -> Answer {
    let g = find_group(w, c)?;
    if g.name == "default" {
        return Err(ApiError::param("The network group default is reserved and cannot be deleted"));
    }
    if w.vms.iter().any(|v| !v.expunged && v.security_group_ids.contains(&g.id)) {
        return Err(ApiError::in_use("Cannot delete group when it's in use by virtual machines"));
    }
    w.security_groups.retain(|x| x.id != g.id);
    Ok(object_body(c.command, json!({"success": "true"})))
}

/// One rule per CIDR and per group of `usersecuritygrouplist` (each `account` + `group`, which must
/// exist), after CloudStack's checks of protocol, ports and ICMP type/code.
pub fn parse_rules(w: &World, c: &Call) -> Result<Vec<Rule>, ApiError> {
    let cidrs: Vec<&str> =
        c.p.value("cidrlist").map(|l| l.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let mut peers: Vec<RuleSource> = Vec::new();
    for entry in c.p.indexed("usersecuritygrouplist") {
        let get = |k: &str| entry.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
        let (Some(account), Some(group)) = (get("account"), get("group")) else {
            return Err(ApiError::param("usersecuritygrouplist needs both account and group"));
        };
        let exists = w
            .accounts
            .iter()
            .filter(|a| a.name == account)
            .any(|a| w.security_groups.iter().any(|g| g.account_id == a.id && g.name == group));
        if !exists {
            return Err(ApiError::param(format!("Unable to find security group {group} for account {account}")));
        }
        peers.push(RuleSource::Group { account, group });
    }
    if cidrs.is_empty() && peers.is_empty() {
        return Err(ApiError::param("At least one cidr or at least one security group needs to be specified"));
    }
    for cidr in &cidrs {
        if !valid_cidr(cidr) {
            return Err(ApiError::param(format!("Invalid cidr {cidr}")));
        }
    }
    let sources = cidrs.into_iter().map(|c| RuleSource::Cidr(c.to_string())).chain(peers);
    let mut protocol = c.p.value("protocol").unwrap_or("tcp").trim().to_ascii_lowercase();
    let num = |name: &str| -> Result<Option<i64>, ApiError> {
        c.p.value(name).map(|v| v.parse::<i64>().map_err(|_| ApiError::no_entity(c.command, name, v))).transpose()
    };
    let (mut start, mut end, mut itype, mut icode) = (num("startport")?, num("endport")?, num("icmptype")?, num("icmpcode")?);
    if let Ok(n) = protocol.parse::<i64>() {
        if !(0..=255).contains(&n) {
            return Err(ApiError::param(format!("Invalid protocol number {n}")));
        }
        if n == 1 {
            protocol = "icmp".into();
            itype.get_or_insert(-1);
            icode.get_or_insert(-1);
        }
    } else if !["tcp", "udp", "icmp", "all"].contains(&protocol.as_str()) {
        return Err(ApiError::param(format!("Invalid protocol {protocol}")));
    }
    match protocol.as_str() {
        "tcp" | "udp" => {
            let (Some(s), Some(e)) = (start, end) else {
                return Err(ApiError::param(format!("Invalid port range specified: startPort={start:?} endPort={end:?}")));
            };
            let (s, e) = if s == 0 && e == 0 { (0, 65535) } else { (s, e) };
            if !(0..=65535).contains(&s) || !(0..=65535).contains(&e) || s > e {
                return Err(ApiError::param(format!("Invalid port range {s}:{e}")));
            }
            (start, end) = (Some(s), Some(e));
            if itype.is_some() || icode.is_some() {
                return Err(ApiError::param("Can specify icmpType and icmpCode only for the icmp protocol"));
            }
        }
        "icmp" => {
            let (Some(t), Some(code)) = (itype, icode) else {
                return Err(ApiError::param(format!("Invalid ICMP type/code specified, icmpType = {itype:?}, icmpCode = {icode:?}")));
            };
            if t == -1 && code != -1 || t != -1 && code < 0 || t > 255 || code > 255 || t < -1 {
                return Err(ApiError::param(format!("Invalid icmp type/code specified: {t}/{code}")));
            }
            if start.is_some() || end.is_some() {
                return Err(ApiError::param("Cannot specify startPort or endPort for the icmp protocol"));
            }
        }
        _ => {
            if start.is_some() || end.is_some() || itype.is_some() || icode.is_some() {
                return Err(ApiError::param(format!("Cannot specify startPort, endPort, icmpType or icmpCode for protocol {protocol}")));
            }
            (start, end) = (Some(0), Some(0));
        }
    }
    Ok(sources
        .map(|source| Rule {
            id: new_id(),
            protocol: protocol.clone(),
            start_port: start,
            end_port: end,
            icmp_type: itype,
            icmp_code: icode,
            source,
        })
        .collect())
}

fn valid_cidr(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => len <= 32,
        Ok(IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

pub fn authorize(w: &mut World, c: &mut Call, ingress: bool) -> Answer {
    let g = find_group(w, c)?;
    let rules = parse_rules(w, c)?;
    let class = if ingress { "securitygroup.AuthorizeSecurityGroupIngressCmd" } else { "securitygroup.AuthorizeSecurityGroupEgressCmd" };
    let job = c.start_job(w, class, "SecurityGroup", Some(&g.id), JobAction::Authorize { group: g.id.clone(), ingress, rules });
    Ok(object_body(c.command, json!({"jobid": job})))
}

pub fn revoke(w: &mut World, c: &mut Call, ingress: bool) -> Answer {
    let id = c.required("id")?.to_string();
    let (group, in_ingress) = w
        .security_groups
        .iter()
        .find_map(|g| {
            if g.ingress.iter().any(|r| r.id == id) {
                Some((g.clone(), true))
            } else if g.egress.iter().any(|r| r.id == id) {
                Some((g.clone(), false))
            } else {
                None
            }
        })
        .ok_or_else(|| ApiError::no_entity(c.command, "id", &id))?;
    c.check_owner(&group.account_id, "the security group")?;
    if in_ingress != ingress {
        return Err(ApiError::param(format!("Unable to find {} rule with id {id}", if ingress { "ingress" } else { "egress" })));
    }
    let class = if ingress { "securitygroup.RevokeSecurityGroupIngressCmd" } else { "securitygroup.RevokeSecurityGroupEgressCmd" };
    let job = c.start_job(w, class, "SecurityGroup", Some(&group.id), JobAction::Revoke { group: group.id.clone(), ingress, rule: id });
    Ok(object_body(c.command, json!({"jobid": job})))
}
