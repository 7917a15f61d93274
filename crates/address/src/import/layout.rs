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
//! record types in four families), and reading them side by side is the point.
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

const fn m(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        required: true,
    }
}
const fn o(name: &'static str, kind: Kind) -> Col {
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
const V1: &[Schema] = &[Schema::AbpV1];
const ABP: &[Schema] = &[Schema::AbpV1, Schema::AbpV2];
const ALL: &[Schema] = &[Schema::AbpV1, Schema::AbpV2, Schema::Dtf73, Schema::Dtf81];
const ABP_81: &[Schema] = &[Schema::AbpV1, Schema::AbpV2, Schema::Dtf81];
const D73: &[Schema] = &[Schema::Dtf73];
const D81: &[Schema] = &[Schema::Dtf81];

/// The four dates that close most records, in AddressBase order.
macro_rules! dates {
    () => {
        [
            m("START_DATE", Date),
            o("END_DATE", Date),
            m("LAST_UPDATE_DATE", Date),
            m("ENTRY_DATE", Date),
        ]
    };
}

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [Col; A],
    b: [Col; B],
) -> [Col; N] {
    let mut out = [o("", Decimal); N];
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

const C10: &[Col] = &[
    m("RECORD_IDENTIFIER", Record(10)),
    m("CUSTODIAN_NAME", Text(40)),
    m("LOCAL_CUSTODIAN_CODE", Int(4)),
    m("PROCESS_DATE", Date),
    m("VOLUME_NUMBER", Int(3)),
    m("ENTRY_DATE", Date),
    m("TIME_STAMP", Time),
    m("VERSION", Text(8)),
    m("FILE_TYPE", Code(&["F", "C"])),
];

const STREET_HEAD: [Col; 10] = [
    m("RECORD_IDENTIFIER", Record(11)),
    m("CHANGE_TYPE", CHANGE),
    m("PRO_ORDER", Int(16)),
    m("USRN", USRN),
    m("RECORD_TYPE", Code(&["1", "2", "3", "4", "9"])),
    m("SWA_ORG_REF_NAMING", Int(4)),
    o("STATE", Int(1)),
    o("STATE_DATE", Date),
    o("STREET_SURFACE", Int(1)),
    o("STREET_CLASSIFICATION", Int(2)),
];
const STREET_DATES_ABP: [Col; 5] = [
    m("VERSION", Int(3)),
    m("STREET_START_DATE", Date),
    o("STREET_END_DATE", Date),
    m("LAST_UPDATE_DATE", Date),
    m("RECORD_ENTRY_DATE", Date),
];
const STREET_DATES_73: [Col; 5] = [
    m("VERSION", Int(3)),
    m("RECORD_ENTRY_DATE", Date),
    m("LAST_UPDATE_DATE", Date),
    m("STREET_START_DATE", Date),
    o("STREET_END_DATE", Date),
];
const STREET_XY: [Col; 5] = [
    o("STREET_START_X", Easting),
    o("STREET_START_Y", Northing),
    o("STREET_END_X", Easting),
    o("STREET_END_Y", Northing),
    m("STREET_TOLERANCE", Int(3)),
];
const STREET_XY_LL: [Col; 9] = [
    o("STREET_START_X", Easting),
    o("STREET_START_Y", Northing),
    o("STREET_START_LAT", Latitude),
    o("STREET_START_LONG", Longitude),
    o("STREET_END_X", Easting),
    o("STREET_END_Y", Northing),
    o("STREET_END_LAT", Latitude),
    o("STREET_END_LONG", Longitude),
    m("STREET_TOLERANCE", Int(3)),
];
const C11_V2: [Col; 24] = concat(
    concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_ABP),
    STREET_XY_LL,
);
const C11_V1: [Col; 20] = concat(
    concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_ABP),
    STREET_XY,
);
const C11_73: [Col; 20] = concat(concat::<10, 5, 15>(STREET_HEAD, STREET_DATES_73), STREET_XY);

const DESCRIPTOR: [Col; 9] = [
    m("RECORD_IDENTIFIER", Record(15)),
    m("CHANGE_TYPE", CHANGE),
    m("PRO_ORDER", Int(16)),
    m("USRN", USRN),
    m("STREET_DESCRIPTION", Text(110)),
    o("LOCALITY", Text(35)),
    o("TOWN_NAME", Text(30)),
    m("ADMINISTRATIVE_AREA", Text(30)),
    m("LANGUAGE", LANGUAGE),
];
const C15_V2: [Col; 13] = concat(DESCRIPTOR, dates!());

const BLPU_HEAD: [Col; 8] = [
    m("RECORD_IDENTIFIER", Record(21)),
    m("CHANGE_TYPE", CHANGE),
    m("PRO_ORDER", Int(16)),
    m("UPRN", UPRN),
    m("LOGICAL_STATUS", Code(&["1", "6", "8"])),
    o("BLPU_STATE", Int(1)),
    o("BLPU_STATE_DATE", Date),
    o("PARENT_UPRN", UPRN),
];
const RPC: Kind = Code(&["1", "2", "3", "4", "5", "9"]);
const C21_V2: [Col; 22] = concat(
    BLPU_HEAD,
    [
        // Mandatory in Great Britain; AddressBase Premium Islands leaves X and Y
        // empty where the British National Grid does not reach (Channel Islands).
        o("X_COORDINATE", Easting),
        o("Y_COORDINATE", Northing),
        o("LATITUDE", Latitude),
        o("LONGITUDE", Longitude),
        m("RPC", RPC),
        m("LOCAL_CUSTODIAN_CODE", Int(4)),
        m("COUNTRY", Code(&["E", "W", "S", "N", "L", "M", "J"])),
        m("START_DATE", Date),
        o("END_DATE", Date),
        m("LAST_UPDATE_DATE", Date),
        m("ENTRY_DATE", Date),
        m("ADDRESSBASE_POSTAL", Code(&["D", "N", "C", "L"])),
        m("POSTCODE_LOCATOR", Postcode),
        m("MULTI_OCC_COUNT", Int(4)),
    ],
);
const C21_V1: [Col; 19] = concat(
    BLPU_HEAD,
    [
        m("X_COORDINATE", Easting),
        m("Y_COORDINATE", Northing),
        m("RPC", RPC),
        m("LOCAL_CUSTODIAN_CODE", Int(4)),
        m("START_DATE", Date),
        o("END_DATE", Date),
        m("LAST_UPDATE_DATE", Date),
        m("ENTRY_DATE", Date),
        m("POSTAL_ADDRESS", Code(&["S", "N", "C", "M"])),
        m("POSTCODE_LOCATOR", Postcode),
        m("MULTI_OCC_COUNT", Int(4)),
    ],
);
/// DTF 8.1 extracts without LATITUDE/LONGITUDE (unconfirmed; see the module doc).
const C21_81: [Col; 20] = concat(
    [
        m("RECORD_IDENTIFIER", Record(21)),
        o("CHANGE_TYPE", CHANGE),
        o("PRO_ORDER", Int(16)),
        m("UPRN", UPRN),
        m("LOGICAL_STATUS", Int(1)),
        o("BLPU_STATE", Int(1)),
        o("BLPU_STATE_DATE", Date),
        o("PARENT_UPRN", UPRN),
    ],
    [
        o("X_COORDINATE", Easting),
        o("Y_COORDINATE", Northing),
        o("RPC", Int(1)),
        o("LOCAL_CUSTODIAN_CODE", Int(4)),
        o("COUNTRY", Code(&["E", "W", "S", "N", "L", "M", "J"])),
        o("START_DATE", Date),
        o("END_DATE", Date),
        o("LAST_UPDATE_DATE", Date),
        o("ENTRY_DATE", Date),
        o("ADDRESSBASE_POSTAL", Code(&["D", "N", "C", "L"])),
        o("POSTCODE_LOCATOR", Postcode),
        o("MULTI_OCC_COUNT", Int(4)),
    ],
);
const C21_73: &[Col] = &[
    m("RECORD_IDENTIFIER", Record(21)),
    o("CHANGE_TYPE", CHANGE),
    o("PRO_ORDER", Int(16)),
    m("UPRN", UPRN),
    m("LOGICAL_STATUS", Int(1)),
    o("BLPU_STATE", Int(1)),
    o("BLPU_STATE_DATE", Date),
    o("BLPU_CLASS", Text(6)),
    o("PARENT_UPRN", UPRN),
    o("X_COORDINATE", Easting),
    o("Y_COORDINATE", Northing),
    o("RPC", Int(1)),
    o("LOCAL_CUSTODIAN_CODE", Int(4)),
    o("START_DATE", Date),
    o("END_DATE", Date),
    o("LAST_UPDATE_DATE", Date),
    o("ENTRY_DATE", Date),
    o("ORGANISATION", Text(100)),
    o("WARD_CODE", Text(10)),
    o("PARISH_CODE", Text(10)),
    o("CUSTODIAN_ONE", Int(4)),
    o("CUSTODIAN_TWO", Int(4)),
    o("CAN_KEY", Text(14)),
];

const C23: [Col; 12] = concat(
    [
        m("RECORD_IDENTIFIER", Record(23)),
        m("CHANGE_TYPE", CHANGE),
        m("PRO_ORDER", Int(16)),
        m("UPRN", UPRN),
        m("XREF_KEY", Text(14)),
        m("CROSS_REFERENCE", Text(50)),
        o("VERSION", Int(3)),
        m("SOURCE", Text(6)),
    ],
    dates!(),
);
const C23_73: &[Col] = &[
    m("RECORD_IDENTIFIER", Record(23)),
    o("CHANGE_TYPE", CHANGE),
    o("PRO_ORDER", Int(16)),
    m("UPRN", UPRN),
    m("XREF_KEY", Text(14)),
    o("START_DATE", Date),
    o("LAST_UPDATE_DATE", Date),
    o("ENTRY_DATE", Date),
    o("END_DATE", Date),
    o("CROSS_REFERENCE", Text(50)),
    o("SOURCE", Text(6)),
];

const AO: [Col; 10] = [
    o("SAO_START_NUMBER", Int(4)),
    o("SAO_START_SUFFIX", Text(2)),
    o("SAO_END_NUMBER", Int(4)),
    o("SAO_END_SUFFIX", Text(2)),
    o("SAO_TEXT", Text(90)),
    o("PAO_START_NUMBER", Int(4)),
    o("PAO_START_SUFFIX", Text(2)),
    o("PAO_END_NUMBER", Int(4)),
    o("PAO_END_SUFFIX", Text(2)),
    o("PAO_TEXT", Text(90)),
];
const C24: [Col; 26] = concat(
    concat::<11, 10, 21>(
        [
            m("RECORD_IDENTIFIER", Record(24)),
            m("CHANGE_TYPE", CHANGE),
            m("PRO_ORDER", Int(16)),
            m("UPRN", UPRN),
            m("LPI_KEY", Text(14)),
            m("LANGUAGE", LANGUAGE),
            m("LOGICAL_STATUS", Code(&["1", "3", "6", "8"])),
            m("START_DATE", Date),
            o("END_DATE", Date),
            m("LAST_UPDATE_DATE", Date),
            m("ENTRY_DATE", Date),
        ],
        AO,
    ),
    [
        m("USRN", USRN),
        m("USRN_MATCH_INDICATOR", Code(&["1", "2"])),
        o("AREA_NAME", Text(40)),
        o("LEVEL", Text(30)),
        o("OFFICIAL_FLAG", Code(&["Y", "N"])),
    ],
);
const C24_73: [Col; 30] = concat(
    concat::<11, 10, 21>(
        [
            m("RECORD_IDENTIFIER", Record(24)),
            o("CHANGE_TYPE", CHANGE),
            o("PRO_ORDER", Int(16)),
            m("UPRN", UPRN),
            m("LPI_KEY", Text(14)),
            o("LANGUAGE", LANGUAGE),
            m("LOGICAL_STATUS", Int(1)),
            o("START_DATE", Date),
            o("END_DATE", Date),
            o("ENTRY_DATE", Date),
            o("LAST_UPDATE_DATE", Date),
        ],
        AO,
    ),
    [
        o("USRN", USRN),
        o("LEVEL", Text(30)),
        o("POSTALLY_ADDRESSABLE", Text(1)),
        o("POSTCODE", Postcode),
        o("POST_TOWN", Text(30)),
        o("OFFICIAL_FLAG", Code(&["Y", "N"])),
        o("CUSTODIAN_ONE", Int(4)),
        o("CUSTODIAN_TWO", Int(4)),
        o("CAN_KEY", Text(14)),
    ],
);

const DPA_NAMES: [Col; 9] = [
    o("ORGANISATION_NAME", Text(60)),
    o("DEPARTMENT_NAME", Text(60)),
    o("SUB_BUILDING_NAME", Text(30)),
    o("BUILDING_NAME", Text(80)),
    o("BUILDING_NUMBER", Int(4)),
    o("DEPENDENT_THOROUGHFARE", Text(80)),
    o("THOROUGHFARE", Text(80)),
    o("DOUBLE_DEPENDENT_LOCALITY", Text(35)),
    o("DEPENDENT_LOCALITY", Text(35)),
];
const DPA_TAIL: [Col; 11] = concat(
    [
        o("WELSH_DEPENDENT_THOROUGHFARE", Text(80)),
        o("WELSH_THOROUGHFARE", Text(80)),
        o("WELSH_DOUBLE_DEPENDENT_LOCALITY", Text(35)),
        o("WELSH_DEPENDENT_LOCALITY", Text(35)),
        o("WELSH_POST_TOWN", Text(30)),
        o("PO_BOX_NUMBER", Text(6)),
        m("PROCESS_DATE", Date),
    ],
    dates!(),
);
const C28_V2: [Col; 29] = concat(
    concat::<14, 4, 18>(
        concat::<5, 9, 14>(
            [
                m("RECORD_IDENTIFIER", Record(28)),
                m("CHANGE_TYPE", CHANGE),
                m("PRO_ORDER", Int(16)),
                m("UPRN", UPRN),
                m("UDPRN", Int(8)),
            ],
            DPA_NAMES,
        ),
        [
            m("POST_TOWN", Text(30)),
            m("POSTCODE", Postcode),
            m("POSTCODE_TYPE", Code(&["S", "L"])),
            m("DELIVERY_POINT_SUFFIX", Suffix),
        ],
    ),
    DPA_TAIL,
);
/// Schema 1.0: PARENT_ADDRESSABLE_UPRN after UPRN, the UDPRN called RM_UDPRN, no
/// DELIVERY_POINT_SUFFIX: the same 29 columns as schema 2.0, in another order.
const C28_V1: [Col; 29] = concat(
    concat::<15, 3, 18>(
        concat::<6, 9, 15>(
            [
                m("RECORD_IDENTIFIER", Record(28)),
                m("CHANGE_TYPE", CHANGE),
                m("PRO_ORDER", Int(16)),
                m("UPRN", UPRN),
                o("PARENT_ADDRESSABLE_UPRN", UPRN),
                m("UDPRN", Int(8)),
            ],
            DPA_NAMES,
        ),
        [
            m("POST_TOWN", Text(30)),
            m("POSTCODE", Postcode),
            m("POSTCODE_TYPE", Code(&["S", "L"])),
        ],
    ),
    DPA_TAIL,
);

const C29: &[Col] = &[
    m("RECORD_IDENTIFIER", Record(29)),
    o("GAZ_NAME", Text(60)),
    o("GAZ_SCOPE", Text(60)),
    o("TER_OF_USE", Text(60)),
    o("LINKED_DATA", Text(100)),
    o("GAZ_OWNER", Text(15)),
    o("NGAZ_FREQ", Text(1)),
    o("CUSTODIAN_NAME", Text(40)),
    o("CUSTODIAN_UPRN", UPRN),
    o("LOCAL_CUSTODIAN_CODE", Int(4)),
    o("CO_ORD_SYSTEM", Text(40)),
    o("CO_ORD_UNIT", Text(10)),
    o("META_DATE", Date),
    o("CLASS_SCHEME", Text(60)),
    o("GAZ_DATE", Date),
    o("LANGUAGE", Text(3)),
    o("CHARACTER_SET", Text(30)),
];
const C30: [Col; 10] = concat(
    concat::<5, 4, 9>(
        [
            m("RECORD_IDENTIFIER", Record(30)),
            m("CHANGE_TYPE", CHANGE),
            m("PRO_ORDER", Int(16)),
            m("UPRN", UPRN),
            m("SUCC_KEY", Text(14)),
        ],
        dates!(),
    ),
    [m("SUCCESSOR", UPRN)],
);
const C31: [Col; 11] = concat(
    [
        m("RECORD_IDENTIFIER", Record(31)),
        m("CHANGE_TYPE", CHANGE),
        m("PRO_ORDER", Int(16)),
        m("UPRN", UPRN),
        m("ORG_KEY", Text(14)),
        m("ORGANISATION", Text(100)),
        o("LEGAL_NAME", Text(60)),
    ],
    dates!(),
);
const C32: [Col; 12] = concat(
    [
        m("RECORD_IDENTIFIER", Record(32)),
        m("CHANGE_TYPE", CHANGE),
        m("PRO_ORDER", Int(16)),
        m("UPRN", UPRN),
        m("CLASS_KEY", Text(14)),
        m("CLASSIFICATION_CODE", Text(6)),
        m("CLASS_SCHEME", Text(60)),
        m("SCHEME_VERSION", Decimal),
    ],
    dates!(),
);
const C99: &[Col] = &[
    m("RECORD_IDENTIFIER", Record(99)),
    m("NEXT_VOLUME_NUMBER", Int(3)),
    m("RECORD_COUNT", Int(16)),
    m("ENTRY_DATE", Date),
    m("TIME_STAMP", Time),
];

/// Every layout, most likely first within a record type.
pub(crate) static LAYOUTS: &[Layout] = &[
    Layout {
        record: 10,
        schemas: ALL,
        label: "header",
        cols: C10,
    },
    Layout {
        record: 11,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, with start/end latitude/longitude",
        cols: &C11_V2,
    },
    Layout {
        record: 11,
        schemas: &[Schema::AbpV1, Schema::Dtf81],
        label: "schema 1.0, without latitude/longitude",
        cols: &C11_V1,
    },
    Layout {
        record: 11,
        schemas: D73,
        label: "DTF 7.3 date order",
        cols: &C11_73,
    },
    Layout {
        record: 15,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, with dates",
        cols: &C15_V2,
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
        cols: &C21_V2,
    },
    Layout {
        record: 21,
        schemas: V1,
        label: "schema 1.0, POSTAL_ADDRESS, without LATITUDE, LONGITUDE, COUNTRY",
        cols: &C21_V1,
    },
    Layout {
        record: 21,
        schemas: D81,
        label: "DTF 8.1 without LATITUDE, LONGITUDE",
        cols: &C21_81,
    },
    Layout {
        record: 21,
        schemas: D73,
        label: "DTF 7.3, BLPU_CLASS and ORGANISATION inline",
        cols: C21_73,
    },
    Layout {
        record: 23,
        schemas: ABP_81,
        label: "standard",
        cols: &C23,
    },
    Layout {
        record: 23,
        schemas: D73,
        label: "DTF 7.3",
        cols: C23_73,
    },
    Layout {
        record: 24,
        schemas: ABP_81,
        label: "standard",
        cols: &C24,
    },
    Layout {
        record: 24,
        schemas: D73,
        label: "DTF 7.3, postal fields inline",
        cols: &C24_73,
    },
    Layout {
        record: 28,
        schemas: &[Schema::AbpV2, Schema::Dtf81],
        label: "schema 2.0, UDPRN and DELIVERY_POINT_SUFFIX",
        cols: &C28_V2,
    },
    Layout {
        record: 28,
        schemas: V1,
        label: "schema 1.0, PARENT_ADDRESSABLE_UPRN and RM_UDPRN",
        cols: &C28_V1,
    },
    Layout {
        record: 29,
        schemas: ALL,
        label: "metadata",
        cols: C29,
    },
    Layout {
        record: 30,
        schemas: ALL,
        label: "standard",
        cols: &C30,
    },
    Layout {
        record: 31,
        schemas: ALL,
        label: "standard",
        cols: &C31,
    },
    Layout {
        record: 32,
        schemas: ALL,
        label: "standard",
        cols: &C32,
    },
    Layout {
        record: 99,
        schemas: ALL,
        label: "trailer",
        cols: C99,
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

/// Checks one field's text against its column; `Err` is the reason, to follow
/// "column NAME: ".
pub(crate) fn check(col: &Col, raw: &str) -> Result<(), String> {
    let v = raw.trim();
    if v.is_empty() {
        return if col.required {
            Err("is empty, and the specification makes it mandatory".into())
        } else {
            Ok(())
        };
    }
    match col.kind {
        Record(n) => {
            if v.parse::<u8>().ok() == Some(n) {
                Ok(())
            } else {
                Err(format!("'{v}' is not {n}"))
            }
        }
        Int(digits) => {
            let t = v
                .strip_suffix(".0")
                .or_else(|| v.strip_suffix(".00"))
                .unwrap_or(v);
            if !t.is_empty() && t.len() <= digits as usize && t.bytes().all(|b| b.is_ascii_digit())
            {
                Ok(())
            } else {
                Err(format!(
                    "'{v}' is not a whole number of at most {digits} digits"
                ))
            }
        }
        Text(max) => {
            let n = v.chars().count();
            if n <= max as usize {
                Ok(())
            } else {
                Err(format!(
                    "{n} characters, more than the {max} the specification allows"
                ))
            }
        }
        Date => {
            let b = v.as_bytes();
            if b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && crate::model::Date::parse(v).is_some()
            {
                Ok(())
            } else {
                Err(format!("'{v}' is not a date (CCYY-MM-DD)"))
            }
        }
        Time => {
            let b = v.as_bytes();
            let ok = match b.len() {
                8 => b[2] == b':' && b[5] == b':' && hms(&b[0..2], &b[3..5], &b[6..8]),
                6 => hms(&b[0..2], &b[2..4], &b[4..6]),
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(format!("'{v}' is not a time (HH:MM:SS)"))
            }
        }
        Easting => range(
            v,
            0.0,
            700_000.0,
            "a British National Grid easting (0 to 700000 m)",
        ),
        Northing => range(
            v,
            0.0,
            1_250_000.0,
            "a British National Grid northing (0 to 1250000 m)",
        ),
        Latitude => range(
            v,
            49.0,
            61.0,
            "an ETRS89 latitude in the British Isles (49 to 61)",
        ),
        Longitude => range(
            v,
            -11.0,
            2.5,
            "an ETRS89 longitude in the British Isles (-11 to 2.5)",
        ),
        Postcode => {
            // Stored with a single space (`DD5 3BZ`): the shape and the area are checked.
            if v.len() <= 8 && crate::postcode::Postcode::parse_lenient(v).is_some() {
                Ok(())
            } else {
                Err(format!("'{v}' is not a postcode"))
            }
        }
        Suffix => {
            let b = v.as_bytes();
            if b.len() == 2 && b[0].is_ascii_digit() && b[1].is_ascii_uppercase() {
                Ok(())
            } else {
                Err(format!(
                    "'{v}' is not a delivery point suffix (a digit and a letter, as in 1A)"
                ))
            }
        }
        Code(list) => {
            if list.contains(&v) {
                Ok(())
            } else {
                Err(format!("'{v}' is not one of {}", list.join(", ")))
            }
        }
        Decimal => match v.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(()),
            _ => Err(format!("'{v}' is not a number")),
        },
    }
}

fn hms(h: &[u8], m: &[u8], s: &[u8]) -> bool {
    let n = |d: &[u8]| -> Option<u32> {
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |a, b| a * 10 + u32::from(b - b'0')))
    };
    matches!((n(h), n(m), n(s)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

fn range(v: &str, lo: f64, hi: f64, what: &str) -> Result<(), String> {
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() && (lo..=hi).contains(&f) => Ok(()),
        _ => Err(format!("'{v}' is not {what}")),
    }
}
