//! The `places-api` component: council-api's address and area routes, without
//! contacts.
//!
//! It serves the shared façade (`council-http-facade`) with no routes of its own, so
//! it imports only `council:address/lookup` and `council:parish/{areas,routing}`: it
//! compiles against its world in wit/world.wit, `council:services/places-api`, which
//! includes `council:services/address-and-areas`. Because neither it nor
//! `address-lookup` and `parish-routing` import anything but WASI 0.2,
//! `council-host compose` turns it into one component that plain `wasmtime serve`
//! runs: the project's portability check.

use council_http_facade::Facade;
use wstd::http::{Body, Error, Request, Response};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    // The component's world as wit/ declares it (`council:services/places-api`).
    // Its WASI imports and the `wasi:http` export's types are the `wasip2` crate's,
    // which wstd serves with (`council_http::generate_bindings!`); the address and
    // parish imports are the façade's bindings, which its routes call.
    council_http::generate_bindings!({
        path: "../../wit",
        world: "council:services/places-api",
        with: {
            "council:address/lookup@0.2.0": council_http_facade::bindings::council::address::lookup,
            "council:parish/areas@0.1.0": council_http_facade::bindings::council::parish::areas,
            "council:parish/routing@0.1.0": council_http_facade::bindings::council::parish::routing,
        },
    });
}

/// The shared routes, and nothing else.
static PLACES_API: Facade = Facade {
    service: "places-api",
    description: "Council address lookup and parish routing, as JSON (OS Places-, Surrey- and MapIt-compatible where noted).",
    extensions: &[],
};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle, bindings);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    PLACES_API.handle(request).await
}
