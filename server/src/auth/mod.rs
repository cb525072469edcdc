//! Accounts and sessions: sign-up, sign-in (password, then TOTP or a recovery code when enabled),
//! sign-out, and the principal of every request, including the support session it may run under.
//!
//! Guarantees: an unknown email and a wrong password get the same answer after the same work (one
//! argon2 verification); every guess is counted before it is checked, per account and per address, in
//! the database (see `throttle`); sign-up is limited per address and in total; every sign-in gets a
//! fresh cookie id and its own revocable `auth_sessions` row; secrets never reach a log line.

mod account;
pub mod device;
mod error;
pub mod links;
pub mod password;
pub mod repo;
mod reset;
pub mod sessions;
pub mod throttle;
pub mod totp;
mod two_factor;
mod verify;

pub use error::AuthError;

use crate::audit::{self, Actor};
use crate::crypto::MasterKey;
use crate::db::{now_ms, Db};
use crate::mail::MailSettings;
use crate::tenancy::Tenancy;
use anyhow::Context as _;
use app::error::AppError;
use app::model::account::{FormState, LoginOutcome};
use app::model::audit::{AuditAction, AuditCategory, AuditEvent, AuditOutcome};
use app::model::support::SupportMode;
use app::model::support::SupportSessionEnd;
use app::model::{CustomerId, Email, Me, NewPassword, Role, UserId};
use app::ports::{ClientInfo, Principal, RequestCtx, SupportView};
use password::Hasher;
use repo::User;
use std::sync::Arc;
use std::time::Duration;
use throttle::Scope;

/// Why a password is too easy to guess, in zxcvbn's words; `None` when it is strong enough. The
/// estimate runs on the hashing pool (never a request thread), on at most the first 100 characters.
pub async fn weakness(hasher: &Hasher, password: &NewPassword, email: &Email) -> anyhow::Result<Option<String>> {
    let sample: String = password.expose().chars().take(STRENGTH_CHARS).collect();
    let email = email.to_string();
    hasher
        .estimate(move || {
            let local = email.split('@').next().unwrap_or("").to_string();
            let entropy = zxcvbn::zxcvbn(&sample, &[email.as_str(), local.as_str(), "zenith", "cloudstack"]);
            if (entropy.score() as u8) >= 3 {
                return None;
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
            Some(msg)
        })
        .await
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub idle: Duration,
    pub absolute: Duration,
    pub staff_require_2fa: bool,
    /// Sign-ups allowed per client address (IPv6 per /64) per hour.
    pub signups_per_address_per_hour: u32,
    /// Sign-ups allowed in total per hour.
    pub signups_per_hour: u32,
    /// Deploys wait for a confirmed address (`ZENITH_EMAIL_VERIFICATION`).
    pub email_verification_required: bool,
}

#[derive(Clone)]
pub struct AuthService {
    db: Db,
    hasher: Hasher,
    key: MasterKey,
    cfg: AuthConfig,
    tenancy: Arc<Tenancy>,
    mail: Arc<MailSettings>,
}

/// How long a right password waits for its second factor.
const PENDING_2FA_MS: i64 = 5 * 60_000;
/// Wrong codes allowed in one pending sign-in before it must start over.
const PENDING_2FA_TRIES: u32 = 5;
/// Passwords longer than this are not worth hashing: they cannot be anyone's (max 256 characters).
const MAX_PASSWORD_BYTES: usize = 1024;
/// zxcvbn's cost grows with its input; the first 100 characters tell it all it needs.
const STRENGTH_CHARS: usize = 100;

const TOTP_PURPOSE: &str = "totp-secret";

/// How long a browser or address stays familiar to an account without signing in.
const FAMILIAR_MS: i64 = 90 * 24 * 3_600_000;
/// How a sign-up's own sign-in is recorded.
const NEW_ACCOUNT: &str = "new account";

/// How long a throttled attempt waits for its refusal.
const TARPIT: Duration = Duration::from_secs(1);

impl AuthService {
    pub fn new(db: Db, hasher: Hasher, key: MasterKey, cfg: AuthConfig, tenancy: Arc<Tenancy>, mail: Arc<MailSettings>) -> AuthService {
        AuthService { db, hasher, key, cfg, tenancy, mail }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.cfg
    }

    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Where mail goes: other features queue their notices with it.
    pub fn mail(&self) -> &MailSettings {
        &self.mail
    }

    /// Refuses passwords a well-kept estimator can guess, with its advice as the message.
    async fn check_strength(&self, password: &NewPassword, email: &Email, field: &'static str) -> Result<(), AuthError> {
        match weakness(&self.hasher, password, email).await.map_err(AuthError::from_pool)? {
            Some(advice) => Err(AuthError::WeakPassword { field, advice }),
            None => Ok(()),
        }
    }

    /// Counts the attempt in every scope before anything is checked. A refusal is held back for up to
    /// a second (an async wait, no CPU): a client retrying in a loop then makes one attempt a second
    /// instead of thousands.
    async fn attempt(&self, scopes: &[Scope]) -> Result<throttle::Attempt, AuthError> {
        match throttle::attempt(&self.db, scopes).await? {
            Ok(a) => Ok(a),
            Err(retry_after) => {
                tokio::time::sleep(TARPIT.min(Duration::from_secs(retry_after))).await;
                Err(AuthError::Throttled { retry_after: retry_after.saturating_sub(TARPIT.as_secs()).max(1) })
            }
        }
    }

    fn actor(user: &User) -> Actor {
        Actor { user_id: user.id.clone(), email: user.email.to_string(), role: user.role, impersonation: None }
    }

    /// An audit entry about the user's own account.
    async fn audit(
        &self,
        user: Option<&User>,
        category: AuditCategory,
        action: AuditAction,
        outcome: AuditOutcome,
        detail: Option<&str>,
        client: &ClientInfo,
    ) {
        let actor = user.map(Self::actor);
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: actor.as_ref(),
                subject: user.map(|u| &u.id),
                category,
                action,
                target_id: None,
                outcome,
                detail,
                ip: client.ip,
            },
        )
        .await;
    }

    /// A failed guess: its attempt stays counted; the audit log says so.
    async fn failed(
        &self,
        attempt: throttle::Attempt,
        user: Option<&User>,
        category: AuditCategory,
        action: AuditAction,
        detail: Option<&str>,
        client: &ClientInfo,
    ) {
        attempt.failed();
        self.audit(user, category, action, AuditOutcome::Failed, detail, client).await;
    }

    fn me_of(&self, user: &User) -> Me {
        Me {
            email: user.email.clone(),
            role: user.role,
            two_factor_enabled: user.totp_enabled_at.is_some(),
            email_verified: user.email_verified_at.is_some(),
            email_verification_required: self.cfg.email_verification_required,
            impersonating: None,
        }
    }

    async fn user(&self, id: &UserId) -> Result<Option<User>, AuthError> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(repo::user_by_id(&mut conn, id).await?)
    }

    /// A browser and an address this account has not signed in from in 90 days: the owner is told.
    /// (A browser holding this account's device cookie, or an address it used, is not news.)
    async fn unfamiliar(&self, ctx: &RequestCtx, user: &User) -> Result<bool, AuthError> {
        let known_browser = ctx.client.device.presented.as_deref().and_then(|c| device::verify(&self.key, c)).is_some_and(|u| u == user.id);
        if known_browser {
            return Ok(false);
        }
        let Some(ip) = ctx.client.ip else { return Ok(true) };
        let mut conn = self.db.pool.acquire().await?;
        Ok(!repo::signed_in_from(&mut conn, &user.id, &ip.to_string(), now_ms() - FAMILIAR_MS).await?)
    }

    /// Second half of every sign-in: new cookie id, new session row (with a notice if the browser
    /// and address are new), audit, provisioning. `first` is the sign-up's own sign-in.
    async fn complete_login(&self, ctx: &RequestCtx, user: &User, how: &str) -> Result<Me, AuthError> {
        let first = how == NEW_ACCOUNT;
        let notice = match !first && self.unfamiliar(ctx, user).await? {
            true => {
                let n = crate::mail::Notice::NewSignIn { browser: ctx.client.user_agent.as_deref(), address: ctx.client.ip };
                Some(n.render(&self.mail, &user.email, app::model::Timestamp::from_unix_ms(now_ms()))?)
            }
            false => None,
        };
        sessions::begin(&self.db, &ctx.session, &user.id, &ctx.client, notice.as_ref()).await.context("starting a session")?;
        // This browser is now a known one for this account (a new cookie each time).
        ctx.client.device.issue(device::issue(&self.key, &user.id));
        self.audit(Some(user), AuditCategory::Auth, AuditEvent::SignIn.into(), AuditOutcome::Succeeded, Some(how), &ctx.client).await;
        if user.role == Role::Customer {
            // A sign-up whose cloud account was not finished gets it now, without holding up the sign-in.
            let tenancy = self.tenancy.clone();
            let id = CustomerId::of_user(&user.id);
            tokio::spawn(async move {
                if let Err(e) = tenancy.ensure(&id).await {
                    tracing::warn!(error = %format!("{e:#}"), "cloud account provisioning still failing; retried at the next cloud call");
                }
            });
        }
        Ok(self.me_of(user))
    }

    /// Checks the password again for a security change; a wrong one is a counted failure.
    async fn confirm_password(&self, user: &User, password: &str, action: AuditAction, client: &ClientInfo) -> Result<(), AuthError> {
        if !self.password_again(user, password, AuditCategory::Account, action, client).await? {
            return Err(AuthError::PasswordWrong);
        }
        Ok(())
    }

    /// Is this the user's password? Throttled like a sign-in (per account) and a wrong one is counted
    /// and audited under `category`/`action`.
    async fn password_again(
        &self,
        user: &User,
        password: &str,
        category: AuditCategory,
        action: AuditAction,
        client: &ClientInfo,
    ) -> Result<bool, AuthError> {
        let scope = Scope::new(&format!("password:user:{}", user.id), throttle::ACCOUNT);
        let attempt = self.attempt(std::slice::from_ref(&scope)).await?;
        let ok = password.len() <= MAX_PASSWORD_BYTES
            && self.hasher.verify(password, Some(&user.password_hash)).await.map_err(AuthError::from_pool)?;
        if !ok {
            self.failed(attempt, Some(user), category, action, Some("wrong password"), client).await;
            return Ok(false);
        }
        attempt.succeeded(&self.db, &[&scope]).await?;
        Ok(true)
    }

    /// A staff member's password again before a support session opens (see `support`).
    pub async fn staff_password_again(&self, p: &Principal, password: &str) -> Result<bool, AuthError> {
        let user = self.user(&p.user_id).await?.ok_or(AuthError::SignedOut)?;
        self.password_again(&user, password, AuditCategory::Support, AuditEvent::ImpersonationRefused.into(), &p.client).await
    }

    /// Creates a staff account or resets its password and role (`zenith staff add`).
    pub async fn upsert_staff(db: &Db, hasher: &Hasher, email: &Email, role: Role, password: &NewPassword) -> anyhow::Result<bool> {
        anyhow::ensure!(role.is_staff(), "staff accounts are support or admin");
        if let Some(why) = weakness(hasher, password, email).await? {
            anyhow::bail!("{why}");
        }
        let hash = hasher.hash(password.expose()).await?;
        let mut tx = db.begin_write().await?;
        let created = match repo::user_by_email(&mut tx, email).await? {
            Some(u) => {
                anyhow::ensure!(u.role != Role::Customer, "{email} is a customer account; staff need their own address");
                repo::set_password(&mut tx, &u.id, &hash, Some(role)).await?;
                repo::revoke_other_sessions(&mut tx, &u.id, None).await?;
                crate::impersonation::end_all_held_by(&mut tx, &u.id, SupportSessionEnd::StaffAccountChanged).await?;
                false
            }
            None => {
                repo::insert_user(&mut tx, &UserId::new_random(), email, &hash, role).await?;
                true
            }
        };
        tx.commit().await?;
        Ok(created)
    }

    /// Disables a staff account (`zenith staff remove`): its sessions end, and so does any support
    /// session it holds. The row stays: the audit log names it.
    pub async fn remove_staff(db: &Db, email: &Email) -> anyhow::Result<()> {
        let mut tx = db.begin_write().await?;
        let user = repo::user_by_email(&mut tx, email).await?.with_context(|| format!("there is no account {email}"))?;
        anyhow::ensure!(user.role.is_staff(), "{email} is a customer account, not staff");
        repo::disable(&mut tx, &user.id).await?;
        repo::revoke_other_sessions(&mut tx, &user.id, None).await?;
        crate::impersonation::end_all_held_by(&mut tx, &user.id, SupportSessionEnd::StaffRemoved).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new customer with a password, as sign-up makes one (also used by `--demo`). Returns `None`
    /// when the email is taken.
    pub async fn create_customer(db: &Db, email: &Email, password_hash: &str) -> anyhow::Result<Option<UserId>> {
        let mut tx = db.begin_write().await?;
        let id = Self::insert_customer(&mut tx, email, password_hash).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn insert_customer(conn: &mut crate::db::Conn, email: &Email, password_hash: &str) -> anyhow::Result<Option<UserId>> {
        let id = UserId::new_random();
        match repo::insert_user(conn, &id, email, password_hash, Role::Customer).await {
            Err(e) if crate::db::is_unique_violation(&e) => return Ok(None),
            other => other.context("creating a user")?,
        }
        repo::register_customer(conn, &id).await.context("registering the customer")?;
        Ok(Some(id))
    }

    async fn signup(&self, ctx: &RequestCtx, email: Email, password: NewPassword) -> Result<Me, AuthError> {
        self.check_strength(&password, &email, "password").await?;
        // Counted whether or not it succeeds: each costs an argon2 hash and, later, a cloud account.
        let mut scopes = vec![Scope::new("signup:all", throttle::per_hour(self.cfg.signups_per_hour))];
        scopes.extend(Scope::address("signup", ctx.client.ip, throttle::per_hour(self.cfg.signups_per_address_per_hour)));
        self.attempt(&scopes).await?.keep();
        let hash = self.hasher.hash(password.expose()).await.map_err(AuthError::from_pool)?;
        // The account and the mail that confirms its address: both or neither.
        let mut tx = self.db.begin_write().await?;
        let Some(id) = Self::insert_customer(&mut tx, &email, &hash).await? else {
            return Err(AuthError::EmailTaken);
        };
        let user = repo::user_by_id(&mut tx, &id).await?.context("the new user is gone")?;
        self.queue_confirmation(&mut tx, &user, &user.email, links::Purpose::ConfirmEmail).await?;
        tx.commit().await?;
        self.audit(Some(&user), AuditCategory::Auth, AuditEvent::SignUp.into(), AuditOutcome::Succeeded, None, &ctx.client).await;
        self.complete_login(ctx, &user, NEW_ACCOUNT).await
    }

    async fn login(&self, ctx: &RequestCtx, email: &str, password: &str) -> Result<LoginOutcome, AuthError> {
        // Text no address or password can contain is refused outright; anything else that cannot be
        // an account is answered like a wrong password, after the same work.
        if app::model::check_text(email, Email::MAX_LEN, false).is_err() {
            return Err(AuthError::EmailInvalid);
        }
        if password.contains('\0') {
            return Err(AuthError::PasswordHasNul);
        }
        let normalised = email.trim().to_lowercase();
        let account = Scope::new(&format!("login:email:{normalised}"), throttle::ACCOUNT);
        let mut scopes = vec![account.clone()];
        scopes.extend(Scope::address("login", ctx.client.ip, throttle::ADDRESS));
        // Counted before any lookup, so throttling answers the same for existing and unknown accounts.
        let attempt = self.attempt(&scopes).await?;
        let user = match Email::parse(&normalised) {
            Ok(e) => {
                let mut conn = self.db.pool.acquire().await?;
                repo::user_by_email(&mut conn, &e).await?
            }
            Err(_) => None,
        };
        let candidate = user.as_ref().filter(|_| password.len() <= MAX_PASSWORD_BYTES);
        // A browser that signed in to this very account before waits in the reserved share.
        let returning = ctx.client.device.presented.as_deref().and_then(|c| device::verify(&self.key, c));
        let share = match (&returning, &user) {
            (Some(known), Some(u)) if *known == u.id => password::Share::Returning,
            _ => password::Share::Common,
        };
        let verified = self.hasher.verify_as(share, password, candidate.map(|u| u.password_hash.as_str())).await;
        let ok = match verified {
            Ok(ok) => ok,
            Err(e) => {
                attempt.forget(&self.db).await?;
                return Err(AuthError::from_pool(e));
            }
        };
        let user = match user {
            Some(u) if ok && u.disabled_at.is_none() => u,
            other => {
                self.failed(attempt, other.as_ref(), AuditCategory::Auth, AuditEvent::SignIn.into(), Some("wrong password"), &ctx.client)
                    .await;
                return Err(AuthError::BadCredentials);
            }
        };
        attempt.succeeded(&self.db, &[&account]).await?;
        if user.totp_enabled_at.is_some() {
            ctx.session.cycle_id().await.context("cycling the session id")?;
            let pending =
                sessions::Pending { user_id: user.id.clone(), at: now_ms(), failures: 0, password_changed_at: user.password_changed_at };
            sessions::set_pending(&ctx.session, &pending).await?;
            return Ok(LoginOutcome { two_factor_required: true, me: None });
        }
        let me = self.complete_login(ctx, &user, "password").await?;
        Ok(LoginOutcome { two_factor_required: false, me: Some(me) })
    }

    async fn logout(&self, ctx: &RequestCtx) -> Result<(), AuthError> {
        if let Some(sid) = sessions::current(&ctx.session).await? {
            let mut conn = self.db.pool.acquire().await?;
            if let Some(r) = repo::resolve_session(&mut conn, &sid).await? {
                // Signing out also ends a support session the staff member had open.
                if let Some(s) = &r.support {
                    crate::impersonation::end_and_audit(&mut conn, &s.id, SupportSessionEnd::StaffSignedOut).await?;
                }
                repo::revoke_session(&mut conn, &r.user_id, &sid).await?;
                let user = repo::user_by_id(&mut conn, &r.user_id).await?;
                drop(conn);
                self.audit(user.as_ref(), AuditCategory::Auth, AuditEvent::SignOut.into(), AuditOutcome::Succeeded, None, &ctx.client)
                    .await;
            }
        }
        ctx.session.flush().await.context("deleting the session")?;
        Ok(())
    }

    async fn principal(&self, ctx: &RequestCtx) -> Result<Principal, AuthError> {
        let signed_out = || AuthError::SignedOut;
        // An unreadable cookie (an older format) is a signed-out visitor, not an error.
        let Some(sid) = sessions::current(&ctx.session).await.ok().flatten() else {
            return Err(signed_out());
        };
        let mut conn = self.db.pool.acquire().await?;
        let Some(r) = repo::resolve_session(&mut conn, &sid).await? else {
            crate::error::log_failed_write(ctx.session.flush().await, "forgetting an unknown session");
            return Err(signed_out());
        };
        let now = now_ms();
        let idle_out = now - r.last_seen_at > self.cfg.idle.as_millis() as i64;
        let too_old = now - r.created_at > self.cfg.absolute.as_millis() as i64;
        if r.revoked_at.is_some() || r.disabled_at.is_some() || idle_out || too_old {
            if r.revoked_at.is_none() {
                repo::revoke_session(&mut conn, &r.user_id, &r.id).await?;
            }
            // A support session never outlives the staff session it runs in.
            if let Some(s) = &r.support {
                crate::impersonation::end_and_audit(&mut conn, &s.id, SupportSessionEnd::StaffSessionEnded).await?;
            }
            crate::error::log_failed_write(ctx.session.flush().await, "forgetting an ended session");
            return Err(signed_out());
        }
        if now - r.last_seen_at > 60_000 {
            repo::touch_session(&mut conn, &r.id).await?;
            sessions::keep_alive(&ctx.session).await?;
        }
        // A support session holds only while it lasts and while its holder is still staff.
        let support = match r.support {
            Some(s) if s.expires_at <= now => {
                crate::impersonation::end_and_audit(&mut conn, &s.id, SupportSessionEnd::Expired).await?;
                None
            }
            Some(s) if !r.role.is_staff() => {
                crate::impersonation::end_and_audit(&mut conn, &s.id, SupportSessionEnd::NoLongerStaff).await?;
                None
            }
            Some(s) if s.mode == SupportMode::Acting && r.role != Role::Admin => {
                crate::impersonation::end_and_audit(&mut conn, &s.id, SupportSessionEnd::NoLongerAdmin).await?;
                None
            }
            other => other,
        };
        let customer_id = match (&support, r.role) {
            (Some(s), _) => Some(s.customer_id.clone()),
            (None, Role::Customer) => Some(CustomerId::of_user(&r.user_id)),
            (None, _) => None,
        };
        Ok(Principal {
            user_id: r.user_id,
            email: r.email,
            role: r.role,
            session_id: r.id,
            two_factor: r.two_factor,
            email_verified: r.email_verified,
            customer_id,
            support: support.map(|s| SupportView {
                id: s.id,
                customer_email: s.customer_email,
                customer_two_factor: s.customer_two_factor,
                customer_email_verified: s.customer_email_verified,
                mode: s.mode,
                expires_at: s.expires_at,
            }),
            client: ctx.client.clone(),
            staff_two_factor_required: self.cfg.staff_require_2fa,
            email_verification_required: self.cfg.email_verification_required,
        })
    }
}

#[async_trait::async_trait]
impl app::api::auth::AuthPort for AuthService {
    async fn request_password_reset(&self, ctx: &RequestCtx, email: &str) -> Result<(), AppError> {
        Ok(AuthService::request_password_reset(self, ctx, email).await?)
    }

    async fn complete_password_reset(&self, ctx: &RequestCtx, token: &str, password: NewPassword) -> Result<(), AppError> {
        Ok(AuthService::complete_password_reset(self, ctx, token, password).await?)
    }

    async fn verify_email(&self, ctx: &RequestCtx, token: &str) -> Result<app::api::auth::EmailVerified, AppError> {
        Ok(AuthService::verify_email(self, ctx, token).await?)
    }

    async fn resend_verification(&self, o: &app::ports::Owner<'_>) -> Result<(), AppError> {
        Ok(AuthService::resend_verification(self, o).await?)
    }

    #[tracing::instrument(skip_all, fields(email = %email))]
    async fn signup(&self, ctx: &RequestCtx, email: Email, password: NewPassword) -> Result<Me, AppError> {
        Ok(AuthService::signup(self, ctx, email, password).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn login(&self, ctx: &RequestCtx, email: &str, password: &str) -> Result<LoginOutcome, AppError> {
        Ok(AuthService::login(self, ctx, email, password).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn login_second_factor(&self, ctx: &RequestCtx, code: &str) -> Result<Me, AppError> {
        Ok(self.second_factor_sign_in(ctx, code).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn logout(&self, ctx: &RequestCtx) -> Result<(), AppError> {
        Ok(AuthService::logout(self, ctx).await?)
    }

    async fn principal(&self, ctx: &RequestCtx) -> Result<Principal, AppError> {
        Ok(AuthService::principal(self, ctx).await?)
    }

    async fn me(&self, p: &Principal) -> Result<Me, AppError> {
        Ok(Me {
            email: p.email.clone(),
            role: p.role,
            two_factor_enabled: p.two_factor,
            email_verified: p.email_verified,
            email_verification_required: p.email_verification_required,
            impersonating: p.support.as_ref().zip(p.customer_id.as_ref()).map(|(s, c)| app::model::support::Impersonating {
                id: s.id.clone(),
                customer_id: c.clone(),
                customer_email: s.customer_email.clone(),
                customer_two_factor: s.customer_two_factor,
                customer_email_verified: s.customer_email_verified,
                mode: s.mode,
                expires_at: app::model::Timestamp::from_unix_ms(s.expires_at),
                staff_email: p.email.clone(),
            }),
        })
    }

    async fn take_form_state(&self, ctx: &RequestCtx) -> Result<FormState, AppError> {
        Ok(sessions::take_form_state(&ctx.session).await.map_err(AuthError::from)?)
    }
}
