//! Async jobs: what a job's state means, and waiting for one with the jobs' backoff.

use super::client::CloudStack;
use super::error::CloudError;
use super::types::AsyncJob;
use app::model::Backoff;
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

impl CloudStack {
    /// Polls with the jobs' backoff until the job ends or `deadline` passes; the job's result on success.
    pub async fn wait_job(&self, job_id: &str, deadline: Duration) -> Result<Value, CloudError> {
        let started = Instant::now();
        let mut interval = Backoff::JOBS.initial;
        loop {
            let job = self.query_async_job_result(job_id).await?;
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
            if elapsed >= deadline {
                return Err(CloudError::JobTimeout { command: "queryAsyncJobResult".into(), job_id: job_id.to_string(), after: elapsed });
            }
            tokio::time::sleep(interval.min(deadline - elapsed)).await;
            interval = Backoff::JOBS.next(interval);
        }
    }
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
}
