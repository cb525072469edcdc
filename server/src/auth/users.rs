//! The `users` table.

use crate::db::{now_ms, Db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
    pub password_changed_at: i64,
    pub disabled_at: Option<i64>,
    pub totp_secret_sealed: Option<String>,
    pub totp_pending_sealed: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: i64,
}

const COLUMNS: &str = "id, email, password_hash, role, created_at, password_changed_at, disabled_at, totp_secret_sealed, totp_pending_sealed, totp_enabled_at, totp_last_step";

pub async fn by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1")).bind(email).fetch_optional(&db.pool).await
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(&db.pool).await
}

pub async fn insert(db: &Db, id: &str, email: &str, password_hash: &str, role: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id)
        .bind(email)
        .bind(password_hash)
        .bind(role)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_password(db: &Db, id: &str, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
