use gongzhi_platform::sea_orm::entity::prelude::*;

/// A proposed change of an organization's key facts, reviewed on the workflow engine.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// JSON of `domain::KeyFacts`.
    pub proposed: String,
    pub reason: String,
    /// domain::KEY_FACT_CHANGE states
    pub state: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Set by the workflow engine on every step.
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
