//! API handlers, page handlers and exports; thin, over the services.

pub mod api;
pub mod api_network;
pub mod api_standing;
pub mod ui;
pub mod ui_edit;
pub mod ui_import;
pub mod ui_network;
pub mod ui_standing;
pub mod export;
