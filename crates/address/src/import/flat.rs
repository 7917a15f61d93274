//! Flat formats: AddressBase Plus (77 columns, one row per address), OS Open UPRN,
//! Code-Point Open and a plain CSV.
//!
//! AddressBase Plus columns follow Ordnance Survey's published create-table script
//! (OrdnanceSurvey/AddressBase, `SQL/PostgreSQL_AddressBase_Plus_CreateTable.sql`, 77
//! columns from UPRN to ALT_LANGUAGE). Files come without a header as supplied; a
//! header row naming the columns is accepted too. OS Open UPRN has a header
//! (`UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE`). Code-Point Open has none
//! (`PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC`, `Code-Point_Open_Column_Headers.csv`).

use std::collections::HashMap;
use std::io::Read;

use csv::StringRecord;

use super::fields::Fields;
use super::layout::{self, Col, Kind};
use super::{ImportError, Importer};
use crate::model::{
    Blpu, Classification, Dpa, Lpi, Organisation, PostcodeUnitRecord, Property, StreetNames,
};
use crate::postcode::{self, Postcode, PostcodeQuery};
use crate::types::AddressableObject;

const ABPLUS: [&str; 77] = [
    "UPRN",
    "UDPRN",
    "CHANGE_TYPE",
    "STATE",
    "STATE_DATE",
    "CLASS",
    "PARENT_UPRN",
    "X_COORDINATE",
    "Y_COORDINATE",
    "LATITUDE",
    "LONGITUDE",
    "RPC",
    "LOCAL_CUSTODIAN_CODE",
    "COUNTRY",
    "LA_START_DATE",
    "LAST_UPDATE_DATE",
    "ENTRY_DATE",
    "RM_ORGANISATION_NAME",
    "LA_ORGANISATION",
    "DEPARTMENT_NAME",
    "LEGAL_NAME",
    "SUB_BUILDING_NAME",
    "BUILDING_NAME",
    "BUILDING_NUMBER",
    "SAO_START_NUMBER",
    "SAO_START_SUFFIX",
    "SAO_END_NUMBER",
    "SAO_END_SUFFIX",
    "SAO_TEXT",
    "ALT_LANGUAGE_SAO_TEXT",
    "PAO_START_NUMBER",
    "PAO_START_SUFFIX",
    "PAO_END_NUMBER",
    "PAO_END_SUFFIX",
    "PAO_TEXT",
    "ALT_LANGUAGE_PAO_TEXT",
    "USRN",
    "USRN_MATCH_INDICATOR",
    "AREA_NAME",
    "LEVEL",
    "OFFICIAL_FLAG",
    "OS_ADDRESS_TOID",
    "OS_ADDRESS_TOID_VERSION",
    "OS_ROADLINK_TOID",
    "OS_ROADLINK_TOID_VERSION",
    "OS_TOPO_TOID",
    "OS_TOPO_TOID_VERSION",
    "VOA_CT_RECORD",
    "VOA_NDR_RECORD",
    "STREET_DESCRIPTION",
    "ALT_LANGUAGE_STREET_DESCRIPTION",
    "DEPENDENT_THOROUGHFARE",
    "THOROUGHFARE",
    "WELSH_DEPENDENT_THOROUGHFARE",
    "WELSH_THOROUGHFARE",
    "DOUBLE_DEPENDENT_LOCALITY",
    "DEPENDENT_LOCALITY",
    "LOCALITY",
    "WELSH_DEPENDENT_LOCALITY",
    "WELSH_DOUBLE_DEPENDENT_LOCALITY",
    "TOWN_NAME",
    "ADMINISTRATIVE_AREA",
    "POST_TOWN",
    "WELSH_POST_TOWN",
    "POSTCODE",
    "POSTCODE_LOCATOR",
    "POSTCODE_TYPE",
    "DELIVERY_POINT_SUFFIX",
    "ADDRESSBASE_POSTAL",
    "PO_BOX_NUMBER",
    "WARD_CODE",
    "PARISH_CODE",
    "RM_START_DATE",
    "MULTI_OCC_COUNT",
    "VOA_NDR_P_DESC_CODE",
    "VOA_NDR_SCAT_CODE",
    "ALT_LANGUAGE",
];

/// AddressBase Plus schema 1.0 (to 2016): 72 columns, no latitude/longitude (OS's
/// *AddressBase products getting started guide* v1.2, 2013, Oracle control file
/// `AB_Plus`). Names are mapped to schema 2.0's by [`plus_canonical`].
const ABPLUS_V1: [&str; 72] = [
    "UPRN",
    "RM_UDPRN",
    "CHANGE_TYPE",
    "STATE",
    "STATE_DATE",
    "CLASS",
    "PARENT_UPRN",
    "X_COORDINATE",
    "Y_COORDINATE",
    "RPC",
    "LOCAL_CUSTODIAN_CODE",
    "START_DATE",
    "END_DATE",
    "LAST_UPDATE_DATE",
    "ENTRY_DATE",
    "ORGANISATION_NAME",
    "BLPU_ORGANISATION",
    "DEPARTMENT_NAME",
    "SCOTTISH_DEPARTMENT_NAME",
    "BUILDING_NAME",
    "SUB_BUILDING_NAME",
    "SAO_START_NUMBER",
    "SAO_START_SUFFIX",
    "SAO_END_NUMBER",
    "SAO_END_SUFFIX",
    "SAO_TEXT",
    "ALT_LANGUAGE_SAO_TEXT",
    "PAO_START_NUMBER",
    "PAO_START_SUFFIX",
    "PAO_END_NUMBER",
    "PAO_END_SUFFIX",
    "PAO_TEXT",
    "ALT_LANGUAGE_PAO_TEXT",
    "USRN",
    "USRN_MATCH_INDICATOR",
    "AREA_NAME",
    "LEVEL",
    "OFFICIAL_FLAG",
    "OS_ADDRESS_TOID",
    "OS_ADDRESS_TOID_VERSION",
    "OS_ROADLINK_TOID",
    "OS_ROADLINK_TOID_VERSION",
    "OS_TOPO_TOID",
    "OS_TOPO_TOID_VERSION",
    "VOA_CT_RECORD",
    "VOA_NDR_RECORD",
    "STREET_DESCRIPTION",
    "ALT_LANGUAGE_STREET_DESCRIPTOR",
    "DEPENDENT_THOROUGHFARE_NAME",
    "THOROUGHFARE_NAME",
    "WELSH_DEPENDENT_THOROUGHFARE_NAME",
    "WELSH_THOROUGHFARE_NAME",
    "DOUBLE_DEPENDENT_LOCALITY",
    "DEPENDENT_LOCALITY",
    "LOCALITY",
    "WELSH_DEPENDENT_LOCALITY",
    "WELSH_DOUBLE_DEPENDENT_LOCALITY",
    "TOWN_NAME",
    "ADMINISTRATIVE_AREA",
    "POST_TOWN",
    "POSTCODE",
    "POSTCODE_LOCATOR",
    "POSTCODE_TYPE",
    "POSTAL_ADDRESS",
    "PO_BOX_NUMBER",
    "WARD_CODE",
    "PARISH_CODE",
    "PROCESS_DATE",
    "MULTI_OCC_COUNT",
    "VOA_NDR_P_DESC_CODE",
    "VOA_NDR_SCAT_CODE",
    "ALT_LANGUAGE",
];

/// AddressBase Plus schema 1.0 and header-file spellings in schema 2.0's terms.
fn plus_canonical(name: &str) -> &str {
    match name {
        "RM_UDPRN" => "UDPRN",
        "START_DATE" => "LA_START_DATE",
        "ORGANISATION_NAME" => "RM_ORGANISATION_NAME",
        "BLPU_ORGANISATION" | "ORGANISATION" => "LA_ORGANISATION",
        "DEPENDENT_THOROUGHFARE_NAME" => "DEPENDENT_THOROUGHFARE",
        "WELSH_DEP_THOROUGHFARE" => "WELSH_DEPENDENT_THOROUGHFARE",
        "THOROUGHFARE_NAME" => "THOROUGHFARE",
        "WELSH_DEPENDENT_THOROUGHFARE_NAME" => "WELSH_DEPENDENT_THOROUGHFARE",
        "WELSH_THOROUGHFARE_NAME" => "WELSH_THOROUGHFARE",
        "LOCALITY_NAME" => "LOCALITY",
        "POSTAL_ADDRESSABLE" => "POSTAL_ADDRESS",
        "DOU_DEP_LOCALITY" => "DOUBLE_DEPENDENT_LOCALITY",
        "DEP_LOCALITY" => "DEPENDENT_LOCALITY",
        "WELSH_DEP_LOCALITY" => "WELSH_DEPENDENT_LOCALITY",
        "WELSH_DOU_DEP_LOCALITY" => "WELSH_DOUBLE_DEPENDENT_LOCALITY",
        "LEVEL_FIELD" => "LEVEL",
        "ALT_LANGUAGE_STREET_DESCRIPTOR" => "ALT_LANGUAGE_STREET_DESCRIPTION",
        other => other,
    }
}

/// The typed columns of AddressBase Plus (both schemas, by schema 2.0 name), checked
/// on every row as AddressBase Premium's are; text columns are not listed.
const PLUS_TYPED: &[(&str, Kind, bool)] = &[
    ("UPRN", Kind::Int(12), true),
    ("UDPRN", Kind::Int(8), false),
    ("CHANGE_TYPE", Kind::Code(&["I", "U", "D"]), true),
    ("STATE", Kind::Int(1), false),
    ("STATE_DATE", Kind::Date, false),
    ("CLASS", Kind::Text(6), true),
    ("PARENT_UPRN", Kind::Int(12), false),
    ("X_COORDINATE", Kind::Easting, false),
    ("Y_COORDINATE", Kind::Northing, false),
    ("LATITUDE", Kind::Latitude, false),
    ("LONGITUDE", Kind::Longitude, false),
    ("RPC", Kind::Code(&["1", "2", "3", "4", "5", "9"]), true),
    ("LOCAL_CUSTODIAN_CODE", Kind::Int(4), true),
    (
        "COUNTRY",
        Kind::Code(&["E", "W", "S", "N", "L", "M", "J"]),
        false,
    ),
    ("LA_START_DATE", Kind::Date, true),
    ("LAST_UPDATE_DATE", Kind::Date, true),
    ("ENTRY_DATE", Kind::Date, true),
    ("BUILDING_NUMBER", Kind::Int(4), false),
    ("SAO_START_NUMBER", Kind::Int(4), false),
    ("SAO_END_NUMBER", Kind::Int(4), false),
    ("PAO_START_NUMBER", Kind::Int(4), false),
    ("PAO_END_NUMBER", Kind::Int(4), false),
    ("USRN", Kind::Int(8), false),
    ("USRN_MATCH_INDICATOR", Kind::Code(&["1", "2"]), false),
    ("OFFICIAL_FLAG", Kind::Code(&["Y", "N"]), false),
    ("POSTCODE", Kind::Postcode, false),
    ("POSTCODE_LOCATOR", Kind::Postcode, true),
    ("POSTCODE_TYPE", Kind::Code(&["S", "L"]), false),
    ("DELIVERY_POINT_SUFFIX", Kind::Suffix, false),
    (
        "ADDRESSBASE_POSTAL",
        Kind::Code(&["D", "N", "C", "L"]),
        false,
    ),
    ("POSTAL_ADDRESS", Kind::Code(&["S", "N", "C", "M"]), false),
    ("RM_START_DATE", Kind::Date, false),
    ("MULTI_OCC_COUNT", Kind::Int(4), false),
];

fn check_plus_row(r: &Fields<'_>) -> Result<(), String> {
    for &(name, kind, required) in PLUS_TYPED {
        let Some(raw) = r.raw(name) else {
            continue;
        };
        let col = Col {
            name,
            kind,
            required,
        };
        layout::check(&col, raw).map_err(|reason| format!("column {name}: {reason}"))?;
    }
    Ok(())
}

struct Cols {
    map: HashMap<String, usize>,
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

pub(crate) fn read_abplus<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut cols = Cols::from_names(ABPLUS.iter().copied());
    let mut line = 0u64;
    let mut records = 0u64;
    let mut had_header = false;
    let mut schema = "schema 2.0, 77 columns";
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
        let first = rec
            .get(0)
            .unwrap_or("")
            .trim()
            .trim_start_matches('\u{feff}');
        if line == 1 && first.eq_ignore_ascii_case("UPRN") {
            cols = Cols::from_names(rec.iter());
            for need in ["UPRN", "CLASS", "POSTCODE_LOCATOR"] {
                if !cols.map.contains_key(need) {
                    return Err(ImportError::WrongFormat {
                        file: file.into(),
                        line,
                        reason: format!("the header has no {need} column: not AddressBase Plus"),
                    });
                }
            }
            had_header = true;
            continue;
        }
        if !had_header && records == 1 && rec.len() == 72 {
            // Schema 1.0 (to 2016), which has no header row either.
            cols = Cols::from_names(ABPLUS_V1.iter().copied());
            schema = "schema 1.0, 72 columns";
        }
        if !had_header && rec.len() != cols.map.len() {
            let hint = if first == "10" || first == "11" {
                " (a row starting with record identifier 10/11 looks like AddressBase Premium)"
            } else {
                ""
            };
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "AddressBase Plus rows have 77 columns (schema 2.0) or 72 (schema 1.0), and this file's earlier rows {}; this one has {}{hint}",
                    cols.map.len(),
                    rec.len()
                ),
            });
        }
        if had_header && rec.len() != cols.map.len() {
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "the header has {} columns; this row has {}",
                    cols.map.len(),
                    rec.len()
                ),
            });
        }
        imp.report.count("abplus");
        let row = Fields {
            record: &rec,
            columns: &cols.map,
        };
        match check_plus_row(&row).and_then(|()| abplus_row(&row)) {
            Ok((change, p, warn)) => {
                if let Some(w) = warn {
                    imp.report.warn(file, line, w);
                }
                let existed = imp.gaz.properties.contains_key(&p.uprn);
                match change {
                    'D' => {
                        if imp.gaz.properties.remove(&p.uprn).is_some() {
                            imp.report.changes.deleted += 1;
                        } else {
                            imp.report.warn(
                                file,
                                line,
                                format!("delete of UPRN {}, which does not exist", p.uprn),
                            );
                        }
                    }
                    _ => {
                        if existed {
                            imp.report.changes.updated += 1;
                        } else {
                            imp.report.changes.inserted += 1;
                        }
                        imp.gaz.properties.insert(p.uprn, p);
                    }
                }
            }
            Err(reason) => imp.report.reject(file, line, reason),
        }
    }
    if line == 0 {
        return Err(ImportError::WrongFormat {
            file: file.into(),
            line: 0,
            reason: "the file is empty".into(),
        });
    }
    imp.gaz.add_source("addressbase-plus");
    imp.report.files.push((
        file.into(),
        format!(
            "addressbase-plus{}",
            if had_header {
                ", header row".to_string()
            } else {
                format!(", {schema}")
            }
        ),
    ));
    Ok(())
}

fn abplus_row(r: &Fields<'_>) -> Result<(char, Property, Option<String>), String> {
    let uprn: u64 = r.number("UPRN")?.ok_or("UPRN is empty")?;
    let change = match r.get("CHANGE_TYPE") {
        None | Some("I") => 'I',
        Some("U") => 'U',
        Some("D") => 'D',
        Some(o) => return Err(format!("CHANGE_TYPE '{o}' is not I, U or D")),
    };
    let mut warn = None;
    let mut p = Property::new(uprn);
    let postcode_locator = match r.get("POSTCODE_LOCATOR") {
        Some(pc) => match clean_postcode(pc) {
            Ok((p, w)) => {
                warn = w;
                Some(p.to_string())
            }
            Err(e) => return Err(format!("POSTCODE_LOCATOR {e}")),
        },
        None => None,
    };
    p.blpu = Some(Blpu {
        logical_status: 1,
        state: r.number("STATE")?,
        state_date: r.date("STATE_DATE")?,
        parent_uprn: r.number("PARENT_UPRN")?,
        x: r.decimal("X_COORDINATE")?,
        y: r.decimal("Y_COORDINATE")?,
        latitude: r.decimal("LATITUDE")?,
        longitude: r.decimal("LONGITUDE")?,
        rpc: r.number("RPC")?,
        local_custodian_code: r.number("LOCAL_CUSTODIAN_CODE")?,
        country: r.text("COUNTRY"),
        start_date: r.date("LA_START_DATE")?,
        end_date: None,
        last_update_date: r.date("LAST_UPDATE_DATE")?,
        entry_date: r.date("ENTRY_DATE")?,
        addressbase_postal: r
            .text("ADDRESSBASE_POSTAL")
            .or_else(|| r.get("POSTAL_ADDRESS").map(super::abp::postal_v1_as_v2)),
        postcode_locator,
        multi_occ_count: r.number("MULTI_OCC_COUNT")?,
        ward_code: r.text("WARD_CODE"),
        parish_code: r.text("PARISH_CODE"),
    });
    if let Some(c) = r.text("CLASS") {
        p.classifications.push(Classification {
            class_key: format!("{uprn}C"),
            code: c,
            scheme: Some("AddressBase Plus CLASS".into()),
            ..Classification::default()
        });
    }
    if let Some(o) = r.text("LA_ORGANISATION") {
        p.organisations.push(Organisation {
            org_key: format!("{uprn}O"),
            organisation: o,
            legal_name: r.text("LEGAL_NAME"),
            ..Organisation::default()
        });
    }
    let ao = |pre: &str| -> Result<AddressableObject, String> {
        Ok(AddressableObject {
            start_number: r.number(&format!("{pre}_START_NUMBER"))?,
            start_suffix: r.text(&format!("{pre}_START_SUFFIX")),
            end_number: r.number(&format!("{pre}_END_NUMBER"))?,
            end_suffix: r.text(&format!("{pre}_END_SUFFIX")),
            text: r.text(&format!("{pre}_TEXT")),
        })
    };
    let sao = ao("SAO")?;
    let pao = ao("PAO")?;
    let street = r.text("STREET_DESCRIPTION");
    if street.is_some() || !pao.is_empty() {
        p.lpis.push(Lpi {
            lpi_key: format!("{uprn}PLUS"),
            language: "ENG".into(),
            logical_status: 1,
            start_date: r.date("LA_START_DATE")?,
            last_update_date: r.date("LAST_UPDATE_DATE")?,
            entry_date: r.date("ENTRY_DATE")?,
            sao,
            pao,
            usrn: r.number("USRN")?,
            usrn_match_indicator: r.text("USRN_MATCH_INDICATOR"),
            area_name: r.text("AREA_NAME"),
            level: r.text("LEVEL"),
            official_flag: r.text("OFFICIAL_FLAG"),
            street: Some(StreetNames {
                description: street,
                locality: r.text("LOCALITY"),
                town: r.text("TOWN_NAME"),
                administrative_area: r.text("ADMINISTRATIVE_AREA"),
            }),
            ..Lpi::default()
        });
    }
    let udprn: Option<u32> = r.number("UDPRN")?;
    if udprn.is_some() || r.get("POSTCODE").is_some() {
        let postcode = match r.get("POSTCODE") {
            Some(pc) => Some(
                clean_postcode(pc)
                    .map_err(|e| format!("POSTCODE {e}"))?
                    .0
                    .to_string(),
            ),
            None => None,
        };
        p.dpas.push(Dpa {
            udprn,
            organisation_name: r.text("RM_ORGANISATION_NAME"),
            department_name: r.text("DEPARTMENT_NAME"),
            sub_building_name: r.text("SUB_BUILDING_NAME"),
            building_name: r.text("BUILDING_NAME"),
            building_number: r.number("BUILDING_NUMBER")?,
            dependent_thoroughfare: r.text("DEPENDENT_THOROUGHFARE"),
            thoroughfare: r.text("THOROUGHFARE"),
            double_dependent_locality: r.text("DOUBLE_DEPENDENT_LOCALITY"),
            dependent_locality: r.text("DEPENDENT_LOCALITY"),
            post_town: r.text("POST_TOWN"),
            postcode,
            postcode_type: r.text("POSTCODE_TYPE"),
            delivery_point_suffix: r.text("DELIVERY_POINT_SUFFIX"),
            welsh_dependent_thoroughfare: r.text("WELSH_DEPENDENT_THOROUGHFARE"),
            welsh_thoroughfare: r.text("WELSH_THOROUGHFARE"),
            welsh_double_dependent_locality: r.text("WELSH_DOUBLE_DEPENDENT_LOCALITY"),
            welsh_dependent_locality: r.text("WELSH_DEPENDENT_LOCALITY"),
            welsh_post_town: r.text("WELSH_POST_TOWN"),
            po_box_number: r.text("PO_BOX_NUMBER"),
            start_date: r.date("RM_START_DATE")?,
            last_update_date: r.date("LAST_UPDATE_DATE")?,
            entry_date: r.date("ENTRY_DATE")?,
            ..Dpa::default()
        });
    }
    Ok((change, p, warn))
}

pub(crate) fn read_open_uprn<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut line = 0u64;
    let mut records = 0u64;
    let mut cols: Option<Cols> = None;
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
        let Some(c) = &cols else {
            let c = Cols::from_names(rec.iter());
            if c.idx(&["UPRN"]).is_none() || c.idx(&["X_COORDINATE", "LATITUDE"]).is_none() {
                return Err(ImportError::WrongFormat {
                    file: file.into(),
                    line,
                    reason: "OS Open UPRN starts with the header UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE".into(),
                });
            }
            cols = Some(c);
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
        imp.report.count("open-uprn");
        let row = Fields {
            record: &rec,
            columns: &c.map,
        };
        let parsed = (|| -> Result<_, String> {
            // OS Open UPRN technical specification: UPRN integer (12), X float (8,2),
            // Y float (9,2), LATITUDE float (9,7), LONGITUDE float (8,7), all [1].
            for (name, kind) in [
                ("UPRN", Kind::Int(12)),
                ("X_COORDINATE", Kind::Easting),
                ("Y_COORDINATE", Kind::Northing),
                ("LATITUDE", Kind::Latitude),
                ("LONGITUDE", Kind::Longitude),
            ] {
                if let Some(raw) = row.raw(name) {
                    let col = Col {
                        name,
                        kind,
                        required: name == "UPRN",
                    };
                    layout::check(&col, raw)
                        .map_err(|reason| format!("column {name}: {reason}"))?;
                }
            }
            let uprn: u64 = row.number("UPRN")?.ok_or("UPRN is empty")?;
            let xy = match (row.decimal("X_COORDINATE")?, row.decimal("Y_COORDINATE")?) {
                (Some(x), Some(y)) => Some((x, y)),
                _ => None,
            };
            let ll = match (row.decimal("LATITUDE")?, row.decimal("LONGITUDE")?) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            if xy.is_none() && ll.is_none() {
                return Err("no coordinates".to_string());
            }
            Ok((uprn, xy, ll))
        })();
        match parsed {
            Ok((u, xy, ll)) => {
                imp.open_uprn.insert(u, (xy, ll));
            }
            Err(e) => imp.report.reject(file, line, e),
        }
    }
    imp.gaz.add_source("open-uprn");
    imp.report.files.push((file.into(), "open-uprn".into()));
    Ok(())
}

pub(crate) fn read_codepoint<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut line = 0u64;
    let mut records = 0u64;
    let opt = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
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
        let first = rec
            .get(0)
            .unwrap_or("")
            .trim()
            .trim_start_matches('\u{feff}');
        if line == 1 && (first.eq_ignore_ascii_case("PC") || first.eq_ignore_ascii_case("POSTCODE"))
        {
            continue;
        }
        if rec.len() != 10 {
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "Code-Point Open rows have 10 columns (PC, PQ, EA, NO, CY, RH, LH, CC, DC, WC); this one has {}",
                    rec.len()
                ),
            });
        }
        imp.report.count("codepoint");
        let pc = match Postcode::parse_lenient(first) {
            Some(p) => p,
            None => {
                if line == 1 {
                    return Err(ImportError::WrongFormat {
                        file: file.into(),
                        line,
                        reason: format!("'{first}' is not a postcode: not Code-Point Open"),
                    });
                }
                imp.report
                    .reject(file, line, format!("PC '{first}' is not a valid postcode"));
                continue;
            }
        };
        let pq: u8 = match rec.get(1).map(str::trim).unwrap_or("").parse() {
            Ok(v) => v,
            Err(_) => {
                imp.report.reject(file, line, "PQ is not a number");
                continue;
            }
        };
        let e = rec.get(2).and_then(|s| s.trim().parse::<f64>().ok());
        let n = rec.get(3).and_then(|s| s.trim().parse::<f64>().ok());
        let position = match (e, n) {
            (Some(e), Some(n)) if pq != 90 && (e != 0.0 || n != 0.0) => Some((e, n)),
            _ => None,
        };
        imp.gaz.postcodes.insert(
            pc.key(),
            PostcodeUnitRecord {
                postcode: pc,
                positional_quality: pq,
                position,
                lonlat: None,
                country_code: opt(rec.get(4)),
                nhs_region_code: opt(rec.get(5)),
                nhs_ha_code: opt(rec.get(6)),
                county_code: opt(rec.get(7)),
                district_code: opt(rec.get(8)),
                ward_code: opt(rec.get(9)),
            },
        );
    }
    imp.gaz.add_source("codepoint-open");
    imp.report
        .files
        .push((file.into(), "codepoint-open".into()));
    Ok(())
}

/// Column names accepted by the plain CSV importer.
const ID: &[&str] = &["UPRN", "ID", "UNIQUE_ID", "REFERENCE", "REF"];
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
const LAT: &[&str] = &["LATITUDE", "LAT"];
const LON: &[&str] = &["LONGITUDE", "LON", "LNG", "LONG"];
const CLASS: &[&str] = &["CLASSIFICATION_CODE", "CLASS", "CLASSIFICATION"];

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
        let get = |names: &[&str]| -> Option<String> {
            c.idx(names)
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let num = |names: &[&str]| -> Result<Option<f64>, String> {
            match get(names) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| format!("{} '{v}' is not a number", names[0])),
            }
        };
        let row = (|| -> Result<(Property, Vec<String>), String> {
            let mut notes = Vec::new();
            let id = match get(ID) {
                Some(v) => v
                    .parse::<u64>()
                    .map_err(|_| format!("UPRN/ID '{v}' is not a whole number"))?,
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
                return Err("the address is empty".into());
            }
            let (e, n) = (num(EASTING)?, num(NORTHING)?);
            let (lat, lon) = (num(LAT)?, num(LON)?);
            // Positions are checked as AddressBase's are (layout.rs): a position
            // that cannot be used refuses the row, naming the column.
            for (name, kind, v) in [
                ("EASTING", Kind::Easting, e),
                ("NORTHING", Kind::Northing, n),
                ("LATITUDE", Kind::Latitude, lat),
                ("LONGITUDE", Kind::Longitude, lon),
            ] {
                if let Some(v) = v {
                    let col = Col {
                        name,
                        kind,
                        required: false,
                    };
                    layout::check(&col, &v.to_string())
                        .map_err(|reason| format!("column {name}: {reason}"))?;
                }
            }
            if e.is_some() != n.is_some() {
                return Err("column NORTHING: only one of EASTING and NORTHING is given".into());
            }
            if lat.is_some() != lon.is_some() {
                return Err("column LONGITUDE: only one of LATITUDE and LONGITUDE is given".into());
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
            Err(e) => imp.report.reject(file, line, e),
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
