//! The public portal of the purchase of services: notices with their clarifications and
//! awards, contract summaries with their grades, organizations' credit ratings with their
//! inputs, and the residents' satisfaction survey (made for a phone).

use askama::Template;
use axum::extract::State;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_errors, get, render_status, see_other,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::Deserialize;

use crate::store::entity::{bid, contract};
use crate::service::notices::{self, NoticeQuery};
use crate::service::performance::{self, SurveyInput};
use crate::web::ui::{china_time, date, method_label, money, state_label};
use crate::web::ui_project::{Fact, contract_facts, notice_facts, points};

pub fn routes() -> Routes {
    Routes::new()
        .get("/public/notices", Access::Public, notices_page)
        .get("/public/notices/{notice_id}", Access::Public, notice_page)
        .get(
            "/public/contracts/{purchase_contract_id}",
            Access::Public,
            contract_page,
        )
        .get("/public/orgs/{org_id}/credit", Access::Public, credit_page)
        .get(
            "/public/surveys/{purchase_contract_id}",
            Access::Public,
            survey_page,
        )
        .post(
            "/public/surveys/{purchase_contract_id}",
            Access::Public,
            survey_post,
        )
}

struct NoticeRow {
    id: uuid::Uuid,
    number: String,
    title: String,
    purchaser: String,
    method: String,
    budget: String,
    state: String,
    published: String,
    closes: String,
}

#[derive(Template)]
#[template(path = "public_notices.html")]
struct NoticesPage {
    c: PageCtx,
    district: String,
    district_name: String,
    open: bool,
    rows: Vec<NoticeRow>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct NoticesQuery {
    district: Option<String>,
    #[serde(default)]
    open: Option<String>,
    cursor: Option<String>,
}

async fn notices_page(
    State(state): State<AppState>,
    c: PageCtx,
    Query(q): Query<NoticesQuery>,
) -> PageResult {
    // Without a district: the first one this deployment serves.
    let district = match q.district.filter(|d| !d.is_empty()) {
        Some(d) => gongzhi_platform::territory::district_node(&state.db.read, &d).await?,
        None => territory::Entity::find()
            .filter(territory::Column::Level.eq("district"))
            .filter(territory::Column::Status.eq("active"))
            .order_by_asc(territory::Column::Code)
            .one(&state.db.read)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let open = q.open.as_deref().is_some_and(|o| !o.is_empty() && o != "0");
    let page = notices::list(
        &state,
        &NoticeQuery {
            district: district.code.clone(),
            open,
            limit: Some(50),
            cursor: q.cursor,
        },
    )
    .await?;
    let purchasers =
        crate::web::api::purchaser_names(&state, page.items.iter().map(|p| p.node_code.clone())).await?;
    let rows = page
        .items
        .into_iter()
        .map(|p| NoticeRow {
            id: p.id,
            number: p.number,
            title: p.title,
            purchaser: purchasers.get(&p.node_code).cloned().unwrap_or_default(),
            method: method_label(&c, &p.method),
            budget: money(p.budget_fen),
            state: state_label(&c, &p.state),
            published: china_time(p.notice_at),
            closes: china_time(p.submit_until),
        })
        .collect();
    let page = NoticesPage {
        district: district.code,
        district_name: district.name,
        open,
        rows,
        next: page.next_cursor,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "public_notice.html")]
struct NoticePage {
    c: PageCtx,
    number: String,
    title: String,
    state: String,
    facts: Vec<Fact>,
    targets: Vec<(String, String)>,
    notice_text: String,
    clarifications: Vec<(String, String, String)>,
    bids: Option<u64>,
    award: Vec<Fact>,
    contract: Option<uuid::Uuid>,
    ocid: String,
}

async fn notice_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(id): Path<String>,
) -> PageResult {
    let p = notices::public(&state, &id).await?;
    let purchaser = crate::web::api::purchaser_name(&state, &p.node_code).await?;
    let clar = notices::clarifications(&state.db.read, p.id, true).await?;
    let bids = if crate::service::bids::deadline_passed(&p) {
        Some(crate::service::bids::count(&state.db.read, p.id).await?)
    } else {
        None
    };
    let mut award = Vec::new();
    if let (Some(b), Some(on)) = (p.awarded_bid_id, p.award_on)
        && let Some(w) = bid::Entity::find_by_id(b).one(&state.db.read).await?
    {
        award = vec![
            Fact {
                label: c.t("procurement.winner"),
                value: w.org_name,
            },
            Fact {
                label: c.t("procurement.price"),
                value: money(w.price_fen),
            },
            Fact {
                label: c.t("procurement.award_on"),
                value: on.to_string(),
            },
            Fact {
                label: c.t("procurement.challenge_until"),
                value: date(p.challenge_until),
            },
        ];
    }
    let contract = contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(p.id))
        .one(&state.db.read)
        .await?
        .map(|k| k.id);
    let targets = crate::service::projects::targets_of(&p);
    let facts = notice_facts(&c, &p, &purchaser);
    let page = NoticePage {
        number: p.number.clone(),
        title: p.title.clone(),
        state: state_label(&c, &p.state),
        facts,
        targets: targets.into_iter().map(|t| (t.name, t.target)).collect(),
        notice_text: p.notice_text.clone(),
        clarifications: clar
            .into_iter()
            .map(|x| (x.question, x.answer, china_time(x.published_at)))
            .collect(),
        bids,
        award,
        contract,
        ocid: crate::service::ocds::ocid(&p),
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "public_contract.html")]
struct ContractPage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    project_id: uuid::Uuid,
    org_id: uuid::Uuid,
    state: String,
    facts: Vec<Fact>,
    grade: Option<(String, String)>,
    survey_open: bool,
}

async fn contract_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(id): Path<String>,
) -> PageResult {
    let k = performance::survey_contract(&state, &id).await?;
    let p = crate::service::projects::reread(&state.db.read, k.project_id).await?;
    let purchaser = crate::web::api::purchaser_name(&state, &p.node_code).await?;
    let ev = performance::of_contract(&state.db.read, k.id).await?;
    let facts = contract_facts(&c, &k, &p, &purchaser);
    let page = ContractPage {
        id: k.id,
        number: k.number.clone(),
        project_id: p.id,
        org_id: k.org_id,
        state: state_label(&c, &k.state),
        facts,
        grade: ev.map(|e| {
            (
                c.t(&format!("procurement.grade.{}", e.grade)),
                points(e.score as u32),
            )
        }),
        survey_open: performance::survey_open(&k),
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "public_credit.html")]
struct CreditPage {
    c: PageCtx,
    org_id: uuid::Uuid,
    org_name: String,
    score: i32,
    level: char,
    lines: Vec<(String, u32, i32)>,
    records: Vec<(String, String, String, String)>,
    grade: String,
    standing: Vec<String>,
    model: Vec<(String, i32)>,
}

async fn credit_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(org): Path<uuid::Uuid>,
) -> PageResult {
    let o = gongzhi_orgs::face::card(&state.db.read, org)
        .await?
        .filter(|o| o.is_public())
        .ok_or(AppError::NotFound)?;
    let today = crate::service::today();
    let model = crate::service::records::model(&state.db.read, &o.scope_district).await?;
    let (inputs, rows) = crate::service::records::inputs(&state.db.read, o.id, today).await?;
    let rating = crate::domain::rating::rate(&model, &inputs, today);
    let mut standing = Vec::new();
    if inputs.abnormal {
        standing.push(c.t("procurement.credit.abnormal"));
    }
    if inputs.serious {
        standing.push(c.t("procurement.credit.serious"));
    }
    let m = serde_json::to_value(&model).unwrap_or_default();
    let page = CreditPage {
        org_id: o.id,
        org_name: o.name,
        score: rating.score,
        level: rating.level,
        lines: rating
            .lines
            .into_iter()
            .map(|l| {
                (
                    c.t(&format!("procurement.credit.{}", l.factor)),
                    l.count,
                    l.points,
                )
            })
            .collect(),
        records: rows
            .into_iter()
            .map(|r| {
                (
                    r.on_date.to_string(),
                    c.t(&format!("procurement.record.{}", r.kind)),
                    r.grade
                        .map(|g| c.t(&format!("procurement.grade.{g}")))
                        .unwrap_or_default(),
                    r.detail,
                )
            })
            .collect(),
        grade: inputs
            .grade
            .map(|g| format!("{g}A"))
            .unwrap_or_else(|| c.t("procurement.credit.ungraded")),
        standing,
        model: m
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| {
                        v.as_i64()
                            .map(|v| (c.t(&format!("procurement.model.{k}")), v as i32))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "public_survey.html")]
struct SurveyPage {
    c: PageCtx,
    id: uuid::Uuid,
    title: String,
    provider: String,
    open: bool,
    thanks: bool,
    questions: Vec<(usize, String)>,
    f: FormState,
}

#[derive(Deserialize)]
struct SurveyQuery {
    done: Option<String>,
}

async fn survey_page(
    State(state): State<AppState>,
    c: PageCtx,
    Path(id): Path<String>,
    Query(q): Query<SurveyQuery>,
) -> PageResult {
    survey_view(&state, c, &id, q.done.is_some(), FormState::default()).await
}

async fn survey_view(
    state: &AppState,
    c: PageCtx,
    id: &str,
    thanks: bool,
    f: FormState,
) -> PageResult {
    let k = performance::survey_contract(state, id).await?;
    let p = crate::service::projects::reread(&state.db.read, k.project_id).await?;
    let status = if f.errors.is_empty() && f.general.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SurveyPage {
        id: k.id,
        title: p.title,
        provider: k.org_name.clone(),
        open: performance::survey_open(&k),
        thanks,
        questions: ["overall", "attitude", "timeliness", "need_met"]
            .iter()
            .enumerate()
            .map(|(i, q)| (i + 1, c.t(&format!("procurement.survey.{q}"))))
            .collect(),
        f,
        c,
    };
    Ok(render_status(status, &page))
}

async fn survey_post(
    State(state): State<AppState>,
    c: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let input = SurveyInput {
        // A missing answer becomes 0, which the survey refuses with its message.
        answers: (1..=4)
            .map(|i| get(&f, &format!("q{i}")).parse().unwrap_or(0))
            .collect(),
        comment: get(&f, "comment").into(),
    };
    match performance::answer(&state, &id, &input).await {
        Ok(_) => Ok(see_other(&format!(
            "/public/surveys/{id}?done=survey_answered"
        ))),
        Err(e) => {
            let form = form_errors(e, f, &c)?;
            survey_view(&state, c, &id, false, form).await
        }
    }
}
