//! The fixed-entry tables (postcodes, UPRNs, USRNs, BNG and WGS84 spatial cells),
//! found through their fences in one or two reads, and what their entries point to:
//! `PROPS` entries, search forms and property records; and the whole index decoded
//! back into a gazetteer for change-only updates.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};

use super::super::{FENCE_KEYS_PER_PAGE, PROPS_ENTRY, PropMeta, StoredProperty, TableInfo};
use super::{AddressIndex, IndexError, le_i32, le_u32, le_u64};
use crate::model::{Gazetteer, PostcodeUnitRecord, Street};
use crate::postcode::Postcode;

/// One `PROPS` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PropEntry {
    /// The record.
    pub(crate) offset: u64,
    pub(crate) len: u32,
    /// The search form.
    pub(crate) form_offset: u64,
    pub(crate) form_len: u32,
    pub(crate) meta: PropMeta,
}

/// A decoded postcode table entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PostcodeEntry {
    pub(crate) postcode: Postcode,
    pub(crate) first: u32,
    pub(crate) count: u32,
    pub(crate) address_count: u32,
    pub(crate) has_codepoint: bool,
    pub(crate) has_position: bool,
    pub(crate) positional_quality: u8,
    pub(crate) easting: f64,
    pub(crate) northing: f64,
    pub(crate) lon: f64,
    pub(crate) lat: f64,
    pub(crate) district: Option<String>,
    pub(crate) ward: Option<String>,
    pub(crate) county: Option<String>,
    pub(crate) country: Option<String>,
}

/// Fence pages already read during one query.
#[derive(Debug, Default)]
pub(crate) struct FenceCache {
    pages: HashMap<(u64, u64), Vec<u64>>,
}

impl<R: Read + Seek> AddressIndex<R> {
    fn fence_window(
        &self,
        t: &TableInfo,
        fp: u64,
        cache: &mut FenceCache,
    ) -> Result<Vec<u64>, IndexError> {
        if let Some(v) = cache.pages.get(&(t.fence_offset, fp)) {
            return Ok(v.clone());
        }
        let first = fp * FENCE_KEYS_PER_PAGE as u64;
        let n = (t.pages - first).min(FENCE_KEYS_PER_PAGE as u64);
        let b = self.read_at(t.fence_offset + first * 8, n * 8)?;
        let keys: Vec<u64> = b.chunks_exact(8).map(|c| le_u64(c, 0)).collect();
        cache.pages.insert((t.fence_offset, fp), keys.clone());
        Ok(keys)
    }

    /// Number of fence keys (pages) whose first key satisfies `pred`, where `pred`
    /// is true for a prefix of the sorted fence.
    fn fence_partition(
        &self,
        t: &TableInfo,
        pred: impl Fn(u64) -> bool,
        cache: &mut FenceCache,
    ) -> Result<u64, IndexError> {
        let j = t.top.partition_point(|&k| pred(k));
        if j == 0 {
            return Ok(0);
        }
        let fp = (j - 1) as u64;
        let keys = self.fence_window(t, fp, cache)?;
        Ok(fp * FENCE_KEYS_PER_PAGE as u64 + keys.partition_point(|&k| pred(k)) as u64)
    }

    /// Entries with `lo <= key <= hi`: two fence look-ups (usually one fence read)
    /// and one read of the pages between. Returns the raw entries.
    pub(crate) fn table_range(
        &self,
        t: &TableInfo,
        lo: u64,
        hi: u64,
        cache: &mut FenceCache,
    ) -> Result<Vec<(u64, Vec<u8>)>, IndexError> {
        if t.count == 0 || lo > hi {
            return Ok(Vec::new());
        }
        let p_hi = self.fence_partition(t, |k| k <= hi, cache)?;
        if p_hi == 0 {
            return Ok(Vec::new());
        }
        let last_page = p_hi - 1;
        let first_page = self
            .fence_partition(t, |k| k < lo, cache)?
            .saturating_sub(1);
        let e = t.entry_size();
        let pe = t.page_entries as u64;
        let first_entry = first_page * pe;
        let end_entry = ((last_page + 1) * pe).min(t.count);
        if first_entry >= end_entry {
            return Ok(Vec::new());
        }
        let b = self.read_at(t.offset + first_entry * e, (end_entry - first_entry) * e)?;
        let mut out = Vec::new();
        for c in b.chunks_exact(e as usize) {
            let k = le_u64(c, 0);
            if k >= lo && k <= hi {
                out.push((k, c[8..].to_vec()));
            } else if k > hi {
                break;
            }
        }
        Ok(out)
    }

    /// `PROPS` entries of the given ordinals (merged reads).
    pub(crate) fn props(&self, ords: &[u32]) -> Result<HashMap<u32, PropEntry>, IndexError> {
        let n = self.dir.meta.property_count;
        let ranges: Vec<(u64, u64)> = ords
            .iter()
            .filter(|&&o| (o as u64) < n)
            .map(|&o| (self.dir.props.offset + o as u64 * PROPS_ENTRY, PROPS_ENTRY))
            .collect();
        let valid: Vec<u32> = ords.iter().copied().filter(|&o| (o as u64) < n).collect();
        let bufs = self.read_many(&ranges)?;
        Ok(valid
            .into_iter()
            .zip(bufs)
            .map(|(o, b)| (o, decode_prop(&b)))
            .collect())
    }

    /// `PROPS` entries `first..first+count` in one read.
    pub(crate) fn props_range(&self, first: u32, count: u32) -> Result<Vec<PropEntry>, IndexError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        if first as u64 + count as u64 > self.dir.meta.property_count {
            return Err(self.corrupt("postcode entry points past the property table"));
        }
        let b = self.read_at(
            self.dir.props.offset + first as u64 * PROPS_ENTRY,
            count as u64 * PROPS_ENTRY,
        )?;
        Ok(b.chunks_exact(PROPS_ENTRY as usize)
            .map(decode_prop)
            .collect())
    }

    /// The raw search forms at the given `(offset, length)` positions (merged reads),
    /// in the order given.
    pub(crate) fn forms(&self, spans: &[(u64, u32)]) -> Result<Vec<Vec<u8>>, IndexError> {
        let s = &self.dir.search;
        let ranges: Vec<(u64, u64)> = spans.iter().map(|&(o, l)| (o, l as u64)).collect();
        if ranges
            .iter()
            .any(|&(o, l)| o < s.offset || o.saturating_add(l) > s.offset + s.len)
        {
            return Err(self.corrupt("search form outside its section"));
        }
        self.read_many(&ranges)
    }

    /// Decodes the records at the given positions (merged reads).
    pub(crate) fn records(
        &self,
        spans: &[(u32, u64, u32)],
    ) -> Result<HashMap<u32, StoredProperty>, IndexError> {
        let ranges: Vec<(u64, u64)> = spans.iter().map(|s| (s.1, s.2 as u64)).collect();
        for (o, l) in &ranges {
            if o.saturating_add(*l) > self.dir.records.offset + self.dir.records.len
                || *o < self.dir.records.offset
            {
                return Err(self.corrupt("record position outside the records section"));
            }
        }
        let bufs = self.read_many(&ranges)?;
        let mut out = HashMap::with_capacity(spans.len());
        for (s, b) in spans.iter().zip(bufs) {
            let sp: StoredProperty = postcard::from_bytes(&b)
                .map_err(|e| self.corrupt(format!("record {} does not decode: {e}", s.0)))?;
            out.insert(s.0, sp);
        }
        Ok(out)
    }

    /// The record of a UPRN: UPRN table (fence + page) and the record: 2-3 reads.
    pub(crate) fn record_by_uprn(
        &self,
        uprn: u64,
    ) -> Result<Option<(u32, StoredProperty)>, IndexError> {
        let mut cache = FenceCache::default();
        let rows = self.table_range(&self.dir.uprns, uprn, uprn, &mut cache)?;
        let Some((_, v)) = rows.first() else {
            return Ok(None);
        };
        let ord = le_u32(v, 0);
        let len = le_u32(v, 4);
        let off = le_u64(v, 8);
        let mut recs = self.records(&[(ord, off, len)])?;
        Ok(recs.remove(&ord).map(|r| (ord, r)))
    }

    /// Postcode table entries in a key range.
    pub(crate) fn postcode_entries(
        &self,
        lo: u64,
        hi: u64,
    ) -> Result<Vec<PostcodeEntry>, IndexError> {
        let mut cache = FenceCache::default();
        let rows = self.table_range(&self.dir.postcodes, lo, hi, &mut cache)?;
        rows.into_iter()
            .map(|(k, v)| decode_postcode(k, &v).ok_or_else(|| self.corrupt("bad postcode key")))
            .collect()
    }

    /// USRN postings: `(ordinal, meta)` in Surrey order.
    pub(crate) fn usrn_postings(&self, usrn: u64) -> Result<Vec<(u32, PropMeta)>, IndexError> {
        let mut cache = FenceCache::default();
        let rows = self.table_range(&self.dir.usrns, usrn, usrn, &mut cache)?;
        Ok(rows
            .into_iter()
            .map(|(_, v)| (le_u32(&v, 0), PropMeta::get(&v[4..20])))
            .collect())
    }

    /// Spatial entries in grid cells `(row, col0..=col1)` for each row in `rows`:
    /// `(ordinal, easting, northing, meta)`.
    pub(crate) fn spatial_cells(
        &self,
        rows: std::ops::RangeInclusive<u64>,
        cols: (u64, u64),
    ) -> Result<Vec<(u32, f64, f64, PropMeta)>, IndexError> {
        let mut cache = FenceCache::default();
        let mut out = Vec::new();
        for r in rows {
            let lo = (r << 32) | cols.0;
            let hi = (r << 32) | cols.1;
            for (_, v) in self.table_range(&self.dir.spatial, lo, hi, &mut cache)? {
                out.push((
                    le_u32(&v, 0),
                    le_u32(&v, 4) as f64 / 10.0,
                    le_u32(&v, 8) as f64 / 10.0,
                    PropMeta::get(&v[12..28]),
                ));
            }
        }
        Ok(out)
    }

    /// Entries of the WGS84 spatial table in cells `(row, col0..=col1)` for each row
    /// in `rows`: `(ordinal, longitude, latitude, meta)`.
    pub(crate) fn spatial_wgs84_cells(
        &self,
        rows: std::ops::RangeInclusive<u64>,
        cols: (u64, u64),
    ) -> Result<Vec<(u32, f64, f64, PropMeta)>, IndexError> {
        let mut out = Vec::new();
        if self.dir.spatial_wgs84.count == 0 {
            return Ok(out);
        }
        let mut cache = FenceCache::default();
        for r in rows {
            let lo = (r << 32) | cols.0;
            let hi = (r << 32) | cols.1;
            for (_, v) in self.table_range(&self.dir.spatial_wgs84, lo, hi, &mut cache)? {
                out.push((
                    le_u32(&v, 0),
                    le_u32(&v, 4) as i32 as f64 / 1e7,
                    le_u32(&v, 8) as i32 as f64 / 1e7,
                    PropMeta::get(&v[12..28]),
                ));
            }
        }
        Ok(out)
    }

    /// Decodes the whole index back into a [`Gazetteer`] (for change-only updates and
    /// re-export). This reads everything; queries never call it.
    pub fn to_gazetteer(&self) -> Result<Gazetteer, IndexError> {
        let d = &self.dir;
        let mut g = Gazetteer {
            supply: d.meta.supply.clone(),
            epoch: d.meta.epoch.clone(),
            sources: d.meta.sources.clone(),
            ..Gazetteer::default()
        };
        let streets: Vec<Street> =
            postcard::from_bytes(&self.read_at(d.streets.offset, d.streets.len)?)
                .map_err(|e| self.corrupt(format!("streets do not decode: {e}")))?;
        g.streets = streets.into_iter().map(|s| (s.usrn, s)).collect();
        let props = self.read_at(d.props.offset, d.props.len)?;
        let recs = self.read_at(d.records.offset, d.records.len)?;
        for c in props.chunks_exact(PROPS_ENTRY as usize) {
            let p = decode_prop(c);
            let a = p.offset.saturating_sub(d.records.offset) as usize;
            let sp: StoredProperty = recs
                .get(a..a.saturating_add(p.len as usize))
                .and_then(|b| postcard::from_bytes(b).ok())
                .ok_or_else(|| self.corrupt("record does not decode"))?;
            g.properties.insert(sp.property.uprn, sp.property);
        }
        let t = &d.postcodes;
        let all = self.read_at(t.offset, t.count * t.entry_size())?;
        let mut units = BTreeMap::new();
        for c in all.chunks_exact(t.entry_size() as usize) {
            let e = decode_postcode(le_u64(c, 0), &c[8..])
                .ok_or_else(|| self.corrupt("bad postcode key"))?;
            if e.has_codepoint {
                units.insert(
                    e.postcode.key(),
                    PostcodeUnitRecord {
                        positional_quality: e.positional_quality,
                        position: e.has_position.then_some((e.easting, e.northing)),
                        lonlat: e.has_position.then_some((e.lon, e.lat)),
                        country_code: e.country.clone(),
                        nhs_region_code: None,
                        nhs_ha_code: None,
                        county_code: e.county.clone(),
                        district_code: e.district.clone(),
                        ward_code: e.ward.clone(),
                        postcode: e.postcode,
                    },
                );
            }
        }
        g.postcodes = units;
        Ok(g)
    }
}

fn decode_prop(b: &[u8]) -> PropEntry {
    PropEntry {
        offset: le_u64(b, 0),
        len: le_u32(b, 8),
        form_len: le_u32(b, 12),
        form_offset: le_u64(b, 16),
        meta: PropMeta::get(&b[24..40]),
    }
}

fn code(b: &[u8]) -> Option<String> {
    let s: String = b
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as char)
        .collect();
    (!s.is_empty()).then_some(s)
}

fn decode_postcode(key: u64, v: &[u8]) -> Option<PostcodeEntry> {
    if v.len() < 68 {
        return None;
    }
    Some(PostcodeEntry {
        postcode: Postcode::from_key(key)?,
        first: le_u32(v, 0),
        count: le_u32(v, 4),
        address_count: le_u32(v, 8),
        has_codepoint: v[12] & 1 != 0,
        has_position: v[12] & 2 != 0,
        positional_quality: v[13],
        easting: le_u32(v, 16) as f64 / 10.0,
        northing: le_u32(v, 20) as f64 / 10.0,
        lon: le_i32(v, 24) as f64 / 1e7,
        lat: le_i32(v, 28) as f64 / 1e7,
        district: code(&v[32..41]),
        ward: code(&v[41..50]),
        county: code(&v[50..59]),
        country: code(&v[59..68]),
    })
}
