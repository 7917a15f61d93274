//! Test component for `council-host`'s own guarantees. Routes:
//!
//! - `GET /probe/ok`: `200 ok`.
//! - `GET /probe/loop`: computes forever (the host's epoch deadline must stop it).
//! - `GET /probe/fetch?url=...`: fetches a URL and reports the status or the error the
//!   host returned (a denied destination is an ordinary error, not a trap).
//! - `GET|PUT|DELETE /probe/kv/<store>/<key>`: `wasi:keyvalue@0.2.0-draft2`.
//! - `GET /probe/config/<key>`: `wasi:config@0.2.0-draft-2024-09-27`.
//! - `POST /probe/tick`: with `Authorization: Bearer <config token>`, counts a tick.
//! - `GET /probe/echo`: the URI, `host` and `spin-full-url` the component was given.
//! - `POST /probe/body`: reads the body and answers its length.

use serde_json::json;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};

mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit/deps/keyvalue-2024-10-17", "../../../wit/deps/config-2024-09-27"],
        world: "probe",
        inline: "
            package council-test:probe;
            world probe {
                import wasi:keyvalue/store@0.2.0-draft2;
                import wasi:keyvalue/atomics@0.2.0-draft2;
                import wasi:config/store@0.2.0-draft-2024-09-27;
            }
        ",
        generate_all,
    });
}

use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, store as kv};

fn json_response(status: StatusCode, value: serde_json::Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(value.to_string().into())?)
}

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle);

async fn handle(mut request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method().clone(), segments.as_slice()) {
        (_, ["probe", "ok"]) => json_response(StatusCode::OK, json!({"ok": true})),
        (_, ["probe", "loop"]) => {
            // Computes forever without yielding; only the host's deadline ends it.
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        (_, ["probe", "fetch"]) => {
            let url = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("url="))
                .map(|v| v.replace("%3A", ":").replace("%2F", "/"))
                .unwrap_or_default();
            match fetch_status(&url) {
                Ok(status) => json_response(StatusCode::OK, json!({"status": status})),
                Err(error) => json_response(StatusCode::BAD_GATEWAY, json!({"error": error})),
            }
        }
        (method, ["probe", "kv", store, key]) => {
            let bucket = match kv::open(store) {
                Ok(bucket) => bucket,
                Err(e) => {
                    return json_response(
                        StatusCode::FORBIDDEN,
                        json!({"error": format!("{e:?}")}),
                    );
                }
            };
            match method {
                Method::GET => match bucket.get(key) {
                    Ok(Some(value)) => json_response(
                        StatusCode::OK,
                        json!({"value": String::from_utf8_lossy(&value)}),
                    ),
                    Ok(None) => json_response(StatusCode::NOT_FOUND, json!({"value": null})),
                    Err(e) => json_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!({"error": format!("{e:?}")}),
                    ),
                },
                Method::PUT => {
                    let body = request.body_mut().contents().await?.to_vec();
                    bucket
                        .set(key, &body)
                        .map_err(|e| anyhow_error(format!("{e:?}")))?;
                    json_response(StatusCode::OK, json!({"stored": true}))
                }
                Method::POST => {
                    let n = atomics::increment(&bucket, key, 1)
                        .map_err(|e| anyhow_error(format!("{e:?}")))?;
                    json_response(StatusCode::OK, json!({"count": n}))
                }
                Method::DELETE => {
                    bucket
                        .delete(key)
                        .map_err(|e| anyhow_error(format!("{e:?}")))?;
                    json_response(StatusCode::OK, json!({"deleted": true}))
                }
                _ => json_response(StatusCode::METHOD_NOT_ALLOWED, json!({"error": "method"})),
            }
        }
        (Method::POST, ["probe", "tick"]) => {
            // Counts authorised calls: the scheduler test checks the bearer arrives.
            let expected = config::get("token")
                .ok()
                .flatten()
                .map(|t| format!("Bearer {t}"));
            let given = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if expected.is_none() || expected != given {
                return json_response(StatusCode::UNAUTHORIZED, json!({"error": "bad token"}));
            }
            let bucket = kv::open("default").map_err(|e| anyhow_error(format!("{e:?}")))?;
            let n = atomics::increment(&bucket, "ticks", 1)
                .map_err(|e| anyhow_error(format!("{e:?}")))?;
            json_response(StatusCode::OK, json!({"ticks": n}))
        }
        (_, ["probe", "echo"]) => {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            json_response(
                StatusCode::OK,
                json!({
                    "uri": request.uri().to_string(),
                    "path": path,
                    "host": header("host"),
                    "spin-full-url": header("spin-full-url"),
                }),
            )
        }
        (Method::POST, ["probe", "body"]) => {
            let body = request.body_mut().contents().await?;
            json_response(StatusCode::OK, json!({"length": body.len()}))
        }
        (_, ["probe", "config", key]) => match config::get(key) {
            Ok(value) => json_response(StatusCode::OK, json!({"value": value})),
            Err(e) => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": format!("{e:?}")}),
            ),
        },
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no probe at {path}")}),
        ),
    }
}

fn anyhow_error(message: String) -> Error {
    Error::msg(message)
}

/// A GET through `wasi:http/outgoing-handler` directly, so that the error the host
/// returns (for example `HTTP-request-denied`) is reported as the host gave it.
fn fetch_status(url: &str) -> Result<u16, String> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, OutgoingBody, OutgoingRequest, Scheme};
    let (scheme, rest) = url.split_once("://").ok_or("url needs a scheme")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    request
        .set_scheme(Some(&match scheme {
            "https" => Scheme::Https,
            _ => Scheme::Http,
        }))
        .map_err(|()| "scheme")?;
    request
        .set_authority(Some(authority))
        .map_err(|()| "authority")?;
    request
        .set_path_with_query(Some(path))
        .map_err(|()| "path")?;
    let body = request.body().map_err(|()| "body")?;
    let pending = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    // An empty body: finishing it may fail when the host refused the request; the
    // response's own error is the one worth reporting.
    let _ = OutgoingBody::finish(body, None);
    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => Ok(response.status()),
        Some(Ok(Err(code))) => Err(format!("{code:?}")),
        Some(Err(())) => Err("response already taken".into()),
        None => Err("response not ready".into()),
    }
}
