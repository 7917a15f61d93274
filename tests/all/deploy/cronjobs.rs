//! The CronJobs against spin.toml's `tool.council-host` schedules, which Spin ignores.

use super::*;

/// What a CronJob's curl sends, from its arguments.
#[derive(Debug, Default)]
struct CurlRequest {
    method: Option<String>,
    url: Option<String>,
    /// `--header`: written out on the command line.
    headers: Vec<String>,
    /// `--expand-header`: with `{{name}}` variables expanded by curl.
    expanded_headers: Vec<String>,
    /// `--variable %NAME`: environment variables imported as curl variables.
    imported: Vec<String>,
    max_time: Option<f64>,
}

/// curl's options that take a value (curl(1)); any other `-x`/`--xyz` is a flag.
const CURL_VALUE_OPTIONS: &[&str] = &[
    "-X",
    "--request",
    "-H",
    "--header",
    "--expand-header",
    "--variable",
    "-m",
    "--max-time",
    "--url",
    "--expand-url",
    "--connect-timeout",
    "--retry",
    "-d",
    "--data",
    "--data-binary",
    "-o",
    "--output",
    "-u",
    "--user",
];

fn parse_curl(args: &[String]) -> Result<CurlRequest, String> {
    let mut request = CurlRequest::default();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if !CURL_VALUE_OPTIONS.contains(&word.as_str()) {
            if !word.starts_with('-') && request.url.replace(word.clone()).is_some() {
                return Err(format!("curl is given two URLs (`{word}`)"));
            }
            continue;
        }
        let value = words
            .next()
            .ok_or(format!("curl's {word} has no value"))?
            .clone();
        match word.as_str() {
            "-X" | "--request" => request.method = Some(value),
            "-H" | "--header" => request.headers.push(value),
            "--expand-header" => request.expanded_headers.push(value),
            "--variable" => {
                if let Some(imported) = value.strip_prefix('%') {
                    let name = imported.split(['=', '@']).next().unwrap_or("");
                    request.imported.push(name.to_string());
                }
            }
            "-m" | "--max-time" => request.max_time = value.parse().ok(),
            "--url" | "--expand-url" => {
                let earlier = request.url.replace(value);
                if earlier.is_some() {
                    return Err("curl is given two URLs".into());
                }
            }
            "-d" | "--data" | "--data-binary" => {
                request.method.get_or_insert_with(|| "POST".into());
            }
            _ => {}
        }
    }
    Ok(request)
}

/// The name in `{{NAME}}` or `{{NAME:fn,...}}`, the whole of `text`.
fn curl_variable(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    Some(inner.split(':').next().unwrap_or(inner))
}

/// The CronJobs against spin.toml's `tool.council-host` schedules, which Spin ignores:
/// one CronJob per scheduled request, POSTing its path through the SpinApp's Service to
/// the component that declares it, with the bearer token (if the schedule names one)
/// from the Secret key the SpinApp binds that variable to, never on a command line; no
/// overlapping runs, and deadlines.
pub(super) fn schedule_errors(documents: &[Document], app: &Document, spin: &App) -> Vec<String> {
    let scheduled: Vec<(&str, &council_app::manifest::ScheduledRequest)> = spin
        .manifest
        .components
        .values()
        .flat_map(|c| c.schedule.iter().map(move |s| (c.id.as_str(), s)))
        .collect();
    let bound_secret = |variable: &str| {
        app.value["spec"]["variables"]
            .as_array()
            .and_then(|list| list.iter().find(|b| b["name"] == variable))
            .and_then(|b| key_ref(&b["valueFrom"]["secretKeyRef"]))
    };
    let mut errors = Vec::new();
    let mut covered = BTreeSet::new();
    for job in documents.iter().filter(|d| d.kind() == "CronJob") {
        let mut fail = |message: String| errors.push(format!("{}: {message}", job.origin));
        let spec = &job.value["spec"];
        if spec["schedule"]
            .as_str()
            .is_none_or(|s| s.split_whitespace().count() != 5)
        {
            fail("spec.schedule is not a five-field cron schedule".into());
        }
        if spec["concurrencyPolicy"] != "Forbid" {
            fail("spec.concurrencyPolicy must be Forbid: no overlapping runs".into());
        }
        if spec["startingDeadlineSeconds"]
            .as_u64()
            .is_none_or(|s| s == 0)
        {
            fail("no spec.startingDeadlineSeconds".into());
        }
        let job_spec = &spec["jobTemplate"]["spec"];
        let deadline = job_spec["activeDeadlineSeconds"].as_f64();
        if deadline.is_none() {
            fail("no jobTemplate.spec.activeDeadlineSeconds".into());
        }
        let pod = &job_spec["template"]["spec"];
        if !matches!(pod["restartPolicy"].as_str(), Some("Never" | "OnFailure")) {
            fail("a Job's pod restartPolicy must be Never or OnFailure".into());
        }
        let containers = pod["containers"].as_array().cloned().unwrap_or_default();
        let [container] = containers.as_slice() else {
            fail(format!("{} containers, not one", containers.len()));
            continue;
        };
        let strings = |field: &str| -> Vec<String> {
            let list = container[field].as_array().cloned().unwrap_or_default();
            list.iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect()
        };
        let (command, args) = (strings("command"), strings("args"));
        if command != ["curl"] {
            fail(format!(
                "runs {command:?}: curl itself, with no shell in between"
            ));
        }
        if command
            .iter()
            .chain(&args)
            .any(|a| a.contains("$(") || a.contains("${"))
        {
            fail("a variable is expanded into the command line".into());
        }
        let image = container["image"].as_str().unwrap_or("");
        let version: Vec<u64> = image
            .strip_prefix("curlimages/curl:")
            .map(|tag| tag.split('.').map_while(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        if version.len() < 2 || (version[0], version[1]) < (8, 3) {
            fail(format!(
                "image `{image}` is not curlimages/curl 8.3 or later (--variable)"
            ));
        }
        let request = match parse_curl(&args) {
            Ok(request) => request,
            Err(e) => {
                fail(e);
                continue;
            }
        };
        if request.method.as_deref() != Some("POST") {
            fail(format!("curl sends {:?}, not POST", request.method));
        }
        match (request.max_time, deadline) {
            (Some(max), Some(deadline)) if max < deadline => {}
            _ => fail("curl's --max-time must be set and end before the Job's deadline".into()),
        }
        let is_auth = |h: &&String| {
            h.split_once(':')
                .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
        };
        if request.headers.iter().any(|h| is_auth(&h)) {
            fail("the Authorization header is written out on the command line".into());
        }
        let url = request.url.clone().unwrap_or_default();
        let Some((authority, path)) = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('/'))
        else {
            fail(format!("`{url}` is not an http:// URL with a path"));
            continue;
        };
        let path = format!("/{path}");
        let (host, port) = authority.split_once(':').unwrap_or((authority, "80"));
        if host.split('.').next() != Some(app.name()) || port != "80" {
            fail(format!(
                "`{url}` is not the SpinApp's Service ({}, port 80)",
                app.name()
            ));
        }
        let Some((component, entry)) = scheduled.iter().find(|(_, s)| s.path == path) else {
            fail(format!(
                "posts to {path}, which no schedule in spin.toml names"
            ));
            continue;
        };
        covered.insert(path.clone());
        if spin.routes_to(&path) != Some(component) {
            fail(format!("spin.toml does not route {path} to {component}"));
        }
        let expanded: Vec<&String> = request.expanded_headers.iter().filter(is_auth).collect();
        let env = container["env"].as_array().cloned().unwrap_or_default();
        let Some(variable) = &entry.bearer_variable else {
            if !expanded.is_empty() || env.iter().any(|e| !e["valueFrom"].is_null()) {
                fail(format!("{path} needs no token, and none should be sent"));
            }
            continue;
        };
        // council-host's scheduler sends `authorization: Bearer <value>`; the
        // component's end-to-end tests (tests/all/report_speeding/) accept exactly that.
        let token = match expanded.as_slice() {
            [header] => header
                .split_once(':')
                .and_then(|(_, v)| v.trim().strip_prefix("Bearer "))
                .and_then(curl_variable),
            _ => None,
        };
        let Some(token) = token else {
            fail(format!(
                "{path} needs `Authorization: Bearer {{{{VAR}}}}` (--expand-header)"
            ));
            continue;
        };
        if !request.imported.iter().any(|name| name == token) {
            fail(format!(
                "curl does not import {token} (--variable %{token})"
            ));
        }
        let from = env
            .iter()
            .find(|e| e["name"] == token)
            .and_then(|e| key_ref(&e["valueFrom"]["secretKeyRef"]));
        let expected = bound_secret(variable);
        if from.is_none() || from != expected {
            fail(format!(
                "{token} comes from {from:?}, not the Secret key the SpinApp binds `{variable}` to ({expected:?})"
            ));
        }
    }
    for (_, entry) in &scheduled {
        if !covered.contains(&entry.path) {
            errors.push(format!(
                "no CronJob posts to {} (council-host does, every {:?})",
                entry.path, entry.every
            ));
        }
    }
    errors
}

#[test]
fn deploy_cronjob_check_refuses_jobs_that_miss_or_leak_the_token() {
    let spin = app();
    let check = |name: &str, edit: fn(&mut Value)| {
        let documents = edited("CronJob", name, edit);
        schedule_errors(&documents, spin_app(&documents), &spin)
    };
    let typo = check(OUTBOX, |j| {
        *curl_args(j).last_mut().unwrap() =
            json!("http://council-components/report-speeding/outbox/runs");
    });
    assert_refused(typo, "no schedule in spin.toml");
    let elsewhere = check(OUTBOX, |j| {
        *curl_args(j).last_mut().unwrap() = json!("http://elsewhere/report-speeding/outbox/run");
    });
    assert_refused(elsewhere, "not the SpinApp's Service");
    // The token written into the command line, by Kubernetes' $(VAR) expansion.
    let written_out = check(OUTBOX, |j| {
        let args = curl_args(j);
        args.retain(|a| {
            a != "--expand-header" && !a.as_str().unwrap().starts_with("Authorization")
        });
        args.splice(
            0..0,
            [
                json!("--header"),
                json!("Authorization: Bearer $(STAFF_TOKEN)"),
            ],
        );
    });
    assert_refused(written_out.clone(), "expanded into the command line");
    assert_refused(written_out, "written out on the command line");
    let shell = check(OUTBOX, |j| container(j)["command"] = json!(["sh", "-c"]));
    assert_refused(shell, "no shell");
    let other_key = check(OUTBOX, |j| {
        container(j)["env"][0]["valueFrom"]["secretKeyRef"]["key"] = json!("token");
    });
    assert_refused(
        other_key,
        "not the Secret key the SpinApp binds `staff_token` to",
    );
    let not_imported = check(OUTBOX, |j| {
        curl_args(j).retain(|a| a != "--variable" && a != "%STAFF_TOKEN");
    });
    assert_refused(not_imported, "curl does not import STAFF_TOKEN");
    let no_header = check(OUTBOX, |j| {
        curl_args(j).retain(|a| a != "--expand-header" && !a.as_str().unwrap().starts_with("Auth"));
    });
    assert_refused(no_header, "needs `Authorization: Bearer {{VAR}}`");
    let old_curl = check(OUTBOX, |j| {
        container(j)["image"] = json!("curlimages/curl:8.2.1")
    });
    assert_refused(old_curl, "8.3 or later");
    assert_refused(
        check(OUTBOX, |j| j["spec"]["concurrencyPolicy"] = json!("Allow")),
        "Forbid",
    );
    let no_deadline = check(OUTBOX, |j| {
        remove(
            &mut j["spec"]["jobTemplate"]["spec"],
            "activeDeadlineSeconds",
        )
    });
    assert_refused(no_deadline, "activeDeadlineSeconds");
    let late = check(OUTBOX, |j| {
        remove(&mut j["spec"], "startingDeadlineSeconds")
    });
    assert_refused(late, "startingDeadlineSeconds");
    let get = check(OUTBOX, |j| {
        let args = curl_args(j);
        let at = args.iter().position(|a| a == "POST").unwrap();
        args[at] = json!("GET");
    });
    assert_refused(get, "not POST");
    // The housekeeping needs no token: sending one would hand it out needlessly.
    let needless = check(HOUSEKEEPING, |j| {
        let token = [
            json!("--expand-header"),
            json!("Authorization: Bearer {{T}}"),
        ];
        curl_args(j).splice(0..0, token);
    });
    assert_refused(needless, "needs no token");
    let mut documents = deployment();
    documents.retain(|d| d.name() != HOUSEKEEPING);
    let errors = schedule_errors(&documents, spin_app(&documents), &spin);
    assert_refused(
        errors,
        "no CronJob posts to /report-speeding/housekeeping/run",
    );
}
