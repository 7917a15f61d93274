//! Opens an index and answers the low-level lookups with positioned reads.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use super::postings::{self, Container, OrdSet, Union};
use super::{
    Directory, FENCE_KEYS_PER_PAGE, FORMAT_VERSION, HEADER_LEN, IndexError, MAGIC, PROPS_ENTRY,
    PropMeta, StoredProperty, TableInfo, crc32, get_varint,
};
use crate::model::{Gazetteer, PostcodeUnitRecord, Street};
use crate::postcode::Postcode;

/// How many positioned reads (and bytes) an index handle has made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Positioned reads (one seek + one read each).
    pub reads: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// An open address index over any `Read + Seek` (a WASI file, a `File`, a `Cursor`).
///
/// Opening reads the 64-byte header and the directory (one read when the directory
/// fits the first 4 KiB, two otherwise); nothing else is read until a query asks.
pub struct AddressIndex<R> {
    inner: RefCell<R>,
    name: String,
    len: u64,
    dir: Directory,
    stats: Cell<ReadStats>,
    term_fence: OnceCell<Vec<FenceEntry>>,
    /// Dictionary blocks decoded by this handle: a query looks up several words,
    /// often in the same block.
    term_cache: RefCell<HashMap<usize, TermBlock>>,
}

impl<R> std::fmt::Debug for AddressIndex<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressIndex")
            .field("name", &self.name)
            .field("properties", &self.dir.meta.property_count)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FenceEntry {
    pub(crate) block_off: u64,
    pub(crate) block_len: u32,
    pub(crate) first: String,
}

/// A term's document frequency and postings position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermInfo {
    pub(crate) df: u32,
    pub(crate) p_off: u64,
    pub(crate) p_len: u64,
}

/// A decoded dictionary block: its terms in order, with their entries.
type TermBlock = Rc<Vec<(String, TermInfo)>>;

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
    pub(crate) pq: u8,
    pub(crate) e: f64,
    pub(crate) n: f64,
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

// Reads of fixed-size fields; short input (a damaged index) reads as zero rather than
// panicking, and the table shapes are checked when the index is opened.
fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}
fn le_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}
fn le_i32(b: &[u8], at: usize) -> i32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, i32::from_le_bytes)
}

/// Checks a fixed table's shape against the file: value size, page size, entry and
/// fence extents, top fence length.
fn check_table(t: &TableInfo, value_size: u32, len: u64) -> Result<(), String> {
    if t.value_size != value_size {
        return Err(format!(
            "value size {} (expected {value_size})",
            t.value_size
        ));
    }
    let e = t.entry_size();
    let pe = (super::PAGE as u64 / e).max(1);
    if t.page_entries as u64 != pe {
        return Err(format!(
            "{} entries per page (expected {pe})",
            t.page_entries
        ));
    }
    if t.pages != t.count.div_ceil(pe) {
        return Err(format!("{} pages for {} entries", t.pages, t.count));
    }
    let fence_pages = t.pages.div_ceil(FENCE_KEYS_PER_PAGE as u64);
    if t.top.len() as u64 != fence_pages {
        return Err(format!(
            "top fence of {} keys for {fence_pages} fence pages",
            t.top.len()
        ));
    }
    let end = t.count.checked_mul(e).and_then(|n| n.checked_add(t.offset));
    let fence_end = t
        .pages
        .checked_mul(8)
        .and_then(|n| n.checked_add(t.fence_offset));
    if end.is_none_or(|x| x > len) || fence_end.is_none_or(|x| x > len) {
        return Err("entries or fence outside the file".into());
    }
    Ok(())
}

/// Reads closer than this are merged into one.
const MERGE_GAP: u64 = 4 * 1024;
/// Postings up to this size are read whole with their directory (one read).
const SMALL_POSTINGS: u64 = 4 * 1024;

impl<R: Read + Seek> AddressIndex<R> {
    /// Opens an index: reads the header and the directory, checks magic, version,
    /// length and the directory checksum.
    pub fn open(reader: R) -> Result<AddressIndex<R>, IndexError> {
        AddressIndex::open_named(reader, "address index")
    }

    /// As [`AddressIndex::open`], naming the index (its path) in errors.
    pub fn open_named(mut reader: R, name: &str) -> Result<AddressIndex<R>, IndexError> {
        let io = |source| IndexError::Io {
            name: name.to_string(),
            source,
        };
        let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
        if len < HEADER_LEN as u64 {
            return Err(IndexError::Truncated {
                name: name.into(),
                expected: HEADER_LEN as u64,
                actual: len,
            });
        }
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        let first = (len as usize).min(4096);
        let mut head = vec![0u8; first];
        reader.read_exact(&mut head).map_err(io)?;
        let mut stats = ReadStats {
            reads: 1,
            bytes: first as u64,
        };
        if &head[0..8] != MAGIC {
            return Err(IndexError::BadMagic(name.into()));
        }
        let version = le_u32(&head, 8);
        if version != FORMAT_VERSION {
            return Err(IndexError::UnsupportedVersion {
                name: name.into(),
                found: version,
            });
        }
        let file_len = le_u64(&head, 16);
        if file_len != len {
            return Err(IndexError::Truncated {
                name: name.into(),
                expected: file_len,
                actual: len,
            });
        }
        let dir_off = le_u64(&head, 24);
        let dir_len = le_u32(&head, 32) as u64;
        let crc = le_u32(&head, 36);
        let corrupt = |what: String| IndexError::Corrupt {
            name: name.into(),
            what,
        };
        if dir_off.checked_add(dir_len).is_none_or(|e| e > len) {
            return Err(corrupt("directory lies outside the file".into()));
        }
        let dir_bytes = if dir_off + dir_len <= first as u64 {
            head[dir_off as usize..(dir_off + dir_len) as usize].to_vec()
        } else {
            reader.seek(SeekFrom::Start(dir_off)).map_err(io)?;
            let mut b = vec![0u8; dir_len as usize];
            reader.read_exact(&mut b).map_err(io)?;
            stats.reads += 1;
            stats.bytes += dir_len;
            b
        };
        if crc32(&dir_bytes) != crc {
            return Err(corrupt("directory checksum mismatch".into()));
        }
        let dir: Directory = postcard::from_bytes(&dir_bytes)
            .map_err(|e| corrupt(format!("directory does not decode: {e}")))?;
        for (what, t, vs) in [
            ("postcode", &dir.postcodes, super::write::POSTCODE_VALUE),
            ("UPRN", &dir.uprns, 16),
            ("USRN", &dir.usrns, 20),
            ("spatial", &dir.spatial, 28),
            ("WGS84 spatial", &dir.spatial_wgs84, 28),
        ] {
            check_table(t, vs, len).map_err(|e| corrupt(format!("{what} table: {e}")))?;
        }
        if dir.props.len != dir.meta.property_count.saturating_mul(PROPS_ENTRY) {
            return Err(corrupt(
                "the property table does not match the property count".into(),
            ));
        }
        for (what, end) in [
            (
                "records",
                dir.records.offset.saturating_add(dir.records.len),
            ),
            ("props", dir.props.offset.saturating_add(dir.props.len)),
            ("search", dir.search.offset.saturating_add(dir.search.len)),
            (
                "streets",
                dir.streets.offset.saturating_add(dir.streets.len),
            ),
            (
                "term fence",
                dir.terms.fence.offset.saturating_add(dir.terms.fence.len),
            ),
            (
                "term blocks",
                dir.terms.blocks.offset.saturating_add(dir.terms.blocks.len),
            ),
            (
                "postings",
                dir.terms
                    .postings
                    .offset
                    .saturating_add(dir.terms.postings.len),
            ),
        ] {
            if end > len {
                return Err(corrupt(format!("{what} section lies outside the file")));
            }
        }
        Ok(AddressIndex {
            inner: RefCell::new(reader),
            name: name.to_string(),
            len,
            dir,
            stats: Cell::new(stats),
            term_fence: OnceCell::new(),
            term_cache: RefCell::new(HashMap::new()),
        })
    }

    /// The directory (index facts and section positions).
    pub fn directory(&self) -> &Directory {
        &self.dir
    }

    /// The name errors use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads made so far by this handle (opening included).
    pub fn stats(&self) -> ReadStats {
        self.stats.get()
    }

    /// Resets the read counters.
    pub fn reset_stats(&self) {
        self.stats.set(ReadStats::default());
    }

    pub(crate) fn corrupt(&self, what: impl Into<String>) -> IndexError {
        IndexError::Corrupt {
            name: self.name.clone(),
            what: what.into(),
        }
    }

    /// One positioned read.
    pub(crate) fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, IndexError> {
        // Never past the end: a damaged section cannot ask for more than the file.
        if offset.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(self.corrupt(format!(
                "a read of {len} bytes at {offset} goes past the end ({} bytes)",
                self.len
            )));
        }
        let mut buf = vec![0u8; len as usize];
        if len == 0 {
            return Ok(buf);
        }
        let mut r = self.inner.borrow_mut();
        let io = |source| IndexError::Io {
            name: self.name.clone(),
            source,
        };
        r.seek(SeekFrom::Start(offset)).map_err(io)?;
        r.read_exact(&mut buf).map_err(io)?;
        let mut s = self.stats.get();
        s.reads += 1;
        s.bytes += len;
        self.stats.set(s);
        Ok(buf)
    }

    /// Reads many ranges, merging those less than 4 KiB apart into one read.
    /// Returns the bytes of each range, in the order given.
    pub(crate) fn read_many(&self, ranges: &[(u64, u64)]) -> Result<Vec<Vec<u8>>, IndexError> {
        let mut order: Vec<usize> = (0..ranges.len()).collect();
        order.sort_by_key(|&i| ranges[i].0);
        let mut out: Vec<Vec<u8>> = vec![Vec::new(); ranges.len()];
        let mut i = 0;
        while i < order.len() {
            let start = ranges[order[i]].0;
            let mut end = start.saturating_add(ranges[order[i]].1);
            let mut j = i + 1;
            while j < order.len() && ranges[order[j]].0 <= end.saturating_add(MERGE_GAP) {
                end = end.max(ranges[order[j]].0.saturating_add(ranges[order[j]].1));
                j += 1;
            }
            let buf = self.read_at(start, end - start)?;
            for &k in &order[i..j] {
                let (o, l) = ranges[k];
                let a = (o - start) as usize;
                out[k] = buf[a..a + l as usize].to_vec();
            }
            i = j;
        }
        Ok(out)
    }

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

    pub(crate) fn term_fence(&self) -> Result<&[FenceEntry], IndexError> {
        if let Some(f) = self.term_fence.get() {
            return Ok(f);
        }
        let t = &self.dir.terms;
        let b = self.read_at(t.fence.offset, t.fence.len)?;
        let mut v = Vec::with_capacity(t.n_blocks as usize);
        let mut pos = 0;
        while pos < b.len() {
            if pos + 13 > b.len() {
                return Err(self.corrupt("term fence truncated"));
            }
            let off = le_u64(&b, pos);
            let len = le_u32(&b, pos + 8);
            let tl = b[pos + 12] as usize;
            pos += 13;
            let Some(term) = b.get(pos..pos + tl) else {
                return Err(self.corrupt("term fence truncated"));
            };
            // Blocks follow each other inside the dictionary.
            let prev_end = v
                .last()
                .map_or(0, |f: &FenceEntry| f.block_off + f.block_len as u64);
            if off < prev_end || off.saturating_add(len as u64) > t.blocks.len {
                return Err(self.corrupt("term fence points outside the dictionary"));
            }
            v.push(FenceEntry {
                block_off: off,
                block_len: len,
                first: String::from_utf8_lossy(term).into_owned(),
            });
            pos += tl;
        }
        Ok(self.term_fence.get_or_init(|| v))
    }

    /// Decodes term blocks `b0..=b1` into `(term, info)`: one read of the blocks this
    /// handle has not decoded yet.
    fn term_blocks(&self, b0: usize, b1: usize) -> Result<Vec<TermBlock>, IndexError> {
        let fence = self.term_fence()?;
        if fence.is_empty() || b0 > b1 || b1 >= fence.len() {
            return Ok(Vec::new());
        }
        let missing: Vec<usize> = {
            let cache = self.term_cache.borrow();
            (b0..=b1).filter(|b| !cache.contains_key(b)).collect()
        };
        if let (Some(&m0), Some(&m1)) = (missing.first(), missing.last()) {
            let start = fence[m0].block_off;
            let end = fence[m1].block_off + fence[m1].block_len as u64;
            let base = self.dir.terms.blocks.offset;
            if end > self.dir.terms.blocks.len {
                return Err(self.corrupt("term block outside the dictionary"));
            }
            let buf = self.read_at(base + start, end - start)?;
            let mut cache = self.term_cache.borrow_mut();
            for (b, fe) in fence.iter().enumerate().take(m1 + 1).skip(m0) {
                let a = (fe.block_off - start) as usize;
                let blk = &buf[a..a + fe.block_len as usize];
                let mut out = Vec::new();
                decode_block(blk, &mut out)
                    .ok_or_else(|| self.corrupt("term block does not decode"))?;
                cache.insert(b, Rc::new(out));
            }
        }
        let cache = self.term_cache.borrow();
        Ok((b0..=b1).filter_map(|b| cache.get(&b).cloned()).collect())
    }

    /// The dictionary entry of one term: fence (once per handle) and one block read.
    pub(crate) fn term(&self, term: &str) -> Result<Option<TermInfo>, IndexError> {
        let fence = self.term_fence()?;
        let b = fence.partition_point(|f| f.first.as_str() <= term);
        if b == 0 {
            return Ok(None);
        }
        Ok(self.term_blocks(b - 1, b - 1)?.iter().find_map(|blk| {
            blk.binary_search_by(|(t, _)| t.as_str().cmp(term))
                .ok()
                .map(|i| blk[i].1)
        }))
    }

    /// Every word starting with `prefix` (one read of the blocks that hold them);
    /// the precomputed prefix entries (`C*`) are not words and are left out.
    pub(crate) fn terms_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, TermInfo)>, IndexError> {
        let fence = self.term_fence()?;
        if fence.is_empty() {
            return Ok(Vec::new());
        }
        let b0 = fence
            .partition_point(|f| f.first.as_str() < prefix)
            .saturating_sub(1);
        let b1 = fence
            .partition_point(|f| f.first.as_str() < prefix || f.first.starts_with(prefix))
            .saturating_sub(1)
            .max(b0);
        Ok(self
            .term_blocks(b0, b1)?
            .iter()
            .flat_map(|blk| blk.iter())
            .filter(|(t, _)| t.starts_with(prefix) && !t.ends_with('*'))
            .cloned()
            .collect())
    }

    /// The union of the postings of several terms (a word and its variants), as one
    /// set. With `only`, just the chunks listed are read (the chunks the current
    /// candidates lie in): the directories of the terms in one merged read, then the
    /// containers needed in another.
    pub(crate) fn postings_union(
        &self,
        infos: &[TermInfo],
        only: Option<&[u16]>,
    ) -> Result<OrdSet, IndexError> {
        let base = self.dir.terms.postings.offset;
        let sec_len = self.dir.terms.postings.len;
        if infos
            .iter()
            .any(|i| i.p_off.checked_add(i.p_len).is_none_or(|e| e > sec_len))
        {
            return Err(self.corrupt("postings outside their section"));
        }
        let max_chunks = self.dir.meta.property_count.div_ceil(1 << 16).max(1);
        // A short list is read whole with its directory; a long one's directory first.
        let whole = |i: &TermInfo| i.p_len <= SMALL_POSTINGS;
        let heads: Vec<(u64, u64)> = infos
            .iter()
            .map(|i| {
                let len = if whole(i) {
                    i.p_len
                } else {
                    i.p_len.min(postings::dir_size(max_chunks))
                };
                (base + i.p_off, len)
            })
            .collect();
        let head_bufs = self.read_many(&heads)?;
        let mut union = Union::default();
        let mut wanted: Vec<(u64, u64)> = Vec::new();
        let mut wanted_refs: Vec<postings::ContainerRef> = Vec::new();
        for (info, head) in infos.iter().zip(&head_bufs) {
            let dir = postings::decode_dir(head, info.p_len, max_chunks)
                .ok_or_else(|| self.corrupt("postings directory does not decode"))?;
            for c in dir {
                if only.is_some_and(|keys| keys.binary_search(&c.key).is_err()) {
                    continue;
                }
                if whole(info) {
                    let b = head.get(c.off as usize..).unwrap_or_default();
                    let cont = Container::decode(b, c.card)
                        .ok_or_else(|| self.corrupt("postings container does not decode"))?;
                    union.add(c.key, cont);
                } else {
                    wanted.push((base + info.p_off + c.off, postings::container_size(c.card)));
                    wanted_refs.push(c);
                }
            }
        }
        for (c, b) in wanted_refs.iter().zip(self.read_many(&wanted)?) {
            let cont = Container::decode(&b, c.card)
                .ok_or_else(|| self.corrupt("postings container does not decode"))?;
            union.add(c.key, cont);
        }
        Ok(union.finish())
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
                        positional_quality: e.pq,
                        position: e.has_position.then_some((e.e, e.n)),
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
        pq: v[13],
        e: le_u32(v, 16) as f64 / 10.0,
        n: le_u32(v, 20) as f64 / 10.0,
        lon: le_i32(v, 24) as f64 / 1e7,
        lat: le_i32(v, 28) as f64 / 1e7,
        district: code(&v[32..41]),
        ward: code(&v[41..50]),
        county: code(&v[50..59]),
        country: code(&v[59..68]),
    })
}

fn decode_block(blk: &[u8], out: &mut Vec<(String, TermInfo)>) -> Option<()> {
    let mut p_off = u64::from_le_bytes(blk.get(0..8)?.try_into().ok()?);
    let count = u16::from_le_bytes(blk.get(8..10)?.try_into().ok()?);
    let mut pos = 10;
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let shared = *blk.get(pos)? as usize;
        let slen = *blk.get(pos + 1)? as usize;
        pos += 2;
        let suffix = blk.get(pos..pos + slen)?;
        pos += slen;
        if shared > prev.len() {
            return None;
        }
        prev.truncate(shared);
        prev.extend_from_slice(suffix);
        let df = get_varint(blk, &mut pos)?;
        let plen = get_varint(blk, &mut pos)?;
        out.push((
            String::from_utf8_lossy(&prev).into_owned(),
            TermInfo {
                df: df as u32,
                p_off,
                p_len: plen,
            },
        ));
        p_off = p_off.wrapping_add(plen);
    }
    Some(())
}
