use gongzhi_platform::sea_orm::entity::prelude::*;

/// A call for entry and the cohort it fills (孵化批次).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incubation_cohorts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubator_id: Uuid,
    pub name: String,
    pub call_text: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub starts_on: Date,
    pub ends_on: Date,
    pub seats: i32,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
