//! OpenSSH public keys: parsing one line, and the MD5 fingerprint CloudStack shows
//! (`51:9f:81:…`, the MD5 of the key blob, as `ssh-keygen -l -E md5` prints it).

use md5::{Digest, Md5};
use ssh_key::{public::KeyData, PublicKey};

/// A parsed public key with what the panel and the cloud show about it.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    pub key: PublicKey,
    pub algorithm: String,
    /// RSA modulus size; `None` for other algorithms.
    pub rsa_bits: Option<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("This looks like a private key. Paste the public key (the .pub file), and keep the private key to yourself.")]
    PrivateKey,
    #[error("This is not an OpenSSH public key. It should look like \"ssh-ed25519 AAAA… comment\".")]
    Malformed,
}

pub fn parse(text: &str) -> Result<ParsedKey, KeyError> {
    let t = text.trim();
    if t.contains("PRIVATE KEY") {
        return Err(KeyError::PrivateKey);
    }
    if t.lines().count() != 1 {
        return Err(KeyError::Malformed);
    }
    let key = PublicKey::from_openssh(t).map_err(|_| KeyError::Malformed)?;
    let rsa_bits = match key.key_data() {
        KeyData::Rsa(rsa) => Some(rsa.n.as_positive_bytes().map(|b| b.len() * 8).unwrap_or(0)),
        _ => None,
    };
    Ok(ParsedKey { algorithm: key.algorithm().as_str().to_string(), key, rsa_bits })
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

#[cfg(test)]
mod tests {
    use super::*;

    // Generated once with `ssh-keygen`; fingerprints from `ssh-keygen -l -E md5|sha256`.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6 test@zenith";
    const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCIU6zdfYb+r+voligCFRy4kfxB9/U3452uxWcqXasw+pTj3VugFZJQh4U8aw7edvDFW9ThC+sZemTfiQ23tGwlGHtgW1uGjiioAiPhvpABgV09Nva8BR9PhPkYqlKEoOvtu6jNncYZQpnB/a/theWyUztJoe6jhX2eQWe/nCnZlHQwNo1wEAsPP9ego4vhZvEv6qzFltSampJBo+WaxPW68PnFjfU12X9+jl9z3v+KiMAb0ZwS+bQquK8P9iKPMJlwvkd59Dvbi8SwviMqL6KAtwSyRVD6IqYqnEGIIWDgiDm9SbRM8IJYJeysq92fVcyoPwb0VyMSEkWccbIebBnt rsa@zenith";

    #[test]
    fn keys_parse_and_fingerprint_exactly_like_ssh_keygen() {
        let k = parse(ED25519).unwrap();
        assert_eq!(k.algorithm, "ssh-ed25519");
        assert_eq!(k.rsa_bits, None);
        assert_eq!(md5_fingerprint(&k.key), "b2:26:d3:43:4d:c0:4c:0e:92:86:e3:f5:ce:fe:7e:e7");
        assert_eq!(sha256_fingerprint(&k.key), "SHA256:ojNN7+tbgDXgmP/2S7TBnyi1WTeadjZbiUlp/jsmK+4");
        let r = parse(RSA_2048).unwrap();
        assert_eq!(r.rsa_bits, Some(2048));
        assert_eq!(md5_fingerprint(&r.key), "b6:e0:c9:6f:c9:f0:c9:0d:8d:5e:41:63:3c:b0:0c:7b");
    }

    #[test]
    fn private_keys_and_junk_are_refused_with_different_messages() {
        assert_eq!(
            parse("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----").unwrap_err(),
            KeyError::PrivateKey
        );
        assert_eq!(parse("ssh-rsa AAAAnotakey").unwrap_err(), KeyError::Malformed);
        assert_eq!(parse("").unwrap_err(), KeyError::Malformed);
    }
}
