//! A generated, national-scale boundary set (GENERATED DATA, not real boundaries):
//! a jittered grid of parishes over an England-sized extent, grouped into districts
//! and districts into counties, with wiggly edges shared bit for bit between
//! neighbours. Deterministic for a seed.
//!
//! Each grid edge between two jittered grid vertices is a polyline whose offset from
//! the straight segment is a smooth function of the position along it (a graph over
//! the segment, so it cannot cross itself), vanishing at both ends; its vertex count
//! is skewed (most edges tens to a hundred or two, a few several hundred), which gives
//! parishes of hundreds to a couple of thousand vertices, districts of thousands and
//! counties of tens of thousands, as in ONS's full-resolution boundaries. An edge is a
//! pure function of (seed, direction, i, j), so the two parishes on either side and
//! the district and county boundaries along it all get the same vertices.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use council_areas::{AreaType, BoundaryImporter, ImportReport, LayerOptions};

/// Bump when the generator or the index format changes, to rebuild the cached file.
pub const DATA_VERSION: u32 = 3;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Parish cells west–east.
    pub nx: usize,
    /// Parish cells south–north.
    pub ny: usize,
    /// A district is `district_block` × `district_block` cells.
    pub district_block: usize,
    /// A county is `county_block` × `county_block` districts.
    pub county_block: usize,
    /// `[west, south, east, north]` in degrees.
    pub extent: [f64; 4],
    /// Most extra vertices on one edge.
    pub max_edge_points: usize,
    /// One cell in `unparished_every` (by hash) has no parish.
    pub unparished_every: u64,
    /// The seed.
    pub seed: u64,
}

impl Config {
    /// About 10,000 parishes (9,000 after the unparished cells), 289 districts and
    /// 25 counties over England's extent.
    pub fn national() -> Config {
        Config {
            nx: 100,
            ny: 100,
            district_block: 6,
            county_block: 4,
            extent: [-5.7, 50.0, 1.8, 55.8],
            max_edge_points: 500,
            unparished_every: 10,
            seed: 20_231_127,
        }
    }

    /// A small set for tests.
    pub fn small(seed: u64) -> Config {
        Config {
            nx: 12,
            ny: 9,
            district_block: 3,
            county_block: 2,
            extent: [-2.0, 53.0, -1.0, 53.6],
            max_edge_points: 60,
            unparished_every: 5,
            seed,
        }
    }
}

/// One generated area: a single closed ring in degrees.
#[derive(Debug, Clone)]
pub struct GenArea {
    /// A GSS-like code (`E04000001`, `E07000001`, `E10000001`).
    pub code: String,
    /// `Parish 17`, `District 3`, `County 1`.
    pub name: String,
    /// `CPC`, `DIS` or `CTY`.
    pub area_type: AreaType,
    /// Closed ring, `[lon, lat]`.
    pub ring: Vec<[f64; 2]>,
}

/// SplitMix64 of a key: a stateless hash for per-edge randomness.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from a key.
fn unit(key: u64) -> f64 {
    (mix(key) >> 11) as f64 / (1u64 << 53) as f64
}

fn key(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed), |h, &p| mix(h ^ p))
}

struct Gen<'a> {
    c: &'a Config,
    dx: f64,
    dy: f64,
}

impl Gen<'_> {
    /// Grid vertex (i, j), jittered by up to 20% of a cell inside the extent.
    fn vertex(&self, i: usize, j: usize) -> [f64; 2] {
        let c = self.c;
        let mut x = c.extent[0] + i as f64 * self.dx;
        let mut y = c.extent[1] + j as f64 * self.dy;
        if i > 0 && i < c.nx {
            x += (unit(key(c.seed, &[1, i as u64, j as u64])) - 0.5) * 0.4 * self.dx;
        }
        if j > 0 && j < c.ny {
            y += (unit(key(c.seed, &[2, i as u64, j as u64])) - 0.5) * 0.4 * self.dy;
        }
        [x, y]
    }

    /// The polyline from vertex `a` to vertex `b` of edge `(dir, i, j)` (dir 0: east
    /// from (i, j); dir 1: north from (i, j)), both ends included.
    fn edge(&self, dir: u64, i: usize, j: usize) -> Vec<[f64; 2]> {
        let a = self.vertex(i, j);
        let b = if dir == 0 {
            self.vertex(i + 1, j)
        } else {
            self.vertex(i, j + 1)
        };
        let k = key(self.c.seed, &[3, dir, i as u64, j as u64]);
        let u = unit(k);
        let n = 12 + (u * u * u * self.c.max_edge_points as f64) as usize;
        let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
        let len = (ex * ex + ey * ey).sqrt();
        let (px, py) = (-ey / len, ex / len);
        // Three sine harmonics with random phases and amplitudes, times sin(πt).
        let h: Vec<(f64, f64, f64)> = (0..3)
            .map(|m| {
                let f = [2.0, 5.0, 13.0][m];
                let amp = unit(k ^ (10 + m as u64)) * [0.05, 0.025, 0.01][m];
                let phase = unit(k ^ (20 + m as u64)) * std::f64::consts::TAU;
                (f, amp, phase)
            })
            .collect();
        let mut pts = Vec::with_capacity(n + 2);
        for s in 0..=n + 1 {
            let t = s as f64 / (n + 1) as f64;
            if s == 0 {
                pts.push(a);
                continue;
            }
            if s == n + 1 {
                pts.push(b);
                continue;
            }
            let env = (std::f64::consts::PI * t).sin();
            let off: f64 = h
                .iter()
                .map(|(f, amp, ph)| amp * (f * std::f64::consts::PI * t + ph).sin())
                .sum::<f64>()
                * env
                * len;
            pts.push([a[0] + ex * t + px * off, a[1] + ey * t + py * off]);
        }
        pts
    }

    /// The closed ring around cells `[i0, i1) × [j0, j1)`, counter-clockwise.
    fn block(&self, i0: usize, j0: usize, i1: usize, j1: usize) -> Vec<[f64; 2]> {
        let mut ring: Vec<[f64; 2]> = Vec::new();
        let mut push = |pts: Vec<[f64; 2]>, rev: bool| {
            let it: Box<dyn Iterator<Item = [f64; 2]>> = if rev {
                Box::new(pts.into_iter().rev())
            } else {
                Box::new(pts.into_iter())
            };
            for p in it {
                if ring.last() != Some(&p) {
                    ring.push(p);
                }
            }
        };
        for i in i0..i1 {
            push(self.edge(0, i, j0), false);
        }
        for j in j0..j1 {
            push(self.edge(1, i1, j), false);
        }
        for i in (i0..i1).rev() {
            push(self.edge(0, i, j1), true);
        }
        for j in (j0..j1).rev() {
            push(self.edge(1, i0, j), true);
        }
        ring
    }
}

/// Generates the set: parishes (minus the unparished cells), districts, counties.
pub fn generate(c: &Config) -> Vec<GenArea> {
    let g = Gen {
        c,
        dx: (c.extent[2] - c.extent[0]) / c.nx as f64,
        dy: (c.extent[3] - c.extent[1]) / c.ny as f64,
    };
    let mut out = Vec::new();
    let mut n = 0;
    for j in 0..c.ny {
        for i in 0..c.nx {
            let cell = (j * c.nx + i) as u64;
            if mix(c.seed ^ cell.wrapping_mul(31)).is_multiple_of(c.unparished_every) {
                continue;
            }
            n += 1;
            out.push(GenArea {
                code: format!("E04{n:06}"),
                name: format!("Parish {n}"),
                area_type: AreaType::Cpc,
                ring: g.block(i, j, i + 1, j + 1),
            });
        }
    }
    let db = c.district_block;
    let (dnx, dny) = (c.nx.div_ceil(db), c.ny.div_ceil(db));
    let mut n = 0;
    for b in 0..dny {
        for a in 0..dnx {
            n += 1;
            out.push(GenArea {
                code: format!("E07{n:06}"),
                name: format!("District {n}"),
                area_type: AreaType::Dis,
                ring: g.block(
                    a * db,
                    b * db,
                    ((a + 1) * db).min(c.nx),
                    ((b + 1) * db).min(c.ny),
                ),
            });
        }
    }
    let cb = c.county_block * db;
    let mut n = 0;
    for b in 0..c.ny.div_ceil(cb) {
        for a in 0..c.nx.div_ceil(cb) {
            n += 1;
            out.push(GenArea {
                code: format!("E10{n:06}"),
                name: format!("County {n}"),
                area_type: AreaType::Cty,
                ring: g.block(
                    a * cb,
                    b * cb,
                    ((a + 1) * cb).min(c.nx),
                    ((b + 1) * cb).min(c.ny),
                ),
            });
        }
    }
    out
}

/// Deterministic query points, uniform over the extent.
pub fn points(c: &Config, count: usize, seed: u64) -> Vec<[f64; 2]> {
    (0..count as u64)
        .map(|k| {
            let x = unit(key(seed, &[7, k]));
            let y = unit(key(seed, &[8, k]));
            [
                c.extent[0] + x * (c.extent[2] - c.extent[0]),
                c.extent[1] + y * (c.extent[3] - c.extent[1]),
            ]
        })
        .collect()
}

/// Where the index of `cfg` is cached under a target directory
/// (`<target>/council-areas-bench/`). Shared by `council-areas`' `lookup` bench and
/// `council-host`'s `capabilities` bench, so either builds it for both.
pub fn index_path(cfg: &Config, target_dir: &Path) -> PathBuf {
    target_dir.join("council-areas-bench").join(format!(
        "national-v{DATA_VERSION}-f{}-s{}.idx",
        council_areas::FORMAT_VERSION,
        cfg.seed
    ))
}

/// Imports the generated `set` and writes its index to `path` (through a temporary
/// file, renamed into place, so a half-written index is never used).
pub fn write_index(set: &[GenArea], path: &Path) -> ImportReport {
    std::fs::create_dir_all(path.parent().expect("index path has a parent"))
        .expect("create the index directory");
    let mut imp = BoundaryImporter::new();
    let opts = LayerOptions {
        generation: "generated national benchmark set".into(),
        ..LayerOptions::default()
    };
    for a in set {
        imp.add_area(
            &a.code,
            &a.name,
            Some(a.area_type),
            vec![vec![a.ring.clone()]],
            &opts,
        )
        .expect("a generated area imports");
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let report = imp
        .write_index(BufWriter::new(
            File::create(&tmp).expect("create the index file"),
        ))
        .expect("write the index");
    std::fs::rename(&tmp, path).expect("rename the index into place");
    report
}
