//! Background work, safe with several servers on one database: every loop claims its work through
//! the database before doing it, and stops at a safe point when the server shuts down.

use crate::db::Db;
use crate::instances::Instances;
use std::time::Duration;
use tokio::sync::watch;

/// Starts every loop; they end when `stop` turns true.
pub fn spawn(db: Db, instances: Instances, stop: &watch::Sender<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(job_poller(instances, stop.subscribe())), tokio::spawn(housekeeping(db, stop.subscribe()))]
}

/// Follows cloud jobs nobody is watching until they end (see `instances::jobs`).
async fn job_poller(instances: Instances, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = crate::instances::jobs::poll_due(&instances).await {
            tracing::warn!(error = %e, "job poller could not read jobs");
        }
    }
}

/// Prunes old throttle rows and expired sessions.
async fn housekeeping(db: Db, mut stop: watch::Receiver<bool>) {
    use tower_sessions::session_store::ExpiredDeletion;
    loop {
        if let Err(e) = crate::auth::throttle::prune(&db).await {
            tracing::warn!(error = %e, "pruning throttle records");
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
