//! The platform side of `council_contacts::io`: the three traits over WASI 0.2 and
//! the two Spin drafts, and the settings from `wasi:config`.
//!
//! - [`HttpTransport`]: `wasi:http/outgoing-handler` through the raw `wasip2`
//!   bindings, so the host's `error-code` (`HTTP-request-denied`,
//!   `connection-refused`, `connection-read-timeout`, ...) reaches the crate as a
//!   `TransportError` of the right kind. The timeout is given to the host as the
//!   connect, first-byte and between-bytes timeouts of the `request-options`, and is
//!   also enforced here as one overall deadline: every wait polls the response or body
//!   stream together with a `monotonic-clock` timer, so an upstream that accepts and
//!   never answers, or trickles bytes, cannot hold the instance past the timeout.
//! - [`KeyValueCache`]: `wasi:keyvalue/{store,atomics}@0.2.0-draft2`. A store that
//!   cannot be opened degrades to no cache (every read a miss, every write dropped).
//! - [`WasiClock`]: `wasi:clocks/wall-clock` for time, a `monotonic-clock` pollable
//!   for sleeping.

use std::time::Duration;

use council_contacts::io::{
    Cache, CacheError, Clock, HttpResponse, MAX_BODY_BYTES, RequestTarget, Transport,
    TransportError,
};
use council_contacts::settings::Settings;
use council_contacts::{self as lib};
use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::poll;
use wasip2::io::streams::StreamError;

use crate::bindings::wasi::config::store as config;
use crate::bindings::wasi::keyvalue::atomics;
use crate::bindings::wasi::keyvalue::store as kv;

/// Reads the settings with `wasi:config/store.get-all` (keys in `docs/contacts.md`).
///
/// Raises `Error::NotConfigured` when the store fails or a value is invalid.
pub fn settings() -> Result<Settings, lib::Error> {
    let pairs = config::get_all().map_err(|e| {
        lib::Error::NotConfigured(format!(
            "wasi:config: {}",
            match e {
                config::Error::Upstream(m) => format!("the configuration store failed: {m}"),
                config::Error::Io(m) => format!("I/O error: {m}"),
            }
        ))
    })?;
    Settings::from_pairs(pairs)
}

/// `wasi:http/outgoing-handler` with an overall deadline (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct HttpTransport;

/// What the ModernGov answers are; a council's server may refuse a request that
/// accepts nothing it can produce (RFC 9110 §12.5.1).
const ACCEPT: &str = "text/xml, application/xml, text/html;q=0.9, */*;q=0.1";
/// Names the client to the council's server (RFC 9110 §10.1.5).
const USER_AGENT: &str = concat!("council-contact-fetch/", env!("CARGO_PKG_VERSION"));
/// How much of the body to ask for per read.
const READ_CHUNK: u64 = 64 * 1024;

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The `error-code`'s name as WASI spells it (`HTTP-request-denied`), with its payload.
fn describe(code: &ErrorCode) -> String {
    format!("{code:?}")
}

/// Sorts a host `error-code` into the crate's kinds of transport failure.
fn transport_error(code: ErrorCode, authority: &str, timeout: Duration) -> TransportError {
    match code {
        ErrorCode::HttpRequestDenied => TransportError::Denied(format!(
            "the host refused the request to {authority} (wasi:http error-code HTTP-request-denied)"
        )),
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportError::Timeout(timeout),
        ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => {
            TransportError::Connect(format!("{authority}: {}", describe(&code)))
        }
        other => TransportError::Other(format!("{authority}: {}", describe(&other))),
    }
}

impl Transport for HttpTransport {
    fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        let target = RequestTarget::parse(url)?;
        let authority = target.authority;
        let refused =
            |what: &str| TransportError::Other(format!("{url}: the host refused the {what}"));
        // One deadline for the whole exchange, on the monotonic clock.
        let deadline = monotonic_clock::now().saturating_add(nanos(timeout));
        let timer = monotonic_clock::subscribe_instant(deadline);

        let headers = Fields::from_list(&[
            ("accept".to_string(), ACCEPT.as_bytes().to_vec()),
            ("user-agent".to_string(), USER_AGENT.as_bytes().to_vec()),
        ])
        .map_err(|e| TransportError::Other(format!("request headers: {e:?}")))?;
        let request = OutgoingRequest::new(headers);
        request
            .set_scheme(Some(if target.https {
                &Scheme::Https
            } else {
                &Scheme::Http
            }))
            .map_err(|()| refused("scheme"))?;
        request
            .set_authority(Some(authority))
            .map_err(|()| refused("authority"))?;
        request
            .set_path_with_query(Some(target.path_with_query))
            .map_err(|()| refused("path"))?;
        // The host's own timeouts stop its side of a dead connection; a host that does
        // not support one of them refuses to set it, and the deadline below still holds.
        let options = RequestOptions::new();
        let _ = options.set_connect_timeout(Some(nanos(timeout)));
        let _ = options.set_first_byte_timeout(Some(nanos(timeout)));
        let _ = options.set_between_bytes_timeout(Some(nanos(timeout)));
        let body = request.body().map_err(|()| refused("request body"))?;
        let pending = outgoing_handler::handle(request, Some(options))
            .map_err(|code| transport_error(code, authority, timeout))?;
        // A GET has an empty body. Finishing it fails when the host has already
        // refused the request; the response's error is the one to report.
        let _ = OutgoingBody::finish(body, None);

        // Child resources (pollables, headers, the body stream) are dropped before
        // their parents, as wasi:http requires: locals drop in reverse order.
        let response = {
            let ready = pending.subscribe();
            loop {
                if let Some(result) = pending.get() {
                    break result;
                }
                if !poll::poll(&[&ready, &timer]).contains(&0) {
                    // Dropping `pending` cancels the request in the host.
                    return Err(TransportError::Timeout(timeout));
                }
            }
        };
        let response = match response {
            Ok(Ok(response)) => response,
            Ok(Err(code)) => return Err(transport_error(code, authority, timeout)),
            Err(()) => {
                return Err(TransportError::Other(format!(
                    "{url}: the response was already taken"
                )));
            }
        };
        let status = response.status();
        let content_type = {
            let headers = response.headers();
            headers
                .get("content-type")
                .into_iter()
                .next()
                .map(|v| String::from_utf8_lossy(&v).into_owned())
        };
        let incoming = response.consume().map_err(|()| {
            TransportError::Other(format!("{url}: the response body was already taken"))
        })?;
        let stream = incoming.stream().map_err(|()| {
            TransportError::Other(format!("{url}: the response body stream was already taken"))
        })?;
        let readable = stream.subscribe();
        let mut bytes = Vec::new();
        loop {
            match stream.read(READ_CHUNK) {
                Ok(chunk) if chunk.is_empty() => {
                    if !poll::poll(&[&readable, &timer]).contains(&0) {
                        return Err(TransportError::Timeout(timeout));
                    }
                }
                Ok(chunk) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BODY_BYTES {
                        return Err(TransportError::Other(format!(
                            "{url}: the answer is larger than {} MiB",
                            MAX_BODY_BYTES / (1024 * 1024)
                        )));
                    }
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(match wasip2::http::types::http_error_code(&e) {
                        Some(code) => transport_error(code, authority, timeout),
                        None => TransportError::Other(format!(
                            "{url}: reading the answer: {}",
                            e.to_debug_string()
                        )),
                    });
                }
            }
        }
        Ok(HttpResponse {
            status,
            content_type,
            body: bytes,
        })
    }
}

/// The `default` key-value store, or nothing when the host has none to give.
#[derive(Debug)]
pub struct KeyValueCache {
    bucket: Result<kv::Bucket, CacheError>,
}

fn kv_error(e: kv::Error) -> String {
    match e {
        kv::Error::NoSuchStore => "no such store".into(),
        kv::Error::AccessDenied => "access denied".into(),
        kv::Error::Other(m) => m,
    }
}

impl KeyValueCache {
    /// Opens store `name`; a failure is kept and reported by every operation, which
    /// the service treats as a miss.
    pub fn open(name: &str) -> Self {
        KeyValueCache {
            bucket: kv::open(name)
                .map_err(|e| CacheError(format!("store {name:?}: {}", kv_error(e)))),
        }
    }
}

impl Cache for KeyValueCache {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let bucket = self.bucket.as_ref().map_err(Clone::clone)?;
        bucket.get(key).map_err(|e| CacheError(kv_error(e)))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        let bucket = self.bucket.as_ref().map_err(Clone::clone)?;
        bucket.set(key, value).map_err(|e| CacheError(kv_error(e)))
    }

    fn delete(&self, key: &str) -> Result<(), CacheError> {
        let bucket = self.bucket.as_ref().map_err(Clone::clone)?;
        bucket.delete(key).map_err(|e| CacheError(kv_error(e)))
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, CacheError> {
        let bucket = self.bucket.as_ref().map_err(Clone::clone)?;
        // wasi:keyvalue's compare-and-swap compares with the value seen when the
        // handle was made; a handle that saw something else is a lost race.
        let cas = atomics::Cas::new(bucket, key).map_err(|e| CacheError(kv_error(e)))?;
        let seen = cas.current().map_err(|e| CacheError(kv_error(e)))?;
        if seen.as_deref() != expected {
            return Ok(false);
        }
        match atomics::swap(cas, value) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(CacheError(kv_error(e))),
        }
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, CacheError> {
        let bucket = self.bucket.as_ref().map_err(Clone::clone)?;
        atomics::increment(bucket, key, delta).map_err(|e| CacheError(kv_error(e)))
    }
}

/// `wasi:clocks`: wall-clock time, and sleeping on a monotonic-clock pollable.
#[derive(Debug, Clone, Copy)]
pub struct WasiClock;

impl Clock for WasiClock {
    fn now_unix_ms(&self) -> u64 {
        let now = wall_clock::now();
        now.seconds
            .saturating_mul(1000)
            .saturating_add(u64::from(now.nanoseconds / 1_000_000))
    }

    fn sleep(&self, ms: u64) {
        monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
    }
}
