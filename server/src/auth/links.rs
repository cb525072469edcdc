//! Links sent by email: a random token in the URL, only its SHA-256 in `account_tokens`. A link works
//! once, until it expires, while it is the newest of its purpose for its account; a password-reset
//! link also dies when the password changes by any path, and a confirmation confirms only the
//! address it was sent to.

use super::repo::{self, User};
use crate::db::{now_ms, Conn, Db};
use app::model::{Email, UserId};
use sha2::{Digest, Sha256};

/// A token's length in letters and digits: about 256 bits.
const TOKEN_CHARS: usize = 43;
/// Longer than any token this module makes: not worth hashing.
const MAX_TOKEN_CHARS: usize = 200;

/// What a link does when it is followed (its word in `account_tokens.purpose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `/reset?token=…`: choose a new password. 30 minutes.
    PasswordReset,
    /// `/verify?token=…` sent at sign-up (or again): confirms the account's address. 24 hours.
    ConfirmEmail,
    /// `/verify?token=…` sent to a new address: makes it the account's address. 24 hours.
    ChangeEmail,
}

impl Purpose {
    fn word(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::ChangeEmail => "change_email",
        }
    }

    fn lifetime_ms(self) -> i64 {
        match self {
            Purpose::PasswordReset => 30 * 60_000,
            Purpose::ConfirmEmail | Purpose::ChangeEmail => 24 * 3_600_000,
        }
    }

    fn page(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "reset",
            Purpose::ConfirmEmail | Purpose::ChangeEmail => "verify",
        }
    }

    /// The purposes another link replaces: a newer confirmation or change ends both older kinds
    /// (only the newest address asked for can become the account's).
    fn superseded(self) -> &'static [Purpose] {
        match self {
            Purpose::PasswordReset => &[Purpose::PasswordReset],
            Purpose::ConfirmEmail | Purpose::ChangeEmail => &[Purpose::ConfirmEmail, Purpose::ChangeEmail],
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a `purpose` link for `user` about `email` on `conn` (the transaction that queues its mail),
/// ending the older ones it replaces. Returns the URL to mail.
pub async fn issue(conn: &mut Conn, public_url: &str, user: &User, purpose: Purpose, email: &Email) -> Result<String, sqlx::Error> {
    let token = crate::crypto::random_token(TOKEN_CHARS);
    let now = now_ms();
    for old in purpose.superseded() {
        repo::supersede_tokens(conn, &user.id, old.word(), now).await?;
    }
    let row = repo::NewToken {
        hash: &hash(&token),
        user: &user.id,
        purpose: purpose.word(),
        email,
        now,
        expires_at: now + purpose.lifetime_ms(),
        password_changed_at: user.password_changed_at,
    };
    repo::insert_token(conn, &row).await?;
    Ok(format!("{public_url}/{}?token={token}", purpose.page()))
}

/// A link that still works, as its holder presented it.
#[derive(Debug, Clone)]
pub struct Live {
    pub hash: String,
    pub user: UserId,
    pub purpose: Purpose,
    /// The address it was sent to.
    pub email: Email,
}

/// The live link `token` names among `purposes`, if any (not used yet: see [`take`]).
pub async fn find(conn: &mut Conn, token: &str, purposes: &[Purpose]) -> anyhow::Result<Option<Live>> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(None);
    }
    let hash = hash(token);
    let Some(row) = repo::live_token(conn, &hash, now_ms()).await? else { return Ok(None) };
    let Some(purpose) = purposes.iter().copied().find(|p| p.word() == row.purpose) else { return Ok(None) };
    // A reset link is only as good as the password it was issued under.
    if purpose == Purpose::PasswordReset && row.issued_under != row.password_changed_at {
        return Ok(None);
    }
    let Some(email) = row.email else { return Ok(None) };
    Ok(Some(Live { hash, user: row.user_id, purpose, email }))
}

/// Uses `link` on `conn` (the transaction that does what it asks): false when it was used, expired or
/// outdated since [`find`], so of two racing uses exactly one wins.
pub async fn take(conn: &mut Conn, link: &Live) -> Result<bool, sqlx::Error> {
    repo::use_token(conn, &link.hash, &link.user, link.purpose == Purpose::PasswordReset, now_ms()).await
}

/// Deletes links a day after they expired (an unknown token is refused like an expired one).
pub async fn prune(db: &Db) -> anyhow::Result<u64> {
    Ok(repo::prune_tokens(&mut *db.pool.acquire().await?, now_ms() - 24 * 3_600_000).await?)
}
