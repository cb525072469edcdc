//! Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that
//! signed in to an account successfully gets a cookie naming that account, signed by the server. At
//! the next sign-in to the same account it proves the browser is a returning one, and its password is
//! checked on the reserved share of the hashing capacity (`password::Lane::Reserved`), which a flood
//! of attempts from new browsers cannot fill. Attempts without one keep every limit they had.
//!
//! The cookie is `v1.<user id>.<random nonce>.<HMAC-SHA256>`, the MAC under a key derived from the
//! master key. It grants nothing by itself: the password (and second factor) are still required; it
//! only decides which queue a sign-in waits in.

use crate::crypto::{random_token, MasterKey};
use app::model::UserId;

const PURPOSE: &str = "zenith device cookie v1";
/// How long a browser stays known without signing in again.
pub const MAX_AGE_SECS: u64 = 365 * 24 * 3600;
/// Longer than any cookie this server writes: a bigger one is not read at all.
const MAX_LEN: usize = 200;

fn signed_part(user: &str, nonce: &str) -> String {
    format!("{user}.{nonce}")
}

/// A new device cookie for `user`.
pub fn issue(key: &MasterKey, user: &UserId) -> String {
    let nonce = random_token(22);
    let body = signed_part(user.as_str(), &nonce);
    format!("v1.{body}.{}", hex::encode(key.mac(PURPOSE, &body)))
}

/// The account a presented cookie was issued for, if it is one of ours and unaltered.
pub fn verify(key: &MasterKey, raw: &str) -> Option<UserId> {
    if raw.len() > MAX_LEN {
        return None;
    }
    let mut parts = raw.split('.');
    let (Some("v1"), Some(user), Some(nonce), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let user = UserId::parse(user).ok()?;
    let given = hex::decode(mac).ok()?;
    let expected = key.mac(PURPOSE, &signed_part(user.as_str(), nonce));
    // Constant time: the comparison says nothing about how much of a forgery was right.
    use subtle::ConstantTimeEq as _;
    (given.len() == expected.len() && bool::from(given.ct_eq(&expected))).then_some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> MasterKey {
        MasterKey::from_hex(&hex::encode([b; 32])).unwrap()
    }

    #[test]
    fn a_cookie_names_the_account_it_was_issued_for_and_nothing_else_passes() {
        let alice = UserId::parse("6f1c2c5e-0000-4000-8000-000000000001").unwrap();
        let bob = UserId::parse("6f1c2c5e-0000-4000-8000-000000000002").unwrap();
        let c = issue(&key(1), &alice);
        assert_eq!(verify(&key(1), &c), Some(alice.clone()));
        assert_ne!(issue(&key(1), &alice), c, "each cookie has its own nonce");
        assert_eq!(verify(&key(2), &c), None, "another server's key");
        let swapped = c.replacen(alice.as_str(), bob.as_str(), 1);
        assert_eq!(verify(&key(1), &swapped), None, "the account cannot be changed");
        let mut flipped = c.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(verify(&key(1), &flipped), None, "nor the signature");
        for junk in ["", "v1", "v1...", "v2.a.b.c", &format!("{c}.extra"), &"x".repeat(5000)] {
            assert_eq!(verify(&key(1), junk), None, "{junk:.20}");
        }
    }
}
