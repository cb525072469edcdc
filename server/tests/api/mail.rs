//! Mail as its recipient and the admin see it: a message exists only if what caused it committed, a
//! real SMTP server receives it once, it waits while that server is down and arrives when it is back,
//! several deliverers at once send each message once, and with no mail server it is an `.eml` file
//! that `zenith mail list` shows.

use crate::helpers::*;
use app::model::Email;
use serde_json::json;
use server::auth::AuthError;
use server::mail::outbox::{self, Outgoing};
use server::mail::MailKind;
use std::time::{Duration, Instant};

crate::on_both_databases!(
    a_message_exists_only_if_its_transaction_commits_and_arrives_once_as_plain_text_and_html,
    a_message_waits_while_the_mail_server_is_down_with_its_error_and_arrives_when_it_is_back,
    four_deliverers_at_once_send_each_of_thirty_messages_once,
    a_forgotten_password_is_reset_through_the_mailed_link_once_ending_every_session_and_keeping_two_factor,
    a_reset_request_answers_alike_for_an_account_and_for_nobody_and_mails_only_the_account,
    a_used_made_up_superseded_or_expired_link_is_refused,
);

async fn queue(app: &TestApp, to: &str, subject: &str, commit: bool) -> String {
    let to = Email::parse(to).unwrap();
    let m = Outgoing {
        kind: MailKind::PasswordChanged,
        to: &to,
        subject: subject.into(),
        text: format!("plain: {subject}"),
        html: format!("<p>html: {subject}</p>"),
    };
    let mut tx = app.db.begin_write().await.unwrap();
    let id = outbox::enqueue(&mut tx, &m).await.unwrap();
    if commit {
        tx.commit().await.unwrap();
    } else {
        tx.rollback().await.unwrap();
    }
    id
}

/// (attempts, last error, sent) of a message.
async fn state(app: &TestApp, id: &str) -> (i64, Option<String>, bool) {
    let (attempts, error, sent): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT attempts, last_error, sent_at FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    (attempts, error, sent.is_some())
}

async fn a_message_exists_only_if_its_transaction_commits_and_arrives_once_as_plain_text_and_html(store: Store) {
    let smtp = Smtp::start();
    let app =
        TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url()).arg("--mail-from", "Example Cloud <noreply@example.net>"))
            .await;
    queue(&app, "rolled@example.com", "Never sent", false).await;
    let id = queue(&app, "ann@example.com", "Your password was changed", true).await;
    let got = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = smtp.messages();
    assert_eq!((got.len(), got_later.len()), (1, 1), "the committed message arrives once, the rolled-back one never: {got_later:?}");
    let m = &got[0];
    assert!(m.contains("X-Envelope-To: ann@example.com"), "{m}");
    assert!(m.contains("From: \"Example Cloud\" <noreply@example.net>") || m.contains("From: Example Cloud <noreply@example.net>"), "{m}");
    assert!(m.contains("Subject: Your password was changed"), "{m}");
    assert!(m.contains("Auto-Submitted: auto-generated"), "{m}");
    assert!(m.contains("multipart/alternative") && m.contains("text/plain") && m.contains("text/html"), "{m}");
    assert!(m.contains("plain: Your password was changed") && m.contains("<p>html: Your password was changed</p>"), "{m}");
    assert_eq!(state(&app, &id).await, (1, None, true));
}

async fn a_message_waits_while_the_mail_server_is_down_with_its_error_and_arrives_when_it_is_back(store: Store) {
    let mut smtp = Smtp::stopped();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url())).await;
    app.customer("ann@example.com").await;
    // Only the reset link is followed here: the sign-up's confirmation is sent off.
    sqlx::query("DELETE FROM mail_outbox").execute(&app.db.pool).await.unwrap();
    let r = app.client().post("/api/auth/password_reset/request", json!({"email": "ann@example.com"})).await;
    assert_eq!(r.status, 200, "asking works while the mail server is down: {}", r.body);
    let id = loop {
        let queued: Option<String> = sqlx::query_scalar("SELECT id FROM mail_outbox").fetch_optional(&app.db.pool).await.unwrap();
        if let Some(id) = queued {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let started = Instant::now();
    let (attempts, error, sent) = loop {
        let s = state(&app, &id).await;
        if s.0 >= 1 || started.elapsed() > Duration::from_secs(20) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((attempts, sent), (1, false), "tried once, kept");
    assert!(error.as_deref().is_some_and(|e| !e.is_empty()), "the attempt's error is kept for the admin");
    smtp.restart();
    // The next attempt is 30 s away; the clock is not the subject here, so it is made due now.
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = 0 WHERE id = $1").bind(&id).execute(&app.db.pool).await.unwrap();
    let got = smtp.wait_for(1).await;
    assert_eq!(got.len(), 1, "the message arrives once the mail server is back");
    assert!(got[0].contains("Subject: Reset your Zenith password"));
    let token = smtp.wait_link("ann@example.com", "reset", 1).await;
    let r = app.client().post("/api/auth/password_reset/complete", json!({"token": token, "password": NEW_PASSWORD})).await;
    assert_eq!(r.status, 200, "its link works: {}", r.body);
    let (attempts, error, sent) = state(&app, &id).await;
    assert_eq!((attempts, error, sent), (2, None, true));
}

async fn four_deliverers_at_once_send_each_of_thirty_messages_once(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url())).await;
    for i in 0..30 {
        queue(&app, &format!("user{i}@example.com"), &format!("Message {i:02}"), true).await;
    }
    // Four passes at once, as four servers would run them (besides this server's own worker).
    let passes = (0..4).map(|_| {
        let (db, mail) = (app.db.clone(), app.mail.clone());
        tokio::spawn(async move { outbox::deliver_due(&db, &mail).await.unwrap() })
    });
    futures::future::join_all(passes).await;
    let got = smtp.wait_for(30).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = smtp.messages();
    assert_eq!((got.len(), got_later.len()), (30, 30));
    for i in 0..30 {
        let n = got_later.iter().filter(|m| m.contains(&format!("Subject: Message {i:02}\r\n"))).count();
        assert_eq!(n, 1, "message {i} arrived {n} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_break_in_a_subject_adds_no_header() {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--smtp-url", &smtp.url())).await;
    queue(&app, "ann@example.com", "Hello\r\nBcc: evil@example.org", true).await;
    let got = smtp.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("X-Envelope-To: ann@example.com\r\n"), "only the recipient: {}", got[0]);
    let headers = got[0].split("\r\n\r\n").next().unwrap();
    assert!(
        !headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "the line break stays inside the encoded subject: {headers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_mail_server_each_message_is_an_eml_file_that_the_cli_lists_and_shows() {
    let app = TestApp::spawn().await;
    let id = queue(&app, "ann@example.com", "Verify your address", true).await;
    let file = app.data_dir.join("mail").join(format!("{id}.eml"));
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let eml = std::fs::read_to_string(&file).expect("the .eml file");
    assert!(
        eml.contains("To: ann@example.com") && eml.contains("Subject: Verify your address") && eml.contains("multipart/alternative"),
        "{eml}"
    );
    let zenith = |args: &[&str]| {
        let out =
            std::process::Command::new(env!("CARGO_BIN_EXE_zenith")).args(args).arg("--data-dir").arg(&app.data_dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let list = zenith(&["mail", "list"]);
    assert!(list.contains(&id) && list.contains("ann@example.com") && list.contains("password_changed") && list.contains("sent"), "{list}");
    let shown = zenith(&["mail", "show", &id]);
    assert!(shown.contains("Subject: Verify your address") && shown.contains("plain: Verify your address"), "{shown}");
}

async fn wait_for_reset_link(smtp: &Smtp, to: &str, count: usize) -> String {
    smtp.wait_link(to, "reset", count).await
}

const NEW_PASSWORD: &str = "quiet harbor lantern seventy2 maple";

async fn a_forgotten_password_is_reset_through_the_mailed_link_once_ending_every_session_and_keeping_two_factor(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url())).await;
    let c = app.customer("forgetful@example.com").await;
    let (secret, _) = enable_2fa(&c).await;
    let anon = app.client();
    let r = anon.post("/api/auth/password_reset/request", json!({"email": "forgetful@example.com"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = wait_for_reset_link(&smtp, "forgetful@example.com", 1).await;
    let r = anon.post("/api/auth/password_reset/complete", json!({"token": token, "password": NEW_PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(c.me().await.status, 401, "the session from before the reset has ended");
    let r = anon.post("/api/auth/password_reset/complete", json!({"token": token, "password": "another quiet harbor lantern 77"})).await;
    r.assert_refused(AuthError::ResetLinkInvalid);
    let fresh = app.client();
    assert_eq!(fresh.login("forgetful@example.com", PASSWORD).await.status, 401, "the old password is gone");
    let r = fresh.login("forgetful@example.com", NEW_PASSWORD).await;
    assert_eq!(
        (r.status, r.body["two_factor_required"].as_bool()),
        (200, Some(true)),
        "a reset never skips two-factor sign-in: {}",
        r.body
    );
    // The current step's code confirmed the enrolment (a code works once): the next step's.
    let r = fresh.post("/api/auth/login/2fa", json!({"code": code_at(&secret, 1)})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let log = fresh.post("/api/account/security_log", json!({})).await.body;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "password_reset"), "the security log records it: {log}");
    let notice = smtp.wait_subject("forgetful@example.com", "Your Zenith password was reset").await;
    assert!(notice.contains("Every other session was signed out."), "{notice}");
}

async fn a_reset_request_answers_alike_for_an_account_and_for_nobody_and_mails_only_the_account(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url())).await;
    app.customer("known@example.com").await;
    let anon = app.client();
    let known = anon.post("/api/auth/password_reset/request", json!({"email": "known@example.com"})).await;
    let unknown = anon.post("/api/auth/password_reset/request", json!({"email": "nobody@example.com"})).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "the same answer");
    wait_for_reset_link(&smtp, "known@example.com", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!smtp.messages().iter().any(|m| m.contains("nobody@example.com")), "no mail for an address without an account");
    let r = anon.post("/api/auth/password_reset/request", json!({"email": "known@example.com\r\nBcc: evil@example.org"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("email")), "{}", r.body);
}

async fn a_used_made_up_superseded_or_expired_link_is_refused(store: Store) {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(store).arg("--smtp-url", &smtp.url())).await;
    app.customer("careful@example.com").await;
    let anon = app.client();
    let complete = |token: String| {
        let anon = anon.clone();
        async move { anon.post("/api/auth/password_reset/complete", json!({"token": token, "password": NEW_PASSWORD})).await }
    };
    complete("A".repeat(43)).await.assert_refused(AuthError::ResetLinkInvalid);
    anon.post("/api/auth/password_reset/request", json!({"email": "careful@example.com"})).await;
    let first = wait_for_reset_link(&smtp, "careful@example.com", 1).await;
    anon.post("/api/auth/password_reset/request", json!({"email": "careful@example.com"})).await;
    let second = wait_for_reset_link(&smtp, "careful@example.com", 2).await;
    assert_ne!(first, second);
    complete(first).await.assert_refused(AuthError::ResetLinkInvalid);
    sqlx::query("UPDATE account_tokens SET expires_at = 0").execute(&app.db.pool).await.unwrap();
    complete(second).await.assert_refused(AuthError::ResetLinkInvalid);
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM account_tokens").fetch_all(&app.db.pool).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 64), "only digests are stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_link_is_not_kept_and_old_mail_and_dead_links_are_pruned() {
    let smtp = Smtp::start();
    let app = TestApp::spawn_with(Options::new(Store::Sqlite).arg("--smtp-url", &smtp.url())).await;
    app.customer("kept@example.com").await;
    let token = smtp.wait_link("kept@example.com", "verify", 1).await;
    let bodies: Vec<(String, String)> =
        sqlx::query_as("SELECT body_text, body_html FROM mail_outbox WHERE kind = 'confirm_email'").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(!bodies[0].0.contains(&token) && !bodies[0].1.contains(&token), "the link went to its recipient only: {bodies:?}");
    // A notice keeps its body for the admin.
    let notice = queue(&app, "kept@example.com", "A notice", true).await;
    smtp.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(state(&app, &notice).await.2);

    // A month on, delivered mail goes; links expired more than a day ago go.
    let long_ago = server::db::now_ms() - 31 * 24 * 3_600_000;
    sqlx::query("UPDATE mail_outbox SET sent_at = $1 WHERE id = $2").bind(long_ago).bind(&notice).execute(&app.db.pool).await.unwrap();
    sqlx::query("UPDATE account_tokens SET expires_at = $1").bind(long_ago).execute(&app.db.pool).await.unwrap();
    server::worker::prune_mail_and_links(&app.db).await.unwrap();
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM mail_outbox").fetch_all(&app.db.pool).await.unwrap();
    assert!(!left.contains(&notice) && left.len() == 1, "the month-old message is gone, the recent one stays: {left:?}");
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_tokens").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(tokens, 0);
}
