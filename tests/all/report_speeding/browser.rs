//! The journey in headless Chromium, with and without JavaScript
//! (`tests/browser/journey.mjs`, Playwright-core and axe-core).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::{manifest, notify_env, start};
use crate::support;
use crate::support::notify::NotifyStandIn;

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
