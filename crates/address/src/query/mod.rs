//! The queries of `council:address/lookup`, on an open [`AddressIndex`].
//!
//! Every query reads only what it needs (see `docs/address-index.md` for the read
//! counts): list queries count, filter and sort from the fixed-size entries of the
//! postcode, USRN and spatial tables and read property records only for the page.
//!
//! - `lookup`: the index's facts and the keyed look-ups (postcode or postcode
//!   prefix, UPRN, USRN, one postcode unit).
//! - `spatial`: nearest, within a radius and within a box, on the British National
//!   Grid and in WGS84.
//! - `search`: free-text `find` and type-ahead `suggest` (candidate retrieval from
//!   the term dictionary, then scoring), with `parse` (free text as postcode,
//!   numbers and words) and `score` (how well an address view matches).
//! - here: what the list queries share: the candidates, the options' filter, the
//!   sort, and the page read.

use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::classification;
use crate::index::{AddressIndex, FormView, IndexError, PropMeta};
use crate::types::{AddressMatch, LookupError, Page, QueryOptions, SortOrder};
use crate::view;

mod lookup;
mod parse;
mod score;
mod search;
mod spatial;

/// Longest free text accepted by `find` and `suggest`, in characters.
pub const MAX_TEXT: usize = 200;
/// How many properties `find` scores at most.
pub const FIND_CANDIDATES: usize = 250;
/// How many properties `suggest` scores at most.
pub const SUGGEST_CANDIDATES: usize = 150;
/// BNG extent accepted for points (the OSTN15 grid's): eastings 0-700 km, northings 0-1250 km.
pub const BNG_MAX: (f64, f64) = (700_000.0, 1_250_000.0);

impl From<IndexError> for LookupError {
    fn from(e: IndexError) -> LookupError {
        LookupError::IndexUnavailable(e.to_string())
    }
}

/// A property in a list, with what is needed to count, filter, sort and read it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// The property's ordinal (its place in the `PROPS` table).
    ord: u32,
    /// Its view counts, class and sort ranks.
    meta: PropMeta,
    /// Its record's offset and length, where the list read them already.
    pos: Option<(u64, u32)>,
    /// Metres from the point asked about (spatial queries).
    distance: Option<f64>,
}

/// What the options let through: the datasets (DPA, LPI), historical records, and
/// the classification codes (by the index's class number).
struct Filter {
    dpa: bool,
    lpi: bool,
    hist: bool,
    allowed: Option<Vec<bool>>,
}

impl Filter {
    fn new<R: Read + Seek>(idx: &AddressIndex<R>, o: &QueryOptions) -> Filter {
        let (dpa, lpi) = o.effective_datasets();
        let allowed = (!o.classification.is_empty()).then(|| {
            let codes = &idx.directory().meta.class_codes;
            let mut v = vec![false; codes.len() + 1];
            for (i, c) in codes.iter().enumerate() {
                v[i + 1] = classification::matches(Some(c), &o.classification);
            }
            v
        });
        Filter {
            dpa,
            lpi,
            hist: o.include_historical,
            allowed,
        }
    }
    /// A view of a property that passed `count`: its dataset and status.
    fn view_ok(&self, v: &FormView) -> bool {
        (if v.lpi { self.lpi } else { self.dpa }) && (self.hist || !v.historical)
    }
    fn class_ok(&self, m: &PropMeta) -> bool {
        match &self.allowed {
            None => true,
            Some(v) => v.get(m.class as usize).copied().unwrap_or(false),
        }
    }
    fn count(&self, m: &PropMeta) -> u32 {
        if !self.class_ok(m) {
            return 0;
        }
        m.count(self.dpa, self.lpi, self.hist)
    }
}

/// The candidates in the order `options.sort` asks for.
fn sorted(mut cands: Vec<Candidate>, o: &QueryOptions) -> Vec<Candidate> {
    match o.sort {
        SortOrder::AddressOrder => cands.sort_by_key(|c| c.meta.rank),
        SortOrder::Uprn => cands.sort_by_key(|c| c.meta.uprn_rank),
    }
    cands
}

impl<R: Read + Seek> AddressIndex<R> {
    /// Counts every candidate's records, then reads the records of the page only.
    fn page(
        &self,
        cands: Vec<Candidate>,
        o: &QueryOptions,
        size: u32,
    ) -> Result<Page, LookupError> {
        let f = Filter::new(self, o);
        let counts: Vec<u32> = cands.iter().map(|c| f.count(&c.meta)).collect();
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        let start = o.offset as u64;
        let end = (start + size as u64).min(total);
        let mut need: Vec<(usize, usize, usize)> = Vec::new(); // (cand, skip, take)
        let mut acc = 0u64;
        for (i, &c) in counts.iter().enumerate() {
            let (a, b) = (acc, acc + c as u64);
            acc = b;
            if c == 0 || b <= start {
                continue;
            }
            if a >= end {
                break;
            }
            let skip = start.saturating_sub(a) as usize;
            let take = (end.min(b) - a) as usize - skip;
            need.push((i, skip, take));
        }
        let missing: Vec<u32> = need
            .iter()
            .filter(|n| cands[n.0].pos.is_none())
            .map(|n| cands[n.0].ord)
            .collect();
        let props = if missing.is_empty() {
            HashMap::new()
        } else {
            self.props(&missing)?
        };
        let spans: Vec<(u32, u64, u32)> = need
            .iter()
            .filter_map(|n| {
                let c = &cands[n.0];
                c.pos
                    .or_else(|| props.get(&c.ord).map(|p| (p.offset, p.len)))
                    .map(|(off, len)| (c.ord, off, len))
            })
            .collect();
        let recs = self.records(&spans)?;
        let mut results = Vec::with_capacity(end.saturating_sub(start) as usize);
        for (i, skip, take) in need {
            let c = &cands[i];
            let Some(sp) = recs.get(&c.ord) else {
                return Err(LookupError::IndexUnavailable(format!(
                    "{}: property {} has no record",
                    self.name(),
                    c.ord
                )));
            };
            for a in view::views(sp, f.dpa, f.lpi, f.hist)
                .into_iter()
                .skip(skip)
                .take(take)
            {
                results.push(AddressMatch {
                    address: a,
                    score: 1.0,
                    distance_m: c.distance,
                });
            }
        }
        Ok(Page {
            total: total.min(u32::MAX as u64) as u32,
            offset: o.offset,
            results,
        })
    }
}
