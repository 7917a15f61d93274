//! The staff pages: every report (HTML, or JSON with `?format=json`), one report, and
//! "retry now". A report whose stored value does not read is listed as unreadable,
//! never left out.

use council_reports::html::{self, BASE, Layout, SummaryRow, escape};
use council_reports::model::{self, Report, Status, keys};
use council_reports::respond;
use council_reports::store::{self, Store, StoreError};
use serde_json::json;
use wstd::http::StatusCode;

use crate::outbox::{self, Settings};
use crate::routes::{DEMO_STAFF_TOKEN, PageResult};

/// Every report, newest first, and the keys of those that do not read.
fn all_reports(store: &Store) -> Result<(Vec<Report>, Vec<String>), StoreError> {
    let mut reports = Vec::new();
    let mut unreadable = Vec::new();
    for key in store.keys_with_prefix(keys::REPORT_PREFIX)? {
        match store.get::<Report>(&key) {
            Ok(Some(report)) => reports.push(report),
            Ok(None) => {}
            Err(StoreError::Corrupt { key, .. }) => unreadable.push(key),
            Err(e) => return Err(e),
        }
    }
    reports.sort_by(|a, b| {
        b.submitted_at
            .cmp(&a.submitted_at)
            .then(a.reference.cmp(&b.reference))
    });
    Ok((reports, unreadable))
}

fn status_tag(status: Status) -> String {
    let colour = match status {
        Status::Queued => "yellow",
        Status::Delivered => "green",
        Status::Failed => "red",
    };
    html::tag(status.label(), colour)
}

fn staff_layout<'a>(council: &'a str, title: &'a str) -> Layout<'a> {
    Layout {
        title,
        council,
        staff: true,
        ..Default::default()
    }
}

fn council_name() -> String {
    store::setting("council_name").unwrap_or_else(|| "Your council".into())
}

/// `GET /report-speeding/staff/reports[?format=json]`.
pub fn list(store: &Store, as_json: bool) -> PageResult {
    let (reports, unreadable) = all_reports(store)?;
    if as_json {
        let list: Vec<serde_json::Value> = reports
            .iter()
            .map(|r| {
                json!({
                    "reference": r.reference,
                    "status": r.status,
                    "submitted_at": council_reports::time::rfc3339(r.submitted_at),
                    "recipient": r.recipient.body_name,
                    "attempts": r.delivery.attempts,
                    "in_doubt": r.delivery.in_doubt,
                    "waiting_for_contact": r.recipient.contact_pending,
                    "next_attempt_at": (r.status == Status::Queued).then(|| council_reports::time::rfc3339(r.delivery.next_attempt_at)),
                    "last_error": r.delivery.last_error,
                    "delivered_at": r.delivery.delivered_at.map(council_reports::time::rfc3339),
                    "receipt": r.delivery.receipt,
                })
            })
            .collect();
        return Ok(respond::json(
            StatusCode::OK,
            &json!({"reports": list, "unreadable": unreadable}),
        )?);
    }
    let mut rows = String::new();
    for r in &reports {
        rows.push_str(&format!(
            r#"<tr class="govuk-table__row"><th scope="row" class="govuk-table__header"><a class="govuk-link" href="{BASE}/staff/reports/{reference}">{reference}</a></th><td class="govuk-table__cell">{submitted}</td><td class="govuk-table__cell">{body}</td><td class="govuk-table__cell">{status}</td><td class="govuk-table__cell">{why}</td></tr>"#,
            reference = escape(&r.reference),
            submitted = escape(&council_reports::time::human(r.submitted_at)),
            body = escape(&r.recipient.body_name),
            status = status_tag(r.status),
            why = escape(&match r.status {
                Status::Delivered => format!("after {} attempt{}", r.delivery.attempts, if r.delivery.attempts == 1 { "" } else { "s" }),
                Status::Queued => match &r.delivery.last_error {
                    Some(e) => format!("{e}; next attempt {}", council_reports::time::human(r.delivery.next_attempt_at)),
                    None => "waiting for the first attempt".into(),
                },
                Status::Failed => r.delivery.last_error.clone().unwrap_or_default(),
            }),
        ));
    }
    for key in &unreadable {
        rows.push_str(&format!(
            r#"<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th><td class="govuk-table__cell" colspan="3">{}</td><td class="govuk-table__cell">The stored report does not read: it is kept, and not sent. Ask the service's administrators.</td></tr>"#,
            escape(key.trim_start_matches(keys::REPORT_PREFIX)),
            html::tag("Unreadable", "red"),
        ));
    }
    let warning = if store::setting("staff_token")
        .map(|t| t.trim_end().to_string())
        .as_deref()
        == Some(DEMO_STAFF_TOKEN)
    {
        r#"<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> This service uses the demo staff token. Set the staff_token variable before real use.</strong></div>"#
    } else {
        ""
    };
    let content = format!(
        r#"<h1 class="govuk-heading-l">Speeding reports</h1>
{warning}
<p class="govuk-body">{count} report{s}{unreadable_note}.</p>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Reports, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Reference</th><th scope="col" class="govuk-table__header">Submitted</th><th scope="col" class="govuk-table__header">Sent to</th><th scope="col" class="govuk-table__header">Status</th><th scope="col" class="govuk-table__header">Details</th></tr></thead>
<tbody class="govuk-table__body">{rows}</tbody>
</table>"#,
        count = reports.len(),
        s = if reports.len() == 1 { "" } else { "s" },
        unreadable_note = if unreadable.is_empty() {
            String::new()
        } else {
            format!(", and {} that do not read", unreadable.len())
        },
    );
    let council = council_name();
    Ok(respond::html(
        StatusCode::OK,
        html::page(&staff_layout(&council, "Speeding reports"), &content),
    )?)
}

/// `GET /report-speeding/staff/reports/<reference>`.
pub fn report(store: &Store, reference: &str) -> PageResult {
    let report = if model::is_reference(reference) {
        store.get::<Report>(&keys::report(reference))?
    } else {
        None
    };
    let Some(report) = report else {
        return Ok(respond::plain(StatusCode::NOT_FOUND, "No such report.")?);
    };
    let mut rows = vec![
        SummaryRow {
            key: "Status",
            value: vec![report.status.label().into()],
            change: None,
        },
        SummaryRow {
            key: "Submitted",
            value: vec![council_reports::time::human(report.submitted_at)],
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
    let council = council_name();
    Ok(respond::html(
        StatusCode::OK,
        html::page(&staff_layout(&council, &report.reference), &content),
    )?)
}

/// `POST /report-speeding/staff/reports/<reference>/retry`: requeues a report
/// (failed, or queued and waiting) and tries it now. The outbox entry is written
/// before the report's status, as at submission, so a crash between the two leaves an
/// entry the outbox cleans up, never a queued report nothing will send.
pub async fn retry(store: &Store, reference: &str) -> PageResult {
    if !model::is_reference(reference) {
        return Ok(respond::json(
            StatusCode::NOT_FOUND,
            &json!({"error": "no such report"}),
        )?);
    }
    let Some(current) = store.get::<Report>(&keys::report(reference))? else {
        return Ok(respond::json(
            StatusCode::NOT_FOUND,
            &json!({"error": "no such report"}),
        )?);
    };
    if current.status == Status::Delivered {
        return Ok(respond::json(
            StatusCode::CONFLICT,
            &json!({"error": "the report is delivered"}),
        )?);
    }
    outbox::enqueue(store, reference)?;
    let now = store::now();
    let requeued = store.update::<Report>(&keys::report(reference), |current| {
        let mut report = current?;
        if report.status == Status::Delivered {
            return None;
        }
        report.status = Status::Queued;
        report.delivery.next_attempt_at = now;
        Some(report)
    })?;
    if requeued.is_none() {
        return Ok(respond::json(
            StatusCode::CONFLICT,
            &json!({"error": "the report is delivered or does not exist"}),
        )?);
    }
    let result = outbox::attempt(store, &Settings::load(), reference, true).await?;
    Ok(respond::json(
        StatusCode::OK,
        &json!({"reference": reference, "result": format!("{result:?}")}),
    )?)
}
