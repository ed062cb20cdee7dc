use gongzhi_platform::sea_orm::entity::prelude::*;

/// A bidder's challenge (质疑) of an award, the purchaser's answer and any complaint (投诉)
/// that follows. States: `open`, `answered`, `complained`, `closed`; `open` and `complained`
/// block the contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_challenges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub org_id: Uuid,
    pub grounds: String,
    pub received_on: Date,
    pub answer_due: Date,
    pub answer: String,
    pub answered_on: Option<Date>,
    /// `upheld` or `dismissed`, once answered.
    pub outcome: String,
    pub complaint_until: Option<Date>,
    pub complaint: String,
    pub complained_on: Option<Date>,
    /// The finance department's decision on a complaint.
    pub resolution: String,
    pub state: String,
    pub raised_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
