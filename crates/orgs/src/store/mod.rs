//! The module's tables: entities and migrations.

pub mod entity;
pub mod migration;
