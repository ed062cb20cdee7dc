//! Message lookup. The locale is chosen per request (query `lang`, cookie `gz_lang`, then
//! `Accept-Language`) and carried in a task-local, because rust-i18n's global locale is
//! process-wide.

use std::borrow::Cow;

use gongzhi_kernel::{CodeError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("en") {
            Some(Locale::En)
        } else if s.starts_with("zh") {
            Some(Locale::Zh)
        } else {
            None
        }
    }

    /// First language of an `Accept-Language` header that we speak.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        header
            .split(',')
            .filter_map(|part| Locale::parse(part.split(';').next().unwrap_or("")))
            .next()
    }
}

tokio::task_local! {
    pub static LOCALE: Locale;
}

/// The locale of the request being served (zh-CN outside a request).
pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// Translate `key` in the current locale, filling `%{name}` placeholders.
pub fn tr(key: &str, args: &[(&str, String)]) -> String {
    tr_in(current(), key, args)
}

pub fn tr_in(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let text: Cow<'_, str> = rust_i18n::t!(key, locale = locale.as_str());
    let mut text = text.into_owned();
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

pub fn field_message(e: &FieldError) -> String {
    tr(e.key, &e.args)
}

pub fn code_message(e: &CodeError) -> String {
    tr(e.key, &e.args)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// key → locales, from the rust-i18n v2 files (`key:` lines followed by `  locale:` lines).
    fn catalog() -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales");
        for entry in std::fs::read_dir(dir).expect("locales dir") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
            let mut key = None;
            for line in text.lines() {
                if line.starts_with('#') || line.starts_with("_version") || line.trim().is_empty() {
                    continue;
                }
                if !line.starts_with(' ') {
                    key = Some(line.trim_end_matches(':').to_string());
                    out.entry(key.clone().expect("key")).or_default();
                } else if let (Some(k), Some((loc, _))) = (&key, line.trim().split_once(':')) {
                    out.get_mut(k).expect("key").insert(loc.to_string());
                }
            }
        }
        out
    }

    #[test]
    fn every_key_has_both_locales() {
        for (key, locales) in catalog() {
            assert!(
                locales.contains("zh-CN") && locales.contains("en"),
                "{key} has {locales:?}"
            );
        }
    }

    /// Scan the source for message keys (string literals passed to the calls that produce
    /// messages) and require each in the catalog, so a typo or a forgotten message fails here.
    #[test]
    fn every_key_used_in_code_is_in_the_catalog() {
        let cat = catalog();
        let calls = [
            "field(",
            "FieldError::new(",
            ".add(",
            "Conflict(",
            "BadRequest(",
            "CodeError::new(",
            "c.t(",
            "t_args(",
            "tr(",
            "tr_in(",
            "send(",
        ];
        let keyish = |lit: &str| {
            let parts: Vec<&str> = lit.split('.').collect();
            parts.len() >= 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        };
        let mut missing = Vec::new();
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // Modules' messages live in this catalog too (one file per module).
        let mut stack = vec![
            root.join("src"),
            root.join("templates"),
            root.join("../orgs/src"),
            root.join("../orgs/templates"),
            root.join("../incubation/src"),
            root.join("../incubation/templates"),
            root.join("../catalog/src"),
            root.join("../catalog/templates"),
            root.join("../procurement/src"),
            root.join("../procurement/templates"),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                for call in calls {
                    for (at, _) in text.match_indices(call) {
                        // The call's arguments: up to the first `)` (keys are plain literals).
                        let args = &text[at + call.len()..];
                        let args = &args[..args.find(')').unwrap_or(args.len()).min(200)];
                        // `field("a.b", key)` and `FieldError::new("a.b", key)` name a field
                        // first (a nested one looks like a key): skip that literal.
                        let names_field = matches!(call, "field(" | "FieldError::new(")
                            && args.trim_start().starts_with('"');
                        let skip = if names_field { 1 } else { 0 };
                        for lit in args.split('"').skip(1).step_by(2).skip(skip) {
                            if keyish(lit) && !cat.contains_key(lit) {
                                missing.push(format!("{}: {lit}", path.display()));
                            }
                        }
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "keys missing from locales/: {missing:#?}"
        );
    }

    /// Templates hold no Chinese text of their own: every visible string goes through the catalog.
    #[test]
    fn templates_contain_no_chinese_text() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let entries = std::fs::read_dir(root.join("templates"))
            .expect("templates")
            .chain(std::fs::read_dir(root.join("../orgs/templates")).expect("orgs templates"))
            .chain(
                std::fs::read_dir(root.join("../incubation/templates"))
                    .expect("incubation templates"),
            )
            .chain(std::fs::read_dir(root.join("../catalog/templates")).expect("catalog templates"))
            .chain(
                std::fs::read_dir(root.join("../procurement/templates"))
                    .expect("procurement templates"),
            );
        for entry in entries {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                let cjk = line.chars().find(|c| {
                    matches!(*c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
                });
                assert!(
                    cjk.is_none(),
                    "{}:{}: Chinese text outside the catalog: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
