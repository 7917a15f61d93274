//! Dispatch, and what every request needs: the stores, the settings, the journey's
//! cookie and the client's address.
//!
//! The back office's routes (`/report-speeding/staff/...`, `/report-speeding/outbox/...`)
//! are another component's; spin.toml routes them there.

use council_reports::client;
use council_reports::form::Form;
use council_reports::html::{self, BASE, Layout};
use council_reports::model::{self, DRAFTS_STORE, Draft, REPORTS_STORE, keys};
use council_reports::respond::{self, HttpResult};
use council_reports::store::{self, Store, StoreError};
use wstd::http::{Body, Request, StatusCode};

/// The draft cookie (strictly necessary: it holds only the draft's random id).
pub const COOKIE: &str = "rs_draft";
/// Most bytes of form body read.
const MAX_BODY: usize = 32 * 1024;
/// New journeys one client address may start per window, unless the
/// `max_new_drafts_per_client` setting says otherwise.
const DEFAULT_NEW_DRAFTS_PER_CLIENT: i64 = 30;

/// Handles one request.
pub async fn handle(mut request: Request<Body>) -> HttpResult {
    let path = request.uri().path().to_string();
    let rest = path
        .strip_prefix(BASE)
        .unwrap_or(&path)
        .trim_end_matches('/')
        .to_string();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let is_post = request.method() == wstd::http::Method::POST;
    let body = if is_post {
        match request.body_mut().contents().await {
            Ok(bytes) if bytes.len() <= MAX_BODY => bytes.to_vec(),
            Ok(_) => {
                return respond::plain(StatusCode::PAYLOAD_TOO_LARGE, "The form was too large.");
            }
            Err(_) => {
                return respond::plain(StatusCode::BAD_REQUEST, "The form could not be read.");
            }
        }
    } else {
        Vec::new()
    };
    let ctx = match Ctx::new(&request) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("report-speeding: cannot open the stores: {e}");
            return respond::problem_page(&council_name());
        }
    };
    let form = Form::parse(&body);
    let result = match (is_post, segments.as_slice()) {
        (false, []) => crate::journey::start_page(&ctx),
        (true, ["start"]) => crate::journey::start(&ctx),
        (false, ["assets", name]) => crate::assets::respond(name).map_err(Failure::from),
        (false, ["address-suggestions"]) => crate::journey::suggestions(request.uri().query()),
        (true, ["housekeeping", "run"]) => crate::housekeeping::run(&ctx),
        (post, page) => crate::journey::journey(&ctx, post, page, &form).await,
    };
    match result {
        Ok(response) => Ok(response),
        Err(e) => {
            // The error names the failing operation and key, never what was entered.
            eprintln!(
                "report-speeding: {} {}: {e}",
                if is_post { "POST" } else { "GET" },
                route_name(&segments)
            );
            respond::problem_page(&ctx.council)
        }
    }
}

/// The route without identifiers, for logs.
fn route_name(segments: &[&str]) -> String {
    match segments {
        ["question", _] => "/question/*".into(),
        ["assets", _] => "/assets/*".into(),
        other => format!("/{}", other.join("/")),
    }
}

/// How long a journey's answers are kept after its last change: `draft_ttl_seconds`,
/// or [`model::DRAFT_TTL_SECONDS`].
pub fn draft_ttl() -> u64 {
    store::setting("draft_ttl_seconds")
        .and_then(|v| v.trim().parse().ok())
        .filter(|seconds| *seconds > 0)
        .unwrap_or(model::DRAFT_TTL_SECONDS)
}

/// The council's name for page headers.
pub fn council_name() -> String {
    store::setting("council_name").unwrap_or_else(|| "Your council".into())
}

/// An error that stops the request: a store failure or a capability failure.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure(e.to_string())
    }
}

impl From<wstd::http::Error> for Failure {
    fn from(e: wstd::http::Error) -> Self {
        Failure(format!("building the response: {e}"))
    }
}

/// A page, or the failure that stopped it.
pub type PageResult = Result<wstd::http::Response<Body>, Failure>;

/// Per-request context.
#[derive(Debug)]
pub struct Ctx {
    /// Journeys in progress.
    pub drafts: Store,
    /// Submitted reports.
    pub reports: Store,
    /// The council's name for page headers.
    pub council: String,
    /// The id in the journey's cookie, if it is a well-formed one.
    pub draft_id: Option<String>,
    /// Whether the page was requested over HTTPS (the cookie is then `Secure`).
    pub secure: bool,
    /// The client's address key (see [`client`]).
    pub client: Option<String>,
}

impl Ctx {
    fn new(request: &Request<Body>) -> Result<Self, Failure> {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let draft_id = header("cookie").and_then(|cookies| {
            cookies.split(';').find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == COOKIE && model::is_draft_id(v)).then(|| v.to_string())
            })
        });
        let secure = request.uri().scheme_str() == Some("https")
            || header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
        let proxy_header =
            store::setting("client_ip_header").map(|h| h.trim().to_ascii_lowercase());
        let client = client::client_key(
            header("spin-client-addr").as_deref(),
            proxy_header.as_deref().and_then(header).as_deref(),
        );
        Ok(Self {
            drafts: Store::open(DRAFTS_STORE)?,
            reports: Store::open(REPORTS_STORE)?,
            council: council_name(),
            draft_id,
            secure,
            client,
        })
    }

    /// A layout with this council's name.
    pub fn layout<'a>(&'a self, title: &'a str) -> Layout<'a> {
        Layout {
            title,
            council: &self.council,
            ..Default::default()
        }
    }

    /// The token the journey's forms carry (empty without a journey cookie).
    pub fn form_token(&self) -> String {
        self.draft_id
            .as_deref()
            .map(model::form_token)
            .unwrap_or_default()
    }

    /// The journey's stored draft, if the cookie names a live one.
    pub fn draft(&self) -> Result<Option<Draft>, Failure> {
        let Some(id) = &self.draft_id else {
            return Ok(None);
        };
        let draft: Option<Draft> = self.drafts.get(&keys::draft(id))?;
        Ok(draft.filter(|d| d.updated_at + draft_ttl() >= store::now()))
    }

    /// Stores the draft (the first save creates it).
    pub fn save(&self, draft: &mut Draft) -> Result<(), Failure> {
        let Some(id) = &self.draft_id else {
            return Err(Failure("saving a draft without a journey cookie".into()));
        };
        draft.updated_at = store::now();
        Ok(self.drafts.set(&keys::draft(id), draft)?)
    }

    /// Counts a new journey for this client; `false` when the client has started
    /// `max_new_drafts_per_client` in the current window already.
    pub fn may_start_draft(&self) -> Result<bool, Failure> {
        let limit: i64 = store::setting("max_new_drafts_per_client")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_NEW_DRAFTS_PER_CLIENT);
        if limit <= 0 {
            return Ok(true);
        }
        let window = store::now() / model::NEW_DRAFT_WINDOW_SECONDS;
        let client = self.client.as_deref().unwrap_or("unknown");
        let started = self
            .drafts
            .increment(&keys::new_drafts(client, window), 1)?;
        Ok(started <= limit)
    }
}

/// The page for a client that has started too many journeys.
pub fn too_many_drafts(ctx: &Ctx) -> PageResult {
    let minutes = model::NEW_DRAFT_WINDOW_SECONDS / 60;
    let content = format!(
        r#"<h1 class="govuk-heading-l">Too many reports have been started from your network</h1>
<p class="govuk-body">To protect the service, we limit how many reports can be started from one internet connection. Try again in {minutes} minutes.</p>"#
    );
    Ok(respond::html(
        StatusCode::TOO_MANY_REQUESTS,
        html::page(&ctx.layout("Too many reports started"), &content),
    )?)
}
