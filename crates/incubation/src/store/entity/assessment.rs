use gongzhi_platform::sea_orm::entity::prelude::*;

/// A mid-term or graduation assessment with scores per dimension.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incubation_assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubation_id: Uuid,
    /// midterm / graduation
    pub kind: String,
    pub assessed_on: Date,
    /// JSON object: dimension → score.
    pub scores: String,
    pub total: i32,
    pub passed: bool,
    pub notes: String,
    pub assessor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
