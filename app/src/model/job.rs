//! Cloud jobs as the panel follows them, and the one polling policy everyone uses (the browser, the
//! server's job poller, the cloud client's own waits).

use super::{InstanceId, JobId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

text_enum! {
    pub enum JobStatus {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

text_enum! {
    /// What a job does to its instance.
    pub enum JobKind {
        Deploy = "deploy",
        Start = "start",
        Stop = "stop",
        ForceStop = "force_stop",
        Reboot = "reboot",
        ResetPassword = "reset_password",
        Reinstall = "reinstall",
        Resize = "resize",
        Destroy = "destroy",
        /// Stop, change the security groups, start again.
        SetGroups = "set_groups",
        /// A snapshot of the instance's disk.
        TakeSnapshot = "take_snapshot",
        DeleteSnapshot = "delete_snapshot",
        /// Stop, put the disk back to a snapshot, start again.
        RevertSnapshot = "revert_snapshot",
    }
}

impl JobKind {
    /// The lifecycle actions `/api/instances/action` takes (the rest have endpoints of their own).
    pub fn is_action(self) -> bool {
        !matches!(self, JobKind::Deploy | JobKind::SetGroups | JobKind::TakeSnapshot | JobKind::DeleteSnapshot | JobKind::RevertSnapshot)
    }

    /// Kinds whose successful result carries a generated root password.
    pub fn carries_password(self) -> bool {
        matches!(self, JobKind::Deploy | JobKind::ResetPassword | JobKind::Reinstall)
    }

    /// How the panel names an instance's state while this job runs on it.
    pub fn busy_label(self) -> &'static str {
        match self {
            JobKind::Deploy => "Deploying",
            JobKind::Start => "Starting",
            JobKind::Stop | JobKind::ForceStop => "Stopping",
            JobKind::Reboot => "Rebooting",
            JobKind::ResetPassword => "Resetting password",
            JobKind::Reinstall => "Reinstalling",
            JobKind::Resize => "Resizing",
            JobKind::Destroy => "Destroying",
            JobKind::SetGroups => "Changing security groups",
            JobKind::TakeSnapshot => "Taking a snapshot",
            JobKind::DeleteSnapshot => "Deleting a snapshot",
            JobKind::RevertSnapshot => "Reverting to a snapshot",
        }
    }
}

/// Wait `initial`, then each wait `factor` times the last, never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub factor: f64,
    pub max: Duration,
}

impl Backoff {
    /// How everyone follows a cloud job: quick at first (most finish in seconds), then every 2 s.
    pub const JOBS: Backoff = Backoff { initial: Duration::from_millis(250), factor: 1.5, max: Duration::from_secs(2) };

    /// The wait after `interval`.
    pub fn next(&self, interval: Duration) -> Duration {
        interval.mul_f64(self.factor).min(self.max)
    }

    /// The wait before poll number `attempt` (0 = the first), without keeping the previous wait.
    pub fn delay(&self, attempt: u32) -> Duration {
        (0..attempt.min(64)).fold(self.initial, |d, _| self.next(d))
    }
}

/// What a finished job produced that the customer needs to see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<InstanceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A generated root password. Zenith never stores it: it is read from the cloud's job result and
    /// handed out exactly once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `/api/jobs/get`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: JobId,
    pub kind: JobKind,
    pub status: JobStatus,
    /// 0–100 when the cloud reports progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<JobResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<InstanceId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_backoff_grows_by_half_and_caps_at_two_seconds() {
        let b = Backoff::JOBS;
        assert_eq!(b.delay(0), Duration::from_millis(250));
        assert_eq!(b.delay(1), Duration::from_millis(375));
        assert_eq!(b.next(b.delay(1)), b.delay(2));
        assert_eq!(b.delay(20), Duration::from_secs(2));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn kinds_and_statuses_keep_their_wire_words() {
        assert_eq!(serde_json::to_string(&JobKind::ForceStop).unwrap(), "\"force_stop\"");
        assert_eq!(JobStatus::parse("succeeded"), Some(JobStatus::Succeeded));
        assert_eq!(JobStatus::parse("finished"), None);
    }
}
