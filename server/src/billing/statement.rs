//! Statements and instance costs, from the statement lines and (for days and caps) the records.

use super::ingest::{month_bounds, COMPLETED};
use super::repo::{self, LineRow};
use super::{rule, Billing, BillingError};
use app::model::billing::{DailyCost, InstanceCost, Month, ResourceType, Statement, StatementLine};
use app::model::{CustomerId, InstanceId, Money};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

pub fn bounds(m: Month) -> (i64, i64) {
    let first =
        Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(m.year, m.month, 1).expect("a valid month").and_hms_opt(0, 0, 0).expect("midnight"));
    let (a, b) = month_bounds(first);
    (a.timestamp_millis(), b.timestamp_millis())
}

fn month_of(t: DateTime<Utc>) -> Month {
    use chrono::Datelike;
    Month { year: t.year(), month: t.month() }
}

/// A day number (days since 1970-01-01, as the repo counts them) as a day.
fn day_label(day: i64) -> app::model::Day {
    app::model::Timestamp::from_unix_ms(day * DAY_MS).day()
}

/// A line as it is billed. (The export reads the same rows as plain text, for speed; a statement reads
/// them as the model's types, and a stored word that is not one fails the statement.)
pub fn priced(r: &LineRow, currency: app::model::Currency) -> anyhow::Result<StatementLine> {
    let (hourly, cap) = r.price().unwrap_or((0, 0));
    let (amount, capped) = r.amount();
    let priced = r.price().is_some();
    let word = |what: &str, v: &str| anyhow::anyhow!("a statement line with {what} {v:?}");
    let resource_type = ResourceType::parse(&r.resource_type).ok_or_else(|| word("resource type", &r.resource_type))?;
    // Storage has one price, per GiB-month, and no cap.
    let (unit, cap) = if resource_type == ResourceType::Snapshot { (cap, 0) } else { (hourly, cap) };
    Ok(StatementLine {
        line_id: app::model::LineId::parse(&r.id).map_err(|_| word("id", &r.id))?,
        resource_type,
        instance_id: app::model::InstanceId::parse(&r.instance_id).map_err(|_| word("instance id", &r.instance_id))?,
        instance_name: r.instance_name.clone(),
        zone: r.zone_name.clone(),
        offering: r.offering_name.clone(),
        tier: r.tier.as_deref().map(|t| app::model::Tier::parse(t).ok_or_else(|| word("tier", t))).transpose()?,
        usage_start: app::model::Timestamp::from_unix_ms(r.usage_start),
        usage_end: app::model::Timestamp::from_unix_ms(r.usage_end),
        hours: r.hours,
        unit_price: Money::new(unit, currency),
        monthly_cap: Money::new(cap, currency),
        cap_applied: capped,
        amount: Money::new(amount, currency),
        priced,
    })
}

impl Billing {
    /// How far the cloud has counted usage (as of the last ingestion).
    pub async fn counted_until(&self) -> Result<Option<DateTime<Utc>>, BillingError> {
        let ms = repo::state(&mut *self.db.pool.acquire().await?, COMPLETED).await?;
        Ok(ms.and_then(|m| Utc.timestamp_millis_opt(m).single()))
    }

    async fn lines_of(&self, customer: &CustomerId, month: Month) -> Result<Vec<LineRow>, BillingError> {
        let mut out = Vec::new();
        let month_s = month.to_string();
        let prices = repo::prices(&self.db.pool).await?;
        loop {
            let after = out.last().map(|l: &LineRow| (l.customer_id.clone(), l.id.clone()));
            let page = repo::lines_page(
                &self.db,
                &prices,
                &month_s,
                Some(customer.as_str()),
                after.as_ref().map(|(c, i)| (c.as_str(), i.as_str())),
                1000,
            )
            .await?;
            let done = page.len() < 1000;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    #[tracing::instrument(skip_all, fields(customer = %customer, month = %month))]
    pub async fn statement(&self, customer: &CustomerId, month: Month) -> Result<Statement, BillingError> {
        let rows = self.lines_of(customer, month).await?;
        let cur = self.currency;
        let lines = rows.iter().map(|r| priced(r, cur)).collect::<anyhow::Result<Vec<StatementLine>>>()?;
        for l in lines.iter().filter(|l| !l.priced) {
            tracing::warn!(offering = %l.offering, "a size in use has no price: it is billed at zero until `zenith prices import` sets one");
        }
        let subtotal: i64 = lines.iter().map(|l| l.amount.minor).sum();
        let vat = self.vat.on(subtotal);
        let (start, end) = bounds(month);
        let counted = self.counted_until().await?;
        let preview = counted.is_none_or(|c| c.timestamp_millis() < end);

        // What each day added: per line, the capped amount at each day's end, minus the day before's.
        let days = repo::daily(&self.db.pool, customer.as_str(), start, end, None).await?;
        let mut per_line: BTreeMap<(String, String), Vec<(i64, i64)>> = BTreeMap::new();
        for (instance, offering, day, micro) in days {
            per_line.entry((instance, offering)).or_default().push((day, micro));
        }
        let mut daily: BTreeMap<i64, i64> = BTreeMap::new();
        for ((instance, offering), ds) in &per_line {
            let Some(r) = rows.iter().find(|r| &r.instance_id == instance && &r.offering_id == offering) else { continue };
            let (hourly, cap) = (r.hourly_minor.unwrap_or(0), r.monthly_minor.unwrap_or(0));
            let (mut micro, mut before) = (0i64, 0i64);
            for (day, m) in ds {
                micro += m;
                let (to_date, _) = rule::amount(rule::billed_hours(micro), hourly, cap);
                *daily.entry(*day).or_default() += to_date - before;
                before = to_date;
            }
        }
        // A snapshot's storage, the same way: GiB-hours to each day's end, priced, minus the day before.
        let mut per_snapshot: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        for (snapshot, day, byte_micro) in repo::daily_storage(&self.db.pool, customer.as_str(), start, end).await? {
            per_snapshot.entry(snapshot).or_default().push((day, byte_micro));
        }
        for (snapshot, ds) in &per_snapshot {
            let Some(r) = rows.iter().find(|r| r.is_snapshot() && &r.instance_id == snapshot) else { continue };
            let (mut byte_micro, mut before) = (0i128, 0i64);
            for (day, b) in ds {
                byte_micro += *b as i128;
                let to_date = rule::storage_amount(rule::gib_hours(byte_micro), r.monthly_minor.unwrap_or(0));
                *daily.entry(*day).or_default() += to_date - before;
                before = to_date;
            }
        }
        let forecast = match (preview, counted) {
            (true, Some(c)) => {
                let left_hours = ((end - c.timestamp_millis()).max(0) + HOUR_MS - 1) / HOUR_MS;
                let total: i64 = rows
                    .iter()
                    .zip(&lines)
                    .map(|(r, l)| {
                        let still_there = r.usage_end >= c.timestamp_millis() - HOUR_MS;
                        // Storage is forecast as what it cost so far (its size may change any day).
                        if still_there && !r.is_snapshot() {
                            rule::amount(r.hours + left_hours, l.unit_price.minor, l.monthly_cap.minor).0
                        } else {
                            l.amount.minor
                        }
                    })
                    .sum();
                Some(Money::new(total + self.vat.on(total), cur))
            }
            _ => None,
        };
        Ok(Statement {
            month,
            lines,
            subtotal: Money::new(subtotal, cur),
            vat_rate_bp: self.vat.0,
            vat: Money::new(vat, cur),
            total: Money::new(subtotal + vat, cur),
            preview,
            counted_until: counted.map(|c| app::model::Timestamp::from_unix_ms(c.timestamp_millis())),
            forecast,
            daily: daily.into_iter().map(|(d, a)| DailyCost { day: day_label(d), amount: Money::new(a, cur) }).collect(),
        })
    }

    /// This month's cost of one instance at its current size. `offering` is its size now (from the
    /// cloud, by the caller, which also checked the instance is the customer's).
    pub async fn instance_cost(&self, customer: &CustomerId, id: &InstanceId, offering: &str) -> Result<InstanceCost, BillingError> {
        let counted = self.counted_until().await?;
        let now = counted.unwrap_or_else(Utc::now);
        let month = month_of(now);
        let (start, end) = bounds(month);
        let prices = crate::catalog::repo::all(&self.db.pool).await?;
        let price = prices.iter().find(|p| p.offering_name == offering);
        let (hourly, cap) = price.map(|p| (p.hourly_minor, p.monthly_minor)).unwrap_or((0, 0));
        let rows = self.lines_of(customer, month).await?;
        let line = rows.iter().filter(|r| r.instance_id == id.as_str() && r.offering_name == offering).max_by_key(|r| r.usage_end);
        let hours = line.map(|l| l.hours).unwrap_or(0);
        let (amount, _) = rule::amount(hours, hourly, cap);
        let mut cap_reached_on = None;
        if let Some(l) = line {
            let days = repo::daily(&self.db.pool, customer.as_str(), start, end, Some(id.as_str())).await?;
            let mut micro = 0;
            for (_, _, day, m) in days.into_iter().filter(|(_, o, ..)| *o == l.offering_id) {
                micro += m;
                if cap > 0 && rule::billed_hours(micro).saturating_mul(hourly) >= cap {
                    cap_reached_on = Some(day_label(day));
                    break;
                }
            }
        }
        let cap_in_days = match (cap_reached_on.is_some(), rule::hours_to_cap(hourly, cap)) {
            (false, Some(h)) => {
                let left = (h - hours).max(0);
                let at = now.timestamp_millis() + left * HOUR_MS;
                (at < end).then(|| (left + 23) / 24)
            }
            _ => None,
        };
        if price.is_none() && line.is_none() {
            return Err(BillingError::NotFound);
        }
        let snapshots: i64 =
            rows.iter().filter(|r| r.is_snapshot() && r.parent_instance_id.as_deref() == Some(id.as_str())).map(|r| r.amount().0).sum();
        let has_snapshots = rows.iter().any(|r| r.is_snapshot() && r.parent_instance_id.as_deref() == Some(id.as_str()));
        Ok(InstanceCost {
            month,
            offering: offering.to_string(),
            hours,
            rate: Money::new(hourly, self.currency),
            cap: Money::new(cap, self.currency),
            amount: Money::new(amount, self.currency),
            cap_reached_on,
            cap_in_days,
            counted_until: counted.map(|c| app::model::Timestamp::from_unix_ms(c.timestamp_millis())),
            snapshots: has_snapshots.then(|| Money::new(snapshots, self.currency)),
        })
    }
}
