//! A group's rules: read from the cloud's one-rule-per-CIDR (or per group) form, added for any mix of
//! IPv4 and IPv6 ranges and the customer's own groups (one cloud call per range or group, so each
//! one's outcome is known), removed one by one.

use super::{account_groups, owned_group, take_group, Firewall, FirewallError, RULE_JOB_DEADLINE};
use crate::cloud::commands::RuleSpec;
use crate::cloud::types::{SecurityGroup, SecurityGroupRule};
use crate::cloud::{CloudError, CloudFailure};
use app::model::audit::AuditEvent;
use app::model::firewall::{AddRulesOutcome, Cidr, CidrFailure, Direction, GroupPeer, NewRules, Peer, Protocol, RuleView, Traffic};
use app::model::{RuleId, SecurityGroupId};
use app::ports::Writer;

/// One rule as the panel shows it: from an address range, or from the instances in a group;
/// `None` for what the panel does not manage (protocols given by number).
fn view(direction: Direction, r: &SecurityGroupRule, own_account: &str) -> Option<RuleView> {
    let peer = match (r.cidr.as_deref(), r.securitygroupname.as_deref()) {
        (Some(c), _) => Peer::Cidr(Cidr::parse(c).ok()?),
        (None, Some(name)) => {
            let account = r.account.clone().filter(|a| a != own_account);
            Peer::Group(GroupPeer { name: name.to_string(), account })
        }
        (None, None) => return None,
    };
    let protocol = Protocol::parse(&r.protocol.to_ascii_lowercase())?;
    let port = |p: Option<i64>| p.and_then(|p| u16::try_from(p).ok());
    let icmp = |v: Option<i64>| v.and_then(|v| i16::try_from(v).ok());
    let (start_port, end_port, icmp_type, icmp_code) = match protocol {
        Protocol::Tcp | Protocol::Udp => (port(r.startport), port(r.endport), None, None),
        Protocol::Icmp => (None, None, icmp(r.icmptype), icmp(r.icmpcode)),
        Protocol::All => (None, None, None, None),
    };
    Some(RuleView { id: r.ruleid.clone(), direction, protocol, start_port, end_port, icmp_type, icmp_code, peer })
}

pub(super) fn views(g: &SecurityGroup, own_account: &str) -> Vec<RuleView> {
    let ingress = g.ingressrule.iter().filter_map(|r| view(Direction::Ingress, r, own_account));
    let egress = g.egressrule.iter().filter_map(|r| view(Direction::Egress, r, own_account));
    ingress.chain(egress).collect()
}

/// The lines a customer sees for a group's rules (a rule for both families is one line): what
/// "N rules" counts, on the list and on the group's page alike.
pub(super) fn line_count(g: &SecurityGroup, own_account: &str) -> usize {
    app::model::firewall::rule_rows(&views(g, own_account)).len()
}

fn spec(group: &SecurityGroupId, traffic: &Traffic, peer: &Peer, own_account: &str) -> RuleSpec {
    let (start_port, end_port) = traffic.ports().map(|p| (Some(p.start), Some(p.end))).unwrap_or((None, None));
    let (icmp_type, icmp_code) = traffic.icmp().map(|m| (Some(m.icmp_type), Some(m.icmp_code))).unwrap_or((None, None));
    let (cidrs, groups) = match peer {
        Peer::Cidr(c) => (vec![c.to_string()], vec![]),
        Peer::Group(g) => (vec![], vec![(g.account.clone().unwrap_or_else(|| own_account.to_string()), g.name.clone())]),
    };
    RuleSpec {
        security_group_id: group.clone(),
        protocol: traffic.protocol().as_str().to_string(),
        start_port,
        end_port,
        icmp_type,
        icmp_code,
        cidrs,
        groups,
    }
}

/// The rules a finished authorize job reports as added.
fn added_in(result: &serde_json::Value, direction: Direction, own_account: &str) -> Vec<RuleView> {
    let key = match direction {
        Direction::Ingress => "ingressrule",
        Direction::Egress => "egressrule",
    };
    let rules: Vec<SecurityGroupRule> = serde_json::from_value(result["securitygroup"][key].clone()).unwrap_or_default();
    rules.iter().filter_map(|r| view(direction, r, own_account)).collect()
}

pub(super) async fn add(svc: &Firewall, w: &Writer<'_>, group: &SecurityGroupId, new: NewRules) -> Result<AddRulesOutcome, FirewallError> {
    let cloud = svc.cloud(w.principal()).await?;
    let own = cloud.account_name.clone();
    // A group named as a source must be one of the customer's own: then every group is read in the
    // one call that also finds this one.
    let wanted: Vec<&str> = new.peers.iter().filter_map(|p| if let Peer::Group(g) = p { Some(g.name.as_str()) } else { None }).collect();
    let g = if wanted.is_empty() {
        owned_group(&cloud, group).await?
    } else {
        let mut theirs = account_groups(&cloud).await?;
        if let Some(missing) = wanted.iter().find(|n| !theirs.iter().any(|t| t.name == **n)) {
            return Err(FirewallError::NoSuchSourceGroup { name: missing.to_string() });
        }
        take_group(&mut theirs, group)?
    };
    let existing = views(&g, &own);
    if let Some(dup) = new.peers.iter().find(|c| existing.iter().any(|r| r.same_as(new.direction, &new.traffic, c))) {
        let rule = format!("{} {} {dup}", new.traffic.label(), if new.direction == Direction::Ingress { "from" } else { "to" });
        return Err(FirewallError::RuleExists { rule });
    }
    let calls = new.peers.iter().map(|peer| {
        let client = cloud.client.clone();
        let spec = spec(group, &new.traffic, peer, &own);
        async move {
            let job = client.authorize_security_group(new.direction, &spec).await?;
            client.wait_job(&job.jobid, RULE_JOB_DEADLINE).await
        }
    });
    let answers: Vec<Result<serde_json::Value, CloudError>> = futures::future::join_all(calls).await;
    let mut outcome = AddRulesOutcome::default();
    for (peer, answer) in new.peers.iter().zip(answers) {
        match answer {
            Ok(result) => outcome.added.extend(added_in(&result, new.direction, &own)),
            Err(e) => {
                tracing::warn!(error = %e, %peer, "a rule was not added");
                outcome.failed.push(CidrFailure { cidr: peer.to_string(), message: e.customer_message(None) });
            }
        }
    }
    if outcome.added.is_empty() && !outcome.failed.is_empty() {
        let detail = outcome.failed.iter().map(|f| format!("{}: {}", f.cidr, f.message)).collect::<Vec<_>>().join(" ");
        return Err(FirewallError::NoRuleAdded { detail });
    }
    let ranges = outcome.added.iter().map(|r| r.peer.to_string()).collect::<Vec<_>>().join(", ");
    let detail = format!("{} {} {} in {}", new.direction.label(), new.traffic.label(), ranges, g.name);
    svc.audit(w, AuditEvent::RulesAdded.into(), g.id.as_str(), &detail).await;
    Ok(outcome)
}

pub(super) async fn remove(svc: &Firewall, w: &Writer<'_>, group: &SecurityGroupId, rule: &RuleId) -> Result<(), FirewallError> {
    let cloud = svc.cloud(w.principal()).await?;
    let g = owned_group(&cloud, group).await?;
    let r = views(&g, &cloud.account_name).into_iter().find(|r| &r.id == rule).ok_or(FirewallError::NotFound)?;
    let job = cloud.client.revoke_security_group_rule(r.direction, &r.id).await.map_err(|e| CloudFailure::new(e, None))?;
    cloud.client.wait_job(&job.jobid, RULE_JOB_DEADLINE).await.map_err(|e| CloudFailure::new(e, None))?;
    let detail = format!("{} {} {} in {}", r.direction.label(), r.traffic().label(), r.peer, g.name);
    svc.audit(w, AuditEvent::RuleRemoved.into(), g.id.as_str(), &detail).await;
    Ok(())
}
