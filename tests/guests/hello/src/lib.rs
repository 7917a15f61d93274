//! Hello-world `wasi:http` component: the benchmark baseline shared by `council-host`
//! and `wasmtime serve`, and the smallest portability check.

use wstd::http::{Body, Error, Request, Response};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    Ok(Response::builder()
        .header("content-type", "text/plain")
        .body(format!("Hello from {path}\n").into())?)
}
