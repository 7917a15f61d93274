//! Contact routes over `council:contacts/directory`.
//!
//! - `GET /contacts/bodies?gss=E04000011` or `?name=Partington` (`&kind=parish-council`):
//!   one body and its contact, with provenance (source, age, `stale`).
//! - `GET /contacts/bodies/{gss}`: the same by code; `.../openreferral` renders it in
//!   the Open Referral UK profile of HSDS 3.0 (`organization` + `contact`).
//! - `GET /contacts/parishes`: every parish council the source lists.
//! - `GET /contacts/councillors?ward=...`, `/contacts/councillors/ward/{id}`,
//!   `/contacts/councillors/postcode/{pc}`.
//!
//! An upstream that fails with nothing cached is a `502` naming the upstream problem,
//! never an empty success; an answer served from an expired cache says so in
//! `provenance.stale` and in the `x-contacts-stale` header.

use council_contacts::model as lib;
use council_contacts::openreferral::to_open_referral;
use serde_json::json;
use wstd::http::{Body, Response, StatusCode};

use crate::bindings::council::contacts::directory as wit;
use council_http_facade::http::{self, ApiError, Query};

pub fn handle(segments: &[&str], query: &Query) -> Result<Response<Body>, ApiError> {
    match segments {
        ["contacts", "bodies"] => {
            let kind = match query.text("kind") {
                Some(k) => Some(parse_kind(k)?),
                None => None,
            };
            let q = lib::BodyQuery {
                gss_code: query.text("gss").map(str::to_string),
                name: query.text("name").map(str::to_string),
                kind,
            };
            body(&q, false)
        }
        ["contacts", "bodies", code] => body(&by_code(code), false),
        ["contacts", "bodies", code, "openreferral"] => body(&by_code(code), true),
        ["contacts", "parishes"] => {
            let list = wit::parish_councils().map_err(contacts_error)?;
            let stale = list.provenance.stale;
            let value = json!({
                "bodies": list.bodies,
                "provenance": list.provenance,
            });
            respond(&value, stale)
        }
        ["contacts", "councillors"] => councillors(wit::councillors_by_ward(query.text("ward"))),
        ["contacts", "councillors", "ward", id] => {
            let id: u32 = http::parse_number("ward id", id)?;
            councillors(wit::councillors_by_ward_id(id))
        }
        ["contacts", "councillors", "postcode", postcode] => {
            // Only postcodes the council's gazetteer knows are asked about upstream:
            // otherwise each made-up postcode would be one request to ModernGov.
            let postcode = http::decode_segment(postcode);
            known_postcode(&postcode)?;
            councillors(wit::councillors_by_postcode(&postcode))
        }
        _ => Err(ApiError::not_found(
            "no such contacts endpoint; GET / lists them",
        )),
    }
}

/// Whether the address index has any address at `postcode`: `404` when it has none,
/// `400` when it is not a postcode.
fn known_postcode(postcode: &str) -> Result<(), ApiError> {
    use council_address::{Dataset, LookupError, QueryOptions, SortOrder};
    use council_http_facade::bindings::council::address::lookup;
    if council_postcode::normalise(postcode).is_none() {
        return Err(ApiError::bad_request(
            "invalid-postcode",
            format!("{postcode:?} is not a UK postcode"),
        ));
    }
    let options = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: 1,
        sort: SortOrder::AddressOrder,
    };
    match lookup::by_postcode(postcode, &options) {
        Ok(page) if !page.results.is_empty() => Ok(()),
        Ok(_) => Err(ApiError::not_found(format!(
            "{postcode:?} has no addresses in this council's gazetteer, so its councillors are not looked up"
        ))),
        Err(LookupError::InvalidPostcode(m)) => Err(ApiError::bad_request("invalid-postcode", m)),
        Err(e) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "address-index-unavailable",
            format!(
                "the address index could not be read: {}",
                council_http_facade::lookup_error_text(&e)
            ),
        )),
    }
}

fn by_code(code: &str) -> lib::BodyQuery {
    lib::BodyQuery {
        gss_code: Some(code.to_ascii_uppercase()),
        name: None,
        kind: None,
    }
}

fn parse_kind(text: &str) -> Result<lib::BodyKind, ApiError> {
    Ok(match text {
        "parish-council" => lib::BodyKind::ParishCouncil,
        "district-council" => lib::BodyKind::DistrictCouncil,
        "county-council" => lib::BodyKind::CountyCouncil,
        "unitary-council" => lib::BodyKind::UnitaryCouncil,
        "other" => lib::BodyKind::Other,
        other => {
            return Err(ApiError::bad_request(
                "invalid-parameter",
                format!(
                    "kind `{other}` is not one of parish-council, district-council, county-council, unitary-council, other"
                ),
            ));
        }
    })
}

fn contacts_error(e: lib::Error) -> ApiError {
    match e {
        lib::Error::InvalidQuery(m) => ApiError::bad_request("invalid-query", m),
        lib::Error::UpstreamUnavailable(m) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "upstream-unavailable", m)
        }
        lib::Error::UpstreamInvalid(m) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "upstream-invalid", m)
        }
        lib::Error::NotConfigured(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not-configured", m)
        }
        lib::Error::Unsupported(m) => ApiError::new(StatusCode::NOT_IMPLEMENTED, "unsupported", m),
        lib::Error::Other(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
    }
}

fn respond(value: &serde_json::Value, stale: bool) -> Result<Response<Body>, ApiError> {
    let mut response = http::json(StatusCode::OK, value)?;
    if stale {
        response.headers_mut().insert(
            "x-contacts-stale",
            wstd::http::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

fn body(q: &lib::BodyQuery, open_referral: bool) -> Result<Response<Body>, ApiError> {
    let answer = wit::find_body(q)
        .map_err(contacts_error)?
        .ok_or_else(|| ApiError::not_found("no body matches that code or name"))?;
    let stale = answer.provenance.stale;
    let body = answer.body;
    let provenance = answer.provenance;
    let value = if open_referral {
        let mut oruk = to_open_referral(&body);
        oruk["provenance"] = serde_json::to_value(&provenance).unwrap_or_default();
        oruk
    } else {
        json!({ "body": body, "provenance": provenance })
    };
    respond(&value, stale)
}

fn councillors(
    result: Result<lib::CouncillorAnswer, lib::Error>,
) -> Result<Response<Body>, ApiError> {
    let answer = result.map_err(contacts_error)?;
    let stale = answer.provenance.stale;
    let value = json!({
        "wards": answer.wards,
        "provenance": answer.provenance,
    });
    respond(&value, stale)
}
