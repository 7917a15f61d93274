//! The contact-fetch capability end to end: the real `spin.toml` application
//! (council-api composed with contact-fetch, address-lookup and parish-routing) on
//! `council-host`, against the ModernGov stand-in ([`support::moderngov`]) serving the
//! real-format fixtures, with the settings passed as `SPIN_VARIABLE_*`.
//!
//! Covered: a parish clerk from ModernGov XML and HTML and from the static directory,
//! plain JSON and Open Referral UK; a parish found by routing; cache hits, expiry and
//! stale-if-error for every failure mode; the 502 when nothing is cached; a hanging
//! upstream bounded by the timeout while the host serves others; the host's
//! allow-list refusing any other destination; the per-host request spacing, also
//! across two hosts sharing one Redis; personal details withheld by default.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::support::moderngov::{Mode, ModernGov};
use crate::support::{self, HostProcess};

/// The built components: the same build as every other test's (one cargo invocation
/// with one feature set, so nothing is compiled twice).
fn components() -> &'static Path {
    support::components()
}

/// Settings for a ModernGov-backed app: fast, polite enough, short-lived cache.
const FAST: &[(&str, &str)] = &[
    ("SPIN_VARIABLE_CONTACTS_SOURCE", "moderngov"),
    ("SPIN_VARIABLE_CONTACTS_TIMEOUT_MS", "1000"),
    ("SPIN_VARIABLE_CONTACTS_MIN_INTERVAL_MS", "0"),
];

/// A copy of the project's `spin.toml` in a scratch directory, its component paths
/// made absolute, with `edit` applied, and a data directory beside it: `data` when
/// given, else one holding only the demo contact directory (address-lookup and
/// parish-routing load without their indexes and fail per call).
fn app_dir(name: &str, data: Option<&Path>, edit: &dyn Fn(String) -> String) -> PathBuf {
    let dir = support::scratch_dir(&format!("contacts-{name}"));
    let root = support::workspace_root();
    let text = std::fs::read_to_string(root.join("spin.toml")).expect("reading spin.toml");
    let wasm = format!("{}/", components().display());
    let mut text = text.replace("target/wasm32-wasip2/component/", &wasm);
    match data {
        Some(data) => {
            text = text.replace(
                r#"files = [{ source = "data", destination = "/data" }]"#,
                &format!(
                    r#"files = [{{ source = "{}", destination = "/data" }}]"#,
                    data.display()
                ),
            );
        }
        None => {
            let directory = std::fs::read_to_string(root.join("data/contacts/directory.json"))
                .expect("reading the demo contact directory");
            support::write(&dir.join("data/contacts/directory.json"), &directory);
        }
    }
    support::write(&dir.join("spin.toml"), &edit(text));
    dir
}

/// Starts the application with `SPIN_VARIABLE_*` settings, on the demo data (the
/// contacts routes look postcodes up in the address index before asking upstream).
fn start(name: &str, env: &[(&str, &str)]) -> HostProcess {
    let dir = app_dir(name, Some(support::demo_data()), &|t| t);
    HostProcess::start(&dir.join("spin.toml"), &[], env).unwrap()
}

/// `env` plus the stand-in as the allowed origin (and so the base URL).
fn with_origin<'a>(env: &[(&'a str, &'a str)], origin: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut all = env.to_vec();
    all.push(("SPIN_VARIABLE_MODERNGOV_ORIGIN", origin));
    all
}

/// A response with its headers.
#[derive(Debug)]
struct Answer {
    status: u16,
    stale_header: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn get(host: &HostProcess, path: &str) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let response = match agent.get(&host.url(path)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {path}: {e}"),
    };
    Answer {
        status: response.status(),
        stale_header: response.header("x-contacts-stale").map(str::to_string),
        body: response.into_string().expect("reading the body"),
    }
}

/// GET that must succeed; returns the JSON.
fn ok(host: &HostProcess, path: &str) -> Value {
    let a = get(host, path);
    assert_eq!(
        a.status,
        200,
        "GET {path}: {}\nhost log:\n{}",
        a.body,
        host.log()
    );
    a.json()
}

const PARISHES: &str = "/mgWebService.asmx/GetParishCouncils";
const DETAILS_LIST: &str = "/mgParishCouncilDetailsList.aspx";
const BY_WARD: &str = "/mgWebService.asmx/GetCouncillorsByWard";

/// Checks a ModernGov answer for Partington. ModernGov lists parishes by name only;
/// the GSS code is the directory's, added to the list when it was fetched.
fn assert_partington_from_moderngov(v: &Value, origin: &str) {
    let body = &v["body"];
    assert_eq!(body["id"], "12", "{v}");
    assert_eq!(body["name"], "Partington Town Council");
    assert_eq!(body["kind"], "parish-council");
    assert_eq!(body["gss_code"], "E04000011", "{v}");
    assert_eq!(body["website"], "https://partington.example.org");
    // From mgParishCouncilDetailsList.aspx: ModernGov's content, not the template's.
    assert_eq!(body["contact"]["name"], "The Town Clerk");
    assert_eq!(body["contact"]["email"], "clerk@partington.example.org");
    assert_eq!(body["contact"]["phone"], "01632 960311");
    let p = &v["provenance"];
    assert_eq!(p["source"], "moderngov");
    assert_eq!(p["url"], format!("{origin}{PARISHES}"));
    assert_eq!(p["stale"], false);
    assert_eq!(p["stale_reason"], Value::Null);
}

#[test]
fn a_parish_clerk_comes_from_moderngov_xml_and_html() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let host = start("moderngov", &with_origin(FAST, &origin));

    let by_code = get(&host, "/contacts/bodies?gss=E04000011");
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert_eq!(by_code.stale_header, None);
    assert_partington_from_moderngov(&by_code.json(), &origin);
    // The web service's list and the details list page, each once.
    assert_eq!(mg.count(PARISHES), 1);
    assert_eq!(mg.count(DETAILS_LIST), 1);

    // The name styles routing and people use find the same body.
    for query in [
        "name=Partington%20PC",
        "name=Partington&kind=parish-council",
    ] {
        assert_partington_from_moderngov(&ok(&host, &format!("/contacts/bodies?{query}")), &origin);
    }
    let both = ok(&host, "/contacts/bodies?gss=E04000011&name=Partington");
    assert_partington_from_moderngov(&both, &origin);
    assert_partington_from_moderngov(&ok(&host, "/contacts/bodies/e04000011"), &origin);

    // Open Referral UK (HSDS 3.0 UK profile): the organisation and its clerk.
    let oruk = ok(&host, "/contacts/bodies/E04000011/openreferral");
    let org = &oruk["organization"];
    assert_eq!(org["name"], "Partington Town Council");
    assert_eq!(org["email"], "clerk@partington.example.org");
    assert_eq!(org["website"], "https://partington.example.org");
    assert_eq!(
        org["organization_identifiers"][0]["identifier_type"],
        "GSS code"
    );
    assert_eq!(
        org["organization_identifiers"][0]["identifier"],
        "E04000011"
    );
    assert_eq!(
        org["organization_identifiers"][0]["organization_id"],
        org["id"]
    );
    assert_eq!(oruk["contact"]["name"], "The Town Clerk");
    assert_eq!(oruk["phones"][0]["number"], "01632 960311");
    assert_eq!(oruk["phones"][0]["contact_id"], oruk["contact"]["id"]);
    assert_eq!(oruk["provenance"]["source"], "moderngov");

    let parishes = ok(&host, "/contacts/parishes");
    let names: Vec<&str> = parishes["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Partington Town Council",
            "Carrington Parish Council",
            "Dunham Massey Parish Council",
            "St Example's Parish Meeting"
        ]
    );
    // The directory's codes, for the parishes it knows.
    assert_eq!(parishes["bodies"][0]["gss_code"], "E04000011");
    assert_eq!(parishes["bodies"][3]["gss_code"], Value::Null);

    // Councillors from the real Kirklees answer.
    let ward = ok(&host, "/contacts/councillors?ward=almondbury");
    assert_eq!(ward["wards"].as_array().unwrap().len(), 1, "{ward}");
    assert_eq!(ward["wards"][0]["councillors"].as_array().unwrap().len(), 3);
    assert_eq!(ward["provenance"]["url"], format!("{origin}{BY_WARD}"));
    let by_id = ok(&host, "/contacts/councillors/ward/7");
    assert!(!by_id["wards"].as_array().unwrap().is_empty(), "{by_id}");
    assert_eq!(
        mg.count("/mgWebService.asmx/GetCouncillorsByWardId?lWardId=7"),
        1
    );
    ok(&host, "/contacts/councillors/postcode/m314an");
    assert_eq!(
        mg.count("/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=M31%204AN"),
        1
    );
    // All of it from two parish requests: every later answer came from the cache.
    assert_eq!(mg.count(PARISHES), 1);
    assert_eq!(mg.count(DETAILS_LIST), 1);
}

#[test]
fn a_parish_page_fills_in_a_clerk_the_lists_lack() {
    let mg = ModernGov::start().unwrap();
    // The details list answers with a redirect stub; GetParishCouncils has no contact
    // for Partington, so its own page mgParishCouncilDetails.aspx?ID=12 is read.
    mg.serve(
        "mgParishCouncilDetailsList.aspx",
        "redirect-stub/example.html",
    );
    let origin = mg.origin();
    let host = start("parish-page", &with_origin(FAST, &origin));
    let v = ok(&host, "/contacts/bodies?name=Partington%20Town%20Council");
    let contact = &v["body"]["contact"];
    assert_eq!(contact["name"], "The Clerk", "{v}");
    assert_eq!(contact["phone"], "01632 960311");
    assert_eq!(contact["email"], "clerk@partington.example.org");
    assert_eq!(
        contact["address"],
        serde_json::json!(["Example Community Centre", "1 Example Lane", "Partington"])
    );
    assert_eq!(contact["postcode"], "ZZ99 9ZZ");
    // Not the council template's "contact us" details around the ModernGov content.
    assert!(
        !v.to_string().contains("enquiries@borough.example.org"),
        "{v}"
    );
    // The mobile row is personal, withheld by default.
    assert!(!v.to_string().contains("07700 900311"), "{v}");
    assert_eq!(mg.count("/mgParishCouncilDetails.aspx?ID=12"), 1);
}

#[test]
fn a_parish_clerk_comes_from_the_static_directory() {
    let host = start(
        "directory",
        &[("SPIN_VARIABLE_CONTACTS_SOURCE", "directory")],
    );
    for path in [
        "/contacts/bodies?gss=E04000011",
        "/contacts/bodies?name=Partington%20Parish%20Council",
    ] {
        let v = ok(&host, path);
        assert_eq!(v["body"]["name"], "Partington Town Council", "{v}");
        assert_eq!(
            v["body"]["contact"]["email"],
            "clerk@partington.example.org"
        );
        assert_eq!(v["body"]["contact"]["phone"], "01632 960903");
        assert_eq!(v["provenance"]["source"], "directory");
        assert_eq!(v["provenance"]["url"], Value::Null);
        assert_eq!(v["provenance"]["stale"], false);
    }
    let oruk = ok(&host, "/contacts/bodies/E04000011/openreferral");
    assert_eq!(
        oruk["organization"]["organization_identifiers"][0]["identifier"],
        "E04000011"
    );
    assert_eq!(
        ok(&host, "/contacts/parishes")["bodies"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // Councillors need ModernGov.
    let a = get(&host, "/contacts/councillors");
    assert_eq!(a.status, 501, "{}", a.body);
    assert_eq!(a.json()["code"], "unsupported");
    assert_eq!(get(&host, "/contacts/bodies?gss=E04999999").status, 404);
}

#[test]
fn a_parish_found_by_routing_returns_its_clerk() {
    let data = support::demo_data();
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let dir = app_dir("routing", Some(data), &|t| t);
    let host =
        HostProcess::start(&dir.join("spin.toml"), &[], &with_origin(FAST, &origin)).unwrap();
    // Partington, Trafford (WGS84), through MapIt's point route.
    let areas = ok(&host, "/point/4326/-2.4287,53.4186");
    let parish = areas
        .as_object()
        .unwrap()
        .values()
        .find(|a| {
            a["codes"]["gss"]
                .as_str()
                .is_some_and(|c| c.starts_with("E04"))
        })
        .unwrap_or_else(|| panic!("no parish at the point: {areas}"));
    let gss = parish["codes"]["gss"].as_str().unwrap();
    let name = parish["name"].as_str().unwrap();
    assert_eq!(gss, "E04000011", "{parish}");
    let v = ok(
        &host,
        &format!(
            "/contacts/bodies?gss={gss}&name={}",
            name.replace(' ', "%20")
        ),
    );
    assert_partington_from_moderngov(&v, &origin);
}

#[test]
fn answers_are_cached_until_the_ttl_passes() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let mut env = with_origin(FAST, &origin);
    env.push(("SPIN_VARIABLE_CONTACTS_CACHE_TTL_SECONDS", "4"));
    let host = start("ttl", &env);
    let first = ok(&host, "/contacts/bodies?gss=E04000011");
    let fetched_at = first["provenance"]["fetched_at"].as_u64().unwrap();
    ok(&host, "/contacts/councillors?ward=Almondbury");
    assert_eq!(
        (
            mg.count(PARISHES),
            mg.count(DETAILS_LIST),
            mg.count(BY_WARD)
        ),
        (1, 1, 1)
    );

    // Each request is a fresh instance; the cache is the key-value store.
    let second = ok(&host, "/contacts/bodies?gss=E04000011");
    ok(&host, "/contacts/councillors?ward=Dalton");
    assert_eq!(mg.total(), 3, "cache hits make no upstream request");
    assert_eq!(
        second["provenance"]["fetched_at"].as_u64(),
        Some(fetched_at)
    );
    assert_eq!(second["provenance"]["stale"], false);

    std::thread::sleep(Duration::from_millis(4_500));
    let third = ok(&host, "/contacts/bodies?gss=E04000011");
    assert_eq!(
        (mg.count(PARISHES), mg.count(DETAILS_LIST)),
        (2, 2),
        "expired entries are fetched again"
    );
    assert!(third["provenance"]["fetched_at"].as_u64().unwrap() > fetched_at);
    assert_eq!(third["provenance"]["age_seconds"], 0);
    ok(&host, "/contacts/councillors?ward=Almondbury");
    assert_eq!(mg.count(BY_WARD), 2);
}

#[test]
fn a_failing_upstream_serves_the_last_good_answer_marked_stale() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let mut env = with_origin(FAST, &origin);
    env.push(("SPIN_VARIABLE_CONTACTS_CACHE_TTL_SECONDS", "1"));
    let host = start("stale", &env);
    let good = ok(&host, "/contacts/bodies?gss=E04000011");
    let fetched_at = good["provenance"]["fetched_at"].as_u64().unwrap();
    ok(&host, "/contacts/councillors?ward=Almondbury");
    std::thread::sleep(Duration::from_millis(2_100));

    let cases: [(Mode, &str); 6] = [
        (Mode::ServerError, "answered HTTP 500"),
        // Answers, but only after the timeout.
        (Mode::Slow(Duration::from_secs(3)), "timed out after 1 s"),
        (Mode::Garbage, "text where XML was expected"),
        (Mode::HtmlError, "an HTML page titled"),
        (Mode::RedirectStub, "a JavaScript redirect stub"),
        (Mode::Hang, "timed out after 1 s"),
    ];
    for (mode, reason) in cases {
        mg.set_mode(mode);
        let before = mg.total();
        let a = get(&host, "/contacts/bodies?gss=E04000011");
        assert_eq!(a.status, 200, "{mode:?}: {}", a.body);
        assert_eq!(a.stale_header.as_deref(), Some("true"), "{mode:?}");
        let v = a.json();
        let p = &v["provenance"];
        assert_eq!(p["stale"], true, "{mode:?}: {v}");
        assert_eq!(
            p["fetched_at"].as_u64(),
            Some(fetched_at),
            "{mode:?}: the last good copy"
        );
        assert!(p["age_seconds"].as_u64().unwrap() >= 2, "{mode:?}: {v}");
        let why = p["stale_reason"].as_str().unwrap();
        assert!(
            why.starts_with("upstream ") && why.contains(reason),
            "{mode:?}: {why}"
        );
        assert_eq!(v["body"]["contact"]["name"], "The Town Clerk", "{mode:?}");
        assert!(mg.total() > before, "{mode:?}: the upstream was asked");

        let c = get(&host, "/contacts/councillors?ward=Almondbury");
        assert_eq!(c.status, 200, "{mode:?}: {}", c.body);
        assert_eq!(c.stale_header.as_deref(), Some("true"));
        let c = c.json();
        assert_eq!(
            c["wards"][0]["councillors"].as_array().unwrap().len(),
            3,
            "{mode:?}"
        );
        assert!(
            c["provenance"]["stale_reason"]
                .as_str()
                .unwrap()
                .contains(reason),
            "{mode:?}: {c}"
        );
    }
    // A hung upstream cost one timeout per call: the details page was not asked
    // after the parish list timed out.
    let hung: Vec<String> = mg
        .seen()
        .iter()
        .rev()
        .take(2)
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(hung, [BY_WARD, PARISHES]);

    // Once the upstream recovers, a fresh answer replaces the stale one.
    mg.set_mode(Mode::Normal);
    let a = get(&host, "/contacts/bodies?gss=E04000011");
    assert_eq!(a.stale_header, None);
    let v = a.json();
    assert_eq!(v["provenance"]["stale"], false);
    assert!(v["provenance"]["fetched_at"].as_u64().unwrap() > fetched_at);
}

#[test]
fn a_failing_upstream_with_nothing_cached_is_a_502_naming_the_problem() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let host = start("no-copy", &with_origin(FAST, &origin));
    let cases: [(Mode, &str, &str); 5] = [
        (
            Mode::ServerError,
            "upstream-unavailable",
            "answered HTTP 500",
        ),
        (
            Mode::Garbage,
            "upstream-invalid",
            "text where XML was expected",
        ),
        (Mode::HtmlError, "upstream-invalid", "an HTML page titled"),
        (
            Mode::RedirectStub,
            "upstream-invalid",
            "a JavaScript redirect stub",
        ),
        (Mode::Hang, "upstream-unavailable", "timed out after 1 s"),
    ];
    for (mode, code, problem) in cases {
        mg.set_mode(mode);
        for path in [
            "/contacts/bodies?gss=E04000011",
            "/contacts/parishes",
            "/contacts/councillors",
        ] {
            let a = get(&host, path);
            assert_eq!(a.status, 502, "{mode:?} {path}: {}", a.body);
            let v = a.json();
            assert_eq!(v["code"], code, "{mode:?} {path}: {v}");
            let error = v["error"].as_str().unwrap();
            assert!(
                error.contains(&origin) && error.contains(problem),
                "{mode:?} {path}: {error}"
            );
        }
    }
}

#[test]
fn a_hanging_upstream_is_cut_off_at_the_timeout_while_the_host_serves_others() {
    let mg = ModernGov::start().unwrap();
    mg.set_mode(Mode::Hang);
    let origin = mg.origin();
    let dir = app_dir("hang", None, &|t| t);
    // The host's own deadline is far away: a 504 would mean the component hung.
    let host = HostProcess::start(
        &dir.join("spin.toml"),
        &["--request-timeout-secs", "25"],
        &with_origin(FAST, &origin),
    )
    .unwrap();
    let url = host.url("/contacts/bodies?gss=E04000011");
    let hung = std::thread::spawn(move || {
        let response = ureq::get(&url).call();
        match response {
            Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
            Err(e) => panic!("{e}"),
        }
    });
    // While that instance waits on the upstream, other requests are answered.
    let started = Instant::now();
    while mg.total() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the request never reached the stand-in"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut served = 0;
    while !hung.is_finished() {
        assert_eq!(get(&host, "/").status, 200);
        let bad = get(&host, "/contacts/councillors/postcode/not-a-postcode");
        assert_eq!(bad.status, 400, "{}", bad.body);
        served += 1;
    }
    let (status, body) = hung.join().unwrap();
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("timed out after 1 s"), "{body}");
    assert!(served > 0);
    // One timeout, no second request in the same call.
    assert_eq!(mg.total(), 1);
    assert!(!host.log().contains("was stopped"), "{}", host.log());
}

#[test]
fn the_host_refuses_any_destination_but_the_allowed_origin() {
    let allowed = ModernGov::start().unwrap();
    let other = ModernGov::start().unwrap();
    let other_origin = other.origin();
    // The base URL points at a server that would answer, on another port.
    let dir = app_dir("denied", None, &|t| {
        t.replace(
            r#"moderngov_base_url = "{{ moderngov_origin }}{{ moderngov_path }}""#,
            &format!(r#"moderngov_base_url = "{other_origin}""#),
        )
    });
    let origin = allowed.origin();
    let host =
        HostProcess::start(&dir.join("spin.toml"), &[], &with_origin(FAST, &origin)).unwrap();
    for path in ["/contacts/bodies?gss=E04000011", "/contacts/councillors"] {
        let a = get(&host, path);
        assert_eq!(a.status, 502, "{path}: {}", a.body);
        let v = a.json();
        assert_eq!(v["code"], "upstream-unavailable");
        let error = v["error"].as_str().unwrap();
        assert!(
            error.contains("denied by the host's outbound allow-list"),
            "{error}"
        );
        assert!(
            error.contains("HTTP-request-denied") && error.contains(&other_origin),
            "{error}"
        );
    }
    assert_eq!(other.total(), 0, "no request reached the other host");
    assert_eq!(allowed.total(), 0);
    assert!(
        host.log().contains("outgoing request refused"),
        "{}",
        host.log()
    );
}

#[test]
fn requests_to_the_upstream_are_spaced_by_the_minimum_interval() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let env = [
        ("SPIN_VARIABLE_CONTACTS_SOURCE", "moderngov"),
        ("SPIN_VARIABLE_MODERNGOV_ORIGIN", origin.as_str()),
        ("SPIN_VARIABLE_CONTACTS_MIN_INTERVAL_MS", "1000"),
        // Ask every time, so that every call goes upstream.
        ("SPIN_VARIABLE_CONTACTS_CACHE_TTL_SECONDS", "0"),
    ];
    let host = start("spacing", &env);
    // Two upstream requests per call, and three calls, each in a fresh instance.
    for _ in 0..3 {
        ok(&host, "/contacts/bodies?gss=E04000011");
    }
    let seen = mg.seen();
    assert_eq!(seen.len(), 6);
    assert_spaced_by_a_second(&seen);
}

/// Each upstream request came at least the 1 s minimum interval after the one before.
fn assert_spaced_by_a_second(seen: &[support::moderngov::Seen]) {
    for pair in seen.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        // The limiter waits from when it sent the previous request, a little before
        // the stand-in read it; 100 ms covers that and the clocks' granularity.
        assert!(
            gap >= Duration::from_millis(900),
            "{} then {} after {gap:?}",
            pair[0].target,
            pair[1].target
        );
    }
}

/// Issue 14, item 3: two hosts on one Redis (every store spin.toml names) share the
/// contacts cache and the spacing of upstream requests, as instances of one host do.
#[test]
fn two_hosts_on_one_redis_share_the_cache_and_the_upstream_spacing() {
    let redis = council_test_support::redis_server::RedisServer::start().unwrap();
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let env = [
        ("SPIN_VARIABLE_CONTACTS_SOURCE", "moderngov"),
        ("SPIN_VARIABLE_MODERNGOV_ORIGIN", origin.as_str()),
        ("SPIN_VARIABLE_CONTACTS_MIN_INTERVAL_MS", "1000"),
    ];
    let start_sharing = |name: &str| {
        let dir = app_dir(name, Some(support::demo_data()), &|t| t);
        let runtime_config =
            support::redis_runtime_config(&dir, &redis.url(0), &["default", "drafts", "reports"]);
        HostProcess::start(
            &dir.join("spin.toml"),
            &[
                "--runtime-config-file",
                runtime_config.to_str().unwrap(),
                "--admin-listen",
                "127.0.0.1:0",
            ],
            &env,
        )
        .unwrap()
    };
    let (host_a, host_b) = (start_sharing("shared-a"), start_sharing("shared-b"));

    // A fetches; B answers from what A cached, asking nobody.
    let first = ok(&host_a, "/contacts/bodies?gss=E04000011");
    let upstream = mg.total();
    assert_eq!(upstream, 2, "the parish list and the details page");
    let second = ok(&host_b, "/contacts/bodies?gss=E04000011");
    assert_eq!(mg.total(), upstream, "B asked ModernGov again");
    assert_eq!(
        second["provenance"]["fetched_at"],
        first["provenance"]["fetched_at"]
    );

    // Two wards at once, one through each host: both go upstream, one interval apart.
    std::thread::scope(|scope| {
        let a = scope.spawn(|| ok(&host_a, "/contacts/councillors?ward=Almondbury"));
        let b = scope.spawn(|| ok(&host_b, "/contacts/councillors?ward=Dalton"));
        a.join().unwrap();
        b.join().unwrap();
    });
    let seen = mg.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_spaced_by_a_second(&seen);

    // Each host's /metrics counts its own upstream requests by origin (A: the two
    // of the first call and one ward; B: the other ward) and its Redis operations.
    let upstream = |host: &HostProcess| {
        host.metric(&format!(
            "council_host_upstream_requests_total{{component=\"council-api\",origin=\"{origin}\",outcome=\"2xx\"}}"
        ))
    };
    assert_eq!((upstream(&host_a), upstream(&host_b)), (3.0, 1.0));
    for host in [&host_a, &host_b] {
        let gets = host.metric(
            "council_host_key_value_duration_seconds_count{backend=\"redis\",operation=\"get\"}",
        );
        assert!(gets >= 1.0, "{}", host.metrics());
        assert_eq!(
            host.metric(
                "council_host_key_value_failures_total{backend=\"redis\",operation=\"get\"}"
            ),
            0.0
        );
    }
}

#[test]
fn personal_details_are_withheld_unless_switched_on() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let check = |name: &str, personal: &'static str| -> Result<(String, String)> {
        let mut env = with_origin(FAST, &origin);
        env.push(("SPIN_VARIABLE_CONTACTS_INCLUDE_PERSONAL", personal));
        let host = start(name, &env);
        let councillors = get(&host, "/contacts/councillors");
        let parishes = get(&host, "/contacts/parishes");
        anyhow::ensure!(
            councillors.status == 200 && parishes.status == 200,
            "{}",
            councillors.body
        );
        Ok((councillors.body, parishes.body))
    };
    let (councillors, parishes) = check("personal-off", "false")
        .context("personal off")
        .unwrap();
    let v: Value = serde_json::from_str(&councillors).unwrap();
    let all: Vec<&Value> = v["wards"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["councillors"].as_array().unwrap())
        .collect();
    assert_eq!(all.len(), 69);
    for c in &all {
        let home = &c["home"];
        assert!(
            home["phone"].is_null()
                && home["postcode"].is_null()
                && home["address"] == serde_json::json!([]),
            "{c}"
        );
    }
    // Kirklees publishes mobiles and address lines under <homeaddress>.
    assert!(
        !councillors.contains("01632 960001") && !councillors.contains("Address line 1 withheld")
    );
    // The published e-mail found under <homeaddress> is the councillor's contact.
    assert!(
        all.iter()
            .filter(|c| c["work"]["email"].is_string())
            .count()
            >= 59
    );
    // A parish page's "Home address" row.
    assert!(!parishes.contains("1 Private Road"), "{parishes}");

    let (councillors, parishes) = check("personal-on", "true").context("personal on").unwrap();
    assert!(
        councillors.contains("01632 960001") && councillors.contains("Address line 1 withheld")
    );
    assert!(parishes.contains("1 Private Road"), "{parishes}");
}

/// Issue 10, item 8: each well-formed postcode on the public contacts routes became a
/// ModernGov request (400 random postcodes from 16 clients made 400 upstream requests,
/// up to 15 a second, despite the one-per-second spacing).
#[test]
fn contact_lookups_cannot_amplify_into_upstream_requests() {
    let mg = ModernGov::start().unwrap();
    let origin = mg.origin();
    let dir = app_dir("amplifier", Some(support::demo_data()), &|t| t);
    let env = [
        ("SPIN_VARIABLE_CONTACTS_SOURCE", "moderngov"),
        ("SPIN_VARIABLE_MODERNGOV_ORIGIN", origin.as_str()),
        ("SPIN_VARIABLE_CONTACTS_MIN_INTERVAL_MS", "1000"),
        ("SPIN_VARIABLE_CONTACTS_TIMEOUT_MS", "2000"),
    ];
    let host = HostProcess::start(&dir.join("spin.toml"), &[], &env).unwrap();
    let host = std::sync::Arc::new(host);
    let flood = |paths: Vec<String>| -> Vec<(String, Answer)> {
        let chunks: Vec<Vec<String>> = paths
            .chunks(paths.len().div_ceil(16))
            .map(<[String]>::to_vec)
            .collect();
        let threads: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let host = host.clone();
                std::thread::spawn(move || {
                    chunk
                        .into_iter()
                        .map(|path| {
                            let answer = get(&host, &path);
                            (path, answer)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    };

    // Postcodes outside the council (Manchester's M1 to M9; Trafford has none of them),
    // well-formed: none reaches ModernGov.
    let made_up: Vec<String> = (0..96)
        .map(|i| {
            format!(
                "/contacts/councillors/postcode/M{}%20{}AB",
                i % 9 + 1,
                i % 10
            )
        })
        .collect();
    for (path, answer) in flood(made_up) {
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert!(answer.body.contains("gazetteer"), "{}", answer.body);
    }
    assert_eq!(mg.total(), 0, "{:?}", mg.seen());

    // Real postcodes of the gazetteer, 16 clients at once: ModernGov sees at most one
    // request a second, and requests beyond what the timeout can wait for are not
    // queued but answered at once.
    let found = ok(
        &host,
        "/search/places/v1/find?query=PARTINGTON&maxresults=100",
    );
    let mut postcodes: Vec<String> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["DPA"]["POSTCODE"].as_str().map(str::to_string))
        .collect();
    postcodes.sort();
    postcodes.dedup();
    assert!(postcodes.len() >= 8, "{postcodes:?}");
    let started = Instant::now();
    // A normal request made during the flood is answered within 2 s.
    let normal = {
        let host = host.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let asked = Instant::now();
            let answer = get(&host, "/search/places/v1/postcode?postcode=M31%204AN");
            (answer.status, asked.elapsed())
        })
    };
    let answers = flood(
        postcodes
            .iter()
            .take(16)
            .map(|pc| format!("/contacts/councillors/postcode/{}", pc.replace(' ', "%20")))
            .collect(),
    );
    let elapsed = started.elapsed();
    let seen = mg.seen();
    assert!(
        seen.len() as f64 <= elapsed.as_secs_f64() + 1.0,
        "{} upstream requests in {elapsed:?}",
        seen.len()
    );
    for pair in seen.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(900),
            "{gap:?} between two requests"
        );
    }
    let (status, took) = normal.join().unwrap();
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(2),
        "a normal request took {took:?}"
    );
    let refused = answers
        .iter()
        .filter(|(_, a)| a.status == 502 && a.body.contains("queued"))
        .count();
    assert!(refused > 0, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(_, a)| a.status == 200 || a.status == 502)
    );
}
