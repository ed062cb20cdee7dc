use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_seals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seal_no: i64,
    pub first_index: i64,
    pub last_index: i64,
    pub last_hash: String,
    pub sealed_at: DateTimeUtc,
    /// The key that signed the checkpoint, and its Ed25519 signature (hex).
    pub key_id: Option<String>,
    pub signature: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
