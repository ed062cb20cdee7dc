//! The registry's own behaviour through the real router, on the platform and this module alone:
//! a fresh database per test, SQLite by default, PostgreSQL with
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres.

mod changes;
mod fixture;
mod networks;
mod registry;
mod standing;
