//! Finding the address through `council:address/lookup`: the addresses at a postcode,
//! one address by UPRN, and the type-ahead endpoint
//! (`GET /report-speeding/address-suggestions?q=`).

use council_address::{Address, Dataset, LookupError, QueryOptions, SortOrder};
use council_http_facade::bindings::council::address::lookup;
use council_reports::form::Form;
use council_reports::model::ChosenAddress;
use council_reports::respond;
use serde_json::json;
use wstd::http::StatusCode;

use crate::routes::{Failure, PageResult};

fn lookup_options(max: u32) -> QueryOptions {
    QueryOptions {
        datasets: vec![Dataset::Dpa],
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: max,
        sort: SortOrder::AddressOrder,
    }
}

fn chosen(address: &Address) -> ChosenAddress {
    ChosenAddress {
        uprn: address.uprn,
        single_line: address.single_line.clone(),
        postcode: address.postcode.clone(),
        longitude: address.location.wgs84.longitude,
        latitude: address.location.wgs84.latitude,
    }
}

/// A lookup failure, by kind (its message may echo what was typed).
fn failure(operation: &'static str, e: &LookupError) -> Failure {
    let kind = match e {
        LookupError::InvalidPostcode(_) => "invalid postcode",
        LookupError::InvalidQuery(_) => "invalid query",
        LookupError::OutOfRange(_) => "out of range",
        LookupError::IndexUnavailable(_) => "the address index is unavailable",
        LookupError::Other(_) => "other error",
    };
    Failure::AddressLookup { operation, kind }
}

/// Every address at a postcode (none for a postcode the index does not accept).
pub(crate) fn at_postcode(postcode: &str) -> Result<Vec<ChosenAddress>, Failure> {
    match lookup::by_postcode(postcode, &lookup_options(1000)) {
        Ok(page) => Ok(page.results.iter().map(|m| chosen(&m.address)).collect()),
        Err(LookupError::InvalidPostcode(_)) => Ok(Vec::new()),
        Err(e) => Err(failure("address lookup by postcode", &e)),
    }
}

/// The address with this UPRN, if there is one.
pub(crate) fn by_uprn(uprn: u64) -> Result<Option<ChosenAddress>, Failure> {
    match lookup::by_uprn(uprn, &lookup_options(0)) {
        Ok(found) => Ok(found.first().map(chosen)),
        Err(e) => Err(failure("address lookup by UPRN", &e)),
    }
}

/// `GET /report-speeding/address-suggestions?q=`: up to ten addresses for the
/// type-ahead, as JSON (none for fewer than three characters).
pub(crate) fn suggestions(query: Option<&str>) -> PageResult {
    let form = Form::parse(query.unwrap_or("").as_bytes());
    let text = form.get("q");
    if text.chars().count() < 3 || text.len() > 200 {
        return Ok(respond::json(StatusCode::OK, &json!({"results": []}))?);
    }
    let results = match lookup::suggest(text, 10, &lookup_options(10)) {
        Ok(found) => found
            .iter()
            .map(|m| json!({"uprn": m.address.uprn.to_string(), "address": m.address.single_line}))
            .collect::<Vec<_>>(),
        Err(LookupError::InvalidQuery(_)) | Err(LookupError::InvalidPostcode(_)) => Vec::new(),
        Err(e) => return Err(failure("address suggestions", &e)),
    };
    Ok(respond::json(StatusCode::OK, &json!({"results": results}))?)
}
