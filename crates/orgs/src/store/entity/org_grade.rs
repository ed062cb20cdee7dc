use gongzhi_platform::sea_orm::entity::prelude::*;

/// An evaluation grade (5A–1A) and its five-year validity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_grades")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// 1 to 5 (1A … 5A).
    pub grade: i32,
    pub score: Option<i32>,
    pub awarded_on: Date,
    /// In force while the day is before this.
    pub expires_on: Date,
    /// in_force / revoked
    pub status: String,
    pub note: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
