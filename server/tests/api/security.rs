//! Account security: two-factor sign-in, throttling, sessions, CSRF, headers, and secrets in logs.

use crate::helpers::*;
use app::model::Tier;
use app::ports::Denied;
use serde_json::{json, Value};

crate::on_both_databases!(
    sign_in_asks_for_a_code_and_a_used_code_is_refused,
    a_recovery_code_signs_in_once,
    turning_2fa_off_needs_the_password_and_a_code,
    repeated_failures_lock_known_and_unknown_accounts_alike,
    sessions_are_listed_and_revoked_and_a_password_change_ends_the_others,
    every_route_that_serves_staff_refuses_staff_without_two_factor,
);

async fn enable_2fa(c: &Client) -> (String, Vec<String>) {
    let begin = c.post("/api/account/2fa/begin", json!({"password": PASSWORD})).await;
    assert_eq!(begin.status, 200, "{}", begin.body);
    let secret = begin.body["secret"].as_str().unwrap().to_string();
    assert!(begin.body["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Zenith:"));
    assert!(begin.body["qr_svg"].as_str().unwrap().contains("<svg"));
    let confirm = c.post("/api/account/2fa/confirm", json!({"code": code_at(&secret, 0)})).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let codes: Vec<String> = confirm.body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn sign_in_asks_for_a_code_and_a_used_code_is_refused(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("totp@example.com").await;
    let (secret, _) = enable_2fa(&c).await;
    assert_eq!(c.me().await.body["two_factor_enabled"], true);

    let d = app.client();
    let r = d.login("totp@example.com", PASSWORD).await;
    assert_eq!((r.status, &r.body), (200, &json!({"two_factor_required": true})));
    assert_eq!(d.me().await.status, 401, "a right password alone grants nothing");
    let next = code_at(&secret, 1);
    assert_eq!(d.post("/api/auth/login/2fa", json!({"code": next})).await.status, 200);
    assert_eq!(d.me().await.status, 200);

    let e = app.client();
    e.login("totp@example.com", PASSWORD).await;
    let replay = e.post("/api/auth/login/2fa", json!({"code": next})).await;
    assert_eq!((replay.status, replay.body["error"]["field"].as_str()), (400, Some("code")), "a code works once");
    let stale = e.post("/api/auth/login/2fa", json!({"code": code_at(&secret, 0)})).await;
    assert_eq!(stale.status, 400, "nor does an older one after a newer was used");
    assert_eq!(e.me().await.status, 401);
    let no_password = app.client().post("/api/auth/login/2fa", json!({"code": code_at(&secret, 1)})).await;
    assert_eq!(no_password.status, 403, "the code step needs a right password first");
}

async fn a_recovery_code_signs_in_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("recovery@example.com").await;
    let (_, codes) = enable_2fa(&c).await;
    let d = app.client();
    d.login("recovery@example.com", PASSWORD).await;
    assert_eq!(d.post("/api/auth/login/2fa", json!({"code": codes[3].to_uppercase()})).await.status, 200);
    let e = app.client();
    e.login("recovery@example.com", PASSWORD).await;
    assert_eq!(e.post("/api/auth/login/2fa", json!({"code": codes[3]})).await.status, 400);
    assert_eq!(e.post("/api/auth/login/2fa", json!({"code": codes[4]})).await.status, 200);
}

async fn turning_2fa_off_needs_the_password_and_a_code(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("off@example.com").await;
    let (secret, _) = enable_2fa(&c).await;
    let r = c.post("/api/account/2fa/disable", json!({"password": "wrong password entirely", "code": code_at(&secret, 1)})).await;
    assert_eq!(r.status, 400);
    let r = c.post("/api/account/2fa/disable", json!({"password": PASSWORD, "code": "000000"})).await;
    assert_eq!(r.status, 400);
    let r = c.post("/api/account/2fa/disable", json!({"password": PASSWORD, "code": code_at(&secret, 1)})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(c.me().await.body["two_factor_enabled"], false);
    let fresh = app.client();
    assert_eq!(fresh.login("off@example.com", PASSWORD).await.body["two_factor_required"], false);
}

async fn repeated_failures_lock_known_and_unknown_accounts_alike(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.customer("target@example.com").await;
    let hammer = |email: &'static str| {
        let app_base = app.base.clone();
        async move {
            let mut last = None;
            for _ in 0..7 {
                last = Some(Client::new(&app_base).login(email, "definitely wrong pw").await);
            }
            last.unwrap()
        }
    };
    let known = hammer("target@example.com").await;
    let unknown = hammer("ghost@example.com").await;
    assert_eq!(known.status, 429);
    let retry_after: u64 = known.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_eq!((unknown.status, &unknown.body), (429, &known.body), "nothing tells a known account from an unknown one");
    let right = app.client().login("target@example.com", PASSWORD).await;
    assert_eq!(right.status, 429, "even the right password waits out the delay");
}

async fn sessions_are_listed_and_revoked_and_a_password_change_ends_the_others(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let a = app.customer("many@example.com").await;
    let b = app.client();
    let c = app.client();
    b.login("many@example.com", PASSWORD).await;
    c.login("many@example.com", PASSWORD).await;
    let list = a.post("/api/account/sessions", json!({})).await.body;
    let sessions = list.as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();
    assert_eq!(a.post("/api/account/sessions/revoke", json!({"id": other})).await.body["revoked"], 1);
    let still = [b.me().await.status, c.me().await.status];
    assert!(still.contains(&401) && still.contains(&200), "exactly the chosen session ended: {still:?}");

    let r = a
        .post("/api/account/password", json!({"current_password": "not it at all, sorry", "new_password": "a brand new passphrase here"}))
        .await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("current_password")));
    let r = a.post("/api/account/password", json!({"current_password": PASSWORD, "new_password": "passwordpassword"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("new_password")), "weak new passwords are refused");
    let r =
        a.post("/api/account/password", json!({"current_password": PASSWORD, "new_password": "violet harbor quartz 1987 lantern"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((a.me().await.status, b.me().await.status, c.me().await.status), (200, 401, 401));
    assert_eq!(app.client().login("many@example.com", PASSWORD).await.status, 401);
    assert_eq!(app.client().login("many@example.com", "violet harbor quartz 1987 lantern").await.status, 200);

    let log = a.post("/api/account/security_log", json!({})).await.body;
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["sign_up", "sign_in", "sessions_revoked", "password_change", "password_changed"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
}

#[tokio::test]
async fn state_changes_must_come_from_our_own_origin_and_be_json() {
    let app = TestApp::spawn().await;
    let a = app.customer("csrf@example.com").await;
    let stop = json!({"id": "00000000-0000-0000-0000-000000000000", "action": "stop"});
    let evil = a.post_with("/api/instances/action", stop.clone(), &[("origin", "https://evil.example")]).await;
    assert_eq!((evil.status, evil.error_code()), (403, "forbidden"));
    let cross = a.post_with("/api/auth/logout", json!({}), &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, 403);
    let sibling = a.post_with("/api/auth/logout", json!({}), &[("sec-fetch-site", "same-site")]).await;
    assert_eq!(sibling.status, 403, "a customer's VM on a sibling domain is not our origin");
    assert_eq!(a.me().await.status, 200, "the refused sign-outs did nothing");
    assert_eq!(a.post_with("/api/auth/me", json!({}), &[("sec-fetch-site", "same-origin")]).await.status, 200);

    for (ctype, body) in [("application/x-www-form-urlencoded", "id=x&action=stop"), ("text/plain", "{\"id\":\"x\",\"action\":\"stop\"}")] {
        let r = into_resp(
            a.http
                .post(format!("{}/api/instances/action", app.base))
                .header("origin", &app.base)
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((r.status, r.error_code()), (415, "unsupported_media_type"), "{ctype}");
    }
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_hardening_headers() {
    let app = TestApp::spawn().await;
    let page = app.client().get("/login").await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap().to_string();
    let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
    assert!(!script_src.contains("unsafe-inline") && script_src.contains("'nonce-") && script_src.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    let nonce = script_src.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    let html = page.body.as_str().unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry this response's nonce");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    let other = app.client().get("/login").await;
    assert_ne!(other.headers["content-security-policy"], page.headers["content-security-policy"], "a fresh nonce per response");
    let api = app.client().me().await;
    assert_eq!(api.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn no_password_key_or_session_id_ever_reaches_the_logs() {
    let app = TestApp::spawn().await;
    let wrong = "wrong-but-secret-password-771";
    let c = app.client();
    let r = c.signup("logs@example.com", "saffron meadow 4412 glacier tundra").await;
    let cookie = r.set_cookies().into_iter().next().unwrap().split(';').next().unwrap().split('=').nth(1).unwrap().to_string();
    let cat = catalog(&c).await;
    deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "logged").await;
    for _ in 0..3 {
        app.client().login("logs@example.com", wrong).await;
    }
    let (sealed_key, sealed): (String, String) =
        sqlx::query_as("SELECT c.cs_api_key, c.cs_secret_sealed FROM customers c JOIN users u ON u.id = c.user_id WHERE u.email = $1")
            .bind("logs@example.com")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let (admin_key, admin_secret) = app.sim().admin_credentials();
    let key = server::crypto::MasterKey::load_or_create(None, &app.data_dir).unwrap();
    let customer_secret = secrecy::ExposeSecret::expose_secret(&key.open("cloudstack-secret", &sealed).unwrap()).to_string();
    let api_key = secrecy::ExposeSecret::expose_secret(&key.open("cloudstack-key", &sealed_key).unwrap()).to_string();
    assert!(!sealed_key.contains(&api_key), "the API key is stored sealed too");
    assert!(!sealed.contains(&customer_secret), "stored sealed, not in clear");
    let logs = captured_logs();
    assert!(logs.len() > 1000, "the capture works ({} bytes)", logs.len());
    for (what, secret) in [
        ("the password", "saffron meadow 4412 glacier tundra"),
        ("a wrong password", wrong),
        ("the customer's API key", api_key.as_str()),
        ("the customer's secret key", customer_secret.as_str()),
        ("the admin API key", admin_key.as_str()),
        ("the admin secret", admin_secret.as_str()),
        ("the session id", cookie.as_str()),
    ] {
        assert!(!logs.contains(secret), "{what} appears in the logs");
    }
}

async fn staff(app: &TestApp, email: &str) -> Client {
    staff_as(app, email, app::model::Role::Support).await
}

#[tokio::test]
async fn staff_need_two_factor_sign_in_before_the_support_area() {
    let app = TestApp::spawn().await;
    let helper = staff(&app, "helper@example.com").await;
    let r = helper.post("/api/support/access", json!({})).await;
    r.assert_refused(Denied::StaffWithoutTwoFactor);
    enable_2fa(&helper).await;
    assert_eq!(helper.post("/api/support/access", json!({})).await.body, json!({"ready": true}));
    let customer = app.customer("not-staff@example.com").await;
    let r = customer.post("/api/support/access", json!({})).await;
    r.assert_refused(Denied::NotStaff);
}

/// The one staff gate: every server function, download and page that serves staff refuses a staff
/// member (support or admin) who has not turned on two-factor sign-in, and shows nothing of anyone.
async fn every_route_that_serves_staff_refuses_staff_without_two_factor(store: Store) {
    use app::api::{Access, DOWNLOADS, ENDPOINTS};
    let app = TestApp::spawn_on(store).await;
    let victim = app.customer("billed-victim@example.com").await;
    assert_eq!(victim.me().await.status, 200);
    let customer = customer_id(&app, "billed-victim@example.com").await;
    let staff_only = |a: Access| matches!(a, Access::Staff | Access::Admin);
    let pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_string())
        .filter(|p| p.starts_with("/support"))
        .map(|p| p.replace(":id", customer.as_str()))
        .collect();
    assert!(pages.len() >= 3, "the support pages: {pages:?}");
    for role in [app::model::Role::Support, app::model::Role::Admin] {
        let who = staff_as(&app, &format!("no-2fa-{}@example.com", role.as_str()), role).await;
        let mut checked = 0;
        for e in ENDPOINTS.iter().filter(|e| staff_only(e.access)) {
            let body: Value = serde_json::from_str(&e.example.replace("c-1", customer.as_str())).unwrap();
            let r = who.post(e.path, body).await;
            assert_eq!((r.status, r.error_code()), (403, "forbidden"), "{role:?} {}: {}", e.path, r.body);
            r.assert_refused(Denied::StaffWithoutTwoFactor);
            checked += 1;
        }
        for d in DOWNLOADS.iter().filter(|d| staff_only(d.access)) {
            let r = who.get(d.path).await;
            assert_eq!((r.status, r.error_code()), (403, "forbidden"), "{role:?} {}: {}", d.path, r.body);
            assert!(!r.body.to_string().contains("billed-victim"), "{}", d.path);
            checked += 1;
        }
        for page in &pages {
            let r = who.get(page).await;
            let html = r.body.as_str().unwrap_or_default();
            assert!(!html.contains("billed-victim"), "{role:?} {page} shows a customer");
            assert!(html.contains("Turn on two-factor sign-in"), "{role:?} {page} says why: {html}");
            checked += 1;
        }
        assert!(checked >= 11, "{checked} staff routes checked");
    }
}

#[tokio::test]
async fn the_staff_two_factor_rule_can_be_turned_off() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--staff-require-2fa", "false")).await;
    let helper = staff(&app, "relaxed@example.com").await;
    assert_eq!(helper.post("/api/support/access", json!({})).await.status, 200);
}

#[tokio::test]
async fn staff_have_no_instances_of_their_own_and_are_told_where_to_look() {
    let app = TestApp::spawn().await;
    let helper = staff(&app, "lister@example.com").await;
    let r = helper.post("/api/instances/list", json!({})).await;
    r.assert_refused(Denied::NoResources);
}
