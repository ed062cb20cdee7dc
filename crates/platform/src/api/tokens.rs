use crate::web::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::AuditActor;
use crate::entity::{api_token, user};
use crate::identity;
use crate::web::{Access, ApiJson, AppError, AppResult, AppState, CurrentActor, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/tokens", Access::SignedIn, list)
        .post("/api/v1/tokens", Access::SignedIn, create)
        .post("/api/v1/tokens/{token_id}/revoke", Access::SignedIn, revoke)
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: uuid::Uuid,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenView {
    fn from(m: api_token::Model) -> Self {
        TokenView {
            id: m.id,
            name: m.name,
            prefix: m.prefix,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// Your own API tokens (newest first).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = Vec<TokenView>)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentActor,
) -> AppResult<Json<Vec<TokenView>>> {
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(me.actor.user_id.0))
        .order_by_desc(api_token::Column::CreatedAt)
        .limit(200)
        .all(&state.db.read)
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// Days until it expires (1–3650); without it the token lasts until revoked.
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The secret, shown this once. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::api::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<NewToken>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    let u = user::Entity::find_by_id(me.actor.user_id.0)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let who = AuditActor::from(&me);
    let (m, secret) = identity::create_token(
        &state,
        &who,
        u.id,
        &u.home_path,
        &body.name,
        body.expires_in_days,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: m.into(),
            secret,
        }),
    ))
}

/// Revoke one of your tokens. Someone else's token is "not found".
#[utoipa::path(post, path = "/api/v1/tokens/{token_id}/revoke", tag = "auth", params(("token_id" = uuid::Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 404, body = crate::api::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(token_id): Path<String>,
) -> AppResult<Json<TokenView>> {
    let t = identity::revoke_own_token(
        &state,
        &AuditActor::from(&me),
        me.actor.user_id.0,
        &token_id,
    )
    .await?;
    Ok(Json(t.into()))
}
