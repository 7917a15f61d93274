//! `wasi:http/outgoing-handler` on the host side: the allow-list check and default
//! timeouts, in front of wasmtime's default HTTP client.
//!
//! A request to a destination not in the component's `allowed_outbound_hosts` (the
//! list [`council_app::allowed_hosts`] parses) is refused before any connection is
//! made, with `HTTP-request-denied`: the guest sees an ordinary error it can report,
//! nothing traps, and the host logs the refusal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use council_app::allowed_hosts::AllowedHosts;

use crate::serve::metrics::{Metrics, UpstreamOutcome};

/// Per-request hooks for outgoing HTTP.
pub struct OutgoingHttpHooks {
    component: String,
    allowed: Arc<AllowedHosts>,
    default_timeout: Duration,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for OutgoingHttpHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingHttpHooks")
            .field("component", &self.component)
            .finish_non_exhaustive()
    }
}

impl OutgoingHttpHooks {
    /// Hooks for one component's request; every outgoing request is counted in
    /// `metrics` by destination and outcome.
    pub fn new(
        component: String,
        allowed: Arc<AllowedHosts>,
        default_timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            component,
            allowed,
            default_timeout,
            metrics,
        }
    }
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutgoingHttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        let _ = fut;
        if !self.allowed.allows_uri(request.uri()) {
            // Log the destination's origin only: paths and queries may carry personal data.
            tracing::warn!(
                component = %self.component,
                scheme = request.uri().scheme_str().unwrap_or(""),
                host = request.uri().host().unwrap_or(""),
                port = request.uri().port_u16(),
                "outgoing request refused: destination not in allowed_outbound_hosts"
            );
            // Counted without the destination: a refused one is whatever the guest
            // asked for, and must not grow the metric's label set.
            self.metrics
                .upstream_request(&self.component, None, UpstreamOutcome::Refused, None);
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        // An allowed destination: its origin is one the manifest lists (or matches).
        let origin = format!(
            "{}://{}",
            request.uri().scheme_str().unwrap_or("http"),
            request.uri().authority().map_or("", |a| a.as_str())
        );
        let (metrics, component) = (self.metrics.clone(), self.component.clone());
        let started = Instant::now();
        let default = self.default_timeout;
        let mut options = options.unwrap_or_default();
        options.connect_timeout.get_or_insert(default);
        options.first_byte_timeout.get_or_insert(default);
        options.between_bytes_timeout.get_or_insert(default);
        Box::new(async move {
            let sent = wasmtime_wasi_http::default_send_request(request, Some(options)).await;
            let outcome = match &sent {
                Ok((response, _)) => UpstreamOutcome::Status(response.status().as_u16()),
                Err(_) => UpstreamOutcome::Failed,
            };
            metrics.upstream_request(&component, Some(&origin), outcome, Some(started.elapsed()));
            let (response, io) = sent?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}
