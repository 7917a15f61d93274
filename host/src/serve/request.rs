//! One request, from its head to the instance that answers it: routing, the URI and
//! Spin headers the component sees, the body read whole within its limits, and the
//! instance slot the request must hold before it runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http::uri::{Authority, PathAndQuery, Scheme as UriScheme};
use http::{HeaderValue, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use tokio::sync::OwnedSemaphorePermit;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::instance::run_component;
use super::response::{json_error, json_error_with};
use super::server::Shared;
use crate::serve::limits::{ClientKey, RequestGuard};
use crate::serve::metrics::Cutoff;
use council_app::routes::RouteMatch;

/// Answers one request: routes it, runs it, counts it and logs one line.
pub(super) async fn handle(
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
pub(super) struct Held {
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
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let limit = shared.app.options.max_request_body_bytes;
    if let Some(length) = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && length > limit
    {
        if length <= DISCARD_MAX_BYTES {
            let deadline = tokio::time::Instant::now() + shared.options.body_timeout;
            discard_body(body, DISCARD_MAX_BYTES, deadline).await;
        }
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
/// How much of a body over the limit is read and thrown away (never buffered, within
/// the body timeout) before the 413 is sent. A server that answers and closes while
/// the client is still sending leaves unread data in its receive buffer, so its TCP
/// stack resets the connection and the client may never read the answer (RFC 9112
/// §9.6, "Tear-down"): it sees a broken pipe instead of the 413. Reading on lets a
/// client that sent somewhat too much get its JSON error; a declared length above this
/// is refused at once, so nobody can make the host read more than this for nothing.
const DISCARD_MAX_BYTES: u64 = 1024 * 1024;

/// Reads and drops up to `max` more bytes of `body`, stopping at its end, an error or
/// `deadline`.
async fn discard_body(mut body: hyper::body::Incoming, max: u64, deadline: tokio::time::Instant) {
    let mut discarded = 0u64;
    while discarded < max {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    discarded += data.len() as u64;
                }
            }
            _ => break,
        }
    }
}

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
            let left = DISCARD_MAX_BYTES.saturating_sub(collected.len() as u64 + data.len() as u64);
            discard_body(body, left, deadline).await;
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
fn component_uri(
    parts: &http::request::Parts,
    local_addr: SocketAddr,
) -> Result<Uri, ComponentUriError> {
    let authority = match parts.uri.authority() {
        Some(authority) => authority.clone(),
        None => match parts.headers.get(http::header::HOST) {
            None => Authority::try_from(local_addr.to_string())
                .map_err(ComponentUriError::OwnAddress)?,
            Some(host) => {
                let text = host.to_str().map_err(|_| ComponentUriError::HostNotAscii)?;
                let authority =
                    Authority::try_from(text).map_err(|_| ComponentUriError::HostNotAuthority)?;
                if text.is_empty() || text.contains('@') {
                    return Err(ComponentUriError::HostNotAuthority);
                }
                authority
            }
        },
    };
    if authority.as_str().contains('@') {
        return Err(ComponentUriError::UserInformation);
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
        .map_err(ComponentUriError::Invalid)
}

/// Why a request cannot be given to a component: its target and `Host` header do
/// not make a URI (answered `400` with this message).
#[derive(Debug, thiserror::Error)]
enum ComponentUriError {
    /// Occurs when there is no `Host` and the listener's own address is no authority.
    #[error("the server's own address is not an authority: {0}")]
    OwnAddress(http::uri::InvalidUri),
    /// Occurs when the `Host` header has bytes outside visible ASCII.
    #[error("the Host header is not visible ASCII")]
    HostNotAscii,
    /// Occurs when the `Host` header is not `host[:port]`.
    #[error("the Host header is not a host name or address with an optional port (RFC 9110 §7.2)")]
    HostNotAuthority,
    /// Occurs when the request target's authority has `user@`.
    #[error("the request target carries user information")]
    UserInformation,
    /// Occurs when the parts do not build a URI.
    #[error("the request target is not a valid URI: {0}")]
    Invalid(http::Error),
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
            assert!(err.to_string().contains("Host"), "{host:?}: {err}");
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
