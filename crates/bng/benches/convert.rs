//! Conversion cost: OSTN15 with the grid in memory, OSTN15 with positioned reads from a
//! grid file (reused, and opened afresh per conversion as a per-request WebAssembly
//! component does), and the grid-free Helmert fallback.
//!
//! Run with `cargo bench -p council-bng --bench convert`. Prints nanoseconds per
//! conversion (median of several rounds) and ratios against the in-memory grid measured
//! in the same run; it asserts nothing about time. Record results in
//! `docs/BENCHMARKS.md` with the machine and date.

use std::fs::File;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use council_bng::projection::en_to_etrs89;
use council_bng::{
    Bng, FileGrid, LonLat, MemoryGrid, helmert, to_bng, to_lonlat, write_grid_from_xz,
};

const POINTS: usize = 20_000;
const ROUNDS: usize = 7;

/// Median nanoseconds per item of `f` over `ROUNDS` rounds of `items` items.
fn ns_per_item(items: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up: page cache, branch predictors
    let mut samples: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_nanos() as f64 / items as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[ROUNDS / 2]
}

/// Fixed-seed points spread over Great Britain's part of the grid (64-bit LCG).
fn points() -> Vec<LonLat> {
    let mut state: u64 = 2024;
    let mut next = move |lo: f64, hi: f64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
    };
    (0..POINTS)
        .map(|_| en_to_etrs89(next(150_000.0, 650_000.0), next(10_000.0, 1_000_000.0)))
        .collect()
}

fn main() {
    let xz = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz");
    let grid_path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{}.grid", std::process::id()));

    let start = Instant::now();
    write_grid_from_xz(&xz, &grid_path).expect("building the grid");
    let import_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let memory = MemoryGrid::from_grid_bytes(&std::fs::read(&grid_path).expect("reading the grid"))
        .expect("grid");
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let file = FileGrid::open(File::open(&grid_path).expect("opening the grid")).expect("grid");

    let lonlats = points();
    let bngs: Vec<Bng> = lonlats
        .iter()
        .map(|&p| to_bng(p, &memory).expect("inside"))
        .collect();

    let forward_memory = ns_per_item(POINTS, || {
        for &p in &lonlats {
            black_box(to_bng(black_box(p), &memory).unwrap());
        }
    });
    let forward_file = ns_per_item(POINTS, || {
        for &p in &lonlats {
            black_box(to_bng(black_box(p), &file).unwrap());
        }
    });
    let forward_file_fresh = ns_per_item(POINTS, || {
        for &p in &lonlats {
            let grid = FileGrid::open(File::open(&grid_path).unwrap()).unwrap();
            black_box(to_bng(black_box(p), &grid).unwrap());
        }
    });
    let forward_helmert = ns_per_item(POINTS, || {
        for &p in &lonlats {
            black_box(helmert::to_bng(black_box(p)));
        }
    });
    let inverse_memory = ns_per_item(POINTS, || {
        for &p in &bngs {
            black_box(to_lonlat(black_box(p), &memory).unwrap());
        }
    });
    let inverse_file = ns_per_item(POINTS, || {
        for &p in &bngs {
            black_box(to_lonlat(black_box(p), &file).unwrap());
        }
    });
    let inverse_helmert = ns_per_item(POINTS, || {
        for &p in &bngs {
            black_box(helmert::to_lonlat(black_box(p)));
        }
    });
    let reads_per_forward = {
        let grid = FileGrid::open(File::open(&grid_path).unwrap()).unwrap();
        for &p in &lonlats {
            to_bng(p, &grid).unwrap();
        }
        grid.reads() as f64 / POINTS as f64
    };
    std::fs::remove_file(&grid_path).expect("removing the bench grid");

    println!(
        "council-bng conversion benchmark: {POINTS} points over GB, median of {ROUNDS} rounds"
    );
    println!(
        "grid import from xz: {import_ms:.0} ms; MemoryGrid load (7 MB, CRC-checked): {load_ms:.1} ms"
    );
    println!("{:<44} {:>10} {:>14}", "", "ns/conv", "vs MemoryGrid");
    let row =
        |name: &str, ns: f64, base: f64| println!("{name:<44} {ns:>10.0} {:>13.2}x", ns / base);
    row("to_bng     MemoryGrid", forward_memory, forward_memory);
    row(
        "to_bng     FileGrid (one open, reused)",
        forward_file,
        forward_memory,
    );
    row(
        "to_bng     FileGrid (open per conversion)",
        forward_file_fresh,
        forward_memory,
    );
    row(
        "to_bng     helmert (no grid, ~5 m)",
        forward_helmert,
        forward_memory,
    );
    row("to_lonlat  MemoryGrid", inverse_memory, inverse_memory);
    row(
        "to_lonlat  FileGrid (one open, reused)",
        inverse_file,
        inverse_memory,
    );
    row(
        "to_lonlat  helmert (no grid, ~5 m)",
        inverse_helmert,
        inverse_memory,
    );
    println!(
        "positioned reads per forward conversion with a reused FileGrid: {reads_per_forward:.2}"
    );
}
