use gongzhi_platform::sea_orm::entity::prelude::*;

/// A service to a graduated organization (出壳后服务).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alumni_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incubation_id: Uuid,
    pub org_id: Uuid,
    /// contact / resource_link / assessment / public_support
    pub kind: String,
    pub served_on: Date,
    pub note: String,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
