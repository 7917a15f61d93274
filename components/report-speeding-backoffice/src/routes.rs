//! Dispatch, and who may use the back office: staff with the staff token.
//!
//! The staff token has no usable default. While `staff_token` is unset, shorter than
//! 16 characters, or the public demo value, every route here refuses with `503` and a
//! message naming `SPIN_VARIABLE_STAFF_TOKEN` — the scheduler's outbox runs included —
//! unless the operator has switched demo mode on (`demo_mode = "true"`, which
//! `scripts/demo` does). A token with trailing whitespace (a secret mounted from a
//! file ends in a newline) is used without it.

use council_reports::form::Form;
use council_reports::html::BASE;
use council_reports::model::{self, REPORTS_STORE};
use council_reports::respond::{self, HttpResult};
use council_reports::store::{self, Store, StoreError};
use serde_json::json;
use wstd::http::{Body, Request, Response, StatusCode};

use crate::outbox::{self, Settings};

/// The staff token the demo ships with (`scripts/demo`); refused outside demo mode.
pub const DEMO_STAFF_TOKEN: &str = "demo-staff-token-change-me";

/// Handles one request.
pub async fn handle(request: Request<Body>) -> HttpResult {
    let path = request.uri().path().to_string();
    let rest = path
        .strip_prefix(BASE)
        .unwrap_or(&path)
        .trim_end_matches('/')
        .to_string();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let is_post = request.method() == wstd::http::Method::POST;
    let query = Form::parse(request.uri().query().unwrap_or("").as_bytes());
    match (is_post, segments.as_slice()) {
        (false, ["staff"]) => return respond::redirect(&format!("{BASE}/staff/reports")),
        (false, ["staff", "reports"])
        | (false, ["staff", "reports", _])
        | (true, ["staff", "reports", _, "retry"])
        | (true, ["outbox", "run"])
        | (false, ["outbox", "metrics"]) => {}
        (_, ["staff", ..]) | (_, ["outbox", ..]) => {
            return respond::plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.");
        }
        _ => return respond::plain(StatusCode::NOT_FOUND, "Not found."),
    }
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    match staff_access(authorization) {
        Access::Granted => {}
        Access::Denied => return unauthorised(),
        Access::SwitchedOff(why) => {
            eprintln!("report-speeding-backoffice: refused: {why}");
            return respond::json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({
                    "error": format!(
                        "the staff view and the outbox are switched off: {why}. Set \
                         SPIN_VARIABLE_STAFF_TOKEN (the staff_token variable) to a long random \
                         secret; the public demo token works only with SPIN_VARIABLE_DEMO_MODE=true"
                    ),
                    "status": 503,
                }),
            );
        }
    }
    let store = match Store::open(REPORTS_STORE) {
        Ok(store) => store,
        Err(e) => return failure("opening the reports store", &Failure::Store(e)),
    };
    let result = match segments.as_slice() {
        ["staff", "reports"] => crate::staff::list(&store, query.get("format") == "json"),
        ["staff", "reports", reference] => crate::staff::report(&store, reference),
        ["staff", "reports", reference, "retry"] => crate::staff::retry(&store, reference).await,
        ["outbox", "metrics"] => outbox_metrics(&store),
        _ => outbox_run(&store).await,
    };
    match result {
        Ok(response) => Ok(response),
        Err(e) => failure(&route_name(&segments), &e),
    }
}

/// What stops a request: the store, or building the response.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The reports store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The response could not be built.
    #[error("building the response: {0}")]
    Response(#[from] wstd::http::Error),
}

/// A response, or what stopped it.
pub type PageResult = Result<Response<Body>, Failure>;

/// A failure: logged by operation (never with a report's contents), and told to the
/// client as a `503`.
fn failure(what: &str, e: &Failure) -> HttpResult {
    eprintln!("report-speeding-backoffice: {what}: {e}");
    respond::json(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"error": "the reports store failed; try again shortly", "status": 503}),
    )
}

/// The route without identifiers, for logs.
fn route_name(segments: &[&str]) -> String {
    match segments {
        ["staff", "reports", _, rest @ ..] => format!("/staff/reports/*/{}", rest.join("/")),
        other => format!("/{}", other.join("/")),
    }
}

enum Access {
    Granted,
    Denied,
    SwitchedOff(String),
}

/// Whether a request may use the back office (see the module docs).
fn staff_access(authorization: Option<&str>) -> Access {
    let demo = store::setting("demo_mode").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let expected = match store::setting("staff_token").map(|t| t.trim_end().to_string()) {
        None => return Access::SwitchedOff("staff_token is not set".into()),
        Some(token) if token.contains(['\r', '\n']) => {
            return Access::SwitchedOff("staff_token has a line break in it".into());
        }
        Some(token) if token == DEMO_STAFF_TOKEN && !demo => {
            return Access::SwitchedOff("staff_token is the public demo value".into());
        }
        Some(token) if token.chars().count() < 16 && !demo => {
            return Access::SwitchedOff("staff_token is shorter than 16 characters".into());
        }
        Some(token) => token,
    };
    let given = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if !given.is_empty() && model::same_secret(given.as_bytes(), expected.as_bytes()) {
        Access::Granted
    } else {
        Access::Denied
    }
}

fn unauthorised() -> HttpResult {
    Ok(Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header("www-authenticate", "Bearer realm=\"report-speeding staff\"")
        .header("content-type", "text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(
            "Staff only: send the staff token as `Authorization: Bearer <token>`.",
        ))?)
}

/// `GET /report-speeding/outbox/metrics`: the outbox for Prometheus (scraped with the
/// staff token as its bearer token).
fn outbox_metrics(store: &Store) -> PageResult {
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(outbox::metrics(store)?))
        .map_err(wstd::http::Error::from)?)
}

/// `POST /report-speeding/outbox/run`: deliver what is due, then the retention purge.
async fn outbox_run(store: &Store) -> PageResult {
    let settings = Settings::load();
    let mut summary = outbox::run(store, &settings).await?;
    summary.reports_removed = outbox::purge_expired_reports(store)?;
    Ok(respond::json(
        StatusCode::OK,
        &serde_json::to_value(&summary).unwrap_or_default(),
    )?)
}
