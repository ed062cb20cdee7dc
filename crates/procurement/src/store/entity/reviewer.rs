use gongzhi_platform::sea_orm::entity::prelude::*;

/// A reviewer drawn onto a project's evaluation panel. States: `drawn` (to declare), `seated`
/// (declared no conflict), `removed` (declared or detected conflict).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_reviewers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub state: String,
    /// What the reviewer declared, or the conflict the system found.
    pub conflict_note: String,
    pub declared_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
