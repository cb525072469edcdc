//! Background work, safe with several servers on one database: every loop claims its work through
//! the database before doing it, and stops at a safe point when the server shuts down.

pub mod lease;

use crate::db::Db;
use crate::directory::Directory;
use crate::jobs::Jobs;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What the loops work on.
pub struct Work {
    pub db: Db,
    pub jobs: Jobs,
    pub instances: crate::instances::Instances,
    pub directory: Arc<Directory>,
    pub directory_sweep: Duration,
    pub billing: Arc<crate::billing::Billing>,
    pub usage_ingest: Duration,
    pub mail: Arc<crate::mail::MailSettings>,
    pub ptrs: crate::dns::records::Records,
    pub dns_reconcile: Duration,
    pub sampler: crate::metrics::sampler::Sampler,
    pub metrics_sample: Duration,
}

/// Starts every loop; they end when `stop` turns true.
pub fn spawn(w: Work, stop: &watch::Sender<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(job_poller(w.jobs, stop.subscribe())),
        tokio::spawn(deploy_reconciler(w.instances, stop.subscribe())),
        tokio::spawn(housekeeping(w.db.clone(), stop.subscribe())),
        tokio::spawn(directory_sweeper(w.db.clone(), w.directory.clone(), w.directory_sweep, stop.subscribe())),
        tokio::spawn(reverse_dns_reconciler(w.db.clone(), w.ptrs, w.directory, w.dns_reconcile, stop.subscribe())),
        tokio::spawn(mail_deliverer(w.db.clone(), w.mail, stop.subscribe())),
        tokio::spawn(metrics_sampler(w.db.clone(), w.sampler, w.metrics_sample, stop.subscribe())),
        tokio::spawn(usage_ingester(w.db, w.billing, w.usage_ingest, stop.subscribe())),
    ]
}

/// Runs `pass` every `every` on one server at a time: under the lease `name`, held a little longer
/// than the interval and renewed each round, so the others stand by and take over if its holder stops
/// renewing; given back on shutdown, so another server need not wait for it to lapse.
async fn leased<F, Fut>(db: Db, name: &'static str, every: Duration, mut stop: watch::Receiver<bool>, mut pass: F)
where
    F: FnMut() -> Fut + Send,
    Fut: std::future::Future<Output = ()> + Send,
{
    loop {
        match lease::take(&db, name, every + every / 2).await {
            Ok(true) => pass().await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), lease = name, "could not take a lease"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {
                crate::error::log_failed_write(lease::release(&db, name).await, "releasing a lease");
                return;
            }
        }
    }
}

/// Pulls the cloud's usage records into statements. A pass that another server runs at the same
/// moment (an admin's) waits for the ingestion lock instead of counting anything twice (see
/// `billing::ingest`).
async fn usage_ingester(db: Db, billing: Arc<crate::billing::Billing>, every: Duration, stop: watch::Receiver<bool>) {
    leased(db, "usage-ingest", every, stop, || async {
        if let Err(e) = billing.ingest().await {
            tracing::warn!(error = %format!("{e:#}"), "usage ingestion failed; the next pass catches up");
        }
    })
    .await
}

/// Keeps the instance directory fresh.
async fn directory_sweeper(db: Db, directory: Arc<Directory>, every: Duration, stop: watch::Receiver<bool>) {
    leased(db, crate::directory::LEASE, every, stop, || async {
        match directory.sweep().await {
            Ok(s) => tracing::debug!(instances = s.instances, zones_failed = s.zones_failed, "directory swept"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "directory sweep failed"),
        }
    })
    .await
}

/// Keeps reverse DNS equal to what Zenith means (see `dns::records`).
async fn reverse_dns_reconciler(
    db: Db,
    ptrs: crate::dns::records::Records,
    directory: Arc<Directory>,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    leased(db, crate::dns::records::LEASE, every, stop, || async {
        match ptrs.reconcile(&directory).await {
            Ok(r) if r == Default::default() => {}
            Ok(r) => tracing::info!(?r, "reverse DNS reconciled"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "reverse DNS reconciliation failed; next pass"),
        }
    })
    .await
}

/// Samples running instances' counters for the graphs on clouds without their history (see
/// `metrics::sampler`).
async fn metrics_sampler(db: Db, mut sampler: crate::metrics::sampler::Sampler, every: Duration, stop: watch::Receiver<bool>) {
    let sampler = tokio::sync::Mutex::new(&mut sampler);
    leased(db, crate::metrics::sampler::LEASE, every, stop, || async {
        if let Err(e) = sampler.lock().await.pass().await {
            tracing::warn!(error = %format!("{e:#}"), "metrics sampling failed; next pass");
        }
    })
    .await
}

/// Delivers the outbox. Every server runs it; each message is claimed before it is sent (see
/// `mail::outbox`), so it goes out once.
async fn mail_deliverer(db: Db, mail: Arc<crate::mail::MailSettings>, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = crate::mail::outbox::deliver_due(&db, &mail).await {
            tracing::warn!(error = %format!("{e:#}"), "mail delivery could not read the outbox");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
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

/// Finishes deploys whose server died before recording the cloud's answer. Every server runs it;
/// each request is taken by compare-and-set, so each is handled once.
async fn deploy_reconciler(instances: crate::instances::Instances, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
            _ = stop.changed() => return,
        }
        match instances.reconcile_deploys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(finished = n, "finished deploys a stopped server left"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "deploy reconciliation failed"),
        }
    }
}

/// Delivered mail after a month, emailed links a day after they expired, console tickets once expired.
pub async fn prune_mail_and_links(db: &Db) -> anyhow::Result<()> {
    crate::mail::outbox::prune(db).await?;
    crate::auth::links::prune(db).await?;
    crate::instances::console::prune(db).await?;
    Ok(())
}

/// Ends support sessions whose time is up (every 30 s); prunes old throttle rows, expired sessions,
/// old mail, dead links and console tickets (every 5 minutes). Each is a conditional statement, safe
/// on several servers at once.
async fn housekeeping(db: Db, mut stop: watch::Receiver<bool>) {
    use tower_sessions::session_store::ExpiredDeletion;
    for round in 0u64.. {
        if let Err(e) = crate::impersonation::end_expired(&db).await {
            tracing::warn!(error = %format!("{e:#}"), "ending expired support sessions");
        }
        if round % 10 == 0 {
            if let Err(e) = crate::auth::throttle::prune(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "pruning throttle records");
            }
            if let Err(e) = db.sessions.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions");
            }
            if let Err(e) = prune_mail_and_links(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "pruning old mail, links and console tickets");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = stop.changed() => return,
        }
    }
}
