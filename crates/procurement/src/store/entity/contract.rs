use gongzhi_platform::sea_orm::entity::prelude::*;

/// A purchase contract (合同) with its required terms. States: `in_force`, `accepted` (验收
/// passed), `evaluated` (performance graded), `terminated`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub bid_id: Uuid,
    pub org_id: Uuid,
    pub org_name: String,
    pub district: String,
    pub path: String,
    pub number: String,
    pub content: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub quantity: i32,
    pub unit: String,
    pub quality: String,
    /// The price with top-ups.
    pub price_fen: i64,
    /// The price as signed.
    pub original_fen: i64,
    pub settlement: String,
    pub rights: String,
    pub breach: String,
    pub budget_secured: bool,
    pub fixed_continuous_stable: bool,
    pub signed_on: Date,
    pub state: String,
    pub accepted_on: Option<Date>,
    pub acceptance_note: String,
    pub terminated_on: Option<Date>,
    pub termination_reason: String,
    /// A third-party evaluator assigned to it (a user holding the evaluator role).
    pub evaluator_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
