//! The notification tables: opt-outs (a row is a "no"), spend thresholds, and what was told already.

use crate::db::Conn;
use app::model::billing::Month;
use app::model::UserId;

/// The kinds a customer may turn off (their words in `notification_opt_outs`).
pub const ACTION_FAILED: &str = "action_failed";
pub const STATEMENT_READY: &str = "statement_ready";

pub async fn opted_out(conn: &mut Conn, user: &UserId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT kind FROM notification_opt_outs WHERE user_id = $1").bind(user).fetch_all(&mut *conn).await
}

pub async fn wants(conn: &mut Conn, user: &UserId, kind: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notification_opt_outs WHERE user_id = $1 AND kind = $2")
        .bind(user)
        .bind(kind)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n == 0)
}

pub async fn set_opt_out(conn: &mut Conn, user: &UserId, kind: &str, out: bool) -> Result<(), sqlx::Error> {
    let q = match out {
        true => "INSERT INTO notification_opt_outs (user_id, kind) VALUES ($1, $2) ON CONFLICT (user_id, kind) DO NOTHING",
        false => "DELETE FROM notification_opt_outs WHERE user_id = $1 AND kind = $2",
    };
    sqlx::query(q).bind(user).bind(kind).execute(&mut *conn).await?;
    Ok(())
}

pub async fn thresholds(conn: &mut Conn, user: &UserId) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT amount_minor FROM spend_thresholds WHERE user_id = $1 ORDER BY amount_minor")
        .bind(user)
        .fetch_all(&mut *conn)
        .await
}

pub async fn replace_thresholds(conn: &mut Conn, user: &UserId, minors: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM spend_thresholds WHERE user_id = $1").bind(user).execute(&mut *conn).await?;
    for m in minors {
        sqlx::query("INSERT INTO spend_thresholds (user_id, amount_minor) VALUES ($1, $2)").bind(user).bind(m).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The thresholds not yet told for `month`, by account (sorted by account, then amount).
pub async fn untold_thresholds(conn: &mut Conn, month: Month) -> Result<Vec<(UserId, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.user_id, t.amount_minor FROM spend_thresholds t
         WHERE NOT EXISTS (SELECT 1 FROM spend_notices n WHERE n.user_id = t.user_id AND n.month = $1 AND n.amount_minor = t.amount_minor)
         ORDER BY t.user_id, t.amount_minor",
    )
    .bind(month.to_string())
    .fetch_all(&mut *conn)
    .await
}

/// Records that `user` was told of crossing `minor` in `month`; false when they already were.
pub async fn mark_spend_told(conn: &mut Conn, user: &UserId, month: Month, minor: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("INSERT INTO spend_notices (user_id, month, amount_minor) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(user)
        .bind(month.to_string())
        .bind(minor)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Records that `user` was told `month`'s statement is ready; false when they already were.
pub async fn mark_statement_told(conn: &mut Conn, user: &UserId, month: Month) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("INSERT INTO statement_notices (user_id, month) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user)
        .bind(month.to_string())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The accounts billed in `month` that want its statement and have not been told yet.
pub async fn owed_statements(conn: &mut Conn, month: Month) -> Result<Vec<UserId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT l.customer_id FROM statement_lines l
         WHERE l.month = $1
           AND NOT EXISTS (SELECT 1 FROM statement_notices n WHERE n.user_id = l.customer_id AND n.month = $1)
           AND NOT EXISTS (SELECT 1 FROM notification_opt_outs o WHERE o.user_id = l.customer_id AND o.kind = $2)",
    )
    .bind(month.to_string())
    .bind(STATEMENT_READY)
    .fetch_all(&mut *conn)
    .await
}
