//! Behaviour tests through the real router, on a fresh database per test. SQLite by default;
//! set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres for PostgreSQL.
//! These are the flows that cross modules and the platform-wide checks (the route walk, the
//! manifest, browser flows); a module's own behaviour is tested in its crate's `tests/`.

mod api {
    pub mod audit;
    pub mod authz_walk;
    pub mod browser;
    pub mod cli;
    pub mod desk;
    pub mod fixture;
    pub mod identity;
    pub mod manifest;
    pub mod pages;
    pub mod plumbing;
    pub mod purchase;
    pub mod territory;
    pub mod workflow;
}
