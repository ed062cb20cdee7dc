//! Standing use cases: record events and place on lists, rectification and removal, grades,
//! annual reports and inspections, the daily clock job, and the summary other modules query.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::{Datelike, NaiveDate};
use gongzhi_kernel::FieldError;
use gongzhi_kernel::authz::Actor;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::store::entity::{org, org_annual_report, org_grade, org_list_entry, org_standing_event};
use crate::service::{get_visible, resource};
use crate::domain::standing::{
    self, EntryClock, GradeFacts, List, PENALTIES, Purpose, Rectification, Standing, Verdict,
};
use crate::{ORG_EDIT, ORG_GRADE, ORG_STANDING};

use gongzhi_platform::clock::today;
use crate::domain::{GradeStatus, OrgState};

pub fn clock_of(e: &org_list_entry::Model) -> EntryClock {
    EntryClock {
        list: List::parse(&e.list).unwrap_or(List::Abnormal),
        entered_on: e.entered_on,
        clock_from: e.clock_from,
        rectification: match (e.rectification.as_str(), e.rectified_on) {
            ("pending", _) => Rectification::Pending,
            ("verified", Some(d)) => Rectification::Verified(d),
            _ => Rectification::None,
        },
    }
}

/// Everything recorded about an organization's standing.
pub struct Record {
    pub grades: Vec<org_grade::Model>,
    pub reports: Vec<org_annual_report::Model>,
    pub entries: Vec<org_list_entry::Model>,
    pub events: Vec<org_standing_event::Model>,
}

pub async fn record_of(conn: &impl ConnectionTrait, org_id: uuid::Uuid) -> AppResult<Record> {
    Ok(Record {
        grades: org_grade::Entity::find()
            .filter(org_grade::Column::OrgId.eq(org_id))
            .order_by_desc(org_grade::Column::AwardedOn)
            .all(conn)
            .await?,
        reports: org_annual_report::Entity::find()
            .filter(org_annual_report::Column::OrgId.eq(org_id))
            .order_by_desc(org_annual_report::Column::Year)
            .all(conn)
            .await?,
        entries: org_list_entry::Entity::find()
            .filter(org_list_entry::Column::OrgId.eq(org_id))
            .order_by_desc(org_list_entry::Column::EnteredOn)
            .all(conn)
            .await?,
        events: org_standing_event::Entity::find()
            .filter(org_standing_event::Column::OrgId.eq(org_id))
            .order_by_desc(org_standing_event::Column::OccurredOn)
            .order_by_desc(org_standing_event::Column::RecordedAt)
            .all(conn)
            .await?,
    })
}

/// The grade in force on `on`.
pub fn grade_in_force(r: &Record, on: NaiveDate) -> Option<&org_grade::Model> {
    r.grades
        .iter()
        .find(|g| g.status == GradeStatus::IN_FORCE && g.awarded_on <= on && g.expires_on > on)
}

fn open(r: &Record, list: List) -> Option<&org_list_entry::Model> {
    r.entries
        .iter()
        .find(|e| e.list == list.as_str() && e.removed_on.is_none())
}

/// The standing summary on `on`, from the record.
pub fn summarize(o: &org::Model, r: &Record, on: NaiveDate) -> Standing {
    let grade = grade_in_force(r, on);
    let abnormal = open(r, List::Abnormal);
    let serious = open(r, List::Serious);
    let investigation = r
        .events
        .iter()
        .find(|e| e.kind.starts_with("investigation_"))
        .is_some_and(|e| e.kind == "investigation_opened");
    Standing {
        in_good_order: crate::domain::PUBLIC_STATES.contains(&o.state.as_str()),
        grade: grade.map(|g| g.grade),
        grade_expires_on: grade.map(|g| g.expires_on),
        abnormal_since: abnormal.map(|e| e.entered_on),
        serious_since: serious.map(|e| e.entered_on),
        facts: GradeFacts {
            registered: o.tier == "registered",
            registered_on: o.registered_on,
            grade_expires_on: grade.map(|g| g.expires_on),
            inspections: r
                .reports
                .iter()
                .map(|p| (p.year, p.inspection.clone()))
                .collect(),
            penalties: r
                .events
                .iter()
                .filter(|e| PENALTIES.contains(&e.kind.as_str()))
                .map(|e| e.occurred_on)
                .collect(),
            under_investigation: investigation,
            rectification_pending: abnormal.is_some_and(|e| e.rectification == "pending"),
            on_serious_list: serious.is_some(),
        },
    }
}

/// What other modules call: may this organization take part in `purpose` on `on`? The caller
/// has authorized its own use case; this reads, it changes nothing.
pub async fn is_eligible_for(
    conn: &impl ConnectionTrait,
    org_id: uuid::Uuid,
    purpose: Purpose,
    on: NaiveDate,
) -> AppResult<Verdict> {
    let o = org::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = record_of(conn, org_id).await?;
    Ok(summarize(&o, &r, on).is_eligible_for(purpose, on))
}

/// What the directory shows of a standing.
#[derive(Debug, Clone, Default)]
pub struct Badge {
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
}

/// Grades in force and open list stays of many organizations at once (for lists).
pub async fn badges(
    conn: &impl ConnectionTrait,
    ids: &[uuid::Uuid],
    on: NaiveDate,
) -> AppResult<std::collections::HashMap<uuid::Uuid, Badge>> {
    let mut out: std::collections::HashMap<uuid::Uuid, Badge> = Default::default();
    for g in org_grade::Entity::find()
        .filter(org_grade::Column::OrgId.is_in(ids.iter().copied()))
        .filter(org_grade::Column::Status.eq(GradeStatus::IN_FORCE))
        .filter(org_grade::Column::AwardedOn.lte(on))
        .filter(org_grade::Column::ExpiresOn.gt(on))
        .all(conn)
        .await?
    {
        out.entry(g.org_id).or_default().grade = Some(g.grade);
    }
    for e in org_list_entry::Entity::find()
        .filter(org_list_entry::Column::OrgId.is_in(ids.iter().copied()))
        .filter(org_list_entry::Column::RemovedOn.is_null())
        .all(conn)
        .await?
    {
        let b = out.entry(e.org_id).or_default();
        match e.list.as_str() {
            "serious" => b.serious = true,
            _ => b.abnormal = true,
        }
    }
    Ok(out)
}

/// Bump the organization's version: concurrent standing decisions on one organization
/// serialise on it, and the loser gets a conflict.
async fn touch(conn: &impl ConnectionTrait, o: &org::Model) -> AppResult<()> {
    versioned::bump(
        conn,
        org::Entity::update_many()
            .filter(org::Column::Id.eq(o.id))
            .into_query(),
        o.version,
        Stamp::UpdatedAt,
    )
    .await?;
    Ok(())
}

pub(crate) async fn log(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
    action: &'static str,
    summary: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        who,
        Change {
            action,
            entity_type: "org",
            entity_id: &o.id.to_string(),
            scope_path: &o.path,
            summary,
        },
    )
    .await?;
    Ok(())
}

/// Put the organization on a list for `trigger` (or add the trigger to its open stay and
/// restart the clocks).
pub(crate) async fn place(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
    list: List,
    trigger: &str,
    on: NaiveDate,
    needs_rectification: bool,
) -> AppResult<()> {
    let existing = org_list_entry::Entity::find()
        .filter(org_list_entry::Column::OrgId.eq(o.id))
        .filter(org_list_entry::Column::List.eq(list.as_str()))
        .filter(org_list_entry::Column::RemovedOn.is_null())
        .one(conn)
        .await?;
    match existing {
        Some(e) => {
            let mut a: org_list_entry::ActiveModel = e.clone().into();
            a.triggers = Set(format!("{},{trigger}", e.triggers));
            a.clock_from = Set(Ord::max(e.clock_from, on));
            if needs_rectification {
                a.rectification = Set("pending".into());
                a.rectified_on = Set(None);
            }
            a.version = Set(e.version + 1);
            a.update(conn).await?;
        }
        None => {
            org_list_entry::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                org_id: Set(o.id),
                list: Set(list.as_str().into()),
                triggers: Set(trigger.into()),
                entered_on: Set(on),
                clock_from: Set(on),
                rectification: Set(if needs_rectification {
                    "pending"
                } else {
                    "none"
                }
                .into()),
                rectified_on: Set(None),
                removal_requested_on: Set(None),
                removed_on: Set(None),
                removal_reason: Set(None),
                version: Set(1),
            }
            .insert(conn)
            .await?;
        }
    }
    log(
        conn,
        who,
        o,
        "org.list_enter",
        json!({"list": list.as_str(), "trigger": trigger, "on": on, "rectification_required": needs_rectification}),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_event(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    o: &org::Model,
    kind: &str,
    on: NaiveDate,
    amount_fen: Option<i64>,
    note: &str,
    ref_key: Option<String>,
) -> AppResult<()> {
    org_standing_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        kind: Set(kind.into()),
        occurred_on: Set(on),
        amount_fen: Set(amount_fen),
        note: Set(note.into()),
        ref_key: Set(ref_key),
        recorded_by: Set(who.user_id),
        recorded_at: Set(audit::now()),
    }
    .insert(conn)
    .await?;
    log(
        conn,
        who,
        o,
        "org.standing_event",
        json!({"kind": kind, "on": on, "amount_fen": amount_fen, "note": note}),
    )
    .await
}

/// A 差 grade from a purchase's performance evaluation, recorded on the organization in the
/// caller's transaction (the "no 差 within N years" admission criterion reads it). `ref_key`
/// names the evaluation.
/// The standing event a poor (差) performance evaluation is recorded as.
pub const POOR_EVALUATION: &str = "performance_poor";

pub async fn record_poor_performance(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    org_id: uuid::Uuid,
    on: NaiveDate,
    note: &str,
    ref_key: String,
) -> AppResult<()> {
    let o = org::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    insert_event(
        conn,
        who,
        &o,
        POOR_EVALUATION,
        on,
        None,
        note,
        Some(ref_key),
    )
    .await
}

/// An event recorded by staff.
#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct EventInput {
    /// annual_report_late / no_party_org / rectification_overdue / unreachable / warning / fine /
    /// fundraising_lapsed / fraudulent_registration / suspension_ordered / dishonest_debtor /
    /// registration_revoked / investigation_opened / investigation_closed / performance_poor
    pub kind: String,
    pub occurred_on: NaiveDate,
    /// For a fine: the amount in fen.
    pub amount_fen: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// The organization must fix something before it can leave the abnormal list.
    #[serde(default)]
    pub needs_rectification: bool,
    /// The organization's version you last read.
    pub version: i32,
}

async fn for_staff(
    state: &AppState,
    actor: &Actor,
    org_id: &str,
    permission: gongzhi_kernel::authz::Permission,
) -> AppResult<org::Model> {
    let o = get_visible(state, actor, org_id).await?;
    state.authorize(actor, permission, &resource(&o))?;
    Ok(o)
}

pub async fn record_event(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    input: &EventInput,
) -> AppResult<()> {
    let o = for_staff(state, actor, org_id, ORG_STANDING).await?;
    // Only a fine carries an amount, and it is bounded like every amount.
    if let Some(fen) = input.amount_fen {
        if input.kind.trim() != "fine" {
            return Err(AppError::field(
                "amount_fen",
                "standing.amount_only_for_fines",
            ));
        }
        state
            .config
            .money_limits
            .positive(gongzhi_kernel::AmountKind::Fine, fen)
            .map_err(|e| AppError::Validation(e.for_field("amount_fen").into()))?;
    }
    let kind = standing::classify(input.kind.trim(), input.amount_fen).map_err(|key| {
        AppError::from(FieldError::new(
            if key == "standing.fine_amount_required" {
                "amount_fen"
            } else {
                "kind"
            },
            key,
        ))
    })?;
    if input.occurred_on > today() {
        return Err(AppError::field("occurred_on", "org.date_in_future"));
    }
    if input.note.chars().count() > 500 {
        return Err(FieldError::new("note", "org.too_long")
            .arg("max", 500)
            .into());
    }
    if o.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let txn = state.db.write.begin().await?;
    touch(&txn, &o).await?;
    insert_event(
        &txn,
        who,
        &o,
        kind,
        input.occurred_on,
        input.amount_fen,
        input.note.trim(),
        None,
    )
    .await?;
    let since = input.occurred_on - chrono::Duration::days(3 * 365 + 1);
    let penalties = org_standing_event::Entity::find()
        .filter(org_standing_event::Column::OrgId.eq(o.id))
        .filter(org_standing_event::Column::Kind.is_in(["warning", "small_fine"]))
        .filter(org_standing_event::Column::OccurredOn.gte(since))
        .filter(org_standing_event::Column::OccurredOn.lte(input.occurred_on))
        .all(&txn)
        .await?
        .len();
    for (list, trigger) in standing::placements(kind, penalties) {
        place(
            &txn,
            who,
            &o,
            list,
            trigger,
            input.occurred_on,
            input.needs_rectification && list == List::Abnormal,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A list entry and its organization, if the actor may see it.
async fn entry_of(
    state: &AppState,
    actor: &Actor,
    entry_id: &str,
) -> AppResult<(org::Model, org_list_entry::Model)> {
    let id: uuid::Uuid = entry_id.parse().map_err(|_| AppError::NotFound)?;
    let e = org_list_entry::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = get_visible(state, actor, &e.org_id.to_string()).await?;
    Ok((o, e))
}

/// The organization a list entry belongs to.
pub async fn org_of_entry(state: &AppState, entry_id: &str) -> AppResult<String> {
    let id: uuid::Uuid = entry_id.parse().map_err(|_| AppError::NotFound)?;
    Ok(org_list_entry::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?
        .org_id
        .to_string())
}

/// Save a changed list entry if nobody changed it meanwhile.
async fn save_entry(
    conn: &impl ConnectionTrait,
    e: &org_list_entry::Model,
    version: i32,
    change: impl FnOnce(&mut org_list_entry::ActiveModel),
) -> AppResult<()> {
    if e.version != version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let mut a: org_list_entry::ActiveModel = e.clone().into();
    change(&mut a);
    versioned::bump(
        conn,
        org_list_entry::Entity::update_many()
            .set(a)
            .filter(org_list_entry::Column::Id.eq(e.id))
            .into_query(),
        version,
        Stamp::VersionOnly,
    )
    .await?;
    Ok(())
}

/// What may be done with a stay on a list.
#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct EntryAction {
    /// verify_rectification (staff; the abnormal stay ends 5 working days later) /
    /// request_removal (the organization, after two clean years on the serious list) /
    /// remove (staff, same condition) / decline_removal (staff, with a reason)
    pub action: String,
    /// The entry's version you last read.
    pub version: i32,
    /// For verify_rectification: the day it was checked (today when omitted).
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
}

pub async fn entry_action(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    entry_id: &str,
    input: &EntryAction,
) -> AppResult<()> {
    let (o, e) = entry_of(state, actor, entry_id).await?;
    let res = resource(&o);
    let reason = input.reason.as_deref().unwrap_or("").trim().to_string();
    let today = today();
    let open_serious = e.list == "serious" && e.removed_on.is_none();
    let (action, summary): (&'static str, serde_json::Value) = match input.action.as_str() {
        "verify_rectification" => {
            state.authorize(actor, ORG_STANDING, &res)?;
            if e.list != "abnormal" || e.removed_on.is_some() {
                return Err(AppError::Conflict("standing.entry_not_open_abnormal"));
            }
            let on = input.on.unwrap_or(today);
            if on > today {
                return Err(AppError::field("on", "org.date_in_future"));
            }
            if on < e.clock_from {
                return Err(AppError::field("on", "standing.before_entry"));
            }
            let due = clock_of(&org_list_entry::Model {
                rectification: "verified".into(),
                rectified_on: Some(on),
                ..e.clone()
            })
            .removal_due(&state.calendar);
            (
                "org.rectification_verified",
                json!({"entry": e.id, "on": on, "removal_due": due}),
            )
        }
        "request_removal" | "remove" => {
            // The organization's own people may ask; only staff decide.
            let own_request =
                input.action == "request_removal" && state.authorize(actor, ORG_EDIT, &res).is_ok();
            if !own_request {
                state.authorize(actor, ORG_STANDING, &res)?;
            }
            if !open_serious {
                return Err(AppError::Conflict("standing.entry_not_open_serious"));
            }
            if input.action == "request_removal" && e.removal_requested_on.is_some() {
                return Err(AppError::Conflict("standing.removal_already_requested"));
            }
            let from = clock_of(&e)
                .removable_on_request_from()
                .expect("serious entry");
            if today < from {
                return Err(FieldError::new("action", "standing.removal_too_early")
                    .arg("date", from)
                    .into());
            }
            if input.action == "remove" {
                (
                    "org.list_remove",
                    json!({"entry": e.id, "list": e.list, "on": today, "reason": "request", "note": reason}),
                )
            } else {
                (
                    "org.list_removal_requested",
                    json!({"entry": e.id, "on": today}),
                )
            }
        }
        "decline_removal" => {
            state.authorize(actor, ORG_STANDING, &res)?;
            if !open_serious || e.removal_requested_on.is_none() {
                return Err(AppError::Conflict("standing.no_removal_request"));
            }
            if reason.is_empty() {
                return Err(AppError::field("reason", "workflow.reason_required"));
            }
            (
                "org.list_removal_declined",
                json!({"entry": e.id, "reason": reason}),
            )
        }
        _ => return Err(AppError::field("action", "standing.action_unknown")),
    };
    let txn = state.db.write.begin().await?;
    save_entry(&txn, &e, input.version, |a| match input.action.as_str() {
        "verify_rectification" => {
            a.rectification = Set("verified".into());
            a.rectified_on = Set(Some(input.on.unwrap_or(today)));
        }
        "request_removal" => a.removal_requested_on = Set(Some(today)),
        "remove" => {
            a.removed_on = Set(Some(today));
            a.removal_reason = Set(Some("request".into()));
        }
        _ => a.removal_requested_on = Set(None),
    })
    .await?;
    log(&txn, who, &o, action, summary).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct GradeInput {
    /// 1 to 5 (1A … 5A).
    pub grade: i32,
    pub score: Option<i32>,
    pub awarded_on: NaiveDate,
    #[serde(default)]
    pub note: String,
    /// The organization's version you last read.
    pub version: i32,
}

/// Award an evaluation grade, if the organization may be graded on that day.
pub async fn award_grade(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    input: &GradeInput,
) -> AppResult<org_grade::Model> {
    let o = for_staff(state, actor, org_id, ORG_GRADE).await?;
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    if !(1..=5).contains(&input.grade) {
        errors.add("grade", "standing.grade_unknown");
    }
    if input.score.is_some_and(|s| !(0..=1000).contains(&s)) {
        errors.add("score", "standing.score_range");
    }
    if input.awarded_on > today() {
        errors.add("awarded_on", "org.date_in_future");
    }
    errors.clone().into_result()?;
    let r = record_of(&state.db.read, o.id).await?;
    let s = summarize(&o, &r, input.awarded_on);
    let verdict = s.is_eligible_for(Purpose::Grading, input.awarded_on);
    if !verdict.eligible {
        let mut e = gongzhi_kernel::ValidationErrors::new();
        for n in verdict.notes.iter().filter(|n| n.blocking) {
            e.add("grade", n.key);
        }
        return Err(e.into());
    }
    if o.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let txn = state.db.write.begin().await?;
    touch(&txn, &o).await?;
    let g = org_grade::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        grade: Set(input.grade),
        score: Set(input.score),
        awarded_on: Set(input.awarded_on),
        expires_on: Set(standing::plus_years(
            input.awarded_on,
            standing::GRADE_YEARS,
        )),
        status: Set(GradeStatus::IN_FORCE.into()),
        note: Set(input.note.trim().chars().take(500).collect()),
        created_by: Set(who.user_id),
        created_at: Set(audit::now()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        &o,
        "org.grade_award",
        json!({"grade": g.grade, "score": g.score, "awarded_on": g.awarded_on, "expires_on": g.expires_on}),
    )
    .await?;
    txn.commit().await?;
    Ok(g)
}

/// Lower a grade in force (or revoke it, `grade` 0) for the events that exclude grading.
#[allow(clippy::too_many_arguments)]
pub async fn downgrade(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    grade_id: &str,
    version: i32,
    grade: i32,
    reason: &str,
) -> AppResult<uuid::Uuid> {
    let id: uuid::Uuid = grade_id.parse().map_err(|_| AppError::NotFound)?;
    let g = org_grade::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = for_staff(state, actor, &g.org_id.to_string(), ORG_GRADE).await?;
    if g.status != GradeStatus::IN_FORCE || g.expires_on <= today() {
        return Err(AppError::Conflict("standing.grade_not_in_force"));
    }
    if !(0..g.grade).contains(&grade) {
        return Err(AppError::field("grade", "standing.downgrade_lower"));
    }
    if reason.trim().is_empty() {
        return Err(AppError::field("reason", "workflow.reason_required"));
    }
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        org_grade::Entity::update_many()
            .col_expr(
            org_grade::Column::Status,
            Expr::value(if grade == 0 {
                GradeStatus::REVOKED
            } else {
                GradeStatus::IN_FORCE
            }),
        )
            .col_expr(
            org_grade::Column::Grade,
            Expr::value(if grade == 0 { g.grade } else { grade }),
        )
            .filter(org_grade::Column::Id.eq(g.id))
            .into_query(),
        version,
        Stamp::VersionOnly,
    )
    .await?;
    log(
        &txn,
        who,
        &o,
        if grade == 0 {
            "org.grade_revoke"
        } else {
            "org.grade_downgrade"
        },
        json!({"from": g.grade, "to": grade, "reason": reason.trim()}),
    )
    .await?;
    txn.commit().await?;
    Ok(o.id)
}

/// The organization (or staff) files its annual report for a past year.
pub async fn submit_report(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    org_id: &str,
    year: i32,
    note: &str,
) -> AppResult<org_annual_report::Model> {
    let o = get_visible(state, actor, org_id).await?;
    let res = resource(&o);
    if state.authorize(actor, ORG_EDIT, &res).is_err() {
        state.authorize(actor, ORG_STANDING, &res)?;
    }
    let on = today();
    let first = o
        .registered_on
        .or(o.founded_on)
        .map(|d| d.year())
        .unwrap_or(on.year() - 1);
    if year >= on.year() || year < first {
        return Err(FieldError::new("year", "standing.report_year")
            .arg("from", first)
            .arg("to", on.year() - 1)
            .into());
    }
    let txn = state.db.write.begin().await?;
    let exists = org_annual_report::Entity::find()
        .filter(org_annual_report::Column::OrgId.eq(o.id))
        .filter(org_annual_report::Column::Year.eq(year))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(AppError::field("year", "standing.report_exists"));
    }
    let m = org_annual_report::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(o.id),
        year: Set(year),
        submitted_on: Set(on),
        inspection: Set("pending".into()),
        inspected_on: Set(None),
        note: Set(note.trim().chars().take(500).collect()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        &o,
        "org.annual_report",
        json!({"year": year, "late": on > standing::report_due(year)}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Staff record the inspection result of an annual report.
#[allow(clippy::too_many_arguments)]
pub async fn inspect_report(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    report_id: &str,
    version: i32,
    result: &str,
    note: &str,
) -> AppResult<uuid::Uuid> {
    let id: uuid::Uuid = report_id.parse().map_err(|_| AppError::NotFound)?;
    let r = org_annual_report::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = for_staff(state, actor, &r.org_id.to_string(), ORG_STANDING).await?;
    if !standing::INSPECTION_RESULTS[1..].contains(&result) {
        return Err(AppError::field("result", "standing.inspection_unknown"));
    }
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        org_annual_report::Entity::update_many()
            .col_expr(org_annual_report::Column::Inspection, Expr::value(result))
            .col_expr(
            org_annual_report::Column::InspectedOn,
            Expr::value(Some(today())),
        )
            .filter(org_annual_report::Column::Id.eq(r.id))
            .into_query(),
        version,
        Stamp::VersionOnly,
    )
    .await?;
    log(
        &txn,
        who,
        &o,
        "org.inspection",
        json!({"year": r.year, "result": result, "note": note.trim()}),
    )
    .await?;
    txn.commit().await?;
    Ok(o.id)
}

/// What one run of the clock job did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ClockRun {
    pub removed: usize,
    pub escalated: usize,
    pub reports_late: usize,
}

/// The daily clocks, for the day `on`: abnormal stays that have run their course end, two years
/// on the abnormal list move to the serious list, and registered organizations whose annual
/// report is overdue go on the abnormal list. Safe to run again for the same day.
pub async fn run_clocks(state: &AppState, on: NaiveDate) -> AppResult<ClockRun> {
    let who = AuditActor::system("job:orgs.standing_clocks");
    let mut out = ClockRun::default();
    let open = org_list_entry::Entity::find()
        .filter(org_list_entry::Column::List.eq("abnormal"))
        .filter(org_list_entry::Column::RemovedOn.is_null())
        .all(&state.db.read)
        .await?;
    for e in open {
        let clock = clock_of(&e);
        let remove = clock.removal_due(&state.calendar).filter(|d| *d <= on);
        // Whichever came first, in case the job did not run for a while.
        let escalate = clock
            .escalation_due()
            .is_some_and(|d| d <= on && remove.is_none_or(|r| d <= r));
        if !escalate && remove.is_none() {
            continue;
        }
        let Some(o) = org::Entity::find_by_id(e.org_id)
            .one(&state.db.read)
            .await?
        else {
            continue;
        };
        let txn = state.db.write.begin().await?;
        let reason = if escalate {
            "escalated"
        } else if clock.rectification == Rectification::None {
            "auto"
        } else {
            "rectified"
        };
        let ended = if escalate {
            clock.escalation_due().expect("abnormal")
        } else {
            remove.expect("due")
        };
        let saved = save_entry(&txn, &e, e.version, |a| {
            a.removed_on = Set(Some(ended));
            a.removal_reason = Set(Some(reason.into()));
        })
        .await;
        if saved.is_err() {
            // Someone changed the entry meanwhile; the next run sees the new state.
            continue;
        }
        log(
            &txn,
            &who,
            &o,
            "org.list_remove",
            json!({"entry": e.id, "list": "abnormal", "on": ended, "reason": reason}),
        )
        .await?;
        if escalate {
            let since = clock.escalation_due().expect("abnormal");
            insert_event(&txn, &who, &o, "abnormal_two_years", since, None, "", None).await?;
            place(
                &txn,
                &who,
                &o,
                List::Serious,
                "abnormal_two_years",
                since,
                false,
            )
            .await?;
            out.escalated += 1;
        } else {
            out.removed += 1;
        }
        txn.commit().await?;
    }
    // Annual reports: registered organizations in good order, report for the last due year
    // missing, not yet flagged for that year.
    let year = standing::last_due_year(on);
    let key = format!("annual_report:{year}");
    let late: Vec<org::Model> = org::Entity::find()
        .filter(org::Column::Tier.eq("registered"))
        .filter(org::Column::State.eq(OrgState::ACTIVE))
        .filter(org::Column::RegisteredOn.lte(NaiveDate::from_ymd_opt(year, 12, 31)))
        .filter(
            org::Column::Id.not_in_subquery(
                gongzhi_platform::sea_orm::sea_query::Query::select()
                    .column(org_annual_report::Column::OrgId)
                    .from(org_annual_report::Entity)
                    .and_where(Expr::col(org_annual_report::Column::Year).eq(year))
                    .to_owned(),
            ),
        )
        .filter(
            org::Column::Id.not_in_subquery(
                gongzhi_platform::sea_orm::sea_query::Query::select()
                    .column(org_standing_event::Column::OrgId)
                    .from(org_standing_event::Entity)
                    .and_where(Expr::col(org_standing_event::Column::RefKey).eq(key.clone()))
                    .to_owned(),
            ),
        )
        .all(&state.db.read)
        .await?;
    let due = standing::report_due(year).succ_opt().expect("valid");
    for o in late {
        let txn = state.db.write.begin().await?;
        insert_event(
            &txn,
            &who,
            &o,
            "annual_report_late",
            due,
            None,
            &year.to_string(),
            Some(key.clone()),
        )
        .await?;
        place(
            &txn,
            &who,
            &o,
            List::Abnormal,
            "annual_report_late",
            due,
            true,
        )
        .await?;
        txn.commit().await?;
        out.reports_late += 1;
    }
    Ok(out)
}

/// The scheduled job's entry point.
pub fn clocks_job(
    state: AppState,
    on: NaiveDate,
) -> futures::future::BoxFuture<'static, anyhow::Result<String>> {
    Box::pin(async move {
        let r = run_clocks(&state, on)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(format!(
            "removed {}, escalated {}, annual reports late {}",
            r.removed, r.escalated, r.reports_late
        ))
    })
}
