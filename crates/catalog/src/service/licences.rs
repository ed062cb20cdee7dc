//! Licences and filings an organization holds (养老机构备案, 食品经营许可证, …), recorded by
//! registry staff who have seen them; admission criteria can require them.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_kernel::authz::Actor;
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_orgs::ORG_STANDING;
use gongzhi_orgs::face::{OrgCard, visible};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::domain::LICENCE_KINDS;
use crate::store::entity::licence;
use crate::service::today;

#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct LicenceInput {
    /// social_work_agency / elderly_care_filing / childcare_filing / food_business /
    /// psychological_counselling / medical_practice / private_school / public_fundraising
    pub kind: String,
    pub number: String,
    #[serde(default)]
    pub issued_by: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct RevokeInput {
    pub revoked_on: NaiveDate,
    pub version: i32,
}

pub fn check(input: &LicenceInput, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if !LICENCE_KINDS.contains(&input.kind.as_str()) {
        errors.push(FieldError::new("kind", "catalog.licence_unknown").arg("value", &input.kind));
    }
    let number = input.number.trim().chars().count();
    if number == 0 {
        errors.push(FieldError::new("number", "catalog.required"));
    } else if number > 60 {
        errors.push(FieldError::new("number", "catalog.too_long").arg("max", 60));
    }
    if input.issued_by.trim().chars().count() > 60 {
        errors.push(FieldError::new("issued_by", "catalog.too_long").arg("max", 60));
    }
    if input.valid_from > today {
        errors.push(FieldError::new("valid_from", "catalog.date_in_future"));
    }
    if input.valid_until.is_some_and(|u| u < input.valid_from) {
        errors.push(FieldError::new("valid_until", "catalog.date_order"));
    }
    errors.into_result()
}

pub async fn list(
    conn: &impl ConnectionTrait,
    org_id: uuid::Uuid,
) -> AppResult<Vec<licence::Model>> {
    Ok(licence::Entity::find()
        .filter(licence::Column::OrgId.eq(org_id))
        .order_by_asc(licence::Column::Kind)
        .order_by_desc(licence::Column::ValidFrom)
        .all(conn)
        .await?)
}

async fn staff_on(state: &AppState, actor: &Actor, org_id: &str) -> AppResult<OrgCard> {
    let o = visible(state, actor, org_id).await?;
    state.authorize(actor, ORG_STANDING, &o.resource())?;
    Ok(o)
}

fn log<'a>(
    action: &'a str,
    o: &'a OrgCard,
    id: &'a str,
    summary: serde_json::Value,
) -> Change<'a> {
    Change {
        action,
        entity_type: "org_licence",
        entity_id: id,
        scope_path: &o.path,
        summary,
    }
}

pub async fn record(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    input: &LicenceInput,
) -> AppResult<licence::Model> {
    let o = staff_on(state, actor, org_id).await?;
    check(input, today())?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = licence::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        kind: Set(input.kind.clone()),
        number: Set(input.number.trim().to_string()),
        issued_by: Set(input.issued_by.trim().to_string()),
        valid_from: Set(input.valid_from),
        valid_until: Set(input.valid_until),
        revoked_on: Set(None),
        recorded_by: Set(Some(actor.user_id.0)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        log(
            "catalog.licence_recorded",
            &o,
            &row.id.to_string(),
            json!({"org_id": o.id, "kind": row.kind, "number": row.number,
                "valid_from": row.valid_from, "valid_until": row.valid_until}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The organization a licence belongs to, for authorization.
pub async fn get(state: &AppState, id: &str) -> AppResult<licence::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    licence::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &RevokeInput,
) -> AppResult<licence::Model> {
    let l = get(state, id).await?;
    let o = staff_on(state, actor, &l.org_id.to_string()).await?;
    if l.revoked_on.is_some() {
        return Err(AppError::Conflict("catalog.licence_revoked"));
    }
    if input.revoked_on > today() {
        return Err(AppError::field("revoked_on", "catalog.date_in_future"));
    }
    if input.revoked_on < l.valid_from {
        return Err(AppError::field("revoked_on", "catalog.date_order"));
    }
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        licence::Entity::update_many()
            .col_expr(licence::Column::RevokedOn, Expr::value(input.revoked_on))
            .filter(licence::Column::Id.eq(l.id))
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        log(
            "catalog.licence_revoked",
            &o,
            &l.id.to_string(),
            json!({"org_id": o.id, "kind": l.kind, "revoked_on": input.revoked_on}),
        ),
    )
    .await?;
    let fresh = licence::Entity::find_by_id(l.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(fresh)
}
