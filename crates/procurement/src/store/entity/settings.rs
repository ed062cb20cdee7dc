use gongzhi_platform::sea_orm::entity::prelude::*;

/// A district's purchase settings: the open-tender threshold its province set, and the weight
/// of service users' satisfaction in performance evaluations.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub district: String,
    pub open_tender_threshold_fen: i64,
    pub satisfaction_pct: i32,
    /// JSON `CreditModel`; the default model while empty.
    pub credit_model: Option<String>,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
