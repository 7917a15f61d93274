//! The outbox: delivers stored reports to the council that handles them, each once.
//!
//! There is no background thread in a component (Spin makes a fresh instance per
//! request), so delivery happens inside `POST /report-speeding/outbox/run`, which
//! `council-host`'s scheduler calls every few seconds
//! (`[component.report-speeding-backoffice.tool.council-host]` in `spin.toml`) and a
//! council's cron job calls on Spin. A run reads the outbox index (`outbox-index`),
//! never the whole store.
//!
//! An attempt first takes a lease on the report (a compare-and-swap that sets
//! `lease_until`), so two requests never send the same report at once; a crash during
//! an attempt leaves the lease to expire and the report is tried again. The same
//! compare-and-swap marks the report `in_doubt` before anything is sent: from then
//! until an answer says otherwise, the receiver may have it. An attempt on a report in
//! doubt asks GOV.UK Notify first whether it has a notification with the report's
//! reference (Notify does not drop duplicates itself) and records that one instead of
//! sending again. A report is marked delivered only after a 2xx answer or such a
//! find.

use std::time::Duration as StdDuration;

use council_reports::model::{self, OutboxIndex, Report, Status, keys};
use council_reports::store::{self, Store, StoreError, Swap};
use serde_json::json;
use wstd::future::FutureExt as _;
use wstd::http::{Body, Client, Request};

use crate::delivery::{self, NotifyKey, Outcome};

/// How long one request to the receiver may take, unless `delivery_timeout_ms` says.
pub const DEFAULT_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// How long a run may take in all, below the host's 30 s request deadline: an attempt
/// starts only if it fits, at its longest (a lookup and a send, each up to the
/// delivery timeout), in what is left; the rest waits for the next run.
pub const RUN_BUDGET: StdDuration = StdDuration::from_secs(25);
/// Attempts per run at most.
pub const RUN_ITEMS: usize = 50;

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

/// A `delivery_method` that is neither `notify` nor `webhook`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("delivery_method {0:?} is not notify or webhook")]
pub struct UnknownMethod(String);

/// The delivery settings, from `wasi:config`. Secrets lose trailing whitespace (a
/// secret mounted from a file ends in a newline).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `delivery_method`.
    pub method: Result<Method, UnknownMethod>,
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
    /// `delivery_timeout_ms`: one request to the receiver.
    pub timeout: StdDuration,
}

fn secret(name: &str) -> Option<String> {
    store::setting(name).map(|s| s.trim_end().to_string())
}

impl Settings {
    /// Reads the settings.
    pub fn load() -> Self {
        let method = match store::setting("delivery_method").as_deref().map(str::trim) {
            None | Some("notify") => Ok(Method::Notify),
            Some("webhook") => Ok(Method::Webhook),
            Some(other) => Err(UnknownMethod(other.to_string())),
        };
        Self {
            method,
            notify_base_url: store::setting("notify_base_url")
                .unwrap_or_else(|| "https://api.notifications.service.gov.uk".into())
                .trim()
                .trim_end_matches('/')
                .to_string(),
            notify_api_key: secret("notify_api_key"),
            notify_template_id: store::setting("notify_template_id").map(|t| t.trim().to_string()),
            webhook_url: store::setting("webhook_url").map(|u| u.trim().to_string()),
            webhook_secret: secret("webhook_secret"),
            timeout: store::setting("delivery_timeout_ms")
                .and_then(|ms| ms.trim().parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .map(StdDuration::from_millis)
                .unwrap_or(DEFAULT_TIMEOUT),
        }
    }

    /// How long an attempt holds a report: longer than the lookup and the send
    /// together can take.
    pub fn lease_seconds(&self) -> u64 {
        3 * self.timeout.as_secs().max(1) + 5
    }
}

/// What one attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempted {
    /// The report was not due, not queued, waiting for its contact, or held by
    /// another attempt.
    Skipped,
    /// Delivered (or found at the receiver, delivered earlier).
    Delivered,
    /// Failed; it will be retried.
    Retrying,
    /// Failed for good (until staff requeue it).
    Failed,
}

/// Takes the lease on a due, queued report and marks it in doubt (see the module
/// docs). `force` ignores the due time (staff's "retry now"). Returns the report as it
/// was before, so the caller knows whether it was in doubt already.
fn lease(
    store: &Store,
    reference: &str,
    now: u64,
    force: bool,
    lease_seconds: u64,
) -> Result<Option<Report>, StoreError> {
    let mut before = None;
    let (swap, _) = store.compare_and_swap::<Report>(&keys::report(reference), |current| {
        let mut report = current?;
        if report.status != Status::Queued
            || report.recipient.contact_pending
            || report.delivery.lease_until > now
            || (!force && report.delivery.next_attempt_at > now)
        {
            return None;
        }
        before = Some(report.clone());
        report.delivery.lease_until = now + lease_seconds;
        report.delivery.in_doubt = true;
        Some(report)
    })?;
    Ok(match swap {
        Swap::Done => before,
        Swap::Conflict => None,
    })
}

/// Records an attempt's result on the report, and takes the report out of the outbox
/// index once there is nothing left to do.
fn record(
    store: &Store,
    reference: &str,
    outcome: &Outcome,
    in_doubt: bool,
    method: Method,
) -> Result<Attempted, StoreError> {
    let mut result = Attempted::Skipped;
    let written = store.update::<Report>(&keys::report(reference), |current| {
        let mut report = current?;
        if report.status == Status::Delivered {
            // Someone else's attempt (after our lease expired) got there first.
            return None;
        }
        let now = store::now();
        report.delivery.attempts += 1;
        report.delivery.lease_until = 0;
        report.delivery.method = Some(method.name().to_string());
        match outcome {
            Outcome::Delivered(receipt) => {
                report.status = Status::Delivered;
                report.delivery.delivered_at = Some(now);
                report.delivery.receipt = receipt.clone();
                report.delivery.last_error = None;
                report.delivery.in_doubt = false;
                result = Attempted::Delivered;
            }
            Outcome::Retry(reason) => {
                report.delivery.last_error = Some(reason.clone());
                report.delivery.in_doubt = in_doubt;
                report.delivery.next_attempt_at =
                    now + model::backoff_seconds(report.delivery.attempts, store::random_unit());
                result = Attempted::Retrying;
            }
            Outcome::Permanent(reason) => {
                report.status = Status::Failed;
                report.delivery.last_error = Some(reason.clone());
                report.delivery.in_doubt = in_doubt;
                result = Attempted::Failed;
            }
        }
        Some(report)
    })?;
    if written.is_some() && result != Attempted::Retrying {
        forget(store, reference)?;
    }
    Ok(result)
}

/// Takes a reference out of the outbox index.
fn forget(store: &Store, reference: &str) -> Result<(), StoreError> {
    store.update::<OutboxIndex>(keys::OUTBOX_INDEX, |index| {
        let mut index = index?;
        index.pending.remove(reference)?;
        Some(index)
    })?;
    Ok(())
}

/// Puts a reference in the outbox index (it may be there already).
pub fn enqueue(store: &Store, reference: &str) -> Result<(), StoreError> {
    let now = store::now();
    store.update::<OutboxIndex>(keys::OUTBOX_INDEX, |index| {
        let mut index = index.unwrap_or_default();
        if index.pending.contains_key(reference) {
            return None;
        }
        index.pending.insert(reference.to_string(), now);
        Some(index)
    })?;
    Ok(())
}

/// Why an HTTP exchange has no answer. The text is kept as the report's `last_error`,
/// which the staff see.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    /// The request could not be built (a malformed URL or header).
    #[error("building the request: {0}")]
    Request(wstd::http::Error),
    /// `wasi:http`'s error code for the failure (`ConnectionRefused`, ...).
    #[error("{0:?}")]
    Transport(wstd::http::ErrorCode),
    /// Any other failure, by its first 200 characters.
    #[error("{}", .0.to_string().chars().take(200).collect::<String>())]
    Other(wstd::http::Error),
    /// No answer within the delivery timeout.
    #[error("no answer within {} s", .0.as_secs_f64())]
    Timeout(StdDuration),
}

/// Why asking Notify whether it has a report gave no answer.
#[derive(Debug, thiserror::Error)]
enum NotifyLookupError {
    /// The exchange failed.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// Notify answered 200 with something that is not its list.
    #[error(transparent)]
    List(#[from] delivery::NotifyListError),
    /// Notify refused; the reason is Notify's, as `delivery::classify` reads it.
    #[error("{0}")]
    Refused(String),
    /// Notify answered with a success other than 200.
    #[error("HTTP {0}")]
    Status(u16),
}

/// An HTTP exchange's answer: the status and body, or why there was none.
async fn exchange(
    request: Request<Body>,
    timeout: StdDuration,
) -> Result<(u16, Vec<u8>), ExchangeError> {
    let exchange = async move {
        let mut response = Client::new().send(request).await?;
        let status = response.status().as_u16();
        let bytes = response.body_mut().contents().await?.to_vec();
        Ok::<_, wstd::http::Error>((status, bytes))
    };
    match exchange.timeout(wstd::time::Duration::from(timeout)).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(match e.downcast_ref::<wstd::http::ErrorCode>() {
            Some(code) => ExchangeError::Transport(code.clone()),
            None => ExchangeError::Other(e),
        }),
        Err(_) => Err(ExchangeError::Timeout(timeout)),
    }
}

fn user_agent() -> &'static str {
    concat!("council-report-speeding/", env!("CARGO_PKG_VERSION"))
}

async fn post(
    url: &str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    timeout: StdDuration,
) -> Result<(u16, Vec<u8>), ExchangeError> {
    let mut builder = Request::post(url)
        .header("content-type", "application/json")
        .header("user-agent", user_agent());
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = builder
        .body(Body::from(body))
        .map_err(|e| ExchangeError::Request(e.into()))?;
    exchange(request, timeout).await
}

/// Asks Notify whether it has a notification with this reference.
async fn notify_has(
    settings: &Settings,
    key: &NotifyKey,
    reference: &str,
) -> Result<Option<String>, NotifyLookupError> {
    let url = delivery::notify_lookup_url(&settings.notify_base_url, reference);
    let jwt = delivery::notify_jwt(key, store::now());
    let request = Request::get(&url)
        .header("authorization", format!("Bearer {jwt}"))
        .header("user-agent", user_agent())
        .body(Body::empty())
        .map_err(|e| ExchangeError::Request(e.into()))?;
    match exchange(request, settings.timeout).await? {
        (200, body) => Ok(delivery::notification_with_reference(&body, reference)?),
        (status, body) => Err(match delivery::classify(status, &body) {
            Outcome::Retry(reason) | Outcome::Permanent(reason) => {
                NotifyLookupError::Refused(reason)
            }
            Outcome::Delivered(_) => NotifyLookupError::Status(status),
        }),
    }
}

/// Makes one delivery attempt for one report, if it is due and free.
pub async fn attempt(
    store: &Store,
    settings: &Settings,
    reference: &str,
    force: bool,
) -> Result<Attempted, StoreError> {
    let now = store::now();
    let Some(report) = lease(store, reference, now, force, settings.lease_seconds())? else {
        return Ok(Attempted::Skipped);
    };
    let was_in_doubt = report.delivery.in_doubt;
    let method = match &settings.method {
        Ok(m) => *m,
        Err(reason) => {
            let result = record(
                store,
                reference,
                &Outcome::Retry(reason.to_string()),
                was_in_doubt,
                Method::Notify,
            )?;
            count_attempt(store, "unconfigured", result);
            return Ok(result);
        }
    };
    let (outcome, in_doubt) = match method {
        Method::Notify => notify(settings, &report, was_in_doubt).await,
        Method::Webhook => webhook(settings, &report).await,
    };
    let result = record(store, reference, &outcome, in_doubt, method)?;
    count_attempt(store, method.name(), result);
    // Reference and outcome only: no personal data reaches the logs.
    eprintln!("report-speeding-backoffice: delivery of {reference}: {result:?}");
    Ok(result)
}

/// The methods and results the delivery counters are kept for.
const COUNTED_METHODS: [&str; 3] = ["notify", "webhook", "unconfigured"];
const COUNTED_RESULTS: [&str; 3] = ["delivered", "retrying", "failed"];

/// Adds one to the counter of attempts by `method` that ended as `result`. The count
/// is kept in the store, where every instance on every host adds to the same one
/// (`increment` is atomic); failing to count is logged and does not undo the
/// delivery.
fn count_attempt(store: &Store, method: &str, result: Attempted) {
    let result = match result {
        Attempted::Skipped => return,
        Attempted::Delivered => "delivered",
        Attempted::Retrying => "retrying",
        Attempted::Failed => "failed",
    };
    if let Err(e) = store.increment(&keys::delivery_attempts(method, result), 1) {
        eprintln!("report-speeding-backoffice: counting a delivery attempt: {e}");
    }
}

/// The outbox in the Prometheus text format (version 0.0.4), for
/// `GET /report-speeding/outbox/metrics`: how many reports wait and how long the
/// oldest has waited (from the outbox index), and the delivery attempts by method and
/// result (the counters [`count_attempt`] keeps). They are the application's, shared
/// by every host, so one scrape of any host gives the fleet's figures; council-host's
/// own `/metrics` has the per-host ones.
pub fn metrics(store: &Store) -> Result<String, StoreError> {
    use std::fmt::Write as _;
    let index: OutboxIndex = store.get(keys::OUTBOX_INDEX)?.unwrap_or_default();
    let now = store::now();
    let oldest = index
        .pending
        .values()
        .min()
        .map_or(0, |queued_at| now.saturating_sub(*queued_at));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP report_speeding_outbox_depth Reports waiting for delivery.\n\
         # TYPE report_speeding_outbox_depth gauge\n\
         report_speeding_outbox_depth {}\n\
         # HELP report_speeding_outbox_oldest_age_seconds How long the oldest waiting report has waited (0 when none waits).\n\
         # TYPE report_speeding_outbox_oldest_age_seconds gauge\n\
         report_speeding_outbox_oldest_age_seconds {oldest}\n\
         # HELP report_speeding_delivery_attempts_total Delivery attempts, by method and result (retrying: failed and will be retried).\n\
         # TYPE report_speeding_delivery_attempts_total counter",
        index.pending.len()
    );
    for method in COUNTED_METHODS {
        for result in COUNTED_RESULTS {
            let count = match store.get_raw(&keys::delivery_attempts(method, result))? {
                None => 0,
                Some(bytes) => std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|text| text.trim().parse::<u64>().ok())
                    .unwrap_or(0),
            };
            let _ = writeln!(
                out,
                "report_speeding_delivery_attempts_total{{method=\"{method}\",result=\"{result}\"}} {count}"
            );
        }
    }
    Ok(out)
}

/// One attempt by GOV.UK Notify: the outcome, and whether Notify may have the report
/// afterwards without having said so.
async fn notify(settings: &Settings, report: &Report, was_in_doubt: bool) -> (Outcome, bool) {
    let Some(address) = report.recipient.email.clone() else {
        return (
            Outcome::Permanent(format!(
                "no contact e-mail address for {} in the contacts source",
                report.recipient.body_name
            )),
            was_in_doubt,
        );
    };
    let (key, template) = match (&settings.notify_api_key, &settings.notify_template_id) {
        (None, _) => {
            return (
                Outcome::Retry("notify_api_key is not set".into()),
                was_in_doubt,
            );
        }
        (_, None) => {
            return (
                Outcome::Retry("notify_template_id is not set".into()),
                was_in_doubt,
            );
        }
        (Some(key), Some(template)) => match NotifyKey::parse(key) {
            Err(reason) => return (Outcome::Retry(reason.to_string()), was_in_doubt),
            Ok(key) => (key, template),
        },
    };
    if was_in_doubt {
        match notify_has(settings, &key, &report.reference).await {
            Ok(Some(id)) => return (Outcome::Delivered(Some(id)), false),
            Ok(None) => {}
            Err(reason) => {
                return (
                    Outcome::Retry(format!(
                        "could not ask Notify whether it already has the report: {reason}"
                    )),
                    true,
                );
            }
        }
    }
    let body = delivery::notify_body(report, &address, template)
        .to_string()
        .into_bytes();
    let jwt = delivery::notify_jwt(&key, store::now());
    let url = format!("{}/v2/notifications/email", settings.notify_base_url);
    match post(
        &url,
        vec![("authorization", format!("Bearer {jwt}"))],
        body,
        settings.timeout,
    )
    .await
    {
        Ok((status, answer)) => (
            delivery::classify(status, &answer),
            delivery::outcome_in_doubt(Some(status)),
        ),
        Err(reason) => (
            Outcome::Retry(reason.to_string()),
            delivery::outcome_in_doubt(None),
        ),
    }
}

/// One attempt by webhook. The receiver drops repeats by `Idempotency-Key`.
async fn webhook(settings: &Settings, report: &Report) -> (Outcome, bool) {
    let (url, secret) = match (&settings.webhook_url, &settings.webhook_secret) {
        (None, _) => return (Outcome::Retry("webhook_url is not set".into()), false),
        (_, None) => return (Outcome::Retry("webhook_secret is not set".into()), false),
        (Some(url), Some(secret)) => (url, secret),
    };
    let body = delivery::webhook_body(report).to_string().into_bytes();
    let signature = delivery::webhook_signature(secret, store::now(), &body);
    let headers = vec![
        ("idempotency-key", report.reference.clone()),
        ("webhook-signature", signature),
    ];
    match post(url, headers, body, settings.timeout).await {
        Ok((status, answer)) => (
            delivery::classify(status, &answer),
            delivery::outcome_in_doubt(Some(status)),
        ),
        Err(reason) => (
            Outcome::Retry(reason.to_string()),
            delivery::outcome_in_doubt(None),
        ),
    }
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
    /// Waiting for the journey's housekeeping to find the contact.
    pub waiting_for_contact: usize,
    /// Orphaned or finished outbox entries removed.
    pub cleaned: usize,
    /// Reports that do not read (damaged values): reported, kept, not sent.
    pub unreadable: Vec<String>,
    /// Reports past the retention period removed.
    pub reports_removed: usize,
    /// Entries left for the next run (budget spent).
    pub deferred: usize,
}

/// Delivers every due report in the outbox index, up to [`RUN_ITEMS`] attempts and
/// [`RUN_BUDGET`].
pub async fn run(store: &Store, settings: &Settings) -> Result<RunSummary, StoreError> {
    let started = wstd::time::Instant::now();
    let mut summary = RunSummary::default();
    let index: OutboxIndex = store.get(keys::OUTBOX_INDEX)?.unwrap_or_default();
    let mut entries: Vec<(String, u64)> = index.pending.into_iter().collect();
    // Spread the work: a report that keeps failing should not always go first.
    if entries.len() > 1 {
        let offset = (store::random_unit() * entries.len() as f64) as usize;
        let last = entries.len() - 1;
        entries.rotate_left(offset.min(last));
    }
    summary.pending = entries.len();
    for (reference, queued_at) in entries {
        let now = store::now();
        let report = match store.get::<Report>(&keys::report(&reference)) {
            Ok(report) => report,
            Err(StoreError::Corrupt { key, reason }) => {
                eprintln!(
                    "report-speeding-backoffice: {key} does not read ({reason}); left in the outbox"
                );
                summary.unreadable.push(reference);
                continue;
            }
            Err(e) => return Err(e),
        };
        match report {
            None => {
                if queued_at + model::ORPHAN_OUTBOX_SECONDS < now {
                    forget(store, &reference)?;
                    summary.cleaned += 1;
                }
                continue;
            }
            Some(r) if r.status != Status::Queued => {
                forget(store, &reference)?;
                summary.cleaned += 1;
                continue;
            }
            Some(r) if r.recipient.contact_pending => {
                summary.waiting_for_contact += 1;
                continue;
            }
            Some(r) if r.delivery.next_attempt_at > now || r.delivery.lease_until > now => continue,
            Some(_) => {}
        }
        if summary.attempted >= RUN_ITEMS
            || StdDuration::from(started.elapsed()) + 2 * settings.timeout > RUN_BUDGET
        {
            summary.deferred += 1;
            continue;
        }
        summary.attempted += 1;
        match attempt(store, settings, &reference, false).await? {
            Attempted::Delivered => summary.delivered += 1,
            Attempted::Retrying => summary.retrying += 1,
            Attempted::Failed => summary.failed += 1,
            Attempted::Skipped => summary.attempted -= 1,
        }
    }
    Ok(summary)
}

/// How often the retention purge runs (it reads every report).
pub const PURGE_EVERY_SECONDS: u64 = 3600;

/// Deletes delivered and failed reports submitted more than `report_retention_days`
/// ago (default 90; `0` keeps reports for ever), with their `reference:` keys, at most
/// once per [`PURGE_EVERY_SECONDS`] (claimed with a compare-and-swap on
/// `retention-purge`). A reference number is 8 symbols from 30 (about 6.6 × 10^11), so
/// one reused after its report is gone is vanishingly unlikely; the reservation still
/// checks.
pub fn purge_expired_reports(store: &Store) -> Result<usize, StoreError> {
    let days: u64 = store::setting("report_retention_days")
        .and_then(|d| d.trim().parse().ok())
        .unwrap_or(90);
    if days == 0 {
        return Ok(0);
    }
    let now = store::now();
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
        let Ok(Some(report)) = store.get::<Report>(&key) else {
            continue;
        };
        if report.status != Status::Queued && report.submitted_at < cutoff {
            forget(store, &report.reference)?;
            store.delete(&key)?;
            store.delete(&keys::reference(&report.reference))?;
            removed += 1;
        }
    }
    Ok(removed)
}
