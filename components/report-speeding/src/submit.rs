//! Sending the report: it is stored, and entered in the outbox for the back office to
//! deliver, before the confirmation is shown; a second POST of the same draft finds
//! the first's reference.
//!
//! In order, each step idempotent:
//!
//! 1. the draft's reference: `submission:<draft>` if an earlier POST made one;
//!    otherwise a new reference from `wasi:random`, reserved by creating
//!    `reference:<ref>` with compare-and-swap (a taken reference is never reused),
//!    then `submission:<draft>` created the same way (of two concurrent POSTs one wins
//!    and the other adopts its reference);
//! 2. routing and the contact, then the outbox index entry and `report:<ref>`;
//! 3. the draft keeps only the reference; 303 to the confirmation.
//!
//! If anything fails before the report is stored, the person is told it was not sent
//! and offered to send it again (the same POST, so no duplicate can result); if it
//! fails after, the report is kept and the confirmation is shown.

use council_areas::Question;
use council_reports::html::BASE;
use council_reports::model::{self, Draft, OutboxIndex, Report, Status, keys};
use council_reports::respond;
use council_reports::store;
use wstd::http::StatusCode;

use crate::journey::next_step;
use crate::pages;
use crate::recipient::{answered, decide};
use crate::routes::{Ctx, Failure, PageResult};

/// Handles `POST /submit` for a stored draft.
pub fn submit(ctx: &Ctx, draft_id: &str, draft: Draft, questions: &[Question]) -> PageResult {
    let (Some(_), Some(_)) = (&draft.address, &draft.details) else {
        return Ok(respond::redirect(&next_step(&draft, questions))?);
    };
    let reference = match store_report(ctx, draft_id, &draft, questions) {
        Ok(reference) => reference,
        Err(e) => {
            // Nothing the person did: a store or capability failure. The log names
            // the operation, never the report.
            eprintln!("report-speeding: POST /submit: the report was not stored: {e}");
            return not_sent(ctx);
        }
    };
    // The draft keeps only the reference from now on: the answers are in the report.
    let mut done = Draft {
        created_at: draft.created_at,
        submitted: Some(reference.clone()),
        ..Default::default()
    };
    if let Err(e) = ctx.save(&mut done) {
        // The report is stored; only the draft's pointer to it was not updated. The
        // confirmation finds the reference through `submission:` instead.
        eprintln!("report-speeding: POST /submit: {reference} stored, draft not updated: {e}");
    }
    Ok(respond::redirect(&format!("{BASE}/confirmation"))?)
}

/// Steps 1 and 2 (see the module docs); the reference the report is stored under.
fn store_report(
    ctx: &Ctx,
    draft_id: &str,
    draft: &Draft,
    questions: &[Question],
) -> Result<String, Failure> {
    let (Some(address), Some(details)) = (draft.address.clone(), draft.details.clone()) else {
        return Err(Failure::IncompleteDraft);
    };
    let reference = match ctx.drafts.get::<String>(&keys::submission(draft_id))? {
        Some(reference) => reference,
        None => {
            let mine = loop {
                let candidate = model::reference_from(store::random_bytes::<8>());
                // Reserve it: the reference key is created only if nobody has it.
                if ctx
                    .reports
                    .create(&keys::reference(&candidate), &draft_id.to_string())?
                    .is_ok()
                {
                    break candidate;
                }
            };
            match ctx.drafts.create(&keys::submission(draft_id), &mine)? {
                Ok(()) => mine,
                Err(theirs) => {
                    // A concurrent POST of the same draft won; use its reference.
                    ctx.reports.delete(&keys::reference(&mine))?;
                    theirs.ok_or(Failure::NoConcurrentReference)?
                }
            }
        }
    };
    if ctx.reports.get_raw(&keys::report(&reference))?.is_some() {
        // An earlier POST stored it.
        return Ok(reference);
    }
    let now = store::now();
    let recipient = decide(&address, &draft.answers)?;
    let mut report = Report {
        reference: reference.clone(),
        submitted_at: now,
        status: Status::Queued,
        address,
        answers: answered(draft, questions),
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
        // The outbox entry first (see council_reports::model).
        ctx.reports
            .update::<OutboxIndex>(keys::OUTBOX_INDEX, |index| {
                let mut index = index.unwrap_or_default();
                index.pending.entry(reference.clone()).or_insert(now);
                Some(index)
            })?;
    }
    if let Err(Some(_)) = ctx.reports.create(&keys::report(&reference), &report)? {
        // A concurrent POST stored it first: theirs stands.
    }
    Ok(reference)
}

/// The report was not stored: say so, and offer to send it again.
fn not_sent(ctx: &Ctx) -> PageResult {
    Ok(respond::page(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::not_sent(ctx),
    )?)
}
