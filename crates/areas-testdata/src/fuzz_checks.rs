//! The properties the fuzz targets check (`crates/areas/fuzz`), shared with the test
//! that replays every crash kept in `crates/areas/tests/data/fuzz-regressions/`
//! (`crates/areas/tests/fuzz_regressions.rs`). Each function panics when a property
//! fails; anything else is fine.

use std::io::Cursor;

use council_areas::rules::{Answer, RouteRequest};
use council_areas::{AreaIndex, AreaType, BoundaryImporter, Crs, LayerOptions, RuleBook};

/// GeoJSON import: never panics; an index it writes opens and answers; every stored
/// vertex is covered by an area of its own type (the covers rule).
pub fn geojson_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let layers = [
        LayerOptions::default(),
        LayerOptions {
            code_property: Some("code".into()),
            name_property: Some("name".into()),
            skip_invalid: true,
            ..LayerOptions::default()
        },
        LayerOptions {
            code_property: Some("code".into()),
            name_property: Some("name".into()),
            area_type: Some(AreaType::Cpc),
            crs: Some(Crs::Bng),
            skip_invalid: true,
            ..LayerOptions::default()
        },
    ];
    for opts in layers {
        let mut imp = BoundaryImporter::new().with_bng_transform(|e, n| {
            let p = council_bng::helmert::to_lonlat(council_bng::Bng::new(e, n));
            Some((p.lon, p.lat))
        });
        imp.unparished("E07000001", "E43000001");
        let _ = imp.add_geojson_str("fuzz.geojson", text, &opts);
        let mut out = Vec::new();
        if imp.write_index(&mut out).is_err() {
            continue;
        }
        check_index(out);
    }
}

fn check_index(bytes: Vec<u8>) {
    let index = AreaIndex::open(Cursor::new(bytes)).expect("an index just written opens");
    let areas = index.list_areas(&[]).expect("list");
    for a in areas.iter().take(8) {
        let d = index
            .area_by_code(&a.code)
            .expect("area")
            .expect("listed area exists");
        assert_eq!(&d.area, a);
        let polys = index.geometry(&a.code).expect("geometry").expect("exists");
        assert_eq!(polys.len() as u32, d.polygon_count);
        for p in polys.iter().flatten().flatten().take(16) {
            let found = index
                .areas_at(p.longitude, p.latitude, &[a.area_type])
                .expect("query");
            assert!(
                found.iter().any(|f| f.area_type == a.area_type),
                "vertex {p:?} of {} is covered by no {}",
                a.code,
                a.area_type
            );
            // Lowest code wins: never a higher code than the area whose vertex it is.
            assert!(found[0].code <= a.code);
        }
    }
}

/// Rule files: never panic; errors point inside the text; a valid book routes every
/// combination of first/last answers without panicking.
pub fn rule_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match RuleBook::from_toml("fuzz.toml", text) {
        Err(e) => {
            let lines = text.split('\n').count();
            assert!(e.line <= lines + 1, "line {} of {lines}: {e}", e.line);
        }
        Ok(book) => {
            for qs in book.categories() {
                for pick_last in [false, true] {
                    let answers: Vec<Answer> = qs
                        .questions
                        .iter()
                        .map(|q| Answer {
                            question_id: q.id.clone(),
                            value: if pick_last {
                                q.options.last().unwrap().value.clone()
                            } else {
                                q.options[0].value.clone()
                            },
                        })
                        .collect();
                    let tries = [
                        (answers.clone(), sample_areas()),
                        (answers, vec![]),
                        (vec![], sample_areas()),
                    ];
                    for (answers, areas) in tries {
                        let _ = book.route(&RouteRequest {
                            category: qs.category.clone(),
                            answers,
                            areas,
                        });
                    }
                }
            }
        }
    }
}

fn sample_areas() -> Vec<council_areas::Area> {
    let a = |code: &str, t| council_areas::Area {
        code: code.into(),
        name: code.into(),
        area_type: t,
        parent_code: None,
        country: "E".into(),
    };
    vec![
        a("E04000001", AreaType::Cpc),
        a("E05000001", AreaType::Diw),
        a("E07000001", AreaType::Dis),
        a("E10000001", AreaType::Cty),
    ]
}

/// A small valid index: three parishes, a district with an unparished part, a county.
pub fn small_index() -> Vec<u8> {
    let sq = |x0: f64, y0: f64, x1: f64, y1: f64| {
        vec![vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    };
    let o = LayerOptions::default();
    let mut imp = BoundaryImporter::new();
    imp.add_area("E04000001", "A", None, vec![sq(0.0, 0.0, 1.0, 1.0)], &o)
        .unwrap();
    imp.add_area("E04000002", "B", None, vec![sq(1.0, 0.0, 2.0, 1.0)], &o)
        .unwrap();
    let mut holed = sq(0.0, 1.0, 2.0, 2.0);
    holed.push(vec![
        [0.5, 1.2],
        [0.5, 1.8],
        [1.5, 1.8],
        [1.5, 1.2],
        [0.5, 1.2],
    ]);
    imp.add_area("E04000003", "C", None, vec![holed], &o)
        .unwrap();
    imp.add_area("E07000001", "D", None, vec![sq(0.0, 0.0, 3.0, 3.0)], &o)
        .unwrap();
    imp.add_area("E05000001", "W", None, vec![sq(0.0, 0.0, 3.0, 3.0)], &o)
        .unwrap();
    imp.add_area("E10000001", "C", None, vec![sq(-1.0, -1.0, 4.0, 4.0)], &o)
        .unwrap();
    let mut out = Vec::new();
    imp.write_index(&mut out).unwrap();
    out
}

/// Index reader: a valid index with bytes patched (the header checksum recomputed so
/// the damage reaches the reader) never panics, whatever it answers.
pub fn index_reader(base: &[u8], data: &[u8]) {
    let mut bytes = base.to_vec();
    // data: (u16 little-endian position, byte) triples; xor the byte in.
    for p in data.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([p[0], p[1]])) % bytes.len();
        bytes[at] ^= p[2];
    }
    if data.len() % 3 == 1 {
        // A truncation by the last byte's value.
        let cut = usize::from(data[data.len() - 1]);
        bytes.truncate(bytes.len().saturating_sub(cut));
    }
    if bytes.len() >= 128 {
        let sum = fnv1a(&bytes[..120]);
        bytes[120..128].copy_from_slice(&sum.to_le_bytes());
    }
    let Ok(index) = AreaIndex::open(Cursor::new(bytes)) else {
        return;
    };
    for (x, y) in [
        (0.5, 0.5),
        (1.0, 0.5),
        (1.0, 1.5),
        (2.5, 2.5),
        (3.5, 3.5),
        (1.0, 1.0),
    ] {
        let _ = index.areas_at(x, y, &[]);
        let _ = index.areas_at(x, y, &[AreaType::Ncp]);
    }
    if let Ok(all) = index.list_areas(&[]) {
        for a in all.iter().take(10) {
            let _ = index.area_by_code(&a.code);
            let _ = index.geometry(&a.code);
            let _ = index.children(&a.code);
        }
    }
    let _ = index.area_by_code("E04000002");
    let _ = index.geometry("E04000003");
}

/// FNV-1a 64, the index header checksum (`docs/boundary-index.md`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
