//! Background work, safe with several servers on one database: every loop claims its work through
//! the database before doing it, and stops at a safe point when the server shuts down.

use crate::db::Db;
use crate::jobs::Jobs;
use std::time::Duration;
use tokio::sync::watch;

/// Starts every loop; they end when `stop` turns true.
pub fn spawn(db: Db, jobs: Jobs, stop: &watch::Sender<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(job_poller(jobs, stop.subscribe())), tokio::spawn(housekeeping(db, stop.subscribe()))]
}

/// Follows cloud jobs nobody is watching until they end (see `jobs`).
async fn job_poller(jobs: Jobs, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = jobs.poll_due().await {
            tracing::warn!(error = %format!("{e:#}"), "job poller could not read jobs");
        }
    }
}

/// Prunes old throttle rows and expired sessions.
async fn housekeeping(db: Db, mut stop: watch::Receiver<bool>) {
    use tower_sessions::session_store::ExpiredDeletion;
    loop {
        if let Err(e) = crate::auth::throttle::prune(&db).await {
            tracing::warn!(error = %format!("{e:#}"), "pruning throttle records");
        }
        if let Err(e) = db.sessions.delete_expired().await {
            tracing::warn!(error = %e, "deleting expired sessions");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(300)) => {}
            _ = stop.changed() => return,
        }
    }
}
