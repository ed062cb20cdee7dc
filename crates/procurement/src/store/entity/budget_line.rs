use gongzhi_platform::sea_orm::entity::prelude::*;

/// A purchaser's budget (预算) for a year from one fund source. Approved projects commit it,
/// payments draw it down; `amount - committed - spent` never goes below zero.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_budget_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: String,
    /// The purchaser: a street office or the district.
    pub node_code: String,
    pub path: String,
    pub year: i32,
    pub source: String,
    pub title: String,
    pub amount_fen: i64,
    pub committed_fen: i64,
    pub spent_fen: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
