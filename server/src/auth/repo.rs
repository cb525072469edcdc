//! The accounts' tables: `users`, `recovery_codes`, `auth_sessions`, `customers` (registration only),
//! `throttle_attempts`, and the support session a request runs under. Every function takes the
//! connection (or transaction) to run on, so a caller can group writes.

use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::support::{SupportAccessMode, SupportMode};
use app::model::{CustomerId, Email, ImpersonationId, Role, SessionId, UserId};
use app::ports::ClientInfo;

/// A user as stored. Ids, the email and the closed sets are the model's types (`database_word!`):
/// a stored value that is not one fails the read, never becomes a default.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub password_hash: String,
    pub role: Role,
    pub created_at: i64,
    pub password_changed_at: i64,
    pub disabled_at: Option<i64>,
    pub totp_secret_sealed: Option<String>,
    pub totp_pending_sealed: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: i64,
    pub support_access: SupportAccessMode,
    pub support_access_until: Option<i64>,
    /// When the address was confirmed by a mailed link; `None` until then.
    pub email_verified_at: Option<i64>,
}

const USER_COLUMNS: &str = "id, email, password_hash, role, created_at, password_changed_at, disabled_at, totp_secret_sealed, totp_pending_sealed, totp_enabled_at, totp_last_step, support_access, support_access_until, email_verified_at";

/// The user whose `column` is `value` (`id` or `email`, both unique).
async fn user_where(conn: &mut Conn, column: &str, value: &str) -> anyhow::Result<Option<User>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = $1"))
        .bind(value)
        .fetch_optional(&mut *conn)
        .await
        .with_context(|| format!("looking up a user by {column}"))
}

pub async fn user_by_email(conn: &mut Conn, email: &Email) -> anyhow::Result<Option<User>> {
    user_where(conn, "email", email.as_str()).await
}

pub async fn user_by_id(conn: &mut Conn, id: &UserId) -> anyhow::Result<Option<User>> {
    user_where(conn, "id", id.as_str()).await
}

/// The one place a user row is made (sign-up, staff, demo). A taken email is a unique violation.
pub async fn insert_user(conn: &mut Conn, id: &UserId, email: &Email, password_hash: &str, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id.as_str())
        .bind(email.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records a new customer; the cloud account comes later (see `tenancy`).
pub async fn register_customer(conn: &mut Conn, id: &UserId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO customers (user_id, cs_account_name) VALUES ($1, $2)")
        .bind(id.as_str())
        .bind(crate::tenancy::account_name(&CustomerId::of_user(id)))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_password(conn: &mut Conn, id: &UserId, hash: &str, role: Option<Role>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, role = COALESCE($3, role) WHERE id = $4")
        .bind(hash)
        .bind(now_ms())
        .bind(role.map(|r| r.as_str()))
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- two-factor sign-in -------------------------------------------------------------------------

pub async fn set_pending_totp(conn: &mut Conn, id: &UserId, sealed: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_pending_sealed = $1 WHERE id = $2").bind(sealed).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

/// Turns the pending secret on; false when it changed meanwhile (another tab, another server).
pub async fn enable_totp(conn: &mut Conn, id: &UserId, step: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL, totp_enabled_at = $1, totp_last_step = $2
         WHERE id = $3 AND totp_enabled_at IS NULL AND totp_pending_sealed IS NOT NULL",
    )
    .bind(now_ms())
    .bind(step)
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A disabled account cannot sign in; its sessions stop working at their next request.
pub async fn disable(conn: &mut Conn, id: &UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(now_ms())
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn disable_totp(conn: &mut Conn, id: &UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_secret_sealed = NULL, totp_pending_sealed = NULL, totp_enabled_at = NULL WHERE id = $1")
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

pub async fn replace_recovery_codes(conn: &mut Conn, id: &UserId, hashes: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id.as_str()).execute(&mut *conn).await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id.as_str())
            .bind(h)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses a recovery code; the conditional update is what makes it work once, whoever races.
pub async fn use_recovery_code(conn: &mut Conn, id: &UserId, hash: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(now_ms())
        .bind(id.as_str())
        .bind(hash)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Accepts a TOTP step only if it is later than the last accepted one: no code works twice, even on
/// another server at the same moment.
pub async fn advance_totp_step(conn: &mut Conn, id: &UserId, step: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
        .bind(step)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

// ---- sessions -----------------------------------------------------------------------------------

pub async fn insert_session(conn: &mut Conn, id: &SessionId, user: &UserId, client: &ClientInfo) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let ua: Option<String> = client.user_agent.as_ref().map(|u| u.chars().take(300).collect());
    sqlx::query("INSERT INTO auth_sessions (id, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5)")
        .bind(id.as_str())
        .bind(user.as_str())
        .bind(now)
        .bind(client.ip.map(|i| i.to_string()))
        .bind(ua)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether the account signed in from `ip` since `since` (UTC ms).
pub async fn signed_in_from(conn: &mut Conn, user: &UserId, ip: &str, since: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM auth_sessions WHERE user_id = $1 AND ip = $2 AND last_seen_at >= $3")
        .bind(user)
        .bind(ip)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(conn: &mut Conn, id: &UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL").bind(id).fetch_one(&mut *conn).await
}

/// A session with its user and the support session it runs, if any: what every request resolves.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
    pub email: Email,
    pub role: Role,
    pub disabled_at: Option<i64>,
    pub two_factor: bool,
    pub email_verified: bool,
    pub support: Option<ResolvedSupport>,
}

#[derive(Debug, Clone)]
pub struct ResolvedSupport {
    pub id: ImpersonationId,
    pub customer_id: CustomerId,
    pub customer_email: Email,
    pub customer_two_factor: bool,
    pub customer_email_verified: bool,
    pub mode: SupportMode,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct ResolvedRow {
    id: SessionId,
    user_id: UserId,
    created_at: i64,
    last_seen_at: i64,
    revoked_at: Option<i64>,
    email: Email,
    role: Role,
    disabled_at: Option<i64>,
    totp_enabled_at: Option<i64>,
    email_verified_at: Option<i64>,
    imp_id: Option<ImpersonationId>,
    imp_customer: Option<CustomerId>,
    imp_customer_email: Option<Email>,
    imp_customer_totp: Option<i64>,
    imp_customer_verified: Option<i64>,
    imp_mode: Option<SupportMode>,
    imp_expires_at: Option<i64>,
}

pub async fn resolve_session(conn: &mut Conn, id: &SessionId) -> anyhow::Result<Option<Resolved>> {
    let row: Option<ResolvedRow> = sqlx::query_as(
        "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.revoked_at, u.email, u.role, u.disabled_at, u.totp_enabled_at, u.email_verified_at,
                i.id AS imp_id, i.customer_id AS imp_customer, c.email AS imp_customer_email, c.totp_enabled_at AS imp_customer_totp,
                c.email_verified_at AS imp_customer_verified, i.mode AS imp_mode, i.expires_at AS imp_expires_at
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
         LEFT JOIN impersonations i ON i.staff_session_id = s.id AND i.ended_at IS NULL
         LEFT JOIN users c ON c.id = i.customer_id
         WHERE s.id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await
    .context("resolving a session")?;
    let Some(r) = row else { return Ok(None) };
    let support = match (r.imp_id, r.imp_customer, r.imp_customer_email, r.imp_mode, r.imp_expires_at) {
        (Some(id), Some(customer_id), Some(customer_email), Some(mode), Some(expires_at)) => Some(ResolvedSupport {
            id,
            customer_id,
            customer_email,
            customer_two_factor: r.imp_customer_totp.is_some(),
            customer_email_verified: r.imp_customer_verified.is_some(),
            mode,
            expires_at,
        }),
        _ => None,
    };
    Ok(Some(Resolved {
        id: r.id,
        user_id: r.user_id,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        revoked_at: r.revoked_at,
        email: r.email,
        role: r.role,
        disabled_at: r.disabled_at,
        two_factor: r.totp_enabled_at.is_some(),
        email_verified: r.email_verified_at.is_some(),
        support,
    }))
}

pub async fn touch_session(conn: &mut Conn, id: &SessionId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE id = $2").bind(now_ms()).bind(id.as_str()).execute(&mut *conn).await?;
    Ok(())
}

pub async fn revoke_session(conn: &mut Conn, user: &UserId, id: &SessionId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id.as_str())
        .bind(user.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Ends every session of the user except `keep`.
pub async fn revoke_other_sessions(conn: &mut Conn, user: &UserId, keep: Option<&SessionId>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
        .bind(now_ms())
        .bind(user.as_str())
        .bind(keep.map(|k| k.as_str()).unwrap_or(""))
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedSession {
    pub id: SessionId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Live sessions, newest first.
pub async fn list_sessions(conn: &mut Conn, user: &UserId, not_before: i64, idle_since: i64) -> Result<Vec<ListedSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM auth_sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND created_at > $2 AND last_seen_at > $3 ORDER BY last_seen_at DESC",
    )
    .bind(user.as_str())
    .bind(not_before)
    .bind(idle_since)
    .fetch_all(&mut *conn)
    .await
}

// ---- throttle attempts --------------------------------------------------------------------------

pub async fn insert_attempt(conn: &mut Conn, id: &str, scope: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO throttle_attempts (id, scope, at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(scope)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The other attempts of a scope since `since`: how many, and the latest.
pub async fn attempts_since(
    conn: &mut Conn,
    scope: &str,
    since: i64,
    except: &str,
) -> Result<(i64, Option<i64>, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), MAX(at), MIN(at) FROM throttle_attempts WHERE scope = $1 AND at > $2 AND id <> $3")
        .bind(scope)
        .bind(since)
        .bind(except)
        .fetch_one(&mut *conn)
        .await
}

pub async fn delete_attempt(conn: &mut Conn, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM throttle_attempts WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn clear_scope(conn: &mut Conn, scope: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM throttle_attempts WHERE scope = $1").bind(scope).execute(&mut *conn).await?;
    Ok(())
}

/// Old rows are useless once outside every window.
pub async fn prune_attempts(conn: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM throttle_attempts WHERE at < $1").bind(before).execute(&mut *conn).await?.rows_affected())
}

// ---- links sent by email ------------------------------------------------------------------------

/// Ends every unused link of `purpose` the user has (a newer one replaces them).
pub async fn supersede_tokens(conn: &mut Conn, user: &UserId, purpose: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user)
        .bind(purpose)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes links that expired before `before`: an unknown token is refused like an expired one.
pub async fn prune_tokens(conn: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM account_tokens WHERE expires_at < $1").bind(before).execute(&mut *conn).await?.rows_affected())
}

/// A new link's row.
pub struct NewToken<'a> {
    pub hash: &'a str,
    pub user: &'a UserId,
    pub purpose: &'static str,
    pub email: &'a Email,
    pub now: i64,
    pub expires_at: i64,
    pub password_changed_at: i64,
}

pub async fn insert_token(conn: &mut Conn, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(t.hash)
    .bind(t.user)
    .bind(t.purpose)
    .bind(t.email)
    .bind(t.now)
    .bind(t.expires_at)
    .bind(t.password_changed_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A link that is unused and not expired.
#[derive(sqlx::FromRow)]
pub struct LiveToken {
    pub user_id: UserId,
    pub purpose: String,
    pub email: Option<Email>,
    /// The account's password change the link was issued after, and the account's latest one.
    pub issued_under: i64,
    pub password_changed_at: i64,
}

pub async fn live_token(conn: &mut Conn, hash: &str, now: i64) -> anyhow::Result<Option<LiveToken>> {
    sqlx::query_as(
        "SELECT t.user_id, t.purpose, t.email, t.password_changed_at AS issued_under, u.password_changed_at
         FROM account_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await
    .context("reading an emailed link")
}

/// Uses a link if it still works (and, with `same_password`, if the password is still the one it
/// was issued under); false when it was used, expired or outdated meanwhile.
pub async fn use_token(conn: &mut Conn, hash: &str, user: &UserId, same_password: bool, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1
         AND (NOT $4 OR password_changed_at = (SELECT password_changed_at FROM users WHERE id = $3))",
    )
    .bind(now)
    .bind(hash)
    .bind(user)
    .bind(same_password)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks the account's address confirmed, if it is still `email`.
pub async fn confirm_email(conn: &mut Conn, user: &UserId, email: &Email, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email = $3")
        .bind(now)
        .bind(user)
        .bind(email)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Makes `email` the account's address, confirmed (its link was followed).
pub async fn change_email(conn: &mut Conn, user: &UserId, email: &Email, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
        .bind(email)
        .bind(now)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
