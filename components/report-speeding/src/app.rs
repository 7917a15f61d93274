//! The routes: the citizen journey, the type-ahead endpoint, the assets, the outbox run
//! and the staff view.

use std::collections::BTreeMap;

use serde_json::json;
use wstd::http::{Body, Request, Response, StatusCode};

use crate::bindings::council::address::lookup;
use crate::bindings::council::parish::{areas, routing};
use crate::delivery::constant_time_eq;
use crate::form::{self, Form};
use crate::html::{
    self, BASE, Choice, Choices, FieldError, Input, Layout, SummaryRow, Textarea, escape,
};
use crate::model::{
    self, AnsweredQuestion, ChosenAddress, Details, Draft, OutboxEntry, Recipient, Report, Status,
    keys,
};
use crate::outbox::{self, Settings};
use crate::platform::{self, Store, StoreError};

/// The routing category of this service.
const CATEGORY: &str = "speeding-traffic";
/// The draft cookie (strictly necessary: it holds only the draft's random id).
const COOKIE: &str = "rs_draft";
/// Most bytes of form body read.
const MAX_BODY: usize = 32 * 1024;
/// The staff token the demo manifest ships with; the staff view warns while it is used.
const DEMO_STAFF_TOKEN: &str = "demo-staff-token-change-me";

type HttpResult = Result<Response<Body>, wstd::http::Error>;

/// Handles one request.
pub async fn handle(mut request: Request<Body>) -> HttpResult {
    let path = request.uri().path().to_string();
    let rest = path
        .strip_prefix(BASE)
        .unwrap_or(&path)
        .trim_end_matches('/')
        .to_string();
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let is_post = request.method() == wstd::http::Method::POST;
    let body = if is_post {
        match request.body_mut().contents().await {
            Ok(bytes) if bytes.len() <= MAX_BODY => bytes.to_vec(),
            Ok(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "The form was too large."),
            Err(_) => return plain(StatusCode::BAD_REQUEST, "The form could not be read."),
        }
    } else {
        Vec::new()
    };
    let ctx = match Ctx::new(&request) {
        Ok(ctx) => ctx,
        Err(e) => return service_unavailable(&e),
    };
    let form = Form::parse(&body);
    let result = match (is_post, segments.as_slice()) {
        (false, []) => start_page(&ctx),
        (true, ["start"]) => start(&ctx),
        (false, ["assets", name]) => asset(name),
        (false, ["address-suggestions"]) => suggestions(request.uri().query()),
        (true, ["outbox", "run"]) => outbox_run(&ctx).await,
        (false, ["staff", "reports"]) => staff_list(&ctx, request.uri().query()),
        (false, ["staff", "reports", reference]) => staff_report(&ctx, reference),
        (true, ["staff", "reports", reference, "retry"]) => staff_retry(&ctx, reference).await,
        (_, ["outbox", ..]) | (_, ["staff", ..]) => {
            plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.").map_err(fail)
        }
        (post, page) => journey(&ctx, post, page, &form).await,
    };
    match result {
        Ok(response) => Ok(response),
        Err(e) => {
            // The error names the failing operation, never the request's contents.
            eprintln!(
                "report-speeding: {} {}: {e}",
                if is_post { "POST" } else { "GET" },
                route_name(&segments)
            );
            service_unavailable(&e)
        }
    }
}

/// The route without identifiers, for logs.
fn route_name(segments: &[&str]) -> String {
    match segments {
        ["staff", "reports", _, rest @ ..] => format!("/staff/reports/*/{}", rest.join("/")),
        ["question", _] => "/question/*".into(),
        other => format!("/{}", other.join("/")),
    }
}

/// Per-request context.
struct Ctx {
    store: Store,
    council: String,
    draft_id: Option<String>,
    secure: bool,
    authorization: Option<String>,
}

/// An error that stops the request: a store failure or a capability failure.
#[derive(Debug)]
struct Failure(String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure(e.0)
    }
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure(format!("building the response: {e}"))
}

type PageResult = Result<Response<Body>, Failure>;

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
                (k == COOKIE && v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| v.to_string())
            })
        });
        let secure = request.uri().scheme_str() == Some("https")
            || header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
        Ok(Self {
            store: Store::open()?,
            council: platform::setting("council_name").unwrap_or_else(|| "Trafford Council".into()),
            draft_id,
            secure,
            authorization: header("authorization"),
        })
    }

    fn layout<'a>(&'a self, title: &'a str) -> Layout<'a> {
        Layout {
            title,
            council: &self.council,
            ..Default::default()
        }
    }

    /// The journey's draft, if the cookie names a live one.
    fn draft(&self) -> Result<Option<(String, Draft)>, Failure> {
        let Some(id) = &self.draft_id else {
            return Ok(None);
        };
        let draft: Option<Draft> = self.store.get(&keys::draft(id))?;
        Ok(draft
            .filter(|d| d.updated_at + model::DRAFT_TTL_SECONDS >= platform::now())
            .map(|d| (id.clone(), d)))
    }

    fn save(&self, id: &str, draft: &mut Draft) -> Result<(), Failure> {
        draft.updated_at = platform::now();
        Ok(self.store.set(&keys::draft(id), draft)?)
    }

    /// Whether the request carries the staff token.
    fn is_staff(&self) -> bool {
        let Some(expected) = platform::setting("staff_token") else {
            return false;
        };
        let Some(given) = self
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
        else {
            return false;
        };
        constant_time_eq(given.trim().as_bytes(), expected.as_bytes())
    }
}

// ---- responses ----

fn security_headers(builder: wstd::http::response::Builder) -> wstd::http::response::Builder {
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

fn html_response(status: StatusCode, page: String) -> PageResult {
    security_headers(Response::builder())
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(page))
        .map_err(fail)
}

fn redirect(location: &str) -> PageResult {
    security_headers(Response::builder())
        .status(StatusCode::SEE_OTHER)
        .header("location", location)
        .body(Body::empty())
        .map_err(fail)
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> PageResult {
    security_headers(Response::builder())
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(html::json_for_html(value)))
        .map_err(fail)
}

fn plain(status: StatusCode, text: &str) -> HttpResult {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Body::from(text.to_string()))
        .map_err(Into::into)
}

fn service_unavailable(_e: &Failure) -> HttpResult {
    let page = html::page(
        &Layout {
            title: "Sorry, there is a problem with the service",
            council: "Your council",
            ..Default::default()
        },
        r#"<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>
<p class="govuk-body">Try again later.</p>
<p class="govuk-body">If you have already sent a report, it has been kept: you do not need to send it again.</p>"#,
    );
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(page))
        .map_err(Into::into)
}

fn asset(name: &str) -> PageResult {
    match crate::assets::get(name) {
        Some((content_type, bytes)) => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", content_type)
            .header("cache-control", "public, max-age=3600")
            .header("x-content-type-options", "nosniff")
            .body(Body::from(bytes))
            .map_err(fail),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::from("Not found."))
            .map_err(fail),
    }
}

// ---- the start page ----

fn start_page(ctx: &Ctx) -> PageResult {
    let content = format!(
        r#"<h1 class="govuk-heading-xl">Report speeding traffic</h1>
<p class="govuk-body">Use this service to tell the council about vehicles speeding on a road near you.</p>
<p class="govuk-body">We will ask you:</p>
<ul class="govuk-list govuk-list--bullet">
<li>for the address nearest to where the speeding happens</li>
<li>three questions about the road, so we can send your report to the right council</li>
<li>where on the road and when it happens, and which vehicles speed</li>
</ul>
<p class="govuk-body">Your report goes to your parish or town council if it can act on it, otherwise to {council}.</p>
<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> If someone is in danger now, call 999.</strong>
</div>
<form method="post" action="{BASE}/start">
<button type="submit" class="govuk-button govuk-button--start" data-module="govuk-button">Start now
<svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg>
</button>
</form>"#,
        council = escape(&ctx.council),
    );
    html_response(
        StatusCode::OK,
        html::page(&ctx.layout("Report speeding traffic"), &content),
    )
}

fn start(ctx: &Ctx) -> PageResult {
    let id = platform::random_id();
    let now = platform::now();
    let mut draft = Draft {
        token: platform::random_id(),
        created_at: now,
        ..Default::default()
    };
    ctx.save(&id, &mut draft)?;
    let cookie = format!(
        "{COOKIE}={id}; Path={BASE}; HttpOnly; SameSite=Lax; Max-Age={}{}",
        model::DRAFT_TTL_SECONDS,
        if ctx.secure { "; Secure" } else { "" }
    );
    security_headers(Response::builder())
        .status(StatusCode::SEE_OTHER)
        .header("location", format!("{BASE}/postcode"))
        .header("set-cookie", cookie)
        .body(Body::empty())
        .map_err(fail)
}

// ---- the journey ----

/// The routing questions, from `council:parish/routing`.
fn questions() -> Result<Vec<routing::Question>, Failure> {
    match routing::questions(CATEGORY) {
        Ok(Some(set)) => Ok(set.questions),
        Ok(None) => Err(Failure(format!(
            "the routing rules have no category {CATEGORY}"
        ))),
        Err(e) => Err(Failure(format!("routing questions: {e:?}"))),
    }
}

/// The first page whose answer is missing.
fn next_step(draft: &Draft, questions: &[routing::Question]) -> String {
    if draft.submitted.is_some() {
        return format!("{BASE}/confirmation");
    }
    if draft.address.is_none() {
        return format!("{BASE}/postcode");
    }
    for q in questions {
        if !draft.answers.contains_key(&q.id) {
            return format!("{BASE}/question/{}", q.id);
        }
    }
    if draft.details.is_none() {
        return format!("{BASE}/details");
    }
    format!("{BASE}/check")
}

/// The page before `page`, for the back link.
fn previous(page: &str, questions: &[routing::Question]) -> String {
    let mut order = vec!["postcode".to_string()];
    order.extend(questions.iter().map(|q| format!("question/{}", q.id)));
    order.push("details".into());
    order.push("check".into());
    let at = order.iter().position(|p| p == page).unwrap_or(0);
    if at == 0 {
        format!("{BASE}/")
    } else {
        format!("{BASE}/{}", order[at - 1])
    }
}

fn session_expired(ctx: &Ctx) -> PageResult {
    let content = format!(
        r#"<h1 class="govuk-heading-l">Your answers have not been kept</h1>
<p class="govuk-body">We keep your answers for 2 hours after your last change, and we need a cookie to do so. Your answers have been deleted, or your browser did not send the cookie.</p>
<p class="govuk-body">If you sent a report, it has been kept: you do not need to send it again.</p>
<form method="post" action="{BASE}/start"><button type="submit" class="govuk-button" data-module="govuk-button">Start again</button></form>"#
    );
    html_response(
        StatusCode::OK,
        html::page(&ctx.layout("Your answers have not been kept"), &content),
    )
}

async fn journey(ctx: &Ctx, post: bool, page: &[&str], form: &Form) -> PageResult {
    let Some((id, mut draft)) = ctx.draft()? else {
        return session_expired(ctx);
    };
    if post && !constant_time_eq(form.get("token").as_bytes(), draft.token.as_bytes()) {
        return html_response(
            StatusCode::FORBIDDEN,
            html::page(
                &ctx.layout("The form has expired"),
                &format!(
                    r#"<h1 class="govuk-heading-l">The form has expired</h1><p class="govuk-body"><a class="govuk-link" href="{BASE}/">Start again</a>.</p>"#
                ),
            ),
        );
    }
    let questions = questions()?;
    if draft.submitted.is_some() && !matches!(page, ["confirmation"] | ["submit"]) {
        return redirect(&format!("{BASE}/confirmation"));
    }
    match (post, page) {
        (false, ["postcode"]) => postcode_page(
            ctx,
            &draft,
            &questions,
            draft.postcode.as_deref().unwrap_or(""),
            &[],
        ),
        (true, ["postcode"]) => match form::check_postcode(form.get("postcode")) {
            Err(e) => postcode_page(ctx, &draft, &questions, form.get("postcode"), &[e]),
            Ok(postcode) => {
                let found = addresses_at(&postcode)?;
                if found.is_empty() {
                    let e = FieldError::new(
                        "postcode",
                        format!(
                            "We could not find any addresses for {postcode}: check the postcode, or enter the postcode of a nearby address"
                        ),
                    );
                    return postcode_page(ctx, &draft, &questions, &postcode, &[e]);
                }
                draft.postcode = Some(postcode);
                ctx.save(&id, &mut draft)?;
                redirect(&format!("{BASE}/address"))
            }
        },
        (false, ["address"]) => {
            let Some(postcode) = draft.postcode.clone() else {
                return redirect(&format!("{BASE}/postcode"));
            };
            let selected = draft
                .address
                .as_ref()
                .map(|a| a.uprn.to_string())
                .unwrap_or_default();
            select_page(ctx, &draft, &postcode, &selected, &[])
        }
        (true, ["address"]) => {
            // From the select list (no JavaScript) or the type-ahead (`via=typeahead`).
            let typeahead = form.get("via") == "typeahead";
            let chosen = form
                .get("uprn")
                .parse::<u64>()
                .ok()
                .map(address_by_uprn)
                .transpose()?
                .flatten();
            match chosen {
                Some(address) => {
                    draft.postcode = address.postcode.clone().or(draft.postcode.take());
                    draft.address = Some(address);
                    ctx.save(&id, &mut draft)?;
                    redirect(&next_step(&draft, &questions))
                }
                None if typeahead => {
                    let e = FieldError::new(
                        "typeahead-input",
                        "Select an address from the list, or find the address by its postcode",
                    );
                    postcode_page(ctx, &draft, &questions, "", &[e])
                }
                None => {
                    let Some(postcode) = draft.postcode.clone() else {
                        return redirect(&format!("{BASE}/postcode"));
                    };
                    select_page(
                        ctx,
                        &draft,
                        &postcode,
                        "",
                        &[FieldError::new("uprn", "Select the address")],
                    )
                }
            }
        }
        (post, ["question", qid]) => {
            let Some(question) = questions.iter().find(|q| q.id == *qid) else {
                return not_found(ctx);
            };
            if draft.address.is_none() {
                return redirect(&next_step(&draft, &questions));
            }
            if !post {
                let current = draft.answers.get(*qid).cloned().unwrap_or_default();
                return question_page(ctx, &draft, &questions, question, &current, None);
            }
            let value = form.get("answer");
            if question.options.iter().any(|o| o.value == value) {
                draft.answers.insert(question.id.clone(), value.to_string());
                ctx.save(&id, &mut draft)?;
                redirect(&next_step(&draft, &questions))
            } else {
                let message = format!("Select an answer to: {}", question.text);
                question_page(ctx, &draft, &questions, question, "", Some(&message))
            }
        }
        (false, ["details"]) => {
            let details = draft.details.clone().unwrap_or_default();
            details_page(ctx, &draft, &questions, &details, &[])
        }
        (true, ["details"]) => {
            let (details, errors) = form::check_details(form);
            if !errors.is_empty() {
                return details_page(ctx, &draft, &questions, &details, &errors);
            }
            draft.details = Some(details);
            ctx.save(&id, &mut draft)?;
            redirect(&next_step(&draft, &questions))
        }
        (false, ["check"]) => {
            let next = next_step(&draft, &questions);
            if !next.ends_with("/check") {
                return redirect(&next);
            }
            check_page(ctx, &draft, &questions)
        }
        (true, ["submit"]) => submit(ctx, &id, draft, &questions).await,
        (false, ["confirmation"]) => confirmation_page(ctx, &draft),
        _ => not_found(ctx),
    }
}

fn not_found(ctx: &Ctx) -> PageResult {
    let content = format!(
        r#"<h1 class="govuk-heading-l">Page not found</h1><p class="govuk-body">If you typed the web address, check it is correct.</p><p class="govuk-body"><a class="govuk-link" href="{BASE}/">Report speeding traffic</a></p>"#
    );
    html_response(
        StatusCode::NOT_FOUND,
        html::page(&ctx.layout("Page not found"), &content),
    )
}

fn lookup_options(max: u32) -> lookup::QueryOptions {
    lookup::QueryOptions {
        datasets: vec![lookup::Dataset::Dpa],
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: max,
        sort: lookup::SortOrder::AddressOrder,
    }
}

fn chosen(address: &lookup::Address) -> ChosenAddress {
    ChosenAddress {
        uprn: address.uprn,
        single_line: address.single_line.clone(),
        postcode: address.postcode.clone(),
        longitude: address.location.wgs84.longitude,
        latitude: address.location.wgs84.latitude,
    }
}

fn addresses_at(postcode: &str) -> Result<Vec<ChosenAddress>, Failure> {
    match lookup::by_postcode(postcode, &lookup_options(1000)) {
        Ok(page) => Ok(page.results.iter().map(|m| chosen(&m.address)).collect()),
        Err(lookup::Error::InvalidPostcode(_)) => Ok(Vec::new()),
        Err(e) => Err(Failure(format!(
            "address lookup by postcode: {}",
            lookup_error_kind(&e)
        ))),
    }
}

fn address_by_uprn(uprn: u64) -> Result<Option<ChosenAddress>, Failure> {
    match lookup::by_uprn(uprn, &lookup_options(0)) {
        Ok(found) => Ok(found.first().map(chosen)),
        Err(e) => Err(Failure(format!(
            "address lookup by UPRN: {}",
            lookup_error_kind(&e)
        ))),
    }
}

fn lookup_error_kind(e: &lookup::Error) -> &'static str {
    match e {
        lookup::Error::InvalidPostcode(_) => "invalid postcode",
        lookup::Error::InvalidQuery(_) => "invalid query",
        lookup::Error::OutOfRange(_) => "out of range",
        lookup::Error::IndexUnavailable(_) => "the address index is unavailable",
        lookup::Error::Other(_) => "other error",
    }
}

fn postcode_page(
    ctx: &Ctx,
    draft: &Draft,
    questions: &[routing::Question],
    postcode: &str,
    errors: &[FieldError],
) -> PageResult {
    let back = previous("postcode", questions);
    let typeahead_error = html::error_for(errors, "typeahead-input");
    let postcode_form = format!(
        "{}{}{}</form>",
        html::form_start(&format!("{BASE}/postcode"), &draft.token),
        Input {
            name: "postcode",
            label: "Postcode",
            hint: Some("For example, M31 4AN"),
            value: postcode,
            error: html::error_for(errors, "postcode"),
            classes: "govuk-input--width-10",
            autocomplete: "postal-code",
            no_spellcheck: true,
            ..Default::default()
        }
        .render(),
        html::button("Find address")
    );
    let content = format!(
        r#"<h1 class="govuk-heading-l">Find the address nearest to the speeding</h1>
<p class="govuk-body">We use the address to work out which council can act on your report.</p>
<div id="typeahead"{hidden}>
<form method="post" action="{BASE}/address" novalidate>
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="via" value="typeahead">
<input type="hidden" name="uprn" id="typeahead-uprn" value="">
<div class="govuk-form-group{group_error}">
<label class="govuk-label govuk-label--s" for="typeahead-input">Address</label>
<div id="typeahead-hint" class="govuk-hint">Start typing the address, for example 1 Moor Drive Partington</div>
{error}
<div id="typeahead-container"></div>
</div>
{button}
</form>
<p class="govuk-body">Or find the address by its postcode.</p>
</div>
{postcode_form}"#,
        hidden = if typeahead_error.is_some() { "" } else { " hidden" },
        token = escape(&draft.token),
        group_error = if typeahead_error.is_some() { " govuk-form-group--error" } else { "" },
        error = typeahead_error
            .map(|m| format!(
                r#"<p id="typeahead-input-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>"#,
                escape(m)
            ))
            .unwrap_or_default(),
        button = html::button("Continue"),
    );
    let mut layout = ctx.layout("Find the address nearest to the speeding");
    layout.back = Some(&back);
    layout.errors = errors;
    layout.scripts = &["accessible-autocomplete.min.js", "typeahead.js"];
    layout.styles = &["accessible-autocomplete.min.css", "report-speeding.css"];
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    html_response(status, html::page(&layout, &content))
}

fn select_page(
    ctx: &Ctx,
    draft: &Draft,
    postcode: &str,
    selected: &str,
    errors: &[FieldError],
) -> PageResult {
    let found = addresses_at(postcode)?;
    let error = html::error_for(errors, "uprn");
    let mut options = format!(
        r#"<option value="">{} {} found</option>"#,
        found.len(),
        if found.len() == 1 {
            "address"
        } else {
            "addresses"
        }
    );
    for a in &found {
        let value = a.uprn.to_string();
        options.push_str(&format!(
            r#"<option value="{value}"{sel}>{label}</option>"#,
            sel = if value == selected { " selected" } else { "" },
            label = escape(&a.single_line),
        ));
    }
    let content = format!(
        r#"{form}
<div class="govuk-form-group{group_error}">
<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="uprn">Select the address</label></h1>
<p class="govuk-body">Postcode: <strong>{postcode}</strong> <a class="govuk-link" href="{BASE}/postcode">Change<span class="govuk-visually-hidden"> postcode</span></a></p>
{error}
<select class="govuk-select{select_error}" id="uprn" name="uprn"{described}>
{options}
</select>
</div>
{button}
</form>"#,
        form = html::form_start(&format!("{BASE}/address"), &draft.token),
        group_error = if error.is_some() { " govuk-form-group--error" } else { "" },
        postcode = escape(postcode),
        error = error
            .map(|m| format!(
                r#"<p id="uprn-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>"#,
                escape(m)
            ))
            .unwrap_or_default(),
        select_error = if error.is_some() { " govuk-select--error" } else { "" },
        described = if error.is_some() { r#" aria-describedby="uprn-error""# } else { "" },
        button = html::button("Continue"),
    );
    let back = format!("{BASE}/postcode");
    let mut layout = ctx.layout("Select the address");
    layout.back = Some(&back);
    layout.errors = errors;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    html_response(status, html::page(&layout, &content))
}

fn question_page(
    ctx: &Ctx,
    draft: &Draft,
    questions: &[routing::Question],
    question: &routing::Question,
    current: &str,
    error: Option<&str>,
) -> PageResult {
    let errors: Vec<FieldError> = error
        .map(|m| vec![FieldError::new("answer", m)])
        .unwrap_or_default();
    let back = previous(&format!("question/{}", question.id), questions);
    let content = format!(
        "{}{}{}</form>",
        html::form_start(&format!("{BASE}/question/{}", question.id), &draft.token),
        Choices {
            name: "answer",
            legend: &question.text,
            is_heading: true,
            hint: question.hint.as_deref(),
            items: question
                .options
                .iter()
                .map(|o| Choice {
                    value: &o.value,
                    label: &o.label,
                    hint: o.hint.as_deref(),
                })
                .collect(),
            selected: vec![current],
            error,
            multiple: false,
        }
        .render(),
        html::button("Continue"),
    );
    let mut layout = ctx.layout(&question.text);
    layout.back = Some(&back);
    layout.errors = &errors;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    html_response(status, html::page(&layout, &content))
}

fn details_page(
    ctx: &Ctx,
    draft: &Draft,
    questions: &[routing::Question],
    details: &Details,
    errors: &[FieldError],
) -> PageResult {
    if draft.address.is_none() || questions.iter().any(|q| !draft.answers.contains_key(&q.id)) {
        return redirect(&next_step(draft, questions));
    }
    let content = format!(
        r#"<h1 class="govuk-heading-l">Tell us about the speeding</h1>
{form}{location}{when}{vehicles}{description}{button}</form>"#,
        form = html::form_start(&format!("{BASE}/details"), &draft.token),
        location = Input {
            name: "location",
            label: "Where on the road does the speeding happen?",
            hint: Some("For example, between the school and the junction with Moss Lane"),
            value: &details.location,
            error: html::error_for(errors, "location"),
            ..Default::default()
        }
        .render(),
        when = Input {
            name: "when",
            label: "When does it happen?",
            hint: Some("For example, weekday mornings between 8am and 9am"),
            value: &details.when,
            error: html::error_for(errors, "when"),
            ..Default::default()
        }
        .render(),
        vehicles = Choices {
            name: "vehicles",
            legend: "Which vehicles speed?",
            is_heading: false,
            hint: Some("Select all that apply"),
            items: model::VEHICLES
                .iter()
                .map(|(v, l)| Choice {
                    value: v,
                    label: l,
                    hint: None
                })
                .collect(),
            selected: details.vehicles.iter().map(String::as_str).collect(),
            error: html::error_for(errors, "vehicles"),
            multiple: true,
        }
        .render(),
        description = Textarea {
            name: "description",
            label: "Describe the speeding",
            hint: Some("Do not include personal information, such as names or number plates"),
            value: &details.description,
            error: html::error_for(errors, "description"),
            max_length: form::MAX_DESCRIPTION,
            rows: 5,
        }
        .render(),
        button = html::button("Continue"),
    );
    let back = previous("details", questions);
    let mut layout = ctx.layout("Tell us about the speeding");
    layout.back = Some(&back);
    layout.errors = errors;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    html_response(status, html::page(&layout, &content))
}

/// Routing (`council:parish`) and the body's contact (`council:contacts`) for an
/// address and answers.
fn decide(
    address: &ChosenAddress,
    answers: &BTreeMap<String, String>,
) -> Result<Recipient, Failure> {
    let point = areas::Point::Wgs84(areas::Wgs84Point {
        longitude: address.longitude,
        latitude: address.latitude,
    });
    let found = areas::areas_at(point, &[]).map_err(|e| Failure(format!("areas: {e:?}")))?;
    let decision = routing::route(&routing::RouteRequest {
        category: CATEGORY.into(),
        answers: answers
            .iter()
            .map(|(k, v)| routing::Answer {
                question_id: k.clone(),
                value: v.clone(),
            })
            .collect(),
        areas: found,
    })
    .map_err(|e| Failure(format!("routing: {e:?}")))?;
    let tier = match decision.tier {
        routing::BodyTier::Parish => "parish",
        routing::BodyTier::District => "district",
        routing::BodyTier::County => "county",
        routing::BodyTier::NotCouncil => "not-council",
    };
    let (area_code, area_name) = decision
        .area
        .as_ref()
        .map(|a| (a.code.clone(), a.name.clone()))
        .unwrap_or_default();
    let mut recipient = Recipient {
        tier: tier.into(),
        body_name: format!("the council for {area_name}"),
        area_code,
        area_name,
        body_id: None,
        email: None,
        rule_id: decision.rule_id,
        reason: decision.reason,
    };
    if decision.area.is_some() {
        let probe = Report {
            reference: String::new(),
            submitted_at: 0,
            status: Status::Queued,
            address: address.clone(),
            answers: Vec::new(),
            details: Details::default(),
            recipient: recipient.clone(),
            delivery: Default::default(),
        };
        // A contacts failure is not fatal: the outbox looks the contact up again.
        if let Ok((email, body)) = outbox::find_contact(&probe) {
            recipient.email = email;
            if let Some((id, name)) = body {
                recipient.body_id = Some(id);
                recipient.body_name = name;
            }
        }
    }
    Ok(recipient)
}

fn answered(draft: &Draft, questions: &[routing::Question]) -> Vec<AnsweredQuestion> {
    questions
        .iter()
        .filter_map(|q| {
            let value = draft.answers.get(&q.id)?;
            let label = q
                .options
                .iter()
                .find(|o| &o.value == value)
                .map(|o| o.label.clone())?;
            Some(AnsweredQuestion {
                id: q.id.clone(),
                question: q.text.clone(),
                value: value.clone(),
                label,
            })
        })
        .collect()
}

fn check_page(ctx: &Ctx, draft: &Draft, questions: &[routing::Question]) -> PageResult {
    let (Some(address), Some(details)) = (&draft.address, &draft.details) else {
        return redirect(&next_step(draft, questions));
    };
    let recipient = decide(address, &draft.answers)?;
    let mut rows = vec![SummaryRow {
        key: "Address",
        value: vec![address.single_line.clone()],
        change: Some((format!("{BASE}/postcode"), "address")),
    }];
    let answers = answered(draft, questions);
    for a in &answers {
        rows.push(SummaryRow {
            key: &a.question,
            value: vec![a.label.clone()],
            change: Some((format!("{BASE}/question/{}", a.id), &a.question)),
        });
    }
    let vehicles: Vec<String> = details
        .vehicles
        .iter()
        .map(|v| model::vehicle_label(v).to_string())
        .collect();
    rows.push(SummaryRow {
        key: "Where on the road",
        value: vec![details.location.clone()],
        change: Some((format!("{BASE}/details#location"), "where on the road")),
    });
    rows.push(SummaryRow {
        key: "When it happens",
        value: vec![details.when.clone()],
        change: Some((format!("{BASE}/details#when"), "when it happens")),
    });
    rows.push(SummaryRow {
        key: "Vehicles",
        value: vec![vehicles.join(", ")],
        change: Some((format!("{BASE}/details#vehicles"), "vehicles")),
    });
    rows.push(SummaryRow {
        key: "Description",
        value: details.description.lines().map(str::to_string).collect(),
        change: Some((format!("{BASE}/details#description"), "description")),
    });
    let content = format!(
        r#"<h1 class="govuk-heading-l">Check your answers before sending your report</h1>
{list}
<h2 class="govuk-heading-m">Who will receive your report</h2>
<p class="govuk-body">We will send your report to <strong id="recipient">{body}</strong>.</p>
<p class="govuk-body">{reason}</p>
<h2 class="govuk-heading-m">Now send your report</h2>
<p class="govuk-body">By sending this report you confirm that, to the best of your knowledge, the details you are providing are correct.</p>
{form}<input type="hidden" name="submission" value="{token}">{button}</form>"#,
        list = html::summary_list(&rows),
        body = escape(&recipient.body_name),
        reason = escape(&recipient.reason),
        form = html::form_start(&format!("{BASE}/submit"), &draft.token),
        token = escape(&draft.token),
        button = html::button("Send report"),
    );
    let back = previous("check", questions);
    let mut layout = ctx.layout("Check your answers before sending your report");
    layout.back = Some(&back);
    html_response(StatusCode::OK, html::page(&layout, &content))
}

/// Submission: the report is stored (outbox entry, then report) before the
/// confirmation is shown; a second POST of the same draft finds the first's reference.
async fn submit(
    ctx: &Ctx,
    draft_id: &str,
    mut draft: Draft,
    questions: &[routing::Question],
) -> PageResult {
    let store = &ctx.store;
    let (Some(address), Some(details)) = (draft.address.clone(), draft.details.clone()) else {
        if let Some(reference) = store.get::<String>(&keys::submission(draft_id))? {
            draft.submitted = Some(reference);
            ctx.save(draft_id, &mut draft)?;
            return redirect(&format!("{BASE}/confirmation"));
        }
        return redirect(&next_step(&draft, questions));
    };
    // 1. Which reference this draft is submitted as: an earlier POST's, or a new one.
    let reference = match store.get::<String>(&keys::submission(draft_id))? {
        Some(reference) => reference,
        None => {
            let mine = loop {
                let candidate = model::reference_from(platform::random_bytes::<8>());
                // Reserve it: the reference key is created only if nobody has it.
                if store
                    .create(&keys::reference(&candidate), &draft_id.to_string())?
                    .is_ok()
                {
                    break candidate;
                }
            };
            match store.create(&keys::submission(draft_id), &mine)? {
                Ok(()) => mine,
                Err(theirs) => {
                    // A concurrent POST of the same draft won; use its reference.
                    store.delete(&keys::reference(&mine))?;
                    theirs.ok_or_else(|| {
                        Failure("a concurrent submission left no reference".into())
                    })?
                }
            }
        }
    };
    // 2. The report and its outbox entry, unless an earlier POST stored them.
    let now = platform::now();
    if store.get_raw(&keys::report(&reference))?.is_none() {
        let recipient = decide(&address, &draft.answers)?;
        let mut report = Report {
            reference: reference.clone(),
            submitted_at: now,
            status: Status::Queued,
            address,
            answers: answered(&draft, questions),
            details,
            recipient,
            delivery: model::Delivery {
                next_attempt_at: now,
                ..Default::default()
            },
        };
        if report.recipient.tier == "not-council" {
            report.status = Status::Failed;
            report.delivery.last_error = Some("routing says no council handles this report".into());
        }
        if report.status == Status::Queued {
            store.set(&keys::outbox(&reference), &OutboxEntry { created_at: now })?;
        }
        if let Err(Some(_)) = store.create(&keys::report(&reference), &report)? {
            // A concurrent POST stored it first: theirs stands.
        }
    }
    // 3. The draft keeps only the reference from now on.
    let mut done = Draft {
        token: draft.token.clone(),
        created_at: draft.created_at,
        submitted: Some(reference.clone()),
        ..Default::default()
    };
    ctx.save(draft_id, &mut done)?;
    // 4. One delivery attempt now, bounded, then a few due reports if nobody swept lately.
    let settings = Settings::load();
    let _ = outbox::attempt(
        store,
        &settings,
        &reference,
        outbox::SUBMIT_ATTEMPT_TIMEOUT,
        false,
    )
    .await;
    outbox::maybe_sweep(store, &settings).await;
    redirect(&format!("{BASE}/confirmation"))
}

fn confirmation_page(ctx: &Ctx, draft: &Draft) -> PageResult {
    let Some(reference) = &draft.submitted else {
        return redirect(&format!("{BASE}/check"));
    };
    let Some(report) = ctx.store.get::<Report>(&keys::report(reference))? else {
        return Err(Failure("the submitted report is missing".into()));
    };
    let sent = match report.status {
        Status::Delivered => format!(
            "We have sent your report to {}.",
            report.recipient.body_name
        ),
        _ => format!(
            "We will send your report to {}.",
            report.recipient.body_name
        ),
    };
    let content = format!(
        r#"<div class="govuk-panel govuk-panel--confirmation">
<h1 class="govuk-panel__title">Report received</h1>
<div class="govuk-panel__body">Your reference number<br><strong id="reference">{reference}</strong></div>
</div>
<p class="govuk-body" id="sent-to">{sent}</p>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body"><span id="body-name">{body}</span> will look at your report. {reason}</p>
<p class="govuk-body">Keep your reference number if you want to ask about your report.</p>
<p class="govuk-body"><a class="govuk-link" href="{BASE}/">Report more speeding</a></p>"#,
        reference = escape(&report.reference),
        sent = escape(&sent),
        body = escape(&report.recipient.body_name),
        reason = escape(&report.recipient.reason),
    );
    html_response(
        StatusCode::OK,
        html::page(&ctx.layout("Report received"), &content),
    )
}

// ---- type-ahead ----

fn suggestions(query: Option<&str>) -> PageResult {
    let form = Form::parse(query.unwrap_or("").as_bytes());
    let text = form.get("q");
    if text.chars().count() < 3 || text.len() > 200 {
        return json_response(StatusCode::OK, &json!({"results": []}));
    }
    let results = match lookup::suggest(text, 10, &lookup_options(10)) {
        Ok(found) => found
            .iter()
            .map(|m| json!({"uprn": m.address.uprn.to_string(), "address": m.address.single_line}))
            .collect::<Vec<_>>(),
        Err(lookup::Error::InvalidQuery(_)) | Err(lookup::Error::InvalidPostcode(_)) => Vec::new(),
        Err(e) => {
            return Err(Failure(format!(
                "address suggestions: {}",
                lookup_error_kind(&e)
            )));
        }
    };
    json_response(StatusCode::OK, &json!({"results": results}))
}

// ---- outbox and staff ----

fn unauthorised() -> PageResult {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header("www-authenticate", "Bearer realm=\"report-speeding staff\"")
        .header("content-type", "text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(
            "Staff only: send the staff token as `Authorization: Bearer <token>`.",
        ))
        .map_err(fail)
}

async fn outbox_run(ctx: &Ctx) -> PageResult {
    if !ctx.is_staff() {
        return unauthorised();
    }
    let settings = Settings::load();
    let mut summary = outbox::run(
        &ctx.store,
        &settings,
        50,
        outbox::RUN_BUDGET,
        outbox::RUN_ATTEMPT_TIMEOUT,
    )
    .await?;
    summary.drafts_removed = outbox::remove_expired_drafts(&ctx.store)?;
    summary.reports_removed = outbox::purge_expired_reports(&ctx.store)?;
    json_response(
        StatusCode::OK,
        &serde_json::to_value(&summary).unwrap_or_default(),
    )
}

fn all_reports(store: &Store) -> Result<Vec<Report>, Failure> {
    let mut reports = Vec::new();
    for key in store.keys_with_prefix(keys::REPORT_PREFIX)? {
        if let Some(report) = store.get::<Report>(&key)? {
            reports.push(report);
        }
    }
    reports.sort_by(|a, b| {
        b.submitted_at
            .cmp(&a.submitted_at)
            .then(a.reference.cmp(&b.reference))
    });
    Ok(reports)
}

fn status_tag(status: Status) -> String {
    let colour = match status {
        Status::Queued => "yellow",
        Status::Delivered => "green",
        Status::Failed => "red",
    };
    html::tag(status.label(), colour)
}

fn staff_layout<'a>(ctx: &'a Ctx, title: &'a str) -> Layout<'a> {
    let mut layout = ctx.layout(title);
    layout.staff = true;
    layout
}

fn staff_list(ctx: &Ctx, query: Option<&str>) -> PageResult {
    if !ctx.is_staff() {
        return unauthorised();
    }
    let reports = all_reports(&ctx.store)?;
    let form = Form::parse(query.unwrap_or("").as_bytes());
    if form.get("format") == "json" {
        let list: Vec<serde_json::Value> = reports
            .iter()
            .map(|r| {
                json!({
                    "reference": r.reference,
                    "status": r.status,
                    "submitted_at": crate::time::rfc3339(r.submitted_at),
                    "recipient": r.recipient.body_name,
                    "attempts": r.delivery.attempts,
                    "next_attempt_at": (r.status == Status::Queued).then(|| crate::time::rfc3339(r.delivery.next_attempt_at)),
                    "last_error": r.delivery.last_error,
                    "delivered_at": r.delivery.delivered_at.map(crate::time::rfc3339),
                    "receipt": r.delivery.receipt,
                })
            })
            .collect();
        return json_response(StatusCode::OK, &json!({"reports": list}));
    }
    let mut rows = String::new();
    for r in &reports {
        rows.push_str(&format!(
            r#"<tr class="govuk-table__row"><th scope="row" class="govuk-table__header"><a class="govuk-link" href="{BASE}/staff/reports/{reference}">{reference}</a></th><td class="govuk-table__cell">{submitted}</td><td class="govuk-table__cell">{body}</td><td class="govuk-table__cell">{status}</td><td class="govuk-table__cell">{why}</td></tr>"#,
            reference = escape(&r.reference),
            submitted = escape(&crate::time::human(r.submitted_at)),
            body = escape(&r.recipient.body_name),
            status = status_tag(r.status),
            why = escape(&match r.status {
                Status::Delivered => format!("after {} attempt{}", r.delivery.attempts, if r.delivery.attempts == 1 { "" } else { "s" }),
                Status::Queued => match &r.delivery.last_error {
                    Some(e) => format!("{e}; next attempt {}", crate::time::human(r.delivery.next_attempt_at)),
                    None => "waiting for the first attempt".into(),
                },
                Status::Failed => r.delivery.last_error.clone().unwrap_or_default(),
            }),
        ));
    }
    let warning = if platform::setting("staff_token").as_deref() == Some(DEMO_STAFF_TOKEN) {
        r#"<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This service uses the demo staff token. Set the staff_token variable before real use.</strong></div>"#
    } else {
        ""
    };
    let content = format!(
        r#"<h1 class="govuk-heading-l">Speeding reports</h1>
{warning}
<p class="govuk-body">{count} report{s}.</p>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Reports, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Reference</th><th scope="col" class="govuk-table__header">Submitted</th><th scope="col" class="govuk-table__header">Sent to</th><th scope="col" class="govuk-table__header">Status</th><th scope="col" class="govuk-table__header">Details</th></tr></thead>
<tbody class="govuk-table__body">{rows}</tbody>
</table>"#,
        count = reports.len(),
        s = if reports.len() == 1 { "" } else { "s" },
    );
    html_response(
        StatusCode::OK,
        html::page(&staff_layout(ctx, "Speeding reports"), &content),
    )
}

fn staff_report(ctx: &Ctx, reference: &str) -> PageResult {
    if !ctx.is_staff() {
        return unauthorised();
    }
    let report = if model::is_reference(reference) {
        ctx.store.get::<Report>(&keys::report(reference))?
    } else {
        None
    };
    let Some(report) = report else {
        return not_found(ctx);
    };
    let mut rows = vec![
        SummaryRow {
            key: "Status",
            value: vec![report.status.label().into()],
            change: None,
        },
        SummaryRow {
            key: "Submitted",
            value: vec![crate::time::human(report.submitted_at)],
            change: None,
        },
        SummaryRow {
            key: "Sent to",
            value: vec![
                report.recipient.body_name.clone(),
                report
                    .recipient
                    .email
                    .clone()
                    .unwrap_or_else(|| "no contact e-mail address".into()),
            ],
            change: None,
        },
        SummaryRow {
            key: "Why",
            value: vec![report.recipient.reason.clone()],
            change: None,
        },
        SummaryRow {
            key: "Address",
            value: vec![
                report.address.single_line.clone(),
                format!("UPRN {}", report.address.uprn),
            ],
            change: None,
        },
    ];
    for a in &report.answers {
        rows.push(SummaryRow {
            key: &a.question,
            value: vec![a.label.clone()],
            change: None,
        });
    }
    rows.push(SummaryRow {
        key: "Where on the road",
        value: vec![report.details.location.clone()],
        change: None,
    });
    rows.push(SummaryRow {
        key: "When it happens",
        value: vec![report.details.when.clone()],
        change: None,
    });
    rows.push(SummaryRow {
        key: "Vehicles",
        value: vec![
            report
                .details
                .vehicles
                .iter()
                .map(|v| model::vehicle_label(v))
                .collect::<Vec<_>>()
                .join(", "),
        ],
        change: None,
    });
    rows.push(SummaryRow {
        key: "Description",
        value: report
            .details
            .description
            .lines()
            .map(str::to_string)
            .collect(),
        change: None,
    });
    rows.push(SummaryRow {
        key: "Delivery",
        value: vec![
            format!(
                "{} attempt{}",
                report.delivery.attempts,
                if report.delivery.attempts == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            report
                .delivery
                .last_error
                .clone()
                .map(|e| format!("Last error: {e}"))
                .unwrap_or_default(),
            report
                .delivery
                .receipt
                .clone()
                .map(|r| format!("Receipt: {r}"))
                .unwrap_or_default(),
        ],
        change: None,
    });
    let content = format!(
        r#"<span class="govuk-caption-l">Speeding report</span>
<h1 class="govuk-heading-l">{reference}</h1>
{list}
<p class="govuk-body"><a class="govuk-link" href="{BASE}/staff/reports">All reports</a></p>"#,
        reference = escape(&report.reference),
        list = html::summary_list(&rows),
    );
    html_response(
        StatusCode::OK,
        html::page(&staff_layout(ctx, &report.reference), &content),
    )
}

/// Requeues a report (failed, or queued and waiting) and tries it now.
async fn staff_retry(ctx: &Ctx, reference: &str) -> PageResult {
    if !ctx.is_staff() {
        return unauthorised();
    }
    if !model::is_reference(reference) {
        return json_response(StatusCode::NOT_FOUND, &json!({"error": "no such report"}));
    }
    let now = platform::now();
    let (_, requeued) =
        ctx.store
            .compare_and_swap::<Report>(&keys::report(reference), |current| {
                let mut report = current?;
                if report.status == Status::Delivered {
                    return None;
                }
                report.status = Status::Queued;
                report.delivery.next_attempt_at = now;
                Some(report)
            })?;
    if requeued.is_none() {
        return json_response(
            StatusCode::CONFLICT,
            &json!({"error": "the report is delivered or does not exist"}),
        );
    }
    ctx.store
        .set(&keys::outbox(reference), &OutboxEntry { created_at: now })?;
    let result = outbox::attempt(
        &ctx.store,
        &Settings::load(),
        reference,
        outbox::RUN_ATTEMPT_TIMEOUT,
        true,
    )
    .await?;
    json_response(
        StatusCode::OK,
        &json!({"reference": reference, "result": format!("{result:?}")}),
    )
}
