//! The real Trafford boundaries (ONS, May 2023) and every real Trafford postcode
//! (Code-Point Open 2014): the known answers of `shared/fixtures/README.md`, copied
//! with the data into `data/sources/`.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::OnceLock;

use council_areas::{AreaIndex, AreaType, BoundaryImporter, ImportReport, LayerOptions};
use council_bng::{Bng, MemoryGrid};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/sources")
}

fn layer(generation: &str) -> LayerOptions {
    LayerOptions {
        code_property: Some("area_code".into()),
        name_property: Some("area_name".into()),
        generation: generation.into(),
        ..LayerOptions::default()
    }
}

/// Builds the Trafford index once per test binary.
fn trafford() -> &'static (Vec<u8>, ImportReport) {
    static INDEX: OnceLock<(Vec<u8>, ImportReport)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = data().join("boundaries/trafford-2023");
        let mut imp = BoundaryImporter::new();
        imp.add_geojson(dir.join("parish.geojson"), &layer("ONS Parishes May 2023"))
            .unwrap();
        imp.add_geojson(
            dir.join("electoral_ward.geojson"),
            &layer("ONS Wards May 2023"),
        )
        .unwrap();
        imp.add_geojson(
            dir.join("local_authority_district.geojson"),
            &layer("ONS LAD May 2023"),
        )
        .unwrap();
        imp.unparished("E08000009", "E43000163");
        let mut out = Vec::new();
        let report = imp.write_index(&mut out).unwrap();
        (out, report)
    })
}

fn open() -> AreaIndex<Cursor<&'static [u8]>> {
    AreaIndex::open(Cursor::new(trafford().0.as_slice())).unwrap()
}

fn grid() -> &'static MemoryGrid {
    static GRID: OnceLock<MemoryGrid> = OnceLock::new();
    GRID.get_or_init(|| {
        MemoryGrid::from_ostn15_xz(&data().join("ostn15/OSTN15_OSGM15_DataFile.txt.xz")).unwrap()
    })
}

/// Every Trafford postcode: (postcode, easting, northing). Code-Point Open: no header,
/// CRLF, quoted, columns PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC.
fn trafford_postcodes() -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for f in ["m.csv", "wa.csv"] {
        let text = std::fs::read_to_string(data().join("codepoint-open-2014").join(f)).unwrap();
        for line in text.lines() {
            let cols: Vec<&str> = line
                .trim_end()
                .split(',')
                .map(|c| c.trim_matches('"'))
                .collect();
            assert_eq!(cols.len(), 10, "{line}");
            if cols[8] == "E08000009" {
                out.push((
                    cols[0].to_string(),
                    cols[2].parse().unwrap(),
                    cols[3].parse().unwrap(),
                ));
            }
        }
    }
    out
}

/// Parish (or "unparished") of a point, asserting the district answer as it goes.
fn parish_at(index: &AreaIndex<Cursor<&[u8]>>, lon: f64, lat: f64) -> Option<String> {
    let areas = index
        .areas_at(lon, lat, &[AreaType::Cpc, AreaType::Ncp, AreaType::Mtd])
        .unwrap();
    let district = areas.iter().find(|a| a.area_type == AreaType::Mtd)?;
    assert_eq!(district.code, "E08000009");
    let parish = areas
        .iter()
        .find(|a| matches!(a.area_type, AreaType::Cpc | AreaType::Ncp))
        .expect("a point in the district has a parish or the unparished area");
    Some(if parish.area_type == AreaType::Ncp {
        assert_eq!(parish.code, "E43000163");
        assert_eq!(parish.parent_code.as_deref(), Some("E08000009"));
        "unparished".to_string()
    } else {
        assert_eq!(parish.parent_code.as_deref(), Some("E08000009"));
        parish.name.clone()
    })
}

#[test]
fn import_reports_every_layer_and_links_parents() {
    let (_, report) = trafford();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let counts: Vec<(usize, usize)> = report
        .layers
        .iter()
        .map(|l| (l.features, l.imported))
        .collect();
    assert_eq!(counts, [(4, 4), (21, 21), (1, 1)]);
    let by_type = &report.stats.areas_by_type;
    assert_eq!(by_type[&AreaType::Cpc], 4);
    assert_eq!(by_type[&AreaType::Mtw], 21, "wards under an MTD are MTW");
    assert_eq!(by_type[&AreaType::Mtd], 1);
    assert_eq!(by_type[&AreaType::Ncp], 1);

    let index = open();
    let trafford = index.area_by_code("E08000009").unwrap().unwrap();
    assert_eq!(trafford.area.name, "Trafford");
    assert_eq!(trafford.area.country, "E");
    assert_eq!(trafford.generation, "ONS LAD May 2023");
    // 4 parishes, 21 wards and the unparished area.
    assert_eq!(trafford.children.len(), 26, "{:?}", trafford.children);
    assert!(trafford.children.contains(&"E43000163".to_string()));
    let parishes = index.list_areas(&[AreaType::Cpc]).unwrap();
    let names: Vec<&str> = parishes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["Carrington", "Dunham Massey", "Partington", "Warburton"]
    );
    assert!(
        parishes
            .iter()
            .all(|p| p.parent_code.as_deref() == Some("E08000009"))
    );
    let ncp = index.area_by_code("E43000163").unwrap().unwrap();
    assert_eq!(ncp.area.name, "Trafford, unparished area");
    assert_eq!(ncp.area.area_type, AreaType::Ncp);
    assert_eq!(index.geometry("E43000163").unwrap(), Some(vec![]));
    assert_eq!(index.area_by_code("E04999999").unwrap(), None);
}

#[test]
fn geometry_comes_back_closed_and_counter_clockwise() {
    let index = open();
    let d = index.area_by_code("E04000011").unwrap().unwrap();
    let polys = index.geometry("E04000011").unwrap().unwrap();
    assert_eq!(polys.len() as u32, d.polygon_count);
    let vertices: usize = polys.iter().flatten().map(|r| r.len() - 1).sum();
    assert_eq!(vertices as u32, d.vertex_count);
    for poly in &polys {
        for (i, ring) in poly.iter().enumerate() {
            assert_eq!(ring.first(), ring.last());
            let area2: f64 = ring
                .windows(2)
                .map(|w| w[0].longitude * w[1].latitude - w[1].longitude * w[0].latitude)
                .sum();
            assert_eq!(area2 > 0.0, i == 0, "outer rings CCW, holes CW");
        }
    }
}

#[test]
fn all_trafford_postcodes_match_the_helmert_counts() {
    let index = open();
    let postcodes = trafford_postcodes();
    assert_eq!(postcodes.len(), 6604);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (pc, e, n) in &postcodes {
        let p = council_bng::helmert::to_lonlat(Bng::new(*e, *n));
        let parish =
            parish_at(&index, p.lon, p.lat).unwrap_or_else(|| panic!("{pc} is outside Trafford"));
        *counts.entry(parish).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("Partington", 201),
        ("Dunham Massey", 47),
        ("Carrington", 45),
        ("Warburton", 39),
        ("unparished", 6272),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn ostn15_gives_the_sample_answers_and_moves_only_a_handful() {
    let index = open();
    let postcodes = trafford_postcodes();
    let samples = [
        ("M31 4AA", "Carrington"),
        ("M31 4AN", "Partington"),
        ("WA139GF", "Warburton"),
        ("WA144PE", "Dunham Massey"),
        ("M15 4AB", "unparished"),
    ];
    for (pc, want) in samples {
        let (_, e, n) = postcodes.iter().find(|p| p.0 == pc).unwrap();
        let p = council_bng::to_lonlat(Bng::new(*e, *n), grid()).unwrap();
        assert_eq!(
            parish_at(&index, p.lon, p.lat).as_deref(),
            Some(want),
            "{pc}"
        );
    }
    // M15 4AB in full: the unparished area, its district, and its ward.
    let (_, e, n) = postcodes.iter().find(|p| p.0 == "M15 4AB").unwrap();
    let p = council_bng::to_lonlat(Bng::new(*e, *n), grid()).unwrap();
    let all = index.areas_at(p.lon, p.lat, &[]).unwrap();
    let kinds: Vec<AreaType> = all.iter().map(|a| a.area_type).collect();
    assert_eq!(kinds, [AreaType::Ncp, AreaType::Mtw, AreaType::Mtd]);
    assert_eq!(all[0].code, "E43000163");
    assert_eq!(all[0].parent_code.as_deref(), Some("E08000009"));

    let mut moved = Vec::new();
    for (pc, e, n) in &postcodes {
        let h = council_bng::helmert::to_lonlat(Bng::new(*e, *n));
        let o = council_bng::to_lonlat(Bng::new(*e, *n), grid()).unwrap();
        let (a, b) = (
            parish_at(&index, h.lon, h.lat),
            parish_at(&index, o.lon, o.lat),
        );
        if a != b {
            moved.push(format!("{pc}: {a:?} (Helmert) -> {b:?} (OSTN15)"));
        }
    }
    println!("{} postcode(s) change sides with OSTN15:", moved.len());
    for m in &moved {
        println!("  {m}");
    }
    assert!(moved.len() <= 10, "{moved:#?}");
}

#[test]
fn every_postcode_has_exactly_one_ward() {
    let index = open();
    let mut without = Vec::new();
    for (pc, e, n) in trafford_postcodes() {
        let p = council_bng::helmert::to_lonlat(Bng::new(e, n));
        let wards = index.areas_at(p.lon, p.lat, &[AreaType::Mtw]).unwrap();
        assert!(wards.len() <= 1);
        if wards.is_empty() {
            without.push(pc);
        }
    }
    println!("postcodes in no ward (generalisation slivers): {without:?}");
    assert!(without.len() <= 10, "{without:?}");
}

#[test]
fn a_bng_layer_round_trips_to_the_same_answers() {
    // Write the parish layer back out in EPSG:27700 (OSTN15 forward), import it with
    // the OSTN15 inverse, and compare vertices and answers with the WGS84 import.
    let src: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data().join("boundaries/trafford-2023/parish.geojson")).unwrap(),
    )
    .unwrap();
    let mut bng = src.clone();
    bng["crs"] =
        serde_json::json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}});
    for f in bng["features"].as_array_mut().unwrap() {
        convert_positions(&mut f["geometry"]["coordinates"]);
    }
    let mut imp = BoundaryImporter::new().with_bng_grid(grid());
    let report = imp
        .add_geojson_str("parish-27700.geojson", &bng.to_string(), &layer("BNG"))
        .unwrap();
    assert_eq!(report.crs, council_areas::Crs::Bng);
    assert_eq!(report.imported, 4);
    let mut out = Vec::new();
    imp.write_index(&mut out).unwrap();
    let from_bng = AreaIndex::open(Cursor::new(out)).unwrap();
    let from_wgs = open();
    for code in ["E04000009", "E04000010", "E04000011", "E04000012"] {
        let a = from_bng.geometry(code).unwrap().unwrap();
        let b = from_wgs.geometry(code).unwrap().unwrap();
        let worst = a
            .iter()
            .flatten()
            .flatten()
            .zip(b.iter().flatten().flatten())
            .map(|(p, q)| {
                (p.longitude - q.longitude)
                    .abs()
                    .max((p.latitude - q.latitude).abs())
            })
            .fold(0.0f64, f64::max);
        // 1e-7 degrees is one fixed-point unit (about a centimetre).
        assert!(worst <= 2e-7, "{code}: vertices moved by {worst} degrees");
    }
    for (pc, e, n) in trafford_postcodes().iter().step_by(7) {
        let p = council_bng::to_lonlat(Bng::new(*e, *n), grid()).unwrap();
        let code = |found: Vec<council_areas::Area>| found.first().map(|a| a.code.clone());
        // (The BNG index has no district, so parents differ; the parish must not.)
        assert_eq!(
            code(from_bng.areas_at(p.lon, p.lat, &[AreaType::Cpc]).unwrap()),
            code(from_wgs.areas_at(p.lon, p.lat, &[AreaType::Cpc]).unwrap()),
            "{pc}"
        );
    }
}

fn convert_positions(v: &mut serde_json::Value) {
    let arr = v.as_array_mut().unwrap();
    if arr.first().is_some_and(serde_json::Value::is_number) {
        let (lon, lat) = (arr[0].as_f64().unwrap(), arr[1].as_f64().unwrap());
        let p = council_bng::to_bng(council_bng::LonLat::new(lon, lat), grid()).unwrap();
        *v = serde_json::json!([p.easting, p.northing]);
    } else {
        for x in arr {
            convert_positions(x);
        }
    }
}

#[test]
fn a_bng_layer_without_a_transform_is_refused() {
    let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":[]}"#;
    let err = BoundaryImporter::new()
        .add_geojson_str("x.geojson", text, &LayerOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("BNG transform"), "{err}");
}

#[test]
fn small_caches_evict_without_changing_answers() {
    let full = open();
    assert!(
        trafford().0.len() > 8 * 4096,
        "the index spans many pages: {}",
        trafford().0.len()
    );
    for cache in [1, 2 * 4096, 4 * 4096] {
        let small = open().with_cache_bytes(cache);
        for (pc, e, n) in trafford_postcodes().iter().step_by(13) {
            let p = council_bng::helmert::to_lonlat(Bng::new(*e, *n));
            assert_eq!(
                small.areas_at(p.lon, p.lat, &[]).unwrap(),
                full.areas_at(p.lon, p.lat, &[]).unwrap(),
                "{pc} with a {cache}-byte cache"
            );
        }
        assert_eq!(
            small.geometry("E08000009").unwrap(),
            full.geometry("E08000009").unwrap()
        );
        assert_eq!(
            small.list_areas(&[]).unwrap(),
            full.list_areas(&[]).unwrap()
        );
    }
}
