//! Dispatch, and what every request needs: the stores, the settings, the journey's
//! cookie and the client's address.
//!
//! The back office's routes (`/report-speeding/staff/...`, `/report-speeding/outbox/...`)
//! are another component's; spin.toml routes them there.

use council_reports::client;
use council_reports::form::Form;
use council_reports::html::{BASE, Layout};
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
        (false, ["address-suggestions"]) => crate::address::suggestions(request.uri().query()),
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

/// An error that stops the request: a store failure or a capability failure. Each
/// names the failing operation (and key), never what a person entered: it is logged.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A key-value store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The response could not be built.
    #[error("building the response: {0}")]
    Response(#[from] wstd::http::Error),
    /// `council:address/lookup` failed; `kind` is the error's case.
    #[error("{operation}: {kind}")]
    AddressLookup {
        /// What was looked up ("address lookup by postcode", ...).
        operation: &'static str,
        /// The kind of error.
        kind: &'static str,
    },
    /// The routing rules have no questions for this service's category.
    #[error("the routing rules have no category {0}")]
    NoCategory(&'static str),
    /// `council:parish/routing` could not give the questions.
    #[error("routing questions: {0:?}")]
    Questions(council_areas::RouteError),
    /// `council:parish/areas` failed.
    #[error("areas: {0:?}")]
    Areas(council_areas::IndexError),
    /// `council:parish/routing` could not decide.
    #[error("routing: {0:?}")]
    Routing(council_areas::RouteError),
    /// A draft was to be saved for a request without a journey cookie.
    #[error("saving a draft without a journey cookie")]
    NoJourneyCookie,
    /// A draft without its address or details was to be stored as a report.
    #[error("the draft is not complete")]
    IncompleteDraft,
    /// A concurrent submission of the same draft won, but its reference is gone.
    #[error("a concurrent submission left no reference")]
    NoConcurrentReference,
    /// The draft names a report that is not stored.
    #[error("the submitted report is missing")]
    SubmittedReportMissing,
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
            return Err(Failure::NoJourneyCookie);
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
