//! Pages of an organization's stay (the manager's and the mentor's view) and the mentor's phone
//! page of mentees with a quick check-in form.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::user;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::ui::{PageCtx, render_status};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Routes};

use crate::domain;
use crate::store::entity::{incubation, incubator, plan_item};
use crate::service as svc;
use crate::service::stays::{self, AlumniInput, AssessmentInput, CheckinInput, ItemDone, StayQuery};
use crate::web::api::{MentorRequest, StageRequest, TransitionRequest};
use crate::web::ui::{Fields, PageResult, get, org_names, outcome, status_of, typed_form};
use crate::{INCUBATION_MENTOR, INCUBATION_READ};
use crate::domain::StayState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/incubations/{incubation_id}", Access::Permission(INCUBATION_READ), stay_page)
        .post("/incubations/{incubation_id}", Access::Permission(INCUBATION_READ), stay_post)
        .probe_form("op=checkin&met_on=2026-06-01&mode=visit&minutes=60&notes=probe+visit+notes&plan_item_id=")
        .get("/mentoring", Access::SignedIn, mentoring_page)
}

pub struct ItemRow {
    pub id: uuid::Uuid,
    pub title: String,
    pub due_on: String,
    pub done: Option<String>,
    pub overdue: bool,
    pub version: i32,
}

pub struct CheckinRow {
    pub met_on: String,
    pub mode: String,
    pub minutes: i32,
    pub mentor: String,
    pub item: String,
    pub notes: String,
}

pub struct AssessmentRow {
    pub kind: String,
    pub assessed_on: String,
    pub scores: String,
    pub total: i32,
    pub passed: bool,
    pub notes: String,
}

#[derive(Template)]
#[template(path = "incubation.html")]
struct StayPage {
    c: PageCtx,
    error: Option<String>,
    s: incubation::Model,
    state_label: String,
    org: String,
    facts: Vec<(String, String)>,
    items: Vec<ItemRow>,
    checkins: Vec<CheckinRow>,
    assessments: Vec<AssessmentRow>,
    alumni: Vec<(String, String, String)>,
    manage: bool,
    mentor: bool,
    ongoing: bool,
    graduated: bool,
    stages: Vec<(&'static str, String)>,
    candidates: Vec<(String, String)>,
    modes: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    dimensions: Vec<(&'static str, String, i32)>,
    alumni_kinds: Vec<(&'static str, String)>,
    today: String,
}

async fn stay_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    stay_view(&state, c, &me, &id, None).await
}

fn labels(c: &PageCtx, prefix: &str, keys: &[&'static str]) -> Vec<(&'static str, String)> {
    keys.iter()
        .map(|k| (*k, c.t(&format!("{prefix}.{k}"))))
        .collect()
}

async fn user_names(
    state: &AppState,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, String>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

async fn stay_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let (s, access) = stays::get(state, &me.actor, id).await?;
    let d = stays::detail(state, &s).await?;
    let i = incubator::Entity::find_by_id(s.incubator_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = org_names(state, [s.org_id].into_iter())
        .await?
        .remove(&s.org_id)
        .unwrap_or_default();
    let people = user_names(
        state,
        s.mentor_id
            .into_iter()
            .chain(d.checkins.iter().filter_map(|c| c.mentor_id)),
    )
    .await?;
    let today = svc::today();
    let titles: HashMap<uuid::Uuid, String> =
        d.items.iter().map(|i| (i.id, i.title.clone())).collect();
    let candidates = if access.manage && s.state == StayState::IN_INCUBATION {
        stays::candidates(state, &s)
            .await?
            .into_iter()
            .map(|u| {
                (
                    u.username.clone(),
                    format!("{} ({})", u.display_name, u.username),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = StayPage {
        state_label: c.t(&format!("incubation.stay_state.{}", s.state)),
        org,
        facts: stay_facts(&c, &s, &i, &people),
        items: d.items.iter().map(|it| item_row(it, today)).collect(),
        checkins: d
            .checkins
            .iter()
            .map(|ch| checkin_row(&c, ch, &people, &titles))
            .collect(),
        assessments: d.assessments.iter().map(|a| assessment_row(&c, a)).collect(),
        alumni: d
            .alumni
            .iter()
            .map(|a| {
                (
                    a.served_on.to_string(),
                    c.t(&format!("incubation.alumni.{}", a.kind)),
                    a.note.clone(),
                )
            })
            .collect(),
        manage: access.manage,
        mentor: access.manage || access.mentor,
        ongoing: s.state == StayState::IN_INCUBATION,
        graduated: s.state == StayState::GRADUATED,
        stages: labels(&c, "incubation.stage", &domain::STAGES),
        candidates,
        modes: labels(&c, "incubation.mode", &domain::CHECKIN_MODES),
        kinds: labels(&c, "incubation.assessment", &domain::ASSESSMENT_KINDS),
        dimensions: domain::DIMENSIONS
            .iter()
            .map(|(k, m)| (*k, c.t(&format!("incubation.dimension.{k}")), *m))
            .collect(),
        alumni_kinds: labels(&c, "incubation.alumni", &domain::ALUMNI_KINDS),
        today: today.to_string(),
        c,
        error,
        s,
    };
    Ok(render_status(status_of(&page.error), &page))
}

fn dash() -> String {
    "—".to_string()
}

/// Where, at what stage, with whom and under which agreement the organization is incubated.
fn stay_facts(
    c: &PageCtx,
    s: &incubation::Model,
    i: &incubator::Model,
    people: &HashMap<uuid::Uuid, String>,
) -> Vec<(String, String)> {
    let mut facts = vec![
        (c.t("incubation.incubator"), i.name.clone()),
        (
            c.t("incubation.stage"),
            format!(
                "{} ({} {})",
                c.t(&format!("incubation.stage.{}", s.stage)),
                c.t("incubation.since"),
                s.stage_since
            ),
        ),
        (
            c.t("incubation.mentor"),
            s.mentor_id
                .and_then(|m| people.get(&m).cloned())
                .unwrap_or_else(dash),
        ),
        (
            c.t("incubation.period"),
            format!("{} – {}", s.starts_on, s.ends_on),
        ),
        (
            c.t("incubation.agreement_signed_on"),
            s.agreement_signed_on.to_string(),
        ),
        (c.t("incubation.terms"), s.agreement_terms.clone()),
        (
            c.t("incubation.state"),
            c.t(&format!("incubation.stay_state.{}", s.state)),
        ),
    ];
    if let Some(e) = s.ended_on {
        facts.push((c.t("incubation.ended_on"), e.to_string()));
    }
    facts
}

fn item_row(it: &plan_item::Model, today: chrono::NaiveDate) -> ItemRow {
    ItemRow {
        id: it.id,
        title: it.title.clone(),
        due_on: it.due_on.to_string(),
        done: it.done_on.map(|d| {
            if it.done_note.is_empty() {
                d.to_string()
            } else {
                format!("{d} {}", it.done_note)
            }
        }),
        overdue: it.done_on.is_none() && it.due_on < today,
        version: it.version,
    }
}

fn checkin_row(
    c: &PageCtx,
    ch: &crate::store::entity::checkin::Model,
    people: &HashMap<uuid::Uuid, String>,
    titles: &HashMap<uuid::Uuid, String>,
) -> CheckinRow {
    CheckinRow {
        met_on: ch.met_on.to_string(),
        mode: c.t(&format!("incubation.mode.{}", ch.mode)),
        minutes: ch.minutes,
        mentor: ch
            .mentor_id
            .and_then(|m| people.get(&m).cloned())
            .unwrap_or_else(dash),
        item: ch
            .plan_item_id
            .and_then(|p| titles.get(&p).cloned())
            .unwrap_or_default(),
        notes: ch.notes.clone(),
    }
}

/// An assessment with its score on each dimension out of that dimension's maximum.
fn assessment_row(c: &PageCtx, a: &crate::store::entity::assessment::Model) -> AssessmentRow {
    let scores: BTreeMap<String, i32> = serde_json::from_str(&a.scores).unwrap_or_default();
    AssessmentRow {
        kind: c.t(&format!("incubation.assessment.{}", a.kind)),
        assessed_on: a.assessed_on.to_string(),
        scores: domain::DIMENSIONS
            .iter()
            .map(|(k, max)| {
                format!(
                    "{} {}/{max}",
                    c.t(&format!("incubation.dimension.{k}")),
                    scores.get(*k).copied().unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join("，"),
        total: a.total,
        passed: a.passed,
        notes: a.notes.clone(),
    }
}

/// The assessment form's fields besides the scores.
#[derive(serde::Deserialize)]
struct AssessForm {
    kind: String,
    assessed_on: chrono::NaiveDate,
    #[serde(default)]
    notes: String,
}

/// Every form on a stay's page: stage, mentor, plan item, check-in, assessment, graduation or
/// exit, alumni service.
async fn stay_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let actor = &me.actor;
    let op = get(&f, "op").to_string();
    let result: Result<(), AppError> = async {
        match op.as_str() {
            "stage" => {
                let r: StageRequest = typed_form(&f)?;
                stays::set_stage(&state, actor, &who, &id, &r.stage, r.version).await
            }
            "mentor" => {
                let r: MentorRequest = typed_form(&f)?;
                stays::assign_mentor(&state, actor, &who, &id, &r.username, r.version).await
            }
            "item" => {
                let item = get(&f, "item_id");
                // The item must belong to this stay.
                let belongs = item
                    .parse::<uuid::Uuid>()
                    .ok()
                    .map(plan_item::Entity::find_by_id);
                let found = match belongs {
                    Some(q) => q.one(&state.db.read).await?,
                    None => None,
                };
                if found.is_none_or(|p| p.incubation_id.to_string() != id) {
                    return Err(AppError::NotFound);
                }
                let done: ItemDone = typed_form(&f)?;
                stays::complete_item(&state, actor, &who, item, &done)
                    .await
                    .map(|_| ())
            }
            "checkin" => {
                let input: CheckinInput = typed_form(&f)?;
                stays::check_in(&state, actor, &who, &id, &input)
                    .await
                    .map(|_| ())
            }
            "assess" => {
                let form: AssessForm = typed_form(&f)?;
                // One number per dimension, each field `score_<dimension>`.
                let given: Fields = f
                    .iter()
                    .filter(|(k, _)| k.starts_with("score_"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let scores: BTreeMap<String, i32> = typed_form(&given)?;
                let input = AssessmentInput {
                    kind: form.kind,
                    assessed_on: form.assessed_on,
                    scores: scores
                        .into_iter()
                        .map(|(k, v)| (k.trim_start_matches("score_").to_string(), v))
                        .collect(),
                    notes: form.notes,
                };
                stays::assess(&state, actor, &who, &id, &input)
                    .await
                    .map(|_| ())
            }
            "transition" => {
                let step: TransitionRequest = typed_form(&f)?;
                stays::transition(
                    &state,
                    actor,
                    &who,
                    &id,
                    &step.transition,
                    step.version,
                    step.reason.as_deref(),
                )
                .await
            }
            "alumni" => {
                let input: AlumniInput = typed_form(&f)?;
                stays::serve_alumnus(&state, actor, &who, &id, &input)
                    .await
                    .map(|_| ())
            }
            _ => Err(AppError::BadRequest("incubation.unknown_op")),
        }
    }
    .await;
    // A mentor checking in from the phone page goes back there.
    let back = if get(&f, "back") == "mentoring" {
        "/mentoring".to_string()
    } else {
        format!("/incubations/{id}")
    };
    let to = format!("{back}?done=stay_{op}");
    let (st, m, i) = (&state, &me, &id);
    outcome(c, result, to, |c, error| async move {
        stay_view(st, c, m, i, error).await
    })
    .await
}

pub struct MenteeCard {
    pub id: uuid::Uuid,
    pub org: String,
    pub incubator: String,
    pub stage: String,
    pub next: Option<(String, String, bool)>,
    pub last_checkin: String,
    pub items: Vec<(uuid::Uuid, String)>,
}

#[derive(Template)]
#[template(path = "mentoring.html")]
struct MentoringPage {
    c: PageCtx,
    cards: Vec<MenteeCard>,
    modes: Vec<(&'static str, String)>,
    today: String,
    can_mentor: bool,
}

/// The mentor's phone page: each mentee with the next plan item due and a quick check-in.
async fn mentoring_page(State(state): State<AppState>, c: PageCtx, me: CurrentActor) -> PageResult {
    let list = stays::list(
        &state,
        &me.actor,
        &StayQuery {
            mine: true,
            state: Some(StayState::IN_INCUBATION.into()),
            ..Default::default()
        },
    )
    .await?;
    let names = org_names(&state, list.iter().map(|s| s.org_id)).await?;
    let incubators: HashMap<uuid::Uuid, String> = incubator::Entity::find()
        .filter(incubator::Column::Id.is_in(list.iter().map(|s| s.incubator_id)))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let today = svc::today();
    let mut cards = Vec::new();
    for s in &list {
        let d = stays::detail(&state, s).await?;
        let open: Vec<_> = d.items.iter().filter(|i| i.done_on.is_none()).collect();
        cards.push(MenteeCard {
            id: s.id,
            org: names.get(&s.org_id).cloned().unwrap_or_default(),
            incubator: incubators.get(&s.incubator_id).cloned().unwrap_or_default(),
            stage: c.t(&format!("incubation.stage.{}", s.stage)),
            next: open
                .iter()
                .min_by_key(|i| i.due_on)
                .map(|i| (i.title.clone(), i.due_on.to_string(), i.due_on < today)),
            last_checkin: d
                .checkins
                .first()
                .map(|ch| ch.met_on.to_string())
                .unwrap_or_else(|| c.t("incubation.never")),
            items: open.iter().map(|i| (i.id, i.title.clone())).collect(),
        });
    }
    let page = MentoringPage {
        can_mentor: c.can(&state, INCUBATION_MENTOR),
        modes: labels(&c, "incubation.mode", &domain::CHECKIN_MODES),
        today: today.to_string(),
        cards,
        c,
    };
    Ok(render_status(status_of(&None), &page))
}
