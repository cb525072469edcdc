//! A forgotten password: a link by email (single use, 30 minutes, only the token's SHA-256 kept) that
//! sets a new one, signs every session out, keeps two-factor sign-in as it was, and sends a notice.
//!
//! The request answers the same, at once, whether or not an account has the address: looking it up,
//! making the link and queueing its mail happen after the answer, so neither the answer nor its
//! timing says whether the account exists.

use super::throttle::{self, Scope};
use super::{repo, AuthError, AuthService};
use crate::db::now_ms;
use crate::mail::{outbox, template, MailKind};
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::{Email, NewPassword, Timestamp};
use app::ports::RequestCtx;
use sha2::{Digest, Sha256};

const PURPOSE: &str = "password_reset";
const LINK_MS: i64 = 30 * 60_000;
/// A token's length in letters and digits: about 256 bits.
const TOKEN_CHARS: usize = 43;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

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
        let token = crate::crypto::random_token(TOKEN_CHARS);
        let now = now_ms();
        // A newer link replaces the older ones.
        repo::supersede_tokens(&mut tx, &user.id, PURPOSE, now).await?;
        repo::insert_token(&mut tx, &token_hash(&token), &user.id, PURPOSE, now, now + LINK_MS, user.password_changed_at).await?;
        let link = format!("{}/reset?token={token}", self.mail.public_url);
        let vars = minijinja::context! { provider => self.mail.provider, email => user.email.as_str(), link };
        let m = template::render(MailKind::PasswordReset, &user.email, format!("Reset your {} password", self.mail.provider), vars)?;
        outbox::enqueue(&mut tx, &m).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn complete_password_reset(&self, ctx: &RequestCtx, token: &str, password: NewPassword) -> Result<(), AuthError> {
        let scopes: Vec<Scope> = Scope::address("reset-complete", ctx.client.ip, throttle::per_hour(30)).into_iter().collect();
        self.attempt(&scopes).await?.keep();
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Err(AuthError::ResetLinkInvalid);
        }
        let hash = token_hash(token);
        let mut conn = self.db.pool.acquire().await?;
        let user_id = repo::live_token(&mut conn, &hash, PURPOSE, now_ms()).await?.ok_or(AuthError::ResetLinkInvalid)?;
        let user = repo::user_by_id(&mut conn, &user_id).await?.filter(|u| u.disabled_at.is_none()).ok_or(AuthError::ResetLinkInvalid)?;
        drop(conn);
        self.check_strength(&password, &user.email, "password").await?;
        let password_hash = self.hasher.hash(password.expose()).await.map_err(AuthError::from_pool)?;
        let mut tx = self.db.begin_write().await?;
        // Taken now, if still good: a second use racing this one, or a password change meanwhile, loses.
        if !repo::use_token(&mut tx, &hash, &user.id, now_ms()).await? {
            return Err(AuthError::ResetLinkInvalid);
        }
        repo::set_password(&mut tx, &user.id, &password_hash, None).await?;
        let ended = repo::revoke_other_sessions(&mut tx, &user.id, None).await?;
        let vars = minijinja::context! {
            provider => self.mail.provider, email => user.email.as_str(), how => "reset through the link we emailed",
            at => Timestamp::from_unix_ms(now_ms()).shown(),
        };
        let notice =
            template::render(MailKind::PasswordChanged, &user.email, format!("Your {} password was reset", self.mail.provider), vars)?;
        outbox::enqueue(&mut tx, &notice).await?;
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
