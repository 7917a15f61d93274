//! UK postcodes, in one place: what a postcode is, its normalised form (`M31 4AN`),
//! prefixes (area, district, sector) with a reason for every rejection, and a
//! sortable 64-bit key.
//!
//! # The rule
//!
//! The format is Royal Mail's (Programmers' Guide to the PAF, and BS 7666-1's postcode
//! element; the GOV.UK "Bulk Data Transfer: additional validation for CAS postcode"
//! note lists the same shapes): an outward code, the area (one or two letters) and
//! the district (one or two digits, or a digit and a letter: `A9`, `A99`, `AA9`,
//! `AA99`, `A9A`, `AA9A`), then the inward code, a sector digit and a two-letter unit
//! (`9AA`). `GIR 0AA` (Girobank) is the one postcode outside those shapes.
//!
//! - Case and whitespace carry nothing: the inward code is always the last three
//!   characters, so `m314an`, ` M31  4AN ` and `M3 14AN` are all `M31 4AN`.
//! - A postcode has that shape ([`normalise`]). That is all a form or a scraped page
//!   can be asked for: `ZZ9 9ZZ` typed into a form is a postcode with no addresses,
//!   which tells a person more than "not a postcode" would.
//! - A postcode of a real area also has one of the 121 geographic areas, or the
//!   non-geographic `BF` (BFPO), `BX` and `GIR` ([`Postcode::parse`],
//!   [`Postcode::parse_lenient`], [`parse_query`]): the address index checks this,
//!   so that `QQ1 1AA` is answered with why it is wrong rather than with nothing.
//! - Royal Mail also never allocates some letters in some positions (`CIKMOV` in the
//!   unit, for instance). That is allocation practice, not format, and is not
//!   checked: such a postcode is one that has no addresses.
//!
//! Before this crate there were three rules (the address index's, the contacts
//! crate's and the report form's), which disagreed on `GIR 0AA`, `M12A 1AA`, outward
//! codes of letters only and misplaced spaces; the tests below pin each of those.
//!
//! Zero-for-O slips (`C09 1HT` for `CO9 1HT`, `M31 OAN` for `M31 0AN`): structured
//! lookups (`Postcode::parse`, `parse_query`) never guess; they fail with an error
//! that names the problem and suggests the corrected postcode. Free-text search
//! applies the same correction silently, because its input is dirty by nature (see
//! `council_address::text`).
//!
//! Keys: each of the seven positions (outward left-aligned in four, inward in three)
//! is coded in 6 bits (0 padding, 1-10 digits, 11-36 letters), so a whole outward code
//! (`M1`) is one contiguous key range that never includes `M11`, a sector (`M1 1`)
//! likewise, and an area (`M`, second position a digit) too.

use std::fmt;

/// The postcode areas (geographic, plus `BF` BFPO, `BX` non-geographic and `GIR`).
pub const AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB",
    "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT",
    "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GIR", "GL", "GU", "GY", "HA", "HD", "HG",
    "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA",
    "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR",
    "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG",
    "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ",
    "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// True when `area` (upper case) is a known postcode area.
pub fn is_area(area: &str) -> bool {
    AREAS.binary_search(&area).is_ok()
}

/// A valid full postcode, stored normalised (`M31 4AN`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Postcode {
    outward: String,
    inward: String,
}

impl Postcode {
    /// The outward code (`M31`).
    pub fn outward(&self) -> &str {
        &self.outward
    }
    /// The inward code (`4AN`).
    pub fn inward(&self) -> &str {
        &self.inward
    }
    /// The area letters (`M`).
    pub fn area(&self) -> &str {
        area_of(&self.outward)
    }
    /// The sortable key of this postcode.
    pub fn key(&self) -> u64 {
        encode_key(&self.outward, &self.inward)
    }
    /// Parses a full postcode strictly (see [`parse_query`] for the error reasons).
    pub fn parse(text: &str) -> Result<Postcode, PostcodeError> {
        match parse_query(text)? {
            PostcodeQuery::Full(p) => Ok(p),
            other => Err(PostcodeError::new(
                text,
                format!(
                    "{} is a postcode {}, not a full postcode: add the inward code (a digit and two letters, as in M31 4AN)",
                    other,
                    other.kind()
                ),
            )),
        }
    }
    /// Parses without error text (the shape and the area are checked): for
    /// importers, where a cheap accept/reject is wanted and the row error names the
    /// column.
    pub fn parse_lenient(text: &str) -> Option<Postcode> {
        let postcode = well_formed(text)?;
        is_area(postcode.area()).then_some(postcode)
    }
    /// Rebuilds a postcode from its key (the inverse of [`Postcode::key`]).
    pub fn from_key(key: u64) -> Option<Postcode> {
        let mut chars = [0u8; 7];
        for (i, c) in chars.iter_mut().enumerate() {
            let code = ((key >> (6 * (6 - i))) & 0x3f) as u8;
            *c = decode_char(code)?;
        }
        let outward: String = chars[..4]
            .iter()
            .filter(|&&c| c != 0)
            .map(|&c| c as char)
            .collect();
        let inward: String = chars[4..].iter().map(|&c| c as char).collect();
        if outward.is_empty() || inward.contains('\0') {
            return None;
        }
        Some(Postcode { outward, inward })
    }
}

impl Postcode {
    /// The postcode as written, outward and inward code with one space (`M31 4AN`);
    /// the same text as `Display`, without going through `core::fmt` (the address
    /// index's query path avoids it: see `council_address::text::push_decimal`).
    pub fn spaced(&self) -> String {
        let mut s = String::with_capacity(self.outward.len() + 1 + self.inward.len());
        s.push_str(&self.outward);
        s.push(' ');
        s.push_str(&self.inward);
        s
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.outward, self.inward)
    }
}

/// A postcode or postcode prefix, as `by_postcode` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeQuery {
    /// A whole postcode area (`M`, `WA`).
    Area(String),
    /// An outward code (`M31`): every postcode in that district, never `M310`/`M3`.
    District(String),
    /// An outward code and sector digit (`M31 4`).
    Sector(String, u8),
    /// A full postcode.
    Full(Postcode),
}

impl PostcodeQuery {
    /// The inclusive key range of every postcode the query covers.
    pub fn key_range(&self) -> (u64, u64) {
        match self {
            PostcodeQuery::Full(p) => (p.key(), p.key()),
            PostcodeQuery::Sector(out, d) => {
                let lo = encode_prefix(out, &[b'0' + d]);
                (lo, lo | fill_below(5))
            }
            PostcodeQuery::District(out) => {
                let lo = encode_prefix(out, &[]);
                (lo, lo | fill_below(4))
            }
            PostcodeQuery::Area(a) => {
                // Area `M`: the second outward character is a digit (codes 1-10);
                // area `MK`: the third is a digit.
                let n = a.len();
                let base = encode_raw(a.as_bytes(), 0);
                let digit_lo = (code_of(b'0') as u64) << (6 * (6 - n));
                let digit_hi = (code_of(b'9') as u64) << (6 * (6 - n));
                (base | digit_lo, base | digit_hi | fill_below(n + 1))
            }
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            PostcodeQuery::Area(_) => "area",
            PostcodeQuery::District(_) => "district (outward code)",
            PostcodeQuery::Sector(..) => "sector",
            PostcodeQuery::Full(_) => "unit",
        }
    }
}

impl fmt::Display for PostcodeQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostcodeQuery::Area(a) | PostcodeQuery::District(a) => f.write_str(a),
            PostcodeQuery::Sector(o, d) => write!(f, "{o} {d}"),
            PostcodeQuery::Full(p) => write!(f, "{p}"),
        }
    }
}

/// Why a postcode was rejected: the input and a reason for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\": {reason}")]
pub struct PostcodeError {
    /// The text as given (trimmed).
    pub input: String,
    /// Why it is not a postcode, with a suggestion where one is possible.
    pub reason: String,
    /// A corrected postcode or prefix when the input looks like an O/0 or I/1 slip.
    pub suggestion: Option<String>,
}

impl PostcodeError {
    fn new(input: &str, reason: String) -> PostcodeError {
        PostcodeError {
            input: input.trim().to_string(),
            reason,
            suggestion: None,
        }
    }
}

/// Normalises a full postcode of the right shape (`m314an` → `M31 4AN`), or `None`.
/// The area is not checked (see the module's rule): for forms and scraped pages.
pub fn normalise(text: &str) -> Option<String> {
    well_formed(text).map(|p| p.spaced())
}

/// A full postcode of the right shape, whitespace and case ignored (the inward code
/// is the last three characters); the area is not checked.
fn well_formed(text: &str) -> Option<Postcode> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let shaped = if outward == "GIR" {
        inward == "0AA"
    } else {
        valid_outward_shape(outward) && valid_inward(inward)
    };
    shaped.then(|| Postcode {
        outward: outward.to_string(),
        inward: inward.to_string(),
    })
}

/// Parses a full postcode or a prefix (area, district, sector), normalising case and
/// spacing. Every rejection says why, and suggests the O/0 or I/1 correction when
/// exactly that makes the text valid.
pub fn parse_query(text: &str) -> Result<PostcodeQuery, PostcodeError> {
    let result = parse_strict(text);
    match result {
        Ok(q) => Ok(q),
        Err(mut e) => {
            if let Some(fixed) = correct_slips(text) {
                e.reason = format!("{}; did you mean {}?", e.reason, fixed);
                e.suggestion = Some(fixed.to_string());
            }
            Err(e)
        }
    }
}

/// Tries the O↔0 and I↔1 swaps that make an invalid postcode valid: letters where
/// digits belong and digits where letters belong. Returns the corrected query only
/// when the input itself is invalid and the correction is.
pub fn correct_slips(text: &str) -> Option<PostcodeQuery> {
    if parse_strict(text).is_ok() {
        return None;
    }
    let upper = text.trim().to_ascii_uppercase();
    let parts: Vec<&str> = upper.split_whitespace().collect();
    let compact: String = parts.concat();
    if !(2..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    // Try reading the last three characters as an inward code (a full postcode).
    let mut candidates: Vec<String> = Vec::new();
    if compact.len() >= 5 {
        let (out, inw) = compact.split_at(compact.len() - 3);
        let inw = fix_inward(inw);
        for o in outward_fixes(out) {
            candidates.push(format!("{o} {inw}"));
        }
    }
    if parts.len() == 1 || compact.len() <= 4 {
        for o in outward_fixes(&compact) {
            candidates.push(o);
        }
    }
    candidates.into_iter().find_map(|c| parse_strict(&c).ok())
}

fn fix_inward(inw: &str) -> String {
    inw.chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (0, 'O') => '0',
            (0, 'I') => '1',
            (1 | 2, '0') => 'O',
            (1 | 2, '1') => 'I',
            _ => c,
        })
        .collect()
}

/// Outward codes reachable by swapping O/0 and I/1 where the shape wants the other.
fn outward_fixes(out: &str) -> Vec<String> {
    let b = out.as_bytes();
    // The outward code as it is (the slip may be in the inward code only).
    let mut res = vec![out.to_string()];
    if b.is_empty() || b.len() > 4 {
        return res;
    }
    // Area letters are the first one or two characters; try both splits.
    for area_len in 1..=2usize.min(b.len()) {
        let mut s: Vec<u8> = b.to_vec();
        for ch in s.iter_mut().take(area_len) {
            *ch = match *ch {
                b'0' => b'O',
                b'1' => b'I',
                c => c,
            };
        }
        if let Some(first_district) = s.get_mut(area_len) {
            *first_district = match *first_district {
                b'O' => b'0',
                b'I' => b'1',
                c => c,
            };
        }
        if let Ok(text) = String::from_utf8(s)
            && !res.contains(&text)
        {
            res.push(text);
        }
    }
    res
}

fn parse_strict(text: &str) -> Result<PostcodeQuery, PostcodeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(PostcodeError::new(text, "the postcode is empty".into()));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !c.is_whitespace())
    {
        return Err(PostcodeError::new(
            text,
            format!("'{bad}' is not allowed: a postcode has only letters, digits and a space"),
        ));
    }
    let upper = trimmed.to_ascii_uppercase();
    let parts: Vec<&str> = upper.split_whitespace().collect();
    let compact: String = parts.concat();
    if compact.len() == 6 && compact.starts_with("GIR") && compact != "GIR0AA" {
        return Err(PostcodeError::new(
            text,
            "GIR is the area of one postcode only, GIR 0AA".into(),
        ));
    }
    // A full postcode, wherever its spaces are (`M3 14AN`): the inward code is always
    // the last three characters. Prefixes keep theirs (`M3 1` is not `M31`).
    if let Some(full) = well_formed(&compact) {
        check_outward(text, &full.outward)?;
        return Ok(PostcodeQuery::Full(full));
    }
    if parts.len() > 2 {
        return Err(PostcodeError::new(
            text,
            "a postcode has at most two parts, the outward and inward codes (M31 4AN)".into(),
        ));
    }
    if compact.len() > 7 {
        return Err(PostcodeError::new(
            text,
            format!(
                "{} letters and digits is too long: a postcode has at most 7 (SW1A 1AA)",
                compact.len()
            ),
        ));
    }
    if parts.len() == 2 {
        let (out, inw) = (parts[0], parts[1]);
        check_outward(text, out)?;
        return match inw.len() {
            1 => {
                let d = inw.as_bytes()[0];
                if d.is_ascii_digit() {
                    Ok(PostcodeQuery::Sector(out.to_string(), d - b'0'))
                } else {
                    Err(PostcodeError::new(
                        text,
                        format!("the sector after {out} must be a digit, not '{inw}'"),
                    ))
                }
            }
            // A valid inward code made a full postcode above.
            _ => Err(PostcodeError::new(
                text,
                format!("the inward code must be a digit and two letters (4AN), not '{inw}'"),
            )),
        };
    }
    // One part: an area, a district, a sector without its space, or a full postcode.
    let s = compact.as_str();
    if s.bytes().all(|c| c.is_ascii_alphabetic()) {
        return if s.len() <= 2 || s == "GIR" {
            if is_area(s) {
                Ok(PostcodeQuery::Area(s.to_string()))
            } else {
                Err(PostcodeError::new(
                    text,
                    format!("{s} is not a UK postcode area"),
                ))
            }
        } else {
            Err(PostcodeError::new(
                text,
                "a postcode area has one or two letters, followed by the district number".into(),
            ))
        };
    }
    if valid_outward_shape(s) {
        check_outward(text, s)?;
        return Ok(PostcodeQuery::District(s.to_string()));
    }
    // An outward code followed directly by a sector digit (`M314`).
    if s.len() >= 3 {
        let (out, d) = s.split_at(s.len() - 1);
        if valid_outward_shape(out) && d.as_bytes()[0].is_ascii_digit() {
            check_outward(text, out)?;
            return Ok(PostcodeQuery::Sector(
                out.to_string(),
                d.as_bytes()[0] - b'0',
            ));
        }
    }
    if s.len() >= 5 {
        let (out, inw) = s.split_at(s.len() - 3);
        if valid_outward_shape(out) {
            return Err(PostcodeError::new(
                text,
                format!("the inward code must be a digit and two letters (4AN), not '{inw}'"),
            ));
        }
    }
    let first = s.as_bytes()[0];
    if !first.is_ascii_alphabetic() {
        return Err(PostcodeError::new(
            text,
            "a postcode starts with its area letters (M, WA, SW)".into(),
        ));
    }
    Err(PostcodeError::new(
        text,
        "the outward code must be the area letters and a one- or two-digit district, optionally with a letter (A9, A99, AA9, AA99, A9A, AA9A)".into(),
    ))
}

fn check_outward(text: &str, out: &str) -> Result<(), PostcodeError> {
    if out == "GIR" {
        return Ok(());
    }
    if !valid_outward_shape(out) {
        return Err(PostcodeError::new(
            text,
            format!(
                "the outward code '{out}' must be the area letters and a one- or two-digit district, optionally with a letter (A9, A99, AA9, AA99, A9A, AA9A)"
            ),
        ));
    }
    let area = area_of(out);
    if !is_area(area) {
        return Err(PostcodeError::new(
            text,
            format!("{area} is not a UK postcode area"),
        ));
    }
    Ok(())
}

fn area_of(outward: &str) -> &str {
    let n = outward
        .bytes()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    &outward[..n]
}

/// `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`.
fn valid_outward_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if !(1..=2).contains(&letters) {
        return false;
    }
    let rest = &b[letters..];
    match rest {
        [d] => d.is_ascii_digit(),
        [d1, d2] => d1.is_ascii_digit() && (d2.is_ascii_digit() || d2.is_ascii_alphabetic()),
        _ => false,
    }
}

fn valid_inward(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3
        && b[0].is_ascii_digit()
        && b[1].is_ascii_alphabetic()
        && b[2].is_ascii_alphabetic()
}

fn code_of(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0' + 1,
        b'A'..=b'Z' => c - b'A' + 11,
        _ => 0,
    }
}

fn decode_char(code: u8) -> Option<u8> {
    match code {
        0 => Some(0),
        1..=10 => Some(b'0' + code - 1),
        11..=36 => Some(b'A' + code - 11),
        _ => None,
    }
}

fn encode_raw(chars: &[u8], start: usize) -> u64 {
    let mut key = 0u64;
    for (i, &c) in chars.iter().enumerate() {
        key |= (code_of(c) as u64) << (6 * (6 - (start + i)));
    }
    key
}

fn fill_below(n_fixed: usize) -> u64 {
    // All bits of the positions after the first `n_fixed`.
    if n_fixed >= 7 {
        0
    } else {
        (1u64 << (6 * (7 - n_fixed))) - 1
    }
}

fn encode_prefix(outward: &str, inward_prefix: &[u8]) -> u64 {
    encode_raw(outward.as_bytes(), 0) | encode_raw(inward_prefix, 4)
}

/// The sortable key of an outward and inward code (upper case, valid).
pub fn encode_key(outward: &str, inward: &str) -> u64 {
    encode_prefix(outward, inward.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_sorted() {
        let mut v = AREAS.to_vec();
        v.sort_unstable();
        assert_eq!(v, AREAS);
    }

    #[test]
    fn normalises_full() {
        for s in ["m314an", "M31 4AN", " M31  4AN ", "m31 4an"] {
            assert_eq!(Postcode::parse(s).unwrap().to_string(), "M31 4AN");
        }
        assert_eq!(Postcode::parse("WA139GF").unwrap().to_string(), "WA13 9GF");
        assert_eq!(Postcode::parse("SW1A1AA").unwrap().to_string(), "SW1A 1AA");
        assert_eq!(Postcode::parse("GIR 0AA").unwrap().to_string(), "GIR 0AA");
        // `spaced` (the query path's) writes what `Display` does.
        for s in ["m314an", "WA139GF", "SW1A1AA", "GIR 0AA", "E1 6AN"] {
            let p = Postcode::parse(s).unwrap();
            assert_eq!(p.spaced(), p.to_string());
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            parse_query("M31").unwrap(),
            PostcodeQuery::District("M31".into())
        );
        assert_eq!(parse_query("m").unwrap(), PostcodeQuery::Area("M".into()));
        assert_eq!(
            parse_query("M31 4").unwrap(),
            PostcodeQuery::Sector("M31".into(), 4)
        );
        assert_eq!(
            parse_query("M314").unwrap(),
            PostcodeQuery::Sector("M31".into(), 4)
        );
        assert_eq!(
            parse_query("SO16").unwrap(),
            PostcodeQuery::District("SO16".into())
        );
        assert_eq!(
            parse_query("M1 1").unwrap(),
            PostcodeQuery::Sector("M1".into(), 1)
        );
        assert_eq!(
            parse_query("M11").unwrap(),
            PostcodeQuery::District("M11".into())
        );
    }

    #[test]
    fn ranges_do_not_overlap_neighbours() {
        let m1 = parse_query("M1").unwrap().key_range();
        let k = |s: &str| Postcode::parse(s).unwrap().key();
        assert!(k("M1 1AD") >= m1.0 && k("M1 1AD") <= m1.1);
        assert!(k("M1 9ZZ") <= m1.1);
        assert!(k("M11 1AA") > m1.1);
        assert!(k("M2 1AA") > m1.1);
        let m = parse_query("M").unwrap().key_range();
        assert!(k("M99 9ZZ") <= m.1 && k("M1 1AA") >= m.0);
        assert!(k("ME1 1AA") > m.1 || k("ME1 1AA") < m.0);
        assert!(k("MK1 1AA") > m.1 || k("MK1 1AA") < m.0);
        let s = parse_query("M31 4").unwrap().key_range();
        assert!(k("M31 4AN") >= s.0 && k("M31 4AN") <= s.1);
        assert!(k("M31 5AA") > s.1 && k("M31 3ZZ") < s.0);
        let wa = parse_query("WA").unwrap().key_range();
        assert!(k("WA13 9GF") >= wa.0 && k("WA13 9GF") <= wa.1);
        assert!(k("W1A 1AA") < wa.0 || k("W1A 1AA") > wa.1);
    }

    #[test]
    fn key_roundtrip() {
        for s in ["M31 4AN", "SW1A 1AA", "W1A 0AX", "WA13 9GF", "B1 1AA"] {
            let p = Postcode::parse(s).unwrap();
            assert_eq!(Postcode::from_key(p.key()).unwrap(), p);
        }
    }

    #[test]
    fn reasons() {
        let e = Postcode::parse("M1 1A").unwrap_err();
        assert!(
            e.reason
                .contains("inward code must be a digit and two letters"),
            "{e}"
        );
        let e = parse_query("").unwrap_err();
        assert!(e.reason.contains("empty"));
        let e = parse_query("M1 1A$").unwrap_err();
        assert!(e.reason.contains("not allowed"));
        let e = parse_query("QQ1 1AA").unwrap_err();
        assert!(e.reason.contains("not a UK postcode area"), "{e}");
        let e = parse_query("1M 1AA").unwrap_err();
        assert!(
            e.reason.contains("starts with its area") || e.reason.contains("outward"),
            "{e}"
        );
        let e = Postcode::parse("M31").unwrap_err();
        assert!(e.reason.contains("not a full postcode"), "{e}");
        let e = parse_query("M31 4AN X").unwrap_err();
        assert!(e.reason.contains("two parts"));
    }

    /// The assertions of the contacts crate's former `normalise_postcode` test.
    #[test]
    fn normalises_postcodes() {
        assert_eq!(normalise("m314an").as_deref(), Some("M31 4AN"));
        assert_eq!(normalise("WA139GF").as_deref(), Some("WA13 9GF"));
        assert_eq!(normalise("M1  1AD").as_deref(), Some("M1 1AD"));
        assert_eq!(normalise("EC1A 1BB").as_deref(), Some("EC1A 1BB"));
        assert_eq!(normalise("not a postcode"), None);
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise("ÅÅ1 1AA"), None);
    }

    /// The cases where the three former rules (the address index's, the contacts
    /// crate's and the report form's) disagreed, each decided once.
    #[test]
    fn the_one_rule_where_the_old_rules_differed() {
        // GIR 0AA is a postcode (contacts refused it); GIR is no other postcode's area
        // (the form and the importers took `GIR 1AA`).
        assert_eq!(normalise("gir0aa").as_deref(), Some("GIR 0AA"));
        assert_eq!(Postcode::parse("GIR 0AA").unwrap().to_string(), "GIR 0AA");
        assert_eq!(normalise("GIR 1AA"), None);
        assert_eq!(Postcode::parse_lenient("GIR 1AA"), None);
        let e = Postcode::parse("GIR 1AA").unwrap_err();
        assert!(e.reason.contains("GIR 0AA"), "{e}");
        // A district is one or two digits, or a digit and a letter: never three
        // characters after the area (the form took `M12A 1AA`), never letters only (the
        // form took `ABC 1AA`).
        for text in ["M12A 1AA", "ABC 1AA", "ABCD1AA", "M 1AA"] {
            assert_eq!(normalise(text), None, "{text}");
            assert_eq!(Postcode::parse_lenient(text), None, "{text}");
            assert!(Postcode::parse(text).is_err(), "{text}");
        }
        // Every shape is taken: A9, A99, AA9, AA99, A9A, AA9A.
        for (text, normal) in [
            ("m14an", "M1 4AN"),
            ("M314AN", "M31 4AN"),
            ("wa13 9gf", "WA13 9GF"),
            ("CR0 1AA", "CR0 1AA"),
            ("W1A 0AX", "W1A 0AX"),
            ("sw1a1aa", "SW1A 1AA"),
        ] {
            assert_eq!(normalise(text).as_deref(), Some(normal), "{text}");
            assert_eq!(Postcode::parse_lenient(text).unwrap().spaced(), normal);
            assert_eq!(Postcode::parse(text).unwrap().spaced(), normal);
        }
        // A misplaced space is ignored everywhere (the address index refused it).
        for text in ["M3 14AN", "M314 AN", " m 3 1 4 a n "] {
            assert_eq!(normalise(text).as_deref(), Some("M31 4AN"), "{text}");
            assert_eq!(Postcode::parse(text).unwrap().spaced(), "M31 4AN", "{text}");
            assert_eq!(Postcode::parse_lenient(text).unwrap().spaced(), "M31 4AN");
        }
        // The shape is the format; the area list is what the address index adds: a
        // form takes `ZZ9 9ZZ` and finds no addresses, the index says why.
        assert_eq!(normalise("ZZ9 9ZZ").as_deref(), Some("ZZ9 9ZZ"));
        assert_eq!(normalise("QQ1 1AA").as_deref(), Some("QQ1 1AA"));
        assert_eq!(Postcode::parse_lenient("QQ1 1AA"), None);
        let e = Postcode::parse("QQ1 1AA").unwrap_err();
        assert!(e.reason.contains("not a UK postcode area"), "{e}");
        // Not postcodes under any rule.
        for text in [
            "",
            "M3",
            "M31",
            "1M3 4AN",
            "M31 4A1",
            "M31 4ÄN",
            "ÅÅ1 1AA",
            "12345",
        ] {
            assert_eq!(normalise(text), None, "{text}");
            assert_eq!(Postcode::parse_lenient(text), None, "{text}");
            assert!(Postcode::parse(text).is_err(), "{text}");
        }
        // Prefixes keep their spaces: `M3 1` is a sector of M3, `M31` a district.
        assert_eq!(
            parse_query("M3 1").unwrap(),
            PostcodeQuery::Sector("M3".into(), 1)
        );
    }

    #[test]
    fn zero_for_o() {
        let e = Postcode::parse("C09 1HT").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("CO9 1HT"), "{e}");
        assert!(e.to_string().contains("did you mean CO9 1HT"));
        let e = Postcode::parse("M31 OAN").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("M31 0AN"));
        // LE1 6TH and AB10 1ST are real postcodes, never touched.
        assert_eq!(Postcode::parse("LE1 6TH").unwrap().to_string(), "LE1 6TH");
        assert_eq!(Postcode::parse("ab101st").unwrap().to_string(), "AB10 1ST");
        assert!(correct_slips("LE1 6TH").is_none());
    }
}
