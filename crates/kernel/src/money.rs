//! Amounts of renminbi in fen (分), the smallest unit, so sums are exact.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CodeError;

/// An amount of renminbi in fen. Serializes as the integer number of fen.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whole yuan; `None` if the amount in fen does not fit.
    pub const fn from_yuan(yuan: i64) -> Option<Self> {
        match yuan.checked_mul(100) {
            Some(fen) => Some(Self(fen)),
            None => None,
        }
    }

    pub const fn checked_add(self, other: Money) -> Option<Money> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Self(fen)),
            None => None,
        }
    }

    pub const fn checked_sub(self, other: Money) -> Option<Money> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Self(fen)),
            None => None,
        }
    }

    pub const fn checked_mul(self, factor: i64) -> Option<Money> {
        match self.0.checked_mul(factor) {
            Some(fen) => Some(Self(fen)),
            None => None,
        }
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses `¥1,234.56`, `￥1234.5`, `1234`, `-12.30`, `¥ -5`: at most two decimals, commas
    /// only as thousands separators.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let invalid = || CodeError::new("money.invalid").arg("value", input.trim());
        let mut s = input.trim();
        let (mut negative, mut symbol) = (false, false);
        // Sign and currency symbol in either order ("-¥5" as displayed, "¥-5" as often typed),
        // each at most once.
        loop {
            if let Some(rest) = s.strip_prefix('-') {
                if negative {
                    return Err(invalid());
                }
                negative = true;
                s = rest.trim_start();
            } else if let Some(rest) = s.strip_prefix(['¥', '￥']) {
                if symbol {
                    return Err(invalid());
                }
                symbol = true;
                s = rest.trim_start();
            } else {
                break;
            }
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int_part.is_empty() || !thousands_ok(int_part) {
            return Err(invalid());
        }
        let frac_fen = match frac_part {
            None => 0,
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid());
            }
            Some(f) if f.len() > 2 => {
                return Err(CodeError::new("money.too_many_decimals").arg("value", input.trim()));
            }
            Some(f) => {
                let v: i128 = f
                    .bytes()
                    .map(|b| i128::from(b - b'0'))
                    .fold(0, |a, d| a * 10 + d);
                if f.len() == 1 { v * 10 } else { v }
            }
        };
        let overflow = || CodeError::new("money.overflow").arg("value", input.trim());
        let mut yuan: i128 = 0;
        for b in int_part.bytes().filter(|b| *b != b',') {
            yuan = yuan
                .checked_mul(10)
                .and_then(|y| y.checked_add(i128::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        let magnitude = yuan
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .ok_or_else(overflow)?;
        let fen = if negative { -magnitude } else { magnitude };
        i64::try_from(fen).map(Self).map_err(|_| overflow())
    }
}

/// Digits only, or digits grouped by commas as `1,234,567` (first group 1–3, then exactly 3).
fn thousands_ok(s: &str) -> bool {
    let mut groups = s.split(',');
    let first = groups.next().unwrap_or_default();
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if !s.contains(',') {
        return true;
    }
    first.len() <= 3 && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

impl FromStr for Money {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What an amount is for; each kind has its own ceiling in [`MoneyLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountKind {
    /// One budget line of a street or the district for a year.
    BudgetLine,
    /// Anything about one purchase: a project's budget, a bid, a contract's price and its
    /// milestone shares, a payment, a top-up, the open-tender threshold.
    Purchase,
    /// A fine recorded against an organization.
    Fine,
    /// A catalog item's guide price.
    CatalogPrice,
}

/// The largest amount of each kind the platform accepts, in whole yuan. Every amount is bounded
/// at the edge, so that no sum the platform makes (a district's budget lines, a contract's
/// payments) can leave the range of `i64` fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoneyLimits {
    pub budget_line_yuan: i64,
    pub purchase_yuan: i64,
    pub fine_yuan: i64,
    pub catalog_price_yuan: i64,
}

impl Default for MoneyLimits {
    fn default() -> Self {
        MoneyLimits {
            // 100亿元: more than a district's whole annual budget.
            budget_line_yuan: 10_000_000_000,
            // 10亿元 for one purchase of services.
            purchase_yuan: 1_000_000_000,
            // 1亿元.
            fine_yuan: 100_000_000,
            catalog_price_yuan: 100_000_000,
        }
    }
}

/// Never more than this, whatever the configuration says: a million lines at this ceiling still
/// sum inside `i64` fen.
const HARD_CEILING_YUAN: i64 = 50_000_000_000;

impl MoneyLimits {
    pub fn max(&self, kind: AmountKind) -> Money {
        let yuan = match kind {
            AmountKind::BudgetLine => self.budget_line_yuan,
            AmountKind::Purchase => self.purchase_yuan,
            AmountKind::Fine => self.fine_yuan,
            AmountKind::CatalogPrice => self.catalog_price_yuan,
        };
        Money(yuan.clamp(0, HARD_CEILING_YUAN) * 100)
    }

    /// An amount of this kind: more than zero (`money.not_positive`) and at most the ceiling
    /// (`money.too_large`, naming it).
    pub fn positive(&self, kind: AmountKind, fen: i64) -> Result<Money, CodeError> {
        if fen <= 0 {
            return Err(CodeError::new("money.not_positive"));
        }
        self.at_most(kind, fen)
    }

    /// An amount of this kind that may be zero: not negative and at most the ceiling.
    pub fn at_most(&self, kind: AmountKind, fen: i64) -> Result<Money, CodeError> {
        if fen < 0 {
            return Err(CodeError::new("money.negative"));
        }
        let max = self.max(kind);
        if fen > max.0 {
            return Err(CodeError::new("money.too_large").arg("max", max));
        }
        Ok(Money(fen))
    }
}

impl fmt::Display for Money {
    /// `¥1,234.56`, `-¥12.30`, `¥0.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        let digits = (magnitude / 100).to_string();
        let mut out = String::with_capacity(digits.len() * 4 / 3 + 6);
        if self.0 < 0 {
            out.push('-');
        }
        out.push('¥');
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out.push('.');
        out.push_str(&format!("{:02}", magnitude % 100));
        f.pad(&out)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    fn fen(s: &str) -> i64 {
        Money::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
            .fen()
    }

    fn key(s: &str) -> &'static str {
        let e = Money::parse(s).expect_err(s);
        assert_localised(&e);
        e.key
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(fen("¥1,234.56"), 123_456);
        assert_eq!(fen("￥1234.5"), 123_450);
        assert_eq!(fen("1234"), 123_400);
        assert_eq!(fen("1,234.00"), 123_400);
        assert_eq!(fen("-12.30"), -1_230);
        assert_eq!(fen("-¥12.30"), -1_230);
        assert_eq!(fen("¥-12.30"), -1_230);
        assert_eq!(fen("  ¥ 1,000,000 "), 100_000_000);
        assert_eq!(fen("0.05"), 5);
        assert_eq!(fen("-0"), 0);
        assert_eq!(fen("¥92,233,720,368,547,758.07"), i64::MAX);
        assert_eq!(fen("-¥92,233,720,368,547,758.08"), i64::MIN);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "  ", "¥", "-", "abc", "12a", "1.", ".5", "1.2.3", "1,23", "1234,567", ",123",
            "1,,234", "12,34.5", "1,234,56", "--1", "¥¥1", "+1", "1 234", "1.-5", "1e3", "١٢",
        ] {
            assert_eq!(key(bad), "money.invalid", "{bad:?}");
        }
        assert_eq!(key("1.234"), "money.too_many_decimals");
        assert_eq!(key("¥0.001"), "money.too_many_decimals");
        assert_eq!(key("92233720368547758.08"), "money.overflow");
        assert_eq!(key("-92233720368547758.09"), "money.overflow");
        assert_eq!(key(&"9".repeat(60)), "money.overflow");
    }

    #[test]
    fn displays_with_separators() {
        assert_eq!(Money::from_fen(123_456).to_string(), "¥1,234.56");
        assert_eq!(Money::from_fen(-1_230).to_string(), "-¥12.30");
        assert_eq!(Money::ZERO.to_string(), "¥0.00");
        assert_eq!(Money::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Money::from_fen(100_000_000).to_string(), "¥1,000,000.00");
        assert_eq!(
            Money::from_fen(i64::MIN).to_string(),
            "-¥92,233,720,368,547,758.08"
        );
        assert_eq!(format!("{:>10}", Money::from_fen(100)), "     ¥1.00");
    }

    #[test]
    fn amounts_are_bounded_by_kind() {
        let l = MoneyLimits::default();
        assert_eq!(l.positive(AmountKind::BudgetLine, 100).unwrap(), Money(100));
        assert_eq!(
            l.positive(AmountKind::BudgetLine, 0).unwrap_err().key,
            "money.not_positive"
        );
        assert_eq!(
            l.positive(AmountKind::Purchase, -1).unwrap_err().key,
            "money.not_positive"
        );
        assert_eq!(
            l.at_most(AmountKind::Fine, -1).unwrap_err().key,
            "money.negative"
        );
        assert!(l.at_most(AmountKind::Fine, 0).is_ok());
        let e = l
            .positive(AmountKind::BudgetLine, 1_000_000_000_001)
            .unwrap_err();
        assert_eq!(e.key, "money.too_large");
        assert_eq!(e.get("max"), Some("¥10,000,000,000.00"));
        assert_localised(&e);
        assert!(
            l.positive(AmountKind::BudgetLine, 1_000_000_000_000)
                .is_ok()
        );
        assert!(l.positive(AmountKind::Purchase, i64::MAX).is_err());
        let silly = MoneyLimits {
            budget_line_yuan: i64::MAX,
            ..l
        };
        assert_eq!(
            silly.max(AmountKind::BudgetLine),
            Money(HARD_CEILING_YUAN * 100)
        );
    }

    #[test]
    fn a_million_lines_at_the_hard_ceiling_sum_in_range() {
        let max = MoneyLimits {
            budget_line_yuan: i64::MAX,
            ..MoneyLimits::default()
        }
        .max(AmountKind::BudgetLine);
        assert!(max.checked_mul(1_000_000).is_some());
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::from_yuan(10).unwrap();
        assert_eq!(a.fen(), 1_000);
        assert_eq!(
            a.checked_add(Money::from_fen(5)),
            Some(Money::from_fen(1_005))
        );
        assert_eq!(
            a.checked_sub(Money::from_fen(1_001)),
            Some(Money::from_fen(-1))
        );
        assert!(Money::from_fen(-1).is_negative() && !Money::ZERO.is_negative());
        assert_eq!(a.checked_mul(3), Some(Money::from_fen(3_000)));
        assert_eq!(Money::from_yuan(i64::MAX), None);
        assert_eq!(
            Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)),
            None
        );
        assert_eq!(
            Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)),
            None
        );
        assert_eq!(Money::from_fen(i64::MIN).checked_mul(-1), None);
    }

    #[test]
    fn serializes_as_fen() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            amount: Money,
        }
        let row = Row {
            amount: Money::from_fen(-1_230),
        };
        let text = toml::to_string(&row).unwrap();
        assert_eq!(text.trim(), "amount = -1230");
        assert_eq!(toml::from_str::<Row>(&text).unwrap(), row);
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(fen in any::<i64>()) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            // Without separators or symbol, as typed into a form.
            let plain = format!("{}{}.{:02}", if fen < 0 { "-" } else { "" },
                fen.unsigned_abs() / 100, fen.unsigned_abs() % 100);
            prop_assert_eq!(Money::parse(&plain), Ok(m));
        }

        #[test]
        fn checked_arithmetic_never_panics(a in any::<i64>(), b in any::<i64>()) {
            let (x, y) = (Money::from_fen(a), Money::from_fen(b));
            prop_assert_eq!(x.checked_add(y).map(Money::fen), a.checked_add(b));
            prop_assert_eq!(x.checked_sub(y).map(Money::fen), a.checked_sub(b));
            prop_assert_eq!(x.checked_mul(b).map(Money::fen), a.checked_mul(b));
            prop_assert_eq!(Money::from_yuan(a).map(Money::fen), a.checked_mul(100));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Money::parse(&s);
        }
    }
}
