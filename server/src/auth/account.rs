//! The account page's security features: TOTP enrolment and removal, password change, the list of
//! signed-in sessions and their revocation, and the security log. Changing a factor ends every other
//! session and gives this one a new cookie id.

use super::*;
use app::model::account::{RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup};
use app::ports::{AccountPort, RevokeWhich};

impl AuthService {
    async fn user_of(&self, p: &Principal) -> Result<UserRow, AppError> {
        users::by_id(&self.db, &p.user_id).await.or_internal("reading a user")?.ok_or(AppError::Unauthorized)
    }

    async fn audit_account(&self, p: &Principal, action: &str, outcome: &str, detail: Option<&str>, ctx: &RequestCtx) {
        let actor = Actor::from_principal(p);
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: Some(&actor),
                subject_customer_id: Some(&p.user_id),
                category: "account",
                action,
                target_id: None,
                outcome,
                detail,
                ip: ctx.client.ip,
            },
        )
        .await;
    }

    /// After a change of factor: only this session survives, under a new cookie id.
    async fn end_other_sessions(&self, p: &Principal, ctx: &RequestCtx) -> Result<u64, AppError> {
        let n = sessions::revoke_others(&self.db, &p.user_id, Some(&p.session_id)).await.or_internal("revoking sessions")?;
        ctx.session.cycle_id().await.or_internal("cycling the session id")?;
        Ok(n)
    }
}

#[async_trait]
impl AccountPort for AuthService {
    async fn two_factor_begin(&self, p: &Principal, ctx: &RequestCtx) -> Result<TwoFactorSetup, AppError> {
        let user = self.user_of(p).await?;
        if user.totp_enabled_at.is_some() {
            return Err(AppError::Conflict("Two-factor sign-in is already on. Turn it off first to move it to a new device.".into()));
        }
        let secret = totp::new_secret();
        sqlx::query("UPDATE users SET totp_pending_sealed = $1 WHERE id = $2")
            .bind(self.key.seal(TOTP_PURPOSE, &secret))
            .bind(&user.id)
            .execute(&self.db.pool)
            .await
            .or_internal("storing a pending TOTP secret")?;
        self.audit_account(p, "two_factor_enrolment_started", "succeeded", None, ctx).await;
        let uri = totp::otpauth_uri(&secret, &user.email, "Zenith");
        Ok(TwoFactorSetup { qr_svg: totp::qr_svg(&uri), otpauth_uri: uri, secret })
    }

    async fn two_factor_confirm(&self, p: &Principal, ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, AppError> {
        let scope = format!("2fa:user:{}", p.user_id);
        self.throttled(&[(scope.as_str(), throttle::ACCOUNT)]).await?;
        let user = self.user_of(p).await?;
        if user.totp_enabled_at.is_some() {
            return Err(AppError::Conflict("Two-factor sign-in is already on.".into()));
        }
        let Some(sealed) = &user.totp_pending_sealed else {
            return Err(AppError::invalid("code", "Start setting up two-factor sign-in first."));
        };
        let secret = self.key.open(TOTP_PURPOSE, sealed).or_internal("opening a TOTP secret")?;
        let now_step = totp::step_at(chrono::Utc::now().timestamp());
        let Some(step) = totp::verify(secret.expose_secret(), code, now_step, 0) else {
            self.fail(&[Some(&scope)], Some(&user), "account", "two_factor_enrolment", Some("wrong code"), &ctx.client).await;
            return Err(AppError::invalid("code", "That code is not right. Check the time on your phone and enter the newest code."));
        };
        let codes = totp::new_recovery_codes();
        let mut tx = self.db.pool.begin().await.or_internal("starting a transaction")?;
        let n = sqlx::query(
            "UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL, totp_enabled_at = $1, totp_last_step = $2
             WHERE id = $3 AND totp_enabled_at IS NULL AND totp_pending_sealed IS NOT NULL",
        )
        .bind(now_ms())
        .bind(step)
        .bind(&user.id)
        .execute(&mut *tx)
        .await
        .or_internal("enabling TOTP")?
        .rows_affected();
        if n != 1 {
            return Err(AppError::Conflict("Two-factor sign-in changed meanwhile; reload and try again.".into()));
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .or_internal("clearing recovery codes")?;
        for c in &codes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(&user.id)
                .bind(totp::recovery_hash(c))
                .execute(&mut *tx)
                .await
                .or_internal("storing recovery codes")?;
        }
        tx.commit().await.or_internal("committing TOTP enrolment")?;
        let _ = throttle::clear(&self.db, &scope).await;
        let ended = self.end_other_sessions(p, ctx).await?;
        self.audit_account(p, "two_factor_enabled", "succeeded", Some(&format!("{ended} other session(s) signed out")), ctx).await;
        Ok(RecoveryCodes { recovery_codes: codes })
    }

    async fn two_factor_disable(&self, p: &Principal, ctx: &RequestCtx, password: &str, code: &str) -> Result<(), AppError> {
        let scope = format!("2fa:user:{}", p.user_id);
        self.throttled(&[(scope.as_str(), throttle::ACCOUNT)]).await?;
        let user = self.user_of(p).await?;
        if user.totp_enabled_at.is_none() {
            return Err(AppError::Conflict("Two-factor sign-in is not on.".into()));
        }
        let password_ok = password.len() <= MAX_PASSWORD_BYTES && self.hasher.verify(password, Some(&user.password_hash)).await;
        if !password_ok || !self.consume_second_factor(&user, code).await? {
            self.fail(&[Some(&scope)], Some(&user), "account", "two_factor_disable", None, &ctx.client).await;
            return Err(AppError::Invalid { field: None, message: "The password or the code is not correct.".into() });
        }
        let mut tx = self.db.pool.begin().await.or_internal("starting a transaction")?;
        sqlx::query("UPDATE users SET totp_secret_sealed = NULL, totp_pending_sealed = NULL, totp_enabled_at = NULL WHERE id = $1")
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .or_internal("disabling TOTP")?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(&user.id)
            .execute(&mut *tx)
            .await
            .or_internal("clearing recovery codes")?;
        tx.commit().await.or_internal("committing")?;
        let ended = self.end_other_sessions(p, ctx).await?;
        self.audit_account(p, "two_factor_disabled", "succeeded", Some(&format!("{ended} other session(s) signed out")), ctx).await;
        Ok(())
    }

    async fn change_password(&self, p: &Principal, ctx: &RequestCtx, current: &str, new: NewPassword) -> Result<(), AppError> {
        let scope = format!("password:user:{}", p.user_id);
        self.throttled(&[(scope.as_str(), throttle::ACCOUNT)]).await?;
        let user = self.user_of(p).await?;
        let ok = current.len() <= MAX_PASSWORD_BYTES && self.hasher.verify(current, Some(&user.password_hash)).await;
        if !ok {
            self.fail(&[Some(&scope)], Some(&user), "account", "password_change", Some("wrong current password"), &ctx.client).await;
            return Err(AppError::invalid("current_password", "Your current password is not correct."));
        }
        if new.expose() == current {
            return Err(AppError::invalid("new_password", "Choose a password different from the current one."));
        }
        Self::check_strength(&new, &user.email).map_err(|e| match e {
            AppError::Invalid { message, .. } => AppError::invalid("new_password", message),
            other => other,
        })?;
        let hash = self.hasher.hash(new.expose()).await.or_internal("hashing a password")?;
        users::set_password(&self.db, &user.id, &hash).await.or_internal("storing a password")?;
        let _ = throttle::clear(&self.db, &scope).await;
        let ended = self.end_other_sessions(p, ctx).await?;
        self.audit_account(p, "password_changed", "succeeded", Some(&format!("{ended} other session(s) signed out")), ctx).await;
        Ok(())
    }

    async fn sessions(&self, p: &Principal) -> Result<Vec<SessionView>, AppError> {
        let now = now_ms();
        let rows = sessions::list(&self.db, &p.user_id, now - self.cfg.absolute.as_millis() as i64, now - self.cfg.idle.as_millis() as i64)
            .await
            .or_internal("listing sessions")?;
        Ok(rows
            .into_iter()
            .map(|r| SessionView {
                current: r.id == p.session_id,
                id: r.id,
                created: crate::db::rfc3339(r.created_at),
                last_seen: crate::db::rfc3339(r.last_seen_at),
                ip: r.ip,
                user_agent: r.user_agent,
            })
            .collect())
    }

    async fn revoke_sessions(&self, p: &Principal, ctx: &RequestCtx, which: RevokeWhich) -> Result<Revoked, AppError> {
        let revoked = match which {
            RevokeWhich::One(id) if id == p.session_id => {
                return Err(AppError::invalid("id", "That is the session you are using; sign out instead."));
            }
            RevokeWhich::One(id) => {
                let n = sessions::revoke(&self.db, &p.user_id, &id).await.or_internal("revoking a session")?;
                if n == 0 {
                    return Err(AppError::NotFound);
                }
                n
            }
            RevokeWhich::AllOthers => {
                sessions::revoke_others(&self.db, &p.user_id, Some(&p.session_id)).await.or_internal("revoking sessions")?
            }
        };
        self.audit_account(p, "sessions_revoked", "succeeded", Some(&format!("{revoked} session(s)")), ctx).await;
        Ok(Revoked { revoked })
    }

    async fn security_log(&self, p: &Principal) -> Result<Vec<SecurityEvent>, AppError> {
        let rows = audit::for_subject(&self.db, &p.user_id, 200).await.or_internal("reading the audit log")?;
        Ok(rows
            .into_iter()
            .filter(|r| matches!(r.category.as_str(), "auth" | "account" | "support"))
            .map(|r| {
                let actor = match (&r.actor_email, r.actor_role.as_deref()) {
                    (Some(e), Some("support" | "admin")) if e != p.email.as_str() => {
                        format!("Support ({e})")
                    }
                    (Some(_), _) => "You".to_string(),
                    (None, _) => "Zenith".to_string(),
                };
                SecurityEvent { at: crate::db::rfc3339(r.at), action: r.action, outcome: r.outcome, actor, detail: r.detail, ip: r.ip }
            })
            .collect())
    }
}
