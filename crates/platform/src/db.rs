//! Database handle. SQLite serializes writes through one writer connection and reads through a
//! pool (WAL lets readers run beside the writer); PostgreSQL uses one pool for both.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

#[derive(Clone)]
pub struct Db {
    /// Use for transactions that change state.
    pub write: DatabaseConnection,
    /// Use for reads; on SQLite it never blocks the writer.
    pub read: DatabaseConnection,
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, DbErr> {
        if url.starts_with("sqlite:") {
            let write = Self::sqlite_pool(url, 1).await?;
            let read = Self::sqlite_pool(url, 8).await?;
            Ok(Db { write, read })
        } else {
            let mut opts = ConnectOptions::new(url.to_string());
            opts.max_connections(32)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let conn = Database::connect(opts).await?;
            Ok(Db {
                write: conn.clone(),
                read: conn,
            })
        }
    }

    async fn sqlite_pool(url: &str, max: u32) -> Result<DatabaseConnection, DbErr> {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
        Database::connect(opts).await
    }

    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            DbBackend::Postgres => "PostgreSQL",
            DbBackend::Sqlite => "SQLite",
            _ => "other",
        }
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    pub async fn close(self) {
        let _ = self.write.close().await;
        let _ = self.read.close().await;
    }
}
