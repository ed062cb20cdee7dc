//! Working days in mainland China: Monday–Friday, minus public holidays (放假), plus adjusted
//! working weekends (调休上班), from the State Council's yearly notice. Years without a notice
//! fall back to plain Monday–Friday; callers can warn with [`WorkingCalendar::covers_year`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, TimeDelta, Utc, Weekday};

use crate::error::CodeError;

/// The embedded copy of the official notices (2025, 2026).
const CN_PUBLIC_HOLIDAYS: &str = include_str!("../data/cn-public-holidays.toml");

/// Today's date in China (UTC+8, no daylight saving), whatever the server's time zone.
pub fn today_in_china() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(8)).date_naive()
}

/// Why a holiday file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("not valid TOML: {0}")]
    Toml(String),
    #[error("table key `{0}` is not a year")]
    Year(String),
    #[error("[{year}]: {detail}")]
    Shape { year: i32, detail: String },
    #[error("[{year}]: `{value}` is not a date (YYYY-MM-DD)")]
    Date { year: i32, value: String },
    #[error("[{year}]: {date} belongs to another year")]
    WrongYear { year: i32, date: NaiveDate },
    #[error("{date} is listed both as a holiday and as a working day")]
    Conflict { date: NaiveDate },
}

impl From<CalendarError> for CodeError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::Toml(detail) => CodeError::new("calendar.toml").arg("detail", detail),
            CalendarError::Year(key) => CodeError::new("calendar.year").arg("key", key),
            CalendarError::Shape { year, detail } => CodeError::new("calendar.shape")
                .arg("year", year)
                .arg("detail", detail),
            CalendarError::Date { year, value } => CodeError::new("calendar.date")
                .arg("year", year)
                .arg("value", value),
            CalendarError::WrongYear { year, date } => CodeError::new("calendar.wrong_year")
                .arg("year", year)
                .arg("date", date),
            CalendarError::Conflict { date } => {
                CodeError::new("calendar.conflict").arg("date", date)
            }
        }
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday count in `[epoch, d]` up to a constant, so differences count weekdays in a
/// half-open range without walking it.
fn weekday_prefix(d: NaiveDate) -> i64 {
    let k = i64::from(d.num_days_from_ce()) - i64::from(d.weekday().num_days_from_monday());
    // k is the Monday starting d's week; 5 weekdays per earlier week, plus those so far.
    k.div_euclid(7) * 5 + i64::from(d.weekday().num_days_from_monday().min(4)) + 1
}

/// The `n`-th Monday–Friday after `d` (n ≥ 1), ignoring holidays.
fn plain_add(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    let wd = u64::from(d.weekday().num_days_from_monday());
    // From a weekend, count as from the Friday before.
    let (base, wd) = if wd >= 5 {
        (d.checked_sub_days(Days::new(wd - 4))?, 4)
    } else {
        (d, wd)
    };
    let (weeks, rem) = (n / 5, n % 5);
    let extra = match rem {
        0 => 0,
        r if wd + r <= 4 => r,
        r => r + 2,
    };
    base.checked_add_days(Days::new(weeks.checked_mul(7)?.checked_add(extra)?))
}

/// Working-day rules: holidays on weekdays and working weekends, per covered year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Weekdays that are holidays (weekend holidays change nothing).
    off: BTreeSet<NaiveDate>,
    /// Weekend days that are working days.
    work: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

/// One year's table, parsed and checked.
struct YearRules {
    off: Vec<NaiveDate>,
    work: Vec<NaiveDate>,
}

fn parse_rules(text: &str) -> Result<BTreeMap<i32, YearRules>, CalendarError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| CalendarError::Toml(e.message().to_string()))?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        let year: i32 = key
            .parse()
            .ok()
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| CalendarError::Year(key.clone()))?;
        let shape = |detail: &str| CalendarError::Shape {
            year,
            detail: detail.to_string(),
        };
        let toml::Value::Table(entries) = value else {
            return Err(shape("must be a table with `off` and `work` arrays"));
        };
        let mut rules = YearRules {
            off: Vec::new(),
            work: Vec::new(),
        };
        for (name, list) in entries {
            let target = match name.as_str() {
                "off" => &mut rules.off,
                "work" => &mut rules.work,
                other => {
                    return Err(shape(&format!(
                        "unknown key `{other}` (expected `off`, `work`)"
                    )));
                }
            };
            let toml::Value::Array(items) = list else {
                return Err(shape(&format!("`{name}` must be an array of dates")));
            };
            for item in items {
                let date = match &item {
                    toml::Value::String(s) => s.parse::<NaiveDate>().ok(),
                    toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                        dt.to_string().parse::<NaiveDate>().ok()
                    }
                    _ => None,
                }
                .ok_or_else(|| CalendarError::Date {
                    year,
                    value: item.to_string().trim_matches('"').to_string(),
                })?;
                if date.year() != year {
                    return Err(CalendarError::WrongYear { year, date });
                }
                target.push(date);
            }
        }
        if let Some(date) = rules.off.iter().find(|d| rules.work.contains(d)) {
            return Err(CalendarError::Conflict { date: *date });
        }
        out.insert(year, rules);
    }
    Ok(out)
}

impl WorkingCalendar {
    /// A calendar from tables keyed by year, each with `off` and `work` arrays of ISO dates.
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let mut cal = Self::default();
        cal.extend_from_toml(text)?;
        Ok(cal)
    }

    /// The official mainland calendar shipped with the kernel.
    pub fn default_cn() -> Self {
        Self::from_toml(CN_PUBLIC_HOLIDAYS).expect("embedded holiday file is valid")
    }

    /// Adds years from an operator-supplied file; a year already present is replaced whole (a
    /// corrected notice). On error nothing changes.
    pub fn extend_from_toml(&mut self, text: &str) -> Result<(), CalendarError> {
        let rules = parse_rules(text)?;
        for (year, rules) in rules {
            let range = NaiveDate::from_yo_opt(year, 1).expect("year in range")
                ..=NaiveDate::from_ymd_opt(year, 12, 31).expect("year in range");
            self.off.retain(|d| !range.contains(d));
            self.work.retain(|d| !range.contains(d));
            self.off
                .extend(rules.off.into_iter().filter(|d| !is_weekend(*d)));
            self.work
                .extend(rules.work.into_iter().filter(|d| is_weekend(*d)));
            self.years.insert(year);
        }
        Ok(())
    }

    /// True if an official notice for `year` is loaded.
    pub fn covers_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Years with a loaded notice, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if is_weekend(date) {
            self.work.contains(&date)
        } else {
            !self.off.contains(&date)
        }
    }

    /// The first holiday or working weekend after `date`.
    fn next_exception(&self, date: NaiveDate) -> Option<NaiveDate> {
        let after = |set: &BTreeSet<NaiveDate>| {
            set.range((std::ops::Bound::Excluded(date), std::ops::Bound::Unbounded))
                .next()
                .copied()
        };
        match (after(&self.off), after(&self.work)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The `n`-th working day after `date` (`date` itself for n = 0); `None` past chrono's
    /// date range.
    pub fn checked_add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut n = u64::from(n);
        let mut cur = date;
        while n > 0 {
            let plain = plain_add(cur, n)?;
            // Jump straight there unless an exception lies on the way.
            let Some(next) = self.next_exception(cur).filter(|e| *e <= plain) else {
                return Some(plain);
            };
            let before = next.pred_opt()?;
            n -= self.plain_between(cur, before) as u64;
            cur = next;
            if self.is_working_day(cur) {
                n -= 1;
            }
        }
        Some(cur)
    }

    /// The `n`-th working day after `date` (`date` itself for n = 0).
    ///
    /// # Panics
    /// If the result is past chrono's date range (about 262,000 years ahead), as date `+` does.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        self.checked_add_working_days(date, n)
            .expect("working-day result out of the date range")
    }

    fn plain_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        weekday_prefix(b) - weekday_prefix(a)
    }

    /// The number of working days `d` with `a < d <= b`; negative when `b < a`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let span = (std::ops::Bound::Excluded(a), std::ops::Bound::Included(b));
        self.plain_between(a, b) - self.off.range(span).count() as i64
            + self.work.range(span).count() as i64
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::default_cn()
    }

    #[test]
    fn embedded_copy_matches_reference_years() {
        let c = cal();
        assert_eq!(c.years().collect::<Vec<_>>(), [2025, 2026]);
        assert!(c.covers_year(2026) && !c.covers_year(2027));
    }

    #[test]
    fn national_day_2026() {
        let c = cal();
        assert!(!c.is_working_day(day(2026, 10, 1)));
        assert!(!c.is_working_day(day(2026, 10, 7)));
        assert!(
            c.is_working_day(day(2026, 10, 8)),
            "Thursday after the holiday"
        );
        assert!(c.is_working_day(day(2026, 10, 10)), "adjusted Saturday");
        assert!(!c.is_working_day(day(2026, 10, 11)), "ordinary Sunday");
        assert_eq!(c.add_working_days(day(2026, 9, 30), 1), day(2026, 10, 8));
        assert_eq!(c.add_working_days(day(2026, 9, 30), 2), day(2026, 10, 9));
        assert_eq!(c.add_working_days(day(2026, 9, 30), 3), day(2026, 10, 10));
        assert_eq!(c.add_working_days(day(2026, 9, 30), 4), day(2026, 10, 12));
        assert_eq!(
            c.working_days_between(day(2026, 9, 30), day(2026, 10, 12)),
            4
        );
        assert_eq!(
            c.working_days_between(day(2026, 10, 12), day(2026, 9, 30)),
            -4
        );
    }

    #[test]
    fn spring_festival_2025_and_2026() {
        let c = cal();
        assert!(c.is_working_day(day(2025, 1, 26)), "adjusted Sunday");
        assert!(!c.is_working_day(day(2025, 1, 28)));
        assert!(!c.is_working_day(day(2025, 2, 4)));
        assert!(c.is_working_day(day(2025, 2, 5)));
        assert!(c.is_working_day(day(2025, 2, 8)), "adjusted Saturday");
        // Friday 2025-01-24 → Sun 26 (work), Mon 27 (work), then holiday until Wed 5 Feb.
        assert_eq!(c.add_working_days(day(2025, 1, 24), 1), day(2025, 1, 26));
        assert_eq!(c.add_working_days(day(2025, 1, 24), 3), day(2025, 2, 5));
        assert!(c.is_working_day(day(2026, 2, 14)) && c.is_working_day(day(2026, 2, 28)));
        assert_eq!(c.add_working_days(day(2026, 2, 13), 2), day(2026, 2, 24));
        assert_eq!(c.add_working_days(day(2026, 2, 13), 0), day(2026, 2, 13));
    }

    #[test]
    fn uncovered_years_are_plain_weekdays() {
        let c = cal();
        assert!(c.is_working_day(day(2027, 10, 1)), "no notice for 2027 yet");
        assert_eq!(c.add_working_days(day(2027, 1, 1), 1), day(2027, 1, 4));
        assert_eq!(c.add_working_days(day(2027, 1, 2), 5), day(2027, 1, 8));
        assert_eq!(
            c.working_days_between(day(2027, 1, 1), day(2028, 1, 1)),
            // 261 weekdays in 2027, less Friday 1 January (excluded); 1 January 2028 is a Saturday.
            260
        );
        let far = c.add_working_days(day(2026, 12, 31), 1_000_000);
        assert_eq!(c.working_days_between(day(2026, 12, 31), far), 1_000_000);
        assert!(c.checked_add_working_days(NaiveDate::MAX, 1).is_none());
    }

    #[test]
    fn extend_adds_and_replaces_years() {
        let mut c = cal();
        c.extend_from_toml("[2027]\noff = [\"2027-01-01\"]\nwork = [\"2027-01-02\"]\n")
            .unwrap();
        assert!(c.covers_year(2027));
        assert!(!c.is_working_day(day(2027, 1, 1)));
        assert!(c.is_working_day(day(2027, 1, 2)));
        // A corrected notice replaces the year.
        c.extend_from_toml("[2027]\noff = []\nwork = []\n").unwrap();
        assert!(c.is_working_day(day(2027, 1, 1)));
        assert!(!c.is_working_day(day(2027, 1, 2)));
        assert!(!c.is_working_day(day(2026, 10, 1)), "other years kept");
        // A failed extension changes nothing.
        let before = c.clone();
        assert!(
            c.extend_from_toml("[2028]\noff = [\"2028-02-30\"]\n")
                .is_err()
        );
        assert_eq!(c, before);
    }

    #[test]
    fn rejects_bad_files() {
        let err = |t: &str| {
            let e = WorkingCalendar::from_toml(t).expect_err(t);
            let code = CodeError::from(e.clone());
            assert_localised(&code);
            assert!(!e.to_string().is_empty());
            code.key
        };
        assert_eq!(err("[2025"), "calendar.toml");
        assert_eq!(err("[twenty]\noff = []"), "calendar.year");
        assert_eq!(err("2025 = 1"), "calendar.shape");
        assert_eq!(err("[2025]\nof = []"), "calendar.shape");
        assert_eq!(err("[2025]\noff = \"2025-01-01\""), "calendar.shape");
        assert_eq!(err("[2025]\noff = [\"2025-13-01\"]"), "calendar.date");
        assert_eq!(err("[2025]\noff = [20250101]"), "calendar.date");
        assert_eq!(err("[2025]\noff = [\"2026-01-01\"]"), "calendar.wrong_year");
        assert_eq!(
            err("[2025]\noff = [\"2025-01-01\"]\nwork = [\"2025-01-01\"]"),
            "calendar.conflict"
        );
        // Bare TOML dates are fine too.
        let c = WorkingCalendar::from_toml("[2025]\noff = [2025-01-02]").unwrap();
        assert!(!c.is_working_day(day(2025, 1, 2)));
    }

    #[test]
    fn weekday_prefix_counts_weekdays() {
        let mut d = day(2024, 12, 1);
        let mut count = 0;
        let start = weekday_prefix(d);
        for _ in 0..60 {
            d = d.succ_opt().unwrap();
            if !is_weekend(d) {
                count += 1;
            }
            assert_eq!(weekday_prefix(d) - start, count, "{d}");
        }
        // Also across year 1 and before it.
        let a = day(-1, 12, 25);
        let b = day(1, 1, 10);
        let walked = a
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= b)
            .filter(|d| !is_weekend(*d));
        assert_eq!(weekday_prefix(b) - weekday_prefix(a), walked.count() as i64);
    }

    #[test]
    fn today_in_china_is_close_to_utc() {
        let diff = today_in_china() - Utc::now().date_naive();
        assert!((0..=1).contains(&diff.num_days()));
    }

    fn date_around_covered() -> impl Strategy<Value = NaiveDate> {
        (day(2024, 10, 1).num_days_from_ce()..day(2027, 3, 1).num_days_from_ce())
            .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    proptest! {
        #[test]
        fn add_then_between_round_trips(d in date_around_covered(), n in 0..400u32) {
            let c = cal();
            let r = c.add_working_days(d, n);
            prop_assert_eq!(c.working_days_between(d, r), i64::from(n));
            if n >= 1 {
                prop_assert!(c.is_working_day(r));
                prop_assert!(r > d);
                // And it is the first such day: one day earlier is one working day fewer.
                prop_assert_eq!(c.working_days_between(d, r.pred_opt().unwrap()), i64::from(n) - 1);
            }
        }

        #[test]
        fn between_matches_walking(a in date_around_covered(), len in 0..120u64) {
            let c = cal();
            let b = a.checked_add_days(Days::new(len)).unwrap();
            let walked = a.iter_days().skip(1).take_while(|d| *d <= b)
                .filter(|d| c.is_working_day(*d)).count() as i64;
            prop_assert_eq!(c.working_days_between(a, b), walked);
            prop_assert_eq!(c.working_days_between(b, a), -walked);
        }
    }
}
