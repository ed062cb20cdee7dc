use gongzhi_platform::sea_orm::entity::prelude::*;

/// A question from an organization about a notice, and the purchaser's published clarification
/// (which may also be issued without a question). The asker is never published.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_clarifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub org_id: Option<Uuid>,
    pub question: String,
    pub answer: String,
    pub asked_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub asked_by: Option<Uuid>,
    pub answered_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
