//! Parsers for what ModernGov installations really return: the web service
//! (`mgWebService.asmx/<Operation>`, bare XML over HTTP GET) and the parish pages
//! (`mgParishCouncilDetails.aspx?bcr=1`, `mgParishCouncilDetails.aspx?ID=n`,
//! `mgParishCouncilDetailsList.aspx`), as `../shared/docs/REFERENCE.md` ("Contacts")
//! describes them. One module per subject:
//!
//! - `document`: is the answer the kind of document asked for (XML, SOAP-wrapped or
//!   bare, or an HTML page with ModernGov content)?
//! - `councillors`: `GetCouncillorsByWard`, `GetCouncillorsByWardId`,
//!   `GetCouncillorsByPostcode`;
//! - `parish_councils`: `GetParishCouncils`;
//! - `parish_pages`: the three parish pages.
//!
//! The request URLs are built by [`crate::service`]; everything here is a pure
//! function of the body received, re-exported at this level.
//!
//! Every parser first checks that the body is the kind of document asked for: an
//! HTML page where XML was expected (Leeds' SharePoint error page), a JavaScript
//! redirect stub, an empty body or plain text is an error naming the problem, never
//! an empty list. An empty `<wards/>` (East Herts) is a valid, empty answer.
//!
//! The pages are read only from ModernGov's own content blocks — the element with
//! `id="modgov"` or, failing that, elements with `mg*` classes (`mgContent`,
//! `mgSubTitle`, `mgLabel`, `mgBulletList`) — so a council's site template around
//! them (its own header, footer and "contact us" links) is ignored.

mod councillors;
mod document;
mod parish_councils;
mod parish_pages;

pub use councillors::parse_councillors;
pub use document::{parse_html_page, parse_xml_document, redirect_stub};
pub use parish_councils::parse_parish_councils;
pub use parish_pages::{
    parish_id_from_href, parse_parish_details_list_page, parse_parish_details_page,
    parse_parish_list_page,
};

use crate::model::BodyKind;
use crate::text::moderngov_date;
use crate::xmltree::XmlError;

/// What is wrong with an upstream answer. The service reports it as
/// `error::upstream-invalid` with the URL in front.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Occurs when the body is empty or only whitespace.
    #[error("empty response")]
    Empty,
    /// Occurs when an HTML page arrives where the web service's XML was expected.
    #[error("an HTML page{} where XML was expected", title_suffix(.title))]
    HtmlInsteadOfXml {
        /// The page's `<title>`, if it has one.
        title: Option<String>,
    },
    /// Occurs when the page is a JavaScript (or meta refresh) redirect stub.
    #[error("a JavaScript redirect stub{} instead of the content", target_suffix(.target))]
    RedirectStub {
        /// Where the stub redirects to, if it could be read.
        target: Option<String>,
    },
    /// Occurs when plain text arrives where XML was expected (ASP.NET errors such as
    /// "Web Service method name is not valid").
    #[error("text where XML was expected: {snippet:?}")]
    NotXml {
        /// The first characters of the body.
        snippet: String,
    },
    /// Occurs when the XML is malformed.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Occurs when the XML's root element is not the one the operation returns.
    #[error("root element <{found}> where <{expected}> was expected")]
    UnexpectedRoot {
        /// What the operation returns.
        expected: &'static str,
        /// What arrived.
        found: String,
    },
    /// Occurs when XML arrives where an HTML page was expected.
    #[error("XML where an HTML page was expected")]
    XmlInsteadOfHtml,
    /// Occurs when an HTML page has no ModernGov content block.
    #[error("an HTML page without ModernGov content (no id=\"modgov\" or mg* blocks){}", title_suffix(.title))]
    NoModernGovContent {
        /// The page's `<title>`, if any.
        title: Option<String>,
    },
}

fn title_suffix(t: &Option<String>) -> String {
    t.as_ref()
        .map(|t| format!(" titled {t:?}"))
        .unwrap_or_default()
}

fn target_suffix(t: &Option<String>) -> String {
    t.as_ref().map(|t| format!(" to {t:?}")).unwrap_or_default()
}

/// Privacy switch applied while parsing, so personal details never reach the cache
/// or an answer unless the council has turned them on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Privacy {
    /// `contacts_include_personal`: keep home addresses, home phones and mobiles.
    pub include_personal: bool,
}

// ---------------------------------------------------------------------------
// Shared by the web-service and page parsers: mapping to the model

/// The kind of a parish-level body from its name: a parish meeting is `other`
/// (WIT `body-kind`), every parish, town, community, neighbourhood or village
/// council is `parish-council`.
pub fn parish_kind(name: &str) -> BodyKind {
    if name.to_ascii_lowercase().contains("parish meeting") {
        BodyKind::Other
    } else {
        BodyKind::ParishCouncil
    }
}

fn is_gss(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && matches!(b[0], b'E' | b'W' | b'S' | b'N')
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// Runs every parser on `data` (as the service would, after lossy UTF-8
/// decoding) and checks the invariants that hold for any input. Used by the fuzz
/// target and by the regression test replaying its findings.
pub fn fuzz_all(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    for include_personal in [false, true] {
        if let Ok(wards) = parse_councillors(&s, Privacy { include_personal }) {
            for c in wards.iter().flat_map(|w| &w.councillors) {
                // Personal details never leak when they are off.
                if !include_personal {
                    assert!(c.home.is_empty(), "home details with personal details off");
                }
                for t in &c.terms {
                    for d in t.start.iter().chain(&t.end) {
                        assert_eq!(d.len(), 10, "dates are YYYY-MM-DD: {d}");
                    }
                }
            }
        }
    }
    let _ = parse_parish_councils(&s);
    let _ = parse_parish_list_page(&s);
    for include_personal in [false, true] {
        let privacy = Privacy { include_personal };
        let _ = parse_parish_details_page(&s, "1", privacy);
        let _ = parse_parish_details_list_page(&s, privacy);
    }
    let _ = crate::text::decode_entities_once(&s);
    let _ = council_postcode::normalise(&s);
    let _ = moderngov_date(&s);
    let _ = crate::matching::normalise_body_name(&s);
}
