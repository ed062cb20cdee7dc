//! Pure rules of the purchase of services (财政部令第102号, 政府采购法 and its rules on
//! challenges): procurement methods and their OCDS codes, when a method needs a justification,
//! budget lines, scoring rubrics and how reviewers' scores are combined, contract terms and
//! single-source top-ups, the challenge clock, payments against milestones, performance grades.
//! Amounts are fen (`Money`); scores are hundredths of a point, so every sum is exact and every
//! result reproducible.

pub mod rating;
pub mod state;

pub use state::{
    BidState, ChallengeState, ContractState, MilestoneState, NeedState, ProjectState, SeatState,
};

use chrono::{Datelike, Months, NaiveDate};
use gongzhi_kernel::workflow::{ReasonRule, TransitionDef, WorkflowDef};
use gongzhi_kernel::{FieldError, Money, WorkingCalendar};

use crate::{PURCHASE_APPROVE, PURCHASE_BID, PURCHASE_EVALUATE, PURCHASE_MANAGE};

/// 采购方式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 公开招标
    OpenTender,
    /// 邀请招标
    InvitedTender,
    /// 竞争性谈判
    CompetitiveNegotiation,
    /// 竞争性磋商
    CompetitiveConsultation,
    /// 询价
    RequestForQuotation,
    /// 单一来源
    SingleSource,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::OpenTender,
        Method::InvitedTender,
        Method::CompetitiveNegotiation,
        Method::CompetitiveConsultation,
        Method::RequestForQuotation,
        Method::SingleSource,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::OpenTender => "open_tender",
            Method::InvitedTender => "invited_tender",
            Method::CompetitiveNegotiation => "competitive_negotiation",
            Method::CompetitiveConsultation => "competitive_consultation",
            Method::RequestForQuotation => "request_for_quotation",
            Method::SingleSource => "single_source",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// OCDS `tender.procurementMethod` (closed codelist `method`).
    pub fn ocds(self) -> &'static str {
        match self {
            Method::OpenTender => "open",
            Method::InvitedTender => "selective",
            Method::CompetitiveNegotiation
            | Method::CompetitiveConsultation
            | Method::RequestForQuotation => "limited",
            Method::SingleSource => "direct",
        }
    }

    /// The Chinese name, for OCDS `procurementMethodDetails`.
    pub fn details(self) -> &'static str {
        match self {
            Method::OpenTender => "公开招标",
            Method::InvitedTender => "邀请招标",
            Method::CompetitiveNegotiation => "竞争性谈判",
            Method::CompetitiveConsultation => "竞争性磋商",
            Method::RequestForQuotation => "询价",
            Method::SingleSource => "单一来源",
        }
    }
}

/// What a project's choice of method records.
#[derive(Debug, Clone, Default)]
pub struct MethodChoice<'a> {
    /// Why not open tender.
    pub justification: &'a str,
    /// At or above the open-tender threshold: the finance department's approval of another
    /// method (变更采购方式批准文号).
    pub approval_ref: &'a str,
}

/// Open tender is the default. Any other method needs a justification; at or above the
/// threshold (set by the province, from configuration) it also needs the finance department's
/// approval.
pub fn check_method(
    method: Method,
    budget: Money,
    threshold: Money,
    choice: &MethodChoice,
) -> Result<(), FieldError> {
    if method == Method::OpenTender {
        return Ok(());
    }
    if choice.justification.trim().chars().count() < 10 {
        return Err(FieldError::new(
            "justification",
            "procurement.justification_required",
        ));
    }
    if budget >= threshold && choice.approval_ref.trim().is_empty() {
        return Err(
            FieldError::new("approval_ref", "procurement.method_needs_approval")
                .arg("threshold", threshold),
        );
    }
    Ok(())
}

/// A budget line (预算) of a street for a year and a fund source. `committed` is held by
/// approved projects not yet paid, `spent` is paid. Nothing may take it below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetLine {
    pub amount: Money,
    pub committed: Money,
    pub spent: Money,
}

// The rule the conditional UPDATEs in `budget.rs` carry in SQL, property-tested here.
#[cfg_attr(not(test), allow(dead_code))]
impl BudgetLine {
    /// What approvals may still commit.
    pub fn available(&self) -> Money {
        Money::from_fen(self.amount.fen() - self.committed.fen() - self.spent.fen())
    }

    /// An approval commits `x`.
    pub fn commit(&self, x: Money) -> Result<BudgetLine, FieldError> {
        if x.fen() <= 0 {
            return Err(FieldError::new("amount", "procurement.amount_positive"));
        }
        if x > self.available() {
            return Err(FieldError::new("amount", "procurement.budget_insufficient")
                .arg("available", self.available()));
        }
        Ok(BudgetLine {
            committed: Money::from_fen(self.committed.fen() + x.fen()),
            ..*self
        })
    }

    /// A payment draws `x` of what was committed.
    pub fn draw(&self, x: Money) -> Result<BudgetLine, FieldError> {
        if x.fen() <= 0 {
            return Err(FieldError::new("amount", "procurement.amount_positive"));
        }
        if x > self.committed {
            return Err(FieldError::new("amount", "procurement.budget_insufficient")
                .arg("available", self.committed));
        }
        Ok(BudgetLine {
            committed: Money::from_fen(self.committed.fen() - x.fen()),
            spent: Money::from_fen(self.spent.fen() + x.fen()),
            ..*self
        })
    }

    /// A cancelled or terminated project gives back what it had not been paid.
    pub fn release(&self, x: Money) -> Result<BudgetLine, FieldError> {
        if x.fen() < 0 || x > self.committed {
            return Err(FieldError::new("amount", "procurement.release_too_much"));
        }
        Ok(BudgetLine {
            committed: Money::from_fen(self.committed.fen() - x.fen()),
            ..*self
        })
    }
}

/// Weights of a scoring rubric (评分细则), in points summing to 100. The price score is
/// computed from the bids; the other parts are scored by each reviewer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    gongzhi_platform::utoipa::ToSchema,
)]
pub struct Rubric {
    pub price: u32,
    pub technical: u32,
    pub quality: u32,
    pub past_performance: u32,
}

impl Rubric {
    /// 政府采购货物和服务招标投标管理办法: the price weight of services is 10–30.
    pub fn check(&self) -> Result<(), FieldError> {
        // Summed wide: weights near u32::MAX must not wrap round to 100.
        let total: u64 = [
            self.price,
            self.technical,
            self.quality,
            self.past_performance,
        ]
        .into_iter()
        .map(u64::from)
        .sum();
        if total != 100 {
            return Err(FieldError::new("rubric", "procurement.rubric_total").arg("total", total));
        }
        if !(10..=30).contains(&self.price) {
            return Err(FieldError::new("price", "procurement.rubric_price"));
        }
        Ok(())
    }
}

/// One reviewer's scores of one bid, in hundredths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewerScore {
    pub technical: u32,
    pub quality: u32,
    pub past_performance: u32,
}

impl ReviewerScore {
    /// Each part within its weight.
    pub fn check(&self, r: &Rubric) -> Result<(), FieldError> {
        for (field, got, max) in [
            ("technical", self.technical, r.technical),
            ("quality", self.quality, r.quality),
            (
                "past_performance",
                self.past_performance,
                r.past_performance,
            ),
        ] {
            if got > max * 100 {
                return Err(
                    FieldError::new(field, "procurement.score_out_of_rubric").arg("max", max)
                );
            }
        }
        Ok(())
    }

}

/// The price score of a bid (低价优先法): the lowest valid price over this bid's, times the
/// price weight; hundredths of a point, rounded half up.
pub fn price_score(lowest: Money, price: Money, weight: u32) -> u32 {
    if price.fen() <= 0 {
        return 0;
    }
    let num = lowest.fen() as i128 * weight as i128 * 100;
    ((num * 2 + price.fen() as i128) / (price.fen() as i128 * 2)) as u32
}

/// How a bid's reviewer totals become one score: the mean, after dropping the highest and the
/// lowest when five or more reviewers scored. Hundredths, rounded half up.
pub fn aggregate(totals: &[u32]) -> Option<u32> {
    if totals.is_empty() {
        return None;
    }
    let mut t = totals.to_vec();
    t.sort_unstable();
    let kept = if t.len() >= 5 {
        &t[1..t.len() - 1]
    } else {
        &t[..]
    };
    let sum: u64 = kept.iter().map(|x| u64::from(*x)).sum();
    let n = kept.len() as u64;
    Some(((sum * 2 + n) / (n * 2)) as u32)
}

/// A bid as ranked: its final score, its price and when it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<K> {
    pub bid: K,
    pub score: u32,
    pub price: Money,
    pub submitted_seq: u64,
}

/// Highest score first; on a tie the lower price, then the earlier bid.
pub fn rank<K>(mut bids: Vec<Ranked<K>>) -> Vec<Ranked<K>> {
    bids.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.price.cmp(&b.price))
            .then(a.submitted_seq.cmp(&b.submitted_seq))
    });
    bids
}

/// What makes a contract of up to three years lawful (Art. 24).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LongTermGrounds {
    pub budget_secured: bool,
    pub fixed_continuous_stable: bool,
}

/// A contract runs at most one year, or three when both grounds are stated.
pub fn check_term(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    grounds: LongTermGrounds,
) -> Result<(), FieldError> {
    if ends_on < starts_on {
        return Err(FieldError::new("ends_on", "procurement.date_order"));
    }
    let within = |years: u32| {
        starts_on
            .checked_add_months(Months::new(12 * years))
            .is_some_and(|limit| ends_on < limit)
    };
    if within(1) {
        return Ok(());
    }
    if !(grounds.budget_secured && grounds.fixed_continuous_stable) {
        return Err(FieldError::new("ends_on", "procurement.term_over_one_year"));
    }
    if !within(3) {
        return Err(FieldError::new(
            "ends_on",
            "procurement.term_over_three_years",
        ));
    }
    Ok(())
}

/// Single-source top-ups (添购) may add at most 10% of the original contract in total.
pub fn check_top_up(original: Money, earlier: Money, new: Money) -> Result<(), FieldError> {
    if new.fen() <= 0 {
        return Err(FieldError::new("amount", "procurement.amount_positive"));
    }
    let limit = original.fen() / 10;
    if earlier
        .checked_add(new)
        .is_none_or(|total| total.fen() > limit)
    {
        return Err(
            FieldError::new("amount", "procurement.top_up_over_ten_percent")
                .arg("left", Money::from_fen((limit - earlier.fen()).max(0))),
        );
    }
    Ok(())
}

/// The clocks of an award (Arts. 52–55 and the standstill), in working days of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardClock {
    /// The last day a bidder may challenge (7 working days from the award notice).
    pub challenge_until: NaiveDate,
    /// No contract before this day (standstill of 7 working days).
    pub standstill_until: NaiveDate,
    /// Sign within 30 days of the award notice.
    pub sign_by: NaiveDate,
}

pub fn award_clock(cal: &WorkingCalendar, notice_on: NaiveDate) -> AwardClock {
    AwardClock {
        challenge_until: cal.add_working_days(notice_on, 7),
        standstill_until: cal.add_working_days(notice_on, 7),
        sign_by: notice_on + chrono::Duration::days(30),
    }
}

/// The purchaser answers a challenge within 7 working days of receiving it.
pub fn answer_due(cal: &WorkingCalendar, received_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(received_on, 7)
}

/// A complaint may follow within 15 working days of the answer (or of its due date).
pub fn complaint_until(cal: &WorkingCalendar, answered_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(answered_on, 15)
}

/// A contract may be signed once the standstill is over and no challenge is open.
pub fn may_sign(
    clock: &AwardClock,
    on: NaiveDate,
    open_challenges: usize,
) -> Result<(), FieldError> {
    if open_challenges > 0 {
        return Err(FieldError::new("award", "procurement.challenge_open"));
    }
    if on <= clock.standstill_until {
        return Err(FieldError::new("signed_on", "procurement.standstill")
            .arg("until", clock.standstill_until));
    }
    Ok(())
}

/// A payment against a milestone: only when it is accepted, within its share of the contract
/// less what was already paid on it.
pub fn check_payment(
    accepted: bool,
    share: Money,
    paid_on_milestone: Money,
    amount: Money,
) -> Result<(), FieldError> {
    if !accepted {
        return Err(FieldError::new(
            "milestone",
            "procurement.milestone_not_accepted",
        ));
    }
    if amount.fen() <= 0 {
        return Err(FieldError::new("amount", "procurement.amount_positive"));
    }
    if paid_on_milestone
        .checked_add(amount)
        .is_none_or(|total| total > share)
    {
        return Err(
            FieldError::new("amount", "procurement.payment_over_share").arg(
                "left",
                Money::from_fen(share.fen() - paid_on_milestone.fen()),
            ),
        );
    }
    Ok(())
}

/// Milestones' payment shares must add up to the contract price exactly.
pub fn check_shares(price: Money, shares: &[Money]) -> Result<(), FieldError> {
    // Summed with a check: shares near the limit of i64 must not wrap round to the price.
    let sum = shares
        .iter()
        .try_fold(Money::ZERO, |acc, s| acc.checked_add(*s));
    match sum {
        Some(sum) if shares.iter().all(|s| s.fen() > 0) && sum == price => Ok(()),
        sum => Err(FieldError::new("milestones", "procurement.shares_total")
            .arg("price", price)
            .arg(
                "sum",
                sum.map(|s| s.to_string()).unwrap_or_else(|| "∞".into()),
            )),
    }
}

/// 绩效评价 grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优 90–100
    Excellent,
    /// 良 80–89
    Good,
    /// 中 60–79
    Fair,
    /// 差 0–59
    Poor,
}

impl Grade {
    /// From a score in hundredths of a point (0–10000).
    pub fn of(score: u32) -> Grade {
        match score {
            9000.. => Grade::Excellent,
            8000..=8999 => Grade::Good,
            6000..=7999 => Grade::Fair,
            _ => Grade::Poor,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Fair => "fair",
            Grade::Poor => "poor",
        }
    }
}

/// The evaluation score: the targets' score and the service users' satisfaction, the latter
/// weighted `satisfaction_pct` percent (configured). Hundredths, rounded half up.
pub fn evaluation_score(targets: u32, satisfaction: u32, satisfaction_pct: u32) -> u32 {
    let w = satisfaction_pct.min(100);
    let num = u64::from(targets) * u64::from(100 - w) + u64::from(satisfaction) * u64::from(w);
    ((num * 2 + 100) / 200) as u32
}

/// The budget year a date falls in.
pub fn budget_year(on: NaiveDate) -> i32 {
    on.year()
}

/// Fund sources (资金来源) of budget lines.
pub const FUND_SOURCES: [&str; 4] = [
    // 一般公共预算
    "general_budget",
    // 福利彩票公益金
    "lottery_fund",
    // 上级转移支付
    "higher_transfer",
    // 社区党组织服务群众专项经费
    "community_service_fund",
];

/// The earliest submission deadline a notice published on `published_on` may set: 20 days for
/// tenders (政府采购货物和服务招标投标管理办法 Art. 17), 10 days for competitive consultation
/// (竞争性磋商暂行办法 Art. 10), 3 working days for negotiation and quotation (非招标采购方式
/// 管理办法 Arts. 29, 45), 5 working days of publicity for a single source (Art. 38).
pub fn earliest_submission(
    method: Method,
    cal: &WorkingCalendar,
    published_on: NaiveDate,
) -> NaiveDate {
    match method {
        Method::OpenTender | Method::InvitedTender => published_on + chrono::Duration::days(20),
        Method::CompetitiveConsultation => published_on + chrono::Duration::days(10),
        Method::CompetitiveNegotiation | Method::RequestForQuotation => {
            cal.add_working_days(published_on, 3)
        }
        Method::SingleSource => cal.add_working_days(published_on, 5),
    }
}

/// The notice's deadlines: questions are taken until the enquiry deadline, which lies between
/// publication and the submission deadline; the submission deadline is no earlier than the
/// method allows.
pub fn check_deadlines(
    method: Method,
    cal: &WorkingCalendar,
    published_on: NaiveDate,
    enquiry_until: NaiveDate,
    submit_on: NaiveDate,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    let earliest = earliest_submission(method, cal, published_on);
    if submit_on < earliest {
        out.push(
            FieldError::new("submit_until", "procurement.submission_too_soon")
                .arg("earliest", earliest),
        );
    }
    if enquiry_until < published_on || enquiry_until >= submit_on {
        out.push(FieldError::new(
            "enquiry_until",
            "procurement.enquiry_window",
        ));
    }
    out
}

/// Who may respond: invited tender invites at least three organizations, a single source names
/// exactly one, every other method is open to any qualified organization through the notice.
pub fn check_invited(method: Method, invited: usize) -> Result<(), FieldError> {
    let ok = match method {
        Method::InvitedTender => invited >= 3,
        Method::SingleSource => invited == 1,
        _ => invited == 0,
    };
    if ok {
        Ok(())
    } else {
        Err(FieldError::new("invited", "procurement.invited_count").arg("method", method.details()))
    }
}

/// The pre-project assessment (事前绩效评估): each part is stated.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    gongzhi_platform::utoipa::ToSchema,
)]
pub struct PreAssessment {
    /// 必要性: why the government should buy this.
    pub necessity: String,
    /// 可行性: who can deliver it, and how.
    pub feasibility: String,
    /// 经济性: how the budget was worked out.
    pub cost_basis: String,
    /// 风险: what could go wrong.
    pub risks: String,
    /// Art. 24 grounds for a term over one year: the budget is secured for every year …
    #[serde(default)]
    pub budget_secured: bool,
    /// … and the service is fixed, continuous and stable in price.
    #[serde(default)]
    pub fixed_continuous_stable: bool,
}

impl PreAssessment {
    pub fn check(&self) -> Vec<FieldError> {
        [
            ("necessity", &self.necessity),
            ("feasibility", &self.feasibility),
            ("cost_basis", &self.cost_basis),
            ("risks", &self.risks),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().chars().count() < 4)
        .map(|(f, _)| FieldError::new(f, "procurement.assessment_missing"))
        .collect()
    }
}

/// A performance target (绩效目标) of a project, drawn from the item's indicators.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    gongzhi_platform::utoipa::ToSchema,
)]
pub struct Target {
    pub name: String,
    pub target: String,
}

/// Needs (需求申报): raised, then adopted into a project or declined with a reason.
pub static NEED: WorkflowDef<()> = WorkflowDef {
    name: "purchase_need",
    states: &[NeedState::RAISED, NeedState::ADOPTED, NeedState::DECLINED],
    initial: NeedState::RAISED,
    terminal: &[NeedState::ADOPTED, NeedState::DECLINED],
    transitions: &[
        TransitionDef {
            name: "adopt",
            from: &[NeedState::RAISED],
            to: NeedState::ADOPTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "decline",
            from: &[NeedState::RAISED],
            to: NeedState::DECLINED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// A purchase project and its procurement process. Approval commits the budget; failing or
/// cancelling after approval releases it.
pub static PROJECT: WorkflowDef<()> = WorkflowDef {
    name: "purchase_project",
    states: &[
        ProjectState::DRAFT,
        ProjectState::SUBMITTED,
        ProjectState::APPROVED,
        ProjectState::TENDERING,
        ProjectState::EVALUATING,
        ProjectState::AWARDED,
        ProjectState::CONTRACTED,
        ProjectState::COMPLETED,
        ProjectState::TERMINATED,
        ProjectState::FAILED,
        ProjectState::CANCELLED,
    ],
    initial: ProjectState::DRAFT,
    terminal: &[ProjectState::COMPLETED, ProjectState::TERMINATED, ProjectState::FAILED, ProjectState::CANCELLED],
    transitions: &[
        TransitionDef {
            name: "submit",
            from: &[ProjectState::DRAFT],
            to: ProjectState::SUBMITTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "return",
            from: &[ProjectState::SUBMITTED],
            to: ProjectState::DRAFT,
            permission: PURCHASE_APPROVE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "approve",
            from: &[ProjectState::SUBMITTED],
            to: ProjectState::APPROVED,
            permission: PURCHASE_APPROVE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "publish",
            from: &[ProjectState::APPROVED],
            to: ProjectState::TENDERING,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "open",
            from: &[ProjectState::TENDERING],
            to: ProjectState::EVALUATING,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "award",
            from: &[ProjectState::EVALUATING],
            to: ProjectState::AWARDED,
            permission: PURCHASE_APPROVE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "contract",
            from: &[ProjectState::AWARDED],
            to: ProjectState::CONTRACTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "complete",
            from: &[ProjectState::CONTRACTED],
            to: ProjectState::COMPLETED,
            permission: PURCHASE_EVALUATE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "terminate",
            from: &[ProjectState::CONTRACTED],
            to: ProjectState::TERMINATED,
            permission: PURCHASE_APPROVE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "fail",
            from: &[ProjectState::TENDERING, ProjectState::EVALUATING, ProjectState::AWARDED],
            to: ProjectState::FAILED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
        TransitionDef {
            name: "cancel",
            from: &[ProjectState::DRAFT, ProjectState::SUBMITTED, ProjectState::APPROVED, ProjectState::TENDERING],
            to: ProjectState::CANCELLED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// States after approval in which the project holds a commitment on its budget line.
pub const COMMITTED_STATES: [&str; 4] = [
    ProjectState::APPROVED,
    ProjectState::TENDERING,
    ProjectState::EVALUATING,
    ProjectState::AWARDED,
];

/// Challenges (质疑) and the complaints (投诉) that may follow.
pub static CHALLENGE: WorkflowDef<()> = WorkflowDef {
    name: "purchase_challenge",
    states: &[ChallengeState::OPEN, ChallengeState::ANSWERED, ChallengeState::COMPLAINED, ChallengeState::CLOSED],
    initial: ChallengeState::OPEN,
    terminal: &[ChallengeState::CLOSED],
    transitions: &[
        TransitionDef {
            name: "answer",
            from: &[ChallengeState::OPEN],
            to: ChallengeState::ANSWERED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "complain",
            from: &[ChallengeState::ANSWERED],
            to: ChallengeState::COMPLAINED,
            permission: PURCHASE_BID,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "resolve",
            from: &[ChallengeState::COMPLAINED],
            to: ChallengeState::CLOSED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
    ],
};

/// Contracts: in force until accepted (验收) and evaluated, or terminated early for breach.
pub static CONTRACT: WorkflowDef<()> = WorkflowDef {
    name: "purchase_contract",
    states: &[ContractState::IN_FORCE, ContractState::ACCEPTED, ContractState::EVALUATED, ContractState::TERMINATED],
    initial: ContractState::IN_FORCE,
    terminal: &[ContractState::EVALUATED, ContractState::TERMINATED],
    transitions: &[
        TransitionDef {
            name: "accept",
            from: &[ContractState::IN_FORCE],
            to: ContractState::ACCEPTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "evaluate",
            from: &[ContractState::ACCEPTED],
            to: ContractState::EVALUATED,
            permission: PURCHASE_EVALUATE,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "terminate",
            from: &[ContractState::IN_FORCE],
            to: ContractState::TERMINATED,
            permission: PURCHASE_APPROVE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// Milestones: the provider submits, the street accepts or sends back.
pub static MILESTONE: WorkflowDef<()> = WorkflowDef {
    name: "purchase_milestone",
    states: &[MilestoneState::PLANNED, MilestoneState::SUBMITTED, MilestoneState::ACCEPTED, MilestoneState::REJECTED],
    initial: MilestoneState::PLANNED,
    terminal: &[MilestoneState::ACCEPTED],
    transitions: &[
        TransitionDef {
            name: "submit",
            from: &[MilestoneState::PLANNED, MilestoneState::REJECTED],
            to: MilestoneState::SUBMITTED,
            permission: PURCHASE_BID,
            reason: ReasonRule::None,
            guard: None,
        },
        TransitionDef {
            name: "accept",
            from: &[MilestoneState::SUBMITTED],
            to: MilestoneState::ACCEPTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::Optional,
            guard: None,
        },
        TransitionDef {
            name: "reject",
            from: &[MilestoneState::SUBMITTED],
            to: MilestoneState::REJECTED,
            permission: PURCHASE_MANAGE,
            reason: ReasonRule::Required,
            guard: None,
        },
    ],
};

/// A survey answer's satisfaction: four questions scored 1–5, as hundredths of 0–100.
pub fn answer_satisfaction(q: [u8; 4]) -> u32 {
    let sum: u32 = q.iter().map(|x| u32::from(*x)).sum();
    (sum.saturating_sub(4) * 10_000 + 8) / 16
}

/// The service users' satisfaction: the mean of the answers, or none without answers.
pub fn satisfaction(answers: &[[u8; 4]]) -> Option<u32> {
    if answers.is_empty() {
        return None;
    }
    let n = answers.len() as u64;
    let sum: u64 = answers
        .iter()
        .map(|a| u64::from(answer_satisfaction(*a)))
        .sum();
    Some(((sum * 2 + n) / (n * 2)) as u32)
}

/// The targets' score: the mean of the evaluator's scores of each target (0–100), hundredths.
pub fn targets_score(scores: &[u32]) -> Option<u32> {
    if scores.is_empty() || scores.iter().any(|s| *s > 100) {
        return None;
    }
    let n = scores.len() as u64;
    let sum: u64 = scores.iter().map(|s| u64::from(*s) * 100).sum();
    Some(((sum * 2 + n) / (n * 2)) as u32)
}

/// Challenge states that block the contract.
pub const BLOCKING_CHALLENGES: [&str; 2] = ["open", "complained"];

/// How many reviewers a panel needs: an odd number, at least five for tenders and three for
/// the other methods, at most fifteen.
pub fn check_panel_size(method: Method, size: i32) -> Result<(), FieldError> {
    let min = match method {
        Method::OpenTender | Method::InvitedTender => 5,
        _ => 3,
    };
    if size < min || size > 15 || size % 2 == 0 {
        return Err(FieldError::new("size", "procurement.panel_size").arg("min", min));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn yuan(y: i64) -> Money {
        Money::from_yuan(y).unwrap()
    }

    #[test]
    fn methods_map_to_the_closed_ocds_codelist() {
        let codes: Vec<&str> = Method::ALL.iter().map(|m| m.ocds()).collect();
        assert_eq!(
            codes,
            [
                "open",
                "selective",
                "limited",
                "limited",
                "limited",
                "direct"
            ]
        );
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn other_methods_need_a_justification_and_above_the_threshold_an_approval() {
        let threshold = yuan(2_000_000);
        let none = MethodChoice::default();
        assert!(check_method(Method::OpenTender, yuan(5_000_000), threshold, &none).is_ok());
        let e =
            check_method(Method::RequestForQuotation, yuan(100_000), threshold, &none).unwrap_err();
        assert_eq!(e.key, "procurement.justification_required");
        let why = MethodChoice {
            justification: "服务需求明确、规格标准统一，适合询价",
            approval_ref: "",
        };
        assert!(check_method(Method::RequestForQuotation, yuan(100_000), threshold, &why).is_ok());
        let e = check_method(Method::SingleSource, threshold, threshold, &why).unwrap_err();
        assert_eq!(e.key, "procurement.method_needs_approval");
        let approved = MethodChoice {
            approval_ref: "盐财采〔2026〕12号",
            ..why
        };
        assert!(check_method(Method::SingleSource, threshold, threshold, &approved).is_ok());
    }

    #[test]
    fn a_budget_line_commits_draws_and_releases_but_never_goes_negative() {
        let line = BudgetLine {
            amount: yuan(1000),
            ..Default::default()
        };
        let l = line.commit(yuan(600)).unwrap();
        assert_eq!(l.available(), yuan(400));
        assert_eq!(
            l.commit(yuan(401)).unwrap_err().key,
            "procurement.budget_insufficient"
        );
        let l = l.draw(yuan(250)).unwrap();
        assert_eq!(
            (l.committed, l.spent, l.available()),
            (yuan(350), yuan(250), yuan(400))
        );
        assert!(l.draw(yuan(351)).is_err());
        let l = l.release(yuan(350)).unwrap();
        assert_eq!(l.available(), yuan(750));
        assert!(l.commit(Money::ZERO).is_err());
    }

    proptest! {
        /// Whatever sequence of commits, draws and releases is attempted, the accepted ones
        /// keep every part of the line non-negative and the parts within the amount.
        #[test]
        fn budget_invariants_hold(ops in proptest::collection::vec((0u8..3, 0i64..600), 0..40)) {
            let mut l = BudgetLine { amount: yuan(1000), ..Default::default() };
            for (op, y) in ops {
                let x = yuan(y);
                let next = match op {
                    0 => l.commit(x),
                    1 => l.draw(x),
                    _ => l.release(x),
                };
                if let Ok(n) = next {
                    l = n;
                }
                prop_assert!(l.committed.fen() >= 0 && l.spent.fen() >= 0);
                prop_assert!(l.available().fen() >= 0);
                prop_assert_eq!(l.committed.fen() + l.spent.fen() + l.available().fen(), l.amount.fen());
            }
        }

        /// Dropping the extremes never moves the score outside the reviewers' range.
        #[test]
        fn the_aggregate_lies_within_the_scores(totals in proptest::collection::vec(0u32..10_000, 1..9)) {
            let a = aggregate(&totals).unwrap();
            prop_assert!(a >= *totals.iter().min().unwrap());
            prop_assert!(a <= *totals.iter().max().unwrap());
        }
    }

    #[test]
    fn rubric_and_scores_stay_within_their_weights() {
        let r = Rubric {
            price: 30,
            technical: 40,
            quality: 20,
            past_performance: 10,
        };
        assert!(r.check().is_ok());
        assert_eq!(
            Rubric {
                price: 40,
                technical: 30,
                ..r
            }
            .check()
            .unwrap_err()
            .key,
            "procurement.rubric_price"
        );
        assert_eq!(
            Rubric { quality: 25, ..r }.check().unwrap_err().key,
            "procurement.rubric_total"
        );
        let s = ReviewerScore {
            technical: 4001,
            quality: 0,
            past_performance: 0,
        };
        assert_eq!(
            s.check(&r).unwrap_err().key,
            "procurement.score_out_of_rubric"
        );
        assert!(
            ReviewerScore {
                technical: 4000,
                ..s
            }
            .check(&r)
            .is_ok()
        );
    }

    #[test]
    fn aggregation_drops_the_extremes_from_five_reviewers() {
        assert_eq!(aggregate(&[]), None);
        assert_eq!(aggregate(&[8000, 7000, 9000]), Some(8000));
        // Five: 5000 and 9900 dropped, mean of 7000, 8000, 8100 = 7700.
        assert_eq!(aggregate(&[9900, 7000, 5000, 8000, 8100]), Some(7700));
        // Rounded half up: (7001 + 7002) / 2 = 7001.5.
        assert_eq!(aggregate(&[7001, 7002]), Some(7002));
        assert_eq!(price_score(yuan(90_000), yuan(100_000), 30), 2700);
        assert_eq!(price_score(yuan(90_000), yuan(90_000), 30), 3000);
        let ranked = rank(vec![
            Ranked {
                bid: "a",
                score: 8000,
                price: yuan(100),
                submitted_seq: 2,
            },
            Ranked {
                bid: "b",
                score: 8500,
                price: yuan(120),
                submitted_seq: 3,
            },
            Ranked {
                bid: "c",
                score: 8000,
                price: yuan(100),
                submitted_seq: 1,
            },
            Ranked {
                bid: "d",
                score: 8000,
                price: yuan(90),
                submitted_seq: 4,
            },
        ]);
        let order: Vec<&str> = ranked.iter().map(|r| r.bid).collect();
        assert_eq!(order, ["b", "d", "c", "a"]);
    }

    #[test]
    fn contracts_run_a_year_or_three_with_both_grounds() {
        let start = d(2026, 3, 1);
        let none = LongTermGrounds::default();
        assert!(check_term(start, d(2027, 2, 28), none).is_ok());
        assert_eq!(
            check_term(start, d(2027, 3, 1), none).unwrap_err().key,
            "procurement.term_over_one_year"
        );
        let both = LongTermGrounds {
            budget_secured: true,
            fixed_continuous_stable: true,
        };
        assert!(check_term(start, d(2029, 2, 28), both).is_ok());
        assert_eq!(
            check_term(start, d(2029, 3, 1), both).unwrap_err().key,
            "procurement.term_over_three_years"
        );
        let half = LongTermGrounds {
            budget_secured: true,
            ..none
        };
        assert!(check_term(start, d(2028, 1, 1), half).is_err());
        assert!(check_term(start, d(2026, 2, 1), none).is_err());
    }

    #[test]
    fn top_ups_add_at_most_ten_percent_in_total() {
        assert!(check_top_up(yuan(100_000), Money::ZERO, yuan(10_000)).is_ok());
        assert!(check_top_up(yuan(100_000), yuan(6_000), yuan(4_000)).is_ok());
        let e = check_top_up(yuan(100_000), yuan(6_000), yuan(4_001)).unwrap_err();
        assert_eq!(e.key, "procurement.top_up_over_ten_percent");
        assert!(e.args.contains(&("left", yuan(4_000).to_string())));
    }

    #[test]
    fn the_award_clock_counts_working_days_across_a_holiday() {
        let cal = WorkingCalendar::default_cn();
        // Award notice on Wednesday 2026-09-30; 1–7 October is the National Day holiday and
        // Saturday 10 October is an adjusted working day.
        let c = award_clock(&cal, d(2026, 9, 30));
        assert!(c.challenge_until > d(2026, 10, 8));
        assert_eq!(c.challenge_until, cal.add_working_days(d(2026, 9, 30), 7));
        assert_eq!(c.sign_by, d(2026, 10, 30));
        assert_eq!(
            may_sign(&c, c.standstill_until, 0).unwrap_err().key,
            "procurement.standstill"
        );
        assert_eq!(
            may_sign(&c, d(2026, 10, 20), 1).unwrap_err().key,
            "procurement.challenge_open"
        );
        assert!(may_sign(&c, d(2026, 10, 20), 0).is_ok());
        assert!(answer_due(&cal, d(2026, 10, 9)) > d(2026, 10, 16));
        assert!(complaint_until(&cal, d(2026, 10, 9)) > answer_due(&cal, d(2026, 10, 9)));
    }

    #[test]
    fn payments_only_against_accepted_milestones_within_their_share() {
        assert_eq!(
            check_payment(false, yuan(300), Money::ZERO, yuan(100))
                .unwrap_err()
                .key,
            "procurement.milestone_not_accepted"
        );
        assert!(check_payment(true, yuan(300), yuan(200), yuan(100)).is_ok());
        assert_eq!(
            check_payment(true, yuan(300), yuan(200), yuan(101))
                .unwrap_err()
                .key,
            "procurement.payment_over_share"
        );
        assert!(check_shares(yuan(1000), &[yuan(300), yuan(700)]).is_ok());
        assert!(check_shares(yuan(1000), &[yuan(300), yuan(600)]).is_err());
        assert!(check_shares(yuan(1000), &[yuan(1100), yuan(-100)]).is_err());
    }

    #[test]
    fn grades_follow_the_score_bands_with_satisfaction_weighted() {
        assert_eq!(Grade::of(10_000), Grade::Excellent);
        assert_eq!(Grade::of(9000), Grade::Excellent);
        assert_eq!(Grade::of(8999), Grade::Good);
        assert_eq!(Grade::of(6000), Grade::Fair);
        assert_eq!(Grade::of(5999), Grade::Poor);
        // Targets 80, satisfaction 95 weighted 40%: 86.
        assert_eq!(evaluation_score(8000, 9500, 40), 8600);
        assert_eq!(evaluation_score(8000, 9500, 0), 8000);
        assert_eq!(evaluation_score(8000, 9500, 150), 9500);
    }

    #[test]
    fn deadlines_leave_the_time_each_method_requires() {
        let cal = WorkingCalendar::default_cn();
        // Friday 2026-11-20.
        let on = d(2026, 11, 20);
        assert_eq!(
            earliest_submission(Method::OpenTender, &cal, on),
            d(2026, 12, 10)
        );
        assert_eq!(
            earliest_submission(Method::CompetitiveConsultation, &cal, on),
            d(2026, 11, 30)
        );
        // Three working days: Mon, Tue, Wed.
        assert_eq!(
            earliest_submission(Method::RequestForQuotation, &cal, on),
            d(2026, 11, 25)
        );
        assert!(
            check_deadlines(
                Method::OpenTender,
                &cal,
                on,
                d(2026, 11, 30),
                d(2026, 12, 10)
            )
            .is_empty()
        );
        let e = check_deadlines(
            Method::OpenTender,
            &cal,
            on,
            d(2026, 12, 10),
            d(2026, 12, 9),
        );
        let keys: Vec<_> = e.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "procurement.submission_too_soon",
                "procurement.enquiry_window"
            ]
        );
        assert!(check_invited(Method::InvitedTender, 3).is_ok());
        assert!(check_invited(Method::InvitedTender, 2).is_err());
        assert!(check_invited(Method::SingleSource, 1).is_ok());
        assert!(check_invited(Method::SingleSource, 2).is_err());
        assert!(check_invited(Method::OpenTender, 1).is_err());
        let mut a = PreAssessment {
            necessity: "居民需求强烈".into(),
            feasibility: "多家机构可承接".into(),
            cost_basis: "按指导价测算".into(),
            risks: "".into(),
            ..Default::default()
        };
        assert_eq!(a.check().len(), 1);
        a.risks = "天气影响".into();
        assert!(a.check().is_empty());
    }

    #[test]
    fn satisfaction_and_targets_are_means_on_the_same_scale() {
        assert_eq!(answer_satisfaction([5, 5, 5, 5]), 10_000);
        assert_eq!(answer_satisfaction([1, 1, 1, 1]), 0);
        assert_eq!(answer_satisfaction([4, 4, 4, 4]), 7500);
        assert_eq!(satisfaction(&[]), None);
        assert_eq!(satisfaction(&[[5, 5, 5, 5], [4, 4, 4, 4]]), Some(8750));
        assert_eq!(targets_score(&[90, 80]), Some(8500));
        assert_eq!(targets_score(&[101]), None);
        assert_eq!(targets_score(&[]), None);
    }
}
