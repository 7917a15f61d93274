//! The binary OSTN15 grid file (format version 1) and the two ways to read it:
//! [`MemoryGrid`] (whole file in memory) and [`FileGrid`] (positioned reads).
//!
//! Layout, all integers little-endian (documented in `docs/coordinates.md`):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `OSTNGRID` |
//! | 8 | 2 | format version, u16 = 1 |
//! | 10 | 2 | header length in bytes, u16 = 32 |
//! | 12 | 4 | columns (nodes west to east), u32 = 701 |
//! | 16 | 4 | rows (nodes south to north), u32 = 1251 |
//! | 20 | 4 | node spacing in metres, u32 = 1000 |
//! | 24 | 4 | record length in bytes, u32 = 8 |
//! | 28 | 4 | CRC-32 (IEEE) of all records |
//! | 32 | 8 × 701 × 1251 | records, row by row from the south, west to east within a row |
//!
//! Each record is the node's ETRS89→OSGB36 east shift then north shift, as i32
//! millimetres (the OS data file gives metres to 3 decimals, so this is lossless).
//! Node (i, j), at ETRS89 easting 1000·i m and northing 1000·j m, is record
//! `j * 701 + i`, at byte offset `32 + 8 * (j * 701 + i)`; it is OS's `Point_ID` − 1.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use crate::{ConvertError, GridError, ShiftGrid};

/// The eight magic bytes that open a grid file.
pub const MAGIC: [u8; 8] = *b"OSTNGRID";
/// The grid format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the version-1 header in bytes.
pub const HEADER_LEN: usize = 32;
/// Length of one node record in bytes (two i32 millimetre shifts).
pub const RECORD_LEN: usize = 8;
/// Grid nodes from west to east: eastings 0 to 700 km at 1 km.
pub const GRID_COLUMNS: u32 = 701;
/// Grid nodes from south to north: northings 0 to 1250 km at 1 km.
pub const GRID_ROWS: u32 = 1251;
/// Node spacing in metres.
pub const GRID_SPACING_M: u32 = 1000;
/// Number of nodes, 701 × 1251 = 876 951 (the number of lines of OS's data file).
pub const GRID_NODES: u32 = GRID_COLUMNS * GRID_ROWS;
/// Length of a complete version-1 grid file in bytes.
pub const GRID_FILE_LEN: u64 = HEADER_LEN as u64 + RECORD_LEN as u64 * GRID_NODES as u64;

/// A parsed and validated version-1 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// CRC-32 of the records, as stored.
    pub crc32: u32,
}

impl Header {
    /// Encodes the header for a grid whose records hash to `crc32`.
    #[cfg(any(test, feature = "import"))]
    pub(crate) fn encode(crc32: u32) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        h[10..12].copy_from_slice(&(HEADER_LEN as u16).to_le_bytes());
        h[12..16].copy_from_slice(&GRID_COLUMNS.to_le_bytes());
        h[16..20].copy_from_slice(&GRID_ROWS.to_le_bytes());
        h[20..24].copy_from_slice(&GRID_SPACING_M.to_le_bytes());
        h[24..28].copy_from_slice(&(RECORD_LEN as u32).to_le_bytes());
        h[28..32].copy_from_slice(&crc32.to_le_bytes());
        h
    }

    /// Parses and validates a header. Magic first, then version (a later version may
    /// have a different header layout), then the fields, which must describe OSTN15.
    pub(crate) fn parse(h: &[u8; HEADER_LEN]) -> Result<Header, GridError> {
        let found: [u8; 8] = h[0..8].try_into().expect("8 bytes");
        if found != MAGIC {
            return Err(GridError::BadMagic { found });
        }
        let version = u16::from_le_bytes([h[8], h[9]]);
        if version != FORMAT_VERSION {
            return Err(GridError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let u32_at = |o: usize| u32::from_le_bytes(h[o..o + 4].try_into().expect("4 bytes"));
        let checks: [(&str, u64, u64); 5] = [
            (
                "header length",
                u64::from(u16::from_le_bytes([h[10], h[11]])),
                HEADER_LEN as u64,
            ),
            ("columns", u64::from(u32_at(12)), u64::from(GRID_COLUMNS)),
            ("rows", u64::from(u32_at(16)), u64::from(GRID_ROWS)),
            (
                "node spacing (m)",
                u64::from(u32_at(20)),
                u64::from(GRID_SPACING_M),
            ),
            ("record length", u64::from(u32_at(24)), RECORD_LEN as u64),
        ];
        for (what, found, expected) in checks {
            if found != expected {
                return Err(GridError::BadHeader {
                    reason: format!("{what} is {found}, OSTN15 grid version 1 has {expected}"),
                });
            }
        }
        Ok(Header { crc32: u32_at(28) })
    }
}

/// Checks a file length against [`GRID_FILE_LEN`].
fn check_len(actual: u64) -> Result<(), GridError> {
    match actual.cmp(&GRID_FILE_LEN) {
        std::cmp::Ordering::Less => Err(GridError::Truncated {
            expected: GRID_FILE_LEN,
            actual,
        }),
        std::cmp::Ordering::Greater => Err(GridError::TooLong {
            expected: GRID_FILE_LEN,
            actual,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Decodes one 8-byte record to (east, north) millimetres.
fn decode_record(r: &[u8]) -> [i32; 2] {
    [
        i32::from_le_bytes(r[0..4].try_into().expect("4 bytes")),
        i32::from_le_bytes(r[4..8].try_into().expect("4 bytes")),
    ]
}

fn mm_to_m(mm: [i32; 2]) -> [f64; 2] {
    [f64::from(mm[0]) / 1000.0, f64::from(mm[1]) / 1000.0]
}

fn check_node(east_index: u32, north_index: u32) -> Result<(), ConvertError> {
    if east_index < GRID_COLUMNS && north_index < GRID_ROWS {
        Ok(())
    } else {
        Err(ConvertError::NodeOutOfRange {
            east_index,
            north_index,
        })
    }
}

fn check_cell(east_index: u32, north_index: u32) -> Result<(), ConvertError> {
    if east_index + 1 < GRID_COLUMNS && north_index + 1 < GRID_ROWS {
        Ok(())
    } else {
        Err(ConvertError::NodeOutOfRange {
            east_index: east_index.saturating_add(1),
            north_index: north_index.saturating_add(1),
        })
    }
}

/// The whole OSTN15 grid in memory (about 7 MB): for native tools, servers and benchmarks.
/// `Send + Sync`, so one instance can be shared between threads.
#[derive(Clone)]
pub struct MemoryGrid {
    /// (east, north) shift in millimetres, node `j * 701 + i`.
    shifts: Box<[[i32; 2]]>,
    crc32: u32,
}

impl fmt::Debug for MemoryGrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryGrid")
            .field("nodes", &self.shifts.len())
            .field("crc32", &format_args!("{:#010x}", self.crc32))
            .finish()
    }
}

impl MemoryGrid {
    /// Reads a complete grid file from bytes, checking header, length and CRC-32.
    pub fn from_grid_bytes(bytes: &[u8]) -> Result<Self, GridError> {
        let Some(head) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(GridError::Truncated {
                expected: GRID_FILE_LEN,
                actual: bytes.len() as u64,
            });
        };
        let header = Header::parse(head)?;
        check_len(bytes.len() as u64)?;
        let body = &bytes[HEADER_LEN..];
        let computed = crc32fast::hash(body);
        if computed != header.crc32 {
            return Err(GridError::ChecksumMismatch {
                stored: header.crc32,
                computed,
            });
        }
        let shifts = body.chunks_exact(RECORD_LEN).map(decode_record).collect();
        Ok(MemoryGrid {
            shifts,
            crc32: header.crc32,
        })
    }

    /// Reads a complete grid file from a reader (see [`MemoryGrid::from_grid_bytes`]).
    pub fn from_reader(mut reader: impl Read) -> Result<Self, GridError> {
        let mut bytes = Vec::with_capacity(GRID_FILE_LEN as usize);
        reader.read_to_end(&mut bytes)?;
        Self::from_grid_bytes(&bytes)
    }

    /// The CRC-32 of the records (verified when the grid was read).
    pub fn crc32(&self) -> u32 {
        self.crc32
    }

    /// A node's (east, north) shift in integer millimetres, as stored.
    pub fn node_mm(&self, east_index: u32, north_index: u32) -> Option<[i32; 2]> {
        check_node(east_index, north_index).ok()?;
        Some(self.shifts[(north_index * GRID_COLUMNS + east_index) as usize])
    }
}

impl ShiftGrid for MemoryGrid {
    fn node_shift(&self, east_index: u32, north_index: u32) -> Result<[f64; 2], ConvertError> {
        check_node(east_index, north_index)?;
        Ok(mm_to_m(
            self.shifts[(north_index * GRID_COLUMNS + east_index) as usize],
        ))
    }

    fn cell_shifts(
        &self,
        east_index: u32,
        north_index: u32,
    ) -> Result<[[f64; 2]; 4], ConvertError> {
        check_cell(east_index, north_index)?;
        let sw = (north_index * GRID_COLUMNS + east_index) as usize;
        let nw = sw + GRID_COLUMNS as usize;
        Ok([
            mm_to_m(self.shifts[sw]),
            mm_to_m(self.shifts[sw + 1]),
            mm_to_m(self.shifts[nw + 1]),
            mm_to_m(self.shifts[nw]),
        ])
    }
}

/// Number of cached node pairs in a [`FileGrid`]. A forward conversion needs two pairs
/// (the south and north edges of its cell), an inverse conversion two to four.
const CACHE_SLOTS: usize = 16;

/// One cache slot: two horizontally adjacent nodes, keyed by the record number of the
/// western one.
#[derive(Debug, Clone, Copy)]
struct Slot {
    key: u32,
    pair: [[i32; 2]; 2],
}

const EMPTY: Slot = Slot {
    key: u32::MAX,
    pair: [[0; 2]; 2],
};

struct FileState<R> {
    reader: R,
    cache: [Slot; CACHE_SLOTS],
    reads: u64,
}

/// The OSTN15 grid read from a file with positioned reads (seek + read), for
/// WebAssembly components that are instantiated for each request: opening reads the
/// 32-byte header and finds the file length, and each conversion then reads two
/// 16-byte record pairs (the south and north edges of its grid cell), kept in a
/// 16-slot cache.
///
/// File format (version 1, little-endian): the 8 bytes `OSTNGRID`, u16 version 1,
/// u16 header length 32, u32 columns 701, u32 rows 1251, u32 spacing 1000 (m), u32
/// record length 8, u32 CRC-32 of the records; then one record per node, row by row
/// from the south and west to east within a row, each the node's east and north
/// ETRS89→OSGB36 shift as i32 millimetres. Node (i, j) is at byte
/// `32 + 8 * (701 * j + i)`.
///
/// The reader sits behind a [`RefCell`], so a `FileGrid` is not `Sync`; give each thread
/// its own. The CRC-32 is not checked on open (that would read the whole file); call
/// [`FileGrid::verify_checksum`] from tooling.
pub struct FileGrid<R: Read + Seek> {
    header: Header,
    state: RefCell<FileState<R>>,
}

impl<R: Read + Seek> fmt::Debug for FileGrid<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("FileGrid");
        d.field("crc32", &format_args!("{:#010x}", self.header.crc32));
        if let Ok(state) = self.state.try_borrow() {
            d.field("reads", &state.reads);
        }
        d.finish_non_exhaustive()
    }
}

impl<R: Read + Seek> FileGrid<R> {
    /// Opens a grid: one seek to the end to learn the length, one 32-byte read of the
    /// header, which is validated. The records are not read.
    pub fn open(mut reader: R) -> Result<Self, GridError> {
        let len = reader.seek(SeekFrom::End(0))?;
        if len < HEADER_LEN as u64 {
            return Err(GridError::Truncated {
                expected: GRID_FILE_LEN,
                actual: len,
            });
        }
        reader.seek(SeekFrom::Start(0))?;
        let mut head = [0u8; HEADER_LEN];
        reader.read_exact(&mut head)?;
        let header = Header::parse(&head)?;
        check_len(len)?;
        Ok(FileGrid {
            header,
            state: RefCell::new(FileState {
                reader,
                cache: [EMPTY; CACHE_SLOTS],
                reads: 0,
            }),
        })
    }

    /// The CRC-32 stored in the header (not verified by [`FileGrid::open`]).
    pub fn crc32(&self) -> u32 {
        self.header.crc32
    }

    /// How many positioned reads of records this grid has made (cache misses); for
    /// tests and benchmarks.
    pub fn reads(&self) -> u64 {
        self.state.borrow().reads
    }

    /// Reads every record and checks the CRC-32 in the header: a whole-file read, for
    /// tooling, never on a request path.
    pub fn verify_checksum(&self) -> Result<(), GridError> {
        let mut state = self.state.borrow_mut();
        state.reader.seek(SeekFrom::Start(HEADER_LEN as u64))?;
        let mut crc = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut remaining = GRID_FILE_LEN - HEADER_LEN as u64;
        while remaining > 0 {
            let want = remaining.min(buf.len() as u64) as usize;
            state.reader.read_exact(&mut buf[..want])?;
            crc.update(&buf[..want]);
            remaining -= want as u64;
        }
        let computed = crc.finalize();
        if computed == self.header.crc32 {
            Ok(())
        } else {
            Err(GridError::ChecksumMismatch {
                stored: self.header.crc32,
                computed,
            })
        }
    }

    /// Gives the reader back.
    pub fn into_inner(self) -> R {
        self.state.into_inner().reader
    }

    /// The nodes (i, j) and (i + 1, j), from the cache or with one 16-byte read.
    /// The caller guarantees i + 1 < 701 and j < 1251.
    fn pair(&self, east_index: u32, north_index: u32) -> Result<[[i32; 2]; 2], ConvertError> {
        let key = north_index * GRID_COLUMNS + east_index;
        let mut state = self.state.borrow_mut();
        let slot = key as usize % CACHE_SLOTS;
        if state.cache[slot].key == key {
            return Ok(state.cache[slot].pair);
        }
        let offset = HEADER_LEN as u64 + u64::from(key) * RECORD_LEN as u64;
        let mut buf = [0u8; 2 * RECORD_LEN];
        let read = |state: &mut FileState<R>, buf: &mut [u8]| -> io::Result<()> {
            state.reader.seek(SeekFrom::Start(offset))?;
            state.reader.read_exact(buf)
        };
        read(&mut state, &mut buf).map_err(|e| ConvertError::Grid(GridError::Io(e)))?;
        state.reads += 1;
        let pair = [
            decode_record(&buf[..RECORD_LEN]),
            decode_record(&buf[RECORD_LEN..]),
        ];
        state.cache[slot] = Slot { key, pair };
        Ok(pair)
    }
}

impl<R: Read + Seek> ShiftGrid for FileGrid<R> {
    fn node_shift(&self, east_index: u32, north_index: u32) -> Result<[f64; 2], ConvertError> {
        check_node(east_index, north_index)?;
        // Pairs start at the node itself, except in the last column.
        if east_index + 1 < GRID_COLUMNS {
            Ok(mm_to_m(self.pair(east_index, north_index)?[0]))
        } else {
            Ok(mm_to_m(self.pair(east_index - 1, north_index)?[1]))
        }
    }

    fn cell_shifts(
        &self,
        east_index: u32,
        north_index: u32,
    ) -> Result<[[f64; 2]; 4], ConvertError> {
        check_cell(east_index, north_index)?;
        let [sw, se] = self.pair(east_index, north_index)?;
        let [nw, ne] = self.pair(east_index, north_index + 1)?;
        Ok([mm_to_m(sw), mm_to_m(se), mm_to_m(ne), mm_to_m(nw)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A synthetic full-size grid whose node (i, j) shifts by (i, -j) mm + (90 m, -80 m).
    fn synthetic() -> Vec<u8> {
        let mut body = Vec::with_capacity(GRID_FILE_LEN as usize);
        for j in 0..GRID_ROWS as i32 {
            for i in 0..GRID_COLUMNS as i32 {
                body.extend_from_slice(&(90_000 + i).to_le_bytes());
                body.extend_from_slice(&(-80_000 - j).to_le_bytes());
            }
        }
        let mut bytes = Header::encode(crc32fast::hash(&body)).to_vec();
        bytes.extend_from_slice(&body);
        bytes
    }

    #[test]
    fn the_checksum_is_crc32_iso_hdlc() {
        // The standard check value of CRC-32/ISO-HDLC, whole and incremental (as
        // `verify_checksum` computes it).
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32fast::hash(b""), 0);
        let mut c = crc32fast::Hasher::new();
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(c.finalize(), 0xCBF4_3926);
    }

    #[test]
    fn header_round_trips() {
        let h = Header::encode(0xDEAD_BEEF);
        assert_eq!(Header::parse(&h).unwrap(), Header { crc32: 0xDEAD_BEEF });
    }

    #[test]
    fn header_rejects_other_dimensions() {
        let mut h = Header::encode(0);
        h[12..16].copy_from_slice(&700u32.to_le_bytes());
        let err = Header::parse(&h).unwrap_err();
        assert!(
            matches!(err, GridError::BadHeader { ref reason } if reason.contains("columns")),
            "{err}"
        );
    }

    #[test]
    fn memory_and_file_agree_on_every_corner_and_edge() {
        let bytes = synthetic();
        let mem = MemoryGrid::from_grid_bytes(&bytes).unwrap();
        let file = FileGrid::open(Cursor::new(&bytes)).unwrap();
        for (i, j) in [
            (0, 0),
            (700, 0),
            (0, 1250),
            (700, 1250),
            (350, 625),
            (699, 1249),
        ] {
            let expected = [
                f64::from(90_000 + i as i32) / 1000.0,
                f64::from(-80_000 - j as i32) / 1000.0,
            ];
            assert_eq!(mem.node_shift(i, j).unwrap(), expected);
            assert_eq!(file.node_shift(i, j).unwrap(), expected);
        }
        for (i, j) in [(0, 0), (699, 1249), (123, 456)] {
            assert_eq!(
                mem.cell_shifts(i, j).unwrap(),
                file.cell_shifts(i, j).unwrap()
            );
        }
        assert!(matches!(
            mem.node_shift(701, 0),
            Err(ConvertError::NodeOutOfRange {
                east_index: 701,
                ..
            })
        ));
        assert!(matches!(
            file.node_shift(0, 1251),
            Err(ConvertError::NodeOutOfRange { .. })
        ));
        assert!(matches!(
            file.cell_shifts(700, 0),
            Err(ConvertError::NodeOutOfRange { .. })
        ));
        file.verify_checksum().unwrap();
    }

    #[test]
    fn file_grid_caches_node_pairs() {
        let bytes = synthetic();
        let file = FileGrid::open(Cursor::new(&bytes)).unwrap();
        assert_eq!(file.reads(), 0, "open reads no records");
        file.cell_shifts(10, 20).unwrap();
        assert_eq!(file.reads(), 2, "one read per cell edge");
        file.cell_shifts(10, 20).unwrap();
        file.node_shift(10, 21).unwrap();
        assert_eq!(file.reads(), 2, "second lookup comes from the cache");
        file.cell_shifts(10, 21).unwrap();
        assert_eq!(file.reads(), 3, "the shared edge is cached");
    }

    #[test]
    fn checksum_mismatch_is_reported() {
        let mut bytes = synthetic();
        bytes[HEADER_LEN + 5] ^= 1;
        assert!(matches!(
            MemoryGrid::from_grid_bytes(&bytes),
            Err(GridError::ChecksumMismatch { .. })
        ));
        let file = FileGrid::open(Cursor::new(&bytes)).unwrap();
        assert!(matches!(
            file.verify_checksum(),
            Err(GridError::ChecksumMismatch { .. })
        ));
    }
}
