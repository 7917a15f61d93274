//! How well an address view matches a parsed query (0 to 1): words (exact, an
//! alternative, a prefix, or within the typo budget), numbers (the same, a range
//! that covers it, a suffix), how much of the view the query covers, and whether
//! the postcode agrees.

use std::collections::HashMap;

use super::parse::{ParsedQuery, QueryNumber, QueryWord};
use crate::index::{FormView, SearchForm};
use crate::postcode::{Postcode, PostcodeQuery};
use crate::text::{self, Number};

fn word_match(q: &QueryWord, t: &str) -> f32 {
    if t == q.text || q.alt.as_deref() == Some(t) {
        return 1.0;
    }
    if q.prefix
        && (t.starts_with(q.text.as_str()) || q.raw.as_deref().is_some_and(|r| t.starts_with(r)))
    {
        return 0.95;
    }
    let budget = text::typo_budget(&q.text);
    if budget > 0
        && let Some(d) = text::edit_distance(&q.text, t, budget)
    {
        return 1.0 - 0.15 * d as f32;
    }
    0.0
}

fn num_match(q: &QueryNumber, n: &Number) -> f32 {
    if q.end.is_some() {
        // A range typed: the same range, or a number inside it.
        if n.start == q.start && n.end == q.end {
            return 1.0;
        }
        let range = Number {
            start: q.start,
            suffix: None,
            end: q.end,
        };
        if range.covers(n.start) {
            return 0.8;
        }
        return 0.0;
    }
    if n.start == q.start && n.end.is_none() {
        return match (q.suffix, n.suffix) {
            (a, b) if a == b => 1.0,
            (None, Some(_)) if q.prefix => 0.95,
            _ => 0.6,
        };
    }
    if n.covers(q.start) {
        return 0.9;
    }
    if q.prefix && n.start.to_string().starts_with(&q.start.to_string()) {
        return 0.5;
    }
    0.0
}

/// Scores the views of candidates against one query. A word's match against each
/// query word is worked out once per query (addresses of a street share their
/// words), not once per view.
pub(super) struct Scorer<'q, 'f> {
    q: &'q ParsedQuery,
    postcode: Option<u64>,
    district: Option<(u64, u64)>,
    memo: HashMap<&'f str, usize>,
    /// `q.words.len()` match values per distinct word seen.
    rows: Vec<f32>,
}

impl<'q, 'f> Scorer<'q, 'f> {
    pub(super) fn new(q: &'q ParsedQuery) -> Self {
        Scorer {
            q,
            postcode: q.postcode.as_ref().map(Postcode::key),
            district: q
                .district
                .as_ref()
                .map(|d| PostcodeQuery::District(d.clone()).key_range()),
            memo: HashMap::new(),
            rows: Vec::new(),
        }
    }

    /// The memo row of each word of a form.
    pub(super) fn rows(&mut self, form: &SearchForm<'f>) -> Vec<usize> {
        let nq = self.q.words.len();
        form.words
            .iter()
            .map(|&w| {
                if let Some(&r) = self.memo.get(w) {
                    return r;
                }
                let r = self.memo.len();
                self.rows
                    .extend(self.q.words.iter().map(|qw| word_match(qw, w)));
                debug_assert_eq!(self.rows.len(), (r + 1) * nq);
                self.memo.insert(w, r);
                r
            })
            .collect()
    }

    fn matched(&self, rows: &[usize], word: u16, qi: usize) -> f32 {
        // A damaged form may name a word it does not have: no match.
        rows.get(word as usize)
            .and_then(|r| self.rows.get(r * self.q.words.len() + qi))
            .copied()
            .unwrap_or(0.0)
    }

    /// The match score of one view (0 to 1): how much of the query the view
    /// explains (numbers weigh double), how much of the view's own SAO, PAO and
    /// street the query covers, and whether the postcode agrees.
    pub(super) fn score(&self, v: &FormView, rows: &[usize]) -> f32 {
        let q = self.q;
        let mut q_total = 0.0f32;
        let mut q_match = 0.0f32;
        let mut core_hit = vec![false; v.core.len()];
        for (qi, w) in q.words.iter().enumerate() {
            q_total += w.weight;
            let mut best = 0.0f32;
            for (i, &t) in v.core.iter().enumerate() {
                let m = self.matched(rows, t, qi);
                if m > 0.0 {
                    core_hit[i] = true;
                }
                best = best.max(m);
            }
            for &t in &v.other {
                best = best.max(self.matched(rows, t, qi));
            }
            q_match += w.weight * best;
        }
        let mut num_hit = vec![false; v.sao_numbers.len() + v.numbers.len()];
        for n in &q.numbers {
            q_total += 2.0;
            let mut best = 0.0f32;
            // A number after FLAT prefers the sub-building; a bare number the building.
            let (w_sao, w_pao) = if n.flat { (1.0, 0.6) } else { (0.85, 1.0) };
            for (i, vn) in v.sao_numbers.iter().chain(&v.numbers).enumerate() {
                let m = num_match(n, vn);
                if m > 0.0 {
                    num_hit[i] = true;
                }
                let w = if i < v.sao_numbers.len() {
                    w_sao
                } else {
                    w_pao
                };
                best = best.max(m * w);
            }
            q_match += 2.0 * best;
        }
        let qs = if q_total > 0.0 {
            q_match / q_total
        } else {
            1.0
        };
        let hits = |h: &[bool]| h.iter().filter(|&&x| x).count() as f32;
        let core_total = v.core.len() as f32 + 2.0 * (v.numbers.len() + v.sao_numbers.len()) as f32;
        let cov = if core_total > 0.0 && q_total > 0.0 {
            (hits(&core_hit) + 2.0 * hits(&num_hit)) / core_total
        } else {
            1.0
        };
        // Postcode keys: the outward code is the top four positions (bits 18 and
        // up), the sector adds the first inward character (bits 12 and up).
        let pc = match (self.postcode, self.district, v.postcode) {
            (Some(qp), _, Some(vp)) => {
                if qp == vp {
                    1.0
                } else if qp >> 12 == vp >> 12 {
                    0.85
                } else if qp >> 18 == vp >> 18 {
                    0.8
                } else {
                    0.6
                }
            }
            (Some(_), _, None) => 0.6,
            (None, Some((lo, hi)), Some(vp)) => {
                if (lo..=hi).contains(&vp) {
                    1.0
                } else {
                    0.6
                }
            }
            (None, Some(_), None) => 0.6,
            (None, None, _) => 1.0,
        };
        let s = (0.7 * qs + 0.3 * cov) * pc;
        (s.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
    }
}
