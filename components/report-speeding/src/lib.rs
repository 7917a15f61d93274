//! The citizen journey of "Report speeding traffic": a GOV.UK-styled form, built only
//! by composing the council capabilities, that finds the address, asks the routing
//! questions, decides who handles the report and stores it for the back office
//! (`components/report-speeding-backoffice`) to deliver.
//!
//! It exports `wasi:http/incoming-handler` and imports `council:address/lookup`,
//! `council:parish/{areas,routing}` and `council:contacts/directory` — plugged in by
//! Spin's `[component.report-speeding.dependencies]`, `council-host serve` or
//! `council-host compose` — plus `wasi:keyvalue/{store,atomics}@0.2.0-draft2` (stores
//! `drafts` and `reports`) and `wasi:config/store@0.2.0-draft-2024-09-27`. It holds no
//! secret: its dependencies see its whole configuration (docs/report-speeding.md).
//!
//! The modules by job: [`routes`] (dispatch and the request context), `journey` (the
//! steps of the journey), `pages` (their markup), `address` (finding the address),
//! `recipient` (routing and the contact), `submit` (storing a report), `housekeeping`
//! (expired drafts and contacts to look up again) and `assets`.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod address;
#[cfg(target_arch = "wasm32")]
mod assets;
#[cfg(target_arch = "wasm32")]
mod housekeeping;
#[cfg(target_arch = "wasm32")]
mod journey;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod recipient;
#[cfg(target_arch = "wasm32")]
pub mod routes;
#[cfg(target_arch = "wasm32")]
mod submit;

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    // The component's world as wit/ declares it (`council:services/report-speeding`).
    // Its WASI imports and the `wasi:http` export's types are the `wasip2` crate's,
    // which wstd serves and fetches with; the key-value and config imports are
    // council-reports' bindings, which the journey stores drafts and reports through
    // (`council_reports::generate_bindings!`). As council-api binds them: the address and
    // parish imports are the HTTP façade's bindings, whose records are
    // council-address's and council-areas' own types; contacts is generated here
    // with council-contacts' types (as contact-fetch, which exports them, binds
    // them). No record is copied.
    council_reports::generate_bindings!({
        path: "../../wit",
        world: "council:services/report-speeding",
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

// The wasi:http entry point; a client that has gone ends the request quietly.
#[cfg(target_arch = "wasm32")]
council_http::serve!(routes::handle, bindings);
