//! The responses the host makes itself (routing failures, limits, traps): JSON bodies
//! of one shape, `{"error": <message>, "status": <code>}`.

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

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
pub(super) fn json_error_with(
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
