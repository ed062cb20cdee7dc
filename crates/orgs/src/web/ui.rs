//! Pages of the registry: the directory, the reviewer queue, an organization's page with the
//! actions its viewer may take, and the application form.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gongzhi_kernel::authz::ResourceScope;
use gongzhi_kernel::workflow::ReasonRule;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use gongzhi_platform::ui::{
    FormState, PageCtx, PageError, first_submission, form_errors, is_htmx, once, render,
    render_status, see_other, urlencode,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Probe, Routes};
use gongzhi_platform::web::{Path, Query};

use crate::domain::{self, OrgInput};
use crate::store::entity::{org, org_category};
use crate::service::{self, OrgFilter};
use crate::{ORG_APPLY, ORG_DECIDE, ORG_READ, ORG_REVIEW};
use gongzhi_platform::web::PageParams;
use crate::domain::{ChangeState, OrgState};

type PageResult = Result<axum::response::Response, PageError>;
/// A filter select: (field name, label, options as (value, text, selected)).
type FilterSelect = (&'static str, String, Vec<(String, String, bool)>);
/// A form select: (field name, label, options as (value, text)).
type FormSelect = (&'static str, String, Vec<(String, String)>);

pub fn routes() -> Routes {
    Routes::new()
        .get("/orgs", Access::Permission(ORG_READ), directory)
        .probe_query("territory={foreign_street}")
        .get("/public/orgs", Access::Public, public_directory)
        .get("/public/orgs/{org_id}", Access::Public, public_org)
        .get("/orgs/queue", Access::Permission(ORG_READ), queue)
        .probe_query("territory={foreign_street}")
        .get("/orgs/apply", Access::Permission(ORG_APPLY), apply_form)
        .probe_query("territory={foreign_community}")
        .post("/orgs/apply", Access::Permission(ORG_APPLY), apply_submit)
        .probe_form(
            "name=%E6%8E%A2%E9%92%88%E4%BA%92%E5%8A%A9%E4%BC%9A&tier=filed&territory={foreign_community}&categories=191.service&person_in_charge=x&_once=probe-org",
        )
        .get("/orgs/import", Access::Permission(crate::ORG_REGISTER), crate::web::ui_import::import_form)
        .probe_query("territory={foreign_street}")
        .upload("/orgs/import", Access::Permission(crate::ORG_REGISTER), crate::web::ui_import::import_submit)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orgs.csv\"\r\nContent-Type: text/csv\r\n\r\n名称,组织形式,管理层级,统一社会信用代码,所属区划代码,类别,登记日期\n探针导入协会,社会团体,登记,51440308MJ01234560,{foreign_community},为民服务,2020-01-01\n\r\n--XyZ--\r\n"),
            content_type: "multipart/form-data; boundary=XyZ",
        })
        .get("/orgs/{org_id}", Access::Permission(ORG_READ), org_page)
        .post("/orgs/{org_id}/transitions", Access::Permission(ORG_READ), org_transition)
        .probe_form("transition=deregister&version=1&reason=x")
        .get("/orgs/{org_id}/edit", Access::Permission(crate::ORG_EDIT), crate::web::ui_edit::edit_form)
        .post("/orgs/{org_id}/edit", Access::Permission(crate::ORG_EDIT), crate::web::ui_edit::edit_submit)
        .probe_form("op=edit&version=1&service_areas=x&categories=191.service&staff_count=3&social_worker_count=1&party_org=none")
        .post(
            "/org-changes/{change_id}/transitions",
            Access::Permission(ORG_READ),
            crate::web::ui_edit::change_transition,
        )
        .probe_form("transition=approve&version=1")
        .post(
            "/orgs/{org_id}/network",
            Access::Permission(ORG_READ),
            crate::web::ui_network::network_submit,
        )
        .probe_form("op=designate&kind=hub_org&reach={foreign_street}&version=1")
        .post(
            "/orgs/{org_id}/standing",
            Access::Permission(ORG_READ),
            crate::web::ui_standing::standing_submit,
        )
        .probe_form("op=event&kind=warning&occurred_on=2026-01-05&version=1")
        .upload(
            "/orgs/{org_id}/documents",
            Access::Permission(crate::ORG_EDIT),
            crate::web::ui_standing::upload_submit,
        )
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncharter\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"charter.pdf\"\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: "multipart/form-data; boundary=XyZ",
        })
}

pub struct Row {
    pub id: uuid::Uuid,
    pub name: String,
    pub tier: String,
    pub state: String,
    pub territory: String,
    pub categories: String,
    /// Grade in force and list membership, e.g. "4A · 活动异常名录".
    pub standing: String,
    /// "联合会 · 12" for a recognized hub and its current members; empty otherwise.
    pub hub: String,
}

#[derive(Template)]
#[template(path = "orgs_list.html")]
struct ListPage {
    c: PageCtx,
    title: String,
    queue: bool,
    can_apply: bool,
    can_import: bool,
    q: String,
    selects: Vec<FilterSelect>,
    rows: Vec<Row>,
    next: Option<String>,
    base: &'static str,
    link: String,
    /// Where the filter form and the row links go.
    action: &'static str,
    public: bool,
    /// In the queue: key-fact changes waiting for this viewer, with their organization's name.
    changes: Vec<(uuid::Uuid, String, crate::web::ui_edit::ChangeRow)>,
}

#[derive(Template)]
#[template(path = "orgs_table.html")]
struct TablePart {
    c: PageCtx,
    rows: Vec<Row>,
    next: Option<String>,
    base: &'static str,
    link: String,
    /// Where the filter form and the row links go.
    action: &'static str,
    public: bool,
}

async fn category_labels(
    state: &AppState,
    c: &PageCtx,
) -> Result<Vec<(String, String)>, PageError> {
    let en = c.lang == "en";
    Ok(org_category::Entity::find()
        .order_by_asc(org_category::Column::Sort)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|k| (k.code, if en { k.name_en } else { k.name_zh }))
        .collect())
}

async fn rows(
    state: &AppState,
    c: &PageCtx,
    items: Vec<org::Model>,
) -> Result<Vec<Row>, PageError> {
    let ids: Vec<uuid::Uuid> = items.iter().map(|o| o.id).collect();
    let mut cats = service::categories_of(&state.db.read, &ids).await?;
    let labels: HashMap<String, String> = category_labels(state, c).await?.into_iter().collect();
    let nodes: HashMap<String, String> = territory::Entity::find()
        .filter(territory::Column::Code.is_in(items.iter().map(|o| o.territory_code.clone())))
        .select_only()
        .column(territory::Column::Code)
        .column(territory::Column::Name)
        .into_tuple::<(String, String)>()
        .all(&state.db.read)
        .await?
        .into_iter()
        .collect();
    let badges = crate::service::standing_svc::badges(
        &state.db.read,
        &ids,
        gongzhi_platform::clock::today(),
    )
    .await?;
    let hub_ids: Vec<uuid::Uuid> = items
        .iter()
        .filter(|o| o.hub_kind.is_some())
        .map(|o| o.id)
        .collect();
    let counts = crate::service::network::member_counts(&state.db.read, &hub_ids).await?;
    Ok(items
        .into_iter()
        .map(|o| Row {
            hub: o
                .hub_kind
                .as_ref()
                .map(|k| {
                    format!(
                        "{} · {}",
                        c.t(&format!("org.hub_kind.{k}")),
                        c.t_args(
                            "orgs.member_count",
                            &[("n", counts.get(&o.id).copied().unwrap_or(0).to_string())]
                        )
                    )
                })
                .unwrap_or_default(),
            standing: badges
                .get(&o.id)
                .map(|b| {
                    let mut parts: Vec<String> = b
                        .grade
                        .map(crate::domain::standing::grade_label)
                        .into_iter()
                        .collect();
                    if b.serious {
                        parts.push(c.t("standing.list.serious"));
                    }
                    if b.abnormal {
                        parts.push(c.t("standing.list.abnormal"));
                    }
                    parts.join(" · ")
                })
                .unwrap_or_default(),
            categories: cats
                .remove(&o.id)
                .unwrap_or_default()
                .iter()
                .map(|k| labels.get(k).cloned().unwrap_or_else(|| k.clone()))
                .collect::<Vec<_>>()
                .join("、"),
            tier: c.t(&format!("org.tier.{}", o.tier)),
            state: c.t(&format!("org.state.{}", o.state)),
            territory: nodes
                .get(&o.territory_code)
                .cloned()
                .unwrap_or_else(|| o.territory_code.clone()),
            id: o.id,
            name: o.name,
        })
        .collect())
}

fn option(value: &str, text: String, current: &Option<String>) -> (String, String, bool) {
    (value.to_string(), text, current.as_deref() == Some(value))
}

async fn directory(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Query(q): Query<OrgFilter>,
    Query(p): Query<PageParams>,
) -> PageResult {
    let page = service::list(&state, &me.actor, &q, &fifty(p)).await?;
    list_view(&state, c, &headers, &q, page, false).await
}

/// The public directory: filed and registered organizations, no personal data.
async fn public_directory(
    State(state): State<AppState>,
    c: PageCtx,
    headers: HeaderMap,
    Query(q): Query<OrgFilter>,
    Query(p): Query<PageParams>,
) -> PageResult {
    let page = service::list_public(&state, &q, &fifty(p)).await?;
    list_view(&state, c, &headers, &q, page, true).await
}

/// Pages of the directory show fifty rows.
fn fifty(p: PageParams) -> PageParams {
    PageParams {
        limit: Some(50),
        cursor: p.cursor,
    }
}

async fn list_view(
    state: &AppState,
    c: PageCtx,
    headers: &HeaderMap,
    q: &OrgFilter,
    page: gongzhi_platform::web::Page<org::Model>,
    public: bool,
) -> PageResult {
    let (action, base) = if public {
        ("/public/orgs", "/public/orgs?")
    } else {
        ("/orgs", "/orgs?")
    };
    let pairs = [
        ("q", &q.q),
        ("state", &q.state),
        ("tier", &q.tier),
        ("category", &q.category),
        ("territory", &q.territory),
        ("grade", &q.grade),
        ("standing", &q.standing),
        ("hub", &q.hub),
    ];
    let link = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| format!("{k}={}", urlencode(s)))
        })
        .collect::<Vec<_>>()
        .join("&");
    let next = page.next_cursor.clone();
    let rows = rows(state, &c, page.items).await?;
    if is_htmx(headers) {
        return Ok(render(&TablePart {
            c,
            rows,
            next,
            base,
            link,
            action,
            public,
        }));
    }
    let any = c.t("orgs.any");
    let states = [
        OrgState::SUBMITTED,
        OrgState::COMMUNITY_REVIEWED,
        OrgState::RETURNED,
        OrgState::FILED,
        OrgState::REJECTED,
        OrgState::ACTIVE,
        OrgState::DEREGISTERED,
        OrgState::REVOKED,
        OrgState::DRAFT,
    ];
    let mut state_opts = vec![option("", any.clone(), &q.state)];
    state_opts.extend(
        states
            .iter()
            .map(|s| option(s, c.t(&format!("org.state.{s}")), &q.state)),
    );
    let mut tier_opts = vec![option("", any.clone(), &q.tier)];
    tier_opts.extend(domain::Tier::ALL.iter().map(|t| {
        option(
            t.as_str(),
            c.t(&format!("org.tier.{}", t.as_str())),
            &q.tier,
        )
    }));
    let mut cat_opts = vec![option("", any.clone(), &q.category)];
    cat_opts.extend(
        category_labels(state, &c)
            .await?
            .into_iter()
            .map(|(k, l)| option(&k, l, &q.category)),
    );
    let mut grade_opts = vec![option("", any.clone(), &q.grade)];
    grade_opts.extend(
        (1..=5)
            .rev()
            .map(|g| option(&g.to_string(), format!("{g}A"), &q.grade)),
    );
    let mut standing_opts = vec![option("", any.clone(), &q.standing)];
    standing_opts.extend(
        ["clear", "abnormal", "serious"]
            .iter()
            .map(|s| option(s, c.t(&format!("orgs.standing.{s}")), &q.standing)),
    );
    let mut hub_opts = vec![option("", any.clone(), &q.hub)];
    hub_opts.push(option("any", c.t("orgs.hub_any"), &q.hub));
    hub_opts.extend(
        domain::HUB_KINDS
            .iter()
            .map(|k| option(k, c.t(&format!("org.hub_kind.{k}")), &q.hub)),
    );
    let mut selects = Vec::new();
    if !public {
        selects.push(("state", c.t("orgs.state"), state_opts));
    }
    selects.extend([
        ("tier", c.t("orgs.tier"), tier_opts),
        ("category", c.t("orgs.categories"), cat_opts),
        ("grade", c.t("standing.grade"), grade_opts),
        ("standing", c.t("standing.lists"), standing_opts),
        ("hub", c.t("orgs.hub_kind"), hub_opts),
    ]);
    let can_apply = !public && c.can(state, ORG_APPLY);
    let can_import = !public && c.can(state, crate::ORG_REGISTER);
    Ok(render(&ListPage {
        title: c.t(if public {
            "orgs.public_title"
        } else {
            "nav.orgs"
        }),
        q: q.q.clone().unwrap_or_default(),
        c,
        queue: false,
        can_apply,
        can_import,
        selects,
        rows,
        next,
        base,
        link,
        action,
        public,
        changes: Vec::new(),
    }))
}

/// What waits for this reviewer: the street decides community-reviewed applications, the
/// community reviews submitted ones.
async fn queue(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<OrgFilter>,
    Query(p): Query<PageParams>,
) -> PageResult {
    let waiting = if state.policy.holds_anywhere(&me.actor, ORG_DECIDE) {
        OrgState::COMMUNITY_REVIEWED
    } else if state.policy.holds_anywhere(&me.actor, ORG_REVIEW) {
        OrgState::SUBMITTED
    } else {
        return Err(AppError::Forbidden.into());
    };
    let query = OrgFilter {
        state: Some(waiting.into()),
        territory: q.territory.clone(),
        ..Default::default()
    };
    let page = service::list(&state, &me.actor, &query, &fifty(p)).await?;
    let next = page.next_cursor.clone();
    let rows = rows(&state, &c, page.items).await?;
    let changes = pending_changes(&state, &c, &me).await?;
    let link = q
        .territory
        .as_ref()
        .map(|t| format!("territory={}", urlencode(t)))
        .unwrap_or_default();
    Ok(render(&ListPage {
        title: c.t("orgs.queue"),
        c,
        queue: true,
        can_apply: false,
        can_import: false,
        q: String::new(),
        selects: vec![],
        rows,
        next,
        base: "/orgs/queue?",
        link,
        action: "/orgs",
        public: false,
        changes,
    }))
}

/// Key-fact changes in the viewer's scope that wait for a step the viewer may take, oldest first.
async fn pending_changes(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
) -> Result<Vec<(uuid::Uuid, String, crate::web::ui_edit::ChangeRow)>, PageError> {
    use crate::store::entity::org_change;
    let waiting = org_change::Entity::find()
        .filter(org_change::Column::State.is_in([ChangeState::SUBMITTED, ChangeState::COMMUNITY_REVIEWED]))
        .order_by_asc(org_change::Column::CreatedAt)
        .limit(500)
        .all(&state.db.read)
        .await?;
    let orgs: HashMap<uuid::Uuid, org::Model> = org::Entity::find()
        .filter(org::Column::Id.is_in(waiting.iter().map(|w| w.org_id)))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    Ok(waiting
        .into_iter()
        .filter_map(|ch| {
            let o = orgs.get(&ch.org_id)?;
            state
                .authorize(&me.actor, ORG_READ, &service::resource(o))
                .ok()?;
            let row = crate::web::ui_edit::change_row(state, c, me, o, ch);
            (!row.actions.is_empty()).then(|| (o.id, o.name.clone(), row))
        })
        .collect())
}

pub struct Action {
    pub name: &'static str,
    pub label: String,
    pub reason: bool,
    pub reason_label: String,
    pub style: &'static str,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    c: PageCtx,
    o: org::Model,
    state: String,
    facts: Vec<(String, String)>,
    actions: Vec<Action>,
    error: Option<String>,
    s: crate::web::ui_standing::StandingPart,
    changes: Vec<crate::web::ui_edit::ChangeRow>,
    can_edit: bool,
    docs: Vec<(uuid::Uuid, String, String, String)>,
    can_upload: bool,
    doc_kinds: Vec<(&'static str, String)>,
    upload_hint: String,
    today: chrono::NaiveDate,
    net: crate::web::ui_network::NetworkPart,
}

pub(crate) async fn org_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    o: org::Model,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let labels: HashMap<String, String> = category_labels(state, &c).await?.into_iter().collect();
    let cats = service::categories_of(&state.db.read, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    let node = gongzhi_platform::territory::get(&state.db.read, &o.territory_code).await?;
    let res = service::resource(&o);
    let actions = domain::LIFECYCLE
        .available(&o.state, |p| {
            state.policy.authorize(&me.actor, p, &res).is_ok()
        })
        .into_iter()
        .map(|t| Action {
            name: t.name,
            label: c.t(&format!("org.transition.{}", t.name)),
            reason: t.reason != ReasonRule::None,
            reason_label: c.t(if t.reason == ReasonRule::Required {
                "orgs.reason_required"
            } else {
                "orgs.reason_optional"
            }),
            style: match t.name {
                "reject" | "revoke" | "deregister" => "btn-outline-danger",
                "return" | "send_back" => "btn-outline-secondary",
                _ => "btn-primary",
            },
        })
        .collect();
    let dash = "—".to_string();
    let date =
        |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| dash.clone());
    let facts = vec![
        (
            c.t("orgs.legal_form"),
            c.t(&format!("org.form.{}", o.legal_form)),
        ),
        (c.t("orgs.tier"), c.t(&format!("org.tier.{}", o.tier))),
        (
            c.t("orgs.uscc"),
            o.uscc.clone().unwrap_or_else(|| dash.clone()),
        ),
        (
            c.t("orgs.territory"),
            node.map(|n| n.name)
                .unwrap_or_else(|| o.territory_code.clone()),
        ),
        (
            c.t("orgs.categories"),
            cats.iter()
                .map(|k| labels.get(k).cloned().unwrap_or_else(|| k.clone()))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        (c.t("orgs.founded_on"), date(o.founded_on)),
        (c.t("orgs.registered_on"), date(o.registered_on)),
        (
            c.t("orgs.person_in_charge"),
            if o.person_in_charge.is_empty() {
                dash.clone()
            } else {
                o.person_in_charge.clone()
            },
        ),
        (
            c.t("orgs.person_in_charge_id"),
            service::masked_id(&o).unwrap_or_else(|| dash.clone()),
        ),
        (
            c.t("orgs.contact_phone"),
            service::masked_phone(&o).unwrap_or_else(|| dash.clone()),
        ),
        (
            c.t("orgs.staff"),
            format!("{} / {}", o.staff_count, o.social_worker_count),
        ),
        (c.t("orgs.service_areas"), o.service_areas.clone()),
        (c.t("orgs.target_groups"), o.target_groups.clone()),
    ];
    let state_label = c.t(&format!("org.state.{}", o.state));
    let s = crate::web::ui_standing::standing_part(state, &c, me, &o).await?;
    let docs = crate::web::ui_standing::documents_part(state, &c, me, &o).await?;
    let changes = crate::web::ui_edit::changes_part(state, &c, me, &o).await?;
    let can_upload = state
        .policy
        .authorize(&me.actor, crate::ORG_EDIT, &res)
        .is_ok();
    let doc_kinds = crate::service::documents::KINDS
        .iter()
        .map(|k| (*k, c.t(&format!("org.document.{k}"))))
        .collect();
    let upload_hint = gongzhi_platform::ui::upload_hint(state, &c);
    let net = crate::web::ui_network::network_part(state, &c, me, &o).await?;
    Ok(render_status(
        status,
        &OrgPage {
            c,
            o,
            state: state_label,
            facts,
            actions,
            error,
            s,
            changes,
            can_edit: can_upload,
            docs,
            can_upload,
            doc_kinds,
            upload_hint,
            today: gongzhi_platform::clock::today(),
            net,
        },
    ))
}

/// What the public may see of one organization: no people, no contact details.
async fn public_org(
    State(state): State<AppState>,
    c: PageCtx,
    Path(org_id): Path<String>,
) -> PageResult {
    let o = service::get_public(&state, &org_id).await?;
    let mut rows = rows(&state, &c, vec![o.clone()]).await?;
    let row = rows.pop().ok_or(AppError::NotFound)?;
    let dash = "—".to_string();
    let mut facts = vec![
        (
            c.t("orgs.legal_form"),
            c.t(&format!("org.form.{}", o.legal_form)),
        ),
        (c.t("orgs.tier"), row.tier.clone()),
        (
            c.t("orgs.uscc"),
            o.uscc.clone().unwrap_or_else(|| dash.clone()),
        ),
        (c.t("orgs.territory"), row.territory.clone()),
        (c.t("orgs.categories"), row.categories.clone()),
        (
            c.t("orgs.founded_on"),
            o.founded_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| dash.clone()),
        ),
        (c.t("orgs.service_areas"), o.service_areas.clone()),
        (c.t("orgs.target_groups"), o.target_groups.clone()),
        (
            c.t("orgs.public_standing"),
            if row.standing.is_empty() {
                dash
            } else {
                row.standing.clone()
            },
        ),
    ];
    let reach = match &o.hub_reach {
        Some(code) => gongzhi_platform::territory::get(&state.db.read, code)
            .await?
            .map(|n| n.name),
        None => None,
    };
    let recognition = crate::web::ui_network::recognition(&c, &o, reach);
    if !recognition.is_empty() {
        facts.push((c.t("orgs.hub_kind"), recognition));
    }
    let members = crate::web::api_network::public_links(&state, &o, crate::service::network::Side::Hub)
        .await?
        .into_iter()
        .map(|l| (l.other.id, l.other.name, l.membership.joined_on.to_string()))
        .collect();
    let member_of = crate::web::api_network::public_links(&state, &o, crate::service::network::Side::Member)
        .await?
        .into_iter()
        .map(|l| (l.other.id, l.other.name))
        .collect();
    Ok(render(&PublicOrgPage {
        c,
        name: o.name,
        is_hub: o.hub_kind.is_some(),
        facts,
        members,
        member_of,
    }))
}

#[derive(Template)]
#[template(path = "public_org.html")]
struct PublicOrgPage {
    c: PageCtx,
    name: String,
    is_hub: bool,
    facts: Vec<(String, String)>,
    /// Current members in the public directory: (id, name, joined on).
    members: Vec<(uuid::Uuid, String, String)>,
    member_of: Vec<(uuid::Uuid, String)>,
}

async fn org_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> PageResult {
    let o = service::get_visible(&state, &me.actor, &org_id).await?;
    org_view(&state, c, &me, o, None, StatusCode::OK).await
}

async fn org_transition(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let version = gongzhi_platform::ui::form_version(&fields);
    let reason = get("reason");
    let result = service::transition(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &org_id,
        &get("transition"),
        version,
        Some(reason.as_str()),
    )
    .await
    .map(|_| ());
    let done = format!("org_{}", get("transition"));
    org_outcome(&state, c, &me, &org_id, result, &done).await
}

/// After a form on an organization's page: back to the page with a notice, or the page again
/// with what went wrong.
pub(crate) async fn org_outcome(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    org_id: &str,
    result: Result<(), AppError>,
    done: &str,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/orgs/{org_id}?done={done}"))),
        Err(AppError::Forbidden) => Err(AppError::Forbidden.into()),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => {
            let f = form_errors(e, HashMap::new(), &c)?;
            let mut messages: Vec<String> = f.general.into_iter().collect();
            messages.extend(f.errors.into_values());
            let o = service::get_visible(state, &me.actor, org_id).await?;
            org_view(
                state,
                c,
                me,
                o,
                Some(messages.join("；")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "org_apply.html")]
struct ApplyPage {
    c: PageCtx,
    f: FormState,
    fields: Vec<(&'static str, String, &'static str)>,
    selects: Vec<FormSelect>,
    categories: Vec<(String, String, bool)>,
    once: String,
}

async fn apply_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    f: FormState,
    chosen: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let fields = vec![
        ("name", c.t("orgs.name"), "text"),
        ("person_in_charge", c.t("orgs.person_in_charge"), "text"),
        (
            "person_in_charge_id",
            c.t("orgs.person_in_charge_id"),
            "text",
        ),
        ("contact_phone", c.t("orgs.contact_phone"), "tel"),
        ("founded_on", c.t("orgs.founded_on"), "date"),
        ("staff_count", c.t("orgs.staff_count"), "number"),
        (
            "social_worker_count",
            c.t("orgs.social_worker_count"),
            "number",
        ),
        ("service_areas", c.t("orgs.service_areas"), "text"),
        ("target_groups", c.t("orgs.target_groups"), "text"),
    ];
    let filter = state.policy.scope_filter(&me.actor, ORG_APPLY);
    let nodes = territory::Entity::find()
        .filter(gongzhi_platform::authz::scope_condition(
            &filter,
            (territory::Entity, territory::Column::Path),
        ))
        .filter(territory::Column::Level.eq("community"))
        .order_by_asc(territory::Column::Path)
        .limit(1000)
        .all(&state.db.read)
        .await?;
    let selects = vec![
        (
            "territory",
            c.t("orgs.territory"),
            nodes.into_iter().map(|n| (n.code, n.name)).collect(),
        ),
        (
            "tier",
            c.t("orgs.tier"),
            vec![
                ("filed".into(), c.t("org.tier.filed")),
                ("guided".into(), c.t("org.tier.guided")),
            ],
        ),
    ];
    let categories = category_labels(state, &c)
        .await?
        .into_iter()
        .map(|(k, l)| {
            let on = chosen.contains(&k);
            (k, l, on)
        })
        .collect();
    Ok(render_status(
        status,
        &ApplyPage {
            c,
            f,
            fields,
            selects,
            categories,
            once: once(),
        },
    ))
}

#[derive(serde::Deserialize)]
struct TerritoryQuery {
    territory: Option<String>,
}

async fn apply_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<TerritoryQuery>,
) -> PageResult {
    let mut f = FormState::default();
    if let Some(code) = q.territory.filter(|t| !t.trim().is_empty()) {
        let node = gongzhi_platform::territory::get(&state.db.read, code.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        state.authorize(
            &me.actor,
            ORG_APPLY,
            &ResourceScope::territory(node.path.clone()),
        )?;
        f.values.insert("territory".into(), node.code);
    } else if let Some(code) = &c.scope_code {
        f.values.insert("territory".into(), code.clone());
    }
    apply_view(&state, c, &me, f, vec![], StatusCode::OK).await
}

async fn apply_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    // Checkboxes repeat their name: read the form as pairs.
    let categories: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "categories")
        .map(|(_, v)| v.clone())
        .collect();
    let fields: HashMap<String, String> = pairs
        .into_iter()
        .filter(|(k, _)| k != "categories")
        .collect();
    if !first_submission(&state, &fields).await? {
        return Ok(see_other("/orgs?done=org_applied"));
    }
    let text = |k: &str| fields.get(k).cloned().filter(|s| !s.trim().is_empty());
    let mut bad = FormState::from_values(fields.clone());
    let mut number = |k: &'static str| match text(k) {
        None => None,
        Some(s) => match s.trim().parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                bad.errors.insert(k.into(), c.t("orgs.not_a_number"));
                None
            }
        },
    };
    let staff_count = number("staff_count");
    let social_worker_count = number("social_worker_count");
    let founded_on = match text("founded_on") {
        Some(s) => match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                bad.errors
                    .insert("founded_on".into(), c.t("orgs.not_a_date"));
                None
            }
        },
        None => None,
    };
    if !bad.errors.is_empty() {
        return apply_view(
            &state,
            c,
            &me,
            bad,
            categories,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let input = OrgInput {
        name: text("name").unwrap_or_default(),
        legal_form: "community_org".into(),
        tier: text("tier").unwrap_or_else(|| "filed".into()),
        territory: text("territory").unwrap_or_default(),
        categories: categories.clone(),
        founded_on,
        person_in_charge: text("person_in_charge"),
        person_in_charge_id: text("person_in_charge_id"),
        contact_phone: text("contact_phone"),
        staff_count,
        social_worker_count,
        service_areas: text("service_areas"),
        target_groups: text("target_groups"),
        ..Default::default()
    };
    match service::apply(&state, &me.actor, &AuditActor::from(&me), &input).await {
        Ok(o) => Ok(see_other(&format!("/orgs/{}?done=org_applied", o.id))),
        Err(e) => {
            let f = form_errors(e, fields, &c)?;
            apply_view(
                &state,
                c,
                &me,
                f,
                categories,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
