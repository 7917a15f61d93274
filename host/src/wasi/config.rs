//! `wasi:config/store@0.2.0-draft-2024-09-27`, the configuration interface Spin 3 and 4
//! provide, answering with the component's variables (see [`council_app::variables`]).
//!
//! wasmtime's `wasmtime-wasi-config` 48 implements `@0.2.0-rc.1`, which components
//! built for Spin do not import, so the host implements the Spin draft itself from
//! the WIT vendored in `wit/deps/config-2024-09-27`.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::HasData;

use crate::wasi::bindings::config::wasi::config::store;

/// Per-request configuration: the component's rendered variables.
#[derive(Debug, Clone, Default)]
pub struct ConfigCtx {
    values: Arc<BTreeMap<String, String>>,
}

impl ConfigCtx {
    /// A context answering with these values.
    pub fn new(values: Arc<BTreeMap<String, String>>) -> Self {
        Self { values }
    }
}

/// [`HasData`] marker for the config bindings.
#[derive(Debug)]
pub struct ConfigData;

impl HasData for ConfigData {
    type Data<'a> = &'a ConfigCtx;
}

/// Adds `wasi:config/store` to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    view: fn(&mut T) -> &ConfigCtx,
) -> wasmtime::Result<()> {
    store::add_to_linker::<T, ConfigData>(linker, view)
}

/// A failed `wasi:config/store` call, as the bindings see it: an error the guest is
/// given (`wasi:config/store.error`), or a trap, which ends the instance and never
/// reaches the guest. The values are rendered before the request starts, so reading
/// them fails in neither way today; the split is the bindings' contract all the same.
#[derive(Debug)]
pub enum ConfigFailure {
    /// Given to the guest.
    Guest(store::Error),
    /// Ends the instance.
    Trap(wasmtime::Error),
}

impl From<store::Error> for ConfigFailure {
    fn from(e: store::Error) -> Self {
        ConfigFailure::Guest(e)
    }
}

impl store::Host for &ConfigCtx {
    fn get(&mut self, key: String) -> Result<Option<String>, ConfigFailure> {
        Ok(self.values.get(&key).cloned())
    }

    fn get_all(&mut self) -> Result<Vec<(String, String)>, ConfigFailure> {
        Ok(self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn convert_error(&mut self, failure: ConfigFailure) -> wasmtime::Result<store::Error> {
        match failure {
            ConfigFailure::Guest(e) => Ok(e),
            ConfigFailure::Trap(e) => Err(e),
        }
    }
}
