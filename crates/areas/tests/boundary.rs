//! Import validation, the boundary rule, winding independence and index robustness.

use std::io::Cursor;

use council_areas::{AreaIndex, AreaType, BoundaryImporter, ImportError, IndexError, LayerOptions};

type Poly = Vec<Vec<[f64; 2]>>;

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Poly {
    vec![vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
}

fn reversed(p: &Poly) -> Poly {
    p.iter()
        .map(|r| r.iter().rev().copied().collect())
        .collect()
}

fn build(imp: BoundaryImporter) -> AreaIndex<Cursor<Vec<u8>>> {
    let mut out = Vec::new();
    imp.write_index(&mut out).unwrap();
    AreaIndex::open(Cursor::new(out)).unwrap()
}

fn codes(index: &AreaIndex<Cursor<Vec<u8>>>, lon: f64, lat: f64, t: &[AreaType]) -> Vec<String> {
    index
        .areas_at(lon, lat, t)
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect()
}

/// A district split into a 2 × 2 grid of parishes, the south-west one missing
/// (unparished), in a county.
fn grid_importer(reverse: bool, order: &[usize]) -> BoundaryImporter {
    let o = LayerOptions::default();
    let w = |p: Poly| if reverse { reversed(&p) } else { p };
    let parishes = [
        ("E04000004", "North East", square(1.0, 1.0, 2.0, 2.0)),
        ("E04000003", "North West", square(0.0, 1.0, 1.0, 2.0)),
        ("E04000002", "South East", square(1.0, 0.0, 2.0, 1.0)),
    ];
    let mut imp = BoundaryImporter::new();
    for &i in order {
        let (c, n, p) = &parishes[i];
        imp.add_area(c, n, None, vec![w(p.clone())], &o).unwrap();
    }
    imp.add_area(
        "E07000001",
        "Dale",
        None,
        vec![w(square(0.0, 0.0, 2.0, 2.0))],
        &o,
    )
    .unwrap();
    imp.add_area(
        "E10000001",
        "Shire",
        None,
        vec![w(square(-1.0, -1.0, 3.0, 3.0))],
        &o,
    )
    .unwrap();
    imp.unparished("E07000001", "E43000001");
    imp
}

#[test]
fn shared_edges_and_vertices_get_the_lowest_code() {
    let index = build(grid_importer(false, &[0, 1, 2]));
    let parish = |x, y| codes(&index, x, y, &[AreaType::Cpc]);
    // Edge between North West (…03) and North East (…04).
    assert_eq!(parish(1.0, 1.5), ["E04000003"]);
    // Edge between South East (…02) and North East (…04).
    assert_eq!(parish(1.5, 1.0), ["E04000002"]);
    // The vertex shared by all three parishes.
    assert_eq!(parish(1.0, 1.0), ["E04000002"]);
    // The outer boundary is covered.
    assert_eq!(parish(2.0, 2.0), ["E04000004"]);
    assert_eq!(parish(0.0, 1.5), ["E04000003"]);
    // Outside every parish but inside the district: no CPC.
    assert!(parish(0.5, 0.5).is_empty());
}

#[test]
fn answers_do_not_depend_on_winding_or_import_order() {
    let a = {
        let mut out = Vec::new();
        grid_importer(false, &[0, 1, 2])
            .write_index(&mut out)
            .unwrap();
        out
    };
    let b = {
        let mut out = Vec::new();
        grid_importer(true, &[2, 0, 1])
            .write_index(&mut out)
            .unwrap();
        out
    };
    assert_eq!(a, b, "the same index, byte for byte");
    let index = AreaIndex::open(Cursor::new(a)).unwrap();
    let g = index.geometry("E04000004").unwrap().unwrap();
    // Stored counter-clockwise whatever the input said.
    let r = &g[0][0];
    let area2: f64 = r
        .windows(2)
        .map(|w| w[0].longitude * w[1].latitude - w[1].longitude * w[0].latitude)
        .sum();
    assert!(area2 > 0.0);
}

#[test]
fn a_point_in_no_parish_gets_the_districts_unparished_area() {
    let index = build(grid_importer(false, &[0, 1, 2]));
    let all = index.areas_at(0.5, 0.5, &[]).unwrap();
    let got: Vec<(&str, AreaType, Option<&str>)> = all
        .iter()
        .map(|a| (a.code.as_str(), a.area_type, a.parent_code.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("E43000001", AreaType::Ncp, Some("E07000001")),
            ("E07000001", AreaType::Dis, Some("E10000001")),
            ("E10000001", AreaType::Cty, None),
        ]
    );
    assert_eq!(all[0].name, "Dale, unparished area");
    // In a parish: the parish, smallest first, no NCP.
    let kinds: Vec<AreaType> = index
        .areas_at(1.5, 1.5, &[])
        .unwrap()
        .iter()
        .map(|a| a.area_type)
        .collect();
    assert_eq!(kinds, [AreaType::Cpc, AreaType::Dis, AreaType::Cty]);
    // Outside the district but inside the county: no parish and no NCP.
    assert_eq!(codes(&index, 2.5, 2.5, &[]), ["E10000001"]);
    // Outside everything: empty, not an error.
    assert!(codes(&index, 10.0, 10.0, &[]).is_empty());
    // Filtered to NCP only.
    assert_eq!(codes(&index, 0.5, 0.5, &[AreaType::Ncp]), ["E43000001"]);
    assert!(codes(&index, 1.5, 0.5, &[AreaType::Ncp]).is_empty());
}

#[test]
fn unnamed_unparished_areas_are_synthesised() {
    let o = LayerOptions::default();
    let mut imp = BoundaryImporter::new();
    imp.add_area("E04000001", "P", None, vec![square(0.0, 0.0, 1.0, 1.0)], &o)
        .unwrap();
    imp.add_area("E07000009", "D", None, vec![square(0.0, 0.0, 2.0, 2.0)], &o)
        .unwrap();
    let index = build(imp);
    assert_eq!(codes(&index, 1.5, 1.5, &[AreaType::Ncp]), ["E07000009-NCP"]);
}

#[test]
fn holes_and_multipolygons() {
    let o = LayerOptions::default();
    let mut imp = BoundaryImporter::new();
    let mut donut = square(0.0, 0.0, 4.0, 4.0);
    donut.push(vec![
        [1.0, 1.0],
        [1.0, 3.0],
        [3.0, 3.0],
        [3.0, 1.0],
        [1.0, 1.0],
    ]);
    let island = square(1.5, 1.5, 2.5, 2.5);
    imp.add_area(
        "E04000001",
        "Donut",
        None,
        vec![donut, square(10.0, 0.0, 11.0, 1.0)],
        &o,
    )
    .unwrap();
    imp.add_area("E04000002", "Island", None, vec![island], &o)
        .unwrap();
    let index = build(imp);
    let parish = |x, y| codes(&index, x, y, &[AreaType::Cpc]);
    assert_eq!(parish(0.5, 0.5), ["E04000001"]);
    assert_eq!(parish(10.5, 0.5), ["E04000001"], "second polygon");
    assert!(parish(1.2, 1.2).is_empty(), "in the hole");
    assert_eq!(parish(1.0, 2.0), ["E04000001"], "on the hole's edge");
    assert_eq!(parish(2.0, 2.0), ["E04000002"], "the island in the hole");
    let d = index.area_by_code("E04000001").unwrap().unwrap();
    assert_eq!((d.polygon_count, d.vertex_count), (2, 12));
}

fn rejected(err: ImportError) -> Vec<council_areas::RejectedFeature> {
    match err {
        ImportError::InvalidFeatures(r) => r,
        other => panic!("expected invalid features, got {other}"),
    }
}

const FEATURES: &str = r#"{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "properties": {"PAR23CD": "E04000001", "PAR23NM": "Good", "LAD23CD": "E07000001"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000002", "PAR23NM": "Bow Tie"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000003", "PAR23NM": "Unclosed"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000004", "PAR23NM": "Too Short"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[0,0]]]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000005", "PAR23NM": "A Point"},
     "geometry": {"type": "Point", "coordinates": [0, 0]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000006", "PAR23NM": "Out Of Range"},
     "geometry": {"type": "Polygon", "coordinates": [[[380000,390000],[381000,390000],[381000,391000],[380000,390000]]]}},
    {"type": "Feature", "properties": {"PAR23CD": "E04000001", "PAR23NM": "Duplicate"},
     "geometry": {"type": "Polygon", "coordinates": [[[5,5],[6,5],[6,6],[5,5]]]}}
  ]
}"#;

#[test]
fn invalid_features_are_reported_with_code_and_name_and_fail_the_layer() {
    let mut imp = BoundaryImporter::new();
    let err = imp
        .add_geojson_str("parishes.geojson", FEATURES, &LayerOptions::default())
        .unwrap_err();
    let msg = err.to_string();
    let r = rejected(err);
    let got: Vec<(usize, &str, &str)> = r
        .iter()
        .map(|r| {
            (
                r.feature,
                r.code.as_deref().unwrap(),
                r.name.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "E04000002", "Bow Tie"),
            (2, "E04000003", "Unclosed"),
            (3, "E04000004", "Too Short"),
            (4, "E04000005", "A Point"),
            (5, "E04000006", "Out Of Range"),
            (6, "E04000001", "Duplicate"),
        ]
    );
    assert!(r[0].reason.contains("self-intersection"), "{}", r[0].reason);
    assert!(r[1].reason.contains("not closed"), "{}", r[1].reason);
    assert!(r[2].reason.contains("at least 4"), "{}", r[2].reason);
    assert!(
        r[3].reason.contains("not a Polygon or MultiPolygon"),
        "{}",
        r[3].reason
    );
    assert!(r[4].reason.contains("EPSG:27700"), "{}", r[4].reason);
    assert!(r[5].reason.contains("duplicate code"), "{}", r[5].reason);
    assert!(r.iter().all(|r| r.file == "parishes.geojson"));
    assert!(
        msg.contains("parishes.geojson feature 1 (E04000002 Bow Tie): self-intersection"),
        "{msg}"
    );
    // Nothing from the failed layer was kept.
    let mut out = Vec::new();
    let report = imp.write_index(&mut out).unwrap();
    assert_eq!(report.stats.areas_by_type.len(), 0);
}

#[test]
fn skip_invalid_imports_the_rest_and_counts_the_rejects() {
    let mut imp = BoundaryImporter::new();
    let opts = LayerOptions {
        skip_invalid: true,
        generation: "test".into(),
        ..LayerOptions::default()
    };
    let layer = imp
        .add_geojson_str("parishes.geojson", FEATURES, &opts)
        .unwrap();
    assert_eq!((layer.features, layer.imported, layer.rejected), (7, 1, 6));
    assert_eq!(layer.code_property, "PAR23CD");
    assert_eq!(layer.name_property, "PAR23NM");
    assert_eq!(layer.parent_property.as_deref(), Some("LAD23CD"));
    let mut out = Vec::new();
    let report = imp.write_index(&mut out).unwrap();
    assert_eq!(report.rejected.len(), 6);
    assert_eq!(report.stats.areas_by_type[&AreaType::Cpc], 1);
    // The given parent is not imported: warned, then looked for by containment.
    assert!(
        report.warnings.iter().any(|w| w.contains("E07000001")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn non_finite_coordinates_are_rejected() {
    let mut imp = BoundaryImporter::new();
    let mut p = square(0.0, 0.0, 1.0, 1.0);
    p[0][2] = [f64::NAN, 1.0];
    let r = rejected(
        imp.add_area("E04000001", "NaN", None, vec![p], &LayerOptions::default())
            .unwrap_err(),
    );
    assert!(r[0].reason.contains("non-finite"), "{}", r[0].reason);
}

#[test]
fn files_that_are_not_feature_collections_fail_with_a_position() {
    let mut imp = BoundaryImporter::new();
    let o = LayerOptions::default();
    let e = imp
        .add_geojson_str("a.geojson", "{\n  \"type\": ", &o)
        .unwrap_err();
    assert!(matches!(e, ImportError::Syntax { line: 2, .. }), "{e}");
    let e = imp
        .add_geojson_str("a.geojson", r#"{"type": "Feature"}"#, &o)
        .unwrap_err();
    assert!(
        e.to_string().contains("not a GeoJSON FeatureCollection"),
        "{e}"
    );
    let e = imp
        .add_geojson_str(
            "a.geojson",
            r#"{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features": []}"#,
            &o,
        )
        .unwrap_err();
    assert!(matches!(e, ImportError::UnsupportedCrs { .. }), "{e}");
    let e = imp
        .add_geojson_str(
            "a.geojson",
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "x"}, "geometry": null}]}"#,
            &o,
        )
        .unwrap_err();
    assert!(
        matches!(e, ImportError::NoProperty { what: "code", .. }),
        "{e}"
    );
}

#[test]
fn ward_types_follow_their_district() {
    let o = LayerOptions::default();
    let mut imp = BoundaryImporter::new();
    imp.add_area(
        "E05000001",
        "Met Ward",
        None,
        vec![square(0.0, 0.0, 1.0, 1.0)],
        &o,
    )
    .unwrap();
    imp.add_area(
        "E05000002",
        "Shire Ward",
        None,
        vec![square(5.0, 0.0, 6.0, 1.0)],
        &o,
    )
    .unwrap();
    imp.add_area(
        "E05000003",
        "Lost Ward",
        None,
        vec![square(9.0, 0.0, 9.5, 1.0)],
        &o,
    )
    .unwrap();
    imp.add_area(
        "E08000001",
        "Met",
        None,
        vec![square(0.0, 0.0, 2.0, 2.0)],
        &o,
    )
    .unwrap();
    imp.add_area(
        "E07000001",
        "Shire District",
        None,
        vec![square(5.0, 0.0, 7.0, 2.0)],
        &o,
    )
    .unwrap();
    let mut out = Vec::new();
    let report = imp.write_index(&mut out).unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("Lost Ward")));
    let index = AreaIndex::open(Cursor::new(out)).unwrap();
    let t = |c: &str| index.area_by_code(c).unwrap().unwrap().area;
    assert_eq!(
        (
            t("E05000001").area_type,
            t("E05000001").parent_code.as_deref()
        ),
        (AreaType::Mtw, Some("E08000001"))
    );
    assert_eq!(t("E05000002").area_type, AreaType::Diw);
    assert_eq!(t("E05000003").area_type, AreaType::Diw);
}

#[test]
fn corrupt_truncated_and_foreign_files_are_unavailable() {
    let mut good = Vec::new();
    grid_importer(false, &[0, 1, 2])
        .write_index(&mut good)
        .unwrap();
    let unavailable = |bytes: Vec<u8>| match AreaIndex::open(Cursor::new(bytes)) {
        Err(IndexError::IndexUnavailable(m)) => m,
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("opened"),
    };
    assert!(unavailable(good[..good.len() - 1].to_vec()).contains("truncated"));
    assert!(unavailable(good[..50].to_vec()).contains("truncated"));
    assert!(unavailable(b"GeoJSON?".repeat(20)).contains("magic"));
    let mut v2 = good.clone();
    v2[8] = 2;
    assert!(unavailable(v2).contains("version 2"));
    let mut flipped = good.clone();
    flipped[30] ^= 1;
    assert!(unavailable(flipped).contains("checksum"));
    // Damage past the header and the type directory (3 trees × 64 bytes) is caught
    // when read, never a panic.
    let mut damaged = good.clone();
    for b in &mut damaged[128 + 3 * 64..] {
        *b = 0xff;
    }
    let index = AreaIndex::open(Cursor::new(damaged)).unwrap();
    assert!(matches!(
        index.areas_at(0.5, 0.5, &[]),
        Err(IndexError::IndexUnavailable(_)) | Ok(_)
    ));
    assert!(index.list_areas(&[]).is_err());
}

#[test]
fn unusable_points_are_invalid() {
    let index = build(grid_importer(false, &[0, 1, 2]));
    for (x, y) in [
        (f64::NAN, 0.0),
        (0.0, f64::INFINITY),
        (181.0, 0.0),
        (0.0, -91.0),
    ] {
        assert!(
            matches!(index.areas_at(x, y, &[]), Err(IndexError::InvalidPoint(_))),
            "{x},{y}"
        );
    }
}

#[test]
fn children_and_listing() {
    let index = build(grid_importer(false, &[0, 1, 2]));
    let kids: Vec<String> = index
        .children("E07000001")
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect();
    assert_eq!(kids, ["E04000002", "E04000003", "E04000004", "E43000001"]);
    assert!(index.children("E99999999").unwrap().is_none());
    let all: Vec<String> = index
        .list_areas(&[])
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    assert_eq!(all.len(), 6);
    let d = index.area_by_code("E07000001").unwrap().unwrap();
    assert_eq!(
        (
            d.min.longitude,
            d.min.latitude,
            d.max.longitude,
            d.max.latitude
        ),
        (0.0, 0.0, 2.0, 2.0)
    );
}

/// Regression (issue 10, item 13): a property key that is not ASCII where an ONS code
/// has its digits (`PAR1é1`) panicked the importer (a string sliced inside `é`). It is
/// now a clear error naming the properties found.
#[test]
fn property_keys_that_are_not_ascii_are_an_error_not_a_panic() {
    let layer = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"PAR1é1": "E04000001", "WDé": "x"},
       "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}"#;
    let mut imp = BoundaryImporter::new();
    let err = imp
        .add_geojson_str("parishes.geojson", layer, &LayerOptions::default())
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("parishes.geojson"), "{msg}");
    assert!(msg.contains("PAR1é1"), "{msg}");
}
