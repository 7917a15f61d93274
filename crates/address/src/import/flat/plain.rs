//! A plain CSV with a header: an identifier, address lines or one address column,
//! a postcode, and easting/northing or latitude/longitude; address lines read by the
//! documented rule (docs/address-index.md, "Plain CSV address lines").

use std::io::Read;

use csv::StringRecord;

use super::super::field_check;
use super::super::layout::{Col, Kind};
use super::super::{ImportError, Importer};
use super::{Cols, FlatRowError, clean_postcode, csv_err, csv_reader};
use crate::model::{Blpu, Classification, Dpa, Property};
use crate::postcode::Postcode;

/// Column names accepted by the plain CSV importer.
const IDENTIFIER: &[&str] = &["UPRN", "ID", "UNIQUE_ID", "REFERENCE", "REF"];
const ADDRESS: &[&str] = &[
    "ADDRESS",
    "ADDRESS_CONCAT",
    "FULL_ADDRESS",
    "SINGLE_LINE",
    "SINGLE_LINE_ADDRESS",
];
const POSTCODE: &[&str] = &["POSTCODE", "POST_CODE", "POSTCODE_LOCATOR", "PCD"];
const EASTING: &[&str] = &["EASTING", "X", "X_COORDINATE"];
const NORTHING: &[&str] = &["NORTHING", "Y", "Y_COORDINATE"];
const LATITUDE: &[&str] = &["LATITUDE", "LAT"];
const LONGITUDE: &[&str] = &["LONGITUDE", "LON", "LNG", "LONG"];
const CLASS: &[&str] = &["CLASSIFICATION_CODE", "CLASS", "CLASSIFICATION"];

/// Last words that make an address part a street (Royal Mail's and BS 7666's common
/// thoroughfare descriptors).
const STREET_WORDS: &[&str] = &[
    "AVENUE",
    "BANK",
    "BOULEVARD",
    "BRIDGE",
    "BROW",
    "CLOSE",
    "COMMON",
    "CRESCENT",
    "DRIVE",
    "END",
    "ESPLANADE",
    "GARDENS",
    "GATE",
    "GREEN",
    "GROVE",
    "HILL",
    "LANE",
    "MEWS",
    "PARADE",
    "PARK",
    "PASSAGE",
    "PLACE",
    "PROMENADE",
    "RISE",
    "ROAD",
    "ROW",
    "SQUARE",
    "STREET",
    "TERRACE",
    "VIEW",
    "WALK",
    "WAY",
    "WHARF",
    "YARD",
];

/// Words that make an address part a building or part of one, whatever number it
/// starts with (`3 BLOCK A`, `2 ROSE COURT`).
const BUILDING_WORDS: &[&str] = &[
    "APARTMENT",
    "APARTMENTS",
    "BLOCK",
    "BUILDING",
    "BUILDINGS",
    "CHAMBERS",
    "COTTAGE",
    "COTTAGES",
    "COURT",
    "FARM",
    "FLAT",
    "FLATS",
    "FLOOR",
    "HALL",
    "HOUSE",
    "LODGE",
    "MANSIONS",
    "MILL",
    "SUITE",
    "TOWER",
    "UNIT",
    "WING",
];

/// A leading house number (`12`, `12A`, `12-14`) and the rest of an address part.
fn leading_number(part: &str) -> Option<(&str, &str)> {
    let (head, rest) = part.split_once(' ')?;
    let rest = rest.trim();
    let digits = head.bytes().take_while(u8::is_ascii_digit).count();
    let tail = &head[digits..];
    let ok = digits > 0
        && (tail.is_empty()
            || (tail.len() == 1 && tail.bytes().all(|b| b.is_ascii_alphabetic()))
            || tail
                .strip_prefix('-')
                .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric())));
    (ok && !rest.is_empty()).then_some((head, rest))
}

fn last_word_in(part: &str, words: &[&str]) -> bool {
    part.split_whitespace()
        .last()
        .is_some_and(|w| words.contains(&w.to_ascii_uppercase().as_str()))
}

fn any_word_in(part: &str, words: &[&str]) -> bool {
    part.split_whitespace()
        .any(|w| words.contains(&w.to_ascii_uppercase().as_str()))
}

/// Reads a plain CSV's address lines into PAF's fields (docs/address-index.md,
/// "Plain CSV address lines"):
/// 1. The last part is the post town (when there are two parts or more).
/// 2. The street is the last part before the town whose last word is a thoroughfare
///    descriptor (ROAD, STREET, LANE, ...), or else the first part if it is a house
///    number followed by words none of which names a building (`1 PICCADILLY`).
///    A house number at the start of the street part is the building number (a whole
///    number) or building name (`12A`, `12-14`).
/// 3. Parts before the street are the building: one part is its name; two or more
///    are the sub-building then the building name. A part such as `3 BLOCK A` is
///    always a name, never a number on a street called `BLOCK A`.
/// 4. Parts between the street and the town are localities; with no street at all,
///    the first part is the building name.
fn address_lines_into(parts: &[String], d: &mut Dpa) {
    let (body, town) = if parts.len() >= 2 {
        (&parts[..parts.len() - 1], parts.last().cloned())
    } else {
        (parts, None)
    };
    d.post_town = town;
    let street_at = body
        .iter()
        .rposition(|p| last_word_in(p, STREET_WORDS) && !last_word_in(p, BUILDING_WORDS))
        .or_else(|| {
            (parts.len() >= 2
                && leading_number(&body[0])
                    .is_some_and(|(_, rest)| !any_word_in(rest, BUILDING_WORDS)))
            .then_some(0)
        });
    let Some(t) = street_at else {
        if let Some(first) = body.first() {
            d.building_name = Some(first.clone());
        }
        if body.len() > 1 {
            d.dependent_locality = Some(body[1..].join(", "));
        }
        return;
    };
    let street = &body[t];
    match leading_number(street) {
        Some((n, rest)) => match n.parse::<u32>() {
            Ok(v) => {
                d.building_number = Some(v);
                d.thoroughfare = Some(rest.to_string());
            }
            // `12A` and `12-14` are written in the building name (PAF), where the
            // building has no name of its own; otherwise the street keeps them.
            Err(_) if t == 0 => {
                d.building_name = Some(n.to_string());
                d.thoroughfare = Some(rest.to_string());
            }
            Err(_) => d.thoroughfare = Some(street.clone()),
        },
        None => d.thoroughfare = Some(street.clone()),
    }
    match &body[..t] {
        [] => {}
        [name] => d.building_name = Some(name.clone()),
        [sub @ .., name] => {
            d.sub_building_name = Some(sub.join(", "));
            d.building_name = Some(name.clone());
        }
    }
    if t + 1 < body.len() {
        d.dependent_locality = Some(body[t + 1..].join(", "));
    }
}

/// Identifiers for rows without one: far above any real UPRN's range would be
/// nicer, but UPRNs use all 12 digits; these start at 9 999 000 000 000 (13 digits).
const SYNTHETIC_ID_BASE: u64 = 9_999_000_000_000;

pub(crate) fn read_plain<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut line = 0u64;
    let mut records = 0u64;
    let mut cols: Option<(Cols, Vec<usize>)> = None;
    let mut next_id = SYNTHETIC_ID_BASE + imp.gaz.properties.len() as u64;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(file, e, line + 1)),
        }
        records += 1;
        // The csv crate's line numbers lag by one after the first record of a CRLF
        // file; the record count is the line number unless a field spans lines.
        line = rec.position().map_or(records, |p| p.line().max(records));
        let Some((c, lines)) = &cols else {
            let c = Cols::from_names(rec.iter());
            // Address lines: ADDRESS_LINE_1.., LINE1.., ADDRESS1..
            let mut lines: Vec<(String, usize)> = c
                .map
                .iter()
                .filter(|(k, _)| {
                    let k = k.as_str();
                    (k.starts_with("ADDRESS_LINE")
                        || k.starts_with("LINE")
                        || k.starts_with("ADDRESS"))
                        && k.chars().last().is_some_and(|ch| ch.is_ascii_digit())
                })
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            lines.sort_by(|a, b| crate::view::natural_cmp(&a.0, &b.0));
            let lines: Vec<usize> = lines.into_iter().map(|(_, i)| i).collect();
            if c.idx(ADDRESS).is_none() && lines.is_empty() {
                return Err(ImportError::WrongFormat {
                    file: file.into(),
                    line,
                    reason: "a plain address CSV needs a header with an ADDRESS column (or ADDRESS_LINE_1, ...) and a POSTCODE column".into(),
                });
            }
            cols = Some((c, lines));
            continue;
        };
        if rec.len() != c.map.len() {
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "the header has {} columns; this row has {}",
                    c.map.len(),
                    rec.len()
                ),
            });
        }
        imp.report.count("csv");
        let get = |names: &[&'static str]| -> Option<String> {
            c.idx(names)
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let num = |names: &[&'static str]| -> Result<Option<f64>, FlatRowError> {
            match get(names) {
                None => Ok(None),
                Some(value) => match value.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(Some(x)),
                    _ => Err(FlatRowError::NotNumber {
                        column: names[0],
                        value,
                    }),
                },
            }
        };
        let row = (|| -> Result<(Property, Vec<String>), FlatRowError> {
            let mut notes = Vec::new();
            let id = match get(IDENTIFIER) {
                Some(v) => v
                    .parse::<u64>()
                    .map_err(|_| FlatRowError::IdNotWholeNumber(v))?,
                None => {
                    next_id += 1;
                    next_id
                }
            };
            let mut parts: Vec<String> = Vec::new();
            if let Some(a) = get(ADDRESS) {
                parts.extend(
                    a.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty()),
                );
            }
            for &i in lines {
                if let Some(v) = rec.get(i).map(str::trim).filter(|s| !s.is_empty()) {
                    parts.push(v.to_string());
                }
            }
            let postcode = match get(POSTCODE) {
                Some(pc) => match clean_postcode(&pc) {
                    Ok((p, note)) => {
                        notes.extend(note);
                        Some(p)
                    }
                    Err(e) => {
                        notes.push(format!(
                            "postcode {e}: the address is kept without a postcode"
                        ));
                        None
                    }
                },
                None => None,
            };
            // A postcode written into the last address part is not an address line.
            if let (Some(last), Some(pc)) = (parts.last(), &postcode)
                && Postcode::parse_lenient(last).as_ref() == Some(pc)
            {
                parts.pop();
            }
            if parts.is_empty() {
                return Err(FlatRowError::EmptyAddress);
            }
            let (mut e, mut n) = (num(EASTING)?, num(NORTHING)?);
            let (mut lat, mut lon) = (num(LATITUDE)?, num(LONGITUDE)?);
            // Positions are checked as AddressBase's are (layout.rs). A council's own
            // CSV is not a misread when a position is wrong: the address is kept,
            // without that position, and the warning names the column and why.
            let mut unusable = |what: &str, reason: &dyn std::fmt::Display| {
                notes.push(format!(
                    "{what}: {reason}: the address is kept without this position"
                ));
            };
            for (name, kind, v) in [
                ("EASTING", Kind::Easting, e),
                ("NORTHING", Kind::Northing, n),
            ] {
                let col = Col {
                    name,
                    kind,
                    required: false,
                };
                if let Some(Err(reason)) = v.map(|v| field_check::check(&col, &v.to_string())) {
                    unusable(&format!("column {name}"), &reason);
                    (e, n) = (None, None);
                }
            }
            for (name, kind, v) in [
                ("LATITUDE", Kind::Latitude, lat),
                ("LONGITUDE", Kind::Longitude, lon),
            ] {
                let col = Col {
                    name,
                    kind,
                    required: false,
                };
                if let Some(Err(reason)) = v.map(|v| field_check::check(&col, &v.to_string())) {
                    unusable(&format!("column {name}"), &reason);
                    (lat, lon) = (None, None);
                }
            }
            if e.is_some() != n.is_some() {
                unusable("columns EASTING, NORTHING", &"only one of the two is given");
                (e, n) = (None, None);
            }
            if lat.is_some() != lon.is_some() {
                unusable(
                    "columns LATITUDE, LONGITUDE",
                    &"only one of the two is given",
                );
                (lat, lon) = (None, None);
            }
            let mut p = Property::new(id);
            p.blpu = Some(Blpu {
                logical_status: 1,
                x: e.zip(n).map(|v| v.0),
                y: e.zip(n).map(|v| v.1),
                latitude: lat.zip(lon).map(|v| v.0),
                longitude: lat.zip(lon).map(|v| v.1),
                rpc: (e.is_some() || lat.is_some()).then_some(1),
                postcode_locator: postcode.as_ref().map(|p| p.to_string()),
                ..Blpu::default()
            });
            if let Some(c) = get(CLASS) {
                p.classifications.push(Classification {
                    class_key: format!("{id}C"),
                    code: c,
                    ..Classification::default()
                });
            }
            let mut d = Dpa {
                postcode: postcode.as_ref().map(|p| p.to_string()),
                ..Dpa::default()
            };
            address_lines_into(&parts, &mut d);
            p.dpas.push(d);
            Ok((p, notes))
        })();
        match row {
            Ok((p, notes)) => {
                for n in notes {
                    imp.report.warn(file, line, n);
                }
                if imp.gaz.properties.insert(p.uprn, p).is_some() {
                    imp.report.warn(
                        file,
                        line,
                        "the UPRN/ID repeats an earlier row: the later row replaces it",
                    );
                    imp.report.changes.updated += 1;
                } else {
                    imp.report.changes.inserted += 1;
                }
            }
            Err(reason) => imp.report.reject(file, line, reason.to_string()),
        }
    }
    if cols.is_none() {
        return Err(ImportError::WrongFormat {
            file: file.into(),
            line: 0,
            reason: "the file is empty".into(),
        });
    }
    imp.gaz.add_source("csv");
    imp.report.files.push((file.into(), "plain csv".into()));
    Ok(())
}
