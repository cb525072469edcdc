//! Async jobs: what a job's state means, and waiting for one with backoff.

use super::client::CloudStack;
use super::error::CloudError;
use super::types::{AsyncJob, VirtualMachine};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::{Duration, Instant};

/// A job as the panel cares about it.
#[derive(Debug, Clone)]
pub enum JobState {
    Pending { progress: Option<u8> },
    Succeeded(Value),
    Failed { errorcode: Option<u16>, errortext: String },
}

impl AsyncJob {
    pub fn state(&self) -> JobState {
        match self.jobstatus {
            0 => JobState::Pending { progress: (self.jobprocstatus > 0).then(|| self.jobprocstatus.clamp(0, 100) as u8) },
            1 if self.jobresultcode == 0 => JobState::Succeeded(self.jobresult.clone().unwrap_or(Value::Null)),
            _ => {
                // Failure results are `{"errorcode":…,"errortext":…}`; some clouds send none at all.
                let r = self.jobresult.as_ref();
                JobState::Failed {
                    errorcode: r.and_then(|r| r.get("errorcode")).and_then(Value::as_u64).map(|c| c as u16),
                    errortext: r
                        .and_then(|r| r.get("errortext"))
                        .and_then(Value::as_str)
                        .unwrap_or("the job failed without an explanation")
                        .to_string(),
                }
            }
        }
    }
}

/// How to poll: 250 ms, ×1.5, at most 2 s between polls, give up after `deadline`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub factor: f64,
    pub max_interval: Duration,
    pub deadline: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            factor: 1.5,
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The interval after `interval`.
    pub fn next(&self, interval: Duration) -> Duration {
        interval.mul_f64(self.factor).min(self.max_interval)
    }
}

impl CloudStack {
    /// Polls until the job ends or `backoff.deadline` passes; `on_poll` sees every answer (for progress).
    pub async fn wait_job(&self, job_id: &str, backoff: Backoff, mut on_poll: impl FnMut(&AsyncJob)) -> Result<Value, CloudError> {
        let started = Instant::now();
        let mut interval = backoff.initial;
        loop {
            let job = self.query_async_job_result(job_id).await?;
            on_poll(&job);
            match job.state() {
                JobState::Succeeded(v) => return Ok(v),
                JobState::Failed { errorcode, errortext } => {
                    return Err(CloudError::JobFailed {
                        command: job.cmd.clone().unwrap_or_else(|| "asyncJob".into()),
                        job_id: job_id.to_string(),
                        errorcode,
                        errortext,
                    })
                }
                JobState::Pending { .. } => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= backoff.deadline {
                return Err(CloudError::JobTimeout { command: "queryAsyncJobResult".into(), job_id: job_id.to_string(), after: elapsed });
            }
            tokio::time::sleep(interval.min(backoff.deadline - elapsed)).await;
            interval = backoff.next(interval);
        }
    }

    /// Waits and decodes `jobresult[key]`, e.g. the `virtualmachine` of a deploy.
    pub async fn wait_for<T: DeserializeOwned>(&self, job_id: &str, key: &str, backoff: Backoff) -> Result<T, CloudError> {
        let v = self.wait_job(job_id, backoff, |_| {}).await?;
        job_result(&v, key)
    }

    pub async fn wait_vm(&self, job_id: &str, backoff: Backoff) -> Result<VirtualMachine, CloudError> {
        self.wait_for(job_id, "virtualmachine", backoff).await
    }
}

/// `jobresult[key]` decoded.
pub fn job_result<T: DeserializeOwned>(v: &Value, key: &str) -> Result<T, CloudError> {
    let item = v
        .get(key)
        .cloned()
        .ok_or_else(|| CloudError::Decode { command: "queryAsyncJobResult".into(), detail: format!("no `{key}` in the job result") })?;
    serde_json::from_value(item).map_err(|e| CloudError::Decode { command: "queryAsyncJobResult".into(), detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(j: &str) -> AsyncJob {
        serde_json::from_str(j).unwrap()
    }

    #[test]
    fn the_three_job_states_and_a_failure_without_a_result() {
        assert!(matches!(job(r#"{"jobid":"j","jobstatus":0}"#).state(), JobState::Pending { progress: None }));
        let ok = job(r#"{"jobid":"j","jobstatus":1,"jobresultcode":0,"jobresult":{"success":true}}"#);
        assert!(matches!(ok.state(), JobState::Succeeded(v) if v["success"] == true));
        let failed = job(
            r#"{"jobid":34,"jobstatus":2,"jobresultcode":530,"jobresulttype":"object","jobresult":{"errorcode":431,"errortext":"Please provide either a volume id"}}"#,
        );
        assert!(matches!(failed.state(), JobState::Failed { errorcode: Some(431), .. }));
        assert!(matches!(job(r#"{"jobid":17177,"jobstatus":2}"#).state(), JobState::Failed { errorcode: None, .. }));
    }

    #[test]
    fn backoff_grows_by_half_and_caps_at_two_seconds() {
        let b = Backoff::default();
        let mut i = b.initial;
        let mut seen = vec![i];
        for _ in 0..8 {
            i = b.next(i);
            seen.push(i);
        }
        assert_eq!(seen[1], Duration::from_millis(375));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(2));
    }
}
