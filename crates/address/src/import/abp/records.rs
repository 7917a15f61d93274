//! The records of an AddressBase Premium or DTF file as the model holds them, and how
//! a change (insert, update, delete) applies to the gazetteer.

use std::collections::HashMap;

use super::super::Importer;
use super::super::fields::{Fields, PAO_COLUMNS, SAO_COLUMNS};
use super::Change;
use super::errors::RecordError;
use crate::model::{
    Blpu, Classification, CrossReference, Dpa, Gazetteer, Lpi, Organisation, Property, Street,
    StreetDescriptor, Successor,
};

/// A change, as read: what and how.
pub(super) enum ChangeRecord {
    Street(Street),
    Descriptor(u64, StreetDescriptor),
    Blpu(u64, Blpu, Option<String>, Option<String>),
    Xref(u64, CrossReference),
    Lpi(u64, Lpi),
    Dpa(u64, Dpa),
    Successor(u64, Successor),
    Org(u64, Organisation),
    Class(u64, Classification),
}

/// Reads a record of an AddressBase Premium or DTF file (one that fits its layout) as
/// the model holds it. `record_identifier` is the record's first field, its
/// AddressBase Premium record type: 11 street, 15 street descriptor, 21 BLPU (basic
/// land and property unit), 23 cross reference, 24 LPI (land and property
/// identifier), 28 DPA (Royal Mail delivery point address), 30 successor, 31
/// organisation, 32 classification (AddressBase Premium technical specification,
/// "Record types").
pub(super) fn parse_record(
    record_identifier: u8,
    row: &Fields<'_>,
) -> Result<ChangeRecord, RecordError> {
    Ok(match record_identifier {
        11 => {
            let xy =
                |x: &'static str, y: &'static str| -> Result<Option<(f64, f64)>, RecordError> {
                    Ok(match (row.decimal(x)?, row.decimal(y)?) {
                        (Some(a), Some(b)) => Some((a, b)),
                        _ => None,
                    })
                };
            ChangeRecord::Street(Street {
                usrn: row.required_number("USRN")?,
                record_type: row.number("RECORD_TYPE")?,
                swa_org_ref_naming: row.number("SWA_ORG_REF_NAMING")?,
                state: row.number("STATE")?,
                state_date: row.date("STATE_DATE")?,
                street_surface: row.number("STREET_SURFACE")?,
                street_classification: row.number("STREET_CLASSIFICATION")?,
                version: row.number("VERSION")?,
                start_date: row.date("STREET_START_DATE")?,
                end_date: row.date("STREET_END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("RECORD_ENTRY_DATE")?,
                start_xy: xy("STREET_START_X", "STREET_START_Y")?,
                start_latlon: xy("STREET_START_LAT", "STREET_START_LONG")?,
                end_xy: xy("STREET_END_X", "STREET_END_Y")?,
                end_latlon: xy("STREET_END_LAT", "STREET_END_LONG")?,
                tolerance: row.number("STREET_TOLERANCE")?,
                descriptors: Vec::new(),
            })
        }
        15 => ChangeRecord::Descriptor(
            row.required_number("USRN")?,
            StreetDescriptor {
                description: row.required_text("STREET_DESCRIPTION")?,
                locality: row.text("LOCALITY"),
                town: row.text("TOWN_NAME"),
                administrative_area: row.text("ADMINISTRATIVE_AREA"),
                language: row.text("LANGUAGE").unwrap_or_else(|| "ENG".into()),
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        21 => {
            let status: u8 = row.required_number("LOGICAL_STATUS")?;
            let b = Blpu {
                logical_status: status,
                state: row.number("BLPU_STATE")?,
                state_date: row.date("BLPU_STATE_DATE")?,
                parent_uprn: row.number("PARENT_UPRN")?,
                x: row.decimal("X_COORDINATE")?,
                y: row.decimal("Y_COORDINATE")?,
                latitude: row.decimal("LATITUDE")?,
                longitude: row.decimal("LONGITUDE")?,
                rpc: row.number("RPC")?,
                local_custodian_code: row.number("LOCAL_CUSTODIAN_CODE")?,
                country: row.text("COUNTRY"),
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
                addressbase_postal: row
                    .text("ADDRESSBASE_POSTAL")
                    .or_else(|| row.get("POSTAL_ADDRESS").map(postal_v1_as_v2)),
                postcode_locator: row.text("POSTCODE_LOCATOR"),
                multi_occ_count: row.number("MULTI_OCC_COUNT")?,
                ward_code: row.text("WARD_CODE"),
                parish_code: row.text("PARISH_CODE"),
            };
            if b.x.is_some() != b.y.is_some() {
                return Err(RecordError::HalfPosition {
                    first: "X_COORDINATE",
                    second: "Y_COORDINATE",
                });
            }
            if b.latitude.is_some() != b.longitude.is_some() {
                return Err(RecordError::HalfPosition {
                    first: "LATITUDE",
                    second: "LONGITUDE",
                });
            }
            ChangeRecord::Blpu(
                row.required_number("UPRN")?,
                b,
                row.text("BLPU_CLASS"),
                row.text("ORGANISATION"),
            )
        }
        23 => ChangeRecord::Xref(
            row.required_number("UPRN")?,
            CrossReference {
                xref_key: row.required_text("XREF_KEY")?,
                cross_reference: row.text("CROSS_REFERENCE").unwrap_or_default(),
                version: row.number("VERSION")?,
                source: row.text("SOURCE"),
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        24 => {
            let status: u8 = row.required_number("LOGICAL_STATUS")?;
            ChangeRecord::Lpi(
                row.required_number("UPRN")?,
                Lpi {
                    lpi_key: row.required_text("LPI_KEY")?,
                    language: row.text("LANGUAGE").unwrap_or_else(|| "ENG".into()),
                    logical_status: status,
                    start_date: row.date("START_DATE")?,
                    end_date: row.date("END_DATE")?,
                    last_update_date: row.date("LAST_UPDATE_DATE")?,
                    entry_date: row.date("ENTRY_DATE")?,
                    sao: row.addressable_object(&SAO_COLUMNS)?,
                    pao: row.addressable_object(&PAO_COLUMNS)?,
                    usrn: row.number("USRN")?,
                    usrn_match_indicator: row.text("USRN_MATCH_INDICATOR"),
                    area_name: row.text("AREA_NAME"),
                    level: row.text("LEVEL"),
                    official_flag: row.text("OFFICIAL_FLAG"),
                    postally_addressable: row.text("POSTALLY_ADDRESSABLE"),
                    postcode: row.text("POSTCODE"),
                    post_town: row.text("POST_TOWN"),
                    street: None,
                },
            )
        }
        28 => ChangeRecord::Dpa(
            row.required_number("UPRN")?,
            Dpa {
                udprn: row.number("UDPRN")?,
                organisation_name: row.text("ORGANISATION_NAME"),
                department_name: row.text("DEPARTMENT_NAME"),
                sub_building_name: row.text("SUB_BUILDING_NAME"),
                building_name: row.text("BUILDING_NAME"),
                building_number: row.number("BUILDING_NUMBER")?,
                dependent_thoroughfare: row.text("DEPENDENT_THOROUGHFARE"),
                thoroughfare: row.text("THOROUGHFARE"),
                double_dependent_locality: row.text("DOUBLE_DEPENDENT_LOCALITY"),
                dependent_locality: row.text("DEPENDENT_LOCALITY"),
                post_town: row.text("POST_TOWN"),
                postcode: row.text("POSTCODE"),
                postcode_type: row.text("POSTCODE_TYPE"),
                delivery_point_suffix: row.text("DELIVERY_POINT_SUFFIX"),
                welsh_dependent_thoroughfare: row.text("WELSH_DEPENDENT_THOROUGHFARE"),
                welsh_thoroughfare: row.text("WELSH_THOROUGHFARE"),
                welsh_double_dependent_locality: row.text("WELSH_DOUBLE_DEPENDENT_LOCALITY"),
                welsh_dependent_locality: row.text("WELSH_DEPENDENT_LOCALITY"),
                welsh_post_town: row.text("WELSH_POST_TOWN"),
                po_box_number: row.text("PO_BOX_NUMBER"),
                process_date: row.date("PROCESS_DATE")?,
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        30 => ChangeRecord::Successor(
            row.required_number("UPRN")?,
            Successor {
                succ_key: row.required_text("SUCC_KEY")?,
                successor: row.number("SUCCESSOR")?,
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        31 => ChangeRecord::Org(
            row.required_number("UPRN")?,
            Organisation {
                org_key: row.required_text("ORG_KEY")?,
                organisation: row.required_text("ORGANISATION")?,
                legal_name: row.text("LEGAL_NAME"),
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        32 => ChangeRecord::Class(
            row.required_number("UPRN")?,
            Classification {
                class_key: row.required_text("CLASS_KEY")?,
                code: row.required_text("CLASSIFICATION_CODE")?,
                scheme: row.text("CLASS_SCHEME"),
                scheme_version: row.decimal("SCHEME_VERSION").ok().flatten(),
                start_date: row.date("START_DATE")?,
                end_date: row.date("END_DATE")?,
                last_update_date: row.date("LAST_UPDATE_DATE")?,
                entry_date: row.date("ENTRY_DATE")?,
            },
        ),
        other => return Err(RecordError::Unhandled(other)),
    })
}

/// Schema 1.0's POSTAL_ADDRESS (S single, N not postal, C child of a multiple
/// occupancy, M its parent) in schema 2.0's ADDRESSBASE_POSTAL terms (D linked to
/// PAF, N not postal, C postal with a PAF-linked parent, L postal by the council):
/// a single address is a delivery point (D), a child is C, and a parent, whose
/// delivery points are its children, is not itself postal (N).
pub(crate) fn postal_v1_as_v2(code: &str) -> String {
    match code {
        "S" => "D",
        "C" => "C",
        _ => "N",
    }
    .to_string()
}

/// Records kept in a list per property (or per street), each with its key (GSG13,
/// "keys for applying COU per table").
trait Keyed {
    /// What identifies the record among its siblings.
    type Key: PartialEq + ?Sized;
    /// The record's key.
    fn key(&self) -> &Self::Key;
}

macro_rules! keyed_by {
    ($($t:ty => $field:ident: $k:ty),* $(,)?) => {
        $(impl Keyed for $t {
            type Key = $k;
            fn key(&self) -> &$k {
                &self.$field
            }
        })*
    };
}

keyed_by! {
    StreetDescriptor => language: String,
    CrossReference => xref_key: String,
    Lpi => lpi_key: String,
    Dpa => udprn: Option<u32>,
    Successor => succ_key: String,
    Organisation => org_key: String,
    Classification => class_key: String,
}

/// Whether a change that found (or did not find) its record is worth a warning: an
/// insert of something already there, or an update or delete of something missing.
fn warns(change: Change, existed: bool) -> bool {
    matches!(
        (change, existed),
        (Change::Insert, true) | (Change::Update | Change::Delete, false)
    )
}

/// Applies a change to a keyed list: an insert or update replaces the record with the
/// same key or appends it, a delete removes it. Returns whether the key was there, and,
/// only when that is worth a warning, what the record is (`describe`: built lazily,
/// because formatting it for every row was a measurable share of an import).
fn change_keyed_noting<T: Keyed>(
    list: &mut Vec<T>,
    record: T,
    change: Change,
    describe: impl FnOnce(&T) -> String,
) -> (bool, Option<String>) {
    let at = list.iter().position(|x| x.key() == record.key());
    let what = warns(change, at.is_some()).then(|| describe(&record));
    match (change, at) {
        (Change::Delete, Some(i)) => {
            list.remove(i);
        }
        (Change::Delete, None) => {}
        (_, Some(i)) => list[i] = record,
        (_, None) => list.push(record),
    }
    (at.is_some(), what)
}

/// [`change_keyed_noting`] without the description.
fn change_keyed<T: Keyed>(list: &mut Vec<T>, record: T, change: Change) -> bool {
    change_keyed_noting(list, record, change, |_| String::new()).0
}

/// Inserts or replaces an element of a keyed list (records made by this importer,
/// such as DTF 7.3's inline class and organisation).
fn upsert<T: Keyed>(list: &mut Vec<T>, record: T) {
    change_keyed(list, record, Change::Insert);
}

fn prop<'g>(
    g: &'g mut Gazetteer,
    first_seen: &mut HashMap<u64, (u32, u64)>,
    at: (u32, u64),
    uprn: u64,
) -> &'g mut Property {
    let p = g
        .properties
        .entry(uprn)
        .or_insert_with(|| Property::new(uprn));
    if p.blpu.is_none() {
        // Where a property without a BLPU was first named, for the orphan warning.
        first_seen.entry(uprn).or_insert(at);
    }
    p
}

pub(super) fn apply(imp: &mut Importer, file: &str, line: u64, change: Change, rec: ChangeRecord) {
    let at = (imp.file_number(file), line);
    let g = &mut imp.gaz;
    let seen = &mut imp.first_seen;
    let (existed, what) = match rec {
        ChangeRecord::Street(s) => {
            let usrn = s.usrn;
            let existed = if change == Change::Delete {
                g.streets.remove(&usrn).is_some()
            } else {
                let e = g.streets.get(&usrn);
                let existed = e.is_some_and(|e| e.record_type.is_some() || e.state.is_some());
                let descriptors = e.map(|e| e.descriptors.clone()).unwrap_or_default();
                g.streets.insert(usrn, Street { descriptors, ..s });
                existed
            };
            (
                existed,
                warns(change, existed).then(|| format!("street USRN {usrn}")),
            )
        }
        ChangeRecord::Descriptor(usrn, d) => {
            let st = g.streets.entry(usrn).or_insert_with(|| Street {
                usrn,
                ..Street::default()
            });
            change_keyed_noting(&mut st.descriptors, d, change, |d| {
                format!("street descriptor USRN {usrn} {}", d.language)
            })
        }
        ChangeRecord::Blpu(uprn, b, class, org) => {
            let p = prop(g, seen, at, uprn);
            let existed = p.blpu.is_some();
            if change == Change::Delete {
                p.blpu = None;
            } else {
                // DTF 7.3 carries the class and organisation on the BLPU.
                if let Some(c) = class {
                    upsert(
                        &mut p.classifications,
                        Classification {
                            class_key: format!("{uprn}C"),
                            code: c,
                            scheme: Some("DTF 7.3 BLPU_CLASS".into()),
                            start_date: b.start_date,
                            ..Classification::default()
                        },
                    );
                }
                if let Some(o) = org {
                    upsert(
                        &mut p.organisations,
                        Organisation {
                            org_key: format!("{uprn}O"),
                            organisation: o,
                            start_date: b.start_date,
                            ..Organisation::default()
                        },
                    );
                }
                p.blpu = Some(b);
                seen.remove(&uprn);
            }
            (
                existed,
                warns(change, existed).then(|| format!("BLPU UPRN {uprn}")),
            )
        }
        ChangeRecord::Xref(uprn, x) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.cross_references, x, change, |x| {
                format!("cross reference {}", x.xref_key)
            })
        }
        ChangeRecord::Lpi(uprn, l) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.lpis, l, change, |l| format!("LPI {}", l.lpi_key))
        }
        ChangeRecord::Dpa(uprn, d) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.dpas, d, change, |d| {
                format!("DPA UDPRN {:?} of UPRN {uprn}", d.udprn)
            })
        }
        ChangeRecord::Successor(uprn, s) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.successors, s, change, |s| {
                format!("successor {}", s.succ_key)
            })
        }
        ChangeRecord::Org(uprn, o) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.organisations, o, change, |o| {
                format!("organisation {}", o.org_key)
            })
        }
        ChangeRecord::Class(uprn, c) => {
            let p = prop(g, seen, at, uprn);
            change_keyed_noting(&mut p.classifications, c, change, |c| {
                format!("classification {}", c.class_key)
            })
        }
    };
    let counts = &mut imp.report.changes;
    match (change, existed) {
        (Change::Insert | Change::Update, false) => counts.inserted += 1,
        (Change::Insert | Change::Update, true) => counts.updated += 1,
        (Change::Delete, true) => counts.deleted += 1,
        (Change::Delete, false) => {}
    }
    if let Some(what) = what {
        let reason = match change {
            Change::Insert => {
                format!("insert of {what}, which already exists: applied as an update")
            }
            Change::Update => {
                format!("update of {what}, which does not exist: applied as an insert")
            }
            Change::Delete => format!("delete of {what}, which does not exist: nothing to do"),
        };
        imp.report.warn(file, line, reason);
    }
}
