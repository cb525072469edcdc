//! The customer's side of support: every support session on their account (who, when, how long,
//! mode, reason, ticket, what was done), and whether support may look without asking. Withdrawing
//! access ends open support sessions at once.

use super::{record, repo, Support, SupportError};
use crate::audit::Actor;
use crate::db::{now_ms, rfc3339};
use app::model::audit::{AuditEvent, AuditOutcome};
use app::model::support::{SupportAccess, SupportAccessMode, SupportSessionEnd, SupportSessionView, GRANT_HOURS};
use app::model::{CustomerId, ImpersonationId};
use app::ports::{Owner, Principal};

/// How many past sessions the account page lists.
const SESSIONS: i64 = 100;

/// The account whose support access this is: the customer's own, also when support is viewing it.
fn account(p: &Principal) -> Result<CustomerId, SupportError> {
    Ok(p.customer()?.clone())
}

pub async fn access(svc: &Support, p: &Principal) -> Result<SupportAccess, SupportError> {
    let customer = account(p)?;
    let mut conn = svc.conn().await?;
    let user = crate::auth::repo::user_by_id(&mut conn, &customer.user()).await?.ok_or(SupportError::NotFound)?;
    let rows = repo::for_customer(&mut conn, &customer, SESSIONS).await?;
    let ids: Vec<ImpersonationId> = rows.iter().map(|r| r.id.clone()).collect();
    let actions = repo::actions_in(&mut conn, &ids).await?;
    let now = now_ms();
    let sessions = rows
        .into_iter()
        .map(|r| {
            let done: Vec<String> = actions
                .iter()
                .filter(|(s, ..)| *s == r.id)
                .map(|(_, action, outcome, target)| {
                    let what = action.label();
                    match target {
                        Some(t) => format!("{what} on {t} ({outcome})"),
                        None => format!("{what} ({outcome})"),
                    }
                })
                .collect();
            let end = r.ended_at.unwrap_or(now.min(r.expires_at));
            SupportSessionView {
                id: r.id,
                staff_email: r.staff_email,
                staff_id: r.staff_user_id,
                mode: r.mode,
                reason: r.reason,
                ticket: r.ticket,
                started_at: app::model::Timestamp::from_unix_ms(r.started_at),
                ended_at: r.ended_at.or((r.expires_at <= now).then_some(r.expires_at)).map(app::model::Timestamp::from_unix_ms),
                minutes: ((end - r.started_at).max(0) + 59_999) / 60_000,
                actions: done,
            }
        })
        .collect();
    let granted = user.support_access_until.filter(|u| *u > now && user.support_access == SupportAccessMode::Consent);
    Ok(SupportAccess { mode: user.support_access, granted_until: granted.map(app::model::Timestamp::from_unix_ms), sessions })
}

/// Records the change and, when support may no longer look, ends the sessions open on the account.
async fn changed(svc: &Support, o: &Owner<'_>, action: AuditEvent, detail: &str, close_open: bool) -> Result<(), SupportError> {
    let p = o.principal();
    let customer = account(p)?;
    let mut conn = svc.conn().await?;
    record(&mut conn, &Actor::from_principal(p), &customer, action, AuditOutcome::Succeeded, Some(detail), p.client.ip).await;
    if close_open {
        for id in repo::open_for_customer(&mut conn, &customer).await? {
            crate::impersonation::end_and_audit(&mut conn, &id, SupportSessionEnd::AccessWithdrawn).await?;
        }
    }
    Ok(())
}

pub async fn set(svc: &Support, o: &Owner<'_>, mode: SupportAccessMode) -> Result<SupportAccess, SupportError> {
    let customer = account(o.principal())?;
    repo::set_access(&mut *svc.conn().await?, &customer, mode, None).await?;
    let detail = match mode {
        SupportAccessMode::Always => "support may view the account at any time",
        SupportAccessMode::Consent => "support may view the account only after the customer allows it",
    };
    changed(svc, o, AuditEvent::SupportAccessChanged, detail, mode == SupportAccessMode::Consent).await?;
    access(svc, o.principal()).await
}

pub async fn grant(svc: &Support, o: &Owner<'_>) -> Result<SupportAccess, SupportError> {
    let now = access(svc, o.principal()).await?;
    if now.mode == SupportAccessMode::Always {
        return Err(SupportError::AlreadyAlways);
    }
    let customer = account(o.principal())?;
    let until = now_ms() + GRANT_HOURS * 3_600_000;
    repo::set_access(&mut *svc.conn().await?, &customer, SupportAccessMode::Consent, Some(until)).await?;
    changed(svc, o, AuditEvent::SupportAccessGranted, &format!("support may view the account until {}", rfc3339(until)), false).await?;
    access(svc, o.principal()).await
}

pub async fn revoke(svc: &Support, o: &Owner<'_>) -> Result<SupportAccess, SupportError> {
    let customer = account(o.principal())?;
    let now = access(svc, o.principal()).await?;
    repo::set_access(&mut *svc.conn().await?, &customer, now.mode, None).await?;
    // In "always" mode nothing was granted, but open sessions still end: the customer asked.
    changed(svc, o, AuditEvent::SupportAccessRevoked, "the customer withdrew support access", true).await?;
    access(svc, o.principal()).await
}
