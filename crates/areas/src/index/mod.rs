//! The on-disk boundary index (`docs/boundary-index.md`, format version 1): written
//! once by the importer, read with positioned reads by a component that is
//! instantiated fresh for every request.
//!
//! All integers are little-endian. Coordinates are WGS84 degrees × 10⁷ as `i32`.

mod pages;
mod read;
#[cfg(feature = "import")]
mod write;

pub use pages::DEFAULT_CACHE_BYTES;
pub use read::AreaIndex;
#[cfg(feature = "import")]
pub use write::IndexStats;
#[cfg(feature = "import")]
pub(crate) use write::{AreaEntry, write_index};

/// The first eight bytes of every index file.
pub const MAGIC: [u8; 8] = *b"CCAREAS\0";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

pub(crate) const HEADER_LEN: usize = 128;
pub(crate) const TREE_REC: usize = 64;
pub(crate) const AREA_REC: usize = 72;
/// R-tree leaf: a polygon's box, area and y-stripe directory.
pub(crate) const LEAF_REC: usize = 40;
/// R-tree internal entry: a box and the index of its first child.
pub(crate) const ENTRY_REC: usize = 20;
/// R-tree fan-out.
pub(crate) const NODE_SIZE: usize = 16;
/// Most R-tree levels a tree may have (16¹⁰ leaves).
pub(crate) const MAX_LEVELS: usize = 10;
/// "No area" in `parent` and `ncp` fields.
pub(crate) const NONE: u32 = u32::MAX;
/// Header flag: the index has a parish (`CPC`) layer, so a point in no parish is
/// non-parished rather than unknown.
pub(crate) const FLAG_HAS_PARISHES: u32 = 1;

/// Why the first bytes of a file are not a header this build reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HeaderError {
    /// Fewer bytes than a header; the number of bytes there are.
    #[error("truncated: {0} bytes, shorter than the {HEADER_LEN}-byte header")]
    Truncated(usize),
    /// Not [`MAGIC`].
    #[error("not a council-areas boundary index (bad magic)")]
    BadMagic,
    /// Another format version; the version found.
    #[error("format version {0}, this build reads version {FORMAT_VERSION}")]
    Version(u32),
    /// The header's FNV-1a checksum does not match its bytes.
    #[error("header checksum mismatch (corrupt file)")]
    Checksum,
}

/// FNV-1a, 64-bit: the header checksum (`docs/boundary-index.md`).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The fixed header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub file_len: u64,
    pub area_count: u32,
    pub part_count: u32,
    pub tree_count: u32,
    pub flags: u32,
    pub areas_off: u64,
    pub trees_off: u64,
    pub entries_off: u64,
    pub ids_off: u64,
    pub strings_off: u64,
    pub strings_len: u64,
    pub geom_off: u64,
    pub stripes_off: u64,
}

impl Header {
    #[cfg(feature = "import")]
    pub(crate) fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..8].copy_from_slice(&MAGIC);
        b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        b[16..24].copy_from_slice(&self.file_len.to_le_bytes());
        b[24..28].copy_from_slice(&self.area_count.to_le_bytes());
        b[28..32].copy_from_slice(&self.part_count.to_le_bytes());
        b[32..36].copy_from_slice(&self.tree_count.to_le_bytes());
        b[36..40].copy_from_slice(&self.flags.to_le_bytes());
        let offs = [
            self.areas_off,
            0, // reserved
            self.trees_off,
            self.entries_off,
            self.ids_off,
            self.strings_off,
            self.strings_len,
            self.geom_off,
            self.stripes_off,
        ];
        for (i, o) in offs.iter().enumerate() {
            b[40 + 8 * i..48 + 8 * i].copy_from_slice(&o.to_le_bytes());
        }
        let sum = fnv1a(&b[..120]);
        b[120..128].copy_from_slice(&sum.to_le_bytes());
        b
    }

    /// Parses and checks a header; the error says what is wrong.
    pub(crate) fn parse(b: &[u8]) -> Result<Header, HeaderError> {
        if b.len() < HEADER_LEN {
            return Err(HeaderError::Truncated(b.len()));
        }
        if b[0..8] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let version = le_u32(b, 8);
        if version != FORMAT_VERSION {
            return Err(HeaderError::Version(version));
        }
        if le_u64(b, 120) != fnv1a(&b[..120]) {
            return Err(HeaderError::Checksum);
        }
        let o = |i: usize| le_u64(b, 40 + 8 * i);
        Ok(Header {
            file_len: le_u64(b, 16),
            area_count: le_u32(b, 24),
            part_count: le_u32(b, 28),
            tree_count: le_u32(b, 32),
            flags: le_u32(b, 36),
            areas_off: o(0),
            trees_off: o(2),
            entries_off: o(3),
            ids_off: o(4),
            strings_off: o(5),
            strings_len: o(6),
            geom_off: o(7),
            stripes_off: o(8),
        })
    }
}

#[inline]
pub(crate) fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

#[inline]
pub(crate) fn le_i32(b: &[u8], at: usize) -> i32 {
    le_u32(b, at) as i32
}

#[inline]
pub(crate) fn le_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Hilbert curve index of `(x, y)` on a 2¹⁶ × 2¹⁶ grid (the classic `xy2d`), used to
/// pack the R-tree so that consecutive entries are close together at every level.
#[cfg(feature = "import")]
pub(crate) fn hilbert(mut x: u32, mut y: u32) -> u64 {
    let n: u32 = 1 << 16;
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}
