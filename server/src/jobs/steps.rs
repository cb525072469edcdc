//! Changes CloudStack makes only while an instance is stopped (its security groups, reverting its disk
//! to a snapshot), carried out by the panel as one job the customer follows: stop (if it runs), change,
//! start again. A step that fails leaves the instance as it was as far as the change allows: a change
//! that did not happen restarts the instance, one that happened but would not start is undone where it
//! can be, and the customer reads which.

use super::repo;
use crate::cloud::{CloudError, CloudStack};
use crate::db::Db;
use crate::tenancy::CustomerCloud;
use anyhow::Context as _;
use app::model::{InstanceId, JobId, JobStatus};
use std::time::Duration;

/// How long a stop or a start may take before the panel gives up on it.
const STEP_DEADLINE: Duration = Duration::from_secs(600);

/// One change made while the instance is stopped, with the customer's sentences for how it can fail.
#[async_trait::async_trait]
pub trait WhileStopped: Send + Sync + 'static {
    /// Makes the change (and waits for it, if the cloud does it as a job).
    async fn apply(&self, client: &CloudStack) -> Result<(), CloudError>;
    /// Puts back what `apply` did; `None` when it cannot be undone.
    async fn undo(&self, client: &CloudStack) -> Option<Result<(), CloudError>>;
    /// "The groups could not be changed."
    fn not_changed(&self) -> &'static str;
    /// After `apply` the instance would not start: "… so the old ones were put back." (undone), or what
    /// the customer does now (when it cannot be undone).
    fn did_not_start(&self) -> &'static str;
}

/// Carries `change` out in the background as job `job` (recorded by the caller as the panel's own,
/// `Follow::Panel`), and records how it ended.
pub fn spawn(db: Db, cloud: CustomerCloud, instance: InstanceId, job: JobId, was_running: bool, change: impl WhileStopped) {
    let run = Steps { db, cloud, instance, job, was_running };
    tokio::spawn(async move {
        let outcome = run.carry_out(&change).await;
        if let Err(e) = run.finish(outcome).await {
            tracing::error!(error = %format!("{e:#}"), "could not record how a change to a stopped instance ended");
        }
    });
}

struct Steps {
    db: Db,
    cloud: CustomerCloud,
    instance: InstanceId,
    job: JobId,
    was_running: bool,
}

/// Why the change did not happen, in the customer's words.
type StepFailure = String;

impl Steps {
    async fn progress(&self, p: u8) {
        let r = async { repo::set_progress(&mut *self.db.pool.acquire().await?, &self.job, p).await.map_err(anyhow::Error::from) };
        crate::error::log_failed_write(r.await, "recording a step's progress");
    }

    async fn stop(&self) -> Result<(), CloudError> {
        let j = self.cloud.client.stop_virtual_machine(&self.instance, false).await?;
        self.cloud.client.wait_job(&j.jobid, STEP_DEADLINE).await.map(|_| ())
    }

    async fn start(&self) -> Result<(), CloudError> {
        let j = self.cloud.client.start_virtual_machine(&self.instance).await?;
        self.cloud.client.wait_job(&j.jobid, STEP_DEADLINE).await.map(|_| ())
    }

    async fn carry_out(&self, change: &impl WhileStopped) -> Result<(), StepFailure> {
        let say = |what: &str, e: &CloudError| {
            tracing::warn!(error = %e, instance = %self.instance, "a change to a stopped instance: {what}");
            format!("{what} {}", e.customer_message(None))
        };
        if self.was_running {
            self.stop().await.map_err(|e| say("The instance could not be stopped, so nothing was changed.", &e))?;
        }
        self.progress(33).await;
        if let Err(e) = change.apply(&self.cloud.client).await {
            let mut msg = say(change.not_changed(), &e);
            if self.was_running && self.start().await.is_err() {
                msg.push_str(" Starting the instance again failed too: start it from its page.");
            }
            return Err(msg);
        }
        self.progress(66).await;
        if self.was_running {
            if let Err(e) = self.start().await {
                let mut msg = say(change.did_not_start(), &e);
                let restored = match change.undo(&self.cloud.client).await {
                    Some(undone) => undone.is_ok() && self.start().await.is_ok(),
                    // Nothing to put back: one more start, in case the first met a passing fault.
                    None => self.start().await.is_ok(),
                };
                if !restored {
                    msg.push_str(" Restoring it failed too: check the instance and start it from its page.");
                } else {
                    msg.push_str(" It is running again.");
                }
                return Err(msg);
            }
        }
        Ok(())
    }

    async fn finish(&self, outcome: Result<(), StepFailure>) -> anyhow::Result<()> {
        let mut conn = self.db.pool.acquire().await.context("recording a job's end")?;
        match outcome {
            Ok(()) => repo::finish(&mut conn, &self.job, JobStatus::Succeeded, None, None).await?,
            Err(why) => repo::finish(&mut conn, &self.job, JobStatus::Failed, Some(&why), None).await?,
        };
        Ok(())
    }
}
