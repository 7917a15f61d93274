//! Plain JSON and GeoJSON: `/api/addresses/{postcode,uprn,usrn}/...` and
//! `/api/addresses/{find,suggest,nearest}?...`; add `.geojson` to a path (or
//! `format=geojson`) for a GeoJSON FeatureCollection.

use council_address as lib;
use council_address::output;
use wstd::http::{Body, Response, StatusCode};

use super::{default_options, lookup_error, wit};
use crate::http::{self, ApiError, Query};

/// Answers `/api/addresses/{rest}`.
pub(super) fn respond(rest: &[&str], query: &Query) -> Result<Response<Body>, ApiError> {
    let mut options = default_options();
    if let Some(text) = query.text("limit") {
        options.max_results = http::parse_number("limit", text)?;
    }
    if let Some(text) = query.text("offset") {
        options.offset = http::parse_number("offset", text)?;
    }
    options.datasets = match query
        .text("dataset")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("dpa") => vec![lib::Dataset::Dpa],
        Some("lpi") => vec![lib::Dataset::Lpi],
        Some("dpa,lpi") | Some("lpi,dpa") | Some("both") => {
            vec![lib::Dataset::Dpa, lib::Dataset::Lpi]
        }
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid-parameter",
                format!("dataset `{other}`: use dpa, lpi or dpa,lpi"),
            ));
        }
    };
    if let Some(class) = query.text("classification") {
        options.classification = class
            .split(',')
            .map(|c| match c {
                "residential" => {
                    lib::ClassificationFilter::Named(lib::ClassificationSet::Residential)
                }
                "commercial" => {
                    lib::ClassificationFilter::Named(lib::ClassificationSet::Commercial)
                }
                "electoral" => lib::ClassificationFilter::Named(lib::ClassificationSet::Electoral),
                prefix => lib::ClassificationFilter::CodePrefix(prefix.to_ascii_uppercase()),
            })
            .collect();
    }
    let (name, key) = match rest {
        [name] => (*name, None),
        [name, key] => (*name, Some(*key)),
        _ => return Err(ApiError::not_found("no such address endpoint")),
    };
    let (key, mut geojson) = match key {
        Some(k) => match k.strip_suffix(".geojson") {
            Some(k) => (Some(k), true),
            None => (Some(k.strip_suffix(".json").unwrap_or(k)), false),
        },
        None => (None, false),
    };
    geojson |= query
        .text("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("geojson"));
    let need_key = |what: &str| {
        key.ok_or_else(|| {
            ApiError::bad_request("missing-parameter", format!("give the {what} in the path"))
        })
    };
    let page: lib::Page = match name {
        "postcode" => {
            let postcode = need_key("postcode")?;
            wit::by_postcode(postcode, &options).map_err(lookup_error)?
        }
        "uprn" => {
            let uprn: u64 = http::parse_number("uprn", need_key("UPRN")?)?;
            let list = wit::by_uprn(uprn, &options).map_err(lookup_error)?;
            if list.is_empty() {
                return Err(ApiError::not_found(format!("no address has UPRN {uprn}")));
            }
            lib::Page {
                total: list.len() as u32,
                offset: 0,
                results: list
                    .into_iter()
                    .map(|a| lib::AddressMatch {
                        address: a,
                        score: 1.0,
                        distance_m: None,
                    })
                    .collect(),
            }
        }
        "usrn" => {
            let usrn: u64 = http::parse_number("usrn", need_key("USRN")?)?;
            wit::by_usrn(usrn, &options).map_err(lookup_error)?
        }
        "find" => {
            let text = query.text("q").ok_or_else(|| {
                ApiError::bad_request("missing-parameter", "give the text to find as q=...")
            })?;
            let min: f32 = match query.text("min_score") {
                Some(m) => http::parse_number("min_score", m)?,
                None => 0.0,
            };
            wit::find(text, min, &options).map_err(lookup_error)?
        }
        "suggest" => {
            let text = query.get("q").unwrap_or("");
            let limit = options.max_results;
            let list = wit::suggest(text, limit, &options).map_err(lookup_error)?;
            lib::Page {
                total: list.len() as u32,
                offset: 0,
                results: list,
            }
        }
        "nearest" => {
            let at = match (
                query.text("lon"),
                query.text("lat"),
                query.text("easting"),
                query.text("northing"),
            ) {
                (Some(lon), Some(lat), _, _) => lib::Point::Wgs84(lib::Wgs84Point {
                    longitude: http::parse_number("lon", lon)?,
                    latitude: http::parse_number("lat", lat)?,
                }),
                (_, _, Some(e), Some(n)) => lib::Point::Bng(lib::BngPoint {
                    easting: http::parse_number("easting", e)?,
                    northing: http::parse_number("northing", n)?,
                }),
                _ => {
                    return Err(ApiError::bad_request(
                        "missing-parameter",
                        "give lon and lat, or easting and northing",
                    ));
                }
            };
            let distance: f64 = match query.text("within_m") {
                Some(d) => http::parse_number("within_m", d)?,
                None => 250.0,
            };
            if options.max_results == 0 {
                options.max_results = 10;
            }
            wit::nearest(at, distance, &options).map_err(lookup_error)?
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no address endpoint `{other}`"
            )));
        }
    };
    if geojson {
        Ok(http::json_as(
            StatusCode::OK,
            "application/geo+json",
            &output::geojson(&page.results),
        )?)
    } else {
        Ok(http::json(StatusCode::OK, &output::plain_json(&page))?)
    }
}
