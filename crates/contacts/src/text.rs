//! Text clean-up shared by the XML and HTML parsers: one more round of entity
//! decoding for double-encoded values, whitespace folding and ModernGov dates
//! (postcodes are `council_postcode`'s).

/// HTML named character references that councils' data actually contains, a subset
/// of the WHATWG table (<https://html.spec.whatwg.org/multipage/named-characters.html>).
/// Unknown names are left as they are rather than guessed.
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("pound", "£"),
    ("euro", "€"),
    ("copy", "©"),
    ("reg", "®"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("hellip", "…"),
    ("bull", "•"),
    ("middot", "·"),
    ("eacute", "é"),
    ("egrave", "è"),
    ("aacute", "á"),
    ("agrave", "à"),
    ("acirc", "â"),
    ("ecirc", "ê"),
    ("ocirc", "ô"),
    ("ouml", "ö"),
    ("uuml", "ü"),
    ("auml", "ä"),
    ("ccedil", "ç"),
    ("wcirc", "ŵ"),
    ("ycirc", "ŷ"),
];

/// Resolves an entity name (without `&` and `;`): numeric (`#39`, `#x27`) or one of
/// the named references above. `None` when unknown or not a valid character.
pub fn resolve_entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        if code == 0 {
            return None;
        }
        return char::from_u32(code).map(String::from);
    }
    NAMED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| (*v).to_string())
}

/// Decodes character references in `s` exactly once.
///
/// Some ModernGov installations encode text before putting it in XML, so after the
/// XML layer has been decoded `"The Cottage"` still reads `&quot;The Cottage&quot;`
/// (Argyll and Bute's `GetCouncillorsByWard`). One more pass gives the intended text;
/// it is not repeated, so a literal `&amp;amp;` becomes `&amp;`, not `&`. Only
/// well-formed references (`&name;`, `&#n;`, `&#xh;`) that resolve are replaced; a
/// bare `&` (`Green & Valley`) is left alone.
pub fn decode_entities_once(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        // An entity name is short; look for the `;` within 10 bytes.
        let end = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';' || !(c.is_ascii_alphanumeric() || c == '#'))
            .filter(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        match end.and_then(|e| resolve_entity(&after[..e]).map(|v| (e, v))) {
            Some((e, value)) => {
                out.push_str(&value);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Folds runs of whitespace (CRLF, tabs, non-breaking spaces) into one space and
/// trims; `None` when nothing is left.
pub fn clean(s: &str) -> Option<String> {
    let folded = s
        .split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!folded.is_empty()).then_some(folded)
}

/// [`decode_entities_once`] then [`clean`]: the treatment of every text value taken
/// from the web service.
pub fn clean_value(s: &str) -> Option<String> {
    clean(&decode_entities_once(s))
}

/// Converts a ModernGov date to `YYYY-MM-DD`.
///
/// ModernGov writes `dd/mm/yyyy` (the web service ignores ISO dates on input and
/// never emits them); `unspecified`, an empty value or anything unreadable gives
/// `None` (for an end date: open-ended). An ISO date is passed through.
pub fn moderngov_date(s: &str) -> Option<String> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('/').map(str::trim).collect();
    let (d, m, y) = match parts.as_slice() {
        [d, m, y] => (
            d.parse::<u32>().ok()?,
            m.parse::<u32>().ok()?,
            y.parse::<u32>().ok()?,
        ),
        _ => {
            let iso: Vec<&str> = s.split('-').collect();
            return match iso.as_slice() {
                [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                    let (y, m, d) = (
                        y.parse::<u32>().ok()?,
                        m.parse::<u32>().ok()?,
                        d.parse::<u32>().ok()?,
                    );
                    valid_date(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
                }
                _ => None,
            };
        }
    };
    valid_date(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// A real calendar date with a four-digit year (what `YYYY-MM-DD` can hold).
fn valid_date(y: u32, m: u32, d: u32) -> bool {
    (1000..=9999).contains(&y) && council_dates::CivilDate::new(i64::from(y), m, d).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_double_encoded_quotes_exactly_once() {
        assert_eq!(
            decode_entities_once("&quot;The Cottage&quot;, 1 Example Road"),
            "\"The Cottage\", 1 Example Road"
        );
        assert_eq!(
            decode_entities_once("Fish &amp;amp; chips"),
            "Fish &amp; chips"
        );
        assert_eq!(decode_entities_once("Green & Valley"), "Green & Valley");
        assert_eq!(
            decode_entities_once("O&#39;Neil &#x2019; &bogus; &"),
            "O'Neil ’ &bogus; &"
        );
        assert_eq!(decode_entities_once("&#0; &#xD800;"), "&#0; &#xD800;");
    }

    #[test]
    fn cleans_whitespace_and_crlf() {
        assert_eq!(clean("\r\n          \r\n"), None);
        assert_eq!(
            clean(" Provost of the Council and  Policy\r\nLead "),
            Some("Provost of the Council and Policy Lead".into())
        );
    }

    #[test]
    fn converts_moderngov_dates() {
        assert_eq!(moderngov_date("05/05/2011").as_deref(), Some("2011-05-05"));
        assert_eq!(moderngov_date(" 5/5/2011 ").as_deref(), Some("2011-05-05"));
        assert_eq!(moderngov_date("unspecified"), None);
        assert_eq!(moderngov_date("31/02/2011"), None);
        assert_eq!(moderngov_date("29/02/2016").as_deref(), Some("2016-02-29"));
        assert_eq!(moderngov_date("2016-05-05").as_deref(), Some("2016-05-05"));
        assert_eq!(moderngov_date(""), None);
    }
}
