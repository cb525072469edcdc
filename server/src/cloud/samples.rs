//! Answers in the shapes real CloudStack versions send (4.x whitespace, numbers and booleans as
//! strings, odd date formats; several from CloudStack's own documentation and libcloud's fixtures),
//! decoded the way the client decodes them: envelope first, then the typed object.

use super::client::unwrap_envelope;
use super::types::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn items<T: DeserializeOwned>(command: &str, key: &str, body: &str) -> Vec<T> {
    let v = unwrap_envelope(command, 200, body.as_bytes()).unwrap();
    v.get(key).map(|a| serde_json::from_value(a.clone()).unwrap()).unwrap_or_default()
}

fn object<T: DeserializeOwned>(command: &str, key: Option<&str>, body: &str) -> T {
    let v = unwrap_envelope(command, 200, body.as_bytes()).unwrap();
    let inner: Value = match key {
        Some(k) => v[k].clone(),
        None => v,
    };
    serde_json::from_value(inner).unwrap()
}

#[test]
fn list_zones_in_4x_whitespace() {
    let z: Vec<Zone> = items(
        "listZones",
        "zone",
        r#"{ "listzonesresponse" : { "count":1 ,"zone" : [ {"id":"4f6b3e0c-1","name":"Tokyo","networktype":"Basic","securitygroupsenabled":true,"allocationstate":"Enabled","zonetoken":"5e81","dhcpprovider":"DhcpServer","localstorageenabled":true} ] } }"#,
    );
    assert_eq!((z[0].name.as_str(), z[0].networktype.as_str(), z[0].securitygroupsenabled), ("Tokyo", "Basic", true));
}

#[test]
fn list_service_offerings_with_numbers_as_strings() {
    let o: Vec<ServiceOffering> = items(
        "listServiceOfferings",
        "serviceoffering",
        r#"{"listserviceofferingsresponse":{"count":1,"serviceoffering":[{"id":"b1c3","name":"Agile 2G","displaytext":"2 vCPU, 2 GB, local SSD","cpunumber":"2","cpuspeed":2400,"memory":"2048","created":"2018-01-10T12:00:00+0100","storagetype":"local","provisioningtype":"thin","offerha":false,"iscustomized":"false","tags":"ssd","unknownfield":{"x":1}}]}}"#,
    );
    assert_eq!((o[0].cpunumber, o[0].memory, o[0].storagetype.as_str()), (2, 2048, "local"));
    assert_eq!(o[0].created.unwrap().to_rfc3339(), "2018-01-10T11:00:00+00:00");
}

#[test]
fn list_templates_repeats_per_zone() {
    let t: Vec<Template> = items(
        "listTemplates",
        "template",
        r#"{"listtemplatesresponse":{"count":2,"template":[{"id":"a17b","name":"Ubuntu","isready":true,"passwordenabled":true,"sshkeyenabled":true,"zoneid":"z1","size":10737418240},{"id":"a17b","name":"Ubuntu","isready":"true","zoneid":"z2"}]}}"#,
    );
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|t| t.isready && t.id.as_str() == "a17b"));
}

#[test]
fn a_basic_zone_vm_with_several_nics_one_carrying_ipv6() {
    let v: Vec<VirtualMachine> = items(
        "listVirtualMachines",
        "virtualmachine",
        r#"{ "listvirtualmachinesresponse" : { "count":1 ,"virtualmachine" : [ {
          "id":"6b0b5ea7","name":"web01","displayname":"web01","account":"cust-1042","created":"2018-03-01T10:00:03+0100","state":"Running",
          "zoneid":"4f6b","zonename":"AMS1","templateid":"a17b","templatename":"Ubuntu 16.04","passwordenabled":true,
          "serviceofferingid":"b1c3","serviceofferingname":"Agile 2G","cpunumber":2,"cpuspeed":2400,"memory":2048,"cpuused":"0.5%",
          "networkkbsread":120,"networkkbswrite":"48",
          "securitygroup":[{"id":"ebfa","name":"default","description":"Default Security Group"}],
          "nic":[{"id":"n0","ipaddress":"10.1.1.5","isdefault":false,"type":"Shared"},
                 {"id":"n1","ipaddress":"198.51.100.23","netmask":"255.255.255.0","gateway":"198.51.100.1","isdefault":true,"macaddress":"06:d2:5c:00:00:17",
                  "ip6address":"2001:db8:100:1:4d2:5cff:fe00:17","ip6cidr":"2001:db8:100:1::/64","ip6gateway":"2001:db8:100:1::1","type":"Shared"}],
          "hypervisor":"KVM","keypair":"laptop","tags":[],"jobid":"j9","jobstatus":0 } ] } }"#,
    );
    let vm = &v[0];
    let nic = vm.primary_nic().unwrap();
    assert_eq!((nic.ipaddress.as_deref(), nic.ip6address.as_deref()), (Some("198.51.100.23"), Some("2001:db8:100:1:4d2:5cff:fe00:17")));
    assert_eq!((vm.cpuused, vm.networkkbswrite, vm.key_pair_name()), (Some(0.5), Some(48), Some("laptop")));
    assert_eq!((vm.jobid.as_deref(), vm.jobstatus), (Some("j9"), Some(0)));
}

#[test]
fn a_4_17_vm_names_its_keys_in_keypairs() {
    let vm: VirtualMachine =
        serde_json::from_str(r#"{"id":"v","zoneid":"z","templateid":"t","serviceofferingid":"o","keypairs":"laptop,ci"}"#).unwrap();
    assert_eq!(vm.key_pair_name(), Some("laptop,ci"));
}

#[test]
fn an_empty_list_is_an_empty_object() {
    let v: Vec<VirtualMachine> = items("listVirtualMachines", "virtualmachine", r#"{"listvirtualmachinesresponse":{}}"#);
    assert!(v.is_empty());
}

#[test]
fn deploy_answers_with_an_id_and_a_job_even_as_old_integers() {
    let a: AsyncAccepted = object("deployVirtualMachine", None, r#"{"deployvirtualmachineresponse":{"id":"6b0b","jobid":"2f1e"}}"#);
    assert_eq!((a.id.as_deref(), a.jobid.as_str()), (Some("6b0b"), "2f1e"));
    let old: AsyncAccepted = object("deployVirtualMachine", None, r#"{ "deployvirtualmachineresponse" : {"jobid":17164,"id":2602} }"#);
    assert_eq!((old.id.as_deref(), old.jobid.as_str()), (Some("2602"), "17164"));
    let restore: AsyncAccepted = object("restoreVirtualMachine", None, r#"{"restorevmresponse":{"jobid":"r1"}}"#);
    assert_eq!(restore.jobid, "r1");
}

#[test]
fn job_results_pending_succeeded_and_failed() {
    let pending: AsyncJob = object(
        "queryAsyncJobResult",
        None,
        r#"{"queryasyncjobresultresponse":{"accountid":"b8c0","userid":"968f","cmd":"org.apache.cloudstack.api.command.user.vm.DeployVMCmd","jobstatus":0,"jobprocstatus":0,"jobresultcode":0,"jobinstancetype":"VirtualMachine","jobinstanceid":"6b0b","created":"2018-03-01T10:00:00+0100","jobid":"2f1e"}}"#,
    );
    assert_eq!((pending.jobstatus, pending.jobinstanceid.as_deref()), (0, Some("6b0b")));
    let done: AsyncJob = object(
        "queryAsyncJobResult",
        None,
        r#"{"queryasyncjobresultresponse":{"jobid":"1149342","jobstatus":1,"jobprocstatus":0,"jobresultcode":0,"jobresulttype":"object","jobresult":{"virtualmachine":{"id":"v1","zoneid":"z1","templateid":"t1","serviceofferingid":"o1","state":"Running","password":"pw"}}}}"#,
    );
    let vm: VirtualMachine = serde_json::from_value(done.jobresult.as_ref().unwrap()["virtualmachine"].clone()).unwrap();
    assert_eq!((vm.state.as_str(), vm.password.as_deref()), ("Running", Some("pw")));
    let failed: AsyncJob = object(
        "queryAsyncJobResult",
        None,
        r#"{"queryasyncjobresultresponse":{"jobid":34,"jobstatus":2,"jobprocstatus":0,"jobresultcode":530,"jobresulttype":"object","jobresult":{"errorcode":431,"errortext":"Please provide either a volume id"}}}"#,
    );
    assert_eq!((failed.jobstatus, failed.jobresultcode), (2, 530));
}

#[test]
fn list_async_jobs_uses_the_plural_key() {
    let j: Vec<AsyncJob> = items(
        "listAsyncJobs",
        "asyncjobs",
        r#"{"listasyncjobsresponse":{"count":1,"asyncjobs":[{"jobid":"6679","jobstatus":1,"cmd":"x","created":"2021-09-29T17:50:11+0530"}]}}"#,
    );
    assert_eq!(j[0].created.unwrap().to_rfc3339(), "2021-09-29T12:20:11+00:00");
}

#[test]
fn security_groups_with_ipv4_ipv6_icmp_and_group_rules() {
    let g: Vec<SecurityGroup> = items(
        "listSecurityGroups",
        "securitygroup",
        r#"{ "listsecuritygroupsresponse" : { "count":1 ,"securitygroup" : [ {"id":"ebfa","name":"default","description":"Default Security Group","account":"cust-1042",
          "ingressrule":[{"ruleid":"b834","protocol":"tcp","startport":22,"endport":22,"cidr":"0.0.0.0/0"},
                         {"ruleid":"c1d2","protocol":"tcp","startport":"22","endport":"22","cidr":"::/0"},
                         {"ruleid":"d3e4","protocol":"icmp","icmptype":128,"icmpcode":0,"cidr":"::/0"},
                         {"ruleid":"80cc","protocol":"tcp","startport":9200,"endport":9300,"securitygroupname":"default","account":"cust-1042"}],
          "egressrule":[],"tags":[]} ] } }"#,
    );
    let rules = &g[0].ingressrule;
    assert_eq!(rules.len(), 4);
    assert_eq!((rules[1].startport, rules[1].cidr.as_deref()), (Some(22), Some("::/0")));
    assert_eq!((rules[2].icmptype, rules[2].startport), (Some(128), None));
    assert_eq!(rules[3].securitygroupname.as_deref(), Some("default"));
    let created: SecurityGroup = object(
        "createSecurityGroup",
        Some("securitygroup"),
        r#"{"createsecuritygroupresponse":{"securitygroup":{"id":"n1","name":"web"}}}"#,
    );
    assert_eq!(created.name, "web");
}

#[test]
fn ssh_key_pairs_registered_created_listed_and_deleted() {
    let created: SshKeyPair = object(
        "createSSHKeyPair",
        Some("keypair"),
        r#"{ "createsshkeypairresponse" :  { "keypair" : {"name":"test-keypair","fingerprint":"51:9f:81:30:ec:82:0c:e5:8c:81:ac:14:27:d0:e5:e2","privatekey":"-----BEGIN RSA PRIVATE KEY-----\nMIIC\n-----END RSA PRIVATE KEY-----\n"} }  }"#,
    );
    assert!(created.privatekey.unwrap().starts_with("-----BEGIN"));
    let reg: SshKeyPair = object(
        "registerSSHKeyPair",
        Some("keypair"),
        r#"{ "registersshkeypairresponse": { "keypair": { "name": "foobar", "fingerprint": "c4:a1:e5:d4:50:84:a9:4c:6b:22:ee:d6:57:02:b8:15" } } }"#,
    );
    assert_eq!(reg.name, "foobar");
    let list: Vec<SshKeyPair> = items(
        "listSSHKeyPairs",
        "sshkeypair",
        r#"{"listsshkeypairsresponse":{"count":1,"sshkeypair":[{"name":"cs-keypair","fingerprint":"00:00"}]}}"#,
    );
    assert_eq!(list.len(), 1);
    let old: Success = object("deleteSSHKeyPair", None, r#"{ "deletesshkeypairresponse" : { "success" : "true"}  }"#);
    let new: Success = object("deleteSSHKeyPair", None, r#"{"deletesshkeypairresponse":{"success":true}}"#);
    assert!(old.success && new.success, "4.x string and newer boolean both mean success");
}

#[test]
fn nics_and_usage_records_with_the_quoted_t_date() {
    let nics: Vec<Nic> = items(
        "listNics",
        "nic",
        r#"{"listnicsresponse":{"count":1,"nic":[{"id":"n","ipaddress":"198.51.100.5","ip6address":"2001:db8::5","isdefault":true}]}}"#,
    );
    assert_eq!(nics[0].ip6address.as_deref(), Some("2001:db8::5"));
    let usage: Vec<UsageRecord> = items(
        "listUsageRecords",
        "usagerecord",
        r#"{"listusagerecordsresponse":{"count":1,"usagerecord":[{"account":"cust","accountid":"a1","zoneid":"z1","description":"web01 running time","usage":"2.95288 Hrs","usagetype":1,"rawusage":"2.95288","virtualmachineid":"v1","name":"web01","offeringid":"o1","usageid":"v1","type":"KVM","startdate":"2018-03-01'T'00:00:00+01:00","enddate":"2018-03-01'T'23:59:59+01:00"}]}}"#,
    );
    assert_eq!((usage[0].usagetype, usage[0].rawusage.as_deref()), (1, Some("2.95288")));
    assert_eq!(usage[0].startdate.unwrap().to_rfc3339(), "2018-02-28T23:00:00+00:00");
}

#[test]
fn identity_objects() {
    let acct: Account = object(
        "createAccount",
        Some("account"),
        r#"{"createaccountresponse":{"account":{"id":"ac1","name":"zenith-1","accounttype":0,"domainid":"d1","state":"enabled","user":[{"id":"u1","username":"zenith-1","account":"zenith-1","accountid":"ac1"}],"vmlimit":"Unlimited"}}}"#,
    );
    assert_eq!(acct.user[0].id, "u1");
    let keys: UserKeys = object("getUserKeys", Some("userkeys"), r#"{"getuserkeysresponse":{"userkeys":{"apikey":"k","secretkey":"s"}}}"#);
    assert_eq!((keys.apikey.as_deref(), keys.secretkey.as_deref()), (Some("k"), Some("s")));
    let none: UserKeys = object("getUserKeys", Some("userkeys"), r#"{"getuserkeysresponse":{"userkeys":{}}}"#);
    assert!(none.apikey.is_none());
    let domains: Vec<Domain> = items(
        "listDomains",
        "domain",
        r#"{"listdomainsresponse":{"count":1,"domain":[{"id":"d1","name":"customers","path":"ROOT/customers","parentdomainid":"r"}]}}"#,
    );
    assert_eq!(domains[0].path.as_deref(), Some("ROOT/customers"));
}

#[test]
fn an_error_envelope_with_every_field() {
    let e = unwrap_envelope(
        "deployVirtualMachine",
        431,
        br#"{"deployvirtualmachineresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter zoneid value=1747 due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class."}}"#,
    )
    .unwrap_err();
    assert!(e.is_not_found());
    let shown = e.customer_message(None);
    assert!(shown.starts_with("The cloud refused the request as invalid.") && !shown.contains("1747"), "{shown}");
}
