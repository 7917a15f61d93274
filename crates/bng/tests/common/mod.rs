//! Shared by the integration tests: the real OSTN15 grid, built once per test binary
//! from the vendored xz data file, and readers for OS's test point files.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use council_bng::{GridSummary, MemoryGrid, write_grid_from_xz};

/// OS's OSTN15 data file as vendored in the repository.
pub fn xz_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz")
}

/// A scratch path for this test process, under Cargo's per-target temporary directory.
pub fn scratch_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("council-bng-{}-{name}", std::process::id()))
}

/// The grid file built from the vendored data with `write_grid_from_xz`, read back into
/// memory (the file itself is removed again), with the importer's summary.
fn built() -> &'static (Vec<u8>, GridSummary) {
    static BUILT: OnceLock<(Vec<u8>, GridSummary)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = scratch_path("ostn15.grid");
        let summary =
            write_grid_from_xz(&xz_path(), &out).expect("building the grid from the vendored data");
        let bytes = std::fs::read(&out).expect("reading the built grid");
        std::fs::remove_file(&out).expect("removing the built grid");
        (bytes, summary)
    })
}

/// The bytes of the grid file built from the vendored data.
pub fn grid_bytes() -> &'static [u8] {
    &built().0
}

/// What `write_grid_from_xz` reported when building [`grid_bytes`].
pub fn grid_summary() -> &'static GridSummary {
    &built().1
}

/// The real grid in memory.
pub fn memory_grid() -> &'static MemoryGrid {
    static GRID: OnceLock<MemoryGrid> = OnceLock::new();
    GRID.get_or_init(|| {
        MemoryGrid::from_grid_bytes(grid_bytes()).expect("the built grid reads back")
    })
}

/// A data file under `tests/data`, as rows of comma-separated fields keyed by the header.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(name: &str) -> Table {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let split = |l: &str| {
            l.split(',')
                .map(|f| f.trim().to_owned())
                .collect::<Vec<_>>()
        };
        let header = split(lines.next().expect("a header line"));
        let rows: Vec<Vec<String>> = lines.map(split).collect();
        for row in &rows {
            assert_eq!(row.len(), header.len(), "{name}: {row:?}");
        }
        Table { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.header))
    }

    /// The text of `column` in the row whose first field is `id`.
    pub fn text(&self, id: &str, column: &str) -> &str {
        let c = self.column(column);
        let row = self
            .rows
            .iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("no row {id}"));
        &row[c]
    }

    /// `column` of row `id` as a number.
    pub fn num(&self, id: &str, column: &str) -> f64 {
        let t = self.text(id, column);
        t.parse()
            .unwrap_or_else(|_| panic!("{id} {column}: {t:?} is not a number"))
    }

    /// The point ids, in file order.
    pub fn ids(&self) -> Vec<String> {
        self.rows.iter().map(|r| r[0].clone()).collect()
    }
}

/// A small deterministic pseudo-random generator (64-bit LCG, Knuth's MMIX constants),
/// so that the property tests are reproducible without a dependency.
pub struct Lcg(pub u64);

impl Lcg {
    /// A uniform number in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

/// Metres between two ETRS89 longitude/latitude points a few millimetres apart
/// (local radii of curvature on GRS80; exact enough at this scale).
pub fn metres_apart(a: council_bng::LonLat, b: council_bng::LonLat) -> f64 {
    let lat = a.lat.to_radians();
    let e2 = 0.006_694_380_022_900_79;
    let w = (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let nu = 6_378_137.0 / w;
    let rho = 6_378_137.0 * (1.0 - e2) / (w * w * w);
    let dn = (b.lat - a.lat).to_radians() * rho;
    let de = (b.lon - a.lon).to_radians() * nu * lat.cos();
    dn.hypot(de)
}
