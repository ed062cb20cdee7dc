use gongzhi_platform::sea_orm::entity::prelude::*;

/// A mentor's record of meeting the organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mentoring_checkins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubation_id: Uuid,
    pub mentor_id: Option<Uuid>,
    pub met_on: Date,
    /// visit / phone / online
    pub mode: String,
    pub minutes: i32,
    pub notes: String,
    /// The plan item the meeting worked on, if any.
    pub plan_item_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
