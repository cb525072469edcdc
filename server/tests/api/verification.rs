//! A confirmed address, as the customer meets it: sign-up mails a link, deploys wait for it where the
//! provider asks (an SMTP server is configured), the link works once, "send again" replaces it and is
//! throttled, and a new address becomes the account's only through the link mailed to it, the old
//! one being told. With no mail server (the `.eml` default) the link is offered and deploys go ahead.

use crate::helpers::*;
use app::model::Tier;
use app::ports::Denied;
use serde_json::json;
use server::auth::AuthError;

crate::on_both_databases!(
    sign_up_mails_a_link_that_deploys_wait_for_and_that_works_once,
    a_new_address_becomes_the_accounts_only_through_its_link_and_the_old_one_is_told,
);

async fn smtp_app(store: Store, smtp: &Smtp) -> TestApp {
    TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url()).arg("--staff-require-2fa", "false")).await
}

fn deploy_body(zone: &app::model::ZoneId, offering: &app::model::Offering, template: &app::model::TemplateId) -> serde_json::Value {
    json!({"zone_id": zone, "offering_id": offering.id, "template_id": template, "name": "early",
           "idempotency_key": uuid::Uuid::new_v4().to_string()})
}

async fn sign_up_mails_a_link_that_deploys_wait_for_and_that_works_once(store: Store) {
    let smtp = Smtp::start();
    let app = smtp_app(store, &smtp).await;
    let c = app.customer("ann@example.com").await;
    let me = c.me().await.body;
    assert_eq!((me["email_verified"].as_bool(), me["email_verification_required"].as_bool()), (Some(false), Some(true)), "{me}");
    let token = smtp.wait_link("ann@example.com", "verify", 1).await;
    let welcome = smtp.to("ann@example.com").remove(0);
    assert!(welcome.contains("Subject: Confirm your Zenith address"), "{welcome}");

    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Amsterdam");
    let (off, tpl) = (offering(&c, &zone, Tier::Agile).await, template(&c, &zone).await);
    c.post("/api/instances/deploy", deploy_body(&zone, &off, &tpl)).await.assert_refused(Denied::EmailUnverified);
    assert_eq!(c.post("/api/instances/list", json!({})).await.body["total"], 0, "nothing was created");

    // The link may be opened anywhere: it needs no session.
    let r = app.client().post("/api/auth/email/verify", json!({"token": token})).await;
    assert_eq!((r.status, &r.body), (200, &json!({"email": "ann@example.com", "changed": false})));
    assert_eq!(c.me().await.body["email_verified"], true);
    app.client().post("/api/auth/email/verify", json!({"token": token})).await.assert_refused(AuthError::VerifyLinkInvalid);
    c.post("/api/auth/email/resend", json!({})).await.assert_refused(AuthError::EmailAlreadyVerified);
    let r = c.post("/api/instances/deploy", deploy_body(&zone, &off, &tpl)).await;
    assert_eq!(r.status, 200, "deploys once confirmed: {}", r.body);
    let log = c.post("/api/account/security_log", json!({})).await.body;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "email_confirmed"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_again_replaces_the_older_link_is_throttled_and_is_not_for_support() {
    let smtp = Smtp::start();
    let app = smtp_app(Store::Sqlite, &smtp).await;
    let c = app.customer("bea@example.com").await;
    let first = smtp.wait_link("bea@example.com", "verify", 1).await;
    assert_eq!(c.post("/api/auth/email/resend", json!({})).await.status, 200);
    let second = smtp.wait_link("bea@example.com", "verify", 2).await;
    assert_ne!(first, second);
    app.client().post("/api/auth/email/verify", json!({"token": first})).await.assert_refused(AuthError::VerifyLinkInvalid);
    for _ in 0..2 {
        assert_eq!(c.post("/api/auth/email/resend", json!({})).await.status, 200);
    }
    let r = c.post("/api/auth/email/resend", json!({})).await;
    assert_eq!((r.status, r.error_code()), (429, "too_many_requests"), "three an hour: {}", r.body);
    let staff = read_only_view(&app, "bea@example.com").await;
    staff.post("/api/auth/email/resend", json!({})).await.assert_refused(Denied::NotTheOwner);
    // The newest link still works.
    let newest = smtp.wait_link("bea@example.com", "verify", 4).await;
    assert_eq!(app.client().post("/api/auth/email/verify", json!({"token": newest})).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_mail_server_the_link_is_an_eml_file_and_deploys_are_not_held() {
    let app = TestApp::spawn().await;
    let c = app.customer("cas@example.com").await;
    let me = c.me().await.body;
    assert_eq!((me["email_verified"].as_bool(), me["email_verification_required"].as_bool()), (Some(false), Some(false)), "{me}");
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "unheld").await;
    let dir = app.data_dir.join("mail");
    let started = std::time::Instant::now();
    let eml = loop {
        let found = std::fs::read_dir(&dir).ok().into_iter().flatten().filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok());
        if let Some(m) = found.map(|m| m.replace("=\r\n", "").replace("=3D", "=")).find(|m| m.contains("/verify?token=")) {
            break m;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "no confirmation .eml");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(eml.contains("To: cas@example.com"), "{eml}");
}

async fn a_new_address_becomes_the_accounts_only_through_its_link_and_the_old_one_is_told(store: Store) {
    let smtp = Smtp::start();
    let app = smtp_app(store, &smtp).await;
    let c = app.customer("old@example.com").await;
    app.customer("taken@example.com").await;
    let change = |email: &str, password: &str| c.post("/api/account/email/change", json!({"email": email, "password": password}));
    change("new@example.com", "not my password at all").await.assert_refused(AuthError::PasswordWrong);
    change("taken@example.com", PASSWORD).await.assert_refused(AuthError::EmailTaken);
    change("old@example.com", PASSWORD).await.assert_refused(AuthError::EmailUnchanged);
    let r = change("not an address", PASSWORD).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("email")), "{}", r.body);
    assert_eq!(change("new@example.com", PASSWORD).await.status, 200);

    let told = smtp.wait_subject("old@example.com", "A new address was asked for your Zenith account").await;
    assert!(told.contains("new@example.com") && !told.contains("?token="), "the old address is told, without the link: {told}");
    let token = smtp.wait_link("new@example.com", "verify", 1).await;
    assert_eq!(c.me().await.body["email"], "old@example.com", "nothing changes before the link is followed");
    let staff = read_only_view(&app, "old@example.com").await;
    staff
        .post("/api/account/email/change", json!({"email": "x@example.com", "password": PASSWORD}))
        .await
        .assert_refused(Denied::NotTheOwner);

    let r = app.client().post("/api/auth/email/verify", json!({"token": token})).await;
    assert_eq!((r.status, &r.body), (200, &json!({"email": "new@example.com", "changed": true})));
    let me = c.me().await.body;
    assert_eq!((me["email"].as_str(), me["email_verified"].as_bool()), (Some("new@example.com"), Some(true)), "{me}");
    smtp.wait_subject("old@example.com", "Your Zenith account's address changed").await;
    assert_eq!(app.client().login("old@example.com", PASSWORD).await.status, 401);
    assert_eq!(app.client().login("new@example.com", PASSWORD).await.status, 200);
    app.client().post("/api/auth/email/verify", json!({"token": token})).await.assert_refused(AuthError::VerifyLinkInvalid);
    let log = c.post("/api/account/security_log", json!({})).await.body;
    let changed = log.as_array().unwrap().iter().find(|e| e["action"] == "email_changed").expect("in the security log");
    assert_eq!(changed["detail"], "from old@example.com to new@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_confirm_their_address_and_reset_their_password_alike_and_two_factor_stays() {
    let smtp = Smtp::start();
    let app = smtp_app(Store::Sqlite, &smtp).await;
    let staff = staff_as(&app, "sam@support.example.net", app::model::Role::Support).await;
    assert_eq!(staff.me().await.body["email_verified"], false);
    assert_eq!(staff.post("/api/auth/email/resend", json!({})).await.status, 200);
    let token = smtp.wait_link("sam@support.example.net", "verify", 1).await;
    assert_eq!(app.client().post("/api/auth/email/verify", json!({"token": token})).await.status, 200);
    assert_eq!(staff.me().await.body["email_verified"], true);

    let (secret, _) = enable_2fa(&staff).await;
    assert_eq!(app.client().post("/api/auth/password_reset/request", json!({"email": "sam@support.example.net"})).await.status, 200);
    let token = smtp.wait_link("sam@support.example.net", "reset", 1).await;
    let new = "quiet harbor lantern seventy2 maple";
    assert_eq!(app.client().post("/api/auth/password_reset/complete", json!({"token": token, "password": new})).await.status, 200);
    assert_eq!(staff.me().await.status, 401, "the staff session ended");
    let again = app.client();
    assert_eq!(again.login("sam@support.example.net", new).await.body["two_factor_required"], true, "two-factor stays");
    assert_eq!(again.post("/api/auth/login/2fa", json!({"code": code_at(&secret, 1)})).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailed_links_never_reach_the_logs_even_through_the_plain_form_pages() {
    let smtp = Smtp::start();
    let app = smtp_app(Store::Sqlite, &smtp).await;
    app.customer("quiet@example.com").await;
    let verify = smtp.wait_link("quiet@example.com", "verify", 1).await;
    app.client().post("/api/auth/password_reset/request", json!({"email": "quiet@example.com"})).await;
    let reset = smtp.wait_link("quiet@example.com", "reset", 1).await;
    let anon = app.client();
    // The pages themselves, and the no-JavaScript forms (a refusal sends the browser back with its token).
    assert_eq!(anon.get(&format!("/reset?token={reset}")).await.status, 200);
    let form = |path: &str, body: String| {
        anon.http
            .post(format!("{}{path}", anon.base))
            .header("origin", &anon.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let weak = form("/reset", format!("token={reset}&password=short")).await.unwrap();
    assert_eq!(weak.status().as_u16(), 303, "back to the page");
    assert!(weak.headers()["location"].to_str().unwrap().starts_with("/reset?token="));
    assert_eq!(form("/verify", format!("token={verify}")).await.unwrap().status().as_u16(), 303);
    let logs = captured_logs();
    for secret in [&verify, &reset] {
        assert!(!logs.contains(secret.as_str()), "a link's token is a credential: never logged");
    }
}
