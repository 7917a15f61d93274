//! The capability components (address-lookup, parish-routing) on council-host's
//! engine against the same crates called natively, in one run on the generated
//! benchmark data: per request (open + one query; new store + instance + one call)
//! and warm, alternating in chunks of 100 queries, every component answer checked
//! against the native one. Prints Markdown tables of p50/p99 and component/native
//! ratios; asserts nothing about time. The method, the data and the current figures
//! are docs/BENCHMARKS.md's "Capability components vs native", which also lists the
//! `CAP_BENCH_*` settings. Run `bench/capabilities.sh` (it builds the components
//! first), or `cargo bench -p council-host --bench capabilities`.
//!
//! One bench binary; this file holds the settings and `main`, the modules below one
//! part each: the data, the component side, the timing and tables, and the two
//! capabilities.

mod address;
mod component;
mod data;
mod measure;
mod parish;

use std::fs::File;
use std::path::PathBuf;

use anyhow::Result;
use council_areas_testdata::national;

use address::{AddressKind, bench_address};
use component::Host;
use data::{address_index, areas_index, link_into};
use parish::bench_parish;

/// Queries per chunk; native and component runs alternate chunk by chunk.
const CHUNK: usize = 100;
/// Passes over the queries in warm mode (the first, not timed, warms up).
const WARM_PASSES: usize = 3;

/// `CAP_BENCH_SIDE=native` or `component` times one side only (for profiling; the
/// ratios are then meaningless).
fn side_enabled(side: &str) -> bool {
    std::env::var("CAP_BENCH_SIDE").map_or(true, |m| m.is_empty() || m == side)
}

/// `CAP_BENCH_QUERY=postcode`, `find` or `suggest` runs one kind of address query
/// (for profiling).
fn kind_enabled(kind: AddressKind) -> bool {
    std::env::var("CAP_BENCH_QUERY").map_or(true, |q| q.is_empty() || kind.name().starts_with(&q))
}

/// `CAP_BENCH_MODE=per-request` or `warm` runs one mode (for profiling).
fn mode_enabled(mode: &str) -> bool {
    std::env::var("CAP_BENCH_MODE").map_or(true, |m| m.is_empty() || m == mode)
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        println!("capabilities: bench");
        return Ok(());
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap_or(root);
    let n: u64 = std::env::var("ADDRESS_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let requests: usize = std::env::var("CAP_BENCH_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let cfg = national::Config::national();

    let address_source = address_index(&root, n)?;
    let areas_source = areas_index(&root, &cfg)?;
    let data_dir = root.join("target/capabilities-bench/data");
    std::fs::create_dir_all(&data_dir)?;
    let address = link_into(&data_dir, "address.idx", &address_source)?;
    let areas = link_into(&data_dir, "areas.idx", &areas_source)?;
    // Both sides read the same pages of the same files, native first in each chunk: a
    // page not in the OS page cache would be read from disk by the native side and
    // found in memory by the component. Read the files whole first, so neither does.
    for path in [&address, &areas] {
        std::io::copy(&mut File::open(path)?, &mut std::io::sink())?;
    }

    let host = Host::new(&root, &data_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // `CAP_BENCH_ONLY=address` or `parish` runs one capability (for profiling).
    let only = std::env::var("CAP_BENCH_ONLY").unwrap_or_default();
    runtime.block_on(async {
        if only.is_empty() || only == "address" {
            bench_address(&root, &host, &address, requests).await?;
        }
        if only.is_empty() || only == "parish" {
            bench_parish(&root, &host, &areas, &cfg, requests).await?;
        }
        Ok(())
    })
}
