//! OSTN15 against Ordnance Survey's own published test points.
//!
//! Source: the 40 test points TP01..TP40 of OS's OSTN15/OSGM15 Developer Pack
//! (`OSTN15_OSGM15_TestInput_ETRStoOSGB.txt`, `OSTN15_OSGM15_TestOutput_ETRStoOSGB.txt`,
//! `OSTN15_OSGM15_TestInput_OSGBtoETRS.txt`, `OSTN15_OSGM15_TestOutput_OSGBtoETRS.txt`),
//! vendored in `tests/data/` with their provenance (copied from the public repository
//! IeuanWalker/GeoUK, cross-checked against urschrei/lonlat_bng) and licence in
//! `tests/data/README.md`. Contains OS data © Crown copyright and database rights,
//! Ordnance Survey and the MOD 2016, BSD 2-clause licence.
//!
//! The grid is the real one, built from the vendored `OSTN15_OSGM15_DataFile.txt.xz`.

mod common;

use common::{Table, memory_grid, metres_apart};
use council_bng::projection::etrs89_to_en;
use council_bng::{
    Bng, ConvertError, FileGrid, GRID_COLUMNS, LonLat, ShiftGrid, helmert, ostn15_shift, to_bng,
    to_lonlat,
};

/// OS's outputs are rounded to the millimetre.
const MM: f64 = 0.001;

fn forward_input() -> Table {
    Table::read("OSTN15_OSGM15_TestInput_ETRStoOSGB.txt")
}

fn forward_output() -> Table {
    Table::read("OSTN15_OSGM15_TestOutput_ETRStoOSGB.txt")
}

fn reverse_input() -> Table {
    Table::read("OSTN15_OSGM15_TestInput_OSGBtoETRS.txt")
}

fn reverse_output() -> Table {
    Table::read("OSTN15_OSGM15_TestOutput_OSGBtoETRS_extract.csv")
}

fn etrs89(input: &Table, id: &str) -> LonLat {
    LonLat::new(
        input.num(id, "ETRS Longitude"),
        input.num(id, "ETRS89 Latitude"),
    )
}

#[test]
fn the_data_files_hold_all_forty_points() {
    let expected: Vec<String> = (1..=40).map(|i| format!("TP{i:02}")).collect();
    assert_eq!(forward_input().ids(), expected);
    assert_eq!(forward_output().ids(), expected);
    assert_eq!(reverse_input().ids(), expected);
    assert_eq!(reverse_output().ids(), expected);
}

#[test]
fn forward_matches_os_to_the_millimetre() {
    let (input, output) = (forward_input(), forward_output());
    let grid = memory_grid();
    let mut worst: f64 = 0.0;
    let mut exact = 0;
    for id in input.ids() {
        let got = to_bng(etrs89(&input, &id), grid).unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = Bng::new(output.num(&id, "OSGBEast"), output.num(&id, "OSGBNorth"));
        let (de, dn) = (got.easting - want.easting, got.northing - want.northing);
        assert!(
            de.abs() <= MM && dn.abs() <= MM,
            "{id}: got {got:?}, OS {want:?}"
        );
        worst = worst.max(de.abs()).max(dn.abs());
        if (got.easting * 1000.0).round() == (want.easting * 1000.0).round()
            && (got.northing * 1000.0).round() == (want.northing * 1000.0).round()
        {
            exact += 1;
        }
    }
    println!(
        "forward: worst difference {:.4} mm; {exact}/40 identical when rounded to the mm",
        worst * 1000.0
    );
    // The only difference allowed is OS's rounding to the millimetre.
    assert!(worst <= 0.000_5 + 1e-9, "worst {worst}");
    assert_eq!(exact, 40);
}

/// `RecNoS0..3` in OS's output are `Point_ID`s of the data file: record `RecNo - 1` of
/// the grid, node (i, j) = ((RecNo − 1) mod 701, (RecNo − 1) div 701). Their shifts must
/// come out of the grid exactly, which checks the importer's node order and units.
#[test]
fn grid_nodes_match_os_records() {
    let output = forward_output();
    let grid = memory_grid();
    for id in output.ids() {
        let mut nodes = Vec::new();
        for k in 0..4 {
            let rec = output.num(&id, &format!("RecNoS{k}")) as u32 - 1;
            let (i, j) = (rec % GRID_COLUMNS, rec / GRID_COLUMNS);
            let shift = grid.node_shift(i, j).unwrap();
            let want = [
                output.num(&id, &format!("Se{k}")),
                output.num(&id, &format!("Sn{k}")),
            ];
            assert!(
                (shift[0] - want[0]).abs() < 1e-9 && (shift[1] - want[1]).abs() < 1e-9,
                "{id} S{k} node ({i}, {j}): grid {shift:?}, OS {want:?}"
            );
            nodes.push((i, j));
        }
        // OS order: S0 south-west, S1 south-east, S2 north-east, S3 north-west.
        let (i, j) = nodes[0];
        assert_eq!(
            nodes,
            vec![(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)],
            "{id}"
        );
        assert_eq!(
            grid.cell_shifts(i, j).unwrap()[2],
            grid.node_shift(i + 1, j + 1).unwrap()
        );
    }
}

/// OS gives the interpolated shifts Se, Sn to 5 decimals (0.01 mm).
#[test]
fn interpolated_shifts_match_os() {
    let (input, output) = (forward_input(), forward_output());
    let grid = memory_grid();
    for id in input.ids() {
        let [e, n] = etrs89_to_en(etrs89(&input, &id));
        let [se, sn] = ostn15_shift(e, n, grid).unwrap();
        let (want_e, want_n) = (output.num(&id, "Se"), output.num(&id, "Sn"));
        assert!(
            (se - want_e).abs() <= 0.000_005 + 1e-9 && (sn - want_n).abs() <= 0.000_005 + 1e-9,
            "{id}: ({se:.6}, {sn:.6}), OS ({want_e}, {want_n})"
        );
    }
}

/// The inverse's ETRS89 easting/northing must match the last iteration OS lists
/// (to 0.1 mm, its precision) within a millimetre.
#[test]
fn inverse_matches_os_iterations_to_the_millimetre() {
    let (input, output) = (reverse_input(), reverse_output());
    let grid = memory_grid();
    let mut worst: f64 = 0.0;
    for id in input.ids() {
        let p = Bng::new(
            input.num(&id, "OSGB36 Eastings"),
            input.num(&id, "OSGB36 Northing"),
        );
        let got = to_lonlat(p, grid).unwrap_or_else(|e| panic!("{id}: {e}"));
        let [e, n] = etrs89_to_en(got);
        let (de, dn) = (
            e - output.num(&id, "ETRSEast"),
            n - output.num(&id, "ETRSNorth"),
        );
        assert!(
            de.abs() <= MM && dn.abs() <= MM,
            "{id}: ETRS89 E/N differ by ({de}, {dn}) m"
        );
        worst = worst.max(de.abs()).max(dn.abs());
    }
    println!(
        "inverse: worst ETRS89 E/N difference from OS's iterations {:.4} mm",
        worst * 1000.0
    );
    // OS lists the iterations to 0.1 mm (rounding: 0.05 mm) and both stop iterating
    // once successive estimates agree to 0.1 mm, where the next step is ~10⁻⁵ of that.
    assert!(worst <= 0.000_1, "worst {worst}");
}

/// The inverse's latitude/longitude against OS's `RESULT` rows, within a millimetre
/// wherever OS's own reverse test is consistent to a millimetre. OS's `RESULT` is the
/// forward input, while its reverse input is the forward output rounded to the
/// millimetre (TP31 and TP32 by a few millimetres more), so the yardstick for each
/// point is how far OS's own last iteration is from its `RESULT`.
#[test]
fn inverse_matches_os_results_where_os_is_consistent() {
    let (input, output) = (reverse_input(), reverse_output());
    let grid = memory_grid();
    let mut inconsistent = Vec::new();
    for id in input.ids() {
        let p = Bng::new(
            input.num(&id, "OSGB36 Eastings"),
            input.num(&id, "OSGB36 Northing"),
        );
        let got = to_lonlat(p, grid).unwrap();
        let want = LonLat::new(output.num(&id, "ETRSLong"), output.num(&id, "ETRSLat"));
        let [we, wn] = etrs89_to_en(want);
        let os_self = (we - output.num(&id, "ETRSEast")).hypot(wn - output.num(&id, "ETRSNorth"));
        let ours = metres_apart(want, got);
        if os_self <= MM {
            assert!(ours <= MM, "{id}: {:.3} mm from OS's RESULT", ours * 1000.0);
        } else {
            // Still as close as OS itself gets, plus the listing precision.
            assert!(
                ours <= os_self + 0.000_1,
                "{id}: {ours} m, OS itself {os_self} m"
            );
            inconsistent.push(format!("{id} ({:.1} mm)", os_self * 1000.0));
        }
    }
    println!("OS's reverse RESULT is more than 1 mm from its own iteration at: {inconsistent:?}");
    assert!(inconsistent.len() <= 2, "{inconsistent:?}");
}

#[test]
fn file_grid_gives_identical_results_on_the_test_points() {
    let input = forward_input();
    let file = FileGrid::open(std::io::Cursor::new(common::grid_bytes())).unwrap();
    for id in input.ids() {
        let p = etrs89(&input, &id);
        let a = to_bng(p, memory_grid()).unwrap();
        let b = to_bng(p, &file).unwrap();
        assert_eq!(a, b, "{id}");
        assert_eq!(
            to_lonlat(a, memory_grid()).unwrap(),
            to_lonlat(a, &file).unwrap(),
            "{id}"
        );
    }
}

#[test]
fn points_outside_the_grid_are_errors() {
    let grid = memory_grid();
    // Paris is south of the grid, Amsterdam east of it, the Faroes north of it.
    for (name, lon, lat) in [
        ("Paris", 2.35, 48.86),
        ("Amsterdam", 4.90, 52.37),
        ("Torshavn", -6.77, 62.01),
    ] {
        let err = to_bng(LonLat::new(lon, lat), grid).unwrap_err();
        assert!(
            matches!(err, ConvertError::OutsideGrid { .. }),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains("outside the OSTN15 grid"), "{err}");
    }
    for (lon, lat) in [
        (151.21, -33.87),
        (-74.0, 40.7),
        (0.0, 90.0),
        (-2.0, -49.0),
        (400.0, 52.0),
    ] {
        let err = to_bng(LonLat::new(lon, lat), grid).unwrap_err();
        assert!(
            matches!(err, ConvertError::OutsideArea { .. }),
            "{lon} {lat}: {err:?}"
        );
    }
    for (e, n) in [
        (-0.001, 500_000.0),
        (700_000.001, 500_000.0),
        (300_000.0, -1.0),
        (300_000.0, 1_250_000.5),
    ] {
        let err = to_lonlat(Bng::new(e, n), grid).unwrap_err();
        assert!(
            matches!(err, ConvertError::OutsideGrid { easting, northing } if easting == e && northing == n),
            "{e} {n}: {err:?}"
        );
    }
    // Inside the OSGB36 rectangle but its ETRS89 position (about 90 m further west) is not.
    assert!(matches!(
        to_lonlat(Bng::new(50.0, 600_000.0), grid),
        Err(ConvertError::OutsideGrid { .. })
    ));
    assert!(matches!(
        to_bng(LonLat::new(f64::NAN, 53.0), grid),
        Err(ConvertError::NotFinite)
    ));
    assert!(matches!(
        to_lonlat(Bng::new(400_000.0, f64::NEG_INFINITY), grid),
        Err(ConvertError::NotFinite)
    ));
}

/// The Helmert fallback is documented as good to about 5 m: check that against OSTN15
/// on mainland points, both directions, and that it is not secretly exact.
#[test]
fn helmert_is_within_five_metres_of_ostn15() {
    let (input, output) = (forward_input(), forward_output());
    let mut worst: (f64, String) = (0.0, String::new());
    for id in input.ids() {
        let p = etrs89(&input, &id);
        let want = Bng::new(output.num(&id, "OSGBEast"), output.num(&id, "OSGBNorth"));
        let got = helmert::to_bng(p);
        let d = (got.easting - want.easting).hypot(got.northing - want.northing);
        if d > worst.0 {
            worst = (d, id.clone());
        }
    }
    println!(
        "Helmert vs OSTN15 over all 40 OS points: worst {:.2} m at {}",
        worst.0, worst.1
    );
    // Mainland England, Wales and Scotland: London, Southampton, Daresbury, Pudsey,
    // Edinburgh, Aberdeen, Carmarthen, Inverness.
    for id in [
        "TP09", "TP05", "TP16", "TP20", "TP27", "TP29", "TP10", "TP30",
    ] {
        let p = etrs89(&input, id);
        let want = Bng::new(output.num(id, "OSGBEast"), output.num(id, "OSGBNorth"));
        let got = helmert::to_bng(p);
        let d = (got.easting - want.easting).hypot(got.northing - want.northing);
        assert!(d < 5.0, "{id}: Helmert {d:.2} m from OSTN15");
        assert!(d > 0.01, "{id}: Helmert suspiciously exact ({d} m)");
        let back = helmert::to_lonlat(want);
        let m = metres_apart(p, back);
        assert!(m < 5.0, "{id}: Helmert inverse {m:.2} m from OSTN15");
    }
}
