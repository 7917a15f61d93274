//! The I/O the component supplies: an HTTP GET ([`Transport`], wasi:http
//! `outgoing-handler`), a byte cache ([`Cache`], wasi:keyvalue `default` store) and a
//! clock ([`Clock`], wasi:clocks). Everything else in the crate is pure and testable
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

/// The largest body a [`Transport`] should accept. The biggest real answer in the
/// fixtures (Kirklees, 69 councillors) is about 100 KiB; a council with ten times as
/// many councillors stays well under this, and anything larger is not a ModernGov
/// answer worth holding in a component's memory.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Fetches a URL with HTTP GET.
pub trait Transport {
    /// GETs `url`, giving up after `timeout`. A non-2xx status is an `Ok` answer.
    ///
    /// `timeout` bounds the whole exchange (connecting, the response head and the
    /// body), not each step: an upstream that trickles bytes must not hold the caller
    /// longer than a silent one. Bodies over [`MAX_BODY_BYTES`] are
    /// [`TransportError::Other`].
    fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError>;
}

/// An absolute `http`/`https` URL split the way wasi:http's `outgoing-request` takes
/// it (scheme, authority, path with query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTarget<'a> {
    /// True for `https`.
    pub https: bool,
    /// `host[:port]` as written in the URL.
    pub authority: &'a str,
    /// The path and query, starting with `/` (`/` when the URL has no path).
    pub path_with_query: &'a str,
}

impl<'a> RequestTarget<'a> {
    /// Splits `url` (RFC 3986 §3: `scheme "://" authority path-abempty [ "?" query ]`).
    /// A fragment is dropped, as HTTP never sends it (RFC 9110 §4.2.4).
    ///
    /// Raises [`TransportError::Other`] for a URL that is not absolute `http` or
    /// `https` with a non-empty authority.
    pub fn parse(url: &'a str) -> Result<RequestTarget<'a>, TransportError> {
        let bad = |why: &str| TransportError::Other(format!("invalid URL {url:?}: {why}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(bad("the scheme is not http or https"));
        };
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        let path_with_query = if path.is_empty() { "/" } else { path };
        if path_with_query.starts_with('?') {
            return Err(bad("a query without a path"));
        }
        Ok(RequestTarget {
            https,
            authority,
            path_with_query,
        })
    }
}

/// A byte store with string keys (wasi:keyvalue `store.bucket` and `atomics`). Entries
/// carry their own fetched-at time (see [`crate::cache`]); the store needs no TTL.
pub trait Cache {
    /// The value under `key`, `None` when absent.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError>;
    /// Removes `key` (no error when absent).
    fn delete(&self, key: &str) -> Result<(), CacheError>;
    /// Writes `value` only if `key` still holds `expected` (`None`: still absent);
    /// whether it did (wasi:keyvalue `atomics.cas`).
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, CacheError>;
    /// Adds `delta` to the integer under `key` (absent counts as 0) atomically and
    /// returns the new value (wasi:keyvalue `atomics.increment`).
    fn increment(&self, key: &str, delta: i64) -> Result<i64, CacheError>;
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
    fn delete(&self, key: &str) -> Result<(), CacheError> {
        (**self).delete(key)
    }
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, CacheError> {
        (**self).compare_and_swap(key, expected, value)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, CacheError> {
        (**self).increment(key, delta)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets_split_like_wasi_http_wants() {
        let t = RequestTarget::parse(
            "https://democracy.example.gov.uk/modern.gov/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=M31%204AN",
        )
        .unwrap();
        assert!(t.https);
        assert_eq!(t.authority, "democracy.example.gov.uk");
        assert_eq!(
            t.path_with_query,
            "/modern.gov/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=M31%204AN"
        );
        let t = RequestTarget::parse("HTTP://127.0.0.1:8080#top").unwrap();
        assert!(!t.https);
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.path_with_query, "/");
        for bad in [
            "ftp://x.example/",
            "x.example/a",
            "http:///a",
            "http://x?q=1",
        ] {
            assert!(
                matches!(RequestTarget::parse(bad), Err(TransportError::Other(_))),
                "{bad}"
            );
        }
    }
}
