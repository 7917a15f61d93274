//! Cache entries, the eviction ring that bounds them, and the per-host rate limit,
//! all kept in the [`Cache`] store so they hold across the fresh instance Spin creates
//! for every request (and across instances and hosts sharing the store).
//!
//! An entry is JSON `{"v":1,"url":…,"fetched_at_ms":…,"payload":…}`: the parsed,
//! privacy-filtered answer of one upstream URL and when it was fetched. Only answers
//! that parsed are stored, so the entry is always "the last good answer". The key
//! includes the privacy switch, so turning personal details off never serves a copy
//! made while they were on.
//!
//! The cache holds at most `contacts_cache_max_entries` entries: each new entry takes
//! the next place in a ring of that many (`contacts:v1:ring:<n>`, the place counted
//! with an atomic increment) and evicts the entry that held it, oldest first. (An
//! entry refreshed by one instance while another evicts it may outlive its place; the
//! next eviction of a place it takes again removes it.)
//!
//! The rate limit keeps, under `contacts:v1:last-request:<host>`, the moment (decimal
//! Unix milliseconds) of the latest request reserved for a host. A request reserves the
//! next free moment — `min_interval` after the latest — by compare-and-swap, so two
//! instances can never take the same moment, and waits for it. A moment further away
//! than the request may wait ([`reserve_turn`]'s `max_wait_ms`) is not reserved: the
//! request does not go upstream at all, so a flood of lookups queues nothing and the
//! upstream never sees more than one request per interval.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::io::{Cache, CacheError, Clock};

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

/// The key of the ring's counter of admitted entries.
pub const RING_COUNTER: &str = "contacts:v1:ring-count";

/// The key of one place in the ring.
pub fn ring_key(place: u64) -> String {
    format!("contacts:v1:ring:{place}")
}

/// Gives a new entry (`key`, not in the cache before) its place in the ring of
/// `capacity` places, removing the entry that held the place. A store failure is
/// returned; the entry itself is already written.
pub fn admit(cache: &dyn Cache, key: &str, capacity: u64) -> Result<(), CacheError> {
    let admitted = cache.increment(RING_COUNTER, 1)?;
    let place = u64::try_from(admitted.saturating_sub(1)).unwrap_or(0) % capacity.max(1);
    let place_key = ring_key(place);
    if let Some(evicted) = cache.get(&place_key)?
        && evicted != key.as_bytes()
        && let Ok(evicted) = std::str::from_utf8(&evicted)
    {
        cache.delete(evicted)?;
    }
    cache.set(&place_key, key.as_bytes())
}

/// Why a request was not let through to the upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    /// How long it would have had to wait, in milliseconds.
    pub wait_ms: u64,
}

/// Reserves the next free moment for a request to `host` — `min_interval_ms` after the
/// latest reserved — and waits for it; how long it waited. When that moment is more
/// than `max_wait_ms` away, nothing is reserved and [`Busy`] says how far it was. A
/// store failure means no wait: with no store there is no shared state to keep.
pub fn reserve_turn(
    cache: &dyn Cache,
    clock: &dyn Clock,
    host: &str,
    min_interval_ms: u64,
    max_wait_ms: u64,
) -> Result<u64, Busy> {
    let key = rate_key(host);
    // Each try that loses the race sees a later latest moment; a few tries settle it.
    for _ in 0..16 {
        let Ok(current) = cache.get(&key) else {
            return Ok(0);
        };
        let latest = current.as_deref().and_then(|b| {
            std::str::from_utf8(b)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
        });
        let now = clock.now_unix_ms();
        let moment = match latest {
            Some(latest) => latest.saturating_add(min_interval_ms).max(now),
            None => now,
        };
        let wait = moment - now;
        if wait > max_wait_ms {
            return Err(Busy { wait_ms: wait });
        }
        match cache.compare_and_swap(&key, current.as_deref(), moment.to_string().as_bytes()) {
            Ok(true) => {
                if wait > 0 {
                    clock.sleep(wait);
                }
                return Ok(wait);
            }
            Ok(false) => continue,
            Err(_) => return Ok(0),
        }
    }
    Err(Busy {
        wait_ms: max_wait_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ManualClock, MemoryCache};

    /// A clock whose `sleep` does not move time: every caller sees the same "now", as
    /// concurrent instances do.
    #[derive(Debug)]
    struct FrozenClock(u64);

    impl Clock for FrozenClock {
        fn now_unix_ms(&self) -> u64 {
            self.0
        }
        fn sleep(&self, _ms: u64) {}
    }

    #[test]
    fn concurrent_requests_get_distinct_turns_and_a_full_queue_is_refused() {
        let cache = MemoryCache::default();
        let clock = FrozenClock(10_000);
        let turns: Vec<_> = (0..4)
            .map(|_| reserve_turn(&cache, &clock, "mg.example", 1000, 2500))
            .collect();
        assert_eq!(
            turns,
            vec![Ok(0), Ok(1000), Ok(2000), Err(Busy { wait_ms: 3000 })]
        );
    }

    /// Another instance reserving between this one's read and its write: the
    /// compare-and-swap fails and the turn after theirs is taken.
    #[test]
    fn a_turn_taken_meanwhile_is_not_taken_twice() {
        #[derive(Debug, Default)]
        struct Racing {
            inner: MemoryCache,
            raced: std::cell::Cell<bool>,
        }
        impl Cache for Racing {
            fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
                self.inner.get(key)
            }
            fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
                self.inner.set(key, value)
            }
            fn delete(&self, key: &str) -> Result<(), CacheError> {
                self.inner.delete(key)
            }
            fn compare_and_swap(
                &self,
                key: &str,
                expected: Option<&[u8]>,
                value: &[u8],
            ) -> Result<bool, CacheError> {
                if !self.raced.replace(true) {
                    // The other instance takes the same moment first.
                    self.inner.set(key, value)?;
                }
                self.inner.compare_and_swap(key, expected, value)
            }
            fn increment(&self, key: &str, delta: i64) -> Result<i64, CacheError> {
                self.inner.increment(key, delta)
            }
        }
        let cache = Racing::default();
        let clock = FrozenClock(5_000);
        assert_eq!(
            reserve_turn(&cache, &clock, "mg.example", 1000, 5000),
            Ok(1000)
        );
        assert_eq!(
            cache.get(&rate_key("mg.example")).unwrap().as_deref(),
            Some(&b"6000"[..])
        );
    }

    #[test]
    fn waiting_moves_time_and_no_store_means_no_wait() {
        let cache = MemoryCache::default();
        let clock = ManualClock::at(1_000);
        assert_eq!(reserve_turn(&cache, &clock, "h", 1000, 5000), Ok(0));
        assert_eq!(reserve_turn(&cache, &clock, "h", 1000, 5000), Ok(1000));
        assert_eq!(clock.now_unix_ms(), 2_000);
        cache.broken.set(true);
        assert_eq!(reserve_turn(&cache, &clock, "h", 1000, 5000), Ok(0));
    }

    #[test]
    fn the_ring_keeps_the_newest_entries() {
        let cache = MemoryCache::default();
        for i in 0..5 {
            let key = format!("contacts:v1:public:https://mg/{i}");
            cache.set(&key, b"entry").unwrap();
            admit(&cache, &key, 3).unwrap();
        }
        let entries: Vec<String> = cache
            .map
            .borrow()
            .keys()
            .filter(|k| k.starts_with("contacts:v1:public:"))
            .cloned()
            .collect();
        assert_eq!(
            entries,
            vec![
                "contacts:v1:public:https://mg/2",
                "contacts:v1:public:https://mg/3",
                "contacts:v1:public:https://mg/4"
            ]
        );
    }
}
