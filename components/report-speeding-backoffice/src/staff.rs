//! The staff routes: every report (HTML, or JSON with `?format=json`), one report, and
//! "retry now". A report whose stored value does not read is listed as unreadable,
//! never left out. The pages' markup is in [`crate::pages`].

use council_reports::model::{self, Report, Status, keys};
use council_reports::respond;
use council_reports::store::{self, Store, StoreError};
use serde_json::json;
use wstd::http::StatusCode;

use crate::outbox::{self, Settings};
use crate::pages;
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
    let demo_token = store::setting("staff_token")
        .map(|t| t.trim_end().to_string())
        .as_deref()
        == Some(DEMO_STAFF_TOKEN);
    let page = pages::list(&council_name(), &reports, &unreadable, demo_token);
    Ok(respond::page(StatusCode::OK, page)?)
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
    let page = pages::report(&council_name(), &report);
    Ok(respond::page(StatusCode::OK, page)?)
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
