use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub scope_path: String,
    /// The path's district, street and community segments, for indexed scope filters.
    pub scope_district: String,
    pub scope_street: Option<String>,
    pub scope_community: Option<String>,
    /// JSON text describing the change.
    pub summary: String,
    pub ip: Option<String>,
    /// Position in the hash chain, assigned when sealed.
    pub chain_index: Option<i64>,
    pub entry_hash: Option<String>,
    /// `<key id>:<HMAC>` over the entry's content, made when it was written: an entry put into
    /// the database by anything but the platform has none that checks.
    pub entry_mac: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
