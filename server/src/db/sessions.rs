//! The tower-sessions store for the configured database (sessions survive restarts and are shared
//! between servers). tower-sessions-sqlx-store has one type per database; this picks one at start.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::DbKind;

#[derive(Clone, Debug)]
pub enum SessionBackend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    pub async fn connect(kind: DbKind, url: &str) -> anyhow::Result<SessionBackend> {
        Ok(match kind {
            DbKind::Sqlite => {
                use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
                use std::str::FromStr;
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(std::time::Duration::from_secs(5))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
                SessionBackend::Sqlite(SqliteStore::new(pool).with_table_name("tower_sessions").map_err(anyhow::Error::msg)?)
            }
            DbKind::Postgres => {
                let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await?;
                SessionBackend::Postgres(PostgresStore::new(pool))
            }
        })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            SessionBackend::Sqlite(s) => s.migrate().await,
            SessionBackend::Postgres(s) => s.migrate().await,
        }
    }
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.create(record).await,
            SessionBackend::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.save(record).await,
            SessionBackend::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s) => s.load(id).await,
            SessionBackend::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete(id).await,
            SessionBackend::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete_expired().await,
            SessionBackend::Postgres(s) => s.delete_expired().await,
        }
    }
}
