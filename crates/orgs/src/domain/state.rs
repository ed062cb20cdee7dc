//! The states of the registry's records, named once: the workflow definitions are written with
//! them, and services, queries and pages compare with them, never with literals.

/// An organization's life; workflow `LIFECYCLE`.
pub struct OrgState;
impl OrgState {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const COMMUNITY_REVIEWED: &str = "community_reviewed";
    pub const RETURNED: &str = "returned";
    pub const FILED: &str = "filed";
    pub const REJECTED: &str = "rejected";
    pub const ACTIVE: &str = "active";
    pub const DEREGISTERED: &str = "deregistered";
    pub const REVOKED: &str = "revoked";
}

/// A key-fact change (名称、负责人、住所等变更); workflow `KEY_FACT_CHANGE`.
pub struct ChangeState;
impl ChangeState {
    pub const SUBMITTED: &str = "submitted";
    pub const COMMUNITY_REVIEWED: &str = "community_reviewed";
    pub const APPROVED: &str = "approved";
    pub const RETURNED: &str = "returned";
    pub const REJECTED: &str = "rejected";
    pub const WITHDRAWN: &str = "withdrawn";
}

/// An evaluation grade: in force until it expires, or revoked (lowered to none).
pub struct GradeStatus;
impl GradeStatus {
    pub const IN_FORCE: &str = "in_force";
    pub const REVOKED: &str = "revoked";
}
