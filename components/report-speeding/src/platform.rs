//! The platform: `wasi:keyvalue/{store,atomics}@0.2.0-draft2` (store `default`),
//! `wasi:config/store@0.2.0-draft-2024-09-27`, `wasi:random` and the wall clock.
//! Outgoing HTTP goes through `wstd`'s client (`wasi:http/outgoing-handler`).

use serde::Serialize;
use serde::de::DeserializeOwned;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod drafts {
    wit_bindgen::generate!({
        path: ["../../wit/deps/keyvalue-2024-10-17", "../../wit/deps/config-2024-09-27"],
        world: "report-speeding-platform",
        generate_all,
        inline: "
            package council-report-speeding:platform;
            world report-speeding-platform {
                import wasi:keyvalue/store@0.2.0-draft2;
                import wasi:keyvalue/atomics@0.2.0-draft2;
                import wasi:config/store@0.2.0-draft-2024-09-27;
            }
        ",
    });
}

use drafts::wasi::config::store as config;
use drafts::wasi::keyvalue::atomics;
use drafts::wasi::keyvalue::store as kv;

/// A store failure, in words (no keys or values in it).
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn kv_error(e: kv::Error) -> StoreError {
    StoreError(match e {
        kv::Error::NoSuchStore => "key-value store: no such store".into(),
        kv::Error::AccessDenied => "key-value store: access denied".into(),
        kv::Error::Other(m) => format!("key-value store: {m}"),
    })
}

/// The `default` store.
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
    /// Opens store `default`.
    pub fn open() -> Result<Self, StoreError> {
        Ok(Self {
            bucket: kv::open("default").map_err(kv_error)?,
        })
    }

    /// Reads raw bytes.
    pub fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.bucket.get(key).map_err(kv_error)
    }

    /// Reads and parses a JSON value; a value that does not parse counts as absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        Ok(self
            .get_raw(key)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// Writes a JSON value.
    pub fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError(format!("encoding: {e}")))?;
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
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(next) = update(current) else {
            return Ok((Swap::Done, None));
        };
        let bytes = serde_json::to_vec(&next).map_err(|e| StoreError(format!("encoding: {e}")))?;
        match atomics::swap(cas, &bytes) {
            Ok(()) => Ok((Swap::Done, Some(next))),
            Err(atomics::CasError::CasFailed(_)) => Ok((Swap::Conflict, None)),
            Err(atomics::CasError::StoreError(e)) => Err(kv_error(e)),
        }
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
    crate::delivery::hex(&random_bytes::<16>())
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
