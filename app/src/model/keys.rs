//! SSH keys as the panel shows them. The cloud keeps the keys (name and MD5 fingerprint); Zenith
//! remembers what CloudStack does not say about the ones added through the panel (type, the SHA256
//! fingerprint `ssh-keygen -l` prints, when it was added).

use super::SshKeyName;
use serde::{Deserialize, Serialize};

/// One key of the customer's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub name: SshKeyName,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa` (with its size, e.g. `ssh-rsa 4096`), or
    /// `unknown` for a key added outside the panel.
    pub kind: String,
    /// `SHA256:…` as `ssh-keygen -l` prints it; absent for keys added outside the panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The MD5 form CloudStack shows (`aa:bb:…`).
    pub fingerprint_md5: String,
    /// RFC 3339, UTC; absent for keys added outside the panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
}

/// `/api/keys/generate`: the new key and its private half, shown once and never kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedKey {
    #[serde(flatten)]
    pub key: KeyView,
    pub private_key: String,
}

/// The most a pasted public key may be: an RSA 16384-bit key is about 2.8 KB.
pub const PUBLIC_KEY_MAX_BYTES: usize = 8 * 1024;

/// Recognises a private key in any of the forms people paste (OpenSSH, PEM, PKCS#8, PuTTY): the
/// page refuses it before anything is sent, the server again, with the same test.
pub fn looks_private(t: &str) -> bool {
    t.contains("PRIVATE KEY") || t.contains("PuTTY-User-Key-File") || t.contains("BEGIN OPENSSH") || t.contains("ENCRYPTED")
}
