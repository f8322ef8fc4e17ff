//! The SKU: the one key both catalogues match on, byte for byte, and its two rules (blank
//! and near-miss).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A SKU as one of the systems holds it: a non-blank string, kept byte for byte.
///
/// Two SKUs are equal when their bytes are: case-sensitive, no trimming, no Unicode
/// normalisation. A string is not a SKU when it is blank ([`Sku::is_blank`]): a blank SKU
/// never matches anything, not even another blank one, so [`Sku::new`] refuses it. SKUs that
/// differ only by hidden characters, surrounding spaces or letter case share a
/// [`Sku::near_miss_key`]; that key is only ever used to suggest, never to match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

/// A blank string given as a SKU (empty, or only spaces and hidden characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a SKU must not be blank (empty, or only spaces and hidden characters)")]
#[non_exhaustive]
pub struct BlankSku;

impl Sku {
    /// The SKU `text`, exactly as given, or `None` when it is blank ([`Sku::is_blank`]).
    #[must_use]
    pub fn new(text: impl Into<String>) -> Option<Self> {
        let text = text.into();
        (!Self::is_blank(&text)).then_some(Self(text))
    }

    /// The SKU's text, exactly as the system holds it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SKU's text, taken.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether `text` is blank: nothing is left once hidden characters and whitespace are
    /// removed. A blank SKU never matches anything, not even another blank SKU.
    #[must_use]
    pub fn is_blank(text: &str) -> bool {
        text.chars()
            .all(|c| is_zero_width(c) || c.is_whitespace() || c.is_control())
    }

    /// `text` when it is a usable (non-blank) SKU, without copying it.
    #[must_use]
    pub fn usable(text: Option<&str>) -> Option<&str> {
        text.filter(|s| !Self::is_blank(s))
    }

    /// The near-miss key: hidden characters removed (or made spaces), surrounding whitespace
    /// trimmed, letter case folded. Two different SKUs with the same key are a near-miss.
    #[must_use]
    pub fn near_miss_key(&self) -> String {
        Self::near_miss_key_of(&self.0)
    }

    /// [`Sku::near_miss_key`] of any text, blank or not.
    #[must_use]
    pub fn near_miss_key_of(text: &str) -> String {
        let mut key = String::new();
        near_miss_key_into(text, &mut key);
        key
    }

    /// The reasons this SKU and `other` differ when they are a near-miss, in
    /// [`NearMissReason`] order. Empty when they are equal or not a near-miss.
    #[must_use]
    pub fn near_miss_reasons(&self, other: &str) -> Vec<NearMissReason> {
        near_miss_reasons(&self.0, other)
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Sku {
    type Err = BlankSku;

    fn from_str(text: &str) -> Result<Self, BlankSku> {
        Self::new(text).ok_or(BlankSku)
    }
}

impl TryFrom<String> for Sku {
    type Error = BlankSku;

    fn try_from(text: String) -> Result<Self, BlankSku> {
        Self::new(text).ok_or(BlankSku)
    }
}

impl From<Sku> for String {
    fn from(sku: Sku) -> Self {
        sku.0
    }
}

impl AsRef<str> for Sku {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Sku {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Sku {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Why two different SKUs are a near-miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMissReason {
    /// Zero-width characters, soft hyphens, byte-order marks, or non-breaking (or other
    /// unusual) spaces and control characters where an ordinary space or nothing was meant.
    HiddenCharacters,
    /// Spaces before or after the SKU.
    SurroundingWhitespace,
    /// Upper and lower case letters.
    LetterCase,
}

impl NearMissReason {
    /// How reports describe it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::HiddenCharacters => "hidden characters",
            Self::SurroundingWhitespace => "surrounding spaces",
            Self::LetterCase => "letter case",
        }
    }
}

/// Characters removed outright before comparing near-misses: zero-width space, non-joiner
/// and joiner, directional marks and embeddings, word joiner and invisible operators,
/// Mongolian vowel separator, byte-order mark (zero-width no-break space) and soft hyphen.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{180E}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Stage one: hidden characters dropped, every other whitespace or control character made an
/// ordinary space.
fn without_hidden(sku: &str) -> String {
    sku.chars()
        .filter(|&c| !is_zero_width(c))
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn fold_case(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        // Upper then lower folds more pairs than lower alone (`ß`/`SS`, ligatures).
        text.to_uppercase().to_lowercase()
    }
}

/// The near-miss key of a SKU ([`Sku::near_miss_key_of`]). The key is only ever used to
/// *suggest*; it never matches.
#[must_use]
pub fn near_miss_key(sku: &str) -> String {
    Sku::near_miss_key_of(sku)
}

/// [`near_miss_key`] written into `key` (cleared first), so a loop can reuse one buffer.
pub(crate) fn near_miss_key_into(sku: &str, key: &mut String) {
    key.clear();
    if sku.bytes().all(|b| b.is_ascii_graphic()) {
        key.push_str(sku);
        key.make_ascii_lowercase();
    } else {
        key.push_str(&fold_case(without_hidden(sku).trim()));
    }
}

/// Whether a SKU is blank ([`Sku::is_blank`]).
#[must_use]
pub fn is_blank_sku(sku: &str) -> bool {
    Sku::is_blank(sku)
}

/// The reasons two SKUs with the same [`near_miss_key`] differ, in [`NearMissReason`]
/// order. Empty when they are equal or not a near-miss.
#[must_use]
pub fn near_miss_reasons(a: &str, b: &str) -> Vec<NearMissReason> {
    if a == b || near_miss_key(a) != near_miss_key(b) {
        return Vec::new();
    }
    let (a1, b1) = (without_hidden(a), without_hidden(b));
    let mut reasons = Vec::new();
    if a1 != a || b1 != b {
        reasons.push(NearMissReason::HiddenCharacters);
    }
    let (a2, b2) = (a1.trim(), b1.trim());
    if a2 != a1 || b2 != b1 {
        reasons.push(NearMissReason::SurroundingWhitespace);
    }
    if a2 != b2 {
        reasons.push(NearMissReason::LetterCase);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_miss_keys_and_reasons() {
        assert_eq!(near_miss_key(" Abc-1\u{200B} "), "abc-1");
        assert_eq!(near_miss_key("AB\u{00A0}C"), near_miss_key("ab c"));
        assert_eq!(near_miss_key("STRASSE"), near_miss_key("straße"));
        assert_eq!(near_miss_reasons("ABC", "ABC"), vec![]);
        assert_eq!(near_miss_reasons("ABC", "ABD"), vec![]);
        assert_eq!(
            near_miss_reasons("ABC", "abc"),
            vec![NearMissReason::LetterCase]
        );
        assert_eq!(
            near_miss_reasons("ABC", " ABC"),
            vec![NearMissReason::SurroundingWhitespace]
        );
        assert_eq!(
            near_miss_reasons("ABC", "AB\u{200B}C"),
            vec![NearMissReason::HiddenCharacters]
        );
        for hidden in ['\u{200C}', '\u{200D}', '\u{FEFF}', '\u{00AD}'] {
            assert_eq!(
                near_miss_reasons("AB", &format!("A{hidden}B")),
                vec![NearMissReason::HiddenCharacters]
            );
        }
        assert_eq!(
            near_miss_reasons("abc\u{00A0}", "ABC"),
            vec![
                NearMissReason::HiddenCharacters,
                NearMissReason::SurroundingWhitespace,
                NearMissReason::LetterCase
            ]
        );
        assert!(is_blank_sku(""));
        assert!(is_blank_sku(" \t\u{200B}\u{FEFF}\u{00A0}"));
        assert!(!is_blank_sku(" a "));
    }

    #[test]
    fn a_sku_is_byte_exact_and_never_blank() {
        let sku: Sku = "ABC-1 ".parse().unwrap();
        assert_eq!(sku.as_str(), "ABC-1 ");
        assert_ne!(Sku::new("ABC-1"), Some(sku.clone()));
        assert_eq!(" \u{200B}".parse::<Sku>(), Err(BlankSku));
        assert_eq!(Sku::new(""), None);
        assert_eq!(Sku::usable(Some("\u{FEFF}")), None);
        assert_eq!(Sku::usable(Some(" a ")), Some(" a "));
        assert_eq!(sku.near_miss_key(), "abc-1");
        assert_eq!(
            sku.near_miss_reasons("abc-1"),
            vec![
                NearMissReason::SurroundingWhitespace,
                NearMissReason::LetterCase
            ]
        );
        assert_eq!(serde_json::to_string(&sku).unwrap(), "\"ABC-1 \"");
        assert!(serde_json::from_str::<Sku>("\"  \"").is_err());
    }
}
