//! What the project's `wasi:http` components share: [`serve!`], the
//! `wasi:http/incoming-handler` export that runs an `async fn` handler with `wstd`.
//!
//! It is `wstd`'s `#[wstd::http_server]` with one difference that matters in
//! production. Once the response head is set, the body is written to the client
//! through the host; a client that has closed its connection by then makes that write
//! fail. `wstd` 0.6 unwraps the failure, so the instance panics and every such request
//! logs a panic (Spin logged 18 under load). A closed client is normal on the public
//! internet: here the write failure ends the request quietly. The host knows the
//! client has gone; nothing is left to tell it.
//!
//! ```ignore
//! async fn handle(request: Request<Body>) -> Result<Response<Body>, wstd::http::Error> { .. }
//! council_http::serve!(handle);
//! ```

/// Exports `wasi:http/incoming-handler@0.2` calling `$handler`, an
/// `async fn(wstd::http::Request<wstd::http::Body>) ->
/// Result<wstd::http::Response<B>, wstd::http::Error>` (see the crate docs).
///
/// The calling crate depends on `wstd`.
#[macro_export]
macro_rules! serve {
    ($handler:path) => {
        struct CouncilHttpHandler;

        impl ::wstd::__internal::wasip2::exports::http::incoming_handler::Guest
            for CouncilHttpHandler
        {
            fn handle(
                request: ::wstd::__internal::wasip2::http::types::IncomingRequest,
                response_out: ::wstd::__internal::wasip2::http::types::ResponseOutparam,
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

        ::wstd::__internal::wasip2::http::proxy::export!(
            CouncilHttpHandler with_types_in ::wstd::__internal::wasip2
        );
    };
}

/// What happens when writing a response body fails: nothing. The outcome is taken
/// so that the macro's expansion uses it and says why it is dropped.
pub fn client_gone(outcome: Result<(), wstd::http::Error>) {
    let _ = outcome;
}
