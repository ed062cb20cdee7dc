use gongzhi_platform::sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orgs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub uscc: Option<String>,
    pub legal_form: String,
    pub tier: String,
    /// Lifecycle state (domain::LIFECYCLE).
    pub state: String,
    pub territory_code: String,
    pub path: String,
    pub scope_district: String,
    pub scope_street: Option<String>,
    pub scope_community: Option<String>,
    pub founded_on: Option<Date>,
    pub registered_on: Option<Date>,
    pub service_areas: String,
    pub target_groups: String,
    pub supervising_unit: String,
    pub person_in_charge: String,
    /// Personal information: shown masked.
    pub person_in_charge_id: Option<String>,
    pub contact_phone: Option<String>,
    pub staff_count: i32,
    pub social_worker_count: i32,
    pub party_org: String,
    /// hub_org (枢纽型社会组织) / federation (联合会), as recognized by the street or district.
    pub hub_kind: Option<String>,
    pub hub_since: Option<Date>,
    /// The territory code whose organizations it gathers: its own node or one above it.
    pub hub_reach: Option<String>,
    pub hub_path: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
