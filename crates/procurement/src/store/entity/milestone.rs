use gongzhi_platform::sea_orm::entity::prelude::*;

/// A milestone (里程碑) with its deliverables and payment share. States: `planned`,
/// `submitted` (the provider reported it delivered), `accepted`, `rejected` (to resubmit).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_milestones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub seq: i32,
    pub title: String,
    pub deliverables: String,
    pub due_on: Date,
    pub share_fen: i64,
    pub paid_fen: i64,
    pub state: String,
    pub accepted_on: Option<Date>,
    pub review_note: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
