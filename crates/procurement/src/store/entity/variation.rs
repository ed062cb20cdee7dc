use gongzhi_platform::sea_orm::entity::prelude::*;

/// A contract variation: a single-source top-up (添购, ≤ 10% in total) or another change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_variations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// `top_up` or `change`.
    pub kind: String,
    pub amount_fen: i64,
    pub reason: String,
    pub on_date: Date,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
