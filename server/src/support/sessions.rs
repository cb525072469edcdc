//! Opening and ending support sessions. Opening asks for the staff member's password again, is
//! refused on staff accounts, from inside another session, and on an account whose owner has not
//! allowed it; what opens is one row and one audit entry, written together.

use super::{record, Support, SupportError};
use crate::audit::{self, Actor};
use crate::db::now_ms;
use crate::mail::{outbox, Notice};
use anyhow::Context as _;
use app::api::support::SupportRequest;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::support::{Impersonating, SupportAccessMode, SupportMode, SupportSessionEnd, SESSION_MINUTES};
use app::model::{ImpersonationId, Role};
use app::ports::Principal;

/// The longest user agent kept with a session.
const USER_AGENT_CHARS: usize = 300;

pub async fn start(svc: &Support, p: &Principal, s: SupportRequest, password: &str) -> Result<Impersonating, SupportError> {
    if p.support.is_some() {
        return Err(SupportError::AlreadyInSession);
    }
    if s.mode == SupportMode::Acting && p.role != Role::Admin {
        return Err(SupportError::ActingNeedsAdmin);
    }
    let target = {
        let mut conn = svc.conn().await?;
        crate::auth::repo::user_by_id(&mut conn, &s.customer.user()).await?
    };
    let customer = match target {
        None => return Err(SupportError::NotFound),
        Some(u) if u.id == p.user_id => {
            return Err(SupportError::OwnAccount);
        }
        Some(u) if u.role.is_staff() => {
            return Err(SupportError::StaffAccount);
        }
        Some(u) => u,
    };
    if !svc.auth.staff_password_again(p, password).await? {
        return Err(SupportError::PasswordWrong);
    }
    let actor = Actor::from_principal(p);
    let now = now_ms();
    let allowed = customer.support_access == SupportAccessMode::Always || customer.support_access_until.is_some_and(|u| u > now);
    if !allowed {
        let detail = format!("refused: the customer has not allowed support access · reason given: {}", s.reason);
        record(
            &mut *svc.conn().await?,
            &actor,
            &s.customer,
            AuditEvent::ImpersonationRefused,
            AuditOutcome::Refused,
            Some(&detail),
            p.client.ip,
        )
        .await;
        return Err(SupportError::NotAllowed);
    }

    let id = ImpersonationId::new_random();
    // A session opened under the customer's grant ends when the grant does, like a withdrawal.
    let expires_at = match (customer.support_access, customer.support_access_until) {
        (SupportAccessMode::Consent, Some(until)) => until.min(now + SESSION_MINUTES * 60_000),
        _ => now + SESSION_MINUTES * 60_000,
    };
    let user_agent: Option<String> = p.client.user_agent.as_deref().map(|ua| ua.chars().take(USER_AGENT_CHARS).collect());
    let detail = format!(
        "{} session · reason: {}{}{}",
        s.mode.label(),
        s.reason,
        s.ticket.as_ref().map(|t| format!(" · ticket: {t}")).unwrap_or_default(),
        user_agent.as_deref().map(|ua| format!(" · browser: {ua}")).unwrap_or_default(),
    );
    // The session and its audit entry together: a session that could not be audited does not open.
    let mut tx = svc.db.begin_write().await?;
    let inserted = super::repo::insert(
        &mut tx,
        super::repo::NewSession {
            id: &id,
            staff: &p.user_id,
            staff_session: &p.session_id,
            customer: &s.customer,
            mode: s.mode,
            reason: s.reason.as_str(),
            ticket: s.ticket.as_ref().map(|t| t.as_str()),
            started_at: now,
            expires_at,
            ip: p.client.ip.map(|i| i.to_string()),
            user_agent: user_agent.as_deref(),
        },
    )
    .await;
    match inserted {
        Err(e) if crate::db::is_unique_violation(&e) => return Err(SupportError::AlreadyInSession),
        other => other.context("opening a support session")?,
    }
    let entry = audit::Entry {
        actor: Some(&Actor { impersonation: Some(id.clone()), ..actor }),
        subject: Some(&s.customer.user()),
        category: AuditCategory::Support,
        action: AuditEvent::ImpersonationStarted.into(),
        target_id: Some(id.as_str()),
        outcome: AuditOutcome::Succeeded,
        detail: Some(&detail),
        ip: p.client.ip,
    };
    audit::repo::insert(&mut *tx, entry).await.context("auditing a support session")?;
    // The customer hears of it by mail, with the session (always: it is a security notice).
    let until = app::model::Timestamp::from_unix_ms(expires_at);
    let notice = Notice::SupportOpened { staff: &p.email, mode: s.mode, reason: s.reason.as_str(), until };
    let message = notice.render(svc.auth.mail(), &customer.email, app::model::Timestamp::from_unix_ms(now))?;
    outbox::enqueue(&mut tx, &message).await.context("queueing the customer's notice")?;
    tx.commit().await.context("opening a support session")?;
    tracing::info!(session = %id, mode = s.mode.as_str(), "support session opened");
    Ok(Impersonating {
        id,
        customer_id: s.customer,
        customer_email: customer.email,
        customer_two_factor: customer.totp_enabled_at.is_some(),
        customer_email_verified: customer.email_verified_at.is_some(),
        mode: s.mode,
        expires_at: app::model::Timestamp::from_unix_ms(expires_at),
        staff_email: p.email.clone(),
    })
}

pub async fn stop(svc: &Support, p: &Principal) -> Result<(), SupportError> {
    let Some(s) = &p.support else {
        return Err(SupportError::NoSession);
    };
    crate::impersonation::end_and_audit(&mut *svc.conn().await?, &s.id, SupportSessionEnd::StoppedByStaff).await?;
    Ok(())
}
