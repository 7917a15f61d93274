//! Point lookups over a generated national-scale boundary set (GENERATED DATA, see
//! `council_areas_testdata::national`): about 9,000 parishes, 289 districts and 25 counties.
//!
//! Measures, in one run:
//! - warm: one open `AreaIndex` answering many lookups (all types), its page cache
//!   holding what it has read;
//! - per request: `File::open` + `AreaIndex::open` + one lookup, as a component
//!   instantiated fresh for each request does (p50/p90/p99);
//! - the baseline: a naive loop of `geo::Contains` over every polygon in memory.
//!
//! Prints times and ratios; asserts nothing about time. The generated index is cached
//! under `target/council-areas-bench/`. `cargo bench -p council-areas --bench lookup`.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use council_areas::{AreaIndex, AreaType, DEFAULT_CACHE_BYTES};
use council_areas_testdata::national;
use council_test_support::percentile;
use geo::{Contains, LineString, Point, Polygon};

fn index_path(cfg: &national::Config) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    national::index_path(cfg, &target)
}

/// Writes `areas.tsv` (code, type, WKT polygon in WGS84) and `points.tsv` (id,
/// longitude, latitude).
fn export(set: &[national::GenArea], points: &[[f64; 2]], dir: &std::path::Path) {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap();
    let mut out = std::io::BufWriter::new(File::create(dir.join("areas.tsv")).unwrap());
    for a in set {
        let ring: Vec<String> = a
            .ring
            .iter()
            .map(|p| format!("{} {}", p[0], p[1]))
            .collect();
        writeln!(
            out,
            "{}\t{}\tPOLYGON(({}))",
            a.code,
            a.area_type.code(),
            ring.join(",")
        )
        .unwrap();
    }
    let mut out = std::io::BufWriter::new(File::create(dir.join("points.tsv")).unwrap());
    for (i, p) in points.iter().enumerate() {
        writeln!(out, "{i}\t{}\t{}", p[0], p[1]).unwrap();
    }
    println!(
        "exported {} areas and {} points to {}",
        set.len(),
        points.len(),
        dir.display()
    );
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let cfg = national::Config::national();
    let t = Instant::now();
    let set = national::generate(&cfg);
    let vertices: usize = set.iter().map(|a| a.ring.len() - 1).sum();
    let per_type = |t: AreaType| set.iter().filter(|a| a.area_type == t).count();
    let max_v = |t: AreaType| {
        set.iter()
            .filter(|a| a.area_type == t)
            .map(|a| a.ring.len() - 1)
            .max()
            .unwrap_or(0)
    };
    let mean_v = |t: AreaType| {
        let (n, v) = set
            .iter()
            .filter(|a| a.area_type == t)
            .fold((0, 0), |(n, v), a| (n + 1, v + a.ring.len() - 1));
        v / n.max(1)
    };
    println!(
        "generated {} parishes (mean {} / max {} vertices), {} districts (mean {} / max {}), {} counties (mean {} / max {}); {} vertices in {:.1} s",
        per_type(AreaType::Cpc),
        mean_v(AreaType::Cpc),
        max_v(AreaType::Cpc),
        per_type(AreaType::Dis),
        mean_v(AreaType::Dis),
        max_v(AreaType::Dis),
        per_type(AreaType::Cty),
        mean_v(AreaType::Cty),
        max_v(AreaType::Cty),
        vertices,
        t.elapsed().as_secs_f64()
    );

    let path = index_path(&cfg);
    if !path.exists() {
        let t = Instant::now();
        let report = national::write_index(&set, &path);
        println!(
            "imported and wrote {} ({:.0} MB, {} stripe entries for {} vertices) in {:.1} s",
            path.display(),
            report.stats.bytes as f64 / 1e6,
            report.stats.stripe_entries,
            report.stats.vertices,
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("using cached {}", path.display());
    }
    let file_len = std::fs::metadata(&path).unwrap().len();

    let points = national::points(&cfg, 100_000, 42);

    // `LOOKUP_EXPORT=<dir>`: write the polygons and the first 10,000 query points as
    // TSV for bench/postgis-areas.sh (the same set in PostGIS), then stop.
    if let Some(dir) = std::env::var_os("LOOKUP_EXPORT") {
        export(&set, &points[..10_000], &PathBuf::from(dir));
        let index = AreaIndex::open(File::open(&path).unwrap()).unwrap();
        let pairs: usize = points[..10_000]
            .iter()
            .map(|p| {
                index
                    .areas_at(p[0], p[1], &[AreaType::Cpc, AreaType::Dis, AreaType::Cty])
                    .unwrap()
                    .len()
            })
            .sum();
        println!("council-areas: {pairs} (point, area) pairs for those points");
        return;
    }

    // Warm: one handle, a cache big enough to hold what the lookups read.
    let index = AreaIndex::open(File::open(&path).unwrap())
        .unwrap()
        .with_cache_bytes(file_len as usize + (1 << 20));
    let mut found = 0usize;
    for p in &points {
        found += index.areas_at(p[0], p[1], &[]).unwrap().len();
    }
    let t = Instant::now();
    for p in &points {
        found += index.areas_at(p[0], p[1], &[]).unwrap().len();
    }
    let warm = t.elapsed() / points.len() as u32;
    let t = Instant::now();
    for p in &points {
        found += index.areas_at(p[0], p[1], &[AreaType::Cpc]).unwrap().len();
    }
    let warm_cpc = t.elapsed() / points.len() as u32;

    // Warm with the default cache (64 MiB, smaller than the file): a long-lived handle
    // on a machine that keeps the file in the OS page cache.
    let small = AreaIndex::open(File::open(&path).unwrap()).unwrap();
    for p in &points {
        found += small.areas_at(p[0], p[1], &[]).unwrap().len();
    }
    let t = Instant::now();
    for p in &points {
        found += small.areas_at(p[0], p[1], &[]).unwrap().len();
    }
    let warm_small = t.elapsed() / points.len() as u32;

    // Per request: a fresh handle each time.
    let mut per_request = Vec::with_capacity(5_000);
    for p in points.iter().take(5_000) {
        let t = Instant::now();
        let fresh = AreaIndex::open(File::open(&path).unwrap()).unwrap();
        found += fresh.areas_at(p[0], p[1], &[]).unwrap().len();
        per_request.push(t.elapsed());
    }
    per_request.sort();

    // Baseline: geo::Contains over every polygon.
    let polys: Vec<(AreaType, &str, Polygon<f64>)> = set
        .iter()
        .map(|a| {
            let ls: LineString<f64> = a.ring.iter().map(|p| (p[0], p[1])).collect();
            (a.area_type, a.code.as_str(), Polygon::new(ls, vec![]))
        })
        .collect();
    let base_points = &points[..300];
    let t = Instant::now();
    let mut mismatches = 0;
    for p in base_points {
        let pt = Point::new(p[0], p[1]);
        let hits: Vec<&str> = polys
            .iter()
            .filter(|(_, _, poly)| poly.contains(&pt))
            .map(|(_, c, _)| *c)
            .collect();
        found += hits.len();
        let ours = index
            .areas_at(p[0], p[1], &[AreaType::Cpc, AreaType::Dis, AreaType::Cty])
            .unwrap();
        let mut ours: Vec<&str> = ours.iter().map(|a| a.code.as_str()).collect::<Vec<_>>();
        let mut theirs = hits.clone();
        ours.sort();
        theirs.sort();
        if ours != theirs {
            mismatches += 1;
        }
    }
    let naive = t.elapsed() / base_points.len() as u32;
    assert_eq!(mismatches, 0, "the index and geo::Contains disagree");

    println!(
        "file: {:.0} MB; {} areas found (keeps the work observable)",
        file_len as f64 / 1e6,
        found
    );
    println!(
        "warm, all types, cache holds the file : {:8.2} µs/lookup",
        us(warm)
    );
    println!(
        "warm, parish only                      : {:8.2} µs/lookup",
        us(warm_cpc)
    );
    println!(
        "warm, all types, default {} MiB cache  : {:8.2} µs/lookup",
        DEFAULT_CACHE_BYTES >> 20,
        us(warm_small)
    );
    println!(
        "per request (open file + index + lookup): p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs",
        us(percentile(&per_request, 0.5)),
        us(percentile(&per_request, 0.9)),
        us(percentile(&per_request, 0.99))
    );
    println!(
        "naive geo::Contains over {} polygons : {:8.1} µs/lookup",
        polys.len(),
        us(naive)
    );
    println!(
        "ratios: naive / warm = {:.0}x; naive / per-request p50 = {:.1}x",
        naive.as_secs_f64() / warm.as_secs_f64(),
        naive.as_secs_f64() / percentile(&per_request, 0.5).as_secs_f64()
    );
}
