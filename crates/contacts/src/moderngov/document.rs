//! What kind of document an upstream answer is, checked before any operation reads
//! it. The web service (`mgWebService.asmx/<Operation>`) answers an HTTP GET with bare
//! XML, and a SOAP 1.1 request with the same document inside
//! `Envelope/Body/<Operation>Response/<Operation>Result` (namespace
//! `http://moderngov.co.uk/namespaces`), which is unwrapped here; the parish pages are
//! HTML with ModernGov's content (`id="modgov"` or `mg*` classes) inside the
//! council's own site template (`../shared/docs/REFERENCE.md`, "Contacts").
//!
//! What councils send instead, as seen in the wild — an empty body, plain text
//! (ASP.NET's "Web Service method name is not valid"), an HTML error page with status
//! 200, a JavaScript or meta-refresh redirect stub, XML where a page was expected —
//! is a [`ParseError`] naming it.

use super::ParseError;
use crate::htmltree::Document;
use crate::text::clean;
use crate::xmltree::{self, Element};

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

#[cfg(test)]
mod tests {
    use crate::moderngov::{ParseError, Privacy, parse_councillors};

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
