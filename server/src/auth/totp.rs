//! TOTP (RFC 6238) through `totp-rs`: SHA-1, 30-second steps, 6 digits, one step of clock skew either
//! way. The crate computes and checks codes and writes the `otpauth://` URI; what it leaves to its
//! caller (RFC 6238 §5.2: a code is accepted once) is done in `repo::advance_totp_step`, which only
//! accepts a step later than the last one.
//!
//! Recovery codes carry 125 bits each, so a SHA-256 of them is a safe thing to store.

use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

pub const STEP_SECS: i64 = 30;

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    // The label's parts may not contain ':' (it separates issuer and account).
    Builder::new().with_secret(secret).with_issuer(Some("Zenith")).with_account_name(account.replace(':', "_")).build().ok()
}

/// A new 160-bit secret, base32 as authenticator apps expect it.
pub fn new_secret() -> String {
    let mut key = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut key);
    Secret::from(key).to_base32()
}

pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The 6-digit code for `step` (tests and tools; the panel only checks codes).
pub fn code(secret_b32: &str, step: i64) -> Option<String> {
    Some(totp(secret_b32, "")?.generate((step.max(0) * STEP_SECS) as u64).to_string())
}

/// The step `typed` matches within one step of `now_step`, if it is later than `last_step`.
pub fn verify(secret_b32: &str, typed: &str, now_step: i64, last_step: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let t = totp(secret_b32, "")?;
    let step = t.check(&typed, (now_step.max(0) * STEP_SECS) as u64)? as i64;
    (step > last_step).then_some(step)
}

pub fn otpauth_uri(secret_b32: &str, email: &str) -> Option<String> {
    totp(secret_b32, email)?.to_url().ok()
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
            let s = Secret::from(b.to_vec()).to_base32().to_lowercase();
            s.as_bytes()[..25].chunks(5).map(|c| std::str::from_utf8(c).expect("ascii")).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// How a recovery code is stored and looked up: normalised, then SHA-256.
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
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
        let s = Secret::from(RFC_SECRET.to_vec()).to_base32();
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
        assert_eq!(verify(&s, &format!("{} {}", &c[..3], &c[3..]), now, 0), Some(now), "spaces as apps show them");
    }

    #[test]
    fn secrets_are_160_bits_and_the_uri_names_zenith_and_the_account() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        let uri = otpauth_uri(&s, "a@b.c").unwrap();
        assert!(uri.starts_with("otpauth://totp/Zenith:a%40b.c?") && uri.contains(&format!("secret={s}")), "{uri}");
        assert!(otpauth_uri(&s, "odd:local@b.c").is_some(), "a ':' in an address does not break the label");
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
        assert!(qr_svg("otpauth://totp/Zenith:a?secret=JBSWY3DPEHPK3PXP").starts_with("<?xml"));
    }
}
