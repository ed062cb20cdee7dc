use sea_orm::entity::prelude::*;

/// An uploaded file: its bytes live in the file store under their SHA-256, outside the web root.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub sha256: String,
    pub size: i64,
    /// Detected from the content, never taken from the client.
    pub content_type: String,
    /// The name the uploader gave it (shown, never used as a path).
    pub name: String,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
