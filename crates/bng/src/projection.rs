//! The National Grid Transverse Mercator projection, exactly as Ordnance Survey publishes it.
//!
//! Formulae: OS, *A guide to coordinate systems in Great Britain*, Annex C
//! ("Transverse Mercator map projection formulae"): the forward series in terms I to VI
//! and the inverse, which first solves the meridional arc for the footpoint latitude
//! φ′ by iteration (until N − N0 − M < 0.01 mm) and then applies the series VII to XIIA.
//! OSTN15 is defined on top of these same formulae (the *Transformations and OSGM15
//! User Guide* projects ETRS89 latitude/longitude with them on the GRS80 ellipsoid
//! before adding the grid shifts), so using any other TM algorithm (Krüger, Karney)
//! would move results by fractions of a millimetre near the centre and more at the
//! far west of the grid, and no longer reproduce OS's test outputs digit for digit.
//!
//! The functions here use the GRS80 ellipsoid, giving "ETRS89 eastings and northings",
//! the frame in which the OSTN15 grid is indexed. [`crate::helmert`] uses the same code
//! with the Airy 1830 ellipsoid.

use crate::LonLat;

/// An ellipsoid by its semi-axes, in metres.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ellipsoid {
    /// Semi-major axis a.
    pub a: f64,
    /// Semi-minor axis b.
    pub b: f64,
}

impl Ellipsoid {
    /// First eccentricity squared, e² = (a² − b²) / a².
    pub(crate) fn e2(&self) -> f64 {
        (self.a * self.a - self.b * self.b) / (self.a * self.a)
    }
}

/// GRS80, the ellipsoid of ETRS89 (OS guide, Table 1: a = 6 378 137.000, b = 6 356 752.3141).
pub(crate) const GRS80: Ellipsoid = Ellipsoid {
    a: 6_378_137.0,
    b: 6_356_752.314_1,
};

/// Airy 1830, the ellipsoid of OSGB36 (OS guide, Table 1: a = 6 377 563.396, b = 6 356 256.909).
pub(crate) const AIRY_1830: Ellipsoid = Ellipsoid {
    a: 6_377_563.396,
    b: 6_356_256.909,
};

/// National Grid scale factor on the central meridian, F0.
pub const F0: f64 = 0.999_601_271_7;
/// Latitude of the true origin, φ0, in degrees (49°N).
pub const LAT0_DEG: f64 = 49.0;
/// Longitude of the true origin and central meridian, λ0, in degrees (2°W).
pub const LON0_DEG: f64 = -2.0;
/// Easting of the true origin, E0, in metres.
pub const E0: f64 = 400_000.0;
/// Northing of the true origin, N0, in metres.
pub const N0: f64 = -100_000.0;

/// Projects ETRS89 longitude/latitude (degrees) to ETRS89 eastings/northings
/// (metres): the National Grid projection on the GRS80 ellipsoid, without the OSTN15 shift.
pub fn etrs89_to_en(p: LonLat) -> [f64; 2] {
    project(&GRS80, p.lat.to_radians(), p.lon.to_radians())
}

/// The inverse of [`etrs89_to_en`]: ETRS89 eastings/northings (metres) to ETRS89
/// longitude/latitude (degrees).
pub fn en_to_etrs89(easting: f64, northing: f64) -> LonLat {
    let [lat, lon] = unproject(&GRS80, easting, northing);
    LonLat {
        lon: lon.to_degrees(),
        lat: lat.to_degrees(),
    }
}

/// The developed meridional arc M from φ0 to φ (OS guide, Annex C, equation for M),
/// already multiplied by b·F0.
fn meridional_arc(ell: &Ellipsoid, lat: f64) -> f64 {
    let lat0 = LAT0_DEG.to_radians();
    let n = (ell.a - ell.b) / (ell.a + ell.b);
    let n2 = n * n;
    let n3 = n2 * n;
    let d = lat - lat0;
    let s = lat + lat0;
    ell.b
        * F0
        * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
            + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
            - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
}

/// Radii of curvature scaled by F0 at latitude φ: (ν, ρ, η²) as in Annex C.
fn radii(ell: &Ellipsoid, lat: f64) -> (f64, f64, f64) {
    let e2 = ell.e2();
    let sin2 = lat.sin() * lat.sin();
    let w = 1.0 - e2 * sin2;
    let nu = ell.a * F0 / w.sqrt();
    let rho = ell.a * F0 * (1.0 - e2) / (w * w.sqrt());
    (nu, rho, nu / rho - 1.0)
}

/// Latitude/longitude (radians) on `ell` to National Grid easting/northing (metres):
/// OS guide Annex C, terms I, II, III, IIIA, IV, V, VI.
pub(crate) fn project(ell: &Ellipsoid, lat: f64, lon: f64) -> [f64; 2] {
    let (nu, rho, eta2) = radii(ell, lat);
    let (sin, cos) = lat.sin_cos();
    let tan = lat.tan();
    let tan2 = tan * tan;
    let tan4 = tan2 * tan2;
    let cos3 = cos * cos * cos;
    let cos5 = cos3 * cos * cos;

    let i = meridional_arc(ell, lat) + N0;
    let ii = nu / 2.0 * sin * cos;
    let iii = nu / 24.0 * sin * cos3 * (5.0 - tan2 + 9.0 * eta2);
    let iiia = nu / 720.0 * sin * cos5 * (61.0 - 58.0 * tan2 + tan4);
    let iv = nu * cos;
    let v = nu / 6.0 * cos3 * (nu / rho - tan2);
    let vi = nu / 120.0 * cos5 * (5.0 - 18.0 * tan2 + tan4 + 14.0 * eta2 - 58.0 * tan2 * eta2);

    let dl = lon - LON0_DEG.to_radians();
    let dl2 = dl * dl;
    let northing = i + ii * dl2 + iii * dl2 * dl2 + iiia * dl2 * dl2 * dl2;
    let easting = E0 + iv * dl + v * dl2 * dl + vi * dl2 * dl2 * dl;
    [easting, northing]
}

/// National Grid easting/northing (metres) to latitude/longitude (radians) on `ell`.
///
/// Starts from OS's inverse series (Annex C) and then refines by Newton's method
/// against the forward series [`project`] until it reproduces the input to 10 nm. The
/// two truncated series are not exact inverses of each other: they disagree by 0.2 mm
/// 4° from the central meridian and by millimetres at the western edge of the grid,
/// which would make OSTN15 round trips drift. The forward series is the one that
/// defines OS's published coordinates, so the inverse is made to match it.
pub(crate) fn unproject(ell: &Ellipsoid, easting: f64, northing: f64) -> [f64; 2] {
    let [mut lat, mut lon] = unproject_series(ell, easting, northing);
    if !lat.is_finite() || !lon.is_finite() {
        return [lat, lon];
    }
    // Jacobian of the forward series by forward differences (h ≈ 0.6 m on the ground);
    // it only steers the correction, so a few digits are plenty, and it is computed
    // once: the corrections are sub-millimetre, where it does not change.
    const H: f64 = 1e-7;
    let [e0, n0] = project(ell, lat, lon);
    let [e_lat, n_lat] = project(ell, lat + H, lon);
    let [e_lon, n_lon] = project(ell, lat, lon + H);
    let (a, b) = ((e_lat - e0) / H, (e_lon - e0) / H);
    let (c, d) = ((n_lat - n0) / H, (n_lon - n0) / H);
    let det = a * d - b * c;
    let (mut de, mut dn) = (easting - e0, northing - n0);
    for _ in 0..6 {
        if de.abs() < 1e-8 && dn.abs() < 1e-8 {
            break;
        }
        lat += (d * de - b * dn) / det;
        lon += (a * dn - c * de) / det;
        let [e, n] = project(ell, lat, lon);
        (de, dn) = (easting - e, northing - n);
    }
    [lat, lon]
}

/// OS's inverse series (guide Annex C): footpoint latitude φ′ by iteration, then the
/// terms VII to XIIA.
fn unproject_series(ell: &Ellipsoid, easting: f64, northing: f64) -> [f64; 2] {
    let af0 = ell.a * F0;
    let mut lat = (northing - N0) / af0 + LAT0_DEG.to_radians();
    let mut m = meridional_arc(ell, lat);
    // Annex C: repeat until N − N0 − M < 0.01 mm. It converges in a handful of steps;
    // the cap only guards against non-finite input spinning forever.
    for _ in 0..64 {
        let residual = northing - N0 - m;
        if residual.abs() < 1e-5 {
            break;
        }
        lat += residual / af0;
        m = meridional_arc(ell, lat);
    }

    let (nu, rho, eta2) = radii(ell, lat);
    let tan = lat.tan();
    let tan2 = tan * tan;
    let tan4 = tan2 * tan2;
    let tan6 = tan4 * tan2;
    let sec = 1.0 / lat.cos();
    let nu3 = nu * nu * nu;
    let nu5 = nu3 * nu * nu;
    let nu7 = nu5 * nu * nu;

    let vii = tan / (2.0 * rho * nu);
    let viii = tan / (24.0 * rho * nu3) * (5.0 + 3.0 * tan2 + eta2 - 9.0 * tan2 * eta2);
    let ix = tan / (720.0 * rho * nu5) * (61.0 + 90.0 * tan2 + 45.0 * tan4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu3) * (nu / rho + 2.0 * tan2);
    let xii = sec / (120.0 * nu5) * (5.0 + 28.0 * tan2 + 24.0 * tan4);
    let xiia = sec / (5040.0 * nu7) * (61.0 + 662.0 * tan2 + 1320.0 * tan4 + 720.0 * tan6);

    let de = easting - E0;
    let de2 = de * de;
    let lat_out = lat - vii * de2 + viii * de2 * de2 - ix * de2 * de2 * de2;
    let lon_out = LON0_DEG.to_radians() + x * de - xi * de2 * de + xii * de2 * de2 * de
        - xiia * de2 * de2 * de2 * de;
    [lat_out, lon_out]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    /// OS guide, Annex C worked example on Airy 1830: 52°39′27.2531″N 1°43′04.5177″E
    /// projects to E 651 409.903 m, N 313 177.270 m.
    #[test]
    fn os_guide_worked_example_airy() {
        let lat = dms(52.0, 39.0, 27.2531).to_radians();
        let lon = dms(1.0, 43.0, 4.5177).to_radians();
        let [e, n] = project(&AIRY_1830, lat, lon);
        assert!((e - 651_409.903).abs() < 0.000_5, "E {e}");
        assert!((n - 313_177.270).abs() < 0.000_5, "N {n}");

        let [lat2, lon2] = unproject(&AIRY_1830, 651_409.903, 313_177.270);
        // 1e-4″ is about 3 mm; the example quotes seconds to 4 decimals.
        assert!((lat2.to_degrees() - lat.to_degrees()).abs() * 3600.0 < 0.000_1);
        assert!((lon2.to_degrees() - lon.to_degrees()).abs() * 3600.0 < 0.000_1);
    }

    /// OS's OSTN worked example (as quoted in the tests of Geo::Coordinates::OSTN02,
    /// "tests from the OS paper"): ETRS89 52.658007833°N 1.716073973°E is
    /// ETRS89 E 651 307.003 m, N 313 255.686 m on GRS80.
    #[test]
    fn os_worked_example_grs80() {
        let [e, n] = etrs89_to_en(LonLat {
            lon: 1.716_073_973,
            lat: 52.658_007_833,
        });
        assert!((e - 651_307.003).abs() < 0.000_6, "E {e}");
        assert!((n - 313_255.686).abs() < 0.000_6, "N {n}");
    }

    #[test]
    fn inverse_undoes_forward_to_the_micrometre() {
        for &(lon, lat) in &[
            (-2.0, 49.0),
            (1.7, 52.6),
            (-0.9, 60.8),
            (-7.5, 50.0),
            (-8.6, 57.8),
            (-11.0, 61.0),
            (-7.55, 49.77),
        ] {
            let [e, n] = etrs89_to_en(LonLat { lon, lat });
            let back = en_to_etrs89(e, n);
            let [e2, n2] = etrs89_to_en(back);
            assert!(
                (e2 - e).abs() < 1e-7 && (n2 - n).abs() < 1e-7,
                "{lon} {lat}: {} {}",
                e2 - e,
                n2 - n
            );
        }
    }

    /// The bare series disagree by more than 0.1 mm away from the central meridian,
    /// which is why [`unproject`] refines them.
    #[test]
    fn bare_inverse_series_are_not_exact() {
        let [e, n] = etrs89_to_en(LonLat {
            lon: -8.6,
            lat: 57.8,
        });
        let [lat, lon] = unproject_series(&GRS80, e, n);
        let [e2, n2] = project(&GRS80, lat, lon);
        assert!(
            (e2 - e).abs().max((n2 - n).abs()) > 1e-4,
            "{} {}",
            e2 - e,
            n2 - n
        );
    }

    #[test]
    fn true_origin_projects_to_false_origin_offsets() {
        let [e, n] = etrs89_to_en(LonLat {
            lon: LON0_DEG,
            lat: LAT0_DEG,
        });
        assert!((e - E0).abs() < 1e-9 && (n - N0).abs() < 1e-9);
    }
}
