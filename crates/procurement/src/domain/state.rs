//! The states of the purchase's records, named once: the workflow definitions are written with
//! them, and services, queries and pages compare with them, never with literals.

/// A need (需求申报); workflow `NEED`.
pub struct NeedState;
impl NeedState {
    pub const RAISED: &str = "raised";
    pub const ADOPTED: &str = "adopted";
    pub const DECLINED: &str = "declined";
}

/// A purchase project; workflow `PROJECT`.
pub struct ProjectState;
impl ProjectState {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const APPROVED: &str = "approved";
    pub const TENDERING: &str = "tendering";
    pub const EVALUATING: &str = "evaluating";
    pub const AWARDED: &str = "awarded";
    pub const CONTRACTED: &str = "contracted";
    pub const COMPLETED: &str = "completed";
    pub const TERMINATED: &str = "terminated";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
}

/// A challenge (质疑) and the complaint that may follow; workflow `CHALLENGE`.
pub struct ChallengeState;
impl ChallengeState {
    pub const OPEN: &str = "open";
    pub const ANSWERED: &str = "answered";
    pub const COMPLAINED: &str = "complained";
    pub const CLOSED: &str = "closed";
}

/// A contract; workflow `CONTRACT`.
pub struct ContractState;
impl ContractState {
    pub const IN_FORCE: &str = "in_force";
    pub const ACCEPTED: &str = "accepted";
    pub const EVALUATED: &str = "evaluated";
    pub const TERMINATED: &str = "terminated";
}

/// A contract's milestone; workflow `MILESTONE`.
pub struct MilestoneState;
impl MilestoneState {
    pub const PLANNED: &str = "planned";
    pub const SUBMITTED: &str = "submitted";
    pub const ACCEPTED: &str = "accepted";
    pub const REJECTED: &str = "rejected";
}

/// A bid: sealed until opening, then valid or invalid; the bidder may withdraw it before.
pub struct BidState;
impl BidState {
    pub const SUBMITTED: &str = "submitted";
    pub const VALID: &str = "valid";
    pub const INVALID: &str = "invalid";
    pub const WITHDRAWN: &str = "withdrawn";
}

/// A seat on an evaluation panel: drawn, then seated once the reviewer declares no conflict, or
/// removed (a conflict declared or detected).
pub struct SeatState;
impl SeatState {
    pub const DRAWN: &str = "drawn";
    pub const SEATED: &str = "seated";
    pub const REMOVED: &str = "removed";
}
