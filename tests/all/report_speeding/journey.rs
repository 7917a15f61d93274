//! The citizen's journey without JavaScript: routing to the parish or the district,
//! the error summary and escaping, double submission, a report that could not be
//! stored, and the composed single binary serving the same journey.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::citizen::Citizen;
use super::{
    STAFF_TOKEN, between, manifest, notify_env, run_outbox, staff_report, staff_reports, start,
    wait_for_status,
};
use crate::support;
use crate::support::notify::{self, NotifyStandIn};

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
