//! Writing is a capability: the one endpoint list (`app::api::ENDPOINTS`) names what each endpoint
//! needs, it matches the router and the README, and every endpoint that changes anything refuses a
//! read-only support session and changes nothing.

use crate::helpers::*;
use app::api::{Access, ENDPOINTS};
use app::model::Tier;
use app::ports::Denied;
use serde_json::{json, Value};

crate::on_both_databases!(every_mutating_endpoint_refuses_a_read_only_support_session_and_changes_nothing);

#[test]
fn every_server_function_is_in_the_endpoint_list_and_the_readme() {
    let registered: std::collections::BTreeSet<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect();
    let listed: std::collections::BTreeSet<String> = ENDPOINTS.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(registered, listed, "the endpoint list and the router disagree");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for e in ENDPOINTS {
        let short = e.path.trim_start_matches("/api");
        assert!(readme.contains(&format!("`{}`", e.path)) || readme.contains(&format!("`/api{short}`")), "{} is not in the README", e.path);
        let parsed: Result<Value, _> = serde_json::from_str(e.example);
        assert!(parsed.is_ok(), "{}'s example body is not JSON", e.path);
    }
}

/// Everything the endpoints could change, as one comparable value.
async fn snapshot(app: &TestApp, customer: &Client) -> Value {
    let count = |table: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
            n
        }
    };
    let users: Vec<(String, String, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT email, password_hash, totp_pending_sealed, totp_enabled_at FROM users ORDER BY email")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let revoked: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM auth_sessions WHERE revoked_at IS NOT NULL").fetch_one(&app.db.pool).await.unwrap();
    let list = customer.post("/api/instances/list", json!({})).await.body;
    json!({
        "instances": list["instances"].as_array().unwrap().iter().map(|i| json!([i["id"], i["state"]])).collect::<Vec<_>>(),
        "jobs": count("jobs").await,
        "deploys": count("deploy_requests").await,
        "users": users.iter().map(|u| json!([u.0, u.1, u.2, u.3])).collect::<Vec<_>>(),
        "revoked_sessions": revoked.0,
    })
}

async fn every_mutating_endpoint_refuses_a_read_only_support_session_and_changes_nothing(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let customer = app.customer("watched@example.com").await;
    let cat = catalog(&customer).await;
    let (instance, _) = deploy(&customer, &zone_id(&cat, "Tokyo"), Tier::Agile, "watched").await;
    let viewer = read_only_view(&app, "watched@example.com").await;
    let me = viewer.me().await.body;
    assert_eq!(me["impersonating"]["mode"], "read_only", "{me}");
    assert_eq!(
        viewer.post("/api/instances/list", json!({})).await.body["instances"][0]["id"],
        instance.as_str(),
        "the view shows the customer's panel"
    );

    let before = snapshot(&app, &customer).await;
    let mutating: Vec<_> = ENDPOINTS.iter().filter(|e| e.access.mutates()).collect();
    assert!(mutating.len() >= 7, "the list names the mutating endpoints");
    for e in mutating {
        let mut body: Value = serde_json::from_str(e.example).unwrap();
        // Aim at the customer's real instance wherever the body names one.
        if body.get("id").is_some() && e.path.starts_with("/api/instances") {
            body["id"] = json!(instance);
        }
        let r = viewer.post(e.path, body).await;
        r.assert_refused(match e.access {
            Access::Owner => Denied::NotTheOwner,
            _ => Denied::ReadOnly,
        });
    }
    assert_eq!(snapshot(&app, &customer).await, before, "nothing changed");
}
