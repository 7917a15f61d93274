//! The index's facts and the keyed look-ups: addresses by postcode (or postcode
//! prefix), by UPRN and by USRN, and one postcode unit's Code-Point Open record.

use std::io::{Read, Seek};

use super::{Candidate, Filter};
use crate::classification;
use crate::index::AddressIndex;
use crate::postcode::{self, Postcode};
use crate::types::{
    Address, BngPoint, IndexInfo, Location, LookupError, Page, PostcodeUnit, QueryOptions,
    SortOrder, Wgs84Point,
};
use crate::view;

impl<R: Read + Seek> AddressIndex<R> {
    /// Describes the index (no reads beyond opening).
    pub fn info(&self) -> Result<IndexInfo, LookupError> {
        let m = &self.directory().meta;
        Ok(IndexInfo {
            format_version: crate::index::FORMAT_VERSION,
            epoch: m.epoch.clone(),
            built: m.built.clone(),
            sources: m.sources.clone(),
            address_count: m.address_count.min(u32::MAX as u64) as u32,
            postcode_count: m.postcode_count.min(u32::MAX as u64) as u32,
        })
    }

    /// Addresses with a postcode or under a postcode prefix (`M31 4AN`, `M31 4`, `M31`, `M`).
    pub fn by_postcode(&self, postcode: &str, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let q = postcode::parse_query(postcode)
            .map_err(|e| LookupError::InvalidPostcode(e.to_string()))?;
        let (lo, hi) = q.key_range();
        let entries = self.postcode_entries(lo, hi)?;
        let with: Vec<_> = entries.iter().filter(|e| e.count > 0).collect();
        let (Some(first), Some(last)) = (with.first(), with.last()) else {
            return Ok(Page {
                total: 0,
                offset: o.offset,
                results: Vec::new(),
            });
        };
        let start = first.first;
        let end = last.first.saturating_add(last.count);
        if end < start {
            return Err(LookupError::IndexUnavailable(format!(
                "{}: corrupt index: postcode entries out of order",
                self.name()
            )));
        }
        let props = self.props_range(start, end - start)?;
        let mut cands: Vec<Candidate> = props
            .iter()
            .enumerate()
            .map(|(i, p)| Candidate {
                ord: start + i as u32,
                meta: p.meta,
                pos: Some((p.offset, p.len)),
                distance: None,
            })
            .collect();
        if o.sort == SortOrder::Uprn {
            cands.sort_by_key(|c| c.meta.uprn_rank);
        }
        self.page(cands, o, size)
    }

    /// Every record of one property (its DPAs and LPIs under the options).
    pub fn by_uprn(&self, uprn: u64, o: &QueryOptions) -> Result<Vec<Address>, LookupError> {
        let f = Filter::new(self, o);
        let Some((_, sp)) = self.record_by_uprn(uprn)? else {
            return Ok(Vec::new());
        };
        let code = sp.property.classification_code();
        if f.allowed.is_some() && !classification::matches(code, &o.classification) {
            return Ok(Vec::new());
        }
        Ok(view::views(&sp, f.dpa, f.lpi, f.hist))
    }

    /// Addresses on a street, by USRN, in the order of `options.sort`.
    pub fn by_usrn(&self, usrn: u64, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let mut cands: Vec<Candidate> = self
            .usrn_postings(usrn)?
            .into_iter()
            .map(|(ord, meta)| Candidate {
                ord,
                meta,
                pos: None,
                distance: None,
            })
            .collect();
        if o.sort == SortOrder::Uprn {
            cands.sort_by_key(|c| c.meta.uprn_rank);
        }
        self.page(cands, o, size)
    }

    /// The Code-Point record of a full postcode, with how many addresses it has.
    pub fn postcode(&self, postcode: &str) -> Result<Option<PostcodeUnit>, LookupError> {
        let p =
            Postcode::parse(postcode).map_err(|e| LookupError::InvalidPostcode(e.to_string()))?;
        let k = p.key();
        let Some(e) = self.postcode_entries(k, k)?.into_iter().next() else {
            return Ok(None);
        };
        let located = e.has_codepoint && e.has_position;
        Ok(Some(PostcodeUnit {
            postcode: e.postcode.to_string(),
            location: Location {
                bng: located.then_some(BngPoint {
                    easting: e.easting,
                    northing: e.northing,
                }),
                wgs84: if located {
                    Wgs84Point {
                        longitude: e.lon,
                        latitude: e.lat,
                    }
                } else {
                    Wgs84Point::default()
                },
                rpc: if located { 9 } else { 0 },
            },
            positional_quality: if e.has_codepoint {
                e.positional_quality
            } else {
                90
            },
            district_code: e.district,
            ward_code: e.ward,
            county_code: e.county,
            country_code: e.country,
            address_count: e.address_count,
        }))
    }
}
