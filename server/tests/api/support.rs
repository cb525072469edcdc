//! Support: finding a customer, support sessions (read-only by the write capability, acting for
//! admins within a deny-list), their end by stop, expiry or role loss, no side effects on the
//! customer's data, the customer's consent and their view of every session, and the audit log.

use crate::helpers::*;
use app::api::{Access, ENDPOINTS};
use app::model::{CustomerId, InstanceId};
use app::model::{InstanceState, JobStatus, Tier};
use app::ports::Denied;
use serde_json::{json, Value};
use server::support::SupportError;

crate::on_both_databases!(
    staff_find_a_customer_by_email_account_instance_name_id_and_any_notation_of_an_address,
    a_read_only_session_shows_the_customers_panel_and_a_write_is_refused_with_a_clear_message,
    an_admins_acting_session_may_act_on_instances_and_the_firewall_but_never_on_the_account,
    a_session_cannot_be_chained_opened_on_staff_or_without_a_reason_or_the_right_password,
    a_session_ends_at_its_expiry_and_when_its_holder_loses_the_role,
    stopping_returns_staff_to_their_own_view_and_the_customer_stays_signed_in,
    a_support_session_changes_nothing_of_the_customers_own,
    in_consent_mode_support_waits_for_the_customer_and_withdrawing_ends_the_session,
    a_session_opened_under_a_grant_ends_when_the_grant_does,
    a_refused_attempt_stores_only_a_target_of_the_customer_being_viewed,
    the_customer_sees_every_support_session_with_its_reason_ticket_and_actions,
    every_step_is_in_the_audit_log_which_staff_filter_and_admins_download,
    the_audit_log_refuses_update_and_delete,
);

async fn app_without_staff_2fa(store: Store) -> TestApp {
    TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await
}

/// A customer with one running instance in Tokyo: (client, customer id, instance id).
async fn customer_with_instance(app: &TestApp, email: &str, name: &str) -> (Client, CustomerId, InstanceId) {
    let c = app.customer(email).await;
    let cat = catalog(&c).await;
    let (instance, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, name).await;
    (c, customer_id(app, email).await, instance)
}

fn emails(hits: &Value) -> Vec<String> {
    hits.as_array().unwrap().iter().map(|h| h["email"].as_str().unwrap().to_string()).collect()
}

async fn staff_find_a_customer_by_email_account_instance_name_id_and_any_notation_of_an_address(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, instance) = customer_with_instance(&app, "findme@example.com", "abuse-report").await;
    let _other = app.customer("someone-else@example.com").await;
    let helper = staff_as(&app, "finder@example.com", app::model::Role::Support).await;
    let detail = c.post("/api/instances/get", json!({"id": instance})).await.body;
    let (v4, v6) = (detail["ipv4"].as_str().unwrap().to_string(), detail["ipv6"].as_str().unwrap().to_string());
    let v6_expanded = v6.parse::<std::net::Ipv6Addr>().unwrap().segments().iter().map(|s| format!("{s:04X}")).collect::<Vec<_>>().join(":");
    let account = server::tenancy::account_name(&id);
    let bracketed = format!("[{}]", v6.to_uppercase());
    for (query, why) in [
        ("FINDME@", "email"),
        (account.as_str(), "CloudStack account"),
        ("abuse-rep", "instance abuse-report (name)"),
        (instance.as_str(), "instance abuse-report (id)"),
        (id.as_str(), "customer id"),
        (v4.as_str(), "IPv4"),
        (v6.as_str(), "IPv6"),
        (v6_expanded.as_str(), "IPv6"),
        (bracketed.as_str(), "IPv6"),
    ] {
        let r = helper.post("/api/support/customers/search", json!({"query": query})).await;
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        assert_eq!(emails(&r.body), ["findme@example.com"], "{query} finds exactly that customer: {}", r.body);
        assert!(r.body[0]["matched"].as_str().unwrap().contains(why), "{query}: {}", r.body);
        assert_eq!(r.body[0]["id"], id.as_str());
    }
    // Part of an address is not an address: no customer is found by a guess.
    let r = helper.post("/api/support/customers/search", json!({"query": "2001:db8::dead:beef"})).await;
    assert_eq!((r.status, r.body.clone()), (200, json!([])));
    let r = helper.post("/api/support/customers/search", json!({"query": "x"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("query")));
    let r = helper.post("/api/support/customers/search", json!({"query": "a".repeat(300)})).await;
    assert_eq!(r.status, 400);
    let r = c.post("/api/support/customers/search", json!({"query": "findme"})).await;
    assert_eq!((r.status, r.error_code()), (403, "forbidden"), "customers cannot search");

    // The summary: account facts, instances per zone with their state, recent activity.
    let s = helper.post("/api/support/customers/get", json!({"id": id})).await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(s.body["email"], "findme@example.com");
    assert_eq!(s.body["two_factor"], false);
    assert!(s.body["last_sign_in"].is_string() && s.body["signed_up"].is_string());
    let tokyo = s.body["zones"].as_array().unwrap().iter().find(|z| z["zone_name"] == "Tokyo").unwrap();
    assert_eq!(tokyo["instances"][0]["name"], "abuse-report");
    assert_eq!(tokyo["instances"][0]["state"], "Running");
    // Its addresses' reverse DNS names (the default pattern's, given at deploy), read-only here.
    let dashed6 = v6.parse::<std::net::Ipv6Addr>().unwrap().segments().iter().map(|s| format!("{s:x}")).collect::<Vec<_>>().join("-");
    assert_eq!(tokyo["instances"][0]["ptr_ipv6"], format!("{dashed6}.tokyo.cloud.zenith.test"));
    assert_eq!(tokyo["instances"][0]["ptr_ipv4"], format!("{}.tokyo.cloud.zenith.test", v4.replace('.', "-")));
    assert!(s.body["activity"].as_array().unwrap().iter().any(|a| a["action"] == "deploy"), "{}", s.body["activity"]);
    assert_eq!(helper.post("/api/support/customers/get", json!({"id": uuid::Uuid::new_v4().to_string()})).await.status, 404);
    let staff_id = customer_id(&app, "finder@example.com").await;
    assert_eq!(helper.post("/api/support/customers/get", json!({"id": staff_id})).await.status, 404, "staff are not customers");
}

async fn a_read_only_session_shows_the_customers_panel_and_a_write_is_refused_with_a_clear_message(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, instance) = customer_with_instance(&app, "viewed@example.com", "viewed").await;
    let helper = staff_as(&app, "viewer@example.com", app::model::Role::Support).await;
    let started = open_view(&helper, &id, "read_only").await;
    assert_eq!((started["customer_email"].as_str(), started["mode"].as_str()), (Some("viewed@example.com"), Some("read_only")));
    let me = helper.me().await.body;
    assert_eq!(me["email"], "viewer@example.com");
    assert_eq!(me["impersonating"]["customer_email"], "viewed@example.com");
    assert_eq!(me["impersonating"]["mode"], "read_only");
    let expires = chrono::DateTime::parse_from_rfc3339(me["impersonating"]["expires_at"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now()).num_minutes();
    assert!((28..=30).contains(&left), "30 minutes, not extended: {left}");
    // The customer's panel, as the customer sees it.
    let theirs = c.post("/api/instances/list", json!({})).await.body;
    let seen = helper.post("/api/instances/list", json!({})).await.body;
    assert_eq!(seen, theirs);
    assert_eq!(helper.post("/api/instances/get", json!({"id": instance})).await.body["name"], "viewed");
    let r = helper.post("/api/instances/action", json!({"id": instance, "action": "stop"})).await;
    r.assert_refused(Denied::ReadOnly);
    let r = helper.post("/api/firewall/create", json!({"name": "sneaky", "description": ""})).await;
    assert_eq!(r.status, 403);
    assert_eq!(state_of(&c, &instance).await, InstanceState::Running, "nothing happened to the instance");
    // The refusal itself is on record, for the customer to see.
    let refused: Vec<(String,)> = sqlx::query_as("SELECT outcome FROM audit_log WHERE impersonation_id = $1 AND action = 'stop'")
        .bind(started["id"].as_str().unwrap())
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(refused, [("refused".to_string(),)], "a refused write in a support session is audited");
}

async fn an_admins_acting_session_may_act_on_instances_and_the_firewall_but_never_on_the_account(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, instance) = customer_with_instance(&app, "acted@example.com", "acted").await;
    let support = staff_as(&app, "plain-support@example.com", app::model::Role::Support).await;
    let r = support.post("/api/support/impersonate/start", start_body(&id, "acting")).await;
    r.assert_refused(SupportError::ActingNeedsAdmin);
    let admin = staff_as(&app, "admin@example.com", app::model::Role::Admin).await;
    let started = open_view(&admin, &id, "acting").await;
    let r = admin.post("/api/instances/action", json!({"id": instance, "action": "stop"})).await;
    assert_eq!(r.status, 200, "an acting session may stop an instance: {}", r.body);
    wait_job(&admin, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(state_of(&c, &instance).await, InstanceState::Stopped);
    let r = admin.post("/api/firewall/create", json!({"name": "support-made", "description": "by support"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The deny-list: everything that is the account's own.
    for e in ENDPOINTS.iter().filter(|e| e.access == Access::Owner) {
        let r = admin.post(e.path, serde_json::from_str(e.example).unwrap()).await;
        r.assert_refused(Denied::NotTheOwner);
    }
    // Attributed to the customer and to the staff member, in that session.
    let (actor, subject, session): (String, String, String) =
        sqlx::query_as("SELECT actor_email, subject_customer_id, impersonation_id FROM audit_log WHERE action = 'stop' AND target_id = $1")
            .bind(&instance)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((actor.as_str(), subject.as_str(), session.as_str()), ("admin@example.com", id.as_str(), started["id"].as_str().unwrap()));
    let activity = c.post("/api/instances/get", json!({"id": instance})).await.body["activity"].clone();
    assert!(activity.as_array().unwrap().iter().any(|a| a["actor"] == "Support (admin@example.com)"), "{activity}");
}

async fn a_session_cannot_be_chained_opened_on_staff_or_without_a_reason_or_the_right_password(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (_c, id, _) = customer_with_instance(&app, "guarded@example.com", "guarded").await;
    let helper = staff_as(&app, "careful@example.com", app::model::Role::Support).await;
    let colleague = staff_as(&app, "colleague@example.com", app::model::Role::Admin).await;
    let colleague_id = customer_id(&app, "colleague@example.com").await;
    let own_id = customer_id(&app, "careful@example.com").await;
    let mut no_reason = start_body(&id, "read_only");
    no_reason["reason"] = json!(" ");
    let r = helper.post("/api/support/impersonate/start", no_reason).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("reason")), "{}", r.body);
    let mut bad_ticket = start_body(&id, "read_only");
    bad_ticket["ticket"] = json!("=cmd|' /C calc'!A0");
    assert_eq!(helper.post("/api/support/impersonate/start", bad_ticket).await.body["error"]["field"], "ticket");
    let mut wrong = start_body(&id, "read_only");
    wrong["password"] = json!("not my password at all");
    let r = helper.post("/api/support/impersonate/start", wrong).await;
    r.assert_refused(SupportError::PasswordWrong);
    let r = helper.post("/api/support/impersonate/start", start_body(&colleague_id, "read_only")).await;
    r.assert_refused(SupportError::StaffAccount);
    let r = helper.post("/api/support/impersonate/start", start_body(&own_id, "read_only")).await;
    r.assert_refused(SupportError::OwnAccount);
    let r = helper
        .post("/api/support/impersonate/start", start_body(&CustomerId::parse(&uuid::Uuid::new_v4().to_string()).unwrap(), "read_only"))
        .await;
    assert_eq!(r.status, 404);
    let mut bad_mode = start_body(&id, "god_mode");
    bad_mode["mode"] = json!("god_mode");
    assert_eq!(helper.post("/api/support/impersonate/start", bad_mode).await.body["error"]["field"], "mode");
    open_view(&helper, &id, "read_only").await;
    let r = helper.post("/api/support/impersonate/start", start_body(&id, "read_only")).await;
    r.assert_refused(SupportError::AlreadyInSession);
    // Two starts racing from one staff session open one support session.
    helper.post("/api/support/impersonate/stop", json!({})).await;
    let racing =
        futures::future::join_all((0..4).map(|_| helper.post("/api/support/impersonate/start", start_body(&id, "read_only")))).await;
    assert_eq!(racing.iter().filter(|r| r.status == 200).count(), 1, "{:?}", racing.iter().map(|r| r.status).collect::<Vec<_>>());
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM impersonations WHERE ended_at IS NULL").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(open, 1);
    drop(colleague);
}

async fn a_session_ends_at_its_expiry_and_when_its_holder_loses_the_role(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (_c, id, _) = customer_with_instance(&app, "timed@example.com", "timed").await;
    let helper = staff_as(&app, "clock@example.com", app::model::Role::Support).await;
    let s = open_view(&helper, &id, "read_only").await;
    sqlx::query("UPDATE impersonations SET expires_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .bind(s["id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let me = helper.me().await;
    assert_eq!(me.status, 200, "the staff member stays signed in");
    assert!(me.body.get("impersonating").is_none(), "{}", me.body);
    assert_eq!(helper.post("/api/instances/list", json!({})).await.status, 403, "back to a staff view with no instances");
    let (why,): (String,) = sqlx::query_as("SELECT end_reason FROM impersonations WHERE id = $1")
        .bind(s["id"].as_str().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(why, "expired");

    open_view(&helper, &id, "read_only").await;
    sqlx::query("UPDATE users SET role = 'customer' WHERE email = 'clock@example.com'").execute(&app.db.pool).await.unwrap();
    let me = helper.me().await.body;
    assert!(me.get("impersonating").is_none(), "no longer staff: the customer's panel is gone at once: {me}");
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM impersonations WHERE ended_at IS NULL").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(open, 0);

    // An admin demoted to support loses an acting session.
    let admin = staff_as(&app, "demoted@example.com", app::model::Role::Admin).await;
    open_view(&admin, &id, "acting").await;
    sqlx::query("UPDATE users SET role = 'support' WHERE email = 'demoted@example.com'").execute(&app.db.pool).await.unwrap();
    assert!(admin.me().await.body.get("impersonating").is_none());

    // A staff member removed with `zenith staff remove` is out at once, and so is their session.
    let leaving = staff_as(&app, "leaving@example.com", app::model::Role::Support).await;
    open_view(&leaving, &id, "read_only").await;
    server::auth::AuthService::remove_staff(&app.db, &app::model::Email::parse("leaving@example.com").unwrap()).await.unwrap();
    assert_eq!(leaving.me().await.status, 401);
    assert_eq!(leaving.login("leaving@example.com", PASSWORD).await.status, 401);
    // A session whose holder never comes back is ended by housekeeping when its time is up.
    let absent = staff_as(&app, "absent@example.com", app::model::Role::Support).await;
    let s = open_view(&absent, &id, "read_only").await;
    sqlx::query("UPDATE impersonations SET expires_at = 1 WHERE id = $1")
        .bind(s["id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(server::impersonation::end_expired(&app.db).await.unwrap(), 1);
    assert_eq!(server::impersonation::end_expired(&app.db).await.unwrap(), 0, "once");
    let ends: Vec<(String,)> = sqlx::query_as("SELECT detail FROM audit_log WHERE action = 'impersonation_stopped' ORDER BY at")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let ends: Vec<&str> = ends.iter().map(|(d,)| d.as_str()).collect();
    assert_eq!(
        ends,
        [
            "expired",
            "the staff member is no longer staff",
            "the staff member is no longer an admin",
            "the staff member was removed",
            "expired"
        ]
    );
}

async fn stopping_returns_staff_to_their_own_view_and_the_customer_stays_signed_in(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, _) = customer_with_instance(&app, "stays@example.com", "stays").await;
    let helper = staff_as(&app, "stopper@example.com", app::model::Role::Support).await;
    open_view(&helper, &id, "read_only").await;
    let r = helper.post("/api/support/impersonate/stop", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let me = helper.me().await.body;
    assert_eq!(me["email"], "stopper@example.com");
    assert!(me.get("impersonating").is_none());
    assert_eq!(helper.post("/api/support/access", json!({})).await.status, 200, "still signed in, in their own view");
    assert_eq!(helper.post("/api/support/impersonate/stop", json!({})).await.status, 409, "nothing left to stop");
    assert_eq!(c.me().await.status, 200, "the customer was never signed out");
    assert_eq!(c.post("/api/instances/list", json!({})).await.status, 200);
}

async fn a_support_session_changes_nothing_of_the_customers_own(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let c = app.customer("untouched@example.com").await;
    let id = customer_id(&app, "untouched@example.com").await;
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Tokyo");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    // Deployed, not followed: its one-time root password has not been handed out yet.
    let r = c
        .post(
            "/api/instances/deploy",
            json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "untouched", "idempotency_key": "untouched-1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (instance, job) = (r.body["instance_id"].as_str().unwrap().to_string(), r.body["job_id"].as_str().unwrap().to_string());
    // The customer's own answer once, so "seen" times have settled.
    let sessions_before = c.post("/api/account/sessions", json!({})).await.body;
    let facts = || async {
        let users: (String, i64, i64, Option<i64>) =
            sqlx::query_as("SELECT email, created_at, password_changed_at, totp_enabled_at FROM users WHERE id = $1")
                .bind(&id)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        let sessions: Vec<(String, i64, i64, Option<i64>)> =
            sqlx::query_as("SELECT id, created_at, last_seen_at, revoked_at FROM auth_sessions WHERE user_id = $1 ORDER BY id")
                .bind(&id)
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
        let jobs: Vec<(String, i64)> = sqlx::query_as("SELECT id, secret_delivered FROM jobs WHERE customer_id = $1 ORDER BY id")
            .bind(&id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        format!("{users:?} {sessions:?} {jobs:?}")
    };
    let helper = staff_as(&app, "lookonly@example.com", app::model::Role::Support).await;
    open_view(&helper, &id, "read_only").await;
    // Support follows the deploy to its end: the job finishes, the password stays the customer's.
    let followed = wait_job(&helper, &job).await;
    assert_eq!(followed.status, JobStatus::Succeeded, "{followed:?}");
    assert!(followed.result.and_then(|r| r.password).is_none(), "support never receives the customer's one-time password");
    let before = facts().await;
    // Make the staff session look idle, so a request would touch "last seen" if it touched anything.
    sqlx::query("UPDATE auth_sessions SET last_seen_at = last_seen_at - 120000 WHERE user_id <> $1")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    for (path, body) in [
        ("/api/instances/list", json!({})),
        ("/api/instances/get", json!({"id": instance})),
        ("/api/account/sessions", json!({})),
        ("/api/account/security_log", json!({})),
        ("/api/account/support_access", json!({})),
        ("/api/firewall/list", json!({})),
        ("/api/keys/list", json!({})),
    ] {
        assert_eq!(helper.post(path, body).await.status, 200, "{path}");
    }
    let r = helper.post("/api/jobs/get", json!({"id": job})).await;
    assert!(r.body["result"]["password"].is_null(), "not on a second look either");
    assert_eq!(facts().await, before, "no last sign-in, no last seen, nothing handed out");
    let sessions_after = c.post("/api/account/sessions", json!({})).await.body;
    assert_eq!(
        sessions_after.as_array().unwrap().len(),
        sessions_before.as_array().unwrap().len(),
        "no entry in the customer's session list"
    );
    let r = c.post("/api/jobs/get", json!({"id": job})).await;
    assert!(r.body["result"]["password"].is_string(), "the customer still gets their password, once: {}", r.body);
}

async fn in_consent_mode_support_waits_for_the_customer_and_withdrawing_ends_the_session(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, _) = customer_with_instance(&app, "private@example.com", "private").await;
    let helper = staff_as(&app, "asker@example.com", app::model::Role::Support).await;
    let r = c.post("/api/account/support_access/set", json!({"mode": "consent"})).await;
    assert_eq!((r.status, r.body["mode"].as_str()), (200, Some("consent")), "{}", r.body);
    assert_eq!(c.post("/api/account/support_access/set", json!({"mode": "sometimes"})).await.status, 400);
    let r = helper.post("/api/support/impersonate/start", start_body(&id, "read_only")).await;
    r.assert_refused(SupportError::NotAllowed);
    let summary = helper.post("/api/support/customers/get", json!({"id": id})).await.body;
    assert_eq!((summary["support_access"].as_str(), summary["viewable"].as_bool()), (Some("consent"), Some(false)));
    let g = c.post("/api/account/support_access/grant", json!({})).await;
    assert_eq!(g.status, 200, "{}", g.body);
    let until = chrono::DateTime::parse_from_rfc3339(g.body["granted_until"].as_str().unwrap()).unwrap();
    assert!((23..=24).contains(&until.signed_duration_since(chrono::Utc::now()).num_hours()));
    open_view(&helper, &id, "read_only").await;
    let r = helper.post("/api/account/support_access/set", json!({"mode": "always"})).await;
    assert_eq!(r.status, 403, "support cannot change the customer's setting");
    let r = c.post("/api/account/support_access/revoke", json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("granted_until").is_none());
    assert!(helper.me().await.body.get("impersonating").is_none(), "withdrawing ends the open session at once");
    assert_eq!(helper.post("/api/support/impersonate/start", start_body(&id, "read_only")).await.status, 403);
    let refused: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'impersonation_refused' AND subject_customer_id = $1")
            .bind(&id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(refused.0, 2, "each refused attempt is on the customer's record");
    c.post("/api/account/support_access/set", json!({"mode": "always"})).await;
    assert_eq!(c.post("/api/account/support_access/grant", json!({})).await.status, 409, "nothing to grant when support may always look");
}

async fn a_refused_attempt_stores_only_a_target_of_the_customer_being_viewed(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, mine) = customer_with_instance(&app, "viewed-a@example.com", "mine").await;
    let (_other, _, theirs) = customer_with_instance(&app, "other-b@example.com", "theirs").await;
    let helper = staff_as(&app, "typist@example.com", app::model::Role::Support).await;
    open_view(&helper, &id, "read_only").await;
    let huge = "x".repeat(5_000);
    for target in [mine.as_str(), theirs.as_str(), huge.as_str(), "'; DROP TABLE users; --"] {
        let r = helper.post("/api/instances/action", json!({"id": target, "action": "stop"})).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = helper.post("/api/firewall/delete", json!({"id": target})).await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    // An action that is not one is a bad request, not a refused `stop` on the record.
    let r = helper.post("/api/instances/action", json!({"id": mine, "action": "explode"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("action")));
    let stored: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT target_id, action FROM audit_log WHERE outcome = 'refused' AND subject_customer_id = $1 ORDER BY at, id")
            .bind(&id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let targets: Vec<&str> = stored.iter().filter_map(|(t, _)| t.as_deref()).collect();
    assert_eq!(stored.len(), 8, "every attempt is on record: {stored:?}");
    assert!(stored.iter().all(|(_, a)| a == "stop" || a == "group_deleted"), "{stored:?}");
    assert_eq!(targets.iter().filter(|t| **t == mine.as_str()).count(), 1, "the customer's own instance is named: {targets:?}");
    assert_eq!(targets.iter().filter(|t| **t == "(not this customer's)").count(), 7, "{targets:?}");
    let page = c.post("/api/account/support_access", json!({})).await.body.to_string();
    assert!(!page.contains(theirs.as_str()), "another customer's id never shows on this customer's page");
    assert!(!page.contains("xxxxxxxxxx") && !page.contains("DROP TABLE"), "nor what support typed");
    assert!(page.contains(mine.as_str()));
}

async fn a_session_opened_under_a_grant_ends_when_the_grant_does(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, _) = customer_with_instance(&app, "granted@example.com", "granted").await;
    let helper = staff_as(&app, "grantee@example.com", app::model::Role::Support).await;
    c.post("/api/account/support_access/set", json!({"mode": "consent"})).await;
    assert_eq!(c.post("/api/account/support_access/grant", json!({})).await.status, 200);
    // The grant has two seconds left: a session opened now may not outlast it.
    let ends = chrono::Utc::now().timestamp_millis() + 2_000;
    sqlx::query("UPDATE users SET support_access_until = $1 WHERE id = $2").bind(ends).bind(&id).execute(&app.db.pool).await.unwrap();
    let view = open_view(&helper, &id, "read_only").await;
    let expires = chrono::DateTime::parse_from_rfc3339(view["expires_at"].as_str().unwrap()).unwrap().timestamp_millis();
    assert!(expires <= ends, "the banner counts down to the grant's end, not 30 minutes");
    assert_eq!(helper.post("/api/instances/list", json!({})).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert!(helper.me().await.body.get("impersonating").is_none(), "the grant ended, so did the session");
    let r = helper.post("/api/instances/list", json!({})).await;
    assert_eq!(r.status, 403, "staff are back in their own view: {}", r.body);
}

async fn the_customer_sees_every_support_session_with_its_reason_ticket_and_actions(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (c, id, instance) = customer_with_instance(&app, "informed@example.com", "informed").await;
    let admin = staff_as(&app, "helpful@example.com", app::model::Role::Admin).await;
    open_view(&admin, &id, "acting").await;
    let r = admin.post("/api/instances/action", json!({"id": instance, "action": "reboot"})).await;
    assert_eq!(r.status, 200);
    admin.post("/api/support/impersonate/stop", json!({})).await;
    let access = c.post("/api/account/support_access", json!({})).await;
    assert_eq!(access.status, 200, "{}", access.body);
    assert_eq!(access.body["mode"], "always");
    let s = &access.body["sessions"][0];
    assert_eq!(s["staff_email"], "helpful@example.com");
    assert_eq!(s["mode"], "acting");
    assert_eq!(s["reason"], "customer reports a slow disk");
    assert_eq!(s["ticket"], "T-42");
    assert!(s["ended_at"].is_string() && s["minutes"].as_i64().unwrap() >= 1);
    assert_eq!(s["actions"], json!([format!("reboot on {instance} (requested)")]));
    let log = c.post("/api/account/security_log", json!({})).await.body;
    assert!(
        log.as_array().unwrap().iter().any(|e| e["action"] == "impersonation_started" && e["actor"] == "Support (helpful@example.com)"),
        "{log}"
    );
}

async fn every_step_is_in_the_audit_log_which_staff_filter_and_admins_download(store: Store) {
    let app = app_without_staff_2fa(store).await;
    let (_c, id, _) = customer_with_instance(&app, "audited@example.com", "audited").await;
    let (_d, other, _) = customer_with_instance(&app, "bystander@example.com", "bystander").await;
    // A valid address that a spreadsheet would run as a formula.
    let formula = app.customer("=2+3@example.com").await;
    drop(formula);
    let formula_id = customer_id(&app, "=2+3@example.com").await;
    let helper = staff_as(&app, "auditor@example.com", app::model::Role::Support).await;
    let helper_id = customer_id(&app, "auditor@example.com").await;
    let mut body = start_body(&id, "read_only");
    body["reason"] = json!("=HYPERLINK(\"http://evil.example\",\"click\") looks odd");
    let r = helper.post("/api/support/impersonate/start", body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    helper.post("/api/support/impersonate/stop", json!({})).await;
    open_view(&helper, &other, "read_only").await;
    helper.post("/api/support/impersonate/stop", json!({})).await;

    let page = helper.post("/api/support/audit", json!({"customer_id": id, "action": "impersonation_started"})).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let entries = page.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e["actor_email"].as_str(), e["customer_email"].as_str()), (Some("auditor@example.com"), Some("audited@example.com")));
    let detail = e["detail"].as_str().unwrap();
    assert!(detail.contains("read-only") && detail.contains("ticket: T-42") && detail.contains("HYPERLINK"), "{detail}");
    assert!(e["ip"].is_string() && e["impersonation_id"].is_string());
    let by_staff = helper.post("/api/support/audit", json!({"staff_id": helper_id})).await.body;
    let actions: Vec<&str> = by_staff["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "impersonation_started").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "impersonation_stopped").count(), 2);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let in_range = helper.post("/api/support/audit", json!({"from": today, "to": today})).await.body;
    assert!(!in_range["entries"].as_array().unwrap().is_empty());
    let future = helper.post("/api/support/audit", json!({"from": "2999-01-01"})).await.body;
    assert_eq!(future["entries"], json!([]));
    let r = helper.post("/api/support/audit", json!({"from": "last tuesday"})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("from")));

    // The CSV is for admins.
    let r = helper.get(&format!("/support/audit.csv?customer_id={id}")).await;
    assert_eq!((r.status, r.error_code()), (403, "forbidden"));
    let admin = staff_as(&app, "csv-admin@example.com", app::model::Role::Admin).await;
    let r = admin.http.get(format!("{}/support/audit.csv?customer_id={id}", admin.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let csv = r.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("at,actor_email,actor_role,customer_id,customer_email,action,outcome,target_id,detail,ip,impersonation_id")
    );
    assert!(csv.contains("impersonation_started") && csv.contains("audited@example.com"));
    assert!(!csv.contains("bystander@example.com"), "the filter holds in the export");
    assert!(csv.contains("reason: =HYPERLINK(\"\"http://evil.example\"\""), "the reason as given, quoted: {csv}");
    let r = admin.http.get(format!("{}/support/audit.csv?customer_id={formula_id}", admin.base)).send().await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.contains(",'=2+3@example.com,"), "a field that starts like a formula is made inert: {csv}");
    assert!(!csv.contains(",=2+3@example.com"));
    let r = admin.http.get(format!("{}/support/audit.csv", admin.base)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()), Some("gzip".to_string()));
    assert!(!r.bytes().await.expect("the whole compressed export").is_empty());
    let r = admin.get("/support/audit.csv?from=someday").await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("from")));
    let exported: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'audit_exported'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(exported.0, 3, "each download is on record too");
}

async fn the_audit_log_refuses_update_and_delete(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.customer("immutable@example.com").await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log").fetch_one(&app.db.pool).await.unwrap();
    assert!(n > 0);
    let update = sqlx::query("UPDATE audit_log SET detail = 'rewritten'").execute(&app.db.pool).await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_log").execute(&app.db.pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    // Replacing a row by its id is a delete and an insert in one statement: refused on both engines.
    let replace = match store {
        Store::Sqlite => "INSERT OR REPLACE INTO audit_log (id, at, category, action, outcome, detail) SELECT id, at, category, action, outcome, 'rewritten' FROM audit_log",
        Store::Postgres => "INSERT INTO audit_log (id, at, category, action, outcome, detail) SELECT id, at, category, action, outcome, 'rewritten' FROM audit_log ON CONFLICT (id) DO UPDATE SET detail = EXCLUDED.detail",
    };
    let replaced = sqlx::query(replace).execute(&app.db.pool).await;
    assert!(replaced.unwrap_err().to_string().contains("append-only"), "{replace}");
    let (rewritten,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE detail = 'rewritten'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(rewritten, 0);
    let (after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(after, n);
}
