use gongzhi_platform::sea_orm::entity::prelude::*;

/// A proposed adjustment of the catalog (workflow `catalog_change`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: String,
    /// The proposer's node.
    pub node_code: String,
    pub path: String,
    pub kind: String,
    pub code: String,
    /// JSON item or entry; `null` for retire and remove.
    pub payload: String,
    pub reason: String,
    pub state: String,
    pub proposed_by: Option<Uuid>,
    /// The version it took effect in.
    pub applied_in: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
