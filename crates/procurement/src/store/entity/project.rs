use gongzhi_platform::sea_orm::entity::prelude::*;

/// A purchase project (立项) and its procurement process: one OCDS `ocid` each. Workflow
/// `purchase_project`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proc_projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: String,
    /// The purchaser's node: a street or the district, never a community.
    pub node_code: String,
    pub path: String,
    /// `<node>-<year>-<seq>`, unique; the OCDS ocid is built from it.
    pub number: String,
    pub year: i32,
    pub title: String,
    pub item_code: String,
    pub item_name: String,
    /// The catalog version the project was drawn up under.
    pub catalog_version: i32,
    pub scope: String,
    pub quantity: i32,
    pub unit: String,
    pub period_start: Date,
    pub period_end: Date,
    pub budget_fen: i64,
    pub budget_line_id: Uuid,
    /// JSON `[{name, target}]`, drawn from the item's indicators.
    pub targets: String,
    /// JSON `PreAssessment`.
    pub pre_assessment: String,
    pub method: String,
    pub justification: String,
    pub approval_ref: String,
    /// JSON array of invited organization ids (invited tender, single source).
    pub invited: String,
    /// JSON `Rubric`.
    pub rubric: String,
    pub state: String,
    /// The failed or cancelled process this one follows.
    pub predecessor_id: Option<Uuid>,
    pub notice_at: Option<DateTimeUtc>,
    pub enquiry_until: Option<Date>,
    pub submit_until: Option<DateTimeUtc>,
    pub notice_text: String,
    /// Bumped by every bid: the row lock that orders bids against the opening.
    pub bid_seq: i32,
    pub created_by: Option<Uuid>,
    /// The award: the winning bid, the notice day and the clocks it starts.
    pub awarded_bid_id: Option<Uuid>,
    pub award_on: Option<Date>,
    pub challenge_until: Option<Date>,
    pub standstill_until: Option<Date>,
    pub sign_by: Option<Date>,
    /// How many reviewers the panel needs.
    pub panel_size: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
