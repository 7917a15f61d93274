//! The component side: host bindings of the two capability worlds, one exported
//! function bound once and taken from each instance unchecked, and the engine, linker
//! and stores of council-host's runtime.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use council_host::serve::runtime::{
    HostState, RuntimeOptions, build_engine, build_linker, capability_store, compile_cached,
};
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

pub(super) use address_wit::exports::council::address::lookup as wit_address;
pub(super) use parish_wit::exports::council::parish::areas as wit_areas;

/// One exported function of a component, type-checked against `P` and `R` once, on
/// a first instance, then taken from each later instance of the same `InstancePre`
/// without checking again: what an embedder that calls one function per request
/// does. (bindgen's `*Pre::instantiate_async` type-checks every function of the world
/// on every instantiation; for address-lookup's eleven that was 3.3 µs of a 9.1 µs
/// floor, a cost of that way of binding, not of the component.)
pub(super) struct Export<P, R> {
    index: ComponentExportIndex,
    _types: std::marker::PhantomData<fn(P) -> R>,
}

impl<P, R> Export<P, R>
where
    P: ComponentNamedList + Lower + Send + Sync,
    R: ComponentNamedList + Lift + Send + Sync + 'static,
{
    pub(super) async fn new(
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

    pub(super) fn get(&self, store: &mut Store<HostState>, instance: &Instance) -> TypedFunc<P, R> {
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
pub(super) struct AddressExports {
    pub(super) by_postcode:
        Export<(String, wit_address::QueryOptions), (AddressResult<wit_address::Page>,)>,
    pub(super) find:
        Export<(String, f32, wit_address::QueryOptions), (AddressResult<wit_address::Page>,)>,
    pub(super) suggest:
        Export<(String, u32, wit_address::QueryOptions), (AddressResult<AddressMatches>,)>,
}

type AddressResult<T> = Result<T, wit_address::Error>;
type AddressMatches = Vec<wit_address::AddressMatch>;

impl AddressExports {
    pub(super) async fn new(host: &Host, pre: &InstancePre<HostState>) -> Result<Self> {
        const LOOKUP: &str = "council:address/lookup@0.2.0";
        Ok(AddressExports {
            by_postcode: Export::new(host, pre, LOOKUP, "by-postcode").await?,
            find: Export::new(host, pre, LOOKUP, "find").await?,
            suggest: Export::new(host, pre, LOOKUP, "suggest").await?,
        })
    }
}

/// The parish-routing function the bench calls.
pub(super) type AreasAt = Export<
    (wit_areas::Point, Vec<wit_areas::AreaType>),
    (Result<Vec<wit_areas::Area>, wit_areas::Error>,),
>;

pub(super) struct Host {
    engine: Engine,
    linker: Linker<HostState>,
    options: RuntimeOptions,
    preopens: Vec<(PathBuf, String)>,
}

impl Host {
    pub(super) fn new(root: &Path, data_dir: &Path) -> Result<Host> {
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

    pub(super) fn instance_pre(&self, root: &Path, wasm: &str) -> Result<InstancePre<HostState>> {
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

    pub(super) fn store(&self, id: &str) -> Result<Store<HostState>> {
        Ok(capability_store(
            &self.engine,
            &self.options,
            id,
            &self.preopens,
            &[],
        )?)
    }
}
