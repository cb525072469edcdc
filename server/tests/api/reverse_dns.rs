//! Reverse DNS, told as a customer's mail server: deployed, both addresses answer `dig -x` with the
//! provider's default name; the customer's own name is taken only once it resolves back to the address
//! (the refusal says what the lookup found); another customer cannot read or change it; a PTR lost in
//! PowerDNS comes back; reset and destroy give the default back, so the next tenant of the address
//! never inherits the name. Against Debian's PowerDNS (started here, also the resolver holding the
//! customer's forward zone) and against Zenith's own DNS server, on both databases.

use crate::helpers::pdns::{dig_x, dig_x_tcp, Pdns, API_KEY};
use crate::helpers::*;
use app::model::audit::{AuditAction, AuditEvent};
use app::model::ptr::PtrName;
use app::model::{Action, InstanceId, JobStatus, Tier};
use secrecy::SecretString;
use serde_json::json;
use server::dns::pdns::PowerDns;
use server::dns::reverse::{reverse_name, zone_of, DefaultPattern};
use std::net::IpAddr;
use std::time::{Duration, Instant};

crate::on_both_databases!(
    a_mail_server_gets_a_forward_confirmed_reverse_name_on_powerdns,
    without_powerdns_zenith_answers_for_the_reverse_zones_itself,
    an_instance_gone_behind_zeniths_back_gives_its_addresses_back,
);

const PATTERN: &str = "{address}.{zone}.cloud.example.net";
const MAIL: &str = "mail.example.test";

fn default_of(address: &str, zone: &str) -> String {
    DefaultPattern::parse(PATTERN).unwrap().name(address.parse().unwrap(), zone).unwrap().to_string()
}

/// `dig -x` until it answers `want` (jobs end, then their PTRs are written), or its last answer.
async fn dig_until(port: u16, address: &str, want: &[&str], within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    loop {
        let got = dig_x(port, address);
        if got == want || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn addresses(c: &Client, id: &InstanceId) -> (String, String) {
    let r = c.post("/api/instances/get", json!({"id": id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (r.body["ipv4"].as_str().unwrap().to_string(), r.body["ipv6"].as_str().unwrap().to_string())
}

async fn set(c: &Client, id: &InstanceId, family: &str, name: &str) -> Resp {
    c.post("/api/instances/ptr/set", json!({"id": id, "family": family, "name": name})).await
}

/// The whole of an IPv6 address, every group written with its zeros (the notation nobody uses).
fn expanded(v6: &str) -> String {
    let ip: std::net::Ipv6Addr = v6.parse().unwrap();
    ip.segments().iter().map(|s| format!("{s:04X}")).collect::<Vec<_>>().join(":")
}

async fn a_mail_server_gets_a_forward_confirmed_reverse_name_on_powerdns(store: Store) {
    let pdns = Pdns::start().await;
    pdns.forward_zone("example.test.").await;
    let app = TestApp::spawn_with(
        Options::new(store)
            .arg("--pdns-url", &pdns.url)
            .arg("--pdns-api-key", API_KEY)
            .arg("--dns-resolver", &format!("127.0.0.1:{}", pdns.port))
            .arg("--dns-reconcile-secs", "10")
            .arg("--ptr-default", PATTERN),
    )
    .await;
    assert_eq!(app.dns_addr, None, "with PowerDNS, Zenith answers no DNS itself");
    let c = app.customer("mailer@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Amsterdam"), Tier::Stamina, "mx1").await;
    let (v4, v6) = addresses(&c, &id).await;
    let (d4, d6) = (default_of(&v4, "Amsterdam"), default_of(&v6, "Amsterdam"));
    assert!(d4.ends_with(".amsterdam.cloud.example.net") && d6.contains('-'), "{d4} {d6}");

    // Deployed: both addresses answer their default, and the panel reads what DNS answers.
    assert_eq!(dig_until(pdns.port, &v4, &[&d4], Duration::from_secs(10)).await, vec![d4.clone()]);
    assert_eq!(dig_until(pdns.port, &v6, &[&d6], Duration::from_secs(10)).await, vec![d6.clone()]);
    let r = c.post("/api/instances/ptr", json!({"id": id})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ipv4"], json!({"address": v4, "name": d4, "default": true}));
    assert_eq!(r.body["ipv6"], json!({"address": v6, "name": d6, "default": true}));

    // A name that does not resolve back is refused, saying what the lookup found.
    let r = set(&c, &id, "ipv6", MAIL).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("name")), "{}", r.body);
    assert!(r.error_message().contains("mail.example.test has no AAAA record"), "{}", r.error_message());
    pdns.record("example.test.", "mail.example.test.", "AAAA", &v6).await;
    pdns.record("example.test.", "mail.example.test.", "A", &v4).await;
    pdns.record("example.test.", "wrong.example.test.", "AAAA", "2001:db8::dead").await;
    let r = set(&c, &id, "ipv6", "wrong.example.test").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error_message().contains(&format!("wrong.example.test has AAAA 2001:db8::dead, not {v6}")), "{}", r.error_message());
    assert_eq!(dig_x(pdns.port, &v6), vec![d6.clone()], "a refused name changed nothing");

    // Confirmed forward: taken, for either family; IPv6 asked in any notation is the one name.
    let r = set(&c, &id, "ipv6", MAIL).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"address": v6, "name": MAIL, "default": false}));
    assert_eq!(dig_x(pdns.port, &v6), vec![MAIL]);
    assert_eq!(dig_x(pdns.port, &expanded(&v6)), vec![MAIL], "{}", expanded(&v6));
    assert_eq!(set(&c, &id, "ipv4", "Mail.Example.TEST.").await.status, 200);
    assert_eq!(dig_x(pdns.port, &v4), vec![MAIL]);
    let r = c.post("/api/instances/get", json!({"id": id})).await;
    let changes = r.body["activity"].as_array().unwrap().iter().filter(|a| a["action"] == "ptr_changed").count();
    assert_eq!(changes, 2, "both changes are in the instance's activity: {}", r.body["activity"]);
    let entry = audit_detail(&app, &id).await;
    assert!(entry.contains(&format!("IPv6 {v6}: {d6} → {MAIL}")), "audited old → new: {entry}");

    // Another customer's instance is not found, whatever the call.
    let nosy = app.customer("nosy@example.com").await;
    assert_eq!(nosy.post("/api/instances/ptr", json!({"id": id})).await.status, 404);
    assert_eq!(set(&nosy, &id, "ipv6", "evil.example.test").await.status, 404);
    assert_eq!(nosy.post("/api/instances/ptr/reset", json!({"id": id, "family": "ipv6"})).await.status, 404);
    assert_eq!(dig_x(pdns.port, &v6), vec![MAIL]);

    // Bad input is named.
    let r = set(&c, &id, "ipv7", MAIL).await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("family")), "{}", r.body);
    let r = set(&c, &id, "ipv6", "mail_server.example.test").await;
    assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("name")), "{}", r.body);

    // Lost in PowerDNS behind Zenith's back: the reconciler puts it back.
    let ip: IpAddr = v6.parse().unwrap();
    pdns.delete_ptr(&zone_of(ip), &reverse_name(ip)).await;
    assert_eq!(dig_x(pdns.port, &v6), Vec::<String>::new());
    assert_eq!(dig_until(pdns.port, &v6, &[MAIL], Duration::from_secs(40)).await, vec![MAIL], "put back by the reconciler");

    // Reset: the default again.
    let r = c.post("/api/instances/ptr/reset", json!({"id": id, "family": "ipv6"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["default"], true);
    assert_eq!(dig_x(pdns.port, &v6), vec![d6.clone()]);

    // Destroyed: the customer's name stops answering for the address at once.
    let job = act(&c, &id, &Action::Destroy).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(dig_until(pdns.port, &v4, &[&d4], Duration::from_secs(10)).await, vec![d4.clone()]);
}

/// The audit log's detail of the instance's latest reverse DNS change.
async fn audit_detail(app: &TestApp, id: &InstanceId) -> String {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT COALESCE(detail, '') FROM audit_log WHERE target_id = $1 AND action = $2 ORDER BY at")
            .bind(id.as_str())
            .bind(AuditAction::from(AuditEvent::PtrChanged).as_str())
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    rows.into_iter().map(|(d,)| d).collect::<Vec<_>>().join(" | ")
}

async fn without_powerdns_zenith_answers_for_the_reverse_zones_itself(store: Store) {
    // PowerDNS here only holds the customer's forward zone, as the resolver names are checked with.
    let pdns = Pdns::start().await;
    pdns.forward_zone("example.test.").await;
    let app =
        TestApp::spawn_with(Options::new(store).arg("--dns-resolver", &format!("127.0.0.1:{}", pdns.port)).arg("--ptr-default", PATTERN))
            .await;
    let port = app.dns_addr.expect("the embedded DNS server runs without PowerDNS").port();
    let c = app.customer("selfhosted@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Tokyo"), Tier::Agile, "mx2").await;
    let (v4, v6) = addresses(&c, &id).await;
    let (d4, d6) = (default_of(&v4, "Tokyo"), default_of(&v6, "Tokyo"));
    assert_eq!(dig_until(port, &v4, &[&d4], Duration::from_secs(10)).await, vec![d4.clone()]);
    assert_eq!(dig_until(port, &v6, &[&d6], Duration::from_secs(10)).await, vec![d6.clone()]);
    assert_eq!(dig_x_tcp(port, &v6), vec![d6.clone()], "over TCP too");
    assert_eq!(dig_x(port, &expanded(&v6)), vec![d6.clone()]);
    // A name outside Zenith's zones is refused, not answered.
    assert_eq!(dig_x(port, "198.18.0.1"), Vec::<String>::new());

    pdns.record("example.test.", "mail.example.test.", "AAAA", &v6).await;
    assert_eq!(set(&c, &id, "ipv6", MAIL).await.status, 200);
    assert_eq!(dig_x(port, &v6), vec![MAIL], "the embedded server answers the new name at once");
    let r = c.post("/api/instances/ptr", json!({"id": id})).await;
    assert_eq!(r.body["ipv6"]["name"], MAIL, "{}", r.body);
    assert_eq!(r.body["ipv4"]["default"], true, "{}", r.body);

    let job = act(&c, &id, &Action::Destroy).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(dig_until(port, &v6, &[&d6], Duration::from_secs(10)).await, vec![d6.clone()], "destroyed: the default again");
}

async fn an_instance_gone_behind_zeniths_back_gives_its_addresses_back(store: Store) {
    let pdns = Pdns::start().await;
    pdns.forward_zone("example.test.").await;
    let app = TestApp::spawn_with(
        Options::new(store)
            .arg("--dns-resolver", &format!("127.0.0.1:{}", pdns.port))
            .arg("--ptr-default", PATTERN)
            .arg("--dns-reconcile-secs", "10"),
    )
    .await;
    let port = app.dns_addr.unwrap().port();
    let c = app.customer("vanishing@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Barcelona"), Tier::Agile, "mx3").await;
    let (_, v6) = addresses(&c, &id).await;
    let d6 = default_of(&v6, "Barcelona");
    pdns.record("example.test.", "mail.example.test.", "AAAA", &v6).await;
    assert_eq!(set(&c, &id, "ipv6", MAIL).await.status, 200);
    assert_eq!(dig_x(port, &v6), vec![MAIL]);

    // The operator expunges it in CloudStack, not through the panel.
    let admin = app.admin_cloud();
    admin.destroy_virtual_machine(&id, true).await.unwrap();
    // The reconciler finds it gone: the default at once, then no record for an address nobody holds.
    assert_eq!(dig_until(port, &v6, &[&d6], Duration::from_secs(40)).await, vec![d6.clone()], "the name went with the instance");
    assert_eq!(dig_until(port, &v6, &[], Duration::from_secs(40)).await, Vec::<String>::new(), "then the record is removed");
}

#[tokio::test]
async fn what_zenith_writes_to_powerdns_is_what_dig_reads_for_both_families() {
    let pdns = Pdns::start().await;
    let api = PowerDns::new(&pdns.url, &SecretString::from(API_KEY), "localhost").unwrap();
    let ns = vec!["ns1.zenith.test.".to_string()];
    let name = |s: &str| PtrName::parse(s).unwrap();

    for (written, asked) in [("192.0.2.17", "192.0.2.17"), ("2001:0DB8:0:7:0::0011", "2001:db8:0:7::11")] {
        let ip: IpAddr = written.parse().unwrap();
        let (zone, rname) = (zone_of(ip), reverse_name(ip));
        // The zone is made when missing, and asking again is harmless.
        api.ensure_zone(&zone, &ns).await.unwrap();
        api.ensure_zone(&zone, &ns).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), Vec::<String>::new(), "nothing answers before a PTR is written");

        api.set_ptr(&zone, &rname, &name("Host-1.Example.NET")).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), vec!["host-1.example.net"], "{asked}");
        // Written again, or replaced: one name answers.
        api.set_ptr(&zone, &rname, &name("host-1.example.net")).await.unwrap();
        api.set_ptr(&zone, &rname, &name("mail.example.net.")).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), vec!["mail.example.net"], "{asked}");
        let listed = api.ptrs(&zone).await.unwrap();
        assert_eq!(listed.get(&rname).map(String::as_str), Some("mail.example.net."), "{listed:?}");

        api.delete_ptr(&zone, &rname).await.unwrap();
        api.delete_ptr(&zone, &rname).await.unwrap();
        assert_eq!(dig_x(pdns.port, asked), Vec::<String>::new(), "a removed PTR stops answering");
        assert!(api.ptrs(&zone).await.unwrap().is_empty());
    }

    // A wrong key is refused, and says so.
    let wrong = PowerDns::new(&pdns.url, &SecretString::from("not-the-key"), "localhost").unwrap();
    let e = wrong.ensure_zone("100.51.198.in-addr.arpa.", &ns).await.unwrap_err().to_string();
    assert!(e.contains("401") || e.contains("403"), "{e}");
    assert!(!format!("{api:?}").contains(API_KEY), "the key is not in the client's debug form");
}
