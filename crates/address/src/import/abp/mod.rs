//! AddressBase Premium and council LLPG (DTF 7.3 / DTF 8.1) CSV: one file with every
//! record type and no header, or one file per record type with a header row
//! (Ordnance Survey's `AddressBasePremium_RecordSplitter`); full supplies and
//! change-only updates.
//!
//! Column layouts, by record type and column count:
//!
//! | type | AddressBase Premium / DTF 8.1 | DTF 7.3 |
//! |---|---|---|
//! | 10 header | 9 | 9 |
//! | 11 street | 24 (with start/end lat/long) or 20 (without) | 20, dates in the order VERSION, RECORD_ENTRY_DATE, LAST_UPDATE_DATE, START, END |
//! | 15 descriptor | 13 | 9 (no dates) or 13 |
//! | 21 BLPU | 22 (with LATITUDE, LONGITUDE), 20 without (DTF 8.1 extracts, pre-Islands AddressBase) | 23: BLPU_CLASS, ORGANISATION, WARD_CODE, PARISH_CODE inline, no COUNTRY |
//! | 23 cross reference | 12 | 11: dates before CROSS_REFERENCE, SOURCE |
//! | 24 LPI | 26 | 30: LEVEL, POSTALLY_ADDRESSABLE, POSTCODE, POST_TOWN, OFFICIAL_FLAG, custodian and CAN keys |
//! | 28 DPA | 29 | — |
//! | 29 metadata | 17 | 17 |
//! | 30 successor | 10 | 10 |
//! | 31 organisation | 11 | 11 |
//! | 32 classification | 12 | 12 |
//! | 99 trailer | 5 | 5 |
//!
//! Sources: AddressBase Premium columns from Ordnance Survey's published loading
//! scripts (OrdnanceSurvey/AddressBase: `PostgreSQL_AddressBase_Premium_CreateTable.sql`,
//! `Oracle_AddressBasePremium_Control.ctl`, `AddressBasePremium_RecordSplitter_v3_7.py`
//! for the split-file header names); DTF 7.3 columns from a published NLPG DTF loader
//! (bitweaver `BitNlpg.php`, record handlers for 11, 15, 21, 23 and 24); DTF 8.1 LLPG
//! records 24-32 as AddressBase Premium (AddressBase Premium is delivered in the DTF 8.1
//! record structure), record 21 with or without latitude/longitude. Trailer
//! `RECORD_COUNT` excludes the header, metadata and trailer records (OS AddressBase
//! Premium technical specification, "Trailer – Type 99 record"); the NSG DTF 8.1 trailer
//! excludes only header and trailer, so both readings are accepted.
//!
//! Variant detection: the header row of split files names the columns; otherwise the
//! first record of each type fixes its layout by column count (and for DTF without an
//! explicit version, the header record's `VERSION`, else 8.1), and every later record
//! of that type must have the same count.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use csv::StringRecord;

use super::fields::{ColumnMap, Fields};
mod errors;
mod records;

use errors::{HeaderRowMismatch, LayoutMismatch};
pub(crate) use records::postal_v1_as_v2;
use records::{ChangeRecord, apply, parse_record};

use super::layout::{self, Layout, Schema};
use super::{ImportError, Importer};

/// DTF version of an LLPG extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtfVersion {
    /// NLPG DTF 7.3.
    V73,
    /// GeoPlace DTF 8.1.
    V81,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    Abp,
    Dtf(Option<DtfVersion>),
}

/// The record types AddressBase Premium has.
const ABP_TYPES: [u8; 12] = [10, 11, 15, 21, 23, 24, 28, 29, 30, 31, 32, 99];

type ColMap = ColumnMap<&'static str>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Change {
    Insert,
    Update,
    Delete,
}

/// How one record type is read in one file: its layout, and where each of the
/// layout's columns is in a row (by position, or by the split file's header row).
struct RecordColumns {
    layout: &'static Layout,
    idx: Vec<usize>,
    map: ColMap,
    ncols: usize,
}

impl RecordColumns {
    fn positional(layout: &'static Layout) -> RecordColumns {
        RecordColumns {
            layout,
            idx: (0..layout.cols.len()).collect(),
            map: layout
                .cols
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name, i))
                .collect(),
            ncols: layout.cols.len(),
        }
    }

    /// The layout named by a header row: the one whose every column the header
    /// has, the widest first (schema 2.0's street has every schema 1.0 name).
    fn named(
        candidates: &[&'static Layout],
        names: &[String],
    ) -> Result<(RecordColumns, Vec<String>), HeaderRowMismatch> {
        let mut best: Option<&'static Layout> = None;
        for l in candidates {
            if l.cols.iter().all(|c| names.iter().any(|n| n == c.name))
                && best.is_none_or(|b| l.cols.len() > b.cols.len())
            {
                best = Some(l);
            }
        }
        let Some(layout) = best else {
            let l = candidates[0];
            return Err(HeaderRowMismatch {
                missing: l
                    .cols
                    .iter()
                    .filter(|c| !names.iter().any(|n| n == c.name))
                    .map(|c| c.name)
                    .collect(),
                record: l.record,
                layout: l.label,
            });
        };
        let idx: Vec<usize> = layout
            .cols
            .iter()
            .map(|c| names.iter().position(|n| n == c.name).unwrap_or(0))
            .collect();
        let extra: Vec<String> = names
            .iter()
            .filter(|n| !layout.cols.iter().any(|c| c.name == n.as_str()))
            .cloned()
            .collect();
        let map = layout
            .cols
            .iter()
            .zip(&idx)
            .map(|(c, i)| (c.name, *i))
            .collect();
        Ok((
            RecordColumns {
                layout,
                idx,
                map,
                ncols: names.len(),
            },
            extra,
        ))
    }

    /// Checks every column of a row; `Err` names the first column that does not fit.
    fn validate(&self, rec: &StringRecord) -> Result<(), LayoutMismatch> {
        for (col, &i) in self.layout.cols.iter().zip(&self.idx) {
            col.check_named(rec.get(i).unwrap_or(""))
                .map_err(|column| LayoutMismatch {
                    column,
                    record: self.layout.record,
                    layout: self.layout.label,
                })?;
        }
        Ok(())
    }
}

/// The schemas a flavour of file may be in, before its header record says which.
fn schemas_of(flavour: Flavour) -> Vec<Schema> {
    match flavour {
        Flavour::Abp => layout::ABP_SCHEMAS.to_vec(),
        Flavour::Dtf(Some(DtfVersion::V73)) => vec![Schema::Dtf73],
        Flavour::Dtf(Some(DtfVersion::V81)) => vec![Schema::Dtf81],
        Flavour::Dtf(None) => vec![Schema::Dtf73, Schema::Dtf81],
    }
}

fn schemas_label(s: &[Schema]) -> String {
    s.iter().map(|s| s.label()).collect::<Vec<_>>().join(" or ")
}

/// Reads one AddressBase Premium or DTF file (a volume, or one file of a supply split
/// by record type) into the importer.
pub(crate) fn read<R: Read>(
    imp: &mut Importer,
    input: R,
    file: &str,
    flavour: Flavour,
) -> Result<(), ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = StringRecord::new();
    let mut reader = SupplyReader::new(file, flavour);
    let mut records = 0u64;
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ImportError::Csv {
                    file: file.to_string(),
                    line: e.position().map_or(reader.state.line + 1, |p| p.line()),
                    reason: e.to_string(),
                });
            }
        }
        records += 1;
        // The csv crate's line numbers lag by one after the first record of a CRLF
        // file; the record count is the line number unless a field spans lines.
        reader.state.line = record.position().map_or(records, |p| p.line().max(records));
        reader.row(imp, &record, records == 1)?;
    }
    reader.state.finish(imp)
}

/// Reading one file: the layout of each record type met so far, and the rest.
struct SupplyReader<'f> {
    layouts: HashMap<u8, RecordColumns>,
    state: FileState<'f>,
}

/// Everything about the file being read but its layouts.
struct FileState<'f> {
    file: &'f str,
    flavour: Flavour,
    /// The schemas the file may still be in: one, once its header record or a layout
    /// that belongs to one schema settles it.
    schemas: Vec<Schema>,
    /// The column names of a split file's header row.
    header_row: Option<Vec<String>>,
    /// The line being read.
    line: u64,
    /// Records other than header, metadata and trailer: what the trailer counts.
    counted: u64,
    metadata_records: u64,
    trailer_seen: bool,
    change_only: bool,
    /// The changes of a change-only update, applied in PRO_ORDER at the end.
    pending: Vec<PendingChange>,
    /// DTF record types the index does not use: how many, and the first one's line.
    unused: BTreeMap<u8, (u64, u64)>,
    /// What was detected, for the import report.
    variants: Vec<String>,
}

struct PendingChange {
    pro_order: u64,
    line: u64,
    change: Change,
    record: ChangeRecord,
}

impl<'f> SupplyReader<'f> {
    fn new(file: &'f str, flavour: Flavour) -> Self {
        SupplyReader {
            layouts: HashMap::new(),
            state: FileState {
                file,
                flavour,
                schemas: schemas_of(flavour),
                header_row: None,
                line: 0,
                counted: 0,
                metadata_records: 0,
                trailer_seen: false,
                change_only: false,
                pending: Vec::new(),
                unused: BTreeMap::new(),
                variants: Vec::new(),
            },
        }
    }

    /// Reads one row: the header row of a split file, or a record.
    fn row(
        &mut self,
        imp: &mut Importer,
        record: &StringRecord,
        first: bool,
    ) -> Result<(), ImportError> {
        let identifier = first_field(record);
        if first && self.state.header_row_or_wrong_format(record, identifier)? {
            return Ok(());
        }
        let record_type = self.state.record_type(record, identifier)?;
        if !self.layouts.contains_key(&record_type) {
            let Some(columns) = self.state.choose_layout(imp, record_type, record)? else {
                return Ok(());
            };
            self.layouts.insert(record_type, columns);
        }
        let columns = &self.layouts[&record_type];
        let state = &mut self.state;
        if record.len() != columns.ncols {
            return Err(ImportError::ColumnCount {
                file: state.file.into(),
                line: state.line,
                reason: format!(
                    "record type {record_type} has {} columns but the {} layout of this file has {} (mixed layouts, or a row cut short)",
                    record.len(),
                    columns.layout.label,
                    columns.ncols
                ),
            });
        }
        imp.report.count_record_type(record_type);
        if let Err(mismatch) = columns.validate(record) {
            return state.refuse(imp, record_type, &mismatch);
        }
        let fields = Fields {
            record,
            columns: &columns.map,
        };
        match record_type {
            10 => state.header_record(imp, &fields),
            29 => {
                state.metadata_record(imp, &fields, columns.layout);
                Ok(())
            }
            99 => state.trailer_record(imp, &fields),
            _ => {
                state.change_record(imp, record_type, &fields);
                Ok(())
            }
        }
    }
}

impl FileState<'_> {
    /// On the first row: a split file's header row (`true`), or an error when the
    /// row starts with a name where a record identifier belongs.
    fn header_row_or_wrong_format(
        &mut self,
        record: &StringRecord,
        identifier: &str,
    ) -> Result<bool, ImportError> {
        let upper = identifier.to_ascii_uppercase();
        if upper == "RECORD_IDENTIFIER" {
            // A file split by record type (OS's AddressBasePremium_RecordSplitter),
            // whose header row names the columns.
            self.header_row = Some(
                record
                    .iter()
                    .map(|h| {
                        layout::canonical(
                            &h.trim().trim_start_matches('\u{feff}').to_ascii_uppercase(),
                        )
                        .to_string()
                    })
                    .collect(),
            );
            self.variants
                .push("split by record type, header row".into());
            return Ok(true);
        }
        if upper
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        {
            return Err(wrong_format_first(self.file, self.line, record));
        }
        Ok(false)
    }

    fn record_type(&self, record: &StringRecord, identifier: &str) -> Result<u8, ImportError> {
        let record_type = match identifier.parse::<u64>() {
            Ok(n) if n <= 99 => n as u8,
            _ => return Err(wrong_format_first(self.file, self.line, record)),
        };
        if self.flavour == Flavour::Abp && !ABP_TYPES.contains(&record_type) {
            return Err(ImportError::WrongFormat {
                file: self.file.into(),
                line: self.line,
                reason: format!(
                    "record type {record_type} is not an AddressBase Premium record (10, 11, 15, 21, 23, 24, 28, 29, 30, 31, 32, 99); an LLPG extract in DTF should be imported as dtf"
                ),
            });
        }
        Ok(record_type)
    }

    /// The layout of a record type met for the first time in this file: named by
    /// the header row, else the one layout with the row's column count, else (two
    /// layouts with one count, no header record to say which) the one the row's typed
    /// fields fit. `None`: the row is not read (a DTF record type the index does not
    /// use, or a row no single layout fits, which is refused).
    fn choose_layout(
        &mut self,
        imp: &mut Importer,
        record_type: u8,
        record: &StringRecord,
    ) -> Result<Option<RecordColumns>, ImportError> {
        let candidates = layout::layouts_for(record_type, &self.schemas);
        if candidates.is_empty() {
            let e = self.unused.entry(record_type).or_insert((0, self.line));
            e.0 += 1;
            imp.report.count_record_type(record_type);
            self.counted += 1;
            return Ok(None);
        }
        let columns = match &self.header_row {
            Some(names) => match RecordColumns::named(&candidates, names) {
                Ok((columns, extra)) => {
                    if !extra.is_empty() {
                        self.variants.push(format!(
                            "{record_type}: columns not in the layout, ignored: {}",
                            extra.join(", ")
                        ));
                    }
                    columns
                }
                Err(mismatch) => {
                    return Err(ImportError::WrongFormat {
                        file: self.file.into(),
                        line: 1,
                        reason: mismatch.to_string(),
                    });
                }
            },
            None => {
                let same_count: Vec<&'static Layout> = candidates
                    .iter()
                    .copied()
                    .filter(|l| l.cols.len() == record.len())
                    .collect();
                match same_count.as_slice() {
                    [] => {
                        let expected: Vec<String> = candidates
                            .iter()
                            .map(|l| format!("{} ({})", l.cols.len(), l.label))
                            .collect();
                        return Err(ImportError::ColumnCount {
                            file: self.file.into(),
                            line: self.line,
                            reason: format!(
                                "record type {record_type} has {} columns; {} has {}",
                                record.len(),
                                schemas_label(&self.schemas),
                                expected.join(" or ")
                            ),
                        });
                    }
                    [only] => RecordColumns::positional(only),
                    several => {
                        // The DPA of schemas 1.0 and 2.0: 29 columns in another order.
                        let fits: Vec<&'static Layout> = several
                            .iter()
                            .copied()
                            .filter(|l| RecordColumns::positional(l).validate(record).is_ok())
                            .collect();
                        let [fit] = fits.as_slice() else {
                            let labels: Vec<&str> = several.iter().map(|l| l.label).collect();
                            imp.report.count_record_type(record_type);
                            self.counted += 1;
                            imp.report.reject(
                                self.file,
                                self.line,
                                format!(
                                    "record type {record_type}: the row fits {} of the layouts with {} columns ({}), and the file has no header record to say which",
                                    if fits.is_empty() { "none" } else { "more than one" },
                                    record.len(),
                                    labels.join("; ")
                                ),
                            );
                            return Ok(None);
                        };
                        RecordColumns::positional(fit)
                    }
                }
            }
        };
        // A layout that belongs to one schema settles the file's schema.
        let schemas = columns.layout.schemas;
        self.schemas.retain(|s| schemas.contains(s));
        self.variants.push(if self.header_row.is_none() {
            format!(
                "{record_type}: {} columns, {}",
                columns.ncols, columns.layout.label
            )
        } else {
            format!("{record_type}: {}", columns.layout.label)
        });
        Ok(Some(columns))
    }

    /// A row that does not validate: refused, and still counted for the trailer. A
    /// header or trailer that does not validate refuses the whole file, which cannot be
    /// trusted without them.
    fn refuse(
        &mut self,
        imp: &mut Importer,
        record_type: u8,
        mismatch: &LayoutMismatch,
    ) -> Result<(), ImportError> {
        let reason = mismatch.to_string();
        if matches!(record_type, 10 | 99) {
            return Err(ImportError::WrongFormat {
                file: self.file.into(),
                line: self.line,
                reason,
            });
        }
        if record_type != 29 {
            self.counted += 1;
            if self.header_row.is_some() {
                imp.split_records += 1;
            }
        }
        imp.report.reject(self.file, self.line, reason);
        Ok(())
    }

    /// The header record (10): the supply's facts, and its schema (`VERSION`: OS
    /// says it "relates to the product schema and not this technical specification").
    fn header_record(
        &mut self,
        imp: &mut Importer,
        fields: &Fields<'_>,
    ) -> Result<(), ImportError> {
        let s = &mut imp.gaz.supply;
        s.custodian_name = fields.text("CUSTODIAN_NAME");
        s.local_custodian_code = fields.number("LOCAL_CUSTODIAN_CODE").ok().flatten();
        s.process_date = fields.date("PROCESS_DATE").ok().flatten();
        s.volume_number = fields.number("VOLUME_NUMBER").ok().flatten();
        s.entry_date = fields.date("ENTRY_DATE").ok().flatten();
        s.version = fields.text("VERSION");
        s.file_type = fields.text("FILE_TYPE");
        if s.file_type.as_deref() == Some("C") {
            self.change_only = true;
        }
        let version = s.version.clone().unwrap_or_default();
        match self.flavour {
            Flavour::Abp => {
                let schema = match version.as_str() {
                    "1.0" => Schema::AbpV1,
                    "2.0" => Schema::AbpV2,
                    other => {
                        let hint = if other.starts_with('7') || other.starts_with('8') {
                            ": this looks like a council LLPG extract in DTF, import it as dtf"
                        } else {
                            ""
                        };
                        return Err(ImportError::WrongFormat {
                            file: self.file.into(),
                            line: self.line,
                            reason: format!(
                                "column VERSION: '{other}' is not an AddressBase Premium schema this importer reads (1.0 to Epoch 38, 2.0 since){hint}"
                            ),
                        });
                    }
                };
                if !self.schemas.contains(&schema) {
                    return Err(ImportError::WrongFormat {
                        file: self.file.into(),
                        line: self.line,
                        reason: format!(
                            "column VERSION: the header says {} but the records before it are {}",
                            schema.label(),
                            schemas_label(&self.schemas)
                        ),
                    });
                }
                self.schemas = vec![schema];
                self.variants
                    .push(format!("header VERSION {version}: {}", schema.label()));
            }
            Flavour::Dtf(None) => {
                if version.contains("7.3") {
                    self.schemas.retain(|s| *s == Schema::Dtf73);
                } else if version.contains('8') {
                    self.schemas.retain(|s| *s == Schema::Dtf81);
                }
            }
            Flavour::Dtf(Some(_)) => {}
        }
        if imp.gaz.epoch.is_empty() {
            let s = &imp.gaz.supply;
            imp.gaz.epoch = match (&s.custodian_name, s.process_date) {
                (Some(c), Some(d)) => format!("{c} {}", d.iso()),
                (None, Some(d)) => d.iso(),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            };
        }
        Ok(())
    }

    /// The metadata record (29), kept as name and value pairs for `info`.
    fn metadata_record(&mut self, imp: &mut Importer, fields: &Fields<'_>, layout: &Layout) {
        self.metadata_records += 1;
        imp.gaz.supply.metadata = layout
            .cols
            .iter()
            .skip(1)
            .filter_map(|c| {
                fields
                    .get(c.name)
                    .map(|v| (c.name.to_string(), v.to_string()))
            })
            .collect();
    }

    /// The trailer (99): its RECORD_COUNT must be the records read (or, for a split
    /// supply, all the records of the set, checked at `Importer::finish`).
    fn trailer_record(
        &mut self,
        imp: &mut Importer,
        fields: &Fields<'_>,
    ) -> Result<(), ImportError> {
        self.trailer_seen = true;
        let count = fields
            .number::<u64>("RECORD_COUNT")
            .ok()
            .flatten()
            .unwrap_or(0);
        if self.header_row.is_some() {
            let t = imp
                .split_trailer
                .get_or_insert((self.file.to_string(), self.line, 0, 0));
            t.2 += count;
            t.3 = t.3.max(self.metadata_records);
        } else if count != self.counted && count != self.counted + self.metadata_records {
            return Err(ImportError::Truncated {
                file: self.file.into(),
                line: self.line,
                reason: format!(
                    "the trailer says {count} records but the file has {} (excluding header, metadata and trailer)",
                    self.counted
                ),
            });
        }
        Ok(())
    }

    /// A change record (11 to 32): applied now in a full supply; kept for PRO_ORDER in
    /// a change-only update.
    fn change_record(&mut self, imp: &mut Importer, record_type: u8, fields: &Fields<'_>) {
        self.counted += 1;
        if self.header_row.is_some() {
            imp.split_records += 1;
        }
        let change = match fields.get("CHANGE_TYPE") {
            Some("U") => Change::Update,
            Some("D") => Change::Delete,
            _ => Change::Insert,
        };
        let pro_order = fields
            .number::<u64>("PRO_ORDER")
            .ok()
            .flatten()
            .unwrap_or(0);
        let record = match parse_record(record_type, fields) {
            Ok(r) => r,
            Err(reason) => {
                imp.report.reject(
                    self.file,
                    self.line,
                    format!("record type {record_type}: {reason}"),
                );
                return;
            }
        };
        if change != Change::Insert || self.change_only {
            self.change_only = true;
            self.pending.push(PendingChange {
                pro_order,
                line: self.line,
                change,
                record,
            });
        } else {
            apply(imp, self.file, self.line, change, record);
        }
    }

    /// The end of the file: its trailer was there, the pending changes are applied in
    /// PRO_ORDER (file order breaks ties), and the report says what was read.
    fn finish(self, imp: &mut Importer) -> Result<(), ImportError> {
        let file = self.file;
        if self.line == 0 {
            return Err(ImportError::WrongFormat {
                file: file.into(),
                line: 0,
                reason: "the file is empty".into(),
            });
        }
        if self.header_row.is_none() && !self.trailer_seen {
            return Err(ImportError::Truncated {
                file: file.into(),
                line: self.line,
                reason: format!(
                    "the file ends at line {} without a trailer (99) record; {} records were read",
                    self.line, self.counted
                ),
            });
        }
        let mut pending = self.pending;
        // A stable sort: file order breaks PRO_ORDER ties.
        pending.sort_by_key(|p| p.pro_order);
        for p in pending {
            apply(imp, file, p.line, p.change, p.record);
        }
        for (record_type, (n, first_line)) in self.unused {
            imp.report.warn(
                file,
                first_line,
                format!(
                    "{n} record(s) of DTF type {record_type}, the first here, are not used by the address index"
                ),
            );
        }
        let format = match (self.flavour, self.schemas.as_slice()) {
            (Flavour::Abp, _) => "addressbase-premium",
            (_, [Schema::Dtf73]) => "dtf-7.3",
            _ => "dtf-8.1",
        };
        imp.gaz.add_source(format);
        imp.report.files.push((
            file.to_string(),
            format!(
                "{format}{} ({}): {}",
                if self.change_only {
                    " change-only update"
                } else {
                    ""
                },
                schemas_label(&self.schemas),
                self.variants.join("; ")
            ),
        ));
        Ok(())
    }
}

/// A record's first field (its record identifier), without a byte order mark.
fn first_field(record: &StringRecord) -> &str {
    record
        .get(0)
        .unwrap_or("")
        .trim()
        .trim_start_matches('\u{feff}')
}

/// Explains a first row that is not an AddressBase/DTF record.
fn wrong_format_first(file: &str, line: u64, rec: &StringRecord) -> ImportError {
    let first = first_field(rec);
    let upper = first.to_ascii_uppercase();
    let hint = if upper == "UPRN" && rec.len() >= 70 {
        "a header row (UPRN, UDPRN, ...) where AddressBase Premium has none: this looks like AddressBase Plus (format addressbase-plus)".to_string()
    } else if upper == "UPRN" {
        "a header row starting UPRN where AddressBase Premium has none: this looks like OS Open UPRN or a plain CSV".to_string()
    } else if first.len() >= 5 && first.bytes().all(|c| c.is_ascii_digit()) && rec.len() == 77 {
        format!(
            "'{first}' is not a record identifier; a row of 77 columns starting with a UPRN looks like AddressBase Plus (format addressbase-plus)"
        )
    } else if crate::postcode::Postcode::parse_lenient(first).is_some() && rec.len() == 10 {
        format!("'{first}' is a postcode: this looks like Code-Point Open (format codepoint-open)")
    } else if upper
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        format!(
            "a header row ('{first}', ...) where none is expected: AddressBase Premium and DTF files start with a record identifier (10), unless split by record type with a RECORD_IDENTIFIER header"
        )
    } else {
        format!(
            "'{first}' is not a record identifier (10, 11, 15, 21, 23, 24, 28, 29, 30, 31, 32, 99)"
        )
    };
    ImportError::WrongFormat {
        file: file.into(),
        line,
        reason: hint,
    }
}

#[cfg(test)]
mod tests;
