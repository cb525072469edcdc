//! Time in the simulated cloud: async jobs finish when their due time comes (checked on every call),
//! destroyed VMs are expunged after `expunge.delay`, and finishing a job applies its effect.

use super::world::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// CloudStack's default `expunge.delay`: a destroyed VM lingers a day before it is expunged.
pub const EXPUNGE_DELAY_HOURS: i64 = 24;

impl World {
    /// Finishes every job that is due and expunges VMs destroyed long enough ago.
    pub fn tick(&mut self) {
        let now = self.now();
        let mut due: Vec<(DateTime<Utc>, usize)> =
            self.jobs.iter().enumerate().filter(|(_, j)| j.status == 0 && j.due <= now).map(|(i, j)| (j.due, i)).collect();
        due.sort();
        for (_, i) in due {
            self.complete_job(i);
        }
        let stale: Vec<String> = self
            .vms
            .iter()
            .filter(|v| {
                !v.expunged && v.state == "Destroyed" && v.destroyed_at.is_some_and(|t| now - t >= Duration::hours(EXPUNGE_DELAY_HOURS))
            })
            .map(|v| v.id.clone())
            .collect();
        for id in stale {
            self.expunge(&id);
        }
        self.fire_snapshot_policies(now);
    }

    /// Takes every scheduled snapshot whose time has come (several, when the clock jumped), each as
    /// of its own time, and prunes its policy to `max_snaps`, oldest first.
    fn fire_snapshot_policies(&mut self, now: DateTime<Utc>) {
        for i in 0..self.snapshot_policies.len() {
            let p = self.snapshot_policies[i].clone();
            let (Ok(schedule), Ok(tz)) = (schedule::Schedule::parse(&p.interval_type, &p.schedule), p.timezone.parse::<chrono_tz::Tz>())
            else {
                continue;
            };
            let Some(vol) = self.volumes.iter().find(|v| v.id == p.volume_id).cloned() else { continue };
            let vm = self.vm(&vol.vm_id).map(|v| v.name.clone()).unwrap_or_default();
            let mut at = p.checked_until;
            // A clock moved years ahead takes the last occurrences only: the older ones would be pruned.
            for _ in 0..10_000 {
                let next = schedule.next_after(at, tz);
                if next > now {
                    break;
                }
                at = next;
                let ready_at = next + Duration::minutes(if vol.storage_type == "local" { 4 } else { 1 });
                let name = Snapshot::default_name(&vm, &vol, next);
                self.snapshots.push(Snapshot::of(&vol, name, &p.interval_type, next, ready_at, Some(p.id.clone())));
                let mut kept: Vec<usize> = (0..self.snapshots.len())
                    .filter(|&j| self.snapshots[j].policy_id.as_deref() == Some(p.id.as_str()) && self.snapshots[j].removed.is_none())
                    .collect();
                kept.sort_by_key(|&j| std::cmp::Reverse(self.snapshots[j].created));
                for &j in kept.iter().skip(p.max_snaps as usize) {
                    self.snapshots[j].removed = Some(next);
                }
            }
            self.snapshot_policies[i].checked_until = at.max(p.checked_until);
        }
    }

    fn complete_job(&mut self, i: usize) {
        let job = self.jobs[i].clone();
        let outcome = if job.fail { Err(self.fail_job(&job.action)) } else { self.apply(&job.action) };
        let j = &mut self.jobs[i];
        match outcome {
            Ok(result) => {
                j.status = 1;
                j.result_code = 0;
                j.result = Some(result);
            }
            Err(text) => {
                j.status = 2;
                j.result_code = 530;
                j.result = Some(json!({"errorcode": 530, "errortext": text}));
            }
        }
        let job_id = j.id.clone();
        for v in self.vms.iter_mut().filter(|v| v.pending_job.as_deref() == Some(job_id.as_str())) {
            v.pending_job = None;
        }
    }

    fn vm_result(&self, id: &str, password: Option<&str>) -> Value {
        let vm = self.vms.iter().find(|v| v.id == id).map(|v| self.vm_json(v)).unwrap_or(json!({}));
        let mut vm = vm;
        if let (Some(p), Some(m)) = (password, vm.as_object_mut()) {
            m.insert("password".into(), json!(p));
        }
        json!({ "virtualmachine": vm })
    }

    fn set_state(&mut self, id: &str, state: &str) {
        let now = self.now();
        if let Some(v) = self.vms.iter_mut().find(|v| v.id == id) {
            let was_running = v.state == "Running";
            v.state = state.to_string();
            if state == "Running" && !was_running {
                v.running.push(Span { start: now, end: None, offering_id: v.offering_id.clone() });
            }
            if state != "Running" && was_running {
                if let Some(s) = v.running.last_mut() {
                    s.end.get_or_insert(now);
                }
            }
        }
    }

    /// Removes a VM for good: its address returns to the pool, its ROOT volume goes.
    pub fn expunge(&mut self, id: &str) {
        let now = self.now();
        if let Some(v) = self.vms.iter_mut().find(|v| v.id == id) {
            if let Some(s) = v.running.last_mut() {
                s.end.get_or_insert(now);
            }
            v.allocated.end.get_or_insert(now);
            v.state = "Expunging".into();
            v.expunged = true;
            v.pending_job = None;
        }
        let gone: Vec<String> = self.volumes.iter().filter(|vol| vol.vm_id == id).map(|vol| vol.id.clone()).collect();
        self.snapshot_policies.retain(|p| !gone.contains(&p.volume_id));
        self.volumes.retain(|vol| vol.vm_id != id);
    }

    fn apply(&mut self, action: &JobAction) -> Result<Value, String> {
        Ok(match action {
            JobAction::Deploy { vm, start, password } => {
                self.set_state(vm, if *start { "Running" } else { "Stopped" });
                self.vm_result(vm, password.as_deref())
            }
            JobAction::Start { vm } | JobAction::Reboot { vm } => {
                self.set_state(vm, "Running");
                self.vm_result(vm, None)
            }
            JobAction::Stop { vm } => {
                self.set_state(vm, "Stopped");
                self.vm_result(vm, None)
            }
            JobAction::Destroy { vm, expunge } => {
                self.set_state(vm, "Destroyed");
                let now = self.now();
                if let Some(v) = self.vm_mut(vm) {
                    v.destroyed_at = Some(now);
                    // The usage server stops counting a VM's allocated time when it is destroyed,
                    // whether or not it is expunged yet.
                    v.allocated.end.get_or_insert(now);
                    if v.sizes.is_empty() {
                        v.sizes.push(v.allocated.clone());
                    }
                    if let Some(last) = v.sizes.last_mut() {
                        last.end.get_or_insert(now);
                    }
                }
                let result = self.vm_result(vm, None);
                if *expunge {
                    self.expunge(vm);
                }
                result
            }
            JobAction::Expunge { vm } => {
                self.expunge(vm);
                json!({"success": true})
            }
            JobAction::Restore { vm, template, password, was } => {
                if let Some(v) = self.vm_mut(vm) {
                    v.template_id = template.clone();
                }
                self.set_state(vm, was);
                self.vm_result(vm, password.as_deref())
            }
            JobAction::Scale { vm, offering } => {
                let now = self.now();
                if let Some(v) = self.vm_mut(vm) {
                    v.resize(offering, now);
                }
                self.vm_result(vm, None)
            }
            JobAction::ResetPassword { vm, password } => self.vm_result(vm, Some(password)),
            JobAction::Authorize { group, ingress, rules } => {
                let Some(g) = self.security_groups.iter_mut().find(|g| &g.id == group) else {
                    return Err("security group no longer exists".into());
                };
                let list = if *ingress { &mut g.ingress } else { &mut g.egress };
                let mut added = Vec::new();
                for r in rules {
                    if !list.iter().any(|x| x.same_as(r)) {
                        list.push(r.clone());
                        added.push(r.clone());
                    }
                }
                let g = self.security_groups.iter().find(|g| &g.id == group).expect("just found");
                let mut shown = g.clone();
                if *ingress {
                    shown.ingress = added;
                    shown.egress = vec![];
                } else {
                    shown.egress = added;
                    shown.ingress = vec![];
                }
                json!({ "securitygroup": self.group_json(&shown, true) })
            }
            JobAction::Revoke { group, ingress, rule } => {
                if let Some(g) = self.security_groups.iter_mut().find(|g| &g.id == group) {
                    if *ingress {
                        g.ingress.retain(|r| &r.id != rule);
                    } else {
                        g.egress.retain(|r| &r.id != rule);
                    }
                }
                json!({"success": true})
            }
            JobAction::Snapshot { snapshot } => {
                let s = self.snapshots.iter().find(|s| &s.id == snapshot).ok_or("the snapshot vanished")?;
                json!({"snapshot": self.snapshot_json(s)})
            }
            JobAction::CreateTemplate { template } => {
                self.templates.push(template.clone());
                let zone = template.zone_id.as_deref().and_then(|z| self.zone(z)).cloned().ok_or("the template's zone vanished")?;
                json!({"template": self.template_json(template, &zone)})
            }
            JobAction::DeleteSnapshot { snapshot } => {
                let now = self.now();
                if let Some(s) = self.snapshots.iter_mut().find(|s| &s.id == snapshot) {
                    s.removed.get_or_insert(now);
                }
                json!({"success": true})
            }
            JobAction::RevertSnapshot { snapshot } => {
                let s = self.snapshots.iter().find(|s| &s.id == snapshot).ok_or("the snapshot vanished")?;
                // A revert under a running VM has no effect in CloudStack (#4356): refused here.
                match self.vm(&s.vm_id).map(|v| v.state.as_str()) {
                    Some("Stopped") => json!({"snapshot": self.snapshot_json(s)}),
                    Some(state) => return Err(format!("The VM must be stopped to revert its volume to a snapshot; it is {state}")),
                    None => return Err("The snapshot's volume is gone".into()),
                }
            }
        })
    }

    /// A job failed on purpose (fault injection): leave things as CloudStack would after that failure.
    fn fail_job(&mut self, action: &JobAction) -> String {
        match action {
            JobAction::Deploy { vm, .. } => {
                self.set_state(vm, "Error");
                let name = self.vm(vm).map(|v| v.name.clone()).unwrap_or_default();
                format!("Unable to create a deployment for VM[User|i-{name}]")
            }
            JobAction::Start { vm } => {
                self.set_state(vm, "Stopped");
                "Unable to start the instance: the host refused it (simulated failure)".into()
            }
            JobAction::Stop { vm } => {
                self.set_state(vm, "Running");
                "Unable to stop the instance (simulated failure)".into()
            }
            _ => "Job failed (simulated failure)".into(),
        }
    }
}
