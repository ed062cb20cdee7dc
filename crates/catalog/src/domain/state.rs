//! The states of a catalog change, named once: the workflow definition is written with them,
//! and services and pages compare with them, never with literals.

/// A proposed change to the catalog; workflow `CATALOG_CHANGE`.
pub struct ChangeState;
impl ChangeState {
    pub const PROPOSED: &str = "proposed";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const APPLIED: &str = "applied";
}
