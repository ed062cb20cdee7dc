use gongzhi_platform::sea_orm::entity::prelude::*;

/// A need (需求申报) raised by a community or a street department, with evidence of resident
/// demand; the street adopts it into a project or declines it (workflow `purchase_need`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: String,
    pub node_code: String,
    pub path: String,
    pub title: String,
    pub description: String,
    pub evidence: String,
    /// Residents who asked for it.
    pub residents: i32,
    /// The catalog item the raiser suggests; may be empty.
    pub item_code: String,
    pub state: String,
    pub project_id: Option<Uuid>,
    pub raised_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
