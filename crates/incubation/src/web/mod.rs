//! API handlers, page handlers and exports; thin, over the services.

pub mod api;
pub mod ui;
pub mod ui_stays;
