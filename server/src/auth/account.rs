//! The account page: password change, signed-in sessions and their revocation, the security log, and
//! (in `two_factor`) two-factor sign-in. Changes are the owner's alone and ask for the password; a
//! change of factor ends every other session and gives this one a new cookie id.

use super::{repo, AuthError, AuthService, MAX_PASSWORD_BYTES};
use crate::audit;
use crate::db::now_ms;
use app::api::account::{AccountPort, RevokeWhich};
use app::error::AppError;
use app::model::account::{RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup};
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::NewPassword;
use app::ports::{Owner, Principal, RequestCtx};

/// What the security log shows.
const SECURITY: &[AuditCategory] = &[AuditCategory::Auth, AuditCategory::Account, AuditCategory::Support];

impl AuthService {
    async fn change_password(&self, o: &Owner<'_>, ctx: &RequestCtx, current: &str, new: NewPassword) -> Result<(), AuthError> {
        let user = self.owner_user(o).await?;
        let scope = super::throttle::Scope::new(&format!("password:user:{}", user.id), super::throttle::ACCOUNT);
        let attempt = self.attempt(std::slice::from_ref(&scope)).await?;
        let ok = current.len() <= MAX_PASSWORD_BYTES
            && self.hasher.verify(current, Some(&user.password_hash)).await.map_err(AuthError::from_pool)?;
        if !ok {
            self.failed(
                attempt,
                Some(&user),
                AuditCategory::Account,
                AuditEvent::PasswordChange.into(),
                Some("wrong current password"),
                &ctx.client,
            )
            .await;
            return Err(AuthError::CurrentPasswordWrong);
        }
        attempt.succeeded(&self.db, &[&scope]).await?;
        if new.expose() == current {
            return Err(AuthError::SamePassword);
        }
        self.check_strength(&new, &user.email, "new_password").await?;
        let hash = self.hasher.hash(new.expose()).await.map_err(AuthError::from_pool)?;
        let mut tx = self.db.begin_write().await?;
        repo::set_password(&mut tx, &user.id, &hash, None).await?;
        self.notify(&mut tx, &user, crate::mail::Notice::PasswordChanged { how: "changed on the Account page" }).await?;
        tx.commit().await?;
        let ended = self.end_other_sessions(o, ctx).await?;
        let detail = format!("{ended} other session(s) signed out");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::PasswordChanged.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &ctx.client,
        )
        .await;
        Ok(())
    }

    async fn sessions(&self, p: &Principal) -> Result<Vec<SessionView>, AuthError> {
        let now = now_ms();
        let mut conn = self.db.pool.acquire().await?;
        let rows = repo::list_sessions(
            &mut conn,
            &p.account_user(),
            now - self.cfg.absolute.as_millis() as i64,
            now - self.cfg.idle.as_millis() as i64,
        )
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SessionView {
                    current: p.support.is_none() && r.id == p.session_id,
                    id: r.id,
                    created: app::model::Timestamp::from_unix_ms(r.created_at),
                    last_seen: app::model::Timestamp::from_unix_ms(r.last_seen_at),
                    ip: r.ip,
                    user_agent: r.user_agent,
                })
            })
            .collect()
    }

    async fn revoke_sessions(&self, o: &Owner<'_>, which: RevokeWhich, password: Option<&str>) -> Result<Revoked, AuthError> {
        let p = o.principal();
        let user = self.user(&p.user_id).await?.ok_or(AuthError::SignedOut)?;
        let revoked = match which {
            RevokeWhich::One(id) if id == p.session_id => {
                return Err(AuthError::OwnSession);
            }
            RevokeWhich::One(id) => {
                let mut conn = self.db.pool.acquire().await?;
                match repo::revoke_session(&mut conn, &p.user_id, &id).await? {
                    0 => return Err(AuthError::NotFound),
                    n => n,
                }
            }
            RevokeWhich::AllOthers => {
                // Ending every other session locks anyone else out: it asks for the password.
                let password = password.filter(|p| !p.is_empty()).ok_or_else(|| AuthError::PasswordNeeded)?;
                self.confirm_password(&user, password, AuditEvent::PasswordConfirmation.into(), &p.client).await?;
                let mut conn = self.db.pool.acquire().await?;
                repo::revoke_other_sessions(&mut conn, &p.user_id, Some(&p.session_id)).await?
            }
        };
        let detail = format!("{revoked} session(s)");
        self.audit(
            Some(&user),
            AuditCategory::Account,
            AuditEvent::SessionsRevoked.into(),
            AuditOutcome::Succeeded,
            Some(&detail),
            &p.client,
        )
        .await;
        Ok(Revoked { revoked })
    }

    async fn security_log(&self, p: &Principal) -> Result<Vec<SecurityEvent>, AuthError> {
        let account = p.account_user();
        let owner_email = match &p.support {
            Some(s) => s.customer_email.to_string(),
            None => p.email.to_string(),
        };
        let rows = audit::repo::for_subject(&self.db.pool, &account, SECURITY, 200).await?;
        Ok(rows
            .into_iter()
            .map(|r| SecurityEvent {
                at: app::model::Timestamp::from_unix_ms(r.at),
                actor: audit::actor_label(r.actor_email.as_deref(), r.actor_role, &owner_email),
                action: r.action,
                outcome: r.outcome,
                detail: r.detail,
                ip: r.ip,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl AccountPort for AuthService {
    async fn two_factor_begin(&self, o: &Owner<'_>, password: &str) -> Result<TwoFactorSetup, AppError> {
        Ok(AuthService::two_factor_begin(self, o, password).await?)
    }

    async fn two_factor_confirm(&self, o: &Owner<'_>, ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, AppError> {
        Ok(AuthService::two_factor_confirm(self, o, ctx, code).await?)
    }

    async fn two_factor_disable(&self, o: &Owner<'_>, ctx: &RequestCtx, password: &str, code: &str) -> Result<(), AppError> {
        Ok(AuthService::two_factor_disable(self, o, ctx, password, code).await?)
    }

    async fn change_password(&self, o: &Owner<'_>, ctx: &RequestCtx, current: &str, new: NewPassword) -> Result<(), AppError> {
        Ok(AuthService::change_password(self, o, ctx, current, new).await?)
    }

    async fn sessions(&self, p: &Principal) -> Result<Vec<SessionView>, AppError> {
        Ok(AuthService::sessions(self, p).await?)
    }

    async fn revoke_sessions(&self, o: &Owner<'_>, which: RevokeWhich, password: Option<&str>) -> Result<Revoked, AppError> {
        Ok(AuthService::revoke_sessions(self, o, which, password).await?)
    }

    async fn security_log(&self, p: &Principal) -> Result<Vec<SecurityEvent>, AppError> {
        Ok(AuthService::security_log(self, p).await?)
    }

    async fn change_email(&self, o: &Owner<'_>, email: app::model::Email, password: &str) -> Result<(), AppError> {
        Ok(AuthService::change_email(self, o, email, password).await?)
    }
}
