use gongzhi_platform::sea_orm::entity::prelude::*;

/// An item of one catalog version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub version_id: Uuid,
    pub code: String,
    pub category_code: String,
    pub name: String,
    pub description: String,
    pub tier: String,
    pub purchasable: bool,
    pub service_standard: String,
    pub unit: String,
    pub price_min_fen: Option<i64>,
    pub price_max_fen: Option<i64>,
    /// JSON list of `domain::Indicator`.
    pub indicators: String,
    /// JSON `domain::AdmissionCriteria`.
    pub criteria: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
