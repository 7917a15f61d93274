//! The web service's councillor operations — `GetCouncillorsByWard`,
//! `GetCouncillorsByWardId(lWardId)` and `GetCouncillorsByPostcode(sPostcode)` at
//! `mgWebService.asmx/<Operation>` (`../shared/docs/REFERENCE.md`, "Contacts") — read
//! into the crate's [`Ward`] and [`Councillor`]. Home addresses, home phones and
//! mobiles are dropped here, while parsing, unless personal details are switched on
//! ([`Privacy`]), so they never reach the cache.

use super::document::parse_xml_document;
use super::{ParseError, Privacy};
use crate::model::{ContactDetails, Councillor, Term, Ward};
use crate::text::{clean, clean_value, moderngov_date};
use crate::xmltree::Element;

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
