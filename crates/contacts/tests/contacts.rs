//! Integration tests of council-contacts on the real ModernGov fixtures
//! (`tests/data/moderngov`, see its README for provenance), the service's cache,
//! stale-if-error and rate limit, the demo directory and the Open Referral UK output.

use std::path::PathBuf;
use std::time::Duration;

use council_contacts::io::{HttpResponse, TransportError};
use council_contacts::moderngov::{self, ParseError, Privacy};
use council_contacts::openreferral::to_open_referral;
use council_contacts::service::ContactService;
use council_contacts::settings::Settings;
use council_contacts::testing::{ManualClock, MemoryCache, ScriptedTransport};
use council_contacts::{BodyKind, BodyQuery, Error, Source};

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

// --- GetCouncillorsByWard on real answers ------------------------------------------

#[test]
fn kirklees_parses_every_ward_and_councillor() {
    let wards = moderngov::parse_councillors(
        &fixture("councillors-by-ward/kirklees.gov.uk.xml"),
        public(),
    )
    .unwrap();
    assert_eq!(wards.len(), 23);
    assert_eq!(wards.iter().map(|w| w.councillors.len()).sum::<usize>(), 69);
    let w = &wards[0];
    assert_eq!(w.name, "Almondbury");
    let c = &w.councillors[0];
    assert_eq!(c.id, "118");
    assert_eq!(c.name, "Councillor Judith Hughes");
    assert_eq!(c.party.as_deref(), Some("Labour"));
    assert_eq!(c.ward.as_deref(), Some("Almondbury"));
    assert_eq!(
        c.key_posts, None,
        "an element holding only CRLF and spaces is absent"
    );
    assert_eq!(
        c.photo_url.as_deref(),
        Some("https://democracy.kirklees.gov.uk/UserData/8/1/1/Info00000118/bigpic.jpg")
    );
    // The e-mail published under <homeaddress> is the councillor's contact e-mail...
    assert_eq!(
        c.work.email.as_deref(),
        Some("cllr118@kirklees.gov.uk.example")
    );
    // ...but the home address and the mobile are withheld.
    assert!(c.home.is_empty());
    assert_eq!(c.work.phone, None);
    assert_eq!(c.terms.len(), 1);
    assert_eq!(c.terms[0].start.as_deref(), Some("2011-05-05"));
    assert_eq!(c.terms[0].end.as_deref(), Some("2019-05-02"));
    // Some councillors publish under <workaddress>.
    let all: Vec<_> = wards.iter().flat_map(|w| &w.councillors).collect();
    assert_eq!(all.iter().filter(|c| c.work.email.is_some()).count(), 68);
    assert!(all.iter().all(|c| c.home.is_empty()));
    // Green & Valley: a single-encoded ampersand is decoded once, by the XML layer.
    assert!(
        all.iter()
            .any(|c| c.key_posts.as_deref()
                == Some("Green & Valley Independent Group - Joint Leader"))
    );
}

#[test]
fn personal_details_only_when_switched_on() {
    let on = Privacy {
        include_personal: true,
    };
    let wards =
        moderngov::parse_councillors(&fixture("councillors-by-ward/kirklees.gov.uk.xml"), on)
            .unwrap();
    let c = &wards[0].councillors[0];
    assert_eq!(
        c.home.address,
        vec![
            "Address line 1 withheld",
            "Address line 2 withheld",
            "Address line 3 withheld",
            "Address line 4 withheld"
        ]
    );
    assert_eq!(c.home.phone.as_deref(), Some("01632 960001"));
    assert_eq!(
        c.home.email.as_deref(),
        Some("cllr118@kirklees.gov.uk.example")
    );
}

#[test]
fn argyll_double_encoded_entities_are_decoded_once_more() {
    let src = fixture("councillors-by-ward/argyll-bute.gov.uk.xml");
    let on = Privacy {
        include_personal: true,
    };
    let wards = moderngov::parse_councillors(&src, on).unwrap();
    let c = wards
        .iter()
        .flat_map(|w| &w.councillors)
        .find(|c| c.id == "199")
        .unwrap();
    assert_eq!(c.home.address[0], "\"The Cottage\", 1 Example Road");
    assert_eq!(
        c.key_posts.as_deref(),
        Some("Provost of the Council and Policy Lead for Island Affairs")
    );
    let c = wards
        .iter()
        .flat_map(|w| &w.councillors)
        .find(|c| c.id == "595")
        .unwrap();
    assert!(
        c.key_posts
            .as_deref()
            .unwrap()
            .contains("Licensing Board & Vice Chair")
    );
    // No <termsofoffice> at all: no terms, not an error.
    assert!(c.terms.is_empty());
    // An empty <politicalpartytitle> is absent.
    assert_eq!(
        wards
            .iter()
            .flat_map(|w| &w.councillors)
            .find(|c| c.id == "1029")
            .unwrap()
            .party,
        None
    );
}

#[test]
fn leeds_html_error_page_is_an_error_naming_it() {
    let e =
        moderngov::parse_councillors(&fixture("councillors-by-ward/leeds.gov.uk.xml"), public())
            .unwrap_err();
    assert_eq!(
        e,
        ParseError::HtmlInsteadOfXml {
            title: Some("Error".into())
        }
    );
    assert_eq!(
        e.to_string(),
        "an HTML page titled \"Error\" where XML was expected"
    );
}

#[test]
fn east_herts_empty_wards_is_a_valid_empty_answer() {
    let wards = moderngov::parse_councillors(
        &fixture("councillors-by-ward/online.eastherts.gov.uk.xml"),
        public(),
    )
    .unwrap();
    assert!(wards.is_empty());
}

#[test]
fn by_ward_id_and_by_postcode_share_the_shape() {
    for f in [
        "councillors-by-ward-id/example.xml",
        "councillors-by-postcode/example.xml",
    ] {
        let wards = moderngov::parse_councillors(&fixture(f), public()).unwrap();
        assert_eq!(wards[0].name, "Bucklow-St Martins", "{f}");
        let c = &wards[0].councillors[0];
        assert_eq!(c.id, "5101");
        assert_eq!(c.terms[0].start.as_deref(), Some("2021-05-06"));
        assert_eq!(c.terms[0].end, None, "enddate 'unspecified' is open-ended");
        assert_eq!(
            c.work.email.as_deref(),
            Some("cllr5101@council.example.org")
        );
        assert!(c.home.is_empty());
    }
}

#[test]
fn redirect_stubs_are_reported_with_their_target() {
    let stub = fixture("redirect-stub/example.html");
    let target = Some("https://www.borough.example.org/democracy/?returnurl=%2fmgWebService.asmx%2fGetCouncillorsByWard".to_string());
    assert_eq!(
        moderngov::parse_councillors(&stub, public()).unwrap_err(),
        ParseError::RedirectStub {
            target: target.clone()
        }
    );
    assert_eq!(
        moderngov::parse_parish_list_page(&stub).unwrap_err(),
        ParseError::RedirectStub { target }
    );
    let meta = "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL='https://x.example/'\"></head></html>";
    assert!(matches!(
        moderngov::parse_parish_list_page(meta),
        Err(ParseError::RedirectStub { .. })
    ));
}

#[test]
fn empty_and_wrong_documents_are_errors() {
    assert_eq!(
        moderngov::parse_councillors("\r\n", public()).unwrap_err(),
        ParseError::Empty
    );
    assert!(matches!(
        moderngov::parse_councillors("<councillorsbyward><wards>", public()),
        Err(ParseError::Xml(_))
    ));
    assert!(matches!(
        moderngov::parse_councillors("<committees/>", public()),
        Err(ParseError::UnexpectedRoot { .. })
    ));
    assert_eq!(
        moderngov::parse_parish_list_page(&fixture("parish-councils/example.xml")).unwrap_err(),
        ParseError::XmlInsteadOfHtml
    );
    let plain = "<html><head><title>Welcome</title></head><body><p>Our site is being updated, please try later. This page has enough text to not look like a redirect stub at all, which matters for the check, so here is more of it to be sure it passes the length.</p></body></html>";
    assert_eq!(
        moderngov::parse_parish_list_page(plain).unwrap_err(),
        ParseError::NoModernGovContent {
            title: Some("Welcome".into())
        }
    );
}

// --- Parishes ------------------------------------------------------------------------

#[test]
fn get_parish_councils_is_read_tolerantly() {
    let bodies = moderngov::parse_parish_councils(&fixture("parish-councils/example.xml")).unwrap();
    let names: Vec<_> = bodies.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Partington Town Council",
            "Carrington Parish Council",
            "Dunham Massey Parish Council",
            "St Example's Parish Meeting"
        ]
    );
    assert_eq!(bodies[1].id, "13", "leading space trimmed");
    assert_eq!(
        bodies[0].website.as_deref(),
        Some("https://partington.example.org")
    );
    assert_eq!(
        bodies[1].contact.email.as_deref(),
        Some("clerk@carrington.example.org")
    );
    assert_eq!(bodies[1].contact.name.as_deref(), Some("The Clerk"));
    assert_eq!(bodies[3].kind, BodyKind::Other);
}

#[test]
fn bcr_list_page_reads_only_moderngov_links() {
    let bodies =
        moderngov::parse_parish_list_page(&fixture("parish-list-bcr/example.html")).unwrap();
    let ids: Vec<_> = bodies
        .iter()
        .map(|b| (b.id.as_str(), b.name.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("13", "Carrington Parish Council"),
            ("14", "Dunham Massey Parish Council"),
            ("12", "Partington Town Council"),
            ("16", "Warburton Parish Council")
        ]
    );
}

#[test]
fn details_page_gives_the_clerk_not_the_template() {
    let b = moderngov::parse_parish_details_page(
        &fixture("parish-details/example-id-12.html"),
        "12",
        public(),
    )
    .unwrap();
    assert_eq!(b.id, "12");
    assert_eq!(b.name, "Partington Town Council");
    assert_eq!(b.kind, BodyKind::ParishCouncil);
    assert_eq!(b.website.as_deref(), Some("https://partington.example.org"));
    let c = &b.contact;
    assert_eq!(c.name.as_deref(), Some("The Clerk"));
    assert_eq!(c.role.as_deref(), Some("Clerk"));
    assert_eq!(c.email.as_deref(), Some("clerk@partington.example.org"));
    assert_eq!(
        c.phone.as_deref(),
        Some("01632 960311"),
        "not the template's 01632 960000, not the mobile"
    );
    assert_eq!(
        c.address,
        vec!["Example Community Centre", "1 Example Lane", "Partington"]
    );
    assert_eq!(c.postcode.as_deref(), Some("ZZ99 9ZZ"));
}

#[test]
fn details_list_page_splits_parishes_at_headings() {
    let bodies = moderngov::parse_parish_details_list_page(
        &fixture("parish-details-list/example.html"),
        public(),
    )
    .unwrap();
    assert_eq!(bodies.len(), 4);
    assert_eq!(bodies[2].id, "12");
    assert_eq!(bodies[2].contact.name.as_deref(), Some("The Town Clerk"));
    assert_eq!(
        bodies[2].contact.email.as_deref(),
        Some("clerk@partington.example.org")
    );
    let dunham = &bodies[1];
    assert_eq!(dunham.contact.phone.as_deref(), Some("01632 960310"));
    assert!(
        dunham.contact.address.is_empty(),
        "a home address is withheld"
    );
    assert!(
        bodies
            .iter()
            .all(|b| b.contact.email.as_deref() != Some("enquiries@borough.example.org"))
    );
}

// --- The service -------------------------------------------------------------------------

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

#[test]
fn cache_hit_skips_the_upstream() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    let first = svc.councillors_by_ward(None).unwrap();
    assert_eq!(first.provenance.source, Source::Moderngov);
    assert_eq!(first.provenance.url.as_deref(), Some(WARD_URL));
    assert_eq!(first.provenance.fetched_at, 1_700_000_000);
    clock.advance(3_600_000);
    let second = svc.councillors_by_ward(Some("almondbury ")).unwrap();
    assert_eq!(transport.count(), 1, "served from the cache");
    assert_eq!(second.wards.len(), 1);
    assert_eq!(second.provenance.age_seconds, 3600);
    assert!(!second.provenance.stale);
    // A fresh instance (Spin makes one per request) sees the same cache.
    let again = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    again.councillors_by_ward(None).unwrap();
    assert_eq!(transport.count(), 1);
}

#[test]
fn expired_entries_are_fetched_again() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/online.eastherts.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_cache_ttl_seconds", "60")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(svc.councillors_by_ward(None).unwrap().wards.is_empty());
    clock.advance(60_000);
    let fresh = svc.councillors_by_ward(None).unwrap();
    assert_eq!(transport.count(), 2);
    assert_eq!(fresh.wards.len(), 23);
    assert_eq!(fresh.provenance.age_seconds, 0);
}

#[test]
fn stale_if_error_serves_the_last_good_answer() {
    let clock = ManualClock::at(1_700_000_000_000);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/leeds.gov.uk.xml")),
    );
    transport.push(
        WARD_URL,
        Err(TransportError::Timeout(Duration::from_secs(5))),
    );
    let cache = MemoryCache::default();
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    svc.councillors_by_ward(None).unwrap();
    clock.advance(25 * 3_600_000);
    // Garbage upstream: the last good answer, stale, with the reason.
    let stale = svc.councillors_by_ward(None).unwrap();
    assert_eq!(stale.wards.len(), 23);
    assert!(stale.provenance.stale);
    assert_eq!(stale.provenance.age_seconds, 25 * 3600);
    assert_eq!(
        stale.provenance.stale_reason.as_deref(),
        Some("upstream sent an HTML page titled \"Error\" where XML was expected")
    );
    // The garbage did not replace the good copy; a timeout serves it too.
    clock.advance(2_000);
    let stale = svc.councillors_by_ward(None).unwrap();
    assert_eq!(stale.wards.len(), 23);
    assert_eq!(
        stale.provenance.stale_reason.as_deref(),
        Some("upstream timed out after 5 s")
    );
    assert_eq!(stale.provenance.fetched_at, 1_700_000_000);
}

#[test]
fn broken_upstream_without_a_copy_is_an_error_naming_url_and_problem() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/leeds.gov.uk.xml")),
    );
    let svc = ContactService::new(
        moderngov_settings(&[]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    assert_eq!(
        svc.councillors_by_ward(None).unwrap_err(),
        Error::UpstreamInvalid(format!(
            "{WARD_URL}: sent an HTML page titled \"Error\" where XML was expected"
        ))
    );
    let by_id = format!("{BASE}/mgWebService.asmx/GetCouncillorsByWardId?lWardId=7");
    transport.push(
        &by_id,
        Ok(HttpResponse {
            status: 503,
            content_type: None,
            body: vec![],
        }),
    );
    assert_eq!(
        svc.councillors_by_ward_id(7).unwrap_err(),
        Error::UpstreamUnavailable(format!("{by_id}: answered HTTP 503"))
    );
    let by_pc = format!("{BASE}/mgWebService.asmx/GetCouncillorsByPostcode?sPostcode=M31%204AN");
    transport.push(&by_pc, Err(TransportError::Timeout(Duration::from_secs(5))));
    assert_eq!(
        svc.councillors_by_postcode("m314an").unwrap_err(),
        Error::UpstreamUnavailable(format!("{by_pc}: timed out after 5 s"))
    );
    transport.push(
        &by_pc,
        Err(TransportError::Denied(
            "democracy.example.gov.uk is not in allowed_outbound_hosts".into(),
        )),
    );
    assert!(
        matches!(svc.councillors_by_postcode("M31 4AN"), Err(Error::UpstreamUnavailable(m)) if m.contains("denied by the host's outbound allow-list"))
    );
    assert!(matches!(
        svc.councillors_by_postcode("not a postcode"),
        Err(Error::InvalidQuery(_))
    ));
}

#[test]
fn a_broken_cache_store_is_a_miss_not_a_failure() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    cache.broken.set(true);
    let svc = ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock);
    assert_eq!(svc.councillors_by_ward(None).unwrap().wards.len(), 23);
}

#[test]
fn requests_to_one_host_are_spaced_across_instances() {
    let clock = ManualClock::at(1_000_000);
    let transport = ScriptedTransport::new().with_clock(&clock);
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/online.eastherts.gov.uk.xml")),
    );
    let by_id = format!("{BASE}/mgWebService.asmx/GetCouncillorsByWardId?lWardId=1");
    transport.push(&by_id, xml(&fixture("councillors-by-ward-id/example.xml")));
    let cache = MemoryCache::default();
    ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock)
        .councillors_by_ward(None)
        .unwrap();
    clock.advance(300);
    // A new instance with the same store waits out the rest of the second.
    ContactService::new(moderngov_settings(&[]), &transport, &cache, &clock)
        .councillors_by_ward_id(1)
        .unwrap();
    let times: Vec<u64> = transport
        .requests
        .borrow()
        .iter()
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(times, [1_000_000, 1_001_000]);
    assert_eq!(clock.slept.get(), 700);
}

#[test]
fn personal_and_public_answers_are_cached_apart() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    transport.push(
        WARD_URL,
        xml(&fixture("councillors-by-ward/kirklees.gov.uk.xml")),
    );
    let cache = MemoryCache::default();
    let on = ContactService::new(
        moderngov_settings(&[("contacts_include_personal", "true")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(
        !on.councillors_by_ward(None).unwrap().wards[0].councillors[0]
            .home
            .is_empty()
    );
    let off = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        &cache,
        &clock,
    );
    assert!(
        off.councillors_by_ward(None).unwrap().wards[0].councillors[0]
            .home
            .is_empty()
    );
    assert_eq!(transport.count(), 2);
}

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
fn an_unanswering_upstream_costs_a_call_one_timeout() {
    let clock = ManualClock::at(0);
    let transport = ScriptedTransport::new();
    let ws = format!("{BASE}/mgWebService.asmx/GetParishCouncils");
    let details = format!("{BASE}/mgParishCouncilDetailsList.aspx");
    transport.push(&ws, xml(&fixture("parish-councils/example.xml")));
    transport.ok(
        &details,
        "text/html",
        fixture("parish-details-list/example.html"),
    );
    for url in [&ws, &details] {
        transport.push(url, Err(TransportError::Timeout(Duration::from_secs(5))));
    }
    let cache = MemoryCache::default();
    let svc = ContactService::new(
        moderngov_settings(&[
            ("contacts_min_interval_ms", "0"),
            ("contacts_cache_ttl_seconds", "60"),
        ]),
        &transport,
        &cache,
        &clock,
    );
    let q = BodyQuery {
        gss_code: None,
        name: Some("Partington".into()),
        kind: None,
    };
    svc.find_body(&q).unwrap().unwrap();
    assert_eq!(transport.count(), 2);
    clock.advance(61_000);
    // The list times out; the details page is not asked for, and both come from
    // the cache, stale, with the reason.
    let a = svc.find_body(&q).unwrap().unwrap();
    assert_eq!(transport.count(), 3);
    assert!(a.provenance.stale);
    assert_eq!(a.body.contact.name.as_deref(), Some("The Town Clerk"));
    assert_eq!(
        a.provenance.stale_reason.as_deref(),
        Some("upstream timed out after 5 s; upstream timed out after 5 s")
    );
    // The next call gives the upstream a fresh chance.
    svc.parish_councils().unwrap();
    assert_eq!(transport.count(), 4);
    // Without copies: one request, and the error names the first URL.
    let svc = ContactService::new(
        moderngov_settings(&[("contacts_min_interval_ms", "0")]),
        &transport,
        MemoryCache::default(),
        &clock,
    );
    assert_eq!(
        svc.parish_councils().unwrap_err(),
        Error::UpstreamUnavailable(format!("{ws}: timed out after 5 s"))
    );
    assert_eq!(transport.count(), 5);
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

// --- Open Referral UK ----------------------------------------------------------------------

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

// --- Fuzzing regressions ---------------------------------------------------------------------

#[test]
fn fuzz_regressions_do_not_crash() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        moderngov::fuzz_all(&std::fs::read(&path).unwrap());
        n += 1;
    }
    // Also every real and written fixture.
    for sub in [
        "councillors-by-ward",
        "councillors-by-ward-id",
        "councillors-by-postcode",
        "parish-councils",
        "parish-list-bcr",
        "parish-details",
        "parish-details-list",
        "redirect-stub",
    ] {
        let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/moderngov")
            .join(sub);
        for entry in std::fs::read_dir(&d).unwrap() {
            moderngov::fuzz_all(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 11);
}
