//! The runtime every Gongzhi module stands on. Modules reach the database, identity,
//! authorization, audit and workflows only through this crate.

pub mod api;
pub mod app;
pub mod audit;
pub mod authz;
pub mod clock;
pub mod config;
pub mod db;
pub mod entity;
pub mod files;
pub mod i18n;
pub mod identity;
pub mod jobs;
pub mod migration;
pub mod module;
pub mod notify;
pub mod tabular;
pub mod territory;
pub mod throttle;
pub mod ui;
pub mod versioned;
pub mod web;
pub mod workflow;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::Config;
pub use db::Db;
pub use module::Module;
pub use web::{AppError, AppState};

/// Re-exported so modules use the same versions.
pub use sea_orm;
pub use utoipa;
