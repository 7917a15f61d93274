//! The gazetteer model: streets by USRN with their descriptors, properties by UPRN
//! with their BLPU, LPIs (historical ones included), DPAs, classifications,
//! organisations, cross references and successors, and postcode units.
//!
//! Field names follow AddressBase Premium's CSV columns (OrdnanceSurvey/AddressBase,
//! `PostgreSQL_AddressBase_Premium_CreateTable.sql`); DTF 7.3/8.1 and AddressBase Plus
//! map onto the same fields. The index stores this model whole (postcard-encoded, see
//! `docs/address-index.md`), so a change-only update can be applied to an index without
//! the source files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::postcode::Postcode;
use crate::types::AddressableObject;

/// A calendar date kept as `YYYYMMDD` (AddressBase dates are `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date(pub u32);

impl Date {
    /// Parses `YYYY-MM-DD`, `YYYYMMDD` or `DD/MM/YYYY` (all seen in council extracts);
    /// the date must exist in the calendar (`2011-02-31` does not).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        let num = |r: &[u8]| -> Option<u32> {
            if r.is_empty() || !r.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(r).ok()?.parse().ok()
        };
        let (y, m, d) = match b.len() {
            10 if b[4] == b'-' && b[7] == b'-' => (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?),
            10 if b[2] == b'/' && b[5] == b'/' => (num(&b[6..10])?, num(&b[3..5])?, num(&b[0..2])?),
            8 => (num(&b[0..4])?, num(&b[4..6])?, num(&b[6..8])?),
            // Timestamps such as `2008-01-01 00:00:00` or `2008-01-01T00:00:00`.
            n if n > 10 && (b[10] == b' ' || b[10] == b'T') => return Date::parse(&s[..10]),
            _ => return None,
        };
        if !(1000..=9999).contains(&y)
            || council_dates::CivilDate::new(i64::from(y), m, d).is_none()
        {
            return None;
        }
        Some(Date(y * 10000 + m * 100 + d))
    }

    /// `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        let mut s = String::with_capacity(10);
        crate::text::push_decimal(&mut s, self.0 / 10000, 4);
        s.push('-');
        crate::text::push_decimal(&mut s, (self.0 / 100) % 100, 2);
        s.push('-');
        crate::text::push_decimal(&mut s, self.0 % 100, 2);
        s
    }
}

/// Record 10 (header) and 29 (metadata) facts kept for `info` and re-export.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupplyInfo {
    /// `CUSTODIAN_NAME` of the header record.
    pub custodian_name: Option<String>,
    /// `LOCAL_CUSTODIAN_CODE` of the header record.
    pub local_custodian_code: Option<u16>,
    /// `PROCESS_DATE` of the header record.
    pub process_date: Option<Date>,
    /// `VOLUME_NUMBER` of the header record.
    pub volume_number: Option<u32>,
    /// `ENTRY_DATE` of the header record.
    pub entry_date: Option<Date>,
    /// `VERSION` of the header record (the DTF or product version, e.g. `8.1`).
    pub version: Option<String>,
    /// `FILE_TYPE` of the header record (`F` full supply, `C` change-only).
    pub file_type: Option<String>,
    /// Record 29 (metadata), column name to value, as supplied.
    pub metadata: Vec<(String, String)>,
}

/// Record 11: a street.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Street {
    /// Unique Street Reference Number.
    pub usrn: u64,
    /// 1 official designated street name, 2 street description, 3 numbered street, 4 unofficial name, 9 descriptive identifier.
    pub record_type: Option<u8>,
    /// The highway authority that named the street.
    pub swa_org_ref_naming: Option<u32>,
    /// Street state.
    pub state: Option<u8>,
    /// When the state was reached.
    pub state_date: Option<Date>,
    /// Street surface.
    pub street_surface: Option<u8>,
    /// Street classification.
    pub street_classification: Option<u8>,
    /// Version number of the street record.
    pub version: Option<u32>,
    /// `STREET_START_DATE`.
    pub start_date: Option<Date>,
    /// `STREET_END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `RECORD_ENTRY_DATE`.
    pub entry_date: Option<Date>,
    /// Start point (easting, northing).
    pub start_xy: Option<(f64, f64)>,
    /// Start point (latitude, longitude), when supplied.
    pub start_latlon: Option<(f64, f64)>,
    /// End point (easting, northing).
    pub end_xy: Option<(f64, f64)>,
    /// End point (latitude, longitude), when supplied.
    pub end_latlon: Option<(f64, f64)>,
    /// `STREET_TOLERANCE` in metres.
    pub tolerance: Option<u32>,
    /// Record 15 descriptors, one per language.
    pub descriptors: Vec<StreetDescriptor>,
}

/// Record 15: a street descriptor (the street's name in one language).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreetDescriptor {
    /// `STREET_DESCRIPTION`.
    pub description: String,
    /// `LOCALITY`.
    pub locality: Option<String>,
    /// `TOWN_NAME`.
    pub town: Option<String>,
    /// `ADMINISTRATIVE_AREA`.
    pub administrative_area: Option<String>,
    /// `LANGUAGE` (`ENG`, `CYM`, `GAE`).
    pub language: String,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Record 21: the BLPU (the property itself).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Blpu {
    /// 1 approved, 6 provisional, 8 historical, 9 rejected.
    pub logical_status: u8,
    /// `BLPU_STATE`.
    pub state: Option<u8>,
    /// `BLPU_STATE_DATE`.
    pub state_date: Option<Date>,
    /// `PARENT_UPRN`.
    pub parent_uprn: Option<u64>,
    /// `X_COORDINATE` (easting).
    pub x: Option<f64>,
    /// `Y_COORDINATE` (northing).
    pub y: Option<f64>,
    /// `LATITUDE`.
    pub latitude: Option<f64>,
    /// `LONGITUDE`.
    pub longitude: Option<f64>,
    /// Representative point code.
    pub rpc: Option<u8>,
    /// `LOCAL_CUSTODIAN_CODE`.
    pub local_custodian_code: Option<u16>,
    /// `COUNTRY` (`E`, `W`, `S`, `N`, `L`, `M`, `J`).
    pub country: Option<String>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
    /// `ADDRESSBASE_POSTAL` (`D`, `N`, `C`, `L`).
    pub addressbase_postal: Option<String>,
    /// `POSTCODE_LOCATOR`.
    pub postcode_locator: Option<String>,
    /// `MULTI_OCC_COUNT`.
    pub multi_occ_count: Option<u32>,
    /// DTF 7.3 / AddressBase Plus: `WARD_CODE`.
    pub ward_code: Option<String>,
    /// DTF 7.3 / AddressBase Plus: `PARISH_CODE`.
    pub parish_code: Option<String>,
}

/// Street names copied onto an LPI when no street record is held (AddressBase Plus,
/// plain CSV) or from its street at index time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreetNames {
    /// Street description.
    pub description: Option<String>,
    /// Locality.
    pub locality: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Administrative area.
    pub administrative_area: Option<String>,
}

/// Record 24: a Land and Property Identifier (one BS 7666 address of the property).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lpi {
    /// `LPI_KEY`.
    pub lpi_key: String,
    /// `LANGUAGE`.
    pub language: String,
    /// 1 approved, 3 alternative, 6 provisional, 8 historical.
    pub logical_status: u8,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
    /// Secondary addressable object.
    pub sao: AddressableObject,
    /// Primary addressable object.
    pub pao: AddressableObject,
    /// `USRN`.
    pub usrn: Option<u64>,
    /// `USRN_MATCH_INDICATOR`.
    pub usrn_match_indicator: Option<String>,
    /// `AREA_NAME`.
    pub area_name: Option<String>,
    /// `LEVEL`.
    pub level: Option<String>,
    /// `OFFICIAL_FLAG`.
    pub official_flag: Option<String>,
    /// DTF 7.3: `POSTALLY_ADDRESSABLE`.
    pub postally_addressable: Option<String>,
    /// DTF 7.3: `POSTCODE` on the LPI.
    pub postcode: Option<String>,
    /// DTF 7.3: `POST_TOWN` on the LPI.
    pub post_town: Option<String>,
    /// Street names carried by the LPI itself (AddressBase Plus, plain CSV).
    pub street: Option<StreetNames>,
}

impl Lpi {
    /// Logical status 8 (historical) or 9 (rejected).
    pub fn is_historical(&self) -> bool {
        matches!(self.logical_status, 8 | 9)
    }
}

/// Record 28: a Royal Mail Delivery Point Address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Dpa {
    /// `UDPRN`.
    pub udprn: Option<u32>,
    /// `ORGANISATION_NAME`.
    pub organisation_name: Option<String>,
    /// `DEPARTMENT_NAME`.
    pub department_name: Option<String>,
    /// `SUB_BUILDING_NAME`.
    pub sub_building_name: Option<String>,
    /// `BUILDING_NAME`.
    pub building_name: Option<String>,
    /// `BUILDING_NUMBER`.
    pub building_number: Option<u32>,
    /// `DEPENDENT_THOROUGHFARE`.
    pub dependent_thoroughfare: Option<String>,
    /// `THOROUGHFARE`.
    pub thoroughfare: Option<String>,
    /// `DOUBLE_DEPENDENT_LOCALITY`.
    pub double_dependent_locality: Option<String>,
    /// `DEPENDENT_LOCALITY`.
    pub dependent_locality: Option<String>,
    /// `POST_TOWN`.
    pub post_town: Option<String>,
    /// `POSTCODE`.
    pub postcode: Option<String>,
    /// `POSTCODE_TYPE` (`S` small user, `L` large user).
    pub postcode_type: Option<String>,
    /// `DELIVERY_POINT_SUFFIX`.
    pub delivery_point_suffix: Option<String>,
    /// `WELSH_DEPENDENT_THOROUGHFARE`.
    pub welsh_dependent_thoroughfare: Option<String>,
    /// `WELSH_THOROUGHFARE`.
    pub welsh_thoroughfare: Option<String>,
    /// `WELSH_DOUBLE_DEPENDENT_LOCALITY`.
    pub welsh_double_dependent_locality: Option<String>,
    /// `WELSH_DEPENDENT_LOCALITY`.
    pub welsh_dependent_locality: Option<String>,
    /// `WELSH_POST_TOWN`.
    pub welsh_post_town: Option<String>,
    /// `PO_BOX_NUMBER`.
    pub po_box_number: Option<String>,
    /// `PROCESS_DATE`.
    pub process_date: Option<Date>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`: a DPA with an end date is historical.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Record 32: a classification of the property.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Classification {
    /// `CLASS_KEY`.
    pub class_key: String,
    /// `CLASSIFICATION_CODE`.
    pub code: String,
    /// `CLASS_SCHEME`.
    pub scheme: Option<String>,
    /// `SCHEME_VERSION`.
    pub scheme_version: Option<f64>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Record 31: an organisation at the property.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Organisation {
    /// `ORG_KEY`.
    pub org_key: String,
    /// `ORGANISATION`.
    pub organisation: String,
    /// `LEGAL_NAME`.
    pub legal_name: Option<String>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Record 23: an application cross reference (for example a VOA council tax record).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CrossReference {
    /// `XREF_KEY`.
    pub xref_key: String,
    /// `CROSS_REFERENCE`.
    pub cross_reference: String,
    /// `VERSION`.
    pub version: Option<u32>,
    /// `SOURCE`.
    pub source: Option<String>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Record 30: a successor cross reference.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Successor {
    /// `SUCC_KEY`.
    pub succ_key: String,
    /// `SUCCESSOR` (a UPRN).
    pub successor: Option<u64>,
    /// `START_DATE`.
    pub start_date: Option<Date>,
    /// `END_DATE`.
    pub end_date: Option<Date>,
    /// `LAST_UPDATE_DATE`.
    pub last_update_date: Option<Date>,
    /// `ENTRY_DATE`.
    pub entry_date: Option<Date>,
}

/// Everything held about one UPRN.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Property {
    /// Unique Property Reference Number.
    pub uprn: u64,
    /// The BLPU, absent for orphan LPIs/DPAs (reported by the importer).
    pub blpu: Option<Blpu>,
    /// LPIs, historical included.
    pub lpis: Vec<Lpi>,
    /// Delivery points.
    pub dpas: Vec<Dpa>,
    /// Classifications.
    pub classifications: Vec<Classification>,
    /// Organisations.
    pub organisations: Vec<Organisation>,
    /// Application cross references.
    pub cross_references: Vec<CrossReference>,
    /// Successors.
    pub successors: Vec<Successor>,
}

impl Property {
    /// A property with just its UPRN.
    pub fn new(uprn: u64) -> Property {
        Property {
            uprn,
            ..Property::default()
        }
    }

    /// The current classification code: the latest-starting one without an end date,
    /// else the latest one.
    pub fn classification_code(&self) -> Option<&str> {
        let current = self
            .classifications
            .iter()
            .filter(|c| c.end_date.is_none() && !c.code.is_empty())
            .max_by_key(|c| c.start_date);
        current
            .or_else(|| self.classifications.iter().max_by_key(|c| c.start_date))
            .map(|c| c.code.as_str())
    }

    /// The current organisation name (record 31 without an end date).
    pub fn organisation(&self) -> Option<&str> {
        self.organisations
            .iter()
            .filter(|o| o.end_date.is_none())
            .max_by_key(|o| o.start_date)
            .or_else(|| self.organisations.first())
            .map(|o| o.organisation.as_str())
    }

    /// True when the BLPU is historical (8) or rejected (9).
    pub fn is_historical(&self) -> bool {
        self.blpu
            .as_ref()
            .is_some_and(|b| matches!(b.logical_status, 8 | 9))
    }

    /// The postcode the property is filed under: the first current DPA's postcode,
    /// else the BLPU's postcode locator, else a DTF 7.3 LPI postcode.
    pub fn postcode(&self) -> Option<Postcode> {
        let dpa = self
            .dpas
            .iter()
            .filter(|d| d.end_date.is_none())
            .chain(self.dpas.iter())
            .find_map(|d| d.postcode.as_deref().and_then(Postcode::parse_lenient));
        dpa.or_else(|| {
            self.blpu
                .as_ref()
                .and_then(|b| b.postcode_locator.as_deref())
                .and_then(Postcode::parse_lenient)
        })
        .or_else(|| {
            self.lpis
                .iter()
                .find_map(|l| l.postcode.as_deref().and_then(Postcode::parse_lenient))
        })
    }
}

/// A Code-Point Open postcode unit (`PC, PQ, EA, NO, CY, RH, LH, CC, DC, WC`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostcodeUnitRecord {
    /// The postcode.
    pub postcode: Postcode,
    /// Positional quality indicator (10 best .. 90 no coordinates).
    pub positional_quality: u8,
    /// Easting and northing (absent for PQ 90).
    pub position: Option<(f64, f64)>,
    /// Longitude and latitude, converted at import.
    pub lonlat: Option<(f64, f64)>,
    /// Country GSS code (`CY`).
    pub country_code: Option<String>,
    /// NHS regional health authority code (`RH`).
    pub nhs_region_code: Option<String>,
    /// NHS health authority code (`LH`).
    pub nhs_ha_code: Option<String>,
    /// County GSS code (`CC`).
    pub county_code: Option<String>,
    /// District GSS code (`DC`).
    pub district_code: Option<String>,
    /// Ward GSS code (`WC`).
    pub ward_code: Option<String>,
}

/// The whole gazetteer, as the importers build it and as the index stores it.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    /// Header and metadata facts of the supply.
    pub supply: SupplyInfo,
    /// Streets by USRN.
    pub streets: BTreeMap<u64, Street>,
    /// Properties by UPRN.
    pub properties: BTreeMap<u64, Property>,
    /// Code-Point Open units by postcode key.
    pub postcodes: BTreeMap<u64, PostcodeUnitRecord>,
    /// The source formats imported (`addressbase-premium`, `codepoint-open`, ...).
    pub sources: Vec<String>,
    /// Data epoch or release label (`AB Premium epoch 112`, `GENERATED demo`).
    pub epoch: String,
}

impl Gazetteer {
    /// Records a source format once.
    pub fn add_source(&mut self, s: &str) {
        if !self.sources.iter().any(|x| x == s) {
            self.sources.push(s.to_string());
        }
    }

    /// The street names an LPI is shown with: its own (AB Plus, CSV), else its
    /// street's descriptor in the LPI's language, else the street's first descriptor.
    pub fn lpi_street_names(&self, lpi: &Lpi) -> Option<StreetNames> {
        if let Some(s) = &lpi.street {
            return Some(s.clone());
        }
        let street = self.streets.get(&lpi.usrn?)?;
        let d = street
            .descriptors
            .iter()
            .find(|d| d.language == lpi.language)
            .or_else(|| street.descriptors.first())?;
        Some(StreetNames {
            description: Some(d.description.clone()),
            locality: d.locality.clone(),
            town: d.town.clone(),
            administrative_area: d.administrative_area.clone(),
        })
    }
}
