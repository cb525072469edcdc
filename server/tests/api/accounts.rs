//! Sign-up, sign-in, who am I, sign-out: the foundation, on both databases.

use crate::helpers::*;
use serde_json::json;
use server::auth::AuthError;

crate::on_both_databases!(
    a_customer_signs_up_is_signed_in_and_signs_out,
    the_old_cookie_is_useless_after_sign_out,
    a_second_sign_up_with_the_same_email_is_a_conflict,
    bad_input_gets_a_specific_400,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    passwords_are_stored_as_argon2id,
    a_session_survives_a_server_restart,
    bodies_that_are_not_json_for_the_endpoint_are_400s,
);

async fn a_customer_signs_up_is_signed_in_and_signs_out(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app.client();
    assert_eq!(alice.me().await.status, 401, "nobody is signed in yet");

    let r = alice.signup("  Alice@Example.COM ", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Not confirmed yet (the link is mailed); with no mail server, deploys do not wait for it.
    assert_eq!(
        r.body,
        json!({"email": "alice@example.com", "role": "customer", "two_factor_enabled": false,
               "email_verified": false, "email_verification_required": false})
    );

    let me = alice.me().await;
    assert_eq!((me.status, me.body["email"].as_str()), (200, Some("alice@example.com")));

    assert_eq!(alice.post("/api/auth/logout", json!({})).await.status, 200);
    let after = alice.me().await;
    assert_eq!(after.status, 401);
    assert_eq!(after.error_code(), "unauthorized");

    let again = app.client();
    let r = again.login("alice@example.com", PASSWORD).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["two_factor_required"], false);
    assert_eq!(again.me().await.status, 200);
}

async fn the_old_cookie_is_useless_after_sign_out(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.client();
    let r = c.signup("bob@example.com", PASSWORD).await;
    let cookie = r.set_cookies().into_iter().find(|c| c.starts_with("zenith_session=")).expect("a session cookie");
    let value = cookie.split(';').next().unwrap().to_string();

    // The cookie attributes: HttpOnly, SameSite=Lax, the whole site, and not Secure over plain http.
    let attrs = cookie.to_ascii_lowercase();
    assert!(attrs.contains("httponly") && attrs.contains("samesite=lax") && attrs.contains("path=/"), "{cookie}");
    assert!(!attrs.contains("secure") && !attrs.contains("domain="), "{cookie}");

    c.post("/api/auth/logout", json!({})).await;
    let replay = reqwest::Client::new()
        .post(format!("{}/api/auth/me", app.base))
        .header("cookie", value)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401, "a signed-out session id must not work again");
}

async fn a_second_sign_up_with_the_same_email_is_a_conflict(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.customer("carol@example.com").await;
    let r = app.client().signup("CAROL@example.com", PASSWORD).await;
    r.assert_refused(AuthError::EmailTaken);
}

async fn bad_input_gets_a_specific_400(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.client();
    let r = c.signup("not-an-email", PASSWORD).await;
    assert_eq!((r.status, r.error_code()), (400, "invalid_input"));
    assert_eq!(r.body["error"]["field"], "email");
    assert_eq!(r.error_message(), "That email address is missing an @.");

    let r = c.signup("dave@example.com", "short").await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("password")));
    assert!(r.error_message().contains("at least 15"), "{}", r.error_message());

    let r = c.signup("dave@example.com", &"x".repeat(257)).await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("at most 256"));

    let r = c.signup("dave@example.com", "passwordpassword").await;
    assert_eq!(r.status, 400, "a dictionary-weak password is refused");
    assert_eq!(r.body["error"]["field"], "password");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.customer("erin@example.com").await;
    let wrong = app.client().login("erin@example.com", "not the right password").await;
    let unknown = app.client().login("nobody@example.com", "not the right password").await;
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.error_message(), "The email or password is incorrect.");
}

async fn passwords_are_stored_as_argon2id(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.customer("frank@example.com").await;
    let (hash,): (String,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE email = $1").bind("frank@example.com").fetch_one(&app.db.pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

async fn a_session_survives_a_server_restart(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let grace = app.customer("grace@example.com").await;
    let (dir, url) = app.stop().await;
    let mut opts = Options::new(store);
    opts.reuse = Some((dir, url));
    let restarted = TestApp::spawn_with(opts).await.owning_its_data();
    let grace = Client { base: restarted.base.clone(), ..grace };
    let me = grace.me().await;
    assert_eq!((me.status, me.body["email"].as_str()), (200, Some("grace@example.com")));
    drop(restarted);
}

async fn bodies_that_are_not_json_for_the_endpoint_are_400s(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let raw = |body: &'static str| {
        reqwest::Client::new().post(format!("{}/api/auth/login", app.base)).header("content-type", "application/json").body(body).send()
    };
    for body in ["{not json", "[]", "{\"email\": 5, \"password\": true}", "{\"email\": \"a@b.c\"}", ""] {
        let r = into_resp(raw(body).await.unwrap()).await;
        assert_eq!(r.status, 400, "{body:?} → {}", r.body);
        assert_eq!(r.error_code(), "bad_request");
    }
    let r = app.client().post("/api/no/such/endpoint", json!({})).await;
    assert_eq!((r.status, r.error_code()), (404, "not_found"));
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let c = app.client();
    assert_eq!(c.get("/healthz").await.status, 200);
    let ready = c.get("/readyz").await;
    assert_eq!((ready.status, ready.body["status"].as_str()), (200, Some("ready")));
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
    let (timeout,): (i64,) = sqlx::query_as("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap();
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
    assert_eq!((mode.as_str(), timeout >= 5000, fk), ("wal", true, 1));
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure_and_host_only() {
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--public-url", "https://panel.example.com")).await;
    // Sent as the browser on that origin would.
    let r = app
        .client()
        .post_with(
            "/api/auth/signup",
            json!({"email": "ivan@example.com", "password": PASSWORD}),
            &[("origin", "https://panel.example.com")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.set_cookies().into_iter().find(|c| c.starts_with("__Host-zenith_session=")).expect("__Host- cookie");
    assert!(cookie.to_ascii_lowercase().contains("secure"));
    assert!(r.headers.get("strict-transport-security").is_some());
}
