use gongzhi_platform::sea_orm::entity::prelude::*;

/// An organization's application to enter an incubator (入驻申请).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incubation_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub cohort_id: Uuid,
    pub incubator_id: Uuid,
    pub org_id: Uuid,
    /// The incubator's path: the scope its managers hold.
    pub path: String,
    /// What the organization wants to achieve in incubation.
    pub plan: String,
    /// Support it asks for (venue, training, finance, projects...).
    pub needs: String,
    /// domain::APPLICATION states
    pub state: String,
    pub submitted_on: Date,
    /// The first review is due by this working day.
    pub review_due_on: Date,
    pub reviewed_on: Option<Date>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
