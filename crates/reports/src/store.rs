//! The platform: `wasi:keyvalue/{store,atomics}@0.2.0-draft2` (the stores `drafts` and
//! `reports`, see [`crate::model`]), `wasi:config/store@0.2.0-draft-2024-09-27`,
//! `wasi:random` and the wall clock.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The platform imports' bindings. The services that store through this crate
/// (report-speeding and its back office) bind their worlds' `wasi:keyvalue` and
/// `wasi:config` imports to these modules (wit-bindgen's `with:`), so each import is
/// generated once.
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
pub mod platform {
    wit_bindgen::generate!({
        path: ["../../wit/deps/keyvalue-2024-10-17", "../../wit/deps/config-2024-09-27"],
        world: "report-speeding-platform",
        generate_all,
        inline: "
            package council-reports:platform;
            world report-speeding-platform {
                import wasi:keyvalue/store@0.2.0-draft2;
                import wasi:keyvalue/atomics@0.2.0-draft2;
                import wasi:config/store@0.2.0-draft-2024-09-27;
            }
        ",
    });
}

use platform::wasi::config::store as config;
use platform::wasi::keyvalue::atomics;
use platform::wasi::keyvalue::store as kv;

/// A store failure. Its text names the operation and the key, never a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store could not be opened or did not answer.
    #[error("{0}")]
    Unavailable(String),
    /// A stored value is not what this release reads (a damaged or foreign value):
    /// it is reported, and never mistaken for an absent one.
    #[error("the stored value of `{key}` does not read: {reason}")]
    Corrupt {
        /// The key.
        key: String,
        /// Why it does not read.
        reason: String,
    },
}

fn kv_error(e: kv::Error) -> StoreError {
    StoreError::Unavailable(match e {
        kv::Error::NoSuchStore => "key-value store: no such store".into(),
        kv::Error::AccessDenied => "key-value store: access denied".into(),
        kv::Error::Other(m) => format!("key-value store: {m}"),
    })
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// One store (a label of `key_value_stores`).
#[derive(Debug)]
pub struct Store {
    bucket: kv::Bucket,
}

/// The result of a compare-and-swap.
#[derive(Debug, PartialEq, Eq)]
pub enum Swap {
    /// Written.
    Done,
    /// Someone else changed the key first.
    Conflict,
}

impl Store {
    /// Opens the store `label`.
    pub fn open(label: &str) -> Result<Self, StoreError> {
        Ok(Self {
            bucket: kv::open(label).map_err(|e| match kv_error(e) {
                StoreError::Unavailable(m) => StoreError::Unavailable(format!("{m} ({label})")),
                other => other,
            })?,
        })
    }

    /// Reads raw bytes.
    pub fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.bucket.get(key).map_err(kv_error)
    }

    /// Reads and parses a JSON value ([`StoreError::Corrupt`] when it does not parse).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get_raw(key)?
            .map(|bytes| decode(key, &bytes))
            .transpose()
    }

    /// Adds `delta` to the integer under `key` (absent counts as 0), atomically.
    pub fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        atomics::increment(&self.bucket, key, delta).map_err(kv_error)
    }

    /// One page of the store's keys after `cursor` (the store has no prefix query).
    pub fn list_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), StoreError> {
        let page = self.bucket.list_keys(cursor).map_err(kv_error)?;
        let next = page.cursor.filter(|next| Some(next.as_str()) != cursor);
        Ok((page.keys, next))
    }

    /// Writes a JSON value.
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| StoreError::Unavailable(format!("encoding: {e}")))?;
        self.bucket.set(key, &bytes).map_err(kv_error)
    }

    /// Deletes a key.
    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.bucket.delete(key).map_err(kv_error)
    }

    /// Every key starting with `prefix` (the store has no prefix query: this pages
    /// through all keys).
    pub fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.bucket.list_keys(cursor.as_deref()).map_err(kv_error)?;
            found.extend(page.keys.into_iter().filter(|k| k.starts_with(prefix)));
            match page.cursor {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Reads `key` and replaces it with `update(current)` if nobody changed it in
    /// between (`wasi:keyvalue/atomics` compare-and-swap). `update` returning `None`
    /// leaves the key alone. Returns what was written, or the conflict.
    pub fn compare_and_swap<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        update: impl FnOnce(Option<T>) -> Option<T>,
    ) -> Result<(Swap, Option<T>), StoreError> {
        let cas = atomics::Cas::new(&self.bucket, key).map_err(kv_error)?;
        let current: Option<T> = cas
            .current()
            .map_err(kv_error)?
            .map(|bytes| decode(key, &bytes))
            .transpose()?;
        let Some(next) = update(current) else {
            return Ok((Swap::Done, None));
        };
        let bytes = serde_json::to_vec(&next)
            .map_err(|e| StoreError::Unavailable(format!("encoding: {e}")))?;
        match atomics::swap(cas, &bytes) {
            Ok(()) => Ok((Swap::Done, Some(next))),
            Err(atomics::CasError::CasFailed(_)) => Ok((Swap::Conflict, None)),
            Err(atomics::CasError::StoreError(e)) => Err(kv_error(e)),
        }
    }

    /// Replaces `key` with `update(current)` by compare-and-swap, trying again (up to
    /// 16 times) while other requests change it in between. `update` returning `None`
    /// leaves it alone. Returns what was written.
    pub fn update<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        mut update: impl FnMut(Option<T>) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        for _ in 0..16 {
            match self.compare_and_swap(key, &mut update)? {
                (Swap::Done, written) => return Ok(written),
                (Swap::Conflict, _) => continue,
            }
        }
        Err(StoreError::Unavailable(format!(
            "`{key}` kept changing while it was updated"
        )))
    }

    /// Creates `key` only if it does not exist. Returns whether it was created, and
    /// the value that is there otherwise.
    pub fn create<T: Serialize + DeserializeOwned + Clone>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<Result<(), Option<T>>, StoreError> {
        let mut existing = None;
        let (swap, _) = self.compare_and_swap::<T>(key, |current| match current {
            Some(v) => {
                existing = Some(v);
                None
            }
            None => Some(value.clone()),
        })?;
        Ok(match (swap, existing) {
            (Swap::Done, None) => Ok(()),
            (_, Some(v)) => Err(Some(v)),
            (Swap::Conflict, None) => Err(self.get(key)?),
        })
    }
}

/// One setting from `wasi:config` (a component variable); empty counts as unset.
pub fn setting(name: &str) -> Option<String> {
    config::get(name)
        .ok()
        .flatten()
        .filter(|v| !v.trim().is_empty())
}

/// Random bytes from `wasi:random/random`.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    wstd::rand::get_random_bytes(&mut bytes);
    bytes
}

/// A random id of 128 bits in hex (drafts, form tokens).
pub fn random_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A uniform random number in `[0, 1)`.
pub fn random_unit() -> f64 {
    (u64::from_le_bytes(random_bytes::<8>()) >> 11) as f64 / (1u64 << 53) as f64
}

/// Now, in Unix seconds (`wasi:clocks/wall-clock`).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
