//! Free text parsed for search: a postcode (or a final outward code, which filters
//! by district), house numbers and ranges, and words with their abbreviation
//! alternatives and weights; the last word may be a prefix (type-ahead).

use crate::postcode::{self, Postcode, PostcodeQuery};
use crate::text::{self, Number};

/// A query word.
#[derive(Debug, Clone)]
pub(super) struct QueryWord {
    /// The word normalised as the index's words are (abbreviations expanded).
    pub(super) text: String,
    /// The other reading of an abbreviation (`ST`: `STREET` or `SAINT`).
    pub(super) alt: Option<String>,
    /// The last word as typed, before expansion, for prefix matching (`12 high st`).
    pub(super) raw: Option<String>,
    /// How much the word counts: 1, less for FLAT-like words and THE, OF, AND.
    pub(super) weight: f32,
    /// The last word of type-ahead input, possibly incomplete.
    pub(super) prefix: bool,
}

/// A query number (`12`, `12A`, `1-3`).
#[derive(Debug, Clone, Copy)]
pub(super) struct QueryNumber {
    /// The number, or a range's first.
    pub(super) start: u32,
    /// A letter suffix (`12A`), as an ASCII byte.
    pub(super) suffix: Option<u8>,
    /// A range's last number.
    pub(super) end: Option<u32>,
    /// The last word of type-ahead input, possibly incomplete (`1` of `12`).
    pub(super) prefix: bool,
    /// Written after FLAT, UNIT, APT...: a sub-building (SAO) number.
    pub(super) flat: bool,
}

impl QueryNumber {
    pub(super) fn term(&self) -> String {
        match self.suffix {
            Some(s) => format!("{}{}", self.start, s as char),
            None => self.start.to_string(),
        }
    }
}

/// Free text parsed for search.
#[derive(Debug, Clone, Default)]
pub(super) struct ParsedQuery {
    /// A full postcode in the text (the last, when there are several).
    pub(super) postcode: Option<Postcode>,
    /// A final outward code (`HIGH STREET M31`), which filters by district.
    pub(super) district: Option<String>,
    /// The words, postcodes and numbers set apart.
    pub(super) words: Vec<QueryWord>,
    /// House and flat numbers and ranges.
    pub(super) numbers: Vec<QueryNumber>,
}

impl ParsedQuery {
    pub(super) fn is_empty(&self) -> bool {
        self.postcode.is_none()
            && self.district.is_none()
            && self.words.is_empty()
            && self.numbers.is_empty()
    }

    pub(super) fn parse(text: &str, last_is_prefix: bool) -> ParsedQuery {
        let mut words = text::raw_words(text);
        let mut q = ParsedQuery::default();
        let spans = text::postcode_spans(&words);
        let mut prefix_ok = last_is_prefix;
        if let Some((i, n, p)) = spans.last().cloned() {
            if i + n == words.len() {
                prefix_ok = false;
            }
            q.postcode = Some(p);
            // Remove every postcode span (from the end, so indices stay valid).
            for (i, n, _) in spans.iter().rev() {
                words.drain(*i..*i + *n);
            }
        } else if words.len() >= 2 {
            // A final outward code (`HIGH STREET M31`) filters by district.
            let last = words[words.len() - 1].clone();
            let prev = &words[words.len() - 2];
            if !text::is_flat_word(prev)
                && last.bytes().any(|c| c.is_ascii_digit())
                && last.as_bytes()[0].is_ascii_alphabetic()
                && matches!(postcode::parse_query(&last), Ok(PostcodeQuery::District(_)))
            {
                q.district = Some(last);
                words.pop();
                prefix_ok = false;
            }
        }
        let expanded = text::expand_with_alternatives(&words);
        let n = expanded.len();
        // The raw last word, before abbreviation, for prefix matching (`12 high st`).
        let raw_last = words.last().cloned();
        let mut after_flat = false;
        for (i, (w, alt)) in expanded.into_iter().enumerate() {
            let is_last = i + 1 == n;
            let prefix = prefix_ok && is_last;
            if let Some(num) = Number::parse(&w) {
                q.numbers.push(QueryNumber {
                    start: num.start,
                    suffix: num.suffix,
                    end: num.end,
                    prefix,
                    flat: after_flat,
                });
                after_flat = false;
                continue;
            }
            after_flat = text::is_flat_word(&w);
            let weight = if text::is_flat_word(&w) {
                0.3
            } else if matches!(w.as_str(), "THE" | "OF" | "AND") {
                0.2
            } else {
                1.0
            };
            q.words.push(QueryWord {
                text: w,
                alt,
                raw: if prefix { raw_last.clone() } else { None },
                weight,
                prefix,
            });
        }
        q
    }
}
