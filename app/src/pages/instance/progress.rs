//! Following a job from the page: its progress, its end, and the once-only root password.

use crate::api::instances::get_job;
use crate::components::sleep;
use crate::error::AppError;
use crate::model::instance::Busy;
use crate::model::{Backoff, JobId, JobKind, JobStatus, JobView};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Idle,
    /// The job being followed: the instance is busy with it.
    Running(Busy),
    Failed(String),
}

/// Polls a job with the jobs' backoff until it ends.
async fn follow(job_id: JobId) -> Result<JobView, AppError> {
    let mut interval = Backoff::JOBS.initial;
    loop {
        let j = get_job(job_id.to_string()).await?;
        if j.status != JobStatus::Pending {
            return Ok(j);
        }
        sleep(interval.as_millis() as u64).await;
        interval = Backoff::JOBS.next(interval);
    }
}

/// What the page knows about the job it follows.
#[derive(Clone, Copy)]
pub struct Tracker {
    pub progress: RwSignal<Progress>,
    pub password: RwSignal<Option<String>>,
    /// Bumped when a job ends, so the page reloads the instance.
    version: RwSignal<u32>,
}

impl Tracker {
    pub fn new(version: RwSignal<u32>) -> Tracker {
        Tracker { progress: RwSignal::new(Progress::Idle), password: RwSignal::new(None), version }
    }

    pub fn busy(&self) -> bool {
        matches!(self.progress.get(), Progress::Running(_))
    }

    pub fn follow(self, job: JobId, kind: JobKind) {
        self.progress.set(Progress::Running(Busy { job_id: job.clone(), kind }));
        // Following is the browser's work. The server renders the page once, with the job shown as
        // running (there is no local task set to poll from, and nobody to tell when it ends).
        if cfg!(feature = "ssr") {
            return;
        }
        spawn_local(async move {
            match follow(job).await {
                Ok(j) if j.status == JobStatus::Succeeded => {
                    if let Some(pw) = j.result.and_then(|r| r.password) {
                        self.password.set(Some(pw));
                    }
                    self.progress.set(Progress::Idle);
                }
                Ok(j) => self.progress.set(Progress::Failed(j.error.unwrap_or_else(|| "The action failed.".into()))),
                Err(e) => self.progress.set(Progress::Failed(e.to_string())),
            }
            self.version.update(|v| *v += 1);
        });
    }
}

#[component]
pub fn ProgressView(tracker: Tracker) -> impl IntoView {
    let password = tracker.password;
    view! {
        {move || match tracker.progress.get() {
            Progress::Running(Busy { kind, .. }) => Some(view! {
                <div class="progress" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>{kind.busy_label()}"…"</div>
            }.into_any()),
            Progress::Failed(msg) => Some(view! { <p class="alert alert-error" role="alert">{msg}</p> }.into_any()),
            Progress::Idle => None,
        }}
        {move || password.get().map(|pw| view! {
            // Announced as being there, never read aloud: the live region holds only the sentence.
            <section class="alert alert-secret" aria-labelledby="pw-h">
                <p role="status" id="pw-h">"Your new root password is below. Copy it now: it is shown only once and Zenith does not keep it."</p>
                <p><strong>"Root password: "</strong><crate::components::Copyable text=pw label="root password"/></p>
                <button type="button" class="button subtle" on:click=move |_| password.set(None)>"I have saved it"</button>
            </section>
        })}
    }
}
