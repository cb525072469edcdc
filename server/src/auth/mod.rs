//! Accounts and sessions: sign-up, sign-in (password, then TOTP or a recovery code when enabled),
//! sign-out, the principal of every request, and the account security page (2FA, password, sessions,
//! security log).
//!
//! Guarantees: an unknown email and a wrong password get the same answer after the same work (one
//! argon2 verification); guessing is throttled per account and per address in the database; every
//! sign-in gets a fresh cookie id and its own revocable `auth_sessions` row; secrets never reach a
//! log line.

mod account;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod totp;
pub mod users;

use crate::audit::{self, Actor};
use crate::crypto::MasterKey;
use crate::db::{now_ms, Db};
use crate::error::OrInternal;
use crate::tenancy::Tenancy;
use app::error::AppError;
use app::model::{account::LoginOutcome, Email, Me, NewPassword, Role};
use app::ports::{AuthPort, ClientInfo, Principal, RequestCtx};
use async_trait::async_trait;
use password::Hasher;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use users::UserRow;

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub idle: Duration,
    pub absolute: Duration,
    pub staff_require_2fa: bool,
}

#[derive(Clone)]
pub struct AuthService {
    db: Db,
    hasher: Hasher,
    key: MasterKey,
    cfg: AuthConfig,
    tenancy: Arc<Tenancy>,
}

/// How long a right password waits for its second factor.
const PENDING_2FA_MS: i64 = 5 * 60_000;
/// Wrong codes allowed in one pending sign-in before it must start over.
const PENDING_2FA_TRIES: u32 = 5;
/// Passwords longer than this are not worth hashing: they cannot be anyone's (max 256 characters).
const MAX_PASSWORD_BYTES: usize = 1024;

const TOTP_PURPOSE: &str = "totp-secret";

/// How long a throttled attempt waits for its refusal.
const TARPIT: Duration = Duration::from_secs(1);

impl AuthService {
    pub fn new(db: Db, hasher: Hasher, key: MasterKey, cfg: AuthConfig, tenancy: Arc<Tenancy>) -> AuthService {
        AuthService { db, hasher, key, cfg, tenancy }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.cfg
    }

    /// Refuses passwords a well-kept estimator can guess, with its advice as the message.
    fn check_strength(password: &NewPassword, email: &str) -> Result<(), AppError> {
        let local = email.split('@').next().unwrap_or("");
        let entropy = zxcvbn::zxcvbn(password.expose(), &[email, local, "zenith", "cloudstack"]);
        if (entropy.score() as u8) >= 3 {
            return Ok(());
        }
        let mut msg = String::from("This password is too easy to guess.");
        if let Some(f) = entropy.feedback() {
            if let Some(w) = f.warning() {
                msg = format!("{w}.").replace("..", ".");
            }
            for s in f.suggestions() {
                msg.push(' ');
                msg.push_str(&s.to_string());
            }
        }
        Err(AppError::invalid("password", msg))
    }

    /// Refuses the attempt when any scope is locked. The refusal is held back for up to a second (an
    /// async wait, no CPU): a client retrying in a loop then makes one attempt a second instead of
    /// thousands, whatever its number of connections' worth of patience.
    async fn throttled(&self, scopes: &[(&str, throttle::Policy)]) -> Result<(), AppError> {
        match throttle::wait_for(&self.db, scopes).await.or_internal("reading throttle")? {
            Some(retry_after) => {
                tokio::time::sleep(TARPIT.min(std::time::Duration::from_secs(retry_after))).await;
                Err(AppError::Throttled { retry_after: retry_after.saturating_sub(TARPIT.as_secs()).max(1) })
            }
            None => Ok(()),
        }
    }

    /// A failed attempt: counted in every scope and audited, in one transaction (one commit).
    async fn fail(
        &self,
        scopes: &[Option<&str>],
        user: Option<&UserRow>,
        category: &str,
        action: &str,
        detail: Option<&str>,
        client: &ClientInfo,
    ) {
        let scopes: Vec<&str> = scopes.iter().flatten().copied().collect();
        let actor = user.map(Self::actor);
        let entry = audit::Entry {
            actor: actor.as_ref(),
            subject_customer_id: user.map(|u| u.id.as_str()),
            category,
            action,
            target_id: None,
            outcome: "failed",
            detail,
            ip: client.ip,
        };
        let result = async {
            let mut tx = self.db.pool.begin().await?;
            throttle::record_failures(&mut tx, &scopes).await?;
            audit::record_in(&mut tx, entry).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not record a failed attempt");
        }
    }

    fn actor(user: &UserRow) -> Actor {
        Actor { user_id: user.id.clone(), email: user.email.clone(), role: Role::parse(&user.role).unwrap_or(Role::Customer) }
    }

    async fn audit_auth(&self, user: Option<&UserRow>, action: &str, outcome: &str, detail: Option<&str>, client: &ClientInfo) {
        let actor = user.map(Self::actor);
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: actor.as_ref(),
                subject_customer_id: user.map(|u| u.id.as_str()),
                category: "auth",
                action,
                target_id: None,
                outcome,
                detail,
                ip: client.ip,
            },
        )
        .await;
    }

    fn me_of(user: &UserRow) -> Result<Me, AppError> {
        Ok(Me {
            email: Email::parse(&user.email).or_internal("stored email is invalid")?,
            role: Role::parse(&user.role).unwrap_or(Role::Customer),
            two_factor_enabled: user.totp_enabled_at.is_some(),
        })
    }

    /// Second half of every sign-in: new cookie id, new session row, audit, provisioning.
    async fn complete_login(&self, ctx: &RequestCtx, user: &UserRow, how: &str) -> Result<Me, AppError> {
        sessions::begin(&self.db, &ctx.session, &user.id, &ctx.client).await.or_internal("starting a session")?;
        self.audit_auth(Some(user), "sign_in", "succeeded", Some(how), &ctx.client).await;
        if user.role == Role::Customer.as_str() {
            // A sign-up whose cloud account was not finished gets it now, without holding up the sign-in.
            let tenancy = self.tenancy.clone();
            let id = user.id.clone();
            tokio::spawn(async move {
                if let Err(e) = tenancy.ensure(&id).await {
                    tracing::warn!(error = %e, "cloud account provisioning still failing; retried at the next cloud call");
                }
            });
        }
        Self::me_of(user)
    }

    /// A TOTP code (newer than the last accepted one) or an unused recovery code. Consumes it.
    async fn consume_second_factor(&self, user: &UserRow, code: &str) -> Result<bool, AppError> {
        if totp::is_recovery_shape(code) {
            let n = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
                .bind(now_ms())
                .bind(&user.id)
                .bind(totp::recovery_hash(code))
                .execute(&self.db.pool)
                .await
                .or_internal("using a recovery code")?
                .rows_affected();
            return Ok(n == 1);
        }
        let Some(sealed) = &user.totp_secret_sealed else {
            return Ok(false);
        };
        let secret = self.key.open(TOTP_PURPOSE, sealed).or_internal("opening a TOTP secret")?;
        let now_step = totp::step_at(chrono::Utc::now().timestamp());
        let Some(step) = totp::verify(secret.expose_secret(), code, now_step, user.totp_last_step) else {
            return Ok(false);
        };
        // The conditional update is what stops a replay, even on another server at the same moment.
        let n = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(&user.id)
            .execute(&self.db.pool)
            .await
            .or_internal("recording a TOTP step")?
            .rows_affected();
        Ok(n == 1)
    }

    /// Creates a staff account or resets its password and role (`zenith staff add`).
    pub async fn upsert_staff(db: &Db, hasher: &Hasher, email: &Email, role: Role, password: &NewPassword) -> anyhow::Result<bool> {
        anyhow::ensure!(role.is_staff(), "staff accounts are support or admin");
        Self::check_strength(password, email.as_str()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let hash = hasher.hash(password.expose()).await?;
        if let Some(u) = users::by_email(db, email.as_str()).await? {
            anyhow::ensure!(u.role != "customer", "{email} is a customer account; staff need their own address");
            sqlx::query("UPDATE users SET password_hash = $1, role = $2, password_changed_at = $3 WHERE id = $4")
                .bind(&hash)
                .bind(role.as_str())
                .bind(now_ms())
                .bind(&u.id)
                .execute(&db.pool)
                .await?;
            sessions::revoke_others(db, &u.id, None).await?;
            return Ok(false);
        }
        users::insert(db, &uuid::Uuid::new_v4().to_string(), email.as_str(), &hash, role.as_str()).await?;
        Ok(true)
    }
}

#[async_trait]
impl AuthPort for AuthService {
    #[tracing::instrument(skip_all, fields(email = %email))]
    async fn signup(&self, ctx: &RequestCtx, email: Email, password: NewPassword) -> Result<Me, AppError> {
        Self::check_strength(&password, email.as_str())?;
        let hash = self.hasher.hash(password.expose()).await.or_internal("hashing a password")?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.db.pool.begin().await.or_internal("starting a transaction")?;
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at) VALUES ($1, $2, $3, 'customer', $4, $4)",
        )
        .bind(&id)
        .bind(email.as_str())
        .bind(&hash)
        .bind(now_ms())
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Err(AppError::Conflict(
                    "An account with this email already exists. Sign in instead, or use another address.".into(),
                ))
            }
            other => other.or_internal("creating a user")?,
        };
        crate::tenancy::register(&mut tx, &id).await.or_internal("registering the customer")?;
        tx.commit().await.or_internal("committing a sign-up")?;
        let user = users::by_id(&self.db, &id).await.or_internal("reading a new user")?.ok_or(AppError::Internal)?;
        self.audit_auth(Some(&user), "sign_up", "succeeded", None, &ctx.client).await;
        let me = self.complete_login(ctx, &user, "new account").await?;
        Ok(me)
    }

    #[tracing::instrument(skip_all)]
    async fn login(&self, ctx: &RequestCtx, email: &str, password: &str) -> Result<LoginOutcome, AppError> {
        let email = email.trim().to_lowercase();
        let account_scope = format!("login:email:{email}");
        let address_scope = throttle::address_scope("login", ctx.client.ip);
        // Throttling answers the same for existing and unknown accounts, before any lookup.
        let mut scopes = vec![(account_scope.as_str(), throttle::ACCOUNT)];
        if let Some(s) = &address_scope {
            scopes.push((s.as_str(), throttle::ADDRESS));
        }
        self.throttled(&scopes).await?;
        let user = users::by_email(&self.db, &email).await.or_internal("looking up a user")?;
        let candidate = user.as_ref().filter(|_| password.len() <= MAX_PASSWORD_BYTES);
        let ok = self.hasher.verify(password, candidate.map(|u| u.password_hash.as_str())).await;
        let user = match user {
            Some(u) if ok && u.disabled_at.is_none() => u,
            other => {
                self.fail(
                    &[Some(&account_scope), address_scope.as_deref()],
                    other.as_ref(),
                    "auth",
                    "sign_in",
                    Some("wrong password"),
                    &ctx.client,
                )
                .await;
                return Err(AppError::BadCredentials);
            }
        };
        let _ = throttle::clear(&self.db, &account_scope).await;
        if user.totp_enabled_at.is_some() {
            ctx.session.cycle_id().await.or_internal("cycling the session id")?;
            let pending = sessions::Pending { user_id: user.id.clone(), at: now_ms(), failures: 0 };
            ctx.session.insert(sessions::PENDING, &pending).await.or_internal("storing a pending sign-in")?;
            return Ok(LoginOutcome { two_factor_required: true, me: None });
        }
        let me = self.complete_login(ctx, &user, "password").await?;
        Ok(LoginOutcome { two_factor_required: false, me: Some(me) })
    }

    #[tracing::instrument(skip_all)]
    async fn login_second_factor(&self, ctx: &RequestCtx, code: &str) -> Result<Me, AppError> {
        let start_over = || AppError::Forbidden("Sign in with your email and password first.".into());
        let mut pending: sessions::Pending =
            ctx.session.get(sessions::PENDING).await.or_internal("reading the session")?.ok_or_else(start_over)?;
        if now_ms() - pending.at > PENDING_2FA_MS {
            let _ = ctx.session.remove::<sessions::Pending>(sessions::PENDING).await;
            return Err(start_over());
        }
        let scope = format!("2fa:user:{}", pending.user_id);
        self.throttled(&[(scope.as_str(), throttle::ACCOUNT)]).await?;
        let user = users::by_id(&self.db, &pending.user_id).await.or_internal("reading a user")?.ok_or_else(start_over)?;
        if user.disabled_at.is_some() || !self.consume_second_factor(&user, code).await? {
            self.fail(&[Some(&scope)], Some(&user), "auth", "sign_in", Some("wrong second factor"), &ctx.client).await;
            pending.failures += 1;
            if pending.failures >= PENDING_2FA_TRIES {
                let _ = ctx.session.remove::<sessions::Pending>(sessions::PENDING).await;
            } else {
                ctx.session.insert(sessions::PENDING, &pending).await.or_internal("storing a pending sign-in")?;
            }
            return Err(AppError::invalid(
                "code",
                "That code is not valid. Codes change every 30 seconds: use the newest one, or one of your recovery codes.",
            ));
        }
        let _ = throttle::clear(&self.db, &scope).await;
        let how = if totp::is_recovery_shape(code) { "password + recovery code" } else { "password + authenticator code" };
        self.complete_login(ctx, &user, how).await
    }

    async fn logout(&self, ctx: &RequestCtx) -> Result<(), AppError> {
        if let Some(sid) = ctx.session.get::<String>(sessions::SID).await.or_internal("reading the session")? {
            if let Some(r) = sessions::resolve(&self.db, &sid).await.or_internal("reading a session")? {
                sessions::revoke(&self.db, &r.user_id, &sid).await.or_internal("revoking a session")?;
                let user = users::by_id(&self.db, &r.user_id).await.ok().flatten();
                self.audit_auth(user.as_ref(), "sign_out", "succeeded", None, &ctx.client).await;
            }
        }
        ctx.session.flush().await.or_internal("deleting the session")?;
        Ok(())
    }

    async fn principal(&self, ctx: &RequestCtx) -> Result<Principal, AppError> {
        let Some(sid) = ctx.session.get::<String>(sessions::SID).await.or_internal("reading the session")? else {
            return Err(AppError::Unauthorized);
        };
        let Some(r) = sessions::resolve(&self.db, &sid).await.or_internal("reading a session")? else {
            let _ = ctx.session.flush().await;
            return Err(AppError::Unauthorized);
        };
        let now = now_ms();
        let idle_out = now - r.last_seen_at > self.cfg.idle.as_millis() as i64;
        let too_old = now - r.created_at > self.cfg.absolute.as_millis() as i64;
        if r.revoked_at.is_some() || r.disabled_at.is_some() || idle_out || too_old {
            if r.revoked_at.is_none() {
                let _ = sessions::revoke(&self.db, &r.user_id, &r.id).await;
            }
            let _ = ctx.session.flush().await;
            return Err(AppError::Unauthorized);
        }
        if now - r.last_seen_at > 60_000 {
            sessions::touch(&self.db, &r.id).await.or_internal("touching a session")?;
            // Writing to the session also slides the cookie's and the store's expiry.
            ctx.session.insert("seen", now).await.or_internal("touching the cookie")?;
        }
        let role = Role::parse(&r.role).unwrap_or(Role::Customer);
        Ok(Principal {
            user_id: r.user_id.clone(),
            email: Email::parse(&r.email).or_internal("stored email is invalid")?,
            role,
            session_id: r.id,
            customer_id: (role == Role::Customer).then_some(r.user_id),
            read_only: false,
            two_factor: r.totp_enabled_at.is_some(),
        })
    }

    async fn me(&self, p: &Principal) -> Result<Me, AppError> {
        Ok(Me { email: p.email.clone(), role: p.role, two_factor_enabled: p.two_factor })
    }

    async fn support_gate(&self, p: &Principal) -> Result<(), AppError> {
        p.require_staff()?;
        if self.cfg.staff_require_2fa && !p.two_factor {
            return Err(AppError::Forbidden("Turn on two-factor sign-in under Account before using Support.".into()));
        }
        Ok(())
    }
}
