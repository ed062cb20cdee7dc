use gongzhi_platform::sea_orm::entity::prelude::*;

/// The performance evaluation (绩效评价) of a contract, one per contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// `street` or `third_party`.
    pub evaluator_kind: String,
    pub evaluator_id: Option<Uuid>,
    /// JSON `[{name, target, actual, score}]`.
    pub targets: String,
    /// Hundredths of a point (0–10000).
    pub targets_score: i32,
    /// Hundredths; none without responses.
    pub satisfaction_score: Option<i64>,
    pub responses: i32,
    pub satisfaction_pct: i32,
    pub score: i32,
    pub grade: String,
    pub note: String,
    pub evaluated_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
