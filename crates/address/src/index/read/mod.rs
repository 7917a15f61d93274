//! Opens an index and makes the positioned reads every lookup is built from: the
//! header and directory checks (`open_named`), single and merged reads (`read_at`,
//! `read_many`) and their counters. What is read from where is in two submodules:
//! `tables` (the fixed-entry tables: postcodes, UPRNs, USRNs, spatial cells, and the
//! property entries, search forms and records they point to) and `terms` (the term
//! dictionary and the postings of free-text search).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use super::{
    Directory, FENCE_KEYS_PER_PAGE, FORMAT_VERSION, HEADER_LEN, IndexError, MAGIC, PROPS_ENTRY,
    TableInfo, crc32,
};

mod tables;
mod terms;

pub(crate) use tables::PropEntry;
pub(crate) use terms::TermInfo;
use terms::{FenceEntry, TermBlock};

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

/// Why a fixed table's shape in the directory does not fit the format or the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableShapeError {
    /// The table's values are not the size this format gives them.
    #[error("value size {found} (expected {expected})")]
    ValueSize {
        /// The size in the directory.
        found: u32,
        /// The format's size.
        expected: u32,
    },
    /// The entries per page do not follow from the page and entry sizes.
    #[error("{found} entries per page (expected {expected})")]
    PageEntries {
        /// The count in the directory.
        found: u32,
        /// What the page and entry sizes give.
        expected: u64,
    },
    /// The page count does not hold the entry count.
    #[error("{pages} pages for {entries} entries")]
    PageCount {
        /// Pages, as the directory says.
        pages: u64,
        /// Entries, as the directory says.
        entries: u64,
    },
    /// The top fence does not have one key per fence page.
    #[error("top fence of {keys} keys for {fence_pages} fence pages")]
    TopFence {
        /// Keys in the top fence.
        keys: usize,
        /// Fence pages the page count needs.
        fence_pages: u64,
    },
    /// The entries or the fence would end past the end of the file.
    #[error("entries or fence outside the file")]
    OutsideFile,
}

/// Checks a fixed table's shape against the file: value size, page size, entry and
/// fence extents, top fence length.
fn check_table(t: &TableInfo, value_size: u32, len: u64) -> Result<(), TableShapeError> {
    if t.value_size != value_size {
        return Err(TableShapeError::ValueSize {
            found: t.value_size,
            expected: value_size,
        });
    }
    let e = t.entry_size();
    let pe = (super::PAGE as u64 / e).max(1);
    if t.page_entries as u64 != pe {
        return Err(TableShapeError::PageEntries {
            found: t.page_entries,
            expected: pe,
        });
    }
    if t.pages != t.count.div_ceil(pe) {
        return Err(TableShapeError::PageCount {
            pages: t.pages,
            entries: t.count,
        });
    }
    let fence_pages = t.pages.div_ceil(FENCE_KEYS_PER_PAGE as u64);
    if t.top.len() as u64 != fence_pages {
        return Err(TableShapeError::TopFence {
            keys: t.top.len(),
            fence_pages,
        });
    }
    let end = t.count.checked_mul(e).and_then(|n| n.checked_add(t.offset));
    let fence_end = t
        .pages
        .checked_mul(8)
        .and_then(|n| n.checked_add(t.fence_offset));
    if end.is_none_or(|x| x > len) || fence_end.is_none_or(|x| x > len) {
        return Err(TableShapeError::OutsideFile);
    }
    Ok(())
}

/// Reads closer than this are merged into one.
const MERGE_GAP: u64 = 4 * 1024;

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
            check_table(t, vs, len).map_err(|problem| IndexError::BadTable {
                name: name.into(),
                table: what,
                problem,
            })?;
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
}
