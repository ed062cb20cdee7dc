use gongzhi_platform::sea_orm::entity::prelude::*;

/// The configurable code lists (民发〔2017〕191号 fields, Guangzhou's cultivation categories, …).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub scheme: String,
    pub name_zh: String,
    pub name_en: String,
    pub sort: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
