//! Pure rules of the service catalog: what an item and a negative-list entry are, where they
//! overlap, admission criteria and how an organization is judged against them, catalog
//! snapshots with the changes that move one version to the next, diffs, and the scope check
//! the purchase module calls.

pub mod state;

pub use state::ChangeState;


use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use gongzhi_kernel::workflow::{ReasonRule, TransitionDef, WorkflowDef};
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::{CATALOG_MANAGE, CATALOG_PROPOSE};

/// Where an item is delivered: for a whole street, or in a community.
pub const TIERS: [&str; 2] = ["street", "community"];

/// 财政部令第102号 Art. 10: the six fixed categories of the negative list, then local entries.
pub const NEGATIVE_CATEGORIES: [&str; 7] = ["n1", "n2", "n3", "n4", "n5", "n6", "local"];

/// Codes of the six national entries; they are law and cannot be removed.
pub const NATIONAL_CODES: [&str; 6] = ["N1", "N2", "N3", "N4", "N5", "N6"];

/// Licences and filings an item may require (each has a label `catalog.licence.<kind>`).
pub const LICENCE_KINDS: [&str; 8] = [
    "social_work_agency",
    "elderly_care_filing",
    "childcare_filing",
    "food_business",
    "psychological_counselling",
    "medical_practice",
    "private_school",
    "public_fundraising",
];

/// Evaluation grades (民政部令第39号): 1A to 5A.
pub const GRADES: std::ops::RangeInclusive<i32> = 1..=5;

/// Criteria keys that would exclude by territory or ownership; refused as discriminatory
/// (财政部令第102号: conditions must not be unreasonable or discriminatory).
const DISCRIMINATORY_KEYS: [&str; 9] = [
    "territory",
    "region",
    "location",
    "registered_in",
    "local_only",
    "ownership",
    "household",
    "hukou",
    "street",
];

/// Phrases in a criterion's note that restrict by place or ownership.
const DISCRIMINATORY_PHRASES: [&str; 10] = [
    "本地",
    "本区注册",
    "本街道注册",
    "辖区内注册",
    "户籍",
    "所有制",
    "国有",
    "外地",
    "非本区",
    "非本街道",
];

/// Admission criteria of an item (准入标准), all machine-checked. The serious list and a
/// record that is not in good order always exclude.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct AdmissionCriteria {
    /// Allowed legal forms (association / service_agency / foundation / community_org); empty: any.
    #[serde(default)]
    pub legal_forms: Vec<String>,
    /// Allowed management tiers (registered / filed / guided); empty: any.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Whole years since registration (or founding, for filed organizations).
    #[serde(default)]
    pub min_years: Option<u32>,
    /// Lowest evaluation grade in force, 1 to 5 (A).
    #[serde(default)]
    pub min_grade: Option<i32>,
    /// Whether the abnormal list excludes (otherwise it only warns).
    #[serde(default)]
    pub abnormal_blocks: bool,
    /// Certified social workers on the staff.
    #[serde(default)]
    pub min_social_workers: Option<i32>,
    /// Licences the organization must hold, valid on the day.
    #[serde(default)]
    pub licences: Vec<String>,
    /// No 差 (poor) performance evaluation within this many years.
    #[serde(default)]
    pub no_poor_years: Option<u32>,
    /// Explanation shown with the criteria; it cannot restrict by place or ownership.
    #[serde(default)]
    pub notes: String,
}

/// Read criteria as sent. Keys that would restrict by territory or ownership get their own
/// message; other unknown keys are refused too.
pub fn parse_criteria(value: &serde_json::Value) -> Result<AdmissionCriteria, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let criteria = match value {
        serde_json::Value::Null => AdmissionCriteria::default(),
        serde_json::Value::Object(map) => {
            for key in map.keys() {
                if DISCRIMINATORY_KEYS.contains(&key.as_str()) {
                    errors.push(FieldError::new(
                        format!("criteria.{key}"),
                        "catalog.criteria_discriminatory",
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            match serde_json::from_value::<AdmissionCriteria>(value.clone()) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(
                        FieldError::new("criteria", "catalog.criteria_shape")
                            .arg("detail", e.to_string()),
                    );
                    return Err(errors);
                }
            }
        }
        _ => {
            errors.push(
                FieldError::new("criteria", "catalog.criteria_shape").arg("detail", "object"),
            );
            return Err(errors);
        }
    };
    check_criteria(&criteria, &mut errors);
    errors.into_result().map(|_| criteria)
}

/// The form field of a criterion.
fn crit(name: &str) -> String {
    format!("criteria.{name}")
}

fn check_criteria(c: &AdmissionCriteria, errors: &mut ValidationErrors) {
    for f in &c.legal_forms {
        if gongzhi_orgs::face::LegalForm::parse(f).is_none() {
            errors.push(
                FieldError::new(crit("legal_forms"), "catalog.legal_form_unknown").arg("value", f),
            );
        }
    }
    for t in &c.tiers {
        if gongzhi_orgs::face::Tier::parse(t).is_none() {
            errors.push(FieldError::new(crit("tiers"), "catalog.org_tier_unknown").arg("value", t));
        }
    }
    if let Some(g) = c.min_grade
        && !GRADES.contains(&g)
    {
        errors.push(FieldError::new(crit("min_grade"), "catalog.grade_unknown").arg("grade", g));
    }
    if c.min_years.is_some_and(|y| y > 50) {
        errors.push(
            FieldError::new(crit("min_years"), "catalog.out_of_range")
                .arg("min", 0)
                .arg("max", 50),
        );
    }
    if c.min_social_workers
        .is_some_and(|n| !(0..=1000).contains(&n))
    {
        errors.push(
            FieldError::new(crit("min_social_workers"), "catalog.out_of_range")
                .arg("min", 0)
                .arg("max", 1000),
        );
    }
    if c.no_poor_years.is_some_and(|y| !(1..=10).contains(&y)) {
        errors.push(
            FieldError::new(crit("no_poor_years"), "catalog.out_of_range")
                .arg("min", 1)
                .arg("max", 10),
        );
    }
    for l in &c.licences {
        if !LICENCE_KINDS.contains(&l.as_str()) {
            errors
                .push(FieldError::new(crit("licences"), "catalog.licence_unknown").arg("value", l));
        }
    }
    if c.notes.chars().count() > 500 {
        errors.push(FieldError::new(crit("notes"), "catalog.too_long").arg("max", 500));
    }
    if let Some(p) = DISCRIMINATORY_PHRASES.iter().find(|p| c.notes.contains(*p)) {
        errors.push(
            FieldError::new(crit("notes"), "catalog.criteria_discriminatory").arg("phrase", p),
        );
    }
}

/// What the criteria are checked against: an organization's registry record and standing on
/// one day, and its licences and performance record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderFacts {
    /// Filed or registered, and not ended.
    pub in_good_order: bool,
    pub legal_form: String,
    pub tier: String,
    /// Registration date, or founding date for organizations that are not registered.
    pub since: Option<NaiveDate>,
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
    pub social_workers: i32,
    /// Kinds of licence valid on the day.
    pub licences: Vec<String>,
    /// Dates of 差 performance evaluations.
    pub poor_evaluations: Vec<NaiveDate>,
}

/// One criterion and how the organization fares against it. The message key is
/// `catalog.check.<criterion>`, filled with `args` (what is required, what the organization has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Check {
    pub criterion: &'static str,
    pub passed: bool,
    /// A failed blocking check excludes; a failed non-blocking one is a warning.
    pub blocking: bool,
    #[schema(value_type = Vec<Vec<String>>)]
    pub args: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub qualified: bool,
    pub checks: Vec<Check>,
}

impl Eligibility {
    pub fn warnings(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| !c.passed && !c.blocking)
            .count()
    }
}

/// Whole years from `since` to `on`.
pub fn whole_years(since: NaiveDate, on: NaiveDate) -> i32 {
    let mut y = on.year() - since.year();
    if (on.month(), on.day()) < (since.month(), since.day()) {
        y -= 1;
    }
    y.max(0)
}

impl AdmissionCriteria {
    fn form_ok(&self, f: &ProviderFacts) -> bool {
        self.legal_forms.is_empty() || self.legal_forms.contains(&f.legal_form)
    }

    fn tier_ok(&self, f: &ProviderFacts) -> bool {
        self.tiers.is_empty() || self.tiers.contains(&f.tier)
    }

    fn years_ok(&self, years: Option<i32>) -> bool {
        self.min_years
            .is_none_or(|min| years.is_some_and(|y| y >= min as i32))
    }

    fn grade_ok(&self, f: &ProviderFacts) -> bool {
        self.min_grade
            .is_none_or(|min| f.grade.is_some_and(|g| g >= min))
    }

    fn workers_ok(&self, f: &ProviderFacts) -> bool {
        self.min_social_workers
            .is_none_or(|min| f.social_workers >= min)
    }

    /// 差 evaluations within the look-back window.
    fn poor_count(&self, f: &ProviderFacts, on: NaiveDate) -> usize {
        let Some(years) = self.no_poor_years else {
            return 0;
        };
        let from = on
            .checked_sub_months(chrono::Months::new(12 * years))
            .unwrap_or(NaiveDate::MIN);
        f.poor_evaluations
            .iter()
            .filter(|d| **d > from && **d <= on)
            .count()
    }

    /// The verdict of [`evaluate`](Self::evaluate) without the explanation, for judging many
    /// organizations: `None` when excluded, otherwise whether a warning applies.
    pub fn admits(&self, f: &ProviderFacts, on: NaiveDate) -> Option<bool> {
        let ok = f.in_good_order
            && !f.serious
            && !(f.abnormal && self.abnormal_blocks)
            && self.form_ok(f)
            && self.tier_ok(f)
            && self.years_ok(f.since.map(|s| whole_years(s, on)))
            && self.grade_ok(f)
            && self.workers_ok(f)
            && self.licences.iter().all(|l| f.licences.contains(l))
            && self.poor_count(f, on) == 0;
        ok.then_some(f.abnormal)
    }

    /// Judge an organization criterion by criterion, in the order a reader should hear them.
    pub fn evaluate(&self, f: &ProviderFacts, on: NaiveDate) -> Eligibility {
        let mut checks = Vec::new();
        let mut push = |criterion, passed, blocking, args: Vec<(&'static str, String)>| {
            checks.push(Check {
                criterion,
                passed,
                blocking,
                args,
            })
        };
        push("good_order", f.in_good_order, true, vec![]);
        push("serious_list", !f.serious, true, vec![]);
        push("abnormal_list", !f.abnormal, self.abnormal_blocks, vec![]);
        if !self.legal_forms.is_empty() {
            push(
                "legal_form",
                self.form_ok(f),
                true,
                vec![("actual", f.legal_form.clone())],
            );
        }
        if !self.tiers.is_empty() {
            push(
                "tier",
                self.tier_ok(f),
                true,
                vec![("actual", f.tier.clone())],
            );
        }
        if let Some(min) = self.min_years {
            let years = f.since.map(|s| whole_years(s, on));
            push(
                "years",
                self.years_ok(years),
                true,
                vec![
                    ("required", min.to_string()),
                    ("actual", years.map(|y| y.to_string()).unwrap_or("-".into())),
                ],
            );
        }
        if let Some(min) = self.min_grade {
            push(
                "grade",
                self.grade_ok(f),
                true,
                vec![
                    ("required", format!("{min}A")),
                    (
                        "actual",
                        f.grade.map(|g| format!("{g}A")).unwrap_or("-".into()),
                    ),
                ],
            );
        }
        if let Some(min) = self.min_social_workers {
            push(
                "social_workers",
                self.workers_ok(f),
                true,
                vec![
                    ("required", min.to_string()),
                    ("actual", f.social_workers.to_string()),
                ],
            );
        }
        for l in &self.licences {
            push(
                "licence",
                f.licences.contains(l),
                true,
                vec![("kind", l.clone())],
            );
        }
        if let Some(years) = self.no_poor_years {
            let poor = self.poor_count(f, on);
            push(
                "past_performance",
                poor == 0,
                true,
                vec![("years", years.to_string()), ("actual", poor.to_string())],
            );
        }
        let qualified = checks.iter().all(|c| c.passed || !c.blocking);
        Eligibility { qualified, checks }
    }
}

/// A performance indicator an item suggests; projects copy them into their targets.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct Indicator {
    pub name: String,
    /// e.g. "≥ 90%" or "每月 4 次".
    #[serde(default)]
    pub target: String,
}

/// A catalog item as proposed (prices in yuan as text, criteria as sent).
#[derive(Debug, Clone, Default, Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ItemInput {
    /// Stable code, e.g. `A01-03`: upper-case letters, digits, `-` and `.`.
    pub code: String,
    /// Category code.
    pub category: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// street / community
    pub tier: String,
    /// False for a public service the government provides itself (listed, not bought).
    #[serde(default = "yes")]
    pub purchasable: bool,
    #[serde(default)]
    pub service_standard: String,
    /// Unit of service, e.g. 人次 / 场 / 户·月.
    #[serde(default)]
    pub unit: String,
    /// Price guidance per unit, in yuan.
    pub price_min: Option<String>,
    pub price_max: Option<String>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    #[schema(value_type = AdmissionCriteria)]
    pub criteria: serde_json::Value,
}

fn yes() -> bool {
    true
}

/// An item as it stands in a catalog version.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct ItemDef {
    pub code: String,
    pub category: String,
    pub name: String,
    pub description: String,
    pub tier: String,
    pub purchasable: bool,
    pub service_standard: String,
    pub unit: String,
    pub price_min_fen: Option<i64>,
    pub price_max_fen: Option<i64>,
    pub indicators: Vec<Indicator>,
    pub criteria: AdmissionCriteria,
}

/// A negative-list entry as proposed or stored.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct NegativeDef {
    /// `N1`…`N6` for the national categories, anything else for local entries.
    pub code: String,
    /// n1 … n6 (财政部令第102号 Art. 10) or local.
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Words that mark an item as falling under this entry (matched in its name, description
    /// and service standard).
    #[serde(default)]
    pub terms: Vec<String>,
    /// Legal or policy basis.
    #[serde(default)]
    pub basis: String,
}

fn code_ok(code: &str) -> bool {
    (2..=20).contains(&code.len())
        && code
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

fn text_len(errors: &mut ValidationErrors, field: &str, v: &str, min: usize, max: usize) {
    let n = v.chars().count();
    if n < min {
        errors.push(FieldError::new(field, "catalog.required"));
    } else if n > max {
        errors.push(FieldError::new(field, "catalog.too_long").arg("max", max));
    }
}

fn price(
    errors: &mut ValidationErrors,
    field: &str,
    v: &Option<String>,
    max: Money,
) -> Option<i64> {
    let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match Money::parse(s) {
        Ok(m) if m > max => {
            errors.push(FieldError::new(field, "money.too_large").arg("max", max));
            None
        }
        Ok(m) if !m.is_negative() => Some(m.fen()),
        Ok(_) => {
            errors.push(FieldError::new(field, "catalog.price_negative"));
            None
        }
        Err(e) => {
            errors.push(e.for_field(field));
            None
        }
    }
}

/// Check an item against the district's categories; guide prices at most `max_price`.
pub fn validate_item(
    input: &ItemInput,
    categories: &[String],
    max_price: Money,
) -> Result<ItemDef, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let code = input.code.trim().to_string();
    if !code_ok(&code) {
        errors.push(FieldError::new("code", "catalog.code_invalid"));
    }
    let category = input.category.trim().to_string();
    if !categories.contains(&category) {
        errors.push(FieldError::new("category", "catalog.category_unknown"));
    }
    let name = input.name.trim().to_string();
    text_len(&mut errors, "name", &name, 2, 60);
    text_len(
        &mut errors,
        "description",
        input.description.trim(),
        0,
        2000,
    );
    text_len(
        &mut errors,
        "service_standard",
        input.service_standard.trim(),
        0,
        2000,
    );
    text_len(&mut errors, "unit", input.unit.trim(), 0, 20);
    if !TIERS.contains(&input.tier.as_str()) {
        errors.push(FieldError::new("tier", "catalog.tier_unknown"));
    }
    let min = price(&mut errors, "price_min", &input.price_min, max_price);
    let max = price(&mut errors, "price_max", &input.price_max, max_price);
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        errors.push(FieldError::new("price_max", "catalog.price_order"));
    }
    let indicators: Vec<Indicator> = input
        .indicators
        .iter()
        .map(|i| Indicator {
            name: i.name.trim().to_string(),
            target: i.target.trim().to_string(),
        })
        .filter(|i| !i.name.is_empty())
        .collect();
    if indicators.len() > 20 {
        errors.push(FieldError::new("indicators", "catalog.too_many").arg("max", 20));
    }
    if indicators
        .iter()
        .any(|i| i.name.chars().count() > 100 || i.target.chars().count() > 100)
    {
        errors.push(FieldError::new("indicators", "catalog.too_long").arg("max", 100));
    }
    let criteria = match parse_criteria(&input.criteria) {
        Ok(c) => Some(c),
        Err(e) => {
            for f in e.0 {
                errors.push(f);
            }
            None
        }
    };
    errors.into_result()?;
    Ok(ItemDef {
        code,
        category,
        name,
        description: input.description.trim().to_string(),
        tier: input.tier.clone(),
        purchasable: input.purchasable,
        service_standard: input.service_standard.trim().to_string(),
        unit: input.unit.trim().to_string(),
        price_min_fen: min,
        price_max_fen: max,
        indicators,
        criteria: criteria.expect("checked"),
    })
}

pub fn validate_negative(input: &NegativeDef) -> Result<NegativeDef, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let code = input.code.trim().to_string();
    if !code_ok(&code) {
        errors.push(FieldError::new("code", "catalog.code_invalid"));
    }
    if !NEGATIVE_CATEGORIES.contains(&input.category.as_str()) {
        errors.push(FieldError::new(
            "category",
            "catalog.negative_category_unknown",
        ));
    }
    text_len(&mut errors, "title", input.title.trim(), 2, 100);
    text_len(
        &mut errors,
        "description",
        input.description.trim(),
        0,
        2000,
    );
    text_len(&mut errors, "basis", input.basis.trim(), 0, 200);
    let mut terms: Vec<String> = input
        .terms
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    terms.dedup();
    if terms.iter().any(|t| t.chars().count() < 2) {
        errors.push(FieldError::new("terms", "catalog.term_too_short"));
    }
    if terms.len() > 30 {
        errors.push(FieldError::new("terms", "catalog.too_many").arg("max", 30));
    }
    errors.into_result()?;
    Ok(NegativeDef {
        code,
        category: input.category.clone(),
        title: input.title.trim().to_string(),
        description: input.description.trim().to_string(),
        terms,
        basis: input.basis.trim().to_string(),
    })
}

/// The term of `entry` an item falls under, if any.
pub fn overlap<'a>(item: &ItemDef, entry: &'a NegativeDef) -> Option<&'a str> {
    entry
        .terms
        .iter()
        .find(|t| {
            item.name.contains(t.as_str())
                || item.description.contains(t.as_str())
                || item.service_standard.contains(t.as_str())
        })
        .map(String::as_str)
}

/// The whole content of a catalog version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub items: BTreeMap<String, ItemDef>,
    pub negatives: BTreeMap<String, NegativeDef>,
}

fn excluded(item: &ItemDef, entry: &NegativeDef, term: &str) -> FieldError {
    FieldError::new("code", "catalog.item_excluded")
        .arg("item", &item.name)
        .arg("entry", format!("{} {}", entry.code, entry.title))
        .arg("term", term)
}

impl Snapshot {
    /// The first negative-list entry that overlaps an item, with the term.
    pub fn exclusion(&self, item: &ItemDef) -> Option<(&NegativeDef, &str)> {
        self.negatives
            .values()
            .find_map(|e| overlap(item, e).map(|t| (e, t)))
    }

    /// An item and a negative-list entry may never overlap.
    pub fn check(&self) -> Result<(), FieldError> {
        for item in self.items.values() {
            if let Some((e, t)) = self.exclusion(item) {
                return Err(excluded(item, e, t));
            }
        }
        Ok(())
    }

    /// Apply one change; the result is checked whole.
    pub fn apply(&mut self, change: &Change) -> Result<(), FieldError> {
        match change {
            Change::AddItem(item) => {
                if self.items.contains_key(&item.code) {
                    return Err(FieldError::new("code", "catalog.code_taken"));
                }
                self.items.insert(item.code.clone(), item.clone());
            }
            Change::ModifyItem(item) => {
                if !self.items.contains_key(&item.code) {
                    return Err(FieldError::new("code", "catalog.item_not_found"));
                }
                self.items.insert(item.code.clone(), item.clone());
            }
            Change::RetireItem(code) => {
                if self.items.remove(code).is_none() {
                    return Err(FieldError::new("code", "catalog.item_not_found"));
                }
            }
            Change::AddNegative(entry) => {
                if self.negatives.contains_key(&entry.code) {
                    return Err(FieldError::new("code", "catalog.code_taken"));
                }
                if NATIONAL_CODES.contains(&entry.code.as_str())
                    && entry.category != entry.code.to_lowercase()
                {
                    return Err(FieldError::new(
                        "category",
                        "catalog.negative_national_fixed",
                    ));
                }
                if let Some(item) = self.items.values().find(|i| overlap(i, entry).is_some()) {
                    let t = overlap(item, entry).expect("found");
                    return Err(excluded(item, entry, t));
                }
                self.negatives.insert(entry.code.clone(), entry.clone());
            }
            Change::RemoveNegative(code) => {
                if NATIONAL_CODES.contains(&code.as_str()) {
                    return Err(FieldError::new("code", "catalog.negative_national_fixed"));
                }
                if self.negatives.remove(code).is_none() {
                    return Err(FieldError::new("code", "catalog.negative_not_found"));
                }
            }
        }
        self.check()
    }
}

/// A dynamic adjustment (动态调整) of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddItem(ItemDef),
    ModifyItem(ItemDef),
    RetireItem(String),
    AddNegative(NegativeDef),
    RemoveNegative(String),
}

pub const CHANGE_KINDS: [&str; 5] = [
    "add_item",
    "modify_item",
    "retire_item",
    "add_negative",
    "remove_negative",
];

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::AddItem(_) => "add_item",
            Change::ModifyItem(_) => "modify_item",
            Change::RetireItem(_) => "retire_item",
            Change::AddNegative(_) => "add_negative",
            Change::RemoveNegative(_) => "remove_negative",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Change::AddItem(i) | Change::ModifyItem(i) => &i.code,
            Change::AddNegative(e) => &e.code,
            Change::RetireItem(c) | Change::RemoveNegative(c) => c,
        }
    }

    /// The payload as stored (JSON), `null` for retire and remove.
    pub fn payload(&self) -> serde_json::Value {
        match self {
            Change::AddItem(i) | Change::ModifyItem(i) => serde_json::to_value(i),
            Change::AddNegative(e) => serde_json::to_value(e),
            Change::RetireItem(_) | Change::RemoveNegative(_) => Ok(serde_json::Value::Null),
        }
        .expect("serializable")
    }

    /// Read a stored change back.
    pub fn stored(kind: &str, code: &str, payload: &str) -> Option<Change> {
        Some(match kind {
            "add_item" => Change::AddItem(serde_json::from_str(payload).ok()?),
            "modify_item" => Change::ModifyItem(serde_json::from_str(payload).ok()?),
            "retire_item" => Change::RetireItem(code.to_string()),
            "add_negative" => Change::AddNegative(serde_json::from_str(payload).ok()?),
            "remove_negative" => Change::RemoveNegative(code.to_string()),
            _ => return None,
        })
    }
}

/// Fields of an item a diff names when they changed.
pub fn changed_fields(a: &ItemDef, b: &ItemDef) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut cmp = |name, same: bool| {
        if !same {
            out.push(name)
        }
    };
    cmp("category", a.category == b.category);
    cmp("name", a.name == b.name);
    cmp("description", a.description == b.description);
    cmp("tier", a.tier == b.tier);
    cmp("purchasable", a.purchasable == b.purchasable);
    cmp("service_standard", a.service_standard == b.service_standard);
    cmp("unit", a.unit == b.unit);
    cmp(
        "price",
        (a.price_min_fen, a.price_max_fen) == (b.price_min_fen, b.price_max_fen),
    );
    cmp("indicators", a.indicators == b.indicators);
    cmp("criteria", a.criteria == b.criteria);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Modified {
    pub code: String,
    pub name: String,
    pub fields: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Diff {
    pub added: Vec<ItemDef>,
    pub retired: Vec<ItemDef>,
    pub modified: Vec<Modified>,
    pub negatives_added: Vec<NegativeDef>,
    pub negatives_removed: Vec<NegativeDef>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.retired.is_empty()
            && self.modified.is_empty()
            && self.negatives_added.is_empty()
            && self.negatives_removed.is_empty()
    }
}

/// What changed from `a` to `b`.
pub fn diff(a: &Snapshot, b: &Snapshot) -> Diff {
    let mut d = Diff::default();
    for (code, item) in &b.items {
        match a.items.get(code) {
            None => d.added.push(item.clone()),
            Some(old) => {
                let fields = changed_fields(old, item);
                if !fields.is_empty() {
                    d.modified.push(Modified {
                        code: code.clone(),
                        name: item.name.clone(),
                        fields,
                    });
                }
            }
        }
    }
    d.retired = a
        .items
        .iter()
        .filter(|(c, _)| !b.items.contains_key(*c))
        .map(|(_, i)| i.clone())
        .collect();
    d.negatives_added = b
        .negatives
        .iter()
        .filter(|(c, _)| !a.negatives.contains_key(*c))
        .map(|(_, e)| e.clone())
        .collect();
    d.negatives_removed = a
        .negatives
        .iter()
        .filter(|(c, _)| !b.negatives.contains_key(*c))
        .map(|(_, e)| e.clone())
        .collect();
    d
}

/// A new version takes effect today or later, and after the latest published one.
pub fn check_effective(
    effective_from: NaiveDate,
    today: NaiveDate,
    latest: Option<NaiveDate>,
) -> Result<(), FieldError> {
    if effective_from < today {
        return Err(FieldError::new(
            "effective_from",
            "catalog.effective_in_past",
        ));
    }
    if let Some(l) = latest
        && effective_from <= l
    {
        return Err(FieldError::new("effective_from", "catalog.version_overlaps").arg("latest", l));
    }
    Ok(())
}

/// When a published version is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub number: i32,
    pub effective_from: NaiveDate,
    /// The day the next version takes over.
    pub until: Option<NaiveDate>,
}

impl Validity {
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.until.is_none_or(|u| on < u)
    }
}

/// Why a purchase of `code` may not proceed under `version` on `on` (empty: it may). This is the
/// catalog's part of the scope check; the budget is the purchase module's.
pub fn scope_check(
    version: Option<&Validity>,
    snap: &Snapshot,
    code: &str,
    on: NaiveDate,
) -> Vec<FieldError> {
    let Some(v) = version else {
        return vec![FieldError::new("item", "catalog.scope_no_version")];
    };
    let mut out = Vec::new();
    if !v.in_force(on) {
        out.push(
            FieldError::new("version", "catalog.scope_version_not_in_force")
                .arg("number", v.number)
                .arg("on", on),
        );
    }
    match snap.items.get(code) {
        None => out.push(
            FieldError::new("item", "catalog.scope_not_in_catalog")
                .arg("code", code)
                .arg("number", v.number),
        ),
        Some(item) => {
            if !item.purchasable {
                out.push(FieldError::new("item", "catalog.scope_not_purchasable"));
            }
            if let Some((e, t)) = snap.exclusion(item) {
                out.push(
                    FieldError::new("item", "catalog.scope_excluded")
                        .arg("entry", format!("{} {}", e.code, e.title))
                        .arg("term", t),
                );
            }
        }
    }
    out
}

/// Adjustment proposals on the workflow engine; `apply` is taken by publishing a version.
pub static CATALOG_CHANGE: WorkflowDef<()> = WorkflowDef {
    name: "catalog_change",
    states: &[ChangeState::PROPOSED, ChangeState::APPROVED, ChangeState::REJECTED, ChangeState::WITHDRAWN, ChangeState::APPLIED],
    initial: ChangeState::PROPOSED,
    terminal: &[ChangeState::REJECTED, ChangeState::WITHDRAWN, ChangeState::APPLIED],
    transitions: &[
        TransitionDef {
            name: "approve",
            from: &[ChangeState::PROPOSED],
            to: ChangeState::APPROVED,
            permission: CATALOG_MANAGE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "reject",
            from: &[ChangeState::PROPOSED, ChangeState::APPROVED],
            to: ChangeState::REJECTED,
            permission: CATALOG_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "withdraw",
            from: &[ChangeState::PROPOSED],
            to: ChangeState::WITHDRAWN,
            permission: CATALOG_PROPOSE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "apply",
            from: &[ChangeState::APPROVED],
            to: ChangeState::APPLIED,
            permission: CATALOG_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
    ],
};

/// Transitions a person may ask for; `apply` belongs to publishing.
pub const USER_TRANSITIONS: [&str; 3] = ["approve", "reject", "withdraw"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn item(code: &str, name: &str) -> ItemDef {
        validate_item(
            &ItemInput {
                code: code.into(),
                category: "A".into(),
                name: name.into(),
                tier: "community".into(),
                purchasable: true,
                ..Default::default()
            },
            &["A".into()],
            gongzhi_kernel::MoneyLimits::default().max(gongzhi_kernel::AmountKind::CatalogPrice),
        )
        .unwrap()
    }

    fn entry(code: &str, terms: &[&str]) -> NegativeDef {
        NegativeDef {
            code: code.into(),
            category: "local".into(),
            title: "工程类".into(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }
    }

    fn facts() -> ProviderFacts {
        ProviderFacts {
            in_good_order: true,
            legal_form: "service_agency".into(),
            tier: "registered".into(),
            since: Some(d(2020, 6, 1)),
            grade: Some(4),
            social_workers: 5,
            licences: vec!["social_work_agency".into()],
            ..Default::default()
        }
    }

    #[test]
    fn criteria_name_no_grade_that_does_not_exist() {
        let e = parse_criteria(&json!({"min_grade": 6})).unwrap_err();
        assert_eq!(e.0[0].key, "catalog.grade_unknown");
        assert!(parse_criteria(&json!({"min_grade": 3})).is_ok());
    }

    #[test]
    fn criteria_that_exclude_by_place_or_ownership_are_refused() {
        let e = parse_criteria(&json!({"registered_in": "440308"})).unwrap_err();
        assert_eq!(e.0[0].field, "criteria.registered_in");
        assert_eq!(e.0[0].key, "catalog.criteria_discriminatory");
        let e = parse_criteria(&json!({"notes": "限本区注册的机构"})).unwrap_err();
        assert_eq!(e.0[0].key, "catalog.criteria_discriminatory");
        let e = parse_criteria(&json!({"colour": "red"})).unwrap_err();
        assert_eq!(e.0[0].key, "catalog.criteria_shape");
        let e = parse_criteria(&json!({"licences": ["pilot"]})).unwrap_err();
        assert_eq!(e.0[0].key, "catalog.licence_unknown");
    }

    #[test]
    fn evaluation_explains_each_criterion() {
        let c = AdmissionCriteria {
            legal_forms: vec!["service_agency".into()],
            min_years: Some(3),
            min_grade: Some(3),
            min_social_workers: Some(3),
            licences: vec!["social_work_agency".into(), "elderly_care_filing".into()],
            no_poor_years: Some(2),
            ..Default::default()
        };
        let on = d(2026, 11, 1);
        let e = c.evaluate(&facts(), on);
        assert!(!e.qualified);
        let failed: Vec<_> = e.checks.iter().filter(|c| !c.passed).collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].criterion, "licence");
        assert_eq!(failed[0].args, vec![("kind", "elderly_care_filing".into())]);

        let mut f = facts();
        f.licences.push("elderly_care_filing".into());
        assert!(c.evaluate(&f, on).qualified);
        // Years are whole years: 2023-11-02 to 2026-11-01 is two.
        f.since = Some(d(2023, 11, 2));
        assert!(!c.evaluate(&f, on).qualified);
        f.since = Some(d(2023, 11, 1));
        assert!(c.evaluate(&f, on).qualified);
        // A 差 within two years excludes; an older one does not.
        f.poor_evaluations = vec![d(2024, 10, 1)];
        assert!(c.evaluate(&f, on).qualified);
        f.poor_evaluations = vec![d(2025, 1, 1)];
        assert!(!c.evaluate(&f, on).qualified);
    }

    #[test]
    fn abnormal_list_blocks_or_warns_by_policy_and_serious_always_blocks() {
        let on = d(2026, 11, 1);
        let mut f = facts();
        f.abnormal = true;
        let warn = AdmissionCriteria::default().evaluate(&f, on);
        assert!(warn.qualified);
        assert_eq!(warn.warnings(), 1);
        let block = AdmissionCriteria {
            abnormal_blocks: true,
            ..Default::default()
        }
        .evaluate(&f, on);
        assert!(!block.qualified);
        f.abnormal = false;
        f.serious = true;
        assert!(!AdmissionCriteria::default().evaluate(&f, on).qualified);
        f.serious = false;
        f.in_good_order = false;
        assert!(!AdmissionCriteria::default().evaluate(&f, on).qualified);
    }

    #[test]
    fn the_quick_verdict_agrees_with_the_explained_one() {
        let on = d(2026, 11, 1);
        let criteria = [
            AdmissionCriteria::default(),
            AdmissionCriteria {
                abnormal_blocks: true,
                legal_forms: vec!["service_agency".into()],
                tiers: vec!["registered".into()],
                min_years: Some(3),
                min_grade: Some(4),
                min_social_workers: Some(3),
                licences: vec!["social_work_agency".into()],
                no_poor_years: Some(2),
                notes: String::new(),
            },
        ];
        for n in 0..512u32 {
            let bit = |k: u32| n & (1 << k) != 0;
            let f = ProviderFacts {
                in_good_order: !bit(0),
                serious: bit(1),
                abnormal: bit(2),
                legal_form: if bit(3) {
                    "association"
                } else {
                    "service_agency"
                }
                .into(),
                tier: if bit(4) { "filed" } else { "registered" }.into(),
                since: Some(if bit(5) { d(2025, 1, 1) } else { d(2020, 1, 1) }),
                grade: (!bit(6)).then_some(4),
                social_workers: if bit(7) { 1 } else { 5 },
                licences: if bit(8) {
                    vec![]
                } else {
                    vec!["social_work_agency".into()]
                },
                poor_evaluations: if n % 3 == 0 {
                    vec![d(2026, 1, 1)]
                } else {
                    vec![]
                },
            };
            for c in &criteria {
                let e = c.evaluate(&f, on);
                let quick = c.admits(&f, on);
                assert_eq!(quick.is_some(), e.qualified, "{f:?} {c:?}");
                if let Some(w) = quick {
                    assert_eq!(w, e.warnings() > 0, "{f:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn items_and_negative_entries_never_overlap() {
        let mut s = Snapshot::default();
        s.apply(&Change::AddItem(item("A01", "长者助餐服务")))
            .unwrap();
        let e = s
            .apply(&Change::AddNegative(entry("L1", &["助餐"])))
            .unwrap_err();
        assert_eq!(e.key, "catalog.item_excluded");
        s.apply(&Change::AddNegative(entry("L1", &["装修工程"])))
            .unwrap();
        let mut s2 = s.clone();
        let e = s2
            .apply(&Change::AddItem(item("A02", "活动室装修工程")))
            .unwrap_err();
        assert!(e.args.contains(&("term", "装修工程".to_string())));
        assert_eq!(
            s.clone()
                .apply(&Change::AddItem(item("A01", "重复")))
                .unwrap_err()
                .key,
            "catalog.code_taken"
        );
        assert_eq!(
            s.clone()
                .apply(&Change::RemoveNegative("N3".into()))
                .unwrap_err()
                .key,
            "catalog.negative_national_fixed"
        );
        s.apply(&Change::RemoveNegative("L1".into())).unwrap();
        s.apply(&Change::RetireItem("A01".into())).unwrap();
        assert!(s.items.is_empty() && s.negatives.is_empty());
    }

    #[test]
    fn diff_names_added_retired_and_changed_fields() {
        let mut a = Snapshot::default();
        a.apply(&Change::AddItem(item("A01", "长者助餐服务")))
            .unwrap();
        a.apply(&Change::AddItem(item("A02", "儿童托管服务")))
            .unwrap();
        let mut b = a.clone();
        let mut changed = item("A01", "长者助餐服务");
        changed.tier = "street".into();
        changed.criteria.min_grade = Some(3);
        b.apply(&Change::ModifyItem(changed)).unwrap();
        b.apply(&Change::RetireItem("A02".into())).unwrap();
        b.apply(&Change::AddItem(item("A03", "社区心理服务")))
            .unwrap();
        b.apply(&Change::AddNegative(entry("L9", &["融资"])))
            .unwrap();
        let d = diff(&a, &b);
        assert_eq!(d.added[0].code, "A03");
        assert_eq!(d.retired[0].code, "A02");
        assert_eq!(d.modified[0].fields, vec!["tier", "criteria"]);
        assert_eq!(d.negatives_added[0].code, "L9");
        assert!(diff(&b, &b).is_empty());
    }

    #[test]
    fn versions_start_in_the_future_after_the_latest() {
        let today = d(2026, 11, 22);
        assert_eq!(
            check_effective(d(2026, 11, 21), today, None)
                .unwrap_err()
                .key,
            "catalog.effective_in_past"
        );
        assert!(check_effective(today, today, None).is_ok());
        assert_eq!(
            check_effective(d(2027, 1, 1), today, Some(d(2027, 1, 1)))
                .unwrap_err()
                .key,
            "catalog.version_overlaps"
        );
        assert!(check_effective(d(2027, 1, 2), today, Some(d(2027, 1, 1))).is_ok());
    }

    #[test]
    fn scope_check_gives_every_reason() {
        let mut s = Snapshot::default();
        let mut public = item("A01", "社区政策宣传");
        public.purchasable = false;
        s.items.insert("A01".into(), public);
        s.items.insert("A02".into(), item("A02", "长者助餐服务"));
        // A stored version whose entries came in after the item (as a guard against old data).
        s.negatives.insert("L1".into(), entry("L1", &["助餐"]));
        let v = Validity {
            number: 2,
            effective_from: d(2026, 1, 1),
            until: Some(d(2027, 1, 1)),
        };
        assert_eq!(
            scope_check(None, &s, "A02", d(2026, 5, 1))[0].key,
            "catalog.scope_no_version"
        );
        let keys = |s: &Snapshot, code, on| -> Vec<&str> {
            scope_check(Some(&v), s, code, on)
                .iter()
                .map(|e| e.key)
                .collect()
        };
        assert_eq!(
            keys(&s, "A02", d(2026, 5, 1)),
            vec!["catalog.scope_excluded"]
        );
        assert_eq!(
            keys(&s, "A01", d(2027, 2, 1)),
            vec![
                "catalog.scope_version_not_in_force",
                "catalog.scope_not_purchasable"
            ]
        );
        assert_eq!(
            keys(&s, "Z9", d(2026, 5, 1)),
            vec!["catalog.scope_not_in_catalog"]
        );
        s.negatives.clear();
        assert!(keys(&s, "A02", d(2026, 5, 1)).is_empty());
    }
}
