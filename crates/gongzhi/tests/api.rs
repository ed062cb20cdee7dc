//! Behaviour tests through the real router, on a fresh database per test. SQLite by default;
//! set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres for PostgreSQL.
//! One test binary for the crate keeps linking time down.

mod api {
    pub mod audit;
    pub mod authz_walk;
    pub mod browser;
    pub mod catalog;
    pub mod changes;
    pub mod cli;
    pub mod fixture;
    pub mod identity;
    pub mod incubation;
    pub mod manifest;
    pub mod networks;
    pub mod orgs;
    pub mod pages;
    pub mod plumbing;
    pub mod purchase;
    pub mod standing;
    pub mod territory;
    pub mod workflow;
}
