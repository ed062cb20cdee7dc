use gongzhi_platform::sea_orm::entity::prelude::*;

/// One reviewer's scores of one bid, in hundredths of a point. Price and past performance are
/// computed, the same for every reviewer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub bid_id: Uuid,
    pub reviewer_id: Uuid,
    pub technical: i32,
    pub quality: i32,
    pub comment: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
