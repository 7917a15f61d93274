//! Request parsing and response helpers shared by every route module.
//!
//! Errors are JSON bodies naming the problem. Our own routes answer
//! `{"error": "...", "status": 400, "code": "invalid-postcode"}`; the compatible routes
//! answer in the shape of the API they copy (see `places` and `mapit`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wstd::http::{Body, Error, Response, StatusCode};

/// Most bytes of request body any route reads (a route request is a few hundred).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The query string as repeated key → values, percent-decoded (`application/x-www-form-urlencoded`).
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: BTreeMap<String, Vec<String>>,
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let mut pairs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            pairs
                .entry(key.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Self { pairs }
    }

    /// The first value of a parameter, matched case-insensitively (OS Places accepts
    /// `postcode`, `Postcode` and `POSTCODE`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }

    /// Every value of a repeatable parameter (`fq`).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .flat_map(|(_, v)| v.iter().map(String::as_str))
            .collect()
    }

    /// A non-empty parameter, trimmed.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// A problem with the request, answered as a 4xx JSON error.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`invalid-postcode`).
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    /// Our own JSON error shape.
    pub fn into_response(self) -> Result<Response<Body>, Error> {
        json(
            self.status,
            &json!({ "error": self.message, "status": self.status.as_u16(), "code": self.code }),
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("building the response failed: {e}"),
        )
    }
}

/// A JSON response.
pub fn json(status: StatusCode, value: &Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(value.to_string().into())?)
}

/// A JSON response with a specific content type (GeoJSON).
pub fn json_as(
    status: StatusCode,
    content_type: &str,
    value: &Value,
) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(value.to_string().into())?)
}

/// Parses a number parameter, naming it in the error.
pub fn parse_number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::bad_request(
            "invalid-parameter",
            format!("`{name}` must be a number, not `{text}`"),
        )
    })
}

/// Parses `x,y` into two finite numbers.
pub fn parse_pair(name: &str, text: &str) -> Result<(f64, f64), ApiError> {
    let mut parts = text.split(',');
    let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::bad_request(
            "invalid-parameter",
            format!("`{name}` must be two numbers separated by a comma, not `{text}`"),
        ));
    };
    let a: f64 = parse_number(name, a)?;
    let b: f64 = parse_number(name, b)?;
    if !a.is_finite() || !b.is_finite() {
        return Err(ApiError::bad_request(
            "invalid-parameter",
            format!("`{name}` must be finite"),
        ));
    }
    Ok((a, b))
}

/// A path segment with its percent-encoding undone (RFC 3986 §2.1: `%20` is a space);
/// a malformed escape is kept as written, and bytes that are not UTF-8 become U+FFFD.
pub fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_percent_decoded_and_its_keys_matched_in_any_case() {
        let query = Query::parse(Some("Postcode=M31%204AN&fq=a&fq=b+c&empty=%20"));
        assert_eq!(query.get("postcode"), Some("M31 4AN"));
        assert_eq!(query.get("POSTCODE"), Some("M31 4AN"));
        assert_eq!(query.all("fq"), ["a", "b c"]);
        assert_eq!(query.text("empty"), None);
        assert_eq!(query.get("missing"), None);
        assert_eq!(Query::parse(None).get("postcode"), None);
    }

    #[test]
    fn a_path_segment_is_percent_decoded_and_a_malformed_escape_kept() {
        assert_eq!(decode_segment("M31%204AN"), "M31 4AN");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%zz%4"), "%zz%4");
        assert_eq!(decode_segment("%C3%A9"), "é");
        assert_eq!(decode_segment("%FF"), "\u{FFFD}");
    }

    #[test]
    fn a_pair_is_two_finite_numbers() {
        assert_eq!(
            parse_pair("point", "374000, 393000").unwrap(),
            (374000.0, 393000.0)
        );
        for bad in ["1", "1,2,3", "west,north", "inf,1", "NaN,2"] {
            let error = parse_pair("point", bad).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(error.code, "invalid-parameter", "{bad}");
        }
    }

    #[test]
    fn a_number_parameter_names_itself_in_its_error() {
        assert_eq!(parse_number::<u32>("offset", " 20 ").unwrap(), 20);
        let error = parse_number::<u32>("offset", "-1").unwrap_err();
        assert_eq!(error.message, "`offset` must be a number, not `-1`");
    }
}
