//! The outbox: delivers stored reports to the council that handles them, at least once.
//!
//! There is no background thread in a component (Spin makes a fresh instance per
//! request), so delivery happens inside requests:
//!
//! - right after a submission, once, bounded by [`SUBMIT_ATTEMPT_TIMEOUT`];
//! - on `POST /report-speeding/outbox/run`, which `council-host`'s scheduler calls every
//!   few seconds (`[component.report-speeding.tool.council-host]` in `spin.toml`) and a
//!   council's cron job calls on Spin;
//! - opportunistically, at most once per [`SWEEP_EVERY_SECONDS`], at the end of a
//!   submission, so a deployment without a scheduler still retries.
//!
//! An attempt first takes a lease on the report (a compare-and-swap that sets
//! `lease_until`), so two requests never send the same report at once; a crash during an
//! attempt leaves the lease to expire and the report is tried again — at least once,
//! with the reference as the receiver's idempotency key. A report is marked delivered
//! only after a 2xx answer.

use std::time::Duration as StdDuration;

use serde_json::json;
use wstd::future::FutureExt as _;
use wstd::http::{Body, Client, Request};

use crate::bindings::council::contacts::directory;
use crate::delivery::{self, NotifyKey, Outcome};
use crate::model::{self, OutboxEntry, Report, Status, keys};
use crate::platform::{self, Store, StoreError, Swap};

/// How long the attempt made right after a submission may take.
pub const SUBMIT_ATTEMPT_TIMEOUT: StdDuration = StdDuration::from_secs(2);
/// How long one attempt from the outbox run may take.
pub const RUN_ATTEMPT_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// How long a run may keep going before it leaves the rest for the next run (below the
/// host's 30 s request deadline).
pub const RUN_BUDGET: StdDuration = StdDuration::from_secs(20);
/// How long an attempt holds a report (longer than any attempt's timeout).
pub const LEASE_SECONDS: u64 = 60;
/// Opportunistic sweeps happen at most this often.
pub const SWEEP_EVERY_SECONDS: u64 = 30;
/// How many reports an opportunistic sweep tries.
pub const SWEEP_ITEMS: usize = 3;

/// How reports are delivered (`delivery_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GOV.UK Notify, by e-mail to the body's contact address.
    Notify,
    /// A POST to the council's webhook.
    Webhook,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Notify => "notify",
            Method::Webhook => "webhook",
        }
    }
}

/// The delivery settings, from `wasi:config`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `delivery_method`.
    pub method: Result<Method, String>,
    /// `notify_base_url`.
    pub notify_base_url: String,
    /// `notify_api_key` (secret).
    pub notify_api_key: Option<String>,
    /// `notify_template_id`.
    pub notify_template_id: Option<String>,
    /// `webhook_url`.
    pub webhook_url: Option<String>,
    /// `webhook_secret` (secret).
    pub webhook_secret: Option<String>,
}

impl Settings {
    /// Reads the settings.
    pub fn load() -> Self {
        let method = match platform::setting("delivery_method")
            .as_deref()
            .map(str::trim)
        {
            None | Some("notify") => Ok(Method::Notify),
            Some("webhook") => Ok(Method::Webhook),
            Some(other) => Err(format!(
                "delivery_method {other:?} is not notify or webhook"
            )),
        };
        Self {
            method,
            notify_base_url: platform::setting("notify_base_url")
                .unwrap_or_else(|| "https://api.notifications.service.gov.uk".into())
                .trim_end_matches('/')
                .to_string(),
            notify_api_key: platform::setting("notify_api_key"),
            notify_template_id: platform::setting("notify_template_id"),
            webhook_url: platform::setting("webhook_url"),
            webhook_secret: platform::setting("webhook_secret"),
        }
    }
}

/// What one attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempted {
    /// The report was not due, not queued, or held by another attempt.
    Skipped,
    /// Delivered.
    Delivered,
    /// Failed; it will be retried.
    Retrying,
    /// Failed for good (until staff requeue it).
    Failed,
}

/// Takes the lease on a due, queued report. `force` ignores the due time (staff's
/// "retry now").
fn lease(
    store: &Store,
    reference: &str,
    now: u64,
    force: bool,
) -> Result<Option<Report>, StoreError> {
    let (swap, report) = store.compare_and_swap::<Report>(&keys::report(reference), |current| {
        let mut report = current?;
        if report.status != Status::Queued
            || report.delivery.lease_until > now
            || (!force && report.delivery.next_attempt_at > now)
        {
            return None;
        }
        report.delivery.lease_until = now + LEASE_SECONDS;
        Some(report)
    })?;
    Ok(match swap {
        Swap::Done => report,
        Swap::Conflict => None,
    })
}

/// Records an attempt's result on the report (retrying the compare-and-swap if the
/// report changed meanwhile) and removes the outbox entry once there is nothing left to do.
fn record(
    store: &Store,
    reference: &str,
    outcome: &Outcome,
    email: Option<String>,
    method: Method,
) -> Result<Attempted, StoreError> {
    let key = keys::report(reference);
    for _ in 0..8 {
        let now = platform::now();
        let mut result = Attempted::Skipped;
        let (swap, written) = store.compare_and_swap::<Report>(&key, |current| {
            let mut report = current?;
            if report.status == Status::Delivered {
                // Someone else's attempt (after our lease expired) got there first.
                return None;
            }
            if report.recipient.email.is_none() {
                report.recipient.email = email.clone();
            }
            report.delivery.attempts += 1;
            report.delivery.lease_until = 0;
            report.delivery.method = Some(method.name().to_string());
            match outcome {
                Outcome::Delivered(receipt) => {
                    report.status = Status::Delivered;
                    report.delivery.delivered_at = Some(now);
                    report.delivery.receipt = receipt.clone();
                    report.delivery.last_error = None;
                    result = Attempted::Delivered;
                }
                Outcome::Retry(reason) => {
                    report.delivery.last_error = Some(reason.clone());
                    report.delivery.next_attempt_at = now
                        + model::backoff_seconds(report.delivery.attempts, platform::random_unit());
                    result = Attempted::Retrying;
                }
                Outcome::Permanent(reason) => {
                    report.status = Status::Failed;
                    report.delivery.last_error = Some(reason.clone());
                    result = Attempted::Failed;
                }
            }
            Some(report)
        })?;
        match swap {
            Swap::Conflict => continue,
            Swap::Done => {
                if written.is_some() && result != Attempted::Retrying {
                    store.delete(&keys::outbox(reference))?;
                }
                return Ok(result);
            }
        }
    }
    Err(StoreError(
        "the report kept changing while its delivery was recorded".into(),
    ))
}

/// A contact lookup's answer: the e-mail address, and the body's id and name.
pub type Contact = (Option<String>, Option<(String, String)>);

/// Looks up the body's e-mail address through `council:contacts/directory`: by the GSS
/// code of the area routing chose, then by the body's or area's name.
pub fn find_contact(report: &Report) -> Result<Contact, String> {
    let kind = match report.recipient.tier.as_str() {
        "parish" => Some(directory::BodyKind::ParishCouncil),
        _ => None,
    };
    let by_code = directory::find_body(&directory::BodyQuery {
        gss_code: Some(report.recipient.area_code.clone()),
        name: None,
        kind,
    });
    let found = match by_code {
        Ok(Some(answer)) => Some(answer),
        Ok(None) => directory::find_body(&directory::BodyQuery {
            gss_code: None,
            name: Some(report.recipient.area_name.clone()),
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
pub fn contacts_error(e: directory::Error) -> String {
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

async fn post(
    url: &str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    timeout: StdDuration,
) -> Result<(u16, Vec<u8>), String> {
    let mut builder = Request::post(url)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("council-report-speeding/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = builder
        .body(Body::from(body))
        .map_err(|e| format!("building the request: {e}"))?;
    let exchange = async move {
        let mut response = Client::new().send(request).await?;
        let status = response.status().as_u16();
        let bytes = response.body_mut().contents().await?.to_vec();
        Ok::<_, wstd::http::Error>((status, bytes))
    };
    match exchange.timeout(wstd::time::Duration::from(timeout)).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(match e.downcast_ref::<wstd::http::ErrorCode>() {
            Some(code) => format!("{code:?}"),
            None => e.to_string().chars().take(200).collect(),
        }),
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}

/// Makes one delivery attempt for one report, if it is due and free.
pub async fn attempt(
    store: &Store,
    settings: &Settings,
    reference: &str,
    timeout: StdDuration,
    force: bool,
) -> Result<Attempted, StoreError> {
    let now = platform::now();
    let Some(report) = lease(store, reference, now, force)? else {
        return Ok(Attempted::Skipped);
    };
    let method = match &settings.method {
        Ok(m) => *m,
        Err(reason) => {
            return record(
                store,
                reference,
                &Outcome::Retry(reason.clone()),
                None,
                Method::Notify,
            );
        }
    };
    // The contact may not have been known at submission (the contacts source was down).
    let mut email = report.recipient.email.clone();
    if email.is_none() {
        match find_contact(&report) {
            Ok((found, _)) => email = found,
            Err(reason) => return record(store, reference, &Outcome::Retry(reason), None, method),
        }
    }
    let outcome = match method {
        Method::Notify => {
            let Some(address) = email.clone() else {
                return record(
                    store,
                    reference,
                    &Outcome::Permanent(format!(
                        "no contact e-mail address for {} in the contacts source",
                        report.recipient.body_name
                    )),
                    None,
                    method,
                );
            };
            match (&settings.notify_api_key, &settings.notify_template_id) {
                (None, _) => Outcome::Retry("notify_api_key is not set".into()),
                (_, None) => Outcome::Retry("notify_template_id is not set".into()),
                (Some(key), Some(template)) => match NotifyKey::parse(key) {
                    Err(reason) => Outcome::Retry(reason),
                    Ok(key) => {
                        let body = delivery::notify_body(&report, &address, template)
                            .to_string()
                            .into_bytes();
                        let jwt = delivery::notify_jwt(&key, platform::now());
                        let url = format!("{}/v2/notifications/email", settings.notify_base_url);
                        match post(
                            &url,
                            vec![("authorization", format!("Bearer {jwt}"))],
                            body,
                            timeout,
                        )
                        .await
                        {
                            Ok((status, answer)) => delivery::classify(status, &answer),
                            Err(reason) => Outcome::Retry(reason),
                        }
                    }
                },
            }
        }
        Method::Webhook => match (&settings.webhook_url, &settings.webhook_secret) {
            (None, _) => Outcome::Retry("webhook_url is not set".into()),
            (_, None) => Outcome::Retry("webhook_secret is not set".into()),
            (Some(url), Some(secret)) => {
                let mut sent = report.clone();
                sent.recipient.email = email.clone();
                let body = delivery::webhook_body(&sent).to_string().into_bytes();
                let signature = delivery::webhook_signature(secret, platform::now(), &body);
                let headers = vec![
                    ("idempotency-key", report.reference.clone()),
                    ("webhook-signature", signature),
                ];
                match post(url, headers, body, timeout).await {
                    Ok((status, answer)) => delivery::classify(status, &answer),
                    Err(reason) => Outcome::Retry(reason),
                }
            }
        },
    };
    let result = record(store, reference, &outcome, email, method)?;
    // Reference and outcome only: no personal data reaches the logs.
    eprintln!("report-speeding: delivery of {reference}: {result:?}");
    Ok(result)
}

/// What a run did, for the scheduler and staff.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RunSummary {
    /// Outbox entries seen.
    pub pending: usize,
    /// Attempts made.
    pub attempted: usize,
    /// Delivered in this run.
    pub delivered: usize,
    /// Failed and to be retried.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
    /// Orphaned or stale outbox entries removed.
    pub cleaned: usize,
    /// Expired drafts removed.
    pub drafts_removed: usize,
    /// Reports past the retention period removed.
    pub reports_removed: usize,
    /// Entries left for the next run (budget spent).
    pub deferred: usize,
}

/// Delivers every due report, up to `max_items` attempts and the time budget.
pub async fn run(
    store: &Store,
    settings: &Settings,
    max_items: usize,
    budget: StdDuration,
    attempt_timeout: StdDuration,
) -> Result<RunSummary, StoreError> {
    let started = wstd::time::Instant::now();
    let mut summary = RunSummary::default();
    let mut entries = store.keys_with_prefix(keys::OUTBOX_PREFIX)?;
    // Spread the work: a report that keeps failing should not always go first.
    if entries.len() > 1 {
        let offset = (platform::random_unit() * entries.len() as f64) as usize;
        let last = entries.len() - 1;
        entries.rotate_left(offset.min(last));
    }
    summary.pending = entries.len();
    for key in entries {
        let reference = key.trim_start_matches(keys::OUTBOX_PREFIX).to_string();
        let now = platform::now();
        let report: Option<Report> = store.get(&keys::report(&reference))?;
        match report {
            None => {
                let entry: Option<OutboxEntry> = store.get(&key)?;
                if entry.is_none_or(|e| e.created_at + model::ORPHAN_OUTBOX_SECONDS < now) {
                    store.delete(&key)?;
                    summary.cleaned += 1;
                }
                continue;
            }
            Some(r) if r.status != Status::Queued => {
                store.delete(&key)?;
                summary.cleaned += 1;
                continue;
            }
            Some(r) if r.delivery.next_attempt_at > now || r.delivery.lease_until > now => continue,
            Some(_) => {}
        }
        if summary.attempted >= max_items
            || StdDuration::from(started.elapsed()) + attempt_timeout > budget
        {
            summary.deferred += 1;
            continue;
        }
        summary.attempted += 1;
        match attempt(store, settings, &reference, attempt_timeout, false).await? {
            Attempted::Delivered => summary.delivered += 1,
            Attempted::Retrying => summary.retrying += 1,
            Attempted::Failed => summary.failed += 1,
            Attempted::Skipped => summary.attempted -= 1,
        }
    }
    Ok(summary)
}

/// Removes drafts (and their submission markers) untouched for [`model::DRAFT_TTL_SECONDS`].
pub fn remove_expired_drafts(store: &Store) -> Result<usize, StoreError> {
    let now = platform::now();
    let mut removed = 0;
    for key in store.keys_with_prefix(keys::DRAFT_PREFIX)? {
        let draft: Option<model::Draft> = store.get(&key)?;
        if draft.is_none_or(|d| d.updated_at + model::DRAFT_TTL_SECONDS < now) {
            let id = key.trim_start_matches(keys::DRAFT_PREFIX);
            store.delete(&keys::submission(id))?;
            store.delete(&key)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// How often the retention purge runs (it reads every report).
pub const PURGE_EVERY_SECONDS: u64 = 3600;

/// Deletes delivered and failed reports submitted more than `report_retention_days`
/// ago (default 90; `0` keeps reports for ever), at most once per
/// [`PURGE_EVERY_SECONDS`] (claimed with a compare-and-swap on `retention-purge`).
/// Their `reference:` keys stay, so a reference number is never issued twice.
pub fn purge_expired_reports(store: &Store) -> Result<usize, StoreError> {
    let days: u64 = platform::setting("report_retention_days")
        .and_then(|d| d.trim().parse().ok())
        .unwrap_or(90);
    if days == 0 {
        return Ok(0);
    }
    let now = platform::now();
    let claimed = store.compare_and_swap::<serde_json::Value>(keys::PURGE, |current| {
        let last = current.as_ref().and_then(|v| v["at"].as_u64()).unwrap_or(0);
        (last + PURGE_EVERY_SECONDS <= now).then(|| json!({"at": now}))
    })?;
    if !matches!(claimed, (Swap::Done, Some(_))) {
        return Ok(0);
    }
    let cutoff = now.saturating_sub(days * 86_400);
    let mut removed = 0;
    for key in store.keys_with_prefix(keys::REPORT_PREFIX)? {
        let Some(report) = store.get::<Report>(&key)? else {
            continue;
        };
        if report.status != Status::Queued && report.submitted_at < cutoff {
            store.delete(&keys::outbox(&report.reference))?;
            store.delete(&key)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Sweeps a few due reports if nobody has for [`SWEEP_EVERY_SECONDS`] (claimed with a
/// compare-and-swap on `outbox-sweep`, so concurrent requests do not all sweep).
pub async fn maybe_sweep(store: &Store, settings: &Settings) {
    let now = platform::now();
    let claimed = store.compare_and_swap::<serde_json::Value>(keys::SWEEP, |current| {
        let last = current.as_ref().and_then(|v| v["at"].as_u64()).unwrap_or(0);
        (last + SWEEP_EVERY_SECONDS <= now).then(|| json!({"at": now}))
    });
    if let Ok((Swap::Done, Some(_))) = claimed {
        let _ = run(
            store,
            settings,
            SWEEP_ITEMS,
            StdDuration::from_secs(5),
            SUBMIT_ATTEMPT_TIMEOUT,
        )
        .await;
    }
}
