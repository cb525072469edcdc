//! Security notices as the customer receives them at a real SMTP server: two-factor sign-in on and
//! off, a recovery code used, a password changed, a sign-in from a browser and address the account has
//! not used, and support opening the account (who, how, why, until when).

use crate::helpers::*;
use serde_json::json;

const ANN: &str = "ann@example.com";

/// A sign-in as if from `address` (the app trusts the test's proxy header).
async fn login_from(c: &Client, address: &str) -> Resp {
    c.post_with("/api/auth/login", json!({"email": ANN, "password": PASSWORD}), &[("x-forwarded-for", address)]).await
}

crate::on_both_databases!(
    the_owner_hears_of_every_change_to_how_the_account_signs_in,
    a_sign_in_is_news_only_from_a_browser_and_an_address_the_account_has_not_used,
    a_support_session_on_the_account_is_mailed_to_its_owner_with_who_why_and_until_when,
);

async fn the_owner_hears_of_every_change_to_how_the_account_signs_in(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url()).arg("--trusted-proxies", "127.0.0.1")).await;
    let c = app.customer(ANN).await;
    let (secret, codes) = enable_2fa(&c).await;
    let on = smtp.wait_subject(ANN, "Two-factor sign-in is now on for your Zenith account").await;
    assert!(on.contains("recovery codes"), "{on}");

    let phone = app.client();
    assert_eq!(login_from(&phone, "198.51.100.7").await.body["two_factor_required"], true);
    let r = phone.post_with("/api/auth/login/2fa", json!({"code": codes[0]}), &[("x-forwarded-for", "198.51.100.7")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let used = smtp.wait_subject(ANN, "A recovery code was used to sign in to Zenith").await;
    assert!(used.contains("9 unused recovery code(s) are left"), "{used}");
    let new = smtp.wait_subject(ANN, "New sign-in to your Zenith account").await;
    assert!(new.contains("Address: 198.51.100.7"), "{new}");

    let r = c.post("/api/account/2fa/disable", json!({"password": PASSWORD, "code": code_at(&secret, 1)})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    smtp.wait_subject(ANN, "Two-factor sign-in was turned off on your Zenith account").await;

    let r =
        c.post("/api/account/password", json!({"current_password": PASSWORD, "new_password": "quiet harbor lantern seventy2 maple"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changed = smtp.wait_subject(ANN, "Your Zenith password was changed").await;
    assert!(changed.contains("changed on the Account page"), "{changed}");
}

async fn a_sign_in_is_news_only_from_a_browser_and_an_address_the_account_has_not_used(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url()).arg("--trusted-proxies", "127.0.0.1")).await;
    app.customer(ANN).await;
    let count = || smtp.to(ANN).iter().filter(|m| m.contains("Subject: New sign-in to your Zenith account")).count();
    // The address the account signed up from, in a new browser: not news.
    assert_eq!(app.client().login(ANN, PASSWORD).await.status, 200);
    let laptop = app.client();
    assert_eq!(login_from(&laptop, "2001:db8:7::1").await.status, 200);
    smtp.wait_subject(ANN, "New sign-in to your Zenith account").await;
    // The same browser from yet another address: it holds the account's device cookie.
    assert_eq!(login_from(&laptop, "203.0.113.9").await.status, 200);
    // Another browser from the address just used.
    assert_eq!(login_from(&app.client(), "2001:db8:7::1").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(count(), 1, "one notice, for the one new browser at a new address");
}

async fn a_support_session_on_the_account_is_mailed_to_its_owner_with_who_why_and_until_when(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url()).arg("--staff-require-2fa", "false")).await;
    app.customer(ANN).await;
    let staff = staff_as(&app, "sam@support.example.net", app::model::Role::Support).await;
    let opened = open_view(&staff, &customer_id(&app, ANN).await, "read_only").await;
    let m = smtp.wait_subject(ANN, "Zenith support opened your account").await;
    let until: app::model::Timestamp = serde_json::from_value(opened["expires_at"].clone()).unwrap();
    for part in ["sam@support.example.net", "read-only", "customer reports a slow disk", &until.shown(), "Support access"] {
        assert!(m.contains(part), "{part} in {m}");
    }
}
