use gongzhi_platform::sea_orm::entity::prelude::*;

/// An organization's stay in an incubator, from its entry agreement (入驻协议) to graduation (出壳) or exit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incubations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubator_id: Uuid,
    pub cohort_id: Uuid,
    pub application_id: Uuid,
    pub org_id: Uuid,
    pub path: String,
    /// budding / startup / growing / hub
    pub stage: String,
    pub stage_since: Date,
    pub mentor_id: Option<Uuid>,
    pub agreement_signed_on: Date,
    pub agreement_terms: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// domain::STAY states
    pub state: String,
    pub ended_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
