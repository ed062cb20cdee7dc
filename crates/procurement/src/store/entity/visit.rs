use gongzhi_platform::sea_orm::entity::prelude::*;

/// A monitoring visit by the street: `satisfactory`, `rectify` (with what to fix) or `breach`
/// (which leaves a breach record on the provider).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub visited_on: Date,
    pub findings: String,
    pub verdict: String,
    pub rectification: String,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
