//! Importers (native only, feature `import`): AddressBase Premium (one file, or one
//! file per record type with headers), council LLPG extracts in DTF 7.3 and DTF 8.1,
//! change-only updates, AddressBase Plus, OS Open UPRN, Code-Point Open and a plain
//! CSV; then the index build.
//!
//! The import never drops a row silently: a row that cannot be used is rejected with
//! its file, line and reason ([`RowError`]) and counted; a file of the wrong format, a
//! truncated file (trailer count mismatch, missing trailer) or mixed-up column counts
//! stop the import with an [`ImportError`] naming the file and line.
//!
//! - `abp`: AddressBase Premium and DTF files (records 10 to 99), full and
//!   change-only; `flat`: AddressBase Plus, OS Open UPRN, Code-Point Open, plain CSV.
//! - `layout`: the column layouts as data; `field_check`: a field checked against its
//!   column; `fields`: a record's fields by column name, typed.

mod abp;
mod field_check;
mod fields;
mod flat;
mod layout;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::index::{AddressIndex, BuildStats, IndexError, write_index};
use crate::model::Gazetteer;

pub use abp::DtfVersion;

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// AddressBase Premium CSV (records 10-99; one file, or split by record type
    /// with a header row), full supply or change-only update.
    AddressBasePremium,
    /// A council LLPG extract in DTF 7.3.
    Dtf73,
    /// A council LLPG extract in DTF 8.1.
    Dtf81,
    /// A DTF extract whose version is read from its header record (`VERSION`).
    Dtf,
    /// AddressBase Plus (flat, 77 columns).
    AddressBasePlus,
    /// OS Open UPRN (`UPRN, X_COORDINATE, Y_COORDINATE, LATITUDE, LONGITUDE`).
    OpenUprn,
    /// Code-Point Open (`PC, PQ, EA, NO, CY, RH, LH, CC, DC, WC`, no header).
    CodePointOpen,
    /// A plain CSV with a header: UPRN (or id), address lines or one address column,
    /// postcode, and easting/northing or latitude/longitude.
    PlainCsv,
}

impl Format {
    /// The name used in `IndexInfo::sources` and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Format::AddressBasePremium => "addressbase-premium",
            Format::Dtf73 => "dtf-7.3",
            Format::Dtf81 => "dtf-8.1",
            Format::Dtf => "dtf",
            Format::AddressBasePlus => "addressbase-plus",
            Format::OpenUprn => "open-uprn",
            Format::CodePointOpen => "codepoint-open",
            Format::PlainCsv => "csv",
        }
    }
}

/// A format name [`Format::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown address format '{0}': use addressbase-premium, dtf-7.3, dtf-8.1, dtf, addressbase-plus, open-uprn, codepoint-open or csv"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "abp" | "addressbase-premium" | "premium" => Format::AddressBasePremium,
            "dtf73" | "dtf-7.3" | "dtf7.3" => Format::Dtf73,
            "dtf81" | "dtf-8.1" | "dtf8.1" => Format::Dtf81,
            "dtf" | "llpg" => Format::Dtf,
            "abplus" | "ab-plus" | "addressbase-plus" | "plus" => Format::AddressBasePlus,
            "open-uprn" | "openuprn" | "osopenuprn" => Format::OpenUprn,
            "codepoint" | "codepoint-open" | "code-point-open" | "cpo" => Format::CodePointOpen,
            "csv" | "plain-csv" | "plain" => Format::PlainCsv,
            other => return Err(UnknownFormat(other.to_string())),
        })
    }
}

/// A rejected (or corrected) row: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file, as given.
    pub file: String,
    /// 1-based line (record) number.
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Changes applied from `CHANGE_TYPE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    /// `I` records applied.
    pub inserted: u64,
    /// `U` records applied.
    pub updated: u64,
    /// `D` records applied.
    pub deleted: u64,
}

/// What an import read, rejected and changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Files read, with the variant detected (`dtf-7.3`, `split by record type`, ...).
    pub files: Vec<(String, String)>,
    /// Data rows read (header rows of split files excluded).
    pub rows_read: u64,
    /// Rows read per record type (`"21"`, `"24"`, `"codepoint"`, `"csv"`, ...).
    pub rows_by_type: BTreeMap<String, u64>,
    /// Rows that could not be used, with file, line and reason.
    pub rejected: Vec<RowError>,
    /// Rows used with a correction or a doubt (postcode slips, orphans, upserts).
    pub warnings: Vec<RowError>,
    /// Change types applied.
    pub changes: ChangeCounts,
    /// Properties with LPIs or DPAs but no BLPU (kept, positioned by postcode if possible).
    pub orphans: u64,
    /// Properties whose position has no British National Grid equivalent (outside
    /// the OSTN15 grid: Channel Islands, Northern Ireland), kept in WGS84 alone.
    pub wgs84_only: u64,
    /// Properties with a BLPU but no position of their own (placed at their
    /// postcode's Code-Point Open position where there is one).
    pub unpositioned: u64,
    /// Open UPRN rows whose UPRN has no address in the import (not indexed).
    pub open_uprn_unmatched: u64,
    /// What the index build wrote, when one was written.
    pub build: Option<BuildStats>,
}

impl ImportReport {
    fn count(&mut self, kind: &str) {
        self.rows_read += 1;
        // Looked up before inserting: `entry` would need an owned key for every row.
        match self.rows_by_type.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.rows_by_type.insert(kind.to_string(), 1);
            }
        }
    }

    /// [`ImportReport::count`] for an AddressBase record type (two digits, 10-99).
    fn count_record_type(&mut self, record_type: u8) {
        let digits = [b'0' + record_type / 10 % 10, b'0' + record_type % 10];
        let name = if record_type < 10 {
            &digits[1..]
        } else if record_type < 100 {
            &digits[..]
        } else {
            // Not a record type any layout has; counted under its full number.
            return self.count(&record_type.to_string());
        };
        self.count(std::str::from_utf8(name).unwrap_or("?"));
    }
    fn reject(&mut self, file: &str, line: u64, reason: impl Into<String>) {
        self.rejected.push(RowError {
            file: file.to_string(),
            line,
            reason: reason.into(),
        });
    }
    fn warn(&mut self, file: &str, line: u64, reason: impl Into<String>) {
        self.warnings.push(RowError {
            file: file.to_string(),
            line,
            reason: reason.into(),
        });
    }
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not in the format asked for (or not in any known variant of it).
    #[error("{file}:{line}: wrong format: {reason}")]
    WrongFormat {
        /// The file.
        file: String,
        /// The line where this became clear.
        line: u64,
        /// Why, and what the file looks like instead where that is clear.
        reason: String,
    },
    /// The trailer's record count disagrees with the records read, or the trailer
    /// is missing: the file is truncated or was cut and joined.
    #[error("{file}:{line}: truncated file: {reason}")]
    Truncated {
        /// The file.
        file: String,
        /// The trailer's line (or the last line read).
        line: u64,
        /// The counts that disagree.
        reason: String,
    },
    /// A record has a column count that no layout of its type has, or differs from
    /// the earlier records of its type.
    #[error("{file}:{line}: {reason}")]
    ColumnCount {
        /// The file.
        file: String,
        /// The record's line.
        line: u64,
        /// The counts.
        reason: String,
    },
    /// The CSV itself is malformed (an unterminated quote, invalid UTF-8).
    #[error("{file}:{line}: malformed CSV: {reason}")]
    Csv {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// The parser's reason.
        reason: String,
    },
    /// More rows were refused than `ImportOptions::max_bad_rows` allows; no index
    /// was written.
    #[error(
        "{} row(s) refused, more than the {max} allowed (--max-bad-rows); no index was written. The first: {}",
        refused.len(),
        refused.first().map(ToString::to_string).unwrap_or_default()
    )]
    TooManyBadRows {
        /// The limit.
        max: u64,
        /// Every refused row, with file, line and reason.
        refused: Vec<RowError>,
    },
    /// The coordinate grid could not be loaded.
    #[error("OSTN15 grid: {0}")]
    Grid(String),
    /// Reading the existing index or writing the new one failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Converts coordinates at import: BNG to WGS84 for every position, and WGS84 to BNG
/// for records that have only latitude and longitude (AddressBase Islands).
pub trait CoordinateTransform {
    /// `(longitude, latitude)` of an easting and northing.
    fn to_wgs84(&self, easting: f64, northing: f64) -> Option<(f64, f64)>;
    /// `(easting, northing)` of a longitude and latitude.
    fn to_bng(&self, longitude: f64, latitude: f64) -> Option<(f64, f64)>;
}

/// OSTN15 through `council-bng` (accurate to about 0.1 m inside the grid).
pub struct Ostn15(pub council_bng::MemoryGrid);

impl std::fmt::Debug for Ostn15 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ostn15")
    }
}

impl Ostn15 {
    /// Loads OS's `OSTN15_OSGM15_DataFile.txt.xz`.
    pub fn from_xz(path: &Path) -> Result<Ostn15, ImportError> {
        council_bng::MemoryGrid::from_ostn15_xz(path)
            .map(Ostn15)
            .map_err(|e| ImportError::Grid(e.to_string()))
    }
}

impl CoordinateTransform for Ostn15 {
    fn to_wgs84(&self, easting: f64, northing: f64) -> Option<(f64, f64)> {
        council_bng::to_lonlat(council_bng::Bng::new(easting, northing), &self.0)
            .ok()
            .map(|p| (p.lon, p.lat))
    }
    fn to_bng(&self, longitude: f64, latitude: f64) -> Option<(f64, f64)> {
        council_bng::to_bng(council_bng::LonLat::new(longitude, latitude), &self.0)
            .ok()
            .map(|p| (p.easting, p.northing))
    }
}

/// Import settings.
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Show a progress bar on standard error.
    pub progress: bool,
    /// Coordinate conversion; `None` leaves WGS84 unset where the source has none.
    pub transform: Option<&'a dyn CoordinateTransform>,
    /// Data epoch or release label for `info`; defaults to one derived from the header.
    pub epoch: Option<String>,
    /// Build date `YYYY-MM-DD`; defaults to today (UTC).
    pub built: Option<String>,
    /// Mark the index as generated data.
    pub generated: bool,
    /// Fail, writing no index, when more rows than this are refused (`None`: no
    /// limit). `council-host import addresses` makes it 0 for Ordnance Survey and
    /// GeoPlace formats unless `--max-bad-rows` says otherwise.
    pub max_bad_rows: Option<u64>,
}

impl std::fmt::Debug for ImportOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("progress", &self.progress)
            .field("transform", &self.transform.is_some())
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// An Open UPRN row: easting/northing and latitude/longitude, either possibly absent.
type OpenUprnPosition = (Option<(f64, f64)>, Option<(f64, f64)>);

/// Accumulates sources into a gazetteer.
#[derive(Debug, Default)]
pub struct Importer {
    gaz: Gazetteer,
    report: ImportReport,
    open_uprn: HashMap<u64, OpenUprnPosition>,
    progress: bool,
    /// Split-by-type files: records counted and trailer counts, checked at `finish`.
    split_records: u64,
    split_trailer: Option<(String, u64, u64, u64)>,
    /// Files read so far, numbered for `first_seen`.
    file_names: Vec<String>,
    /// Properties without a BLPU: the file (number) and line that first named them.
    first_seen: HashMap<u64, (u32, u64)>,
}

impl Importer {
    /// An importer starting from nothing.
    pub fn new() -> Importer {
        Importer::default()
    }

    /// An importer starting from an existing gazetteer (change-only updates).
    pub fn with_gazetteer(gaz: Gazetteer) -> Importer {
        Importer {
            gaz,
            ..Importer::default()
        }
    }

    /// Shows a progress bar while reading files.
    pub fn set_progress(&mut self, on: bool) {
        self.progress = on;
    }

    /// The number of a file in `file_names`, adding it if new.
    fn file_number(&mut self, file: &str) -> u32 {
        match self.file_names.iter().rposition(|f| f == file) {
            Some(i) => i as u32,
            None => {
                self.file_names.push(file.to_string());
                (self.file_names.len() - 1) as u32
            }
        }
    }

    /// The report so far.
    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    /// Reads one file of the given format.
    pub fn add_file(&mut self, path: &Path, format: Format) -> Result<(), ImportError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| ImportError::Io {
            file: name.clone(),
            source,
        })?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let reader = self.progress_reader(BufReader::with_capacity(256 * 1024, file), len, &name);
        self.add_reader(reader, &name, format)
    }

    /// Reads a source as Ordnance Survey delivers it: a CSV file, a `.gz` file, a
    /// `.zip` (every `.csv` member, in name order: OS's `…_001_csv.zip` holds
    /// `…_001.csv`), or a directory of those (in name order, so volumes `_001`,
    /// `_002`, ... and split files `ID10_…` to `ID99_…` come in order; `resources/`
    /// and `doc/` folders, which hold OS's header and code-list files, are skipped).
    /// Everything is read streaming.
    pub fn add_path(&mut self, path: &Path, format: Format) -> Result<(), ImportError> {
        let name = path.display().to_string();
        let io = |source| ImportError::Io {
            file: name.clone(),
            source,
        };
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(io)?;
            entries.sort();
            let mut read = 0;
            for e in entries {
                let file_name = e
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                if file_name.starts_with('.') {
                    continue;
                }
                if e.is_dir() {
                    if !matches!(file_name.as_str(), "resources" | "doc" | "docs") {
                        self.add_path(&e, format)?;
                        read += 1;
                    }
                } else if is_data_file(&file_name) {
                    self.add_path(&e, format)?;
                    read += 1;
                }
            }
            if read == 0 {
                return Err(ImportError::WrongFormat {
                    file: name,
                    line: 0,
                    reason: "the directory holds no .csv, .csv.gz or .zip file".into(),
                });
            }
            return Ok(());
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            let file = File::open(path).map_err(io)?;
            let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
                ImportError::WrongFormat {
                    file: name.clone(),
                    line: 0,
                    reason: format!("not a readable zip file: {e}"),
                }
            })?;
            let mut members: Vec<(String, usize)> = (0..zip.len())
                .filter_map(|i| {
                    let m = zip.by_index(i).ok()?;
                    let n = m.name().to_string();
                    let l = n.to_ascii_lowercase();
                    let skipped = l
                        .split('/')
                        .any(|part| matches!(part, "resources" | "doc" | "docs"));
                    (m.is_file() && l.ends_with(".csv") && !skipped).then_some((n, i))
                })
                .collect();
            members.sort();
            if members.is_empty() {
                return Err(ImportError::WrongFormat {
                    file: name,
                    line: 0,
                    reason: "the zip file holds no .csv file".into(),
                });
            }
            for (member, i) in members {
                let m = zip.by_index(i).map_err(|e| ImportError::WrongFormat {
                    file: format!("{name}!{member}"),
                    line: 0,
                    reason: format!("unreadable zip member: {e}"),
                })?;
                self.add_reader(
                    BufReader::with_capacity(256 * 1024, m),
                    &format!("{name}!{member}"),
                    format,
                )?;
            }
            return Ok(());
        }
        if lower.ends_with(".gz") {
            let file = File::open(path).map_err(io)?;
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let reader =
                self.progress_reader(BufReader::with_capacity(256 * 1024, file), len, &name);
            let gz =
                BufReader::with_capacity(256 * 1024, flate2::read::MultiGzDecoder::new(reader));
            return self.add_reader(gz, &name, format);
        }
        self.add_file(path, format)
    }

    fn progress_reader<R: Read + 'static>(&self, r: R, len: u64, name: &str) -> Box<dyn Read> {
        if self.progress && len > 0 {
            let pb = indicatif::ProgressBar::new(len);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            pb.set_message(name.to_string());
            Box::new(pb.wrap_read(r))
        } else {
            Box::new(r)
        }
    }

    /// Reads one source from any reader (`name` is used in errors).
    pub fn add_reader<R: Read>(
        &mut self,
        reader: R,
        name: &str,
        format: Format,
    ) -> Result<(), ImportError> {
        match format {
            Format::AddressBasePremium => abp::read(self, reader, name, abp::Flavour::Abp),
            Format::Dtf73 => {
                abp::read(self, reader, name, abp::Flavour::Dtf(Some(DtfVersion::V73)))
            }
            Format::Dtf81 => {
                abp::read(self, reader, name, abp::Flavour::Dtf(Some(DtfVersion::V81)))
            }
            Format::Dtf => abp::read(self, reader, name, abp::Flavour::Dtf(None)),
            Format::AddressBasePlus => flat::read_abplus(self, reader, name),
            Format::OpenUprn => flat::read_open_uprn(self, reader, name),
            Format::CodePointOpen => flat::read_codepoint(self, reader, name),
            Format::PlainCsv => flat::read_plain(self, reader, name),
        }
    }

    /// Ends the import: checks split-file trailers, applies Open UPRN positions,
    /// converts coordinates, reports orphans; returns the gazetteer and the report.
    pub fn finish(
        mut self,
        transform: Option<&dyn CoordinateTransform>,
    ) -> Result<(Gazetteer, ImportReport), ImportError> {
        if let Some((file, line, expected, expected_meta)) = self.split_trailer.take() {
            let n = self.split_records;
            if n != expected && n + expected_meta != expected {
                return Err(ImportError::Truncated {
                    file,
                    line,
                    reason: format!(
                        "the trailer records count {expected} records but the split files hold {n}"
                    ),
                });
            }
        }
        // Open UPRN positions for properties without one.
        for (uprn, (xy, ll)) in std::mem::take(&mut self.open_uprn) {
            match self.gaz.properties.get_mut(&uprn) {
                Some(p) => {
                    let b = p.blpu.get_or_insert_with(|| crate::model::Blpu {
                        logical_status: 1,
                        ..Default::default()
                    });
                    if b.x.is_none() && b.latitude.is_none() {
                        b.x = xy.map(|v| v.0);
                        b.y = xy.map(|v| v.1);
                        b.latitude = ll.map(|v| v.0);
                        b.longitude = ll.map(|v| v.1);
                        b.rpc.get_or_insert(1);
                    }
                }
                None => self.report.open_uprn_unmatched += 1,
            }
        }
        // Orphans and coordinates.
        for p in self.gaz.properties.values_mut() {
            match &mut p.blpu {
                None => {
                    self.report.orphans += 1;
                    let (file, line) = match self.first_seen.get(&p.uprn) {
                        Some(&(f, l)) => (self.file_names[f as usize].clone(), l),
                        None => ("(the index being updated)".to_string(), 0),
                    };
                    self.report.warnings.push(RowError {
                        file,
                        line,
                        reason: format!(
                            "UPRN {} has {} LPI(s) and {} DPA(s) but no BLPU (record 21): kept, positioned by its postcode if Code-Point Open has it",
                            p.uprn,
                            p.lpis.len(),
                            p.dpas.len()
                        ),
                    });
                }
                Some(b) => {
                    // Zero coordinates beside a latitude/longitude are a placeholder
                    // (OS release notes report "coordinates of 000000" in Islands
                    // data): the latitude/longitude is the position.
                    if b.x == Some(0.0)
                        && b.y == Some(0.0)
                        && b.latitude.is_some()
                        && b.longitude.is_some()
                    {
                        b.x = None;
                        b.y = None;
                    }
                    if let Some(t) = transform {
                        match (b.x, b.y, b.latitude, b.longitude) {
                            (Some(x), Some(y), None, _) | (Some(x), Some(y), _, None) => {
                                if let Some((lon, lat)) = t.to_wgs84(x, y) {
                                    b.longitude = Some(lon);
                                    b.latitude = Some(lat);
                                }
                            }
                            (None, _, Some(lat), Some(lon)) | (_, None, Some(lat), Some(lon)) => {
                                if let Some((x, y)) = t.to_bng(lon, lat) {
                                    b.x = Some(x);
                                    b.y = Some(y);
                                }
                            }
                            _ => {}
                        }
                    }
                    match (b.x, b.latitude) {
                        (Some(_), _) => {}
                        // Outside the OSTN15 grid (or no grid given): kept as supplied,
                        // in WGS84 alone.
                        (None, Some(_)) => self.report.wgs84_only += 1,
                        (None, None) => self.report.unpositioned += 1,
                    }
                }
            }
        }
        if let Some(t) = transform {
            for u in self.gaz.postcodes.values_mut() {
                if let (Some((e, n)), None) = (u.position, u.lonlat) {
                    u.lonlat = t.to_wgs84(e, n);
                }
            }
        }
        // Properties emptied by deletions.
        self.gaz
            .properties
            .retain(|_, p| p.blpu.is_some() || !p.lpis.is_empty() || !p.dpas.is_empty());
        Ok((self.gaz, self.report))
    }
}

/// Whether a file in a supply directory is data: `.csv`, `.csv.gz`, `.gz` or `.zip`.
fn is_data_file(lower_name: &str) -> bool {
    [".csv", ".gz", ".zip"]
        .iter()
        .any(|ext| lower_name.ends_with(ext))
}

fn check_bad_rows(r: &ImportReport, opts: &ImportOptions<'_>) -> Result<(), ImportError> {
    match opts.max_bad_rows {
        Some(max) if r.rejected.len() as u64 > max => Err(ImportError::TooManyBadRows {
            max,
            refused: r.rejected.clone(),
        }),
        _ => Ok(()),
    }
}

/// Imports every source and returns the gazetteer and the report.
pub fn import(
    sources: &[(PathBuf, Format)],
    opts: &ImportOptions<'_>,
) -> Result<(Gazetteer, ImportReport), ImportError> {
    let mut imp = Importer::new();
    imp.set_progress(opts.progress);
    for (p, f) in sources {
        imp.add_path(p, *f)?;
    }
    let (mut g, r) = imp.finish(opts.transform)?;
    check_bad_rows(&r, opts)?;
    if let Some(e) = &opts.epoch {
        g.epoch = e.clone();
    }
    Ok((g, r))
}

/// Imports every source and writes the index to `out` (through a temporary file
/// renamed into place, so a failed import leaves any old index untouched).
pub fn build_index(
    sources: &[(PathBuf, Format)],
    out: &Path,
    opts: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let (g, mut report) = import(sources, opts)?;
    report.build = Some(write_gazetteer(&g, out, opts)?);
    Ok(report)
}

/// Applies change-only update files to an existing index and writes the result to
/// `out` (which may be the same path): the index's stored model is decoded, the
/// changes applied by `CHANGE_TYPE` in `PRO_ORDER`, and the index re-encoded. The
/// original source files are not needed.
pub fn update_index(
    index: &Path,
    updates: &[(PathBuf, Format)],
    out: &Path,
    opts: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let name = index.display().to_string();
    let f = File::open(index).map_err(|source| ImportError::Io {
        file: name.clone(),
        source,
    })?;
    let idx = AddressIndex::open_named(BufReader::new(f), &name)?;
    let generated = idx.directory().meta.generated;
    let g = idx.to_gazetteer()?;
    drop(idx);
    let mut imp = Importer::with_gazetteer(g);
    imp.set_progress(opts.progress);
    for (p, fmt) in updates {
        imp.add_path(p, *fmt)?;
    }
    let (mut g, mut report) = imp.finish(opts.transform)?;
    check_bad_rows(&report, opts)?;
    if let Some(e) = &opts.epoch {
        g.epoch = e.clone();
    }
    let o = ImportOptions {
        generated: generated || opts.generated,
        built: opts.built.clone(),
        ..ImportOptions::default()
    };
    report.build = Some(write_gazetteer(&g, out, &o)?);
    Ok(report)
}

/// Writes a gazetteer as an index file (atomically, through `out` + `.tmp`).
pub fn write_gazetteer(
    g: &Gazetteer,
    out: &Path,
    opts: &ImportOptions<'_>,
) -> Result<BuildStats, ImportError> {
    let tmp = out.with_extension("tmp");
    let io = |source| ImportError::Io {
        file: tmp.display().to_string(),
        source,
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let f = File::create(&tmp).map_err(io)?;
    let built = opts.built.clone().unwrap_or_else(today);
    let stats = write_index(
        g,
        BufWriter::with_capacity(1 << 20, f),
        &built,
        opts.generated,
    )?;
    std::fs::rename(&tmp, out).map_err(|source| ImportError::Io {
        file: out.display().to_string(),
        source,
    })?;
    Ok(stats)
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    council_dates::CivilDate::today_utc().to_string()
}
