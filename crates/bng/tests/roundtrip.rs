//! Round-trip properties over the whole grid with the real OSTN15 data: the inverse must
//! undo the forward transformation (and vice versa) to well under a millimetre
//! everywhere, land and sea, edges included. Points come from a fixed-seed generator,
//! so a failure is reproducible.

mod common;

use common::{Lcg, memory_grid, metres_apart};
use council_bng::projection::en_to_etrs89;
use council_bng::{Bng, ConvertError, LonLat, MAX_EASTING, MAX_NORTHING, to_bng, to_lonlat};

/// The inverse stops when successive estimates agree to 0.1 mm, so the round trip is
/// far better than that; 0.1 mm leaves room and still catches any real error.
const TOLERANCE_M: f64 = 0.000_1;

#[test]
fn grid_to_lonlat_and_back() {
    let grid = memory_grid();
    let mut rng = Lcg(0x5EED);
    let mut worst: f64 = 0.0;
    for _ in 0..20_000 {
        // Keep 200 m inside the edges: OSGB36 is ~80-110 m east and 45-85 m south of
        // ETRS89, so points closer to the edges may have ETRS89 positions off the grid.
        let p = Bng::new(rng.range(200.0, 699_800.0), rng.range(200.0, 1_249_800.0));
        let ll = to_lonlat(p, grid).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        let back = to_bng(ll, grid).unwrap_or_else(|e| panic!("{p:?} -> {ll:?}: {e}"));
        let d = (back.easting - p.easting).hypot(back.northing - p.northing);
        assert!(d < TOLERANCE_M, "{p:?} -> {ll:?} -> {back:?}: {d} m");
        worst = worst.max(d);
    }
    println!(
        "OSGB36 -> ETRS89 -> OSGB36: worst {:.2e} m over 20000 points",
        worst
    );
}

#[test]
fn lonlat_to_grid_and_back() {
    let grid = memory_grid();
    let mut rng = Lcg(42);
    let mut worst: f64 = 0.0;
    let mut tested = 0;
    while tested < 20_000 {
        // Uniform over the ETRS89 grid rectangle, away from its edges by 200 m.
        let p = en_to_etrs89(
            rng.range(200.0, MAX_EASTING - 200.0),
            rng.range(200.0, MAX_NORTHING - 200.0),
        );
        let bng = to_bng(p, grid).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        let back = to_lonlat(bng, grid).unwrap_or_else(|e| panic!("{p:?} -> {bng:?}: {e}"));
        let d = metres_apart(p, back);
        assert!(d < TOLERANCE_M, "{p:?} -> {bng:?} -> {back:?}: {d} m");
        worst = worst.max(d);
        tested += 1;
    }
    println!(
        "ETRS89 -> OSGB36 -> ETRS89: worst {:.2e} m over 20000 points",
        worst
    );
}

/// Places councils care about, where a systematic error would be noticed: a few known
/// National Grid positions must come back to themselves, and land where expected.
#[test]
fn known_places_round_trip() {
    let grid = memory_grid();
    // (name, lon, lat, approximate easting, approximate northing): Trafford Town Hall,
    // Land's End, John o' Groats, Lerwick, Lowestoft Ness.
    let places = [
        ("Trafford Town Hall", -2.3, 53.446, 380_000.0, 394_000.0),
        ("Land's End", -5.715, 50.066, 134_000.0, 25_000.0),
        ("John o' Groats", -3.07, 58.64, 338_000.0, 973_000.0),
        ("Lerwick", -1.145, 60.155, 447_000.0, 1_141_000.0),
        ("Lowestoft Ness", 1.763, 52.482, 655_000.0, 293_000.0),
    ];
    for (name, lon, lat, e, n) in places {
        let p = LonLat::new(lon, lat);
        let bng = to_bng(p, grid).unwrap();
        assert!(
            (bng.easting - e).abs() < 2_000.0 && (bng.northing - n).abs() < 2_000.0,
            "{name}: {bng:?}"
        );
        assert!(
            metres_apart(p, to_lonlat(bng, grid).unwrap()) < TOLERANCE_M,
            "{name}"
        );
    }
}

/// Exactly on grid nodes, cell edges and the grid's own boundary the interpolation
/// switches cells; the result must be continuous there.
#[test]
fn continuous_across_cell_edges_and_up_to_the_boundary() {
    let grid = memory_grid();
    for (e, n) in [
        (123_000.0, 456_000.0),
        (0.0, 600_000.0),
        (700_000.0, 600_000.0),
        (350_000.0, 1_250_000.0),
        (0.0, 0.0),
    ] {
        let on = to_bng(en_to_etrs89(e, n), grid).unwrap();
        for (de, dn) in [(-1e-6, 0.0), (1e-6, 0.0), (0.0, -1e-6), (0.0, 1e-6)] {
            match to_bng(en_to_etrs89(e + de, n + dn), grid) {
                Ok(near) => {
                    let d = (near.easting - on.easting).hypot(near.northing - on.northing);
                    assert!(d < 1e-5, "jump of {d} m at ({e}, {n}) + ({de}, {dn})");
                }
                Err(ConvertError::OutsideGrid { easting, northing }) => {
                    assert!(
                        e + de < 0.0
                            || e + de > MAX_EASTING
                            || n + dn < 0.0
                            || n + dn > MAX_NORTHING,
                        "({e}, {n}) + ({de}, {dn}) reported outside at ({easting}, {northing})"
                    );
                }
                Err(other) => panic!("{other}"),
            }
        }
    }
}
