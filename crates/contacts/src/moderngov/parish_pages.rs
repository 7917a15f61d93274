//! The parish pages ModernGov serves beside its web service, where parish clerks'
//! contacts usually are (`../shared/docs/REFERENCE.md`, "Contacts"):
//! `mgParishCouncilDetails.aspx?bcr=1` (the flat list of parishes),
//! `mgParishCouncilDetails.aspx?ID=n` (one parish) and
//! `mgParishCouncilDetailsList.aspx` (every parish with its details), read into the
//! crate's [`Body`] from ModernGov's `mgLabel` label/value rows.

use super::document::parse_html_page;
use super::{ParseError, Privacy, is_gss, parish_kind};
use crate::htmltree::Document;
use crate::model::{Body, BodyKind, ContactDetails};
use crate::text::clean;

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
}
