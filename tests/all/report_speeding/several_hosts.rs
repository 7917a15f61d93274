//! Several hosts, one state (issue 14, item 3): two `council-host` processes with the
//! same runtime config, every store in one real `redis-server`, as a platform team
//! runs them behind a load balancer. A report one host takes is delivered exactly
//! once by whichever outbox runs, even when the host delivering it is killed with
//! `kill -9`; a client's draft limit (an `increment` both hosts contend on) is exact.

use std::path::{Path, PathBuf};
use std::time::Duration;

use council_test_support::redis_server::RedisServer;

use super::citizen::Citizen;
use super::{STAFF_TOKEN, manifest, notify_env, run_outbox, staff_report, wait_for_status};
use crate::support::notify::NotifyStandIn;
use crate::support::{self, HostProcess};

/// Every store spin.toml's Report speeding traffic components name.
const STORES: [&str; 3] = ["default", "drafts", "reports"];

/// A runtime config putting every store in `redis`, beside `manifest`.
fn shared_state(manifest: &Path, redis: &RedisServer) -> PathBuf {
    support::redis_runtime_config(manifest.parent().unwrap(), &redis.url(0), &STORES)
}

/// One sample of the back office's `GET /report-speeding/outbox/metrics` (the
/// application's figures, the same through any host), read with the staff token.
fn outbox_metric(host: &HostProcess, sample: &str) -> f64 {
    let text = ureq::get(&host.url("/report-speeding/outbox/metrics"))
        .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    text.lines()
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == sample).then(|| value.parse().ok()).flatten()
        })
        .unwrap_or_else(|| panic!("{sample} is not in\n{text}"))
}

const DELIVERED: &str =
    "report_speeding_delivery_attempts_total{method=\"notify\",result=\"delivered\"}";

fn start_sharing(
    manifest: &Path,
    runtime_config: &Path,
    env: &[(&'static str, String)],
) -> HostProcess {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let runtime_config = runtime_config.to_str().unwrap();
    let host = HostProcess::start(
        manifest,
        &[
            "--runtime-config-file",
            runtime_config,
            "--admin-listen",
            "127.0.0.1:0",
        ],
        &env,
    )
    .unwrap();
    assert!(
        host.log().contains("backend=\"redis\"") || host.log().contains("backend=redis"),
        "the host does not say its stores are in Redis:\n{}",
        host.log()
    );
    host
}

#[test]
fn a_report_taken_by_one_host_is_delivered_once_by_either_outbox() {
    let redis = RedisServer::start().unwrap();
    let notify = NotifyStandIn::start();
    let env = notify_env(&notify.origin());
    // Both outboxes run every second, so both race for every report.
    let first = manifest("rs-shared-a", Some(1), &[]);
    let second = manifest("rs-shared-b", Some(1), &[]);
    let host_a = start_sharing(&first, &shared_state(&first, &redis), &env);
    let host_b = start_sharing(&second, &shared_state(&second, &redis), &env);

    let mut references = Vec::new();
    for (host, postcode) in [(&host_a, "M31 4AN"), (&host_b, "M33 0AF")] {
        let mut citizen = Citizen::new(host);
        citizen.reach_check_page(postcode, ["no", "no", "persistent"]);
        references.push(citizen.send().1);
    }
    for reference in &references {
        // Each host sees every report: the staff view of one shows the other's.
        for host in [&host_a, &host_b] {
            let report = wait_for_status(host, reference, "delivered", Duration::from_secs(30));
            assert_eq!(report["status"], "delivered", "{report}");
        }
    }
    // A few more rounds of both outboxes: nothing is sent again.
    std::thread::sleep(Duration::from_secs(3));
    // The outbox's metrics are the application's: either host gives the fleet's,
    // on its route and in the host's admin /metrics.
    for host in [&host_a, &host_b] {
        assert_eq!(outbox_metric(host, "report_speeding_outbox_depth"), 0.0);
        assert_eq!(outbox_metric(host, DELIVERED), 2.0);
        assert_eq!(host.metric(DELIVERED), 2.0, "{}", host.metrics());
        assert_eq!(
            host.metric("report_speeding_outbox_oldest_age_seconds"),
            0.0
        );
    }
    let anonymous = ureq::get(&host_a.url("/report-speeding/outbox/metrics")).call();
    assert!(
        matches!(anonymous, Err(ureq::Error::Status(401, _))),
        "the outbox metrics need the staff token"
    );
    for reference in &references {
        assert_eq!(
            notify.accepted_for(reference).len(),
            1,
            "{reference}: {:?}",
            notify.received()
        );
    }
}

#[test]
fn kill_9_of_the_delivering_host_leaves_the_report_to_the_other_once() {
    let redis = RedisServer::start().unwrap();
    let notify = NotifyStandIn::start();
    // Notify takes the first e-mail and answers after 4 s; an attempt waits 3 s per
    // request, so its lease is 3 x 3 + 5 = 14 s.
    notify.hold(4.0, 1);
    let mut env = notify_env(&notify.origin());
    env.push(("SPIN_VARIABLE_DELIVERY_TIMEOUT_MS", "3000".into()));
    // Host A's outbox runs every second; host B's only when asked, so A delivers.
    let first = manifest("rs-kill-shared-a", Some(1), &[]);
    let second = manifest("rs-kill-shared-b", None, &[]);
    let mut host_a = start_sharing(&first, &shared_state(&first, &redis), &env);
    let host_b = start_sharing(&second, &shared_state(&second, &redis), &env);

    let mut citizen = Citizen::new(&host_a);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (_, reference) = citizen.send();
    // Notify holds A's request: A dies now, mid-delivery.
    assert_eq!(
        notify
            .wait_for(&reference, 1, Duration::from_secs(10))
            .len(),
        1
    );
    host_a.kill_hard();
    assert_eq!(outbox_metric(&host_b, "report_speeding_outbox_depth"), 1.0);

    // B's outbox, run as a CronJob would, takes the report over once A's lease has
    // run out, asks Notify whether it has it, and records it without sending again.
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        run_outbox(&host_b);
        let report = staff_report(&host_b, &reference);
        if report["status"] == "delivered" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered by the second host: {report}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        notify.accepted_for(&reference).len(),
        1,
        "{:?}",
        notify.received()
    );
    assert!(notify.lookups_for(&reference) >= 1);
    assert_eq!(outbox_metric(&host_b, "report_speeding_outbox_depth"), 0.0);
    assert_eq!(outbox_metric(&host_b, DELIVERED), 1.0);
}

#[test]
fn a_clients_draft_limit_holds_across_hosts_under_contention() {
    let redis = RedisServer::start().unwrap();
    let notify = NotifyStandIn::start();
    let mut env = notify_env(&notify.origin());
    env.push(("SPIN_VARIABLE_MAX_NEW_DRAFTS_PER_CLIENT", "10".into()));
    env.push(("SPIN_VARIABLE_CLIENT_IP_HEADER", "X-Forwarded-For".into()));
    let first = manifest("rs-limit-shared-a", None, &[]);
    let second = manifest("rs-limit-shared-b", None, &[]);
    let host_a = start_sharing(&first, &shared_state(&first, &redis), &env);
    let host_b = start_sharing(&second, &shared_state(&second, &redis), &env);

    // One client starts 24 journeys at once, half through each host; each first
    // answer is an `increment` of the client's counter.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..24)
            .map(|i| {
                let host = if i % 2 == 0 { &host_a } else { &host_b };
                scope.spawn(move || {
                    let mut citizen = Citizen::new(host);
                    citizen.forwarded_for = Some("198.51.100.7".into());
                    citizen.post("/report-speeding/start", &[]);
                    citizen.get("/report-speeding/postcode");
                    citizen
                        .post("/report-speeding/postcode", &[("postcode", "M31 4AN")])
                        .status
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let started = statuses.iter().filter(|s| **s == 303).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((started, refused), (10, 14), "{statuses:?}");
}
