use gongzhi_platform::sea_orm::entity::prelude::*;

/// A dated result on an organization: a performance evaluation (with its grade), a breach of
/// contract or a termination. Never changed; the credit rating reads them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_org_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// `evaluation`, `breach` or `termination`.
    pub kind: String,
    pub grade: Option<String>,
    pub project_id: Option<Uuid>,
    pub on_date: Date,
    pub detail: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
