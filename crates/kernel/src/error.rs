//! Validation errors as i18n message keys plus named arguments, so the same failure can be shown
//! in Chinese or English and tested without comparing prose.

use std::fmt;

/// Every message key the kernel can produce. Each must exist in
/// `crates/platform/locales/kernel.yml` with `zh-CN` and `en` (checked by a test below).
pub const ALL_KEYS: &[&str] = &[
    "id.invalid",
    "money.invalid",
    "money.too_many_decimals",
    "money.overflow",
    "money.not_positive",
    "money.negative",
    "money.too_large",
    "uscc.length",
    "uscc.charset",
    "uscc.org_code_check",
    "uscc.check",
    "id_card.length",
    "id_card.charset",
    "id_card.birth_date",
    "id_card.birth_in_future",
    "id_card.check",
    "division.length",
    "division.charset",
    "division.all_zero",
    "division.province",
    "division.shape",
    "division.level.province",
    "division.level.prefecture",
    "division.level.county",
    "division.level.township",
    "division.level.committee",
    "division.significant_length",
    "phone.invalid",
    "calendar.toml",
    "calendar.year",
    "calendar.shape",
    "calendar.date",
    "calendar.wrong_year",
    "calendar.conflict",
    "text.control",
];

/// A code check that failed: an i18n message key plus named arguments for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}")]
pub struct CodeError {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl CodeError {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// Adds a named argument, filling `%{name}` in the message.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The value of a named argument, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Attaches the error to a form field.
    pub fn for_field(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            key: self.key,
            args: self.args,
        }
    }
}

/// A validation failure tied to one input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, key: &'static str) -> Self {
        Self {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.key)
    }
}

/// All field errors of one form submission, collected so the user sees every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn add(&mut self, field: impl Into<String>, key: &'static str) {
        self.push(FieldError::new(field, key));
    }

    /// Records the error of `result` under `field`; returns the value when it is ok.
    pub fn check<T>(
        &mut self,
        field: impl Into<String>,
        result: Result<T, CodeError>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.push(e.for_field(field));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const LOCALE_FILE: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../platform/locales/kernel.yml"
    ));

    /// key → locale → message, from the rust-i18n v2 file (flat keys, one level of locales).
    fn messages() -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in LOCALE_FILE.lines() {
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let indented = line.starts_with(' ');
            let (k, v) = line
                .trim()
                .split_once(':')
                .unwrap_or_else(|| panic!("not `key: value`: {line}"));
            let (k, v) = (k.trim().trim_matches('"'), v.trim());
            if !indented {
                if k == "_version" {
                    assert_eq!(v, "2");
                    continue;
                }
                assert!(v.is_empty(), "top-level key {k} must hold locales");
                assert!(!out.contains_key(k), "duplicate key {k}");
                out.insert(k.to_string(), BTreeMap::new());
                current = Some(k.to_string());
            } else {
                let key = current.as_ref().expect("locale line before any key");
                let msg = v.trim_matches('"').to_string();
                assert!(!msg.is_empty(), "{key}.{k} is empty");
                out.get_mut(key).expect("key").insert(k.to_string(), msg);
            }
        }
        out
    }

    /// Asserts that an error's key is listed, translated, and that every argument it carries is
    /// used by both messages (so no value is silently dropped from what the user sees).
    pub(crate) fn assert_localised(e: &CodeError) {
        assert!(ALL_KEYS.contains(&e.key), "{} not in ALL_KEYS", e.key);
        let all = messages();
        let locales = all
            .get(e.key)
            .unwrap_or_else(|| panic!("{} not in kernel.yml", e.key));
        for (name, _) in &e.args {
            for locale in ["zh-CN", "en"] {
                let msg = &locales[locale];
                assert!(
                    msg.contains(&format!("%{{{name}}}")),
                    "{}: {locale} message does not use %{{{name}}}",
                    e.key
                );
            }
        }
    }

    #[test]
    fn every_key_has_both_locales() {
        let all = messages();
        for key in ALL_KEYS {
            let locales = all
                .get(*key)
                .unwrap_or_else(|| panic!("{key} missing from kernel.yml"));
            assert!(locales.contains_key("zh-CN"), "{key} has no zh-CN");
            assert!(locales.contains_key("en"), "{key} has no en");
        }
        for key in all.keys() {
            assert!(
                ALL_KEYS.contains(&key.as_str()),
                "kernel.yml has {key}, which the kernel never uses"
            );
        }
        for (i, key) in ALL_KEYS.iter().enumerate() {
            assert!(!ALL_KEYS[..i].contains(key), "{key} listed twice");
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_'),
                "{key} is not dotted lowercase"
            );
        }
    }

    #[test]
    fn placeholders_are_the_same_in_both_locales() {
        fn placeholders(s: &str) -> Vec<&str> {
            let mut v: Vec<&str> = s
                .split("%{")
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n))
                .collect();
            v.sort_unstable();
            v
        }
        for (key, locales) in messages() {
            assert_eq!(
                placeholders(&locales["zh-CN"]),
                placeholders(&locales["en"]),
                "{key}"
            );
        }
    }

    #[test]
    fn collects_field_errors() {
        let mut errors = ValidationErrors::new();
        assert_eq!(errors.check("a", Ok::<_, CodeError>(3)), Some(3));
        assert!(errors.is_empty());
        let e = CodeError::new("uscc.length").arg("len", 17);
        assert_eq!(e.get("len"), Some("17"));
        assert_eq!(errors.check::<u8>("uscc", Err(e)), None);
        errors.add("phone", "phone.invalid");
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors.0[0],
            FieldError::new("uscc", "uscc.length").arg("len", 17)
        );
        assert_eq!(
            errors.to_string(),
            "uscc: uscc.length; phone: phone.invalid"
        );
        assert!(errors.into_result().is_err());
        assert_eq!(ValidationErrors::new().into_result(), Ok(()));
        let single: ValidationErrors = FieldError::new("x", "id.invalid").into();
        assert_eq!(single.len(), 1);
    }

    #[test]
    fn field_error_serializes_args_as_pairs() {
        let e = FieldError::new("amount", "money.invalid").arg("value", "abc");
        let json = serde_json_like(&e);
        assert!(json.contains("amount") && json.contains("money.invalid"));
    }

    // serde_json is not a kernel dependency; TOML is, and is enough to see the fields serialize.
    fn serde_json_like(e: &FieldError) -> String {
        #[derive(serde::Serialize)]
        struct Wrap<'a> {
            error: &'a FieldError,
        }
        toml::to_string(&Wrap { error: e }).expect("serializes")
    }
}
