//! The account page's steps: two-factor sign-in turned on as a customer does it.

use super::{Client, PASSWORD};
use serde_json::json;
use server::auth::totp;

/// The authenticator's code `offset_steps` steps from now.
pub fn code_at(secret: &str, offset_steps: i64) -> String {
    totp::code(secret, totp::step_at(chrono::Utc::now().timestamp()) + offset_steps).unwrap()
}

/// Turns 2FA on; returns (secret, recovery codes). The code used to confirm is the current step's.
pub async fn enable_2fa(c: &Client) -> (String, Vec<String>) {
    let begin = c.post("/api/account/2fa/begin", json!({"password": PASSWORD})).await;
    assert_eq!(begin.status, 200, "{}", begin.body);
    let setup: app::model::account::TwoFactorSetup = serde_json::from_value(begin.body).unwrap();
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/Zenith:"));
    assert!(setup.qr_svg.contains("<svg"));
    let confirm = c.post("/api/account/2fa/confirm", json!({"code": code_at(&setup.secret, 0)})).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let codes: app::model::account::RecoveryCodes = serde_json::from_value(confirm.body).unwrap();
    assert_eq!(codes.recovery_codes.len(), 10);
    (setup.secret, codes.recovery_codes)
}
