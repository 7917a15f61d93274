//! The HTTP server: routes each request to its component, runs it in a fresh instance,
//! and writes one log line per request.
//!
//! Failures are split as in wasmtime's `wasi-http`: anything the component answers,
//! including its own errors, goes to the client unchanged; a trap (a bug in the
//! component, or the deadline stopping a runaway instance) never reaches the guest —
//! the host answers `500` or `504` itself with a JSON body, and keeps serving.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::routes::RouteMatch;
use crate::runtime::{App, EPOCH_TICK, LoadedComponent};

/// A running server.
#[derive(Debug)]
pub struct Server {
    app: Arc<App>,
    listener: TcpListener,
    requests: Arc<Semaphore>,
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
    /// Occurs when accepting connections fails persistently.
    #[error("accepting connections failed: {0}")]
    Accept(std::io::Error),
}

impl Server {
    /// Binds the listener (port 0 picks a free port; see [`Server::local_addr`]).
    pub async fn bind(app: App, addr: SocketAddr) -> Result<Self, ServeError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let requests = Arc::new(Semaphore::new(app.options.max_concurrent_requests));
        Ok(Self {
            app: Arc::new(app),
            listener,
            requests,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting and waits for the
    /// requests in flight to finish (each is bounded by the request timeout).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let local_addr = self.local_addr().map_err(ServeError::Accept)?;
        // The epoch ticks on its own thread; request deadlines count ticks.
        let engine = self.app.engine.clone();
        let ticking = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let ticker = {
            let ticking = ticking.clone();
            std::thread::spawn(move || {
                while ticking.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
        };

        let schedulers = spawn_schedules(&self.app, local_addr);

        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Running out of file descriptors is transient: back off.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let app = self.app.clone();
            let requests = self.requests.clone();
            let service = service_fn(move |request| {
                let app = app.clone();
                let requests = requests.clone();
                async move {
                    Ok::<_, Infallible>(handle(app, requests, request, local_addr, peer).await)
                }
            });
            let connection = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            let watched = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = watched.await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            });
        }
        for scheduler in schedulers {
            scheduler.abort();
        }
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        let deadline = self.app.options.request_timeout + std::time::Duration::from_secs(5);
        if tokio::time::timeout(deadline, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("some connections were still open at shutdown");
        }
        ticking.store(false, std::sync::atomic::Ordering::Relaxed);
        let _ = ticker.join();
        Ok(())
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
                    Ok(value) => Some(value.to_string()),
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

async fn handle(
    app: Arc<App>,
    requests: Arc<Semaphore>,
    request: hyper::Request<hyper::body::Incoming>,
    local_addr: SocketAddr,
    peer: SocketAddr,
) -> hyper::Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let routed = app
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
            let component = app.components[&id].clone();
            let response = match requests.clone().try_acquire_owned() {
                Err(_) => json_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is at its limit of concurrent requests; try again shortly",
                ),
                Ok(permit) => {
                    let response =
                        run_component(&app, &component, request, &route, matched, local_addr, peer)
                            .await;
                    drop(permit);
                    response
                }
            };
            (response, route, id)
        }
    };
    // One line per request. The matched route, not the path, is logged: paths and
    // queries can carry a postcode or other personal details.
    tracing::info!(
        method = %method,
        route = %route,
        component = %component,
        status = response.status().as_u16(),
        duration_ms = format!("{:.3}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}

async fn run_component(
    app: &Arc<App>,
    component: &Arc<LoadedComponent>,
    request: hyper::Request<hyper::body::Incoming>,
    route: &str,
    matched: RouteMatch,
    local_addr: SocketAddr,
    peer: SocketAddr,
) -> hyper::Response<HyperOutgoingBody> {
    let limit = app.options.max_request_body_bytes;
    if let Some(length) = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > limit
    {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("request body of {length} bytes is over the limit of {limit} bytes"),
        );
    }

    let (mut parts, body) = request.into_parts();
    add_spin_headers(&mut parts, route, &matched, local_addr, peer);
    // Bodies without a Content-Length are cut off at the limit; the guest sees a
    // body-size error on its stream.
    let body = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .map_err(move |_| wasmtime_wasi_http::Error::HttpRequestBodySize(Some(limit)));
    let request = hyper::Request::from_parts(parts, body);

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
    // The instance runs in its own task so that it may keep streaming the body after
    // the head of the response is sent.
    let task = tokio::spawn(async move {
        let run = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        };
        // The epoch deadline stops wasm that computes forever; this timeout stops an
        // instance that is waiting forever on I/O (an upstream that hangs).
        match tokio::time::timeout(timeout + EPOCH_TICK * 10, run).await {
            Ok(result) => result.map_err(Failure::Trap),
            Err(_) => Err(Failure::Timeout),
        }
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
    fn into_response(
        self,
        id: &str,
        timeout: std::time::Duration,
    ) -> hyper::Response<HyperOutgoingBody> {
        match self {
            Failure::Trap(e) => {
                let interrupted = matches!(
                    e.downcast_ref::<wasmtime::Trap>(),
                    Some(wasmtime::Trap::Interrupt)
                );
                if interrupted {
                    tracing::warn!(component = %id, "instance stopped at the request deadline");
                    json_error(
                        StatusCode::GATEWAY_TIMEOUT,
                        &format!(
                            "component `{id}` did not finish within {} s and was stopped",
                            timeout.as_secs()
                        ),
                    )
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
                json_error(
                    StatusCode::GATEWAY_TIMEOUT,
                    &format!(
                        "component `{id}` did not finish within {} s and was stopped",
                        timeout.as_secs()
                    ),
                )
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
fn add_spin_headers(
    parts: &mut http::request::Parts,
    route: &str,
    matched: &RouteMatch,
    local_addr: SocketAddr,
    peer: SocketAddr,
) {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| local_addr.to_string());
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let full_url = format!("http://{host}{path_and_query}");
    let raw_component_route = route.strip_suffix("/...").unwrap_or(route);
    let mut set = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            HeaderValue::from_str(value),
        ) {
            parts.headers.insert(name, value);
        }
    };
    set("spin-full-url", &full_url);
    set("spin-path-info", &matched.path_info);
    set("spin-matched-route", route);
    set("spin-raw-component-route", raw_component_route);
    set("spin-component-route", &matched.component_route);
    set("spin-base-path", "/");
    set("spin-client-addr", &peer.to_string());
    for (name, value) in &matched.params {
        set(&format!("spin-path-match-{name}"), value);
    }
    // Guests see an absolute request URI, as under Spin.
    if let Ok(uri) = full_url.parse() {
        parts.uri = uri;
    }
}
