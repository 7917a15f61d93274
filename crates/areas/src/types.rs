//! The records of `council:parish/areas` (`wit/parish/areas.wit`) as Rust types, in
//! the shape wit-bindgen gives them, so that the parish-routing component binds them
//! directly (wit-bindgen's `with:` remapping); the routing records in [`crate::rules`]
//! are bound the same way.
//!
//! The shape is what wit-bindgen's generated lift and lower code builds and takes
//! apart by name: WIT `kebab-case` fields become `snake_case` fields, `option<T>` is
//! `Option<T>`, `list<T>` is `Vec<T>`, and an `enum` is a fieldless enum whose cases
//! are declared in the WIT's order: it crosses the ABI as its discriminant, lowered
//! with `as` and lifted with its `_lift` function, the one item wit-bindgen asks of a
//! remapped type beyond its shape.

use std::fmt;
use std::str::FromStr;

/// Kinds of area, with MapIt's three-letter type codes (WIT `area-type`).
///
/// The declaration order is the order of [`AreaType::ALL`]; [`AreaType::rank`] gives
/// the smallest-to-largest order in which `areas_at` returns areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaType {
    /// `CPC` civil parish or community (has a parish, town or community council).
    Cpc,
    /// `CPW` parish ward.
    Cpw,
    /// `NCP` non-parished area: the part of a district with no parish.
    Ncp,
    /// `DIS` district council (two-tier areas).
    Dis,
    /// `DIW` district ward.
    Diw,
    /// `CTY` county council.
    Cty,
    /// `CED` county electoral division.
    Ced,
    /// `UTA` unitary authority.
    Uta,
    /// `UTW` unitary authority ward.
    Utw,
    /// `MTD` metropolitan district (borough).
    Mtd,
    /// `MTW` metropolitan district ward.
    Mtw,
    /// `LBO` London borough.
    Lbo,
    /// `LBW` London borough ward.
    Lbw,
    /// `COI` Isles of Scilly council.
    Coi,
    /// `LGD` Northern Ireland local government district.
    Lgd,
    /// `WMC` Westminster parliamentary constituency.
    Wmc,
}

impl AreaType {
    /// Every type, in WIT declaration order.
    pub const ALL: [AreaType; 16] = [
        AreaType::Cpc,
        AreaType::Cpw,
        AreaType::Ncp,
        AreaType::Dis,
        AreaType::Diw,
        AreaType::Cty,
        AreaType::Ced,
        AreaType::Uta,
        AreaType::Utw,
        AreaType::Mtd,
        AreaType::Mtw,
        AreaType::Lbo,
        AreaType::Lbw,
        AreaType::Coi,
        AreaType::Lgd,
        AreaType::Wmc,
    ];

    /// Types whose council is the lower tier for a parish: the "district" of routing,
    /// the parent of a parish and the owner of a non-parished (`NCP`) area.
    pub const DISTRICT_LEVEL: [AreaType; 5] = [
        AreaType::Dis,
        AreaType::Mtd,
        AreaType::Lbo,
        AreaType::Uta,
        AreaType::Coi,
    ];

    /// MapIt's code (`CPC`).
    pub fn code(self) -> &'static str {
        match self {
            AreaType::Cpc => "CPC",
            AreaType::Cpw => "CPW",
            AreaType::Ncp => "NCP",
            AreaType::Dis => "DIS",
            AreaType::Diw => "DIW",
            AreaType::Cty => "CTY",
            AreaType::Ced => "CED",
            AreaType::Uta => "UTA",
            AreaType::Utw => "UTW",
            AreaType::Mtd => "MTD",
            AreaType::Mtw => "MTW",
            AreaType::Lbo => "LBO",
            AreaType::Lbw => "LBW",
            AreaType::Coi => "COI",
            AreaType::Lgd => "LGD",
            AreaType::Wmc => "WMC",
        }
    }

    /// The byte stored in the index (`docs/boundary-index.md`): the position in
    /// [`AreaType::ALL`].
    pub fn to_u8(self) -> u8 {
        AreaType::ALL
            .iter()
            .position(|t| *t == self)
            .map_or(u8::MAX, |p| p as u8)
    }

    /// The type stored as `b` in the index, if any.
    pub fn from_u8(b: u8) -> Option<AreaType> {
        AreaType::ALL.get(usize::from(b)).copied()
    }

    /// The case with discriminant `val` (its position in WIT `area-type`, which
    /// [`AreaType::ALL`] follows): how wit-bindgen's generated code lifts this enum in
    /// the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        if (val as usize) < AreaType::ALL.len() {
            AreaType::ALL[val as usize]
        } else {
            panic!("invalid `area-type` discriminant")
        }
    }

    /// Position in the smallest-to-largest order of `areas_at` results: parish ward,
    /// parish, non-parished area, wards, county division, district-level councils,
    /// constituency, county.
    pub fn rank(self) -> u8 {
        match self {
            AreaType::Cpw => 0,
            AreaType::Cpc => 1,
            AreaType::Ncp => 2,
            AreaType::Diw => 3,
            AreaType::Utw => 4,
            AreaType::Mtw => 5,
            AreaType::Lbw => 6,
            AreaType::Ced => 7,
            AreaType::Dis => 8,
            AreaType::Mtd => 9,
            AreaType::Lbo => 10,
            AreaType::Uta => 11,
            AreaType::Coi => 12,
            AreaType::Lgd => 13,
            AreaType::Wmc => 14,
            AreaType::Cty => 15,
        }
    }

    /// Whether this is a ward type (`DIW`, `UTW`, `MTW`, `LBW`).
    pub fn is_ward(self) -> bool {
        matches!(
            self,
            AreaType::Diw | AreaType::Utw | AreaType::Mtw | AreaType::Lbw
        )
    }

    /// Whether this type is a lower-tier council area (see [`AreaType::DISTRICT_LEVEL`]).
    pub fn is_district_level(self) -> bool {
        AreaType::DISTRICT_LEVEL.contains(&self)
    }

    /// The ward type of wards whose parent is an area of this type (`MTD` → `MTW`).
    pub fn ward_type(self) -> Option<AreaType> {
        match self {
            AreaType::Dis => Some(AreaType::Diw),
            AreaType::Mtd => Some(AreaType::Mtw),
            AreaType::Uta => Some(AreaType::Utw),
            AreaType::Lbo => Some(AreaType::Lbw),
            _ => None,
        }
    }
}

impl fmt::Display for AreaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Returned when a string is not one of MapIt's area type codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown area type {0:?} (expected one of CPC, CPW, NCP, DIS, DIW, CTY, CED, UTA, UTW, MTD, MTW, LBO, LBW, COI, LGD, WMC)"
)]
pub struct UnknownAreaType(pub String);

impl FromStr for AreaType {
    type Err = UnknownAreaType;

    /// Parses a MapIt type code, case-insensitively (`cpc`, `CPC`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AreaType::ALL
            .iter()
            .find(|t| t.code().eq_ignore_ascii_case(s))
            .copied()
            .ok_or_else(|| UnknownAreaType(s.to_string()))
    }
}

/// A position in WGS84 / ETRS89 (EPSG:4326), in decimal degrees (WIT `wgs84-point`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wgs84Point {
    /// Degrees east of Greenwich (negative to the west).
    pub longitude: f64,
    /// Degrees north of the equator.
    pub latitude: f64,
}

/// A query position in either coordinate system (WIT `point`). Its `bng` case is
/// `council_bng::Bng`, whose fields are the WIT `bng-point`'s. [`AreaIndex`](crate::AreaIndex)
/// answers for WGS84 longitudes and latitudes: whoever answers `areas-at` converts a
/// BNG point with OSTN15 first (`council_bng::to_lonlat`, as parish-routing does).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A British National Grid easting and northing (OSGB36, EPSG:27700), in metres.
    Bng(council_bng::Bng),
    /// A WGS84 longitude and latitude.
    Wgs84(Wgs84Point),
}

/// A closed ring of WGS84 positions; the first position is repeated at the end
/// (WIT `ring`).
pub type Ring = Vec<Wgs84Point>;

/// A polygon: its outer ring (counter-clockwise), then any holes (clockwise), as
/// RFC 7946 §3.1.6 recommends (WIT `polygon`).
pub type Polygon = Vec<Ring>;

/// An area a point lies in (WIT `area`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Area {
    /// The area's GSS code (`E04000011`); for a non-parished area, the ONS code given
    /// at import (`E43000163`) or `<district>-NCP`.
    pub code: String,
    /// The area's name (`Partington`, `Trafford`).
    pub name: String,
    /// The kind of area.
    pub area_type: AreaType,
    /// The GSS code of the area that contains it (parish → district → county), if
    /// known.
    pub parent_code: Option<String>,
    /// Country code: `E` England, `W` Wales, `S` Scotland, `N` Northern Ireland;
    /// empty when unknown.
    pub country: String,
}

/// An area with the facts MapIt's `/area` gives (WIT `area-details`).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaDetails {
    /// The area itself.
    pub area: Area,
    /// Bounding box, south-west corner (for an `NCP` area: its district's).
    pub min: Wgs84Point,
    /// Bounding box, north-east corner.
    pub max: Wgs84Point,
    /// Number of polygons in its geometry (0 for an `NCP` area, which has none).
    pub polygon_count: u32,
    /// Number of vertices in its geometry, closing positions not counted twice.
    pub vertex_count: u32,
    /// GSS codes of areas whose parent is this area, in code order.
    pub children: Vec<String>,
    /// The boundary release it came from (`ONS Parishes May 2023`).
    pub generation: String,
}

// `BodyTier` is a routing record and is declared with the rules; its ABI lift is kept
// here with the other enum's.
impl crate::rules::BodyTier {
    /// The case with discriminant `val` (its position in WIT `body-tier`): how
    /// wit-bindgen's generated code lifts this enum in the components that bind it.
    #[doc(hidden)]
    pub const fn _lift(val: u8) -> Self {
        use crate::rules::BodyTier;
        match val {
            0 => BodyTier::Parish,
            1 => BodyTier::District,
            2 => BodyTier::County,
            3 => BodyTier::NotCouncil,
            _ => panic!("invalid `body-tier` discriminant"),
        }
    }
}
