//! Two-factor sign-in, whole: enrolment (with the password again), the recovery codes, removal, and
//! the second step of a sign-in. A code is accepted once (a conditional update on the last step), a
//! recovery code once (a conditional update on its row), and every wrong code is counted per account
//! before it is checked.

use super::{repo, sessions, throttle, AuthError, AuthService, PENDING_2FA_MS, PENDING_2FA_TRIES, TOTP_PURPOSE};
use crate::db::now_ms;
use crate::mail::Notice;
use anyhow::Context as _;
use app::model::account::{RecoveryCodes, TwoFactorSetup};
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::{Me, UserId};
use app::ports::{Owner, RequestCtx};
use secrecy::ExposeSecret;
use throttle::Scope;

fn code_scope(user: &UserId) -> Scope {
    Scope::new(&format!("2fa:user:{user}"), throttle::ACCOUNT)
}

impl AuthService {
    /// The owner's own row (a support session never gets here: it has no `Owner`).
    pub(super) async fn owner_user(&self, o: &Owner<'_>) -> Result<repo::User, AuthError> {
        self.user(&o.principal().user_id).await?.ok_or(AuthError::SignedOut)
    }

    /// After a change of factor: only this session survives, under a new cookie id.
    pub(super) async fn end_other_sessions(&self, o: &Owner<'_>, ctx: &RequestCtx) -> Result<u64, AuthError> {
        let p = o.principal();
        let mut conn = self.db.pool.acquire().await?;
        let n = repo::revoke_other_sessions(&mut conn, &p.user_id, Some(&p.session_id)).await?;
        ctx.session.cycle_id().await.context("cycling the session id")?;
        Ok(n)
    }

    /// A TOTP code (newer than the last accepted one) or an unused recovery code. Consumes it; a
    /// recovery code used queues its notice with it.
    async fn consume_second_factor(&self, user: &repo::User, code: &str) -> Result<bool, AuthError> {
        if super::totp::is_recovery_shape(code) {
            let mut tx = self.db.begin_write().await?;
            if !repo::use_recovery_code(&mut tx, &user.id, &super::totp::recovery_hash(code)).await? {
                return Ok(false);
            }
            let left = repo::recovery_codes_left(&mut tx, &user.id).await?.max(0) as usize;
            self.notify(&mut tx, user, Notice::RecoveryCodeUsed { left }).await?;
            tx.commit().await?;
            return Ok(true);
        }
        let mut conn = self.db.pool.acquire().await?;
        let Some(sealed) = &user.totp_secret_sealed else {
            return Ok(false);
        };
        let secret = self.key.open(TOTP_PURPOSE, sealed).context("opening a TOTP secret")?;
        let now_step = super::totp::step_at(chrono::Utc::now().timestamp());
        let Some(step) = super::totp::verify(secret.expose_secret(), code, now_step, user.totp_last_step) else {
            return Ok(false);
        };
        Ok(repo::advance_totp_step(&mut conn, &user.id, step).await?)
    }

    pub(super) async fn two_factor_begin(&self, o: &Owner<'_>, password: &str) -> Result<TwoFactorSetup, AuthError> {
        let user = self.owner_user(o).await?;
        if user.totp_enabled_at.is_some() {
            return Err(AuthError::TwoFactorAlreadyOn);
        }
        let client = &o.principal().client;
        self.confirm_password(&user, password, AuditEvent::PasswordConfirmation.into(), client).await?;
        let secret = super::totp::new_secret();
        let mut conn = self.db.pool.acquire().await?;
        repo::set_pending_totp(&mut conn, &user.id, &self.key.seal(TOTP_PURPOSE, &secret)).await?;
        drop(conn);
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::TwoFactorEnrolmentStarted.into(),
            AuditOutcome::Succeeded,
            None,
            client,
        )
        .await;
        let uri = super::totp::otpauth_uri(&secret, user.email.as_str()).context("building the otpauth URI")?;
        Ok(TwoFactorSetup { qr_svg: super::totp::qr_svg(&uri), otpauth_uri: uri, secret })
    }

    pub(super) async fn two_factor_confirm(&self, o: &Owner<'_>, ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, AuthError> {
        let user = self.owner_user(o).await?;
        let scope = code_scope(&user.id);
        let attempt = self.attempt(std::slice::from_ref(&scope)).await?;
        if user.totp_enabled_at.is_some() {
            attempt.forget(&self.db).await?;
            return Err(AuthError::TwoFactorAlreadyOn);
        }
        let Some(sealed) = &user.totp_pending_sealed else {
            attempt.forget(&self.db).await?;
            return Err(AuthError::TwoFactorNotStarted);
        };
        let secret = self.key.open(TOTP_PURPOSE, sealed).context("opening a TOTP secret")?;
        let now_step = super::totp::step_at(chrono::Utc::now().timestamp());
        let Some(step) = super::totp::verify(secret.expose_secret(), code, now_step, 0) else {
            self.failed(
                attempt,
                Some(&user),
                AuditCategory::Account,
                AuditEvent::TwoFactorEnrolment.into(),
                Some("wrong code"),
                &ctx.client,
            )
            .await;
            return Err(AuthError::SetupCodeWrong);
        };
        let codes = super::totp::new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| super::totp::recovery_hash(c)).collect();
        let mut tx = self.db.begin_write().await?;
        if !repo::enable_totp(&mut tx, &user.id, step).await? {
            return Err(AuthError::TwoFactorChanged);
        }
        repo::replace_recovery_codes(&mut tx, &user.id, &hashes).await?;
        self.notify(&mut tx, &user, Notice::TwoFactorOn).await?;
        tx.commit().await?;
        attempt.succeeded(&self.db, &[&scope]).await?;
        let ended = self.end_other_sessions(o, ctx).await?;
        let detail = format!("{ended} other session(s) signed out");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::TwoFactorEnabled.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &ctx.client,
        )
        .await;
        Ok(RecoveryCodes { recovery_codes: codes })
    }

    pub(super) async fn two_factor_disable(&self, o: &Owner<'_>, ctx: &RequestCtx, password: &str, code: &str) -> Result<(), AuthError> {
        let user = self.owner_user(o).await?;
        let scope = code_scope(&user.id);
        let attempt = self.attempt(std::slice::from_ref(&scope)).await?;
        if user.totp_enabled_at.is_none() {
            attempt.forget(&self.db).await?;
            return Err(AuthError::TwoFactorOff);
        }
        let password_ok = password.len() <= super::MAX_PASSWORD_BYTES
            && self.hasher.verify(password, Some(&user.password_hash)).await.map_err(AuthError::from_pool)?;
        if !password_ok || !self.consume_second_factor(&user, code).await? {
            self.failed(attempt, Some(&user), AuditCategory::Account, AuditEvent::TwoFactorDisable.into(), None, &ctx.client).await;
            return Err(AuthError::PasswordOrCodeWrong);
        }
        let mut tx = self.db.begin_write().await?;
        repo::disable_totp(&mut tx, &user.id).await?;
        self.notify(&mut tx, &user, Notice::TwoFactorOff).await?;
        tx.commit().await?;
        attempt.succeeded(&self.db, &[&scope]).await?;
        let ended = self.end_other_sessions(o, ctx).await?;
        let detail = format!("{ended} other session(s) signed out");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::TwoFactorDisabled.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &ctx.client,
        )
        .await;
        Ok(())
    }

    /// The second step of a sign-in: the code for the password that was right a moment ago.
    pub(super) async fn second_factor_sign_in(&self, ctx: &RequestCtx, code: &str) -> Result<Me, AuthError> {
        let start_over = || AuthError::FirstStepMissing;
        // An unreadable pending state (an older format) means starting over too.
        let mut pending = sessions::pending(&ctx.session).await.ok().flatten().ok_or_else(start_over)?;
        if now_ms() - pending.at > PENDING_2FA_MS {
            sessions::clear_pending(&ctx.session).await?;
            return Err(start_over());
        }
        let scope = code_scope(&pending.user_id);
        let attempt = self.attempt(std::slice::from_ref(&scope)).await?;
        let user = match self.user(&pending.user_id).await? {
            // The password changed since it was typed: that sign-in is void.
            Some(u) if u.password_changed_at == pending.password_changed_at && u.disabled_at.is_none() => u,
            _ => {
                attempt.forget(&self.db).await?;
                sessions::clear_pending(&ctx.session).await?;
                return Err(start_over());
            }
        };
        if !self.consume_second_factor(&user, code).await? {
            self.failed(attempt, Some(&user), AuditCategory::Auth, AuditEvent::SignIn.into(), Some("wrong second factor"), &ctx.client)
                .await;
            pending.failures += 1;
            if pending.failures >= PENDING_2FA_TRIES {
                sessions::clear_pending(&ctx.session).await?;
            } else {
                sessions::set_pending(&ctx.session, &pending).await?;
            }
            return Err(AuthError::SignInCodeWrong);
        }
        attempt.succeeded(&self.db, &[&scope]).await?;
        let how = if super::totp::is_recovery_shape(code) { "password + recovery code" } else { "password + authenticator code" };
        self.complete_login(ctx, &user, how).await
    }
}
