//! The citizen journey's pages, as markup plus data: each function takes what the page
//! shows and returns the whole page; `journey` decides which page, and its status.
//! Everything is written with maud's `html!`, which escapes every value it splices.

use council_areas::Question;
use council_reports::form::MAX_DESCRIPTION;
use council_reports::html::{
    self, BASE, Choice, Choices, FieldError, Input, Markup, SummaryRow, Textarea, html,
};
use council_reports::model::{self, ChosenAddress, Details, Recipient, Report, Status};

use crate::routes::Ctx;

/// The start page.
pub(crate) fn start(ctx: &Ctx) -> Markup {
    let content = html! {
        h1 class="govuk-heading-xl" { "Report speeding traffic" }
        p class="govuk-body" { "Use this service to tell the council about vehicles speeding on a road near you." }
        p class="govuk-body" { "We will ask you:" }
        ul class="govuk-list govuk-list--bullet" {
            li { "for the address nearest to where the speeding happens" }
            li { "three questions about the road, so we can send your report to the right council" }
            li { "where on the road and when it happens, and which vehicles speed" }
        }
        p class="govuk-body" {
            "Your report goes to your parish or town council if it can act on it, otherwise to " (ctx.council) "."
        }
        div class="govuk-warning-text" {
            // The space govuk-frontend's template has between the icon and the text.
            span class="govuk-warning-text__icon" aria-hidden="true" { "!" } " "
            strong class="govuk-warning-text__text" {
                span class="govuk-visually-hidden" { "Warning" } " If someone is in danger now, call 999."
            }
        }
        form method="post" action={ (BASE) "/start" } {
            button type="submit" class="govuk-button govuk-button--start" data-module="govuk-button" {
                "Start now "
                svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false" {
                    path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z" {}
                }
            }
        }
    };
    html::page(&ctx.layout("Report speeding traffic"), content)
}

/// The journey's answers are gone (expired), or the browser sent no cookie.
pub(crate) fn session_expired(ctx: &Ctx) -> Markup {
    let title = "Your answers have not been kept";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" {
            "We keep your answers for a while after your last change, and we need a cookie to do so. Your answers have been deleted, or your browser did not send the cookie."
        }
        p class="govuk-body" { "If you sent a report, it has been kept: you do not need to send it again." }
        form method="post" action={ (BASE) "/start" } {
            button type="submit" class="govuk-button" data-module="govuk-button" { "Start again" }
        }
    };
    html::page(&ctx.layout(title), content)
}

/// A form posted without the journey's token (another site's, or an old page's).
pub(crate) fn form_expired(ctx: &Ctx) -> Markup {
    let title = "The form has expired";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" { a class="govuk-link" href={ (BASE) "/" } { "Start again" } "." }
    };
    html::page(&ctx.layout(title), content)
}

/// No such page.
pub(crate) fn not_found(ctx: &Ctx) -> Markup {
    let title = "Page not found";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" { "If you typed the web address, check it is correct." }
        p class="govuk-body" { a class="govuk-link" href={ (BASE) "/" } { "Report speeding traffic" } }
    };
    html::page(&ctx.layout(title), content)
}

/// A client has started too many journeys in the current window.
pub(crate) fn too_many_drafts(ctx: &Ctx) -> Markup {
    let minutes = model::NEW_DRAFT_WINDOW_SECONDS / 60;
    let content = html! {
        h1 class="govuk-heading-l" { "Too many reports have been started from your network" }
        p class="govuk-body" {
            "To protect the service, we limit how many reports can be started from one internet connection. Try again in "
            (minutes) " minutes."
        }
    };
    html::page(&ctx.layout("Too many reports started"), content)
}

/// Finding the address: the type-ahead (shown by `typeahead.js`, hidden without
/// JavaScript unless it has an error to show) and the postcode form.
pub(crate) fn postcode(ctx: &Ctx, back: &str, postcode: &str, errors: &[FieldError]) -> Markup {
    let title = "Find the address nearest to the speeding";
    let token = ctx.form_token();
    let typeahead_error = html::error_for(errors, "typeahead-input");
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" { "We use the address to work out which council can act on your report." }
        div id="typeahead" hidden[typeahead_error.is_none()] {
            (html::form(&format!("{BASE}/address"), &token, html! {
                input type="hidden" name="via" value="typeahead";
                input type="hidden" name="uprn" id="typeahead-uprn" value="";
                div class={ "govuk-form-group" @if typeahead_error.is_some() { " govuk-form-group--error" } } {
                    label class="govuk-label govuk-label--s" for="typeahead-input" { "Address" }
                    div id="typeahead-hint" class="govuk-hint" {
                        "Start typing the address, for example 1 Moor Drive Partington"
                    }
                    @if let Some(message) = typeahead_error {
                        (html::error_message("typeahead-input", message))
                    }
                    div id="typeahead-container" {}
                }
                (html::button("Continue"))
            }))
            p class="govuk-body" { "Or find the address by its postcode." }
        }
        (html::form(&format!("{BASE}/postcode"), &token, html! {
            (Input {
                name: "postcode",
                label: "Postcode",
                hint: Some("For example, M31 4AN"),
                value: postcode,
                error: html::error_for(errors, "postcode"),
                classes: "govuk-input--width-10",
                autocomplete: "postal-code",
                no_spellcheck: true,
                ..Default::default()
            })
            (html::button("Find address"))
        }))
    };
    let mut layout = ctx.layout(title);
    layout.back = Some(back);
    layout.errors = errors;
    layout.scripts = &["accessible-autocomplete.min.js", "typeahead.js"];
    layout.styles = &["accessible-autocomplete.min.css", "report-speeding.css"];
    html::page(&layout, content)
}

/// Choosing the address from those at the postcode (the journey without JavaScript).
pub(crate) fn select_address(
    ctx: &Ctx,
    postcode: &str,
    found: &[ChosenAddress],
    selected: &str,
    errors: &[FieldError],
) -> Markup {
    let title = "Select the address";
    let error = html::error_for(errors, "uprn");
    let content = html::form(
        &format!("{BASE}/address"),
        &ctx.form_token(),
        html! {
            div class={ "govuk-form-group" @if error.is_some() { " govuk-form-group--error" } } {
                h1 class="govuk-label-wrapper" {
                    label class="govuk-label govuk-label--l" for="uprn" { (title) }
                }
                p class="govuk-body" {
                    "Postcode: " strong { (postcode) } " "
                    a class="govuk-link" href={ (BASE) "/postcode" } {
                        "Change" span class="govuk-visually-hidden" { " postcode" }
                    }
                }
                @if let Some(message) = error {
                    (html::error_message("uprn", message))
                }
                select class={ "govuk-select" @if error.is_some() { " govuk-select--error" } }
                    id="uprn"
                    name="uprn"
                    aria-describedby=[error.is_some().then_some("uprn-error")] {
                    option value="" {
                        (found.len()) " " @if found.len() == 1 { "address" } @else { "addresses" } " found"
                    }
                    @for address in found {
                        @let value = address.uprn.to_string();
                        option value=(value) selected[value == selected] { (address.single_line) }
                    }
                }
            }
            (html::button("Continue"))
        },
    );
    let back = format!("{BASE}/postcode");
    let mut layout = ctx.layout(title);
    layout.back = Some(&back);
    layout.errors = errors;
    html::page(&layout, content)
}

/// One routing question, as radios.
pub(crate) fn question(
    ctx: &Ctx,
    back: &str,
    question: &Question,
    current: &str,
    errors: &[FieldError],
) -> Markup {
    let content = html::form(
        &format!("{BASE}/question/{}", question.id),
        &ctx.form_token(),
        html! {
            (Choices {
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
                error: html::error_for(errors, "answer"),
                multiple: false,
            })
            (html::button("Continue"))
        },
    );
    let mut layout = ctx.layout(&question.text);
    layout.back = Some(back);
    layout.errors = errors;
    html::page(&layout, content)
}

/// Where and when the speeding happens, the vehicles and a description.
pub(crate) fn details(ctx: &Ctx, back: &str, details: &Details, errors: &[FieldError]) -> Markup {
    let title = "Tell us about the speeding";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        (html::form(&format!("{BASE}/details"), &ctx.form_token(), html! {
            (Input {
                name: "location",
                label: "Where on the road does the speeding happen?",
                hint: Some("For example, between the school and the junction with Moss Lane"),
                value: &details.location,
                error: html::error_for(errors, "location"),
                ..Default::default()
            })
            (Input {
                name: "when",
                label: "When does it happen?",
                hint: Some("For example, weekday mornings between 8am and 9am"),
                value: &details.when,
                error: html::error_for(errors, "when"),
                ..Default::default()
            })
            (Choices {
                name: "vehicles",
                legend: "Which vehicles speed?",
                is_heading: false,
                hint: Some("Select all that apply"),
                items: model::VEHICLES
                    .iter()
                    .map(|(value, label)| Choice { value, label, hint: None })
                    .collect(),
                selected: details.vehicles.iter().map(String::as_str).collect(),
                error: html::error_for(errors, "vehicles"),
                multiple: true,
            })
            (Textarea {
                name: "description",
                label: "Describe the speeding",
                hint: Some("Do not include personal information, such as names or number plates"),
                value: &details.description,
                error: html::error_for(errors, "description"),
                max_length: MAX_DESCRIPTION,
                rows: 5,
            })
            (html::button("Continue"))
        }))
    };
    let mut layout = ctx.layout(title);
    layout.back = Some(back);
    layout.errors = errors;
    html::page(&layout, content)
}

/// What the check page summarises: the address, the answered questions and details.
pub(crate) struct Answers<'a> {
    /// The chosen address.
    pub address: &'a ChosenAddress,
    /// Each routing question asked, and the label of the answer given.
    pub questions: &'a [model::AnsweredQuestion],
    /// Where, when, which vehicles and the description.
    pub details: &'a Details,
}

/// Check your answers, who will receive the report, and the button that sends it.
pub(crate) fn check(ctx: &Ctx, back: &str, answers: &Answers<'_>, recipient: &Recipient) -> Markup {
    let title = "Check your answers before sending your report";
    let Answers {
        address,
        questions,
        details,
    } = answers;
    let mut rows = vec![SummaryRow {
        key: "Address",
        value: vec![address.single_line.clone()],
        change: Some((format!("{BASE}/postcode"), "address")),
    }];
    for a in *questions {
        rows.push(SummaryRow {
            key: &a.question,
            value: vec![a.label.clone()],
            change: Some((format!("{BASE}/question/{}", a.id), &a.question)),
        });
    }
    let vehicles: Vec<&str> = details
        .vehicles
        .iter()
        .map(|v| model::vehicle_label(v))
        .collect();
    rows.extend([
        SummaryRow {
            key: "Where on the road",
            value: vec![details.location.clone()],
            change: Some((format!("{BASE}/details#location"), "where on the road")),
        },
        SummaryRow {
            key: "When it happens",
            value: vec![details.when.clone()],
            change: Some((format!("{BASE}/details#when"), "when it happens")),
        },
        SummaryRow {
            key: "Vehicles",
            value: vec![vehicles.join(", ")],
            change: Some((format!("{BASE}/details#vehicles"), "vehicles")),
        },
        SummaryRow {
            key: "Description",
            value: details.description.lines().map(str::to_string).collect(),
            change: Some((format!("{BASE}/details#description"), "description")),
        },
    ]);
    let token = ctx.form_token();
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        (html::summary_list(&rows))
        h2 class="govuk-heading-m" { "Who will receive your report" }
        p class="govuk-body" {
            "We will send your report to " strong id="recipient" { (recipient.body_name) } "."
        }
        p class="govuk-body" { (recipient.reason) }
        h2 class="govuk-heading-m" { "Now send your report" }
        p class="govuk-body" {
            "By sending this report you confirm that, to the best of your knowledge, the details you are providing are correct."
        }
        (html::form(&format!("{BASE}/submit"), &token, html! {
            // The submission's idempotency key (see `submit`).
            input type="hidden" name="submission" value=(token);
            (html::button("Send report"))
        }))
    };
    let mut layout = ctx.layout(title);
    layout.back = Some(back);
    html::page(&layout, content)
}

/// The report was not stored: say so, and offer to send it again.
pub(crate) fn not_sent(ctx: &Ctx) -> Markup {
    let title = "Your report has not been sent";
    let content = html! {
        h1 class="govuk-heading-l" { (title) }
        p class="govuk-body" {
            "Something went wrong on our side and your report was not kept. Your answers are still here."
        }
        (html::form(&format!("{BASE}/submit"), &ctx.form_token(), html::button("Send report again")))
        p class="govuk-body" { "If it does not work, try again later." }
    };
    html::page(&ctx.layout(title), content)
}

/// The confirmation: the reference, and who has the report or will have it shortly.
pub(crate) fn confirmation(ctx: &Ctx, report: &Report) -> Markup {
    let body = &report.recipient.body_name;
    let content = html! {
        div class="govuk-panel govuk-panel--confirmation" {
            h1 class="govuk-panel__title" { "Report received" }
            div class="govuk-panel__body" {
                "Your reference number" br; strong id="reference" { (report.reference) }
            }
        }
        p class="govuk-body" id="sent-to" {
            @if report.status == Status::Delivered {
                "We have sent your report to " (body) "."
            } @else {
                "We will send your report to " (body) " shortly."
            }
        }
        h2 class="govuk-heading-m" { "What happens next" }
        p class="govuk-body" {
            span id="body-name" { (body) } " will look at your report. " (report.recipient.reason)
        }
        p class="govuk-body" { "Keep your reference number if you want to ask about your report." }
        p class="govuk-body" { a class="govuk-link" href={ (BASE) "/" } { "Report more speeding" } }
    };
    html::page(&ctx.layout("Report received"), content)
}
