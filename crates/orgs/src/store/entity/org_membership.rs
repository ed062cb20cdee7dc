use gongzhi_platform::sea_orm::entity::prelude::*;

/// An organization's membership of a hub organization or federation; ending it keeps the row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub hub_id: Uuid,
    pub member_id: Uuid,
    pub joined_on: Date,
    pub left_on: Option<Date>,
    /// left (ended by hand) / hub_withdrawn (the recognition was withdrawn) / hub_ended /
    /// member_ended (deregistered or revoked).
    pub left_cause: Option<String>,
    pub left_reason: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
