//! Which backend holds each store label, and each operation on a store, whichever
//! backend it is: the SQLite calls go to tokio's blocking pool (SQLite may wait on
//! its lock or the disk, and the executor's threads must keep serving other
//! instances meanwhile); the Redis calls are async. Every operation is timed into
//! the host's metrics by backend.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use council_app::runtime_config::{KeyValueStoreConfig, RuntimeConfig};

use super::redis::RedisStore;
use super::sqlite::KeyValueDatabase;
use super::{KeyValueError, KeyValueFailure};
use crate::serve::metrics::Metrics;
use crate::wasi::bindings::keyvalue::wasi::keyvalue::store;

/// Where one store's data lives.
#[derive(Debug, Clone)]
pub enum Backend {
    /// An SQLite database file.
    Sqlite(Arc<KeyValueDatabase>),
    /// A Redis server.
    Redis(Arc<RedisStore>),
}

impl Backend {
    /// The backend's name, a metrics label value.
    pub fn kind(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "spin",
            Backend::Redis(_) => "redis",
        }
    }

    /// Where it is (a file path, or a Redis URL without its password).
    pub fn location(&self) -> String {
        match self {
            Backend::Sqlite(database) => database.path().display().to_string(),
            Backend::Redis(redis) => redis.redacted_url().to_string(),
        }
    }

    /// Whether `other` is this very backend (one file or one server, opened once).
    fn same_as(&self, other: &Backend) -> bool {
        match (self, other) {
            (Backend::Sqlite(a), Backend::Sqlite(b)) => Arc::ptr_eq(a, b),
            (Backend::Redis(a), Backend::Redis(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Whether it answers.
    pub async fn check(&self) -> Result<(), store::Error> {
        match self {
            Backend::Sqlite(database) => {
                let database = database.clone();
                blocking(move || database.check()).await
            }
            Backend::Redis(redis) => redis.check().await,
        }
    }
}

/// Runs one SQLite call on tokio's blocking pool.
async fn blocking<R: Send + 'static>(
    operation: impl FnOnce() -> Result<R, store::Error> + Send + 'static,
) -> Result<R, store::Error> {
    match tokio::task::spawn_blocking(operation).await {
        Ok(result) => result,
        Err(join) => Err(store::Error::Other(format!(
            "key-value operation did not finish: {join}"
        ))),
    }
}

/// The stores of one application, by label, each on its backend.
#[derive(Debug, Default)]
pub struct KeyValueStores {
    by_label: BTreeMap<String, Backend>,
}

impl KeyValueStores {
    /// Opens the backend of every label in `labels` (the stores the manifest's
    /// components name), as Spin resolves them: a label the runtime config defines
    /// lives where it says; `default` otherwise lives in the state directory's
    /// `sqlite_key_value.db`. Any other label needs a table in the runtime config when
    /// one is given (Spin refuses to start without it); with no runtime config,
    /// council-host keeps every store in that one file. Labels that name one file or
    /// one URL share one connection.
    pub fn open<'a>(
        labels: impl IntoIterator<Item = &'a str>,
        runtime_config: Option<&RuntimeConfig>,
        state_dir: &Path,
    ) -> Result<Self, KeyValueError> {
        let mut databases: BTreeMap<PathBuf, Arc<KeyValueDatabase>> = BTreeMap::new();
        let mut servers: BTreeMap<String, Arc<RedisStore>> = BTreeMap::new();
        let mut sqlite = |path: PathBuf| -> Result<Backend, KeyValueError> {
            if let Some(database) = databases.get(&path) {
                return Ok(Backend::Sqlite(database.clone()));
            }
            let database = Arc::new(KeyValueDatabase::open(&path)?);
            databases.insert(path, database.clone());
            Ok(Backend::Sqlite(database))
        };
        let default_file = KeyValueDatabase::default_file(state_dir);
        let mut by_label = BTreeMap::new();
        for label in labels {
            if by_label.contains_key(label) {
                continue;
            }
            let configured = runtime_config.and_then(|config| config.key_value_stores.get(label));
            let backend = match configured {
                Some(KeyValueStoreConfig::Spin { path }) => {
                    sqlite(path.clone().unwrap_or_else(|| default_file.clone()))?
                }
                Some(KeyValueStoreConfig::Redis { url }) => {
                    let server = match servers.get(url) {
                        Some(server) => server.clone(),
                        None => {
                            let server = Arc::new(RedisStore::new(url)?);
                            servers.insert(url.clone(), server.clone());
                            server
                        }
                    };
                    Backend::Redis(server)
                }
                None => match runtime_config {
                    Some(config) if label != "default" => {
                        return Err(KeyValueError::Undefined {
                            label: label.to_string(),
                            file: config.path.clone().unwrap_or_default(),
                        });
                    }
                    _ => sqlite(default_file.clone())?,
                },
            };
            by_label.insert(label.to_string(), backend);
        }
        Ok(Self { by_label })
    }

    /// The store `label`, if the application has it.
    pub fn store(&self, label: &str, metrics: &Arc<Metrics>) -> Option<StoreHandle> {
        self.by_label.get(label).map(|backend| StoreHandle {
            backend: backend.clone(),
            label: label.to_string(),
            metrics: metrics.clone(),
        })
    }

    /// Every store's label and backend.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Backend)> {
        self.by_label
            .iter()
            .map(|(label, backend)| (label.as_str(), backend))
    }

    /// Whether every store answers (for `/readyz`); the first that does not, named.
    /// Stores sharing a file or a server are asked once.
    pub async fn check(&self) -> Result<(), StoreUnreachable> {
        let mut asked: Vec<&Backend> = Vec::new();
        for (label, backend) in &self.by_label {
            if asked.iter().any(|seen| seen.same_as(backend)) {
                continue;
            }
            asked.push(backend);
            backend.check().await.map_err(|error| StoreUnreachable {
                label: label.clone(),
                location: backend.location(),
                error,
            })?;
        }
        Ok(())
    }
}

/// A key-value store does not answer (what `/readyz` reports).
#[derive(Debug, thiserror::Error)]
#[error("store `{label}` ({location}): {error:?}")]
pub struct StoreUnreachable {
    /// The store label.
    pub label: String,
    /// Where it lives (a path, or a Redis URL without its password).
    pub location: String,
    /// What the backend said.
    pub error: store::Error,
}

/// One store as a guest opened it: a label on its backend.
#[derive(Debug, Clone)]
pub struct StoreHandle {
    backend: Backend,
    label: String,
    metrics: Arc<Metrics>,
}

/// Runs one operation on the store's backend: SQLite on the blocking pool, Redis
/// directly, and times it. `$db` and `$label` name the SQLite database (inside the
/// blocking closure) or the Redis store, and the label, in `$sqlite` and `$redis`.
macro_rules! on_backend {
    ($handle:expr, $operation:literal, |$db:ident, $label:ident| $sqlite:expr, $redis:expr) => {{
        let started = Instant::now();
        let handle: &StoreHandle = $handle;
        let outcome = match &handle.backend {
            Backend::Sqlite(database) => {
                let $db = database.clone();
                let $label = handle.label.clone();
                blocking(move || $sqlite).await
            }
            Backend::Redis($db) => {
                let $label = handle.label.as_str();
                $redis.await
            }
        };
        handle.metrics.key_value_operation(
            handle.backend.kind(),
            $operation,
            outcome.is_ok(),
            started.elapsed(),
        );
        outcome.map_err(KeyValueFailure::Guest)
    }};
}

impl StoreHandle {
    /// The store label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Reads one value.
    pub async fn get(&self, key: String) -> Result<Option<Vec<u8>>, KeyValueFailure> {
        on_backend!(
            self,
            "get",
            |db, label| db.get(&label, &key),
            db.get(label, &key)
        )
    }

    /// Writes one value.
    pub async fn set(&self, key: String, value: Vec<u8>) -> Result<(), KeyValueFailure> {
        on_backend!(
            self,
            "set",
            |db, label| db.set(&label, &key, &value),
            db.set(label, &key, &value)
        )
    }

    /// Deletes one value.
    pub async fn delete(&self, key: String) -> Result<(), KeyValueFailure> {
        on_backend!(
            self,
            "delete",
            |db, label| db.delete(&label, &key),
            db.delete(label, &key)
        )
    }

    /// Whether a key has a value.
    pub async fn exists(&self, key: String) -> Result<bool, KeyValueFailure> {
        on_backend!(
            self,
            "exists",
            |db, label| db.get(&label, &key).map(|value| value.is_some()),
            db.exists(label, &key)
        )
    }

    /// A page of keys from `cursor`, and the next page's cursor.
    pub async fn list_keys(
        &self,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), KeyValueFailure> {
        on_backend!(
            self,
            "list-keys",
            |db, label| db.list_keys(&label, cursor.as_deref()),
            db.list_keys(label, cursor.as_deref())
        )
    }

    /// Adds `delta` to an integer value, atomically.
    pub async fn increment(&self, key: String, delta: i64) -> Result<i64, KeyValueFailure> {
        on_backend!(
            self,
            "increment",
            |db, label| db.increment(&label, &key, delta),
            db.increment(label, &key, delta)
        )
    }

    /// Writes `value` only if the key still holds `expected`; whether it did.
    pub async fn compare_and_swap(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        value: Vec<u8>,
    ) -> Result<bool, KeyValueFailure> {
        on_backend!(
            self,
            "compare-and-swap",
            |db, label| db.compare_and_swap(&label, &key, expected.as_deref(), &value),
            db.compare_and_swap(label, &key, expected.as_deref(), &value)
        )
    }

    /// Reads several values, each with its key.
    pub async fn get_many(
        &self,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, KeyValueFailure> {
        let requested = keys.clone();
        let values = on_backend!(
            self,
            "get-many",
            |db, label| requested
                .iter()
                .map(|key| db.get(&label, key))
                .collect::<Result<Vec<_>, _>>(),
            db.get_many(label, &keys)
        )?;
        Ok(keys.into_iter().zip(values).collect())
    }

    /// Writes several values.
    pub async fn set_many(&self, entries: Vec<(String, Vec<u8>)>) -> Result<(), KeyValueFailure> {
        on_backend!(
            self,
            "set-many",
            |db, label| db.set_many(&label, &entries),
            db.set_many(label, &entries)
        )
    }

    /// Deletes several keys.
    pub async fn delete_many(&self, keys: Vec<String>) -> Result<(), KeyValueFailure> {
        on_backend!(
            self,
            "delete-many",
            |db, label| db.delete_many(&label, &keys),
            db.delete_many(label, &keys)
        )
    }
}
