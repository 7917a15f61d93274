//! Spatial queries: the addresses nearest a point, within a radius of it, or inside
//! a box of at most 1 km², given on the British National Grid or in WGS84 (positions
//! outside the OSTN15 grid are kept in WGS84 alone and found through their own
//! spatial table).

use std::io::{Read, Seek};

use super::{BNG_MAX, Candidate, sorted};
use crate::index::AddressIndex;
use crate::types::{BngPoint, LookupError, Page, QueryOptions, Wgs84Point};

/// Metres per degree of latitude (and of longitude at the equator) on a sphere of
/// the mean Earth radius, 6 371 008.8 m: within 0.5% of the ellipsoid at UK
/// latitudes, enough to select within 1 km.
const METRES_PER_DEGREE: f64 = 111_195.08;

/// Great-circle distance in metres (haversine, mean Earth radius).
fn great_circle_m(a: Wgs84Point, b: Wgs84Point) -> f64 {
    let (la1, la2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dla = la2 - la1;
    let dlo = (b.longitude - a.longitude).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin()
}

fn check_wgs84(p: Wgs84Point, what: &str) -> Result<(), LookupError> {
    if !p.longitude.is_finite()
        || !p.latitude.is_finite()
        || !(-180.0..=180.0).contains(&p.longitude)
        || !(-90.0..=90.0).contains(&p.latitude)
    {
        return Err(LookupError::OutOfRange(format!(
            "{what} ({}, {}) is not a longitude and latitude (-180 to 180, -90 to 90)",
            p.longitude, p.latitude
        )));
    }
    Ok(())
}

fn check_box_area(width_m: f64, height_m: f64) -> Result<(), LookupError> {
    if width_m <= 0.0 || height_m <= 0.0 {
        return Err(LookupError::InvalidQuery(
            "the bounding box is empty: its corners must differ in both easting and northing"
                .into(),
        ));
    }
    let area = width_m * height_m;
    if area > 1_000_000.0 {
        return Err(LookupError::InvalidQuery(format!(
            "the bounding box is {:.3} km²; it may be at most 1 km²",
            area / 1e6
        )));
    }
    Ok(())
}

fn nearest_first(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by(|a, b| {
        a.distance
            .partial_cmp(&b.distance)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.meta.rank.cmp(&b.meta.rank))
    });
    cands
}

fn check_bng(p: BngPoint, what: &str) -> Result<(), LookupError> {
    if !p.easting.is_finite()
        || !p.northing.is_finite()
        || p.easting < 0.0
        || p.northing < 0.0
        || p.easting > BNG_MAX.0
        || p.northing > BNG_MAX.1
    {
        return Err(LookupError::OutOfRange(format!(
            "{what} ({:.1}, {:.1}) is outside the British National Grid (eastings 0 to 700000 m, northings 0 to 1250000 m)",
            p.easting, p.northing
        )));
    }
    Ok(())
}

impl<R: Read + Seek> AddressIndex<R> {
    /// The addresses nearest a point within `max_distance_m` (1 to 1000 m).
    pub fn nearest(
        &self,
        at: BngPoint,
        max_distance_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(1.0..=1000.0).contains(&max_distance_m) {
            return Err(LookupError::InvalidQuery(format!(
                "max-distance-m is {max_distance_m}; it must be 1 to 1000"
            )));
        }
        self.radius(at, max_distance_m, o)
    }

    /// The addresses within `radius_m` (0.01 to 1000 m) of a point, nearest first.
    pub fn within_radius(
        &self,
        at: BngPoint,
        radius_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(0.01..=1000.0).contains(&radius_m) {
            return Err(LookupError::InvalidQuery(format!(
                "radius-m is {radius_m}; it must be 0.01 to 1000"
            )));
        }
        self.radius(at, radius_m, o)
    }

    fn radius(&self, at: BngPoint, r: f64, o: &QueryOptions) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_bng(at, "the point")?;
        let cands = self.bng_radius_cands(at, r)?;
        self.page(nearest_first(cands), o, size)
    }

    fn bng_radius_cands(&self, at: BngPoint, r: f64) -> Result<Vec<Candidate>, LookupError> {
        let cell = crate::index::CELL_M;
        let rows = ((at.northing - r).max(0.0) / cell) as u64..=((at.northing + r) / cell) as u64;
        let cols = (
            ((at.easting - r).max(0.0) / cell) as u64,
            ((at.easting + r) / cell) as u64,
        );
        Ok(self
            .spatial_cells(rows, cols)?
            .into_iter()
            .filter_map(|(ord, e, n, meta)| {
                let d = ((e - at.easting).powi(2) + (n - at.northing).powi(2)).sqrt();
                (d <= r).then_some(Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: Some(d),
                })
            })
            .collect())
    }

    /// Positions kept in WGS84 alone (outside the OSTN15 grid) within `r` metres of
    /// a point, by great-circle distance.
    fn wgs84_radius_cands(&self, at: Wgs84Point, r: f64) -> Result<Vec<Candidate>, LookupError> {
        let dlat = r / METRES_PER_DEGREE;
        let dlon = r / (METRES_PER_DEGREE * at.latitude.to_radians().cos().max(0.01));
        let (r0, c0) = crate::index::cell_wgs84(at.longitude - dlon, at.latitude - dlat);
        let (r1, c1) = crate::index::cell_wgs84(at.longitude + dlon, at.latitude + dlat);
        Ok(self
            .spatial_wgs84_cells(r0..=r1, (c0, c1))?
            .into_iter()
            .filter_map(|(ord, lon, lat, meta)| {
                let d = great_circle_m(
                    at,
                    Wgs84Point {
                        longitude: lon,
                        latitude: lat,
                    },
                );
                (d <= r).then_some(Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: Some(d),
                })
            })
            .collect())
    }

    /// The addresses nearest a WGS84 point within `max_distance_m` (1 to 1000 m):
    /// those on the British National Grid through `bng`, the same point converted by
    /// the caller (OSTN15), and those kept in WGS84 alone (outside the OSTN15 grid,
    /// where `bng` is `None`).
    pub fn nearest_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        max_distance_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(1.0..=1000.0).contains(&max_distance_m) {
            return Err(LookupError::InvalidQuery(format!(
                "max-distance-m is {max_distance_m}; it must be 1 to 1000"
            )));
        }
        self.radius_wgs84(at, bng, max_distance_m, o)
    }

    /// The addresses within `radius_m` (0.01 to 1000 m) of a WGS84 point, nearest
    /// first (see [`AddressIndex::nearest_wgs84`] for `bng`).
    pub fn within_radius_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        radius_m: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        if !(0.01..=1000.0).contains(&radius_m) {
            return Err(LookupError::InvalidQuery(format!(
                "radius-m is {radius_m}; it must be 0.01 to 1000"
            )));
        }
        self.radius_wgs84(at, bng, radius_m, o)
    }

    fn radius_wgs84(
        &self,
        at: Wgs84Point,
        bng: Option<BngPoint>,
        r: f64,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_wgs84(at, "the point")?;
        let mut cands = match bng {
            Some(b) => {
                check_bng(b, "the point")?;
                self.bng_radius_cands(b, r)?
            }
            None => Vec::new(),
        };
        cands.extend(self.wgs84_radius_cands(at, r)?);
        self.page(nearest_first(cands), o, size)
    }

    /// The addresses inside a box (at most 1 km²), in the order of `options.sort`.
    pub fn within_bbox(
        &self,
        a: BngPoint,
        b: BngPoint,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        let cands = self.bng_bbox_cands(a, b)?;
        self.page(sorted(cands, o), o, size)
    }

    fn bng_bbox_cands(&self, a: BngPoint, b: BngPoint) -> Result<Vec<Candidate>, LookupError> {
        check_bng(a, "the first corner")?;
        check_bng(b, "the second corner")?;
        let (x0, x1) = (a.easting.min(b.easting), a.easting.max(b.easting));
        let (y0, y1) = (a.northing.min(b.northing), a.northing.max(b.northing));
        check_box_area(x1 - x0, y1 - y0)?;
        let cell = crate::index::CELL_M;
        let rows = (y0 / cell) as u64..=(y1 / cell) as u64;
        let cols = ((x0 / cell) as u64, (x1 / cell) as u64);
        Ok(self
            .spatial_cells(rows, cols)?
            .into_iter()
            .filter(|&(_, e, n, _)| e >= x0 && e <= x1 && n >= y0 && n <= y1)
            .map(|(ord, _, _, meta)| Candidate {
                ord,
                meta,
                pos: None,
                distance: None,
            })
            .collect())
    }

    /// The addresses inside a box given by two WGS84 corners (at most 1 km²): those
    /// on the British National Grid through `bng`, the corners converted by the
    /// caller (OSTN15; `None` outside its grid), and those kept in WGS84 alone.
    pub fn within_bbox_wgs84(
        &self,
        a: Wgs84Point,
        b: Wgs84Point,
        bng: Option<(BngPoint, BngPoint)>,
        o: &QueryOptions,
    ) -> Result<Page, LookupError> {
        let size = o.page_size()?;
        check_wgs84(a, "the first corner")?;
        check_wgs84(b, "the second corner")?;
        let (lon0, lon1) = (a.longitude.min(b.longitude), a.longitude.max(b.longitude));
        let (lat0, lat1) = (a.latitude.min(b.latitude), a.latitude.max(b.latitude));
        let mid = ((lat0 + lat1) / 2.0).to_radians().cos();
        check_box_area(
            (lon1 - lon0) * METRES_PER_DEGREE * mid,
            (lat1 - lat0) * METRES_PER_DEGREE,
        )?;
        let mut cands = match bng {
            Some((ba, bb)) => self.bng_bbox_cands(ba, bb)?,
            None => Vec::new(),
        };
        let (r0, c0) = crate::index::cell_wgs84(lon0, lat0);
        let (r1, c1) = crate::index::cell_wgs84(lon1, lat1);
        cands.extend(
            self.spatial_wgs84_cells(r0..=r1, (c0, c1))?
                .into_iter()
                .filter(|&(_, lon, lat, _)| {
                    lon >= lon0 && lon <= lon1 && lat >= lat0 && lat <= lat1
                })
                .map(|(ord, _, _, meta)| Candidate {
                    ord,
                    meta,
                    pos: None,
                    distance: None,
                }),
        );
        self.page(sorted(cands, o), o, size)
    }
}
