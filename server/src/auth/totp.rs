//! TOTP (RFC 6238): SHA-1, 30-second steps, 6 digits, one step of clock skew either way. A code is
//! accepted only for a step later than the last accepted one, so no code works twice.
//! Recovery codes carry 125 bits each, so a SHA-256 of them is a safe thing to store.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const STEP_SECS: i64 = 30;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').chars().filter(|c| !c.is_whitespace()) {
        let v = ALPHABET.iter().position(|&a| a as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A new 160-bit secret, base32 as authenticator apps expect it.
pub fn new_secret() -> String {
    let mut key = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut key);
    base32(&key)
}

pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The 6-digit code for `step`.
pub fn code(secret_b32: &str, step: i64) -> Option<String> {
    let key = base32_decode(secret_b32)?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).ok()?;
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    Some(format!("{:06}", bin % 1_000_000))
}

/// The step `typed` matches within ±1 of `now_step`, if it is newer than `last_step`.
pub fn verify(secret_b32: &str, typed: &str, now_step: i64, last_step: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    use subtle::ConstantTimeEq;
    [now_step - 1, now_step, now_step + 1]
        .into_iter()
        .filter(|s| *s > last_step)
        .find(|s| code(secret_b32, *s).is_some_and(|c| bool::from(c.as_bytes().ct_eq(typed.as_bytes()))))
}

pub fn otpauth_uri(secret_b32: &str, email: &str, issuer: &str) -> String {
    let enc = |s: &str| crate::cloud::sign::java_urlencode(s);
    format!("otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30", enc(issuer), enc(email), enc(issuer))
}

/// The QR code of `uri` as an SVG, drawn here (no external service ever sees the secret).
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(q) => q
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#111827"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// Ten recovery codes like `k7q2m-x9w4c-…` (125 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    (0..10)
        .map(|_| {
            let mut b = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut b);
            let s = base32(&b).to_lowercase();
            s.as_bytes()[..25].chunks(5).map(|c| std::str::from_utf8(c).expect("ascii")).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// How a recovery code is stored and looked up: normalised, then SHA-256.
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(norm.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Looks like a recovery code rather than a 6-digit TOTP code.
pub fn is_recovery_shape(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 25
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", 8 digits there; the last 6 here.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let s = base32(RFC_SECRET);
        for (t, eight) in
            [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"), (2000000000, "69279037")]
        {
            assert_eq!(code(&s, step_at(t)).unwrap(), &eight[2..], "t={t}");
        }
    }

    #[test]
    fn a_code_is_good_for_one_step_either_side_and_only_once() {
        let s = new_secret();
        let now = step_at(1_700_000_000);
        let c = code(&s, now).unwrap();
        assert_eq!(verify(&s, &c, now, 0), Some(now));
        assert_eq!(verify(&s, &c, now, now), None, "replay refused");
        assert_eq!(verify(&s, &code(&s, now - 1).unwrap(), now, 0), Some(now - 1));
        assert_eq!(verify(&s, &code(&s, now + 1).unwrap(), now, 0), Some(now + 1));
        assert_eq!(verify(&s, &code(&s, now - 2).unwrap(), now, 0), None, "two steps old");
        assert_eq!(verify(&s, &code(&s, now + 2).unwrap(), now, 0), None, "two steps ahead");
        assert_eq!(verify(&s, "12345", now, 0), None);
    }

    #[test]
    fn base32_round_trips_and_secrets_are_160_bits() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_the_same_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        assert!(is_recovery_shape(&codes[0]));
        assert_eq!(recovery_hash(&codes[0]), recovery_hash(&codes[0].to_uppercase().replace('-', " ")));
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        assert!(qr_svg(&otpauth_uri("JBSWY3DPEHPK3PXP", "a@b.c", "Zenith")).starts_with("<?xml"));
    }
}
