//! 统计用区划代码: 12 digits `pp cc nn ttt vvv` (province, prefecture, county, township,
//! committee). The first 6 are the GB/T 2260 administrative division code.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ascii, exact_chars, string_code};
use crate::error::CodeError;

/// Levels from the top; `Ord` follows the hierarchy (`Province < Committee`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    /// 省级 (province, autonomous region, municipality).
    Province,
    /// 地级 (prefecture-level city, league, autonomous prefecture).
    Prefecture,
    /// 县级 (district, county, county-level city).
    County,
    /// 乡级 (street office, town, township).
    Township,
    /// 村级 (residents' or villagers' committee).
    Committee,
}

impl DivisionLevel {
    pub const ALL: [DivisionLevel; 5] = [
        Self::Province,
        Self::Prefecture,
        Self::County,
        Self::Township,
        Self::Committee,
    ];

    /// Digits up to and including this level's group.
    pub const fn significant_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::Prefecture => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Committee => 12,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Prefecture => "prefecture",
            Self::County => "county",
            Self::Township => "township",
            Self::Committee => "committee",
        }
    }
}

impl fmt::Display for DivisionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Kind of a township-level unit, from its 3-digit group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownshipKind {
    /// 街道 (001–099).
    Street,
    /// 镇 (100–199).
    Town,
    /// 乡 (200–399).
    Township,
}

/// Group boundaries: pp | cc | nn | ttt | vvv.
const GROUPS: [(usize, usize); 5] = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12)];

/// A statistical division code of valid shape. Existence is not checked: codes change over
/// time and the platform keeps its own table of the divisions it serves.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode([u8; 12]);

impl DivisionCode {
    /// Checks, in order: 12 characters, all digits, not all zero, a province group starting 1–8,
    /// and a possible shape (no lower group set under an empty one).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let chars = exact_chars::<12>(input)
            .map_err(|len| CodeError::new("division.length").arg("len", len))?;
        let mut code = [0u8; 12];
        for (i, ch) in chars.into_iter().enumerate() {
            if !ch.is_ascii_digit() {
                return Err(CodeError::new("division.charset")
                    .arg("pos", i + 1)
                    .arg("ch", ch));
            }
            code[i] = ch as u8;
        }
        Self::from_digits(code)
    }

    fn from_digits(code: [u8; 12]) -> Result<Self, CodeError> {
        if code.iter().all(|&b| b == b'0') {
            return Err(CodeError::new("division.all_zero"));
        }
        // Region digits 1–8: North, Northeast, East, Central-South, Southwest, Northwest,
        // Taiwan, Hong Kong/Macao.
        if !(b'1'..=b'8').contains(&code[0]) {
            return Err(CodeError::new("division.province").arg("province", ascii(&code[..2])));
        }
        let set = |g: usize| code[GROUPS[g].0..GROUPS[g].1].iter().any(|&b| b != b'0');
        let (province, prefecture, county, township, committee) =
            (set(0), set(1), set(2), set(3), set(4));
        // The county group may be empty under a set township group: prefecture-level cities
        // without counties (Dongguan 4419, Zhongshan 4420, Jiayuguan 6202, Danzhou 4604).
        let possible = province
            && (prefecture || !(county || township || committee))
            && (township || !committee);
        if !possible {
            return Err(CodeError::new("division.shape").arg("code", ascii(&code)));
        }
        Ok(Self(code))
    }

    /// Pads a significant prefix (2, 4, 6, 9 or 12 digits: `44`, `4403`, `440308`,
    /// `440308003`) with zeros to the full code.
    pub fn from_significant(prefix: &str) -> Result<Self, CodeError> {
        let prefix = prefix.trim();
        let len = prefix.chars().count();
        if !DivisionLevel::ALL
            .iter()
            .any(|l| l.significant_len() == len)
        {
            return Err(CodeError::new("division.significant_length").arg("len", len));
        }
        Self::parse(&format!("{prefix:0<12}"))
    }

    pub fn as_str(&self) -> &str {
        ascii(&self.0)
    }

    fn group_set(&self, g: usize) -> bool {
        self.0[GROUPS[g].0..GROUPS[g].1].iter().any(|&b| b != b'0')
    }

    /// From the trailing empty groups: `440308000000` is a county, `440308003000` a township.
    pub fn level(&self) -> DivisionLevel {
        if self.group_set(4) {
            DivisionLevel::Committee
        } else if self.group_set(3) {
            DivisionLevel::Township
        } else if self.group_set(2) {
            DivisionLevel::County
        } else if self.group_set(1) {
            DivisionLevel::Prefecture
        } else {
            DivisionLevel::Province
        }
    }

    /// The code without its trailing empty groups: `44`, `4403`, `440308`, `440308003`.
    pub fn significant(&self) -> &str {
        &self.as_str()[..self.level().significant_len()]
    }

    /// The enclosing division; a township directly under a prefecture-level city (empty county
    /// group) has that city as parent.
    pub fn parent(&self) -> Option<DivisionCode> {
        let keep = match self.level() {
            DivisionLevel::Province => return None,
            DivisionLevel::Prefecture => 2,
            DivisionLevel::County => 4,
            DivisionLevel::Township if self.group_set(2) => 6,
            DivisionLevel::Township => 4,
            DivisionLevel::Committee => 9,
        };
        let mut code = self.0;
        code[keep..].fill(b'0');
        Some(Self(code))
    }

    /// The enclosing division at `level`, or this code if it is at that level; `None` if this
    /// code is above `level` or has no division there (no county above a Dongguan street).
    pub fn ancestor_at(&self, level: DivisionLevel) -> Option<DivisionCode> {
        let mut cur = self.clone();
        loop {
            match cur.level().cmp(&level) {
                std::cmp::Ordering::Equal => return Some(cur),
                std::cmp::Ordering::Less => return None,
                std::cmp::Ordering::Greater => cur = cur.parent()?,
            }
        }
    }

    /// True if `other` lies strictly inside this division.
    pub fn is_ancestor_of(&self, other: &DivisionCode) -> bool {
        let mut cur = other.parent();
        while let Some(p) = cur {
            if p == *self {
                return true;
            }
            cur = p.parent();
        }
        false
    }

    /// Street, town or township for a township-level code; `None` at other levels or for the
    /// 400+ range (farms, development zones and other township-like units).
    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.level() != DivisionLevel::Township {
            return None;
        }
        let t = self.0[6..9]
            .iter()
            .fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
        match t {
            1..=99 => Some(TownshipKind::Street),
            100..=199 => Some(TownshipKind::Town),
            200..=399 => Some(TownshipKind::Township),
            _ => None,
        }
    }

    /// This code if it is at `level`, else an error saying which level was expected.
    pub fn require_level(self, level: DivisionLevel) -> Result<Self, CodeError> {
        if self.level() == level {
            return Ok(self);
        }
        let key = match level {
            DivisionLevel::Province => "division.level.province",
            DivisionLevel::Prefecture => "division.level.prefecture",
            DivisionLevel::County => "division.level.county",
            DivisionLevel::Township => "division.level.township",
            DivisionLevel::Committee => "division.level.committee",
        };
        Err(CodeError::new(key).arg("code", self.as_str()))
    }
}

string_code!(DivisionCode);

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn err(s: &str) -> &'static str {
        let e = DivisionCode::parse(s).expect_err(s);
        assert_localised(&e);
        e.key
    }

    #[test]
    fn levels_from_trailing_zeros() {
        use DivisionLevel::*;
        for (s, level, sig) in [
            ("440000000000", Province, "44"),
            ("440300000000", Prefecture, "4403"),
            ("440308000000", County, "440308"),
            ("440308003000", Township, "440308003"),
            ("440308003001", Committee, "440308003001"),
            ("500000000000", Province, "50"),
            ("441900003000", Township, "441900003"),
        ] {
            let c = code(s);
            assert_eq!(c.level(), level, "{s}");
            assert_eq!(c.significant(), sig, "{s}");
            assert_eq!(DivisionCode::from_significant(sig), Ok(c.clone()));
            assert_eq!(c.to_string(), s);
        }
        assert_eq!(code(" 440308003001 ").as_str(), "440308003001");
    }

    #[test]
    fn parents_and_ancestors() {
        let community = code("440308003001");
        let chain: Vec<String> =
            std::iter::successors(Some(community.clone()), DivisionCode::parent)
                .map(|c| c.to_string())
                .collect();
        assert_eq!(
            chain,
            [
                "440308003001",
                "440308003000",
                "440308000000",
                "440300000000",
                "440000000000"
            ]
        );
        assert!(code("440308000000").is_ancestor_of(&community));
        assert!(code("440000000000").is_ancestor_of(&community));
        assert!(!community.is_ancestor_of(&community));
        assert!(!community.is_ancestor_of(&code("440308000000")));
        assert!(!code("440307000000").is_ancestor_of(&community));
        assert_eq!(
            community.ancestor_at(DivisionLevel::County),
            Some(code("440308000000"))
        );
        assert_eq!(
            community.ancestor_at(DivisionLevel::Committee),
            Some(community.clone())
        );
        assert_eq!(
            code("440308000000").ancestor_at(DivisionLevel::Township),
            None
        );

        // Dongguan streets sit directly under the city.
        let dongguan_street = code("441900003000");
        assert_eq!(dongguan_street.parent(), Some(code("441900000000")));
        assert_eq!(dongguan_street.ancestor_at(DivisionLevel::County), None);
        assert!(code("441900000000").is_ancestor_of(&dongguan_street));
    }

    #[test]
    fn township_kinds() {
        assert_eq!(
            code("440308003000").township_kind(),
            Some(TownshipKind::Street)
        );
        assert_eq!(
            code("440307100000").township_kind(),
            Some(TownshipKind::Town)
        );
        assert_eq!(
            code("440307399000").township_kind(),
            Some(TownshipKind::Township)
        );
        assert_eq!(code("440307400000").township_kind(), None);
        assert_eq!(code("440308003001").township_kind(), None);
        assert_eq!(code("440308000000").township_kind(), None);
    }

    #[test]
    fn says_which_check_failed() {
        assert_eq!(err("44030800300"), "division.length");
        assert_eq!(err("4403080030010"), "division.length");
        assert_eq!(err("44030800300a"), "division.charset");
        assert_eq!(err("４40308003001"), "division.charset");
        assert_eq!(err("000000000000"), "division.all_zero");
        assert_eq!(err("040308003001"), "division.province");
        assert_eq!(err("940308003001"), "division.province");
        assert_eq!(err("440308000001"), "division.shape");
        assert_eq!(err("440008003001"), "division.shape");
        assert_eq!(err("440008000000"), "division.shape");
        assert_eq!(err("440000003000"), "division.shape");
        assert_eq!(err("440000000001"), "division.shape");

        let e = DivisionCode::from_significant("44030").unwrap_err();
        assert_eq!(
            (e.key, e.get("len")),
            ("division.significant_length", Some("5"))
        );
        assert_localised(&e);
    }

    #[test]
    fn require_level() {
        for level in DivisionLevel::ALL {
            let c = code("440308003001");
            let c = c.ancestor_at(level).unwrap();
            assert_eq!(c.clone().require_level(level), Ok(c.clone()));
            for other in DivisionLevel::ALL.into_iter().filter(|l| *l != level) {
                let e = c.clone().require_level(other).unwrap_err();
                assert!(e.key.starts_with("division.level."));
                assert_eq!(e.get("code"), Some(c.as_str()));
                assert_localised(&e);
            }
        }
        assert!(
            code("440308003000")
                .require_level(DivisionLevel::Township)
                .is_ok()
        );
    }

    fn valid() -> impl Strategy<Value = DivisionCode> {
        (
            10..90u32,
            0..100u32,
            0..100u32,
            0..1000u32,
            0..1000u32,
            0..5usize,
        )
            .prop_filter_map("shape", |(p, c, n, t, v, depth)| {
                let groups = [p, c, n, t, v];
                let mut s = String::new();
                for (i, (g, width)) in groups.into_iter().zip([2, 2, 2, 3, 3]).enumerate() {
                    let g = if i <= depth { g } else { 0 };
                    s.push_str(&format!("{g:0width$}"));
                }
                DivisionCode::parse(&s).ok()
            })
    }

    proptest! {
        #[test]
        fn parent_is_ancestor_one_level_up(c in valid()) {
            prop_assert_eq!(DivisionCode::from_significant(c.significant()), Ok(c.clone()));
            prop_assert_eq!(c.as_str().parse::<DivisionCode>(), Ok(c.clone()));
            if let Some(p) = c.parent() {
                prop_assert!(p.level() < c.level());
                prop_assert!(p.is_ancestor_of(&c));
                prop_assert!(!c.is_ancestor_of(&p));
                prop_assert!(c.significant().starts_with(p.significant()));
            } else {
                prop_assert_eq!(c.level(), DivisionLevel::Province);
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,14}") {
            let _ = DivisionCode::parse(&s);
        }
    }
}
