//! Password hashing: argon2id with OWASP's parameters (m = 19456 KiB, t = 2, p = 1, the argon2
//! crate's default), stored as a PHC string.
//!
//! Hashing takes a core and 19 MiB for tens of milliseconds, so it runs on the blocking pool behind a
//! semaphore: a flood of sign-ins queues here instead of starving every other request.

use argon2::password_hash::{rand_core::OsRng, SaltString};
use argon2::{Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier as _};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random password: verified against when the email is unknown, so both answers
    /// take the same time.
    dummy: Arc<str>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Hasher {
        let dummy = hash_now(&uuid::Uuid::new_v4().to_string()).expect("hashing a random password");
        Hasher { permits: Arc::new(Semaphore::new(concurrency.max(1))), dummy: dummy.into() }
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || hash_now(&pw)).await?
    }

    /// True when `password` matches `phc`. `None` verifies against the dummy hash and returns false.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let pw = password.to_string();
        let (phc, real) = match phc {
            Some(h) => (h.to_string(), true),
            None => (self.dummy.to_string(), false),
        };
        let ok = tokio::task::spawn_blocking(move || verify_now(&pw, &phc)).await.unwrap_or(false);
        ok && real
    }
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = Hasher::new(2);
        let phc = h.hash("correct horse battery staple").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify("correct horse battery staple", Some(&phc)).await);
        assert!(!h.verify("correct horse battery stapl", Some(&phc)).await);
        assert!(!h.verify("correct horse battery staple", None).await, "an unknown user never verifies");
    }
}
