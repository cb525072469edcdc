//! SSH keys as the panel shows them. The cloud keeps the keys (name and MD5 fingerprint); Zenith
//! remembers what CloudStack does not say about the ones added through the panel (type, the SHA256
//! fingerprint `ssh-keygen -l` prints, when it was added).

use super::{SshKeyName, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A key's type as OpenSSH names it, with an RSA key's size: `ssh-ed25519`, `ecdsa-sha2-nistp256`,
/// `ssh-rsa 4096`; `unknown` for a key added outside the panel (the cloud does not say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Ed25519,
    /// A FIDO security key's ed25519 (`sk-ssh-ed25519@openssh.com`).
    SkEd25519,
    EcdsaP256,
    EcdsaP384,
    EcdsaP521,
    /// A FIDO security key's ECDSA (`sk-ecdsa-sha2-nistp256@openssh.com`).
    SkEcdsaP256,
    Rsa {
        bits: u32,
    },
    Unknown,
}

impl KeyKind {
    const WORDS: [(KeyKind, &'static str); 7] = [
        (KeyKind::Ed25519, "ssh-ed25519"),
        (KeyKind::SkEd25519, "sk-ssh-ed25519@openssh.com"),
        (KeyKind::EcdsaP256, "ecdsa-sha2-nistp256"),
        (KeyKind::EcdsaP384, "ecdsa-sha2-nistp384"),
        (KeyKind::EcdsaP521, "ecdsa-sha2-nistp521"),
        (KeyKind::SkEcdsaP256, "sk-ecdsa-sha2-nistp256@openssh.com"),
        (KeyKind::Unknown, "unknown"),
    ];

    /// An OpenSSH algorithm name (an RSA key as `ssh-rsa <bits>`).
    pub fn parse(s: &str) -> Result<KeyKind, String> {
        if let Some(bits) = s.strip_prefix("ssh-rsa ") {
            return bits.parse().map(|bits| KeyKind::Rsa { bits }).map_err(|_| format!("{s:?} is not an RSA key size"));
        }
        Self::WORDS.iter().find(|(_, w)| *w == s).map(|(k, _)| *k).ok_or_else(|| format!("{s:?} is not a key type the panel knows"))
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "ssh-rsa {bits}"),
            k => f.write_str(Self::WORDS.iter().find(|(w, _)| w == k).map(|(_, s)| *s).unwrap_or("unknown")),
        }
    }
}

impl Serialize for KeyKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
        KeyKind::parse(&s).map_err(serde::de::Error::custom)
    }
}

database_word!(KeyKind, |s| KeyKind::parse(s), |v| v.to_string());

/// One key of the customer's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub name: SshKeyName,
    pub kind: KeyKind,
    /// `SHA256:…` as `ssh-keygen -l` prints it; absent for keys added outside the panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The MD5 form CloudStack shows (`aa:bb:…`), as the cloud wrote it.
    pub fingerprint_md5: String,
    /// Absent for keys added outside the panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<Timestamp>,
}

/// `/api/keys/generate`: the new key and its private half, shown once and never kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedKey {
    #[serde(flatten)]
    pub key: KeyView,
    /// The private key's OpenSSH PEM, generated here and handed out once.
    pub private_key: String,
}

/// The most a pasted public key may be: an RSA 16384-bit key is about 2.8 KB.
pub const PUBLIC_KEY_MAX_BYTES: usize = 8 * 1024;

/// Recognises a private key in any of the forms people paste (OpenSSH, PEM, PKCS#8, PuTTY): the
/// page refuses it before anything is sent, the server again, with the same test.
pub fn looks_private(t: &str) -> bool {
    t.contains("PRIVATE KEY") || t.contains("PuTTY-User-Key-File") || t.contains("BEGIN OPENSSH") || t.contains("ENCRYPTED")
}
