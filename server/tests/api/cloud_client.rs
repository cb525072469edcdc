//! The CloudStack client over real HTTP against the simulator: every typed command the panel uses,
//! jobs that fail and time out, a dead zone and a slow zone in a fan-out, read retries, paging.

use app::model::firewall::Direction;
use app::model::{InstanceId, OfferingId, SshKeyName, TemplateId, ZoneId};
use serde_json::Value;
use server::cloud::commands::{DeployVm, NewAccount, RuleSpec, VmQuery};
use server::cloud::types::{AsyncAccepted, AsyncJob, ServiceOffering, VirtualMachine};
use server::cloud::zones::across_zones;
use server::cloud::{catalog::Catalog, client, ClientConfig, CloudError, CloudStack, Credentials};
use server::sim::{RunningSim, SimConfig, Simulator};
use std::sync::Arc;
use std::time::Duration;

/// How long a test waits for a simulated job.
const JOB_DEADLINE: Duration = Duration::from_secs(10);

/// Commands the panel itself does not send, to test the simulator through the real client.
pub trait TestCommands {
    async fn wait_vm(&self, job: &str) -> Result<VirtualMachine, CloudError>;
    async fn list_disk_offerings(&self) -> Result<Vec<Value>, CloudError>;
    async fn list_capabilities(&self) -> Result<Value, CloudError>;
    async fn list_usage_types(&self) -> Result<Vec<Value>, CloudError>;
    async fn list_nics(&self, vm: &InstanceId) -> Result<Vec<Value>, CloudError>;
    async fn list_service_offerings_for_vm(&self, vm: &InstanceId) -> Result<Vec<ServiceOffering>, CloudError>;
    async fn scale_virtual_machine(&self, vm: &InstanceId, offering: &OfferingId) -> Result<AsyncAccepted, CloudError>;
    async fn update_virtual_machine_display_name(&self, vm: &InstanceId, name: &str) -> Result<VirtualMachine, CloudError>;
    async fn recover_virtual_machine(&self, vm: &InstanceId) -> Result<VirtualMachine, CloudError>;
    async fn expunge_virtual_machine(&self, vm: &InstanceId) -> Result<AsyncAccepted, CloudError>;
    async fn list_async_jobs(&self) -> Result<Vec<AsyncJob>, CloudError>;
}

impl TestCommands for CloudStack {
    async fn wait_vm(&self, job: &str) -> Result<VirtualMachine, CloudError> {
        let v = self.wait_job(job, JOB_DEADLINE).await?;
        Ok(serde_json::from_value(v["virtualmachine"].clone()).expect("a VM in the job result"))
    }
    async fn list_disk_offerings(&self) -> Result<Vec<Value>, CloudError> {
        self.list("listDiskOfferings", "diskoffering", &[]).await
    }
    async fn list_capabilities(&self) -> Result<Value, CloudError> {
        self.call_object("listCapabilities", "capability", &[]).await
    }
    async fn list_usage_types(&self) -> Result<Vec<Value>, CloudError> {
        self.list("listUsageTypes", "usagetype", &[]).await
    }
    async fn list_nics(&self, vm: &InstanceId) -> Result<Vec<Value>, CloudError> {
        self.list("listNics", "nic", &[("virtualmachineid", vm.to_string())]).await
    }
    async fn list_service_offerings_for_vm(&self, vm: &InstanceId) -> Result<Vec<ServiceOffering>, CloudError> {
        self.list("listServiceOfferings", "serviceoffering", &[("virtualmachineid", vm.to_string())]).await
    }
    async fn scale_virtual_machine(&self, vm: &InstanceId, offering: &OfferingId) -> Result<AsyncAccepted, CloudError> {
        self.call("scaleVirtualMachine", &[("id", vm.to_string()), ("serviceofferingid", offering.to_string())]).await
    }
    async fn update_virtual_machine_display_name(&self, vm: &InstanceId, name: &str) -> Result<VirtualMachine, CloudError> {
        self.call_object("updateVirtualMachine", "virtualmachine", &[("id", vm.to_string()), ("displayname", name.into())]).await
    }
    async fn recover_virtual_machine(&self, vm: &InstanceId) -> Result<VirtualMachine, CloudError> {
        self.call_object("recoverVirtualMachine", "virtualmachine", &[("id", vm.to_string())]).await
    }
    async fn expunge_virtual_machine(&self, vm: &InstanceId) -> Result<AsyncAccepted, CloudError> {
        self.call("expungeVirtualMachine", &[("id", vm.to_string())]).await
    }
    async fn list_async_jobs(&self) -> Result<Vec<AsyncJob>, CloudError> {
        self.list("listAsyncJobs", "asyncjobs", &[]).await
    }
}

fn key(name: &str) -> SshKeyName {
    SshKeyName::parse(name).unwrap()
}

pub const ADMIN_KEY: &str = "test-admin-key";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

pub async fn start_sim(tweak: impl FnOnce(&mut SimConfig)) -> RunningSim {
    let mut cfg =
        SimConfig { admin_key: Some(ADMIN_KEY.into()), admin_secret: Some(ADMIN_SECRET.into()), page_size: 500, ..Default::default() };
    tweak(&mut cfg);
    let sim = Simulator::open(cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server::sim::spawn(sim, listener).await.unwrap()
}

pub fn admin(sim: &RunningSim) -> CloudStack {
    let cfg = Arc::new(ClientConfig { request_timeout: Duration::from_secs(10), ..ClientConfig::default() });
    CloudStack::new(
        client::http_client(&cfg),
        &sim.endpoint(),
        Credentials { api_key: ADMIN_KEY.into(), secret_key: ADMIN_SECRET.to_string().into() },
        cfg,
    )
}

/// A customer account with its own keys, as tenancy provisions it.
pub async fn customer(admin: &CloudStack, name: &str) -> CloudStack {
    let domain = admin.create_domain(&format!("d-{name}")).await.unwrap();
    let account = admin
        .create_account(&NewAccount {
            account: name.into(),
            username: name.into(),
            password: "unused-password".into(),
            email: format!("{name}@example.com"),
            first_name: "Test".into(),
            last_name: "Customer".into(),
            domain_id: domain.id.clone(),
        })
        .await
        .unwrap();
    let user = &account.user[0];
    assert!(admin.get_user_keys(&user.id).await.unwrap().apikey.is_none(), "a new user has no keys yet");
    let keys = admin.register_user_keys(&user.id).await.unwrap();
    let again = admin.get_user_keys(&user.id).await.unwrap();
    assert_eq!(again.apikey, keys.apikey);
    admin.as_user(Credentials { api_key: keys.apikey.unwrap(), secret_key: keys.secretkey.unwrap().into() })
}

/// Ids of the first zone, its first template and the first offering with `storage` (`local` or `shared`).
pub async fn first_zone_offering_template(c: &CloudStack, storage: &str) -> (ZoneId, OfferingId, TemplateId) {
    let zone = c.list_zones().await.unwrap().remove(0);
    let offering = c.list_service_offerings().await.unwrap().into_iter().find(|o| o.storagetype == storage).unwrap();
    let template = c.list_templates("executable", Some(&zone.id)).await.unwrap().remove(0);
    (zone.id, offering.id, template.id)
}

pub fn deploy_spec(zone: &ZoneId, offering: &OfferingId, template: &TemplateId, name: &str) -> DeployVm {
    DeployVm {
        zone_id: zone.clone(),
        service_offering_id: offering.clone(),
        template_id: template.clone(),
        name: name.into(),
        key_pair: None,
        security_group_ids: vec![],
        user_data_base64: None,
        start: true,
    }
}

#[tokio::test]
async fn catalogue_commands_describe_five_basic_zones_and_both_families() {
    let sim = start_sim(|_| {}).await;
    let c = admin(&sim);
    let zones = c.list_zones().await.unwrap();
    assert_eq!(zones.iter().map(|z| z.name.as_str()).collect::<Vec<_>>(), ["Amsterdam", "Barcelona", "Miami", "Tokyo", "Los Angeles"]);
    assert!(zones.iter().all(|z| z.networktype == "Basic" && z.securitygroupsenabled));
    let offerings = c.list_service_offerings().await.unwrap();
    assert!(offerings.iter().any(|o| o.storagetype == "local") && offerings.iter().any(|o| o.storagetype == "shared"));
    assert!(offerings.iter().all(|o| (1..=8).contains(&o.cpunumber) && (1024..=32768).contains(&o.memory)));
    assert_eq!(c.list_disk_offerings().await.unwrap().len(), 2);
    let templates = c.list_templates("executable", Some(&zones[3].id)).await.unwrap();
    assert!(
        templates.len() >= 3
            && templates.iter().all(|t| t.isready && t.passwordenabled && t.zoneid.as_deref() == Some(zones[3].id.as_str()))
    );
    let caps = c.list_capabilities().await.unwrap();
    assert!(caps["securitygroupsenabled"] == true && caps["cloudstackversion"].is_string());
    assert!(c.list_usage_types().await.unwrap().iter().any(|t| t["usagetypeid"] == 1));
}

#[tokio::test]
async fn identity_commands_create_a_customer_whose_keys_work() {
    let sim = start_sim(|_| {}).await;
    let a = admin(&sim);
    assert!(a.list_domains(Some("ROOT")).await.unwrap().iter().any(|d| d.name == "ROOT"));
    let cust = customer(&a, "acme").await;
    assert_eq!(cust.list_zones().await.unwrap().len(), 5, "the customer's own keys sign valid requests");
    let domain = a.list_domains(Some("d-acme")).await.unwrap().remove(0);
    let accounts = a.list_accounts("acme", &domain.id).await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(a.list_users("acme", &domain.id).await.unwrap()[0].username, "acme");
    let dup = a.create_domain("d-acme").await.unwrap_err();
    assert!(matches!(dup, CloudError::Api { errorcode: 431, .. }));
}

#[tokio::test]
async fn ssh_key_commands_register_create_list_and_delete() {
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "keys").await;
    let pubkey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6 test@zenith";
    let k = c.register_ssh_key_pair(&key("laptop"), pubkey).await.unwrap();
    assert_eq!(k.fingerprint, "b2:26:d3:43:4d:c0:4c:0e:92:86:e3:f5:ce:fe:7e:e7", "the fingerprint ssh-keygen -E md5 prints");
    let g = c.create_ssh_key_pair(&key("generated")).await.unwrap();
    assert!(g.privatekey.as_deref().is_some_and(|p| p.contains("PRIVATE KEY")));
    let names: Vec<String> = c.list_ssh_key_pairs(None).await.unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["laptop", "generated"]);
    assert!(c.list_ssh_key_pairs(None).await.unwrap().iter().all(|k| k.privatekey.is_none()));
    let bad = c.register_ssh_key_pair(&key("junk"), "ssh-rsa AAAAnotakey").await.unwrap_err();
    assert!(matches!(&bad, CloudError::Api { errorcode: 431, errortext, .. } if errortext == "Public key is invalid"));
    assert!(c.delete_ssh_key_pair(&key("laptop")).await.unwrap().success);
    assert!(c.delete_ssh_key_pair(&key("laptop")).await.is_err());
}

#[tokio::test]
async fn vm_commands_walk_the_whole_lifecycle() {
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "life").await;
    let (zone, local, template) = first_zone_offering_template(&c, "local").await;
    let accepted = c.deploy_virtual_machine(&deploy_spec(&zone, &local, &template, "web-01")).await.unwrap();
    let vm = c.wait_vm(&accepted.jobid).await.unwrap();
    assert_eq!((vm.state.as_str(), vm.id.as_str()), ("Running", accepted.id.as_deref().unwrap()));
    assert!(vm.password.is_some(), "a password-enabled template's password is in the deploy result");
    let nic = vm.primary_nic().unwrap();
    assert!(nic.ipaddress.is_some() && nic.ip6address.is_some() && nic.ip6cidr.is_some() && nic.ip6gateway.is_some());

    assert_eq!(c.list_virtual_machines(&VmQuery::default()).await.unwrap().len(), 1);
    assert_eq!(c.list_nics(&vm.id).await.unwrap().len(), 1);
    let volumes = c.list_volumes(&vm.id).await.unwrap();
    assert_eq!((volumes[0].kind.as_str(), volumes[0].storagetype.as_str()), ("ROOT", "local"));

    let stopped = c.wait_vm(&c.stop_virtual_machine(&vm.id, false).await.unwrap().jobid).await.unwrap();
    assert_eq!(stopped.state, "Stopped");
    let reset = c.wait_vm(&c.reset_password_for_virtual_machine(&vm.id).await.unwrap().jobid).await.unwrap();
    assert!(reset.password.as_deref().is_some_and(|p| p.len() >= 8));

    let offerings = c.list_service_offerings_for_vm(&vm.id).await.unwrap();
    assert!(!offerings.is_empty() && offerings.iter().all(|o| o.storagetype == "local" && o.id != local), "only same-family sizes");
    let resized = c.change_service_for_virtual_machine(&vm.id, &offerings[0].id).await.unwrap();
    assert_eq!(resized.serviceofferingid, offerings[0].id);
    let shared = c.list_service_offerings().await.unwrap().into_iter().find(|o| o.storagetype == "shared").unwrap();
    let refused = c.change_service_for_virtual_machine(&vm.id, &shared.id).await.unwrap_err();
    assert!(refused.to_string().contains("local storage and shared storage"), "{refused}");
    let scaled = c.wait_vm(&c.scale_virtual_machine(&vm.id, &local).await.unwrap().jobid).await.unwrap();
    assert_eq!(scaled.serviceofferingid, local);

    let started = c.wait_vm(&c.start_virtual_machine(&vm.id).await.unwrap().jobid).await.unwrap();
    assert_eq!(started.state, "Running");
    let rebooted = c.wait_vm(&c.reboot_virtual_machine(&vm.id).await.unwrap().jobid).await.unwrap();
    assert_eq!(rebooted.state, "Running");
    let other_template = c.list_templates("executable", Some(&zone)).await.unwrap().into_iter().find(|t| t.id != template).unwrap();
    let restored = c.wait_vm(&c.restore_virtual_machine(&vm.id, Some(&other_template.id)).await.unwrap().jobid).await.unwrap();
    assert_eq!((restored.templateid.as_str(), restored.state.as_str()), (other_template.id.as_str(), "Running"));
    assert_eq!(c.update_virtual_machine_display_name(&vm.id, "Web one").await.unwrap().displayname.as_deref(), Some("Web one"));

    let destroyed = c.wait_vm(&c.destroy_virtual_machine(&vm.id, false).await.unwrap().jobid).await.unwrap();
    assert_eq!(destroyed.state, "Destroyed");
    assert_eq!(c.recover_virtual_machine(&vm.id).await.unwrap().state, "Stopped");
    c.wait_vm(&c.destroy_virtual_machine(&vm.id, false).await.unwrap().jobid).await.unwrap();
    c.wait_job(&c.expunge_virtual_machine(&vm.id).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert!(c.get_virtual_machine(&vm.id).await.unwrap().is_none(), "an expunged VM is gone");
}

#[tokio::test]
async fn security_group_commands_hold_ipv4_and_ipv6_rules() {
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "fw").await;
    assert!(c.list_security_groups(None).await.unwrap().iter().any(|g| g.name == "default"));
    let g = c.create_security_group("web", Some("web servers")).await.unwrap();
    let rule = RuleSpec {
        security_group_id: g.id.clone(),
        protocol: "tcp".into(),
        start_port: Some(443),
        end_port: Some(443),
        icmp_type: None,
        icmp_code: None,
        cidrs: vec!["0.0.0.0/0".into(), "::/0".into()],
        groups: vec![],
    };
    let result = c.wait_job(&c.authorize_security_group(Direction::Ingress, &rule).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    let added = &result["securitygroup"]["ingressrule"];
    assert_eq!(added.as_array().unwrap().len(), 2, "one rule per CIDR");
    let ping6 = RuleSpec {
        protocol: "icmp".into(),
        start_port: None,
        end_port: None,
        icmp_type: Some(128),
        icmp_code: Some(0),
        cidrs: vec!["::/0".into()],
        ..rule.clone()
    };
    c.wait_job(&c.authorize_security_group(Direction::Egress, &ping6).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    let listed = c.list_security_groups(Some(&g.id)).await.unwrap().remove(0);
    assert_eq!(listed.ingressrule.len(), 2);
    assert_eq!((listed.egressrule[0].icmptype, listed.egressrule[0].icmpcode, listed.egressrule[0].startport), (Some(128), Some(0), None));
    let bad = RuleSpec { cidrs: vec!["2001:db8::1/200".into()], ..rule.clone() };
    assert!(matches!(c.authorize_security_group(Direction::Ingress, &bad).await.unwrap_err(), CloudError::Api { errorcode: 431, .. }));

    // A rule whose source is another group: `usersecuritygrouplist`, listed back as the group's name
    // and account with no CIDR; a group the account does not have is refused.
    let account = listed.account.clone().expect("the group's account");
    let db = c.create_security_group("db", None).await.unwrap();
    let from_web = RuleSpec {
        security_group_id: db.id.clone(),
        start_port: Some(5432),
        end_port: Some(5432),
        cidrs: vec![],
        groups: vec![(account.clone(), "web".into())],
        ..rule.clone()
    };
    c.wait_job(&c.authorize_security_group(Direction::Ingress, &from_web).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    let db_rules = c.list_security_groups(Some(&db.id)).await.unwrap().remove(0).ingressrule;
    assert_eq!(db_rules.len(), 1);
    assert_eq!(
        (db_rules[0].cidr.as_deref(), db_rules[0].securitygroupname.as_deref(), db_rules[0].account.as_deref()),
        (None, Some("web"), Some(account.as_str()))
    );
    let nowhere = RuleSpec { groups: vec![(account.clone(), "no-such-group".into())], ..from_web.clone() };
    assert!(matches!(c.authorize_security_group(Direction::Ingress, &nowhere).await.unwrap_err(), CloudError::Api { errorcode: 431, .. }));
    c.wait_job(&c.revoke_security_group_rule(Direction::Ingress, &db_rules[0].ruleid).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert!(c.list_security_groups(Some(&db.id)).await.unwrap()[0].ingressrule.is_empty());
    assert!(c.delete_security_group(&db.id).await.unwrap().success);

    let v6 = listed.ingressrule.iter().find(|r| r.cidr.as_deref() == Some("::/0")).unwrap();
    c.wait_job(&c.revoke_security_group_rule(Direction::Ingress, &v6.ruleid).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert_eq!(c.list_security_groups(Some(&g.id)).await.unwrap()[0].ingressrule.len(), 1);

    let (zone, offering, template) = first_zone_offering_template(&c, "shared").await;
    let mut spec = deploy_spec(&zone, &offering, &template, "fw-vm");
    spec.security_group_ids = vec![g.id.clone()];
    let vm = c.wait_vm(&c.deploy_virtual_machine(&spec).await.unwrap().jobid).await.unwrap();
    assert_eq!(vm.securitygroup[0].id, g.id);
    assert!(matches!(c.delete_security_group(&g.id).await.unwrap_err(), CloudError::Api { errorcode: 536, .. }), "in use");
    c.wait_job(&c.destroy_virtual_machine(&vm.id, true).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert!(c.delete_security_group(&g.id).await.unwrap().success);
}

#[tokio::test]
async fn a_failed_job_reports_the_clouds_reason_and_jobs_are_listed() {
    let sim = start_sim(|_| {}).await;
    let c = customer(&admin(&sim), "jobs").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "local").await;
    sim.sim.set_fault_config(server::sim::Faults { fail_next_jobs: 1, ..Default::default() });
    let accepted = c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "doomed")).await.unwrap();
    let err = c.wait_vm(&accepted.jobid).await.unwrap_err();
    match &err {
        CloudError::JobFailed { errortext, .. } => assert!(errortext.contains("Unable to create a deployment"), "{errortext}"),
        other => panic!("{other:?}"),
    }
    let job = c.query_async_job_result(&accepted.jobid).await.unwrap();
    assert_eq!((job.jobstatus, job.jobresultcode), (2, 530));
    assert!(c.list_async_jobs().await.unwrap().iter().any(|j| j.jobid == accepted.jobid));
}

#[tokio::test]
async fn waiting_gives_up_at_the_deadline_of_a_job_that_never_ends() {
    let sim = start_sim(|c| c.job_ms = 60_000).await;
    let c = customer(&admin(&sim), "slow").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "local").await;
    let accepted = c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, "slowpoke")).await.unwrap();
    let err = c.wait_job(&accepted.jobid, Duration::from_millis(800)).await.unwrap_err();
    assert!(matches!(err, CloudError::JobTimeout { .. }), "{err:?}");
    let polls = sim.sim.stats().by_command["queryAsyncJobResult"];
    assert!(polls >= 3, "it kept polling with backoff until the deadline ({polls} polls)");
}

#[tokio::test]
async fn a_dead_zone_fails_alone_in_a_fan_out() {
    let sim = start_sim(|c| c.down_zones = vec!["Tokyo".into()]).await;
    let c = admin(&sim);
    let zones = c.list_zones().await.unwrap();
    let outcomes = across_zones(zones, Duration::from_secs(5), "listVirtualMachines", |z| {
        let c = c.clone();
        async move { c.list_virtual_machines(&VmQuery { zone_id: Some(z.id), ..Default::default() }).await }
    })
    .await;
    for o in &outcomes {
        if o.zone.name == "Tokyo" {
            assert!(matches!(o.result, Err(CloudError::Http { status: 503, .. })), "{:?}", o.result);
        } else {
            assert!(o.result.is_ok(), "{} should answer: {:?}", o.zone.name, o.result);
        }
    }
}

#[tokio::test]
async fn a_slow_zone_hits_its_own_deadline_without_holding_up_the_others() {
    let sim = start_sim(|_| {}).await;
    let c = admin(&sim);
    let zones = c.list_zones().await.unwrap();
    sim.sim.set_fault_config(server::sim::Faults { zone_latency_ms: [("Miami".to_string(), 5_000)].into(), ..Default::default() });
    let deadline = Duration::from_millis(700);
    let outcomes = across_zones(zones, deadline, "listVirtualMachines", |z| {
        let c = c.clone();
        async move { c.list_virtual_machines(&VmQuery { zone_id: Some(z.id), ..Default::default() }).await }
    })
    .await;
    let miami = outcomes.iter().find(|o| o.zone.name == "Miami").unwrap();
    assert!(matches!(miami.result, Err(CloudError::Timeout { after, .. }) if after == deadline));
    for o in outcomes.iter().filter(|o| o.zone.name != "Miami") {
        assert!(o.result.is_ok() && o.elapsed < deadline, "{} finished within its own deadline ({:?})", o.zone.name, o.elapsed);
    }
}

#[tokio::test]
async fn reads_are_retried_on_5xx_and_writes_never_are() {
    let sim = start_sim(|_| {}).await;
    let c = admin(&sim);
    sim.sim.set_fault_config(server::sim::Faults { fail_next_calls: 2, ..Default::default() });
    assert_eq!(c.list_zones().await.unwrap().len(), 5, "two failures, then success");
    assert_eq!(sim.sim.stats().by_command["listZones"], 3);

    sim.sim.set_fault_config(server::sim::Faults { fail_next_calls: 1, ..Default::default() });
    let err = c.create_security_group("once", None).await.unwrap_err();
    assert!(matches!(err, CloudError::Http { status: 503, .. }));
    assert_eq!(sim.sim.stats().by_command["createSecurityGroup"], 1, "a write is sent exactly once");
}

#[tokio::test]
async fn a_customer_with_2000_instances_gets_all_of_them_whatever_the_clouds_page_limit() {
    let sim = start_sim(|c| {
        c.ipv4_pools = vec!["198.18.0.0/16".into()];
        c.page_size = 200;
    })
    .await;
    let c = customer(&admin(&sim), "bulk").await;
    let (zone, offering, template) = first_zone_offering_template(&c, "local").await;
    for i in 0..2000 {
        c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, &format!("vm-{i}"))).await.unwrap();
    }
    let all = c.list_virtual_machines(&VmQuery { zone_id: Some(zone.clone()), ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 2000);
    let ids: std::collections::HashSet<_> = all.iter().map(|v| v.id.clone()).collect();
    assert_eq!(ids.len(), 2000, "no instance twice, none missing");
    let addresses: std::collections::HashSet<_> = all.iter().filter_map(|v| v.primary_nic()?.ipaddress.clone()).collect();
    assert_eq!(addresses.len(), 2000, "every live instance has its own IPv4");
}

#[tokio::test]
async fn bad_credentials_and_expired_signatures_are_refused_with_401() {
    let sim = start_sim(|_| {}).await;
    let a = admin(&sim);
    let wrong = a.as_user(Credentials { api_key: ADMIN_KEY.into(), secret_key: "not-the-secret".to_string().into() });
    let e = wrong.list_zones().await.unwrap_err();
    assert!(matches!(e, CloudError::Api { errorcode: 401, .. }));
    assert!(!e.to_string().contains("not-the-secret") && !format!("{e:?}").contains("not-the-secret"), "errors never carry the secret");

    let cfg = Arc::new(ClientConfig { expires_after: None, ..ClientConfig::default() });
    let classic = CloudStack::new(
        client::http_client(&cfg),
        &sim.endpoint(),
        Credentials { api_key: ADMIN_KEY.into(), secret_key: ADMIN_SECRET.to_string().into() },
        cfg,
    );
    assert_eq!(classic.list_zones().await.unwrap().len(), 5, "classic signatures (no expiry) are accepted too");
}

#[tokio::test]
async fn many_concurrent_catalogue_readers_cause_one_cloud_call() {
    let sim = start_sim(|_| {}).await;
    let catalog = Arc::new(Catalog::new(admin(&sim), Duration::from_secs(60)));
    let readers: Vec<_> = (0..25)
        .map(|_| {
            let catalog = catalog.clone();
            tokio::spawn(async move { catalog.zones().await.unwrap().len() })
        })
        .collect();
    for r in readers {
        assert_eq!(r.await.unwrap(), 5);
    }
    assert_eq!(sim.sim.stats().by_command["listZones"], 1);
}

/// A running VM of the first size of `storage` (`local`: Agile, `shared`: Stamina) in the first zone,
/// and its ROOT volume.
async fn running_with_volume(c: &CloudStack, storage: &str, name: &str) -> (VirtualMachine, server::cloud::types::Volume) {
    let (zone, offering, template) = first_zone_offering_template(c, storage).await;
    let vm = c.wait_vm(&c.deploy_virtual_machine(&deploy_spec(&zone, &offering, &template, name)).await.unwrap().jobid).await.unwrap();
    let volume = c.list_volumes(&vm.id).await.unwrap().remove(0);
    (vm, volume)
}

/// Snapshots as CloudStack has them: taken of a ROOT volume (Stamina's in place and quick, Agile's
/// copied to secondary storage and slower, through `Creating` and `BackingUp` to `BackedUp`), listed
/// only to their owner, reverted only under a stopped VM, deleted; usage type 9 bills each hour kept,
/// with the size on storage.
#[tokio::test]
async fn snapshot_commands_take_list_revert_and_delete_and_usage_bills_their_size() {
    use server::cloud::types::UsageType;
    let sim = start_sim(|cfg| cfg.job_ms = 1000).await;
    let a = admin(&sim);
    let c = customer(&a, "snaps").await;
    let (_, vol_a) = running_with_volume(&c, "local", "agile-1").await;
    let (stamina, vol_s) = running_with_volume(&c, "shared", "stamina-1").await;

    let job_s = c.create_snapshot(&vol_s.id, Some("before-upgrade")).await.unwrap();
    let job_a = c.create_snapshot(&vol_a.id, None).await.unwrap();
    let taking = c.list_snapshots(None, job_a.id.as_deref()).await.unwrap();
    assert_eq!(taking[0].state, "Creating", "listed at once, not ready");
    c.wait_job(&job_s.jobid, JOB_DEADLINE).await.unwrap();
    let s = c.list_snapshots(Some(&vol_s.id), None).await.unwrap().remove(0);
    assert_eq!((s.name.as_str(), s.state.as_str(), s.snapshottype.as_str()), ("before-upgrade", "BackedUp", "MANUAL"));
    let (physical, virtual_size) = (s.physicalsize.unwrap(), s.virtualsize.unwrap());
    assert!(physical * 100 >= virtual_size * 15 && physical * 100 <= virtual_size * 31, "{physical} of {virtual_size}");
    assert_eq!(c.list_snapshots(Some(&vol_a.id), None).await.unwrap()[0].state, "BackingUp", "Agile's copy takes longer");
    let done = c.wait_job(&job_a.jobid, JOB_DEADLINE).await.unwrap();
    assert_eq!(done["snapshot"]["state"], "BackedUp");
    assert!(done["snapshot"]["name"].as_str().unwrap().starts_with("agile-1_ROOT-"), "{done}");

    // Another account neither sees nor deletes it.
    let other = customer(&a, "other-snaps").await;
    assert!(other.list_snapshots(None, Some(&s.id)).await.unwrap().is_empty());
    assert!(other.delete_snapshot(&s.id).await.is_err());

    // Revert: refused under a running VM, done under a stopped one.
    let refused = c.revert_snapshot(&s.id).await.unwrap_err();
    assert!(refused.to_string().contains("Stop VM stamina-1"), "{refused}");
    c.wait_vm(&c.stop_virtual_machine(&stamina.id, false).await.unwrap().jobid).await.unwrap();
    let reverted = c.wait_job(&c.revert_snapshot(&s.id).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert_eq!(reverted["snapshot"]["id"], s.id.as_str());

    // Two hours later: type 9 records for the hours it was kept, with its size.
    let now = reqwest::Client::new()
        .post(format!("http://{}/sim/clock", sim.addr))
        .json(&serde_json::json!({"advance_hours": 2}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let today = chrono::DateTime::parse_from_rfc3339(now["now"].as_str().unwrap()).unwrap().date_naive();
    let records = a.list_usage_records(today.pred_opt().unwrap(), today, Some(UsageType::Snapshot)).await.unwrap();
    let kept: Vec<_> = records.iter().filter(|r| r.usageid.as_deref() == Some(s.id.as_str())).collect();
    assert!(!kept.is_empty() && kept.iter().all(|r| r.usagetype == 9 && r.size == Some(physical)), "{kept:?}");
    let hours: f64 = kept.iter().map(|r| r.rawusage.as_deref().unwrap().parse::<f64>().unwrap()).sum();
    assert!(hours > 1.0 && hours <= 2.0, "{hours} hours of the two that passed (the first hour counts from the snapshot)");

    // Deleted: gone from the list.
    c.wait_job(&c.delete_snapshot(&s.id).await.unwrap().jobid, JOB_DEADLINE).await.unwrap();
    assert!(c.list_snapshots(None, Some(&s.id)).await.unwrap().is_empty());
}

/// A daily schedule fires on the simulator's clock in its own time zone, each snapshot as of its time,
/// marked with its interval, and the oldest go once there are more than `maxsnaps`; a new policy of
/// the same interval replaces it; another account neither sees nor deletes it; a bad schedule is
/// refused saying why.
#[tokio::test]
async fn a_daily_snapshot_policy_fires_on_the_clock_and_keeps_the_newest_maxsnaps() {
    let sim = start_sim(|cfg| cfg.job_ms = 0).await;
    let a = admin(&sim);
    let c = customer(&a, "scheduled").await;
    let (_, vol) = running_with_volume(&c, "shared", "db-1").await;

    let refused = c.create_snapshot_policy(&vol.id, "DAILY", "00:25", 2, "Europe/Amsterdam").await.unwrap_err();
    assert!(refused.to_string().contains("Invalid hour 25"), "{refused}");
    let refused = c.create_snapshot_policy(&vol.id, "DAILY", "00:03", 2, "Mars/Olympus").await.unwrap_err();
    assert!(refused.to_string().contains("Invalid timezone"), "{refused}");
    c.create_snapshot_policy(&vol.id, "DAILY", "00:04", 5, "Europe/Amsterdam").await.unwrap();
    let p = c.create_snapshot_policy(&vol.id, "DAILY", "00:03", 2, "Europe/Amsterdam").await.unwrap();
    let listed = c.list_snapshot_policies(&vol.id).await.unwrap();
    assert_eq!(listed.len(), 1, "the same interval replaces the old policy");
    assert_eq!(
        (listed[0].schedule.as_str(), listed[0].maxsnaps, listed[0].intervaltype, listed[0].timezone.as_str()),
        ("00:03", Some(2), Some(1), "Europe/Amsterdam")
    );
    let other = customer(&a, "not-scheduled").await;
    assert!(other.list_snapshot_policies(&vol.id).await.is_err(), "another account's volume is not found");
    assert!(other.delete_snapshot_policy(&p.id).await.is_err());

    // Three and a half days on: one each night (three or four), the newest two kept.
    let clock = |hours: i64| {
        let url = format!("http://{}/sim/clock", sim.addr);
        async move { reqwest::Client::new().post(url).json(&serde_json::json!({"advance_hours": hours})).send().await.unwrap() }
    };
    clock(84).await;
    let snaps = c.list_snapshots(Some(&vol.id), None).await.unwrap();
    assert_eq!(snaps.len(), 2, "{snaps:?}");
    assert!(snaps.iter().all(|s| s.snapshottype == "DAILY" && s.state == "BackedUp"), "{snaps:?}");
    for s in &snaps {
        // 03:00 in Amsterdam is 02:00 UTC in winter (01:00 in summer).
        let at = s.created.unwrap();
        assert!(
            at.format("%M:%S").to_string() == "00:00" && (at.format("%H").to_string() == "02" || at.format("%H").to_string() == "01"),
            "{at}"
        );
    }
    // Deleted: nothing more is taken.
    c.delete_snapshot_policy(&p.id).await.unwrap();
    clock(48).await;
    assert_eq!(c.list_snapshots(Some(&vol.id), None).await.unwrap().len(), 2);
}

/// A new instance from a snapshot: a template of the account's own made from it (in its zone),
/// listed as the account's, deployed from; another account neither lists nor deploys it, and the
/// public catalogue (what Zenith's admin key lists) does not show it.
#[tokio::test]
async fn a_template_made_from_a_snapshot_starts_new_instances_for_its_owner_only() {
    let sim = start_sim(|cfg| cfg.job_ms = 0).await;
    let a = admin(&sim);
    let c = customer(&a, "cloner").await;
    let (zone, shared, _) = first_zone_offering_template(&c, "shared").await;
    let (_, vol) = running_with_volume(&c, "shared", "golden").await;
    let snap = c.create_snapshot(&vol.id, Some("golden-1")).await.unwrap();
    c.wait_job(&snap.jobid, JOB_DEADLINE).await.unwrap();
    let made = c.create_template_from_snapshot(snap.id.as_deref().unwrap(), "golden image").await.unwrap();
    let done = c.wait_job(&made.jobid, JOB_DEADLINE).await.unwrap();
    assert_eq!((done["template"]["name"].as_str(), done["template"]["ispublic"].as_bool()), (Some("golden image"), Some(false)));
    let own = c.list_templates("self", Some(&zone)).await.unwrap();
    assert_eq!(own.len(), 1);
    let tid = own[0].id.clone();
    assert_eq!(tid.as_str(), made.id.as_deref().unwrap());
    assert!(c.list_templates("executable", Some(&zone)).await.unwrap().iter().any(|t| t.id == tid));
    assert!(!a.list_templates("executable", Some(&zone)).await.unwrap().iter().any(|t| t.id == tid), "not in the public catalogue");

    let clone = c.wait_vm(&c.deploy_virtual_machine(&deploy_spec(&zone, &shared, &tid, "golden-2")).await.unwrap().jobid).await.unwrap();
    assert_eq!((clone.templateid.as_str(), clone.state.as_str()), (tid.as_str(), "Running"));

    let other = customer(&a, "not-a-cloner").await;
    assert!(other.list_templates("executable", Some(&zone)).await.unwrap().iter().all(|t| t.id != tid));
    let refused = other.deploy_virtual_machine(&deploy_spec(&zone, &shared, &tid, "stolen")).await.unwrap_err();
    assert!(refused.to_string().contains("templateid"), "{refused}");
    let elsewhere = c.list_zones().await.unwrap().into_iter().find(|z| z.id != zone).unwrap().id;
    assert!(c.deploy_virtual_machine(&deploy_spec(&elsewhere, &shared, &tid, "far")).await.is_err(), "only in its own zone");
}
