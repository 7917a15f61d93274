//! The `council-api` component: the council capabilities as JSON over HTTP.
//!
//! It compiles against its world in wit/world.wit, `council:services/council-api`:
//! it exports `wasi:http/incoming-handler` (served with `wstd`) and imports
//! `council:address/lookup`, `council:parish/{areas,routing}` and
//! `council:contacts/directory`, which Spin's `[component.council-api.dependencies]`,
//! `council-host serve` or `council-host compose` plug in. It needs no platform
//! interface of its own: the capabilities bring theirs.
//!
//! The address, area and routing routes, the index and the health check are the
//! shared façade's (`council-http-facade`); this component adds the [`contacts`]
//! routes: `/contacts/...` bodies and councillors, plain JSON and Open Referral UK.

use council_http_facade::{Extension, Facade};
use wstd::http::{Body, Error, Request, Response};

mod contacts;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    // The component's world as wit/ declares it (`council:services/council-api`).
    // Its WASI imports and the `wasi:http` export's types are the `wasip2` crate's,
    // which wstd serves with (`council_http::generate_bindings!`). The address and
    // parish imports are the façade's bindings; only contacts is generated here, and
    // its records are council-contacts' own types (as contact-fetch, which exports
    // them, binds them), which serialise to the routes' JSON and render as Open
    // Referral UK: nothing to convert.
    council_http::generate_bindings!({
        path: "../../wit",
        world: "council:services/council-api",
        with: {
            "council:address/lookup@0.2.0": council_http_facade::bindings::council::address::lookup,
            "council:parish/areas@0.1.0": council_http_facade::bindings::council::parish::areas,
            "council:parish/routing@0.1.0": council_http_facade::bindings::council::parish::routing,
            "council:contacts/directory@0.1.0/contact-details": council_contacts::ContactDetails,
            "council:contacts/directory@0.1.0/body-kind": council_contacts::BodyKind,
            "council:contacts/directory@0.1.0/body": council_contacts::Body,
            "council:contacts/directory@0.1.0/source": council_contacts::Source,
            "council:contacts/directory@0.1.0/provenance": council_contacts::Provenance,
            "council:contacts/directory@0.1.0/body-answer": council_contacts::BodyAnswer,
            "council:contacts/directory@0.1.0/body-list": council_contacts::BodyList,
            "council:contacts/directory@0.1.0/body-query": council_contacts::BodyQuery,
            "council:contacts/directory@0.1.0/term": council_contacts::Term,
            "council:contacts/directory@0.1.0/councillor": council_contacts::Councillor,
            "council:contacts/directory@0.1.0/ward": council_contacts::Ward,
            "council:contacts/directory@0.1.0/councillor-answer": council_contacts::CouncillorAnswer,
            "council:contacts/directory@0.1.0/error": council_contacts::Error,
        },
        // Generates the one interface not bound above, council:contacts/directory
        // (its functions; its records are bound type by type).
        generate_all,
    });
}

/// The shared routes plus `/contacts/...`.
static COUNCIL_API: Facade = Facade {
    service: "council-api",
    description: "Council address lookup, parish routing and contacts, as JSON (OS Places- and MapIt-compatible where noted).",
    extensions: &[Extension {
        segment: "contacts",
        heading: "contacts",
        examples: &[
            "/contacts/bodies?gss=E04000011",
            "/contacts/bodies/E04000011/openreferral",
        ],
        respond: contacts::handle,
    }],
};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle, bindings);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    COUNCIL_API.handle(request).await
}
