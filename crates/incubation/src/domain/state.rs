//! The states of incubation's records, named once: the workflow definitions are written with
//! them, and services, queries and pages compare with them, never with literals.

/// An application to a call; workflow `APPLICATION`.
pub struct ApplicationState;
impl ApplicationState {
    pub const SUBMITTED: &str = "submitted";
    pub const RETURNED: &str = "returned";
    pub const ACCEPTED: &str = "accepted";
    pub const DECLINED: &str = "declined";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const ADMITTED: &str = "admitted";
    /// Still before the incubator: waiting, sent back for more, or accepted and not yet in.
    pub const PENDING: [&str; 3] = [Self::SUBMITTED, Self::RETURNED, Self::ACCEPTED];
}

/// A stay in incubation; workflow `STAY`.
pub struct StayState;
impl StayState {
    pub const IN_INCUBATION: &str = "in_incubation";
    pub const GRADUATED: &str = "graduated";
    pub const EXITED: &str = "exited";
}
