//! The crate's two error types: [`GridError`] for reading or building a grid file and
//! [`ConvertError`] for a coordinate conversion.

use std::path::PathBuf;

/// An error reading, validating or building an OSTN15 grid file.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// Reading or writing the grid (or the OS data file) failed.
    #[error("grid I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The file does not start with the grid magic bytes, so it is not a grid file.
    #[error("not an OSTN15 grid file: magic bytes are {found:?}, expected {expected:?}", expected = crate::grid::MAGIC)]
    BadMagic {
        /// The first eight bytes of the file.
        found: [u8; 8],
    },
    /// The grid file was written in a format version this build cannot read.
    #[error("unsupported grid format version {found}; this build reads version {supported}")]
    UnsupportedVersion {
        /// The version in the file header.
        found: u16,
        /// The only version this build reads.
        supported: u16,
    },
    /// The header is well formed but describes something other than the OSTN15 grid
    /// (other dimensions, spacing, header or record length).
    #[error("bad grid header: {reason}")]
    BadHeader {
        /// What is wrong with the header.
        reason: String,
    },
    /// The file is shorter than its header says it must be.
    #[error("grid file truncated: expected {expected} bytes, found {actual}")]
    Truncated {
        /// The length the header implies, in bytes.
        expected: u64,
        /// The actual length, in bytes.
        actual: u64,
    },
    /// The file is longer than its header says it must be.
    #[error("grid file too long: expected {expected} bytes, found {actual}")]
    TooLong {
        /// The length the header implies, in bytes.
        expected: u64,
        /// The actual length, in bytes.
        actual: u64,
    },
    /// The CRC-32 of the records does not match the one stored in the header.
    #[error("grid checksum mismatch: header says {stored:#010x}, records hash to {computed:#010x}")]
    ChecksumMismatch {
        /// The CRC-32 stored in the header.
        stored: u32,
        /// The CRC-32 computed over the records.
        computed: u32,
    },
    /// A line of OS's `OSTN15_OSGM15_DataFile.txt` could not be used.
    #[error("OSTN15 data file line {line}: {reason}")]
    BadDataLine {
        /// The 1-based line number (line 1 is the CSV header).
        line: u64,
        /// What is wrong with the line.
        reason: String,
    },
    /// An error while working on the named file (the functions that take paths wrap
    /// their errors in this so that the message names the file).
    #[error("{}: {source}", path.display())]
    File {
        /// The file being read or written.
        path: PathBuf,
        /// What went wrong.
        source: Box<GridError>,
    },
}

#[cfg(feature = "import")]
impl GridError {
    /// Wraps `self` in [`GridError::File`] naming `path`.
    pub(crate) fn in_file(self, path: impl Into<PathBuf>) -> GridError {
        GridError::File {
            path: path.into(),
            source: Box::new(self),
        }
    }
}

/// An error converting a coordinate.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// An input coordinate is NaN or infinite.
    #[error("coordinate is not a finite number")]
    NotFinite,
    /// The longitude/latitude is nowhere near Great Britain: outside the box
    /// (longitude -16°..+9°, latitude 46°..64°) that contains the whole OSTN15 grid, where
    /// the National Grid projection series are not meant to be used.
    #[error("lon {lon:.6}, lat {lat:.6} is far outside the OSTN15 area (Great Britain)")]
    OutsideArea {
        /// Longitude in degrees, as given.
        lon: f64,
        /// Latitude in degrees, as given.
        lat: f64,
    },
    /// The point lies outside the OSTN15 grid, which covers 0..700 km east and
    /// 0..1250 km north. The coordinates are in the grid's own frame: ETRS89
    /// eastings/northings for [`crate::to_bng`], the OSGB36 input for
    /// [`crate::to_lonlat`].
    #[error(
        "point E {easting:.3} m, N {northing:.3} m is outside the OSTN15 grid (0..700000 E, 0..1250000 N)"
    )]
    OutsideGrid {
        /// Easting in metres.
        easting: f64,
        /// Northing in metres.
        northing: f64,
    },
    /// A grid node index past the grid's 701 x 1251 nodes was asked for.
    #[error("grid node ({east_index}, {north_index}) is outside the 701 x 1251 OSTN15 grid")]
    NodeOutOfRange {
        /// The node's column (kilometres east).
        east_index: u32,
        /// The node's row (kilometres north).
        north_index: u32,
    },
    /// The OSGB36 to ETRS89 iteration did not settle (never seen with the real grid, whose
    /// shifts change by millimetres per kilometre; a guard against a corrupt grid).
    #[error("OSTN15 inverse did not converge for E {easting:.3} m, N {northing:.3} m")]
    NotConverged {
        /// Easting in metres, as given.
        easting: f64,
        /// Northing in metres, as given.
        northing: f64,
    },
    /// Reading the grid failed.
    #[error(transparent)]
    Grid(#[from] GridError),
}
