//! `wasi:keyvalue@0.2.0-draft2`, the key-value interface Spin 3 and 4 provide, backed by
//! SQLite on disk so that data survives a restart (or a `kill -9`).
//!
//! wasmtime's own `wasmtime-wasi-keyvalue` 48 implements a different draft
//! (`@0.2.0-draft`, in memory only), so the host generates bindings for the draft2 WIT
//! vendored in `wit/deps/keyvalue-2024-10-17` and implements them here.
//!
//! Storage follows Spin's local default: one SQLite database per application,
//! `<state dir>/sqlite_key_value.db`, with one table keyed by (store label, key). The
//! database runs in WAL mode with `synchronous = NORMAL`: a committed `set` survives the
//! host process being killed (SQLite documents WAL + NORMAL as durable across
//! application crashes; only an operating-system crash or power loss may roll back the
//! last transactions).
//!
//! A component may open only the stores its manifest lists in `key_value_stores`
//! (`access-denied` otherwise, as Spin answers).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::wasi::bindings::keyvalue::wasi::keyvalue::{atomics, batch, store};

/// Errors opening the key-value database.
#[derive(Debug, thiserror::Error)]
pub enum KeyValueError {
    /// Occurs when the state directory cannot be created.
    #[error("cannot create the key-value directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when SQLite cannot open or set up the database.
    #[error("key-value database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// The key-value database does not answer (what `/readyz` reports).
#[derive(Debug, thiserror::Error)]
#[error("{0:?}")]
pub struct StoreUnreachable(pub store::Error);

/// The SQLite database holding every store of one application.
#[derive(Debug)]
pub struct KeyValueDatabase {
    connection: Mutex<Connection>,
    path: PathBuf,
}

/// Page size for `list-keys`; the cursor is the last key of the previous page.
const LIST_PAGE: usize = 1000;

impl KeyValueDatabase {
    /// Opens (creating if needed) the database in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Self, KeyValueError> {
        std::fs::create_dir_all(state_dir).map_err(|source| KeyValueError::CreateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join("sqlite_key_value.db");
        let sqlite = |source| KeyValueError::Sqlite {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(sqlite)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS spin_key_value (
                     store TEXT NOT NULL,
                     key   TEXT NOT NULL,
                     value BLOB NOT NULL,
                     PRIMARY KEY (store, key)
                 );",
            )
            .map_err(sqlite)?;
        Ok(Self {
            connection: Mutex::new(connection),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the database answers a query (for `/readyz`).
    pub fn check(&self) -> Result<(), store::Error> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, store::Error> {
        // A poisoned lock means a panic mid-operation elsewhere; SQLite's own
        // transactions keep the data consistent, so carry on with the connection.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut connection).map_err(|e| store::Error::Other(format!("key-value store: {e}")))
    }

    /// Reads one value.
    pub fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, store::Error> {
        self.with(|c| {
            c.query_row(
                "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
                |row| row.get(0),
            )
            .optional()
        })
    }

    /// Writes one value.
    pub fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), store::Error> {
        self.with(|c| {
            c.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                params![store, key, value],
            )
            .map(|_| ())
        })
    }

    /// Deletes one value (no error when absent).
    pub fn delete(&self, store: &str, key: &str) -> Result<(), store::Error> {
        self.with(|c| {
            c.execute(
                "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
            )
            .map(|_| ())
        })
    }

    /// Lists keys after `cursor`, a page at a time.
    pub fn list_keys(
        &self,
        store: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), store::Error> {
        let keys: Vec<String> = self.with(|c| {
            let mut statement = c.prepare_cached(
                "SELECT key FROM spin_key_value WHERE store = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
            )?;
            let rows = statement.query_map(
                params![store, cursor.unwrap_or(""), (LIST_PAGE + 1) as i64],
                |row| row.get(0),
            )?;
            rows.collect()
        })?;
        if keys.len() > LIST_PAGE {
            let page = keys[..LIST_PAGE].to_vec();
            let next = page.last().cloned();
            Ok((page, next))
        } else {
            Ok((keys, None))
        }
    }

    /// Adds `delta` to an integer stored as its decimal text (absent counts as 0),
    /// atomically.
    pub fn increment(&self, store: &str, key: &str, delta: i64) -> Result<i64, store::Error> {
        let mut failure = None;
        let result = self.with(|c| {
            let tx = c.transaction()?;
            let current: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                    |row| row.get(0),
                )
                .optional()?;
            let current = match current {
                None => 0,
                Some(bytes) => match std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                {
                    Some(n) => n,
                    None => {
                        failure = Some(format!("value of `{key}` is not a decimal integer"));
                        return Ok(0);
                    }
                },
            };
            let Some(next) = current.checked_add(delta) else {
                failure = Some(format!("incrementing `{key}` overflows"));
                return Ok(0);
            };
            tx.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                params![store, key, next.to_string().into_bytes()],
            )?;
            tx.commit()?;
            Ok(next)
        })?;
        match failure {
            Some(message) => Err(store::Error::Other(message)),
            None => Ok(result),
        }
    }

    /// Writes `value` only if the key still holds `expected` (`None`: still absent).
    pub fn compare_and_swap(
        &self,
        store: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, store::Error> {
        self.with(|c| {
            let tx = c.transaction()?;
            let current: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                    |row| row.get(0),
                )
                .optional()?;
            if current.as_deref() != expected {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                params![store, key, value],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Writes several values in one transaction.
    pub fn set_many(&self, store: &str, entries: &[(String, Vec<u8>)]) -> Result<(), store::Error> {
        self.with(|c| {
            let tx = c.transaction()?;
            for (key, value) in entries {
                tx.execute(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                    params![store, key, value],
                )?;
            }
            tx.commit()
        })
    }

    /// Deletes several keys in one transaction.
    pub fn delete_many(&self, store: &str, keys: &[String]) -> Result<(), store::Error> {
        self.with(|c| {
            let tx = c.transaction()?;
            for key in keys {
                tx.execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                )?;
            }
            tx.commit()
        })
    }
}

/// Per-request key-value state: the database and the stores this component may open.
#[derive(Debug, Clone)]
pub struct KeyValueCtx {
    database: Option<Arc<KeyValueDatabase>>,
    allowed: Arc<[String]>,
}

impl KeyValueCtx {
    /// A context allowing the listed store labels.
    pub fn new(database: Option<Arc<KeyValueDatabase>>, allowed: Arc<[String]>) -> Self {
        Self { database, allowed }
    }
}

/// An open bucket (a store label).
#[derive(Debug)]
pub struct Bucket {
    database: Arc<KeyValueDatabase>,
    label: String,
}

/// A compare-and-swap handle: the key and the value seen when it was created.
#[derive(Debug)]
pub struct Cas {
    database: Arc<KeyValueDatabase>,
    label: String,
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

/// Runs one database operation on tokio's blocking pool: SQLite may wait on its lock
/// (`busy_timeout`) or on the disk, and the executor's threads must keep serving
/// other instances meanwhile.
async fn off_the_executor<R: Send + 'static>(
    database: &Arc<KeyValueDatabase>,
    operation: impl FnOnce(&KeyValueDatabase) -> Result<R, store::Error> + Send + 'static,
) -> Result<R, KeyValueFailure> {
    let database = database.clone();
    match tokio::task::spawn_blocking(move || operation(&database)).await {
        Ok(result) => result.map_err(KeyValueFailure::Guest),
        Err(join) => Err(KeyValueFailure::Trap(wasmtime::Error::msg(format!(
            "key-value operation did not finish: {join}"
        )))),
    }
}

impl KeyValueView<'_> {
    fn bucket(
        &self,
        bucket: &Resource<Bucket>,
    ) -> Result<(Arc<KeyValueDatabase>, String), KeyValueFailure> {
        let bucket = self.table.get(bucket)?;
        Ok((bucket.database.clone(), bucket.label.clone()))
    }
}

impl store::Host for KeyValueView<'_> {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, KeyValueFailure> {
        if !self.ctx.allowed.contains(&identifier) {
            return Err(store::Error::AccessDenied.into());
        }
        let Some(database) = &self.ctx.database else {
            return Err(store::Error::NoSuchStore.into());
        };
        let bucket = Bucket {
            database: database.clone(),
            label: identifier,
        };
        Ok(self.table.push(bucket)?)
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
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.get(&label, &key)).await
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.set(&label, &key, &value)).await
    }

    async fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<(), KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.delete(&label, &key)).await
    }

    async fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<bool, KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| {
            db.get(&label, &key).map(|v| v.is_some())
        })
        .await
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<store::KeyResponse, KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| {
            db.list_keys(&label, cursor.as_deref())
                .map(|(keys, cursor)| store::KeyResponse { keys, cursor })
        })
        .await
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
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.increment(&label, &key, delta)).await
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), CasFailure> {
        let cas = self.table.delete(cas)?;
        let database = cas.database.clone();
        let (label, key, seen) = (cas.label.clone(), cas.key.clone(), cas.seen.clone());
        let outcome = off_the_executor(&database, move |db| {
            match db.compare_and_swap(&label, &key, seen.as_deref(), &value)? {
                true => Ok(None),
                // The value changed since the handle was made: read what is there now
                // for a fresh handle, so the guest can retry, as the interface describes.
                false => db.get(&label, &key).map(Some),
            }
        })
        .await?;
        match outcome {
            None => Ok(()),
            Some(seen) => {
                let fresh = Cas { seen, ..cas };
                Err(atomics::CasError::CasFailed(self.table.push(fresh)?).into())
            }
        }
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
        let (database, label) = self.bucket(&bucket)?;
        let seen = {
            let (label, key) = (label.clone(), key.clone());
            off_the_executor(&database, move |db| db.get(&label, &key)).await?
        };
        let cas = Cas {
            database,
            label,
            key,
            seen,
        };
        Ok(self.table.push(cas)?)
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
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| {
            keys.into_iter()
                .map(|key| db.get(&label, &key).map(|value| (key, value)))
                .collect()
        })
        .await
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.set_many(&label, &key_values)).await
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), KeyValueFailure> {
        let (database, label) = self.bucket(&bucket)?;
        off_the_executor(&database, move |db| db.delete_many(&label, &keys)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("council-host-kv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn values_survive_reopening() {
        let dir = temp_dir("reopen");
        {
            let db = KeyValueDatabase::open(&dir).unwrap();
            db.set("default", "report:1", b"queued").unwrap();
        }
        let db = KeyValueDatabase::open(&dir).unwrap();
        assert_eq!(
            db.get("default", "report:1").unwrap().as_deref(),
            Some(&b"queued"[..])
        );
        assert_eq!(db.get("other", "report:1").unwrap(), None);
    }

    #[test]
    fn increment_and_compare_and_swap() {
        let dir = temp_dir("atomics");
        let db = KeyValueDatabase::open(&dir).unwrap();
        assert_eq!(db.increment("s", "n", 5).unwrap(), 5);
        assert_eq!(db.increment("s", "n", -2).unwrap(), 3);
        db.set("s", "text", b"x").unwrap();
        assert!(db.increment("s", "text", 1).is_err());
        assert!(db.compare_and_swap("s", "k", None, b"1").unwrap());
        assert!(!db.compare_and_swap("s", "k", None, b"2").unwrap());
        assert!(db.compare_and_swap("s", "k", Some(b"1"), b"2").unwrap());
        assert_eq!(db.get("s", "k").unwrap().as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn list_keys_pages_with_a_cursor() {
        let dir = temp_dir("list");
        let db = KeyValueDatabase::open(&dir).unwrap();
        let entries: Vec<(String, Vec<u8>)> = (0..(LIST_PAGE + 5))
            .map(|i| (format!("k{i:05}"), vec![1]))
            .collect();
        db.set_many("s", &entries).unwrap();
        let (first, cursor) = db.list_keys("s", None).unwrap();
        assert_eq!(first.len(), LIST_PAGE);
        let (second, end) = db.list_keys("s", cursor.as_deref()).unwrap();
        assert_eq!(second.len(), 5);
        assert_eq!(end, None);
        db.delete_many("s", &[first[0].clone()]).unwrap();
        assert_eq!(db.get("s", &first[0]).unwrap(), None);
    }
}
