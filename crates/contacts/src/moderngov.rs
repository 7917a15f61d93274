//! Parsers for what ModernGov installations really return: the web service
//! (`mgWebService.asmx/<Operation>`, bare XML over HTTP GET) and the parish pages
//! (`mgParishCouncilDetails.aspx?bcr=1`, `mgParishCouncilDetails.aspx?ID=n`,
//! `mgParishCouncilDetailsList.aspx`).
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

use crate::htmltree::Document;
use crate::model::{Body, BodyKind, ContactDetails, Councillor, Term, Ward};
use crate::text::{clean, clean_value, moderngov_date};
use crate::xmltree::{self, Element, XmlError};

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
// Classification

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

fn looks_like_html(s: &str) -> bool {
    // Skip leading comments (`<!-- ... -->`), which both XML and HTML allow.
    let mut s = s.trim_start();
    while let Some(rest) = s.strip_prefix("<!--") {
        s = match rest.find("-->") {
            Some(end) => rest[end + 3..].trim_start(),
            None => "",
        };
    }
    let head: String = s.chars().take(200).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
        || (head.starts_with("<!doctype") && head.contains("html"))
        || head.starts_with("<script")
        || head.starts_with("<meta")
}

/// Detects a redirect stub: a page whose visible text is (nearly) empty and whose
/// script assigns `location`, or which has a `<meta http-equiv="refresh">`.
/// Returns the target when one can be read.
pub fn redirect_stub(doc: &Document) -> Option<Option<String>> {
    if doc.text(0).chars().count() > 200 {
        return None;
    }
    let scripts = doc.script_text();
    for marker in [
        "window.location",
        "document.location",
        "location.href",
        "location.replace",
        "location.assign",
        "top.location",
        "self.location",
    ] {
        if let Some(pos) = scripts.find(marker) {
            return Some(first_quoted(&scripts[pos..]));
        }
    }
    for m in doc.select(0, &|d, i| d.nodes[i].tag == "meta") {
        if doc
            .attr(m, "http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
        {
            let content = doc.attr(m, "content").unwrap_or("");
            let target = content
                .split_once(';')
                .map(|(_, rest)| {
                    rest.trim()
                        .trim_start_matches(['u', 'U', 'r', 'R', 'l', 'L'])
                        .trim_start_matches('=')
                        .trim()
                        .trim_matches(['\'', '"'])
                        .to_string()
                })
                .filter(|t| !t.is_empty());
            return Some(target);
        }
    }
    None
}

fn first_quoted(s: &str) -> Option<String> {
    let s: String = s.chars().take(400).collect();
    let start = s.find(['"', '\''])?;
    let quote = s[start..].chars().next()?;
    let rest = &s[start + 1..];
    let end = rest.find(quote)?;
    clean(&rest[..end])
}

fn html_title(doc: &Document) -> Option<String> {
    doc.select(0, &|d, i| d.nodes[i].tag == "title")
        .first()
        .and_then(|&t| {
            let text: String = doc
                .descendants(t)
                .iter()
                .map(|&c| doc.nodes[c].text.as_str())
                .collect();
            clean(&text)
        })
}

/// Checks that `body` is XML and parses it; HTML pages, stubs and text are errors.
pub fn parse_xml_document(body: &str) -> Result<Element, ParseError> {
    let body = strip_bom(body);
    if body.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if looks_like_html(body) {
        let doc = Document::parse(body);
        if let Some(target) = redirect_stub(&doc) {
            return Err(ParseError::RedirectStub { target });
        }
        return Err(ParseError::HtmlInsteadOfXml {
            title: html_title(&doc),
        });
    }
    if !body.trim_start().starts_with('<') {
        return Err(ParseError::NotXml {
            snippet: body.trim().chars().take(80).collect(),
        });
    }
    let root = xmltree::parse(body)?;
    if root.name == "html" {
        let doc = Document::parse(body);
        return Err(ParseError::HtmlInsteadOfXml {
            title: html_title(&doc),
        });
    }
    // A SOAP 1.1 answer wraps the same document in Envelope/Body/<Op>Response/<Op>Result.
    Ok(unwrap_soap(root))
}

fn unwrap_soap(root: Element) -> Element {
    if root.name != "envelope" {
        return root;
    }
    let mut el = root;
    for _ in 0..4 {
        match el.children.iter().position(|c| !c.name.is_empty()) {
            Some(i) if el.name != "body" || el.children.len() == 1 => {
                let next = el.children.swap_remove(i);
                if next.name.ends_with("result") {
                    return next.children.into_iter().next().unwrap_or_default();
                }
                el = next;
            }
            _ => break,
        }
    }
    el
}

/// Checks that `body` is an HTML page with ModernGov content and returns it parsed,
/// with the index of the content root (`id="modgov"`, or the synthetic root when the
/// page only has loose `mg*` blocks).
pub fn parse_html_page(body: &str) -> Result<(Document, usize), ParseError> {
    let body = strip_bom(body);
    if body.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let trimmed = body.trim_start();
    if trimmed.starts_with("<?xml") {
        return Err(ParseError::XmlInsteadOfHtml);
    }
    let doc = Document::parse(body);
    if let Some(target) = redirect_stub(&doc) {
        return Err(ParseError::RedirectStub { target });
    }
    if let Some(&root) = doc
        .select(0, &|d, i| d.attr(i, "id") == Some("modgov"))
        .first()
    {
        return Ok((doc, root));
    }
    if doc.select(0, &|d, i| d.has_mg_class(i)).is_empty() {
        return Err(ParseError::NoModernGovContent {
            title: html_title(&doc),
        });
    }
    Ok((doc, 0))
}

// ---------------------------------------------------------------------------
// Web service: councillors

fn value(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).and_then(clean_value)
}

#[derive(Default)]
struct Address {
    lines: Vec<String>,
    postcode: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
}

fn address(el: Option<&Element>) -> Address {
    let Some(el) = el else {
        return Address::default();
    };
    let mut numbered: Vec<(u32, String)> = el
        .children
        .iter()
        .filter_map(|c| {
            let n = c.name.strip_prefix("line")?.parse::<u32>().ok()?;
            Some((n, clean_value(&c.text)?))
        })
        .collect();
    numbered.sort_by_key(|(n, _)| *n);
    Address {
        lines: numbered.into_iter().map(|(_, l)| l).collect(),
        postcode: value(el, "postcode"),
        phone: value(el, "phone"),
        mobile: value(el, "mobile"),
        email: value(el, "email").map(|e| e.trim_start_matches("mailto:").to_string()),
    }
}

fn councillor(el: &Element, ward: &str, privacy: Privacy) -> Councillor {
    let work = address(el.child("workaddress"));
    let home = address(el.child("homeaddress"));
    // The published contact e-mail: ModernGov puts the address a councillor gives
    // for correspondence under <workaddress> or <homeaddress> depending on which
    // block the council filled in (Kirklees: 59 of 69 under <homeaddress>, all
    // council-issued). It is the e-mail the council publishes on the councillor's
    // page, so it is returned as the work e-mail; the home address lines, postcode,
    // phone and mobile stay withheld unless personal details are switched on.
    let email = work.email.clone().or_else(|| home.email.clone());
    let terms = el
        .child("termsofoffice")
        .map(|t| {
            t.children
                .iter()
                .filter(|c| c.name == "termofoffice")
                .map(|c| Term {
                    start: c.child_text("startdate").and_then(moderngov_date),
                    end: c.child_text("enddate").and_then(moderngov_date),
                })
                .collect()
        })
        .unwrap_or_default();
    Councillor {
        id: value(el, "councillorid").unwrap_or_default(),
        name: value(el, "fullusername").unwrap_or_default(),
        party: value(el, "politicalpartytitle").or_else(|| value(el, "politicalgrouptitle")),
        ward: clean(ward)
            .or_else(|| value(el, "districttitle"))
            .or_else(|| value(el, "representing")),
        key_posts: value(el, "keyposts"),
        work: ContactDetails {
            name: None,
            role: None,
            email,
            phone: work.phone.or(work.mobile),
            address: work.lines,
            postcode: work.postcode,
        },
        home: if privacy.include_personal {
            ContactDetails {
                name: None,
                role: None,
                email: home.email,
                phone: home.phone.or(home.mobile),
                address: home.lines,
                postcode: home.postcode,
            }
        } else {
            ContactDetails::default()
        },
        photo_url: value(el, "photobigurl").or_else(|| value(el, "photosmallurl")),
        terms,
    }
}

/// Parses `GetCouncillorsByWard`, `GetCouncillorsByWardId` and
/// `GetCouncillorsByPostcode` answers.
///
/// Shape (`../shared/docs/REFERENCE.md`, fixtures in `tests/data/moderngov`):
/// `councillorsbyward/wards/ward/{wardtitle, councillors/{councillorcount,
/// councillor/{councillorid, fullusername, ...}}}`. `GetCouncillorsByWardId` answers
/// with the same `councillorsbyward` root; the postcode operation is handled by the
/// same walk whatever its root is called, as long as the name has `councillor` in
/// it. Councillors outside any `<ward>` are grouped under their `districttitle`.
pub fn parse_councillors(body: &str, privacy: Privacy) -> Result<Vec<Ward>, ParseError> {
    let root = parse_xml_document(body)?;
    if !root.name.contains("councillor") {
        return Err(ParseError::UnexpectedRoot {
            expected: "councillorsbyward",
            found: root.name,
        });
    }
    let mut ward_els = Vec::new();
    root.find_all("ward", &mut ward_els);
    let mut wards = Vec::new();
    for w in ward_els {
        let name = value(w, "wardtitle").unwrap_or_default();
        let mut cs = Vec::new();
        w.find_all("councillor", &mut cs);
        wards.push(Ward {
            councillors: cs
                .into_iter()
                .map(|c| councillor(c, &name, privacy))
                .collect(),
            name,
        });
    }
    if wards.is_empty() {
        let mut cs = Vec::new();
        root.find_all("councillor", &mut cs);
        for c in cs {
            let parsed = councillor(c, "", privacy);
            let ward_name = parsed.ward.clone().unwrap_or_default();
            match wards.iter_mut().find(|w: &&mut Ward| w.name == ward_name) {
                Some(w) => w.councillors.push(parsed),
                None => wards.push(Ward {
                    name: ward_name,
                    councillors: vec![parsed],
                }),
            }
        }
    }
    Ok(wards)
}

// ---------------------------------------------------------------------------
// Web service: parish councils

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

/// Parses a `GetParishCouncils` answer.
///
/// No captured answer was available; the element names follow a public ModernGov
/// client (`parishcouncils/parishcouncil/{parishcouncilid, parishcounciltitle,
/// parishcouncilwebsite, parishcouncilcontact}`, see
/// `tests/data/moderngov/README.md`). Because that shape is second-hand, children are
/// recognised by what their names contain (`…id`, `…title`/`…name`, `…website`/`…url`,
/// `…email`, `…phone`/`…telephone`, `…clerk`/`…contact`, `…address`/`line…`,
/// `…postcode`, a GSS-shaped `…code`) rather than by exact name.
pub fn parse_parish_councils(body: &str) -> Result<Vec<Body>, ParseError> {
    let root = parse_xml_document(body)?;
    if !root.name.contains("parish") {
        return Err(ParseError::UnexpectedRoot {
            expected: "parishcouncils",
            found: root.name,
        });
    }
    let mut items = Vec::new();
    collect_items(&root, &mut items);
    let mut bodies = Vec::new();
    for item in items {
        let mut id = None;
        let mut name = None;
        let mut gss = None;
        let mut website = None;
        let mut contact = ContactDetails::default();
        let mut lines: Vec<(u32, String)> = Vec::new();
        for c in &item.children {
            let n = c.name.as_str();
            // A contact block: <parishcouncilcontact><name/><email/>...</...>.
            if !c.children.is_empty() {
                for g in &c.children {
                    apply_field(
                        &g.name,
                        &g.text,
                        &mut contact,
                        &mut lines,
                        &mut website,
                        &mut gss,
                    );
                }
                if contact.role.is_none() && (n.contains("clerk") || n.contains("contact")) {
                    contact.role = Some("Clerk".into());
                }
                continue;
            }
            let Some(v) = clean_value(&c.text) else {
                continue;
            };
            if n.ends_with("id") && !n.contains("gss") {
                id.get_or_insert(v);
            } else if n.ends_with("title")
                || n.ends_with("name") && !n.contains("contact") && !n.contains("clerk")
            {
                name.get_or_insert(v);
            } else {
                apply_field(n, &c.text, &mut contact, &mut lines, &mut website, &mut gss);
            }
        }
        lines.sort_by_key(|(n, _)| *n);
        contact.address.extend(lines.into_iter().map(|(_, l)| l));
        let Some(name) = name else { continue };
        bodies.push(Body {
            id: id.unwrap_or_default(),
            kind: parish_kind(&name),
            name,
            gss_code: gss,
            website,
            contact,
        });
    }
    Ok(bodies)
}

fn collect_items<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
    for c in &el.children {
        let has_title = c.children.iter().any(|g| {
            g.children.is_empty() && (g.name.ends_with("title") || g.name.ends_with("name"))
        });
        if has_title && c.children.len() >= 2 {
            out.push(c);
        } else {
            collect_items(c, out);
        }
    }
}

fn apply_field(
    name: &str,
    raw: &str,
    contact: &mut ContactDetails,
    lines: &mut Vec<(u32, String)>,
    website: &mut Option<String>,
    gss: &mut Option<String>,
) {
    let Some(v) = clean_value(raw) else { return };
    if name.contains("email") {
        contact
            .email
            .get_or_insert(v.trim_start_matches("mailto:").to_string());
    } else if name.contains("phone") || name.contains("telephone") || name == "tel" {
        contact.phone.get_or_insert(v);
    } else if name.contains("website") || name.ends_with("url") || name.contains("weblink") {
        website.get_or_insert(v);
    } else if name.contains("postcode") {
        contact.postcode.get_or_insert(v);
    } else if let Some(n) = name
        .strip_prefix("line")
        .and_then(|n| n.parse::<u32>().ok())
    {
        lines.push((n, v));
    } else if name.contains("address") {
        for (i, part) in raw.split([',', '\n']).filter_map(clean_value).enumerate() {
            lines.push((1000 + i as u32, part));
        }
    } else if name.contains("gss") || (name.contains("code") && is_gss(&v)) {
        if is_gss(&v) {
            gss.get_or_insert(v);
        }
    } else if name.contains("clerk") || name.contains("contact") || name == "name" {
        // A free-text contact ("The Clerk, clerk@x.example.org, 01632 960000"): pick
        // out the e-mail and the phone number, the rest is the name.
        let mut rest = Vec::new();
        for part in v.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            if part.contains('@') && !part.contains(' ') {
                contact
                    .email
                    .get_or_insert(part.trim_start_matches("mailto:").to_string());
            } else if part.chars().filter(char::is_ascii_digit).count() >= 9
                && part
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +()-".contains(c))
            {
                contact.phone.get_or_insert(part.to_string());
            } else {
                rest.push(part);
            }
        }
        if !rest.is_empty() {
            contact.name.get_or_insert(rest.join(", "));
        }
        contact.role.get_or_insert_with(|| "Clerk".into());
    } else if name.contains("role") || name.contains("position") || name.ends_with("title") {
        contact.role.get_or_insert(v);
    }
}

// ---------------------------------------------------------------------------
// Parish pages

/// The parish `ID` in a link to `mgParishCouncilDetails.aspx?ID=n` (any case).
pub fn parish_id_from_href(href: &str) -> Option<String> {
    let lower = href.to_ascii_lowercase();
    let at = lower.find("mgparishcouncildetails.aspx")?;
    let query = &lower[at..];
    let q = query.find('?')?;
    query[q + 1..].split(['&', ';']).find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let v: String = v.chars().take_while(char::is_ascii_digit).collect();
        (k == "id" && !v.is_empty()).then_some(v)
    })
}

/// Parses the flat list `mgParishCouncilDetails.aspx?bcr=1`: every link to a
/// parish's details page inside the ModernGov content, as bodies with their `ID`
/// and name and no contact yet.
pub fn parse_parish_list_page(body: &str) -> Result<Vec<Body>, ParseError> {
    let (doc, root) = parse_html_page(body)?;
    let mut bodies: Vec<Body> = Vec::new();
    for a in doc.select(root, &|d, i| d.nodes[i].tag == "a") {
        let Some(id) = doc.attr(a, "href").and_then(parish_id_from_href) else {
            continue;
        };
        let Some(name) = clean(&doc.text(a)) else {
            continue;
        };
        if bodies.iter().any(|b| b.id == id) {
            continue;
        }
        bodies.push(Body {
            id,
            kind: parish_kind(&name),
            name,
            gss_code: None,
            website: None,
            contact: ContactDetails::default(),
        });
    }
    Ok(bodies)
}

/// Parses one parish's page `mgParishCouncilDetails.aspx?ID=n`; `id` is the `n`
/// asked for. Rows labelled home, mobile or personal are kept only with
/// `privacy.include_personal`. The name is the page's ModernGov subtitle (`mgSubTitleTxt`), else its
/// main title; the contact comes from the `mgLabel` label/value pairs.
pub fn parse_parish_details_page(
    body: &str,
    id: &str,
    privacy: Privacy,
) -> Result<Body, ParseError> {
    let (doc, root) = parse_html_page(body)?;
    let title = ["mgSubTitleTxt", "mgMainTitleTxt"]
        .iter()
        .find_map(|class| {
            doc.select(root, &|d, i| d.has_class(i, class))
                .first()
                .and_then(|&t| clean(&doc.text(t)))
        });
    let mut body = Body {
        id: id.to_string(),
        kind: BodyKind::ParishCouncil,
        name: title.unwrap_or_default(),
        gss_code: None,
        website: None,
        contact: ContactDetails::default(),
    };
    let labelled: Vec<usize> = label_rows(&doc, root);
    for row in labelled {
        apply_label_row(&doc, row, &mut body, privacy);
    }
    body.kind = parish_kind(&body.name);
    Ok(body)
}

/// Parses `mgParishCouncilDetailsList.aspx`, every parish with its details on one
/// page. Each parish starts at a heading (`h2`–`h4`, usually `mgSectionTitle`) or at
/// a link to its details page; the `mgLabel` rows after it belong to it.
pub fn parse_parish_details_list_page(
    body: &str,
    privacy: Privacy,
) -> Result<Vec<Body>, ParseError> {
    let (doc, root) = parse_html_page(body)?;
    let mut bodies: Vec<Body> = Vec::new();
    let rows: std::collections::HashSet<usize> = label_rows(&doc, root).into_iter().collect();
    let headings: std::collections::HashSet<usize> = doc
        .select(root, &|d, i| {
            matches!(d.nodes[i].tag.as_str(), "h2" | "h3" | "h4")
                && !d.has_class(i, "mgSubTitleTxt")
                && !d.has_class(i, "mgMainTitleTxt")
        })
        .into_iter()
        .collect();
    // Walk the content in document order, switching parish at each heading.
    for n in doc.descendants(root) {
        if headings.contains(&n) {
            let name = clean(&doc.text(n)).unwrap_or_default();
            let id = doc
                .select(n, &|d, i| d.nodes[i].tag == "a")
                .iter()
                .find_map(|&a| doc.attr(a, "href").and_then(parish_id_from_href))
                .unwrap_or_default();
            if !name.is_empty() {
                bodies.push(Body {
                    id,
                    kind: parish_kind(&name),
                    name,
                    gss_code: None,
                    website: None,
                    contact: ContactDetails::default(),
                });
            }
        } else if rows.contains(&n)
            && let Some(current) = bodies.last_mut()
        {
            apply_label_row(&doc, n, current, privacy);
        }
    }
    Ok(bodies)
}

/// The elements holding one `mgLabel` each with its value: a `<p>` or `<li>` with a
/// `span.mgLabel`, or a table row whose first cell is the label.
fn label_rows(doc: &Document, root: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = doc.select(root, &|d, i| {
        let tag = d.nodes[i].tag.as_str();
        (tag == "p" || tag == "li" || tag == "tr" || tag == "div" && !d.has_mg_class(i))
            && !d
                .select(i, &|d, j| {
                    d.has_class(j, "mgLabel") || d.nodes[j].tag == "th"
                })
                .is_empty()
            && d.select(i, &|d, j| {
                matches!(d.nodes[j].tag.as_str(), "p" | "li" | "tr" | "div")
            })
            .is_empty()
    });
    rows.sort_unstable();
    rows
}

fn apply_label_row(doc: &Document, row: usize, body: &mut Body, privacy: Privacy) {
    let label_el = doc
        .select(row, &|d, j| {
            d.has_class(j, "mgLabel") || d.nodes[j].tag == "th"
        })
        .first()
        .copied();
    let Some(label_el) = label_el else { return };
    let label = doc
        .text(label_el)
        .trim_end_matches([':', ' '])
        .to_ascii_lowercase();
    // The value: the row's lines with the label's text removed.
    let label_text = doc.text(label_el);
    let mut lines = doc.lines(row);
    if let Some(first) = lines.first_mut()
        && let Some(rest) = first.strip_prefix(label_text.as_str())
    {
        *first = rest.trim().to_string();
    }
    lines.retain(|l| !l.is_empty());
    let links: Vec<String> = doc
        .select(row, &|d, j| d.nodes[j].tag == "a")
        .iter()
        .filter_map(|&a| doc.attr(a, "href").map(str::to_string))
        .collect();
    let mailto = links.iter().find_map(|h| {
        h.strip_prefix("mailto:")
            .map(|m| m.split('?').next().unwrap_or(m).to_string())
    });
    let http = links
        .iter()
        .find(|h| h.starts_with("http://") || h.starts_with("https://"))
        .cloned();
    let joined = lines.join(" ");
    let personal = label.contains("home") || label.contains("mobile") || label.contains("personal");
    if personal && !privacy.include_personal {
        return;
    }
    let c = &mut body.contact;
    if label.contains("mail") {
        if let Some(m) = mailto.or_else(|| clean(&joined)) {
            c.email.get_or_insert(m);
        }
    } else if label.contains("web") || label.contains("site") {
        if let Some(w) = http.or_else(|| clean(&joined)) {
            body.website.get_or_insert(w);
        }
    } else if label.contains("phone") || label.contains("tel") || label.contains("mobile") {
        if let Some(p) = clean(&joined) {
            c.phone.get_or_insert(p);
        }
    } else if label.contains("address") {
        let mut addr = lines;
        if let Some(last) = addr.last()
            && let Some(pc) = council_postcode::normalise(last)
        {
            c.postcode.get_or_insert(pc);
            addr.pop();
        }
        if c.address.is_empty() {
            c.address = addr;
        }
    } else if label.contains("postcode") {
        if let Some(pc) = clean(&joined) {
            c.postcode
                .get_or_insert(council_postcode::normalise(&pc).unwrap_or(pc));
        }
    } else if label.contains("clerk")
        || label.contains("contact")
        || label == "name"
        || label.contains("secretary")
    {
        if let Some(n) = clean(&joined) {
            c.name.get_or_insert(n);
            let role = if label.contains("clerk") {
                "Clerk"
            } else if label.contains("secretary") {
                "Secretary"
            } else {
                "Contact"
            };
            c.role.get_or_insert_with(|| role.into());
        }
    } else if (label.contains("gss") || label.contains("code"))
        && let Some(v) = clean(&joined).filter(|v| is_gss(v))
    {
        body.gss_code.get_or_insert(v);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parish_ids_from_links() {
        assert_eq!(
            parish_id_from_href("mgParishCouncilDetails.aspx?ID=492").as_deref(),
            Some("492")
        );
        assert_eq!(
            parish_id_from_href("/x/mgParishCouncilDetails.aspx?bcr=1&amp;ID=7").as_deref(),
            Some("7")
        );
        assert_eq!(
            parish_id_from_href("mgParishCouncilDetails.aspx?bcr=1"),
            None
        );
        assert_eq!(parish_id_from_href("mgUserInfo.aspx?UID=1"), None);
    }

    #[test]
    fn text_is_not_xml() {
        let e = parse_councillors(
            "System.InvalidOperationException: Web Service method name is not valid.",
            Privacy::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ParseError::NotXml { .. }), "{e}");
    }

    #[test]
    fn soap_answers_are_unwrapped() {
        let soap = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetCouncillorsByWardIdResponse xmlns=\"http://moderngov.co.uk/namespaces\"><GetCouncillorsByWardIdResult><councillorsbyward><wards><ward><wardtitle>A</wardtitle><councillors><councillor><councillorid>1</councillorid><fullusername>Councillor X</fullusername></councillor></councillors></ward></wards></councillorsbyward></GetCouncillorsByWardIdResult></GetCouncillorsByWardIdResponse></soap:Body></soap:Envelope>";
        let wards = parse_councillors(soap, Privacy::default()).unwrap();
        assert_eq!(wards[0].name, "A");
        assert_eq!(wards[0].councillors[0].name, "Councillor X");
    }
}
