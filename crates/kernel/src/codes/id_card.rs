//! 居民身份证号码 (GB 11643-1999, ISO 7064 MOD 11-2).
//!
//! Personal information under PIPL: `Debug` and `masked()` never show the full number; only
//! `as_str`, `Display` and serialization do, for storage and for roles that need it.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ascii, exact_chars, string_code};
use crate::error::CodeError;

/// 2^(18−i) mod 11 for positions 1–17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    match (12 - sum % 11) % 11 {
        10 => b'X',
        c => b'0' + c as u8,
    }
}

fn digits(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
}

/// A resident identity card number: 18 characters, a real birth date not in the future, and a
/// correct check character (stored upper-case).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNumber {
    code: [u8; 18],
    birth: NaiveDate,
}

impl IdCardNumber {
    /// Validates against today's date in China.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        Self::parse_on(input, crate::calendar::today_in_china())
    }

    /// Checks, in order: length, characters, birth date is real, birth date not after `today`,
    /// check character. Errors carry no part of the number, so they are safe to log.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, CodeError> {
        let chars = exact_chars::<18>(input)
            .map_err(|len| CodeError::new("id_card.length").arg("len", len))?;
        let mut code = [0u8; 18];
        for (i, ch) in chars.into_iter().enumerate() {
            let up = ch.to_ascii_uppercase();
            if !(up.is_ascii_digit() || (i == 17 && up == 'X')) {
                return Err(CodeError::new("id_card.charset")
                    .arg("pos", i + 1)
                    .arg("ch", ch));
            }
            code[i] = up as u8;
        }
        let birth = NaiveDate::from_ymd_opt(
            digits(&code[6..10]) as i32,
            digits(&code[10..12]),
            digits(&code[12..14]),
        )
        .ok_or_else(|| CodeError::new("id_card.birth_date"))?;
        if birth > today {
            return Err(CodeError::new("id_card.birth_in_future"));
        }
        if check_char(&code[..17]) != code[17] {
            return Err(CodeError::new("id_card.check"));
        }
        Ok(Self { code, birth })
    }

    /// Completes 17 digits with the check character; `None` if they are not 17 digits or the
    /// birth date is not real or in the future. For generating test and demo data.
    pub fn complete(first17: &str) -> Option<Self> {
        let chars = exact_chars::<17>(first17).ok()?;
        if !chars.iter().all(char::is_ascii_digit) {
            return None;
        }
        let mut s: String = chars.iter().collect();
        s.push(char::from(check_char(s.as_bytes())));
        Self::parse(&s).ok()
    }

    /// The full number. Show it only to roles that need it; prefer [`Self::masked`].
    pub fn as_str(&self) -> &str {
        ascii(&self.code)
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The sequence code (position 17) is odd for men, even for women.
    pub fn is_male(&self) -> bool {
        (self.code[16] - b'0') % 2 == 1
    }

    /// First 4 and last 4 characters, the rest starred: `1101**********002X`.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}**********{}", &s[..4], &s[14..])
    }
}

string_code!(IdCardNumber);

impl fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;
    use proptest::prelude::*;

    use super::*;
    use crate::error::tests::assert_localised;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn err_on(s: &str, today: NaiveDate) -> &'static str {
        let e = IdCardNumber::parse_on(s, today).expect_err(s);
        assert_localised(&e);
        assert!(
            e.args.iter().all(|(_, v)| v.chars().count() <= 2),
            "errors must not echo the number"
        );
        e.key
    }

    fn err(s: &str) -> &'static str {
        err_on(s, day(2026, 1, 1))
    }

    #[test]
    fn accepts_known_numbers() {
        let a = IdCardNumber::parse("11010519491231002x").unwrap();
        assert_eq!(a.as_str(), "11010519491231002X");
        assert_eq!(a.birth_date(), day(1949, 12, 31));
        assert!(!a.is_male());
        assert_eq!(a.masked(), "1101**********002X");

        let b = IdCardNumber::parse(" 360426199101010071 ").unwrap();
        assert_eq!(b.birth_date(), day(1991, 1, 1));
        assert!(b.is_male());
        assert_eq!(b.to_string(), "360426199101010071");
        assert_eq!(b.masked(), "3604**********0071");
    }

    #[test]
    fn debug_is_masked() {
        let a = IdCardNumber::parse("11010519491231002X").unwrap();
        let debug = format!("{a:?}");
        assert_eq!(debug, "IdCardNumber(1101**********002X)");
        assert!(!format!("{:?}", Some(&a)).contains("19491231"));
    }

    #[test]
    fn says_which_check_failed() {
        assert_eq!(err("1101051949123100"), "id_card.length");
        assert_eq!(err("11010519491231002X1"), "id_card.length");
        assert_eq!(err("1101051949123100XX"), "id_card.charset");
        assert_eq!(err("11010519491231002Y"), "id_card.charset");
        assert_eq!(err("110105194912310O2X"), "id_card.charset");
        assert_eq!(err("110105194913310020"), "id_card.birth_date");
        assert_eq!(err("110105199902290020"), "id_card.birth_date");
        assert_eq!(err("110105200002300020"), "id_card.birth_date");
        assert_eq!(err("11010519491231002Y"), "id_card.charset");
        assert_eq!(err("110105194912310021"), "id_card.check");
        assert_eq!(err("360426199101010072"), "id_card.check");

        let tomorrow = IdCardNumber::complete("11010520260102002").unwrap();
        assert_eq!(
            err_on(tomorrow.as_str(), day(2026, 1, 1)),
            "id_card.birth_in_future"
        );
        assert!(IdCardNumber::parse_on(tomorrow.as_str(), day(2026, 1, 2)).is_ok());
    }

    #[test]
    fn leap_day_births_are_real() {
        let c = IdCardNumber::complete("44030820000229001").unwrap();
        assert_eq!(c.birth_date(), day(2000, 2, 29));
    }

    #[test]
    fn complete_computes_check() {
        assert_eq!(
            IdCardNumber::complete("11010519491231002")
                .unwrap()
                .as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            IdCardNumber::complete("36042619910101007")
                .unwrap()
                .as_str(),
            "360426199101010071"
        );
        assert!(IdCardNumber::complete("3604261991010100").is_none());
        assert!(IdCardNumber::complete("3604261991013200A").is_none());
        assert!(IdCardNumber::complete("36042619911301007").is_none());
    }

    fn valid() -> impl Strategy<Value = IdCardNumber> {
        (
            100_000..1_000_000u32,
            day(1900, 1, 1).num_days_from_ce()..day(2025, 12, 31).num_days_from_ce(),
            0..1000u32,
        )
            .prop_map(|(area, days, seq)| {
                let birth = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
                let s = format!("{area}{}{seq:03}", birth.format("%Y%m%d"));
                IdCardNumber::complete(&s).expect("valid parts complete")
            })
    }

    proptest! {
        #[test]
        fn completed_numbers_parse(c in valid()) {
            prop_assert_eq!(IdCardNumber::parse(c.as_str()), Ok(c.clone()));
            prop_assert_eq!(c.is_male(), (c.as_str().as_bytes()[16] - b'0') % 2 == 1);
            let masked = c.masked();
            prop_assert_eq!(&masked[..4], &c.as_str()[..4]);
            prop_assert_eq!(&masked[14..], &c.as_str()[14..]);
        }

        #[test]
        fn any_single_substitution_fails(
            c in valid(),
            pos in 0..18usize,
            sym in prop::sample::select(b"0123456789X".to_vec()),
        ) {
            let mut bytes = c.as_str().as_bytes().to_vec();
            prop_assume!(bytes[pos] != sym);
            bytes[pos] = sym;
            prop_assert!(IdCardNumber::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = IdCardNumber::parse(&s);
        }
    }
}
