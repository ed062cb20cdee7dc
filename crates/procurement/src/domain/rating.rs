//! The credit rating (信用评价) of a provider: a documented, configurable model over its
//! performance records (evaluation grades, breaches, terminations), its evaluation grade
//! (1A–5A) and its standing (abnormal and serious lists). Pure: the same inputs always give the
//! same score, and every point is explained by a line of the breakdown.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The model's weights; a district may set its own (stored with its purchase settings).
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct CreditModel {
    /// Where every organization starts.
    pub base: i32,
    /// Points per A of the evaluation grade (5A gives five times this).
    pub per_grade_level: i32,
    /// Points per performance evaluation within the window, by grade.
    pub excellent: i32,
    pub good: i32,
    pub fair: i32,
    pub poor: i32,
    /// Points per recorded breach of contract within the window.
    pub breach: i32,
    /// Points per contract terminated for breach within the window.
    pub termination: i32,
    /// Points while on the abnormal list; the serious list rates zero.
    pub abnormal: i32,
    /// How far back records count, in years.
    pub window_years: u32,
}

impl Default for CreditModel {
    fn default() -> Self {
        CreditModel {
            base: 70,
            per_grade_level: 4,
            excellent: 5,
            good: 2,
            fair: -5,
            poor: -20,
            breach: -10,
            termination: -25,
            abnormal: -15,
            window_years: 3,
        }
    }
}

impl CreditModel {
    /// Base 0–100, a window of 1–10 years, and every other weight within ±100 points (so that
    /// no rating's arithmetic can overflow, whatever is configured).
    pub fn check(&self) -> Result<(), gongzhi_kernel::FieldError> {
        let weights = [
            self.per_grade_level,
            self.excellent,
            self.good,
            self.fair,
            self.poor,
            self.breach,
            self.termination,
            self.abnormal,
        ];
        if !(0..=100).contains(&self.base)
            || !(1..=10).contains(&self.window_years)
            || weights.iter().any(|w| !(-100..=100).contains(w))
        {
            return Err(gongzhi_kernel::FieldError::new(
                "credit_model",
                "procurement.credit_model_range",
            ));
        }
        Ok(())
    }
}

/// A dated record on an organization, as the model reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `evaluation` (with a grade), `breach` or `termination`.
    pub kind: String,
    pub grade: Option<String>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// 1–5 for 1A–5A, while valid.
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
    pub records: Vec<Record>,
}

/// One line of the explanation: what counted and how many points it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Line {
    /// base / grade / evaluation_excellent / … / breach / termination / abnormal / serious
    pub factor: String,
    pub count: u32,
    pub points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Rating {
    /// 0–100.
    pub score: i32,
    /// A ≥ 85, B ≥ 70, C ≥ 60, D below.
    pub level: char,
    pub lines: Vec<Line>,
}

pub fn level_of(score: i32) -> char {
    match score {
        85.. => 'A',
        70..=84 => 'B',
        60..=69 => 'C',
        _ => 'D',
    }
}

/// Rate on `on`: records older than the window are left out.
pub fn rate(model: &CreditModel, inputs: &Inputs, on: NaiveDate) -> Rating {
    let mut lines = vec![Line {
        factor: "base".into(),
        count: 1,
        points: model.base,
    }];
    if let Some(g) = inputs.grade.filter(|g| (1..=5).contains(g)) {
        lines.push(Line {
            factor: "grade".into(),
            count: g as u32,
            points: g * model.per_grade_level,
        });
    }
    let since = on
        .checked_sub_months(Months::new(12 * model.window_years))
        .unwrap_or(NaiveDate::MIN);
    let recent = |r: &&Record| r.on > since && r.on <= on;
    let factors: [(&str, &str, i32); 6] = [
        ("evaluation", "excellent", model.excellent),
        ("evaluation", "good", model.good),
        ("evaluation", "fair", model.fair),
        ("evaluation", "poor", model.poor),
        ("breach", "", model.breach),
        ("termination", "", model.termination),
    ];
    for (kind, grade, points) in factors {
        let count = inputs
            .records
            .iter()
            .filter(recent)
            .filter(|r| r.kind == kind && (grade.is_empty() || r.grade.as_deref() == Some(grade)))
            .count() as u32;
        if count > 0 {
            let factor = if grade.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}_{grade}")
            };
            lines.push(Line {
                factor,
                count,
                points: points * count as i32,
            });
        }
    }
    if inputs.abnormal {
        lines.push(Line {
            factor: "abnormal".into(),
            count: 1,
            points: model.abnormal,
        });
    }
    let mut score: i32 = lines.iter().map(|l| l.points).sum::<i32>().clamp(0, 100);
    if inputs.serious {
        lines.push(Line {
            factor: "serious".into(),
            count: 1,
            points: -score,
        });
        score = 0;
    }
    Rating {
        score,
        level: level_of(score),
        lines,
    }
}

/// The past-performance part of a bid's score: the rating's share of the rubric's weight, in
/// hundredths of a point, rounded half up.
pub fn past_performance_points(rating: i32, weight: u32) -> u32 {
    let r = rating.clamp(0, 100) as u32;
    (r * weight * 100 + 50) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rec(kind: &str, grade: Option<&str>, on: NaiveDate) -> Record {
        Record {
            kind: kind.into(),
            grade: grade.map(str::to_string),
            on,
        }
    }

    #[test]
    fn every_point_is_explained_and_old_records_drop_out() {
        let m = CreditModel::default();
        let on = d(2026, 11, 23);
        let inputs = Inputs {
            grade: Some(4),
            records: vec![
                rec("evaluation", Some("excellent"), d(2026, 1, 10)),
                rec("evaluation", Some("excellent"), d(2025, 1, 10)),
                rec("evaluation", Some("poor"), d(2023, 11, 23)),
                rec("breach", None, d(2026, 3, 1)),
            ],
            ..Default::default()
        };
        let r = rate(&m, &inputs, on);
        // 70 + 16 + 2×5 − 10; the 差 of exactly three years ago is outside the window.
        assert_eq!(r.score, 86);
        assert_eq!(r.level, 'A');
        assert_eq!(r.lines.iter().map(|l| l.points).sum::<i32>(), 86);
        assert!(r.lines.iter().all(|l| l.factor != "evaluation_poor"));
    }

    #[test]
    fn the_lists_weigh_and_the_serious_list_rates_zero() {
        let m = CreditModel::default();
        let on = d(2026, 11, 23);
        let r = rate(
            &m,
            &Inputs {
                abnormal: true,
                records: vec![rec("termination", None, d(2026, 5, 1))],
                ..Default::default()
            },
            on,
        );
        assert_eq!(r.score, 30);
        assert_eq!(r.level, 'D');
        let r = rate(
            &m,
            &Inputs {
                grade: Some(5),
                serious: true,
                ..Default::default()
            },
            on,
        );
        assert_eq!(r.score, 0);
        assert_eq!(r.lines.iter().map(|l| l.points).sum::<i32>(), 0);
        // Clamped at 100.
        let many = (0..10)
            .map(|i| rec("evaluation", Some("excellent"), d(2026, 1, 1 + i)))
            .collect();
        let r = rate(
            &m,
            &Inputs {
                grade: Some(5),
                records: many,
                ..Default::default()
            },
            on,
        );
        assert_eq!(r.score, 100);
        assert_eq!(past_performance_points(86, 10), 860);
        assert_eq!(past_performance_points(100, 15), 1500);
    }
}
