//! Surrey-compatible `/locate/addresses?postcode=|uprn=|usrn=` (`query=` classification
//! set, `format=presentation|all|vcard`), answered 422 when no key is given, as
//! Surrey's locate-api did.

use council_address as lib;
use council_address::output;
use serde_json::{Value, json};
use wstd::http::{Body, Response, StatusCode};

use super::{default_options, lookup_error, wit};
use crate::http::{self, ApiError, Query};

/// Answers `/locate/addresses`.
pub(super) fn respond(query: &Query) -> Result<Response<Body>, ApiError> {
    let mut options = default_options();
    options.max_results = 1000;
    options.classification = match query.text("query").unwrap_or("all") {
        "residential" => vec![lib::ClassificationFilter::Named(
            lib::ClassificationSet::Residential,
        )],
        "commercial" => vec![lib::ClassificationFilter::Named(
            lib::ClassificationSet::Commercial,
        )],
        "residentialAndCommercial" => vec![lib::ClassificationFilter::Named(
            lib::ClassificationSet::ResidentialAndCommercial,
        )],
        "electoral" => vec![lib::ClassificationFilter::Named(
            lib::ClassificationSet::Electoral,
        )],
        "all" => Vec::new(),
        other => {
            return Err(ApiError::bad_request(
                "invalid-parameter",
                format!(
                    "query `{other}` is not one of residential, commercial, residentialAndCommercial, electoral, all"
                ),
            ));
        }
    };
    // Surrey answered from AddressBase Premium's postal (DPA) view.
    options.datasets = vec![lib::Dataset::Dpa];
    let (addresses, gss) = if let Some(postcode) = query.text("postcode") {
        let page = wit::by_postcode(postcode, &options).map_err(lookup_error)?;
        let gss = wit::postcode(postcode)
            .ok()
            .flatten()
            .and_then(|u| u.district_code);
        (
            page.results
                .into_iter()
                .map(|m| m.address)
                .collect::<Vec<_>>(),
            gss,
        )
    } else if let Some(uprn) = query.text("uprn") {
        let uprn: u64 = http::parse_number("uprn", uprn)?;
        (wit::by_uprn(uprn, &options).map_err(lookup_error)?, None)
    } else if let Some(usrn) = query.text("usrn") {
        let usrn: u64 = http::parse_number("usrn", usrn)?;
        let page = wit::by_usrn(usrn, &options).map_err(lookup_error)?;
        (page.results.into_iter().map(|m| m.address).collect(), None)
    } else {
        // Surrey's exact answer for a request without a key.
        return Ok(http::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"error": "a query parameter (postcode, uprn, usrn) is needed"}),
        )?);
    };
    let addresses: Vec<lib::Address> = addresses;
    match query.text("format").unwrap_or("presentation") {
        "presentation" => {
            let list: Vec<Value> = addresses
                .iter()
                .map(|a| output::surrey_presentation(a, gss.as_deref()))
                .collect();
            Ok(http::json(StatusCode::OK, &Value::Array(list))?)
        }
        "all" => Ok(http::json(
            StatusCode::OK,
            &serde_json::to_value(&addresses).unwrap_or(Value::Null),
        )?),
        "vcard" => {
            let mut text = String::new();
            for a in &addresses {
                let p = output::surrey_presentation(a, gss.as_deref());
                let field = |k: &str| p[k].as_str().unwrap_or("").replace([';', ','], " ");
                text.push_str(&format!(
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{}\r\nADR;TYPE=home:;{};{};{};{};{};United Kingdom\r\nEND:VCARD\r\n",
                    a.uprn,
                    field("property"),
                    field("street"),
                    field("town"),
                    field("area"),
                    field("postcode"),
                ));
            }
            Ok(Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "text/vcard")
                .body(text.into())
                .map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
                })?)
        }
        other => Err(ApiError::bad_request(
            "invalid-parameter",
            format!("format `{other}` is not one of presentation, all, vcard"),
        )),
    }
}
