//! The purchase API: public.

use super::*;

/// Published procurement notices of a district, newest first.
#[utoipa::path(get, path = "/api/v1/public/notices", tag = "procurement", params(NoticeQuery),
    responses((status = 200, body = Page<NoticeView>), (status = 404, body = Problem)))]
pub async fn public_notices(
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Json<Page<NoticeView>>> {
    let page = notices::list(&state, &q).await?;
    let names = purchaser_names(&state, page.items.iter().map(|p| p.node_code.clone())).await?;
    Ok(Json(page.map(|p| {
        let name = names.get(&p.node_code).cloned().unwrap_or_default();
        notice_view(&p, name)
    })))
}

/// One notice with its published clarifications (the asker is never named).
#[utoipa::path(get, path = "/api/v1/public/notices/{notice_id}", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)),
    responses((status = 200, body = NoticeDetail), (status = 404, body = Problem)))]
pub async fn public_notice(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<NoticeDetail>> {
    let p = notices::public(&state, &id).await?;
    let purchaser = purchaser_name(&state, &p.node_code).await?;
    let clar = notices::clarifications(&state.db.read, p.id, true).await?;
    let bid_count = if bids::deadline_passed(&p) {
        Some(bids::count(&state.db.read, p.id).await?)
    } else {
        None
    };
    Ok(Json(NoticeDetail {
        notice: notice_view(&p, purchaser),
        scope: p.scope.clone(),
        quantity: p.quantity,
        unit: p.unit.clone(),
        period_start: p.period_start,
        period_end: p.period_end,
        targets: projects::targets_of(&p),
        notice_text: p.notice_text.clone(),
        clarifications: clar.into_iter().map(clarification_view).collect(),
        bids: bid_count,
    }))
}
