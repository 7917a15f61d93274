//! The records, enums and errors of `council:address/lookup` (`wit/address/lookup.wit`),
//! in the shape wit-bindgen gives them, so that the components bind these types
//! directly (wit-bindgen's `with:` remapping) instead of copying generated twins.
//!
//! The shape is what wit-bindgen's generated lift and lower code builds and takes
//! apart by name: WIT `kebab-case` fields become `snake_case` fields, `option<T>` is
//! `Option<T>`, `list<T>` is `Vec<T>`, a variant's cases are `UpperCamelCase` tuple
//! variants, and an `enum` is a fieldless enum whose cases are declared in the WIT's
//! order: it crosses the ABI as its discriminant, lowered with `as` and lifted with
//! its `_lift` function, the one item wit-bindgen asks of a remapped type beyond its
//! shape. Every doc comment here repeats the contract's meaning; the WIT file is the
//! authority.

use serde::{Deserialize, Serialize};

/// A position on the British National Grid (OSGB36, EPSG:27700), in metres.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BngPoint {
    /// Metres east of the grid's false origin.
    pub easting: f64,
    /// Metres north of the grid's false origin.
    pub northing: f64,
}

/// A position in WGS84 / ETRS89 (EPSG:4326), in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Wgs84Point {
    /// Degrees east of Greenwich (negative to the west).
    pub longitude: f64,
    /// Degrees north of the equator.
    pub latitude: f64,
}

/// A position given in either coordinate system (WIT `point`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A British National Grid easting and northing.
    Bng(BngPoint),
    /// A WGS84 longitude and latitude.
    Wgs84(Wgs84Point),
}

/// Where an address is (WIT `location`): always in WGS84, and on the British
/// National Grid where that is meaningful (inside the OSTN15 transformation's grid;
/// not in the Channel Islands or Northern Ireland, whose AddressBase Premium Islands
/// positions come as latitude/longitude only).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    /// The position on the British National Grid, where it has one.
    pub bng: Option<BngPoint>,
    /// The position in WGS84 (ETRS89, EPSG:4326).
    pub wgs84: Wgs84Point,
    /// AddressBase Representative Point Code: 1 visual centre, 2 general internal
    /// point, 3 SOG/street point, 4 estimated, 5 street location, 9 postcode unit
    /// centroid (this project's code for addresses placed at their postcode's
    /// Code-Point Open position).
    pub rpc: u8,
}

/// Which of a property's two address views a record is (WIT `dataset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dataset {
    /// Royal Mail Delivery Point Address: the postal address.
    Dpa,
    /// Land and Property Identifier: the council's BS 7666 gazetteer address.
    Lpi,
}

impl Dataset {
    /// The case with discriminant `val` (its position in WIT `dataset`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        match val {
            0 => Dataset::Dpa,
            1 => Dataset::Lpi,
            _ => panic!("invalid `dataset` discriminant"),
        }
    }
}

/// A BS 7666 primary or secondary addressable object (WIT `addressable-object`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AddressableObject {
    /// First number of the range (`12` in `12A-14`).
    pub start_number: Option<u32>,
    /// Suffix of the first number (`A` in `12A-14`).
    pub start_suffix: Option<String>,
    /// Last number of a range (`14` in `12A-14`).
    pub end_number: Option<u32>,
    /// Suffix of the last number.
    pub end_suffix: Option<String>,
    /// The name part (`ROSE COTTAGE`, `FLAT 2`).
    pub text: Option<String>,
}

impl AddressableObject {
    /// True when no part of the object is used.
    pub fn is_empty(&self) -> bool {
        self.start_number.is_none()
            && self.start_suffix.is_none()
            && self.end_number.is_none()
            && self.end_suffix.is_none()
            && self.text.is_none()
    }

    /// The number part as printed in an address: `12A-14`, `3`, or empty.
    pub fn number_text(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.start_number {
            crate::text::push_decimal(&mut s, n, 0);
            if let Some(x) = &self.start_suffix {
                s.push_str(x);
            }
        }
        if let Some(n) = self.end_number {
            if !s.is_empty() {
                s.push('-');
            }
            crate::text::push_decimal(&mut s, n, 0);
            if let Some(x) = &self.end_suffix {
                s.push_str(x);
            }
        }
        s
    }
}

/// The Royal Mail postal view of a property (WIT `postal-address`, AddressBase record 28).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Royal Mail's Unique Delivery Point Reference Number.
    pub udprn: Option<u32>,
    /// Organisation name at the delivery point.
    pub organisation_name: Option<String>,
    /// Department within the organisation.
    pub department_name: Option<String>,
    /// Sub-building name (`FLAT 2`).
    pub sub_building_name: Option<String>,
    /// Building name (`ROSE COURT`).
    pub building_name: Option<String>,
    /// Building number (`12`).
    pub building_number: Option<u32>,
    /// Dependent thoroughfare (a street within a street).
    pub dependent_thoroughfare: Option<String>,
    /// Thoroughfare (street).
    pub thoroughfare: Option<String>,
    /// Double dependent locality.
    pub double_dependent_locality: Option<String>,
    /// Dependent locality (village or district within the post town).
    pub dependent_locality: Option<String>,
    /// Royal Mail post town.
    pub post_town: Option<String>,
    /// PO box number, if the delivery point is a PO box.
    pub po_box_number: Option<String>,
}

/// The council gazetteer view of a property (WIT `gazetteer-address`, records 24 + 15).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GazetteerAddress {
    /// The LPI's key (`LPI_KEY`), unique per LPI.
    pub lpi_key: String,
    /// Organisation name recorded against the property (record 31).
    pub organisation: Option<String>,
    /// Secondary addressable object (flat, unit).
    pub sao: AddressableObject,
    /// Primary addressable object (building number or name).
    pub pao: AddressableObject,
    /// Unique Street Reference Number of the street the LPI is on.
    pub usrn: Option<u64>,
    /// The street's name (street descriptor, record 15).
    pub street_description: Option<String>,
    /// Locality (record 15).
    pub locality: Option<String>,
    /// Town (record 15).
    pub town: Option<String>,
    /// Administrative area (record 15).
    pub administrative_area: Option<String>,
    /// Area name (LPI `AREA_NAME`).
    pub area_name: Option<String>,
    /// BS 7666 logical status: 1 approved, 3 alternative, 6 provisional, 8 historical.
    pub logical_status: u8,
    /// ISO 639-3 language of the LPI (`ENG`, `CYM`).
    pub language: String,
}

/// The view-specific part of an address (WIT `address-view`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AddressView {
    /// The postal (DPA) view.
    Postal(PostalAddress),
    /// The gazetteer (LPI) view.
    Gazetteer(GazetteerAddress),
}

impl AddressView {
    /// Which dataset this view belongs to.
    pub fn dataset(&self) -> Dataset {
        match self {
            AddressView::Postal(_) => Dataset::Dpa,
            AddressView::Gazetteer(_) => Dataset::Lpi,
        }
    }
}

/// One address of a property, in one view (WIT `address`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Unique Property Reference Number.
    pub uprn: u64,
    /// The whole address on one line, as OS Places' `ADDRESS` field.
    pub single_line: String,
    /// The postcode, normalised with one space; absent for properties without one.
    pub postcode: Option<String>,
    /// The view this record belongs to and its own fields.
    pub view: AddressView,
    /// AddressBase classification code (`RD04`, `CR07`), if known.
    pub classification_code: Option<String>,
    /// The classification's description.
    pub classification_description: Option<String>,
    /// The property's position.
    pub location: Location,
    /// The UPRN of the parent property, if any.
    pub parent_uprn: Option<u64>,
    /// The BLPU's logical status: 1 approved, 6 provisional, 8 historical, 9 rejected.
    pub blpu_logical_status: u8,
    /// The local custodian code of the council that maintains the record.
    pub local_custodian_code: Option<u16>,
    /// Country code (`E`, `W`, `S`, `N`, `L`, `M`, `J`).
    pub country_code: Option<String>,
    /// The date the record was last updated, `YYYY-MM-DD`.
    pub last_update_date: Option<String>,
    /// The date the record entered the gazetteer, `YYYY-MM-DD`.
    pub entry_date: Option<String>,
}

/// A result with how well it matched (WIT `address-match`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressMatch {
    /// The address found.
    pub address: Address,
    /// Match score between 0 and 1 (1 is exact), as OS Places' `MATCH`.
    pub score: f32,
    /// Distance in metres from the query point for spatial queries.
    pub distance_m: Option<f64>,
}

/// A page of results (WIT `page`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Page {
    /// How many results the query has in all (before paging).
    pub total: u32,
    /// The offset this page starts at.
    pub offset: u32,
    /// The results on this page.
    pub results: Vec<AddressMatch>,
}

/// Named classification sets, as Surrey's address API defined them (WIT `classification-set`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassificationSet {
    /// R, RD, RH, RI and X (dual use) codes.
    Residential,
    /// C codes except CE (education).
    Commercial,
    /// Residential or commercial.
    ResidentialAndCommercial,
    /// Residential plus CE01 and CE05.
    Electoral,
}

impl ClassificationSet {
    /// The case with discriminant `val` (its position in WIT `classification-set`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        match val {
            0 => ClassificationSet::Residential,
            1 => ClassificationSet::Commercial,
            2 => ClassificationSet::ResidentialAndCommercial,
            3 => ClassificationSet::Electoral,
            _ => panic!("invalid `classification-set` discriminant"),
        }
    }
}

/// A classification filter (WIT `classification-filter`); several are combined with OR.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClassificationFilter {
    /// A named set.
    Named(ClassificationSet),
    /// A code prefix (`R`, `RD04`); OS Places' `*` suffix is accepted and ignored.
    CodePrefix(String),
}

/// How postcode and street lists are ordered (WIT `sort-order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Surrey's order: SAO start number and suffix, SAO end, PAO start number, PAO end,
    /// then SAO text, PAO text, street name, UPRN.
    #[default]
    AddressOrder,
    /// Ascending UPRN.
    Uprn,
}

impl SortOrder {
    /// The case with discriminant `val` (its position in WIT `sort-order`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        match val {
            0 => SortOrder::AddressOrder,
            1 => SortOrder::Uprn,
            _ => panic!("invalid `sort-order` discriminant"),
        }
    }
}

/// Options shared by every list query (WIT `query-options`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryOptions {
    /// Which views to return; empty means `[Dpa]`, as OS Places defaults.
    pub datasets: Vec<Dataset>,
    /// Classification filters, combined with OR; empty means no filter.
    pub classification: Vec<ClassificationFilter>,
    /// Include historical and rejected addresses (logical status 8 and 9).
    pub include_historical: bool,
    /// Number of results to skip.
    pub offset: u32,
    /// Maximum results to return, 1 to 1000; 0 means the default of 100.
    pub max_results: u32,
    /// Order of postcode, USRN and spatial lists.
    pub sort: SortOrder,
}

/// The Code-Point Open record of a postcode unit (WIT `postcode-unit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostcodeUnit {
    /// The postcode, normalised with one space.
    pub postcode: String,
    /// The unit's position.
    pub location: Location,
    /// Code-Point Open positional quality (10 best, 90 no coordinates).
    pub positional_quality: u8,
    /// GSS code of the local authority district.
    pub district_code: Option<String>,
    /// GSS code of the electoral ward at the time of the Code-Point release.
    pub ward_code: Option<String>,
    /// GSS code of the county, for two-tier areas.
    pub county_code: Option<String>,
    /// GSS code of the country.
    pub country_code: Option<String>,
    /// How many addresses the index holds with this postcode.
    pub address_count: u32,
}

/// Facts about the loaded index (WIT `index-info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// The index format version.
    pub format_version: u32,
    /// Data epoch or release the index was built from.
    pub epoch: String,
    /// When the index was built, `YYYY-MM-DD`.
    pub built: String,
    /// The formats imported into it.
    pub sources: Vec<String>,
    /// Number of address records (both views).
    pub address_count: u32,
    /// Number of postcode units known.
    pub postcode_count: u32,
}

/// Errors raised by the lookup interface (WIT `error`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    /// The postcode is not a valid UK postcode or prefix; the string says why.
    #[error("invalid postcode: {0}")]
    InvalidPostcode(String),
    /// A query or option is invalid; the string names the problem.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A point lies outside the area the coordinate conversion covers.
    #[error("out of range: {0}")]
    OutOfRange(String),
    /// The address index is missing, unreadable, truncated or of another version.
    #[error("index unavailable: {0}")]
    IndexUnavailable(String),
    /// Any other failure.
    #[error("{0}")]
    Other(String),
}

/// The default `max_results` (OS Places' default).
pub const DEFAULT_MAX_RESULTS: u32 = 100;
/// The largest `max_results` the contract allows.
pub const MAX_RESULTS_LIMIT: u32 = 1000;

impl QueryOptions {
    /// The datasets to return, with the empty list meaning `[Dpa]`.
    pub fn effective_datasets(&self) -> (bool, bool) {
        if self.datasets.is_empty() {
            return (true, false);
        }
        (
            self.datasets.contains(&Dataset::Dpa),
            self.datasets.contains(&Dataset::Lpi),
        )
    }

    /// The page size, validated: 0 means 100, over 1000 is an error.
    pub fn page_size(&self) -> Result<u32, LookupError> {
        match self.max_results {
            0 => Ok(DEFAULT_MAX_RESULTS),
            n if n > MAX_RESULTS_LIMIT => Err(LookupError::InvalidQuery(format!(
                "max-results is {n}; it must be 1 to {MAX_RESULTS_LIMIT} (0 means {DEFAULT_MAX_RESULTS})"
            ))),
            n => Ok(n),
        }
    }
}
