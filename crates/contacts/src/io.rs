//! The I/O the component supplies: an HTTP GET ([`Transport`], wasi:http through
//! `wstd`), a byte cache ([`Cache`], wasi:keyvalue `default` store) and a clock
//! ([`Clock`], wasi:clocks). Everything else in the crate is pure and testable
//! natively; [`crate::testing`] has in-memory implementations.

use std::time::Duration;

/// An HTTP answer: status, `Content-Type` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Occurs when no complete answer arrived within the timeout.
    #[error("timed out after {}", crate::service::human_duration(*.0))]
    Timeout(Duration),
    /// Occurs when the host could not be reached: DNS, connection refused or reset,
    /// TLS failure. The string is the transport's description.
    #[error("could not connect: {0}")]
    Connect(String),
    /// Occurs when the host's outbound allow-list (`allowed_outbound_hosts`) refused
    /// the request.
    #[error("denied by the host's outbound allow-list: {0}")]
    Denied(String),
    /// Any other failure (an invalid URL, a body that could not be read).
    #[error("{0}")]
    Other(String),
}

/// A failure of the cache store; the service treats it as a miss.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cache: {0}")]
pub struct CacheError(pub String);

/// Fetches a URL with HTTP GET.
pub trait Transport {
    /// GETs `url`, giving up after `timeout`. A non-2xx status is an `Ok` answer.
    fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError>;
}

/// A byte store with string keys (wasi:keyvalue `store.bucket`). Entries carry
/// their own fetched-at time (see [`crate::cache`]); the store needs no TTL.
pub trait Cache {
    /// The value under `key`, `None` when absent.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError>;
}

/// Wall-clock time and waiting.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_unix_ms(&self) -> u64;
    /// Blocks for `ms` milliseconds (used for the per-host rate limit).
    fn sleep(&self, ms: u64);
}

impl<T: Transport + ?Sized> Transport for &T {
    fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        (**self).get(url, timeout)
    }
}

impl<C: Cache + ?Sized> Cache for &C {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        (**self).get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        (**self).set(key, value)
    }
}

impl<K: Clock + ?Sized> Clock for &K {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
    fn sleep(&self, ms: u64) {
        (**self).sleep(ms)
    }
}
