use gongzhi_platform::sea_orm::entity::prelude::*;

/// An annual report (for `year`, due 31 May of the next year) and its inspection result.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_annual_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub year: i32,
    pub submitted_on: Date,
    /// pending / qualified / basically_qualified / unqualified
    pub inspection: String,
    pub inspected_on: Option<Date>,
    pub note: String,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
