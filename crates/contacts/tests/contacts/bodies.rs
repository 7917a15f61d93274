//! Finding a body: Partington's parish through ModernGov's lists and pages, the BCR
//! fallback, GSS codes from the directory, and the static directory source.

use council_contacts::io::HttpResponse;
use council_contacts::service::ContactService;
use council_contacts::settings::Settings;
use council_contacts::testing::{ManualClock, MemoryCache, ScriptedTransport};
use council_contacts::{BodyKind, BodyQuery, Error, Source};

use super::{BASE, demo_directory, fixture, moderngov_settings, xml};

fn parish_transport() -> ScriptedTransport {
    let t = ScriptedTransport::new();
    t.push(
        &format!("{BASE}/mgWebService.asmx/GetParishCouncils"),
        xml(&fixture("parish-councils/example.xml")),
    );
    t
}

#[test]
fn find_body_matches_partington_styles_with_moderngov() {
    let clock = ManualClock::at(0);
    let transport = parish_transport();
    transport.ok(
        &format!("{BASE}/mgParishCouncilDetailsList.aspx"),
        "text/html",
        fixture("parish-details-list/example.html"),
    );
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    for name in ["Partington PC", "Partington Parish Council", "Partington"] {
        let q = BodyQuery {
            gss_code: Some("E04000011".into()),
            name: Some(name.into()),
            kind: Some(BodyKind::ParishCouncil),
        };
        let a = svc.find_body(&q).unwrap().unwrap();
        assert_eq!(a.body.id, "12", "{name}");
        assert_eq!(
            a.body.contact.email.as_deref(),
            Some("clerk@partington.example.org")
        );
        assert_eq!(a.body.contact.name.as_deref(), Some("The Town Clerk"));
    }
    let q = BodyQuery {
        gss_code: None,
        name: Some("Nowhere".into()),
        kind: None,
    };
    assert_eq!(svc.find_body(&q).unwrap(), None);
    assert!(matches!(
        svc.find_body(&BodyQuery::default()),
        Err(Error::InvalidQuery(_))
    ));
}

#[test]
fn find_body_reads_the_parish_page_when_the_lists_have_no_contact() {
    let clock = ManualClock::at(0);
    let transport = parish_transport();
    transport.push(
        &format!("{BASE}/mgParishCouncilDetailsList.aspx"),
        Ok(HttpResponse {
            status: 404,
            content_type: None,
            body: vec![],
        }),
    );
    transport.ok(
        &format!("{BASE}/mgParishCouncilDetails.aspx?ID=12"),
        "text/html",
        fixture("parish-details/example-id-12.html"),
    );
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    let q = BodyQuery {
        gss_code: None,
        name: Some("Partington Town Council".into()),
        kind: None,
    };
    let a = svc.find_body(&q).unwrap().unwrap();
    assert_eq!(a.body.contact.phone.as_deref(), Some("01632 960311"));
    // The list of parishes stands without the details page.
    let list = svc.parish_councils().unwrap();
    assert_eq!(list.bodies.len(), 4);
}

#[test]
fn parish_list_falls_back_to_the_bcr_page() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        &format!("{BASE}/mgWebService.asmx/GetParishCouncils"),
        Ok(HttpResponse {
            status: 500,
            content_type: Some("text/plain".into()),
            body: b"Web Service method name is not valid.".to_vec(),
        }),
    );
    transport.ok(
        &format!("{BASE}/mgParishCouncilDetails.aspx?bcr=1"),
        "text/html",
        fixture("parish-list-bcr/example.html"),
    );
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    let list = svc.parish_councils().unwrap();
    assert_eq!(list.bodies.len(), 4);
    assert_eq!(
        list.provenance.url.as_deref(),
        Some(format!("{BASE}/mgParishCouncilDetails.aspx?bcr=1").as_str())
    );
}

#[test]
fn moderngov_parishes_get_the_directorys_gss_codes_once_per_fetch() {
    let clock = ManualClock::at(0);
    let transport = parish_transport();
    transport.ok(
        &format!("{BASE}/mgParishCouncilDetailsList.aspx"),
        "text/html",
        fixture("parish-details-list/example.html"),
    );
    let scratch = std::env::temp_dir().join(format!("contacts-codes-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let directory = scratch.join("directory.json");
    std::fs::copy(demo_directory(), &directory).unwrap();
    let directory = directory.display().to_string();
    let cache = MemoryCache::default();
    let svc = ContactService::new(
        moderngov_settings(&[
            ("contacts_min_interval_ms", "0"),
            ("contacts_directory_path", &directory),
        ]),
        &transport,
        &cache,
        &clock,
    );
    let list = svc.parish_councils().unwrap();
    let codes: Vec<Option<&str>> = list.bodies.iter().map(|b| b.gss_code.as_deref()).collect();
    assert_eq!(
        codes,
        [
            Some("E04000011"),
            Some("E04000009"),
            Some("E04000010"),
            None
        ]
    );
    // The codes are in the cached list: a lookup by code reads no file.
    std::fs::remove_file(&directory).unwrap();
    let q = BodyQuery {
        gss_code: Some("e04000011".into()),
        name: None,
        kind: None,
    };
    let a = svc.find_body(&q).unwrap().unwrap();
    // ModernGov's entry (its id, its clerk), not the directory's.
    assert_eq!(a.provenance.source, Source::Moderngov);
    assert_eq!(a.body.id, "12");
    assert_eq!(a.body.name, "Partington Town Council");
    assert_eq!(a.body.contact.name.as_deref(), Some("The Town Clerk"));
    assert_eq!(a.body.gss_code.as_deref(), Some("E04000011"));
    assert_eq!(transport.count(), 2);
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn a_gss_code_alone_finds_a_list_cached_without_codes_through_the_directory_name() {
    let clock = ManualClock::at(0);
    let transport = parish_transport();
    transport.ok(
        &format!("{BASE}/mgParishCouncilDetailsList.aspx"),
        "text/html",
        fixture("parish-details-list/example.html"),
    );
    let cache = MemoryCache::default();
    // Cached while no directory was there.
    ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        &cache,
        &clock,
    )
    .parish_councils()
    .unwrap();
    let directory = demo_directory();
    let svc = ContactService::new(
        moderngov_settings(&[
            ("contacts_min_interval_ms", "0"),
            ("contacts_directory_path", &directory),
        ]),
        &transport,
        &cache,
        &clock,
    );
    let q = BodyQuery {
        gss_code: Some("E04000011".into()),
        name: None,
        kind: None,
    };
    let a = svc.find_body(&q).unwrap().unwrap();
    assert_eq!(a.provenance.source, Source::Moderngov);
    assert_eq!(a.body.id, "12");
    assert_eq!(a.body.gss_code.as_deref(), Some("E04000011"));
    assert_eq!(transport.count(), 2, "from the cache");
    // A code the directory does not know is not guessed at.
    let q = BodyQuery {
        gss_code: Some("E04999999".into()),
        name: None,
        kind: None,
    };
    assert_eq!(svc.find_body(&q).unwrap(), None);
}

#[test]
fn directory_source_answers_from_the_demo_file() {
    let clock = ManualClock::at(1_800_000_000_000);
    let settings = Settings::from_pairs([
        ("contacts_source", "directory"),
        ("contacts_directory_path", demo_directory().as_str()),
    ])
    .unwrap();
    let transport = ScriptedTransport::new();
    let svc = ContactService::new(settings, &transport, MemoryCache::default(), &clock);
    let by_code = svc
        .find_body(&BodyQuery {
            gss_code: Some("E04000011".into()),
            name: None,
            kind: None,
        })
        .unwrap()
        .unwrap();
    assert_eq!(by_code.body.name, "Partington Town Council");
    assert_eq!(
        by_code.body.contact.email.as_deref(),
        Some("clerk@partington.example.org")
    );
    assert_eq!(by_code.provenance.source, Source::Directory);
    assert_eq!(by_code.provenance.url, None);
    let by_name = svc
        .find_body(&BodyQuery {
            gss_code: None,
            name: Some("Partington PC".into()),
            kind: None,
        })
        .unwrap()
        .unwrap();
    assert_eq!(by_name.body.id, "E04000011");
    let district = svc
        .find_body(&BodyQuery {
            gss_code: None,
            name: Some("Trafford".into()),
            kind: Some(BodyKind::DistrictCouncil),
        })
        .unwrap()
        .unwrap();
    assert_eq!(district.body.gss_code.as_deref(), Some("E08000009"));
    assert_eq!(svc.parish_councils().unwrap().bodies.len(), 4);
    assert!(matches!(
        svc.councillors_by_ward(None),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        svc.councillors_by_postcode("M31 4AN"),
        Err(Error::Unsupported(_))
    ));
    assert_eq!(transport.count(), 0);
    let missing =
        Settings::from_pairs([("contacts_directory_path", "/nonexistent/d.json")]).unwrap();
    let svc = ContactService::new(missing, &transport, MemoryCache::default(), &clock);
    assert!(
        matches!(svc.parish_councils(), Err(Error::NotConfigured(m)) if m.starts_with("/nonexistent/d.json"))
    );
}

#[test]
fn demo_directory_is_labelled_and_fictional() {
    let text = std::fs::read_to_string(demo_directory()).unwrap();
    let dir = council_contacts::directory::Directory::from_json(text.as_bytes(), "directory.json")
        .unwrap();
    assert!(dir.description.as_deref().unwrap().contains("FICTIONAL"));
    let codes: Vec<_> = dir
        .bodies
        .iter()
        .filter_map(|b| b.gss_code.as_deref())
        .collect();
    assert_eq!(
        codes,
        [
            "E04000009",
            "E04000010",
            "E04000011",
            "E04000012",
            "E08000009"
        ]
    );
    for b in &dir.bodies {
        assert!(
            b.contact
                .email
                .as_deref()
                .unwrap()
                .ends_with(".example.org"),
            "{}",
            b.name
        );
        assert!(
            b.contact.phone.as_deref().unwrap().starts_with("01632 960"),
            "{}",
            b.name
        );
    }
}
