//! The billing tables: `usage_records` (the cloud's records, once each), `statement_lines` (one per
//! instance, size and month, recomputed from the records), `billing_state` (the ingestion watermark
//! and how far the cloud has aggregated).

use super::rule;
use crate::cloud::types::UsageType;
use crate::db::{now_ms, Conn, Db, Typed};
use anyhow::Context as _;
use app::model::billing::{Month, ResourceType};
use app::model::{CustomerId, InstanceId, OfferingId};
use std::collections::HashMap;

/// One usage record as stored.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// A digest of what identifies the record at the source: the same record always has the same key.
    pub key: String,
    pub customer: CustomerId,
    pub usage_type: UsageType,
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
    /// A snapshot's bytes on storage (type 9); 0 for an instance's record.
    pub size_bytes: i64,
}

/// Stores a record unless it is already there; `true` when it was new.
pub async fn insert_record(conn: &mut Conn, r: &NewRecord) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO usage_records (id, customer_id, usage_type, usage_id, instance_id, instance_name, zone_id, zone_name, offering_id,
             offering_name, tier, start_ms, end_ms, micro_hours, ingested_at, size_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING",
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
    .bind(r.size_bytes)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Which statement line a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineKey {
    pub customer: CustomerId,
    pub month: Month,
    /// The instance, or for a snapshot's storage the snapshot.
    pub instance_id: InstanceId,
    /// The size, or `snapshot` for a snapshot's storage.
    pub offering_id: OfferingId,
    pub resource: ResourceType,
    /// For a snapshot, the instance whose disk it is, when the cloud could say.
    pub parent: Option<InstanceId>,
}

/// The offering id a snapshot's storage is billed under.
pub const SNAPSHOT_OFFERING: &str = "snapshot";
/// The price list's name for snapshot storage (per GiB-month).
pub const SNAPSHOT_PRICE: &str = "Snapshot storage";

impl LineKey {
    /// Stable across re-exports and re-ingestion: derived from what the line is, never from when.
    pub fn line_id(&self) -> String {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(format!("{}|{}|{}|{}", self.customer, self.month, self.instance_id, self.offering_id));
        format!("L{:04}{:02}-{}", self.month.year, self.month.month, hex::encode(&d[..8]))
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
    size_bytes: i64,
}

/// Recomputes one line from every record it has (idempotent: the same records give the same line).
pub async fn recompute_line(conn: &mut Conn, k: &LineKey, month_start: i64, month_end: i64) -> anyhow::Result<()> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT usage_id, instance_name, zone_id, zone_name, offering_name, tier, start_ms, end_ms, micro_hours, size_bytes FROM usage_records
         WHERE customer_id = $1 AND instance_id = $2 AND offering_id = $3 AND usage_type = $4 AND start_ms >= $5 AND start_ms < $6
         ORDER BY start_ms",
    )
    .bind(&k.customer)
    .bind(&k.instance_id)
    .bind(&k.offering_id)
    .bind(match k.resource {
        ResourceType::Instance => UsageType::AllocatedVm,
        ResourceType::Snapshot => UsageType::Snapshot,
    })
    .bind(month_start)
    .bind(month_end)
    .fetch_all(&mut *conn)
    .await
    .context("reading a line's records")?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return Ok(()) };
    let micro: i64 = rows.iter().map(|r| r.micro_hours).sum();
    // An instance's line counts hours; a snapshot's, GiB-hours of what it takes on storage.
    let billed = match k.resource {
        ResourceType::Instance => rule::billed_hours(micro),
        ResourceType::Snapshot => rule::gib_hours(rows.iter().map(|r| r.size_bytes as i128 * r.micro_hours as i128).sum()),
    };
    let mut sources: Vec<&str> = rows.iter().map(|r| r.usage_id.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let end = rows.iter().map(|r| r.end_ms).max().unwrap_or(last.end_ms);
    sqlx::query(
        "INSERT INTO statement_lines (id, customer_id, month, instance_id, offering_id, instance_name, zone_id, zone_name, offering_name,
             tier, usage_start, usage_end, micro_hours, hours, records, source_usage_ids, updated_at, resource_type, parent_instance_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO UPDATE SET instance_name = $6, zone_id = $7, zone_name = $8, offering_name = $9, tier = $10,
             usage_start = $11, usage_end = $12, micro_hours = $13, hours = $14, records = $15, source_usage_ids = $16, updated_at = $17,
             parent_instance_id = COALESCE($19, statement_lines.parent_instance_id)",
    )
    .bind(k.line_id())
    .bind(&k.customer)
    .bind(k.month.to_string())
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
    .bind(billed)
    .bind(rows.len() as i64)
    .bind(sources.join(" "))
    .bind(now_ms())
    .bind(k.resource)
    .bind(k.parent.as_ref())
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

/// (hourly, monthly cap) in minor units by offering name: the price list as lines are priced.
pub type Prices = HashMap<String, (i64, i64)>;

pub async fn prices(db: &sqlx::AnyPool) -> anyhow::Result<Prices> {
    Ok(crate::catalog::repo::all(db).await?.into_iter().map(|p| (p.offering_name, (p.hourly_minor, p.monthly_minor))).collect())
}

/// The statement lines of a customer (or of everyone) for a month, as exports and pages read them.
#[derive(Debug, Clone)]
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
    /// `instance` or `snapshot`, as stored.
    pub resource_type: String,
    pub parent_instance_id: Option<String>,
    pub hourly_minor: Option<i64>,
    pub monthly_minor: Option<i64>,
}

impl LineRow {
    pub fn is_snapshot(&self) -> bool {
        self.resource_type == ResourceType::Snapshot.as_str()
    }

    /// (hourly, cap) for the line's size, or `None` when the price list has no price for it (then
    /// it is billed at zero, and statements say so).
    pub fn price(&self) -> Option<(i64, i64)> {
        self.hourly_minor.zip(self.monthly_minor)
    }

    /// (amount, whether the cap applied), by the rule.
    pub fn amount(&self) -> (i64, bool) {
        let (hourly, cap) = self.price().unwrap_or((0, 0));
        if self.is_snapshot() {
            // Storage: `hours` are GiB-hours and the list's monthly price is per GiB-month, no cap.
            return (super::rule::storage_amount(self.hours, cap), false);
        }
        let (amount, capped) = super::rule::amount(self.hours, hourly, cap);
        (amount, capped && self.price().is_some())
    }
}

/// What the exports and statements produce, as one SQL query: lines with their customer and price.
/// The panel does not run it like this — see [`lines_page`] — but the export benchmark has
/// `sqlite3 -csv` read exactly these rows to compare against.
pub const LINES_SQL: &str = "SELECT l.id, l.customer_id, u.email AS customer_email, c.cs_account_name AS account, l.month, l.instance_id,
        l.instance_name, l.zone_name, l.offering_id, l.offering_name, l.tier, l.usage_start, l.usage_end, l.hours, l.source_usage_ids,
        l.resource_type, l.parent_instance_id, p.hourly_minor, p.monthly_minor
    FROM statement_lines l JOIN users u ON u.id = l.customer_id JOIN customers c ON c.user_id = l.customer_id
    LEFT JOIN prices p ON p.offering_name = l.offering_name";

/// The columns of a [`PlainLine`], in its order.
const LINE_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "month",
    "instance_id",
    "instance_name",
    "zone_name",
    "offering_id",
    "offering_name",
    "tier",
    "usage_start",
    "usage_end",
    "hours",
    "source_usage_ids",
    "resource_type",
    "parent_instance_id",
];

/// A line as `statement_lines` holds it, before its customer and price are joined. Read by sqlx on
/// PostgreSQL and, on SQLite, from one JSON array per row ([`LINE_COLUMNS`]' order, which serde's
/// derive reads positionally).
#[derive(Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
struct PlainLine {
    id: String,
    customer_id: String,
    month: String,
    instance_id: String,
    instance_name: String,
    zone_name: String,
    offering_id: String,
    offering_name: String,
    tier: Option<String>,
    usage_start: i64,
    usage_end: i64,
    hours: i64,
    source_usage_ids: String,
    resource_type: String,
    parent_instance_id: Option<String>,
}

/// Up to `limit` lines of `month` after `(customer, line id)`, in export order; `customer` narrows
/// to one customer. The lines come from one walk of a covering index (no join per line); their
/// customers (a page has a few) are read once per page, and the caller's `prices` (read once per
/// statement or export, so one file never mixes two price lists) are joined here.
pub async fn lines_page(
    db: &Db,
    prices: &Prices,
    month: &str,
    customer: Option<&str>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> anyhow::Result<Vec<LineRow>> {
    let mut filter = String::from("month = $1");
    let mut binds: Vec<&str> = vec![month];
    if let Some(c) = customer {
        binds.push(c);
        filter.push_str(&format!(" AND customer_id = ${}", binds.len()));
    }
    if let Some((c, id)) = after {
        // A row value: the index on (month, customer_id, id, …) seeks straight to where the page starts.
        binds.push(c);
        binds.push(id);
        filter.push_str(&format!(" AND (customer_id, id) > (${}, ${})", binds.len() - 1, binds.len()));
    }
    let page = format!("FROM statement_lines WHERE {filter} ORDER BY customer_id, id LIMIT {}", limit.max(1));
    // The engine's own driver, not `Any`, whose conversion of each value of a million rows was most
    // of an export's time.
    let lines: Vec<PlainLine> = match &db.typed {
        Typed::Sqlite(pool) => {
            // sqlx hands each SQLite row from its worker thread to ours one at a time, and that hop
            // costs more than reading the row: the page comes back as one JSON value instead (an
            // array of rows, each an array of the columns), in the same index order.
            let columns = LINE_COLUMNS.join(", ");
            let sql = format!("SELECT json_group_array(json_array({columns}) ORDER BY customer_id, id) FROM (SELECT {columns} {page})");
            let mut q = sqlx::query_scalar::<_, Option<String>>(&sql);
            for b in &binds {
                q = q.bind(*b);
            }
            let text = q.fetch_one(pool).await.context("reading statement lines")?;
            serde_json::from_str(text.as_deref().unwrap_or("[]")).context("reading statement lines")?
        }
        Typed::Postgres(pool) => {
            let sql = format!("SELECT {} {page}", LINE_COLUMNS.join(", "));
            let mut q = sqlx::query_as::<_, PlainLine>(&sql);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await.context("reading statement lines")?
        }
    };
    let any = &db.pool;
    let mut ids: Vec<&str> = lines.iter().map(|l| l.customer_id.as_str()).collect();
    ids.dedup();
    let mut who: HashMap<String, (String, String)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql =
            format!("SELECT u.id, u.email, c.cs_account_name FROM users u JOIN customers c ON c.user_id = u.id WHERE u.id IN ({marks})");
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, email, account) in q.fetch_all(any).await.context("reading the lines' customers")? {
            who.insert(id, (email, account));
        }
    }
    Ok(lines
        .into_iter()
        .filter_map(|l| {
            // A line whose customer is gone (deleted since) is not anyone's statement any more.
            let (email, account) = who.get(&l.customer_id)?.clone();
            let price = prices.get(&l.offering_name).copied();
            Some(LineRow {
                id: l.id,
                customer_id: l.customer_id,
                customer_email: email,
                account,
                month: l.month,
                instance_id: l.instance_id,
                instance_name: l.instance_name,
                zone_name: l.zone_name,
                offering_id: l.offering_id,
                offering_name: l.offering_name,
                tier: l.tier,
                usage_start: l.usage_start,
                usage_end: l.usage_end,
                hours: l.hours,
                source_usage_ids: l.source_usage_ids,
                resource_type: l.resource_type,
                parent_instance_id: l.parent_instance_id,
                hourly_minor: price.map(|p| p.0),
                monthly_minor: price.map(|p| p.1),
            })
        })
        .collect())
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
         WHERE customer_id = $1 AND usage_type = $2 AND start_ms >= $3 AND start_ms < $4",
    );
    if instance.is_some() {
        sql.push_str(" AND instance_id = $5");
    }
    sql.push_str(" GROUP BY instance_id, offering_id, start_ms / 86400000 ORDER BY day");
    let mut q =
        sqlx::query_as::<_, (String, String, i64, i64)>(&sql).bind(customer).bind(UsageType::AllocatedVm).bind(month_start).bind(month_end);
    if let Some(i) = instance {
        q = q.bind(i);
    }
    q.fetch_all(db).await.context("reading daily usage")
}

/// Snapshot storage per snapshot and UTC day: (snapshot id, day, Σ bytes × micro-hours).
pub async fn daily_storage(
    db: &sqlx::AnyPool,
    customer: &str,
    month_start: i64,
    month_end: i64,
) -> anyhow::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT instance_id, start_ms / 86400000 AS day, CAST(SUM(size_bytes * micro_hours) AS BIGINT) FROM usage_records
         WHERE customer_id = $1 AND usage_type = $2 AND start_ms >= $3 AND start_ms < $4
         GROUP BY instance_id, start_ms / 86400000 ORDER BY day",
    )
    .bind(customer)
    .bind(UsageType::Snapshot)
    .bind(month_start)
    .bind(month_end)
    .fetch_all(db)
    .await
    .context("reading daily snapshot storage")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQLite export's JSON rows read back as the lines they were, whatever the text holds.
    #[tokio::test]
    async fn any_text_survives_the_json_rows_including_quotes_nulls_and_other_scripts() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let columns = LINE_COLUMNS.join(", ");
        let sql = format!(
            "SELECT json_group_array(json_array({columns})) FROM (SELECT 'L1' AS id, 'c:1' AS customer_id, '2026-12' AS month,
             'i-1' AS instance_id, 'név \"q\" \\ -12:x' AS instance_name, '東京' AS zone_name, 'o' AS offering_id, '' AS offering_name,
             NULL AS tier, 0 AS usage_start, -5 AS usage_end, 744 AS hours, 'a b' AS source_usage_ids, 'instance' AS resource_type,
             NULL AS parent_instance_id
             UNION ALL SELECT 'L2', 'c', 'm', 'i', 'n', 'z', 'o', 'O', 'agile', 1, 2, 3, '', 'snapshot', 'i-1')"
        );
        let text: String = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
        let got: Vec<PlainLine> = serde_json::from_str(&text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].id.as_str(), got[0].customer_id.as_str(), got[0].month.as_str()), ("L1", "c:1", "2026-12"));
        assert_eq!(got[0].instance_name, "név \"q\" \\ -12:x");
        assert_eq!(got[0].zone_name, "東京");
        assert_eq!(got[0].offering_name, "");
        assert_eq!(got[0].tier, None);
        assert_eq!((got[0].usage_start, got[0].usage_end, got[0].hours), (0, -5, 744));
        assert_eq!(got[1].tier.as_deref(), Some("agile"));
        assert_eq!(got[1].source_usage_ids, "");
        assert_eq!(
            (got[0].parent_instance_id.as_deref(), got[1].resource_type.as_str(), got[1].parent_instance_id.as_deref()),
            (None, "snapshot", Some("i-1"))
        );
        assert!(serde_json::from_str::<Vec<PlainLine>>(r#"[["L1","c"]]"#).is_err(), "a short row is an error, not a guess");
    }
}
