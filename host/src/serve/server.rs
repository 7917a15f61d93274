//! The HTTP server: accepts connections within its limits, reads each request whole,
//! routes it to its component, runs it in a fresh instance, and writes one log line
//! per request.
//!
//! Failures are split as in wasmtime's `wasi-http`: anything the component answers,
//! including its own errors, goes to the client unchanged; a trap (a bug in the
//! component, or the deadline stopping a runaway instance) never reaches the guest —
//! the host answers `500` or `504` itself with a JSON body, and keeps serving.
//!
//! What a client controls is bounded before it costs anything shared
//! (docs/SECURITY.md lists every limit and its flag):
//!
//! - connections: `--max-connections` in all (kept below the file-descriptor limit)
//!   and `--max-connections-per-client` ([`crate::serve::limits`]); a connection over either
//!   is answered `503` and closed at once;
//! - the request head: hyper's header-read timeout, counted from the moment the
//!   connection is ready for a request, so it also closes idle keep-alive connections;
//! - the body: read whole, within `--max-body-kib` and `--body-timeout-secs`, before
//!   the request may take an instance slot — a client that drips its body holds only
//!   its own connection, never a slot other clients need;
//! - instance slots: `--max-concurrent-requests` in all and
//!   `--max-requests-per-client`;
//! - the response: a client that stops reading it is cut off after
//!   `--idle-timeout-secs` ([`crate::serve::limits::WatchedStream`]).
//!
//! Instances run on a runtime of their own (the guest runtime), so the threads that
//! accept connections and read requests never wait on a component's file reads.
//!
//! This module holds the accept loop and what every connection shares; a request
//! then goes through `serve::request` (reading and admitting it), is run by
//! `serve::instance`, and the host's own answers come from `serve::response`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::request::handle;
use super::schedule::{application_metrics, spawn_schedules};
use crate::serve::limits::{ClientKey, ClientTable, CutoffReporter, WatchedStream};
use crate::serve::metrics::{Cutoff, Gauges};
use crate::serve::runtime::{App, EPOCH_TICK};

/// The limits of the server itself (the instance limits are in
/// [`crate::serve::runtime::RuntimeOptions`]).
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Connections open at once; more are answered `503` and closed.
    pub max_connections: usize,
    /// Connections open at once from one client (0: no cap).
    pub max_connections_per_client: usize,
    /// Requests holding instance slots at once for one client (0: no cap).
    pub max_requests_per_client: usize,
    /// Time for a complete request head, from when the connection is ready for one.
    pub header_read_timeout: Duration,
    /// Time a client may leave its response unread before it is cut off.
    pub idle_timeout: Duration,
    /// Time for a complete request body, from the end of its head.
    pub body_timeout: Duration,
    /// Bytes of request bodies held in memory at once, over every connection.
    pub max_buffered_body_bytes: usize,
    /// How long shutdown waits for requests in flight before stopping them.
    pub shutdown_grace: Duration,
    /// Threads running instances (the guest runtime).
    pub guest_threads: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_connections_per_client: 64,
            max_requests_per_client: 32,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(20),
            max_buffered_body_bytes: 256 << 20,
            shutdown_grace: Duration::from_secs(20),
            guest_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
    listener: TcpListener,
    admin: Option<TcpListener>,
    guests: tokio::runtime::Runtime,
}

/// What every connection and request shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) app: Arc<App>,
    pub(super) options: ServeOptions,
    pub(super) slots: Arc<Semaphore>,
    pub(super) connections: Arc<Semaphore>,
    pub(super) body_budget: Arc<Semaphore>,
    pub(super) clients: Arc<ClientTable>,
    pub(super) reporter: CutoffReporter,
    pub(super) guests: tokio::runtime::Handle,
    pub(super) local_addr: SocketAddr,
    pub(super) shutting_down: AtomicBool,
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Occurs when the listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when the guest runtime cannot be started.
    #[error("cannot start the threads that run components: {0}")]
    Runtime(std::io::Error),
    /// Occurs when accepting connections fails persistently.
    #[error("accepting connections failed: {0}")]
    Accept(std::io::Error),
}

impl Server {
    /// Binds the listener (port 0 picks a free port; see [`Server::local_addr`]) and,
    /// if given, the admin listener ([`crate::serve::admin`]).
    pub async fn bind(
        app: App,
        addr: SocketAddr,
        admin_addr: Option<SocketAddr>,
        options: ServeOptions,
    ) -> Result<Self, ServeError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let admin = match admin_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| ServeError::Bind { addr, source })?,
            ),
            None => None,
        };
        let local_addr = listener.local_addr().map_err(ServeError::Accept)?;
        let guests = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.guest_threads.max(1))
            .thread_name("council-guest")
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let app = Arc::new(app);
        let shared = Arc::new(Shared {
            slots: Arc::new(Semaphore::new(app.options.max_concurrent_requests)),
            connections: Arc::new(Semaphore::new(options.max_connections.max(1))),
            body_budget: Arc::new(Semaphore::new(
                options
                    .max_buffered_body_bytes
                    .clamp(1, Semaphore::MAX_PERMITS),
            )),
            clients: ClientTable::new(
                options.max_connections_per_client,
                options.max_requests_per_client,
            ),
            reporter: CutoffReporter::new(app.metrics.clone()),
            guests: guests.handle().clone(),
            local_addr,
            shutting_down: AtomicBool::new(false),
            options,
            app,
        });
        Ok(Self {
            shared,
            listener,
            admin,
            guests,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The admin listener's address, if there is one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets the requests in
    /// flight finish for up to `shutdown_grace`, stops whatever still runs, and
    /// returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server {
            shared,
            listener,
            admin,
            guests,
        } = self;
        // The epoch ticks on its own thread; instances check their deadline on each
        // tick. It keeps ticking until every instance is gone (below), so that no
        // instance can outlive its deadline while the host shuts down.
        let ticker = EpochTicker::start(shared.app.engine.clone());
        let schedulers = spawn_schedules(&shared.app, shared.local_addr);
        let admin_task = admin.map(|listener| {
            let shared = shared.clone();
            tokio::spawn(crate::serve::admin::serve(listener, move |path| {
                let shared = shared.clone();
                async move { admin_answer(&shared, &path).await }
            }))
        });

        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                // Reap finished connection tasks so the set does not grow.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Running out of file descriptors is transient: back off.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let client = ClientKey::of(peer.ip());
            let Ok(connection_permit) = shared.connections.clone().try_acquire_owned() else {
                shared.reporter.report(
                    Cutoff::TooManyConnections,
                    client,
                    "the host is at --max-connections",
                );
                refuse_connection(&stream);
                continue;
            };
            let Some(client_guard) = shared.clients.open_connection(client) else {
                shared.reporter.report(
                    Cutoff::TooManyClientConnections,
                    client,
                    "the client is at --max-connections-per-client",
                );
                refuse_connection(&stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            shared.app.metrics.connection_opened();
            let stalled = {
                let shared = shared.clone();
                move || {
                    shared.reporter.report(
                        Cutoff::SlowReader,
                        client,
                        "the client did not read its response within --idle-timeout-secs",
                    );
                }
            };
            let io = TokioIo::new(WatchedStream::new(
                stream,
                shared.options.idle_timeout,
                stalled,
            ));
            let service = {
                let shared = shared.clone();
                service_fn(move |request| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(&shared, request, peer).await) }
                })
            };
            let connection = http1::Builder::new()
                .keep_alive(true)
                .timer(TokioTimer::new())
                .header_read_timeout(shared.options.header_read_timeout)
                // A request head must fit in 64 KiB with at most 100 header fields
                // (hyper answers 431 otherwise).
                .max_buf_size(64 * 1024)
                .max_headers(100)
                .serve_connection(io, service);
            let watched = graceful.watch(connection);
            let shared = shared.clone();
            connections.spawn(async move {
                if let Err(e) = watched.await {
                    if e.is_timeout() {
                        shared.reporter.report(
                            Cutoff::SlowHead,
                            client,
                            "no complete request head within --header-read-timeout-secs",
                        );
                    } else {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                shared.app.metrics.connection_closed();
                drop(client_guard);
                drop(connection_permit);
            });
        }

        // Shutdown: refuse new connections, then give requests in flight the grace
        // period.
        shared.shutting_down.store(true, Ordering::SeqCst);
        drop(listener);
        for scheduler in schedulers {
            scheduler.abort();
        }
        let grace = shared.options.shutdown_grace;
        tracing::info!(
            grace_s = grace.as_secs_f64(),
            "shutting down: no new connections; finishing requests in flight"
        );
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                connections = connections.len(),
                "requests still in flight after the grace period: stopping them"
            );
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
        if let Some(task) = admin_task {
            task.abort();
        }
        // Dropping the guest runtime stops every instance at its next epoch tick (an
        // instance yields on every tick); then the ticker may stop.
        let stopped = tokio::task::spawn_blocking(move || {
            guests.shutdown_timeout(Duration::from_secs(2));
        })
        .await;
        if stopped.is_err() {
            tracing::warn!("the guest runtime did not stop cleanly");
        }
        ticker.stop();
        Ok(())
    }
}

/// The thread that advances the engine's epoch every [`EPOCH_TICK`].
struct EpochTicker {
    running: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl EpochTicker {
    fn start(engine: wasmtime::Engine) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let thread = {
            let running = running.clone();
            std::thread::Builder::new()
                .name("council-epoch".into())
                .spawn(move || {
                    while running.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .expect("spawning the epoch thread")
        };
        Self { running, thread }
    }

    fn stop(self) {
        self.running.store(false, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// Answers a connection the host will not serve with a `503` (best effort, without
/// waiting: the socket's buffer takes it or the client gets a plain close).
fn refuse_connection(stream: &tokio::net::TcpStream) {
    const BODY: &str =
        r#"{"error":"the server is at its limit of connections; try again shortly","status":503}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = stream.try_write(response.as_bytes());
}

/// The admin listener's answers: metrics, liveness and readiness.
async fn admin_answer(shared: &Shared, path: &str) -> (StatusCode, &'static str, String) {
    match path {
        "/metrics" => {
            // The host's own figures, then those only the application knows (its
            // `tool.council-host` metrics routes, such as the outbox's depth).
            let mut text = shared.app.metrics.render(Gauges {
                slots_free: shared.slots.available_permits(),
                connections_free: shared.connections.available_permits(),
            });
            text.push_str(&application_metrics(&shared.app, shared.local_addr).await);
            (
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                text,
            )
        }
        "/healthz" => (StatusCode::OK, "text/plain; charset=utf-8", "ok\n".into()),
        "/readyz" => {
            // Ready means: the manifest is loaded and every component compiled (true
            // of any App), the stores answer, and the host is not shutting down.
            if shared.shutting_down.load(Ordering::SeqCst) {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    "shutting down\n".into(),
                );
            }
            match shared.app.stores_reachable().await {
                Ok(()) => (
                    StatusCode::OK,
                    "text/plain; charset=utf-8",
                    "ready\n".into(),
                ),
                Err(e) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    format!("key-value store unreachable: {e}\n"),
                ),
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found: /metrics, /healthz, /readyz\n".into(),
        ),
    }
}
