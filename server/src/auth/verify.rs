//! A confirmed address: the link mailed at sign-up (or again on request) confirms it; a new address
//! becomes the account's only when the link mailed to it is followed, and the old one is told at once.
//! Until the address is confirmed, `ZENITH_EMAIL_VERIFICATION=required` holds deploys (see
//! `app::ports::Writer::creator`).

use super::links::{self, Purpose};
use super::repo::{self, User};
use super::throttle::{self, Scope};
use super::{AuthError, AuthService};
use crate::db::{now_ms, Conn};
use crate::mail::{outbox, template, MailKind, Notice};
use app::api::auth::EmailVerified;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::{Email, Timestamp};
use app::ports::{Owner, RequestCtx};

impl AuthService {
    /// Queues `notice` to `user`'s address on `conn`, the transaction that did what it tells.
    pub(super) async fn notify(&self, conn: &mut Conn, user: &User, notice: Notice<'_>) -> anyhow::Result<()> {
        outbox::enqueue(conn, &notice.render(&self.mail, &user.email, Timestamp::from_unix_ms(now_ms()))?).await?;
        Ok(())
    }

    /// Queues the link that confirms `user`'s address `to` (their current one, or, for a change, the
    /// new one) on `conn`, the transaction that made the need for it.
    pub(super) async fn queue_confirmation(&self, conn: &mut Conn, user: &User, to: &Email, purpose: Purpose) -> anyhow::Result<()> {
        let link = links::issue(conn, &self.mail.public_url, user, purpose, to).await?;
        let change = purpose == Purpose::ChangeEmail;
        let vars = minijinja::context! { provider => self.mail.provider, email => to.as_str(), link, change };
        let (kind, subject) = match change {
            true => (MailKind::ChangeEmail, format!("Confirm your new {} address", self.mail.provider)),
            false => (MailKind::ConfirmEmail, format!("Confirm your {} address", self.mail.provider)),
        };
        outbox::enqueue(conn, &template::render(kind, to, subject, vars)?).await?;
        Ok(())
    }

    pub(super) async fn verify_email(&self, ctx: &RequestCtx, token: &str) -> Result<EmailVerified, AuthError> {
        let scopes: Vec<Scope> = Scope::address("verify", ctx.client.ip, throttle::per_hour(30)).into_iter().collect();
        self.attempt(&scopes).await?.keep();
        let mut tx = self.db.begin_write().await?;
        let link =
            links::find(&mut tx, token, &[Purpose::ConfirmEmail, Purpose::ChangeEmail]).await?.ok_or(AuthError::VerifyLinkInvalid)?;
        let user = repo::user_by_id(&mut tx, &link.user).await?.ok_or(AuthError::VerifyLinkInvalid)?;
        if !links::take(&mut tx, &link).await? {
            return Err(AuthError::VerifyLinkInvalid);
        }
        let now = now_ms();
        let changed = match link.purpose {
            Purpose::ChangeEmail if link.email != user.email => {
                match repo::change_email(&mut tx, &user.id, &link.email, now).await {
                    Err(e) if crate::db::is_unique_violation(&e) => return Err(AuthError::EmailTaken),
                    other => other?,
                }
                self.notify(&mut tx, &user, Notice::EmailChanged { new: &link.email }).await?;
                true
            }
            // A confirmation confirms only the address it was sent to.
            _ if !repo::confirm_email(&mut tx, &user.id, &link.email, now).await? => return Err(AuthError::VerifyLinkInvalid),
            _ => false,
        };
        tx.commit().await?;
        let (event, detail) = match changed {
            true => (AuditEvent::EmailChanged, format!("from {} to {}", user.email, link.email)),
            false => (AuditEvent::EmailConfirmed, link.email.to_string()),
        };
        self.audit(Some(&user), AuditCategory::Account, event.into(), AuditOutcome::Succeeded, Some(&detail), &ctx.client).await;
        Ok(EmailVerified { email: link.email, changed })
    }

    pub(super) async fn resend_verification(&self, o: &Owner<'_>) -> Result<(), AuthError> {
        let p = o.principal();
        let user = self.owner_user(o).await?;
        if user.email_verified_at.is_some() {
            return Err(AuthError::EmailAlreadyVerified);
        }
        let scope = Scope::new(&format!("verify-resend:user:{}", user.id), throttle::per_hour(3));
        self.attempt(std::slice::from_ref(&scope)).await?.keep();
        let mut tx = self.db.begin_write().await?;
        self.queue_confirmation(&mut tx, &user, &user.email, Purpose::ConfirmEmail).await?;
        tx.commit().await?;
        let detail = user.email.to_string();
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::EmailConfirmationSent.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &p.client,
        )
        .await;
        Ok(())
    }

    pub(super) async fn change_email(&self, o: &Owner<'_>, email: Email, password: &str) -> Result<(), AuthError> {
        let p = o.principal();
        let user = self.owner_user(o).await?;
        self.confirm_password(&user, password, AuditEvent::EmailChangeRequested.into(), &p.client).await?;
        if email == user.email {
            return Err(AuthError::EmailUnchanged);
        }
        let scope = Scope::new(&format!("email-change:user:{}", user.id), throttle::per_hour(5));
        self.attempt(std::slice::from_ref(&scope)).await?.keep();
        let mut tx = self.db.begin_write().await?;
        if repo::user_by_email(&mut tx, &email).await?.is_some() {
            return Err(AuthError::EmailTaken);
        }
        self.queue_confirmation(&mut tx, &user, &email, Purpose::ChangeEmail).await?;
        self.notify(&mut tx, &user, Notice::EmailChangeRequested { new: &email }).await?;
        tx.commit().await?;
        let detail = format!("to {email}; waiting for its link");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::EmailChangeRequested.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &p.client,
        )
        .await;
        Ok(())
    }
}
