//! Flat formats, one row per thing: AddressBase Plus (`plus`), OS Open UPRN
//! (`open_uprn`), Code-Point Open (`codepoint`) and a plain CSV (`plain`); and what
//! they share here: columns by header name, the CSV reader, postcode cleaning.

use std::io::Read;

use super::ImportError;
use super::fields::ColumnMap;
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
pub(crate) fn clean_postcode(raw: &str) -> Result<(Postcode, Option<String>), String> {
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
        _ => Err(format!("'{}' is not a valid postcode", raw.trim())),
    }
}
