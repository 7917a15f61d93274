//! The pages of the citizen journey: start, find the address, the routing questions,
//! the details, check your answers and the confirmation, and the type-ahead endpoint.
//!
//! A journey costs nothing in the store until its first answer: "Start now" only sets
//! the cookie, and the forms carry a token derived from the cookie's id
//! ([`model::form_token`]). The first answer creates the draft, if the client's
//! address has not started too many (see [`Ctx::may_start_draft`]).

use std::collections::BTreeMap;

use council_reports::form::{self, Form};
use council_reports::html::{
    self, BASE, Choice, Choices, FieldError, Input, SummaryRow, Textarea, escape,
};
use council_reports::model::{
    self, AnsweredQuestion, ChosenAddress, Details, Draft, Recipient, Report, Status, keys,
};
use council_reports::respond;
use council_reports::store;
use serde_json::json;
use wstd::http::{Body, Response, StatusCode};

use crate::bindings::council::address::lookup;
use crate::bindings::council::contacts::directory;
use crate::bindings::council::parish::{areas, routing};
use crate::routes::{COOKIE, Ctx, Failure, PageResult, too_many_drafts};

/// The routing category of this service.
pub const CATEGORY: &str = "speeding-traffic";

// ---- the start page ----

fn page_response(status: StatusCode, page: String) -> PageResult {
    Ok(respond::html(status, page)?)
}

fn respond_redirect(location: &str) -> PageResult {
    Ok(respond::redirect(location)?)
}

fn respond_json(status: StatusCode, value: &serde_json::Value) -> PageResult {
    Ok(respond::json(status, value)?)
}

pub(crate) fn start_page(ctx: &Ctx) -> PageResult {
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
    page_response(
        StatusCode::OK,
        html::page(&ctx.layout("Report speeding traffic"), &content),
    )
}

/// "Start now": a new journey id in the cookie, and on to the first question. Nothing
/// is stored until the first answer.
pub(crate) fn start(ctx: &Ctx) -> PageResult {
    let id = store::random_id();
    let cookie = format!(
        "{COOKIE}={id}; Path={BASE}; HttpOnly; SameSite=Lax; Max-Age={}{}",
        crate::routes::draft_ttl(),
        if ctx.secure { "; Secure" } else { "" }
    );
    respond::security_headers(Response::builder())
        .status(StatusCode::SEE_OTHER)
        .header("location", format!("{BASE}/postcode"))
        .header("set-cookie", cookie)
        .body(Body::empty())
        .map_err(|e| Failure(format!("building the response: {e}")))
}

// ---- the journey ----

/// The routing questions, from `council:parish/routing`.
pub(crate) fn questions() -> Result<Vec<routing::Question>, Failure> {
    match routing::questions(CATEGORY) {
        Ok(Some(set)) => Ok(set.questions),
        Ok(None) => Err(Failure(format!(
            "the routing rules have no category {CATEGORY}"
        ))),
        Err(e) => Err(Failure(format!("routing questions: {e:?}"))),
    }
}

/// The first page whose answer is missing.
pub(crate) fn next_step(draft: &Draft, questions: &[routing::Question]) -> String {
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

pub(crate) fn session_expired(ctx: &Ctx) -> PageResult {
    let content = format!(
        r#"<h1 class="govuk-heading-l">Your answers have not been kept</h1>
<p class="govuk-body">We keep your answers for a while after your last change, and we need a cookie to do so. Your answers have been deleted, or your browser did not send the cookie.</p>
<p class="govuk-body">If you sent a report, it has been kept: you do not need to send it again.</p>
<form method="post" action="{BASE}/start"><button type="submit" class="govuk-button" data-module="govuk-button">Start again</button></form>"#
    );
    page_response(
        StatusCode::OK,
        html::page(&ctx.layout("Your answers have not been kept"), &content),
    )
}

/// Keeps the draft. The journey's first answer creates it, if the client may start
/// one; `false` when it may not.
fn keep(ctx: &Ctx, draft: &mut Draft, is_new: bool) -> Result<bool, Failure> {
    if is_new && !ctx.may_start_draft()? {
        return Ok(false);
    }
    ctx.save(draft)?;
    Ok(true)
}

pub(crate) async fn journey(ctx: &Ctx, post: bool, page: &[&str], form: &Form) -> PageResult {
    let Some(id) = ctx.draft_id.clone() else {
        return session_expired(ctx);
    };
    let stored = ctx.draft()?;
    let is_new = stored.is_none();
    let mut draft = stored.unwrap_or_else(|| Draft {
        created_at: store::now(),
        ..Default::default()
    });
    if post
        && !model::same_secret(
            form.get("token").as_bytes(),
            model::form_token(&id).as_bytes(),
        )
    {
        return page_response(
            StatusCode::FORBIDDEN,
            html::page(
                &ctx.layout("The form has expired"),
                &format!(
                    r#"<h1 class="govuk-heading-l">The form has expired</h1><p class="govuk-body"><a class="govuk-link" href="{BASE}/">Start again</a>.</p>"#
                ),
            ),
        );
    }
    if is_new && post && !matches!(page, ["postcode"] | ["address"]) {
        // Only the first question can start a journey: any other answer belongs to
        // answers that are gone (expired, or never kept).
        return session_expired(ctx);
    }
    let questions = questions()?;
    if draft.submitted.is_some() && !matches!(page, ["confirmation"] | ["submit"]) {
        return respond_redirect(&format!("{BASE}/confirmation"));
    }
    match (post, page) {
        (false, ["postcode"]) => postcode_page(
            ctx,
            &questions,
            draft.postcode.as_deref().unwrap_or(""),
            &[],
        ),
        (true, ["postcode"]) => match form::check_postcode(form.get("postcode")) {
            Err(e) => postcode_page(ctx, &questions, form.get("postcode"), &[e]),
            Ok(postcode) => {
                let found = addresses_at(&postcode)?;
                if found.is_empty() {
                    let e = FieldError::new(
                        "postcode",
                        format!(
                            "We could not find any addresses for {postcode}: check the postcode, or enter the postcode of a nearby address"
                        ),
                    );
                    return postcode_page(ctx, &questions, &postcode, &[e]);
                }
                draft.postcode = Some(postcode);
                if !keep(ctx, &mut draft, is_new)? {
                    return too_many_drafts(ctx);
                }
                respond_redirect(&format!("{BASE}/address"))
            }
        },
        (false, ["address"]) => {
            let Some(postcode) = draft.postcode.clone() else {
                return respond_redirect(&format!("{BASE}/postcode"));
            };
            let selected = draft
                .address
                .as_ref()
                .map(|a| a.uprn.to_string())
                .unwrap_or_default();
            select_page(ctx, &postcode, &selected, &[])
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
                    if !keep(ctx, &mut draft, is_new)? {
                        return too_many_drafts(ctx);
                    }
                    respond_redirect(&next_step(&draft, &questions))
                }
                None if typeahead => {
                    let e = FieldError::new(
                        "typeahead-input",
                        "Select an address from the list, or find the address by its postcode",
                    );
                    postcode_page(ctx, &questions, "", &[e])
                }
                None => {
                    let Some(postcode) = draft.postcode.clone() else {
                        return respond_redirect(&format!("{BASE}/postcode"));
                    };
                    select_page(
                        ctx,
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
                return respond_redirect(&next_step(&draft, &questions));
            }
            if !post {
                let current = draft.answers.get(*qid).cloned().unwrap_or_default();
                return question_page(ctx, &questions, question, &current, None);
            }
            let value = form.get("answer");
            if question.options.iter().any(|o| o.value == value) {
                draft.answers.insert(question.id.clone(), value.to_string());
                ctx.save(&mut draft)?;
                respond_redirect(&next_step(&draft, &questions))
            } else {
                let message = format!("Select an answer to: {}", question.text);
                question_page(ctx, &questions, question, "", Some(&message))
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
            ctx.save(&mut draft)?;
            respond_redirect(&next_step(&draft, &questions))
        }
        (false, ["check"]) => {
            let next = next_step(&draft, &questions);
            if !next.ends_with("/check") {
                return respond_redirect(&next);
            }
            check_page(ctx, &draft, &questions)
        }
        (true, ["submit"]) => crate::submit::submit(ctx, &id, draft, &questions),
        (false, ["confirmation"]) => confirmation_page(ctx, &draft),
        _ => not_found(ctx),
    }
}

fn not_found(ctx: &Ctx) -> PageResult {
    let content = format!(
        r#"<h1 class="govuk-heading-l">Page not found</h1><p class="govuk-body">If you typed the web address, check it is correct.</p><p class="govuk-body"><a class="govuk-link" href="{BASE}/">Report speeding traffic</a></p>"#
    );
    page_response(
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
    questions: &[routing::Question],
    postcode: &str,
    errors: &[FieldError],
) -> PageResult {
    let back = previous("postcode", questions);
    let typeahead_error = html::error_for(errors, "typeahead-input");
    let postcode_form = format!(
        "{}{}{}</form>",
        html::form_start(&format!("{BASE}/postcode"), &ctx.form_token()),
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
        token = escape(&ctx.form_token()),
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
    page_response(status, html::page(&layout, &content))
}

fn select_page(ctx: &Ctx, postcode: &str, selected: &str, errors: &[FieldError]) -> PageResult {
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
        form = html::form_start(&format!("{BASE}/address"), &ctx.form_token()),
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
    page_response(status, html::page(&layout, &content))
}

fn question_page(
    ctx: &Ctx,
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
        html::form_start(
            &format!("{BASE}/question/{}", question.id),
            &ctx.form_token()
        ),
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
    page_response(status, html::page(&layout, &content))
}

fn details_page(
    ctx: &Ctx,
    draft: &Draft,
    questions: &[routing::Question],
    details: &Details,
    errors: &[FieldError],
) -> PageResult {
    if draft.address.is_none() || questions.iter().any(|q| !draft.answers.contains_key(&q.id)) {
        return respond_redirect(&next_step(draft, questions));
    }
    let content = format!(
        r#"<h1 class="govuk-heading-l">Tell us about the speeding</h1>
{form}{location}{when}{vehicles}{description}{button}</form>"#,
        form = html::form_start(&format!("{BASE}/details"), &ctx.form_token()),
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
    page_response(status, html::page(&layout, &content))
}

/// Routing (`council:parish`) and the body's contact (`council:contacts`) for an
/// address and answers.
pub(crate) fn decide(
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
        contact_pending: false,
        rule_id: decision.rule_id,
        reason: decision.reason,
    };
    if decision.area.is_some() {
        // A contacts failure is not fatal: the report is kept, marked, and the
        // housekeeping looks the contact up again before the outbox sends it.
        match find_contact(&recipient) {
            Ok(found) => apply_contact(&mut recipient, found),
            Err(_) => recipient.contact_pending = true,
        }
    }
    Ok(recipient)
}

/// A contact lookup's answer: the e-mail address, and the body's id and name.
pub(crate) type Contact = (Option<String>, Option<(String, String)>);

/// Puts a contact lookup's answer on the recipient.
pub(crate) fn apply_contact(recipient: &mut Recipient, (email, body): Contact) {
    recipient.email = email;
    recipient.contact_pending = false;
    if let Some((id, name)) = body {
        recipient.body_id = Some(id);
        recipient.body_name = name;
    }
}

/// Looks up the body's e-mail address through `council:contacts/directory`: by the GSS
/// code of the area routing chose, then by the area's name.
pub(crate) fn find_contact(recipient: &Recipient) -> Result<Contact, String> {
    let kind = match recipient.tier.as_str() {
        "parish" => Some(directory::BodyKind::ParishCouncil),
        _ => None,
    };
    let by_code = directory::find_body(&directory::BodyQuery {
        gss_code: Some(recipient.area_code.clone()),
        name: None,
        kind,
    });
    let found = match by_code {
        Ok(Some(answer)) => Some(answer),
        Ok(None) => directory::find_body(&directory::BodyQuery {
            gss_code: None,
            name: Some(recipient.area_name.clone()),
            kind,
        })
        .map_err(contacts_error)?,
        Err(e) => return Err(contacts_error(e)),
    };
    Ok(match found {
        Some(answer) => (
            answer.body.contact.email.clone(),
            Some((answer.body.id, answer.body.name)),
        ),
        None => (None, None),
    })
}

/// A contacts error, by kind (its message may name an upstream URL, never a person).
fn contacts_error(e: directory::Error) -> String {
    match e {
        directory::Error::InvalidQuery(_) => "contact lookup: invalid query".into(),
        directory::Error::UpstreamUnavailable(_) => {
            "contact lookup: the contacts source is unavailable".into()
        }
        directory::Error::UpstreamInvalid(_) => {
            "contact lookup: the contacts source answered wrongly".into()
        }
        directory::Error::NotConfigured(m) => format!("contact lookup: not configured: {m}"),
        directory::Error::Unsupported(_) => "contact lookup: unsupported".into(),
        directory::Error::Other(_) => "contact lookup failed".into(),
    }
}

pub(crate) fn answered(draft: &Draft, questions: &[routing::Question]) -> Vec<AnsweredQuestion> {
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
        return respond_redirect(&next_step(draft, questions));
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
        form = html::form_start(&format!("{BASE}/submit"), &ctx.form_token()),
        token = escape(&ctx.form_token()),
        button = html::button("Send report"),
    );
    let back = previous("check", questions);
    let mut layout = ctx.layout("Check your answers before sending your report");
    layout.back = Some(&back);
    page_response(StatusCode::OK, html::page(&layout, &content))
}

pub(crate) fn confirmation_page(ctx: &Ctx, draft: &Draft) -> PageResult {
    let reference = match (&draft.submitted, &ctx.draft_id) {
        (Some(reference), _) => Some(reference.clone()),
        // Stored, but the draft was not updated (see `submit`).
        (None, Some(id)) => ctx.drafts.get::<String>(&keys::submission(id))?,
        (None, None) => None,
    };
    let Some(reference) = &reference else {
        return respond_redirect(&format!("{BASE}/check"));
    };
    let Some(report) = ctx.reports.get::<Report>(&keys::report(reference))? else {
        return Err(Failure("the submitted report is missing".into()));
    };
    let sent = match report.status {
        Status::Delivered => format!(
            "We have sent your report to {}.",
            report.recipient.body_name
        ),
        _ => format!(
            "We will send your report to {} shortly.",
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
    page_response(
        StatusCode::OK,
        html::page(&ctx.layout("Report received"), &content),
    )
}

// ---- type-ahead ----

pub(crate) fn suggestions(query: Option<&str>) -> PageResult {
    let form = Form::parse(query.unwrap_or("").as_bytes());
    let text = form.get("q");
    if text.chars().count() < 3 || text.len() > 200 {
        return respond_json(StatusCode::OK, &json!({"results": []}));
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
    respond_json(StatusCode::OK, &json!({"results": results}))
}
