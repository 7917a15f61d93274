//! Integration tests of council-contacts on the real ModernGov fixtures
//! (`tests/data/moderngov`, see its README for provenance), the service's cache,
//! stale-if-error and rate limit, the demo directory and the Open Referral UK output.
//!
//! One test binary; this file holds the fixtures and settings the tests share, and the
//! tests are in the modules below, one subject each.

mod bodies;
mod fuzz;
mod moderngov;
mod open_referral;
mod service;

use std::path::PathBuf;

use council_contacts::io::{HttpResponse, TransportError};
use council_contacts::moderngov::Privacy;
use council_contacts::settings::Settings;

const BASE: &str = "https://democracy.example.gov.uk";
const WARD_URL: &str = "https://democracy.example.gov.uk/mgWebService.asmx/GetCouncillorsByWard";

fn fixture(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/moderngov")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn demo_directory() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/contacts/directory.json")
        .display()
        .to_string()
}

fn public() -> Privacy {
    Privacy {
        include_personal: false,
    }
}

fn moderngov_settings(extra: &[(&str, &str)]) -> Settings {
    let mut pairs = vec![
        ("contacts_source", "moderngov"),
        ("moderngov_base_url", BASE),
        ("contacts_directory_path", "/nonexistent/directory.json"),
    ];
    pairs.extend_from_slice(extra);
    Settings::from_pairs(pairs).unwrap()
}

fn xml(body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status: 200,
        content_type: Some("text/xml; charset=utf-8".into()),
        body: body.as_bytes().to_vec(),
    })
}
