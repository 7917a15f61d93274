//! The Redis backend (`type = "redis"` in the runtime config): the store several
//! council-host processes share, so that a report taken by one is delivered by
//! whichever outbox runs next, and counters, caches and claims hold across them.
//!
//! Each operation is one Redis command (or one Lua script) on a multiplexed
//! connection that reconnects by itself (redis-rs's `ConnectionManager`), so every
//! operation is atomic on the server, whichever process sends it:
//!
//! - keys are namespaced by store label, `<label>:<key>`, so two stores on one
//!   server never see each other's keys. Spin's own Redis backend ignores the label
//!   (every store on one URL is one key space); a store moved between Spin and
//!   council-host on the same Redis therefore has different key names.
//! - `list-keys` pages with `SCAN` and a `MATCH` on the label's prefix, never
//!   `KEYS` (which blocks the server while it walks every key); like `SCAN`, a page
//!   may repeat a key seen on an earlier page, which the interface allows.
//! - `increment` is `INCRBY` (atomic; the value is the integer's decimal text, as
//!   the SQLite backend stores it); compare-and-swap is a Lua script that compares
//!   and sets in one step (<https://redis.io/docs/latest/develop/interact/programmability/eval-intro/>:
//!   a script runs atomically, no other command runs meanwhile).
//! - `set-many` is `MSET` (atomic), `get-many` `MGET`, `delete-many` one `DEL`.
//!
//! The URL may hold a password: only its redacted form ever reaches a log, an error
//! or the guest.

use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::KeyValueError;
use crate::wasi::bindings::keyvalue::wasi::keyvalue::store;

/// How long connecting may take before an operation fails (and `/readyz` says the
/// store is unreachable).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may take. A request's deadline is longer; a Redis that
/// stops answering fails the operation, not the whole request.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Keys a `list-keys` page asks `SCAN` for (`COUNT`), and the most `SCAN` calls one
/// page makes when the label's keys are sparse among others.
const SCAN_COUNT: usize = 1000;
const SCAN_ROUNDS: usize = 64;

/// Compare-and-swap: sets `KEYS[1]` to `ARGV[3]` only if it still holds `ARGV[2]`
/// (`ARGV[1]` = "present") or is still absent (`ARGV[1]` = "absent"); 1 if set.
/// `GET` of an absent key is `false` in Lua, never equal to a string.
const COMPARE_AND_SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'absent' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
";

/// One Redis server (one URL), holding any number of stores.
pub struct RedisStore {
    client: redis::Client,
    /// The URL without its password, for messages.
    redacted_url: String,
    connection: OnceLock<ConnectionManager>,
    compare_and_swap: redis::Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.redacted_url)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `url`; nothing connects until the first operation (Redis may come
    /// up after the host, as it may in a Kubernetes pod: `/readyz` says when it
    /// answers).
    pub fn new(url: &str) -> Result<Self, KeyValueError> {
        let redacted_url = council_app::runtime_config::redact_url(url);
        let client = redis::Client::open(url).map_err(|e| KeyValueError::RedisUrl {
            url: redacted_url.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            client,
            redacted_url,
            connection: OnceLock::new(),
            compare_and_swap: redis::Script::new(COMPARE_AND_SWAP),
        })
    }

    /// The URL without its password.
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// The shared connection, made on first use (within tokio, which redis-rs's
    /// connection manager runs on).
    fn connection(&self) -> Result<ConnectionManager, store::Error> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            // One quick retry: an operation fails fast while Redis is away, and
            // the next one reconnects.
            .set_number_of_retries(1);
        let connection = self
            .client
            .get_connection_manager_lazy(config)
            .map_err(|e| self.error("connect", e))?;
        Ok(self.connection.get_or_init(|| connection).clone())
    }

    fn error(&self, operation: &str, error: redis::RedisError) -> store::Error {
        store::Error::Other(format!("redis {}: {operation}: {error}", self.redacted_url))
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        operation: &str,
        command: &redis::Cmd,
    ) -> Result<T, store::Error> {
        let mut connection = self.connection()?;
        command
            .query_async(&mut connection)
            .await
            .map_err(|e| self.error(operation, e))
    }

    /// Whether the server answers `PING`.
    pub async fn check(&self) -> Result<(), store::Error> {
        self.query::<String>("PING", &redis::cmd("PING"))
            .await
            .map(|_| ())
    }

    /// Reads one value.
    pub async fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, store::Error> {
        self.query("GET", redis::cmd("GET").arg(namespaced(label, key)))
            .await
    }

    /// Writes one value.
    pub async fn set(&self, label: &str, key: &str, value: &[u8]) -> Result<(), store::Error> {
        self.query(
            "SET",
            redis::cmd("SET").arg(namespaced(label, key)).arg(value),
        )
        .await
    }

    /// Deletes one value (no error when absent).
    pub async fn delete(&self, label: &str, key: &str) -> Result<(), store::Error> {
        self.query::<i64>("DEL", redis::cmd("DEL").arg(namespaced(label, key)))
            .await
            .map(|_| ())
    }

    /// Whether a key has a value.
    pub async fn exists(&self, label: &str, key: &str) -> Result<bool, store::Error> {
        self.query::<i64>("EXISTS", redis::cmd("EXISTS").arg(namespaced(label, key)))
            .await
            .map(|n| n > 0)
    }

    /// A page of the store's keys from `SCAN`'s `cursor` (`None`: the start), and the
    /// cursor of the next page (`None`: the last page). A page holds at least one
    /// key unless the scan has ended or [`SCAN_ROUNDS`] calls found none.
    pub async fn list_keys(
        &self,
        label: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), store::Error> {
        // The cursor came back from the guest: it must be one of ours.
        let mut position: u64 = match cursor {
            None => 0,
            Some(text) => text.parse().map_err(|_| {
                store::Error::Other(format!(
                    "list-keys: `{text}` is not a cursor this store gave"
                ))
            })?,
        };
        let prefix = namespaced(label, "");
        let pattern = format!("{}*", glob_escape(&prefix));
        let mut keys = Vec::new();
        for _ in 0..SCAN_ROUNDS {
            let (next, page): (u64, Vec<Vec<u8>>) = self
                .query(
                    "SCAN",
                    redis::cmd("SCAN")
                        .arg(position)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT),
                )
                .await?;
            // Keys that are not UTF-8 were not written through this interface.
            keys.extend(page.into_iter().filter_map(|key| {
                String::from_utf8(key)
                    .ok()
                    .and_then(|key| key.strip_prefix(&prefix).map(str::to_string))
            }));
            position = next;
            if position == 0 || !keys.is_empty() {
                break;
            }
        }
        let next = (position != 0).then(|| position.to_string());
        Ok((keys, next))
    }

    /// Adds `delta` to the integer stored as decimal text (absent counts as 0).
    pub async fn increment(&self, label: &str, key: &str, delta: i64) -> Result<i64, store::Error> {
        self.query(
            "INCRBY",
            redis::cmd("INCRBY").arg(namespaced(label, key)).arg(delta),
        )
        .await
    }

    /// Writes `value` only if the key still holds `expected` (`None`: still absent).
    pub async fn compare_and_swap(
        &self,
        label: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, store::Error> {
        let mut connection = self.connection()?;
        let mut invocation = self.compare_and_swap.key(namespaced(label, key));
        match expected {
            None => invocation.arg("absent").arg(""),
            Some(expected) => invocation.arg("present").arg(expected),
        };
        let swapped: i64 = invocation
            .arg(value)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| self.error("compare-and-swap", e))?;
        Ok(swapped == 1)
    }

    /// Reads several values, in the order of `keys`.
    pub async fn get_many(
        &self,
        label: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, store::Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut command = redis::cmd("MGET");
        for key in keys {
            command.arg(namespaced(label, key));
        }
        self.query("MGET", &command).await
    }

    /// Writes several values at once (`MSET` is atomic).
    pub async fn set_many(
        &self,
        label: &str,
        entries: &[(String, Vec<u8>)],
    ) -> Result<(), store::Error> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut command = redis::cmd("MSET");
        for (key, value) in entries {
            command.arg(namespaced(label, key)).arg(value.as_slice());
        }
        self.query("MSET", &command).await
    }

    /// Deletes several keys at once.
    pub async fn delete_many(&self, label: &str, keys: &[String]) -> Result<(), store::Error> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut command = redis::cmd("DEL");
        for key in keys {
            command.arg(namespaced(label, key));
        }
        self.query::<i64>("DEL", &command).await.map(|_| ())
    }
}

/// The Redis key of `key` in the store `label`. Labels are letters, digits, `-` and
/// `_` (the manifest's rule), so the first `:` ends the label.
fn namespaced(label: &str, key: &str) -> String {
    format!("{label}:{key}")
}

/// `text` as a literal in a Redis glob pattern (`SCAN ... MATCH`): `*`, `?`, `[`,
/// `]` and `\` escaped with a backslash.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_globs_escaped() {
        assert_eq!(namespaced("reports", "outbox:1"), "reports:outbox:1");
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let error = RedisStore::new("redis://:hunter2@")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
