//! `wasi:http/outgoing-handler` on the host side: the allow-list check and default
//! timeouts, in front of wasmtime's default HTTP client.
//!
//! A request to a destination not in the component's `allowed_outbound_hosts` (the
//! list [`council_app::allowed_hosts`] parses) is refused before any connection is
//! made, with `HTTP-request-denied`: the guest sees an ordinary error it can report,
//! nothing traps, and the host logs the refusal.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use council_app::allowed_hosts::AllowedHosts;

/// Per-request hooks for outgoing HTTP.
pub struct OutgoingHttpHooks {
    component: String,
    allowed: Arc<AllowedHosts>,
    default_timeout: Duration,
}

impl std::fmt::Debug for OutgoingHttpHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingHttpHooks")
            .field("component", &self.component)
            .finish_non_exhaustive()
    }
}

impl OutgoingHttpHooks {
    /// Hooks for one component's request.
    pub fn new(component: String, allowed: Arc<AllowedHosts>, default_timeout: Duration) -> Self {
        Self {
            component,
            allowed,
            default_timeout,
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
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let default = self.default_timeout;
        let mut options = options.unwrap_or_default();
        options.connect_timeout.get_or_insert(default);
        options.first_byte_timeout.get_or_insert(default);
        options.between_bytes_timeout.get_or_insert(default);
        Box::new(async move {
            let (response, io) =
                wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}
