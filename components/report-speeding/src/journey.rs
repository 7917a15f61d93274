//! The citizen journey's steps: start, find the address, the routing questions, the
//! details, check your answers and the confirmation. Each step reads the draft, checks
//! what was posted, and answers with a page (`pages`) or a redirect to the next step.
//!
//! A journey costs nothing in the store until its first answer: "Start now" only sets
//! the cookie, and the forms carry a token derived from the cookie's id
//! ([`model::form_token`]). The first answer creates the draft, if the client's
//! address has not started too many (see [`Ctx::may_start_draft`]).

use council_areas::Question;
use council_reports::form::{self, Form};
use council_reports::html::{BASE, FieldError, Markup};
use council_reports::model::{self, Draft, Report, keys};
use council_reports::respond;
use council_reports::store;
use wstd::http::{Body, Response, StatusCode};

use crate::pages;
use crate::recipient::{answered, decide, questions};
use crate::routes::{COOKIE, Ctx, Failure, PageResult};

/// A page, `200 OK`.
fn show(page: Markup) -> PageResult {
    Ok(respond::page(StatusCode::OK, page)?)
}

/// A form page: `400 Bad Request` when it shows errors.
fn show_form(errors: &[FieldError], page: Markup) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(respond::page(status, page)?)
}

fn redirect(location: &str) -> PageResult {
    Ok(respond::redirect(location)?)
}

/// `GET /report-speeding/`.
pub(crate) fn start_page(ctx: &Ctx) -> PageResult {
    show(pages::start(ctx))
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
    Ok(respond::security_headers(Response::builder())
        .status(StatusCode::SEE_OTHER)
        .header("location", format!("{BASE}/postcode"))
        .header("set-cookie", cookie)
        .body(Body::empty())
        .map_err(wstd::http::Error::from)?)
}

/// The answers are gone, or never kept.
pub(crate) fn session_expired(ctx: &Ctx) -> PageResult {
    show(pages::session_expired(ctx))
}

/// The page for a client that has started too many journeys.
pub(crate) fn too_many_drafts(ctx: &Ctx) -> PageResult {
    Ok(respond::page(
        StatusCode::TOO_MANY_REQUESTS,
        pages::too_many_drafts(ctx),
    )?)
}

fn not_found(ctx: &Ctx) -> PageResult {
    Ok(respond::page(StatusCode::NOT_FOUND, pages::not_found(ctx))?)
}

/// The first page whose answer is missing.
pub(crate) fn next_step(draft: &Draft, questions: &[Question]) -> String {
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
fn previous(page: &str, questions: &[Question]) -> String {
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

/// Keeps the draft. The journey's first answer creates it, if the client may start
/// one; `false` when it may not.
fn keep(ctx: &Ctx, draft: &mut Draft, is_new: bool) -> Result<bool, Failure> {
    if is_new && !ctx.may_start_draft()? {
        return Ok(false);
    }
    ctx.save(draft)?;
    Ok(true)
}

/// Every step of the journey: `page` is the path after the base, `post` whether the
/// form was sent.
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
        return Ok(respond::page(
            StatusCode::FORBIDDEN,
            pages::form_expired(ctx),
        )?);
    }
    if is_new && post && !matches!(page, ["postcode"] | ["address"]) {
        // Only the first question can start a journey: any other answer belongs to
        // answers that are gone (expired, or never kept).
        return session_expired(ctx);
    }
    let questions = questions()?;
    if draft.submitted.is_some() && !matches!(page, ["confirmation"] | ["submit"]) {
        return redirect(&format!("{BASE}/confirmation"));
    }
    match (post, page) {
        (false, ["postcode"]) => {
            let postcode = draft.postcode.as_deref().unwrap_or("");
            postcode_page(ctx, &questions, postcode, &[])
        }
        (true, ["postcode"]) => match form::check_postcode(form.get("postcode")) {
            Err(e) => postcode_page(ctx, &questions, form.get("postcode"), &[e]),
            Ok(postcode) => {
                let found = crate::address::at_postcode(&postcode)?;
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
            select_page(ctx, &postcode, &selected, &[])
        }
        (true, ["address"]) => {
            // From the select list (no JavaScript) or the type-ahead (`via=typeahead`).
            let typeahead = form.get("via") == "typeahead";
            let chosen = form
                .get("uprn")
                .parse::<u64>()
                .ok()
                .map(crate::address::by_uprn)
                .transpose()?
                .flatten();
            match chosen {
                Some(address) => {
                    draft.postcode = address.postcode.clone().or(draft.postcode.take());
                    draft.address = Some(address);
                    if !keep(ctx, &mut draft, is_new)? {
                        return too_many_drafts(ctx);
                    }
                    redirect(&next_step(&draft, &questions))
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
                        return redirect(&format!("{BASE}/postcode"));
                    };
                    let e = FieldError::new("uprn", "Select the address");
                    select_page(ctx, &postcode, "", &[e])
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
            let back = previous(&format!("question/{}", question.id), &questions);
            if !post {
                let current = draft.answers.get(*qid).cloned().unwrap_or_default();
                return show(pages::question(ctx, &back, question, &current, &[]));
            }
            let value = form.get("answer");
            if question.options.iter().any(|o| o.value == value) {
                draft.answers.insert(question.id.clone(), value.to_string());
                ctx.save(&mut draft)?;
                redirect(&next_step(&draft, &questions))
            } else {
                let message = format!("Select an answer to: {}", question.text);
                let errors = [FieldError::new("answer", message)];
                show_form(&errors, pages::question(ctx, &back, question, "", &errors))
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
            redirect(&next_step(&draft, &questions))
        }
        (false, ["check"]) => check_page(ctx, &draft, &questions),
        (true, ["submit"]) => crate::submit::submit(ctx, &id, draft, &questions),
        (false, ["confirmation"]) => confirmation_page(ctx, &draft),
        _ => not_found(ctx),
    }
}

fn postcode_page(
    ctx: &Ctx,
    questions: &[Question],
    postcode: &str,
    errors: &[FieldError],
) -> PageResult {
    let back = previous("postcode", questions);
    show_form(errors, pages::postcode(ctx, &back, postcode, errors))
}

fn select_page(ctx: &Ctx, postcode: &str, selected: &str, errors: &[FieldError]) -> PageResult {
    let found = crate::address::at_postcode(postcode)?;
    show_form(
        errors,
        pages::select_address(ctx, postcode, &found, selected, errors),
    )
}

fn details_page(
    ctx: &Ctx,
    draft: &Draft,
    questions: &[Question],
    details: &model::Details,
    errors: &[FieldError],
) -> PageResult {
    if draft.address.is_none() || questions.iter().any(|q| !draft.answers.contains_key(&q.id)) {
        return redirect(&next_step(draft, questions));
    }
    let back = previous("details", questions);
    show_form(errors, pages::details(ctx, &back, details, errors))
}

fn check_page(ctx: &Ctx, draft: &Draft, questions: &[Question]) -> PageResult {
    let next = next_step(draft, questions);
    let (Some(address), Some(details), true) =
        (&draft.address, &draft.details, next.ends_with("/check"))
    else {
        return redirect(&next);
    };
    let recipient = decide(address, &draft.answers)?;
    let answers = answered(draft, questions);
    let back = previous("check", questions);
    let answers = pages::Answers {
        address,
        questions: &answers,
        details,
    };
    show(pages::check(ctx, &back, &answers, &recipient))
}

pub(crate) fn confirmation_page(ctx: &Ctx, draft: &Draft) -> PageResult {
    let reference = match (&draft.submitted, &ctx.draft_id) {
        (Some(reference), _) => Some(reference.clone()),
        // Stored, but the draft was not updated (see `submit`).
        (None, Some(id)) => ctx.drafts.get::<String>(&keys::submission(id))?,
        (None, None) => None,
    };
    let Some(reference) = &reference else {
        return redirect(&format!("{BASE}/check"));
    };
    let Some(report) = ctx.reports.get::<Report>(&keys::report(reference))? else {
        return Err(Failure::SubmittedReportMissing);
    };
    show(pages::confirmation(ctx, &report))
}
