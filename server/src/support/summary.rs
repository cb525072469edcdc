//! A customer as support first sees them: the account (sign-up, last sign-in, two-factor, support
//! access), their instances per zone as the cloud lists them now (with their addresses' reverse DNS
//! names), and the latest activity. Reading it
//! changes nothing of the customer's.

use super::{repo, Support, SupportError};
use crate::audit;
use crate::db::now_ms;
use app::model::account::SecurityEvent;
use app::model::audit::AuditCategory;
use app::model::support::{CustomerSummary, InstanceBrief, SupportAccessMode, ZoneInstances};
use app::model::CustomerId;

/// How many activity entries the summary shows.
const ACTIVITY: i64 = 20;

/// An address's reverse DNS name as Zenith keeps it.
async fn ptr_of(conn: &mut crate::db::Conn, address: &Option<String>) -> Result<Option<String>, sqlx::Error> {
    let Some(ip) = address.as_deref().and_then(|a| a.parse().ok()) else { return Ok(None) };
    Ok(crate::dns::repo::get(conn, &crate::dns::records::canonical(ip)).await?.map(|r| r.name.to_string()))
}

pub async fn summary(svc: &Support, id: &CustomerId) -> Result<CustomerSummary, SupportError> {
    let facts = repo::account_facts(&mut *svc.conn().await?, id).await?.ok_or(SupportError::NotFound)?;
    let list = svc.instances.list_for(id).await?;
    let mut zones: Vec<ZoneInstances> = Vec::new();
    let mut conn = svc.conn().await?;
    for i in list.instances {
        let (ptr_ipv4, ptr_ipv6) = (ptr_of(&mut *conn, &i.ipv4).await?, ptr_of(&mut *conn, &i.ipv6).await?);
        let brief = InstanceBrief { id: i.id, name: i.name, state: i.state, ipv4: i.ipv4, ipv6: i.ipv6, ptr_ipv4, ptr_ipv6 };
        match zones.iter_mut().find(|z| z.zone_id == i.zone_id) {
            Some(z) => z.instances.push(brief),
            None => zones.push(ZoneInstances { zone_id: i.zone_id, zone_name: i.zone_name, instances: vec![brief], error: None }),
        }
    }
    for e in list.zone_errors {
        zones.push(ZoneInstances { zone_id: e.zone_id, zone_name: e.zone_name, instances: vec![], error: Some(e.message) });
    }
    zones.sort_by(|a, b| a.zone_name.cmp(&b.zone_name));
    let rows = audit::repo::for_subject(&svc.db.pool, &id.user(), AuditCategory::ALL, ACTIVITY).await?;
    let activity = rows
        .into_iter()
        .map(|r| SecurityEvent {
            at: app::model::Timestamp::from_unix_ms(r.at),
            actor: match (&r.actor_email, r.actor_role) {
                (Some(e), Some(role)) if role.is_staff() => format!("Support ({e})"),
                (Some(_), _) => "Customer".into(),
                (None, _) => "Zenith".into(),
            },
            action: r.action,
            outcome: r.outcome,
            detail: r.detail,
            ip: r.ip,
        })
        .collect();
    let mode = facts.support_access;
    let granted = facts.support_access_until.filter(|u| *u > now_ms());
    Ok(CustomerSummary {
        id: id.clone(),
        email: facts.email,
        account: facts.account,
        signed_up: app::model::Timestamp::from_unix_ms(facts.created_at),
        last_sign_in: facts.last_sign_in.map(app::model::Timestamp::from_unix_ms),
        two_factor: facts.totp_enabled_at.is_some(),
        support_access: mode,
        granted_until: granted.filter(|_| mode == SupportAccessMode::Consent).map(app::model::Timestamp::from_unix_ms),
        viewable: mode == SupportAccessMode::Always || granted.is_some(),
        zones,
        activity,
    })
}
