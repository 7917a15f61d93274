//! Per-request instantiation cost in council-host: for a hello-world component and for
//! the composed council-api (four components), the time to build a request's store
//! (WASI context with preopened data mount, limits, deadline) and to instantiate from
//! the pre-instantiated component, as `serve` does for every request.
//!
//! Run: `cargo bench -p council-host --bench instantiate -- <workspace root>`; prints
//! Markdown rows. No assertions: targets are judged in docs/BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use council_app::manifest::Manifest;
use council_host::serve::runtime::{App, RuntimeOptions, build_engine};
use council_test_support::percentile;

fn measure(root: &Path, manifest: &Path, component: &str, iterations: usize) {
    let manifest = Manifest::from_file(manifest).expect("manifest");
    let options = RuntimeOptions {
        state_dir: std::env::temp_dir().join("council-host-bench-state"),
        cache_dir: Some(root.join("target/bench-compile-cache")),
        ..RuntimeOptions::default()
    };
    let engine = build_engine(&options).expect("engine");
    let app = App::load(manifest, engine, options).expect("load");
    let loaded = app.components[component].clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut store_times = Vec::with_capacity(iterations);
    let mut instantiate_times = Vec::with_capacity(iterations);
    runtime.block_on(async {
        for i in 0..iterations + 200 {
            let started = Instant::now();
            let mut store = app.new_store(&loaded).expect("store");
            let stored = Instant::now();
            let _proxy = loaded
                .pre
                .instantiate_async(&mut store)
                .await
                .expect("instantiate");
            let done = Instant::now();
            drop(store);
            if i >= 200 {
                store_times.push((stored - started).as_secs_f64() * 1e6);
                instantiate_times.push((done - stored).as_secs_f64() * 1e6);
            }
        }
    });
    store_times.sort_by(f64::total_cmp);
    instantiate_times.sort_by(f64::total_cmp);
    println!(
        "| {component} | {:.1} | {:.1} | {:.1} | {:.1} |",
        percentile(&store_times, 0.5),
        percentile(&instantiate_times, 0.5),
        percentile(&instantiate_times, 0.99),
        percentile(&store_times, 0.5) + percentile(&instantiate_times, 0.5),
    );
}

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
    let hello_dir = std::env::temp_dir().join("council-host-bench-hello");
    std::fs::create_dir_all(&hello_dir).unwrap();
    let hello_manifest = hello_dir.join("spin.toml");
    std::fs::write(
        &hello_manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"hello\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"hello\"\n[component.hello]\nsource = \"{}\"\n",
            root.join("target/wasm32-wasip2/component/guest_hello.wasm").display()
        ),
    )
    .unwrap();
    println!(
        "| component | store setup p50 (µs) | instantiate p50 (µs) | instantiate p99 (µs) | per request p50 (µs) |"
    );
    println!("|---|---|---|---|---|");
    measure(&root, &hello_manifest, "hello", 5000);
    measure(&root, &root.join("spin.toml"), "council-api", 5000);
}
