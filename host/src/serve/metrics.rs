//! What the host counts, and its rendering in the Prometheus text exposition format
//! (version 0.0.4, <https://prometheus.io/docs/instrumenting/exposition_formats/>),
//! served on the admin listener's `/metrics` (see [`crate::serve::admin`]).
//!
//! Everything is kept in plain atomics and small maps behind a mutex: the host counts
//! a few events per request, and a scrape renders them all. Labels come only from
//! the manifest (component ids, routes) and from fixed lists in this crate (reasons,
//! status codes), never from what a client sends, so a hostile client cannot make the
//! label sets grow.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Why the host cut a client off (refused a connection, closed it early, or refused a
/// request before it reached a component). Each reason is a label value of
/// `council_host_client_cutoffs_total` and is named in the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cutoff {
    /// The host was at `--max-connections`.
    TooManyConnections,
    /// The client had `--max-connections-per-client` open already.
    TooManyClientConnections,
    /// The request head did not arrive within `--header-read-timeout-secs`.
    SlowHead,
    /// The request body did not arrive within `--body-timeout-secs`.
    SlowBody,
    /// The client stopped reading its response for `--idle-timeout-secs`.
    SlowReader,
    /// The client had `--max-requests-per-client` requests running already.
    TooManyClientRequests,
    /// Every instance slot (`--max-concurrent-requests`) was taken.
    NoFreeSlot,
    /// Buffered request bodies had used `--max-buffered-body-mib`.
    BodyBudgetSpent,
}

impl Cutoff {
    /// Every reason, in label order.
    pub const ALL: [Cutoff; 8] = [
        Cutoff::TooManyConnections,
        Cutoff::TooManyClientConnections,
        Cutoff::SlowHead,
        Cutoff::SlowBody,
        Cutoff::SlowReader,
        Cutoff::TooManyClientRequests,
        Cutoff::NoFreeSlot,
        Cutoff::BodyBudgetSpent,
    ];

    /// The label value and log word.
    pub fn as_str(self) -> &'static str {
        match self {
            Cutoff::TooManyConnections => "too-many-connections",
            Cutoff::TooManyClientConnections => "too-many-client-connections",
            Cutoff::SlowHead => "slow-head",
            Cutoff::SlowBody => "slow-body",
            Cutoff::SlowReader => "slow-reader",
            Cutoff::TooManyClientRequests => "too-many-client-requests",
            Cutoff::NoFreeSlot => "no-free-slot",
            Cutoff::BodyBudgetSpent => "body-budget-spent",
        }
    }

    fn index(self) -> usize {
        Cutoff::ALL
            .iter()
            .position(|c| *c == self)
            .expect("every reason is in ALL")
    }
}

/// Upper bounds of the request-duration histogram, in seconds.
const DURATION_BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Cumulative counts are computed at render time; these are per bucket, with one
    /// more for `+Inf`.
    buckets: [u64; DURATION_BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

impl Histogram {
    /// Writes the `_bucket` (cumulative), `_sum` and `_count` lines of one series.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i];
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels},le=\"+Inf\"}} {}\n{name}_sum{{{labels}}} {}\n{name}_count{{{labels}}} {}",
            self.count, self.sum_seconds, self.count
        );
    }

    fn observe(&mut self, seconds: f64) {
        let at = DURATION_BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[at] += 1;
        self.sum_seconds += seconds;
        self.count += 1;
    }
}

/// How an outgoing request ended, a label value of
/// `council_host_upstream_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamOutcome {
    /// Refused by the host: the destination is not in `allowed_outbound_hosts`.
    Refused,
    /// No response head (connection refused, timeout, TLS or protocol error).
    Failed,
    /// A response with this status.
    Status(u16),
}

impl UpstreamOutcome {
    fn label(self) -> &'static str {
        match self {
            UpstreamOutcome::Refused => "refused",
            UpstreamOutcome::Failed => "failed",
            UpstreamOutcome::Status(100..=199) => "1xx",
            UpstreamOutcome::Status(200..=299) => "2xx",
            UpstreamOutcome::Status(300..=399) => "3xx",
            UpstreamOutcome::Status(400..=499) => "4xx",
            UpstreamOutcome::Status(_) => "5xx",
        }
    }
}

/// Destinations counted by name; more (a wildcard in `allowed_outbound_hosts` could
/// match many) are counted as `other`, so the label set stays bounded.
const UPSTREAM_ORIGINS: usize = 64;

/// One backend's operations of one kind: their durations, and how many failed.
#[derive(Debug, Default)]
struct KeyValueSeries {
    durations: Histogram,
    failures: u64,
}

/// The host's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    cutoffs: [AtomicU64; Cutoff::ALL.len()],
    connections_accepted: AtomicU64,
    connections_open: AtomicI64,
    instances_in_flight: AtomicI64,
    /// (component, route, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// component → durations.
    durations: Mutex<BTreeMap<String, Histogram>>,
    /// Instances stopped at their deadline, and instances moved to the slow lane.
    deadlines_hit: AtomicU64,
    slow_lane_entries: AtomicU64,
    /// (backend, operation) → its operations.
    key_value: Mutex<BTreeMap<(&'static str, &'static str), KeyValueSeries>>,
    /// (component, origin, outcome) → outgoing requests; origin → time to the
    /// response head.
    upstream: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    upstream_durations: Mutex<BTreeMap<String, Histogram>>,
}

/// Gauges read at scrape time from elsewhere in the host.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Instance slots free (`--max-concurrent-requests` minus those in use).
    pub slots_free: usize,
    /// Connections the host may still accept.
    pub connections_free: usize,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Counters stay usable after a panic elsewhere: at worst one count is lost.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Escapes a label value (the exposition format's rules: backslash, quote, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

impl Metrics {
    /// Counts one cut-off.
    pub fn cutoff(&self, reason: Cutoff) {
        self.cutoffs[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// How many cut-offs of one kind so far.
    pub fn cutoffs(&self, reason: Cutoff) -> u64 {
        self.cutoffs[reason.index()].load(Ordering::Relaxed)
    }

    /// A connection was accepted (and is now open).
    pub fn connection_opened(&self) {
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed.
    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// An instance started or finished running.
    pub fn instance_delta(&self, delta: i64) {
        self.instances_in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    /// An instance was stopped at its deadline.
    pub fn deadline_hit(&self) {
        self.deadlines_hit.fetch_add(1, Ordering::Relaxed);
    }

    /// An instance ran past its budget and continues in the slow lane.
    pub fn slow_lane_entered(&self) {
        self.slow_lane_entries.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a finished request.
    pub fn request(&self, component: &str, route: &str, status: u16, duration: Duration) {
        *lock(&self.requests)
            .entry((component.to_string(), route.to_string(), status))
            .or_default() += 1;
        lock(&self.durations)
            .entry(component.to_string())
            .or_default()
            .observe(duration.as_secs_f64());
    }

    /// Records one key-value operation (`backend`: "spin" or "redis"; `operation`:
    /// the `wasi:keyvalue` function), as it ended.
    pub fn key_value_operation(
        &self,
        backend: &'static str,
        operation: &'static str,
        succeeded: bool,
        duration: Duration,
    ) {
        let mut key_value = lock(&self.key_value);
        let series = key_value.entry((backend, operation)).or_default();
        series.durations.observe(duration.as_secs_f64());
        if !succeeded {
            series.failures += 1;
        }
    }

    /// Records one outgoing request: `origin` is `None` when the host refused it
    /// (the guest's destination is never a label), `duration` the time to the
    /// response head or the failure.
    pub fn upstream_request(
        &self,
        component: &str,
        origin: Option<&str>,
        outcome: UpstreamOutcome,
        duration: Option<Duration>,
    ) {
        let mut upstream = lock(&self.upstream);
        let origin = match origin {
            None => "-",
            // A known origin (every request once warm) costs one scan; the distinct
            // origins are counted only for a new one.
            Some(origin) if upstream.keys().any(|(_, o, _)| o == origin) => origin,
            Some(origin) => {
                let named: std::collections::BTreeSet<&str> =
                    upstream.keys().map(|(_, o, _)| o.as_str()).collect();
                if named.len() < UPSTREAM_ORIGINS {
                    origin
                } else {
                    "other"
                }
            }
        }
        .to_string();
        *upstream
            .entry((component.to_string(), origin.clone(), outcome.label()))
            .or_default() += 1;
        drop(upstream);
        if let Some(duration) = duration {
            lock(&self.upstream_durations)
                .entry(origin)
                .or_default()
                .observe(duration.as_secs_f64());
        }
    }

    /// Requests counted for a route with a status (for tests and the bench).
    pub fn requests_for(&self, route: &str, status: u16) -> u64 {
        lock(&self.requests)
            .iter()
            .filter(|((_, r, s), _)| r == route && *s == status)
            .map(|(_, n)| *n)
            .sum()
    }

    /// The Prometheus text format of everything.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(
            "council_host_client_cutoffs_total",
            "counter",
            "Clients refused or disconnected by a host limit, by reason.",
        );
        for reason in Cutoff::ALL {
            let _ = writeln!(
                out,
                "council_host_client_cutoffs_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                self.cutoffs(reason)
            );
        }
        let mut family = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        family(
            "council_host_connections_accepted_total",
            "counter",
            "Connections accepted.",
            self.connections_accepted
                .load(Ordering::Relaxed)
                .to_string(),
        );
        family(
            "council_host_connections_open",
            "gauge",
            "Connections open now.",
            self.connections_open.load(Ordering::Relaxed).to_string(),
        );
        family(
            "council_host_connections_free",
            "gauge",
            "Connections the host may still accept before --max-connections.",
            gauges.connections_free.to_string(),
        );
        family(
            "council_host_instances_in_flight",
            "gauge",
            "Component instances running now.",
            self.instances_in_flight.load(Ordering::Relaxed).to_string(),
        );
        family(
            "council_host_slots_free",
            "gauge",
            "Instance slots free (--max-concurrent-requests minus those in use).",
            gauges.slots_free.to_string(),
        );
        family(
            "council_host_deadlines_hit_total",
            "counter",
            "Instances stopped at the request deadline.",
            self.deadlines_hit.load(Ordering::Relaxed).to_string(),
        );
        family(
            "council_host_slow_lane_entries_total",
            "counter",
            "Instances that computed past --throttle-after-ms and continued in the slow lane.",
            self.slow_lane_entries.load(Ordering::Relaxed).to_string(),
        );
        let _ = writeln!(
            out,
            "# HELP council_host_requests_total Requests answered, by component, route and status.\n# TYPE council_host_requests_total counter"
        );
        for ((component, route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "council_host_requests_total{{component=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(component),
                label(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP council_host_request_duration_seconds Time from the request head to the response head, by component.\n# TYPE council_host_request_duration_seconds histogram"
        );
        for (component, histogram) in lock(&self.durations).iter() {
            let labels = format!("component=\"{}\"", label(component));
            histogram.render(&mut out, "council_host_request_duration_seconds", &labels);
        }
        let key_value = lock(&self.key_value);
        let _ = writeln!(
            out,
            "# HELP council_host_key_value_duration_seconds Key-value operations' time, by backend (spin: SQLite, redis) and operation.\n# TYPE council_host_key_value_duration_seconds histogram"
        );
        for ((backend, operation), series) in key_value.iter() {
            let labels = format!("backend=\"{backend}\",operation=\"{operation}\"");
            series
                .durations
                .render(&mut out, "council_host_key_value_duration_seconds", &labels);
        }
        let _ = writeln!(
            out,
            "# HELP council_host_key_value_failures_total Key-value operations that failed (the store did not answer or refused), by backend and operation.\n# TYPE council_host_key_value_failures_total counter"
        );
        for ((backend, operation), series) in key_value.iter() {
            let _ = writeln!(
                out,
                "council_host_key_value_failures_total{{backend=\"{backend}\",operation=\"{operation}\"}} {}",
                series.failures
            );
        }
        let _ = writeln!(
            out,
            "# HELP council_host_upstream_requests_total Components' outgoing requests, by component, destination origin (\"-\" when refused by allowed_outbound_hosts) and outcome.\n# TYPE council_host_upstream_requests_total counter"
        );
        for ((component, origin, outcome), n) in lock(&self.upstream).iter() {
            let _ = writeln!(
                out,
                "council_host_upstream_requests_total{{component=\"{}\",origin=\"{}\",outcome=\"{outcome}\"}} {n}",
                label(component),
                label(origin)
            );
        }
        let _ = writeln!(
            out,
            "# HELP council_host_upstream_duration_seconds Time from sending an outgoing request to its response head (or failure), by destination origin.\n# TYPE council_host_upstream_duration_seconds histogram"
        );
        for (origin, histogram) in lock(&self.upstream_durations).iter() {
            let labels = format!("origin=\"{}\"", label(origin));
            histogram.render(&mut out, "council_host_upstream_duration_seconds", &labels);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histograms() {
        let metrics = Metrics::default();
        metrics.cutoff(Cutoff::SlowHead);
        metrics.cutoff(Cutoff::SlowHead);
        metrics.connection_opened();
        metrics.request("api", "/api/...", 200, Duration::from_millis(3));
        metrics.request("api", "/api/...", 200, Duration::from_secs(20));
        let text = metrics.render(Gauges {
            slots_free: 7,
            connections_free: 9,
        });
        assert!(text.contains("council_host_client_cutoffs_total{reason=\"slow-head\"} 2"));
        assert!(text.contains("council_host_client_cutoffs_total{reason=\"slow-body\"} 0"));
        assert!(text.contains("council_host_slots_free 7"));
        assert!(text.contains("council_host_connections_open 1"));
        assert!(text.contains(
            "council_host_requests_total{component=\"api\",route=\"/api/...\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "council_host_request_duration_seconds_bucket{component=\"api\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "council_host_request_duration_seconds_bucket{component=\"api\",le=\"+Inf\"} 2"
        ));
        assert_eq!(metrics.requests_for("/api/...", 200), 2);
        // Every family is announced once with its type.
        assert_eq!(
            text.matches("# TYPE council_host_request_duration_seconds histogram")
                .count(),
            1
        );
    }

    #[test]
    fn key_value_operations_are_timed_by_backend_and_counted_when_they_fail() {
        let metrics = Metrics::default();
        metrics.key_value_operation("redis", "get", true, Duration::from_micros(300));
        metrics.key_value_operation("redis", "get", false, Duration::from_secs(5));
        metrics.key_value_operation("spin", "set", true, Duration::from_millis(2));
        let text = metrics.render(Gauges::default());
        assert!(text.contains(
            "council_host_key_value_duration_seconds_bucket{backend=\"redis\",operation=\"get\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "council_host_key_value_duration_seconds_count{backend=\"redis\",operation=\"get\"} 2"
        ));
        assert!(text.contains(
            "council_host_key_value_failures_total{backend=\"redis\",operation=\"get\"} 1"
        ));
        assert!(text.contains(
            "council_host_key_value_failures_total{backend=\"spin\",operation=\"set\"} 0"
        ));
    }

    #[test]
    fn upstream_requests_are_counted_by_origin_with_a_bounded_label_set() {
        let metrics = Metrics::default();
        let ms = Some(Duration::from_millis(20));
        metrics.upstream_request(
            "contacts",
            Some("https://mg.example"),
            UpstreamOutcome::Status(200),
            ms,
        );
        metrics.upstream_request(
            "contacts",
            Some("https://mg.example"),
            UpstreamOutcome::Status(503),
            ms,
        );
        metrics.upstream_request(
            "contacts",
            Some("https://mg.example"),
            UpstreamOutcome::Failed,
            ms,
        );
        metrics.upstream_request("contacts", None, UpstreamOutcome::Refused, None);
        for i in 0..100 {
            let origin = format!("https://h{i}.example");
            metrics.upstream_request("contacts", Some(&origin), UpstreamOutcome::Status(200), ms);
        }
        let text = metrics.render(Gauges::default());
        for sample in [
            "council_host_upstream_requests_total{component=\"contacts\",origin=\"https://mg.example\",outcome=\"2xx\"} 1",
            "council_host_upstream_requests_total{component=\"contacts\",origin=\"https://mg.example\",outcome=\"5xx\"} 1",
            "council_host_upstream_requests_total{component=\"contacts\",origin=\"https://mg.example\",outcome=\"failed\"} 1",
            "council_host_upstream_requests_total{component=\"contacts\",origin=\"-\",outcome=\"refused\"} 1",
            "council_host_upstream_duration_seconds_count{origin=\"https://mg.example\"} 3",
        ] {
            assert!(text.contains(sample), "{sample} missing from\n{text}");
        }
        // 64 origins by name (mg.example, "-" and 62 more), the rest as `other`.
        let other = "council_host_upstream_requests_total{component=\"contacts\",origin=\"other\",outcome=\"2xx\"} 38";
        assert!(text.contains(other), "{text}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
