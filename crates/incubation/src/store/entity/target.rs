use gongzhi_platform::sea_orm::entity::prelude::*;

/// A yearly cultivation target for one level of the district (e.g. 10 / 30 / 90).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cultivation_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// district / street / community
    pub level: String,
    pub territory_code: String,
    pub path: String,
    pub target: i32,
    pub note: String,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
