//! The web service's `GetParishCouncils` operation
//! (`mgWebService.asmx/GetParishCouncils`, `../shared/docs/REFERENCE.md`, "Contacts")
//! read into the crate's [`Body`]: the parish list, with whatever contact the council
//! filled in. The element names are second-hand (see [`parse_parish_councils`]), so
//! fields are recognised by what their names contain.

use super::document::parse_xml_document;
use super::{ParseError, is_gss, parish_kind};
use crate::model::{Body, ContactDetails};
use crate::text::clean_value;
use crate::xmltree::Element;

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
