//! SeaORM entities of the platform's tables (one set for SQLite and PostgreSQL).

pub mod api_token;
pub mod audit_entry;
pub mod audit_seal;
pub mod form_submission;
pub mod hub;
pub mod job_run;
pub mod login_source;
pub mod login_throttle;
pub mod notification;
pub mod role_assignment;
pub mod session;
pub mod stored_file;
pub mod territory;
pub mod user;
pub mod workflow_event;
