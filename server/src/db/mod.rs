//! The database: SQLite (embedded default) or PostgreSQL (several servers), through one sqlx `Any`
//! pool so every query is written once. SQL stays portable: `$N` placeholders (SQLite accepts them),
//! TEXT ids, BIGINT millisecond timestamps (UTC), no engine-specific types.
//!
//! SQLite runs in WAL mode with a busy timeout, foreign keys on and `synchronous=FULL`: billing data
//! must survive a power loss, and the write volume of a control panel is small.

pub mod sessions;

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
    /// The same database through sqlx's engine-specific driver, for the session store and for the
    /// few bulk reads where `Any`'s per-value conversion is most of the cost (the billing exports).
    pub typed: Typed,
    pub sessions: sessions::SessionBackend,
}

/// A pool of the engine's own driver. Small: it serves sessions and bulk reads, not the panel's
/// queries, which stay written once against `pool`.
#[derive(Clone, Debug)]
pub enum Typed {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Typed {
    async fn connect(kind: DbKind, url: &str) -> anyhow::Result<Typed> {
        Ok(match kind {
            DbKind::Sqlite => {
                use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
                use std::str::FromStr;
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true);
                Typed::Sqlite(SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?)
            }
            DbKind::Postgres => Typed::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await?),
        })
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("kind", &self.kind).finish()
    }
}

pub fn kind_of(url: &str) -> anyhow::Result<DbKind> {
    if url.starts_with("sqlite:") {
        Ok(DbKind::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DbKind::Postgres)
    } else {
        anyhow::bail!("ZENITH_DATABASE_URL must start with sqlite:// or postgres://")
    }
}

/// Opens (creating the SQLite file and its folder if needed) without migrating.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let kind = kind_of(url)?;
    let url = match kind {
        DbKind::Sqlite => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
            }
            format!("sqlite://{path}?mode=rwc")
        }
        DbKind::Postgres => url.to_string(),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if kind == DbKind::Sqlite {
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .context("opening the database")?;
    if kind == DbKind::Sqlite {
        // Persistent in the file; set once, before anything else writes.
        pool.execute("PRAGMA journal_mode = WAL").await.context("enabling WAL")?;
    }
    let typed = Typed::connect(kind, &url).await.context("opening the database")?;
    let sessions = sessions::SessionBackend::new(&typed)?;
    Ok(Db { pool, kind, typed, sessions })
}

impl Db {
    /// Applies pending migrations (embedded in the binary) and the session store's table.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut migrator = sqlx::migrate!("./migrations");
        // During a rolling upgrade the new version migrates first; a server of the previous version
        // that restarts then finds migrations it does not know. They are additive, so it may run.
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await.context("applying migrations")?;
        self.sessions.migrate().await.context("creating the session table")?;
        self.guard_audit_log().await.context("making the audit log append-only")?;
        Ok(())
    }

    /// The database itself refuses to change or remove audit entries (trigger syntax differs by
    /// engine, so this runs after the portable migrations; it is idempotent).
    async fn guard_audit_log(&self) -> Result<(), sqlx::Error> {
        let statements: &[&str] = match self.kind {
            DbKind::Postgres => &[
                // Servers starting together must not race on replacing the function.
                "SELECT pg_advisory_xact_lock(7202611)",
                "CREATE OR REPLACE FUNCTION zenith_audit_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
                "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION zenith_audit_append_only()",
                "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION zenith_audit_append_only()",
            ],
            DbKind::Sqlite => &[
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                // `INSERT OR REPLACE` deletes the row it conflicts with without firing delete
                // triggers (recursive_triggers is off): an insert may never meet an existing id.
                "CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            ],
        };
        let mut tx = self.pool.begin().await?;
        for s in statements {
            sqlx::query(s).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// A transaction that will write. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`):
    /// a transaction that reads first and writes later would otherwise fail at once with "database is
    /// locked" when another one did the same, instead of waiting its turn.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.kind {
            DbKind::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            DbKind::Postgres => self.pool.begin().await,
        }
    }

    /// Readiness: the database answers within a second.
    pub async fn ping(&self) -> bool {
        matches!(tokio::time::timeout(Duration::from_secs(1), sqlx::query("SELECT 1").execute(&self.pool)).await, Ok(Ok(_)))
    }
}

/// A connection for repositories that take one (a transaction derefs to it).
pub type Conn = sqlx::AnyConnection;

/// A flag stored as a BIGINT 0 or 1 (the same on SQLite and PostgreSQL), read with
/// `#[sqlx(try_from = "i64")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<i64> for Flag {
    fn from(v: i64) -> Flag {
        Flag(v != 0)
    }
}

/// Now, in UTC milliseconds since the epoch (how Zenith stores time).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// RFC 3339 for the API, from stored milliseconds.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Is this the database telling us a UNIQUE constraint was hit?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
