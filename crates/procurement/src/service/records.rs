//! Results applied (结果运用): the dated records purchases leave on organizations, and the credit
//! rating computed from them with the organization's grade and standing.

use chrono::NaiveDate;
use gongzhi_catalog::face as qualify;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use gongzhi_platform::web::AppResult;

use crate::store::entity::org_record;
use crate::domain::rating::{CreditModel, Inputs, Record};

/// The district's credit model, or the default one.
pub async fn model(conn: &impl ConnectionTrait, district: &str) -> AppResult<CreditModel> {
    Ok(crate::service::settings(conn, district).await?.credit_model)
}

/// An organization's records, newest first.
pub async fn of_org(
    conn: &impl ConnectionTrait,
    org: uuid::Uuid,
) -> AppResult<Vec<org_record::Model>> {
    Ok(org_record::Entity::find()
        .filter(org_record::Column::OrgId.eq(org))
        .order_by_desc(org_record::Column::OnDate)
        .all(conn)
        .await?)
}

/// What the model reads about an organization on `on`.
pub async fn inputs(
    conn: &impl ConnectionTrait,
    org: uuid::Uuid,
    on: NaiveDate,
) -> AppResult<(Inputs, Vec<org_record::Model>)> {
    let facts = qualify::provider(conn, org, on).await?.facts;
    let rows = of_org(conn, org).await?;
    let inputs = Inputs {
        grade: facts.grade,
        abnormal: facts.abnormal,
        serious: facts.serious,
        records: rows
            .iter()
            .map(|r| Record {
                kind: r.kind.clone(),
                grade: r.grade.clone(),
                on: r.on_date,
            })
            .collect(),
    };
    Ok((inputs, rows))
}


/// Leave a record on an organization (in the caller's transaction).
pub async fn record(
    conn: &impl ConnectionTrait,
    org: uuid::Uuid,
    kind: &str,
    grade: Option<&str>,
    project: Option<uuid::Uuid>,
    on: NaiveDate,
    detail: &str,
) -> AppResult<org_record::Model> {
    Ok(org_record::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        kind: Set(kind.into()),
        grade: Set(grade.map(str::to_string)),
        project_id: Set(project),
        on_date: Set(on),
        detail: Set(detail.into()),
        created_at: Set(gongzhi_platform::audit::now()),
    }
    .insert(conn)
    .await?)
}
