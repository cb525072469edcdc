//! A forgotten password: a link by email (single use, 30 minutes, only the token's SHA-256 kept) that
//! sets a new one, signs every session out, keeps two-factor sign-in as it was, and sends a notice.
//!
//! The request answers the same, at once, whether or not an account has the address: looking it up,
//! making the link and queueing its mail happen after the answer, so neither the answer nor its
//! timing says whether the account exists.

use super::links::{self, Purpose};
use super::throttle::{self, Scope};
use super::{repo, AuthError, AuthService};
use crate::mail::{outbox, template, MailKind, Notice};
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::{Email, NewPassword};
use app::ports::RequestCtx;

impl AuthService {
    pub(super) async fn request_password_reset(&self, ctx: &RequestCtx, email: &str) -> Result<(), AuthError> {
        let email = Email::parse(email).map_err(|_| AuthError::EmailInvalid)?;
        // Counted per address typed and per client, whether or not an account has it.
        let mut scopes = vec![Scope::new(&format!("reset:email:{email}"), throttle::per_hour(5))];
        scopes.extend(Scope::address("reset", ctx.client.ip, throttle::per_hour(20)));
        self.attempt(&scopes).await?.keep();
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.send_reset_link(&email).await {
                tracing::warn!(error = %format!("{e:#}"), "a password-reset link could not be made");
            }
        });
        Ok(())
    }

    /// The link and its mail, in one transaction; nothing for an address without a (live) account.
    async fn send_reset_link(&self, email: &Email) -> anyhow::Result<()> {
        let mut tx = self.db.begin_write().await?;
        let Some(user) = repo::user_by_email(&mut tx, email).await?.filter(|u| u.disabled_at.is_none()) else {
            return Ok(());
        };
        let link = links::issue(&mut tx, &self.mail.public_url, &user, Purpose::PasswordReset, &user.email).await?;
        let vars = minijinja::context! { provider => self.mail.provider, email => user.email.as_str(), link };
        let m = template::render(MailKind::PasswordReset, &user.email, format!("Reset your {} password", self.mail.provider), vars)?;
        outbox::enqueue(&mut tx, &m).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn complete_password_reset(&self, ctx: &RequestCtx, token: &str, password: NewPassword) -> Result<(), AuthError> {
        let scopes: Vec<Scope> = Scope::address("reset-complete", ctx.client.ip, throttle::per_hour(30)).into_iter().collect();
        self.attempt(&scopes).await?.keep();
        let mut conn = self.db.pool.acquire().await?;
        let link = links::find(&mut conn, token, &[Purpose::PasswordReset]).await?.ok_or(AuthError::ResetLinkInvalid)?;
        let user = repo::user_by_id(&mut conn, &link.user).await?.ok_or(AuthError::ResetLinkInvalid)?;
        drop(conn);
        self.check_strength(&password, &user.email, "password").await?;
        let password_hash = self.hasher.hash(password.expose()).await.map_err(AuthError::from_pool)?;
        let mut tx = self.db.begin_write().await?;
        // Taken now, if still good: a second use racing this one, or a password change meanwhile, loses.
        if !links::take(&mut tx, &link).await? {
            return Err(AuthError::ResetLinkInvalid);
        }
        repo::set_password(&mut tx, &user.id, &password_hash, None).await?;
        let ended = repo::revoke_other_sessions(&mut tx, &user.id, None).await?;
        self.notify(&mut tx, &user, Notice::PasswordChanged { how: "reset through the link we emailed" }).await?;
        tx.commit().await?;
        let detail = format!("through the emailed link; {ended} session(s) signed out");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::PasswordReset.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &ctx.client,
        )
        .await;
        Ok(())
    }
}
