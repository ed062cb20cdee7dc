use gongzhi_platform::sea_orm::entity::prelude::*;

/// One item of a stay's mentoring plan (督导陪伴): a thing to have done by a date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mentoring_plan_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubation_id: Uuid,
    pub position: i32,
    pub title: String,
    pub due_on: Date,
    pub done_on: Option<Date>,
    pub done_note: String,
    pub done_by: Option<Uuid>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
