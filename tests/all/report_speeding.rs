//! The "Report speeding traffic" service end to end: the real component composed with
//! the three capabilities by `council-host`, from the `report-speeding` entries of the
//! repository's `spin.toml`, against the demo data and a GOV.UK Notify stand-in.
//!
//! The HTTP tests post forms as a browser without JavaScript does. The browser test
//! drives Debian's Chromium through `tests/browser/journey.mjs` (Playwright-core and
//! axe-core).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::notify::{self, NotifyStandIn};
use crate::support::{self, HostProcess};

const STAFF_TOKEN: &str = "test-staff-token";

/// The two Report speeding traffic components of the repository's `spin.toml` (the
/// citizen journey and the back office) with their routes, with absolute paths, in a
/// scratch directory (its `.spin` state directory is the test's own store). With
/// `schedule_every`, council-host runs the outbox and the housekeeping that often;
/// without, only when a test asks.
fn manifest(name: &str, schedule_every: Option<u64>, extra_files: &[(&Path, &str)]) -> PathBuf {
    support::components();
    support::demo_data();
    let root = support::workspace_root();
    let text = std::fs::read_to_string(root.join("spin.toml")).unwrap();
    let mut manifest: toml::Table = toml::from_str(&text).unwrap();
    let absolute = |value: &mut toml::Value| {
        if let Some(path) = value.as_str() {
            *value = toml::Value::String(root.join(path).to_string_lossy().into_owned());
        }
    };
    const COMPONENTS: [&str; 2] = ["report-speeding", "report-speeding-backoffice"];
    let triggers = manifest["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| COMPONENTS.contains(&t["component"].as_str().unwrap_or("")))
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(
        triggers.len(),
        3,
        "spin.toml routes /report-speeding/... to the journey, and /staff/... and /outbox/... to the back office"
    );
    manifest["trigger"]["http"] = toml::Value::Array(triggers);
    let mut components = toml::Table::new();
    for id in COMPONENTS {
        let mut component = manifest["component"][id].clone();
        absolute(component.get_mut("source").unwrap());
        if let Some(files) = component.get_mut("files").and_then(|f| f.as_array_mut()) {
            for file in files.iter_mut() {
                absolute(file.get_mut("source").unwrap());
            }
            for (dir, destination) in extra_files {
                let mut mount = toml::Table::new();
                mount.insert(
                    "source".into(),
                    toml::Value::String(dir.to_string_lossy().into_owned()),
                );
                mount.insert(
                    "destination".into(),
                    toml::Value::String((*destination).into()),
                );
                files.push(toml::Value::Table(mount));
            }
        }
        if let Some(dependencies) = component
            .get_mut("dependencies")
            .and_then(|d| d.as_table_mut())
        {
            for (_, dependency) in dependencies.iter_mut() {
                absolute(dependency.get_mut("path").unwrap());
            }
        }
        match schedule_every {
            Some(every) => {
                let tool = component
                    .get_mut("tool")
                    .unwrap()
                    .get_mut("council-host")
                    .unwrap();
                tool["schedule"][0]["every_seconds"] = toml::Value::Integer(every as i64);
            }
            None => {
                component.as_table_mut().unwrap().remove("tool");
            }
        }
        components.insert(id.into(), component);
    }
    manifest.insert("component".into(), toml::Value::Table(components));
    let dir = support::scratch_dir(name);
    let path = dir.join("spin.toml");
    support::write(&path, &toml::to_string(&manifest).unwrap());
    path
}

/// The environment that points delivery at the stand-in.
fn notify_env(origin: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SPIN_VARIABLE_NOTIFY_ORIGIN", origin.to_string()),
        ("SPIN_VARIABLE_NOTIFY_API_KEY", notify::API_KEY.to_string()),
        (
            "SPIN_VARIABLE_NOTIFY_TEMPLATE_ID",
            notify::TEMPLATE_ID.to_string(),
        ),
        ("SPIN_VARIABLE_STAFF_TOKEN", STAFF_TOKEN.to_string()),
    ]
}

fn start(manifest: &Path, env: &[(&'static str, String)]) -> HostProcess {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    HostProcess::start(manifest, &[], &env).unwrap()
}

/// A response.
#[derive(Debug)]
struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

/// A person with a browser that has JavaScript switched off: forms, a cookie jar of
/// one cookie, no redirects followed automatically.
struct Citizen {
    base: String,
    agent: ureq::Agent,
    cookie: Option<String>,
    token: String,
    /// Sent as `X-Forwarded-For`, as a council's proxy would (with `client_ip_header`).
    forwarded_for: Option<String>,
}

impl Citizen {
    fn new(host: &HostProcess) -> Self {
        Self {
            base: host.url(""),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
            cookie: None,
            token: String::new(),
            forwarded_for: None,
        }
    }

    fn finish(&mut self, result: Result<ureq::Response, ureq::Error>) -> Page {
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        if let Some(cookie) = response.header("set-cookie") {
            self.cookie = cookie.split(';').next().map(str::to_string);
        }
        let page = Page {
            status: response.status(),
            location: response.header("location").map(str::to_string),
            body: response.into_string().unwrap(),
        };
        if let Some(token) = page.body.split(r#"name="token" value=""#).nth(1) {
            self.token = token.split('"').next().unwrap().to_string();
        }
        page
    }

    fn get(&mut self, path: &str) -> Page {
        let mut request = self.agent.get(&format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.set("cookie", cookie);
        }
        if let Some(address) = &self.forwarded_for {
            request = request.set("x-forwarded-for", address);
        }
        let result = request.call();
        self.finish(result)
    }

    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut request = self.agent.post(&format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.set("cookie", cookie);
        }
        if let Some(address) = &self.forwarded_for {
            request = request.set("x-forwarded-for", address);
        }
        let token = self.token.clone();
        let mut all = vec![("token", token.as_str())];
        all.extend_from_slice(fields);
        let result = request.send_form(&all);
        self.finish(result)
    }

    /// Posts and follows the redirect, as a browser does.
    fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.post(path, fields);
        match (page.status, page.location.clone()) {
            (303, Some(location)) => self.get(&location),
            _ => page,
        }
    }

    /// Starts a report and finds the address by postcode, taking the first address.
    fn choose_address(&mut self, postcode: &str) -> Page {
        let page = self.post("/report-speeding/start", &[]);
        assert_eq!(page.status, 303, "{}", page.body);
        let page = self.get("/report-speeding/postcode");
        assert_eq!(page.status, 200);
        let select = self.submit("/report-speeding/postcode", &[("postcode", postcode)]);
        assert!(
            select.body.contains("Select the address"),
            "{}",
            select.body
        );
        let uprn = select
            .body
            .split(r#"<option value=""#)
            .skip(1)
            .filter_map(|o| o.split('"').next())
            .find(|v| !v.is_empty())
            .expect("an address in the list")
            .to_string();
        self.submit("/report-speeding/address", &[("uprn", &uprn)])
    }

    /// The whole journey to the check page.
    fn reach_check_page(&mut self, postcode: &str, answers: [&str; 3]) -> Page {
        let page = self.choose_address(postcode);
        assert!(
            page.body.contains("Is the road 30 mph or lower"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/question/speed-limit",
            &[("answer", answers[0])],
        );
        assert!(page.body.contains("Community Speedwatch"), "{}", page.body);
        let page = self.submit(
            "/report-speeding/question/speedwatch",
            &[("answer", answers[1])],
        );
        assert!(
            page.body.contains("particular times of day"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/question/pattern",
            &[("answer", answers[2])],
        );
        assert!(
            page.body.contains("Tell us about the speeding"),
            "{}",
            page.body
        );
        let page = self.submit(
            "/report-speeding/details",
            &[
                ("location", "Between the school and the shops"),
                ("when", "Weekday mornings, 8am to 9am"),
                ("vehicles", "cars"),
                ("vehicles", "vans"),
                (
                    "description",
                    "Cars race past the school gate.\nEvery morning.",
                ),
            ],
        );
        assert!(page.body.contains("Check your answers"), "{}", page.body);
        page
    }

    /// Sends the report; returns the confirmation page and the reference.
    fn send(&mut self) -> (Page, String) {
        let page = self.submit("/report-speeding/submit", &[]);
        assert_eq!(page.status, 200, "{}", page.body);
        let reference =
            between(&page.body, r#"<strong id="reference">"#, "<").expect("a reference number");
        (page, reference)
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let rest = text.split(start).nth(1)?;
    Some(rest.split(end).next()?.to_string())
}

fn staff_reports(host: &HostProcess) -> Vec<Value> {
    let response = ureq::get(&host.url("/report-speeding/staff/reports?format=json"))
        .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
        .call()
        .unwrap();
    let body: Value = response.into_json().unwrap();
    body["reports"].as_array().unwrap().clone()
}

fn staff_report(host: &HostProcess, reference: &str) -> Value {
    staff_reports(host)
        .into_iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} is not in the staff list"))
}

fn run_outbox(host: &HostProcess) -> Value {
    ureq::post(&host.url("/report-speeding/outbox/run"))
        .set("authorization", &format!("Bearer {STAFF_TOKEN}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap()
}

/// Waits until the outbox has made `attempts` attempts on the report.
fn wait_for_attempts(host: &HostProcess, reference: &str, attempts: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let report = staff_report(host, reference);
        if report["attempts"].as_u64().unwrap_or(0) >= attempts || Instant::now() > deadline {
            return report;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn wait_for_status(host: &HostProcess, reference: &str, status: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let report = staff_report(host, reference);
        if report["status"] == status || Instant::now() > deadline {
            return report;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_partington_report_reaches_the_parish_and_a_sale_report_reaches_trafford_without_javascript() {
    let notify = NotifyStandIn::start();
    let manifest = manifest("rs-journey", Some(1), &[]);
    let host = start(&manifest, &notify_env(&notify.origin()));

    // Partington is parished: 30 mph, Speedwatch, particular times → the parish council.
    let mut citizen = Citizen::new(&host);
    let check = citizen.reach_check_page("m31 4an", ["yes", "yes", "particular-times"]);
    assert!(
        check
            .body
            .contains(r#"<strong id="recipient">Partington Town Council</strong>"#),
        "{}",
        check.body
    );
    let (confirmation, reference) = citizen.send();
    assert!(
        reference.starts_with("SPD-") && reference.len() == 13,
        "{reference}"
    );
    assert!(
        confirmation.body.contains("Partington Town Council"),
        "{}",
        confirmation.body
    );
    let sent = notify.wait_for(&reference, 1, Duration::from_secs(10));
    assert_eq!(sent.len(), 1, "{:?}", notify.received());
    // The stand-in checks the JWT, the template and the personalisation as Notify does.
    assert!(
        notify.received().iter().all(|r| r.problem.is_none()),
        "{:?}",
        notify.received()
    );
    let email = &sent[0].body;
    assert_eq!(email["email_address"], "clerk@partington.example.org");
    assert_eq!(email["template_id"], notify::TEMPLATE_ID);
    assert_eq!(
        email["personalisation"]["council"],
        "Partington Town Council"
    );
    assert_eq!(email["personalisation"]["reference"], reference.as_str());
    assert_eq!(
        email["personalisation"]["where"],
        "Between the school and the shops"
    );
    assert_eq!(email["personalisation"]["vehicles"], "Cars, Vans");
    assert!(
        email["personalisation"]["address"]
            .as_str()
            .unwrap()
            .contains("M31 4AN")
    );

    // Sale is unparished → Trafford Council, whatever the answers.
    let mut citizen = Citizen::new(&host);
    let check = citizen.reach_check_page("M33 0AF", ["yes", "yes", "particular-times"]);
    assert!(
        check
            .body
            .contains(r#"<strong id="recipient">Trafford Council</strong>"#),
        "{}",
        check.body
    );
    assert!(check.body.contains("no parish council"), "{}", check.body);
    let (confirmation, sale_reference) = citizen.send();
    assert!(confirmation.body.contains("Trafford Council"));
    let sent = notify.wait_for(&sale_reference, 1, Duration::from_secs(10));
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body["email_address"],
        "contact-centre@trafford.example.org"
    );

    // A parished place with a faster road goes to the district.
    let mut citizen = Citizen::new(&host);
    let check = citizen.reach_check_page("M31 4AN", ["no", "yes", "particular-times"]);
    assert!(
        check
            .body
            .contains(r#"<strong id="recipient">Trafford Council</strong>"#),
        "{}",
        check.body
    );

    // Every report is listed for staff as delivered.
    let reports = staff_reports(&host);
    assert_eq!(reports.len(), 2, "{reports:?}");
    for reference in [&reference, &sale_reference] {
        let report = wait_for_status(&host, reference, "delivered", Duration::from_secs(10));
        assert_eq!(report["status"], "delivered", "{report}");
    }

    // No personal data reached the host's log or the component's output.
    let log = host.log();
    for private in [
        "MOOR DRIVE",
        "M31 4AN",
        "M314AN",
        "school",
        "clerk@",
        "contact-centre@",
        "Cars race",
    ] {
        assert!(
            !log.contains(private),
            "the log contains {private:?}:\n{log}"
        );
    }
}

#[test]
fn errors_use_the_error_summary_and_what_people_type_is_escaped() {
    let manifest = manifest("rs-errors", None, &[]);
    let host = start(
        &manifest,
        &[("SPIN_VARIABLE_STAFF_TOKEN", STAFF_TOKEN.into())],
    );
    let mut citizen = Citizen::new(&host);

    // Without the cookie, a journey page explains and offers to start again.
    let page = citizen.get("/report-speeding/postcode");
    assert!(
        page.body.contains("Your answers have not been kept"),
        "{}",
        page.body
    );

    citizen.post("/report-speeding/start", &[]);
    citizen.get("/report-speeding/postcode");
    for (postcode, message) in [
        ("", "Enter a postcode"),
        ("nonsense", "Enter a full UK postcode, like M31 4AN"),
        ("ZZ9 9ZZ", "We could not find any addresses for ZZ9 9ZZ"),
    ] {
        let page = citizen.post("/report-speeding/postcode", &[("postcode", postcode)]);
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(
            page.body.contains("<title>Error: Find the address"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(r#"<div class="govuk-error-summary" data-module="govuk-error-summary">"#)
        );
        assert!(
            page.body
                .contains(&format!(r##"<a href="#postcode">{message}"##)),
            "{message}: {}",
            page.body
        );
        assert!(
            page.body
                .contains(r#"<p id="postcode-error" class="govuk-error-message">"#)
        );
    }
    // A form without the journey's token is refused.
    let forged = citizen
        .agent
        .post(&format!("{}/report-speeding/postcode", citizen.base));
    let forged = forged
        .set("cookie", citizen.cookie.as_deref().unwrap())
        .send_form(&[("postcode", "M31 4AN")]);
    assert!(matches!(forged, Err(ureq::Error::Status(403, _))));

    let page = citizen.submit("/report-speeding/postcode", &[("postcode", "M31 4AN")]);
    let page_no_choice = citizen.post("/report-speeding/address", &[("uprn", "")]);
    assert_eq!(page_no_choice.status, 400);
    assert!(
        page_no_choice
            .body
            .contains(r##"<a href="#uprn">Select the address</a>"##)
    );
    let uprn = between(&page.body, r#"<option value="9"#, "\"")
        .map(|rest| format!("9{rest}"))
        .unwrap();
    citizen.submit("/report-speeding/address", &[("uprn", &uprn)]);
    let page = citizen.post(
        "/report-speeding/question/speed-limit",
        &[("answer", "maybe")],
    );
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains(r##"<a href="#answer">Select an answer to: Is the road 30 mph or lower"##),
        "{}",
        page.body
    );
    citizen.submit(
        "/report-speeding/question/speed-limit",
        &[("answer", "yes")],
    );
    citizen.submit(
        "/report-speeding/question/speedwatch",
        &[("answer", "dont-know")],
    );
    citizen.submit(
        "/report-speeding/question/pattern",
        &[("answer", "persistent")],
    );

    let page = citizen.post("/report-speeding/details", &[]);
    assert_eq!(page.status, 400);
    for (field, message) in [
        ("location", "Enter where on the road the speeding happens"),
        ("when", "Enter when the speeding happens"),
        ("vehicles", "Select the types of vehicle that speed"),
        ("description", "Enter a description of the speeding"),
    ] {
        assert!(
            page.body
                .contains(&format!(r##"<a href="#{field}">{message}</a>"##)),
            "{field}: {}",
            page.body
        );
    }
    // Markup typed into the form comes back as text, on the form and on the check page.
    let attack = r#"<script>alert("x")</script>"#;
    let page = citizen.post(
        "/report-speeding/details",
        &[
            ("location", attack),
            ("when", ""),
            ("vehicles", "cars"),
            ("description", attack),
        ],
    );
    assert!(!page.body.contains(attack), "{}", page.body);
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    );
    let page = citizen.submit(
        "/report-speeding/details",
        &[
            ("location", attack),
            ("when", "Always"),
            ("vehicles", "cars"),
            ("description", attack),
        ],
    );
    assert!(page.body.contains("Check your answers"), "{}", page.body);
    assert!(!page.body.contains(attack));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    );
    // Pages are locked down against injected scripts and framing.
    let response = ureq::get(&host.url("/report-speeding/")).call().unwrap();
    let csp = response
        .header("content-security-policy")
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self' 'sha256-") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
}

#[test]
fn a_double_submission_creates_one_report_and_one_notification() {
    let notify = NotifyStandIn::start();
    let manifest = manifest("rs-double", None, &[]);
    let host = start(&manifest, &notify_env(&notify.origin()));
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);

    // Two POSTs at once (a double click), then a third later (the back button).
    let (base, cookie, token) = (
        citizen.base.clone(),
        citizen.cookie.clone().unwrap(),
        citizen.token.clone(),
    );
    let posts: Vec<_> = (0..2)
        .map(|_| {
            let (base, cookie, token) = (base.clone(), cookie.clone(), token.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().redirects(0).build();
                let response = agent
                    .post(&format!("{base}/report-speeding/submit"))
                    .set("cookie", &cookie)
                    .send_form(&[("token", &token)])
                    .unwrap();
                (
                    response.status(),
                    response.header("location").map(str::to_string),
                )
            })
        })
        .collect();
    for post in posts {
        let (status, location) = post.join().unwrap();
        assert_eq!(status, 303);
        assert_eq!(location.as_deref(), Some("/report-speeding/confirmation"));
    }
    let (_, reference) = citizen.send();
    let again = citizen.get("/report-speeding/confirmation");
    assert!(again.body.contains(&reference));

    let reports = staff_reports(&host);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["reference"], reference.as_str());
    run_outbox(&host);
    notify.wait_for(&reference, 1, Duration::from_secs(10));
    run_outbox(&host);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(notify.received().len(), 1, "{:?}", notify.received());

    // The journey is over for this draft: its pages lead to the confirmation.
    let page = citizen.get("/report-speeding/details");
    assert_eq!(
        page.location.as_deref(),
        Some("/report-speeding/confirmation")
    );
}

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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Issue 10, item 9: when the report could not be stored, the page said it "has been
/// kept". Now it says it was not sent, and sending again works.
#[test]
fn a_report_that_could_not_be_stored_is_never_shown_as_kept() {
    // The journey reads a copy of the data, so the test can take the boundaries away.
    let data = support::scratch_dir("rs-not-stored-data");
    let source = support::demo_data();
    copy_dir(source, &data);
    let manifest = manifest("rs-not-stored", None, &[]);
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        &format!("source = \"{}\"", source.display()),
        &format!("source = \"{}\"", data.display()),
    );
    std::fs::write(&manifest, text).unwrap();
    let host = start(
        &manifest,
        &[("SPIN_VARIABLE_STAFF_TOKEN", STAFF_TOKEN.into())],
    );
    let mut citizen = Citizen::new(&host);
    citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    let areas = data.join("areas.idx");
    let saved = areas.with_extension("saved");
    std::fs::rename(&areas, &saved).unwrap();
    let page = citizen.submit("/report-speeding/submit", &[]);
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("Your report has not been sent"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("has been kept"), "{}", page.body);
    assert!(page.body.contains("Send report again"), "{}", page.body);
    assert!(staff_reports(&host).is_empty());
    std::fs::rename(&saved, &areas).unwrap();
    let (_, reference) = citizen.send();
    assert_eq!(staff_reports(&host).len(), 1);
    assert_eq!(staff_report(&host, &reference)["status"], "queued");
}

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

/// Whether the browser test can run here, or why not.
fn browser_setup() -> Result<PathBuf, String> {
    let dir = support::workspace_root().join("tests/browser");
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("/usr/bin/chromium is missing (apt-get install -y chromium)".into());
    }
    if !dir.join("node_modules/playwright-core").exists()
        || !dir.join("node_modules/axe-core").exists()
    {
        return Err("tests/browser/node_modules is missing (npm ci --prefix tests/browser)".into());
    }
    Ok(dir)
}

#[test]
fn citizens_report_speeding_in_headless_chromium_with_and_without_javascript() {
    let dir = match browser_setup() {
        Ok(dir) => dir,
        Err(why) if std::env::var_os("COUNCIL_REQUIRE_BROWSER").is_none() => {
            eprintln!(
                "SKIPPED the browser test: {why}; set COUNCIL_REQUIRE_BROWSER=1 to make this a failure"
            );
            return;
        }
        Err(why) => panic!("COUNCIL_REQUIRE_BROWSER is set but {why}"),
    };
    let notify = NotifyStandIn::start();
    let manifest = manifest("rs-browser", Some(1), &[]);
    let host = start(&manifest, &notify_env(&notify.origin()));
    let artifacts = support::workspace_root().join("tests/artifacts/screenshots");
    std::fs::create_dir_all(&artifacts).unwrap();
    let output = Command::new("node")
        .arg(dir.join("journey.mjs"))
        .arg(host.url(""))
        .arg(&artifacts)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "journey.mjs failed:\n{stdout}\n{stderr}"
    );
    // The script prints one JSON line per journey: its name, reference and recipient.
    let journeys: Vec<Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("JOURNEY "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(journeys.len(), 4, "{stdout}");
    for journey in &journeys {
        let reference = journey["reference"].as_str().unwrap();
        let sent = notify.wait_for(reference, 1, Duration::from_secs(20));
        assert_eq!(sent.len(), 1, "{journey}: {:?}", notify.received());
        let expected = match journey["expect"].as_str().unwrap() {
            "Partington Town Council" => "clerk@partington.example.org",
            _ => "contact-centre@trafford.example.org",
        };
        assert_eq!(sent[0].body["email_address"], expected, "{journey}");
    }
    let screenshots = std::fs::read_dir(&artifacts).unwrap().count();
    assert!(
        screenshots >= 20,
        "{screenshots} screenshots in {}",
        artifacts.display()
    );
}

#[test]
fn the_composed_single_binary_is_the_whole_service() {
    // `council-host compose` plugs the three capabilities into report-speeding; the
    // result, with no dependencies left, serves the same journey.
    let manifest = manifest("rs-composed", None, &[]);
    let composed = manifest.with_file_name("report-speeding.wasm");
    let output = Command::new(support::host_binary())
        .args(["compose", "--manifest"])
        .arg(&manifest)
        .args(["--component", "report-speeding", "-o"])
        .arg(&composed)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&composed).unwrap();
    let found = council_app::inspect::interfaces(&bytes).unwrap();
    assert!(
        !found.imports.iter().any(|i| i.starts_with("council:")),
        "{:?}",
        found.imports
    );

    let mut table: toml::Table =
        toml::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let component = table["component"]["report-speeding"]
        .as_table_mut()
        .unwrap();
    component.remove("dependencies");
    component.insert(
        "source".into(),
        toml::Value::String(composed.to_string_lossy().into_owned()),
    );
    let single = manifest.with_file_name("single.toml");
    support::write(&single, &toml::to_string(&table).unwrap());

    let notify = NotifyStandIn::start();
    let host = start(&single, &notify_env(&notify.origin()));
    let mut citizen = Citizen::new(&host);
    let check = citizen.reach_check_page("M31 4AN", ["yes", "yes", "particular-times"]);
    assert!(
        check
            .body
            .contains(r#"<strong id="recipient">Partington Town Council</strong>"#),
        "{}",
        check.body
    );
    let (_, reference) = citizen.send();
    run_outbox(&host);
    assert_eq!(
        notify
            .wait_for(&reference, 1, Duration::from_secs(10))
            .len(),
        1
    );
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
