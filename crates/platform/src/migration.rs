//! Migrations. Every module contributes its own; the runner applies the ones not yet recorded in
//! `schema_migrations`, in module order, each in its own transaction.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TransactionTrait};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseConnection;

use crate::module::Module;

pub mod cols;
mod core;
pub use core::{AuditKeysAndThrottle, CoreSchema, FilesAndJobs};

/// A path column: byte-order collation on PostgreSQL so prefix range scans use the index.
pub fn path_col(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut c = ColumnDef::new(name);
    c.string().not_null();
    if backend == DbBackend::Postgres {
        c.extra("COLLATE \"C\"");
    }
    c
}

pub async fn run(
    conn: &DatabaseConnection,
    modules: &[std::sync::Arc<dyn Module>],
) -> Result<Vec<String>, DbErr> {
    let backend = conn.get_database_backend();
    conn.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)",
    )
    .await?;
    let applied: Vec<String> = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM schema_migrations",
        ))
        .await?
        .into_iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect::<Result<_, _>>()?;
    let mut done = Vec::new();
    for module in modules {
        for m in module.migrations() {
            let name = format!("{}::{}", module.name(), m.name());
            if applied.contains(&name) {
                continue;
            }
            let txn = conn.begin().await?;
            {
                let manager = SchemaManager::new(&txn);
                m.up(&manager).await?;
            }
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)"
                    }
                    _ => "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                },
                [name.clone().into(), chrono::Utc::now().to_rfc3339().into()],
            ))
            .await?;
            txn.commit().await?;
            tracing::info!(migration = %name, "applied");
            done.push(name);
        }
    }
    Ok(done)
}
