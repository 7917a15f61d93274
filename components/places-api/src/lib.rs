//! The `places-api` component: council-api's address and area routes, without
//! contacts.
//!
//! It compiles the very same route modules as `council-api` (through `#[path]`, so
//! there is one copy of the code) against the `council:services/address-and-areas`
//! imports. Because neither it nor `address-lookup` and `parish-routing` import
//! anything but WASI 0.2, `council-host compose` turns it into one component that
//! plain `wasmtime serve` runs: the project's portability check.

use wstd::http::{Body, Error, Request, Response};

#[path = "../../council-api/src/convert.rs"]
mod convert;
#[path = "../../council-api/src/http.rs"]
mod http;
#[path = "../../council-api/src/mapit.rs"]
mod mapit;
#[path = "../../council-api/src/places.rs"]
mod places;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "council:services/address-and-areas",
        generate_all,
    });
}

use http::{ApiError, Query};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    let query = Query::parse(request.uri().query());
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let result = match segments.first().copied() {
        Some("search") | Some("locate") => places::handle(request, &segments, &query).await,
        Some("api") if segments.get(1) == Some(&"addresses") => {
            places::handle(request, &segments, &query).await
        }
        Some("point") | Some("postcode") | Some("uprn") | Some("area") | Some("areas")
        | Some("route") | Some("questions") => mapit::handle(request, &segments, &query).await,
        _ => Err(ApiError::not_found(format!(
            "no endpoint at {path}: /search/places/v1/..., /locate/addresses, /api/addresses/..., /point/..., /postcode/..., /uprn/..., /area/..., /areas/..., /route, /questions/..."
        ))),
    };
    match result {
        Ok(response) => Ok(response),
        Err(e) => e.into_response(),
    }
}
