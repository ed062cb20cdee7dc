//! 统一社会信用代码 (GB 32100-2015).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ascii, exact_chars, string_code};
use crate::error::CodeError;

/// The 31 symbols of GB 32100 in value order (no I, O, S, V, Z).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^(i−1) mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights over the 8 body characters of the embedded organization code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Value of an (upper-case) symbol in the GB 32100 set.
fn value(b: u8) -> Option<u32> {
    CHARSET.iter().position(|&c| c == b).map(|v| v as u32)
}

/// GB 11714 check character over positions 9–16.
fn org_check(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&b, w)| {
            let v = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        c => b'0' + c as u8,
    }
}

/// Check character (position 18) over positions 1–17.
fn final_check(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| value(b).unwrap_or(0) * w)
        .sum();
    CHARSET[((31 - sum % 31) % 31) as usize]
}

/// A unified social credit code. Always 18 valid upper-case characters with both check characters
/// right.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc([u8; 18]);

/// The registered form of a social organization, from the code's type prefix (positions 1–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialOrgForm {
    /// 社会团体 (51).
    Association,
    /// 民办非企业单位 / 社会服务机构 (52).
    ServiceAgency,
    /// 基金会 (53).
    Foundation,
}

impl SocialOrgForm {
    pub const ALL: [SocialOrgForm; 3] = [Self::Association, Self::ServiceAgency, Self::Foundation];

    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Association => "51",
            Self::ServiceAgency => "52",
            Self::Foundation => "53",
        }
    }

    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.prefix() == prefix)
    }
}

impl Uscc {
    /// Checks, in order: length, characters, the embedded organization code's check character
    /// (position 17), the final check character (position 18). Lower case is accepted.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let chars = exact_chars::<18>(input)
            .map_err(|len| CodeError::new("uscc.length").arg("len", len))?;
        let mut code = [0u8; 18];
        for (i, ch) in chars.into_iter().enumerate() {
            let up = ch.to_ascii_uppercase();
            if !up.is_ascii() || value(up as u8).is_none() {
                return Err(CodeError::new("uscc.charset")
                    .arg("pos", i + 1)
                    .arg("ch", ch));
            }
            code[i] = up as u8;
        }
        if org_check(&code[8..16]) != code[16] {
            return Err(CodeError::new("uscc.org_code_check"));
        }
        if final_check(&code[..17]) != code[17] {
            return Err(CodeError::new("uscc.check"));
        }
        Ok(Self(code))
    }

    /// Completes the first 16 characters with both check characters; `None` if they are not 16
    /// symbols of the set. For generating test and demo data.
    pub fn complete(first16: &str) -> Option<Self> {
        let chars = exact_chars::<16>(first16).ok()?;
        let mut code = [0u8; 18];
        for (i, ch) in chars.into_iter().enumerate() {
            let up = ch.to_ascii_uppercase();
            if !up.is_ascii() || value(up as u8).is_none() {
                return None;
            }
            code[i] = up as u8;
        }
        code[16] = org_check(&code[8..16]);
        code[17] = final_check(&code[..17]);
        Some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        ascii(&self.0)
    }

    /// Position 1: the registering authority (e.g. `5` civil affairs, `9` market regulation).
    pub fn registration_authority(&self) -> char {
        char::from(self.0[0])
    }

    /// Positions 1–2: authority plus organization type (`51`, `91`, `G1`, …).
    pub fn org_type(&self) -> &str {
        &self.as_str()[..2]
    }

    /// Positions 3–8: the GB/T 2260 region code of the registering authority.
    pub fn region_code(&self) -> &str {
        &self.as_str()[2..8]
    }

    /// Positions 9–17: the embedded GB 11714 organization code, with its check character.
    pub fn org_code(&self) -> &str {
        &self.as_str()[8..17]
    }

    pub fn social_org_form(&self) -> Option<SocialOrgForm> {
        SocialOrgForm::from_prefix(self.org_type())
    }
}

string_code!(Uscc);

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    fn err(s: &str) -> CodeError {
        let e = Uscc::parse(s).expect_err(s);
        assert_localised(&e);
        e
    }

    #[test]
    fn weights_are_powers_of_three() {
        let mut w = 1;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn accepts_known_codes() {
        for s in [
            "91110000600037341L",
            "53100000500021676K",
            "G1610000713522976L",
        ] {
            let c = Uscc::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
            assert_eq!(c.as_str(), s);
            assert_eq!(c.to_string(), s);
            assert_eq!(s.parse::<Uscc>(), Ok(c));
        }
        let c = Uscc::parse("  53100000500021676k ").unwrap();
        assert_eq!(c.as_str(), "53100000500021676K");
        assert_eq!(c.registration_authority(), '5');
        assert_eq!(c.org_type(), "53");
        assert_eq!(c.region_code(), "100000");
        assert_eq!(c.org_code(), "500021676");
        assert_eq!(c.social_org_form(), Some(SocialOrgForm::Foundation));
        assert_eq!(format!("{c:?}"), "Uscc(53100000500021676K)");

        let g = Uscc::parse("G1610000713522976L").unwrap();
        assert_eq!(g.registration_authority(), 'G');
        assert_eq!(g.social_org_form(), None);
    }

    #[test]
    fn says_which_check_failed() {
        let e = err("9111000060003734");
        assert_eq!((e.key, e.get("len")), ("uscc.length", Some("16")));
        assert_eq!(err("").get("len"), Some("0"));
        assert_eq!(err("91110000600037341LL").get("len"), Some("19"));

        let e = err("9111000060003734IL");
        assert_eq!(e.key, "uscc.charset");
        assert_eq!((e.get("pos"), e.get("ch")), (Some("17"), Some("I")));
        let e = err("91110000６00037341L");
        assert_eq!((e.get("pos"), e.get("ch")), (Some("9"), Some("６")));

        // Position 17 wrong: the embedded organization code fails first.
        assert_eq!(err("911100006000373420").key, "uscc.org_code_check");
        assert_eq!(err("91110000600037341M").key, "uscc.check");
    }

    #[test]
    fn complete_fills_both_check_characters() {
        let c = Uscc::complete("9111000060003734").unwrap();
        assert_eq!(c.as_str(), "91110000600037341L");
        let c = Uscc::complete("g161000071352297").unwrap();
        assert_eq!(c.as_str(), "G1610000713522976L");
        assert!(Uscc::complete("911100006000373").is_none());
        assert!(Uscc::complete("911100006000373I").is_none());
        // Org-code check 10 → X, 11 → 0.
        let x = (0..10_000u32)
            .map(|n| Uscc::complete(&format!("5144030000{n:06}")).unwrap())
            .collect::<Vec<_>>();
        assert!(x.iter().any(|c| c.as_str().as_bytes()[16] == b'X'));
        assert!(x.iter().any(|c| c.as_str().as_bytes()[16] == b'0'));
    }

    #[test]
    fn social_org_forms_round_trip() {
        for f in SocialOrgForm::ALL {
            assert_eq!(SocialOrgForm::from_prefix(f.prefix()), Some(f));
            let c = Uscc::complete(&format!("{}440300MJL00000", f.prefix())).unwrap();
            assert_eq!(c.social_org_form(), Some(f));
        }
        assert_eq!(SocialOrgForm::from_prefix("54"), None);
    }

    fn symbol() -> impl Strategy<Value = u8> {
        (0..31usize).prop_map(|i| CHARSET[i])
    }

    fn valid() -> impl Strategy<Value = Uscc> {
        proptest::collection::vec(symbol(), 16).prop_map(|v| {
            Uscc::complete(std::str::from_utf8(&v).unwrap()).expect("16 symbols complete")
        })
    }

    proptest! {
        #[test]
        fn completed_codes_parse(c in valid()) {
            prop_assert_eq!(Uscc::parse(c.as_str()), Ok(c.clone()));
            prop_assert_eq!(Uscc::parse(&c.as_str().to_ascii_lowercase()), Ok(c));
        }

        #[test]
        fn any_single_substitution_fails(c in valid(), pos in 0..18usize, sym in symbol()) {
            let mut bytes = c.as_str().as_bytes().to_vec();
            prop_assume!(bytes[pos] != sym);
            bytes[pos] = sym;
            prop_assert!(Uscc::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Uscc::parse(&s);
        }
    }
}
