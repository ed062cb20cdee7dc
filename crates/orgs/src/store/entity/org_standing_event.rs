use gongzhi_platform::sea_orm::entity::prelude::*;

/// A dated event in an organization's standing: a trigger, an investigation, a list change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_standing_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: String,
    pub occurred_on: Date,
    pub amount_fen: Option<i64>,
    pub note: String,
    /// Keeps a job from recording the same event twice (e.g. the report year).
    pub ref_key: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
