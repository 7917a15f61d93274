//! The capability components (address-lookup, parish-routing) on council-host's
//! engine against the same crates called natively, in one run on the generated
//! benchmark data: per request (open + one query; new store + instance + one call)
//! and warm, alternating in chunks of 100 queries, every component answer checked
//! against the native one. Prints Markdown tables of p50/p99 and component/native
//! ratios; asserts nothing about time. The method, the data and the current figures
//! are docs/BENCHMARKS.md's "Capability components vs native", which also lists the
//! `CAP_BENCH_*` settings. Run `bench/capabilities.sh` (it builds the components
//! first), or `cargo bench -p council-host --bench capabilities`.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use council_address::import::{self, Format, ImportOptions};
use council_address::{AddressIndex, AddressView, Dataset, QueryOptions};
use council_address_generate::{self as generate, Rng};
use council_areas::AreaIndex;
use council_areas_testdata::national;
use council_host::serve::runtime::{
    HostState, RuntimeOptions, build_engine, build_linker, capability_store, compile_cached,
};
use council_test_support::percentile;
use wasmtime::component::{
    ComponentExportIndex, ComponentNamedList, Instance, InstancePre, Lift, Linker, Lower, TypedFunc,
};
use wasmtime::{Engine, Store};

/// Host bindings of `council:address/address-lookup`. (From all of `wit/`: the
/// world includes `wasi:cli/imports`, whose package is in `wit/deps`.)
mod address_wit {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "council:address/address-lookup",
        exports: { default: async },
        // The world includes wasi:cli/imports (what Rust's std imports); wasmtime-wasi
        // provides those, so their bindings are its own rather than generated again.
        with: { "wasi": wasmtime_wasi::p2::bindings },
    });
}

/// Host bindings of `council:parish/parish-routing`.
mod parish_wit {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "council:parish/parish-routing",
        exports: { default: async },
        // The world includes wasi:cli/imports (what Rust's std imports); wasmtime-wasi
        // provides those, so their bindings are its own rather than generated again.
        with: { "wasi": wasmtime_wasi::p2::bindings },
    });
}

use address_wit::exports::council::address::lookup as wit_address;
use parish_wit::exports::council::parish::areas as wit_areas;

/// One exported function of a component, type-checked against `P` and `R` once, on
/// a first instance, then taken from each later instance of the same `InstancePre`
/// without checking again: what an embedder that calls one function per request
/// does. (bindgen's `*Pre::instantiate_async` type-checks every function of the world
/// on every instantiation; for address-lookup's eleven that was 3.3 µs of a 9.1 µs
/// floor, a cost of that way of binding, not of the component.)
struct Export<P, R> {
    index: ComponentExportIndex,
    _types: std::marker::PhantomData<fn(P) -> R>,
}

impl<P, R> Export<P, R>
where
    P: ComponentNamedList + Lower + Send + Sync,
    R: ComponentNamedList + Lift + Send + Sync + 'static,
{
    async fn new(
        host: &Host,
        pre: &InstancePre<HostState>,
        interface: &str,
        function: &str,
    ) -> Result<Self> {
        let component = pre.component();
        let interface_index = component
            .get_export_index(None, interface)
            .with_context(|| format!("no export {interface}"))?;
        let index = component
            .get_export_index(Some(&interface_index), function)
            .with_context(|| format!("no function {function} in {interface}"))?;
        let mut store = host.store("type-check")?;
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .get_typed_func::<P, R>(&mut store, &index)
            .map_err(|e| anyhow::anyhow!("{interface}#{function}: {e:#}"))?;
        Ok(Export {
            index,
            _types: std::marker::PhantomData,
        })
    }

    fn get(&self, store: &mut Store<HostState>, instance: &Instance) -> TypedFunc<P, R> {
        let func = instance
            .get_func(&mut *store, self.index)
            .expect("the export was found on the first instance");
        // SAFETY: `instance` was made from the `InstancePre` whose component's export
        // at `index` was type-checked against `P` and `R` in `new`; every instance of
        // one component has the same export types.
        #[expect(unsafe_code, reason = "skips re-checking a type already checked")]
        unsafe {
            TypedFunc::new_unchecked(func)
        }
    }
}

/// The address-lookup functions the bench calls.
struct AddressExports {
    by_postcode: Export<(String, wit_address::QueryOptions), (AddressResult<wit_address::Page>,)>,
    find: Export<(String, f32, wit_address::QueryOptions), (AddressResult<wit_address::Page>,)>,
    suggest: Export<(String, u32, wit_address::QueryOptions), (AddressResult<AddressMatches>,)>,
}

type AddressResult<T> = Result<T, wit_address::Error>;
type AddressMatches = Vec<wit_address::AddressMatch>;

impl AddressExports {
    async fn new(host: &Host, pre: &InstancePre<HostState>) -> Result<Self> {
        const LOOKUP: &str = "council:address/lookup@0.2.0";
        Ok(AddressExports {
            by_postcode: Export::new(host, pre, LOOKUP, "by-postcode").await?,
            find: Export::new(host, pre, LOOKUP, "find").await?,
            suggest: Export::new(host, pre, LOOKUP, "suggest").await?,
        })
    }
}

/// The parish-routing function the bench calls.
type AreasAt = Export<
    (wit_areas::Point, Vec<wit_areas::AreaType>),
    (Result<Vec<wit_areas::Area>, wit_areas::Error>,),
>;

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

/// Minor page faults of this process so far (`/proc/self/stat` field 10), to report
/// faults per request; 0 where there is no procfs.
fn minor_faults() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = &s[s.rfind(')')? + 2..];
            rest.split(' ').nth(7)?.parse().ok()
        })
        .unwrap_or(0)
}

/// A reader that counts reads, for the reads-per-lookup figure (not used when timing).
struct CountingReader {
    file: File,
    /// Reads and bytes read.
    count: std::rc::Rc<std::cell::Cell<(u64, u64)>>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        let (reads, bytes) = self.count.get();
        self.count.set((reads + 1, bytes + n as u64));
        Ok(n)
    }
}

impl Seek for CountingReader {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Times of one query kind on both sides.
#[derive(Default)]
struct Pair {
    native: Vec<Duration>,
    component: Vec<Duration>,
    /// Minor page faults over the native and the component runs (drops included).
    native_faults: u64,
    component_faults: u64,
    /// Dropping the request's store (returning the instance to the pool, resetting
    /// its memory), per request; not in the per-request times.
    component_drop: Vec<Duration>,
}

impl Pair {
    fn row(&mut self, capability: &str, query: &str, mode: &str) {
        self.native.sort();
        self.component.sort();
        let (n50, n99) = (
            percentile(&self.native, 0.5),
            percentile(&self.native, 0.99),
        );
        let (c50, c99) = (
            percentile(&self.component, 0.5),
            percentile(&self.component, 0.99),
        );
        println!(
            "| {capability} | {query} | {mode} | {} | {:.2} | {:.2} | {:.2} | {:.2} | **{:.2}** | {:.2} | {:.1} / {:.1} |",
            self.native.len(),
            us(n50),
            us(n99),
            us(c50),
            us(c99),
            c50.as_secs_f64() / n50.as_secs_f64(),
            c99.as_secs_f64() / n99.as_secs_f64(),
            self.native_faults as f64 / self.native.len() as f64,
            self.component_faults as f64 / self.component.len() as f64,
        );
        if !self.component_drop.is_empty() {
            self.component_drop.sort();
            println!(
                "|  | (component store drop, not included above) | per request | {} |  |  | {:.2} | {:.2} |  |  |  |",
                self.component_drop.len(),
                us(percentile(&self.component_drop, 0.5)),
                us(percentile(&self.component_drop, 0.99)),
            );
        }
    }
    /// Times one chunk of per-request queries: each natively (`native`: open + query;
    /// what it returns besides the answer, the open handle, is dropped after the
    /// clock stops), then each as a fresh instance (`component`: new store +
    /// instantiation + call; the store it returns is dropped and timed apart). The
    /// component's answers must equal the native ones.
    async fn per_request_chunk<Q: std::fmt::Debug, A: PartialEq + std::fmt::Debug, H>(
        &mut self,
        label: &str,
        chunk: &[Q],
        mut native: impl FnMut(&Q) -> Result<(A, H)>,
        mut component: impl AsyncFnMut(&Q) -> Result<(A, Store<HostState>)>,
    ) -> Result<()> {
        let faults = minor_faults();
        let mut answers = Vec::with_capacity(chunk.len());
        for q in chunk.iter().filter(|_| side_enabled("native")) {
            let t = Instant::now();
            let (answer, handle) = native(q)?;
            self.native.push(t.elapsed());
            drop(handle);
            answers.push(answer);
        }
        let mid = minor_faults();
        self.native_faults += mid - faults;
        for (i, q) in chunk
            .iter()
            .enumerate()
            .filter(|_| side_enabled("component"))
        {
            let (answer, d) = timed_async(async || component(q).await).await;
            let (answer, store) = answer?;
            self.component.push(d);
            let (_, d) = timed(|| drop(store));
            self.component_drop.push(d);
            ensure!(
                answers.get(i).is_none_or(|expected| answer == *expected),
                "{label}: {q:?}: component {answer:?}, native {:?}",
                answers[i]
            );
        }
        self.component_faults += minor_faults() - mid;
        Ok(())
    }

    /// Times one chunk of warm queries, natively then on the one instance, keeping the
    /// times only when `timed_pass`; the answers must agree.
    async fn warm_chunk<Q: std::fmt::Debug, A: PartialEq + std::fmt::Debug>(
        &mut self,
        label: &str,
        chunk: &[Q],
        timed_pass: bool,
        mut native: impl FnMut(&Q) -> Result<A>,
        mut component: impl AsyncFnMut(&Q) -> Result<A>,
    ) -> Result<()> {
        let faults = minor_faults();
        let mut answers = Vec::with_capacity(chunk.len());
        for q in chunk.iter().filter(|_| side_enabled("native")) {
            let (answer, d) = timed(|| native(q));
            answers.push(answer?);
            if timed_pass {
                self.native.push(d);
            }
        }
        let mid = minor_faults();
        self.native_faults += mid - faults;
        for (i, q) in chunk
            .iter()
            .enumerate()
            .filter(|_| side_enabled("component"))
        {
            let (answer, d) = timed_async(async || component(q).await).await;
            let answer = answer?;
            if timed_pass {
                self.component.push(d);
            }
            ensure!(
                answers.get(i).is_none_or(|expected| answer == *expected),
                "{label}: {q:?}: component {answer:?}, native {:?}",
                answers[i]
            );
        }
        self.component_faults += minor_faults() - mid;
        Ok(())
    }
}

fn header(title: &str) {
    println!("\n{title}\n");
    println!(
        "| capability | query | mode | n | native p50 (µs) | native p99 (µs) | component p50 (µs) | component p99 (µs) | ratio p50 | ratio p99 | page faults per query native / component |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
}

/// Times `f` once.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

/// Times `f` once, asynchronously.
async fn timed_async<T>(f: impl AsyncFnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f().await;
    (v, t.elapsed())
}

// ---- data ----

/// The address benchmark index, generated and imported as `council-address`' bench
/// does when it is not there yet.
fn address_index(root: &Path, n: u64) -> Result<PathBuf> {
    let dir = root.join("target/address-bench");
    let idx = dir.join(format!("bench-{n}.idx"));
    if idx.exists() {
        // An index of an older format (the crate changed since) is built again.
        match AddressIndex::open(File::open(&idx)?) {
            Ok(_) => {
                println!("address: using cached {}", idx.display());
                return Ok(idx);
            }
            Err(e) => println!("address: rebuilding {}: {e}", idx.display()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join(format!("bench-{n}.csv"));
    println!(
        "address: generating {n} properties into {} (GENERATED DATA; several minutes)",
        csv.display()
    );
    let t = Instant::now();
    generate::bench_set(&csv, n, 7)?;
    let grid =
        import::Ostn15::from_xz(&root.join("data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz"))?;
    let opts = ImportOptions {
        transform: Some(&grid),
        generated: true,
        ..Default::default()
    };
    let tmp = idx.with_extension(format!("tmp{}", std::process::id()));
    import::build_index(&[(csv.clone(), Format::AddressBasePremium)], &tmp, &opts)?;
    std::fs::rename(&tmp, &idx)?;
    println!(
        "address: generated and imported in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    Ok(idx)
}

/// The national boundary index, built as `council-areas`' `lookup` bench does when it
/// is not there yet.
fn areas_index(root: &Path, cfg: &national::Config) -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let idx = national::index_path(cfg, &target);
    if idx.exists() {
        match AreaIndex::open(File::open(&idx)?) {
            Ok(_) => {
                println!("parish: using cached {}", idx.display());
                return Ok(idx);
            }
            Err(e) => println!("parish: rebuilding {}: {e}", idx.display()),
        }
    }
    println!(
        "parish: generating the national boundary set into {} (GENERATED DATA)",
        idx.display()
    );
    let t = Instant::now();
    let set = national::generate(cfg);
    national::write_index(&set, &idx);
    println!(
        "parish: generated and imported in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    Ok(idx)
}

/// Links `source` as `dir/name` (a hard link: the index is not copied).
fn link_into(dir: &Path, name: &str, source: &Path) -> Result<PathBuf> {
    let target = dir.join(name);
    let _ = std::fs::remove_file(&target);
    std::fs::hard_link(source, &target).with_context(|| {
        format!(
            "hard link {} -> {} (the data directory must be on the same filesystem as target/)",
            target.display(),
            source.display()
        )
    })?;
    Ok(target)
}

// ---- the component side ----

struct Host {
    engine: Engine,
    linker: Linker<HostState>,
    options: RuntimeOptions,
    preopens: Vec<(PathBuf, String)>,
}

impl Host {
    fn new(root: &Path, data_dir: &Path) -> Result<Host> {
        let perf_map = std::env::var_os("CAP_BENCH_PERF_MAP").is_some();
        let options = RuntimeOptions {
            state_dir: std::env::temp_dir().join("council-host-bench-state"),
            cache_dir: Some(root.join("target/bench-compile-cache")),
            perf_map,
            ..RuntimeOptions::default()
        };
        let engine = build_engine(&options)?;
        let linker = build_linker(&engine)?;
        Ok(Host {
            engine,
            linker,
            options,
            preopens: vec![(data_dir.to_path_buf(), "/data".to_string())],
        })
    }

    fn instance_pre(&self, root: &Path, wasm: &str) -> Result<InstancePre<HostState>> {
        let path = root.join("target/wasm32-wasip2/component").join(wasm);
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "{} (build it: cargo build --profile component --target wasm32-wasip2 -p address-lookup -p parish-routing)",
                path.display()
            )
        })?;
        let component = compile_cached(
            &self.engine,
            self.options.cache_dir.as_deref(),
            wasm,
            &bytes,
        )?;
        Ok(self.linker.instantiate_pre(&component)?)
    }

    fn store(&self, id: &str) -> Result<Store<HostState>> {
        Ok(capability_store(
            &self.engine,
            &self.options,
            id,
            &self.preopens,
            &[],
        )?)
    }
}

// ---- address lookup ----

struct AddressQueries {
    postcodes: Vec<String>,
    finds: Vec<String>,
    suggests: Vec<String>,
}

/// Queries drawn from random properties of the index, with the same recipes as
/// `council-address`' bench: postcodes in three spellings; free text with a number and
/// street plus postcode or town, a building name, a typo, abbreviations; type-ahead
/// prefixes of "number street".
fn address_queries(index: &AddressIndex<File>, count: usize) -> Result<AddressQueries> {
    let properties = index.directory().meta.property_count;
    let mut rng = Rng::new(99);
    let mut q = AddressQueries {
        postcodes: Vec::new(),
        finds: Vec::new(),
        suggests: Vec::new(),
    };
    let mut attempts = 0;
    while q.postcodes.len() < count {
        attempts += 1;
        ensure!(
            attempts < count * 20,
            "too few postal addresses in the index"
        );
        let uprn = 999_000_000_001 + rng.below(properties);
        let list = index.by_uprn(uprn, &QueryOptions::default())?;
        let Some(AddressView::Postal(d)) = list.first().map(|a| &a.view) else {
            continue;
        };
        let Some(pc) = list[0].postcode.clone() else {
            continue;
        };
        q.postcodes.push(match rng.below(3) {
            0 => pc.to_lowercase(),
            1 => pc.replace(' ', ""),
            _ => pc.clone(),
        });
        let street = d.thoroughfare.clone().unwrap_or_default();
        let num = d.building_number.map(|n| n.to_string()).unwrap_or_default();
        let town = d.post_town.clone().unwrap_or_default();
        let find = match rng.below(5) {
            0 => format!("{num} {street} {pc}"),
            1 => format!("{num} {street} {town}"),
            2 => format!(
                "{} {}",
                d.sub_building_name.clone().unwrap_or_default(),
                d.building_name.clone().unwrap_or(street.clone())
            ),
            3 => {
                let mut s: Vec<char> = street.chars().collect();
                if s.len() > 4 {
                    s.swap(1, 2);
                }
                format!("{num} {}", s.into_iter().collect::<String>())
            }
            _ => format!(
                "{} {town}",
                street.replace("ROAD", "RD").replace("STREET", "ST")
            ),
        };
        q.finds.push(find.to_lowercase());
        let full = format!("{num} {street}").to_lowercase();
        let mut cut =
            (full.len() / 2 + rng.below((full.len() / 2).max(1) as u64) as usize).min(full.len());
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        q.suggests.push(full[..cut].to_string());
    }
    Ok(q)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressKind {
    Postcode,
    Find,
    Suggest,
}

impl AddressKind {
    fn name(self) -> &'static str {
        match self {
            AddressKind::Postcode => "postcode (DPA + LPI)",
            AddressKind::Find => "find",
            AddressKind::Suggest => "suggest (best 10)",
        }
    }
}

/// A query's answer reduced to what both sides must agree on.
fn native_address(index: &AddressIndex<File>, kind: AddressKind, q: &str) -> Result<(u32, u64)> {
    let both = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    Ok(match kind {
        AddressKind::Postcode => {
            let p = index.by_postcode(q, &both)?;
            (p.total, p.results.first().map_or(0, |m| m.address.uprn))
        }
        AddressKind::Find => {
            let p = index.find(q, 0.0, &QueryOptions::default())?;
            (p.total, p.results.first().map_or(0, |m| m.address.uprn))
        }
        AddressKind::Suggest => {
            let l = index.suggest(q, 10, &QueryOptions::default())?;
            (l.len() as u32, l.first().map_or(0, |m| m.address.uprn))
        }
    })
}

fn wit_options(both: bool) -> wit_address::QueryOptions {
    wit_address::QueryOptions {
        datasets: if both {
            vec![wit_address::Dataset::Dpa, wit_address::Dataset::Lpi]
        } else {
            Vec::new()
        },
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: 0,
        sort: wit_address::SortOrder::AddressOrder,
    }
}

async fn component_address(
    store: &mut Store<HostState>,
    instance: &Instance,
    exports: &AddressExports,
    kind: AddressKind,
    q: &str,
) -> Result<(u32, u64)> {
    let answer = match kind {
        AddressKind::Postcode => exports
            .by_postcode
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), wit_options(true)))
            .await?
            .0
            .map(|p| (p.total, p.results.first().map_or(0, |m| m.address.uprn))),
        AddressKind::Find => exports
            .find
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), 0.0, wit_options(false)))
            .await?
            .0
            .map(|p| (p.total, p.results.first().map_or(0, |m| m.address.uprn))),
        AddressKind::Suggest => exports
            .suggest
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), 10, wit_options(false)))
            .await?
            .0
            .map(|l| (l.len() as u32, l.first().map_or(0, |m| m.address.uprn))),
    };
    answer.map_err(|e| anyhow::anyhow!("component: {e:?}"))
}

async fn bench_address(root: &Path, host: &Host, index_path: &Path, requests: usize) -> Result<()> {
    let guest_path = "/data/address.idx";
    let open = || -> Result<AddressIndex<File>> {
        Ok(AddressIndex::open_named(
            File::open(index_path)?,
            guest_path,
        )?)
    };
    let (queries, t) = timed(|| address_queries(&open()?, requests));
    let queries = queries?;
    println!(
        "address: {} properties; {requests} queries of each kind drawn in {:.1} s",
        open()?.directory().meta.property_count,
        t.as_secs_f64()
    );
    let pre = host.instance_pre(root, "address_lookup.wasm")?;
    let exports = AddressExports::new(host, &pre).await?;

    let kinds: Vec<_> = [
        (AddressKind::Postcode, &queries.postcodes),
        (AddressKind::Find, &queries.finds),
        (AddressKind::Suggest, &queries.suggests),
    ]
    .into_iter()
    .filter(|(kind, _)| kind_enabled(*kind))
    .collect();

    if mode_enabled("per-request") {
        // Per request.
        header(
            "address lookup, per request (native: open + query; component: new store + instantiate + call)",
        );
        let mut floor = Vec::new();
        let mut notes = Vec::new();
        for &(kind, list) in &kinds {
            // Warm-up: the OS page cache and the engine's first instantiations.
            for q in list.iter().take(50) {
                native_address(&open()?, kind, q)?;
                let mut store = host.store("address-lookup")?;
                let instance = pre.instantiate_async(&mut store).await?;
                component_address(&mut store, &instance, &exports, kind, q).await?;
            }
            let mut pair = Pair::default();
            let mut reads = 0u64;
            for chunk in list.chunks(CHUNK) {
                pair.per_request_chunk(
                    kind.name(),
                    chunk,
                    |q| {
                        let index = open()?;
                        let answer = native_address(&index, kind, q)?;
                        reads += index.stats().reads;
                        Ok((answer, index))
                    },
                    async |q| {
                        let mut store = host.store("address-lookup")?;
                        let instance = pre.instantiate_async(&mut store).await?;
                        let answer =
                            component_address(&mut store, &instance, &exports, kind, q).await?;
                        Ok((answer, store))
                    },
                )
                .await?;
            }
            pair.row("address", kind.name(), "per request");
            notes.push(format!(
                "{}: {:.1} positioned reads per request (native handle's count)",
                kind.name(),
                reads as f64 / list.len() as f64
            ));
            if kind == AddressKind::Postcode {
                for _ in 0..list.len() {
                    let (r, d) = timed_async(async || -> Result<_> {
                        let mut store = host.store("address-lookup")?;
                        let instance = pre.instantiate_async(&mut store).await?;
                        Ok((store, instance))
                    })
                    .await;
                    floor.push(d);
                    drop(r?);
                }
            }
        }
        floor.sort();
        println!();
        for note in notes {
            println!("- {note}");
        }
        println!(
            "- address component floor (new store + instantiate, no call): p50 {:.2} µs, p99 {:.2} µs",
            us(percentile(&floor, 0.5)),
            us(percentile(&floor, 0.99))
        );
    }

    if !mode_enabled("warm") {
        return Ok(());
    }
    // Warm.
    header("address lookup, warm (native: one open index; component: one instance)");
    let index = open()?;
    let mut store = host.store("address-lookup")?;
    let instance = pre.instantiate_async(&mut store).await?;
    for &(kind, list) in &kinds {
        let mut pair = Pair::default();
        for pass in 0..WARM_PASSES {
            if pass == 1 {
                pair.native_faults = 0;
                pair.component_faults = 0;
            }
            for chunk in list.chunks(CHUNK) {
                pair.warm_chunk(
                    kind.name(),
                    chunk,
                    pass > 0,
                    |q| native_address(&index, kind, q),
                    async |q| component_address(&mut store, &instance, &exports, kind, q).await,
                )
                .await?;
            }
        }
        pair.row("address", kind.name(), "warm");
    }
    Ok(())
}

// ---- parish routing ----

fn native_areas(index: &AreaIndex<File>, p: [f64; 2]) -> Result<Vec<String>> {
    Ok(index
        .areas_at(p[0], p[1], &[])?
        .into_iter()
        .map(|a| a.code)
        .collect())
}

async fn component_areas(
    store: &mut Store<HostState>,
    instance: &Instance,
    areas_at: &AreasAt,
    p: [f64; 2],
) -> Result<Vec<String>> {
    let at = wit_areas::Point::Wgs84(wit_areas::Wgs84Point {
        longitude: p[0],
        latitude: p[1],
    });
    match areas_at
        .get(store, instance)
        .call_async(&mut *store, (at, Vec::new()))
        .await?
        .0
    {
        Ok(areas) => Ok(areas.into_iter().map(|a| a.code).collect()),
        Err(e) => bail!("component: {e:?}"),
    }
}

async fn bench_parish(
    root: &Path,
    host: &Host,
    index_path: &Path,
    cfg: &national::Config,
    requests: usize,
) -> Result<()> {
    let guest_path = "/data/areas.idx";
    let open = || -> Result<AreaIndex<File>> {
        Ok(AreaIndex::open_named(File::open(index_path)?, guest_path)?)
    };
    let points = national::points(cfg, requests * 10, 42);
    let first = open()?;
    println!(
        "\nparish: {} areas ({:?}), {:.0} MB",
        first.area_count(),
        first.area_types(),
        std::fs::metadata(index_path)?.len() as f64 / 1e6
    );
    drop(first);
    let pre = host.instance_pre(root, "parish_routing.wasm")?;
    let areas_at: AreasAt =
        Export::new(host, &pre, "council:parish/areas@0.1.0", "areas-at").await?;

    if mode_enabled("per-request") {
        header(
            "parish routing, per request (native: open + areas_at; component: new store + instantiate + call)",
        );
        let list = &points[..requests];
        for p in list.iter().take(50) {
            native_areas(&open()?, *p)?;
            let mut store = host.store("parish-routing")?;
            let instance = pre.instantiate_async(&mut store).await?;
            component_areas(&mut store, &instance, &areas_at, *p).await?;
        }
        let mut pair = Pair::default();
        for chunk in list.chunks(CHUNK) {
            pair.per_request_chunk(
                "areas-at",
                chunk,
                |p| {
                    let index = open()?;
                    Ok((native_areas(&index, *p)?, index))
                },
                async |p| {
                    let mut store = host.store("parish-routing")?;
                    let instance = pre.instantiate_async(&mut store).await?;
                    let answer = component_areas(&mut store, &instance, &areas_at, *p).await?;
                    Ok((answer, store))
                },
            )
            .await?;
        }
        pair.row("parish", "areas-at (all types)", "per request");
        let count = std::rc::Rc::new(std::cell::Cell::new((0, 0)));
        for p in list.iter().filter(|_| side_enabled("native")) {
            let file = File::open(index_path)?;
            let index = AreaIndex::open_named(
                CountingReader {
                    file,
                    count: count.clone(),
                },
                guest_path,
            )?;
            index.areas_at(p[0], p[1], &[])?;
        }
        let (reads, bytes) = count.get();
        println!(
            "\n- {:.1} positioned reads ({:.1} KiB) per request, open included",
            reads as f64 / list.len() as f64,
            bytes as f64 / 1024.0 / list.len() as f64
        );
        let mut floor = Vec::new();
        for _ in 0..requests {
            let (r, d) = timed_async(async || -> Result<_> {
                let mut store = host.store("parish-routing")?;
                let instance = pre.instantiate_async(&mut store).await?;
                Ok((store, instance))
            })
            .await;
            floor.push(d);
            drop(r?);
        }
        floor.sort();

        println!(
            "\n- parish component floor (new store + instantiate, no call): p50 {:.2} µs, p99 {:.2} µs",
            us(percentile(&floor, 0.5)),
            us(percentile(&floor, 0.99))
        );
    }
    if !mode_enabled("warm") {
        return Ok(());
    }
    header(
        "parish routing, warm (native: one open index, default 64 MiB page cache; component: one instance)",
    );
    let index = open()?;
    let mut store = host.store("parish-routing")?;
    let instance = pre.instantiate_async(&mut store).await?;
    let mut pair = Pair::default();
    for pass in 0..WARM_PASSES {
        if pass == 1 {
            pair.native_faults = 0;
            pair.component_faults = 0;
        }
        for chunk in points.chunks(CHUNK) {
            pair.warm_chunk(
                "areas-at",
                chunk,
                pass > 0,
                |p| native_areas(&index, *p),
                async |p| component_areas(&mut store, &instance, &areas_at, *p).await,
            )
            .await?;
        }
    }
    pair.row("parish", "areas-at (all types)", "warm");
    Ok(())
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
