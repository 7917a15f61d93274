//! Flat formats, one row per thing: AddressBase Plus (`plus`), OS Open UPRN
//! (`open_uprn`), Code-Point Open (`codepoint`) and a plain CSV (`plain`); and what
//! they share here: columns by header name, the CSV reader, postcode cleaning.

use std::io::Read;

use super::ImportError;
use super::field_check::ColumnError;
use super::fields::{ColumnMap, FieldError};
use crate::postcode::{self, Postcode, PostcodeQuery};

mod codepoint;
mod open_uprn;
mod plain;
mod plus;

pub(crate) use codepoint::read_codepoint;
pub(crate) use open_uprn::read_open_uprn;
pub(crate) use plain::read_plain;
use plus::plus_canonical;
pub(crate) use plus::read_abplus;

struct Cols {
    map: ColumnMap<String>,
}

impl Cols {
    fn from_names<'a>(names: impl Iterator<Item = &'a str>) -> Cols {
        Cols {
            map: names
                .enumerate()
                .map(|(i, n)| {
                    let n = n
                        .trim()
                        .trim_start_matches('\u{feff}')
                        .to_ascii_uppercase()
                        .replace([' ', '-'], "_");
                    (plus_canonical(&n).to_string(), i)
                })
                .collect(),
        }
    }
    fn idx(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.map.get(*n).copied())
    }
}

fn csv_reader<Rd: Read>(r: Rd) -> csv::Reader<Rd> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r)
}

fn csv_err(file: &str, e: csv::Error, line: u64) -> ImportError {
    ImportError::Csv {
        file: file.to_string(),
        line: e.position().map_or(line, |p| p.line()),
        reason: e.to_string(),
    }
}

/// Normalises a postcode from a data file. A valid one is returned as is; an
/// O/0 or I/1 slip (`C09 1HT`) is corrected with a warning; anything else is `Err`.
pub(crate) fn clean_postcode(raw: &str) -> Result<(Postcode, Option<String>), NotAPostcode> {
    if let Some(p) = Postcode::parse_lenient(raw) {
        return Ok((p, None));
    }
    match postcode::correct_slips(raw) {
        Some(PostcodeQuery::Full(p)) => {
            let note = format!(
                "postcode '{}' corrected to {p} (O/0 or I/1 slip)",
                raw.trim()
            );
            Ok((p, Some(note)))
        }
        _ => Err(NotAPostcode {
            text: raw.trim().to_string(),
        }),
    }
}

/// A postcode field that is not a postcode, even after correcting O/0 and I/1 slips.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a valid postcode")]
pub(crate) struct NotAPostcode {
    /// The field, trimmed.
    pub text: String,
}

/// Why a row of a flat file (AddressBase Plus, OS Open UPRN, a plain CSV) is refused.
/// The texts follow the row's file and line in the import report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FlatRowError {
    /// A typed column does not fit its kind (AddressBase Plus, Open UPRN).
    #[error(transparent)]
    Column(#[from] ColumnError),
    /// A field does not convert, or a mandatory one is empty.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// AddressBase Plus `CHANGE_TYPE` is not insert, update or delete.
    #[error("CHANGE_TYPE '{0}' is not I, U or D")]
    ChangeType(String),
    /// A postcode column that AddressBase Plus requires to be a postcode is not one.
    #[error("{column} {postcode}")]
    Postcode {
        /// The column (`POSTCODE`, `POSTCODE_LOCATOR`).
        column: &'static str,
        /// The field.
        postcode: NotAPostcode,
    },
    /// An Open UPRN row with neither easting/northing nor latitude/longitude.
    #[error("no coordinates")]
    NoCoordinates,
    /// A plain CSV's identifier is not a whole number.
    #[error("UPRN/ID '{0}' is not a whole number")]
    IdNotWholeNumber(String),
    /// A plain CSV's coordinate is not a finite number.
    #[error("{column} '{value}' is not a number")]
    NotNumber {
        /// The first of the names the column goes by (`EASTING`, `LATITUDE`).
        column: &'static str,
        /// The field, trimmed.
        value: String,
    },
    /// A plain CSV row with no address text once its postcode is set apart.
    #[error("the address is empty")]
    EmptyAddress,
}
