//! `POST /report-speeding/housekeeping/run`: what the journey tidies after itself,
//! a bounded piece at a time.
//!
//! - Expired drafts (`draft_ttl_seconds` after their last change), their
//!   `submission:` markers and past new-draft counters are
//!   removed from the `drafts` store. The walk through the store continues where the
//!   previous run stopped (the cursor is kept under `housekeeping`), at most
//!   [`KEYS_PER_RUN`] keys a run, so a run costs the same however many drafts there
//!   are.
//! - Reports stored while the contacts source was down (`contact_pending`) get their
//!   contact looked up again, at most [`CONTACTS_PER_RUN`] a run; the back office waits
//!   for it before it delivers them.
//!
//! Anyone may call it: a run is claimed with a compare-and-swap at most once per
//! [`EVERY_SECONDS`], so calling it more often does nothing. council-host calls it on
//! a timer (spin.toml); on Spin, a cron job does (docs/report-speeding.md).

use council_reports::model::{self, Draft, OutboxIndex, Report, keys};
use council_reports::respond;
use council_reports::store::{self, StoreError, Swap};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wstd::http::StatusCode;

use crate::recipient::{apply_contact, find_contact};
use crate::routes::{Ctx, PageResult};

/// A run happens at most this often.
pub const EVERY_SECONDS: u64 = 5;
/// Keys of the drafts store looked at per run.
pub const KEYS_PER_RUN: usize = 5000;
/// Contacts looked up again per run.
pub const CONTACTS_PER_RUN: usize = 5;

/// The claim and the walk's position, under `housekeeping` in the drafts store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Progress {
    at: u64,
    cursor: Option<String>,
}

/// What a run did.
#[derive(Debug, Default, Serialize)]
struct Summary {
    keys_seen: usize,
    drafts_removed: usize,
    markers_removed: usize,
    counters_removed: usize,
    contacts_found: usize,
    contacts_still_pending: usize,
    walk_finished: bool,
}

/// Runs the housekeeping if it is due.
pub fn run(ctx: &Ctx) -> PageResult {
    let now = store::now();
    let mut claimed = None;
    let (swap, _) = ctx
        .drafts
        .compare_and_swap::<Progress>(keys::HOUSEKEEPING, |current| {
            let current = current.unwrap_or_default();
            if current.at + EVERY_SECONDS > now {
                return None;
            }
            claimed = Some(current.cursor.clone());
            Some(Progress {
                at: now,
                cursor: current.cursor,
            })
        })?;
    let Some(cursor) = claimed.filter(|_| swap == Swap::Done) else {
        return Ok(respond::json(
            StatusCode::OK,
            &json!({"ran": false, "why": "a run happened in the last few seconds"}),
        )?);
    };
    let mut summary = Summary::default();
    let next = tidy_drafts(ctx, cursor, now, &mut summary)?;
    summary.walk_finished = next.is_none();
    ctx.drafts
        .update::<Progress>(keys::HOUSEKEEPING, |current| {
            let mut progress = current.unwrap_or_default();
            progress.cursor = next.clone();
            Some(progress)
        })?;
    look_up_contacts(ctx, &mut summary)?;
    Ok(respond::json(
        StatusCode::OK,
        &json!({"ran": true, "summary": summary}),
    )?)
}

/// Walks up to [`KEYS_PER_RUN`] keys of the drafts store from `cursor`, removing what
/// has expired; where to continue next time (`None`: the walk reached the end).
fn tidy_drafts(
    ctx: &Ctx,
    mut cursor: Option<String>,
    now: u64,
    summary: &mut Summary,
) -> Result<Option<String>, StoreError> {
    let current_window = now / model::NEW_DRAFT_WINDOW_SECONDS;
    let ttl = crate::routes::draft_ttl();
    while summary.keys_seen < KEYS_PER_RUN {
        let (keys_page, next) = ctx.drafts.list_page(cursor.as_deref())?;
        summary.keys_seen += keys_page.len();
        for key in keys_page {
            if let Some(id) = key.strip_prefix(keys::DRAFT_PREFIX) {
                let expired = match ctx.drafts.get::<Draft>(&key) {
                    Ok(draft) => draft.is_none_or(|d| d.updated_at + ttl < now),
                    // A draft that does not read is of no use to anyone.
                    Err(StoreError::Corrupt { .. }) => true,
                    Err(e) => return Err(e),
                };
                if expired {
                    ctx.drafts.delete(&keys::submission(id))?;
                    ctx.drafts.delete(&key)?;
                    summary.drafts_removed += 1;
                }
            } else if let Some(id) = key.strip_prefix(keys::SUBMISSION_PREFIX) {
                if ctx.drafts.get_raw(&keys::draft(id))?.is_none() {
                    ctx.drafts.delete(&key)?;
                    summary.markers_removed += 1;
                }
            } else if let Some(rest) = key.strip_prefix(keys::NEW_DRAFTS_PREFIX) {
                let window = rest
                    .rsplit(':')
                    .next()
                    .and_then(|w| w.parse::<u64>().ok())
                    .unwrap_or(0);
                if window + 1 < current_window {
                    ctx.drafts.delete(&key)?;
                    summary.counters_removed += 1;
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(None),
        }
    }
    Ok(cursor)
}

/// Looks up the contacts of reports stored while the contacts source was down.
fn look_up_contacts(ctx: &Ctx, summary: &mut Summary) -> Result<(), StoreError> {
    let index: OutboxIndex = ctx.reports.get(keys::OUTBOX_INDEX)?.unwrap_or_default();
    let mut tried = 0;
    for reference in index.pending.keys() {
        let key = keys::report(reference);
        let Ok(Some(report)) = ctx.reports.get::<Report>(&key) else {
            continue;
        };
        if !report.recipient.contact_pending {
            continue;
        }
        if tried == CONTACTS_PER_RUN {
            summary.contacts_still_pending += 1;
            continue;
        }
        tried += 1;
        match find_contact(&report.recipient) {
            Ok(found) => {
                ctx.reports.update::<Report>(&key, |current| {
                    let mut report = current?;
                    report.recipient.contact_pending.then_some(())?;
                    apply_contact(&mut report.recipient, found.clone());
                    Some(report)
                })?;
                summary.contacts_found += 1;
                eprintln!("report-speeding: contact found for {reference}");
            }
            Err(reason) => {
                summary.contacts_still_pending += 1;
                eprintln!("report-speeding: contact for {reference} still unknown: {reason}");
            }
        }
    }
    Ok(())
}
