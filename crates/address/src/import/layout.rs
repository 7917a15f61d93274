//! Column layouts of AddressBase Premium (schemas 1.0 and 2.0) and council LLPG
//! extracts (DTF 7.3, DTF 8.1), as data: each column's name, what it holds, and
//! whether the specification makes it mandatory. Every row is checked against its
//! layout before anything is read from it, so a row whose values sit one column out
//! of place (a layout this importer was not told about, a missing or extra column)
//! fails on a typed field and is refused instead of being read wrongly.
//!
//! Sources, per layout (see docs/address-index.md, "Supplies and layouts"):
//! - AddressBase Premium schema 2.0 (header record `VERSION` "2.0", Epoch 39, March
//!   2016, to today; also AddressBase Premium Islands): Ordnance Survey's loading
//!   scripts (OrdnanceSurvey/AddressBase, `PostgreSQL_AddressBase_Premium_CreateTable.sql`
//!   and `Oracle_AddressBasePremium_Control.ctl`, 19/02/2016) and the per-record header
//!   files OS ships in a supply's `resources/` folder (`Record_21_BLPU_Header.csv`, ...).
//! - AddressBase Premium schema 1.0 (`VERSION` "1.0", 2011 to Epoch 38): OS's
//!   *AddressBase products getting started guide* v1.2 (2013), its PostgreSQL tables and
//!   SQL*Loader control files; the street's date order (START, END, LAST_UPDATE, ENTRY)
//!   as in real 1.0 rows, where the optional END date is column 13.
//! - DTF 7.3: a published NLPG loader's record handlers (bitweaver `BitNlpg.php`).
//! - DTF 8.1 address records: as AddressBase Premium (the DPA aside); the 20-column
//!   BLPU without LATITUDE/LONGITUDE is this importer's earlier reading and is not
//!   confirmed by a published specification.
//!
//! One subject, so one file: the tables are long because the formats are (a dozen
//! record types in four families), and reading them side by side is the point. How a
//! field's text is checked against its column is `field_check.rs`.
//!
//! Code lists are OS's (docs.os.uk, AddressBase Premium technical specification,
//! "Code lists and enumerations"); sizes are the specification's, widened where OS's own
//! scripts widen them (street descriptions 110 for Welsh characters, building names 80).

/// What a column holds, and so how its text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The record identifier: exactly this number.
    Record(u8),
    /// A whole number of at most this many digits (`12.0` is read as 12: some
    /// council exports write integers as decimals).
    Int(u8),
    /// Text of at most this many characters.
    Text(u16),
    /// `CCYY-MM-DD` (OS "Date" code list).
    Date,
    /// `HH:MM:SS` (AddressBase) or `HHMMSS` (NSG DTF 8.1).
    Time,
    /// British National Grid easting, metres: 0 to 700 000.
    Easting,
    /// British National Grid northing, metres: 0 to 1 250 000, the extent of the
    /// OSTN15 grid, so that every valid position has its WGS84 equivalent.
    Northing,
    /// ETRS89 latitude, degrees, within the British Isles and Channel Islands (49 to 61).
    Latitude,
    /// ETRS89 longitude, degrees, within the British Isles and Channel Islands (-11 to 2.5).
    Longitude,
    /// A full UK postcode (outward and inward code, a known postcode area).
    Postcode,
    /// A Royal Mail delivery point suffix: a digit and a letter (`1A`).
    Suffix,
    /// One of these codes.
    Code(&'static [&'static str]),
    /// A decimal number.
    Decimal,
}

/// One column of a layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    /// The column's name (AddressBase Premium schema 2.0 spelling; aliases in
    /// [`canonical`]).
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether the specification makes it mandatory.
    pub required: bool,
}

/// Which family of supplies a layout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Schema {
    /// AddressBase Premium schema 1.0 (header `VERSION` "1.0", to Epoch 38).
    AbpV1,
    /// AddressBase Premium schema 2.0 (header `VERSION` "2.0", Epoch 39 on; Islands).
    AbpV2,
    /// NLPG DTF 7.3.
    Dtf73,
    /// GeoPlace DTF 8.1.
    Dtf81,
}

impl Schema {
    /// How the schema is named in messages.
    pub fn label(self) -> &'static str {
        match self {
            Schema::AbpV1 => "AddressBase Premium schema 1.0",
            Schema::AbpV2 => "AddressBase Premium schema 2.0",
            Schema::Dtf73 => "DTF 7.3",
            Schema::Dtf81 => "DTF 8.1",
        }
    }
}

/// The columns of one record type in one family of supplies.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The record type (10, 11, ...).
    pub record: u8,
    /// Which supplies use it.
    pub schemas: &'static [Schema],
    /// A short description for the import report.
    pub label: &'static str,
    /// The columns, in order.
    pub cols: &'static [Col],
}

use Kind::*;

/// A column the specification makes mandatory.
const fn required(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        required: true,
    }
}
/// A column that may be empty.
const fn optional(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        required: false,
    }
}

const CHANGE: Kind = Code(&["I", "U", "D"]);
const UPRN: Kind = Int(12);
const USRN: Kind = Int(8);
const LANGUAGE: Kind = Code(&["ENG", "CYM", "GAE"]);
const ABP_V1: &[Schema] = &[Schema::AbpV1];
const ABP: &[Schema] = &[Schema::AbpV1, Schema::AbpV2];
const ALL: &[Schema] = &[Schema::AbpV1, Schema::AbpV2, Schema::Dtf73, Schema::Dtf81];
const ABP_AND_DTF81: &[Schema] = &[Schema::AbpV1, Schema::AbpV2, Schema::Dtf81];
const DTF73: &[Schema] = &[Schema::Dtf73];
const DTF81: &[Schema] = &[Schema::Dtf81];

/// The four dates that close most records, in AddressBase order.
macro_rules! dates {
    () => {
        [
            required("START_DATE", Date),
            optional("END_DATE", Date),
            required("LAST_UPDATE_DATE", Date),
            required("ENTRY_DATE", Date),
        ]
    };
}

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [Col; A],
    b: [Col; B],
) -> [Col; N] {
    let mut out = [optional("", Decimal); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

// The column tables, named by what the record holds and its record identifier, then
// the schema where the record type has more than one layout (`BLPU_21_V2`: record 21,
// schema 2.0; `_DTF73`, `_DTF81`: the council extracts).

const HEADER_10: &[Col] = &[
    required("RECORD_IDENTIFIER", Record(10)),
    required("CUSTODIAN_NAME", Text(40)),
    required("LOCAL_CUSTODIAN_CODE", Int(4)),
    required("PROCESS_DATE", Date),
    required("VOLUME_NUMBER", Int(3)),
    required("ENTRY_DATE", Date),
    required("TIME_STAMP", Time),
    required("VERSION", Text(8)),
    required("FILE_TYPE", Code(&["F", "C"])),
];

const STREET_HEAD: [Col; 10] = [
    required("RECORD_IDENTIFIER", Record(11)),
    required("CHANGE_TYPE", CHANGE),
    required("PRO_ORDER", Int(16)),
    required("USRN", USRN),
    required("RECORD_TYPE", Code(&["1", "2", "3", "4", "9"])),
    required("SWA_ORG_REF_NAMING", Int(4)),
    optional("STATE", Int(1)),
    optional("STATE_DATE", Date),
    optional("STREET_SURFACE", Int(1)),
    optional("STREET_CLASSIFICATION", Int(2)),
];
const STREET_DATES_ABP: [Col; 5] = [
    required("VERSION", Int(3)),
    required("STREET_START_DATE", Date),
    optional("STREET_END_DATE", Date),
    required("LAST_UPDATE_DATE", Date),
    required("RECORD_ENTRY_DATE", Date),
];
const STREET_DATES_73: [Col; 5] = [
    required("VERSION", Int(3)),
    required("RECORD_ENTRY_DATE", Date),
    required("LAST_UPDATE_DATE", Date),
    required("STREET_START_DATE", Date),
    optional("STREET_END_DATE", Date),
];
const STREET_XY: [Col; 5] = [
    optional("STREET_START_X", Easting),
    optional("STREET_START_Y", Northing),
    optional("STREET_END_X", Easting),
    optional("STREET_END_Y", Northing),
    required("STREET_TOLERANCE", Int(3)),
];
const STREET_XY_LL: [Col; 9] = [
    optional("STREET_START_X", Easting),
    optional("STREET_START_Y", Northing),
    optional("STREET_START_LAT", Latitude),
    optional("STREET_START_LONG", Longitude),
    optional("STREET_END_X", Easting),
    optional("STREET_END_Y", Northing),
    optional("STREET_END_LAT", Latitude),
    optional("STREET_END_LONG", Longitude),
    required("STREET_TOLERANCE", Int(3)),
];
const STREET_11_V2: [Col; 24] = concat(
    concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_ABP),
    STREET_XY_LL,
);
const STREET_11_V1: [Col; 20] = concat(
    concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_ABP),
    STREET_XY,
);
const STREET_11_DTF73: [Col; 20] =
    concat(concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_73), STREET_XY);

const DESCRIPTOR: [Col; 9] = [
    required("RECORD_IDENTIFIER", Record(15)),
    required("CHANGE_TYPE", CHANGE),
    required("PRO_ORDER", Int(16)),
    required("USRN", USRN),
    required("STREET_DESCRIPTION", Text(110)),
    optional("LOCALITY", Text(35)),
    optional("TOWN_NAME", Text(30)),
    required("ADMINISTRATIVE_AREA", Text(30)),
    required("LANGUAGE", LANGUAGE),
];
const DESCRIPTOR_15_V2: [Col; 13] = concat(DESCRIPTOR, dates!());

const BLPU_HEAD: [Col; 8] = [
    required("RECORD_IDENTIFIER", Record(21)),
    required("CHANGE_TYPE", CHANGE),
    required("PRO_ORDER", Int(16)),
    required("UPRN", UPRN),
    required("LOGICAL_STATUS", Code(&["1", "6", "8"])),
    optional("BLPU_STATE", Int(1)),
    optional("BLPU_STATE_DATE", Date),
    optional("PARENT_UPRN", UPRN),
];
const RPC: Kind = Code(&["1", "2", "3", "4", "5", "9"]);
const BLPU_21_V2: [Col; 22] = concat(
    BLPU_HEAD,
    [
        // Mandatory in Great Britain; AddressBase Premium Islands leaves X and Y
        // empty where the British National Grid does not reach (Channel Islands).
        optional("X_COORDINATE", Easting),
        optional("Y_COORDINATE", Northing),
        optional("LATITUDE", Latitude),
        optional("LONGITUDE", Longitude),
        required("RPC", RPC),
        required("LOCAL_CUSTODIAN_CODE", Int(4)),
        required("COUNTRY", Code(&["E", "W", "S", "N", "L", "M", "J"])),
        required("START_DATE", Date),
        optional("END_DATE", Date),
        required("LAST_UPDATE_DATE", Date),
        required("ENTRY_DATE", Date),
        required("ADDRESSBASE_POSTAL", Code(&["D", "N", "C", "L"])),
        required("POSTCODE_LOCATOR", Postcode),
        required("MULTI_OCC_COUNT", Int(4)),
    ],
);
const BLPU_21_V1: [Col; 19] = concat(
    BLPU_HEAD,
    [
        required("X_COORDINATE", Easting),
        required("Y_COORDINATE", Northing),
        required("RPC", RPC),
        required("LOCAL_CUSTODIAN_CODE", Int(4)),
        required("START_DATE", Date),
        optional("END_DATE", Date),
        required("LAST_UPDATE_DATE", Date),
        required("ENTRY_DATE", Date),
        required("POSTAL_ADDRESS", Code(&["S", "N", "C", "M"])),
        required("POSTCODE_LOCATOR", Postcode),
        required("MULTI_OCC_COUNT", Int(4)),
    ],
);
/// DTF 8.1 extracts without LATITUDE/LONGITUDE (unconfirmed; see the module doc).
const BLPU_21_DTF81: [Col; 20] = concat(
    [
        required("RECORD_IDENTIFIER", Record(21)),
        optional("CHANGE_TYPE", CHANGE),
        optional("PRO_ORDER", Int(16)),
        required("UPRN", UPRN),
        required("LOGICAL_STATUS", Int(1)),
        optional("BLPU_STATE", Int(1)),
        optional("BLPU_STATE_DATE", Date),
        optional("PARENT_UPRN", UPRN),
    ],
    [
        optional("X_COORDINATE", Easting),
        optional("Y_COORDINATE", Northing),
        optional("RPC", Int(1)),
        optional("LOCAL_CUSTODIAN_CODE", Int(4)),
        optional("COUNTRY", Code(&["E", "W", "S", "N", "L", "M", "J"])),
        optional("START_DATE", Date),
        optional("END_DATE", Date),
        optional("LAST_UPDATE_DATE", Date),
        optional("ENTRY_DATE", Date),
        optional("ADDRESSBASE_POSTAL", Code(&["D", "N", "C", "L"])),
        optional("POSTCODE_LOCATOR", Postcode),
        optional("MULTI_OCC_COUNT", Int(4)),
    ],
);
const BLPU_21_DTF73: &[Col] = &[
    required("RECORD_IDENTIFIER", Record(21)),
    optional("CHANGE_TYPE", CHANGE),
    optional("PRO_ORDER", Int(16)),
    required("UPRN", UPRN),
    required("LOGICAL_STATUS", Int(1)),
    optional("BLPU_STATE", Int(1)),
    optional("BLPU_STATE_DATE", Date),
    optional("BLPU_CLASS", Text(6)),
    optional("PARENT_UPRN", UPRN),
    optional("X_COORDINATE", Easting),
    optional("Y_COORDINATE", Northing),
    optional("RPC", Int(1)),
    optional("LOCAL_CUSTODIAN_CODE", Int(4)),
    optional("START_DATE", Date),
    optional("END_DATE", Date),
    optional("LAST_UPDATE_DATE", Date),
    optional("ENTRY_DATE", Date),
    optional("ORGANISATION", Text(100)),
    optional("WARD_CODE", Text(10)),
    optional("PARISH_CODE", Text(10)),
    optional("CUSTODIAN_ONE", Int(4)),
    optional("CUSTODIAN_TWO", Int(4)),
    optional("CAN_KEY", Text(14)),
];

const XREF_23: [Col; 12] = concat(
    [
        required("RECORD_IDENTIFIER", Record(23)),
        required("CHANGE_TYPE", CHANGE),
        required("PRO_ORDER", Int(16)),
        required("UPRN", UPRN),
        required("XREF_KEY", Text(14)),
        required("CROSS_REFERENCE", Text(50)),
        optional("VERSION", Int(3)),
        required("SOURCE", Text(6)),
    ],
    dates!(),
);
const XREF_23_DTF73: &[Col] = &[
    required("RECORD_IDENTIFIER", Record(23)),
    optional("CHANGE_TYPE", CHANGE),
    optional("PRO_ORDER", Int(16)),
    required("UPRN", UPRN),
    required("XREF_KEY", Text(14)),
    optional("START_DATE", Date),
    optional("LAST_UPDATE_DATE", Date),
    optional("ENTRY_DATE", Date),
    optional("END_DATE", Date),
    optional("CROSS_REFERENCE", Text(50)),
    optional("SOURCE", Text(6)),
];

/// An LPI's secondary (SAO) then primary (PAO) addressable object.
const ADDRESSABLE_OBJECTS: [Col; 10] = [
    optional("SAO_START_NUMBER", Int(4)),
    optional("SAO_START_SUFFIX", Text(2)),
    optional("SAO_END_NUMBER", Int(4)),
    optional("SAO_END_SUFFIX", Text(2)),
    optional("SAO_TEXT", Text(90)),
    optional("PAO_START_NUMBER", Int(4)),
    optional("PAO_START_SUFFIX", Text(2)),
    optional("PAO_END_NUMBER", Int(4)),
    optional("PAO_END_SUFFIX", Text(2)),
    optional("PAO_TEXT", Text(90)),
];
const LPI_24: [Col; 26] = concat(
    concat::<11, 10, 21>(
        [
            required("RECORD_IDENTIFIER", Record(24)),
            required("CHANGE_TYPE", CHANGE),
            required("PRO_ORDER", Int(16)),
            required("UPRN", UPRN),
            required("LPI_KEY", Text(14)),
            required("LANGUAGE", LANGUAGE),
            required("LOGICAL_STATUS", Code(&["1", "3", "6", "8"])),
            required("START_DATE", Date),
            optional("END_DATE", Date),
            required("LAST_UPDATE_DATE", Date),
            required("ENTRY_DATE", Date),
        ],
        ADDRESSABLE_OBJECTS,
    ),
    [
        required("USRN", USRN),
        required("USRN_MATCH_INDICATOR", Code(&["1", "2"])),
        optional("AREA_NAME", Text(40)),
        optional("LEVEL", Text(30)),
        optional("OFFICIAL_FLAG", Code(&["Y", "N"])),
    ],
);
const LPI_24_DTF73: [Col; 30] = concat(
    concat::<11, 10, 21>(
        [
            required("RECORD_IDENTIFIER", Record(24)),
            optional("CHANGE_TYPE", CHANGE),
            optional("PRO_ORDER", Int(16)),
            required("UPRN", UPRN),
            required("LPI_KEY", Text(14)),
            optional("LANGUAGE", LANGUAGE),
            required("LOGICAL_STATUS", Int(1)),
            optional("START_DATE", Date),
            optional("END_DATE", Date),
            optional("ENTRY_DATE", Date),
            optional("LAST_UPDATE_DATE", Date),
        ],
        ADDRESSABLE_OBJECTS,
    ),
    [
        optional("USRN", USRN),
        optional("LEVEL", Text(30)),
        optional("POSTALLY_ADDRESSABLE", Text(1)),
        optional("POSTCODE", Postcode),
        optional("POST_TOWN", Text(30)),
        optional("OFFICIAL_FLAG", Code(&["Y", "N"])),
        optional("CUSTODIAN_ONE", Int(4)),
        optional("CUSTODIAN_TWO", Int(4)),
        optional("CAN_KEY", Text(14)),
    ],
);

const DPA_NAMES: [Col; 9] = [
    optional("ORGANISATION_NAME", Text(60)),
    optional("DEPARTMENT_NAME", Text(60)),
    optional("SUB_BUILDING_NAME", Text(30)),
    optional("BUILDING_NAME", Text(80)),
    optional("BUILDING_NUMBER", Int(4)),
    optional("DEPENDENT_THOROUGHFARE", Text(80)),
    optional("THOROUGHFARE", Text(80)),
    optional("DOUBLE_DEPENDENT_LOCALITY", Text(35)),
    optional("DEPENDENT_LOCALITY", Text(35)),
];
const DPA_TAIL: [Col; 11] = concat(
    [
        optional("WELSH_DEPENDENT_THOROUGHFARE", Text(80)),
        optional("WELSH_THOROUGHFARE", Text(80)),
        optional("WELSH_DOUBLE_DEPENDENT_LOCALITY", Text(35)),
        optional("WELSH_DEPENDENT_LOCALITY", Text(35)),
        optional("WELSH_POST_TOWN", Text(30)),
        optional("PO_BOX_NUMBER", Text(6)),
        required("PROCESS_DATE", Date),
    ],
    dates!(),
);
const DPA_28_V2: [Col; 29] = concat(
    concat::<14, 4, 18>(
        concat::<5, 9, 14>(
            [
                required("RECORD_IDENTIFIER", Record(28)),
                required("CHANGE_TYPE", CHANGE),
                required("PRO_ORDER", Int(16)),
                required("UPRN", UPRN),
                required("UDPRN", Int(8)),
            ],
            DPA_NAMES,
        ),
        [
            required("POST_TOWN", Text(30)),
            required("POSTCODE", Postcode),
            required("POSTCODE_TYPE", Code(&["S", "L"])),
            required("DELIVERY_POINT_SUFFIX", Suffix),
        ],
    ),
    DPA_TAIL,
);
/// Schema 1.0: PARENT_ADDRESSABLE_UPRN after UPRN, the UDPRN called RM_UDPRN, no
/// DELIVERY_POINT_SUFFIX: the same 29 columns as schema 2.0, in another order.
const DPA_28_V1: [Col; 29] = concat(
    concat::<15, 3, 18>(
        concat::<6, 9, 15>(
            [
                required("RECORD_IDENTIFIER", Record(28)),
                required("CHANGE_TYPE", CHANGE),
                required("PRO_ORDER", Int(16)),
                required("UPRN", UPRN),
                optional("PARENT_ADDRESSABLE_UPRN", UPRN),
                required("UDPRN", Int(8)),
            ],
            DPA_NAMES,
        ),
        [
            required("POST_TOWN", Text(30)),
            required("POSTCODE", Postcode),
            required("POSTCODE_TYPE", Code(&["S", "L"])),
        ],
    ),
    DPA_TAIL,
);

const METADATA_29: &[Col] = &[
    required("RECORD_IDENTIFIER", Record(29)),
    optional("GAZ_NAME", Text(60)),
    optional("GAZ_SCOPE", Text(60)),
    optional("TER_OF_USE", Text(60)),
    optional("LINKED_DATA", Text(100)),
    optional("GAZ_OWNER", Text(15)),
    optional("NGAZ_FREQ", Text(1)),
    optional("CUSTODIAN_NAME", Text(40)),
    optional("CUSTODIAN_UPRN", UPRN),
    optional("LOCAL_CUSTODIAN_CODE", Int(4)),
    optional("CO_ORD_SYSTEM", Text(40)),
    optional("CO_ORD_UNIT", Text(10)),
    optional("META_DATE", Date),
    optional("CLASS_SCHEME", Text(60)),
    optional("GAZ_DATE", Date),
    optional("LANGUAGE", Text(3)),
    optional("CHARACTER_SET", Text(30)),
];
const SUCCESSOR_30: [Col; 10] = concat(
    concat::<5, 4, 9>(
        [
            required("RECORD_IDENTIFIER", Record(30)),
            required("CHANGE_TYPE", CHANGE),
            required("PRO_ORDER", Int(16)),
            required("UPRN", UPRN),
            required("SUCC_KEY", Text(14)),
        ],
        dates!(),
    ),
    [required("SUCCESSOR", UPRN)],
);
const ORGANISATION_31: [Col; 11] = concat(
    [
        required("RECORD_IDENTIFIER", Record(31)),
        required("CHANGE_TYPE", CHANGE),
        required("PRO_ORDER", Int(16)),
        required("UPRN", UPRN),
        required("ORG_KEY", Text(14)),
        required("ORGANISATION", Text(100)),
        optional("LEGAL_NAME", Text(60)),
    ],
    dates!(),
);
const CLASSIFICATION_32: [Col; 12] = concat(
    [
        required("RECORD_IDENTIFIER", Record(32)),
        required("CHANGE_TYPE", CHANGE),
        required("PRO_ORDER", Int(16)),
        required("UPRN", UPRN),
        required("CLASS_KEY", Text(14)),
        required("CLASSIFICATION_CODE", Text(6)),
        required("CLASS_SCHEME", Text(60)),
        required("SCHEME_VERSION", Decimal),
    ],
    dates!(),
);
const TRAILER_99: &[Col] = &[
    required("RECORD_IDENTIFIER", Record(99)),
    required("NEXT_VOLUME_NUMBER", Int(3)),
    required("RECORD_COUNT", Int(16)),
    required("ENTRY_DATE", Date),
    required("TIME_STAMP", Time),
];

/// Every layout, most likely first within a record type.
pub(crate) static LAYOUTS: &[Layout] = &[
    Layout {
        record: 10,
        schemas: ALL,
        label: "header",
        cols: HEADER_10,
    },
    Layout {
        record: 11,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, with start/end latitude/longitude",
        cols: &STREET_11_V2,
    },
    Layout {
        record: 11,
        schemas: &[Schema::AbpV1, Schema::Dtf81],
        label: "schema 1.0, without latitude/longitude",
        cols: &STREET_11_V1,
    },
    Layout {
        record: 11,
        schemas: DTF73,
        label: "DTF 7.3 date order",
        cols: &STREET_11_DTF73,
    },
    Layout {
        record: 15,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, with dates",
        cols: &DESCRIPTOR_15_V2,
    },
    Layout {
        record: 15,
        schemas: &[Schema::AbpV1, Schema::Dtf73, Schema::Dtf81],
        label: "schema 1.0, without dates",
        cols: &DESCRIPTOR,
    },
    Layout {
        record: 21,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, with LATITUDE, LONGITUDE, COUNTRY",
        cols: &BLPU_21_V2,
    },
    Layout {
        record: 21,
        schemas: ABP_V1,
        label: "schema 1.0, POSTAL_ADDRESS, without LATITUDE, LONGITUDE, COUNTRY",
        cols: &BLPU_21_V1,
    },
    Layout {
        record: 21,
        schemas: DTF81,
        label: "DTF 8.1 without LATITUDE, LONGITUDE",
        cols: &BLPU_21_DTF81,
    },
    Layout {
        record: 21,
        schemas: DTF73,
        label: "DTF 7.3, BLPU_CLASS and ORGANISATION inline",
        cols: BLPU_21_DTF73,
    },
    Layout {
        record: 23,
        schemas: ABP_AND_DTF81,
        label: "standard",
        cols: &XREF_23,
    },
    Layout {
        record: 23,
        schemas: DTF73,
        label: "DTF 7.3",
        cols: XREF_23_DTF73,
    },
    Layout {
        record: 24,
        schemas: ABP_AND_DTF81,
        label: "standard",
        cols: &LPI_24,
    },
    Layout {
        record: 24,
        schemas: DTF73,
        label: "DTF 7.3, postal fields inline",
        cols: &LPI_24_DTF73,
    },
    Layout {
        record: 28,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, UDPRN and DELIVERY_POINT_SUFFIX",
        cols: &DPA_28_V2,
    },
    Layout {
        record: 28,
        schemas: ABP_V1,
        label: "schema 1.0, PARENT_ADDRESSABLE_UPRN and RM_UDPRN",
        cols: &DPA_28_V1,
    },
    Layout {
        record: 29,
        schemas: ALL,
        label: "metadata",
        cols: METADATA_29,
    },
    Layout {
        record: 30,
        schemas: ALL,
        label: "standard",
        cols: &SUCCESSOR_30,
    },
    Layout {
        record: 31,
        schemas: ALL,
        label: "standard",
        cols: &ORGANISATION_31,
    },
    Layout {
        record: 32,
        schemas: ALL,
        label: "standard",
        cols: &CLASSIFICATION_32,
    },
    Layout {
        record: 99,
        schemas: ALL,
        label: "trailer",
        cols: TRAILER_99,
    },
];

/// The layouts a record type may have in a schema (or, when the schema is not
/// known, in any AddressBase Premium schema or in any DTF schema).
pub(crate) fn layouts_for(record: u8, schemas: &[Schema]) -> Vec<&'static Layout> {
    LAYOUTS
        .iter()
        .filter(|l| l.record == record && l.schemas.iter().any(|s| schemas.contains(s)))
        .collect()
}

/// The AddressBase Premium schemas.
pub(crate) const ABP_SCHEMAS: &[Schema] = ABP;

/// Header names in Ordnance Survey's material (splitter headings, per-record header
/// files, schema 1.0 tables, Oracle control files) and in councils' exports that
/// differ from the names used here.
pub(crate) fn canonical(name: &str) -> &str {
    match name {
        "LOCALITY_NAME" => "LOCALITY",
        "ADMINSTRATIVE_AREA" => "ADMINISTRATIVE_AREA",
        "USRN_M_INDICATOR" => "USRN_MATCH_INDICATOR",
        "DOU_DEP_LOCALITY" => "DOUBLE_DEPENDENT_LOCALITY",
        "DEP_LOCALITY" => "DEPENDENT_LOCALITY",
        "WELSH_DOU_DEP_LOCALITY" => "WELSH_DOUBLE_DEPENDENT_LOCALITY",
        "WELSH_DEP_LOCALITY" => "WELSH_DEPENDENT_LOCALITY",
        "WELSH_DEP_THOROUGHFARE"
        | "WELSH_DEP_THOROUGHFARE_NAME"
        | "WELSH_DEPENDENT_THOROUGHFARE_NAME" => "WELSH_DEPENDENT_THOROUGHFARE",
        "WELSH_THOROUGHFARE_NAME" => "WELSH_THOROUGHFARE",
        "DEPENDENT_THOROUGHFARE_NAME" | "DEP_THOROUGHFARE_NAME" => "DEPENDENT_THOROUGHFARE",
        "THOROUGHFARE_NAME" => "THOROUGHFARE",
        "PARENT_ADD_UPRN" => "PARENT_ADDRESSABLE_UPRN",
        "RM_UDPRN" => "UDPRN",
        "RM_PO_BOX_NUMBER" => "PO_BOX_NUMBER",
        "RM_PROCESS_DATE" => "PROCESS_DATE",
        "LOCAL_CUSTODIAN_NAME" => "LOCAL_CUSTODIAN_CODE",
        "STREET_DESCRIPTOR" => "STREET_DESCRIPTION",
        "ADDLEVEL" | "V_LEVEL" | "LEVEL_FIELD" => "LEVEL",
        "ADDRESSBASE_POSTAL_CODE" => "ADDRESSBASE_POSTAL",
        "POSTAL_CODE_LOCATOR" => "POSTCODE_LOCATOR",
        "RPA" => "RPC",
        "NEXT_VOLUME_NAME" => "NEXT_VOLUME_NUMBER",
        other => other,
    }
}
