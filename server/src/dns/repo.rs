//! The `ptr_records` table.

use crate::db::{now_ms, Conn, Flag};
use app::model::ptr::PtrName;

/// One address's PTR as Zenith means it to be.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PtrRow {
    pub address: String,
    pub reverse_name: String,
    pub zone: String,
    /// The target (lower case, without its trailing dot).
    pub name: PtrName,
    #[sqlx(try_from = "i64")]
    pub custom: Flag,
    pub instance_id: Option<String>,
    /// The cloud zone's name, for the default pattern's `{zone}`.
    pub cloud_zone: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "address, reverse_name, zone, name, custom, instance_id, cloud_zone, updated_at";

pub async fn get(conn: &mut Conn, address: &str) -> Result<Option<PtrRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ptr_records WHERE address = $1")).bind(address).fetch_optional(conn).await
}

/// What the embedded DNS server answers for a reverse name.
pub async fn by_reverse_name(conn: &mut Conn, reverse_name: &str) -> Result<Option<PtrRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ptr_records WHERE reverse_name = $1")).bind(reverse_name).fetch_optional(conn).await
}

/// When anything in `zone` last changed (`None`: Zenith holds no record there).
pub async fn zone_changed_at(conn: &mut Conn, zone: &str) -> Result<Option<i64>, sqlx::Error> {
    let (at,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(updated_at) FROM ptr_records WHERE zone = $1").bind(zone).fetch_one(conn).await?;
    Ok(at)
}

pub async fn all(conn: &mut Conn) -> Result<Vec<PtrRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ptr_records ORDER BY zone, reverse_name")).fetch_all(conn).await
}

pub async fn of_instance(conn: &mut Conn, instance_id: &str) -> Result<Vec<PtrRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM ptr_records WHERE instance_id = $1")).bind(instance_id).fetch_all(conn).await
}

/// Writes `row` whole (insert or replace), stamped now.
pub async fn put(conn: &mut Conn, row: &PtrRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ptr_records (address, reverse_name, zone, name, custom, instance_id, cloud_zone, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (address) DO UPDATE SET reverse_name = $2, zone = $3, name = $4, custom = $5, instance_id = $6,
             cloud_zone = $7, updated_at = $8",
    )
    .bind(&row.address)
    .bind(&row.reverse_name)
    .bind(&row.zone)
    .bind(row.name.as_str())
    .bind(row.custom.0 as i64)
    .bind(row.instance_id.as_deref())
    .bind(&row.cloud_zone)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets an address nobody holds (its record is already gone from DNS), unless it was taken again
/// meanwhile.
pub async fn forget_unheld(conn: &mut Conn, address: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM ptr_records WHERE address = $1 AND instance_id IS NULL").bind(address).execute(conn).await?;
    Ok(n.rows_affected() == 1)
}
