//! The approximate, grid-free conversion: a 7-parameter Helmert transformation between
//! ETRS89/WGS84 and OSGB36 plus the National Grid projection on the Airy 1830 ellipsoid.
//!
//! **Accuracy is only about 5 metres**: OSGB36 has distortions that no similarity
//! transformation can model. Against OS's 40 OSTN15 test points it is up to 2.7 m off
//! over most of the mainland and 4 to 5 m at the Lizard, on Scilly and on St Kilda (see
//! `tests/os_test_points.rs`). Use [`crate::to_bng`] and
//! [`crate::to_lonlat`] with the OSTN15 grid wherever 0.1 m matters. This module is for
//! callers that have no grid file at hand, such as a rough map pin.
//!
//! Parameters and method: OS, *A guide to coordinate systems in Great Britain*,
//! section 6.6 (the approximate WGS84 to OSGB36 transformation: tx = −446.448 m,
//! ty = +125.157 m, tz = −542.060 m, s = +20.4894 ppm, rx = −0.1502″, ry = −0.2470″,
//! rz = −0.8421″, applied as a small-angle Helmert transformation), Annex B for the
//! geodetic ↔ Cartesian conversions, Annex C for the projection. Heights are taken as
//! 0 m above the ellipsoid; at UK heights that moves the plan position by millimetres.
//! The reverse direction applies the same parameters with their signs changed, the usual
//! small-angle approximation of the inverse (it undoes the forward transformation to
//! well under a centimetre, see the tests), which is immaterial at this accuracy.

use crate::projection::{AIRY_1830, Ellipsoid, GRS80, project, unproject};
use crate::{Bng, LonLat};

/// Seven Helmert parameters: translations in metres, scale in parts per million,
/// rotations in arc-seconds.
#[derive(Debug, Clone, Copy)]
struct Params {
    tx: f64,
    ty: f64,
    tz: f64,
    s_ppm: f64,
    rx_sec: f64,
    ry_sec: f64,
    rz_sec: f64,
}

/// ETRS89 (WGS84) to OSGB36, OS guide section 6.6.
const ETRS89_TO_OSGB36: Params = Params {
    tx: -446.448,
    ty: 125.157,
    tz: -542.060,
    s_ppm: 20.4894,
    rx_sec: -0.1502,
    ry_sec: -0.2470,
    rz_sec: -0.8421,
};

impl Params {
    fn inverse(self) -> Params {
        Params {
            tx: -self.tx,
            ty: -self.ty,
            tz: -self.tz,
            s_ppm: -self.s_ppm,
            rx_sec: -self.rx_sec,
            ry_sec: -self.ry_sec,
            rz_sec: -self.rz_sec,
        }
    }

    fn apply(self, [x, y, z]: [f64; 3]) -> [f64; 3] {
        let s = self.s_ppm * 1e-6;
        let rx = (self.rx_sec / 3600.0).to_radians();
        let ry = (self.ry_sec / 3600.0).to_radians();
        let rz = (self.rz_sec / 3600.0).to_radians();
        [
            self.tx + (1.0 + s) * x - rz * y + ry * z,
            self.ty + rz * x + (1.0 + s) * y - rx * z,
            self.tz - ry * x + rx * y + (1.0 + s) * z,
        ]
    }
}

/// Geodetic latitude/longitude (radians, height 0) to Cartesian X, Y, Z (OS guide Annex B).
fn to_cartesian(ell: &Ellipsoid, lat: f64, lon: f64) -> [f64; 3] {
    let e2 = ell.e2();
    let nu = ell.a / (1.0 - e2 * lat.sin() * lat.sin()).sqrt();
    [
        nu * lat.cos() * lon.cos(),
        nu * lat.cos() * lon.sin(),
        (1.0 - e2) * nu * lat.sin(),
    ]
}

/// Cartesian X, Y, Z to geodetic latitude/longitude in radians (OS guide Annex B,
/// latitude by iteration).
fn to_geodetic(ell: &Ellipsoid, [x, y, z]: [f64; 3]) -> [f64; 2] {
    let e2 = ell.e2();
    let lon = y.atan2(x);
    let p = x.hypot(y);
    let mut lat = z.atan2(p * (1.0 - e2));
    for _ in 0..16 {
        let nu = ell.a / (1.0 - e2 * lat.sin() * lat.sin()).sqrt();
        let next = (z + e2 * nu * lat.sin()).atan2(p);
        let done = (next - lat).abs() < 1e-13;
        lat = next;
        if done {
            break;
        }
    }
    [lat, lon]
}

/// ETRS89/WGS84 longitude/latitude to OSGB36 National Grid by Helmert transformation:
/// **about 5 m accuracy**, no grid needed. Non-finite input gives non-finite output.
pub fn to_bng(p: LonLat) -> Bng {
    let xyz = to_cartesian(&GRS80, p.lat.to_radians(), p.lon.to_radians());
    let [lat, lon] = to_geodetic(&AIRY_1830, ETRS89_TO_OSGB36.apply(xyz));
    let [easting, northing] = project(&AIRY_1830, lat, lon);
    Bng { easting, northing }
}

/// OSGB36 National Grid to ETRS89/WGS84 longitude/latitude by Helmert transformation:
/// **about 5 m accuracy**, no grid needed. Non-finite input gives non-finite output.
pub fn to_lonlat(p: Bng) -> LonLat {
    let [lat, lon] = unproject(&AIRY_1830, p.easting, p.northing);
    let xyz = to_cartesian(&AIRY_1830, lat, lon);
    let [lat, lon] = to_geodetic(&GRS80, ETRS89_TO_OSGB36.inverse().apply(xyz));
    LonLat {
        lon: lon.to_degrees(),
        lat: lat.to_degrees(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_round_trip() {
        let (lat, lon) = (53.5_f64.to_radians(), (-2.3_f64).to_radians());
        let [lat2, lon2] = to_geodetic(&GRS80, to_cartesian(&GRS80, lat, lon));
        assert!((lat2 - lat).abs() < 1e-12 && (lon2 - lon).abs() < 1e-12);
    }

    #[test]
    fn helmert_inverse_undoes_forward_to_a_centimetre() {
        let p = LonLat {
            lon: -2.3,
            lat: 53.5,
        };
        let back = to_lonlat(to_bng(p));
        assert!(
            (back.lon - p.lon).abs() < 2e-7 && (back.lat - p.lat).abs() < 1e-7,
            "{back:?}"
        );
    }
}
