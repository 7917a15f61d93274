//! Cache entries and the per-host rate limit, both kept in the [`Cache`] store so
//! they hold across the fresh instance Spin creates for every request.
//!
//! An entry is JSON `{"v":1,"url":…,"fetched_at_ms":…,"payload":…}`: the parsed,
//! privacy-filtered answer of one upstream URL and when it was fetched. Only answers
//! that parsed are stored, so the entry is always "the last good answer". The key
//! includes the privacy switch, so turning personal details off never serves a copy
//! made while they were on.
//!
//! The rate limit stores the time of the last request to a host under
//! `contacts:v1:last-request:<host>` as decimal milliseconds. Before a request the
//! service waits until `min_interval` has passed since that time, then writes the
//! new time. Two instances racing may both read the same time; the store offers no
//! compare-and-swap in every host, so the limit is best effort, which is what a
//! politeness limit needs.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::io::{Cache, Clock};

/// Version of the entry encoding; entries of another version are misses.
pub const ENTRY_VERSION: u32 = 1;

/// One cached upstream answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<P> {
    /// [`ENTRY_VERSION`].
    pub v: u32,
    /// The URL fetched.
    pub url: String,
    /// When it was fetched, Unix milliseconds.
    pub fetched_at_ms: u64,
    /// The parsed answer.
    pub payload: P,
}

impl<P: Serialize + DeserializeOwned> Entry<P> {
    /// Encodes the entry as JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes an entry; `None` for bytes that are not a current entry (corrupt,
    /// older version, another payload type), which the service treats as a miss.
    pub fn decode(bytes: &[u8]) -> Option<Entry<P>> {
        serde_json::from_slice::<Entry<P>>(bytes)
            .ok()
            .filter(|e| e.v == ENTRY_VERSION)
    }
}

/// The cache key of an upstream URL.
pub fn entry_key(url: &str, include_personal: bool) -> String {
    format!(
        "contacts:v1:{}:{url}",
        if include_personal {
            "personal"
        } else {
            "public"
        }
    )
}

/// The key holding the last request time for `host`.
pub fn rate_key(host: &str) -> String {
    format!("contacts:v1:last-request:{host}")
}

/// Waits until `min_interval_ms` has passed since the last request to `host` (as
/// recorded in `cache`), then records now as the last request. Returns how long it
/// waited. A store failure means no wait: the limit is politeness, not safety.
pub fn wait_for_turn(
    cache: &dyn Cache,
    clock: &dyn Clock,
    host: &str,
    min_interval_ms: u64,
) -> u64 {
    let key = rate_key(host);
    let last = cache.get(&key).ok().flatten().and_then(|b| {
        std::str::from_utf8(&b)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    });
    let now = clock.now_unix_ms();
    let mut waited = 0;
    if let Some(last) = last {
        let next = last.saturating_add(min_interval_ms);
        // A last time in the future (clock skew between instances) waits at most one
        // interval.
        if next > now {
            waited = (next - now).min(min_interval_ms);
            clock.sleep(waited);
        }
    }
    let _ = cache.set(&key, clock.now_unix_ms().to_string().as_bytes());
    waited
}
