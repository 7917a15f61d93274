//! Matching a body found by routing (a GSS code, an area or council name) to the
//! source's entry.
//!
//! The GSS code decides when both sides have one. Otherwise names are compared
//! after [`normalise_body_name`], so `Partington Town Council`, `Partington Parish
//! Council`, `Partington PC` and the ONS area name `Partington` are the same body.

use crate::model::{Body, BodyKind, BodyQuery};

/// Suffixes naming the kind of body rather than the place, longest first. Parish
/// styles come from the Local Government Act 1972 s.245 and the Local Government and
/// Public Involvement in Health Act 2007 s.75 (town, community, neighbourhood,
/// village council); `CP` is ONS's "civil parish" suffix; `PC`/`TC` are the usual
/// abbreviations. Principal council styles are stripped too, so `Trafford Council`
/// and `Trafford Metropolitan Borough Council` meet.
const SUFFIXES: &[&[&str]] = &[
    &["metropolitan", "borough", "council"],
    &["royal", "borough", "council"],
    &["neighbourhood", "council"],
    &["community", "council"],
    &["village", "council"],
    &["parish", "council"],
    &["parish", "meeting"],
    &["town", "council"],
    &["city", "council"],
    &["borough", "council"],
    &["district", "council"],
    &["county", "council"],
    &["council"],
    &["pc"],
    &["tc"],
    &["cp"],
];

/// Normalises a body or area name for comparison: lower case; `&` read as `and`;
/// apostrophes dropped (`St. Mary's` → `st marys`); other punctuation a space;
/// `saint` → `st`; a leading `the` and one trailing kind suffix (see `SUFFIXES`)
/// removed; words joined by single spaces.
///
/// ```
/// use council_contacts::matching::normalise_body_name;
/// assert_eq!(normalise_body_name("Partington Town Council"), "partington");
/// assert_eq!(normalise_body_name("Partington PC"), "partington");
/// assert_eq!(normalise_body_name("Saint Mary's & St. John's Parish Council"), "st marys and st johns");
/// ```
pub fn normalise_body_name(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\'' | '’' | '‘' | '`' => {}
            '&' | '+' => s.push_str(" and "),
            c if c.is_alphanumeric() => s.extend(c.to_lowercase()),
            _ => s.push(' '),
        }
    }
    let mut words: Vec<&str> = s
        .split_whitespace()
        .map(|w| if w == "saint" { "st" } else { w })
        .collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    for suffix in SUFFIXES {
        if words.len() > suffix.len() && words.ends_with(suffix) {
            words.truncate(words.len() - suffix.len());
            break;
        }
    }
    words.join(" ")
}

fn kind_ok(body: &Body, kind: Option<BodyKind>) -> bool {
    kind.is_none_or(|k| body.kind == k)
}

/// Finds the body matching `query` in `bodies` (see the module docs).
///
/// 1. With a GSS code: the first body with that code (and the kind asked for).
/// 2. With a name: the first body whose normalised name matches and whose GSS code,
///    if both sides have one, agrees. An exact (case-insensitive) name match wins
///    over a normalised one, so `Bedford Town Council` is not answered with
///    `Bedford Borough Council` when both are listed.
///
/// `None` when nothing matches, or when the query has neither code nor name.
pub fn find_body<'a>(bodies: &'a [Body], query: &BodyQuery) -> Option<&'a Body> {
    let gss = query
        .gss_code
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    if let Some(g) = gss
        && let Some(b) = bodies.iter().find(|b| {
            kind_ok(b, query.kind)
                && b.gss_code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(g))
        })
    {
        return Some(b);
    }
    let name = query
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())?;
    let wanted = normalise_body_name(name);
    if wanted.is_empty() {
        return None;
    }
    let compatible = |b: &&Body| {
        kind_ok(b, query.kind)
            && match (gss, b.gss_code.as_deref()) {
                (Some(q), Some(c)) => q.eq_ignore_ascii_case(c),
                _ => true,
            }
    };
    bodies
        .iter()
        .filter(compatible)
        .find(|b| b.name.trim().eq_ignore_ascii_case(name))
        .or_else(|| {
            bodies
                .iter()
                .filter(compatible)
                .find(|b| normalise_body_name(&b.name) == wanted)
        })
}

/// Compares ward names ignoring case and spacing (WIT `councillors-by-ward`).
pub fn same_ward(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContactDetails;

    fn body(id: &str, name: &str, kind: BodyKind, gss: Option<&str>) -> Body {
        Body {
            id: id.into(),
            name: name.into(),
            kind,
            gss_code: gss.map(Into::into),
            website: None,
            contact: ContactDetails::default(),
        }
    }

    #[test]
    fn partington_styles_are_the_same_body() {
        for n in [
            "Partington Town Council",
            "Partington Parish Council",
            "Partington PC",
            "partington",
            "PARTINGTON  TC",
            "Partington CP",
            "The Partington Town Council",
        ] {
            assert_eq!(normalise_body_name(n), "partington", "{n}");
        }
        assert_eq!(
            normalise_body_name("Dunham Massey Parish Council"),
            "dunham massey"
        );
        assert_eq!(
            normalise_body_name("Stoke-on-Trent City Council"),
            "stoke on trent"
        );
        assert_eq!(normalise_body_name("Council"), "council");
    }

    #[test]
    fn gss_code_wins_over_name() {
        let bodies = vec![
            body(
                "1",
                "Newton Parish Council",
                BodyKind::ParishCouncil,
                Some("E04000001"),
            ),
            body(
                "2",
                "Newton Parish Council",
                BodyKind::ParishCouncil,
                Some("E04000002"),
            ),
        ];
        let q = BodyQuery {
            gss_code: Some("E04000002".into()),
            name: Some("Newton".into()),
            kind: None,
        };
        assert_eq!(find_body(&bodies, &q).unwrap().id, "2");
        // A different code on both sides is not a match, even with the same name.
        let q = BodyQuery {
            gss_code: Some("E04000099".into()),
            name: Some("Newton".into()),
            kind: None,
        };
        assert!(find_body(&bodies, &q).is_none());
    }

    #[test]
    fn name_matches_when_the_source_has_no_codes() {
        let bodies = vec![
            body(
                "7",
                "Carrington Parish Council",
                BodyKind::ParishCouncil,
                None,
            ),
            body(
                "9",
                "Partington Town Council",
                BodyKind::ParishCouncil,
                None,
            ),
        ];
        let q = BodyQuery {
            gss_code: Some("E04000011".into()),
            name: Some("Partington Parish Council".into()),
            kind: Some(BodyKind::ParishCouncil),
        };
        assert_eq!(find_body(&bodies, &q).unwrap().id, "9");
        let q = BodyQuery {
            gss_code: None,
            name: Some("Partington".into()),
            kind: Some(BodyKind::DistrictCouncil),
        };
        assert!(find_body(&bodies, &q).is_none());
        assert!(find_body(&bodies, &BodyQuery::default()).is_none());
    }

    #[test]
    fn exact_name_beats_normalised_name() {
        let bodies = vec![
            body(
                "b",
                "Bedford Borough Council",
                BodyKind::UnitaryCouncil,
                None,
            ),
            body("t", "Bedford Town Council", BodyKind::ParishCouncil, None),
        ];
        let q = BodyQuery {
            gss_code: None,
            name: Some("Bedford Town Council".into()),
            kind: None,
        };
        assert_eq!(find_body(&bodies, &q).unwrap().id, "t");
    }

    #[test]
    fn ward_names_ignore_case_and_spacing() {
        assert!(same_ward("Isle of  Bute", "isle of bute"));
        assert!(!same_ward("Bute", "Isle of Bute"));
    }
}
