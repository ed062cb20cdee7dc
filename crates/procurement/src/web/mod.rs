//! API handlers, page handlers and exports; thin, over the services.

pub mod api;
pub mod ui;
pub mod ui_contract;
pub mod ui_org;
pub mod ui_project;
pub mod ui_public;
pub mod ui_results;
