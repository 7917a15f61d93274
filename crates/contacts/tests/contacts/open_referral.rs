//! The Open Referral UK rendering against the UK profile's schemas, and the plain JSON
//! with the WIT's names.

use std::path::PathBuf;

use council_contacts::moderngov;
use council_contacts::openreferral::to_open_referral;

use super::{demo_directory, fixture, public};

/// Properties each object may have, from the UK profile's schemas
/// (OpenReferralUK/uk-profile `schema/organization.json`, `schema/contact.json`,
/// `schema/phone.json`, `schema/compiled/organization.json`).
const ORGANIZATION: &[&str] = &[
    "id",
    "name",
    "description",
    "email",
    "website",
    "logo",
    "uri",
    "parent_organization_id",
    "organization_identifiers",
    "attributes",
];
const CONTACT: &[&str] = &["id", "service_id", "name", "title", "attributes"];
const PHONE: &[&str] = &["id", "contact_id", "number", "description", "languages"];
const IDENTIFIER: &[&str] = &[
    "id",
    "organization_id",
    "identifier_scheme",
    "identifier_type",
    "identifier",
    "attributes",
];

fn is_uuid(v: &serde_json::Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn check_object(v: &serde_json::Value, allowed: &[&str], required: &[&str]) {
    let m = v.as_object().expect("an object");
    for k in m.keys() {
        assert!(
            allowed.contains(&k.as_str()),
            "{k} is not a UK profile property"
        );
    }
    for r in required {
        assert!(m.contains_key(*r), "{r} is required");
    }
    assert!(is_uuid(&m["id"]), "id must be a uuid: {}", m["id"]);
}

#[test]
fn open_referral_output_follows_the_uk_profile() {
    let text = std::fs::read_to_string(demo_directory()).unwrap();
    let dir = council_contacts::directory::Directory::from_json(text.as_bytes(), "directory.json")
        .unwrap();
    let mut golden = serde_json::Map::new();
    for b in &dir.bodies {
        let v = to_open_referral(b);
        check_object(
            &v["organization"],
            ORGANIZATION,
            &["id", "name", "description"],
        );
        for ident in v["organization"]["organization_identifiers"]
            .as_array()
            .unwrap()
        {
            check_object(ident, IDENTIFIER, &["id", "identifier_type", "identifier"]);
            assert_eq!(ident["organization_id"], v["organization"]["id"]);
        }
        check_object(&v["contact"], CONTACT, &["id"]);
        assert!(
            v["contact"].get("email").is_none(),
            "the UK profile has no contact.email"
        );
        assert_eq!(
            v["organization"]["email"],
            serde_json::json!(b.contact.email)
        );
        for p in v["phones"].as_array().unwrap() {
            check_object(p, PHONE, &["id", "number"]);
            assert_eq!(p["contact_id"], v["contact"]["id"]);
        }
        // Stable identifiers: the same body renders the same ids.
        assert_eq!(v, to_open_referral(b));
        golden.insert(b.id.clone(), v);
    }
    let rendered = serde_json::to_string_pretty(&golden).unwrap() + "\n";
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/open-referral-demo.json");
    council_test_support::golden::check(&path, &rendered);
}

#[test]
fn plain_json_uses_the_wit_names() {
    let b = moderngov::parse_parish_details_page(
        &fixture("parish-details/example-id-12.html"),
        "12",
        public(),
    )
    .unwrap();
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!(v["kind"], "parish-council");
    assert_eq!(v["gss_code"], serde_json::Value::Null);
    assert_eq!(v["contact"]["email"], "clerk@partington.example.org");
}
