//! What the project's `wasi:http` components share: their bindings' WASI part
//! ([`generate_bindings!`]) and [`serve!`], the generated
//! `wasi:http/incoming-handler` export running an `async fn` handler with `wstd`.
//!
//! Each `wasi:http` component compiles against the world wit/world.wit declares for
//! it (`council:services/council-api`, ...). Its WASI imports and the
//! `wasi:http/types` of its export are bound to the `wasip2` crate, the very types
//! `wstd` serves with, so the handler is `wstd`'s and nothing is converted.
//!
//! [`serve!`] is `wstd`'s `#[wstd::http_server]` with two differences. It implements
//! the export the component's own bindings generate (so the binary's exports are its
//! declared world's, not those of wstd's built-in `wasi:http/proxy` world). And once
//! the response head is set, the body is written to the client through the host; a
//! client that has closed its connection by then makes that write fail. `wstd` 0.6
//! unwraps the failure, so the instance panics and every such request logs a panic
//! (Spin logged 18 under load). A closed client is normal on the public internet:
//! here the write failure ends the request quietly. The host knows the client has
//! gone; nothing is left to tell it.
//!
//! ```ignore
//! mod bindings {
//!     council_http::generate_bindings!({
//!         path: "../../wit",
//!         world: "council:services/places-api",
//!         with: { /* the component's council:* imports */ },
//!     });
//! }
//! async fn handle(request: Request<Body>) -> Result<Response<Body>, wstd::http::Error> { .. }
//! council_http::serve!(handle, bindings);
//! ```

#[doc(hidden)]
pub use council_capability as __capability;

/// `wit_bindgen::generate!` for a `wasi:http` component's world (one that includes
/// `wasi:cli/imports@0.2.12` and exports `wasi:http/incoming-handler@0.2.12`): the
/// CLI interfaces, as for the capability components
/// (`council_capability::generate_bindings!`), and `wasi:http/types` are bound to the
/// `wasip2` crate's modules, so only the export's glue is generated. The options
/// given (`path`, `world`, the component's own `with:` for its `council:*`,
/// `wasi:keyvalue`, `wasi:config` and `wasi:http/outgoing-handler` imports) are
/// passed on; wit-bindgen merges several `with:` maps and refuses one that names an
/// interface the world lacks, hence only what every such world has is listed here.
/// The component depends on `wit-bindgen`, `wasip2` 1.0.4 and `wstd`.
#[macro_export]
macro_rules! generate_bindings {
    ({ $($options:tt)* }) => {
        $crate::__capability::generate_bindings!({
            with: {
                "wasi:http/types@0.2.12": wasip2::http::types,
            },
            $($options)*
        });
    };
}

/// Implements `wasi:http/incoming-handler@0.2` calling `$handler`, an
/// `async fn(wstd::http::Request<wstd::http::Body>) ->
/// Result<wstd::http::Response<B>, wstd::http::Error>` (see the crate docs): the
/// export of the component's own `$bindings` (made by [`generate_bindings!`] at the
/// crate root), or without them that of the `wasip2` crate's `wasi:http/proxy` world,
/// for the test guests, which declare no world.
///
/// The calling crate depends on `wstd`.
#[macro_export]
macro_rules! serve {
    ($handler:path, $bindings:ident) => {
        struct CouncilHttpHandler;

        impl $bindings::exports::wasi::http::incoming_handler::Guest for CouncilHttpHandler {
            fn handle(
                request: $bindings::exports::wasi::http::incoming_handler::IncomingRequest,
                response_out: $bindings::exports::wasi::http::incoming_handler::ResponseOutparam,
            ) {
                let responder = ::wstd::http::server::Responder::new(response_out);
                ::wstd::runtime::block_on(async move {
                    match ::wstd::http::request::try_from_incoming(request) {
                        Ok(request) => match $handler(request).await {
                            // An error here is the body write failing: the client
                            // has gone (see the crate docs).
                            Ok(response) => $crate::client_gone(responder.respond(response).await),
                            Err(error) => responder.fail(error),
                        },
                        Err(error) => responder.fail(error),
                    }
                })
            }
        }

        $bindings::export!(CouncilHttpHandler with_types_in $bindings);
    };
    // Without bindings of its own: the export of the `wasip2` crate's
    // `wasi:http/proxy` world, for a component that declares no world in wit/ (the
    // test guests under tests/guests).
    ($handler:path) => {
        $crate::serve!($handler, __council_http_proxy);
        #[doc(hidden)]
        mod __council_http_proxy {
            pub use ::wstd::__internal::wasip2::exports;
            pub use ::wstd::__internal::wasip2::http::proxy::export;
        }
    };
}

/// What happens when writing a response body fails: nothing. The outcome is taken
/// so that the macro's expansion uses it and says why it is dropped.
pub fn client_gone(outcome: Result<(), wstd::http::Error>) {
    let _ = outcome;
}
