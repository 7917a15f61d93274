//! The staff pages' markup: every report, and one report. Pure (the reports come in as
//! data), so it builds for any target and is unit-tested natively; `staff` reads the
//! store and sends these pages.

use council_reports::html::{self, BASE, Layout, Markup, SummaryRow, html};
use council_reports::model::{self, Report, Status, keys};
use council_reports::time;

/// A staff page around `content`: the staff navigation and this council's name.
fn staff_page(council: &str, title: &str, content: Markup) -> Markup {
    let layout = Layout {
        title,
        council,
        staff: true,
        ..Default::default()
    };
    html::page(&layout, content)
}

/// A report's status as a tag, in the colour govuk-frontend's tag guidance gives it.
fn status_tag(status: Status) -> Markup {
    let colour = match status {
        Status::Queued => "yellow",
        Status::Delivered => "green",
        Status::Failed => "red",
    };
    html::tag(status.label(), colour)
}

/// "1 attempt", "2 attempts".
fn attempts(count: u32) -> String {
    format!("{count} attempt{}", if count == 1 { "" } else { "s" })
}

/// What the list says about a report's delivery.
fn delivery_note(report: &Report) -> String {
    match report.status {
        Status::Delivered => format!("after {}", attempts(report.delivery.attempts)),
        Status::Queued => match &report.delivery.last_error {
            Some(e) => format!(
                "{e}; next attempt {}",
                time::human(report.delivery.next_attempt_at)
            ),
            None => "waiting for the first attempt".into(),
        },
        Status::Failed => report.delivery.last_error.clone().unwrap_or_default(),
    }
}

/// `GET /report-speeding/staff/reports`: every report, newest first as given, then the
/// keys of those that do not read. `demo_token` adds the warning that the service uses
/// the public demo staff token.
pub fn list(council: &str, reports: &[Report], unreadable: &[String], demo_token: bool) -> Markup {
    let content = html! {
        h1 class="govuk-heading-l" { "Speeding reports" }
        @if demo_token {
            div class="govuk-warning-text" {
                span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
                strong class="govuk-warning-text__text" {
                    span class="govuk-visually-hidden" { "Warning" }
                    " This service uses the demo staff token. Set the staff_token variable before real use."
                }
            }
        }
        p class="govuk-body" {
            (reports.len()) " report" @if reports.len() != 1 { "s" }
            @if !unreadable.is_empty() { ", and " (unreadable.len()) " that do not read" }
            "."
        }
        table class="govuk-table" {
            caption class="govuk-table__caption govuk-visually-hidden" { "Reports, newest first" }
            thead class="govuk-table__head" {
                tr class="govuk-table__row" {
                    @for heading in ["Reference", "Submitted", "Sent to", "Status", "Details"] {
                        th scope="col" class="govuk-table__header" { (heading) }
                    }
                }
            }
            tbody class="govuk-table__body" {
                @for r in reports {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" {
                            a class="govuk-link" href={ (BASE) "/staff/reports/" (r.reference) } { (r.reference) }
                        }
                        td class="govuk-table__cell" { (time::human(r.submitted_at)) }
                        td class="govuk-table__cell" { (r.recipient.body_name) }
                        td class="govuk-table__cell" { (status_tag(r.status)) }
                        td class="govuk-table__cell" { (delivery_note(r)) }
                    }
                }
                @for key in unreadable {
                    tr class="govuk-table__row" {
                        th scope="row" class="govuk-table__header" { (key.trim_start_matches(keys::REPORT_PREFIX)) }
                        td class="govuk-table__cell" colspan="3" { (html::tag("Unreadable", "red")) }
                        td class="govuk-table__cell" {
                            "The stored report does not read: it is kept, and not sent. Ask the service's administrators."
                        }
                    }
                }
            }
        }
    };
    staff_page(council, "Speeding reports", content)
}

/// The rows of one report's summary list: everything the person sent, who it went to
/// and why, and how its delivery went.
fn report_rows(report: &Report) -> Vec<SummaryRow<'_>> {
    let row = |key, value| SummaryRow {
        key,
        value,
        change: None,
    };
    let mut rows = vec![
        row("Status", vec![report.status.label().into()]),
        row("Submitted", vec![time::human(report.submitted_at)]),
        row(
            "Sent to",
            vec![
                report.recipient.body_name.clone(),
                report
                    .recipient
                    .email
                    .clone()
                    .unwrap_or_else(|| "no contact e-mail address".into()),
            ],
        ),
        row("Why", vec![report.recipient.reason.clone()]),
        row(
            "Address",
            vec![
                report.address.single_line.clone(),
                format!("UPRN {}", report.address.uprn),
            ],
        ),
    ];
    for a in &report.answers {
        rows.push(row(&a.question, vec![a.label.clone()]));
    }
    let details = &report.details;
    let vehicles: Vec<&str> = details
        .vehicles
        .iter()
        .map(|v| model::vehicle_label(v))
        .collect();
    rows.extend([
        row("Where on the road", vec![details.location.clone()]),
        row("When it happens", vec![details.when.clone()]),
        row("Vehicles", vec![vehicles.join(", ")]),
        row(
            "Description",
            details.description.lines().map(str::to_string).collect(),
        ),
        row(
            "Delivery",
            vec![
                attempts(report.delivery.attempts),
                report
                    .delivery
                    .last_error
                    .as_ref()
                    .map(|e| format!("Last error: {e}"))
                    .unwrap_or_default(),
                report
                    .delivery
                    .receipt
                    .as_ref()
                    .map(|r| format!("Receipt: {r}"))
                    .unwrap_or_default(),
            ],
        ),
    ]);
    rows
}

/// `GET /report-speeding/staff/reports/<reference>`: one report.
pub fn report(council: &str, report: &Report) -> Markup {
    let content = html! {
        span class="govuk-caption-l" { "Speeding report" }
        h1 class="govuk-heading-l" { (report.reference) }
        (html::summary_list(&report_rows(report)))
        p class="govuk-body" { a class="govuk-link" href={ (BASE) "/staff/reports" } { "All reports" } }
    };
    staff_page(council, &report.reference, content)
}

#[cfg(test)]
mod tests {
    use council_reports::model::{AnsweredQuestion, ChosenAddress, Delivery, Details, Recipient};

    use super::*;

    const HOSTILE: &str = r#"<script>alert("x")</script>"#;
    const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;";

    /// A report whose every free-text field, and every name that came from elsewhere
    /// (the gazetteer, the routing rules, the contact directory, a delivery's answer),
    /// holds markup.
    fn hostile_report() -> Report {
        Report {
            reference: "RS-ABCD-EFGH".into(),
            submitted_at: 1_795_000_000,
            status: Status::Failed,
            address: ChosenAddress {
                uprn: 10_070_000_001,
                single_line: format!("1 {HOSTILE} Street, PARTINGTON, M31 4AN"),
                postcode: Some("M31 4AN".into()),
                longitude: -2.43,
                latitude: 53.42,
            },
            answers: vec![AnsweredQuestion {
                id: "limit".into(),
                question: format!("Is the road {HOSTILE}?"),
                value: "yes".into(),
                label: HOSTILE.into(),
            }],
            details: Details {
                location: HOSTILE.into(),
                when: HOSTILE.into(),
                vehicles: vec!["cars".into(), HOSTILE.into()],
                description: format!("first line\n{HOSTILE}"),
            },
            recipient: Recipient {
                tier: "parish".into(),
                area_code: "E04000001".into(),
                area_name: HOSTILE.into(),
                body_name: format!("{HOSTILE} Town Council"),
                body_id: None,
                email: Some(format!("{HOSTILE}@example.org")),
                contact_pending: false,
                rule_id: "parish".into(),
                reason: HOSTILE.into(),
            },
            delivery: Delivery {
                attempts: 3,
                last_error: Some(HOSTILE.into()),
                receipt: Some(HOSTILE.into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_report_page_escapes_what_people_typed_and_names_from_elsewhere() {
        let page = report("Trafford <Council>", &hostile_report()).into_string();
        // The page's own scripts have a `src` or are govuk-frontend's constant line.
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains(HOSTILE), "{page}");
        for expected in [
            format!("1 {ESCAPED} Street, PARTINGTON, M31 4AN"),
            format!("Is the road {ESCAPED}?"),
            format!("{ESCAPED} Town Council<br>{ESCAPED}@example.org"),
            format!("first line<br>{ESCAPED}"),
            format!("Cars, {ESCAPED}"),
            format!("Last error: {ESCAPED}"),
            format!("Receipt: {ESCAPED}"),
            "Trafford &lt;Council&gt;".to_string(),
        ] {
            assert!(page.contains(&expected), "{expected} in {page}");
        }
        // Each of the twelve hostile values is there once, escaped.
        assert_eq!(page.matches(ESCAPED).count(), 12, "{page}");
    }

    #[test]
    fn the_list_escapes_names_and_errors_and_shows_unreadable_reports() {
        let mut queued = hostile_report();
        queued.status = Status::Queued;
        let page = list(
            "Trafford",
            &[hostile_report(), queued],
            &[format!("report:{HOSTILE}")],
            true,
        )
        .into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains(&format!("{ESCAPED} Town Council")), "{page}");
        assert!(
            page.contains(&format!("{ESCAPED}; next attempt ")),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                r#"<th scope="row" class="govuk-table__header">{ESCAPED}</th>"#
            )),
            "{page}"
        );
        assert!(
            page.contains("2 reports, and 1 that do not read."),
            "{page}"
        );
        assert!(page.contains("uses the demo staff token"), "{page}");
        assert!(
            page.contains(r#"<a class="govuk-link" href="/report-speeding/staff/reports/RS-ABCD-EFGH">RS-ABCD-EFGH</a>"#),
            "{page}"
        );
    }
}
