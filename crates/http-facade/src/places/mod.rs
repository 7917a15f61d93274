//! Address routes over `council:address/lookup`, one module for each API they answer
//! as:
//!
//! - [`os_places`]: OS Places-compatible `/search/places/v1/...`, and type-ahead
//!   `/search/places/v1/autocomplete`.
//! - [`surrey`]: Surrey-compatible `/locate/addresses?postcode=|uprn=|usrn=`.
//! - [`plain`]: plain JSON and GeoJSON under `/api/addresses/...`.
//!
//! The capability's records arrive as `council-address`'s own types (bound with
//! wit-bindgen's `with:` in [`crate::bindings`]), which the crate's tested output
//! functions render as they are.

mod os_places;
mod plain;
mod surrey;

use council_address as lib;
use wstd::http::{Body, Request, Response, StatusCode};

use crate::bindings::council::address::lookup as wit;
use crate::http::{ApiError, Query};

/// Answers a request under `/search/places/v1`, `/locate/addresses` or
/// `/api/addresses`.
pub async fn handle(
    request: Request<Body>,
    segments: &[&str],
    query: &Query,
) -> Result<Response<Body>, ApiError> {
    let uri = request.uri().to_string();
    match segments {
        ["search", "places", "v1", operation] => {
            os_places::respond(operation, &uri, query).or_else(|e| e.into_os_places())
        }
        ["locate", "addresses"] => surrey::respond(query),
        ["api", "addresses", rest @ ..] => plain::respond(rest, query),
        _ => Err(ApiError::not_found(format!(
            "no address endpoint at {}",
            request.uri().path()
        ))),
    }
}

/// A capability error as an HTTP error: the caller's mistakes are 400, a missing or
/// broken index is 503 (the service, not the request, is at fault).
fn lookup_error(e: lib::LookupError) -> ApiError {
    match e {
        lib::LookupError::InvalidPostcode(m) => ApiError::bad_request("invalid-postcode", m),
        lib::LookupError::InvalidQuery(m) => ApiError::bad_request("invalid-query", m),
        lib::LookupError::OutOfRange(m) => ApiError::bad_request("out-of-range", m),
        lib::LookupError::IndexUnavailable(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "index-unavailable", m)
        }
        lib::LookupError::Other(m) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
        }
    }
}

fn default_options() -> lib::QueryOptions {
    lib::QueryOptions {
        datasets: Vec::new(),
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: 0,
        sort: lib::SortOrder::AddressOrder,
    }
}
