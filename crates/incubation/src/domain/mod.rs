//! Pure rules of incubation: what a valid incubator, call, agreement, mentoring plan and assessment
//! look like, the two workflows (an application, an incubated organization's stay), and the
//! cultivation targets' arithmetic. No I/O.

pub mod state;

pub use state::{ApplicationState, StayState};


use chrono::NaiveDate;
use gongzhi_kernel::workflow::{ReasonRule, TransitionDef, WorkflowDef};
use gongzhi_kernel::{CodeError, FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::{INCUBATION_APPLY, INCUBATION_MANAGE};

/// 萌芽 / 初创 / 成长 / 枢纽, in order of growth.
pub const STAGES: [&str; 4] = ["budding", "startup", "growing", "hub"];
/// 出壳后服务: 校友联系, 资源链接, 评估, 公益支持.
pub const ALUMNI_KINDS: [&str; 4] = ["contact", "resource_link", "assessment", "public_support"];
/// How a mentor met the organization.
pub const CHECKIN_MODES: [&str; 3] = ["visit", "phone", "online"];
pub const ASSESSMENT_KINDS: [&str; 2] = ["midterm", "graduation"];
/// Assessment dimensions and their maximum scores (they add up to 100).
pub const DIMENSIONS: [(&str, i32); 5] = [
    ("governance", 20),
    ("projects", 30),
    ("finance", 20),
    ("team", 15),
    ("impact", 15),
];
/// A graduation assessment passes at this total.
pub const PASS_MARK: i32 = 60;

/// The level of an incubator follows the node of its hub: 区 / 街道 / 社区.
pub fn level_of(territory_level: &str) -> Option<&'static str> {
    match territory_level {
        "district" => Some("district"),
        "street" => Some("street"),
        "community" => Some("community"),
        _ => None,
    }
}

/// The trimmed text, or a message when it is shorter than `min` (0: optional) or longer than `max`.
pub fn checked_text(
    e: &mut ValidationErrors,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> String {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        if min <= 1 {
            e.add(field, "incubation.required");
        } else {
            e.push(FieldError::new(field, "incubation.too_short").arg("min", min));
        }
    } else if n > max {
        e.push(FieldError::new(field, "incubation.too_long").arg("max", max));
    }
    v.to_string()
}

/// A message when `value` lies outside `min..=max`.
pub fn check_range(e: &mut ValidationErrors, field: &str, value: i32, min: i32, max: i32) {
    if value < min || value > max {
        e.push(
            FieldError::new(field, "incubation.out_of_range")
                .arg("min", min)
                .arg("max", max),
        );
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct IncubatorInput {
    /// The hub (区 / 街道 / 社区 platform site) the incubator stands at.
    pub hub_id: uuid::Uuid,
    pub name: String,
    /// How many organizations it can incubate at once.
    pub capacity: i32,
    /// First review of an application within this many working days.
    pub review_days: i32,
    /// The organization that runs it (its staff act as mentors), if any.
    pub operator_org_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub description: String,
}

pub struct ValidIncubator {
    pub name: String,
    pub capacity: i32,
    pub review_days: i32,
    pub description: String,
}

pub fn validate_incubator(i: &IncubatorInput) -> Result<ValidIncubator, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = checked_text(&mut e, "name", &i.name, 2, 60);
    check_range(&mut e, "capacity", i.capacity, 1, 500);
    check_range(&mut e, "review_days", i.review_days, 1, 60);
    let description = checked_text(&mut e, "description", &i.description, 0, 2000);
    e.into_result()?;
    Ok(ValidIncubator {
        name,
        capacity: i.capacity,
        review_days: i.review_days,
        description,
    })
}

/// One item of a mentoring plan template: done within `due_after_days` of the start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PlanItemDef {
    pub title: String,
    pub due_after_days: i32,
}

/// The "5个1" companion supervision plan every new incubator starts with; managers edit it.
pub fn default_plan() -> Vec<PlanItemDef> {
    [
        ("一次入驻诊断", 14),
        ("一份发展规划", 30),
        ("一套内部管理制度", 90),
        ("一个品牌服务项目", 180),
        ("一次成果展示", 300),
    ]
    .into_iter()
    .map(|(t, d)| PlanItemDef {
        title: t.into(),
        due_after_days: d,
    })
    .collect()
}

pub fn validate_plan(items: &[PlanItemDef]) -> Result<Vec<PlanItemDef>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    if items.is_empty() || items.len() > 20 {
        e.push(
            FieldError::new("plan", "incubation.plan_size")
                .arg("min", 1)
                .arg("max", 20),
        );
    }
    let mut out = Vec::new();
    for (n, i) in items.iter().enumerate() {
        let title = checked_text(&mut e, &format!("plan.{n}.title"), &i.title, 2, 60);
        check_range(
            &mut e,
            &format!("plan.{n}.due_after_days"),
            i.due_after_days,
            0,
            1095,
        );
        out.push(PlanItemDef {
            title,
            due_after_days: i.due_after_days,
        });
    }
    e.into_result()?;
    Ok(out)
}

/// The plan as the manager's form writes it: one item per line, "title | days".
pub fn parse_plan_lines(text: &str) -> Result<Vec<PlanItemDef>, ValidationErrors> {
    let mut items = Vec::new();
    let mut e = ValidationErrors::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (title, days) = match line.rsplit_once(['|', '｜']) {
            Some((t, d)) => (t.trim(), d.trim()),
            None => (line, ""),
        };
        match days.parse::<i32>() {
            Ok(d) => items.push(PlanItemDef {
                title: title.into(),
                due_after_days: d,
            }),
            Err(_) => e.push(FieldError::new("plan", "incubation.plan_line").arg("line", n + 1)),
        }
    }
    e.into_result()?;
    validate_plan(&items)
}

pub fn plan_lines(items: &[PlanItemDef]) -> String {
    items
        .iter()
        .map(|i| format!("{} | {}", i.title, i.due_after_days))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A call for entry that fills one cohort.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CohortInput {
    /// e.g. 2026年第二期
    pub name: String,
    /// What the call offers and whom it seeks.
    #[serde(default)]
    pub call_text: String,
    /// Applications are taken from `opens_on` to `closes_on`, inclusive.
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// The incubation period the agreements cover.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub seats: i32,
}

pub fn validate_cohort(c: &CohortInput, capacity: i32) -> Result<CohortInput, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let name = checked_text(&mut e, "name", &c.name, 2, 60);
    let call_text = checked_text(&mut e, "call_text", &c.call_text, 0, 4000);
    if c.closes_on < c.opens_on {
        e.add("closes_on", "incubation.closes_before_opens");
    }
    if c.starts_on < c.opens_on {
        e.add("starts_on", "incubation.starts_before_call");
    }
    if c.ends_on <= c.starts_on {
        e.add("ends_on", "incubation.ends_before_starts");
    } else if c.ends_on > c.starts_on + chrono::Duration::days(3 * 366) {
        e.add("ends_on", "incubation.period_too_long");
    }
    check_range(&mut e, "seats", c.seats, 1, capacity);
    e.into_result()?;
    Ok(CohortInput {
        name,
        call_text,
        ..c.clone()
    })
}

/// upcoming / open / closed on `today`.
pub fn call_status(opens_on: NaiveDate, closes_on: NaiveDate, today: NaiveDate) -> &'static str {
    if today < opens_on {
        "upcoming"
    } else if today <= closes_on {
        "open"
    } else {
        "closed"
    }
}

/// The entry agreement (入驻协议) signed when an accepted application is admitted.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AgreementInput {
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Support provided and obligations accepted.
    #[serde(default)]
    pub terms: String,
    /// The stage the organization enters at.
    #[serde(default = "first_stage")]
    pub stage: String,
    /// The application's version you last read.
    pub version: i32,
}

fn first_stage() -> String {
    STAGES[0].into()
}

pub fn validate_agreement(a: &AgreementInput, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if a.signed_on > today {
        e.add("signed_on", "org.date_in_future");
    }
    if a.ends_on <= a.starts_on {
        e.add("ends_on", "incubation.ends_before_starts");
    } else if a.ends_on > a.starts_on + chrono::Duration::days(3 * 366) {
        e.add("ends_on", "incubation.period_too_long");
    }
    if !STAGES.contains(&a.stage.as_str()) {
        e.add("stage", "incubation.stage_unknown");
    }
    checked_text(&mut e, "terms", &a.terms, 0, 4000);
    e.into_result()
}

/// Scores per dimension → (total, passed). Every dimension must be scored within its maximum.
pub fn assess(
    scores: &std::collections::BTreeMap<String, i32>,
) -> Result<(i32, bool), ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut total = 0;
    for (key, max) in DIMENSIONS {
        match scores.get(key) {
            None => e.add(format!("scores.{key}"), "incubation.required"),
            Some(s) => {
                check_range(&mut e, &format!("scores.{key}"), *s, 0, max);
                // Summed only within range, so the total cannot overflow.
                if (0..=max).contains(s) {
                    total += s;
                }
            }
        }
    }
    for key in scores.keys() {
        if !DIMENSIONS.iter().any(|(k, _)| k == key) {
            e.add(format!("scores.{key}"), "incubation.dimension_unknown");
        }
    }
    e.into_result()?;
    Ok((total, total >= PASS_MARK))
}

/// What deciding an application may depend on.
pub struct ApplicationCtx {
    /// The admission comes with a signed agreement (only the agreement route supplies one).
    pub agreement: bool,
    /// Places left in the incubator.
    pub places_left: i64,
}

fn admissible(c: &ApplicationCtx) -> Result<(), CodeError> {
    if !c.agreement {
        return Err(CodeError::new("incubation.agreement_required"));
    }
    if c.places_left <= 0 {
        return Err(CodeError::new("incubation.full"));
    }
    Ok(())
}

/// 入驻申请: submitted → first review (accept / return for changes / decline) → agreement signed
/// → admitted. The applicant may withdraw until admission.
pub static APPLICATION: WorkflowDef<ApplicationCtx> = WorkflowDef {
    name: "incubation_application",
    states: &[
        ApplicationState::SUBMITTED,
        ApplicationState::RETURNED,
        ApplicationState::ACCEPTED,
        ApplicationState::DECLINED,
        ApplicationState::WITHDRAWN,
        ApplicationState::ADMITTED,
    ],
    initial: ApplicationState::SUBMITTED,
    terminal: &[ApplicationState::DECLINED, ApplicationState::WITHDRAWN, ApplicationState::ADMITTED],
    transitions: &[
        TransitionDef {
            name: "resubmit",
            from: &[ApplicationState::RETURNED],
            to: ApplicationState::SUBMITTED,
            permission: INCUBATION_APPLY,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "accept",
            from: &[ApplicationState::SUBMITTED],
            to: ApplicationState::ACCEPTED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "return",
            from: &[ApplicationState::SUBMITTED],
            to: ApplicationState::RETURNED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "decline",
            from: &[ApplicationState::SUBMITTED, ApplicationState::ACCEPTED],
            to: ApplicationState::DECLINED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "withdraw",
            from: &[ApplicationState::SUBMITTED, ApplicationState::RETURNED, ApplicationState::ACCEPTED],
            to: ApplicationState::WITHDRAWN,
            permission: INCUBATION_APPLY,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "admit",
            from: &[ApplicationState::ACCEPTED],
            to: ApplicationState::ADMITTED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::None,
            guard: Some(admissible),
        },
    ],
};

/// What ending a stay may depend on.
pub struct StayCtx {
    /// A graduation assessment has passed.
    pub graduation_passed: bool,
}

fn may_graduate(c: &StayCtx) -> Result<(), CodeError> {
    if c.graduation_passed {
        Ok(())
    } else {
        Err(CodeError::new("incubation.graduation_assessment_required"))
    }
}

/// An incubated organization's stay: it graduates (出壳) after a passed graduation assessment or
/// exits early with a reason.
pub static STAY: WorkflowDef<StayCtx> = WorkflowDef {
    name: "incubation",
    states: &[StayState::IN_INCUBATION, StayState::GRADUATED, StayState::EXITED],
    initial: StayState::IN_INCUBATION,
    terminal: &[StayState::GRADUATED, StayState::EXITED],
    transitions: &[
        TransitionDef {
            name: "graduate",
            from: &[StayState::IN_INCUBATION],
            to: StayState::GRADUATED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::Optional,
            guard: Some(may_graduate),
        },
        TransitionDef {
            name: "exit",
            from: &[StayState::IN_INCUBATION],
            to: StayState::EXITED,
            permission: INCUBATION_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// Cultivation target levels (Tianyuan's "103090": 10 district comprehensive organizations, 30
/// street hub organizations, 90 functional community organizations), counted by incubator level.
pub const TARGET_LEVELS: [&str; 3] = ["district", "street", "community"];

/// Progress toward a target: share in per cent, capped at 100.
pub fn progress(done: i64, target: i64) -> i64 {
    if target <= 0 {
        return 100;
    }
    (done * 100 / target).min(100)
}

/// 民发〔2017〕191号: at least 10 community organizations per urban community, 5 per rural one.
pub fn coverage_goal(rural: bool) -> i64 {
    if rural { 5 } else { 10 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn workflows_are_consistent() {
        APPLICATION.validate().unwrap();
        STAY.validate().unwrap();
    }

    #[test]
    fn admission_needs_an_agreement_and_a_place() {
        let ok = |agreement, places_left| {
            APPLICATION
                .plan(
                    "accepted",
                    "admit",
                    None,
                    &ApplicationCtx {
                        agreement,
                        places_left,
                    },
                    |_| true,
                )
                .map(|s| s.to)
        };
        assert_eq!(ok(true, 1), Ok("admitted"));
        assert!(ok(false, 1).is_err());
        assert!(ok(true, 0).is_err());
    }

    #[test]
    fn graduation_needs_a_passed_assessment() {
        let plan = |passed| {
            STAY.plan(
                "in_incubation",
                "graduate",
                None,
                &StayCtx {
                    graduation_passed: passed,
                },
                |_| true,
            )
        };
        assert!(plan(false).is_err());
        assert_eq!(plan(true).unwrap().to, "graduated");
        assert!(
            STAY.plan(
                "in_incubation",
                "exit",
                None,
                &StayCtx {
                    graduation_passed: false
                },
                |_| true
            )
            .is_err(),
            "exit needs a reason"
        );
    }

    #[test]
    fn assessment_totals_and_passes() {
        let mut s: BTreeMap<String, i32> = DIMENSIONS
            .iter()
            .map(|(k, m)| (k.to_string(), *m))
            .collect();
        assert_eq!(assess(&s).unwrap(), (100, true));
        for v in s.values_mut() {
            *v /= 2;
        }
        let (total, passed) = assess(&s).unwrap();
        assert_eq!(total, 10 + 15 + 10 + 7 + 7);
        assert!(!passed);
        s.insert("finance".into(), 21);
        assert!(assess(&s).is_err(), "over the dimension's maximum");
        s.remove("finance");
        assert!(assess(&s).is_err(), "a dimension is missing");
        let sum: i32 = DIMENSIONS.iter().map(|(_, m)| m).sum();
        assert_eq!(sum, 100);
    }

    #[test]
    fn plan_lines_round_trip_and_reject_bad_lines() {
        let plan = default_plan();
        assert_eq!(plan.len(), 5, "the five ones");
        assert_eq!(parse_plan_lines(&plan_lines(&plan)).unwrap(), plan);
        assert_eq!(
            parse_plan_lines("一次回访｜ 45").unwrap(),
            vec![PlanItemDef {
                title: "一次回访".into(),
                due_after_days: 45
            }]
        );
        assert!(parse_plan_lines("no days here").is_err());
        assert!(
            parse_plan_lines("").is_err(),
            "a plan has at least one item"
        );
        assert!(parse_plan_lines("x | 30").is_err(), "title too short");
    }

    #[test]
    fn cohorts_need_ordered_dates_and_seats_within_capacity() {
        let c = CohortInput {
            name: "2026年第二期".into(),
            call_text: String::new(),
            opens_on: d(2026, 9, 1),
            closes_on: d(2026, 9, 30),
            starts_on: d(2026, 10, 15),
            ends_on: d(2027, 10, 14),
            seats: 8,
        };
        assert!(validate_cohort(&c, 10).is_ok());
        assert!(validate_cohort(&c, 5).is_err());
        let bad = CohortInput {
            closes_on: d(2026, 8, 1),
            ends_on: d(2026, 10, 1),
            ..c.clone()
        };
        let e = validate_cohort(&bad, 10).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["closes_on", "ends_on"]);
        assert_eq!(
            call_status(c.opens_on, c.closes_on, d(2026, 8, 31)),
            "upcoming"
        );
        assert_eq!(call_status(c.opens_on, c.closes_on, d(2026, 9, 30)), "open");
        assert_eq!(
            call_status(c.opens_on, c.closes_on, d(2026, 10, 1)),
            "closed"
        );
    }

    #[test]
    fn agreements_are_dated_sensibly() {
        let a = AgreementInput {
            signed_on: d(2026, 10, 10),
            starts_on: d(2026, 10, 15),
            ends_on: d(2027, 10, 14),
            terms: String::new(),
            stage: "budding".into(),
            version: 1,
        };
        assert!(validate_agreement(&a, d(2026, 11, 1)).is_ok());
        assert!(
            validate_agreement(&a, d(2026, 10, 1)).is_err(),
            "signed in the future"
        );
        let bad = AgreementInput {
            stage: "giant".into(),
            ..a
        };
        assert!(validate_agreement(&bad, d(2026, 11, 1)).is_err());
    }

    #[test]
    fn targets_and_coverage() {
        assert_eq!(progress(3, 10), 30);
        assert_eq!(progress(40, 30), 100);
        assert_eq!(progress(0, 0), 100);
        assert_eq!(coverage_goal(false), 10);
        assert_eq!(coverage_goal(true), 5);
    }
}
