//! Hello-world `wasi:http` component: the benchmark baseline shared by `council-host`
//! and `wasmtime serve`, and the smallest portability check.

use wstd::http::{Body, Error, Request, Response};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    Ok(Response::builder()
        .header("content-type", "text/plain")
        .body(format!("Hello from {path}\n").into())?)
}
