//! British National Grid (OSGB36, EPSG:27700) to and from WGS84 with OSTN15, in pure Rust, reading its grid with positioned reads.
//!
//! [`to_bng`] and [`to_lonlat`] implement Ordnance Survey's OSTN15 transformation
//! between ETRS89 longitude/latitude and the OSGB36 National Grid, reproducing OS's
//! published test outputs to the millimetre (OSTN15 itself agrees with the National
//! Grid as realised by OS to about 0.1 m). The grid of shifts comes from a
//! [`ShiftGrid`]: [`MemoryGrid`] holds the whole 7 MB grid, [`FileGrid`] reads only
//! the few records a conversion needs, so a WebAssembly component instantiated per
//! request opens the file and pays for two 16-byte reads per conversion.
//!
//! WGS84 input is treated as ETRS89. The two frames drift apart in Great Britain by about
//! 2.5 cm a year since 1989 (ETRS89 moves with the Eurasian plate), so by roughly 0.9 m in
//! the mid-2020s: below the accuracy of a consumer GPS fix or a web map, but it means the
//! 0.1 m figure holds for true ETRS89 input; see `docs/coordinates.md`.
//!
//! [`helmert`] converts without a grid, to about 5 m. [`to_web_mercator`] gives
//! EPSG:3857 coordinates for APIs such as OS Places' `output_srs`.
//!
//! The grid file is built from OS's `OSTN15_OSGM15_DataFile.txt` by `write_grid` or
//! `write_grid_from_xz` (feature `import`, native tools only). Its format, a 32-byte
//! header and then 876 951 fixed 8-byte records so that any node is one positioned read
//! away, is described on [`FileGrid`] and in `docs/coordinates.md`.
//!
//! ```no_run
//! use council_bng::{to_bng, to_lonlat, Bng, FileGrid, LonLat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let grid = FileGrid::open(std::fs::File::open("data/ostn15.grid")?)?;
//! let bng = to_bng(LonLat::new(-2.3, 53.446), &grid)?; // Trafford Town Hall
//! let back = to_lonlat(Bng::new(bng.easting, bng.northing), &grid)?;
//! # let _ = back;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod error;
mod grid;
pub mod helmert;
#[cfg(feature = "import")]
mod import;
pub mod projection;

pub use error::{ConvertError, GridError};
pub use grid::{
    FORMAT_VERSION, FileGrid, GRID_COLUMNS, GRID_FILE_LEN, GRID_NODES, GRID_ROWS, GRID_SPACING_M,
    HEADER_LEN, MAGIC, MemoryGrid, RECORD_LEN,
};
#[cfg(feature = "import")]
pub use import::{GridSummary, write_grid, write_grid_from_xz};

/// A point on the OSGB36 National Grid (EPSG:27700), in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bng {
    /// Easting in metres.
    pub easting: f64,
    /// Northing in metres.
    pub northing: f64,
}

impl Bng {
    /// A National Grid point from easting and northing in metres.
    pub const fn new(easting: f64, northing: f64) -> Self {
        Bng { easting, northing }
    }
}

/// An ETRS89 longitude/latitude in decimal degrees (WGS84 input is treated as ETRS89).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    /// Longitude in degrees, east positive.
    pub lon: f64,
    /// Latitude in degrees, north positive.
    pub lat: f64,
}

impl LonLat {
    /// A point from longitude and latitude in degrees.
    pub const fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }
}

/// A source of OSTN15 node shifts.
///
/// Node (`east_index`, `north_index`) lies at ETRS89 easting `1000 * east_index` m and
/// northing `1000 * north_index` m; indices run to 700 and 1250.
pub trait ShiftGrid {
    /// The node's ETRS89→OSGB36 shift `[east, north]` in metres.
    fn node_shift(&self, east_index: u32, north_index: u32) -> Result<[f64; 2], ConvertError>;

    /// The shifts of the four nodes of the cell whose south-west node is
    /// (`east_index`, `north_index`), in the order of the OSTN15 user guide: S0 south-west,
    /// S1 south-east, S2 north-east, S3 north-west. Implementations override this when
    /// fetching the four together is cheaper.
    fn cell_shifts(
        &self,
        east_index: u32,
        north_index: u32,
    ) -> Result<[[f64; 2]; 4], ConvertError> {
        let (e1, n1) = (east_index + 1, north_index + 1);
        Ok([
            self.node_shift(east_index, north_index)?,
            self.node_shift(e1, north_index)?,
            self.node_shift(e1, n1)?,
            self.node_shift(east_index, n1)?,
        ])
    }
}

impl<T: ShiftGrid + ?Sized> ShiftGrid for &T {
    fn node_shift(&self, east_index: u32, north_index: u32) -> Result<[f64; 2], ConvertError> {
        (**self).node_shift(east_index, north_index)
    }

    fn cell_shifts(
        &self,
        east_index: u32,
        north_index: u32,
    ) -> Result<[[f64; 2]; 4], ConvertError> {
        (**self).cell_shifts(east_index, north_index)
    }
}

/// Largest ETRS89 easting covered by the grid, in metres.
pub const MAX_EASTING: f64 = ((GRID_COLUMNS - 1) * GRID_SPACING_M) as f64;
/// Largest ETRS89 northing covered by the grid, in metres.
pub const MAX_NORTHING: f64 = ((GRID_ROWS - 1) * GRID_SPACING_M) as f64;

/// Points this close outside the grid rectangle count as on its edge: a point given
/// exactly on the edge in longitude/latitude projects to within about 10⁻¹¹ m of it, on
/// either side.
const EDGE_SLACK_M: f64 = 1e-6;

/// A generous longitude/latitude box around the whole grid rectangle (whose corners are
/// at longitude −9.39°..+3.55°, latitude 49.77°..61.02°, see the test below):
/// points outside it are rejected before projecting, because the National Grid's
/// projection series are only meant for Great Britain and far away they no longer
/// map monotonically to the plane.
const AREA_LON: std::ops::RangeInclusive<f64> = -16.0..=9.0;
const AREA_LAT: std::ops::RangeInclusive<f64> = 46.0..=64.0;

/// Bilinear interpolation of the OSTN15 shift at ETRS89 easting/northing (metres),
/// as in the OSTN15 user guide (*Transformations and OSGM15 User Guide*, its worked
/// bilinear interpolation): the cell's south-west node is (⌊E/1000⌋, ⌊N/1000⌋),
/// dx = E − 1000·e_index, dy = N − 1000·n_index, t = dx/1000, u = dy/1000, and
/// shift = (1−t)(1−u)·S0 + t(1−u)·S1 + t·u·S2 + (1−t)·u·S3.
///
/// Returns `[east, north]` in metres. Points on the grid's east or north edge use the
/// last cell (t or u = 1); points within a micrometre outside an edge count as on it.
pub fn ostn15_shift(
    etrs89_easting: f64,
    etrs89_northing: f64,
    grid: &impl ShiftGrid,
) -> Result<[f64; 2], ConvertError> {
    let (e, n) = (etrs89_easting, etrs89_northing);
    if !e.is_finite() || !n.is_finite() {
        return Err(ConvertError::NotFinite);
    }
    let inside = |v: f64, max: f64| (-EDGE_SLACK_M..=max + EDGE_SLACK_M).contains(&v);
    if !inside(e, MAX_EASTING) || !inside(n, MAX_NORTHING) {
        return Err(ConvertError::OutsideGrid {
            easting: e,
            northing: n,
        });
    }
    let (e, n) = (e.clamp(0.0, MAX_EASTING), n.clamp(0.0, MAX_NORTHING));
    let spacing = f64::from(GRID_SPACING_M);
    // In range and non-negative, so the casts cannot wrap.
    let ei = ((e / spacing).floor() as u32).min(GRID_COLUMNS - 2);
    let ni = ((n / spacing).floor() as u32).min(GRID_ROWS - 2);
    let t = (e - f64::from(ei) * spacing) / spacing;
    let u = (n - f64::from(ni) * spacing) / spacing;
    let [s0, s1, s2, s3] = grid.cell_shifts(ei, ni)?;
    let w = [(1.0 - t) * (1.0 - u), t * (1.0 - u), t * u, (1.0 - t) * u];
    let interpolate = |k: usize| w[0] * s0[k] + w[1] * s1[k] + w[2] * s2[k] + w[3] * s3[k];
    Ok([interpolate(0), interpolate(1)])
}

/// ETRS89 (WGS84) longitude/latitude to OSGB36 National Grid with OSTN15.
///
/// The point is projected to ETRS89 eastings/northings ([`projection::etrs89_to_en`]),
/// then the bilinearly interpolated OSTN15 shift is added ([`ostn15_shift`]).
/// Reproduces OS's published OSTN15 test outputs to the millimetre.
///
/// Errors: [`ConvertError::NotFinite`], [`ConvertError::OutsideArea`] far from Great
/// Britain, [`ConvertError::OutsideGrid`] outside the grid rectangle, and grid read errors.
pub fn to_bng(p: LonLat, grid: &impl ShiftGrid) -> Result<Bng, ConvertError> {
    if !p.lon.is_finite() || !p.lat.is_finite() {
        return Err(ConvertError::NotFinite);
    }
    if !AREA_LON.contains(&p.lon) || !AREA_LAT.contains(&p.lat) {
        return Err(ConvertError::OutsideArea {
            lon: p.lon,
            lat: p.lat,
        });
    }
    let [e, n] = projection::etrs89_to_en(p);
    let [se, sn] = ostn15_shift(e, n, grid)?;
    Ok(Bng {
        easting: e + se,
        northing: n + sn,
    })
}

/// Iterations of the inverse before giving up. OS's test outputs settle in two or
/// three; the shifts change by at most a few centimetres per kilometre, so each
/// iteration shrinks the error by a factor of about 10⁴.
const MAX_INVERSE_ITERATIONS: usize = 20;
/// Stop when successive ETRS89 estimates differ by less than this in both coordinates
/// (0.1 mm, as in OS's worked reverse transformation).
const INVERSE_TOLERANCE_M: f64 = 1e-4;

/// OSGB36 National Grid to ETRS89 (WGS84) longitude/latitude with OSTN15.
///
/// OSTN15 is defined in the ETRS89→OSGB36 direction, so the inverse iterates as the
/// OSTN15 user guide describes: take the shift interpolated at the OSGB36 position,
/// subtract it to estimate the ETRS89 position, re-interpolate the shift there, and
/// repeat until successive estimates agree to 0.1 mm; then unproject
/// ([`projection::en_to_etrs89`]). Agrees with OS's published outputs to the millimetre.
///
/// Errors: [`ConvertError::NotFinite`], [`ConvertError::OutsideGrid`] (naming the
/// input) when the point or its ETRS89 estimate leaves the grid, [`ConvertError::NotConverged`]
/// and grid read errors.
pub fn to_lonlat(p: Bng, grid: &impl ShiftGrid) -> Result<LonLat, ConvertError> {
    if !p.easting.is_finite() || !p.northing.is_finite() {
        return Err(ConvertError::NotFinite);
    }
    let outside = |err: ConvertError| match err {
        ConvertError::OutsideGrid { .. } => ConvertError::OutsideGrid {
            easting: p.easting,
            northing: p.northing,
        },
        other => other,
    };
    let [se, sn] = ostn15_shift(p.easting, p.northing, grid).map_err(outside)?;
    let (mut e, mut n) = (p.easting - se, p.northing - sn);
    for _ in 0..MAX_INVERSE_ITERATIONS {
        let [se, sn] = ostn15_shift(e, n, grid).map_err(outside)?;
        let (next_e, next_n) = (p.easting - se, p.northing - sn);
        let settled =
            (next_e - e).abs() < INVERSE_TOLERANCE_M && (next_n - n).abs() < INVERSE_TOLERANCE_M;
        (e, n) = (next_e, next_n);
        if settled {
            return Ok(projection::en_to_etrs89(e, n));
        }
    }
    Err(ConvertError::NotConverged {
        easting: p.easting,
        northing: p.northing,
    })
}

/// Web Mercator radius: the WGS84 semi-major axis (EPSG:3857 uses a sphere of this radius).
const WEB_MERCATOR_RADIUS: f64 = 6_378_137.0;
/// Web Mercator's latitude limit, where the map becomes square: atan(sinh(π)) in degrees.
pub const WEB_MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_6;

/// WGS84 longitude/latitude to Web Mercator (EPSG:3857) x, y in metres, as used by
/// web maps and by OS Places' `output_srs=EPSG:3857`.
///
/// x = R·λ, y = R·ln(tan(π/4 + φ/2)) with R = 6 378 137 m (EPSG Guidance Note 7-2,
/// "Popular Visualisation Pseudo Mercator"). Latitude is clamped to
/// ±[`WEB_MERCATOR_MAX_LAT`] so the poles give finite values; NaN stays NaN.
pub fn to_web_mercator(p: LonLat) -> (f64, f64) {
    let lat = p.lat.clamp(-WEB_MERCATOR_MAX_LAT, WEB_MERCATOR_MAX_LAT);
    let x = WEB_MERCATOR_RADIUS * p.lon.to_radians();
    let y = WEB_MERCATOR_RADIUS
        * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln();
    (x, y)
}

/// Web Mercator (EPSG:3857) x, y in metres to WGS84 longitude/latitude: the inverse of
/// [`to_web_mercator`], λ = x/R, φ = 2·atan(exp(y/R)) − π/2 (EPSG Guidance Note 7-2).
pub fn from_web_mercator(x: f64, y: f64) -> LonLat {
    let lon = (x / WEB_MERCATOR_RADIUS).to_degrees();
    let lat =
        (2.0 * (y / WEB_MERCATOR_RADIUS).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    LonLat::new(lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid with the same shift everywhere: the transformation becomes a translation.
    struct Constant([f64; 2]);

    impl ShiftGrid for Constant {
        fn node_shift(&self, east_index: u32, north_index: u32) -> Result<[f64; 2], ConvertError> {
            if east_index < GRID_COLUMNS && north_index < GRID_ROWS {
                Ok(self.0)
            } else {
                Err(ConvertError::NodeOutOfRange {
                    east_index,
                    north_index,
                })
            }
        }
    }

    /// A grid whose shift grows linearly east and north, so bilinear interpolation is exact.
    struct Linear;

    impl ShiftGrid for Linear {
        fn node_shift(&self, i: u32, j: u32) -> Result<[f64; 2], ConvertError> {
            Ok([90.0 + 0.01 * f64::from(i), -80.0 + 0.02 * f64::from(j)])
        }
    }

    #[test]
    fn interpolation_is_exact_for_a_linear_field() {
        let [se, sn] = ostn15_shift(123_456.7, 654_321.9, &Linear).unwrap();
        assert!((se - (90.0 + 0.01 * 123.4567)).abs() < 1e-9, "{se}");
        assert!((sn - (-80.0 + 0.02 * 654.3219)).abs() < 1e-9, "{sn}");
        // The grid's far corner is inside and uses the last cell.
        let [se, sn] = ostn15_shift(MAX_EASTING, MAX_NORTHING, &Linear).unwrap();
        assert!((se - 97.0).abs() < 1e-9 && (sn - (-80.0 + 25.0)).abs() < 1e-9);
    }

    #[test]
    fn constant_grid_round_trips_and_translates() {
        let grid = Constant([95.5, -75.25]);
        let p = LonLat::new(-1.5, 53.0);
        let bng = to_bng(p, &grid).unwrap();
        let [e, n] = projection::etrs89_to_en(p);
        assert_eq!(bng, Bng::new(e + 95.5, n - 75.25));
        let back = to_lonlat(bng, &grid).unwrap();
        assert!((back.lon - p.lon).abs() < 1e-10 && (back.lat - p.lat).abs() < 1e-10);
    }

    #[test]
    fn rejects_non_finite_and_far_away_points() {
        let grid = Constant([0.0, 0.0]);
        assert!(matches!(
            to_bng(LonLat::new(f64::NAN, 52.0), &grid),
            Err(ConvertError::NotFinite)
        ));
        assert!(matches!(
            to_lonlat(Bng::new(1.0, f64::INFINITY), &grid),
            Err(ConvertError::NotFinite)
        ));
        assert!(matches!(
            to_bng(LonLat::new(151.2, -33.9), &grid),
            Err(ConvertError::OutsideArea { .. })
        ));
        // Amsterdam is within the box but east of the grid.
        assert!(matches!(
            to_bng(LonLat::new(4.9, 52.37), &grid),
            Err(ConvertError::OutsideGrid { easting, .. }) if easting > MAX_EASTING
        ));
        assert!(matches!(
            to_lonlat(Bng::new(-0.5, 100.0), &grid),
            Err(ConvertError::OutsideGrid { easting, northing }) if easting == -0.5 && northing == 100.0
        ));
    }

    #[test]
    fn inverse_names_the_input_when_its_etrs89_estimate_leaves_the_grid() {
        // A shift of +90 m east: OSGB36 easting 50 m is ETRS89 easting -40 m.
        let grid = Constant([90.0, 0.0]);
        let err = to_lonlat(Bng::new(50.0, 500_000.0), &grid).unwrap_err();
        assert!(
            matches!(err, ConvertError::OutsideGrid { easting, northing } if easting == 50.0 && northing == 500_000.0),
            "{err:?}"
        );
    }

    #[test]
    fn area_box_contains_the_grid_rectangle_with_margin() {
        for (e, n) in [
            (0.0, 0.0),
            (MAX_EASTING, 0.0),
            (0.0, MAX_NORTHING),
            (MAX_EASTING, MAX_NORTHING),
        ] {
            let p = projection::en_to_etrs89(e, n);
            assert!(
                (-9.4..=3.6).contains(&p.lon) && (49.7..=61.1).contains(&p.lat),
                "{e} {n}: {p:?}"
            );
            assert!(
                p.lon - AREA_LON.start() > 4.0 && AREA_LON.end() - p.lon > 3.0,
                "{p:?}"
            );
            assert!(
                p.lat - AREA_LAT.start() > 3.0 && AREA_LAT.end() - p.lat > 2.5,
                "{p:?}"
            );
        }
    }

    #[test]
    fn web_mercator_known_values() {
        // Greenwich meridian at the equator is the origin; 180° is half the circumference.
        let back = from_web_mercator(-269_000.0, 7_087_000.0);
        let (x, y) = to_web_mercator(back);
        assert!((x + 269_000.0).abs() < 1e-6 && (y - 7_087_000.0).abs() < 1e-6);
        let (x, y) = to_web_mercator(LonLat::new(0.0, 0.0));
        assert!(x == 0.0 && y.abs() < 1e-6, "{x} {y}");
        let (x, _) = to_web_mercator(LonLat::new(180.0, 0.0));
        assert!((x - 20_037_508.342_789_244).abs() < 1e-6);
        // At the latitude limit y equals x at 180°: the map is square.
        let (_, y) = to_web_mercator(LonLat::new(0.0, 90.0));
        assert!((y - 20_037_508.342_789_244).abs() < 1e-3, "{y}");
        // London (51.5°N, 0.1°W): y = R ln tan(45° + 25.75°).
        let (x, y) = to_web_mercator(LonLat::new(-0.1, 51.5));
        assert!((x - -11_131.949_079_327_358).abs() < 1e-6, "{x}");
        assert!((y - 6_710_219.083_220_741).abs() < 1e-3, "{y}");
    }
}
