//! The import page: upload a table, see every row's problems, or the organizations land.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::i18n::field_message;
use gongzhi_platform::ui::{PageCtx, PageError, render_status, see_other};
use gongzhi_platform::web::{AppError, AppState, CurrentActor};

type PageResult = Result<axum::response::Response, PageError>;

#[derive(Template)]
#[template(path = "org_import.html")]
struct ImportPage {
    c: PageCtx,
    columns: String,
    general: Option<String>,
    /// Communities the rows without a territory may go to: (code, name, selected).
    territories: Vec<(String, String, bool)>,
    /// (row, field label, message)
    rows: Vec<(String, String, String)>,
}

async fn view(
    state: &AppState,
    me: &CurrentActor,
    c: PageCtx,
    chosen: Option<String>,
    general: Option<String>,
    rows: Vec<(String, String, String)>,
    status: StatusCode,
) -> PageResult {
    use gongzhi_platform::entity::territory;
    use gongzhi_platform::sea_orm::{
        ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    };
    let filter = state.policy.scope_filter(&me.actor, crate::ORG_REGISTER);
    let territories = territory::Entity::find()
        .filter(gongzhi_platform::authz::scope_condition(
            &filter,
            (territory::Entity, territory::Column::Path),
        ))
        .filter(territory::Column::Level.ne("grid"))
        .order_by_asc(territory::Column::Path)
        .limit(1000)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| {
            let on = chosen.as_deref() == Some(n.code.as_str());
            (n.code, n.name, on)
        })
        .collect();
    let columns = crate::service::import::COLUMNS
        .iter()
        .map(|(_, names)| names[1])
        .collect::<Vec<_>>()
        .join("、");
    let columns = format!("{}{columns}", c.t("orgs.import_columns"));
    Ok(render_status(
        status,
        &ImportPage {
            c,
            columns,
            general,
            territories,
            rows,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct TerritoryQuery {
    territory: Option<String>,
}

pub async fn import_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    gongzhi_platform::web::Query(q): gongzhi_platform::web::Query<TerritoryQuery>,
) -> PageResult {
    let chosen = q.territory.filter(|t| !t.trim().is_empty());
    if let Some(code) = &chosen {
        let node = gongzhi_platform::territory::get(&state.db.read, code)
            .await?
            .ok_or(AppError::NotFound)?;
        state.authorize(
            &me.actor,
            crate::ORG_REGISTER,
            &gongzhi_kernel::authz::ResourceScope::territory(node.path),
        )?;
    }
    view(&state, &me, c, chosen, None, vec![], StatusCode::OK).await
}

pub async fn import_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    form: Multipart,
) -> PageResult {
    let mut chosen = None;
    let result = async {
        let (fields, file) = gongzhi_platform::files::read_multipart(&state, form).await?;
        chosen = fields
            .get("territory")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let file = file.ok_or_else(|| AppError::field("file", "file.required"))?;
        let xlsx = file.name.to_lowercase().ends_with(".xlsx");
        let table = gongzhi_platform::tabular::read_table(&file.bytes, xlsx)?;
        crate::service::import::import(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &table,
            chosen.as_deref(),
        )
        .await
    }
    .await;
    match result {
        Ok(created) => Ok(see_other(&format!(
            "/orgs?done=org_imported&n={}",
            created.len()
        ))),
        Err(AppError::Validation(errors))
            if errors.iter().any(|e| !e.field.starts_with("rows.")) =>
        {
            // About the file as a whole (unreadable, no header, empty): one message.
            let m = errors
                .iter()
                .map(field_message)
                .collect::<Vec<_>>()
                .join("；");
            view(
                &state,
                &me,
                c,
                chosen,
                Some(m),
                vec![],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            let rows = errors
                .0
                .iter()
                .map(|e| {
                    let mut parts = e.field.splitn(3, '.');
                    let (row, field) = match (parts.next(), parts.next(), parts.next()) {
                        (Some("rows"), Some(n), Some(f)) => (n.to_string(), f.to_string()),
                        _ => ("—".to_string(), e.field.clone()),
                    };
                    let label = crate::service::import::COLUMNS
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, names)| names[1].to_string())
                        .unwrap_or(field);
                    (row, label, field_message(e))
                })
                .collect();
            view(
                &state,
                &me,
                c,
                chosen,
                None,
                rows,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
