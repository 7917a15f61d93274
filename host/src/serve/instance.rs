//! Running a request in a fresh instance of its component, and the response when the
//! instance fails: a trap answers `500`, the deadline `504`, without the guest seeing
//! either (the split wasmtime's `wasi-http` makes).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::request::Held;
use super::response::json_error;
use super::server::Shared;
use crate::serve::runtime::{EPOCH_TICK, LoadedComponent};

/// Runs `request` in a fresh instance of `component`, holding `held` until the
/// instance ends, and answers with its response or the host's.
pub(super) async fn run_component(
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
