//! The ModernGov parsers on real answers: GetCouncillorsByWard (by ward, ward id and
//! postcode), error pages, redirect stubs and broken documents; the parish council
//! list, the BCR list page and the parish details pages.

use council_contacts::BodyKind;
use council_contacts::moderngov::{self, ParseError, Privacy};

use super::{fixture, public};

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
