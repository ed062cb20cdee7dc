//! The organization's self-service page: everyday facts edited directly, key facts proposed
//! for review; and the reviewers' actions on a proposed change.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use gongzhi_kernel::workflow::ReasonRule;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use gongzhi_platform::ui::{FormState, PageCtx, PageError, form_errors, render_status, see_other};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{AppState, CurrentActor};

use crate::ORG_EDIT;
use crate::service::changes::{self, EverydayFacts, OrgPatch};
use crate::domain::{KEY_FACT_CHANGE, KeyFacts, PARTY_ORG};
use crate::store::entity::{org, org_category, org_change};
use crate::service;
use crate::domain::OrgState;

type PageResult = Result<axum::response::Response, PageError>;
type FormSelect = (&'static str, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "org_edit.html")]
struct EditPage {
    c: PageCtx,
    o: org::Model,
    f: FormState,
    k: FormState,
    key_inline: bool,
    fields: Vec<(&'static str, String, &'static str)>,
    key_fields: Vec<(&'static str, String, &'static str)>,
    selects: Vec<FormSelect>,
    categories: Vec<(String, String, bool)>,
}

fn values_of(o: &org::Model) -> HashMap<String, String> {
    HashMap::from([
        ("name".into(), o.name.clone()),
        ("uscc".into(), o.uscc.clone().unwrap_or_default()),
        ("territory".into(), o.territory_code.clone()),
        ("person_in_charge".into(), o.person_in_charge.clone()),
        ("service_areas".into(), o.service_areas.clone()),
        ("target_groups".into(), o.target_groups.clone()),
        ("supervising_unit".into(), o.supervising_unit.clone()),
        (
            "contact_phone".into(),
            o.contact_phone.clone().unwrap_or_default(),
        ),
        ("staff_count".into(), o.staff_count.to_string()),
        (
            "social_worker_count".into(),
            o.social_worker_count.to_string(),
        ),
        (
            "founded_on".into(),
            o.founded_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("party_org".into(), o.party_org.clone()),
    ])
}

#[allow(clippy::too_many_arguments)]
async fn edit_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    o: org::Model,
    f: FormState,
    k: FormState,
    chosen: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let key_inline = matches!(o.state.as_str(), OrgState::DRAFT | OrgState::RETURNED);
    let mut key_fields = vec![
        ("name", c.t("orgs.name"), "text"),
        ("person_in_charge", c.t("orgs.person_in_charge"), "text"),
        (
            "person_in_charge_id",
            c.t("orgs.person_in_charge_id"),
            "text",
        ),
    ];
    if o.tier == "registered" {
        key_fields.push(("uscc", c.t("orgs.uscc"), "text"));
    }
    let mut fields = vec![
        ("service_areas", c.t("orgs.service_areas"), "text"),
        ("target_groups", c.t("orgs.target_groups"), "text"),
        ("supervising_unit", c.t("orgs.supervising_unit"), "text"),
        ("contact_phone", c.t("orgs.contact_phone"), "tel"),
        ("founded_on", c.t("orgs.founded_on"), "date"),
        ("staff_count", c.t("orgs.staff_count"), "number"),
        (
            "social_worker_count",
            c.t("orgs.social_worker_count"),
            "number",
        ),
    ];
    if key_inline {
        let mut all = key_fields.clone();
        all.extend(fields);
        fields = all;
    }
    let mut selects = vec![(
        "party_org",
        c.t("orgs.party_org"),
        PARTY_ORG
            .iter()
            .map(|p| (p.to_string(), c.t(&format!("org.party.{p}"))))
            .collect(),
    )];
    if key_inline {
        let filter = state.policy.scope_filter(&me.actor, ORG_EDIT);
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
        let mut options: Vec<(String, String)> =
            nodes.into_iter().map(|n| (n.code, n.name)).collect();
        if !options.iter().any(|(code, _)| *code == o.territory_code) {
            let here = gongzhi_platform::territory::get(&state.db.read, &o.territory_code)
                .await?
                .map(|n| n.name)
                .unwrap_or_else(|| o.territory_code.clone());
            options.insert(0, (o.territory_code.clone(), here));
        }
        selects.push(("territory", c.t("orgs.territory"), options));
    }
    let en = c.lang == "en";
    let categories = org_category::Entity::find()
        .order_by_asc(org_category::Column::Sort)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|k| {
            let on = chosen.contains(&k.code);
            (k.code, if en { k.name_en } else { k.name_zh }, on)
        })
        .collect();
    Ok(render_status(
        status,
        &EditPage {
            c,
            o,
            f,
            k,
            key_inline,
            fields,
            key_fields,
            selects,
            categories,
        },
    ))
}

async fn editable(
    state: &AppState,
    me: &CurrentActor,
    org_id: &str,
) -> Result<org::Model, PageError> {
    let o = service::get_visible(state, &me.actor, org_id).await?;
    state.authorize(&me.actor, ORG_EDIT, &service::resource(&o))?;
    Ok(o)
}

pub async fn edit_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> PageResult {
    let o = editable(&state, &me, &org_id).await?;
    let chosen = service::categories_of(&state.db.read, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    let f = FormState::from_values(values_of(&o));
    edit_view(
        &state,
        c,
        &me,
        o,
        f,
        FormState::default(),
        chosen,
        StatusCode::OK,
    )
    .await
}

pub async fn edit_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let o = editable(&state, &me, &org_id).await?;
    let categories: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "categories")
        .map(|(_, v)| v.clone())
        .collect();
    let fields: HashMap<String, String> = pairs
        .into_iter()
        .filter(|(k, _)| k != "categories")
        .collect();
    let text = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let who = AuditActor::from(&me);
    let facts = KeyFacts {
        name: text("name"),
        uscc: text("uscc"),
        person_in_charge: text("person_in_charge"),
        person_in_charge_id: text("person_in_charge_id"),
        territory: text("territory"),
    };
    if fields.get("op").map(String::as_str) == Some("change") {
        let reason = fields.get("reason").cloned().unwrap_or_default();
        // Moving is not proposed from this form; the service keeps only facts that differ.
        let facts = KeyFacts {
            territory: None,
            ..facts
        };
        return match changes::propose(&state, &me.actor, &who, &org_id, &facts, &reason).await {
            Ok(_) => Ok(see_other(&format!(
                "/orgs/{org_id}?done=org_change_proposed"
            ))),
            Err(e) => {
                let k = form_errors(e, fields.clone(), &c)?;
                let chosen = service::categories_of(&state.db.read, &[o.id])
                    .await?
                    .remove(&o.id)
                    .unwrap_or_default();
                let f = FormState::from_values(values_of(&o));
                edit_view(
                    &state,
                    c,
                    &me,
                    o,
                    f,
                    k,
                    chosen,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        };
    }
    let mut bad = FormState::from_values(fields.clone());
    let mut number = |k: &'static str| match text(k) {
        None => Some(0),
        Some(s) => match s.parse::<i32>() {
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
        None => None,
        Some(s) => match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                bad.errors
                    .insert("founded_on".into(), c.t("orgs.not_a_date"));
                None
            }
        },
    };
    if !bad.errors.is_empty() {
        return edit_view(
            &state,
            c,
            &me,
            o,
            bad,
            FormState::default(),
            categories,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let key_inline = matches!(o.state.as_str(), OrgState::DRAFT | OrgState::RETURNED);
    let patch = OrgPatch {
        facts: EverydayFacts {
            version: gongzhi_platform::ui::form_version(&fields),
            categories: Some(categories.clone()),
            founded_on,
            service_areas: Some(text("service_areas").unwrap_or_default()),
            target_groups: Some(text("target_groups").unwrap_or_default()),
            supervising_unit: Some(text("supervising_unit").unwrap_or_default()),
            contact_phone: Some(text("contact_phone").unwrap_or_default()),
            staff_count,
            social_worker_count,
            party_org: text("party_org"),
        },
        key_facts: if key_inline {
            facts
        } else {
            KeyFacts::default()
        },
    };
    match changes::edit(&state, &me.actor, &who, &org_id, &patch).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{org_id}?done=org_edited"))),
        Err(e) => {
            let f = form_errors(e, fields, &c)?;
            edit_view(
                &state,
                c,
                &me,
                o,
                f,
                FormState::default(),
                categories,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A proposed change as the organization page lists it.
pub struct ChangeRow {
    pub id: uuid::Uuid,
    pub summary: String,
    pub reason: String,
    pub state: String,
    pub version: i32,
    /// (transition, label, needs a reason)
    pub actions: Vec<(&'static str, String, bool)>,
}

pub async fn changes_part(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
    o: &org::Model,
) -> Result<Vec<ChangeRow>, PageError> {
    let rows = changes::list(state, &me.actor, &o.id.to_string()).await?;
    Ok(rows
        .into_iter()
        .map(|ch| change_row(state, c, me, o, ch))
        .collect())
}

/// One proposed change with the steps this viewer may take on it.
pub fn change_row(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
    o: &org::Model,
    ch: org_change::Model,
) -> ChangeRow {
    let res = service::resource(o);
    {
        {
            let p = changes::proposed(&ch);
            let mut parts = Vec::new();
            for (label, v) in [
                ("orgs.name", &p.name),
                ("orgs.uscc", &p.uscc),
                ("orgs.person_in_charge", &p.person_in_charge),
                ("orgs.person_in_charge_id", &p.person_in_charge_id),
                ("orgs.territory", &p.territory),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{} → {v}", c.t(label)));
                }
            }
            let ctx = crate::domain::ChangeCtx {
                needs_community_review: o.tier != "registered",
                state: ch.state.clone(),
            };
            let actions = KEY_FACT_CHANGE
                .available(&ch.state, |perm| {
                    state.policy.authorize(&me.actor, perm, &res).is_ok()
                })
                .into_iter()
                .filter(|t| t.guard.is_none_or(|g| g(&ctx).is_ok()))
                .map(|t| {
                    (
                        t.name,
                        c.t(&format!("org.transition.{}", t.name)),
                        t.reason == ReasonRule::Required,
                    )
                })
                .collect();
            ChangeRow {
                id: ch.id,
                summary: parts.join("；"),
                reason: ch.reason,
                state: c.t(&format!("org.change_state.{}", ch.state)),
                version: ch.version,
                actions,
            }
        }
    }
}

pub async fn change_transition(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(change_id): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let (o, _) = changes::get(&state, &me.actor, &change_id).await?;
    let reason = get("reason");
    let result = changes::transition(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &change_id,
        &get("transition"),
        gongzhi_platform::ui::form_version(&fields),
        Some(reason.as_str()),
    )
    .await
    .map(|_| ());
    let done = format!("org_change_{}", get("transition"));
    crate::web::ui::org_outcome(&state, c, &me, &o.id.to_string(), result, &done).await
}
