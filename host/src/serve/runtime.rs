//! Loading an application onto wasmtime: the engine, the on-disk cache of compiled
//! components, the linker with every interface the host provides, and the per-request
//! store.
//!
//! Per request the host creates a fresh instance, as Spin does, from a pre-instantiated
//! component ([`ProxyPre`]) on the pooling allocator with copy-on-write memory
//! initialisation, so instantiation costs microseconds. Each store has a memory cap and
//! a wall-clock deadline, checked on every epoch tick (wasmtime's epoch interruption)
//! while the instance computes: at each tick the instance yields to the executor, so
//! instances that compute for a long time cannot keep other requests waiting; one that
//! has computed for longer than [`RuntimeOptions::throttle_after`] continues only in
//! the [`SlowLane`]; and one that runs past the request timeout traps, so only its
//! own request fails.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
    StoreLimits, StoreLimitsBuilder, UpdateDeadline,
};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::serve::metrics::Metrics;
use crate::wasi::config::ConfigCtx;
use crate::wasi::keyvalue::{
    KeyValueCtx, KeyValueError, KeyValueStores, KeyValueView, StoreUnreachable,
};
use crate::wasi::outgoing_http::OutgoingHttpHooks;
use council_app::allowed_hosts::{AllowedHosts, OutboundError};
use council_app::compose::{ComposeError, compose_component};
use council_app::manifest::{ComponentDecl, FilesMount, Manifest};
use council_app::routes::Router;
use council_app::runtime_config::RuntimeConfig;
use council_app::variables::{ResolvedVariables, VariableError};

/// How often the epoch ticks; request deadlines are counted in ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Bytes of a pooled memory or table slot kept resident (reset in place) between
/// instances, when the kernel can tell which pages were written (see
/// [`build_engine`]). A capability request writes a few hundred KiB.
pub const KEEP_RESIDENT: usize = 1 << 20;

/// Settings of the runtime, from the command line.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Where key-value data lives (`sqlite_key_value.db`); Spin's default is the
    /// application's `.spin` directory.
    pub state_dir: PathBuf,
    /// Spin's runtime configuration (`--runtime-config-file`): where each key-value
    /// store lives. `None`: every store in the state directory's SQLite file.
    pub runtime_config: Option<RuntimeConfig>,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The most linear memory one component instance may use, in bytes.
    pub max_memory_bytes: usize,
    /// How long a request may run before its instance is stopped (wall-clock time
    /// from the start of the instance).
    pub request_timeout: Duration,
    /// How long an instance may compute (epoch ticks while its wasm runs) before it
    /// continues only in the [`SlowLane`]; zero never throttles.
    pub throttle_after: Duration,
    /// The share of one core, in percent (1-100), that every throttled instance
    /// together may use.
    pub slow_lane_percent: u32,
    /// How many requests may run at once (each holds pooled instance slots).
    pub max_concurrent_requests: usize,
    /// The largest request body accepted, in bytes.
    pub max_request_body_bytes: u64,
    /// Connect and first-byte timeout for outgoing requests that set none themselves.
    pub outgoing_timeout: Duration,
    /// Writes `/tmp/perf-<pid>.map` as components are compiled, so `perf record` /
    /// `perf report` name the functions of compiled wasm (wasmtime's
    /// `ProfilingStrategy::PerfMap`). Off by default: the map grows with every
    /// compilation and costs a little at load.
    pub perf_map: bool,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            state_dir: PathBuf::from(".spin"),
            runtime_config: None,
            cache_dir: default_cache_dir(),
            max_memory_bytes: 256 << 20,
            request_timeout: Duration::from_secs(30),
            throttle_after: Duration::from_millis(200),
            slow_lane_percent: 10,
            max_concurrent_requests: 128,
            max_request_body_bytes: 1 << 20,
            outgoing_timeout: Duration::from_secs(30),
            perf_map: false,
        }
    }
}

/// `$XDG_CACHE_HOME/council-host` or `~/.cache/council-host`.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|dir| dir.join("council-host"))
}

/// Errors loading an application.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Occurs when wasmtime's engine cannot be configured.
    #[error("cannot configure wasmtime: {0}")]
    Engine(String),
    /// Occurs when composing a component with its dependencies fails.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// Occurs when a component cannot be compiled.
    #[error("component `{component}`: cannot compile: {message}")]
    Compile {
        /// The component id.
        component: String,
        /// wasmtime's message.
        message: String,
    },
    /// Occurs when a component imports something the host does not provide, or does
    /// not export `wasi:http/incoming-handler`.
    #[error("component `{component}` cannot run on council-host: {message}")]
    Link {
        /// The component id.
        component: String,
        /// wasmtime's message, naming the import.
        message: String,
    },
    /// Occurs when an application variable's value is refused.
    #[error(transparent)]
    Variables(#[from] VariableError),
    /// Occurs when a component variable cannot be resolved.
    #[error("component `{component}`: {source}")]
    Variable {
        /// The component id.
        component: String,
        /// The problem.
        source: VariableError,
    },
    /// Occurs when an allowed host is malformed after template resolution.
    #[error("component `{component}`: allowed_outbound_hosts {source}")]
    Outbound {
        /// The component id.
        component: String,
        /// The problem.
        source: OutboundError,
    },
    /// Occurs when a files mount cannot be prepared.
    #[error("component `{component}`: files: {message}")]
    Files {
        /// The component id.
        component: String,
        /// What went wrong.
        message: String,
    },
    /// Occurs when the key-value database cannot be opened.
    #[error(transparent)]
    KeyValue(#[from] KeyValueError),
}

/// Builds the wasmtime engine the host uses for every component.
pub fn build_engine(options: &RuntimeOptions) -> Result<Engine, LoadError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    // Pinned, not left to wasmtime's defaults, which follow its compile-time features:
    // the workspace compiles wasmtime once, with GC and component-model-async in it
    // because the second-runtime test's `wasmtime serve` (tests/wasmtime-serve) needs
    // them. The components are WASI 0.2 without GC, exceptions or async: with these
    // off the engine validates, reserves (no GC heap pool) and calls as it did before.
    config.gc_support(false);
    config.wasm_exceptions(false);
    config.concurrency_support(false);
    if options.perf_map {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    let mut pooling = PoolingAllocationConfig::default();
    // A composed component holds one core instance and one memory per component in
    // it (council-api composes four), plus adapter and shim instances.
    pooling.max_memories_per_component(16);
    pooling.max_core_instances_per_component(64);
    pooling.max_tables_per_component(64);
    // One component instance per request in flight. Each memory slot reserves the
    // full 4 GiB of a 32-bit memory plus guard pages (so wasm needs no bounds
    // checks), so the total is capped to keep the reservation within what 47-bit
    // address spaces allow; when slots run out, instantiation fails and the client
    // gets a 503, as it does at the concurrency limit.
    let requests = u32::try_from(options.max_concurrent_requests.max(1)).unwrap_or(u32::MAX);
    pooling.total_component_instances(requests);
    pooling.total_stacks(requests);
    pooling.total_memories(requests.saturating_mul(4).clamp(16, 2000));
    pooling.total_tables(requests.saturating_mul(8).clamp(64, 8000));
    pooling.total_core_instances(requests.saturating_mul(32).clamp(256, 16000));
    pooling.max_memory_size(options.max_memory_bytes);
    // When an instance goes back to the pool, wasmtime by default resets its memory
    // with madvise, which drops every page it touched: the next request on the slot
    // page-faults on each page again (a parish lookup touched 35, about half its
    // time). With Linux's PAGEMAP_SCAN (6.7+) wasmtime finds the dirty pages and
    // rewrites just those, up to `KEEP_RESIDENT` bytes, and they stay mapped. Without
    // it, keeping pages resident would mean a memset of the whole budget per request,
    // so the default is kept there.
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pooling.pagemap_scan(Enabled::Yes);
        pooling.linear_memory_keep_resident(KEEP_RESIDENT);
        pooling.table_keep_resident(KEEP_RESIDENT);
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Engine::new(&config).map_err(|e| LoadError::Engine(format!("{e:#}")))
}

/// Compiles a component, or loads it from the cache of earlier compilations.
///
/// The cache key is the SHA-256 of the component's bytes plus wasmtime's own
/// compatibility hash of the engine's settings, so a different wasmtime or a different
/// configuration never loads a stale artefact.
pub fn compile_cached(
    engine: &Engine,
    cache_dir: Option<&Path>,
    component_id: &str,
    bytes: &[u8],
) -> Result<Component, LoadError> {
    let compile_error = |e: wasmtime::Error| LoadError::Compile {
        component: component_id.to_string(),
        message: format!("{e:#}"),
    };
    let Some(cache_dir) = cache_dir else {
        return Component::new(engine, bytes).map_err(compile_error);
    };
    let mut engine_hash = std::hash::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let key = format!("{:x}-{:016x}", Sha256::digest(bytes), engine_hash.finish());
    let path = cache_dir.join(format!("{key}.cwasm"));
    if path.exists() {
        match load_precompiled(engine, &path) {
            Ok(component) => {
                tracing::debug!(component = component_id, cache = %path.display(), "loaded compiled component from cache");
                return Ok(component);
            }
            Err(e) => {
                tracing::warn!(component = component_id, cache = %path.display(), error = %format!("{e:#}"), "ignoring unusable cache entry");
            }
        }
    }
    let compiled = engine.precompile_component(bytes).map_err(compile_error)?;
    if let Err(e) = write_atomically(cache_dir, &path, &compiled) {
        tracing::warn!(component = component_id, cache = %path.display(), error = %e, "cannot write compile cache");
    }
    // Deserialising what was just compiled avoids compiling twice.
    load_precompiled(engine, &path)
        .or_else(|_| Component::new(engine, bytes).map_err(compile_error))
}

#[expect(
    unsafe_code,
    reason = "wasmtime requires `unsafe` to load precompiled code: the file must be one wasmtime wrote. \
              The cache directory is the host's own (created 0700), entries are written atomically and \
              keyed by content hash and engine settings, and wasmtime checks the header and compatibility."
)]
fn load_precompiled(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: see the `expect` reason above; the file comes from `write_atomically`.
    unsafe { Component::deserialize_file(engine, path) }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}

/// What a request's store holds.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutgoingHttpHooks,
    table: ResourceTable,
    keyvalue: KeyValueCtx,
    config: ConfigCtx,
    limits: StoreLimits,
    watch: RunWatch,
}

/// Where an instance stands against its deadline and its computing budget, read on
/// every epoch tick while its wasm runs.
struct RunWatch {
    started: Instant,
    timeout: Duration,
    /// Ticks seen while computing.
    ticks: u64,
    /// Ticks allowed before the slow lane; zero for none.
    throttle_after_ticks: u64,
    slow_lane: Arc<SlowLane>,
    metrics: Arc<Metrics>,
}

impl RunWatch {
    /// What the instance does at an epoch tick: trap past the deadline; otherwise
    /// yield to the executor, and, past its budget, wait for a turn in the slow lane.
    fn on_tick(&mut self) -> UpdateDeadline {
        if self.started.elapsed() >= self.timeout {
            self.metrics.deadline_hit();
            return UpdateDeadline::Interrupt;
        }
        self.ticks += 1;
        if self.throttle_after_ticks == 0 || self.ticks <= self.throttle_after_ticks {
            return UpdateDeadline::Yield(1);
        }
        if self.ticks == self.throttle_after_ticks + 1 {
            self.metrics.slow_lane_entered();
        }
        let lane = self.slow_lane.clone();
        UpdateDeadline::YieldCustom(1, Box::pin(async move { lane.wait_turn().await }))
    }
}

/// The one lane in which instances that have computed past their budget take turns:
/// each turn is one epoch tick of computing, and turns are spaced so that all of them
/// together use at most the configured share of one core. Everything else the host
/// runs goes first, so a few runaway requests cannot slow the rest down.
#[derive(Debug)]
pub struct SlowLane {
    next_turn: Mutex<tokio::time::Instant>,
    /// Wall time one turn costs: a tick divided by the share.
    turn_cost: Duration,
}

impl SlowLane {
    /// A lane giving its turns `percent` (1-100) of one core.
    pub fn new(percent: u32) -> Self {
        let percent = percent.clamp(1, 100);
        Self {
            next_turn: Mutex::new(tokio::time::Instant::now()),
            turn_cost: EPOCH_TICK * 100 / percent,
        }
    }

    /// Waits for the next free turn (turns are handed out in the order asked for).
    pub async fn wait_turn(&self) {
        let at = {
            let mut next = self
                .next_turn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let start = (*next).max(tokio::time::Instant::now());
            *next = start + self.turn_cost;
            start
        };
        tokio::time::sleep_until(at).await;
    }
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState").finish_non_exhaustive()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Builds a linker with every interface `council-host` provides: WASI 0.2 (cli, io,
/// clocks, random, filesystem, sockets), `wasi:http`, `wasi:keyvalue@0.2.0-draft2` and
/// `wasi:config@0.2.0-draft-2024-09-27`.
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    crate::wasi::keyvalue::add_to_linker(&mut linker, |state: &mut HostState| KeyValueView {
        ctx: &state.keyvalue,
        table: &mut state.table,
    })?;
    crate::wasi::config::add_to_linker(&mut linker, |state: &mut HostState| &state.config)?;
    Ok(linker)
}

/// A component ready to serve requests.
pub struct LoadedComponent {
    /// The component id.
    pub id: String,
    /// The pre-instantiated component.
    pub pre: ProxyPre<HostState>,
    preopens: Vec<(PathBuf, String)>,
    environment: Vec<(String, String)>,
    allowed_hosts: Arc<AllowedHosts>,
    key_value_stores: Arc<[String]>,
    config: Arc<BTreeMap<String, String>>,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("id", &self.id)
            .field("preopens", &self.preopens)
            .finish_non_exhaustive()
    }
}

/// A loaded application.
pub struct App {
    /// The manifest it came from.
    pub manifest: Manifest,
    /// Its components, by id.
    pub components: BTreeMap<String, Arc<LoadedComponent>>,
    /// Its HTTP routes → component ids.
    pub router: Router<String>,
    /// The engine everything is compiled for.
    pub engine: Engine,
    /// Runtime settings.
    pub options: RuntimeOptions,
    /// The application variables, resolved (secrets included: never log them).
    pub variables: ResolvedVariables,
    /// What the host counts (served by the admin listener).
    pub metrics: Arc<Metrics>,
    slow_lane: Arc<SlowLane>,
    keyvalue: Arc<KeyValueStores>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("application", &self.manifest.application.name)
            .field("components", &self.components.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Loads every routed component of a manifest: composes dependencies, compiles
    /// (or loads from cache), links and pre-instantiates.
    pub fn load(
        manifest: Manifest,
        engine: Engine,
        options: RuntimeOptions,
    ) -> Result<Self, LoadError> {
        let variables = ResolvedVariables::from_process_env(&manifest)?;
        Self::load_with_variables(manifest, engine, options, variables)
    }

    /// [`App::load`] with explicitly resolved variables.
    pub fn load_with_variables(
        manifest: Manifest,
        engine: Engine,
        options: RuntimeOptions,
        variables: ResolvedVariables,
    ) -> Result<Self, LoadError> {
        let linker = build_linker(&engine).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        // Every store a component names, each on the backend the runtime config
        // gives it (none opened when no component uses one).
        let keyvalue = Arc::new(KeyValueStores::open(
            manifest
                .components
                .values()
                .flat_map(|c| c.key_value_stores.iter().map(String::as_str)),
            options.runtime_config.as_ref(),
            &options.state_dir,
        )?);

        let routed: std::collections::BTreeSet<&String> = manifest
            .http_triggers
            .iter()
            .map(|t| &t.component)
            .collect();
        let mut components = BTreeMap::new();
        for id in routed {
            let decl = &manifest.components[id];
            let loaded = load_component(&manifest, decl, &engine, &linker, &options, &variables)?;
            components.insert(id.clone(), Arc::new(loaded));
        }
        let router = Router::new(
            manifest
                .http_triggers
                .iter()
                .filter_map(|t| t.route.clone().map(|r| (r, t.component.clone())))
                .collect(),
        );
        let slow_lane = Arc::new(SlowLane::new(options.slow_lane_percent));
        Ok(Self {
            manifest,
            components,
            router,
            engine,
            options,
            variables,
            metrics: Arc::new(Metrics::default()),
            slow_lane,
            keyvalue,
        })
    }

    /// A fresh store for one request to `component`.
    pub fn new_store(&self, component: &LoadedComponent) -> wasmtime::Result<Store<HostState>> {
        new_store(
            &self.engine,
            &self.options,
            StoreParts {
                id: &component.id,
                preopens: &component.preopens,
                environment: &component.environment,
                allowed_hosts: component.allowed_hosts.clone(),
                keyvalue: self.keyvalue.clone(),
                key_value_stores: component.key_value_stores.clone(),
                config: component.config.clone(),
                slow_lane: self.slow_lane.clone(),
                metrics: self.metrics.clone(),
            },
        )
    }

    /// Whether every key-value store the components use answers (for `/readyz`).
    pub async fn stores_reachable(&self) -> Result<(), StoreUnreachable> {
        self.keyvalue.check().await
    }

    /// The application's key-value stores, each on its backend.
    pub fn key_value_stores(&self) -> &KeyValueStores {
        &self.keyvalue
    }
}

/// A store for calling a capability component's own exports (`council:address`,
/// `council:parish`) directly, outside an HTTP application: benchmarks and embedders.
/// It is a request's store — the same WASI context (read-only preopens, file reads on
/// the calling thread), memory cap and epoch deadline — with no outbound hosts,
/// key-value stores or configuration.
pub fn capability_store(
    engine: &Engine,
    options: &RuntimeOptions,
    id: &str,
    preopens: &[(PathBuf, String)],
    environment: &[(String, String)],
) -> wasmtime::Result<Store<HostState>> {
    new_store(
        engine,
        options,
        StoreParts {
            id,
            preopens,
            environment,
            allowed_hosts: Arc::new(AllowedHosts::default()),
            keyvalue: Arc::new(KeyValueStores::default()),
            key_value_stores: Arc::from([]),
            config: Arc::new(BTreeMap::new()),
            slow_lane: Arc::new(SlowLane::new(options.slow_lane_percent)),
            metrics: Arc::new(Metrics::default()),
        },
    )
}

/// What a store is made from besides the engine and the runtime settings.
struct StoreParts<'a> {
    id: &'a str,
    preopens: &'a [(PathBuf, String)],
    environment: &'a [(String, String)],
    allowed_hosts: Arc<AllowedHosts>,
    keyvalue: Arc<KeyValueStores>,
    key_value_stores: Arc<[String]>,
    config: Arc<BTreeMap<String, String>>,
    slow_lane: Arc<SlowLane>,
    metrics: Arc<Metrics>,
}

fn new_store(
    engine: &Engine,
    options: &RuntimeOptions,
    parts: StoreParts<'_>,
) -> wasmtime::Result<Store<HostState>> {
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdout().inherit_stderr();
    // The data mount is read with many small positioned reads (the indexes are
    // built for it). Each would otherwise hop to tokio's blocking pool and back;
    // a read of a cached page takes microseconds, so do it on this thread. The
    // thread is one of the guest runtime's (see `server`), never one that accepts
    // connections or reads requests; the key-value store, which can wait on locks
    // for seconds, goes to the blocking pool instead (`keyvalue`).
    wasi.allow_blocking_current_thread(true);
    wasi.envs(parts.environment);
    for (host, guest) in parts.preopens {
        wasi.preopened_dir(host, guest, FsPerms::ReadOnly)?;
    }
    let state = HostState {
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        hooks: OutgoingHttpHooks::new(
            parts.id.to_string(),
            parts.allowed_hosts,
            options.outgoing_timeout,
            parts.metrics.clone(),
        ),
        table: ResourceTable::new(),
        keyvalue: KeyValueCtx::new(
            parts.keyvalue,
            parts.key_value_stores,
            parts.metrics.clone(),
        ),
        config: ConfigCtx::new(parts.config),
        limits: StoreLimitsBuilder::new()
            .memory_size(options.max_memory_bytes)
            .instances(256)
            .tables(256)
            .memories(64)
            .build(),
        watch: RunWatch {
            started: Instant::now(),
            timeout: options.request_timeout,
            ticks: 0,
            throttle_after_ticks: u64::try_from(
                options.throttle_after.as_millis() / EPOCH_TICK.as_millis(),
            )
            .unwrap_or(u64::MAX),
            slow_lane: parts.slow_lane,
            metrics: parts.metrics,
        },
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    // Every tick while wasm runs: check the deadline and yield (see the module docs).
    // The deadline is wall-clock time, so an instance that is throttled, or one whose
    // ticks come late, still ends on time.
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut context| Ok(context.data_mut().watch.on_tick()));
    Ok(store)
}

fn load_component(
    manifest: &Manifest,
    decl: &ComponentDecl,
    engine: &Engine,
    linker: &Linker<HostState>,
    options: &RuntimeOptions,
    variables: &ResolvedVariables,
) -> Result<LoadedComponent, LoadError> {
    let id = decl.id.clone();
    let composed = compose_component(manifest, decl)?;
    for (import, dependency) in &composed.plugged {
        tracing::debug!(component = %id, import = %import, dependency = %dependency, "plugged dependency");
    }
    let component = compile_cached(engine, options.cache_dir.as_deref(), &id, &composed.bytes)?;
    let link_error = |e: wasmtime::Error| LoadError::Link {
        component: id.clone(),
        message: format!("{e:#}"),
    };
    let instance_pre = linker.instantiate_pre(&component).map_err(link_error)?;
    let pre = ProxyPre::new(instance_pre).map_err(link_error)?;

    let config = variables
        .component_values(decl)
        .map_err(|source| LoadError::Variable {
            component: id.clone(),
            source,
        })?;
    let allowed_hosts =
        AllowedHosts::resolve(&decl.allowed_outbound_hosts, variables).map_err(|source| {
            LoadError::Outbound {
                component: id.clone(),
                source,
            }
        })?;
    let preopens = prepare_files(manifest, decl, &options.state_dir)?;

    Ok(LoadedComponent {
        id,
        pre,
        preopens,
        environment: decl
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        allowed_hosts: Arc::new(allowed_hosts),
        key_value_stores: decl.key_value_stores.clone().into(),
        config: Arc::new(config),
    })
}

/// Turns `files` into read-only preopened directories. Directory mounts are used in
/// place; glob patterns are copied (as Spin does) into a staging directory under the
/// state directory, mounted at `/`.
fn prepare_files(
    manifest: &Manifest,
    decl: &ComponentDecl,
    state_dir: &Path,
) -> Result<Vec<(PathBuf, String)>, LoadError> {
    let files_error = |message: String| LoadError::Files {
        component: decl.id.clone(),
        message,
    };
    let mut preopens = Vec::new();
    let mut patterns = Vec::new();
    for mount in &decl.files {
        match mount {
            FilesMount::Directory {
                source,
                destination,
            } => {
                let host = manifest.resolve(source);
                if !host.is_dir() {
                    return Err(files_error(format!(
                        "source `{}` ({}) is not a directory",
                        source.display(),
                        host.display()
                    )));
                }
                preopens.push((host, destination.clone()));
            }
            FilesMount::Pattern(pattern) => patterns.push(pattern.clone()),
        }
    }
    if !patterns.is_empty() {
        let staging = state_dir.join("files").join(&decl.id);
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)
            .map_err(|e| files_error(format!("{}: {e}", staging.display())))?;
        let exclude: Vec<glob::Pattern> = decl
            .exclude_files
            .iter()
            .map(|p| {
                glob::Pattern::new(p).map_err(|e| files_error(format!("exclude_files `{p}`: {e}")))
            })
            .collect::<Result<_, _>>()?;
        for pattern in patterns {
            let full = manifest.base_dir.join(&pattern);
            let matches = glob::glob(&full.to_string_lossy())
                .map_err(|e| files_error(format!("pattern `{pattern}`: {e}")))?;
            for entry in matches {
                let path = entry.map_err(|e| files_error(format!("pattern `{pattern}`: {e}")))?;
                if !path.is_file() {
                    continue;
                }
                let relative = path.strip_prefix(&manifest.base_dir).map_err(|_| {
                    files_error(format!("`{}` is outside the application", path.display()))
                })?;
                if exclude.iter().any(|p| p.matches_path(relative)) {
                    continue;
                }
                let target = staging.join(relative);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| files_error(format!("{}: {e}", parent.display())))?;
                }
                std::fs::copy(&path, &target)
                    .map_err(|e| files_error(format!("{}: {e}", path.display())))?;
            }
        }
        preopens.push((staging, "/".to_string()));
    }
    Ok(preopens)
}
