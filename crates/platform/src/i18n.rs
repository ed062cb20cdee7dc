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
