//! Drafts and housekeeping: starting a journey stores nothing, drafts are limited per
//! client and removed when they expire.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::citizen::Citizen;
use super::{between, manifest, notify_env, run_outbox, start};
use crate::support::HostProcess;
use crate::support::notify::NotifyStandIn;

fn housekeeping(host: &HostProcess) -> Value {
    ureq::post(&host.url("/report-speeding/housekeeping/run"))
        .call()
        .unwrap()
        .into_json()
        .unwrap()
}

/// Issue 10, item 7: every anonymous `POST /start` created a draft (230,000 in two
/// minutes), drafts and spent keys were never removed, and the outbox read the whole
/// store.
#[test]
fn starting_journeys_costs_nothing_and_drafts_are_limited_and_removed() {
    let notify = NotifyStandIn::start();
    let manifest = manifest("rs-drafts", None, &[]);
    let mut env = notify_env(&notify.origin());
    env.push(("SPIN_VARIABLE_MAX_NEW_DRAFTS_PER_CLIENT", "5".into()));
    env.push(("SPIN_VARIABLE_DRAFT_TTL_SECONDS", "4".into()));
    // Behind a proxy: the client is the last X-Forwarded-For entry.
    env.push(("SPIN_VARIABLE_CLIENT_IP_HEADER", "X-Forwarded-For".into()));
    let host = start(&manifest, &env);
    let attacker = |host: &HostProcess| {
        let mut citizen = Citizen::new(host);
        citizen.forwarded_for = Some("198.51.100.7, 203.0.113.66".into());
        citizen
    };
    // 300 journeys started: nothing stored (the housekeeping sees only its own key).
    for _ in 0..300 {
        let page = attacker(&host).post("/report-speeding/start", &[]);
        assert_eq!(page.status, 303);
    }
    let run = housekeeping(&host);
    assert_eq!(run["ran"], true, "{run}");
    assert_eq!(run["summary"]["keys_seen"], 1, "{run}");
    // A client's first answers create drafts, up to its limit.
    let mut citizens = Vec::new();
    for i in 0..6 {
        let mut citizen = attacker(&host);
        citizen.post("/report-speeding/start", &[]);
        citizen.get("/report-speeding/postcode");
        let page = citizen.post("/report-speeding/postcode", &[("postcode", "M31 4AN")]);
        if i < 5 {
            assert_eq!(page.status, 303, "{}", page.body);
            citizens.push(citizen);
        } else {
            assert_eq!(page.status, 429, "{}", page.body);
            assert!(
                page.body.contains("Too many reports have been started"),
                "{}",
                page.body
            );
        }
    }
    // Someone at another address is not held up, and answers within 2 s.
    let mut neighbour = Citizen::new(&host);
    neighbour.forwarded_for = Some("203.0.113.67".into());
    neighbour.post("/report-speeding/start", &[]);
    neighbour.get("/report-speeding/postcode");
    let asked = Instant::now();
    let page = neighbour.post("/report-speeding/postcode", &[("postcode", "M31 4AN")]);
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(asked.elapsed() < Duration::from_secs(2));
    // One of them sends a report: the outbox reads one index entry, not the drafts.
    let sender = &mut citizens[0];
    let select = sender.get("/report-speeding/address");
    let uprn = between(&select.body, r#"<option value="9"#, "\"")
        .map(|rest| format!("9{rest}"))
        .unwrap();
    sender.submit("/report-speeding/address", &[("uprn", &uprn)]);
    for (question, answer) in [
        ("speed-limit", "yes"),
        ("speedwatch", "yes"),
        ("pattern", "persistent"),
    ] {
        sender.submit(
            &format!("/report-speeding/question/{question}"),
            &[("answer", answer)],
        );
    }
    sender.submit(
        "/report-speeding/details",
        &[
            ("location", "here"),
            ("when", "always"),
            ("vehicles", "cars"),
            ("description", "fast"),
        ],
    );
    let (_, reference) = sender.send();
    let summary = run_outbox(&host);
    assert_eq!(summary["pending"], 1, "{summary}");
    assert_eq!(summary["delivered"], 1, "{summary}");
    assert_eq!(notify.accepted_for(&reference).len(), 1);
    // Past their time the drafts and their submission marker go.
    std::thread::sleep(Duration::from_secs(6));
    let run = housekeeping(&host);
    assert_eq!(run["summary"]["drafts_removed"], 6, "{run}");
    let page = citizens[1].get("/report-speeding/details");
    assert_eq!(page.location.as_deref(), Some("/report-speeding/postcode"));
    // A second run within a few seconds does nothing, however often it is asked.
    assert_eq!(housekeeping(&host)["ran"], false);
}
