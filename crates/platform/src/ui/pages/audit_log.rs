//! The audit log and the user's notifications.

use super::*;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    c: PageCtx,
    filters: Vec<(&'static str, String, String, &'static str)>,
    rows: Vec<(String, String, String, String, String)>,
    next: Option<String>,
    query: String,
    error: Option<String>,
    /// Auditors of every district may download the signed checkpoints.
    checkpoints: bool,
}

#[derive(Template)]
#[template(path = "audit_table.html")]
pub(super) struct AuditTable {
    c: PageCtx,
    rows: Vec<(String, String, String, String, String)>,
    next: Option<String>,
    query: String,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct AuditForm {
    scope: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

pub(super) fn parse_day(s: &Option<String>, end: bool) -> Option<chrono::DateTime<chrono::Utc>> {
    let d = chrono::NaiveDate::parse_from_str(s.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let d = if end { d.succ_opt()? } else { d };
    // Days are Beijing days.
    Some(d.and_hms_opt(0, 0, 0)?.and_utc() - chrono::Duration::hours(8))
}

pub(super) async fn audit_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let nz = |o: &Option<String>| o.clone().filter(|s| !s.trim().is_empty());
    let q = AuditFilter {
        scope: nz(&f.scope),
        action: nz(&f.action),
        entity_type: None,
        entity_id: nz(&f.entity_id),
        actor: nz(&f.actor),
        from: parse_day(&f.from, false),
        to: parse_day(&f.to, true),
    };
    let page = PageParams {
        limit: Some(50),
        cursor: nz(&f.cursor),
    };
    let pairs = [
        ("scope", &f.scope),
        ("action", &f.action),
        ("actor", &f.actor),
        ("entity_id", &f.entity_id),
        ("from", &f.from),
        ("to", &f.to),
    ];
    let query = pairs
        .iter()
        .filter_map(|(k, val)| {
            val.as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| format!("{k}={}", ui::urlencode(s)))
        })
        .collect::<Vec<_>>()
        .join("&");
    let (rows, next, error) = match audit_query(&state, &me.actor, &q, &page).await {
        Ok(page) => (
            page.items
                .into_iter()
                .map(|r| {
                    (
                        crate::ui::home::local_time(r.at),
                        r.actor,
                        r.action,
                        r.entity_id,
                        r.summary.to_string(),
                    )
                })
                .collect(),
            page.next_cursor,
            None,
        ),
        Err(AppError::Validation(errs)) => {
            (vec![], None, errs.0.first().map(crate::i18n::field_message))
        }
        Err(e) => return Err(e.into()),
    };
    if is_htmx(&headers) {
        return Ok(render(&AuditTable {
            c,
            rows,
            next,
            query,
        }));
    }
    let filters = vec![
        (
            "scope",
            c.t("audit.filter.scope"),
            f.scope.clone().unwrap_or_default(),
            "text",
        ),
        (
            "action",
            c.t("audit.col.action"),
            f.action.clone().unwrap_or_default(),
            "text",
        ),
        (
            "actor",
            c.t("audit.col.actor"),
            f.actor.clone().unwrap_or_default(),
            "text",
        ),
        (
            "entity_id",
            c.t("audit.col.entity_id"),
            f.entity_id.clone().unwrap_or_default(),
            "text",
        ),
        (
            "from",
            c.t("audit.filter.from"),
            f.from.clone().unwrap_or_default(),
            "date",
        ),
        (
            "to",
            c.t("audit.filter.to"),
            f.to.clone().unwrap_or_default(),
            "date",
        ),
    ];
    let checkpoints = crate::api::audit::may_keep_checkpoints(&state, &me.actor).await?;
    Ok(render(&AuditPage {
        c,
        filters,
        rows,
        next,
        query,
        error,
        checkpoints,
    }))
}

// ---------------------------------------------------------------------------------------------
// Notifications

pub struct NoticeRow {
    pub at: String,
    pub text: String,
    pub link: Option<String>,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub(super) struct NotificationsPage {
    c: PageCtx,
    items: Vec<NoticeRow>,
}

pub(super) async fn notifications_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
) -> PageResult {
    use crate::entity::notification;
    let items = notification::Entity::find()
        .filter(notification::Column::UserId.eq(me.actor.user_id.0))
        .order_by_desc(notification::Column::CreatedAt)
        .limit(100)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            at: crate::ui::home::local_time(n.created_at),
            text: crate::notify::render(c.locale, &n),
            link: n.link.clone(),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(&NotificationsPage { c, items }))
}

pub(super) async fn notifications_read(
    State(state): State<AppState>,
    me: CurrentActor,
) -> PageResult {
    crate::notify::mark_all_read(&state.db.write, me.actor.user_id.0).await?;
    Ok(see_other("/notifications"))
}
