use gongzhi_platform::sea_orm::entity::prelude::*;

/// An incubator (孵化基地) at a hub of the district, a street or a community.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incubators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub hub_id: Uuid,
    pub name: String,
    /// district / street / community: the level of the hub's node.
    pub level: String,
    pub territory_code: String,
    pub path: String,
    pub capacity: i32,
    /// First review of an application within this many working days.
    pub review_days: i32,
    pub operator_org_id: Option<Uuid>,
    pub description: String,
    /// JSON list of `domain::PlanItemDef`: the mentoring plan every new stay starts with.
    pub plan: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
