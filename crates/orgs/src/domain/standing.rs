//! Standing of an organization, as pure rules: evaluation grades (民政部令第39号), annual
//! inspections, the abnormal list and the serious-dishonesty list (民政部令第60号) with their
//! triggers and clocks, and the summary other modules ask (`Standing::is_eligible_for`).

use chrono::{Datelike, Months, NaiveDate};
use gongzhi_kernel::WorkingCalendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// 活动异常名录
    Abnormal,
    /// 严重违法失信名单
    Serious,
}

impl List {
    pub fn as_str(self) -> &'static str {
        match self {
            List::Abnormal => "abnormal",
            List::Serious => "serious",
        }
    }
    pub fn parse(s: &str) -> Option<List> {
        [List::Abnormal, List::Serious]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// What puts an organization on a list. Penalties are recorded as `warning` or `fine` (with
/// its amount); the amount decides between the abnormal and the serious list.
pub const TRIGGERS: [(&str, List); 14] = [
    ("annual_report_late", List::Abnormal),
    ("no_party_org", List::Abnormal),
    ("rectification_overdue", List::Abnormal),
    ("unreachable", List::Abnormal),
    ("warning", List::Abnormal),
    ("small_fine", List::Abnormal),
    ("fundraising_lapsed", List::Abnormal),
    ("abnormal_two_years", List::Serious),
    ("fraudulent_registration", List::Serious),
    ("suspension_ordered", List::Serious),
    ("large_fine", List::Serious),
    ("dishonest_debtor", List::Serious),
    ("registration_revoked", List::Serious),
    ("repeated_penalties", List::Serious),
];

/// Kinds of dated event staff record; `fine` becomes `small_fine` or `large_fine`.
pub const RECORDABLE: [&str; 14] = [
    "annual_report_late",
    "no_party_org",
    "rectification_overdue",
    "unreachable",
    "warning",
    "fine",
    "fundraising_lapsed",
    "fraudulent_registration",
    "suspension_ordered",
    "dishonest_debtor",
    "registration_revoked",
    "investigation_opened",
    "investigation_closed",
    // A 差 (poor) performance evaluation of a purchased service: no list, but admission
    // criteria of the service catalog look back at it.
    "performance_poor",
];

/// A fine of ¥50,000 or more is a serious-list trigger.
pub const LARGE_FINE_FEN: i64 = 5_000_000;
/// Events counted as administrative penalties (for grading and the "two in three years" rule).
pub const PENALTIES: [&str; 4] = ["warning", "small_fine", "large_fine", "suspension_ordered"];

/// The event kind as stored, or the message key of what is wrong with it.
pub fn classify(kind: &str, amount_fen: Option<i64>) -> Result<&'static str, &'static str> {
    if kind == "fine" {
        return match amount_fen {
            Some(a) if a >= LARGE_FINE_FEN => Ok("large_fine"),
            Some(a) if a > 0 => Ok("small_fine"),
            _ => Err("standing.fine_amount_required"),
        };
    }
    let known = RECORDABLE
        .iter()
        .find(|k| **k == kind)
        .copied()
        .ok_or("standing.kind_unknown")?;
    // Only a fine carries an amount.
    match amount_fen {
        Some(_) => Err("standing.amount_only_for_fines"),
        None => Ok(known),
    }
}

pub fn list_of(kind: &str) -> Option<List> {
    TRIGGERS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l)
}

/// The lists an event puts the organization on. `penalties_in_three_years` counts warnings and
/// small fines within three years up to and including this one.
pub fn placements(kind: &str, penalties_in_three_years: usize) -> Vec<(List, &'static str)> {
    let Some(list) = list_of(kind) else {
        return Vec::new();
    };
    let kind = TRIGGERS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(k, _)| *k)
        .expect("listed");
    let mut out = vec![(list, kind)];
    if matches!(kind, "warning" | "small_fine") && penalties_in_three_years >= 2 {
        out.push((List::Serious, "repeated_penalties"));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rectification {
    /// Nothing to fix: the 6-month clock runs.
    None,
    /// Something must be fixed first: no automatic removal.
    Pending,
    /// Fixed and checked on this day: removal 5 working days later.
    Verified(NaiveDate),
}

/// An open list entry's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryClock {
    pub list: List,
    pub entered_on: NaiveDate,
    /// The latest event on the entry: new events restart the clocks.
    pub clock_from: NaiveDate,
    pub rectification: Rectification,
}

fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m)).expect("date in range")
}

pub fn plus_years(d: NaiveDate, y: u32) -> NaiveDate {
    plus_months(d, 12 * y)
}

impl EntryClock {
    /// When the scheduled job takes an abnormal entry off the list by itself.
    pub fn removal_due(&self, cal: &WorkingCalendar) -> Option<NaiveDate> {
        match (self.list, self.rectification) {
            (List::Serious, _) | (_, Rectification::Pending) => None,
            (List::Abnormal, Rectification::Verified(on)) => Some(cal.add_working_days(on, 5)),
            (List::Abnormal, Rectification::None) => Some(plus_months(self.clock_from, 6)),
        }
    }

    /// When two years on the abnormal list move the organization to the serious list.
    pub fn escalation_due(&self) -> Option<NaiveDate> {
        (self.list == List::Abnormal).then(|| plus_years(self.entered_on, 2))
    }

    /// From when the organization may ask to leave the serious list (two clean years).
    pub fn removable_on_request_from(&self) -> Option<NaiveDate> {
        (self.list == List::Serious).then(|| plus_years(self.clock_from, 2))
    }
}

/// 合格 / 基本合格 / 不合格, or not yet inspected.
pub const INSPECTION_RESULTS: [&str; 4] =
    ["pending", "qualified", "basically_qualified", "unqualified"];

/// The annual report for `year` is due by 31 May of the next year.
pub fn report_due(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 5, 31).expect("valid")
}

/// The latest report year already due on `on`.
pub fn last_due_year(on: NaiveDate) -> i32 {
    if on > report_due(on.year() - 1) {
        on.year() - 1
    } else {
        on.year() - 2
    }
}

/// Grades run from 1A to 5A and are valid for five years.
pub const GRADE_YEARS: u32 = 5;

pub fn grade_label(g: i32) -> String {
    format!("{g}A")
}

/// What grading looks at.
#[derive(Debug, Clone, Default)]
pub struct GradeFacts {
    pub registered: bool,
    pub registered_on: Option<NaiveDate>,
    /// Expiry of the grade in force, if any.
    pub grade_expires_on: Option<NaiveDate>,
    /// Annual reports by year: the inspection result (`pending` when not inspected yet).
    pub inspections: Vec<(i32, String)>,
    /// Dates of administrative penalties.
    pub penalties: Vec<NaiveDate>,
    pub under_investigation: bool,
    pub rectification_pending: bool,
    pub on_serious_list: bool,
}

/// Why the organization may not be graded on `on` (empty when it may).
pub fn grading_blockers(f: &GradeFacts, on: NaiveDate) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !f.registered {
        out.push("standing.grade.not_registered");
    }
    match f.registered_on {
        Some(r) if plus_years(r, 2) <= on => {}
        _ => out.push("standing.grade.too_young"),
    }
    if f.grade_expires_on.is_some_and(|e| e > on) {
        out.push("standing.grade.still_valid");
    }
    let result = |y: i32| {
        f.inspections
            .iter()
            .find(|(year, _)| *year == y)
            .map(|(_, r)| r.as_str())
    };
    let last = last_due_year(on);
    // Only years the organization existed for count; a report not filed at all is "missed".
    let existed = |y: i32| f.registered_on.is_some_and(|r| r.year() <= y);
    if existed(last) {
        match result(last) {
            None => out.push("standing.grade.inspection_missed"),
            Some("unqualified") => out.push("standing.grade.inspection_failed"),
            _ => {}
        }
    }
    if result(last) == Some("basically_qualified")
        && result(last - 1) == Some("basically_qualified")
    {
        out.push("standing.grade.basically_twice");
    }
    let since = NaiveDate::from_ymd_opt(on.year() - 1, 1, 1).expect("valid");
    if f.penalties.iter().any(|d| *d >= since && *d <= on) || f.rectification_pending {
        out.push("standing.grade.penalised");
    }
    if f.under_investigation {
        out.push("standing.grade.under_investigation");
    }
    if f.on_serious_list {
        out.push("standing.grade.serious_list");
    }
    out
}

/// What other modules may ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Bidding for purchased services; the abnormal list blocks or only warns, by policy.
    Purchase { abnormal_blocks: bool },
    /// Entering an incubator.
    Incubation,
    /// Being graded.
    Grading,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub key: &'static str,
    /// False for a warning or a point in the organization's favour.
    pub blocking: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub eligible: bool,
    pub notes: Vec<Note>,
}

/// An organization's standing on one day.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Filed or registered, and not ended.
    pub in_good_order: bool,
    pub grade: Option<i32>,
    pub grade_expires_on: Option<NaiveDate>,
    pub abnormal_since: Option<NaiveDate>,
    pub serious_since: Option<NaiveDate>,
    pub facts: GradeFacts,
}

impl Standing {
    pub fn is_eligible_for(&self, purpose: Purpose, on: NaiveDate) -> Verdict {
        let mut notes = Vec::new();
        let mut block = |key| {
            notes.push(Note {
                key,
                blocking: true,
            })
        };
        if !self.in_good_order {
            block("standing.not_in_good_order");
        }
        match purpose {
            Purpose::Grading => {
                for key in grading_blockers(&self.facts, on) {
                    notes.push(Note {
                        key,
                        blocking: true,
                    });
                }
            }
            Purpose::Purchase { .. } | Purpose::Incubation => {
                let abnormal_blocks = matches!(
                    purpose,
                    Purpose::Purchase {
                        abnormal_blocks: true
                    }
                );
                if self.serious_since.is_some() {
                    notes.push(Note {
                        key: "standing.on_serious_list",
                        blocking: true,
                    });
                }
                if self.abnormal_since.is_some() {
                    notes.push(Note {
                        key: "standing.on_abnormal_list",
                        blocking: abnormal_blocks,
                    });
                }
                if matches!(purpose, Purpose::Purchase { .. }) && self.grade.is_some_and(|g| g >= 3)
                {
                    // 3A and above gives priority, never a prerequisite.
                    notes.push(Note {
                        key: "standing.grade_priority",
                        blocking: false,
                    });
                }
            }
        }
        Verdict {
            eligible: !notes.iter().any(|n| n.blocking),
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fines_are_classified_by_amount() {
        assert_eq!(classify("fine", Some(4_999_999)), Ok("small_fine"));
        assert_eq!(classify("fine", Some(5_000_000)), Ok("large_fine"));
        assert_eq!(classify("fine", None), Err("standing.fine_amount_required"));
        assert_eq!(
            classify("small_fine", Some(1)),
            Err("standing.kind_unknown")
        );
        assert_eq!(classify("warning", None), Ok("warning"));
        assert_eq!(
            classify("warning", Some(1)),
            Err("standing.amount_only_for_fines")
        );
    }

    #[test]
    fn a_second_penalty_in_three_years_is_serious() {
        assert_eq!(placements("warning", 1), vec![(List::Abnormal, "warning")]);
        assert_eq!(
            placements("small_fine", 2),
            vec![
                (List::Abnormal, "small_fine"),
                (List::Serious, "repeated_penalties")
            ]
        );
        assert_eq!(
            placements("large_fine", 1),
            vec![(List::Serious, "large_fine")]
        );
        assert!(placements("investigation_opened", 0).is_empty());
    }

    #[test]
    fn abnormal_clocks() {
        let cal = WorkingCalendar::default_cn();
        let mut e = EntryClock {
            list: List::Abnormal,
            entered_on: d(2026, 1, 10),
            clock_from: d(2026, 3, 1),
            rectification: Rectification::None,
        };
        // Six months from the latest event, not from entry.
        assert_eq!(e.removal_due(&cal), Some(d(2026, 9, 1)));
        e.rectification = Rectification::Pending;
        assert_eq!(e.removal_due(&cal), None);
        // Verified on Monday 2026-09-28: 5 working days skip the National Day holiday
        // (Oct 1–7); 2026-09-29, 09-30, then the make-up working day and on from Oct 8.
        e.rectification = Rectification::Verified(d(2026, 9, 28));
        assert_eq!(
            e.removal_due(&cal),
            Some(cal.add_working_days(d(2026, 9, 28), 5))
        );
        assert!(e.removal_due(&cal).unwrap() > d(2026, 10, 7));
        assert_eq!(e.escalation_due(), Some(d(2028, 1, 10)));
        assert_eq!(e.removable_on_request_from(), None);
    }

    #[test]
    fn serious_list_needs_two_clean_years() {
        let cal = WorkingCalendar::default_cn();
        let e = EntryClock {
            list: List::Serious,
            entered_on: d(2024, 2, 29),
            clock_from: d(2024, 2, 29),
            rectification: Rectification::None,
        };
        assert_eq!(e.removal_due(&cal), None);
        assert_eq!(e.removable_on_request_from(), Some(d(2026, 2, 28)));
    }

    #[test]
    fn report_years() {
        assert_eq!(last_due_year(d(2026, 5, 31)), 2024);
        assert_eq!(last_due_year(d(2026, 6, 1)), 2025);
    }

    fn eligible_facts() -> GradeFacts {
        GradeFacts {
            registered: true,
            registered_on: Some(d(2020, 3, 1)),
            inspections: vec![(2024, "qualified".into()), (2025, "pending".into())],
            ..Default::default()
        }
    }

    #[test]
    fn grading_eligibility_and_exclusions() {
        let on = d(2026, 11, 22);
        assert!(grading_blockers(&eligible_facts(), on).is_empty());

        let mut young = eligible_facts();
        young.registered_on = Some(d(2024, 11, 23));
        assert!(grading_blockers(&young, on).contains(&"standing.grade.too_young"));
        young.registered_on = Some(d(2024, 11, 22));
        assert!(!grading_blockers(&young, on).contains(&"standing.grade.too_young"));

        let mut graded = eligible_facts();
        graded.grade_expires_on = Some(d(2027, 1, 1));
        assert_eq!(
            grading_blockers(&graded, on),
            vec!["standing.grade.still_valid"]
        );
        graded.grade_expires_on = Some(d(2026, 11, 22));
        assert!(grading_blockers(&graded, on).is_empty());

        let mut missed = eligible_facts();
        missed.inspections = vec![(2024, "qualified".into())];
        assert_eq!(
            grading_blockers(&missed, on),
            vec!["standing.grade.inspection_missed"]
        );

        let mut basic = eligible_facts();
        basic.inspections = vec![
            (2024, "basically_qualified".into()),
            (2025, "basically_qualified".into()),
        ];
        assert_eq!(
            grading_blockers(&basic, on),
            vec!["standing.grade.basically_twice"]
        );

        let mut penalised = eligible_facts();
        penalised.penalties = vec![d(2025, 1, 1)];
        assert_eq!(
            grading_blockers(&penalised, on),
            vec!["standing.grade.penalised"]
        );
        penalised.penalties = vec![d(2024, 12, 31)];
        assert!(grading_blockers(&penalised, on).is_empty());

        let community = GradeFacts::default();
        assert!(grading_blockers(&community, on).contains(&"standing.grade.not_registered"));
    }

    #[test]
    fn eligibility_for_purchases_follows_policy() {
        let on = d(2026, 11, 22);
        let mut s = Standing {
            in_good_order: true,
            grade: Some(4),
            abnormal_since: Some(d(2026, 6, 1)),
            ..Default::default()
        };
        let warn = s.is_eligible_for(
            Purpose::Purchase {
                abnormal_blocks: false,
            },
            on,
        );
        assert!(warn.eligible);
        assert!(warn.notes.contains(&Note {
            key: "standing.on_abnormal_list",
            blocking: false
        }));
        assert!(warn.notes.contains(&Note {
            key: "standing.grade_priority",
            blocking: false
        }));
        assert!(
            !s.is_eligible_for(
                Purpose::Purchase {
                    abnormal_blocks: true
                },
                on
            )
            .eligible
        );
        s.abnormal_since = None;
        s.serious_since = Some(d(2026, 1, 1));
        assert!(!s.is_eligible_for(Purpose::Incubation, on).eligible);
        s.serious_since = None;
        s.in_good_order = false;
        assert!(!s.is_eligible_for(Purpose::Incubation, on).eligible);
    }
}
