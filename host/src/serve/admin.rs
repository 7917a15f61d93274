//! The admin listener (`council-host serve --admin-listen ADDR`): `/metrics` in
//! Prometheus's text format, `/healthz` (the process answers) and `/readyz` (the
//! application is loaded, its stores answer, and it is not shutting down), on an
//! address of its own so that they are never exposed on the public port.
//!
//! It answers `GET` (and `HEAD`) only, from a handler the server gives it; each
//! connection has the same header-read timeout as the public listener.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// Serves the admin listener until the task is aborted. `answer` maps a path to
/// status, content type and body (asynchronously: `/readyz` asks each store).
pub async fn serve<F, A>(listener: TcpListener, answer: F)
where
    F: Fn(String) -> A + Send + Sync + 'static,
    A: Future<Output = (StatusCode, &'static str, String)> + Send,
{
    let answer = Arc::new(answer);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let answer = answer.clone();
        let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let answer = answer.clone();
            async move {
                let (status, content_type, body) =
                    if matches!(*request.method(), Method::GET | Method::HEAD) {
                        answer(request.uri().path().to_string()).await
                    } else {
                        (
                            StatusCode::METHOD_NOT_ALLOWED,
                            "text/plain; charset=utf-8",
                            "GET only\n".to_string(),
                        )
                    };
                let response = hyper::Response::builder()
                    .status(status)
                    .header(http::header::CONTENT_TYPE, content_type)
                    .header(http::header::CACHE_CONTROL, "no-store")
                    .body(Full::new(Bytes::from(body)))
                    .expect("static response parts are valid");
                Ok::<_, Infallible>(response)
            }
        });
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
