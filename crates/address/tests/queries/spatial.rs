//! Spatial queries (nearest, radius, bounding box) in BNG and WGS84, and positions
//! given as latitude/longitude inside and outside the OSTN15 grid.

use super::*;

#[test]
fn spatial() {
    let i = idx();
    let at = BngPoint {
        easting: 373120.0,
        northing: 393301.0,
    };
    let n = i
        .nearest(
            at,
            100.0,
            &QueryOptions {
                max_results: 1,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&n), [990000000001]);
    assert_eq!(n.results[0].distance_m, Some(0.0));
    let r = i.within_radius(at, 15.0, &both()).unwrap();
    let mut u = uprns(&r);
    u.dedup();
    assert_eq!(u, [990000000001, 990000000004, 990000000002]);
    assert!(
        r.results
            .windows(2)
            .all(|w| w[0].distance_m <= w[1].distance_m)
    );
    assert!((r.results.last().unwrap().distance_m.unwrap() - 13.45).abs() < 0.01);
    let r2 = i.within_radius(at, 25.0, &QueryOptions::default()).unwrap();
    assert_eq!(r2.total, 3);
    let bb = i
        .within_bbox(
            BngPoint {
                easting: 373000.0,
                northing: 393200.0,
            },
            BngPoint {
                easting: 373200.0,
                northing: 393400.0,
            },
            &QueryOptions::default(),
        )
        .unwrap();
    assert_eq!(
        uprns(&bb),
        [990000000003, 990000000001, 990000000002],
        "address order"
    );
    let bbu = i
        .within_bbox(
            BngPoint {
                easting: 373200.0,
                northing: 393400.0,
            },
            BngPoint {
                easting: 373000.0,
                northing: 393200.0,
            },
            &QueryOptions {
                sort: SortOrder::Uprn,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&bbu), [990000000001, 990000000002, 990000000003]);
    // Errors.
    assert!(matches!(
        i.nearest(at, 0.5, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.nearest(at, 1001.0, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.within_radius(at, 0.001, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.within_radius(at, 1000.5, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    let far = BngPoint {
        easting: 374500.0,
        northing: 394500.0,
    };
    assert!(
        matches!(i.within_bbox(at, far, &both()), Err(LookupError::InvalidQuery(m)) if m.contains("1 km²"))
    );
    assert!(
        matches!(i.within_bbox(at, at, &both()), Err(LookupError::InvalidQuery(m)) if m.contains("empty"))
    );
    let out = BngPoint {
        easting: -10.0,
        northing: 5.0,
    };
    assert!(matches!(
        i.nearest(out, 10.0, &both()),
        Err(LookupError::OutOfRange(_))
    ));
    assert!(matches!(
        i.within_radius(
            BngPoint {
                easting: f64::NAN,
                northing: 1.0
            },
            10.0,
            &both()
        ),
        Err(LookupError::OutOfRange(_))
    ));
    // Postcode-level positions (RPC 9) are found too.
    let pc = i
        .nearest(
            BngPoint {
                easting: 383825.0,
                northing: 398598.0,
            },
            50.0,
            &both(),
        )
        .unwrap();
    assert!(pc.results.iter().any(|m| m.address.uprn == 994000000001));
}

/// Issue 11: positions supplied as latitude/longitude alone outside the OSTN15 grid
/// (AddressBase Premium Islands, a plain CSV of Channel Islands places) are kept in
/// WGS84, never dropped, and answer nearest, radius and bounding-box queries.
#[test]
fn positions_outside_the_ostn15_grid_are_kept_and_found() {
    let king_street = Wgs84Point {
        longitude: -2.10640,
        latitude: 49.18620,
    };
    for (file, format, first) in [
        (
            "abp_islands.csv",
            Format::AddressBasePremium,
            992_000_000_001u64,
        ),
        ("plain_latlong.csv", Format::PlainCsv, 993_000_000_001),
    ] {
        let (g, r) = import(&[(file, format)]);
        assert!(r.wgs84_only >= 2, "{file}: {r:?}");
        let i = index_of(&g);
        let a = &i.by_uprn(first, &both()).unwrap()[0];
        assert_eq!(a.location.bng, None, "{file}: no BNG outside the grid");
        assert_eq!(a.location.rpc, 1);
        assert_eq!(a.location.wgs84.latitude, 49.1861, "{file}");
        assert_eq!(a.location.wgs84.longitude, -2.1066, "{file}");

        let near = i.nearest_wgs84(king_street, None, 100.0, &both()).unwrap();
        let uprns: Vec<u64> = near.results.iter().map(|m| m.address.uprn).collect();
        assert_eq!(
            uprns.first(),
            Some(&first),
            "{file}: nearest first: {uprns:?}"
        );
        assert!(uprns.contains(&(first + 1)), "{file}: {uprns:?}");
        let d = near.results[0].distance_m.unwrap();
        // 0.0001° of latitude and 0.0002° of longitude at 49.19°N: about 18 m.
        assert!((15.0..21.0).contains(&d), "{file}: {d}");

        let r10 = i
            .within_radius_wgs84(king_street, None, 10.0, &both())
            .unwrap();
        assert_eq!(r10.total, 0, "{file}: nothing within 10 m");

        let bbox = i
            .within_bbox_wgs84(
                Wgs84Point {
                    longitude: -2.1070,
                    latitude: 49.1858,
                },
                Wgs84Point {
                    longitude: -2.1058,
                    latitude: 49.1866,
                },
                None,
                &both(),
            )
            .unwrap();
        let mut in_box: Vec<u64> = bbox.results.iter().map(|m| m.address.uprn).collect();
        in_box.sort_unstable();
        in_box.dedup();
        assert_eq!(in_box, [first, first + 1], "{file}");
        // A box larger than 1 km² is refused in WGS84 as on the grid.
        assert!(
            i.within_bbox_wgs84(
                Wgs84Point {
                    longitude: -2.2,
                    latitude: 49.1
                },
                Wgs84Point {
                    longitude: -2.1,
                    latitude: 49.2
                },
                None,
                &both(),
            )
            .is_err()
        );
    }
    // The Islands placeholder X/Y of 0.00, 0.00 beside a latitude/longitude is not a
    // position at the grid's origin.
    let (g, _) = import(&[("abp_islands.csv", Format::AddressBasePremium)]);
    let i = index_of(&g);
    let a = &i.by_uprn(992_000_000_003, &both()).unwrap()[0];
    assert_eq!((a.location.bng, a.location.wgs84.latitude), (None, 49.195));
}

/// Inside the grid, a plain CSV's latitude/longitude gets its BNG by OSTN15 and is
/// found by BNG and WGS84 queries alike.
#[test]
fn latitude_longitude_inside_the_grid_gets_a_bng_position() {
    let (g, r) = import(&[("plain_latlong.csv", Format::PlainCsv)]);
    let i = index_of(&g);
    let a = &i.by_uprn(993_000_000_007, &both()).unwrap()[0];
    let bng = a.location.bng.expect("BNG by OSTN15");
    assert!((383_000.0..385_000.0).contains(&bng.easting), "{bng:?}");
    let near = i.nearest(bng, 5.0, &both()).unwrap();
    assert_eq!(near.results[0].address.uprn, 993_000_000_007);
    let near = i
        .nearest_wgs84(a.location.wgs84, Some(bng), 5.0, &both())
        .unwrap();
    assert_eq!(near.results[0].address.uprn, 993_000_000_007);
    // Paris is not in the British Isles: the address is kept without that position,
    // and the warning names the line, the column and why.
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(
        r.warnings.iter().any(|w| w.line == 9
            && w.reason
                .contains("column LATITUDE: '48.8566' is not an ETRS89 latitude")
            && w.reason.contains("kept without this position")),
        "{:?}",
        r.warnings
    );
    let paris = g.properties[&993_000_000_008].blpu.as_ref().unwrap();
    assert_eq!((paris.latitude, paris.x), (None, None));
    assert_eq!(r.unpositioned, 1);
}
