//! What makes a feature acceptable: its rings (closed, at least four finite
//! positions), rounded to 10⁻⁷ degrees, then validated and re-wound by `geom`; and
//! every reason a feature is rejected.

use crate::geom::{self, Pt};

/// Why a feature (or an area added directly) is rejected; displayed as the `reason`
/// of its [`RejectedFeature`](super::RejectedFeature).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum Rejection {
    #[error("not a GeoJSON Feature")]
    NotAFeature,
    /// The code property (named) is missing or empty.
    #[error("no code in property {0:?}")]
    NoCode(String),
    /// The name property (named) is missing or empty.
    #[error("no name in property {0:?}")]
    NoName(String),
    /// An earlier feature of the same layer (its position) has the code.
    #[error("duplicate code (also feature {0})")]
    DuplicateInLayer(usize),
    /// An earlier layer (its feature, named) has the code.
    #[error("duplicate code (already imported from {0})")]
    AlreadyImported(String),
    /// An area added directly repeats a code.
    #[error("duplicate code")]
    Duplicate,
    #[error("cannot infer the area type from code {0:?}; give the layer an area type")]
    UnknownType(String),
    #[error("feature has no geometry")]
    NoGeometry,
    #[error("geometry has no type")]
    NoGeometryType,
    /// The geometry type found.
    #[error("geometry is a {0}, not a Polygon or MultiPolygon")]
    NotPolygonal(String),
    #[error("Polygon has no coordinates")]
    NoCoordinates,
    #[error("MultiPolygon coordinates are not an array")]
    MultiPolygonNotArray,
    #[error("MultiPolygon has no polygons")]
    NoPolygons,
    #[error("polygon {0} is not an array of rings")]
    PolygonNotArray(usize),
    #[error("polygon {0} has no rings")]
    NoRings(usize),
    #[error("polygon {polygon} ring {ring} is not an array of positions")]
    RingNotArray { polygon: usize, ring: usize },
    #[error("polygon {polygon} ring {ring} position {position} is not [x, y] numbers")]
    NotAPosition {
        polygon: usize,
        ring: usize,
        position: usize,
    },
    #[error("polygon {polygon} ring {ring} position {position} has a non-finite coordinate")]
    NonFinite {
        polygon: usize,
        ring: usize,
        position: usize,
    },
    #[error("polygon {polygon} ring {ring} has {positions} positions; a ring needs at least 4")]
    TooFewPositions {
        polygon: usize,
        ring: usize,
        positions: usize,
    },
    #[error(
        "polygon {polygon} ring {ring} is not closed (its last position differs from its first)"
    )]
    NotClosed { polygon: usize, ring: usize },
    #[error("EPSG:27700 input needs a BNG transform")]
    NoBngTransform,
    #[error(
        "polygon {polygon} ring {ring}: easting {easting} northing {northing} is outside the BNG transform's coverage"
    )]
    OutsideBng {
        polygon: usize,
        ring: usize,
        easting: f64,
        northing: f64,
    },
    #[error(
        "polygon {polygon} ring {ring} position {position} ({x}, {y}) is not a WGS84 longitude, latitude (is the layer in EPSG:27700?)"
    )]
    NotWgs84 {
        polygon: usize,
        ring: usize,
        position: usize,
        x: f64,
        y: f64,
    },
    /// The rounded geometry is not a valid polygon or multipolygon.
    #[error("{0}")]
    Invalid(geom::Invalid),
}

/// Raw rings of a Polygon/MultiPolygon in the layer's CRS.
pub(super) type RawPolys = Vec<Vec<Vec<Pt>>>;

/// Source-level ring checks, before any conversion: finite, closed, ≥ 4 positions.
pub(super) fn check_ring(pts: &[[f64; 2]], pi: usize, ri: usize) -> Result<(), Rejection> {
    if let Some(k) = pts
        .iter()
        .position(|p| !p[0].is_finite() || !p[1].is_finite())
    {
        return Err(Rejection::NonFinite {
            polygon: pi,
            ring: ri,
            position: k,
        });
    }
    if pts.len() < 4 {
        return Err(Rejection::TooFewPositions {
            polygon: pi,
            ring: ri,
            positions: pts.len(),
        });
    }
    if pts.first() != pts.last() {
        return Err(Rejection::NotClosed {
            polygon: pi,
            ring: ri,
        });
    }
    Ok(())
}

pub(super) fn quantise(
    pts: impl Iterator<Item = (f64, f64)>,
    pi: usize,
    ri: usize,
) -> Result<Vec<Pt>, Rejection> {
    let mut ring = Vec::new();
    for (k, (x, y)) in pts.enumerate() {
        ring.push(geom::to_fixed(x, y).ok_or(Rejection::NotWgs84 {
            polygon: pi,
            ring: ri,
            position: k,
            x,
            y,
        })?);
    }
    Ok(ring)
}

/// Rounds away duplicate positions, validates and normalises winding.
pub(super) fn prepare(mut polys: RawPolys) -> Result<RawPolys, Rejection> {
    for poly in &mut polys {
        for ring in poly.iter_mut() {
            geom::dedupe_ring(ring);
        }
    }
    geom::validate(&polys).map_err(Rejection::Invalid)?;
    geom::normalise_winding(&mut polys);
    Ok(polys)
}
