//! Ingestion: the cloud's usage records, pulled day by day for every day the usage server has
//! aggregated since the watermark, stored once each, and folded into statement lines.
//!
//! "Aggregated" is what the cloud says (`listUsageServerMetrics`' last successful job), never the
//! panel's own clock. Each day is one transaction: its records (a unique key per source record, so
//! re-reading a day adds nothing), the lines they touch, recomputed from all their records, and the
//! watermark. On PostgreSQL the transaction first takes an advisory lock, so two servers ingesting at
//! once queue instead of interleaving; on SQLite the write lock does the same. The day the cloud is
//! in the middle of is read again next time, for the hours it had not aggregated yet.

use super::repo::{self, LineKey, NewRecord};
use super::rule;
use super::Billing;
use crate::cloud::types::{UsageRecord, UsageType};
use crate::db::DbKind;
use anyhow::Context as _;
use app::model::billing::{Month, ResourceType};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use std::collections::{BTreeSet, HashMap};

/// `billing_state` keys.
pub const WATERMARK: &str = "ingested_until";
pub const COMPLETED: &str = "cloud_completed_until";

/// CloudStack's usage type for the time a VM exists (running or stopped): what the rule bills.

/// Days read in one pass at most (a year and a month of downtime); a longer catch-up continues in
/// the next pass.
const DAYS_PER_PASS: i64 = 400;

/// An arbitrary constant naming the ingestion lock among PostgreSQL advisory locks.
const PG_LOCK: i64 = 0x7a656e6974686269; // "zenithbi"

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub records_added: u64,
    pub days: u32,
    pub skipped_unknown_accounts: u64,
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// The first instant of the month `t` is in, and of the next.
pub fn month_bounds(t: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = NaiveDate::from_ymd_opt(t.year(), t.month(), 1).expect("first of the month");
    let next =
        if t.month() == 12 { NaiveDate::from_ymd_opt(t.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(t.year(), t.month() + 1, 1) }
            .expect("first of the next month");
    (day_start(first), day_start(next))
}

/// What identifies a record at the source (CloudStack records have no id of their own).
fn key(r: &UsageRecord) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(format!(
        "{}|{}|{}|{}|{}|{}|{}",
        r.usagetype,
        r.usageid.as_deref().unwrap_or(""),
        r.offeringid.as_ref().map(|o| o.as_str()).unwrap_or(""),
        r.zoneid.as_ref().map(|z| z.as_str()).unwrap_or(""),
        r.accountid.as_deref().unwrap_or(&r.account),
        r.startdate.map(|t| t.timestamp_millis()).unwrap_or(0),
        r.enddate.map(|t| t.timestamp_millis()).unwrap_or(0),
    ));
    hex::encode(d)
}

impl Billing {
    /// How far the cloud has aggregated usage: its usage server's last successful job. Clouds without
    /// `listUsageServerMetrics` (before 4.17) aggregate once a day at midnight by default: the start
    /// of the current UTC day, as the cloud's own clock would say, is the best that can be known.
    async fn completed_until(&self) -> anyhow::Result<DateTime<Utc>> {
        match self.admin.usage_server_metrics().await {
            Ok(m) => m.lastsuccessfuljob.context("the usage server has not completed a job yet"),
            Err(e) if e.is_unknown_command() => Ok(day_start(Utc::now().date_naive())),
            Err(e) => Err(e).context("asking the cloud how far usage is aggregated"),
        }
    }

    /// One pass: every completed day since the watermark (at most `DAYS_PER_PASS`).
    #[tracing::instrument(skip_all)]
    pub async fn ingest(&self) -> anyhow::Result<Ingested> {
        let r = self.pass().await;
        if r.is_ok() {
            // What this pass may have made true: last month is final, a threshold is crossed.
            let month = self.current_month().await.map_err(anyhow::Error::from)?;
            if let Err(e) = crate::notifications::after_ingest(&self.db, &self.mail, self, month).await {
                tracing::warn!(error = %format!("{e:#}"), "statement and spend notices could not be queued; the next pass tries again");
            }
        }
        match &r {
            Ok((_, reached)) => {
                let lag = (Utc::now() - *reached).to_std().unwrap_or_default();
                crate::telemetry::metrics::ingest_pass("done", Some(lag));
            }
            Err(_) => crate::telemetry::metrics::ingest_pass("error", None),
        }
        r.map(|(out, _)| out)
    }

    /// The pass, and how far the ingested usage now reaches.
    async fn pass(&self) -> anyhow::Result<(Ingested, DateTime<Utc>)> {
        let completed = self.completed_until().await?;
        let mut conn = self.db.pool.acquire().await?;
        let watermark = match repo::state(&mut conn, WATERMARK).await? {
            Some(ms) => Utc.timestamp_millis_opt(ms).single().context("a stored watermark")?,
            None => self.first_day(&mut conn).await?,
        };
        drop(conn);
        let mut out = Ingested::default();
        let mut day = watermark.date_naive();
        let last = completed.date_naive();
        while day <= last && (out.days as i64) < DAYS_PER_PASS {
            let (added, skipped) = self.ingest_day(day, completed).await?;
            out.records_added += added;
            out.skipped_unknown_accounts += skipped;
            out.days += 1;
            day += Duration::days(1);
        }
        tracing::info!(records_added = out.records_added, days = out.days, skipped = out.skipped_unknown_accounts, "usage ingested");
        Ok((out, day_start(day).min(completed)))
    }

    /// Where ingestion starts on a new database: the day the first customer signed up.
    async fn first_day(&self, conn: &mut crate::db::Conn) -> anyhow::Result<DateTime<Utc>> {
        let (first,): (Option<i64>,) =
            sqlx::query_as("SELECT MIN(created_at) FROM users WHERE role = 'customer'").fetch_one(&mut *conn).await?;
        let ms = first.unwrap_or_else(|| Utc::now().timestamp_millis());
        Ok(day_start(Utc.timestamp_millis_opt(ms).single().context("a sign-up time")?.date_naive()))
    }

    async fn ingest_day(&self, day: NaiveDate, completed: DateTime<Utc>) -> anyhow::Result<(u64, u64)> {
        let mut records = Vec::new();
        for kind in [UsageType::AllocatedVm, UsageType::Snapshot] {
            records.extend(self.admin.list_usage_records(day, day, Some(kind)).await.with_context(|| format!("listing usage for {day}"))?);
        }
        let offerings = self.catalog.offerings().await.context("listing offerings for usage")?;
        let zones = self.catalog.zones().await.context("listing zones for usage")?;
        // Which instance each snapshot is of, asked before the transaction (no cloud call inside it).
        let mut parents: HashMap<String, Option<app::model::InstanceId>> = HashMap::new();
        for r in records.iter().filter(|r| UsageType::from_number(r.usagetype) == Some(UsageType::Snapshot)) {
            if let Some(id) = r.usageid.as_deref().filter(|id| !parents.contains_key(*id)) {
                let vm = self.admin.snapshot_vm(id).await.unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "could not ask which instance a snapshot is of");
                    None
                });
                parents.insert(id.to_string(), vm);
            }
        }
        let mut tx = self.db.begin_write().await?;
        if self.db.kind == DbKind::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_LOCK)
                .execute(&mut *tx)
                .await
                .context("waiting for the ingestion lock")?;
        }
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        let mut touched: BTreeSet<LineKey> = BTreeSet::new();
        let (mut added, mut skipped) = (0u64, 0u64);
        let snapshot_offering = app::model::OfferingId::parse(repo::SNAPSHOT_OFFERING).map_err(anyhow::Error::msg)?;
        for r in &records {
            let Some(kind) = UsageType::from_number(r.usagetype).filter(|k| *k != UsageType::RunningVm) else {
                continue;
            };
            // What the record bills: an instance at a size, or a snapshot's storage.
            let billed = match kind {
                UsageType::Snapshot => {
                    r.usageid.as_deref().and_then(|s| app::model::InstanceId::parse(s).ok()).map(|s| (s, snapshot_offering.clone()))
                }
                _ => r.virtualmachineid.clone().zip(r.offeringid.clone()),
            };
            let (Some(start), Some(end), Some((resource, offering))) = (r.startdate, r.enddate, billed) else {
                tracing::warn!(record = ?r.description, "a usage record without its dates, instance or offering is not billable; skipped");
                continue;
            };
            let Some(micro) = r.rawusage.as_deref().and_then(rule::micro_hours) else {
                tracing::warn!(raw = ?r.rawusage, "a usage record with unreadable hours; skipped");
                continue;
            };
            if !owners.contains_key(&r.account) {
                let owner: Option<(String,)> = sqlx::query_as("SELECT user_id FROM customers WHERE cs_account_name = $1")
                    .bind(&r.account)
                    .fetch_optional(&mut *tx)
                    .await?;
                owners.insert(r.account.clone(), owner.map(|(o,)| o));
            }
            let Some(Some(customer)) = owners.get(&r.account) else {
                skipped += 1;
                continue;
            };
            let off = offerings.iter().find(|o| o.id == offering);
            let zone_id = r.zoneid.as_ref().map(|z| z.to_string()).unwrap_or_default();
            let snapshot = kind == UsageType::Snapshot;
            let rec = NewRecord {
                key: key(r),
                customer: app::model::CustomerId::parse(customer).map_err(anyhow::Error::msg)?,
                usage_type: kind,
                usage_id: r.usageid.clone().unwrap_or_else(|| resource.to_string()),
                instance_id: resource.to_string(),
                instance_name: r.name.clone().unwrap_or_default(),
                zone_name: zones.iter().find(|z| z.id.as_str() == zone_id).map(|z| z.name.clone()).unwrap_or_else(|| zone_id.clone()),
                zone_id,
                offering_id: offering.to_string(),
                offering_name: match (snapshot, off) {
                    (true, _) => repo::SNAPSHOT_PRICE.to_string(),
                    (false, Some(o)) => o.name.clone(),
                    (false, None) => offering.to_string(),
                },
                tier: off.and_then(|o| app::model::Tier::from_storage_type(&o.storagetype)).map(|t| t.slug().to_string()),
                start_ms: start.timestamp_millis(),
                end_ms: end.timestamp_millis(),
                micro_hours: micro,
                size_bytes: if snapshot { r.size.unwrap_or(0).max(0) } else { 0 },
            };
            if repo::insert_record(&mut tx, &rec).await? {
                added += 1;
            }
            touched.insert(LineKey {
                customer: rec.customer,
                month: Month { year: start.year(), month: start.month() },
                parent: if snapshot { parents.get(resource.as_str()).cloned().flatten() } else { None },
                instance_id: resource,
                offering_id: offering,
                resource: if snapshot { ResourceType::Snapshot } else { ResourceType::Instance },
            });
        }
        for k in &touched {
            let first = NaiveDate::from_ymd_opt(k.month.year, k.month.month, 1).context("a line's month")?;
            let (from, to) = month_bounds(day_start(first));
            repo::recompute_line(&mut tx, k, from.timestamp_millis(), to.timestamp_millis()).await?;
        }
        // The day the cloud is still aggregating is read again; the days before it are done.
        let done_until = if day < completed.date_naive() { day_start(day) + Duration::days(1) } else { day_start(day) };
        repo::advance_state(&mut tx, WATERMARK, done_until.timestamp_millis()).await?;
        repo::advance_state(&mut tx, COMPLETED, completed.timestamp_millis()).await?;
        tx.commit().await.context("committing a day of usage")?;
        Ok((added, skipped))
    }
}
