//! The back office: the staff view and the outbox need the staff token, and the token
//! has no usable default.

use std::process::Command;

use super::{STAFF_TOKEN, manifest, start};
use crate::support::{self, HostProcess};

#[test]
fn the_staff_view_and_the_outbox_need_the_staff_token() {
    let manifest = manifest("rs-staff", None, &[]);
    let host = start(
        &manifest,
        &[("SPIN_VARIABLE_STAFF_TOKEN", STAFF_TOKEN.into())],
    );
    for (method, path) in [
        ("GET", "/report-speeding/staff/reports"),
        ("GET", "/report-speeding/staff/reports?format=json"),
        ("POST", "/report-speeding/outbox/run"),
        ("POST", "/report-speeding/staff/reports/SPD-2222-2222/retry"),
    ] {
        for authorization in [None, Some("Bearer wrong"), Some("test-staff-token")] {
            let mut request = ureq::request(method, &host.url(path));
            if let Some(a) = authorization {
                request = request.set("authorization", a);
            }
            match request.call() {
                Err(ureq::Error::Status(401, _)) => {}
                other => panic!("{method} {path} with {authorization:?}: {other:?}"),
            }
        }
    }
    let page = ureq::get(&host.url("/report-speeding/staff/reports"))
        .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("Speeding reports"), "{page}");
    assert!(!page.contains("demo staff token"), "{page}");
    // Regression (issue 10, item 14): /staff answered 405; it leads to the list.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let staff = agent
        .get(&host.url("/report-speeding/staff"))
        .call()
        .unwrap();
    assert_eq!(staff.status(), 303);
    assert_eq!(
        staff.header("location"),
        Some("/report-speeding/staff/reports")
    );
}

/// Answers `GET /report-speeding/staff/reports` and `POST /outbox/run` give with this
/// bearer token: the status and body of each.
fn staff_answers(host: &HostProcess, token: &str) -> Vec<(u16, String)> {
    [
        ("GET", "/report-speeding/staff/reports"),
        ("POST", "/report-speeding/outbox/run"),
    ]
    .iter()
    .map(|(method, path)| {
        match ureq::request(method, &host.url(path))
            .set("authorization", &format!("Bearer {token}"))
            .call()
        {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    })
    .collect()
}

/// Issue 10, item 3: the public demo token worked in production, and a token mounted
/// from a file (ending in a newline) locked staff out.
#[test]
fn the_staff_token_has_no_usable_default() {
    let manifest = manifest("rs-staff-token", None, &[]);
    const DEMO: &str = "demo-staff-token-change-me";
    // Unset, the demo value, or too short: every back-office route is switched off,
    // whatever the client sends, and says what to set.
    for (env, token) in [
        (vec![], DEMO),
        (vec![("SPIN_VARIABLE_STAFF_TOKEN", DEMO.to_string())], DEMO),
        (
            vec![("SPIN_VARIABLE_STAFF_TOKEN", "short".to_string())],
            "short",
        ),
    ] {
        let host = start(&manifest, &env);
        for (status, body) in staff_answers(&host, token) {
            assert_eq!(status, 503, "{env:?}: {body}");
            assert!(body.contains("SPIN_VARIABLE_STAFF_TOKEN"), "{body}");
            assert!(!body.contains("Speeding reports"), "{body}");
        }
        // The scheduler does not post to the outbox with no token to send.
        drop(host);
    }
    // Demo mode, switched on explicitly (scripts/demo), accepts the demo token.
    let host = start(
        &manifest,
        &[
            ("SPIN_VARIABLE_STAFF_TOKEN", DEMO.to_string()),
            ("SPIN_VARIABLE_DEMO_MODE", "true".to_string()),
        ],
    );
    for (status, body) in staff_answers(&host, DEMO) {
        assert_eq!(status, 200, "{body}");
    }
    drop(host);
    // A secret as a Kubernetes Secret mounted from a file gives it: with a newline.
    let host = start(
        &manifest,
        &[("SPIN_VARIABLE_STAFF_TOKEN", format!("{STAFF_TOKEN}\n"))],
    );
    for (status, body) in staff_answers(&host, STAFF_TOKEN) {
        assert_eq!(status, 200, "{body}");
    }
    drop(host);
    // A line break inside a secret stops the host at start-up, naming the variable.
    let output = Command::new(support::host_binary())
        .args(["serve", "--manifest"])
        .arg(&manifest)
        .args(["--listen", "127.0.0.1:0"])
        .env("SPIN_VARIABLE_STAFF_TOKEN", "first-line\nsecond-line")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SPIN_VARIABLE_STAFF_TOKEN"), "{stderr}");
    assert!(!stderr.contains("second-line"), "{stderr}");
}
