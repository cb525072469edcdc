//! OpenSSH public keys: what the panel accepts (ed25519, ECDSA, RSA of at least 2048 bits, and their
//! security-key forms), the fingerprints (SHA256 as `ssh-keygen -l` prints it, MD5 as CloudStack shows
//! it), and new ed25519 pairs. A private key pasted by mistake is recognised before anything parses it,
//! and its text goes nowhere: not into an error, a log line, the database or the cloud.

use md5::{Digest, Md5};
use ssh_key::{public::KeyData, PublicKey};

/// RSA keys shorter than this are refused.
pub const MIN_RSA_BITS: usize = 2048;

/// A parsed public key with what the panel and the cloud show about it.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub key: PublicKey,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa 4096`, …
    pub kind: KeyKind,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("This looks like a private key. Paste the public key (the .pub file) and keep the private key to yourself; what you pasted was not kept.")]
    PrivateKey,
    #[error("This is not an OpenSSH public key. It should be one line like \"ssh-ed25519 AAAA… comment\".")]
    Malformed,
    #[error("This RSA key has {0} bits; use at least 2048 (or, better, an ed25519 key).")]
    WeakRsa(usize),
    #[error("{0} keys are not accepted; use ed25519, ECDSA or RSA of at least 2048 bits.")]
    Unsupported(String),
}

use app::model::keys::{looks_private, KeyKind};

/// Any well-formed OpenSSH public key line, whatever its type or size (what CloudStack accepts).
pub fn parse_any(text: &str) -> Result<PublicKey, KeyError> {
    let t = text.trim();
    if looks_private(t) {
        return Err(KeyError::PrivateKey);
    }
    if t.is_empty() || t.lines().count() != 1 {
        return Err(KeyError::Malformed);
    }
    PublicKey::from_openssh(t).map_err(|_| KeyError::Malformed)
}

/// A public key the panel accepts.
pub fn parse(text: &str) -> Result<ParsedKey, KeyError> {
    let key = parse_any(text)?;
    let kind = match key.key_data() {
        KeyData::Rsa(rsa) => {
            let bits = rsa.n.as_positive_bytes().map(|b| b.len() * 8).unwrap_or(0);
            if bits < MIN_RSA_BITS {
                return Err(KeyError::WeakRsa(bits));
            }
            KeyKind::Rsa { bits: bits as u32 }
        }
        _ => match KeyKind::parse(key.algorithm().as_str()) {
            Ok(KeyKind::Rsa { .. } | KeyKind::Unknown) | Err(_) => return Err(KeyError::Unsupported(key.algorithm().as_str().to_string())),
            Ok(kind) => kind,
        },
    };
    Ok(ParsedKey { key, kind })
}

/// `aa:bb:…` — MD5 over the key blob.
pub fn md5_fingerprint(key: &PublicKey) -> String {
    let blob = key.to_bytes().unwrap_or_default();
    Md5::digest(&blob).iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// `SHA256:…` as modern OpenSSH prints it.
pub fn sha256_fingerprint(key: &PublicKey) -> String {
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}

/// A new ed25519 pair: the public key's OpenSSH line (with `comment`) and the private key's OpenSSH
/// PEM, which the caller hands out once and never keeps.
pub fn generate(comment: &str) -> anyhow::Result<(ParsedKey, String)> {
    let mut private = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519)?;
    private.set_comment(comment);
    let pem = private.to_openssh(ssh_key::LineEnding::LF)?.to_string();
    let key = private.public_key().clone();
    Ok((ParsedKey { kind: KeyKind::Ed25519, key }, pem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Generated once with `ssh-keygen`; fingerprints from `ssh-keygen -l -E md5|sha256`.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6 test@zenith";
    const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCIU6zdfYb+r+voligCFRy4kfxB9/U3452uxWcqXasw+pTj3VugFZJQh4U8aw7edvDFW9ThC+sZemTfiQ23tGwlGHtgW1uGjiioAiPhvpABgV09Nva8BR9PhPkYqlKEoOvtu6jNncYZQpnB/a/theWyUztJoe6jhX2eQWe/nCnZlHQwNo1wEAsPP9ego4vhZvEv6qzFltSampJBo+WaxPW68PnFjfU12X9+jl9z3v+KiMAb0ZwS+bQquK8P9iKPMJlwvkd59Dvbi8SwviMqL6KAtwSyRVD6IqYqnEGIIWDgiDm9SbRM8IJYJeysq92fVcyoPwb0VyMSEkWccbIebBnt rsa@zenith";

    #[test]
    fn keys_parse_and_fingerprint_exactly_like_ssh_keygen() {
        let k = parse(ED25519).unwrap();
        assert_eq!(k.kind, KeyKind::Ed25519);
        assert_eq!(md5_fingerprint(&k.key), "b2:26:d3:43:4d:c0:4c:0e:92:86:e3:f5:ce:fe:7e:e7");
        assert_eq!(sha256_fingerprint(&k.key), "SHA256:ojNN7+tbgDXgmP/2S7TBnyi1WTeadjZbiUlp/jsmK+4");
        let r = parse(RSA_2048).unwrap();
        assert_eq!(r.kind, KeyKind::Rsa { bits: 2048 });
        assert_eq!(md5_fingerprint(&r.key), "b6:e0:c9:6f:c9:f0:c9:0d:8d:5e:41:63:3c:b0:0c:7b");
    }

    #[test]
    fn private_keys_weak_keys_and_junk_are_refused_with_different_messages() {
        let private = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(parse(private).unwrap_err(), KeyError::PrivateKey);
        assert!(!KeyError::PrivateKey.to_string().contains("b3Blbn"));
        assert_eq!(parse("ssh-rsa AAAAnotakey").unwrap_err(), KeyError::Malformed);
        assert_eq!(parse("").unwrap_err(), KeyError::Malformed);
        assert_eq!(parse(&format!("{ED25519}\n{ED25519}")).unwrap_err(), KeyError::Malformed);
    }

    #[test]
    fn a_generated_pair_is_ed25519_and_its_public_half_parses() {
        let (public, pem) = generate("made@zenith").unwrap();
        assert_eq!(public.kind, KeyKind::Ed25519);
        assert!(pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let line = public.key.to_openssh().unwrap();
        assert!(line.ends_with("made@zenith"));
        assert_eq!(sha256_fingerprint(&parse(&line).unwrap().key), sha256_fingerprint(&public.key));
    }

    proptest! {
        #[test]
        fn any_text_is_a_key_or_an_error_never_a_panic(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn anything_after_a_key_type_is_a_key_or_an_error(kind in "(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256|ssh-dss) ", b64 in "[A-Za-z0-9+/=]{0,400}") {
            let _ = parse(&format!("{kind}{b64}"));
        }
    }
}
