//! The index against brute force on a small generated set (the benchmark's generator
//! at test scale): random points and every shared vertex, each answered as `geo`'s
//! point–polygon `Intersects` (which is "covers") plus the lowest-code rule says.

use std::io::Cursor;

use council_areas::{AreaIndex, AreaType, BoundaryImporter, LayerOptions};
use council_areas_testdata::national;
use geo::{Intersects, LineString, Point, Polygon};

fn expected(
    areas: &[(national::GenArea, Polygon<f64>)],
    p: [f64; 2],
    t: AreaType,
) -> Option<String> {
    let pt = Point::new(p[0], p[1]);
    areas
        .iter()
        .filter(|(a, poly)| a.area_type == t && poly.intersects(&pt))
        .map(|(a, _)| a.code.clone())
        .min()
}

#[test]
fn generated_sets_answer_like_brute_force() {
    for seed in [1, 2, 3] {
        let cfg = national::Config::small(seed);
        let set = national::generate(&cfg);
        let mut imp = BoundaryImporter::new();
        let opts = LayerOptions::default();
        for a in &set {
            imp.add_area(
                &a.code,
                &a.name,
                Some(a.area_type),
                vec![vec![a.ring.clone()]],
                &opts,
            )
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
        let mut out = Vec::new();
        let report = imp.write_index(&mut out).unwrap();
        assert!(report.rejected.is_empty());
        let index = AreaIndex::open(Cursor::new(out)).unwrap();
        let areas: Vec<(national::GenArea, Polygon<f64>)> = set
            .iter()
            .map(|a| {
                let ls: LineString<f64> = a.ring.iter().map(|p| (p[0], p[1])).collect();
                (a.clone(), Polygon::new(ls, vec![]))
            })
            .collect();
        // Random points, and every vertex of every parish (all on shared boundaries).
        let mut pts = national::points(&cfg, 2000, seed);
        for a in set
            .iter()
            .filter(|a| a.area_type == AreaType::Cpc)
            .step_by(3)
        {
            pts.extend(a.ring.iter().step_by(5));
        }
        let mut unparished = 0;
        for (k, p) in pts.iter().enumerate() {
            let got = index.areas_at(p[0], p[1], &[]).unwrap();
            for t in [AreaType::Cpc, AreaType::Dis, AreaType::Cty] {
                let g = got
                    .iter()
                    .find(|a| a.area_type == t)
                    .map(|a| a.code.clone());
                assert_eq!(g, expected(&areas, *p, t), "seed {seed} {t} at {p:?}");
            }
            let ncp = got.iter().find(|a| a.area_type == AreaType::Ncp);
            let has_cpc = got.iter().any(|a| a.area_type == AreaType::Cpc);
            let dis = got.iter().find(|a| a.area_type == AreaType::Dis);
            match (has_cpc, dis, ncp) {
                (false, Some(d), Some(n)) => {
                    assert_eq!(n.parent_code.as_deref(), Some(d.code.as_str()));
                    unparished += 1;
                }
                (true, _, None) | (false, None, None) => {}
                other => panic!("seed {seed} at {p:?}: {other:?}"),
            }
            // Parents: parish → district (for random points, which are not on a
            // boundary where the lowest-code district may be a neighbour).
            if let (true, Some(c), Some(d)) = (
                k < 2000,
                got.iter().find(|a| a.area_type == AreaType::Cpc),
                dis,
            ) {
                assert_eq!(c.parent_code.as_deref(), Some(d.code.as_str()), "{p:?}");
            }
        }
        assert!(unparished > 0, "seed {seed}: the set has unparished cells");
    }
}
