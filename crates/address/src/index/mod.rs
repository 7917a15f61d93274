//! The on-disk address index: a small fixed header, a directory, and sections read
//! with positioned reads (seek + read), never loaded whole. See `docs/address-index.md`
//! for the layout, the version policy and the read count of every query.

mod form;
mod postings;
mod read;
mod write;

pub(crate) use form::{FormView, SearchForm};
pub(crate) use postings::OrdSet;
pub use read::{AddressIndex, ReadStats, TableShapeError};
pub(crate) use read::{PropEntry, TermInfo};
pub use write::{BuildStats, write_index};

use serde::{Deserialize, Serialize};

use crate::model::{Property, StreetNames, SupplyInfo};
use crate::types::Location;

/// File magic: the first eight bytes of every index.
pub const MAGIC: &[u8; 8] = b"CCADDRIX";
/// The format version this crate writes and reads.
/// Version 3 (issue 11): locations whose BNG is optional, and the WGS84 spatial table
/// for positions outside the OSTN15 grid.
pub const FORMAT_VERSION: u32 = 3;
/// Header size in bytes.
pub const HEADER_LEN: usize = 64;
/// Space reserved after the header for the directory (it moves to the end if larger).
pub const DIR_RESERVED: u64 = 64 * 1024;
/// Page size of the fixed-entry tables and of their fences.
pub const PAGE: usize = 4096;
/// Fence keys per fence page.
pub const FENCE_KEYS_PER_PAGE: usize = PAGE / 8;
/// Bytes per `PROPS` entry: record offset u64, record length u32, search form
/// length u32, search form offset u64, `PropMeta`.
pub const PROPS_ENTRY: u64 = 40;
/// Type-ahead prefixes of up to this many characters have their own postings (the
/// union of every word they begin), posted as the prefix followed by `*`.
pub const PREFIX_TERM_CHARS: usize = 3;
/// Side of a spatial grid cell, metres.
pub const CELL_M: f64 = 250.0;

/// Why an index could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading or seeking failed.
    #[error("{name}: read failed: {source}")]
    Io {
        /// The index's name (file path) as given to `open_named`.
        name: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file does not start with the index magic.
    #[error("{0}: not an address index (bad magic)")]
    BadMagic(String),
    /// A format version this build does not read.
    #[error(
        "{name}: format version {found} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The index's name.
        name: String,
        /// The version in the file.
        found: u32,
    },
    /// The file is shorter or longer than its header says.
    #[error("{name}: truncated or extended: header says {expected} bytes, file has {actual}")]
    Truncated {
        /// The index's name.
        name: String,
        /// Length recorded in the header.
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// A structure failed to decode or points outside the file.
    #[error("{name}: corrupt index: {what}")]
    Corrupt {
        /// The index's name.
        name: String,
        /// What was wrong.
        what: String,
    },
    /// A fixed table's shape in the directory does not fit the format or the file.
    #[error("{name}: corrupt index: {table} table: {problem}")]
    BadTable {
        /// The index's name.
        name: String,
        /// The table (`postcode`, `UPRN`, `USRN`, `spatial`, `WGS84 spatial`).
        table: &'static str,
        /// What is wrong with its shape.
        problem: TableShapeError,
    },
    /// Writing failed.
    #[error("writing the index failed: {0}")]
    Write(#[from] std::io::Error),
}

/// A byte range in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    /// Offset from the start of the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// A table of fixed-size entries `(key u64, value [u8; value_size])` sorted by key,
/// in pages of `PAGE` bytes, with a fence (first key of every page) and a top fence
/// (first key of every fence page) kept in the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    /// Offset of the first entry.
    pub offset: u64,
    /// Number of entries.
    pub count: u64,
    /// Value size in bytes (entries are `8 + value_size`).
    pub value_size: u32,
    /// Entries per page.
    pub page_entries: u32,
    /// Offset of the fence (`u64` first key per page).
    pub fence_offset: u64,
    /// Number of pages.
    pub pages: u64,
    /// First key of every fence page.
    pub top: Vec<u64>,
}

impl TableInfo {
    /// Entry size in bytes.
    pub fn entry_size(&self) -> u64 {
        8 + self.value_size as u64
    }
}

/// The term dictionary and postings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsInfo {
    /// Front-coded term blocks.
    pub blocks: Blob,
    /// First term and position of every block.
    pub fence: Blob,
    /// Postings of every term in term order, as Roaring-style containers
    /// (`postings.rs`).
    pub postings: Blob,
    /// Number of terms.
    pub n_terms: u64,
    /// Number of blocks.
    pub n_blocks: u64,
}

/// Facts about the index kept in the directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Data epoch or release.
    pub epoch: String,
    /// Build date `YYYY-MM-DD`.
    pub built: String,
    /// Source formats.
    pub sources: Vec<String>,
    /// Address records in both views (every status).
    pub address_count: u64,
    /// Postcode units (with addresses or from Code-Point Open).
    pub postcode_count: u64,
    /// Properties (UPRNs).
    pub property_count: u64,
    /// Streets (USRNs).
    pub street_count: u64,
    /// Classification codes; a property's class id is an index here plus one (0 = none).
    pub class_codes: Vec<String>,
    /// Header and metadata records of the supply, kept for re-encoding.
    pub supply: SupplyInfo,
    /// True when the data is generated (the demo or benchmark sets).
    pub generated: bool,
}

/// The directory: where every section is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    /// Index facts.
    pub meta: Meta,
    /// Property records (postcard `StoredProperty`), in ordinal order.
    pub records: Blob,
    /// All streets (postcard `Vec<Street>`), read only to re-encode.
    pub streets: Blob,
    /// Ordinal-indexed `PROPS` array (`PROPS_ENTRY`-byte entries).
    pub props: Blob,
    /// Search forms (postcard `SearchForm`), in ordinal order.
    pub search: Blob,
    /// Postcode units by postcode key.
    pub postcodes: TableInfo,
    /// UPRN to ordinal and record position.
    pub uprns: TableInfo,
    /// USRN to ordinals.
    pub usrns: TableInfo,
    /// Grid cell to ordinals with their position.
    pub spatial: TableInfo,
    /// Positions with no British National Grid equivalent (outside the OSTN15 grid:
    /// Channel Islands, Northern Ireland): latitude/longitude cell to ordinals with
    /// their position (`cell_key_wgs84`; value ordinal u32, longitude and latitude in
    /// 1e-7 degrees i32, `PropMeta`).
    pub spatial_wgs84: TableInfo,
    /// Terms and postings.
    pub terms: TermsInfo,
}

/// One property record as stored: the raw model plus what queries need ready-made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredProperty {
    /// The model, whole.
    pub property: Property,
    /// Street names for each LPI (same order as `property.lpis`).
    pub lpi_streets: Vec<Option<StreetNames>>,
    /// The position shown (BLPU, else the postcode's Code-Point position).
    pub location: Option<Location>,
    /// The postcode the property is filed under, normalised.
    pub postcode: Option<String>,
}

/// Sorting and filtering facts of one property, kept in `PROPS`, `USRNS` and `SPATIAL`
/// so that lists are counted, filtered and sorted without reading records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PropMeta {
    /// Position of the property in Surrey's address order (see `docs`).
    pub rank: u32,
    /// Position of the property in UPRN order.
    pub uprn_rank: u32,
    /// Class id (index into `Meta::class_codes` plus one; 0 none).
    pub class: u16,
    /// Current (no end date) DPAs.
    pub dpa_cur: u8,
    /// Historical DPAs.
    pub dpa_hist: u8,
    /// Current LPIs (status 1, 3, 6).
    pub lpi_cur: u8,
    /// Historical or rejected LPIs (status 8, 9).
    pub lpi_hist: u8,
    /// Bit 0: the BLPU is historical or rejected.
    pub flags: u8,
}

impl PropMeta {
    /// Encoded size.
    pub const SIZE: usize = 16;

    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rank.to_le_bytes());
        out.extend_from_slice(&self.uprn_rank.to_le_bytes());
        out.extend_from_slice(&self.class.to_le_bytes());
        out.extend_from_slice(&[
            self.dpa_cur,
            self.dpa_hist,
            self.lpi_cur,
            self.lpi_hist,
            self.flags,
            0,
        ]);
    }

    fn get(b: &[u8]) -> PropMeta {
        PropMeta {
            rank: u32::from_le_bytes(b[0..4].try_into().unwrap_or_default()),
            uprn_rank: u32::from_le_bytes(b[4..8].try_into().unwrap_or_default()),
            class: u16::from_le_bytes(b[8..10].try_into().unwrap_or_default()),
            dpa_cur: b[10],
            dpa_hist: b[11],
            lpi_cur: b[12],
            lpi_hist: b[13],
            flags: b[14],
        }
    }

    /// The BLPU is historical or rejected.
    pub fn blpu_historical(&self) -> bool {
        self.flags & 1 != 0
    }

    /// How many view records this property yields under the given options.
    pub fn count(&self, dpa: bool, lpi: bool, include_historical: bool) -> u32 {
        if self.blpu_historical() && !include_historical {
            return 0;
        }
        let mut n = 0u32;
        if dpa {
            n += self.dpa_cur as u32;
            if include_historical {
                n += self.dpa_hist as u32;
            }
        }
        if lpi {
            n += self.lpi_cur as u32;
            if include_historical {
                n += self.lpi_hist as u32;
            }
        }
        n
    }
}

/// Writes an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads an unsigned LEB128 varint, advancing `pos`.
pub(crate) fn get_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos)?;
        *pos += 1;
        if shift > 63 {
            return None;
        }
        v |= ((byte & 0x7f) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
    }
}

/// The directory checksum: CRC-32/ISO-HDLC (IEEE 802.3, reflected polynomial
/// 0xEDB88320, as zlib and PNG compute it). Every open checks the directory, so it
/// is `crc32fast`'s table-driven (slice-by-16) implementation, not a bitwise one.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Rewrites the header's length and directory checksum to match `bytes` (for tests
/// and fuzzing that damage sections on purpose; the directory must still be where the
/// header says).
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let len = bytes.len() as u64;
    bytes[16..24].copy_from_slice(&len.to_le_bytes());
    let off = u64::from_le_bytes(bytes[24..32].try_into().unwrap_or_default()) as usize;
    let dlen = u32::from_le_bytes(bytes[32..36].try_into().unwrap_or_default()) as usize;
    if let Some(dir) = off.checked_add(dlen).and_then(|end| bytes.get(off..end)) {
        let c = crc32(dir);
        bytes[36..40].copy_from_slice(&c.to_le_bytes());
    }
}

/// Cell size of the WGS84 spatial table: 0.0025° of latitude (about 280 m) by
/// 0.004° of longitude (about 260 m at 54°N).
pub const CELL_DEG: (f64, f64) = (0.0025, 0.004);

/// The WGS84 spatial table's key for a position: row (latitude + 90) / 0.0025° in
/// the high 32 bits, column (longitude + 180) / 0.004° in the low.
pub fn cell_key_wgs84(longitude: f64, latitude: f64) -> u64 {
    let (row, col) = cell_wgs84(longitude, latitude);
    (row << 32) | col
}

/// The (row, column) of a position's WGS84 cell.
pub fn cell_wgs84(longitude: f64, latitude: f64) -> (u64, u64) {
    let row = ((latitude.clamp(-90.0, 90.0) + 90.0) / CELL_DEG.0) as u64;
    let col = ((longitude.clamp(-180.0, 180.0) + 180.0) / CELL_DEG.1) as u64;
    (row, col)
}

/// The grid cell key of a BNG position.
pub fn cell_key(easting: f64, northing: f64) -> u64 {
    let col = (easting.max(0.0) / CELL_M) as u64;
    let row = (northing.max(0.0) / CELL_M) as u64;
    (row << 32) | (col & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::crc32(b""), 0);
    }
}
