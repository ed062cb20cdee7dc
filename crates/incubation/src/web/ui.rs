//! Pages of incubation for the incubator manager and the applying organization: incubators and
//! their calls, the application form with documents, an application's page with first review and
//! agreement, targets and coverage, and the public list of open calls.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use gongzhi_orgs::face::{self as registry, Find, Purpose};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::hub;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use gongzhi_platform::ui::{FormState, PageCtx, PageError, render_status, see_other, upload_hint};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Probe, Routes};
use gongzhi_platform::web::{Path, Query};

use crate::domain::{self, AgreementInput, CohortInput, IncubatorInput};
use crate::web::api::TransitionRequest;
use crate::store::entity::{application, incubation, incubator};
use crate::service::{self as svc, ApplicationInput, ApplicationQuery, IncubatorPatch};
use crate::service::stays::{self, StayQuery};
use crate::service::targets::{self, TargetInput};
use crate::{INCUBATION_APPLY, INCUBATION_MANAGE, INCUBATION_READ, INCUBATION_TARGETS, web::ui_stays};
use crate::domain::ApplicationState;

pub(crate) use gongzhi_platform::ui::{Fields, PageResult, get, outcome, status_of};
pub(crate) use gongzhi_platform::web::typed_form;

const MULTIPART: &str = "multipart/form-data; boundary=XyZ";

pub fn routes() -> Routes {
    Routes::new()
        .get("/incubators", Access::Permission(INCUBATION_READ), incubators_page)
        .probe_query("territory={foreign_street}")
        .post("/incubators", Access::Permission(INCUBATION_MANAGE), incubator_create)
        .probe_form("hub_id={hub_id}&name=%E6%8E%A2%E9%92%88%E5%9F%BA%E5%9C%B0&capacity=10&review_days=10&description=")
        .get("/incubators/{incubator_id}", Access::Permission(INCUBATION_READ), incubator_page)
        .post("/incubators/{incubator_id}", Access::Permission(INCUBATION_MANAGE), incubator_post)
        .probe_form("op=cohort&name=%E6%8E%A2%E9%92%88%E6%89%B9%E6%AC%A1&opens_on=2026-01-01&closes_on=2026-12-31&starts_on=2027-01-01&ends_on=2027-12-31&seats=5&call_text=")
        .get("/incubation-cohorts/{cohort_id}/apply", Access::Permission(INCUBATION_APPLY), apply_form)
        .probe_query("org={org_id}")
        .upload("/incubation-cohorts/{cohort_id}/apply", Access::Permission(INCUBATION_APPLY), apply_submit)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"org_id\"\r\n\r\n{org_id}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"plan\"\r\n\r\nprobe plan for the incubation period\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: MULTIPART,
        })
        .get("/incubation-applications/{application_id}", Access::Permission(INCUBATION_READ), application_page)
        .post("/incubation-applications/{application_id}", Access::Permission(INCUBATION_READ), application_post)
        .probe_form("op=transition&transition=decline&version=1&reason=x")
        .upload("/incubation-applications/{application_id}/documents", Access::Permission(INCUBATION_APPLY), application_upload)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: MULTIPART,
        })
        .get("/incubation/targets", Access::Permission(INCUBATION_READ), targets_page)
        .probe_query("territory={foreign_street}")
        .post("/incubation/targets", Access::Permission(INCUBATION_TARGETS), targets_post)
        .probe_form("territory={foreign_street}&year=2026&level=community&target=90&version=0")
        .get("/public/incubation", Access::Public, public_calls)
        .merge(ui_stays::routes())
}

pub(crate) async fn org_names(
    state: &AppState,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, String>, PageError> {
    let ids: Vec<uuid::Uuid> = ids.collect();
    Ok(registry::find(
        &state.db.read,
        Find {
            ids: Some(&ids),
            ..Default::default()
        },
    )
    .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

// ---- incubators --------------------------------------------------------------------------------

pub struct IncubatorRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub level: String,
    pub places: String,
}

pub struct CallRow {
    pub cohort_id: uuid::Uuid,
    pub incubator: String,
    pub name: String,
    pub call_text: String,
    pub window: String,
    pub seats: i32,
}

/// Calls open today, as the incubation page and the public page list them.
async fn open_call_rows(state: &AppState) -> Result<Vec<CallRow>, PageError> {
    Ok(svc::open_calls(&state.db.read, svc::today())
        .await?
        .into_iter()
        .map(|(co, i)| CallRow {
            cohort_id: co.id,
            incubator: i.name,
            name: co.name,
            call_text: co.call_text,
            window: format!("{} – {}", co.opens_on, co.closes_on),
            seats: co.seats,
        })
        .collect())
}

pub struct AppRow {
    pub id: uuid::Uuid,
    pub org: String,
    pub incubator: String,
    pub state: String,
    pub due: String,
    pub overdue: bool,
}

pub struct StayRow {
    pub id: uuid::Uuid,
    pub org: String,
    pub incubator: String,
    pub stage: String,
    pub state: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "incubators.html")]
struct IncubatorsPage {
    c: PageCtx,
    error: Option<String>,
    incubators: Vec<IncubatorRow>,
    calls: Vec<CallRow>,
    can_apply: bool,
    applications: Vec<AppRow>,
    stays: Vec<StayRow>,
    /// Hubs where the viewer may open an incubator: (id, label, selected).
    hubs: Vec<(uuid::Uuid, String, bool)>,
    operators: Vec<(uuid::Uuid, String, bool)>,
    values: FormState,
}

#[derive(serde::Deserialize)]
struct TerritoryQuery {
    territory: Option<String>,
}

async fn incubators_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<TerritoryQuery>,
) -> PageResult {
    let under = svc::within(&state, &me.actor, q.territory.as_deref()).await?;
    incubators_view(&state, c, &me, under, None, HashMap::new()).await
}

pub(crate) fn app_rows(
    c: &PageCtx,
    list: &[application::Model],
    names: &HashMap<uuid::Uuid, String>,
    incubators: &HashMap<uuid::Uuid, String>,
) -> Vec<AppRow> {
    list.iter()
        .map(|a| AppRow {
            id: a.id,
            org: names.get(&a.org_id).cloned().unwrap_or_default(),
            incubator: incubators.get(&a.incubator_id).cloned().unwrap_or_default(),
            state: c.t(&format!("incubation.app_state.{}", a.state)),
            due: a.review_due_on.to_string(),
            overdue: crate::web::api::overdue(a),
        })
        .collect()
}

pub(crate) fn stay_rows(
    c: &PageCtx,
    list: &[incubation::Model],
    names: &HashMap<uuid::Uuid, String>,
    incubators: &HashMap<uuid::Uuid, String>,
) -> Vec<StayRow> {
    list.iter()
        .map(|s| StayRow {
            id: s.id,
            org: names.get(&s.org_id).cloned().unwrap_or_default(),
            incubator: incubators.get(&s.incubator_id).cloned().unwrap_or_default(),
            stage: c.t(&format!("incubation.stage.{}", s.stage)),
            state: c.t(&format!("incubation.stay_state.{}", s.state)),
            period: format!("{} – {}", s.starts_on, s.ends_on),
        })
        .collect()
}

async fn incubator_names(
    state: &AppState,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, String>, PageError> {
    Ok(incubator::Entity::find()
        .filter(incubator::Column::Id.is_in(ids))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect())
}

async fn incubators_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    under: Option<String>,
    error: Option<String>,
    values: Fields,
) -> PageResult {
    let list = svc::list_incubators(state, &me.actor, under.as_deref()).await?;
    let incubators = list
        .iter()
        .map(|(i, n)| IncubatorRow {
            id: i.id,
            name: i.name.clone(),
            level: c.t(&format!("incubation.level.{}", i.level)),
            places: format!("{n} / {}", i.capacity),
        })
        .collect();
    let calls = open_call_rows(state).await?;
    let apps = svc::list_applications(
        state,
        &me.actor,
        &ApplicationQuery {
            under: under.clone(),
            ..Default::default()
        },
    )
    .await?;
    let apps: Vec<application::Model> = apps
        .into_iter()
        .filter(|a| ApplicationState::PENDING.contains(&a.state.as_str()))
        .collect();
    let stays_list = stays::list(
        state,
        &me.actor,
        &StayQuery {
            under,
            ..Default::default()
        },
    )
    .await?;
    let names = org_names(
        state,
        apps.iter()
            .map(|a| a.org_id)
            .chain(stays_list.iter().map(|s| s.org_id)),
    )
    .await?;
    let inc_names = incubator_names(
        state,
        apps.iter()
            .map(|a| a.incubator_id)
            .chain(stays_list.iter().map(|s| s.incubator_id)),
    )
    .await?;
    let (hubs, operators) = if c.can(state, INCUBATION_MANAGE) {
        creation_choices(state, me).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let mark = |list: Vec<(uuid::Uuid, String)>, field: &str| {
        list.into_iter()
            .map(|(id, name)| {
                let sel = values.get(field).is_some_and(|v| v == &id.to_string());
                (id, name, sel)
            })
            .collect::<Vec<_>>()
    };
    let hubs = mark(hubs, "hub_id");
    let operators = mark(operators, "operator_org_id");
    let mut values = values;
    values
        .entry("capacity".into())
        .or_insert_with(|| "20".into());
    values
        .entry("review_days".into())
        .or_insert_with(|| "10".into());
    let page = IncubatorsPage {
        applications: app_rows(&c, &apps, &names, &inc_names),
        stays: stay_rows(&c, &stays_list, &names, &inc_names),
        can_apply: c.can(state, INCUBATION_APPLY),
        c,
        error,
        incubators,
        calls,
        hubs,
        operators,
        values: FormState::from_values(values),
    };
    Ok(render_status(status_of(&page.error), &page))
}

/// Hubs at district, street or community nodes where the viewer manages, and the registered
/// organizations in scope that could run an incubator.
async fn creation_choices(
    state: &AppState,
    me: &CurrentActor,
) -> Result<(Vec<(uuid::Uuid, String)>, Vec<(uuid::Uuid, String)>), PageError> {
    let filter = state.policy.scope_filter(&me.actor, INCUBATION_MANAGE);
    let hubs = hub::Entity::find()
        .filter(gongzhi_platform::authz::scope_condition(
            &filter,
            hub::Column::Path,
        ))
        .order_by_asc(hub::Column::Path)
        .limit(300)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect();
    let operators = registry::find(
        &state.db.read,
        Find {
            scope: Some((&filter, false)),
            tiers: &["registered"],
            states: &["active"],
            limit: Some(300),
            ..Default::default()
        },
    )
    .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok((hubs, operators))
}

async fn incubator_create(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let result = match typed_form::<IncubatorInput>(&f) {
        Ok(input) => svc::create_incubator(&state, &me.actor, &AuditActor::from(&me), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(i) => Ok(see_other(&format!(
            "/incubators/{}?done=incubator_created",
            i.id
        ))),
        Err(e) => {
            let st = &state;
            let m = &me;
            outcome(c, Err(e), String::new(), |c, error| async move {
                incubators_view(st, c, m, None, error, f).await
            })
            .await
        }
    }
}

// ---- one incubator -----------------------------------------------------------------------------

pub struct CohortRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub window: String,
    pub period: String,
    pub seats: i32,
    pub call: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "incubator.html")]
struct IncubatorPage {
    c: PageCtx,
    error: Option<String>,
    i: incubator::Model,
    facts: Vec<(String, String)>,
    plan: Vec<(String, String)>,
    plan_text: String,
    cohorts: Vec<CohortRow>,
    applications: Vec<AppRow>,
    stays: Vec<StayRow>,
    can_manage: bool,
    can_apply: bool,
}

async fn incubator_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    incubator_view(&state, c, &me, &id, None).await
}

async fn incubator_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let i = svc::get_incubator(state, &me.actor, id).await?;
    let can_manage = state
        .authorize(&me.actor, INCUBATION_MANAGE, &svc::incubator_scope(&i))
        .is_ok();
    let occupied = svc::occupancy(&state.db.read, i.id).await?;
    let hub_name = hub::Entity::find_by_id(i.hub_id)
        .one(&state.db.read)
        .await?
        .map(|h| h.name)
        .unwrap_or_default();
    let operator = match i.operator_org_id {
        Some(op) => org_names(state, [op].into_iter())
            .await?
            .remove(&op)
            .unwrap_or_default(),
        None => "—".into(),
    };
    let facts = vec![
        (
            c.t("incubation.level"),
            c.t(&format!("incubation.level.{}", i.level)),
        ),
        (c.t("incubation.hub"), hub_name),
        (
            c.t("incubation.places"),
            format!("{occupied} / {}", i.capacity),
        ),
        (
            c.t("incubation.review_days"),
            c.t_args(
                "incubation.working_days",
                &[("n", i.review_days.to_string())],
            ),
        ),
        (c.t("incubation.operator"), operator),
        (c.t("incubation.description"), i.description.clone()),
    ];
    let plan_items = svc::plan_of(&i);
    let plan = plan_items
        .iter()
        .map(|p| {
            (
                p.title.clone(),
                c.t_args(
                    "incubation.due_after",
                    &[("n", p.due_after_days.to_string())],
                ),
            )
        })
        .collect();
    let today = svc::today();
    let cohorts = svc::cohorts_of(&state.db.read, i.id)
        .await?
        .into_iter()
        .map(|co| {
            let call = domain::call_status(co.opens_on, co.closes_on, today);
            CohortRow {
                id: co.id,
                name: co.name,
                window: format!("{} – {}", co.opens_on, co.closes_on),
                period: format!("{} – {}", co.starts_on, co.ends_on),
                seats: co.seats,
                call: c.t(&format!("incubation.call.{call}")),
                open: call == "open",
            }
        })
        .collect();
    let apps = svc::list_applications(
        state,
        &me.actor,
        &ApplicationQuery {
            incubator: Some(i.id),
            ..Default::default()
        },
    )
    .await?;
    let stays_list = stays::list(
        state,
        &me.actor,
        &StayQuery {
            incubator: Some(i.id),
            ..Default::default()
        },
    )
    .await?;
    let names = org_names(
        state,
        apps.iter()
            .map(|a| a.org_id)
            .chain(stays_list.iter().map(|s| s.org_id)),
    )
    .await?;
    let inc_names = HashMap::from([(i.id, i.name.clone())]);
    let page = IncubatorPage {
        applications: app_rows(&c, &apps, &names, &inc_names),
        stays: stay_rows(&c, &stays_list, &names, &inc_names),
        can_apply: c.can(state, INCUBATION_APPLY),
        c,
        error,
        facts,
        plan,
        plan_text: domain::plan_lines(&plan_items),
        cohorts,
        can_manage,
        i,
    };
    Ok(render_status(status_of(&page.error), &page))
}

/// The settings form on an incubator's page; the plan is one item per line.
#[derive(serde::Deserialize)]
struct SettingsForm {
    capacity: i32,
    review_days: i32,
    #[serde(default)]
    description: String,
    #[serde(default)]
    plan: String,
    version: i32,
}

/// The manager's forms on an incubator's page: its settings and plan, or a new call.
async fn incubator_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let result = match get(&f, "op") {
        "settings" => {
            async {
                let form: SettingsForm = typed_form(&f)?;
                let plan = domain::parse_plan_lines(&form.plan)?;
                svc::update_incubator(
                    &state,
                    &me.actor,
                    &who,
                    &id,
                    &IncubatorPatch {
                        capacity: Some(form.capacity),
                        review_days: Some(form.review_days),
                        description: Some(form.description),
                        plan: Some(plan),
                        version: form.version,
                    },
                )
                .await
                .map(|_| "incubator_saved")
            }
            .await
        }
        "cohort" => {
            async {
                let input: CohortInput = typed_form(&f)?;
                svc::create_cohort(&state, &me.actor, &who, &id, &input)
                    .await
                    .map(|_| "call_opened")
            }
            .await
        }
        _ => Err(AppError::BadRequest("incubation.unknown_op")),
    };
    let to = match &result {
        Ok(done) => format!("/incubators/{id}?done={done}"),
        Err(_) => String::new(),
    };
    let (st, m, i) = (&state, &me, &id);
    outcome(c, result.map(|_| ()), to, |c, error| async move {
        incubator_view(st, c, m, i, error).await
    })
    .await
}

// ---- applying ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "incubation_apply.html")]
struct ApplyPage {
    c: PageCtx,
    error: Option<String>,
    incubator: String,
    cohort: crate::store::entity::cohort::Model,
    open: bool,
    orgs: Vec<(uuid::Uuid, String, bool)>,
    values: FormState,
    upload_hint: String,
}

#[derive(serde::Deserialize)]
struct ApplyQuery {
    org: Option<String>,
}

async fn apply_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(cohort_id): Path<String>,
    Query(q): Query<ApplyQuery>,
) -> PageResult {
    let mut values = Fields::new();
    if let Some(org_id) = q.org.as_deref().filter(|o| !o.is_empty()) {
        let o = registry::visible(&state, &me.actor, org_id).await?;
        state.authorize(
            &me.actor,
            INCUBATION_APPLY,
            &o.resource(),
        )?;
        values.insert("org_id".into(), o.id.to_string());
    }
    apply_view(&state, c, &me, &cohort_id, None, values).await
}

/// Organizations the viewer may apply for: its own, or those in the staff member's scope that
/// are filed or registered.
async fn applicant_orgs(
    state: &AppState,
    me: &CurrentActor,
) -> Result<Vec<(uuid::Uuid, String)>, PageError> {
    let filter = state.policy.scope_filter(&me.actor, INCUBATION_APPLY);
    Ok(registry::find(
        &state.db.read,
        Find {
            scope: Some((&filter, true)),
            states: &registry::PUBLIC_STATES,
            limit: Some(500),
            ..Default::default()
        },
    )
    .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

async fn apply_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    cohort_id: &str,
    error: Option<String>,
    values: Fields,
) -> PageResult {
    let (cohort, i) = svc::get_cohort(&state.db.read, cohort_id).await?;
    let open = domain::call_status(cohort.opens_on, cohort.closes_on, svc::today()) == "open";
    let page = ApplyPage {
        upload_hint: upload_hint(state, &c),
        orgs: applicant_orgs(state, me)
            .await?
            .into_iter()
            .map(|(id, name)| {
                let sel = values.get("org_id").is_some_and(|v| v == &id.to_string());
                (id, name, sel)
            })
            .collect(),
        c,
        error,
        incubator: i.name,
        cohort,
        open,
        values: FormState::from_values(values),
    };
    Ok(render_status(status_of(&page.error), &page))
}

async fn apply_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(cohort_id): Path<String>,
    form: Multipart,
) -> PageResult {
    let (fields, file) = match gongzhi_platform::files::read_multipart(&state, form).await {
        Ok(x) => x,
        Err(e) => {
            let (st, m, id) = (&state, &me, &cohort_id);
            return outcome(c, Err(e), String::new(), |c, error| async move {
                apply_view(st, c, m, id, error, Fields::new()).await
            })
            .await;
        }
    };
    let result = match typed_form::<ApplicationInput>(&fields) {
        Ok(input) => {
            svc::apply(
                &state,
                &me.actor,
                &AuditActor::from(&me),
                &cohort_id,
                &input,
                file.as_ref(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(see_other(&format!(
            "/incubation-applications/{}?done=application_submitted",
            a.id
        ))),
        Err(e) => {
            let (st, m, id) = (&state, &me, &cohort_id);
            outcome(c, Err(e), String::new(), |c, error| async move {
                apply_view(st, c, m, id, error, fields).await
            })
            .await
        }
    }
}

// ---- one application ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "incubation_application.html")]
struct ApplicationPage {
    c: PageCtx,
    error: Option<String>,
    a: application::Model,
    org: String,
    facts: Vec<(String, String)>,
    eligible: bool,
    notes: Vec<(String, bool)>,
    documents: Vec<(uuid::Uuid, String, String)>,
    can_upload: bool,
    /// (transition, label, needs a reason)
    actions: Vec<(&'static str, String, bool)>,
    can_admit: bool,
    stay: Option<uuid::Uuid>,
    stages: Vec<(&'static str, String)>,
    cohort: crate::store::entity::cohort::Model,
    today: String,
    upload_hint: String,
}

async fn application_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    application_view(&state, c, &me, &id, None).await
}

async fn application_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let a = svc::get_application(state, &me.actor, id).await?;
    let (cohort, i) = svc::get_cohort(&state.db.read, &a.cohort_id.to_string()).await?;
    let o = registry::card(&state.db.read, a.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let verdict = registry::is_eligible_for(
        &state.db.read,
        a.org_id,
        Purpose::Incubation,
        svc::today(),
    )
    .await?;
    let scope = svc::shared_scope(&a.path, a.org_id);
    let may = |p| state.policy.authorize(&me.actor, p, &scope).is_ok();
    let actions = domain::APPLICATION
        .available(&a.state, may)
        .into_iter()
        .filter(|t| t.name != "admit")
        .map(|t| {
            (
                t.name,
                c.t(&format!("incubation.app_action.{}", t.name)),
                t.reason == gongzhi_kernel::workflow::ReasonRule::Required,
            )
        })
        .collect();
    let mut facts = vec![
        (c.t("incubation.incubator"), i.name.clone()),
        (c.t("incubation.cohort"), cohort.name.clone()),
        (
            c.t("incubation.state"),
            c.t(&format!("incubation.app_state.{}", a.state)),
        ),
        (c.t("incubation.submitted_on"), a.submitted_on.to_string()),
        (c.t("incubation.review_due_on"), a.review_due_on.to_string()),
        (c.t("incubation.plan"), a.plan.clone()),
        (c.t("incubation.needs"), a.needs.clone()),
    ];
    if let Some(d) = a.reviewed_on {
        facts.push((c.t("incubation.reviewed_on"), d.to_string()));
    }
    let documents = svc::documents_of(&state.db.read, a.id)
        .await?
        .into_iter()
        .map(|(d, f)| (d.id, d.title, format!("{} KB", (f.size + 1023) / 1024)))
        .collect();
    let stay = incubation::Entity::find()
        .filter(incubation::Column::ApplicationId.eq(a.id))
        .one(&state.db.read)
        .await?
        .map(|s| s.id);
    let page = ApplicationPage {
        eligible: verdict.eligible,
        notes: verdict
            .notes
            .iter()
            .map(|n| (c.t(n.key), n.blocking))
            .collect(),
        can_upload: may(INCUBATION_APPLY)
            && ApplicationState::PENDING.contains(&a.state.as_str()),
        can_admit: a.state == ApplicationState::ACCEPTED && may(INCUBATION_MANAGE),
        stages: domain::STAGES
            .iter()
            .map(|s| (*s, c.t(&format!("incubation.stage.{s}"))))
            .collect(),
        today: svc::today().to_string(),
        upload_hint: upload_hint(state, &c),
        org: o.name,
        actions,
        facts,
        documents,
        stay,
        cohort,
        error,
        a,
        c,
    };
    Ok(render_status(status_of(&page.error), &page))
}

/// First review and the applicant's steps, or the entry agreement.
async fn application_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let result: Result<String, AppError> = match get(&f, "op") {
        "transition" => {
            async {
                let step: TransitionRequest = typed_form(&f)?;
                svc::transition_application(
                    &state,
                    &me.actor,
                    &who,
                    &id,
                    &step.transition,
                    step.version,
                    step.reason.as_deref(),
                )
                .await?;
                Ok(format!(
                    "/incubation-applications/{id}?done=application_{}",
                    step.transition
                ))
            }
            .await
        }
        "agreement" => {
            async {
                let input: AgreementInput = typed_form(&f)?;
                svc::admit(&state, &me.actor, &who, &id, &input)
                    .await
                    .map(|s| format!("/incubations/{}?done=agreement_signed", s.id))
            }
            .await
        }
        _ => Err(AppError::BadRequest("incubation.unknown_op")),
    };
    let (to, result) = match result {
        Ok(to) => (to, Ok(())),
        Err(e) => (String::new(), Err(e)),
    };
    let (st, m, i) = (&state, &me, &id);
    outcome(c, result, to, |c, error| async move {
        application_view(st, c, m, i, error).await
    })
    .await
}

async fn application_upload(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult {
    let result = match gongzhi_platform::files::read_multipart(&state, form).await {
        Ok((fields, file)) => svc::add_document(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &id,
            get(&fields, "title"),
            file.as_ref(),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let to = format!("/incubation-applications/{id}?done=document_added");
    let (st, m, i) = (&state, &me, &id);
    outcome(c, result, to, |c, error| async move {
        application_view(st, c, m, i, error).await
    })
    .await
}

// ---- targets and coverage ----------------------------------------------------------------------

pub struct TargetRow {
    pub level: &'static str,
    pub label: String,
    pub target: String,
    pub cultivated: i64,
    pub graduated: i64,
    pub progress: i64,
    pub version: i32,
}

#[derive(Template)]
#[template(path = "incubation_targets.html")]
struct TargetsPage {
    c: PageCtx,
    error: Option<String>,
    territory: String,
    territory_name: String,
    year: i32,
    rows: Vec<TargetRow>,
    can_set: bool,
    coverage: Vec<targets::CoverageRow>,
    met: usize,
}

#[derive(serde::Deserialize)]
struct TargetsQuery {
    territory: Option<String>,
    year: Option<i32>,
}

async fn targets_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<TargetsQuery>,
) -> PageResult {
    let territory = match q
        .territory
        .filter(|t| !t.is_empty())
        .or(c.scope_code.clone())
    {
        Some(t) => t,
        None => gongzhi_platform::ui::first_node(&state, &me.actor, INCUBATION_READ)?,
    };
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&svc::today()));
    targets_view(&state, c, &me, &territory, year, None).await
}

async fn targets_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    territory: &str,
    year: i32,
    error: Option<String>,
) -> PageResult {
    let progress = targets::progress(state, &me.actor, territory, year).await?;
    let node = gongzhi_platform::territory::get(&state.db.read, territory)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_set = state
        .authorize(
            &me.actor,
            INCUBATION_TARGETS,
            &svc::manager_scope(&node.path),
        )
        .is_ok();
    let rows = progress
        .iter()
        .zip(domain::TARGET_LEVELS)
        .map(|(p, level)| TargetRow {
            level,
            label: c.t(&format!("incubation.target_level.{level}")),
            target: p
                .target
                .map(|t| t.to_string())
                .unwrap_or_else(|| "—".into()),
            cultivated: p.cultivated,
            graduated: p.graduated,
            progress: p.progress.unwrap_or(0),
            version: p.version.unwrap_or(0),
        })
        .collect();
    let coverage = targets::coverage(state, &me.actor, territory).await?;
    let page = TargetsPage {
        met: coverage.iter().filter(|r| r.met).count(),
        c,
        error,
        territory: node.code,
        territory_name: node.name,
        year,
        rows,
        can_set,
        coverage,
    };
    Ok(render_status(status_of(&page.error), &page))
}

async fn targets_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let result = match typed_form::<TargetInput>(&f) {
        // A target not set before is shown with version 0.
        Ok(input) => targets::set(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &TargetInput {
                version: input.version.filter(|v| *v > 0),
                ..input
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let (territory, year) = (get(&f, "territory").to_string(), get(&f, "year"));
    let to = format!("/incubation/targets?territory={territory}&year={year}&done=target_set");
    let year = year
        .parse()
        .unwrap_or_else(|_| chrono::Datelike::year(&gongzhi_platform::clock::today()));
    let (st, m, t, y) = (&state, &me, territory, year);
    outcome(c, result, to, |c, error| async move {
        targets_view(st, c, m, &t, y, error).await
    })
    .await
}

// ---- public ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_calls.html")]
struct PublicCallsPage {
    c: PageCtx,
    calls: Vec<CallRow>,
}

async fn public_calls(State(state): State<AppState>, c: PageCtx) -> PageResult {
    let calls = open_call_rows(&state).await?;
    Ok(render_status(StatusCode::OK, &PublicCallsPage { c, calls }))
}
