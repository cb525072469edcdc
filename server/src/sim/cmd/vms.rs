//! The VM lifecycle: deploy, start, stop, reboot, destroy, expunge, recover, restore, change service,
//! scale, reset password, update; listVirtualMachines(Metrics), listNics, listVolumes.
//!
//! State rules are CloudStack's: password reset and change of service need a stopped VM, reboot a
//! running one, an offering change cannot cross local ↔ shared storage, and a VM with a job in flight
//! takes no other action until it finishes.

use super::{Answer, Call};
use crate::sim::protocol::{object_body, ApiError};
use crate::sim::world::*;
use base64::Engine as _;
use serde_json::{json, Value};

/// CloudStack 4.x's limit for user data sent by POST (base64 length).
const USER_DATA_MAX: usize = 32768;

pub(super) fn owned_vm<'w>(w: &'w World, c: &Call, param: &str) -> Result<&'w Vm, ApiError> {
    let id = c.required(param)?;
    let vm = w.vm(id).ok_or_else(|| ApiError::no_entity(c.command, param, id))?;
    c.check_owner(&vm.account_id, "the virtual machine")?;
    Ok(vm)
}

fn idle(vm: &Vm) -> Result<(), ApiError> {
    match &vm.pending_job {
        Some(j) => {
            Err(ApiError::param(format!("VM {} has a pending job ({j}); wait for it to complete before acting on it again", vm.name)))
        }
        None => Ok(()),
    }
}

/// An async command's answer: the job, and for a create-style command the new object's id.
pub(super) fn async_answer(command: &str, job: &str, id: Option<&str>) -> Value {
    match id {
        Some(id) => object_body(command, json!({"id": id, "jobid": job})),
        None => object_body(command, json!({"jobid": job})),
    }
}

fn generated_password() -> String {
    // What CloudStack's password generator produces: short, unambiguous characters.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// CloudStack's hostname rule for `name`.
fn valid_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

pub fn list(w: &mut World, c: &mut Call, metrics: bool) -> Answer {
    let scope = c.scope(w)?;
    if let Some(id) = c.p.value("id") {
        // An unknown or expunged id is an error, not an empty list.
        let vm = w.vm(id).ok_or_else(|| ApiError::no_entity(c.command, "id", id))?;
        c.check_owner(&vm.account_id, "the virtual machine")?;
    }
    let ids: Option<Vec<&str>> = c.p.value("ids").map(|s| s.split(',').map(str::trim).collect());
    let state = c.p.value("state");
    let items: Vec<Value> = w
        .vms
        .iter()
        .filter(|v| !v.expunged && scope.includes(&v.account_id))
        .filter(|v| c.p.value("id").is_none_or(|id| id == v.id))
        .filter(|v| ids.as_ref().is_none_or(|ids| ids.contains(&v.id.as_str())))
        .filter(|v| c.p.value("zoneid").is_none_or(|z| z == v.zone_id))
        .filter(|v| c.p.value("templateid").is_none_or(|t| t == v.template_id))
        .filter(|v| c.p.value("name").is_none_or(|n| v.name.contains(n)))
        .filter(|v| c.p.value("keyword").is_none_or(|k| v.name.contains(k) || v.display_name.contains(k)))
        .filter(|v| match state {
            None => c.caller.is_admin || v.state != "Destroyed" || c.p.value("id").is_some(),
            Some(s) if s.eq_ignore_ascii_case("present") => v.state != "Destroyed",
            Some(s) => v.state.eq_ignore_ascii_case(s),
        })
        .map(|v| {
            let mut j = w.vm_json(v);
            if metrics {
                let off = w.offering(&v.offering_id);
                let m = j.as_object_mut().expect("object");
                let kb = |k: &str| m.get(k).and_then(Value::as_i64).unwrap_or(0) as f64 / 1024.0;
                let (nr, nw, dr, dw) = (kb("networkkbsread"), kb("networkkbswrite"), kb("diskkbsread"), kb("diskkbswrite"));
                m.insert(
                    "cputotal".into(),
                    json!(format!("{:.1} Ghz", off.map(|o| o.cpu as f64 * o.cpu_speed as f64 / 1000.0).unwrap_or(0.0))),
                );
                m.insert("memorytotal".into(), json!(format!("{:.2} GiB", off.map(|o| o.memory_mb as f64 / 1024.0).unwrap_or(0.0))));
                m.insert("networkread".into(), json!(format!("{nr:.2} MiB")));
                m.insert("networkwrite".into(), json!(format!("{nw:.2} MiB")));
                m.insert("diskread".into(), json!(format!("{dr:.2} MiB")));
                m.insert("diskwrite".into(), json!(format!("{dw:.2} MiB")));
                m.insert("ipaddress".into(), json!(v.nic.ipv4.to_string()));
            }
            j
        })
        .collect();
    c.list("virtualmachine", items)
}

pub fn deploy(w: &mut World, c: &mut Call) -> Answer {
    let zone_id = c.required("zoneid")?.to_string();
    let offering_id = c.required("serviceofferingid")?.to_string();
    let template_id = c.required("templateid")?.to_string();
    let zone = w.zone(&zone_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "zoneid", &zone_id))?;
    let offering = w.offering(&offering_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "serviceofferingid", &offering_id))?;
    let template = w.template(&template_id).cloned().ok_or_else(|| ApiError::no_entity(c.command, "templateid", &template_id))?;
    if c.p.value("networkids").is_some() || c.p.value("ipaddress").is_some() {
        return Err(ApiError::param("Can't specify network Ids in Basic zone"));
    }
    let owner = c.owner(w)?;
    let account = w.account(&owner).cloned().ok_or_else(|| ApiError::param("account not found"))?;
    // Another account's own template, or one in another zone, is not there for this deploy.
    if !template.usable_by(&owner, &zone_id) {
        return Err(ApiError::no_entity(c.command, "templateid", &template_id));
    }
    let name = c.p.value("name").map(str::to_string).unwrap_or_else(|| format!("VM-{}", new_id()));
    if !valid_hostname(&name) {
        return Err(ApiError::param(
            "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start with digit",
        ));
    }
    if w.vms.iter().any(|v| !v.expunged && v.zone_id == zone.id && v.name.eq_ignore_ascii_case(&name) && v.account_id == owner) {
        return Err(ApiError::param(format!(
            "The vm with hostName {name} already exists in the network domain: cs{}cloud.internal; network=defaultGuestNetwork",
            &account.id[..4]
        )));
    }
    let key_pair = match c.p.value("keypair") {
        Some(k) => {
            if !w.key_pairs.iter().any(|kp| kp.account_id == owner && kp.name == k) {
                return Err(ApiError::param(format!(
                    "A key pair with name '{k}' was not found for account {} in specified domain id {}",
                    account.name, account.domain_id
                )));
            }
            Some(k.to_string())
        }
        None => None,
    };
    let groups: Vec<String> = match (c.p.value("securitygroupids"), c.p.value("securitygroupnames")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::param("securitygroupids parameter is mutually exclusive with securitygroupnames parameter"))
        }
        (Some(ids), None) => {
            let mut out = Vec::new();
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let g = w.group(id).ok_or_else(|| ApiError::no_entity(c.command, "securitygroupids", id))?;
                if g.account_id != owner {
                    return Err(ApiError::denied(format!("Security group {id} does not belong to the account")));
                }
                out.push(id.to_string());
            }
            out
        }
        (None, Some(names)) => {
            let mut out = Vec::new();
            for n in names.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let g = w
                    .security_groups
                    .iter()
                    .find(|g| g.account_id == owner && g.name == n)
                    .ok_or_else(|| ApiError::param(format!("Unable to find group by name {n}")))?;
                out.push(g.id.clone());
            }
            out
        }
        (None, None) => w.security_groups.iter().filter(|g| g.account_id == owner && g.name == "default").map(|g| g.id.clone()).collect(),
    };
    let user_data = match c.p.value("userdata") {
        Some(u) => {
            if u.len() > USER_DATA_MAX {
                return Err(ApiError::param(format!("User data is too long. Max length is {USER_DATA_MAX}")));
            }
            if base64::engine::general_purpose::STANDARD.decode(u).is_err() {
                return Err(ApiError::param("User data is not base64 encoded"));
            }
            Some(u.to_string())
        }
        None => None,
    };
    let Some(ipv4) = w.free_ipv4(&zone) else {
        return Err(ApiError::capacity(format!(
            "Insufficient address capacity: unable to allocate an IP address in zone {} for VM {name}",
            zone.name
        )));
    };
    let start = c.p.get("startvm").is_none_or(|s| !s.eq_ignore_ascii_case("false"));
    let now = w.now();
    let mac = w.next_mac();
    let ipv6 = eui64(zone.ipv6_prefix, &mac).ok_or_else(|| ApiError::internal("bad MAC"))?;
    let vm_id = new_id();
    let volume_id = new_id();
    let vm = Vm {
        id: vm_id.clone(),
        name: name.clone(),
        display_name: c.p.value("displayname").unwrap_or(&name).to_string(),
        account_id: owner.clone(),
        zone_id: zone.id.clone(),
        template_id: template.id.clone(),
        offering_id: offering.id.clone(),
        state: if start { "Starting".into() } else { "Stopped".into() },
        created: now,
        nic: Nic { id: new_id(), mac, ipv4, ipv6 },
        root_volume_id: volume_id.clone(),
        security_group_ids: groups,
        key_pair,
        user_data,
        destroyed_at: None,
        pending_job: None,
        running: vec![],
        allocated: Span { start: now, end: None, offering_id: offering.id.clone() },
        sizes: vec![Span { start: now, end: None, offering_id: offering.id.clone() }],
        expunged: false,
    };
    w.vms.push(vm);
    w.volumes.push(Volume {
        id: volume_id,
        name: format!("ROOT-{}", &vm_id[..8]),
        vm_id: vm_id.clone(),
        zone_id: zone.id.clone(),
        account_id: owner,
        size_bytes: offering.root_disk_gb as i64 * 1024 * 1024 * 1024,
        storage_type: offering.storage_type.clone(),
        created: now,
    });
    let password = template.password_enabled.then(generated_password);
    let job = c.start_job(w, "vm.DeployVMCmd", "VirtualMachine", Some(&vm_id), JobAction::Deploy { vm: vm_id.clone(), start, password });
    w.vm_mut(&vm_id).expect("just added").pending_job = Some(job.clone());
    Ok(async_answer(c.command, &job, Some(&vm_id)))
}

/// Queues `action` on an owned, idle VM after `check` accepts its state; `interim` is the state shown
/// while the job runs.
fn vm_job(
    w: &mut World,
    c: &mut Call,
    param: &str,
    class: &str,
    check: impl Fn(&Vm) -> Result<(), ApiError>,
    interim: Option<&str>,
    make: impl Fn(&Vm) -> JobAction,
) -> Answer {
    let vm = owned_vm(w, c, param)?.clone();
    idle(&vm)?;
    check(&vm)?;
    let job = c.start_job(w, class, "VirtualMachine", Some(&vm.id), make(&vm));
    let now = w.now();
    let v = w.vm_mut(&vm.id).expect("exists");
    v.pending_job = Some(job.clone());
    if let Some(s) = interim {
        let was_running = v.state == "Running";
        v.state = s.to_string();
        if was_running && s != "Running" {
            if let Some(span) = v.running.last_mut() {
                span.end.get_or_insert(now);
            }
        }
    }
    Ok(async_answer(c.command, &job, None))
}

pub fn start(w: &mut World, c: &mut Call) -> Answer {
    vm_job(
        w,
        c,
        "id",
        "vm.StartVMCmd",
        |v| match v.state.as_str() {
            "Stopped" => Ok(()),
            "Running" => Err(ApiError::param(format!("Unable to start VM {} as it is already running", v.name))),
            s => Err(ApiError::param(format!("Unable to start VM {} in state {s}", v.name))),
        },
        Some("Starting"),
        |v| JobAction::Start { vm: v.id.clone() },
    )
}

pub fn stop(w: &mut World, c: &mut Call) -> Answer {
    vm_job(
        w,
        c,
        "id",
        "vm.StopVMCmd",
        |v| match v.state.as_str() {
            "Running" | "Stopped" | "Error" => Ok(()),
            s => Err(ApiError::param(format!("Unable to stop VM {} in state {s}", v.name))),
        },
        Some("Stopping"),
        |v| JobAction::Stop { vm: v.id.clone() },
    )
}

pub fn reboot(w: &mut World, c: &mut Call) -> Answer {
    vm_job(
        w,
        c,
        "id",
        "vm.RebootVMCmd",
        |v| {
            if v.state == "Running" {
                Ok(())
            } else {
                Err(ApiError::param(format!("Unable to reboot VM {} since it is not in Running state (it is {})", v.name, v.state)))
            }
        },
        None,
        |v| JobAction::Reboot { vm: v.id.clone() },
    )
}

pub fn destroy(w: &mut World, c: &mut Call) -> Answer {
    let expunge = c.p.flag("expunge");
    vm_job(
        w,
        c,
        "id",
        "vm.DestroyVMCmd",
        |v| {
            if v.state == "Destroyed" {
                Err(ApiError::param(format!("VM {} is already destroyed", v.name)))
            } else {
                Ok(())
            }
        },
        Some("Stopping"),
        move |v| JobAction::Destroy { vm: v.id.clone(), expunge },
    )
}

pub fn expunge(w: &mut World, c: &mut Call) -> Answer {
    vm_job(
        w,
        c,
        "id",
        "vm.ExpungeVMCmd",
        |v| {
            if v.state == "Destroyed" {
                Ok(())
            } else {
                Err(ApiError::param(format!("Please destroy vm {} before expunging it", v.name)))
            }
        },
        Some("Expunging"),
        |v| JobAction::Expunge { vm: v.id.clone() },
    )
}

pub fn recover(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "id")?.clone();
    if vm.state != "Destroyed" {
        return Err(ApiError::param(format!("vm {} is not in the right state: {}", vm.name, vm.state)));
    }
    let now = w.now();
    let v = w.vm_mut(&vm.id).expect("exists");
    v.state = "Stopped".into();
    v.destroyed_at = None;
    // Allocated again from now on; the time it spent destroyed is not usage.
    v.allocated.end = None;
    v.sizes.push(Span { start: now, end: None, offering_id: v.offering_id.clone() });
    let v = w.vm(&vm.id).expect("exists");
    Ok(object_body(c.command, json!({"virtualmachine": w.vm_json(v)})))
}

pub fn restore(w: &mut World, c: &mut Call) -> Answer {
    let template = match c.p.value("templateid") {
        Some(t) => Some(w.template(t).cloned().ok_or_else(|| ApiError::no_entity(c.command, "templateid", t))?),
        None => None,
    };
    let vm = owned_vm(w, c, "virtualmachineid")?;
    let (current_template, vm_account, vm_zone) = (vm.template_id.clone(), vm.account_id.clone(), vm.zone_id.clone());
    let template = match template {
        Some(t) if !t.usable_by(&vm_account, &vm_zone) => return Err(ApiError::no_entity(c.command, "templateid", &t.id)),
        Some(t) => t,
        None => w.template(&current_template).cloned().ok_or_else(|| ApiError::internal("template gone"))?,
    };
    let password = template.password_enabled.then(generated_password);
    vm_job(
        w,
        c,
        "virtualmachineid",
        "vm.RestoreVMCmd",
        |v| match v.state.as_str() {
            "Running" | "Stopped" => Ok(()),
            s => Err(ApiError::param(format!("Unable to restore VM {} in state {s}; it must be Running or Stopped", v.name))),
        },
        None,
        move |v| JobAction::Restore { vm: v.id.clone(), template: template.id.clone(), password: password.clone(), was: v.state.clone() },
    )
}

fn check_new_offering<'w>(w: &'w World, c: &Call, vm: &Vm) -> Result<&'w Offering, ApiError> {
    let new_id = c.required("serviceofferingid")?;
    let new = w.offering(new_id).ok_or_else(|| ApiError::no_entity(c.command, "serviceofferingid", new_id))?;
    let cur = w.offering(&vm.offering_id).ok_or_else(|| ApiError::internal("offering gone"))?;
    if new.id == cur.id {
        return Err(ApiError::param(format!(
            "Not upgrading vm {} since it already has the requested service offering ({})",
            vm.name, cur.name
        )));
    }
    if new.storage_type != cur.storage_type {
        return Err(ApiError::param(format!(
            "Unable to upgrade virtual machine {}, cannot switch between local storage and shared storage service offerings.  Current offering storage type: {}, new offering storage type: {}",
            vm.name, cur.storage_type, new.storage_type
        )));
    }
    Ok(new)
}

pub fn change_service(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "id")?.clone();
    idle(&vm)?;
    if vm.state != "Stopped" {
        return Err(ApiError::param(format!("Unable to upgrade virtual machine {}; it must be stopped (it is {})", vm.name, vm.state)));
    }
    let new = check_new_offering(w, c, &vm)?.id.clone();
    let now = w.now();
    let v = w.vm_mut(&vm.id).expect("exists");
    v.resize(&new, now);
    let v = w.vm(&vm.id).expect("exists");
    Ok(object_body(c.command, json!({"virtualmachine": w.vm_json(v)})))
}

pub fn scale(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "id")?.clone();
    let new = check_new_offering(w, c, &vm)?.id.clone();
    vm_job(
        w,
        c,
        "id",
        "vm.ScaleVMCmd",
        |v| {
            match v.state.as_str() {
                "Stopped" => Ok(()),
                // None of the simulator's templates is dynamically scalable, as on most KVM clouds.
                "Running" => Err(ApiError::param(format!(
                    "Unable to scale VM {}: the template is not dynamically scalable; stop the VM first",
                    v.name
                ))),
                s => Err(ApiError::param(format!("Unable to scale VM {} in state {s}", v.name))),
            }
        },
        None,
        move |v| JobAction::Scale { vm: v.id.clone(), offering: new.clone() },
    )
}

pub fn reset_password(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "id")?.clone();
    if !w.template(&vm.template_id).is_some_and(|t| t.password_enabled) {
        return Err(ApiError::param(format!(
            "Fail to reset password for the virtual machine {}, the template is not password enabled",
            vm.name
        )));
    }
    let password = generated_password();
    vm_job(
        w,
        c,
        "id",
        "vm.ResetVMPasswordCmd",
        |v| {
            if v.state == "Stopped" {
                Ok(())
            } else {
                Err(ApiError::param(format!("Vm {} should be stopped to do password reset", v.id)))
            }
        },
        None,
        move |v| JobAction::ResetPassword { vm: v.id.clone(), password: password.clone() },
    )
}

pub fn update(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "id")?.clone();
    // Security groups change only on a stopped VM (UserVmManagerImpl.updateVirtualMachine).
    let groups: Option<Vec<String>> = match c.p.value("securitygroupids") {
        Some(ids) => {
            if vm.state != "Stopped" {
                return Err(ApiError::param(format!(
                    "Virtual machine {} must be stopped to change its security groups (it is {})",
                    vm.name, vm.state
                )));
            }
            let mut out = Vec::new();
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let g = w.group(id).ok_or_else(|| ApiError::no_entity(c.command, "securitygroupids", id))?;
                if g.account_id != vm.account_id {
                    return Err(ApiError::denied(format!("Security group {id} does not belong to the account")));
                }
                out.push(id.to_string());
            }
            if out.is_empty() {
                return Err(ApiError::param("A virtual machine needs at least one security group"));
            }
            Some(out)
        }
        None => None,
    };
    let display = c.p.value("displayname").map(str::to_string);
    let user_data = c.p.value("userdata").map(str::to_string);
    if let Some(u) = &user_data {
        if base64::engine::general_purpose::STANDARD.decode(u).is_err() {
            return Err(ApiError::param("User data is not base64 encoded"));
        }
    }
    let v = w.vm_mut(&vm.id).expect("exists");
    if let Some(d) = display {
        v.display_name = d;
    }
    if let Some(g) = groups {
        v.security_group_ids = g;
    }
    if let Some(u) = user_data {
        v.user_data = Some(u);
    }
    let v = w.vm(&vm.id).expect("exists");
    Ok(object_body(c.command, json!({"virtualmachine": w.vm_json(v)})))
}

pub fn list_nics(w: &mut World, c: &mut Call) -> Answer {
    let vm = owned_vm(w, c, "virtualmachineid")?;
    let nics = w.vm_json(vm).get("nic").cloned().unwrap_or(json!([]));
    let items = nics.as_array().cloned().unwrap_or_default();
    c.list("nic", items)
}

pub fn list_volumes(w: &mut World, c: &mut Call) -> Answer {
    let scope = c.scope(w)?;
    if let Some(id) = c.p.value("virtualmachineid") {
        owned_vm(w, c, "virtualmachineid").map_err(|_| ApiError::no_entity(c.command, "virtualmachineid", id))?;
    }
    let items = w
        .volumes
        .iter()
        .filter(|v| scope.includes(&v.account_id))
        .filter(|v| c.p.value("id").is_none_or(|id| id == v.id))
        .filter(|v| c.p.value("virtualmachineid").is_none_or(|id| id == v.vm_id))
        .filter(|v| c.p.value("zoneid").is_none_or(|id| id == v.zone_id))
        .filter(|_| c.p.value("type").is_none_or(|t| t.eq_ignore_ascii_case("ROOT")))
        .map(|v| w.volume_json(v))
        .collect();
    c.list("volume", items)
}
