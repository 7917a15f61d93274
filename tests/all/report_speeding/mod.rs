//! The "Report speeding traffic" service end to end: the real component composed with
//! the three capabilities by `council-host`, from the `report-speeding` entries of the
//! repository's `spin.toml`, against the demo data and a GOV.UK Notify stand-in.
//!
//! The HTTP tests post forms as a browser without JavaScript does. The browser test
//! drives Debian's Chromium through `tests/browser/journey.mjs` (Playwright-core and
//! axe-core).
//!
//! This module holds what the tests share: the manifest, the host's environment and the
//! back-office calls; the person with a browser is in [`citizen`], and the tests are in
//! the submodules, one subject each.

mod browser;
mod citizen;
mod delivery;
mod drafts;
mod journey;
mod several_hosts;
mod staff;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::notify;
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
