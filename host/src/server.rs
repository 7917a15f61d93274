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
//!   and `--max-connections-per-client` ([`crate::limits`]); a connection over either
//!   is answered `503` and closed at once;
//! - the request head: hyper's header-read timeout, counted from the moment the
//!   connection is ready for a request, so it also closes idle keep-alive connections;
//! - the body: read whole, within `--max-body-kib` and `--body-timeout-secs`, before
//!   the request may take an instance slot — a client that drips its body holds only
//!   its own connection, never a slot other clients need;
//! - instance slots: `--max-concurrent-requests` in all and
//!   `--max-requests-per-client`;
//! - the response: a client that stops reading it is cut off after
//!   `--idle-timeout-secs` ([`crate::limits::WatchedStream`]).
//!
//! Instances run on a runtime of their own (the guest runtime), so the threads that
//! accept connections and read requests never wait on a component's file reads.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::uri::{Authority, PathAndQuery, Scheme as UriScheme};
use http::{HeaderValue, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::limits::{ClientKey, ClientTable, CutoffReporter, RequestGuard, WatchedStream};
use crate::metrics::{Cutoff, Gauges};
use crate::runtime::{App, EPOCH_TICK, LoadedComponent};
use council_app::routes::RouteMatch;

/// The limits of the server itself (the instance limits are in
/// [`crate::runtime::RuntimeOptions`]).
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
struct Shared {
    app: Arc<App>,
    options: ServeOptions,
    slots: Arc<Semaphore>,
    connections: Arc<Semaphore>,
    body_budget: Arc<Semaphore>,
    clients: Arc<ClientTable>,
    reporter: CutoffReporter,
    guests: tokio::runtime::Handle,
    local_addr: SocketAddr,
    shutting_down: AtomicBool,
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
    /// if given, the admin listener ([`crate::admin`]).
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
            tokio::spawn(crate::admin::serve(listener, move |path| {
                admin_answer(&shared, path)
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
fn admin_answer(shared: &Shared, path: &str) -> (StatusCode, &'static str, String) {
    match path {
        "/metrics" => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            shared.app.metrics.render(Gauges {
                slots_free: shared.slots.available_permits(),
                connections_free: shared.connections.available_permits(),
            }),
        ),
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
            match shared.app.stores_reachable() {
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

/// Starts the timers of `[component.x.tool.council-host] schedule`: each `POST`s its
/// path to this server, as an outside scheduler would, so the request goes through
/// routing, limits and logging like any other.
fn spawn_schedules(app: &Arc<App>, local_addr: SocketAddr) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for (id, decl) in &app.manifest.components {
        if !app.components.contains_key(id) {
            continue;
        }
        for entry in &decl.schedule {
            let bearer = match &entry.bearer_variable {
                None => None,
                Some(name) => match app.variables.get(name) {
                    Ok(value) if !value.trim().is_empty() => Some(value.to_string()),
                    Ok(_) => {
                        tracing::error!(
                            component = %id,
                            path = %entry.path,
                            "schedule disabled: the variable `{name}` it authenticates with is empty; set SPIN_VARIABLE_{}",
                            name.to_uppercase()
                        );
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(component = %id, path = %entry.path, error = %e, "schedule disabled");
                        continue;
                    }
                },
            };
            let entry = entry.clone();
            let id = id.clone();
            tracing::info!(component = %id, path = %entry.path, every_s = entry.every.as_secs(), "scheduled request");
            tasks.push(tokio::spawn(async move {
                let mut interval = tokio::time::interval(entry.every);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    interval.tick().await;
                    match post_to_self(local_addr, &entry.path, bearer.as_deref()).await {
                        Ok(status) if (200..300).contains(&status) => {}
                        Ok(status) => tracing::warn!(component = %id, path = %entry.path, status, "scheduled request failed"),
                        Err(e) => tracing::warn!(component = %id, path = %entry.path, error = %e, "scheduled request failed"),
                    }
                }
            }));
        }
    }
    tasks
}

/// A minimal HTTP/1.1 `POST` with an empty body; returns the status code.
async fn post_to_self(addr: SocketAddr, path: &str, bearer: Option<&str>) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let auth = bearer
        .map(|b| format!("authorization: Bearer {b}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-length: 0\r\nuser-agent: council-host-scheduler\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "unexpected response: {}",
                line.lines().next().unwrap_or("")
            ))
        })
}

/// A JSON error response, the shape every host-generated error has.
pub fn json_error(status: StatusCode, message: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "error": message, "status": status.as_u16() }).to_string();
    hyper::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never: Infallible| match never {})
                .boxed_unsync(),
        )
        .expect("static response parts are valid")
}

/// [`json_error`] that also asks the client to come back later, or closes the
/// connection (hyper closes after a response carrying `connection: close`).
fn json_error_with(
    status: StatusCode,
    message: &str,
    retry_after: bool,
    close: bool,
) -> hyper::Response<HyperOutgoingBody> {
    let mut response = json_error(status, message);
    if retry_after {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if close {
        response
            .headers_mut()
            .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

async fn handle(
    shared: &Arc<Shared>,
    request: hyper::Request<hyper::body::Incoming>,
    peer: SocketAddr,
) -> hyper::Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let routed = shared
        .app
        .router
        .route(&path)
        .map(|(route, id, matched)| (route.to_string(), id.clone(), matched));
    let (response, route, component) = match routed {
        None => (
            json_error(StatusCode::NOT_FOUND, &format!("no route matches {path}")),
            String::from("-"),
            String::from("-"),
        ),
        Some((route, id, matched)) => {
            let response = serve_routed(shared, request, &id, &route, matched, peer).await;
            (response, route, id)
        }
    };
    let elapsed = started.elapsed();
    shared
        .app
        .metrics
        .request(&component, &route, response.status().as_u16(), elapsed);
    // One line per request. The matched route, not the path, is logged: paths and
    // queries can carry a postcode or other personal details.
    tracing::info!(
        method = %method,
        route = %route,
        component = %component,
        status = response.status().as_u16(),
        duration_ms = format!("{:.3}", elapsed.as_secs_f64() * 1000.0),
        "request"
    );
    response
}

/// What holds a request's share of the host while its instance runs.
struct Held {
    _slot: OwnedSemaphorePermit,
    _client: RequestGuard,
    _body: Option<OwnedSemaphorePermit>,
}

async fn serve_routed(
    shared: &Arc<Shared>,
    request: hyper::Request<hyper::body::Incoming>,
    id: &str,
    route: &str,
    matched: RouteMatch,
    peer: SocketAddr,
) -> hyper::Response<HyperOutgoingBody> {
    let client = ClientKey::of(peer.ip());
    let (mut parts, body) = request.into_parts();
    // The URI the component sees: authority from the request target or Host, path
    // only ever from the request line.
    let uri = match component_uri(&parts, shared.local_addr) {
        Ok(uri) => uri,
        Err(message) => return json_error(StatusCode::BAD_REQUEST, &message),
    };
    let limit = shared.app.options.max_request_body_bytes;
    if let Some(length) = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > limit
    {
        return json_error_with(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("request body of {length} bytes is over the limit of {limit} bytes"),
            false,
            true,
        );
    }

    // The body arrives whole before the request may take a slot.
    let (body, body_permit) = match read_body(shared, body, limit).await {
        Ok(read) => read,
        Err(BodyError::TooLarge) => {
            return json_error_with(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body is over the limit of {limit} bytes"),
                false,
                true,
            );
        }
        Err(BodyError::Timeout) => {
            shared.reporter.report(
                Cutoff::SlowBody,
                client,
                "the request body did not arrive within --body-timeout-secs",
            );
            return json_error_with(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} s",
                    shared.options.body_timeout.as_secs()
                ),
                false,
                true,
            );
        }
        Err(BodyError::Budget) => {
            shared.reporter.report(
                Cutoff::BodyBudgetSpent,
                client,
                "request bodies held in memory are at --max-buffered-body-mib",
            );
            return json_error_with(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is holding too many request bodies; try again shortly",
                true,
                true,
            );
        }
        Err(BodyError::Unreadable) => {
            return json_error_with(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                false,
                true,
            );
        }
    };

    let Some(client_guard) = shared.clients.start_request(client) else {
        shared.reporter.report(
            Cutoff::TooManyClientRequests,
            client,
            "the client is at --max-requests-per-client",
        );
        return json_error_with(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from your address are running; try again shortly",
            true,
            false,
        );
    };
    let Ok(slot) = shared.slots.clone().try_acquire_owned() else {
        shared.reporter.report(
            Cutoff::NoFreeSlot,
            client,
            "every instance slot is taken (--max-concurrent-requests)",
        );
        return json_error_with(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is at its limit of concurrent requests; try again shortly",
            true,
            false,
        );
    };
    add_spin_headers(&mut parts, &uri, route, &matched, peer);
    parts.uri = uri;
    let request = hyper::Request::from_parts(parts, body);
    let held = Held {
        _slot: slot,
        _client: client_guard,
        _body: body_permit,
    };
    let component = shared.app.components[id].clone();
    run_component(shared, &component, request, held).await
}

enum BodyError {
    TooLarge,
    Timeout,
    Budget,
    Unreadable,
}

/// Reads a request body whole, within the size limit, the body deadline and the
/// budget of body bytes held in memory; the permit holds the budget until the request
/// ends.
async fn read_body(
    shared: &Shared,
    mut body: hyper::body::Incoming,
    limit: u64,
) -> Result<(Full<Bytes>, Option<OwnedSemaphorePermit>), BodyError> {
    let deadline = tokio::time::Instant::now() + shared.options.body_timeout;
    let mut collected = BytesMut::new();
    let mut permit: Option<OwnedSemaphorePermit> = None;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Unreadable),
            Ok(Some(Ok(frame))) => frame,
        };
        // Trailers are not passed on (no component here reads them).
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if collected.len() as u64 + data.len() as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        let more = u32::try_from(data.len()).map_err(|_| BodyError::TooLarge)?;
        let taken = shared
            .body_budget
            .clone()
            .try_acquire_many_owned(more)
            .map_err(|_| BodyError::Budget)?;
        match &mut permit {
            Some(held) => held.merge(taken),
            None => permit = Some(taken),
        }
        collected.extend_from_slice(&data);
    }
    Ok((Full::new(collected.freeze()), permit))
}

/// The URI a component is given: `http://<authority><path-and-query>`. The authority
/// is the request target's (absolute form, RFC 9112 §3.2.2) or the `Host` header's,
/// and must be a valid authority without user information; the path and query come
/// only from the request line, so a `Host` header can never change the route a
/// component sees.
fn component_uri(parts: &http::request::Parts, local_addr: SocketAddr) -> Result<Uri, String> {
    let authority = match parts.uri.authority() {
        Some(authority) => authority.clone(),
        None => match parts.headers.get(http::header::HOST) {
            None => Authority::try_from(local_addr.to_string())
                .map_err(|e| format!("the server's own address is not an authority: {e}"))?,
            Some(host) => {
                let text = host
                    .to_str()
                    .map_err(|_| "the Host header is not visible ASCII".to_string())?;
                let authority = Authority::try_from(text).map_err(|_| {
                    "the Host header is not a host name or address with an optional port (RFC 9110 §7.2)"
                        .to_string()
                })?;
                if text.is_empty() || text.contains('@') {
                    return Err(
                        "the Host header is not a host name or address with an optional port (RFC 9110 §7.2)"
                            .into(),
                    );
                }
                authority
            }
        },
    };
    if authority.as_str().contains('@') {
        return Err("the request target carries user information".into());
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    Uri::builder()
        .scheme(UriScheme::HTTP)
        .authority(authority)
        .path_and_query(path_and_query)
        .build()
        .map_err(|e| format!("the request target is not a valid URI: {e}"))
}

async fn run_component(
    shared: &Arc<Shared>,
    component: &Arc<LoadedComponent>,
    request: hyper::Request<Full<Bytes>>,
    held: Held,
) -> hyper::Response<HyperOutgoingBody> {
    let app = &shared.app;
    let mut store = match app.new_store(component) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(component = %component.id, error = %format!("{e:#}"), "cannot set up the request");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the host could not set up the request",
            );
        }
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let prepared = (|| -> wasmtime::Result<_> {
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        Ok((incoming, outparam))
    })();
    let (incoming, outparam) = match prepared {
        Ok(pair) => pair,
        Err(e) => {
            tracing::error!(component = %component.id, error = %format!("{e:#}"), "cannot pass the request to the component");
            return json_error(
                StatusCode::BAD_REQUEST,
                "the request could not be passed to the component",
            );
        }
    };

    let pre = component.pre.clone();
    let id = component.id.clone();
    let timeout = app.options.request_timeout;
    let metrics = app.metrics.clone();
    // The instance runs in its own task on the guest runtime, so that it may keep
    // streaming the body after the head of the response is sent; it holds the
    // request's slot until it ends.
    let task = shared.guests.spawn(async move {
        let _held = held;
        metrics.instance_delta(1);
        let run = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        };
        // The epoch deadline stops wasm that computes forever; this timeout stops an
        // instance that is waiting forever on I/O (an upstream that hangs).
        let result = match tokio::time::timeout(timeout + EPOCH_TICK * 10, run).await {
            Ok(result) => result.map_err(Failure::Trap),
            Err(_) => {
                metrics.deadline_hit();
                Err(Failure::Timeout)
            }
        };
        metrics.instance_delta(-1);
        result
    });

    match receiver.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => {
            tracing::warn!(component = %id, error = ?code, "component answered with an error code");
            json_error(
                status_for_error_code(&code),
                &format!("component `{id}` failed: {code:?}"),
            )
        }
        Err(_) => {
            // The component never set a response: find out why from its task.
            let failure = match task.await {
                Ok(Ok(())) => Failure::NoResponse,
                Ok(Err(failure)) => failure,
                Err(join) => Failure::Trap(wasmtime::Error::msg(format!("task failed: {join}"))),
            };
            failure.into_response(&id, timeout)
        }
    }
}

enum Failure {
    Trap(wasmtime::Error),
    Timeout,
    NoResponse,
}

impl Failure {
    fn into_response(self, id: &str, timeout: Duration) -> hyper::Response<HyperOutgoingBody> {
        let stopped = || {
            json_error(
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "component `{id}` did not finish within {} s and was stopped",
                    timeout.as_secs()
                ),
            )
        };
        match self {
            Failure::Trap(e) => {
                let interrupted = matches!(
                    e.downcast_ref::<wasmtime::Trap>(),
                    Some(wasmtime::Trap::Interrupt)
                );
                if interrupted {
                    tracing::warn!(component = %id, "instance stopped at the request deadline");
                    stopped()
                } else {
                    tracing::error!(component = %id, error = %format!("{e:#}"), "component trapped");
                    json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &format!("component `{id}` failed"),
                    )
                }
            }
            Failure::Timeout => {
                tracing::warn!(component = %id, "instance stopped at the request deadline while waiting");
                stopped()
            }
            Failure::NoResponse => {
                tracing::error!(component = %id, "component returned without setting a response");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("component `{id}` sent no response"),
                )
            }
        }
    }
}

fn status_for_error_code(code: &ErrorCode) -> StatusCode {
    match code {
        ErrorCode::HttpRequestBodySize(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::HttpRequestDenied
        | ErrorCode::HttpRequestUriInvalid
        | ErrorCode::HttpRequestMethodInvalid => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Headers Spin adds to every request it passes to a component
/// (<https://spinframework.dev/v3/http-trigger#additional-request-information>).
/// Values that are not valid header values are left out, never sent broken.
fn add_spin_headers(
    parts: &mut http::request::Parts,
    uri: &Uri,
    route: &str,
    matched: &RouteMatch,
    peer: SocketAddr,
) {
    let raw_component_route = route.strip_suffix("/...").unwrap_or(route);
    let mut set = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            HeaderValue::from_str(value),
        ) {
            parts.headers.insert(name, value);
        }
    };
    set("spin-full-url", &uri.to_string());
    set("spin-path-info", &matched.path_info);
    set("spin-matched-route", route);
    set("spin-raw-component-route", raw_component_route);
    set("spin-component-route", &matched.component_route);
    set("spin-base-path", "/");
    set("spin-client-addr", &peer.to_string());
    for (name, value) in &matched.params {
        set(&format!("spin-path-match-{name}"), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(target: &str, host: Option<&str>) -> http::request::Parts {
        let mut builder = http::Request::builder().uri(target);
        if let Some(host) = host {
            builder = builder.header("host", host);
        }
        builder.body(()).unwrap().into_parts().0
    }

    const LOCAL: &str = "127.0.0.1:3000";

    #[test]
    fn the_path_comes_only_from_the_request_line() {
        let local = LOCAL.parse().unwrap();
        // Regression (issue 10, item 4): the Host header was pasted into the URI, so a
        // path in it replaced the real one.
        let hostile = parts(
            "/report-speeding/",
            Some("x/report-speeding/staff/reports?format=json&"),
        );
        assert!(component_uri(&hostile, local).is_err());
        let fine = parts("/report-speeding/start?a=1", Some("council.example:8080"));
        assert_eq!(
            component_uri(&fine, local).unwrap().to_string(),
            "http://council.example:8080/report-speeding/start?a=1"
        );
    }

    #[test]
    fn hosts_that_are_not_authorities_are_refused() {
        let local = LOCAL.parse().unwrap();
        for host in [
            "a b",
            "",
            "user@council.example",
            "council.example/extra",
            "x?y",
            "x#y",
        ] {
            let err = component_uri(&parts("/", Some(host)), local).unwrap_err();
            assert!(err.contains("Host"), "{host:?}: {err}");
        }
        for host in [
            "council.example",
            "127.0.0.1:3000",
            "[::1]:8080",
            "localhost",
        ] {
            assert!(
                component_uri(&parts("/", Some(host)), local).is_ok(),
                "{host:?}"
            );
        }
    }

    #[test]
    fn absolute_form_targets_keep_their_authority_and_no_host_uses_the_listener() {
        let local = LOCAL.parse().unwrap();
        let absolute = parts("http://council.example/api/x?y=1", Some("other.example"));
        assert_eq!(
            component_uri(&absolute, local).unwrap().to_string(),
            "http://council.example/api/x?y=1"
        );
        let none = parts("/hello", None);
        assert_eq!(
            component_uri(&none, local).unwrap().to_string(),
            "http://127.0.0.1:3000/hello"
        );
    }
}
