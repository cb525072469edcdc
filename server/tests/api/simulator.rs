//! The simulator on the wire, as a third-party client sees it: envelopes, error codes and texts,
//! signatures, state rules, addresses, usage records, persistence.

use crate::cloud_client::{admin, customer, deploy_spec, first_zone_offering_template, start_sim, TestCommands, ADMIN_KEY, ADMIN_SECRET};
use serde_json::Value;
use server::cloud::commands::{DeployVm, VmQuery};
use server::cloud::sign;
use server::sim::{SimConfig, Simulator};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Sends a signed request by hand (GET or POST), the way any client would.
async fn raw(endpoint: &str, params: &[(&str, &str)], secret: &str, post: bool) -> (u16, Value) {
    let mut all: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sig = sign::signature(all.iter().map(|(k, v)| (k.as_str(), v.as_str())), secret);
    all.push(("signature".into(), sig));
    let encoded = all.iter().map(|(k, v)| format!("{k}={}", sign::java_urlencode(v))).collect::<Vec<_>>().join("&");
    let http = reqwest::Client::new();
    let r = if post {
        http.post(endpoint).header("content-type", "application/x-www-form-urlencoded").body(encoded).send().await.unwrap()
    } else {
        http.get(format!("{endpoint}?{encoded}")).send().await.unwrap()
    };
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn envelopes_lists_and_errors_look_like_cloudstack() {
    let sim = start_sim(|_| {}).await;
    let ep = sim.endpoint();
    let base = [("apiKey", ADMIN_KEY), ("response", "json")];
    let with = |extra: &[(&'static str, &'static str)]| base.iter().chain(extra.iter()).copied().collect::<Vec<_>>();

    let (s, body) = raw(&ep, &with(&[("command", "listZones")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 200);
    assert_eq!(body["listzonesresponse"]["count"], 5);

    let (s, body) = raw(&ep, &with(&[("command", "listVirtualMachines")]), ADMIN_SECRET, true).await;
    assert_eq!((s, body), (200, serde_json::json!({"listvirtualmachinesresponse": {}})), "an empty list has neither count nor key");

    let (s, body) = raw(&ep, &with(&[("command", "queryAsyncJobResult")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 431);
    assert_eq!(
        body["queryasyncjobresultresponse"]["errortext"],
        "Unable to execute API command queryasyncjobresult due to missing parameter jobid"
    );
    assert_eq!(body["queryasyncjobresultresponse"]["cserrorcode"], 9999);

    let (s, body) =
        raw(&ep, &with(&[("command", "listVirtualMachines"), ("id", "6b0b5ea7-0a8a-4f4f-8d0b-3f0c2b6f4a10")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 431);
    assert!(body["listvirtualmachinesresponse"]["errortext"].as_str().unwrap().contains("entity does not exist"));

    let (s, body) = raw(&ep, &with(&[("command", "launchMissiles")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 401);
    assert!(body["errorresponse"]["errortext"].as_str().unwrap().contains("does not exist"));

    let (s, body) = raw(&ep, &with(&[("command", "listZones")]), "wrong-secret", false).await;
    assert_eq!(s, 401);
    assert_eq!(body["listzonesresponse"]["errortext"], "unable to verify user credentials and/or request signature");
    assert!(body["listzonesresponse"].get("cserrorcode").is_none());

    let (s, _) = raw(
        &ep,
        &with(&[("command", "listZones"), ("signatureVersion", "3"), ("expires", "2020-01-01T00:00:00+0000")]),
        ADMIN_SECRET,
        false,
    )
    .await;
    assert_eq!(s, 401, "an expired v3 signature");
    let (s, _) =
        raw(&ep, &with(&[("command", "listZones"), ("signatureVersion", "3"), ("expires", "2099-01-01T00:00:00Z")]), ADMIN_SECRET, false)
            .await;
    assert_eq!(s, 200, "expires in the Z form too");

    let (s, body) = raw(&ep, &[("apiKey", ADMIN_KEY), ("command", "listZones")], ADMIN_SECRET, false).await;
    assert_eq!(s, 432, "XML is not spoken: {body}");

    let (s, _) = raw(&ep, &with(&[("command", "listTemplates"), ("templatefilter", "featured"), ("page", "1")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 431, "page without pagesize");
    let (s, body) = raw(&ep, &with(&[("command", "deleteSSHKeyPair"), ("name", "nope")]), ADMIN_SECRET, false).await;
    assert_eq!(s, 431, "{body}");
}

#[tokio::test]
async fn actions_in_the_wrong_state_get_cloudstacks_refusals() {
    let sim = start_sim(|c| c.job_ms = 0).await;
    let c = customer(&admin(&sim), "rules").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "local").await;
    let spec = deploy_spec(&zone, &offering, &template, "rules");
    let vm = c.wait_vm(&c.deploy_virtual_machine(&spec).await.unwrap().jobid).await.unwrap();
    let text = |e: server::cloud::CloudError| e.to_string();
    assert!(text(c.reset_password_for_virtual_machine(&vm.id).await.unwrap_err()).contains("should be stopped to do password reset"));
    assert!(text(c.start_virtual_machine(&vm.id).await.unwrap_err()).contains("already running"));
    assert!(
        text(c.deploy_virtual_machine(&spec).await.unwrap_err()).contains("already exists"),
        "hostnames are unique in the account's zone"
    );
    let bad_name = DeployVm { name: "bad_name!".into(), ..spec.clone() };
    assert!(text(c.deploy_virtual_machine(&bad_name).await.unwrap_err()).contains("Invalid name"));
    c.wait_vm(&c.stop_virtual_machine(&vm.id, true).await.unwrap().jobid).await.unwrap();
    assert!(text(c.reboot_virtual_machine(&vm.id).await.unwrap_err()).contains("not in Running state"));
    assert!(text(c.expunge_virtual_machine(&vm.id).await.unwrap_err()).contains("destroy"));
    assert!(text(c.recover_virtual_machine(&vm.id).await.unwrap_err()).contains("not in the right state"));
}

#[tokio::test]
async fn addresses_are_unique_derived_by_eui64_and_returned_on_expunge() {
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "addr").await;
    let zone = c.list_zones().await.unwrap().remove(4);
    let off = c.list_service_offerings().await.unwrap().remove(0);
    let tpl = c.list_templates("executable", Some(&zone.id)).await.unwrap().remove(0);
    let deploy = |name: &str| deploy_spec(&zone.id, &off.id, &tpl.id, name);
    let mut vms = Vec::new();
    for name in ["a1", "a2", "a3"] {
        vms.push(c.wait_vm(&c.deploy_virtual_machine(&deploy(name)).await.unwrap().jobid).await.unwrap());
    }
    let mut v4 = std::collections::HashSet::new();
    for vm in &vms {
        let nic = vm.primary_nic().unwrap();
        let ip: Ipv4Addr = nic.ipaddress.as_deref().unwrap().parse().unwrap();
        assert_eq!(ip.octets()[..3], [203, 0, 113], "Los Angeles draws from RFC 5737's 203.0.113.0/24");
        assert!(v4.insert(ip));
        let v6: Ipv6Addr = nic.ip6address.as_deref().unwrap().parse().unwrap();
        let prefix: Ipv6Addr = nic.ip6cidr.as_deref().unwrap().trim_end_matches("/64").parse().unwrap();
        assert_eq!(v6, server::sim::world::eui64(prefix, nic.macaddress.as_deref().unwrap()).unwrap(), "SLAAC address from the MAC");
        assert_eq!(v6.segments()[..2], [0x2001, 0xdb8], "RFC 3849 documentation prefix");
    }
    let freed = vms[1].primary_nic().unwrap().ipaddress.clone();
    c.wait_job(&c.destroy_virtual_machine(&vms[1].id, true).await.unwrap().jobid, std::time::Duration::from_secs(10)).await.unwrap();
    let again = c.wait_vm(&c.deploy_virtual_machine(&deploy("a4")).await.unwrap().jobid).await.unwrap();
    assert_eq!(again.primary_nic().unwrap().ipaddress, freed, "the expunged instance's address is free again");
}

#[tokio::test]
async fn users_see_their_own_account_and_the_admin_sees_all_or_one() {
    let sim = start_sim(|_| {}).await;
    let a = admin(&sim);
    let one = customer(&a, "one").await;
    let two = customer(&a, "two").await;
    let (zone, offering, template) = first_zone_offering_template(&one, "local").await;
    let vm =
        one.wait_vm(&one.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "mine")).await.unwrap().jobid).await.unwrap();
    assert!(two.list_virtual_machines(&VmQuery::default()).await.unwrap().is_empty());
    assert!(two.get_virtual_machine(&vm.id).await.unwrap().is_none(), "another account's VM is not visible");
    assert!(two.stop_virtual_machine(&vm.id, true).await.is_err(), "nor can it be touched");
    assert!(a.list_virtual_machines(&VmQuery::default()).await.unwrap().is_empty(), "the admin's own account has none");
    assert_eq!(a.list_virtual_machines(&VmQuery { list_all: true, ..Default::default() }).await.unwrap().len(), 1);
}

#[tokio::test]
async fn usage_records_follow_the_simulated_clock() {
    let sim = start_sim(|_| {}).await;
    let a = admin(&sim);
    let c = customer(&a, "usage").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "local").await;
    let vm = c.wait_vm(&c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "metered")).await.unwrap().jobid).await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("http://{}/sim/clock", sim.addr))
        .json(&serde_json::json!({"advance_hours": 48}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let today = chrono::Utc::now().date_naive();
    let records = a.list_usage_records(today - chrono::Days::new(1), today + chrono::Days::new(3), None).await.unwrap();
    let mine: Vec<_> = records.iter().filter(|r| r.usageid.as_deref() == Some(vm.id.as_str())).collect();
    let hours = |t: i64| {
        mine.iter()
            .filter(|r| r.usagetype == t)
            .map(|r| r.rawusage.as_deref().and_then(|h| h.parse::<f64>().ok()).unwrap_or(0.0))
            .sum::<f64>()
    };
    assert!((46.0..=48.0).contains(&hours(1)), "running hours {}", hours(1));
    assert!((hours(1) - hours(2)).abs() < 0.01, "it ran all the time it existed");
    assert!(mine.iter().all(|r| r.offeringid.as_ref() == Some(&offering) && r.startdate.is_some() && r.enddate.is_some()));
    assert!(records.len() >= 90, "hourly records for two days");
    // On the wire, the usage service's quirky quoted-T dates.
    let from = (today - chrono::Days::new(1)).to_string();
    let to = (today + chrono::Days::new(3)).to_string();
    let (s, body) = raw(
        &sim.endpoint(),
        &[
            ("apiKey", ADMIN_KEY),
            ("response", "json"),
            ("command", "listUsageRecords"),
            ("startdate", &from),
            ("enddate", &to),
            ("type", "1"),
            ("page", "1"),
            ("pagesize", "1"),
        ],
        ADMIN_SECRET,
        false,
    )
    .await;
    assert_eq!(s, 200);
    let start = body["listusagerecordsresponse"]["usagerecord"][0]["startdate"].as_str().unwrap();
    assert!(start.contains("'T'") && start.ends_with("+00:00"), "{start}");
}

#[tokio::test]
async fn state_survives_a_restart_of_the_simulator() {
    let dir = std::env::temp_dir().join(format!("zenith-sim-{}", uuid::Uuid::new_v4().simple()));
    let cfg = || SimConfig {
        state_file: Some(dir.join("sim.json")),
        admin_key: Some(ADMIN_KEY.into()),
        admin_secret: Some(ADMIN_SECRET.into()),
        page_size: 500,
        ..Default::default()
    };
    let first = Simulator::open(cfg()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = server::sim::spawn(first.clone(), listener).await.unwrap();
    let c = customer(&admin(&running), "persist").await;
    c.create_security_group("kept", None).await.unwrap();
    running.task.abort();
    first.save().unwrap();
    drop(first);

    let second = Simulator::open(cfg()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = server::sim::spawn(second, listener).await.unwrap();
    let a = admin(&running);
    let domain = a.list_domains(Some("d-persist")).await.unwrap();
    assert_eq!(domain.len(), 1, "the account's domain is still there");
    assert_eq!(a.list_accounts("persist", &domain[0].id).await.unwrap().len(), 1);
    std::fs::remove_dir_all(dir).ok();
}
