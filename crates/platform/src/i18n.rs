//! Messages. The platform's own catalog is built in; each module brings its catalog in its
//! manifest (`Module::messages`), registered when the app is built. The locale is chosen per
//! request (query `lang`, cookie `gz_lang`, then `Accept-Language`) and carried in a task-local.
//!
//! A catalog file is YAML of one shape: a key line (`org.name_length:`) followed by one line per
//! locale (`  zh-CN: "…"`, `  en: "…"`), values in double quotes with JSON escapes.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex, RwLock};

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

/// One message in both languages, and the catalog file it came from.
struct Message {
    zh: String,
    en: String,
    source: &'static str,
}

/// The platform's own catalogs, always present.
const PLATFORM: [(&str, &str); 3] = [
    ("platform/kernel", include_str!("../locales/kernel.yml")),
    ("platform/platform", include_str!("../locales/platform.yml")),
    ("platform/ui", include_str!("../locales/ui.yml")),
];

static CATALOG: LazyLock<RwLock<HashMap<String, Message>>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (source, text) in PLATFORM {
        insert(&mut map, source, text).expect("the platform's own messages");
    }
    RwLock::new(map)
});

/// Keys asked for that no catalog holds (most often built at run time from a stored code); the
/// route walk fails when any was asked for.
static MISSING: LazyLock<Mutex<BTreeSet<String>>> = LazyLock::new(Default::default);

/// Parse a catalog file into (key, zh-CN, en).
pub fn parse(text: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut out: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}", n + 1);
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("_version") {
            continue;
        }
        if !line.starts_with(' ') {
            let key = line
                .strip_suffix(':')
                .filter(|k| !k.is_empty() && !k.contains(' '))
                .ok_or_else(|| format!("{}: expected `key:`", at()))?;
            out.push((key.to_string(), None, None));
            continue;
        }
        let (locale, value) = line
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{}: expected `locale: \"text\"`", at()))?;
        let value: String = serde_json::from_str(value.trim())
            .map_err(|e| format!("{}: the text is not a quoted string: {e}", at()))?;
        let Some((_, zh, en)) = out.last_mut() else {
            return Err(format!("{}: a translation before any key", at()));
        };
        let slot = match locale {
            "zh-CN" => zh,
            "en" => en,
            other => return Err(format!("{}: unknown locale {other}", at())),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{}: {locale} given twice", at()));
        }
    }
    out.into_iter()
        .map(|(key, zh, en)| match (zh, en) {
            (Some(zh), Some(en)) => Ok((key, zh, en)),
            _ => Err(format!("{key} needs both zh-CN and en")),
        })
        .collect()
}

fn insert(
    map: &mut HashMap<String, Message>,
    source: &'static str,
    text: &str,
) -> Result<(), String> {
    let entries = parse(text).map_err(|e| format!("messages of {source}: {e}"))?;
    for (key, zh, en) in entries {
        if let Some(m) = map.get(&key)
            && m.source != source
        {
            return Err(format!(
                "message {key} is in both {} and {source}",
                m.source
            ));
        }
        map.insert(key, Message { zh, en, source });
    }
    Ok(())
}

/// Add a module's catalog (idempotent: tests build many apps in one process). Refuses a file
/// that does not parse and a key another catalog already holds.
pub fn register(source: &'static str, text: &str) -> Result<(), String> {
    let mut map = CATALOG.write().unwrap_or_else(|e| e.into_inner());
    insert(&mut map, source, text)
}

/// Whether a key is in the catalog.
pub fn has(key: &str) -> bool {
    CATALOG
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(key)
}

/// Every key registered so far.
pub fn keys() -> BTreeSet<String> {
    CATALOG
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .cloned()
        .collect()
}

/// Keys asked for that no catalog holds, since the process started.
pub fn missing_keys() -> BTreeSet<String> {
    MISSING.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

pub fn tr_in(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let found = CATALOG
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .map(|m| match locale {
            Locale::Zh => m.zh.clone(),
            Locale::En => m.en.clone(),
        });
    let mut text = found.unwrap_or_else(|| {
        MISSING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string());
        key.to_string()
    });
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
    use super::*;

    #[test]
    fn the_platform_catalog_parses_and_translates() {
        assert!(has("problem.not_found"));
        assert_ne!(
            tr_in(Locale::Zh, "problem.not_found", &[]),
            "problem.not_found"
        );
        assert_ne!(
            tr_in(Locale::Zh, "problem.not_found", &[]),
            tr_in(Locale::En, "problem.not_found", &[])
        );
    }

    #[test]
    fn a_bad_catalog_is_refused_with_its_line() {
        assert!(
            parse("a.b:\n  zh-CN: \"甲\"\n")
                .unwrap_err()
                .contains("both")
        );
        assert!(parse("a.b:\n  fr: \"x\"\n").unwrap_err().contains("line 2"));
        assert!(parse("a.b:\n  en: x\n").unwrap_err().contains("quoted"));
        let ok = parse("# c\na.b:\n  zh-CN: \"说 \\\"好\\\"\"\n  en: \"say\"\n").unwrap();
        assert_eq!(ok, vec![("a.b".into(), "说 \"好\"".into(), "say".into())]);
    }

    #[test]
    fn a_key_belongs_to_one_catalog() {
        register("test/one", "t1.only:\n  zh-CN: \"一\"\n  en: \"one\"\n").unwrap();
        register("test/one", "t1.only:\n  zh-CN: \"一\"\n  en: \"one\"\n").unwrap();
        let e = register("test/two", "t1.only:\n  zh-CN: \"二\"\n  en: \"two\"\n").unwrap_err();
        assert!(e.contains("test/one"), "{e}");
    }

    #[test]
    fn a_missing_key_is_remembered() {
        assert_eq!(tr_in(Locale::En, "t1.nowhere", &[]), "t1.nowhere");
        assert!(missing_keys().contains("t1.nowhere"));
    }
}
