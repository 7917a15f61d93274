//! `wasi:keyvalue@0.2.0-draft2`, the key-value interface Spin 3 and 4 provide, on the
//! backends Spin's runtime configuration names (`[key_value_store.<label>]`):
//! SQLite on disk ([`sqlite`], `type = "spin"`, the default) or Redis ([`redis`],
//! `type = "redis"`, which several hosts share). [`backend`] maps each store label
//! to its backend; the [`conformance`] tests hold both to the same semantics.
//!
//! wasmtime's own `wasmtime-wasi-keyvalue` 48 implements a different draft
//! (`@0.2.0-draft`, in memory only), so the host generates bindings for the draft2 WIT
//! vendored in `wit/deps/keyvalue-2024-10-17` and implements them here.
//!
//! A component may open only the stores its manifest lists in `key_value_stores`
//! (`access-denied` otherwise, as Spin answers).

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::serve::metrics::Metrics;
use crate::wasi::bindings::keyvalue::wasi::keyvalue::{atomics, batch, store};

pub mod backend;
#[cfg(test)]
mod conformance;
pub mod redis;
pub mod sqlite;

pub use backend::{Backend, KeyValueStores, StoreHandle, StoreUnreachable};
pub use sqlite::KeyValueDatabase;

/// Errors opening the key-value stores at start-up.
#[derive(Debug, thiserror::Error)]
pub enum KeyValueError {
    /// Occurs when a database's directory cannot be created.
    #[error("cannot create the key-value directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when SQLite cannot open or set up a database.
    #[error("key-value database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Occurs when redis-rs cannot use a Redis URL.
    #[error("key-value store at {url}: {reason}")]
    RedisUrl {
        /// The URL, without its password.
        url: String,
        /// Why.
        reason: String,
    },
    /// Occurs when a component names a store the runtime config does not define
    /// (Spin refuses to start in this case too).
    #[error(
        "a component uses key-value store `{label}`, which the runtime config {} does not define \
         (add a [key_value_store.{label}] table)", file.display()
    )]
    Undefined {
        /// The store label.
        label: String,
        /// The runtime config file.
        file: PathBuf,
    },
}

/// Per-request key-value state: the application's stores and those this component
/// may open.
#[derive(Debug, Clone)]
pub struct KeyValueCtx {
    stores: Arc<KeyValueStores>,
    allowed: Arc<[String]>,
    metrics: Arc<Metrics>,
}

impl KeyValueCtx {
    /// A context allowing the listed store labels.
    pub fn new(stores: Arc<KeyValueStores>, allowed: Arc<[String]>, metrics: Arc<Metrics>) -> Self {
        Self {
            stores,
            allowed,
            metrics,
        }
    }
}

/// An open bucket (a store label on its backend).
#[derive(Debug)]
pub struct Bucket {
    store: StoreHandle,
}

/// A compare-and-swap handle: the key and the value seen when it was created.
#[derive(Debug)]
pub struct Cas {
    store: StoreHandle,
    key: String,
    seen: Option<Vec<u8>>,
}

/// A failed key-value operation, as the bindings see it: an error the guest is given
/// (`wasi:keyvalue/store.error`), or a trap (a bad resource handle, a host task that
/// died), which ends the instance and never reaches the guest.
#[derive(Debug)]
pub enum KeyValueFailure {
    /// Given to the guest.
    Guest(store::Error),
    /// Ends the instance.
    Trap(wasmtime::Error),
}

impl From<store::Error> for KeyValueFailure {
    fn from(e: store::Error) -> Self {
        KeyValueFailure::Guest(e)
    }
}

impl From<wasmtime::component::ResourceTableError> for KeyValueFailure {
    fn from(e: wasmtime::component::ResourceTableError) -> Self {
        // A bad handle from the guest is a host-side invariant failure: trap.
        KeyValueFailure::Trap(wasmtime::Error::msg(format!("key-value resource: {e}")))
    }
}

/// A failed `swap`, as the bindings see it: `wasi:keyvalue/atomics.cas-error` for the
/// guest (the value changed, or the store failed), or a trap.
#[derive(Debug)]
pub enum CasFailure {
    /// Given to the guest.
    Guest(atomics::CasError),
    /// Ends the instance.
    Trap(wasmtime::Error),
}

impl From<atomics::CasError> for CasFailure {
    fn from(e: atomics::CasError) -> Self {
        CasFailure::Guest(e)
    }
}

impl From<KeyValueFailure> for CasFailure {
    fn from(failure: KeyValueFailure) -> Self {
        match failure {
            KeyValueFailure::Guest(e) => CasFailure::Guest(atomics::CasError::StoreError(e)),
            KeyValueFailure::Trap(e) => CasFailure::Trap(e),
        }
    }
}

impl From<wasmtime::component::ResourceTableError> for CasFailure {
    fn from(e: wasmtime::component::ResourceTableError) -> Self {
        KeyValueFailure::from(e).into()
    }
}

/// The view the generated bindings are implemented for.
#[derive(Debug)]
pub struct KeyValueView<'a> {
    /// The request's key-value context.
    pub ctx: &'a KeyValueCtx,
    /// The store's resource table.
    pub table: &'a mut ResourceTable,
}

/// [`HasData`] marker for the key-value bindings.
#[derive(Debug)]
pub struct KeyValueData;

impl HasData for KeyValueData {
    type Data<'a> = KeyValueView<'a>;
}

/// Adds `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2` to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    view: fn(&mut T) -> KeyValueView<'_>,
) -> wasmtime::Result<()> {
    store::add_to_linker::<T, KeyValueData>(linker, view)?;
    atomics::add_to_linker::<T, KeyValueData>(linker, view)?;
    batch::add_to_linker::<T, KeyValueData>(linker, view)?;
    Ok(())
}

fn table_error(e: wasmtime::component::ResourceTableError) -> wasmtime::Error {
    // A bad handle from the guest is a host-side invariant failure: trap.
    wasmtime::Error::msg(format!("key-value resource: {e}"))
}

impl KeyValueView<'_> {
    fn bucket(&self, bucket: &Resource<Bucket>) -> Result<StoreHandle, KeyValueFailure> {
        Ok(self.table.get(bucket)?.store.clone())
    }
}

impl store::Host for KeyValueView<'_> {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, KeyValueFailure> {
        if !self.ctx.allowed.contains(&identifier) {
            return Err(store::Error::AccessDenied.into());
        }
        let Some(store) = self.ctx.stores.store(&identifier, &self.ctx.metrics) else {
            return Err(store::Error::NoSuchStore.into());
        };
        Ok(self.table.push(Bucket { store })?)
    }

    fn convert_error(&mut self, failure: KeyValueFailure) -> wasmtime::Result<store::Error> {
        match failure {
            KeyValueFailure::Guest(e) => Ok(e),
            KeyValueFailure::Trap(e) => Err(e),
        }
    }
}

impl store::HostBucket for KeyValueView<'_> {
    async fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, KeyValueFailure> {
        self.bucket(&bucket)?.get(key).await
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KeyValueFailure> {
        self.bucket(&bucket)?.set(key, value).await
    }

    async fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<(), KeyValueFailure> {
        self.bucket(&bucket)?.delete(key).await
    }

    async fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<bool, KeyValueFailure> {
        self.bucket(&bucket)?.exists(key).await
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<store::KeyResponse, KeyValueFailure> {
        let (keys, cursor) = self.bucket(&bucket)?.list_keys(cursor).await?;
        Ok(store::KeyResponse { keys, cursor })
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket).map_err(table_error)?;
        Ok(())
    }
}

impl atomics::Host for KeyValueView<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, KeyValueFailure> {
        self.bucket(&bucket)?.increment(key, delta).await
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), CasFailure> {
        let cas = self.table.delete(cas)?;
        let swapped = cas
            .store
            .compare_and_swap(cas.key.clone(), cas.seen.clone(), value)
            .await?;
        if swapped {
            return Ok(());
        }
        // The value changed since the handle was made: read what is there now for a
        // fresh handle, so the guest can retry, as the interface describes.
        let seen = cas.store.get(cas.key.clone()).await?;
        let fresh = Cas { seen, ..cas };
        Err(atomics::CasError::CasFailed(self.table.push(fresh)?).into())
    }

    fn convert_cas_error(&mut self, failure: CasFailure) -> wasmtime::Result<atomics::CasError> {
        match failure {
            CasFailure::Guest(e) => Ok(e),
            CasFailure::Trap(e) => Err(e),
        }
    }
}

impl atomics::HostCas for KeyValueView<'_> {
    async fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Resource<Cas>, KeyValueFailure> {
        let store = self.bucket(&bucket)?;
        let seen = store.get(key.clone()).await?;
        Ok(self.table.push(Cas { store, key, seen })?)
    }

    async fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, KeyValueFailure> {
        let cas = self.table.get(&cas)?;
        Ok(cas.seen.clone())
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas).map_err(table_error)?;
        Ok(())
    }
}

impl batch::Host for KeyValueView<'_> {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, KeyValueFailure> {
        self.bucket(&bucket)?.get_many(keys).await
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KeyValueFailure> {
        self.bucket(&bucket)?.set_many(key_values).await
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), KeyValueFailure> {
        self.bucket(&bucket)?.delete_many(keys).await
    }
}
