use gongzhi_platform::sea_orm::entity::prelude::*;

/// A negative-list entry of one catalog version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_negatives")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub version_id: Uuid,
    pub code: String,
    pub category: String,
    pub title: String,
    pub description: String,
    /// JSON list of words.
    pub terms: String,
    pub basis: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
