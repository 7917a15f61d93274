//! Address text normalisation, shared by the indexer and the query parser so that both
//! sides of a match are normalised the same way.
//!
//! - Case and punctuation: upper case; apostrophes join (`JOHN'S` → `JOHNS`); a hyphen
//!   between numbers is a range (`1-3`), any other punctuation separates words.
//! - Abbreviations: the 132 token rules of uk_address_matcher
//!   (`data/address_abbreviations.json`, MIT, © 2025 Robin Linacre; see the notice in
//!   that folder), applied once per token (`RD` → `ROAD`, `APT` → `FLAT`, `FF` → `FIRST
//!   FLOOR`), except `ST`, which depends on its position: `ST` before a name at the
//!   start of a part (`ST JOHNS ROAD`, `12 ST MARYS CLOSE`) is `SAINT`, otherwise
//!   (`HIGH ST`, a final `ST`) it is `STREET`. Queries keep the other reading as an
//!   alternative, so either matches.
//! - Postcodes are found before any of this (`postcode_spans`), so `LE1 6TH` and
//!   `AB10 1ST` stay postcodes and are never read as ordinals or streets.
//! - Numbers: `12`, `12A`, and ranges `1-3` (which match 1, 2 and 3).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::postcode::{self, Postcode, PostcodeQuery};

/// The abbreviation rules, embedded (MIT, © 2025 Robin Linacre, uk_address_matcher).
pub const ABBREVIATIONS_JSON: &str = include_str!("../data/address_abbreviations.json");

#[derive(serde::Deserialize)]
struct Rule {
    token: String,
    replacement: String,
}

fn rules() -> &'static HashMap<String, Vec<String>> {
    static RULES: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    RULES.get_or_init(|| {
        let parsed: Vec<Rule> = serde_json::from_str(ABBREVIATIONS_JSON).unwrap_or_default();
        parsed
            .into_iter()
            // `ST` is positional (STREET or SAINT); handled in `expand`.
            .filter(|r| r.token != "ST" && r.token != r.replacement)
            .map(|r| {
                (
                    r.token,
                    r.replacement
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                )
            })
            .collect()
    })
}

/// Words that describe a sub-building rather than name anything (weighted low).
pub fn is_flat_word(w: &str) -> bool {
    matches!(w, "FLAT" | "UNIT" | "SUITE" | "BLOCK" | "FLOOR")
}

/// Words too common to narrow a search on their own (not posted in the index).
pub fn is_stop_word(w: &str) -> bool {
    matches!(w, "FLAT" | "THE" | "OF" | "AND" | "UNIT")
}

/// A number, a number with a suffix letter, or a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Number {
    /// First number.
    pub start: u32,
    /// Letter suffix of the first number (`A` in `12A`).
    pub suffix: Option<u8>,
    /// Last number of a range.
    pub end: Option<u32>,
}

impl Number {
    /// Parses `12`, `12A`, `1-3`, `12A-14`.
    pub fn parse(tok: &str) -> Option<Number> {
        let (a, b) = match tok.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (tok, None),
        };
        let (start, suffix) = parse_num_suffix(a)?;
        let end = match b {
            Some(b) => Some(parse_num_suffix(b)?.0),
            None => None,
        };
        Some(Number { start, suffix, end })
    }

    /// True when `n` (a query number) lies in this number or range.
    pub fn covers(&self, n: u32) -> bool {
        match self.end {
            Some(e) => (self.start.min(e)..=self.start.max(e)).contains(&n),
            None => self.start == n,
        }
    }
}

fn parse_num_suffix(s: &str) -> Option<(u32, Option<u8>)> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    let n: u32 = s[..digits].parse().ok()?;
    match &b[digits..] {
        [] => Some((n, None)),
        [c] if c.is_ascii_alphabetic() => Some((n, Some(*c))),
        _ => None,
    }
}

/// Splits raw text into upper-case words: apostrophes join, a hyphen between digits
/// stays (a range), other punctuation separates.
pub fn raw_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            for u in c.to_uppercase() {
                cur.push(u);
            }
        } else if c == '\'' || c == '\u{2019}' {
            // JOHN'S -> JOHNS
        } else if c == '-'
            && cur
                .chars()
                .last()
                .is_some_and(|p| p.is_ascii_alphanumeric())
            && cur.chars().any(|p| p.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
        {
            cur.push('-');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_numberish(w: &str) -> bool {
    w.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Expands abbreviations over a list of raw words. `ST` becomes `SAINT` when it
/// starts a name (first word, or after a number or a comma-separated break) and is
/// followed by a word; otherwise `STREET`.
pub fn expand(words: &[String]) -> Vec<String> {
    expand_with_alternatives(words)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// As [`expand`], also returning the other reading of each ambiguous `ST`.
pub fn expand_with_alternatives(words: &[String]) -> Vec<(String, Option<String>)> {
    let rules = rules();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        if w == "ST" {
            let prev_is_break = i == 0 || is_numberish(&words[i - 1]);
            let next_is_word = words
                .get(i + 1)
                .is_some_and(|n| !is_numberish(n) && n.len() > 1);
            if prev_is_break && next_is_word {
                out.push(("SAINT".to_string(), Some("STREET".to_string())));
            } else {
                out.push(("STREET".to_string(), Some("SAINT".to_string())));
            }
            continue;
        }
        match rules.get(w.as_str()) {
            Some(rep) => {
                for r in rep {
                    out.push((r.clone(), None));
                }
            }
            None => out.push((w.clone(), None)),
        }
    }
    out
}

/// Normalised tokens of a text (postcodes are not treated specially: use this on
/// address parts, not on free text that may hold a postcode).
pub fn normalise(text: &str) -> Vec<String> {
    expand(&raw_words(text))
}

/// Where postcodes sit in a list of raw words: `(first word, word count, postcode)`.
/// Finds `M31 4AN` (two words) and `M314AN` (one word), and corrects O/0 and I/1
/// slips (`C09 1HT` → `CO9 1HT`) as free text needs.
pub fn postcode_spans(words: &[String]) -> Vec<(usize, usize, Postcode)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if i + 1 < words.len() && words[i + 1].len() == 3 {
            let two = format!("{} {}", words[i], words[i + 1]);
            if let Some(p) = full_postcode(&two) {
                spans.push((i, 2, p));
                i += 2;
                continue;
            }
        }
        if (5..=7).contains(&words[i].len())
            && words[i].bytes().any(|c| c.is_ascii_digit())
            && let Some(p) = full_postcode(&words[i])
        {
            spans.push((i, 1, p));
        }
        i += 1;
    }
    spans
}

fn full_postcode(text: &str) -> Option<Postcode> {
    match postcode::parse_query(text) {
        Ok(PostcodeQuery::Full(p)) => Some(p),
        Ok(_) => None,
        Err(_) => match postcode::correct_slips(text) {
            Some(PostcodeQuery::Full(p)) => Some(p),
            _ => None,
        },
    }
}

/// Optimal-string-alignment edit distance (Levenshtein plus adjacent transposition),
/// or `None` when it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a == b {
        return Some(0);
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[n];
    (d <= max).then_some(d)
}

/// How many edits a word of this length may have and still match: none up to three
/// letters, one up to seven, two beyond. Numbers never.
pub fn typo_budget(word: &str) -> usize {
    if is_numberish(word) {
        return 0;
    }
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits, without `core::fmt`.
///
/// Views are built on every query, and in a wasm component `format!` and
/// `to_string()` for numbers (dynamic dispatch through `core::fmt`) were about a
/// tenth of a postcode query's time (docs/BENCHMARKS.md, "Capability components vs
/// native").
pub fn push_decimal(out: &mut String, n: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in (digits.len() - at)..width {
        out.push('0');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// `n` in decimal (as `n.to_string()`), see [`push_decimal`].
pub fn decimal(n: u32) -> String {
    let mut s = String::with_capacity(10);
    push_decimal(&mut s, n, 0);
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_match_core_fmt() {
        let samples = (0..=10_000u32)
            .chain([99_999, 100_000, 4_294_967_295])
            .chain((0..32).map(|b| 1u32 << b));
        for n in samples {
            assert_eq!(decimal(n), n.to_string());
            for width in [0, 2, 4] {
                let mut s = String::from("x");
                push_decimal(&mut s, n, width);
                assert_eq!(s, format!("x{n:0width$}"), "{n} width {width}");
            }
        }
        assert_eq!(crate::model::Date(20240109).iso(), "2024-01-09");
    }

    use super::*;

    fn n(s: &str) -> String {
        normalise(s).join(" ")
    }

    #[test]
    fn abbreviations() {
        assert_eq!(n("12 High St"), "12 HIGH STREET");
        assert_eq!(n("St John's Rd"), "SAINT JOHNS ROAD");
        assert_eq!(n("12 st marys close"), "12 SAINT MARYS CLOSE");
        assert_eq!(n("Apt 2, Rose Ct"), "FLAT 2 ROSE COURT");
        assert_eq!(n("Flat 3 Park Ave"), "FLAT 3 PARK AVENUE");
        assert_eq!(n("1-3 Market Pl"), "1-3 MARKET PLACE");
        assert_eq!(n("WEST-END LANE"), "WEST END LANE");
        assert_eq!(n("Church St."), "CHURCH STREET");
    }

    #[test]
    fn numbers() {
        let r = Number::parse("1-3").unwrap();
        assert!(r.covers(1) && r.covers(2) && r.covers(3) && !r.covers(4));
        assert_eq!(Number::parse("12A").unwrap().suffix, Some(b'A'));
        assert!(Number::parse("A12").is_none());
        assert!(Number::parse("12AB").is_none());
    }

    #[test]
    fn postcodes_are_not_mangled() {
        let w = raw_words("1 Gallowtree Gate Leicester LE1 6TH");
        let spans = postcode_spans(&w);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].2.to_string(), "LE1 6TH");
        let w = raw_words("5 union st aberdeen ab101st");
        assert_eq!(postcode_spans(&w)[0].2.to_string(), "AB10 1ST");
        let w = raw_words("Cross Street C09 1HT");
        assert_eq!(postcode_spans(&w)[0].2.to_string(), "CO9 1HT");
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("STREET", "STRET", 2), Some(1));
        assert_eq!(edit_distance("ROAD", "RAOD", 1), Some(1));
        assert_eq!(edit_distance("MANCHESTER", "MANCHESTRE", 2), Some(1));
        assert_eq!(edit_distance("ABC", "XYZ", 1), None);
        assert_eq!(typo_budget("RD"), 0);
        assert_eq!(typo_budget("ROAD"), 1);
        assert_eq!(typo_budget("PARTINGTON"), 2);
    }
}
