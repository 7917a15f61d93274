//! AddressBase Plus: one row per address, 77 columns (schema 2.0, with
//! LATITUDE/LONGITUDE) or 72 (schema 1.0), no header as supplied (a header row naming
//! the columns is accepted too), after OS's create-table scripts.

use std::io::Read;

use csv::StringRecord;

use super::super::field_check::ColumnError;
use super::super::fields::{Fields, PAO_COLUMNS, SAO_COLUMNS};
use super::super::layout::{Col, Kind};
use super::super::{ImportError, Importer};
use super::{Cols, FlatRowError, clean_postcode, csv_err, csv_reader};
use crate::model::{Blpu, Classification, Dpa, Lpi, Organisation, Property, StreetNames};

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
pub(super) fn plus_canonical(name: &str) -> &str {
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

/// Checks the typed columns of a row ([`PLUS_TYPED`]) that the file has.
fn check_plus_row(r: &Fields<'_>) -> Result<(), ColumnError> {
    for &(name, kind, required) in PLUS_TYPED {
        let Some(raw) = r.raw(name) else {
            continue;
        };
        let col = Col {
            name,
            kind,
            required,
        };
        col.check_named(raw)?;
    }
    Ok(())
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
        let read = check_plus_row(&row)
            .map_err(FlatRowError::from)
            .and_then(|()| abplus_row(&row));
        match read {
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
            Err(reason) => imp.report.reject(file, line, reason.to_string()),
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

/// One AddressBase Plus row as a property: its change type (`I`, `U` or `D`), the
/// property, and a warning when a postcode was corrected.
fn abplus_row(r: &Fields<'_>) -> Result<(char, Property, Option<String>), FlatRowError> {
    let uprn: u64 = r.required_number("UPRN")?;
    let change = match r.get("CHANGE_TYPE") {
        None | Some("I") => 'I',
        Some("U") => 'U',
        Some("D") => 'D',
        Some(other) => return Err(FlatRowError::ChangeType(other.to_string())),
    };
    let mut warn = None;
    let mut p = Property::new(uprn);
    let postcode_locator = match r.get("POSTCODE_LOCATOR") {
        Some(pc) => match clean_postcode(pc) {
            Ok((p, w)) => {
                warn = w;
                Some(p.to_string())
            }
            Err(postcode) => {
                return Err(FlatRowError::Postcode {
                    column: "POSTCODE_LOCATOR",
                    postcode,
                });
            }
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
        addressbase_postal: r.text("ADDRESSBASE_POSTAL").or_else(|| {
            r.get("POSTAL_ADDRESS")
                .map(super::super::abp::postal_v1_as_v2)
        }),
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
    let sao = r.addressable_object(&SAO_COLUMNS)?;
    let pao = r.addressable_object(&PAO_COLUMNS)?;
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
                    .map_err(|postcode| FlatRowError::Postcode {
                        column: "POSTCODE",
                        postcode,
                    })?
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
