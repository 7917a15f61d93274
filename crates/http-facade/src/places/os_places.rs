//! OS Places-compatible routes (`/search/places/v1/...`): the endpoints, parameters,
//! `header` and `results[].DPA|LPI` of OS Places (docs.os.uk, OS Places API), so that
//! an existing OS Places client can point here. Errors use OS Places' shape,
//! `{"error": {"statuscode": 400, "message": "..."}}`. Coordinates in `point` and
//! `bbox` are in `srs` (BNG by default); for WGS84 (`EPSG:4326`) they are in that
//! system's axis order, latitude then longitude, as OS Places takes them; for Web
//! Mercator (`EPSG:3857`) x then y in metres. `output_srs` takes the same systems.
//! Type-ahead is `/search/places/v1/autocomplete?query=` (the best 10 as you type).

use council_address as lib;
use council_address::output::{self, OsPlacesRequest, OutputSrs};
use serde_json::json;
use wstd::http::{Body, Response, StatusCode};

use super::{lookup_error, wit};
use crate::http::{self, ApiError, Query};

/// OS Places' `maxresults` range.
const OS_MAX_RESULTS: u32 = 100;

impl ApiError {
    /// OS Places' error shape.
    pub(super) fn into_os_places(self) -> Result<Response<Body>, ApiError> {
        Ok(http::json(
            self.status,
            &json!({ "error": { "statuscode": self.status.as_u16(), "message": self.message } }),
        )?)
    }
}

/// One `fq` filter group: its terms are ORed; groups are ANDed.
#[derive(Debug, Clone, PartialEq)]
enum FqTerm {
    Classification(String),
    LogicalStatus(u8),
    Country(String),
}

fn parse_fq(values: &[&str]) -> Result<Vec<Vec<FqTerm>>, ApiError> {
    let mut groups = Vec::new();
    for value in values {
        let mut group = Vec::new();
        for term in value.split_whitespace() {
            let Some((field, wanted)) = term.split_once(':') else {
                return Err(ApiError::bad_request(
                    "invalid-fq",
                    format!("fq term `{term}` must be FIELD:VALUE"),
                ));
            };
            match field.to_ascii_uppercase().as_str() {
                "CLASSIFICATION_CODE" => {
                    let code = wanted.trim_end_matches('*').to_ascii_uppercase();
                    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(ApiError::bad_request(
                            "invalid-fq",
                            format!(
                                "fq CLASSIFICATION_CODE `{wanted}` is not a classification code"
                            ),
                        ));
                    }
                    group.push(FqTerm::Classification(code));
                }
                "LOGICAL_STATUS_CODE" => group.push(FqTerm::LogicalStatus(http::parse_number(
                    "fq LOGICAL_STATUS_CODE",
                    wanted,
                )?)),
                "COUNTRY_CODE" => group.push(FqTerm::Country(wanted.to_ascii_uppercase())),
                other => {
                    return Err(ApiError::bad_request(
                        "invalid-fq",
                        format!(
                            "fq field `{other}` is not supported (CLASSIFICATION_CODE, LOGICAL_STATUS_CODE, COUNTRY_CODE)"
                        ),
                    ));
                }
            }
        }
        if !group.is_empty() {
            groups.push(group);
        }
    }
    Ok(groups)
}

fn fq_matches(group: &[FqTerm], a: &lib::Address) -> bool {
    group.iter().any(|term| match term {
        FqTerm::Classification(prefix) => a
            .classification_code
            .as_deref()
            .is_some_and(|c| c.starts_with(prefix.as_str())),
        FqTerm::LogicalStatus(status) => match &a.view {
            lib::AddressView::Gazetteer(g) => g.logical_status == *status,
            lib::AddressView::Postal(_) => a.blpu_logical_status == *status,
        },
        FqTerm::Country(code) => a.country_code.as_deref() == Some(code.as_str()),
    })
}

/// The parsed common OS Places parameters.
struct OsParams {
    options: lib::QueryOptions,
    /// Filter groups applied here rather than by the capability.
    post_filters: Vec<Vec<FqTerm>>,
    /// `lr`: keep only LPIs in this language (`ENG`, `CYM`).
    language: Option<String>,
    srs: OutputSrs,
    srs_name: &'static str,
    max_results: u32,
    offset: u32,
    datasets: Vec<lib::Dataset>,
    geojson: bool,
}

fn os_params(query: &Query, default_max: u32) -> Result<OsParams, ApiError> {
    let max_results = match query.text("maxresults") {
        None => default_max,
        Some(text) => {
            let n: u32 = http::parse_number("maxresults", text)?;
            if !(1..=OS_MAX_RESULTS).contains(&n) {
                return Err(ApiError::bad_request(
                    "invalid-parameter",
                    format!(
                        "Requested maxresults value {n} is invalid. Value must be between 1 and {OS_MAX_RESULTS}."
                    ),
                ));
            }
            n
        }
    };
    let offset: u32 = match query.text("offset") {
        None => 0,
        Some(text) => http::parse_number("offset", text)?,
    };
    let mut datasets = Vec::new();
    if let Some(text) = query.text("dataset") {
        for part in text.split(',') {
            datasets.push(match part.trim().to_ascii_uppercase().as_str() {
                "DPA" => lib::Dataset::Dpa,
                "LPI" => lib::Dataset::Lpi,
                other => {
                    return Err(ApiError::bad_request(
                        "invalid-parameter",
                        format!("Requested dataset `{other}` is invalid. Values are DPA, LPI or DPA,LPI."),
                    ));
                }
            });
        }
    }
    let (srs, srs_name) = parse_srs(query.text("output_srs"), "output_srs")?;
    let language = match query.text("lr").map(str::to_ascii_uppercase).as_deref() {
        None => None,
        Some("EN") => Some("ENG".to_string()),
        Some("CY") => Some("CYM".to_string()),
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid-parameter",
                format!("Requested lr `{other}` is invalid. Values are EN or CY."),
            ));
        }
    };
    let mut groups = parse_fq(&query.all("fq"))?;
    // A single classification-only group is what the capability filters on itself;
    // anything else is applied here, on up to 1000 results.
    let mut classification = Vec::new();
    if let Some(position) = groups
        .iter()
        .position(|g| g.iter().all(|t| matches!(t, FqTerm::Classification(_))))
    {
        for term in groups.remove(position) {
            if let FqTerm::Classification(code) = term {
                classification.push(lib::ClassificationFilter::CodePrefix(code));
            }
        }
    }
    let post = !groups.is_empty() || language.is_some();
    let options = lib::QueryOptions {
        datasets: datasets.clone(),
        classification,
        include_historical: false,
        offset: if post { 0 } else { offset },
        max_results: if post { 1000 } else { max_results },
        sort: lib::SortOrder::AddressOrder,
    };
    let geojson = query
        .text("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("geojson"));
    Ok(OsParams {
        options,
        post_filters: groups,
        language,
        srs,
        srs_name,
        max_results,
        offset,
        datasets,
        geojson,
    })
}

fn parse_srs(text: Option<&str>, name: &str) -> Result<(OutputSrs, &'static str), ApiError> {
    match text.map(str::to_ascii_uppercase).as_deref() {
        None | Some("BNG") | Some("EPSG:27700") => Ok((OutputSrs::Bng, "EPSG:27700")),
        Some("WGS84") | Some("EPSG:4326") => Ok((OutputSrs::Wgs84, "EPSG:4326")),
        // ETRS89 and WGS84 differ by well under a metre in Great Britain (docs/coordinates.md).
        Some("EPSG:4258") => Ok((OutputSrs::Wgs84, "EPSG:4258")),
        Some("EPSG:3857") => Ok((OutputSrs::WebMercator, "EPSG:3857")),
        Some(other) => Err(ApiError::bad_request(
            "invalid-parameter",
            format!(
                "Requested {name} `{other}` is not supported. Values are BNG, EPSG:27700, WGS84, EPSG:4326, EPSG:4258 or EPSG:3857."
            ),
        )),
    }
}

/// Applies the façade-side filters and paging when the capability could not.
fn finish_page(params: &OsParams, page: lib::Page) -> lib::Page {
    if params.post_filters.is_empty() && params.language.is_none() {
        return page;
    }
    let kept: Vec<lib::AddressMatch> = page
        .results
        .into_iter()
        .filter(|m| {
            params
                .post_filters
                .iter()
                .all(|g| fq_matches(g, &m.address))
        })
        .filter(|m| match (&params.language, &m.address.view) {
            (Some(lang), lib::AddressView::Gazetteer(g)) => g.language.eq_ignore_ascii_case(lang),
            _ => true,
        })
        .collect();
    let total = kept.len() as u32;
    lib::Page {
        total,
        offset: params.offset,
        results: kept
            .into_iter()
            .skip(params.offset as usize)
            .take(params.max_results as usize)
            .collect(),
    }
}

/// A query point in `srs`: BNG `x,y`, or WGS84 `lat,lon`.
fn parse_point(query: &Query) -> Result<lib::Point, ApiError> {
    let text = query.text("point").ok_or_else(|| {
        ApiError::bad_request(
            "missing-parameter",
            "Requested point is missing: give point=x,y",
        )
    })?;
    let (a, b) = http::parse_pair("point", text)?;
    point_in_srs(query, a, b)
}

fn point_in_srs(query: &Query, a: f64, b: f64) -> Result<lib::Point, ApiError> {
    let (srs, _) = parse_srs(query.text("srs"), "srs")?;
    Ok(match srs {
        OutputSrs::Bng => lib::Point::Bng(lib::BngPoint {
            easting: a,
            northing: b,
        }),
        OutputSrs::Wgs84 => {
            if !(-90.0..=90.0).contains(&a) || !(-180.0..=180.0).contains(&b) {
                return Err(ApiError::bad_request(
                    "invalid-parameter",
                    format!("WGS84 points are latitude,longitude; `{a},{b}` is not one"),
                ));
            }
            lib::Point::Wgs84(lib::Wgs84Point {
                longitude: b,
                latitude: a,
            })
        }
        // Web Mercator x,y in metres, as web maps send them.
        OutputSrs::WebMercator => {
            let limit = 20_037_508.342_789_244; // π·R: the projection's edge.
            if !(-limit..=limit).contains(&a) || !(-limit..=limit).contains(&b) {
                return Err(ApiError::bad_request(
                    "invalid-parameter",
                    format!(
                        "EPSG:3857 points are x,y in metres within ±{limit}; `{a},{b}` is not one"
                    ),
                ));
            }
            let p = council_bng::from_web_mercator(a, b);
            lib::Point::Wgs84(lib::Wgs84Point {
                longitude: p.lon,
                latitude: p.lat,
            })
        }
    })
}

/// Answers `/search/places/v1/{operation}`.
pub(super) fn respond(
    operation: &str,
    uri: &str,
    query: &Query,
) -> Result<Response<Body>, ApiError> {
    let info = wit::info().map_err(lookup_error)?;
    let (page, query_text, params) = match operation {
        "postcode" => {
            let params = os_params(query, OS_MAX_RESULTS)?;
            let postcode = query.text("postcode").ok_or_else(|| {
                ApiError::bad_request(
                    "missing-parameter",
                    "Requested postcode must contain a minimum of the area and district e.g. M31. No postcode was given.",
                )
            })?;
            let page = wit::by_postcode(postcode, &params.options).map_err(lookup_error)?;
            (page, format!("postcode={postcode}"), params)
        }
        "uprn" => {
            let params = os_params(query, OS_MAX_RESULTS)?;
            let text = query.text("uprn").ok_or_else(|| {
                ApiError::bad_request("missing-parameter", "Requested uprn is missing")
            })?;
            let uprn: u64 = text
                .parse()
                .ok()
                .filter(|n| (1..=999_999_999_999).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid-parameter",
                        format!("Requested uprn `{text}` must be 1 to 12 digits"),
                    )
                })?;
            let list = wit::by_uprn(uprn, &params.options).map_err(lookup_error)?;
            let total = list.len() as u32;
            let page = lib::Page {
                total,
                offset: 0,
                results: list
                    .into_iter()
                    .map(|a| lib::AddressMatch {
                        address: a,
                        score: 1.0,
                        distance_m: None,
                    })
                    .collect(),
            };
            (page, format!("uprn={uprn}"), params)
        }
        "find" => {
            let params = os_params(query, OS_MAX_RESULTS)?;
            let text = query.text("query").ok_or_else(|| {
                ApiError::bad_request(
                    "missing-parameter",
                    "Requested query is missing: give query=...",
                )
            })?;
            let min_score = match query.text("minmatch") {
                None => 0.0,
                Some(m) => {
                    let v: f32 = http::parse_number("minmatch", m)?;
                    if !(0.1..=1.0).contains(&v) {
                        return Err(ApiError::bad_request(
                            "invalid-parameter",
                            format!(
                                "Requested minmatch value {v} is invalid. Value must be between 0.1 and 1."
                            ),
                        ));
                    }
                    v
                }
            };
            let precision = match query.text("matchprecision") {
                None => 1,
                Some(m) => {
                    let v: u32 = http::parse_number("matchprecision", m)?;
                    if !(1..=10).contains(&v) {
                        return Err(ApiError::bad_request(
                            "invalid-parameter",
                            format!(
                                "Requested matchprecision value {v} is invalid. Value must be between 1 and 10."
                            ),
                        ));
                    }
                    v
                }
            };
            let mut page = wit::find(text, min_score, &params.options).map_err(lookup_error)?;
            // OS Places' matchprecision: the MATCH score rounded to this many decimals.
            let scale = 10f32.powi(precision.min(6) as i32);
            for m in &mut page.results {
                m.score = (m.score * scale).round() / scale;
            }
            (page, format!("query={text}"), params)
        }
        "autocomplete" => {
            let params = os_params(query, 10)?;
            let text = query.get("query").unwrap_or("");
            let list =
                wit::suggest(text, params.max_results, &params.options).map_err(lookup_error)?;
            let page = lib::Page {
                total: list.len() as u32,
                offset: 0,
                results: list,
            };
            (page, format!("query={text}"), params)
        }
        "nearest" => {
            let params = os_params(query, 1)?;
            let at = parse_point(query)?;
            let radius = match query.text("radius") {
                None => 1000.0,
                Some(r) => http::parse_number("radius", r)?,
            };
            let page = wit::nearest(at, radius, &params.options).map_err(lookup_error)?;
            (
                page,
                format!("point={}", query.text("point").unwrap_or("")),
                params,
            )
        }
        "radius" => {
            let params = os_params(query, OS_MAX_RESULTS)?;
            let at = parse_point(query)?;
            let radius: f64 = http::parse_number(
                "radius",
                query.text("radius").ok_or_else(|| {
                    ApiError::bad_request(
                        "missing-parameter",
                        "Requested radius is missing (0.01 to 1000 m)",
                    )
                })?,
            )?;
            let page = wit::within_radius(at, radius, &params.options).map_err(lookup_error)?;
            (
                page,
                format!(
                    "point={}&radius={radius}",
                    query.text("point").unwrap_or("")
                ),
                params,
            )
        }
        "bbox" => {
            let params = os_params(query, OS_MAX_RESULTS)?;
            let text = query.text("bbox").ok_or_else(|| {
                ApiError::bad_request(
                    "missing-parameter",
                    "Requested bbox is missing: give bbox=minx,miny,maxx,maxy",
                )
            })?;
            let numbers: Vec<f64> = text
                .split(',')
                .map(|n| http::parse_number("bbox", n))
                .collect::<Result<_, _>>()?;
            let [a, b, c, d] = numbers[..] else {
                return Err(ApiError::bad_request(
                    "invalid-parameter",
                    "bbox must be four numbers: minx,miny,maxx,maxy",
                ));
            };
            let corner_a = point_in_srs(query, a, b)?;
            let corner_b = point_in_srs(query, c, d)?;
            let page =
                wit::within_bbox(corner_a, corner_b, &params.options).map_err(lookup_error)?;
            (page, format!("bbox={text}"), params)
        }
        other => {
            return Err(ApiError::not_found(format!(
                "OS Places has no `{other}` endpoint here: postcode, uprn, find, nearest, bbox, radius, autocomplete"
            )));
        }
    };
    let page = finish_page(&params, page);
    if params.geojson {
        return Ok(http::json_as(
            StatusCode::OK,
            "application/geo+json",
            &output::geojson(&page.results),
        )?);
    }
    let request = OsPlacesRequest {
        uri: uri.to_string(),
        query: query_text,
        datasets: params.datasets.clone(),
        max_results: params.max_results,
        epoch: info.epoch,
        last_update: info.built,
        srs: params.srs,
    };
    let mut body = output::os_places_json(&request, &page);
    // EPSG:4258 is answered with WGS84 coordinates, but named as asked.
    body["header"]["output_srs"] = json!(params.srs_name);
    Ok(http::json(StatusCode::OK, &body)?)
}
