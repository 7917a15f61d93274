//! Delivery through the outbox: retries with back-off, kill -9 before and during a
//! request to Notify, a body without an e-mail address, signed webhooks, a slow Notify,
//! a stored report that does not read, and the demo inbox.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::citizen::Citizen;
use super::{
    STAFF_TOKEN, manifest, notify_env, run_outbox, staff_report, start, wait_for_attempts,
    wait_for_status,
};
use crate::support;
use crate::support::notify::{self, NotifyStandIn};

#[test]
fn failed_deliveries_are_retried_with_back_off_until_notify_accepts() {
    let notify = NotifyStandIn::start();
    notify.fail_next(&[500]);
    let manifest = manifest("rs-retry", Some(1), &[]);
    let host = start(&manifest, &notify_env(&notify.origin()));
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M33 0AF", ["no", "no", "persistent"]);
    let (confirmation, reference) = citizen.send();
    assert!(
        confirmation
            .body
            .contains("We will send your report to Trafford Council"),
        "{}",
        confirmation.body
    );

    // The first attempt met the 500: queued, with the reason and a later next attempt.
    let report = wait_for_attempts(&host, &reference, 1);
    assert_eq!(report["status"], "queued", "{report}");
    assert_eq!(report["attempts"], 1);
    assert!(
        report["last_error"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 500"),
        "{report}"
    );
    assert!(report["next_attempt_at"].as_str().unwrap() > report["submitted_at"].as_str().unwrap());
    // Running the outbox before the back-off has passed sends nothing.
    let summary = run_outbox(&host);
    assert_eq!(summary["attempted"], 0, "{summary}");
    assert_eq!(notify.received().len(), 1);
    assert_eq!(
        report["in_doubt"], true,
        "a 500 may come after Notify stored it"
    );

    // The scheduler (every second here) retries once the back-off (5 to 10 s) has passed.
    let report = wait_for_status(&host, &reference, "delivered", Duration::from_secs(30));
    assert_eq!(report["status"], "delivered", "{report}");
    assert_eq!(report["attempts"], 2);
    assert!(report["receipt"].as_str().is_some());
    assert_eq!(notify.accepted_for(&reference).len(), 1);
    // Before sending again after the 500, the outbox asked Notify whether it had it.
    assert_eq!(notify.lookups_for(&reference), 1, "{:?}", notify.received());
    assert_eq!(notify.received().len(), 3);
}

#[test]
fn a_report_survives_kill_9_and_is_delivered_once_after_the_restart() {
    let port = NotifyStandIn::reserve_port();
    let origin = format!("http://127.0.0.1:{port}");
    let manifest = manifest("rs-kill", Some(1), &[]);
    let mut host = start(&manifest, &notify_env(&origin));

    // Notify is down: the report is stored and confirmed all the same.
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (confirmation, reference) = citizen.send();
    assert!(confirmation.body.contains("Partington Town Council"));
    let report = wait_for_attempts(&host, &reference, 1);
    assert_eq!(report["status"], "queued", "{report}");
    assert!(
        report["last_error"]
            .as_str()
            .unwrap()
            .contains("Connection"),
        "{report}"
    );

    // The host crashes before delivery.
    host.kill_hard();
    let notify = NotifyStandIn::start_on(port).unwrap();
    let host = start(&manifest, &notify_env(&origin));

    // After the restart the scheduler's outbox run delivers it, once.
    let sent = notify.wait_for(&reference, 1, Duration::from_secs(40));
    assert_eq!(sent.len(), 1, "{:?}", notify.received());
    assert_eq!(
        sent[0].body["email_address"],
        "clerk@partington.example.org"
    );
    let report = wait_for_status(&host, &reference, "delivered", Duration::from_secs(10));
    assert_eq!(report["status"], "delivered", "{report}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        notify.accepted_for(&reference).len(),
        1,
        "{:?}",
        notify.received()
    );
}

#[test]
fn a_body_without_an_e_mail_address_fails_visibly_and_webhooks_are_signed() {
    // A directory whose Trafford entry has no e-mail address.
    let dir = support::scratch_dir("rs-contacts-data");
    let directory =
        std::fs::read_to_string(support::workspace_root().join("data/contacts/directory.json"))
            .unwrap();
    support::write(
        &dir.join("directory.json"),
        &directory.replace(
            r#""email": "contact-centre@trafford.example.org""#,
            r#""email": null"#,
        ),
    );
    let manifest = manifest("rs-no-email", None, &[(&dir, "/contacts-test")]);
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "/data/contacts/directory.json",
        "/contacts-test/directory.json",
    );
    std::fs::write(&manifest, text).unwrap();
    let notify = NotifyStandIn::start();
    let host = start(&manifest, &notify_env(&notify.origin()));
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M33 0AF", ["no", "no", "persistent"]);
    let (_, reference) = citizen.send();
    run_outbox(&host);
    let report = staff_report(&host, &reference);
    assert_eq!(report["status"], "failed", "{report}");
    assert!(
        report["last_error"]
            .as_str()
            .unwrap()
            .contains("no contact e-mail address for Trafford Council"),
        "{report}"
    );
    assert!(notify.received().is_empty());
    drop(host);

    // The same report by webhook: signed, with the reference as the idempotency key.
    let mut env = notify_env(&notify.origin());
    env.push(("SPIN_VARIABLE_DELIVERY_METHOD", "webhook".into()));
    env.push(("SPIN_VARIABLE_WEBHOOK_ORIGIN", notify.origin()));
    env.push(("SPIN_VARIABLE_WEBHOOK_PATH", "/hooks/speeding".into()));
    env.push(("SPIN_VARIABLE_WEBHOOK_SECRET", "webhook-test-secret".into()));
    notify.set_webhook_secret("webhook-test-secret");
    let host = start(&manifest, &env);
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (_, reference) = citizen.send();
    run_outbox(&host);
    let sent = notify.wait_for(&reference, 1, Duration::from_secs(10));
    assert_eq!(sent.len(), 1, "{:?}", notify.received());
    assert_eq!(sent[0].path, "/hooks/speeding");
    assert_eq!(sent[0].headers["idempotency-key"], reference);
    assert_eq!(sent[0].body["recipient"]["name"], "Partington Town Council");
    assert_eq!(sent[0].body["recipient"]["tier"], "parish");
    // Staff can requeue the failed one; it stays failed while the cause remains.
    let retried = ureq::post(&host.url(&format!(
        "/report-speeding/staff/reports/{}/retry",
        report["reference"].as_str().unwrap()
    )))
    .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
    .call()
    .unwrap()
    .into_json::<Value>()
    .unwrap();
    assert_eq!(retried["result"], "Delivered", "{retried}");
}

/// Issue 10, item 6: Notify answered in 3 s, the attempt gave up at 2 s after Notify
/// had accepted the e-mail, and the retry sent a second one.
#[test]
fn a_slow_notify_gets_each_report_once() {
    let notify = NotifyStandIn::start();
    // The first e-mail is accepted at once and answered after 3 s; the attempt waits 1 s.
    notify.hold(3.0, 1);
    let manifest = manifest("rs-slow-notify", Some(1), &[]);
    let mut env = notify_env(&notify.origin());
    env.push(("SPIN_VARIABLE_DELIVERY_TIMEOUT_MS", "1000".into()));
    let host = start(&manifest, &env);
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (_, reference) = citizen.send();
    let report = wait_for_attempts(&host, &reference, 1);
    assert_eq!(report["status"], "queued", "{report}");
    assert_eq!(report["in_doubt"], true, "{report}");
    assert!(
        report["last_error"].as_str().unwrap().contains("no answer"),
        "{report}"
    );
    // The retry (after 5 to 10 s of back-off) asks Notify first, finds the e-mail and
    // records it instead of sending another.
    let report = wait_for_status(&host, &reference, "delivered", Duration::from_secs(30));
    assert_eq!(report["status"], "delivered", "{report}");
    assert_eq!(report["in_doubt"], false, "{report}");
    assert_eq!(
        notify.accepted_for(&reference).len(),
        1,
        "{:?}",
        notify.received()
    );
    assert_eq!(notify.lookups_for(&reference), 1);
    let inbox = notify.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        report["receipt"], inbox[0]["id"],
        "the receipt is Notify's id"
    );
}

/// Issue 10, item 6: after kill -9 while Notify held the request, the report was sent
/// again once the lease ran out.
#[test]
fn kill_9_while_notify_holds_the_request_sends_the_report_once() {
    let notify = NotifyStandIn::start();
    notify.hold(4.0, 1);
    let manifest = manifest("rs-kill-in-flight", Some(1), &[]);
    let mut env = notify_env(&notify.origin());
    // An attempt waits up to 3 s per request; its lease is 3 x 3 + 5 = 14 s.
    env.push(("SPIN_VARIABLE_DELIVERY_TIMEOUT_MS", "3000".into()));
    let mut host = start(&manifest, &env);
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (_, reference) = citizen.send();
    // Notify has the e-mail and has not answered: the host dies now.
    assert_eq!(
        notify
            .wait_for(&reference, 1, Duration::from_secs(10))
            .len(),
        1
    );
    host.kill_hard();
    let host = start(&manifest, &env);
    let report = wait_for_status(&host, &reference, "delivered", Duration::from_secs(40));
    assert_eq!(report["status"], "delivered", "{report}");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        notify.accepted_for(&reference).len(),
        1,
        "{:?}",
        notify.received()
    );
    assert!(notify.lookups_for(&reference) >= 1);
}

/// Issue 10, item 11: a stored report that did not parse was treated as absent, and
/// the outbox deleted its entry.
#[test]
fn a_report_that_does_not_read_is_reported_and_kept() {
    let notify = NotifyStandIn::start();
    let manifest = manifest("rs-corrupt", None, &[]);
    // The probe component shares the app's store file, so it can damage a report.
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&format!(
        "\n[[trigger.http]]\nroute = \"/probe/...\"\ncomponent = \"probe\"\n\n[component.probe]\nsource = \"{}\"\nkey_value_stores = [\"reports\"]\n",
        support::component("guest-probe").display()
    ));
    std::fs::write(&manifest, text).unwrap();
    let host = start(&manifest, &notify_env(&notify.origin()));
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M33 0AF", ["no", "no", "persistent"]);
    let (_, reference) = citizen.send();
    let damaged = support::send(
        "PUT",
        &host.url(&format!("/probe/kv/reports/report:{reference}")),
        "text/plain",
        b"{\"reference\": 12, not json",
    )
    .unwrap();
    assert_eq!(damaged.status, 200, "{}", damaged.body);
    let summary = run_outbox(&host);
    assert_eq!(
        summary["unreadable"],
        serde_json::json!([reference]),
        "{summary}"
    );
    assert_eq!(summary["cleaned"], 0, "{summary}");
    // Still in the outbox on the next run, and listed for staff.
    let summary = run_outbox(&host);
    assert_eq!(
        summary["unreadable"],
        serde_json::json!([reference]),
        "{summary}"
    );
    let list: Value = ureq::get(&host.url("/report-speeding/staff/reports?format=json"))
        .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(
        list["unreadable"],
        serde_json::json!([format!("report:{reference}")])
    );
    assert!(notify.received().is_empty());
}

/// What the README's first command shows: a report arrives, once, in the demo inbox of
/// the body it was routed to, and the inbox refuses what GOV.UK Notify would refuse.
#[test]
fn the_demo_inbox_receives_each_report_once_and_checks_it_as_notify_does() {
    let inbox = NotifyStandIn::start();
    let manifest = manifest("rs-demo-inbox-app", Some(1), &[]);
    let host = start(&manifest, &notify_env(&inbox.origin()));

    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let (_, reference) = citizen.send();
    let deadline = Instant::now() + Duration::from_secs(20);
    let received = loop {
        let received: Vec<Value> = inbox
            .inbox()
            .into_iter()
            .filter(|e| e["reference"] == reference.as_str())
            .collect();
        if !received.is_empty() || Instant::now() > deadline {
            break received;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(received.len(), 1, "{:?}", inbox.inbox());
    assert_eq!(received[0]["email_address"], "clerk@partington.example.org");
    assert_eq!(
        received[0]["personalisation"]["council"],
        "Partington Town Council"
    );
    // The scheduler keeps running the outbox: still exactly one a few runs later.
    std::thread::sleep(Duration::from_secs(3));
    let again = inbox
        .inbox()
        .into_iter()
        .filter(|e| e["reference"] == reference.as_str())
        .count();
    assert_eq!(again, 1);
    let page = ureq::get(&format!("{}/", inbox.origin()))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains(&reference) && page.contains("clerk@partington.example.org"));

    // A token signed with another key, and a body without a recipient, are refused
    // with Notify's error shape, and nothing reaches the inbox.
    let bad_key = notify::API_KEY.replace("9c8b7a6f-5e4d", "00000000-0000");
    let forged = notify::jwt_for(&bad_key);
    let refused = ureq::post(&format!("{}/v2/notifications/email", inbox.origin()))
        .set("authorization", &format!("Bearer {forged}"))
        .send_json(serde_json::json!({"email_address": "x@example.org", "template_id": notify::TEMPLATE_ID, "personalisation": {}}));
    let Err(ureq::Error::Status(403, response)) = refused else {
        panic!("a forged token was accepted: {refused:?}");
    };
    let body: Value = response.into_json().unwrap();
    assert_eq!(body["errors"][0]["error"], "AuthError", "{body}");
    let good = notify::jwt_for(notify::API_KEY);
    let invalid = ureq::post(&format!("{}/v2/notifications/email", inbox.origin()))
        .set("authorization", &format!("Bearer {good}"))
        .send_json(serde_json::json!({"template_id": notify::TEMPLATE_ID}));
    let Err(ureq::Error::Status(400, response)) = invalid else {
        panic!("a body without email_address was accepted: {invalid:?}");
    };
    let body: Value = response.into_json().unwrap();
    assert_eq!(body["errors"][0]["error"], "ValidationError", "{body}");
    assert_eq!(inbox.inbox().len(), 1);
}
