//! Mainland mobile numbers. Personal information: `Debug` is masked.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ascii, string_code};
use crate::error::CodeError;

/// A mainland mobile number `1[3-9]xxxxxxxxx`, stored as its 11 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber([u8; 11]);

impl PhoneNumber {
    /// Accepts an optional `+86`, `86` or `0086` prefix; spaces and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let invalid = || CodeError::new("phone.invalid");
        let mut buf = [0u8; 16];
        let mut n = 0;
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        for ch in rest.chars() {
            match ch {
                ' ' | '-' => {}
                '0'..='9' if n < buf.len() => {
                    buf[n] = ch as u8;
                    n += 1;
                }
                _ => return Err(invalid()),
            }
        }
        let digits = &buf[..n];
        let national = match (plus, digits.len()) {
            (false, 11) => digits,
            (_, 13) if digits.starts_with(b"86") => &digits[2..],
            (false, 15) if digits.starts_with(b"0086") => &digits[4..],
            _ => return Err(invalid()),
        };
        if national[0] != b'1' || !(b'3'..=b'9').contains(&national[1]) {
            return Err(invalid());
        }
        let mut code = [0u8; 11];
        code.copy_from_slice(national);
        Ok(Self(code))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        ascii(&self.0)
    }

    /// `138****1234`.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}****{}", &s[..3], &s[7..])
    }
}

string_code!(PhoneNumber);

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    #[test]
    fn accepts_common_forms() {
        for s in [
            "13800138000",
            " 138 0013 8000 ",
            "138-0013-8000",
            "+8613800138000",
            "+86 138 0013 8000",
            "86-138-0013-8000",
            "008613800138000",
        ] {
            let p = PhoneNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
            assert_eq!(p.as_str(), "13800138000", "{s}");
        }
        let p = PhoneNumber::parse("19912341234").unwrap();
        assert_eq!(p.masked(), "199****1234");
        assert_eq!(format!("{p:?}"), "PhoneNumber(199****1234)");
        assert_eq!(p.to_string(), "19912341234");
    }

    #[test]
    fn rejects_others() {
        for s in [
            "",
            "1380013800",
            "138001380001",
            "12800138000",
            "23800138000",
            "+1 13800138000",
            "+13800138000",
            "+0086 13800138000",
            "8713800138000",
            "138.0013.8000",
            "1380013800O",
            "(138)00138000",
            "０13800138000",
            "+8612800138000",
            "++8613800138000",
            "01080001234",
        ] {
            let e = PhoneNumber::parse(s).expect_err(s);
            assert_eq!(e.key, "phone.invalid");
            assert!(e.args.is_empty(), "errors must not echo the number");
            assert_localised(&e);
        }
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(second in 3..10u8, rest in 0..1_000_000_000u64) {
            let s = format!("1{second}{rest:09}");
            let p = PhoneNumber::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(PhoneNumber::parse(&format!("+86 {s}")), Ok(p));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}
