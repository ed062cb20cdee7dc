//! Text as it may enter the platform. Control characters (NUL and the rest of C0 except tab and
//! line breaks, DEL, C1) are refused: PostgreSQL cannot store NUL, and none of them belongs in
//! what people type. Characters that change how text displays without showing themselves
//! (bidirectional overrides and marks, zero-width spaces and joiners, the byte-order mark) are
//! removed, so a name cannot pretend to be another or read backwards. What remains is NFC, so
//! the same words compare and search the same however they were typed.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::CodeError;

/// Invisible characters that only change the display of what is around them, or hide text.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{034F}' // combining grapheme joiner
            | '\u{061C}' // Arabic letter mark
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidirectional embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidirectional isolates
            | '\u{FEFF}' // zero-width no-break space (byte-order mark)
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tag characters (can carry hidden text)
    )
}

/// Control characters that are refused: C0 (except tab, line feed and carriage return), DEL
/// and C1, which is all of Unicode's Cc.
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The text as stored: refused with `text.control` (naming the character's position, counted
/// from 1) when it holds a control character; otherwise without invisible format characters and
/// in NFC. Borrowed when nothing changes, which is nearly always.
pub fn clean(s: &str) -> Result<Cow<'_, str>, CodeError> {
    if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| is_refused_control(*c)) {
        return Err(CodeError::new("text.control")
            .arg("position", i + 1)
            .arg("code", format!("U+{:04X}", c as u32)));
    }
    let stripped: Cow<str> = if s.chars().any(is_invisible_format) {
        Cow::Owned(s.chars().filter(|c| !is_invisible_format(*c)).collect())
    } else {
        Cow::Borrowed(s)
    };
    if is_nfc_quick(stripped.chars()) == IsNormalized::Yes {
        return Ok(stripped);
    }
    Ok(Cow::Owned(stripped.nfc().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            clean("田东社区爱心互助会 A-1\n第二行"),
            Ok(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        let e = clean("ab\u{0}c").unwrap_err();
        assert_eq!(e.key, "text.control");
        assert_eq!(e.get("position"), Some("3"));
        assert_eq!(e.get("code"), Some("U+0000"));
        assert!(clean("\u{7f}").is_err());
        assert!(clean("\u{85}").is_err(), "C1 next line");
        assert!(clean("\u{1b}[31m").is_err(), "escape");
        assert!(clean("a\tb\r\nc").is_ok(), "tab and line breaks are text");
    }

    #[test]
    fn invisible_format_characters_are_removed() {
        assert_eq!(clean("爱心\u{200B}互助会").unwrap(), "爱心互助会");
        assert_eq!(clean("\u{202E}exe.pdf").unwrap(), "exe.pdf");
        assert_eq!(clean("\u{FEFF}名称\u{2066}x\u{2069}").unwrap(), "名称x");
        assert_eq!(clean("爱\u{AD}心\u{E0041}\u{E0042}").unwrap(), "爱心");
    }

    #[test]
    fn text_is_composed() {
        // "é" typed as e + combining acute becomes one character.
        assert_eq!(clean("Cafe\u{301}").unwrap(), "Caf\u{e9}");
    }

    proptest! {
        #[test]
        fn cleaning_is_idempotent_and_leaves_nothing_refused(s in "\\PC{0,40}") {
            if let Ok(once) = clean(&s) {
                let twice = clean(&once).unwrap().into_owned();
                prop_assert_eq!(once.as_ref(), twice.as_str());
                prop_assert!(!once.chars().any(|c| is_refused_control(c) || is_invisible_format(c)));
            }
        }
    }
}
