//! National codes as self-validating types: a value of these types is always a valid code, so
//! checks happen once, at the edge (form input, CSV import, deserialization).

mod division;
mod id_card;
mod phone;
mod uscc;

pub use division::{DivisionCode, DivisionLevel, TownshipKind};
pub use id_card::IdCardNumber;
pub use phone::PhoneNumber;
pub use uscc::{SocialOrgForm, Uscc};

/// `FromStr`, `Display`, `AsRef<str>` and the `String` conversions serde uses
/// (`try_from = "String", into = "String"`) for a code type with `parse` and `as_str`.
macro_rules! string_code {
    ($T:ident) => {
        impl ::std::str::FromStr for $T {
            type Err = $crate::error::CodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $T {
            type Error = $crate::error::CodeError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $T {
            type Error = $crate::error::CodeError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$T> for String {
            fn from(code: $T) -> String {
                code.as_str().to_owned()
            }
        }

        impl AsRef<str> for $T {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $T {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}
pub(crate) use string_code;

/// The text of a fixed-size ASCII buffer that the parser has already validated.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("codes hold ASCII by construction")
}

/// Trimmed input as exactly `N` chars, or the number of chars it has.
fn exact_chars<const N: usize>(input: &str) -> Result<[char; N], usize> {
    let mut out = ['\0'; N];
    let mut n = 0;
    for ch in input.trim().chars() {
        if n < N {
            out[n] = ch;
        }
        n += 1;
    }
    if n == N { Ok(out) } else { Err(n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_chars_counts_chars_not_bytes() {
        assert_eq!(exact_chars::<2>(" 统一 "), Ok(['统', '一']));
        assert_eq!(exact_chars::<2>("统一代码"), Err(4));
        assert_eq!(exact_chars::<2>(""), Err(0));
    }

    #[test]
    fn codes_deserialize_with_validation() {
        #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
        struct Row {
            uscc: Uscc,
            division: DivisionCode,
            phone: PhoneNumber,
            id: IdCardNumber,
        }
        let text = r#"
uscc = "91110000600037341l"
division = "440308003001"
phone = "+86 138-0013-8000"
id = "11010519491231002x"
"#;
        let row: Row = toml::from_str(text).unwrap();
        assert_eq!(row.uscc.as_str(), "91110000600037341L");
        assert_eq!(row.phone.as_str(), "13800138000");
        assert_eq!(row.id.as_str(), "11010519491231002X");
        let out = toml::to_string(&row).unwrap();
        assert!(out.contains("uscc = \"91110000600037341L\""));
        assert!(out.contains("id = \"11010519491231002X\""));
        assert_eq!(toml::from_str::<Row>(&out).unwrap(), row);

        let bad = text.replace("91110000600037341l", "91110000600037341A");
        let err = toml::from_str::<Row>(&bad).unwrap_err().to_string();
        assert!(err.contains("uscc.check"), "{err}");
    }
}
