use gongzhi_platform::sea_orm::entity::prelude::*;

/// An organization's bid (投标/响应文件), one per project, sealed until the submission
/// deadline. States: `submitted`, `withdrawn`; after opening `valid` or `invalid`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_bids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub org_id: Uuid,
    pub org_name: String,
    pub org_uscc: String,
    pub price_fen: i64,
    pub proposal: String,
    /// JSON: the admission checks as they stood when the bid was submitted.
    pub eligibility: String,
    pub state: String,
    pub invalid_reason: String,
    /// Order of submission (ties in ranking go to the earlier bid).
    pub seq: i32,
    /// The credit rating (0–100) at the opening: the past-performance part of the score.
    pub credit_score: i32,
    pub submitted_at: DateTimeUtc,
    pub submitted_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
