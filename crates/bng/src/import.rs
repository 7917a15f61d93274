//! Feature `import`: building the binary grid from OS's `OSTN15_OSGM15_DataFile.txt`
//! (plain or xz-compressed), for native tools only.
//!
//! The data file is OS's CSV (CRLF line ends) with the header
//! `Point_ID,ETRS89_Easting,ETRS89_Northing,ETRS89_OSGB36_EShift,ETRS89_OSGB36_NShift,ETRS89_ODN_HeightShift,Height_Datum_Flag`
//! and one line per node, `Point_ID` 1 to 876 951, row by row from the south, west to
//! east, at 1 km (as the OSTN15 user guide describes the data file). Every line is
//! checked: its `Point_ID` and position must be the next node's, its shifts numbers of
//! metres with at most 3 decimals, so that a shuffled, truncated or edited file is
//! rejected rather than producing a plausible but wrong grid.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use crate::grid::{GRID_COLUMNS, GRID_FILE_LEN, GRID_NODES, GRID_SPACING_M, HEADER_LEN, Header};
use crate::{GridError, MemoryGrid};

/// The header line of OS's OSTN15 data file.
pub(crate) const DATA_FILE_HEADER: &str = "Point_ID,ETRS89_Easting,ETRS89_Northing,ETRS89_OSGB36_EShift,ETRS89_OSGB36_NShift,ETRS89_ODN_HeightShift,Height_Datum_Flag";

/// What [`write_grid`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridSummary {
    /// Nodes written (876 951).
    pub nodes: u32,
    /// Smallest and largest east shift, in millimetres.
    pub east_shift_mm: (i32, i32),
    /// Smallest and largest north shift, in millimetres.
    pub north_shift_mm: (i32, i32),
    /// CRC-32 of the records, as stored in the header.
    pub crc32: u32,
    /// Bytes written, header included.
    pub bytes: u64,
}

/// Converts OS's `OSTN15_OSGM15_DataFile.txt` (read from `ostn15_data_file`) to the
/// binary grid format, written to `out`. The whole grid is assembled in memory (7 MB)
/// first because the header carries the records' CRC-32; nothing is written if any
/// line is bad.
pub fn write_grid(
    ostn15_data_file: impl BufRead,
    mut out: impl Write,
) -> Result<GridSummary, GridError> {
    let (body, mut summary) = parse_data_file(ostn15_data_file)?;
    out.write_all(&Header::encode(summary.crc32))?;
    out.write_all(&body)?;
    out.flush()?;
    summary.bytes = (HEADER_LEN + body.len()) as u64;
    Ok(summary)
}

/// Converts the xz-compressed OS data file at `xz_path` (as vendored in
/// `data/sources/ostn15/`) to a grid file at `out_path`. The grid is written to
/// `out_path` + `.tmp` and renamed into place, so readers never see half a file.
/// Errors name the file they concern ([`GridError::File`]).
pub fn write_grid_from_xz(xz_path: &Path, out_path: &Path) -> Result<GridSummary, GridError> {
    let (body, mut summary) = parse_xz(xz_path)?;
    let mut tmp = out_path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = Path::new(&tmp);
    let write = || -> Result<(), GridError> {
        let mut out = BufWriter::new(File::create(tmp)?);
        out.write_all(&Header::encode(summary.crc32))?;
        out.write_all(&body)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    };
    if let Err(e) = write() {
        // Best effort: the temporary file is useless after a failed write.
        let _ = std::fs::remove_file(tmp);
        return Err(e.in_file(tmp));
    }
    std::fs::rename(tmp, out_path).map_err(|e| GridError::from(e).in_file(out_path))?;
    summary.bytes = (HEADER_LEN + body.len()) as u64;
    Ok(summary)
}

impl MemoryGrid {
    /// Builds the grid in memory straight from the xz-compressed OS data file
    /// (about a second in a release build), without writing a grid file.
    pub fn from_ostn15_xz(path: &Path) -> Result<Self, GridError> {
        let (body, summary) = parse_xz(path)?;
        let mut bytes = Vec::with_capacity(GRID_FILE_LEN as usize);
        bytes.extend_from_slice(&Header::encode(summary.crc32));
        bytes.extend_from_slice(&body);
        MemoryGrid::from_grid_bytes(&bytes).map_err(|e| e.in_file(path))
    }
}

/// Decompresses and parses the xz data file at `path`; errors name the file.
fn parse_xz(path: &Path) -> Result<(Vec<u8>, GridSummary), GridError> {
    let file = File::open(path).map_err(|e| GridError::from(e).in_file(path))?;
    let xz = lzma_rust2::XzReader::new(BufReader::new(file), true);
    parse_data_file(BufReader::with_capacity(256 * 1024, xz)).map_err(|e| e.in_file(path))
}

/// Parses the data file into the records area of a grid file (8 bytes per node) and a
/// summary whose `bytes` is left 0.
fn parse_data_file(mut data: impl BufRead) -> Result<(Vec<u8>, GridSummary), GridError> {
    let mut body = Vec::with_capacity(GRID_FILE_LEN as usize - HEADER_LEN);
    let mut line = Vec::with_capacity(64);
    let mut line_no: u64 = 0;
    let mut nodes: u32 = 0;
    let mut east = (i32::MAX, i32::MIN);
    let mut north = (i32::MAX, i32::MIN);
    loop {
        line.clear();
        if data.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        line_no += 1;
        let bad = |reason: String| GridError::BadDataLine {
            line: line_no,
            reason,
        };
        let text = std::str::from_utf8(&line).map_err(|e| bad(format!("not UTF-8 ({e})")))?;
        let text = text.trim_end_matches(['\r', '\n']);
        if line_no == 1 {
            let header = text.strip_prefix('\u{feff}').unwrap_or(text);
            if header != DATA_FILE_HEADER {
                return Err(bad(format!(
                    "expected the OSTN15 header {DATA_FILE_HEADER:?}, found {header:?}"
                )));
            }
            continue;
        }
        if text.trim().is_empty() {
            continue;
        }
        if nodes == GRID_NODES {
            return Err(bad(format!(
                "more than the {GRID_NODES} nodes of the OSTN15 grid"
            )));
        }
        let [e_mm, n_mm] = parse_node(text, nodes).map_err(|e| bad(e.to_string()))?;
        body.extend_from_slice(&e_mm.to_le_bytes());
        body.extend_from_slice(&n_mm.to_le_bytes());
        east = (east.0.min(e_mm), east.1.max(e_mm));
        north = (north.0.min(n_mm), north.1.max(n_mm));
        nodes += 1;
    }
    if line_no == 0 {
        return Err(GridError::BadDataLine {
            line: 1,
            reason: "the file is empty".to_owned(),
        });
    }
    if nodes != GRID_NODES {
        return Err(GridError::BadDataLine {
            line: line_no + 1,
            reason: format!("the file ends after {nodes} nodes; the OSTN15 grid has {GRID_NODES}"),
        });
    }
    let crc32 = crc32fast::hash(&body);
    Ok((
        body,
        GridSummary {
            nodes,
            east_shift_mm: east,
            north_shift_mm: north,
            crc32,
            bytes: 0,
        },
    ))
}

/// Why a node line of the data file is refused (`GridError::BadDataLine`'s reason).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum NodeLineError {
    #[error("expected 7 comma-separated fields, found {0}")]
    FieldCount(usize),
    #[error("Point_ID {0:?} is not a whole number")]
    PointId(String),
    #[error("Point_ID {found} out of sequence, expected {expected}")]
    OutOfSequence { found: u32, expected: u32 },
    #[error("{what} {field:?} is not a whole number of metres")]
    NotWholeMetres { what: &'static str, field: String },
    #[error("{what} {value} does not match Point_ID {id}, expected {expected}")]
    WrongPosition {
        what: &'static str,
        value: u32,
        id: u32,
        expected: u32,
    },
    #[error("{what} {field:?} is not a number")]
    NotANumber { what: &'static str, field: String },
    #[error("Height_Datum_Flag {0:?} is not a small whole number")]
    HeightDatumFlag(String),
    #[error("{what} {field:?} has more than 3 decimal places")]
    TooPrecise { what: &'static str, field: String },
    #[error("{what} {field:?} is not a plausible shift (over 1 km)")]
    Implausible { what: &'static str, field: String },
}

/// Parses one node line, which must describe node number `index` (0-based), to its
/// (east, north) shift in millimetres.
fn parse_node(text: &str, index: u32) -> Result<[i32; 2], NodeLineError> {
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    let [id, easting, northing, e_shift, n_shift, h_shift, flag] = fields[..] else {
        return Err(NodeLineError::FieldCount(fields.len()));
    };
    let expected_id = index + 1;
    let id: u32 = id
        .parse()
        .map_err(|_| NodeLineError::PointId(id.to_string()))?;
    if id != expected_id {
        return Err(NodeLineError::OutOfSequence {
            found: id,
            expected: expected_id,
        });
    }
    let expected_e = (index % GRID_COLUMNS) * GRID_SPACING_M;
    let expected_n = (index / GRID_COLUMNS) * GRID_SPACING_M;
    for (what, field, expected) in [
        ("ETRS89_Easting", easting, expected_e),
        ("ETRS89_Northing", northing, expected_n),
    ] {
        let value: u32 = field.parse().map_err(|_| NodeLineError::NotWholeMetres {
            what,
            field: field.to_string(),
        })?;
        if value != expected {
            return Err(NodeLineError::WrongPosition {
                what,
                value,
                id,
                expected,
            });
        }
    }
    // Not stored, but a malformed value means a damaged line.
    h_shift
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite())
        .ok_or_else(|| NodeLineError::NotANumber {
            what: "ETRS89_ODN_HeightShift",
            field: h_shift.to_string(),
        })?;
    flag.parse::<u8>()
        .map_err(|_| NodeLineError::HeightDatumFlag(flag.to_string()))?;
    Ok([
        metres_to_mm("ETRS89_OSGB36_EShift", e_shift)?,
        metres_to_mm("ETRS89_OSGB36_NShift", n_shift)?,
    ])
}

/// Parses a shift in metres with at most 3 decimals (the data file's precision) to
/// whole millimetres.
fn metres_to_mm(what: &'static str, field: &str) -> Result<i32, NodeLineError> {
    let decimals = field.split_once('.').map_or(0, |(_, frac)| frac.len());
    let value: f64 = field
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| NodeLineError::NotANumber {
            what,
            field: field.to_string(),
        })?;
    if decimals > 3 || field.contains(['e', 'E']) {
        return Err(NodeLineError::TooPrecise {
            what,
            field: field.to_string(),
        });
    }
    let mm = (value * 1000.0).round();
    // OSTN15 shifts are around +80..+112 m east and -85..-43 m north; anything beyond a
    // kilometre is a damaged value, not a shift.
    if mm.abs() > 1_000_000.0 {
        return Err(NodeLineError::Implausible {
            what,
            field: field.to_string(),
        });
    }
    Ok(mm as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> (u64, String) {
        match write_grid(text.as_bytes(), Vec::new()) {
            Err(GridError::BadDataLine { line, reason }) => (line, reason),
            other => panic!("expected BadDataLine, got {other:?}"),
        }
    }

    fn header() -> String {
        format!("{DATA_FILE_HEADER}\r\n")
    }

    #[test]
    fn rejects_a_wrong_header() {
        let (line, reason) = err_of("Point_ID,Easting,Northing\r\n1,0,0,1,1,1,1\r\n");
        assert_eq!(line, 1);
        assert!(reason.contains("expected the OSTN15 header"), "{reason}");
        assert_eq!(err_of("").0, 1);
    }

    #[test]
    fn rejects_bad_node_lines_naming_the_line() {
        let cases = [
            (
                "1,0,0,90.750,-82.020,55.127\r\n",
                "7 comma-separated fields",
            ),
            ("2,0,0,90.750,-82.020,55.127,15\r\n", "out of sequence"),
            (
                "1,1000,0,90.750,-82.020,55.127,15\r\n",
                "ETRS89_Easting 1000",
            ),
            (
                "1,0,0,90.7501,-82.020,55.127,15\r\n",
                "more than 3 decimal places",
            ),
            ("1,0,0,ninety,-82.020,55.127,15\r\n", "is not a number"),
            ("1,0,0,90.750,-82.020,55.127,x\r\n", "Height_Datum_Flag"),
            ("1,0,0,90.750,-2000.5,55.127,15\r\n", "plausible"),
        ];
        for (node, expected) in cases {
            let (line, reason) = err_of(&format!("{}{node}", header()));
            assert_eq!(line, 2, "{node}");
            assert!(reason.contains(expected), "{node}: {reason}");
        }
    }

    #[test]
    fn rejects_invalid_utf8() {
        let mut bytes = header().into_bytes();
        bytes.extend_from_slice(b"1,0,0,90.750,-82.020,55.127,15\r\n2,1000,0,\xff\r\n");
        match write_grid(&bytes[..], Vec::new()) {
            Err(GridError::BadDataLine { line: 3, reason }) => {
                assert!(reason.contains("UTF-8"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_a_short_file() {
        let text = format!(
            "{}1,0,0,90.750,-82.020,55.127,15\r\n2,1000,0,90.764,-82.015,55.108,15\r\n",
            header()
        );
        let (line, reason) = err_of(&text);
        assert_eq!(line, 4);
        assert!(reason.contains("ends after 2 nodes"), "{reason}");
    }

    #[test]
    fn millimetres_are_exact() {
        assert_eq!(metres_to_mm("x", "90.750"), Ok(90_750));
        assert_eq!(metres_to_mm("x", "-82.02"), Ok(-82_020));
        assert_eq!(metres_to_mm("x", "111.046"), Ok(111_046));
        assert_eq!(metres_to_mm("x", "-43.841"), Ok(-43_841));
        assert_eq!(metres_to_mm("x", "0"), Ok(0));
    }
}
