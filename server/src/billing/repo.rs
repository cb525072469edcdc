//! The billing tables: `usage_records` (the cloud's records, once each), `statement_lines` (one per
//! instance, size and month, recomputed from the records), `billing_state` (the ingestion watermark
//! and how far the cloud has aggregated).

use super::rule;
use crate::db::{now_ms, Conn};
use anyhow::Context as _;
use app::model::CustomerId;

/// One usage record as stored.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// A digest of what identifies the record at the source: the same record always has the same key.
    pub key: String,
    pub customer: CustomerId,
    pub usage_type: i64,
    pub usage_id: String,
    pub instance_id: String,
    pub instance_name: String,
    pub zone_id: String,
    pub zone_name: String,
    pub offering_id: String,
    pub offering_name: String,
    pub tier: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub micro_hours: i64,
}

/// Stores a record unless it is already there; `true` when it was new.
pub async fn insert_record(conn: &mut Conn, r: &NewRecord) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO usage_records (id, customer_id, usage_type, usage_id, instance_id, instance_name, zone_id, zone_name, offering_id,
             offering_name, tier, start_ms, end_ms, micro_hours, ingested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&r.key)
    .bind(r.customer.as_str())
    .bind(r.usage_type)
    .bind(&r.usage_id)
    .bind(&r.instance_id)
    .bind(&r.instance_name)
    .bind(&r.zone_id)
    .bind(&r.zone_name)
    .bind(&r.offering_id)
    .bind(&r.offering_name)
    .bind(r.tier.as_deref())
    .bind(r.start_ms)
    .bind(r.end_ms)
    .bind(r.micro_hours)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Which statement line a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineKey {
    pub customer: String,
    /// `YYYY-MM`.
    pub month: String,
    pub instance_id: String,
    pub offering_id: String,
}

impl LineKey {
    /// Stable across re-exports and re-ingestion: derived from what the line is, never from when.
    pub fn line_id(&self) -> String {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(format!("{}|{}|{}|{}", self.customer, self.month, self.instance_id, self.offering_id));
        format!("L{}-{}", self.month.replace('-', ""), d[..8].iter().map(|b| format!("{b:02x}")).collect::<String>())
    }
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    usage_id: String,
    instance_name: String,
    zone_id: String,
    zone_name: String,
    offering_name: String,
    tier: Option<String>,
    start_ms: i64,
    end_ms: i64,
    micro_hours: i64,
}

/// Recomputes one line from every record it has (idempotent: the same records give the same line).
pub async fn recompute_line(conn: &mut Conn, k: &LineKey, month_start: i64, month_end: i64) -> anyhow::Result<()> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT usage_id, instance_name, zone_id, zone_name, offering_name, tier, start_ms, end_ms, micro_hours FROM usage_records
         WHERE customer_id = $1 AND instance_id = $2 AND offering_id = $3 AND usage_type = 2 AND start_ms >= $4 AND start_ms < $5
         ORDER BY start_ms",
    )
    .bind(&k.customer)
    .bind(&k.instance_id)
    .bind(&k.offering_id)
    .bind(month_start)
    .bind(month_end)
    .fetch_all(&mut *conn)
    .await
    .context("reading a line's records")?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return Ok(()) };
    let micro: i64 = rows.iter().map(|r| r.micro_hours).sum();
    let mut sources: Vec<&str> = rows.iter().map(|r| r.usage_id.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let end = rows.iter().map(|r| r.end_ms).max().unwrap_or(last.end_ms);
    sqlx::query(
        "INSERT INTO statement_lines (id, customer_id, month, instance_id, offering_id, instance_name, zone_id, zone_name, offering_name,
             tier, usage_start, usage_end, micro_hours, hours, records, source_usage_ids, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (id) DO UPDATE SET instance_name = $6, zone_id = $7, zone_name = $8, offering_name = $9, tier = $10,
             usage_start = $11, usage_end = $12, micro_hours = $13, hours = $14, records = $15, source_usage_ids = $16, updated_at = $17",
    )
    .bind(k.line_id())
    .bind(&k.customer)
    .bind(&k.month)
    .bind(&k.instance_id)
    .bind(&k.offering_id)
    .bind(&last.instance_name)
    .bind(&last.zone_id)
    .bind(&last.zone_name)
    .bind(&last.offering_name)
    .bind(last.tier.as_deref())
    .bind(first.start_ms)
    .bind(end)
    .bind(micro)
    .bind(rule::billed_hours(micro))
    .bind(rows.len() as i64)
    .bind(sources.join(" "))
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .context("writing a statement line")?;
    Ok(())
}

/// A value of `billing_state`.
pub async fn state(conn: &mut Conn, key: &str) -> anyhow::Result<Option<i64>> {
    let v: Option<(i64,)> = sqlx::query_as("SELECT value FROM billing_state WHERE key = $1").bind(key).fetch_optional(&mut *conn).await?;
    Ok(v.map(|(v,)| v))
}

/// Moves a `billing_state` value forward (never back: a slower server cannot undo a faster one).
pub async fn advance_state(conn: &mut Conn, key: &str, value: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO billing_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2 WHERE billing_state.value < $2",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The statement lines of a customer (or of everyone) for a month, as exports and pages read them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineRow {
    pub id: String,
    pub customer_id: String,
    pub customer_email: String,
    pub account: String,
    pub month: String,
    pub instance_id: String,
    pub instance_name: String,
    pub zone_name: String,
    pub offering_id: String,
    pub offering_name: String,
    pub tier: Option<String>,
    pub usage_start: i64,
    pub usage_end: i64,
    pub hours: i64,
    pub source_usage_ids: String,
    pub hourly_minor: Option<i64>,
    pub monthly_minor: Option<i64>,
}

/// The query behind every statement and export: lines with their customer and price. The SQL is
/// shared with the export benchmark, which reads the same rows with `sqlite3 -csv`.
pub const LINES_SQL: &str = "SELECT l.id, l.customer_id, u.email AS customer_email, c.cs_account_name AS account, l.month, l.instance_id,
        l.instance_name, l.zone_name, l.offering_id, l.offering_name, l.tier, l.usage_start, l.usage_end, l.hours, l.source_usage_ids,
        p.hourly_minor, p.monthly_minor
    FROM statement_lines l JOIN users u ON u.id = l.customer_id JOIN customers c ON c.user_id = l.customer_id
    LEFT JOIN prices p ON p.offering_name = l.offering_name";

/// Up to `limit` lines of `month` after `(customer, line id)`, in export order; `customer` narrows
/// to one customer.
pub async fn lines_page(
    db: &sqlx::AnyPool,
    month: &str,
    customer: Option<&str>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> anyhow::Result<Vec<LineRow>> {
    let mut sql = format!("{LINES_SQL} WHERE l.month = $1");
    let mut binds: Vec<&str> = vec![month];
    if let Some(c) = customer {
        binds.push(c);
        sql.push_str(&format!(" AND l.customer_id = ${}", binds.len()));
    }
    if let Some((c, id)) = after {
        binds.push(c);
        let ci = binds.len();
        binds.push(id);
        let ii = binds.len();
        sql.push_str(&format!(" AND (l.customer_id > ${ci} OR (l.customer_id = ${ci} AND l.id > ${ii}))"));
    }
    sql.push_str(&format!(" ORDER BY l.customer_id, l.id LIMIT {}", limit.max(1)));
    let mut q = sqlx::query_as::<_, LineRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(db).await.context("reading statement lines")
}

/// Billed micro-hours per line and UTC day (days since the epoch), for the daily chart and caps.
pub async fn daily(
    db: &sqlx::AnyPool,
    customer: &str,
    month_start: i64,
    month_end: i64,
    instance: Option<&str>,
) -> anyhow::Result<Vec<(String, String, i64, i64)>> {
    let mut sql = String::from(
        "SELECT instance_id, offering_id, start_ms / 86400000 AS day, CAST(SUM(micro_hours) AS BIGINT) AS micro FROM usage_records
         WHERE customer_id = $1 AND usage_type = 2 AND start_ms >= $2 AND start_ms < $3",
    );
    if instance.is_some() {
        sql.push_str(" AND instance_id = $4");
    }
    sql.push_str(" GROUP BY instance_id, offering_id, start_ms / 86400000 ORDER BY day");
    let mut q = sqlx::query_as::<_, (String, String, i64, i64)>(&sql).bind(customer).bind(month_start).bind(month_end);
    if let Some(i) = instance {
        q = q.bind(i);
    }
    q.fetch_all(db).await.context("reading daily usage")
}
