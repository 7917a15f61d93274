//! The limits that keep one client from holding what every client needs: connections
//! and instance slots counted per client address, a socket wrapper that closes
//! connections whose client stops reading, and the log line and metric for each
//! client cut off.
//!
//! A client is its address as the host sees it (the TCP peer): an IPv4 address, or
//! the /64 prefix of an IPv6 address, since one IPv6 subscriber is routinely given a
//! whole /64 (RFC 6177) and could otherwise spread its connections over 2^64
//! addresses. Behind a reverse proxy every request comes from the proxy's address;
//! see docs/SECURITY.md for how to set the per-client limits there.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::serve::metrics::{Cutoff, Metrics};

/// The address a per-client limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    /// The key of a peer address: IPv4 as is (also when mapped into IPv6), IPv6 by
    /// its /64 prefix.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientKey(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    connections: usize,
    requests: usize,
}

/// Connections and running requests per client, with their caps (0: no cap).
#[derive(Debug)]
pub struct ClientTable {
    counts: Mutex<HashMap<ClientKey, Counts>>,
    max_connections: usize,
    max_requests: usize,
}

/// Held while a client's connection is open.
#[derive(Debug)]
pub struct ConnectionGuard {
    table: Arc<ClientTable>,
    key: ClientKey,
}

/// Held while one of a client's requests occupies an instance slot.
#[derive(Debug)]
pub struct RequestGuard {
    table: Arc<ClientTable>,
    key: ClientKey,
}

impl ClientTable {
    /// A table with these caps (0 for none).
    pub fn new(max_connections: usize, max_requests: usize) -> Arc<Self> {
        Arc::new(Self {
            counts: Mutex::new(HashMap::new()),
            max_connections,
            max_requests,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientKey, Counts>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a new connection, or `None` when the client is at its cap.
    pub fn open_connection(self: &Arc<Self>, key: ClientKey) -> Option<ConnectionGuard> {
        let mut counts = self.lock();
        let entry = counts.entry(key).or_default();
        if self.max_connections > 0 && entry.connections >= self.max_connections {
            return None;
        }
        entry.connections += 1;
        Some(ConnectionGuard {
            table: self.clone(),
            key,
        })
    }

    /// Counts a request taking a slot, or `None` when the client is at its cap.
    pub fn start_request(self: &Arc<Self>, key: ClientKey) -> Option<RequestGuard> {
        let mut counts = self.lock();
        let entry = counts.entry(key).or_default();
        if self.max_requests > 0 && entry.requests >= self.max_requests {
            return None;
        }
        entry.requests += 1;
        Some(RequestGuard {
            table: self.clone(),
            key,
        })
    }

    /// How many clients hold something now.
    pub fn clients(&self) -> usize {
        self.lock().len()
    }

    fn release(&self, key: ClientKey, connection: bool) {
        let mut counts = self.lock();
        if let Some(entry) = counts.get_mut(&key) {
            if connection {
                entry.connections = entry.connections.saturating_sub(1);
            } else {
                entry.requests = entry.requests.saturating_sub(1);
            }
            if entry.connections == 0 && entry.requests == 0 {
                counts.remove(&key);
            }
        }
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.table.release(self.key, true);
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.table.release(self.key, false);
    }
}

/// Reports cut-off clients: always in the metric, and in a warning log line at most
/// once a second per reason (with the count of lines held back), so that an attack
/// cannot flood the log.
#[derive(Debug)]
pub struct CutoffReporter {
    metrics: Arc<Metrics>,
    last_logged: Mutex<HashMap<Cutoff, (Instant, u64)>>,
}

impl CutoffReporter {
    /// A reporter counting into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            metrics,
            last_logged: Mutex::new(HashMap::new()),
        }
    }

    /// The metrics it counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Counts and (rate-limited) logs one cut-off of `client`.
    pub fn report(&self, reason: Cutoff, client: ClientKey, detail: &str) {
        self.metrics.cutoff(reason);
        let held_back = {
            let mut last = self
                .last_logged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            match last.get_mut(&reason) {
                Some((at, held)) if now.duration_since(*at) < Duration::from_secs(1) => {
                    *held += 1;
                    None
                }
                Some((at, held)) => {
                    let n = *held;
                    *at = now;
                    *held = 0;
                    Some(n)
                }
                None => {
                    last.insert(reason, (now, 0));
                    Some(0)
                }
            }
        };
        if let Some(held_back) = held_back {
            // The client's address is logged so an operator can block it; it is the
            // only client detail a host log line carries (docs/SECURITY.md).
            tracing::warn!(
                reason = reason.as_str(),
                client = %client,
                held_back,
                "client cut off: {detail}"
            );
        }
    }
}

/// A TCP stream that fails a write the client has not made room for within
/// `stall_timeout` (a client that stops reading its response), so the connection
/// closes instead of holding its task and socket for ever. Reads pass through: the
/// request head has hyper's header-read timeout and the body the host's own
/// deadline.
pub struct WatchedStream {
    stream: TcpStream,
    stall_timeout: Duration,
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
    on_stall: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl std::fmt::Debug for WatchedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchedStream")
            .field("stream", &self.stream)
            .field("stall_timeout", &self.stall_timeout)
            .finish_non_exhaustive()
    }
}

impl WatchedStream {
    /// Wraps `stream`; `on_stall` runs once if a write times out.
    pub fn new(
        stream: TcpStream,
        stall_timeout: Duration,
        on_stall: impl FnOnce() + Send + Sync + 'static,
    ) -> Self {
        Self {
            stream,
            stall_timeout,
            stalled_since: None,
            on_stall: Some(Box::new(on_stall)),
        }
    }

    fn check_stall(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let timeout = self.stall_timeout;
        let timer = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                if let Some(on_stall) = self.on_stall.take() {
                    on_stall();
                }
                Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client did not read its response",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for WatchedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                self.stalled_since = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.check_stall(cx).map(|r| r.map(|()| 0)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                self.stalled_since = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.check_stall(cx).map(|r| r.map(|()| 0)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.stream).poll_flush(cx) {
            Poll::Ready(result) => {
                self.stalled_since = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.check_stall(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::of(a), ClientKey::of(b));
        assert_ne!(ClientKey::of(a), ClientKey::of(c));
        assert_eq!(ClientKey::of(a).to_string(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(ClientKey::of(mapped).to_string(), "192.0.2.7");
    }

    #[test]
    fn caps_hold_per_client_and_release_on_drop() {
        let table = ClientTable::new(2, 1);
        let a = ClientKey::of("192.0.2.1".parse().unwrap());
        let b = ClientKey::of("192.0.2.2".parse().unwrap());
        let first = table.open_connection(a).unwrap();
        let _second = table.open_connection(a).unwrap();
        assert!(table.open_connection(a).is_none(), "a third connection");
        assert!(
            table.open_connection(b).is_some(),
            "another client is not held up"
        );
        drop(first);
        assert!(table.open_connection(a).is_some(), "a slot frees on drop");
        let request = table.start_request(a).unwrap();
        assert!(table.start_request(a).is_none());
        drop(request);
        assert!(table.start_request(a).is_some());
    }

    #[test]
    fn entries_are_removed_when_nothing_is_held() {
        let table = ClientTable::new(0, 0);
        let a = ClientKey::of("192.0.2.1".parse().unwrap());
        {
            let _c = table.open_connection(a).unwrap();
            let _r = table.start_request(a).unwrap();
            assert_eq!(table.clients(), 1);
        }
        assert_eq!(table.clients(), 0);
    }

    #[test]
    fn a_cut_off_is_counted_every_time() {
        let metrics = Arc::new(Metrics::default());
        let reporter = CutoffReporter::new(metrics.clone());
        let client = ClientKey::of("192.0.2.9".parse().unwrap());
        for _ in 0..5 {
            reporter.report(Cutoff::SlowBody, client, "test");
        }
        assert_eq!(metrics.cutoffs(Cutoff::SlowBody), 5);
    }
}
