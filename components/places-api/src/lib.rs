//! The `places-api` component: council-api's address and area routes, without
//! contacts.
//!
//! It serves the shared façade (`council-http-facade`) with no routes of its own, so
//! it imports only `council:address/lookup` and `council:parish/{areas,routing}`
//! (the `council:services/address-and-areas` world). Because neither it nor
//! `address-lookup` and `parish-routing` import anything but WASI 0.2,
//! `council-host compose` turns it into one component that plain `wasmtime serve`
//! runs: the project's portability check.

use council_http_facade::Facade;
use wstd::http::{Body, Error, Request, Response};

/// The shared routes, and nothing else.
static PLACES_API: Facade = Facade {
    service: "places-api",
    description: "Council address lookup and parish routing, as JSON (OS Places-, Surrey- and MapIt-compatible where noted).",
    extensions: &[],
};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    PLACES_API.handle(request).await
}
