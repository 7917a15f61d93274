//! Responses both components send: pages with the service's security headers,
//! redirects, JSON and plain text.

use wstd::http::{Body, Response, StatusCode};

use crate::html::{self, Layout, Markup, html};

/// A response, or a failure building it.
pub type HttpResult = Result<Response<Body>, wstd::http::Error>;

/// The headers every page and redirect carries: a Content-Security-Policy that allows
/// only the service's own scripts (and govuk-frontend's one inline line, by hash),
/// no framing, no sniffing, no caching of personal answers.
pub fn security_headers(builder: wstd::http::response::Builder) -> wstd::http::response::Builder {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(html::INLINE_SCRIPT.as_bytes()));
    builder
        .header(
            "content-security-policy",
            format!(
                "default-src 'self'; script-src 'self' 'sha256-{hash}'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
            ),
        )
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "same-origin")
        .header("cache-control", "no-store")
}

/// An HTML page (markup from [`html::page`], so everything in it was escaped).
pub fn page(status: StatusCode, page: Markup) -> HttpResult {
    Ok(security_headers(Response::builder())
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(page.into_string()))?)
}

/// A `303 See Other` to `location`.
pub fn redirect(location: &str) -> HttpResult {
    Ok(security_headers(Response::builder())
        .status(StatusCode::SEE_OTHER)
        .header("location", location)
        .body(Body::empty())?)
}

/// JSON, escaped so that it cannot be sniffed as HTML.
pub fn json(status: StatusCode, value: &serde_json::Value) -> HttpResult {
    Ok(security_headers(Response::builder())
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(html::json_for_html(value)))?)
}

/// Plain text.
pub fn plain(status: StatusCode, text: &str) -> HttpResult {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(text.to_string()))?)
}

/// The page for a failure that is nobody's fault but the service's: it says what
/// happened and nothing it cannot know (in particular, never that a report was kept).
pub fn problem_page(council: &str) -> HttpResult {
    let title = "Sorry, there is a problem with the service";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" { "Try again later." }
    };
    let layout = Layout {
        title,
        council,
        ..Default::default()
    };
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        html::page(&layout, content),
    )
}
