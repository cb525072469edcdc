//! Security groups and SSH keys through the JSON API: dual-stack rules from one request, specific 400s
//! with the cloud never called, tenant isolation, private keys that go nowhere, and changing an
//! instance's groups (stop, change, start).

use crate::helpers::*;
use app::model::{JobStatus, Tier};
use serde_json::{json, Value};
use server::firewall::FirewallError;

crate::on_both_databases!(
    a_dual_stack_preset_creates_both_rules_in_the_cloud_and_shows_as_one_group_of_rules,
    every_invalid_rule_gets_its_own_400_and_the_cloud_is_not_called,
    a_second_customer_cannot_see_or_change_the_first_ones_groups_or_keys,
    a_pasted_private_key_is_refused_and_never_reaches_the_database_the_logs_or_the_cloud,
    keys_are_listed_with_their_sha256_fingerprint_and_generated_pairs_are_handed_out_once,
    groups_are_created_deleted_and_an_instance_moves_between_them_by_stop_change_start,
    a_rule_may_admit_the_instances_of_another_group_and_is_shown_counted_and_removed,
);

pub const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6 test@zenith";

async fn group(c: &Client, name: &str) -> String {
    let r = c.post("/api/firewall/create", json!({"name": name, "description": format!("{name} servers")})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

fn rule(group: &str, patch: Value) -> Value {
    let mut body =
        json!({"group_id": group, "direction": "ingress", "protocol": "tcp", "start_port": 443, "end_port": 443, "cidrs": ["0.0.0.0/0"]});
    for (k, v) in patch.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn a_dual_stack_preset_creates_both_rules_in_the_cloud_and_shows_as_one_group_of_rules(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("dual@example.com").await;
    let g = group(&c, "web").await;
    let r = c.post("/api/firewall/add_rules", rule(&g, json!({"start_port": 22, "end_port": 22, "cidrs": ["0.0.0.0/0", "::/0"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["added"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(r.body["failed"], json!([]));
    // Ping is ICMP echo for IPv4 and ICMPv6 echo for IPv6.
    for (cidr, t) in [("0.0.0.0/0", 8), ("::/0", 128)] {
        let r = c
            .post(
                "/api/firewall/add_rules",
                rule(
                    &g,
                    json!({"protocol": "icmp", "start_port": null, "end_port": null, "icmp_type": t, "icmp_code": 0, "cidrs": [cidr]}),
                ),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // What the cloud itself holds, asked with the admin key.
    let state = app.sim().stats();
    assert!(state.by_command.get("authorizeSecurityGroupIngress").copied().unwrap_or(0) >= 4);
    let detail = c.post("/api/firewall/get", json!({"id": g})).await.body;
    let rules = detail["rules"].as_array().unwrap();
    let ssh: Vec<&Value> = rules.iter().filter(|r| r["protocol"] == "tcp" && r["start_port"] == 22).collect();
    assert_eq!(ssh.iter().map(|r| r["cidr"].as_str().unwrap()).collect::<std::collections::BTreeSet<_>>(), ["0.0.0.0/0", "::/0"].into());
    let v6_ping = rules.iter().find(|r| r["protocol"] == "icmp" && r["cidr"] == "::/0").unwrap();
    assert_eq!((v6_ping["icmp_type"].as_i64(), v6_ping["icmp_code"].as_i64()), (Some(128), Some(0)));
    let typed: Vec<app::model::firewall::RuleView> = serde_json::from_value(detail["rules"].clone()).unwrap();
    let rows = app::model::firewall::rule_rows(&typed);
    assert_eq!(rows.len(), 2, "SSH for both families is one line, ping for both families another: {rows:?}");
    let dup = c.post("/api/firewall/add_rules", rule(&g, json!({"start_port": 22, "end_port": 22, "cidrs": ["::/0"]}))).await;
    dup.assert_refused(FirewallError::RuleExists { rule: "TCP 22 from ::/0".into() });
    let list = c.post("/api/firewall/list", json!({})).await.body;
    let web = list.as_array().unwrap().iter().find(|x| x["name"] == "web").unwrap();
    assert_eq!(web["rule_count"], 2, "the list counts the lines the group's page shows, not the cloud's rules");
    assert_eq!(web["rule_count"].as_u64(), Some(rows.len() as u64));
    assert!(list.as_array().unwrap().iter().any(|x| x["name"] == "default" && x["is_default"] == true));
}

async fn every_invalid_rule_gets_its_own_400_and_the_cloud_is_not_called(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("inputs@example.com").await;
    let g = group(&c, "strict").await;
    let before = app.sim().stats().by_command.get("authorizeSecurityGroupIngress").copied().unwrap_or(0);
    for (patch, field, says) in [
        (json!({"cidrs": ["2001:db8::/200"]}), "cidrs", "/200 is too long: IPv6 allows /0 to /128"),
        (json!({"cidrs": ["10.0.0.300/24"]}), "cidrs", "300 is not"),
        (json!({"cidrs": ["192.0.2.1/24"]}), "cidrs", "host bits set: the network it is in is 192.0.2.0/24"),
        (json!({"cidrs": []}), "cidrs", "Say where the traffic may come from"),
        (json!({"start_port": 0, "end_port": 22}), "start_port", "Port 0 does not exist"),
        (json!({"start_port": 80, "end_port": 22}), "end_port", "ends before it starts"),
        (json!({"start_port": 22, "end_port": 70000}), "end_port", "Port 70000 does not exist"),
        (json!({"protocol": "gre"}), "protocol", "Unknown protocol"),
        (json!({"protocol": "icmp", "start_port": null, "end_port": null, "icmp_type": 300}), "icmp_type", "not an ICMP type"),
        (json!({"direction": "sideways"}), "direction", "ingress"),
    ] {
        let r = c.post("/api/firewall/add_rules", rule(&g, patch.clone())).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some(field)), "{patch} → {}", r.body);
        assert!(r.error_message().contains(says), "{patch} → {}", r.error_message());
    }
    for (name, says) in [("default", "every account already has"), ("", "Give the group a name"), ("bad name!", "' '")] {
        let r = c.post("/api/firewall/create", json!({"name": name})).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("name")), "{name} → {}", r.body);
        assert!(r.error_message().contains(says), "{}", r.error_message());
    }
    let after = app.sim().stats().by_command.get("authorizeSecurityGroupIngress").copied().unwrap_or(0);
    assert_eq!(after, before, "no invalid input reached the cloud");
}

async fn a_second_customer_cannot_see_or_change_the_first_ones_groups_or_keys(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let owner = app.customer("owner-fw@example.com").await;
    let g = group(&owner, "private").await;
    assert_eq!(owner.post("/api/keys/add", json!({"name": "laptop", "public_key": ED25519})).await.status, 200);
    let other = app.customer("other-fw@example.com").await;
    let unknown = other.post("/api/firewall/get", json!({"id": uuid::Uuid::new_v4().to_string()})).await;
    assert_eq!(unknown.status, 404);
    for (path, body) in [
        ("/api/firewall/get", json!({"id": g})),
        ("/api/firewall/delete", json!({"id": g})),
        ("/api/firewall/add_rules", rule(&g, json!({"start_port": 1, "end_port": 65535, "cidrs": ["::/0"]}))),
        ("/api/firewall/remove_rule", json!({"group_id": g, "rule_id": uuid::Uuid::new_v4().to_string()})),
        ("/api/keys/delete", json!({"name": "laptop"})),
    ] {
        let r = other.post(path, body).await;
        assert_eq!((r.status, &r.body), (404, &unknown.body), "{path}");
    }
    let list = other.post("/api/firewall/list", json!({})).await;
    assert!(!list.body.to_string().contains(&g), "the other customer does not even see the group");
    assert!(!other.post("/api/keys/list", json!({})).await.body.to_string().contains("laptop"));
    assert_eq!(owner.post("/api/keys/list", json!({})).await.body.as_array().unwrap().len(), 1, "the owner's key is still there");
    assert_eq!(owner.post("/api/firewall/get", json!({"id": g})).await.status, 200);
}

async fn a_pasted_private_key_is_refused_and_never_reaches_the_database_the_logs_or_the_cloud(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("oops@example.com").await;
    let (_, private) = server::sshkey::generate("oops").unwrap();
    let marker = private.lines().nth(2).unwrap().to_string();
    let registered_before = app.sim().stats().by_command.get("registerSSHKeyPair").copied().unwrap_or(0);
    let r = c.post("/api/keys/add", json!({"name": "oops", "public_key": private})).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("public_key")), "{}", r.body);
    assert!(r.error_message().contains("private key") && !r.body.to_string().contains(&marker));
    for (public_key, says) in [("ssh-rsa AAAAnotakey", "not an OpenSSH public key"), ("", "not an OpenSSH public key")] {
        let r = c.post("/api/keys/add", json!({"name": "junk", "public_key": public_key})).await;
        assert_eq!(r.status, 400);
        assert!(r.error_message().contains(says), "{}", r.error_message());
    }
    let weak = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDDrDLZ1nEopD3mj+XW2LxU5d6l+bzt/Y4ryex/+YOIO/wznVHBWq9XHZ3JylqNc46dzukH7as5de3k1sIYBtZsw56iTdsp5FTUGEOuMOmvIgME5bSdZ/0GjlAPsRxVp/nGyzATeGRrd+fDDKPuMlH9Uxf0iWT9+2h1wkOy8YqxQQ== weak";
    let r = c.post("/api/keys/add", json!({"name": "weak", "public_key": weak})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error_message().contains("at least 2048"), "{}", r.error_message());
    assert_eq!(
        app.sim().stats().by_command.get("registerSSHKeyPair").copied().unwrap_or(0),
        registered_before,
        "the cloud never saw any of it"
    );
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ssh_keys").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(rows, 0);
    let dump: Vec<(String,)> = sqlx::query_as("SELECT COALESCE(detail, '') FROM audit_log").fetch_all(&app.db.pool).await.unwrap();
    assert!(dump.iter().all(|(d,)| !d.contains(&marker)));
    assert!(!captured_logs().contains(&marker), "the private key is not in the logs");
}

async fn keys_are_listed_with_their_sha256_fingerprint_and_generated_pairs_are_handed_out_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("keys@example.com").await;
    let r = c.post("/api/keys/add", json!({"name": "laptop", "public_key": ED25519})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["fingerprint"], "SHA256:ojNN7+tbgDXgmP/2S7TBnyi1WTeadjZbiUlp/jsmK+4", "as ssh-keygen -l prints it");
    assert_eq!(r.body["kind"], "ssh-ed25519");
    let dup = c.post("/api/keys/add", json!({"name": "laptop", "public_key": ED25519})).await;
    assert_eq!(dup.status, 409);
    let g = c.post("/api/keys/generate", json!({"name": "made-here"})).await;
    assert_eq!(g.status, 200, "{}", g.body);
    let private = g.body["private_key"].as_str().unwrap();
    assert!(private.contains("PRIVATE KEY"));
    let list = c.post("/api/keys/list", json!({})).await;
    assert!(!list.body.to_string().contains("PRIVATE"), "the list never carries a private key");
    let names: Vec<&str> = list.body.as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["laptop", "made-here"]);
    assert!(list
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["fingerprint"].as_str().unwrap().starts_with("SHA256:") && k["added"].is_string()));
    let stored: Vec<(String,)> = sqlx::query_as("SELECT kind FROM ssh_keys").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(stored.len(), 2);
    let bad_name = c.post("/api/keys/generate", json!({"name": "no spaces please"})).await;
    assert_eq!((bad_name.status, bad_name.body["error"]["field"].as_str()), (400, Some("name")));
    // Deploy with the new key, then delete it.
    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Tokyo");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    let r = c
        .post("/api/instances/deploy", json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "keyed", "ssh_key_name": "made-here", "idempotency_key": "keyed-deploy-1"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let missing = c
        .post("/api/instances/deploy", json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "nokey", "ssh_key_name": "nope", "idempotency_key": "keyed-deploy-2"}))
        .await;
    assert_eq!((missing.status, missing.body["error"]["field"].as_str()), (400, Some("ssh_key_name")));
    let detail = c.post("/api/instances/get", json!({"id": r.body["instance_id"]})).await.body;
    assert_eq!(detail["ssh_key"], "made-here");
    assert_eq!(c.post("/api/keys/delete", json!({"name": "made-here"})).await.status, 200);
    assert_eq!(c.post("/api/keys/delete", json!({"name": "made-here"})).await.status, 404);
}

async fn groups_are_created_deleted_and_an_instance_moves_between_them_by_stop_change_start(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("moves@example.com").await;
    let web = group(&c, "web").await;
    let list = c.post("/api/firewall/list", json!({})).await.body;
    let default = list.as_array().unwrap().iter().find(|g| g["is_default"] == true).unwrap()["id"].as_str().unwrap().to_string();
    let r = c.post("/api/firewall/delete", json!({"id": default})).await;
    r.assert_refused(FirewallError::DefaultGroup);

    let cat = catalog(&c).await;
    let zone = zone_id(&cat, "Miami");
    let off = offering(&c, &zone, Tier::Agile).await;
    let tpl = template(&c, &zone).await;
    let r = c
        .post("/api/instances/deploy", json!({"zone_id": zone, "offering_id": off.id, "template_id": tpl, "name": "mover", "security_group_ids": [web], "idempotency_key": "mover-deploy-1"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["instance_id"].as_str().unwrap().to_string();
    wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    let in_use = c.post("/api/firewall/delete", json!({"id": web})).await;
    in_use.assert_refused(FirewallError::GroupInUse { group: "web".into(), instances: "mover".into() });

    // Running: the panel stops it, changes the groups, starts it again.
    let r = c.post("/api/instances/set_groups", json!({"id": id, "group_ids": [default]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let job = wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    assert_eq!(detail["state"], "Running", "started again");
    assert_eq!(
        detail["security_groups"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [default.as_str()]
    );
    assert!(detail["activity"].as_array().unwrap().iter().any(|a| a["action"] == "set_groups" && a["outcome"] == "succeeded"));
    let same = c.post("/api/instances/set_groups", json!({"id": id, "group_ids": [default]})).await;
    assert_eq!(same.status, 400, "nothing to change");
    assert_eq!(c.post("/api/firewall/delete", json!({"id": web})).await.status, 200, "no longer in use");
    assert!(!c.post("/api/firewall/list", json!({})).await.body.to_string().contains(&web));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_stop_leaves_the_instance_in_its_groups_and_running() {
    let app = TestApp::spawn().await;
    let c = app.customer("stuck@example.com").await;
    let web = group(&c, "web").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "stuck").await;
    app.set_faults(json!({"fail_next_jobs": 1})).await;
    let r = c.post("/api/instances/set_groups", json!({"id": id, "group_ids": [web]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let job = wait_job(&c, r.body["job_id"].as_str().unwrap()).await;
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    assert!(job.error.as_deref().unwrap().contains("nothing was changed"), "{job:?}");
    let detail = c.post("/api/instances/get", json!({"id": id})).await.body;
    assert_eq!(detail["state"], "Running");
    assert_eq!(detail["security_groups"][0]["name"], "default");
}

#[tokio::test]
async fn the_simulator_changes_groups_only_on_a_stopped_vm() {
    use crate::cloud_client::*;
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "sgchange").await;
    let g = c.create_security_group("extra", None).await.unwrap();
    let (zone, off, tpl) = first_zone_offering_template(&c, "local").await;
    let vm = c.wait_vm(&c.deploy_virtual_machine(&deploy_spec(&zone, &off, &tpl, "sg-vm")).await.unwrap().jobid).await.unwrap();
    let refused = c.update_virtual_machine_groups(&vm.id, std::slice::from_ref(&g.id)).await.unwrap_err();
    assert!(refused.to_string().contains("must be stopped"), "{refused}");
    c.wait_job(&c.stop_virtual_machine(&vm.id, false).await.unwrap().jobid, std::time::Duration::from_secs(10)).await.unwrap();
    let changed = c.update_virtual_machine_groups(&vm.id, std::slice::from_ref(&g.id)).await.unwrap();
    assert_eq!(changed.securitygroup.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), [g.id]);
}

async fn a_rule_may_admit_the_instances_of_another_group_and_is_shown_counted_and_removed(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let c = app.customer("peers@example.com").await;
    let web = group(&c, "web").await;
    let db = group(&c, "db").await;
    // PostgreSQL from the web servers only, over both families, in one request.
    let r =
        c.post("/api/firewall/add_rules", rule(&db, json!({"start_port": 5432, "end_port": 5432, "cidrs": [], "groups": ["web"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let added = r.body["added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{}", r.body);
    assert_eq!((added[0]["group"]["name"].as_str(), added[0].get("cidr")), (Some("web"), None));
    let detail = c.post("/api/firewall/get", json!({"id": db})).await.body;
    assert!(detail["account_groups"].as_array().unwrap().iter().any(|g| g == "web"), "{detail}");
    let typed: Vec<app::model::firewall::RuleView> = serde_json::from_value(detail["rules"].clone()).unwrap();
    let rows = app::model::firewall::rule_rows(&typed);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].members[0].1.to_string(), "instances in group web");
    assert_eq!(rows[0].families().len(), 2, "both families");
    let list = c.post("/api/firewall/list", json!({})).await.body;
    let counted = list.as_array().unwrap().iter().find(|x| x["id"] == db.as_str()).unwrap()["rule_count"].clone();
    assert_eq!(counted, 1, "the list counts it");
    // The same again is a conflict; a group the customer does not have, or a bad name, is a 400.
    let again =
        c.post("/api/firewall/add_rules", rule(&db, json!({"start_port": 5432, "end_port": 5432, "cidrs": [], "groups": ["web"]}))).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let other = app.customer("someone-else@example.com").await;
    group(&other, "theirs").await;
    for (groups, says) in [(json!(["theirs"]), "no security group named theirs"), (json!(["a,b"]), "not the name")] {
        let r = c.post("/api/firewall/add_rules", rule(&db, json!({"cidrs": [], "groups": groups}))).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("groups")), "{}", r.body);
        assert!(r.error_message().contains(says), "{}", r.error_message());
    }
    let r = c.post("/api/firewall/add_rules", rule(&db, json!({"cidrs": [], "groups": []}))).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("cidrs")));
    // Removed like any other rule.
    let id = typed[0].id.to_string();
    let r = c.post("/api/firewall/remove_rule", json!({"group_id": db, "rule_id": id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(c.post("/api/firewall/get", json!({"id": db})).await.body["rules"], json!([]));
    let _ = web;
}
