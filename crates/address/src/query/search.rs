//! Free-text search: `find` (ranked, paged, with a minimum score) and `suggest`
//! (type-ahead, the last word possibly incomplete). Candidates come from the term
//! dictionary (postings intersected rarest word first, or a postcode's or district's
//! properties), then every view of every candidate is scored from its search form;
//! records are read for the page only.

use std::io::{Read, Seek};

use super::parse::ParsedQuery;
use super::score::Scorer;
use super::{FIND_CANDIDATES, Filter, MAX_TEXT, SUGGEST_CANDIDATES};
use crate::index::{
    AddressIndex, FormView, OrdSet, PREFIX_TERM_CHARS, PropEntry, SearchForm, TermInfo,
};
use crate::postcode::PostcodeQuery;
use crate::text;
use crate::types::{AddressMatch, LookupError, Page, QueryOptions};
use crate::view;

impl<R: Read + Seek> AddressIndex<R> {
    /// Free-text search, ranked by score (0 to 1); `min_score` drops weaker matches.
    pub fn find(&self, text: &str, min_score: f32, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        if !(0.0..=1.0).contains(&min_score) {
            return Err(LookupError::InvalidQuery(format!(
                "min-score is {min_score}; it must be 0 to 1"
            )));
        }
        let t = text.trim();
        if t.is_empty() {
            return Err(LookupError::InvalidQuery("the search text is empty".into()));
        }
        if t.chars().count() > MAX_TEXT {
            return Err(LookupError::InvalidQuery(format!(
                "the search text is {} characters; at most {MAX_TEXT} are accepted",
                t.chars().count()
            )));
        }
        let q = ParsedQuery::parse(t, false);
        if q.is_empty() {
            return Err(LookupError::InvalidQuery(
                "the search text has no letters or digits".into(),
            ));
        }
        let (total, results) = self.search(
            &q,
            o,
            FIND_CANDIDATES,
            min_score,
            o.offset as usize,
            size as usize,
        )?;
        Ok(Page {
            total: total as u32,
            offset: o.offset,
            results,
        })
    }

    /// Type-ahead: the best `limit` (1 to 50, 0 means 10) matches for partial input,
    /// where the last word may be incomplete. Only datasets and classification apply.
    pub fn suggest(
        &self,
        text: &str,
        limit: u32,
        o: &QueryOptions,
    ) -> Result<Vec<AddressMatch>, LookupError> {
        let limit = match limit {
            0 => 10,
            n if n > 50 => {
                return Err(LookupError::InvalidQuery(format!(
                    "limit is {n}; it must be 1 to 50 (0 means 10)"
                )));
            }
            n => n,
        };
        if text.chars().count() > MAX_TEXT {
            return Err(LookupError::InvalidQuery(format!(
                "the text is {} characters; at most {MAX_TEXT} are accepted",
                text.chars().count()
            )));
        }
        let q = ParsedQuery::parse(text, !text.ends_with(char::is_whitespace));
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let opts = QueryOptions {
            datasets: o.datasets.clone(),
            classification: o.classification.clone(),
            ..QueryOptions::default()
        };
        let (_, results) = self.search(&q, &opts, SUGGEST_CANDIDATES, 0.0, 0, limit as usize)?;
        Ok(results)
    }

    /// Candidate retrieval, then scoring of every view of every candidate.
    /// Returns the number of views scoring at least `min_score` and the views
    /// `skip..skip+take` of them, best first.
    fn search(
        &self,
        q: &ParsedQuery,
        o: &QueryOptions,
        cap: usize,
        min_score: f32,
        skip: usize,
        take: usize,
    ) -> Result<(usize, Vec<AddressMatch>), LookupError> {
        let f = Filter::new(self, o);
        let mut ords: Vec<u32> = Vec::new();
        let mut from_postcode = false;
        if let Some(pc) = &q.postcode {
            let k = pc.key();
            if let Some(e) = self
                .postcode_entries(k, k)?
                .into_iter()
                .find(|e| e.count > 0)
            {
                let n = self.directory().meta.property_count.min(u32::MAX as u64) as u32;
                ords = (e.first.min(n)..e.first.saturating_add(e.count).min(n))
                    .take(cap)
                    .collect();
                from_postcode = true;
            }
        }
        if !from_postcode {
            let district = match &q.district {
                Some(d) => {
                    let (lo, hi) = PostcodeQuery::District(d.clone()).key_range();
                    let es = self.postcode_entries(lo, hi)?;
                    let with: Vec<_> = es.iter().filter(|e| e.count > 0).collect();
                    match (with.first(), with.last()) {
                        (Some(a), Some(b)) => {
                            let n =
                                self.directory().meta.property_count.min(u32::MAX as u64) as u32;
                            Some(a.first.min(n)..b.first.saturating_add(b.count).min(n))
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            ords = self.retrieve(q, cap, district.clone())?;
            if ords.is_empty()
                && let Some(r) = district
                && q.words.is_empty()
                && q.numbers.is_empty()
            {
                ords = r.take(cap).collect();
            }
        }
        ords.truncate(cap);
        let props = self.props(&ords)?;
        let mut keep: Vec<(u32, PropEntry)> = ords
            .iter()
            .filter_map(|o| props.get(o).map(|p| (*o, *p)))
            .filter(|(_, p)| f.count(&p.meta) > 0)
            .collect();
        keep.sort_by_key(|k| k.0);
        // Score from the search forms; records are read for the page only.
        let spans: Vec<(u64, u32)> = keep
            .iter()
            .map(|(_, p)| (p.form_offset, p.form_len))
            .collect();
        let bufs = self.forms(&spans)?;
        let mut forms: Vec<SearchForm<'_>> = Vec::with_capacity(bufs.len());
        for ((ord, _), b) in keep.iter().zip(&bufs) {
            forms
                .push(postcard::from_bytes(b).map_err(|e| {
                    self.corrupt(format!("search form {ord} does not decode: {e}"))
                })?);
        }
        let mut scorer = Scorer::new(q);
        let mut scored: Vec<(f32, u32, usize, usize, &FormView)> = Vec::new();
        for (ki, ((_, p), form)) in keep.iter().zip(&forms).enumerate() {
            let rows = scorer.rows(form);
            let views = form.views.iter().filter(|v| f.view_ok(v));
            for (vi, v) in views.enumerate() {
                let s = scorer.score(v, &rows);
                if s >= min_score {
                    scored.push((s, p.meta.rank, vi, ki, v));
                }
            }
        }
        scored.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let total = scored.len();
        let page: Vec<_> = scored.into_iter().skip(skip).take(take).collect();
        let mut need: Vec<(u32, u64, u32)> = page
            .iter()
            .map(|x| {
                let (ord, p) = &keep[x.3];
                (*ord, p.offset, p.len)
            })
            .collect();
        need.sort_by_key(|n| n.0);
        need.dedup_by_key(|n| n.0);
        let recs = self.records(&need)?;
        let mut results = Vec::with_capacity(page.len());
        for (s, _, _, ki, v) in page {
            let ord = keep[ki].0;
            let Some(sp) = recs.get(&ord) else {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: property {ord} has no record",
                    self.name()
                )));
            };
            let r = v.view_ref();
            let exists = match r {
                view::ViewRef::Dpa(i) => i < sp.property.dpas.len(),
                view::ViewRef::Lpi(i) => i < sp.property.lpis.len(),
            };
            if !exists {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: corrupt index: the search form of property {ord} names a view it does not have",
                    self.name()
                )));
            }
            results.push(AddressMatch {
                address: view::address(sp, r),
                score: s,
                distance_m: None,
            });
        }
        Ok((total, results))
    }

    /// Term look-ups and greedy intersection, rarest group first. A group that would
    /// empty the set is skipped (a business name, a misspelt town), and a second pass
    /// without the rarest group guards against a rare but wrong first word.
    fn retrieve(
        &self,
        q: &ParsedQuery,
        cap: usize,
        within: Option<std::ops::Range<u32>>,
    ) -> Result<Vec<u32>, LookupError> {
        let mut groups: Vec<Group> = Vec::new();
        for n in &q.numbers {
            let mut terms = vec![n.term()];
            if let Some(e) = n.end {
                terms.push(format!("{}-{}", n.start, e));
            }
            let mut vars = Vec::new();
            for t in terms {
                if let Some(i) = self.term(&t)? {
                    vars.push(i);
                }
            }
            groups.push(Group::new(vars));
        }
        for w in &q.words {
            if w.weight < 0.5 {
                continue;
            }
            let mut vars = Vec::new();
            if w.prefix {
                // A short prefix has its own postings (every word it begins); a
                // longer one takes its 64 most frequent completions.
                let mut all = Vec::new();
                let forms: Vec<&String> = std::iter::once(&w.text).chain(&w.raw).collect();
                // A form that begins with another (`TERRACE` after `TER`) adds nothing.
                let covered = |p: &String| {
                    forms
                        .iter()
                        .any(|o| o.len() < p.len() && p.starts_with(o.as_str()))
                };
                let mut seen: Vec<&String> = Vec::new();
                for p in forms.iter().copied().filter(|p| !covered(p)) {
                    if seen.contains(&p) {
                        continue;
                    }
                    seen.push(p);
                    // Prefix entries exist for words that begin with a letter (the
                    // writer's rule); anything else takes its completions.
                    if p.chars().count() <= PREFIX_TERM_CHARS && p.starts_with(char::is_alphabetic)
                    {
                        if let Some(i) = self.term(&format!("{p}*"))? {
                            vars.push(i);
                        }
                    } else {
                        all.extend(self.terms_with_prefix(p)?);
                    }
                }
                all.sort_by(|a, b| b.1.df.cmp(&a.1.df).then_with(|| a.0.cmp(&b.0)));
                all.dedup_by(|a, b| a.0 == b.0);
                vars.extend(all.into_iter().take(64).map(|(_, i)| i));
            } else {
                let mut found = false;
                for t in std::iter::once(&w.text).chain(w.alt.iter()) {
                    if let Some(i) = self.term(t)? {
                        vars.push(i);
                        found = true;
                    }
                }
                let budget = text::typo_budget(&w.text);
                if !found && budget > 0 {
                    let first: String = w.text.chars().take(1).collect();
                    for (t, i) in self.terms_with_prefix(&first)? {
                        if text::edit_distance(&w.text, &t, budget).is_some() {
                            vars.push(i);
                        }
                    }
                }
            }
            groups.push(Group::new(vars));
        }
        groups.retain(|g| !g.vars.is_empty());
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        groups.sort_by_key(|g| g.df);
        // Start from an exact word rather than a many-variant group (a prefix, a typo)
        // when it is not much rarer: unions of many long lists are the expensive part.
        if groups[0].vars.len() > 1
            && let Some(i) = groups
                .iter()
                .position(|g| g.vars.len() == 1 && g.df <= 8 * groups[0].df.max(1))
        {
            let g = groups.remove(i);
            groups.insert(0, g);
        }
        let first = self.greedy(&groups, 0, cap, within.clone())?;
        if groups.len() >= 3 && first.len() < cap / 4 {
            let second = self.greedy(&groups, 1, cap, within)?;
            let mut all: Vec<u32> = first.into_iter().chain(second).collect();
            all.sort_unstable();
            all.dedup();
            return Ok(all);
        }
        Ok(first)
    }

    fn greedy(
        &self,
        groups: &[Group],
        skip_first: usize,
        cap: usize,
        within: Option<std::ops::Range<u32>>,
    ) -> Result<Vec<u32>, LookupError> {
        let mut cur: Option<OrdSet> = within.map(OrdSet::from_range);
        for (gi, g) in groups.iter().enumerate() {
            if gi < skip_first {
                continue;
            }
            // A set already small enough to score is not narrowed by reading a much
            // longer list: the score weighs that word anyway.
            if let Some(c) = &cur {
                let n = c.len();
                if n <= cap / 2 && g.df > 16 * n as u64 {
                    continue;
                }
            }
            // Only the chunks the current candidates lie in are read.
            let keys = cur.as_ref().map(OrdSet::keys);
            let words = self.postings_union(&g.vars, keys.as_deref())?;
            let next = match &cur {
                None => words,
                Some(c) => c.and(&words),
            };
            if next.is_empty() {
                continue;
            }
            let n = next.len();
            cur = Some(next);
            if n <= 8 {
                // Few enough: later groups only rank, through the score.
                break;
            }
        }
        Ok(cur
            .map(|c| c.iter().take(cap.max(1) * 4).collect())
            .unwrap_or_default())
    }
}

/// The dictionary entries that stand for one query word or number (the word and its
/// alternatives, prefix completions or near misses), and their postings' total
/// length: the intersection starts from the rarest group.
struct Group {
    vars: Vec<TermInfo>,
    df: u64,
}

impl Group {
    fn new(vars: Vec<TermInfo>) -> Group {
        let df = vars.iter().map(|v| v.df as u64).sum();
        Group { vars, df }
    }
}
