use gongzhi_platform::sea_orm::entity::prelude::*;

/// A stay on the abnormal or the serious-dishonesty list; ended, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_list_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// abnormal / serious
    pub list: String,
    /// Trigger kinds, comma-separated, in the order they happened.
    pub triggers: String,
    pub entered_on: Date,
    /// The latest event: clocks run from here.
    pub clock_from: Date,
    /// none / pending / verified
    pub rectification: String,
    pub rectified_on: Option<Date>,
    pub removal_requested_on: Option<Date>,
    pub removed_on: Option<Date>,
    /// auto / rectified / request / escalated
    pub removal_reason: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
