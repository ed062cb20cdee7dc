//! Documents of an organization (charter, registration certificate, reports): uploaded by its
//! own administrators or by staff, readable by whoever may read the organization.

use gongzhi_kernel::authz::Actor;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::entity::stored_file;
use gongzhi_platform::files::{self, Upload};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::ORG_EDIT;
use crate::store::entity::org_document;
use crate::service::{get_visible, resource};

pub const KINDS: [&str; 4] = ["charter", "certificate", "report", "other"];

pub async fn upload(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    kind: &str,
    title: &str,
    file: Option<&Upload>,
) -> AppResult<org_document::Model> {
    let o = get_visible(state, actor, org_id).await?;
    state.authorize(actor, ORG_EDIT, &resource(&o))?;
    let mut e = gongzhi_kernel::ValidationErrors::new();
    if !KINDS.contains(&kind) {
        e.add("kind", "org.document_kind_unknown");
    }
    let title = title.trim();
    if title.chars().count() > 100 {
        e.push(gongzhi_kernel::FieldError::new("title", "org.too_long").arg("max", 100));
    }
    if file.is_none() {
        e.add("file", "file.required");
    }
    e.clone().into_result()?;
    let file = file.expect("checked");
    let txn = state.db.write.begin().await?;
    let f = files::store(state, &txn, who, file).await?;
    let d = org_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        kind: Set(kind.into()),
        file_id: Set(f.id),
        title: Set(if title.is_empty() {
            f.name.clone()
        } else {
            title.into()
        }),
        uploaded_by: Set(who.user_id),
        uploaded_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "org.document_add",
            entity_type: "org",
            entity_id: &o.id.to_string(),
            scope_path: &o.path,
            summary: json!({"document": d.id, "kind": d.kind, "title": d.title, "sha256": f.sha256, "size": f.size}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    org_id: &str,
) -> AppResult<Vec<(org_document::Model, stored_file::Model)>> {
    let o = get_visible(state, actor, org_id).await?;
    let docs = org_document::Entity::find()
        .filter(org_document::Column::OrgId.eq(o.id))
        .order_by_desc(org_document::Column::UploadedAt)
        .all(&state.db.read)
        .await?;
    let files: Vec<stored_file::Model> = stored_file::Entity::find()
        .filter(stored_file::Column::Id.is_in(docs.iter().map(|d| d.file_id)))
        .all(&state.db.read)
        .await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| {
            let f = files.iter().find(|f| f.id == d.file_id)?.clone();
            Some((d, f))
        })
        .collect())
}

pub async fn download(
    state: &AppState,
    actor: &Actor,
    org_id: &str,
    document_id: &str,
) -> AppResult<axum::response::Response> {
    let o = get_visible(state, actor, org_id).await?;
    let id: uuid::Uuid = document_id.parse().map_err(|_| AppError::NotFound)?;
    let d = org_document::Entity::find_by_id(id)
        .filter(org_document::Column::OrgId.eq(o.id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = files::find(&state.db.read, d.file_id).await?;
    files::download(state, &f).await
}
