//! The standing and documents parts of an organization's page, and their forms.

use std::collections::HashMap;

use axum::extract::{Multipart, State};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::ui::{PageCtx, PageError, field, typed_form};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{AppError, AppState, CurrentActor};

use crate::web::api_standing::{EntryView, GradeView, ReportView, standing_view};
use crate::store::entity::org;
use crate::domain::standing;
use crate::service::standing_svc::{self as svc, EntryAction, EventInput, GradeInput};
use crate::{ORG_EDIT, ORG_GRADE, ORG_STANDING};
use crate::domain::GradeStatus;

pub struct EntryRow {
    pub id: uuid::Uuid,
    pub list: String,
    pub triggers: String,
    pub entered_on: String,
    pub status: String,
    pub version: i32,
    /// (action, label, needs a reason) the viewer may take.
    pub actions: Vec<(&'static str, String, bool)>,
}

pub struct GradeRow {
    pub id: uuid::Uuid,
    pub label: String,
    pub awarded_on: String,
    pub expires_on: String,
    pub status: String,
    pub in_force: bool,
    pub version: i32,
    pub lower: Vec<(i32, String)>,
}

pub struct ReportRow {
    pub id: uuid::Uuid,
    pub year: i32,
    pub submitted_on: String,
    pub late: bool,
    pub inspection: String,
    pub pending: bool,
    pub version: i32,
}

/// (purpose label, eligible, notes as (message, blocking))
pub type VerdictRow = (String, bool, Vec<(String, bool)>);

pub struct StandingPart {
    pub grade: Option<String>,
    pub on_abnormal: bool,
    pub on_serious: bool,
    pub verdicts: Vec<VerdictRow>,
    pub entries: Vec<EntryRow>,
    pub grades: Vec<GradeRow>,
    pub reports: Vec<ReportRow>,
    pub events: Vec<(String, String, String)>,
    pub can_standing: bool,
    pub can_grade: bool,
    pub can_report: bool,
    pub event_kinds: Vec<(&'static str, String)>,
    pub results: Vec<(&'static str, String)>,
    pub report_years: Vec<i32>,
}

pub async fn standing_part(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
    o: &org::Model,
) -> Result<StandingPart, PageError> {
    let v = standing_view(state, o).await?;
    let res = crate::service::resource(o);
    let may = |p| state.policy.authorize(&me.actor, p, &res).is_ok();
    let can_standing = may(ORG_STANDING);
    let can_grade = may(ORG_GRADE);
    let can_edit = may(ORG_EDIT);
    let today = gongzhi_platform::clock::today();
    let entries = v
        .entries
        .iter()
        .map(|e| entry_row(c, e, today, can_standing, can_edit))
        .collect();
    let grades = v.grades.iter().map(|g| grade_row(c, g)).collect();
    let reports: Vec<ReportRow> = v.reports.iter().map(|r| report_row(c, r)).collect();
    use chrono::Datelike;
    let first = o
        .registered_on
        .or(o.founded_on)
        .map(|d| d.year())
        .unwrap_or(today.year() - 1);
    let report_years = (first..today.year())
        .rev()
        .filter(|y| !reports.iter().any(|r| r.year == *y))
        .take(5)
        .collect();
    let purposes = [
        ("purchase", "standing.purpose.purchase"),
        ("purchase_strict", "standing.purpose.purchase_strict"),
        ("incubation", "standing.purpose.incubation"),
        ("grading", "standing.purpose.grading"),
    ];
    Ok(StandingPart {
        grade: v.grade.clone(),
        on_abnormal: v.abnormal_since.is_some(),
        on_serious: v.serious_since.is_some(),
        verdicts: v
            .eligibility
            .iter()
            .filter(|e| e.purpose != "grading" || o.tier == "registered")
            .map(|e| {
                let label = purposes
                    .iter()
                    .find(|(p, _)| *p == e.purpose)
                    .map(|(_, k)| c.t(k))
                    .unwrap_or_default();
                (
                    label,
                    e.eligible,
                    e.notes.iter().map(|n| (c.t(&n.key), n.blocking)).collect(),
                )
            })
            .collect(),
        entries,
        grades,
        reports,
        events: v
            .events
            .iter()
            .map(|e| {
                (
                    e.occurred_on.to_string(),
                    c.t(&format!("standing.kind.{}", e.kind)),
                    e.note.clone(),
                )
            })
            .collect(),
        can_standing,
        can_grade: can_grade && o.tier == "registered",
        can_report: (can_edit || can_standing) && o.tier == "registered",
        event_kinds: standing::RECORDABLE
            .iter()
            .map(|k| (*k, c.t(&format!("standing.kind.{k}"))))
            .collect(),
        results: standing::INSPECTION_RESULTS[1..]
            .iter()
            .map(|k| (*k, c.t(&format!("standing.inspection.{k}"))))
            .collect(),
        report_years,
    })
}

/// The names of an entry's triggers, joined.
fn kinds(c: &PageCtx, list: &[String]) -> String {
    list.iter()
        .map(|k| c.t(&format!("standing.kind.{k}")))
        .collect::<Vec<_>>()
        .join("、")
}

/// A stay on the abnormal or serious list: its clocks, and the steps the viewer may take now.
fn entry_row(
    c: &PageCtx,
    e: &EntryView,
    today: chrono::NaiveDate,
    can_standing: bool,
    can_edit: bool,
) -> EntryRow {
    let mut actions = Vec::new();
    let open = e.removed_on.is_none();
    if open && e.list == "abnormal" && can_standing && e.rectification != "verified" {
        actions.push((
            "verify_rectification",
            c.t("standing.verify_rectification"),
            false,
        ));
    }
    let removable = e.removable_from.is_some_and(|d| d <= today);
    if open && e.list == "serious" && removable {
        if e.removal_requested_on.is_none() && (can_edit || can_standing) {
            actions.push(("request_removal", c.t("standing.request_removal"), false));
        }
        if can_standing {
            actions.push(("remove", c.t("standing.remove"), false));
            if e.removal_requested_on.is_some() {
                actions.push(("decline_removal", c.t("standing.decline_removal"), true));
            }
        }
    }
    let status = match e.removed_on {
        Some(d) => vec![format!(
            "{} {d}",
            c.t(&format!(
                "standing.removal_reason.{}",
                e.removal_reason.as_deref().unwrap_or("auto")
            ))
        )],
        None => {
            let mut status = vec![c.t(&format!("standing.rectification.{}", e.rectification))];
            for (date, key) in [
                (e.removal_due, "standing.removal_due"),
                (e.escalation_due, "standing.escalation_due"),
                (e.removable_from, "standing.removable_from"),
                (e.removal_requested_on, "standing.removal_requested"),
            ] {
                if let Some(d) = date {
                    status.push(format!("{} {d}", c.t(key)));
                }
            }
            status
        }
    };
    EntryRow {
        id: e.id,
        list: c.t(&format!("standing.list.{}", e.list)),
        triggers: kinds(c, &e.triggers),
        entered_on: e.entered_on.to_string(),
        status: status.join("；"),
        version: e.version,
        actions,
    }
}

/// A grade, whether it is in force, and the grades it may be lowered to.
fn grade_row(c: &PageCtx, g: &GradeView) -> GradeRow {
    GradeRow {
        id: g.id,
        label: g.label.clone(),
        awarded_on: g.awarded_on.to_string(),
        expires_on: g.expires_on.to_string(),
        status: if g.in_force {
            c.t("standing.in_force")
        } else if g.status == GradeStatus::REVOKED {
            c.t("standing.revoked")
        } else {
            c.t("standing.expired")
        },
        in_force: g.in_force,
        version: g.version,
        lower: (0..g.grade)
            .rev()
            .map(|n| {
                (
                    n,
                    if n == 0 {
                        c.t("standing.revoke")
                    } else {
                        standing::grade_label(n)
                    },
                )
            })
            .collect(),
    }
}

fn report_row(c: &PageCtx, r: &ReportView) -> ReportRow {
    ReportRow {
        id: r.id,
        year: r.year,
        submitted_on: r.submitted_on.to_string(),
        late: r.late,
        inspection: c.t(&format!("standing.inspection.{}", r.inspection)),
        pending: r.inspection == "pending",
        version: r.version,
    }
}

/// The documents list: (id, kind label, title, size).
pub async fn documents_part(
    state: &AppState,
    c: &PageCtx,
    me: &CurrentActor,
    o: &org::Model,
) -> Result<Vec<(uuid::Uuid, String, String, String)>, PageError> {
    Ok(crate::service::documents::list(state, &me.actor, &o.id.to_string())
        .await?
        .into_iter()
        .map(|(d, f)| {
            (
                d.id,
                c.t(&format!("org.document.{}", d.kind)),
                d.title,
                format!("{:.1} KB", f.size as f64 / 1024.0),
            )
        })
        .collect())
}

/// The grade form's typed fields (the version is the page's, read apart).
#[derive(serde::Deserialize)]
struct GradeForm {
    grade: i32,
    score: Option<i32>,
    awarded_on: chrono::NaiveDate,
    #[serde(default)]
    note: String,
}

/// Every standing form on the page posts here; `op` says which.
pub async fn standing_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<axum::response::Response, PageError> {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let version = gongzhi_platform::ui::form_version(&fields);
    let date = |k: &str| field::<chrono::NaiveDate>(&fields, k);
    // An optional date: blank is none, anything else must be a date.
    let opt_date = |k: &str| match get(k).trim() {
        "" => Ok(None),
        _ => date(k).map(Some),
    };
    let who = AuditActor::from(&me);
    let a = &me.actor;
    let op = get("op");
    let result = match op.as_str() {
        "event" => {
            // The form has one amount field; it belongs to fines only.
            let amount_fen = match get("amount_yuan").trim() {
                "" => Ok(None),
                _ if get("kind").trim() != "fine" => Ok(None),
                s => gongzhi_kernel::Money::parse(s).map(|m| Some(m.fen())),
            };
            match (amount_fen, date("occurred_on")) {
                (Err(e), _) => Err(AppError::from(e.for_field("amount_yuan"))),
                (_, Err(e)) => Err(e),
                (Ok(amount_fen), Ok(on)) => {
                    svc::record_event(
                        &state,
                        a,
                        &who,
                        &org_id,
                        &EventInput {
                            kind: get("kind"),
                            occurred_on: on,
                            amount_fen,
                            note: get("note"),
                            needs_rectification: !get("needs_rectification").is_empty(),
                            version,
                        },
                    )
                    .await
                }
            }
        }
        "entry" => match opt_date("on") {
            Ok(on) => {
                svc::entry_action(
                    &state,
                    a,
                    &who,
                    &get("entry_id"),
                    &EntryAction {
                        action: get("action"),
                        version,
                        on,
                        reason: Some(get("reason")),
                    },
                )
                .await
            }
            Err(e) => Err(e),
        },
        "grade" => match typed_form::<GradeForm>(&fields) {
            Err(e) => Err(e),
            Ok(g) => svc::award_grade(
                &state,
                a,
                &who,
                &org_id,
                &GradeInput {
                    grade: g.grade,
                    score: g.score,
                    awarded_on: g.awarded_on,
                    note: g.note,
                    version,
                },
            )
            .await
            .map(|_| ()),
        },
        "downgrade" => match field::<i32>(&fields, "grade") {
            Ok(grade) => svc::downgrade(
                &state,
                a,
                &who,
                &get("grade_id"),
                version,
                grade,
                &get("reason"),
            )
            .await
            .map(|_| ()),
            Err(e) => Err(e),
        },
        "report" => match field::<i32>(&fields, "year") {
            Ok(year) => svc::submit_report(&state, a, &who, &org_id, year, &get("note"))
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        "inspect" => svc::inspect_report(
            &state,
            a,
            &who,
            &get("report_id"),
            version,
            &get("result"),
            &get("note"),
        )
        .await
        .map(|_| ()),
        _ => Err(AppError::BadRequest("standing.action_unknown")),
    };
    crate::web::ui::org_outcome(&state, c, &me, &org_id, result, "standing_saved").await
}

pub async fn upload_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(org_id): Path<String>,
    form: Multipart,
) -> Result<axum::response::Response, PageError> {
    let result = match gongzhi_platform::files::read_multipart(&state, form).await {
        Ok((fields, file)) => {
            let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
            crate::service::documents::upload(
                &state,
                &me.actor,
                &AuditActor::from(&me),
                &org_id,
                get("kind"),
                get("title"),
                file.as_ref(),
            )
            .await
            .map(|_| ())
        }
        Err(e) => Err(e),
    };
    crate::web::ui::org_outcome(&state, c, &me, &org_id, result, "document_added").await
}
