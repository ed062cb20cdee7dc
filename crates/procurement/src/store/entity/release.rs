use gongzhi_platform::sea_orm::entity::prelude::*;

/// An OCDS release as published at one stage of a process; never changed afterwards.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_releases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ocid: String,
    pub project_id: Uuid,
    pub district: String,
    pub year: i32,
    /// The release tag (planning, tender, tenderUpdate, award, contract, implementation,
    /// contractTermination).
    pub tag: String,
    pub date: DateTimeUtc,
    /// The release JSON.
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
