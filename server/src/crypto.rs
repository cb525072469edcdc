//! Secrets at rest: CloudStack API secrets and TOTP seeds are sealed with XChaCha20-Poly1305 under
//! the master key (`ZENITH_SECRET_KEY`, or a key generated into the data dir on first run).
//!
//! A sealed value is `v1:` + base64(nonce ‖ ciphertext). The purpose is bound as associated data, so
//! a sealed TOTP seed cannot be swapped in where an API secret is expected.

use anyhow::Context as _;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::path::Path;

#[derive(Clone)]
pub struct MasterKey(std::sync::Arc<SecretBox<[u8; 32]>>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened (wrong ZENITH_SECRET_KEY, or the data was altered)")]
pub struct OpenError;

impl MasterKey {
    pub fn from_hex(hex: &str) -> anyhow::Result<MasterKey> {
        let hex = hex.trim();
        anyhow::ensure!(
            hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "ZENITH_SECRET_KEY must be 64 hex characters (32 bytes)"
        );
        let mut key = [0u8; 32];
        hex::decode_to_slice(hex, &mut key).context("ZENITH_SECRET_KEY must be 64 hex characters (32 bytes)")?;
        Ok(MasterKey(std::sync::Arc::new(SecretBox::new(Box::new(key)))))
    }

    /// The configured key, or the one in `data_dir/secret.key` (created, mode 0600, when missing).
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<MasterKey> {
        if let Some(hex) = configured {
            return MasterKey::from_hex(hex);
        }
        let path = data_dir.join("secret.key");
        if path.exists() {
            let hex = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            return MasterKey::from_hex(&hex);
        }
        std::fs::create_dir_all(data_dir)?;
        let key: [u8; 32] = rand::random();
        let hex = hex::encode(key);
        write_private(&path, hex.as_bytes())?;
        tracing::info!(path = %path.display(), "generated a new master key; back it up with the database");
        MasterKey::from_hex(&hex)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.expose_secret().into())
    }

    pub fn seal(&self, purpose: &str, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct =
            self.cipher().encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: purpose.as_bytes() }).expect("encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("v1:{}", base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// HMAC-SHA256 of `message` under a key derived from the master key for `purpose`: a signature
    /// only this server (and its siblings sharing the key) can make.
    pub fn mac(&self, purpose: &str, message: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut derive = <Hmac<sha2::Sha256> as Mac>::new_from_slice(self.0.expose_secret()).expect("HMAC takes keys of any length");
        derive.update(purpose.as_bytes());
        let subkey = derive.finalize().into_bytes();
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&subkey).expect("HMAC takes keys of any length");
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<SecretString, OpenError> {
        let raw = sealed.strip_prefix("v1:").ok_or(OpenError)?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(raw).map_err(|_| OpenError)?;
        if bytes.len() < 24 {
            return Err(OpenError);
        }
        let (nonce, ct) = bytes.split_at(24);
        let pt = self.cipher().decrypt(nonce.into(), Payload { msg: ct, aad: purpose.as_bytes() }).map_err(|_| OpenError)?;
        String::from_utf8(pt).map(SecretString::from).map_err(|_| OpenError)
    }
}

/// A random token of `len` letters and digits (passwords nobody types, such as a cloud account's).
pub fn random_token(len: usize) -> String {
    use rand::{distributions::Alphanumeric, Rng};
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_purpose() {
        let k = MasterKey::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = k.seal("cloudstack-secret", "s3cr3t");
        assert!(!sealed.contains("s3cr3t"));
        assert_eq!(k.open("cloudstack-secret", &sealed).unwrap().expose_secret(), "s3cr3t");
        assert!(k.open("totp", &sealed).is_err());
        let other = MasterKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open("cloudstack-secret", &sealed).is_err());
        assert_ne!(k.seal("p", "x"), k.seal("p", "x"), "a fresh nonce every time");
    }

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = std::env::temp_dir().join(format!("zenith-key-{}", uuid::Uuid::new_v4()));
        let a = MasterKey::load_or_create(None, &dir).unwrap();
        let b = MasterKey::load_or_create(None, &dir).unwrap();
        assert_eq!(b.open("p", &a.seal("p", "same")).unwrap().expose_secret(), "same");
        assert!(MasterKey::from_hex("short").is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
