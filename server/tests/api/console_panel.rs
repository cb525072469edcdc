//! The console through the panel: `/api/instances/console` for the customer's running instance opens
//! the cloud's console proxy directly (the keyboard reaches the instance); another customer's id is
//! 404, a stopped instance is refused saying why, every opening is in the instance's activity; a
//! read-only support session gets the panel's relay, which shows the screen and drops every key.

use crate::console::{screen_text, Rfb};
use crate::helpers::*;
use app::model::instance::ConsoleAccess;
use app::model::{Action, InstanceId, Tier};
use serde_json::json;
use server::instances::InstanceError;

crate::on_both_databases!(
    the_customer_types_on_the_console_of_a_running_instance_and_nobody_else_opens_it,
    a_read_only_support_session_sees_the_screen_and_its_keys_never_arrive,
    an_acting_session_types_through_the_panel_and_its_console_ends_with_the_support_session,
    the_console_page_opens_a_session_whose_proxy_alone_its_policy_lets_it_reach,
);

async fn console(c: &Client, id: &InstanceId) -> Resp {
    c.post("/api/instances/console", json!({"id": id})).await
}

/// `connect-src` of a page's content security policy.
fn connect_src(r: &Resp) -> String {
    let csp = r.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    csp.split(';').map(str::trim).find(|d| d.starts_with("connect-src")).unwrap_or_default().to_string()
}

async fn typed_on(url: &str, text: &str) {
    let mut rfb = Rfb::connect(url).await.expect("the console opens");
    let (w, h, _) = rfb.handshake().await;
    rfb.request(false, w, h).await;
    assert_eq!(rfb.update().await.len(), 1, "the screen arrives");
    for ch in text.chars() {
        rfb.key(ch as u32).await;
    }
    // A round trip: the keys were read before this update was asked for.
    rfb.request(false, w, h).await;
    rfb.update().await;
}

async fn the_customer_types_on_the_console_of_a_running_instance_and_nobody_else_opens_it(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let sim = app.sim_base.clone().unwrap();
    let c = app.customer("viewer@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "screen").await;
    let r = console(&c, &id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let access: ConsoleAccess = serde_json::from_value(r.body.clone()).unwrap();
    assert!(access.websocket_url.starts_with("ws://") && access.websocket_url.contains(&format!("token={}", access.token)), "{access:?}");
    assert!(!access.view_only);
    let ahead = access.expires_at.unix_ms() - chrono::Utc::now().timestamp_millis();
    assert!((30_000..=61_000).contains(&ahead), "the token is good for about a minute: {ahead} ms");
    typed_on(&access.websocket_url, "root").await;
    assert!(screen_text(&sim, id.as_str()).await.ends_with("screen login: root"), "{}", screen_text(&sim, id.as_str()).await);

    let stranger = app.customer("stranger@example.com").await;
    assert_eq!(console(&stranger, &id).await.status, 404, "another customer's instance is not found");
    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    let opened = detail["activity"].as_array().unwrap().iter().find(|a| a["action"] == "console_opened").expect("in the activity");
    assert_eq!(opened["actor"], "viewer@example.com");

    act(&c, &id, &Action::Stop).await;
    console(&c, &id).await.assert_refused(InstanceError::ConsoleNeedsRunning { state: app::model::InstanceState::Stopped });
}

async fn a_read_only_support_session_sees_the_screen_and_its_keys_never_arrive(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let sim = app.sim_base.clone().unwrap();
    let c = app.customer("watched@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Miami"), Tier::Stamina, "kept").await;
    let staff = read_only_view(&app, "watched@example.com").await;
    let r = console(&staff, &id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let access: ConsoleAccess = serde_json::from_value(r.body).unwrap();
    assert!(access.view_only);
    assert!(access.websocket_url.starts_with(&format!("{}/console/relay?token=", app.base.replacen("http://", "ws://", 1))), "{access:?}");
    typed_on(&access.websocket_url, "xyzzy").await;
    let screen = screen_text(&sim, id.as_str()).await;
    assert!(screen.ends_with("kept login: ") && !screen.contains("xyzzy"), "nothing typed arrives: {screen}");
    assert_eq!(Rfb::connect(&access.websocket_url).await.err(), Some(403), "the relay's ticket works once");
    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    assert!(
        detail["activity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "console_opened" && a["actor"].as_str().unwrap().starts_with("Support")),
        "the customer sees that support looked: {detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_without_consoles_is_named_once_and_not_asked_again() {
    let app = TestApp::spawn().await;
    let c = app.customer("older@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Barcelona"), Tier::Agile, "legacy").await;
    app.set_faults(json!({"refuse_commands": ["createConsoleEndpoint"]})).await;
    let asked = || async {
        let stats: serde_json::Value =
            reqwest::get(format!("{}/sim/stats", app.sim_base.as_ref().unwrap())).await.unwrap().json().await.unwrap();
        stats["by_command"]["createConsoleEndpoint"].as_u64().unwrap_or(0)
    };
    for _ in 0..3 {
        let r = console(&c, &id).await;
        r.assert_refused(InstanceError::ConsoleUnsupported);
        assert!(r.error_message().contains("CloudStack 4.18 or later"), "{}", r.body);
    }
    assert_eq!(asked().await, 1, "detected once, from the cloud's answer");
}

async fn an_acting_session_types_through_the_panel_and_its_console_ends_with_the_support_session(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let sim = app.sim_base.clone().unwrap();
    let c = app.customer("helped@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Agile, "fixme").await;
    let admin = staff_as(&app, "admin@support.example.net", app::model::Role::Admin).await;
    open_view(&admin, &customer_id(&app, "helped@example.com").await, "acting").await;
    let access: ConsoleAccess = serde_json::from_value(console(&admin, &id).await.body).unwrap();
    assert!(!access.view_only && access.websocket_url.contains("/console/relay?token="), "{access:?}");
    let mut rfb = Rfb::connect(&access.websocket_url).await.expect("the relay opens");
    let (w, h, _) = rfb.handshake().await;
    for ch in "root".chars() {
        rfb.key(ch as u32).await;
    }
    rfb.request(false, w, h).await;
    rfb.update().await;
    assert!(screen_text(&sim, id.as_str()).await.ends_with("fixme login: root"), "an acting session types");
    assert_eq!(admin.post("/api/support/impersonate/stop", json!({})).await.status, 200);
    assert!(rfb.ended_within(10).await, "the console ends with the support session");
}

async fn the_console_page_opens_a_session_whose_proxy_alone_its_policy_lets_it_reach(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("paged@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Agile, "paged").await;

    let page = c.get(&format!("/instances/{id}/console")).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap_or_default().to_string();
    assert!(html.contains("Console: ") && html.contains("paged"), "the page names the instance");
    // The session was opened for this page: its proxy is the one origin beyond the panel's own.
    let token_at = html.find("token=").expect("the session's address travels in the page");
    let url_start = html[..token_at].rfind("ws://").expect("a WebSocket address");
    let origin = app::model::instance::websocket_origin(&html[url_start..token_at]).unwrap();
    assert_eq!(connect_src(&page), format!("connect-src 'self' {origin}"));
    assert!(page.headers.get(app::pages::console::CONNECT_SRC_HEADER).is_none(), "the page's note to the server stays on the server");
    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    let opened = detail["activity"].as_array().unwrap().iter().filter(|a| a["action"] == "console_opened").count();
    assert_eq!(opened, 1, "opening the page is one audited console opening");

    // Every other page, the instance's own included, connects to the panel only.
    assert_eq!(connect_src(&c.get(&format!("/instances/{id}")).await), "connect-src 'self'");
    assert_eq!(connect_src(&c.get("/").await), "connect-src 'self'");

    // A stopped instance's console page says why, and lets nothing more through.
    act(&c, &id, &Action::Stop).await;
    let stopped = c.get(&format!("/instances/{id}/console")).await;
    assert!(stopped.body.as_str().unwrap_or_default().contains("running"), "{}", stopped.body);
    assert_eq!(connect_src(&stopped), "connect-src 'self'");
    let stranger = app.customer("outsider@example.com").await;
    let theirs = stranger.get(&format!("/instances/{id}/console")).await;
    assert!(theirs.body.as_str().unwrap_or_default().contains("Instance not found"));
    assert_eq!(connect_src(&theirs), "connect-src 'self'");
}
