//! The catalog's own behaviour through the real router, on the platform, the registry and this
//! module: a fresh database per test, SQLite by default, PostgreSQL with
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres.

mod fixture;
mod flows;
