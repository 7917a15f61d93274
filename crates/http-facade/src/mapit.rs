//! Area and routing routes over `council:parish`, composed with `council:address` for
//! postcodes and UPRNs.
//!
//! The MapIt-compatible routes answer in MapIt's shapes (mysociety/mapit, `mapit/views`):
//! an object keyed by area id, each `{id, name, type, type_name, country, country_name,
//! parent_area, generation_low, generation_high, codes: {gss}, all_names}`; `/postcode`
//! adds the position and `shortcuts` (`council`, `ward`; split into `county` and
//! `district` in two-tier areas); errors are `{"code": 400, "error": "..."}`.
//!
//! The records are council-areas' own types, which the bindings lift and lower
//! directly (`crate::bindings`).
//!
//! MapIt's ids are its database's integers. Ours are derived from the GSS code so
//! that they are stable and reversible: the code's letter's alphabet position times
//! 10^8 plus its eight digits (`E04000011` → 504000011). `/area/{x}` accepts either.

use council_areas::{
    Answer, Area, AreaType, IndexError, Point, QuestionSet, RouteError, RouteRequest, Wgs84Point,
};
use council_bng::Bng;
use serde_json::{Map, Value, json};
use wstd::http::{Body, Request, Response, StatusCode};

use crate::bindings::council::address::lookup;
use crate::bindings::council::parish::areas;
use crate::bindings::council::parish::routing;
use crate::http::{self, ApiError, Query};

pub async fn handle(
    request: Request<Body>,
    segments: &[&str],
    query: &Query,
) -> Result<Response<Body>, ApiError> {
    let result = match segments {
        ["point", srid, coordinates] => point(srid, coordinates, query),
        ["postcode", postcode] => by_postcode(&http::decode_segment(strip_json(postcode)), query),
        ["uprn", uprn] => by_uprn(strip_json(uprn), query),
        ["area", code] => area(code),
        ["area", code, "children"] => children(code, query),
        ["areas", types] => list(strip_json(types)),
        ["questions"] => all_questions(),
        ["questions", category] => questions(strip_json(category)),
        ["route"] => route(request).await,
        _ => Err(ApiError::not_found(
            "no such area endpoint; GET / lists them",
        )),
    };
    // MapIt's error shape for the MapIt routes; ours for /route and /questions.
    match (result, segments.first()) {
        (Err(e), Some(&"route")) | (Err(e), Some(&"questions")) => Err(e),
        (Err(e), _) => Ok(http::json(
            e.status,
            &json!({"code": e.status.as_u16(), "error": e.message}),
        )?),
        (Ok(response), _) => Ok(response),
    }
}

fn strip_json(text: &str) -> &str {
    text.strip_suffix(".json").unwrap_or(text)
}

fn areas_error(e: IndexError) -> ApiError {
    match e {
        IndexError::InvalidPoint(m) => ApiError::bad_request("invalid-point", m),
        IndexError::IndexUnavailable(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "index-unavailable", m)
        }
        IndexError::Other(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
    }
}

fn lookup_error(e: council_address::LookupError) -> ApiError {
    match e {
        council_address::LookupError::InvalidPostcode(m) => {
            ApiError::bad_request("invalid-postcode", m)
        }
        council_address::LookupError::InvalidQuery(m)
        | council_address::LookupError::OutOfRange(m) => ApiError::bad_request("invalid-query", m),
        council_address::LookupError::IndexUnavailable(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "index-unavailable", m)
        }
        council_address::LookupError::Other(m) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
        }
    }
}

fn routing_error(e: RouteError) -> ApiError {
    match e {
        RouteError::UnknownCategory(m) => ApiError::not_found(format!("no report category {m}")),
        RouteError::InvalidAnswers(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-answers", m)
        }
        RouteError::MissingArea(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "missing-area", m)
        }
        RouteError::RulesUnavailable(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "rules-unavailable", m)
        }
        RouteError::Other(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
    }
}

// ---- area types and ids ----

/// MapIt's `type_name` for each area type (its `type` is [`AreaType::code`]).
fn type_name(t: AreaType) -> &'static str {
    match t {
        AreaType::Cpc => "Civil parish/community",
        AreaType::Cpw => "Civil parish/community ward",
        AreaType::Ncp => "Non-parished area",
        AreaType::Dis => "District council",
        AreaType::Diw => "District council ward",
        AreaType::Cty => "County council",
        AreaType::Ced => "County council electoral division",
        AreaType::Uta => "Unitary authority",
        AreaType::Utw => "Unitary authority ward",
        AreaType::Mtd => "Metropolitan district",
        AreaType::Mtw => "Metropolitan district ward",
        AreaType::Lbo => "London borough",
        AreaType::Lbw => "London borough ward",
        AreaType::Coi => "Isles of Scilly",
        AreaType::Lgd => "NI council",
        AreaType::Wmc => "UK Parliament constituency",
    }
}

/// A comma-separated list of MapIt type codes, in any case (`CPC,dis`).
fn parse_types(text: &str) -> Result<Vec<AreaType>, ApiError> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<AreaType>().map_err(|_| {
                ApiError::bad_request(
                    "invalid-type",
                    format!("`{t}` is not an area type (CPC, DIS, MTD, ...)"),
                )
            })
        })
        .collect()
}

/// `E04000011` → 504000011; other codes get a stable hash above that range.
fn mapit_id(code: &str) -> u64 {
    let bytes = code.as_bytes();
    if bytes.len() == 9
        && bytes[0].is_ascii_uppercase()
        && bytes[1..].iter().all(u8::is_ascii_digit)
    {
        let letter = u64::from(bytes[0] - b'A' + 1);
        let digits: u64 = code[1..].parse().unwrap_or(0);
        return letter * 100_000_000 + digits;
    }
    // FNV-1a, kept above every GSS-derived id.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    3_000_000_000 + hash % 1_000_000_000
}

/// The GSS code for `/area/{x}`: a code as given, or the code behind a numeric id.
fn code_from_path(text: &str) -> String {
    if let Ok(id) = text.parse::<u64>()
        && (100_000_000..2_700_000_000).contains(&id)
    {
        let letter = (b'A' + (id / 100_000_000) as u8 - 1) as char;
        return format!("{letter}{:08}", id % 100_000_000);
    }
    text.to_ascii_uppercase()
}

fn country_name(country: &str) -> &'static str {
    match country {
        "E" => "England",
        "W" => "Wales",
        "S" => "Scotland",
        "N" => "Northern Ireland",
        _ => "",
    }
}

fn area_json(area: &Area, generation: Option<&str>) -> Value {
    let mut codes = Map::new();
    codes.insert("gss".into(), json!(area.code));
    let mut body = json!({
        "id": mapit_id(&area.code),
        "name": area.name,
        "type": area.area_type.code(),
        "type_name": type_name(area.area_type),
        "country": area.country,
        "country_name": country_name(&area.country),
        "parent_area": area.parent_code.as_deref().map(mapit_id),
        "generation_low": 1,
        "generation_high": 1,
        "codes": codes,
        "all_names": {},
    });
    // Our extension to MapIt's shape: the boundary set's label (e.g. "ONS December
    // 2023"), given on single-area answers only, never as a null.
    if let Some(generation) = generation {
        body["generation"] = json!(generation);
    }
    body
}

fn areas_object(list: &[Area]) -> Value {
    let mut object = Map::new();
    for area in list {
        object.insert(mapit_id(&area.code).to_string(), area_json(area, None));
    }
    Value::Object(object)
}

// ---- routes ----

fn point(srid: &str, coordinates: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let coordinates = strip_json(coordinates);
    let (x, y) = http::parse_pair("coordinates", coordinates)?;
    let at = match srid {
        "4326" => Point::Wgs84(Wgs84Point {
            longitude: x,
            latitude: y,
        }),
        "27700" => Point::Bng(Bng::new(x, y)),
        other => {
            return Err(ApiError::bad_request(
                "invalid-srid",
                format!(
                    "SRID {other} is not supported: use 4326 (lon,lat) or 27700 (easting,northing)"
                ),
            ));
        }
    };
    let types = parse_types(query.text("type").unwrap_or(""))?;
    let found = areas::areas_at(at, &types).map_err(areas_error)?;
    Ok(http::json(StatusCode::OK, &areas_object(&found))?)
}

/// The MapIt `/postcode` body for a position.
fn located(
    postcode: Option<&str>,
    location: &council_address::Location,
    query: &Query,
) -> Result<Value, ApiError> {
    let types = parse_types(query.text("type").unwrap_or(""))?;
    let at = Point::Wgs84(Wgs84Point {
        longitude: location.wgs84.longitude,
        latitude: location.wgs84.latitude,
    });
    let found = areas::areas_at(at, &types).map_err(areas_error)?;
    Ok(json!({
        "postcode": postcode,
        "wgs84_lat": location.wgs84.latitude,
        "wgs84_lon": location.wgs84.longitude,
        // MapIt gives no easting/northing where there is none (outside the OSTN15 grid).
        "easting": location.bng.map(|b| b.easting.round()),
        "northing": location.bng.map(|b| b.northing.round()),
        "coordsyst": "G",
        "areas": areas_object(&found),
        "shortcuts": shortcuts(&found),
    }))
}

/// MapIt's `shortcuts`: the council and ward ids, split by tier in two-tier areas.
fn shortcuts(found: &[Area]) -> Value {
    use AreaType as T;
    let id_of = |types: &[T]| {
        found
            .iter()
            .find(|a| types.contains(&a.area_type))
            .map(|a| mapit_id(&a.code))
    };
    let county = id_of(&[T::Cty]);
    let district = id_of(&[T::Dis]);
    if let (Some(county), Some(district)) = (county, district) {
        return json!({
            "council": {"county": county, "district": district},
            "ward": {"county": id_of(&[T::Ced]), "district": id_of(&[T::Diw])},
        });
    }
    json!({
        "council": id_of(&[T::Uta, T::Mtd, T::Lbo, T::Coi, T::Lgd, T::Dis, T::Cty]),
        "ward": id_of(&[T::Utw, T::Mtw, T::Lbw, T::Diw, T::Ced]),
    })
}

fn by_postcode(postcode: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let unit = lookup::postcode(postcode)
        .map_err(lookup_error)?
        .ok_or_else(|| ApiError::not_found(format!("Postcode '{postcode}' not found")))?;
    let body = located(Some(&unit.postcode), &unit.location, query)?;
    Ok(http::json(StatusCode::OK, &body)?)
}

fn by_uprn(uprn: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let number: u64 = http::parse_number("uprn", uprn)?;
    let options = council_address::QueryOptions {
        datasets: vec![council_address::Dataset::Dpa, council_address::Dataset::Lpi],
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: 0,
        sort: council_address::SortOrder::AddressOrder,
    };
    let addresses = lookup::by_uprn(number, &options).map_err(lookup_error)?;
    let Some(address) = addresses.first() else {
        return Err(ApiError::not_found(format!("UPRN {number} not found")));
    };
    let mut body = located(address.postcode.as_deref(), &address.location, query)?;
    body["uprn"] = json!(number.to_string());
    body["address"] = json!(address.single_line);
    Ok(http::json(StatusCode::OK, &body)?)
}

fn area(code_text: &str) -> Result<Response<Body>, ApiError> {
    if let Some(code) = code_text.strip_suffix(".geojson") {
        let code = code_from_path(code);
        let polygons = areas::geometry(&code)
            .map_err(areas_error)?
            .ok_or_else(|| ApiError::not_found(format!("No area found with code {code}")))?;
        let coordinates: Vec<Value> = polygons
            .iter()
            .map(|rings| {
                Value::Array(
                    rings
                        .iter()
                        .map(|ring| {
                            Value::Array(
                                ring.iter()
                                    .map(|p| json!([p.longitude, p.latitude]))
                                    .collect(),
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        let geometry = if coordinates.len() == 1 {
            json!({"type": "Polygon", "coordinates": coordinates[0]})
        } else {
            json!({"type": "MultiPolygon", "coordinates": coordinates})
        };
        return Ok(http::json_as(
            StatusCode::OK,
            "application/geo+json",
            &geometry,
        )?);
    }
    let code = code_from_path(strip_json(code_text));
    let details = areas::area_by_code(&code)
        .map_err(areas_error)?
        .ok_or_else(|| ApiError::not_found(format!("No area found with code {code}")))?;
    let mut body = area_json(&details.area, Some(&details.generation));
    body["bbox"] = json!([
        details.min.longitude,
        details.min.latitude,
        details.max.longitude,
        details.max.latitude
    ]);
    body["polygon_count"] = json!(details.polygon_count);
    body["vertex_count"] = json!(details.vertex_count);
    body["children"] = json!(details.children);
    Ok(http::json(StatusCode::OK, &body)?)
}

fn children(code_text: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let code = code_from_path(code_text);
    let details = areas::area_by_code(&code)
        .map_err(areas_error)?
        .ok_or_else(|| ApiError::not_found(format!("No area found with code {code}")))?;
    let types = parse_types(query.text("type").unwrap_or(""))?;
    let all = areas::list_areas(&types).map_err(areas_error)?;
    let kids: Vec<Area> = all
        .into_iter()
        .filter(|a| details.children.contains(&a.code))
        .collect();
    Ok(http::json(StatusCode::OK, &areas_object(&kids))?)
}

fn list(types: &str) -> Result<Response<Body>, ApiError> {
    let types = parse_types(types)?;
    if types.is_empty() {
        return Err(ApiError::bad_request(
            "invalid-type",
            "give one or more area types, e.g. /areas/CPC",
        ));
    }
    let found = areas::list_areas(&types).map_err(areas_error)?;
    Ok(http::json(StatusCode::OK, &areas_object(&found))?)
}

// ---- routing ----

fn question_set_json(set: &QuestionSet) -> Value {
    json!({
        "category": set.category,
        "title": set.title,
        "questions": set.questions.iter().map(|q| json!({
            "id": q.id,
            "text": q.text,
            "hint": q.hint,
            "options": q.options.iter().map(|o| json!({"value": o.value, "label": o.label, "hint": o.hint})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn all_questions() -> Result<Response<Body>, ApiError> {
    let sets = routing::categories().map_err(routing_error)?;
    Ok(http::json(
        StatusCode::OK,
        &json!({"categories": sets.iter().map(question_set_json).collect::<Vec<_>>()}),
    )?)
}

fn questions(category: &str) -> Result<Response<Body>, ApiError> {
    let set = routing::questions(category)
        .map_err(routing_error)?
        .ok_or_else(|| ApiError::not_found(format!("no report category `{category}`")))?;
    Ok(http::json(StatusCode::OK, &question_set_json(&set))?)
}

/// `POST /route` with a JSON body:
/// `{"category": "speeding-traffic", "answers": {"speed-limit": "yes", ...},
///   "location": {"postcode": "M31 4AN"} | {"uprn": 123} | {"lon": .., "lat": ..} | {"easting": .., "northing": ..}}`.
async fn route(mut request: Request<Body>) -> Result<Response<Body>, ApiError> {
    if request.method() != wstd::http::Method::POST {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "POST a JSON body to /route",
        ));
    }
    let body = read_body(&mut request).await?;
    let parsed: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
    })?;
    let category = parsed["category"]
        .as_str()
        .ok_or_else(|| {
            ApiError::bad_request("invalid-request", "`category` (a string) is required")
        })?
        .to_string();
    let answers = parse_answers(&parsed["answers"])?;
    let location = &parsed["location"];
    let (point, described) = locate(location)?;
    let found = areas::areas_at(point, &[]).map_err(areas_error)?;
    if found.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside-area",
            format!("{described} is outside every area this council's boundaries cover"),
        ));
    }
    let decision = routing::route(&RouteRequest {
        category,
        answers,
        areas: found.clone(),
    })
    .map_err(routing_error)?;
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "decision": {
                "tier": decision.tier.as_str(),
                "area": decision.area.as_ref().map(|a| area_json(a, None)),
                "rule_id": decision.rule_id,
                "reason": decision.reason,
            },
            "location": described,
            "areas": areas_object(&found),
        }),
    )?)
}

async fn read_body(request: &mut Request<Body>) -> Result<Vec<u8>, ApiError> {
    let bytes = request.body_mut().contents().await.map_err(|e| {
        ApiError::bad_request(
            "unreadable-body",
            format!("the request body could not be read: {e}"),
        )
    })?;
    if bytes.len() > http::MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!(
                "the body is {} bytes; at most {} are accepted",
                bytes.len(),
                http::MAX_BODY_BYTES
            ),
        ));
    }
    Ok(bytes.to_vec())
}

fn parse_answers(value: &Value) -> Result<Vec<Answer>, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid-request",
            "`answers` must be an object of question id → answer value",
        )
    };
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(id, v)| {
                Ok(Answer {
                    question_id: id.clone(),
                    value: v.as_str().ok_or_else(bad)?.to_string(),
                })
            })
            .collect(),
        _ => Err(bad()),
    }
}

/// Where a report is: a point, or a postcode or UPRN looked up through `council:address`.
fn locate(location: &Value) -> Result<(Point, String), ApiError> {
    let number = |key: &str| location[key].as_f64();
    if let Some(postcode) = location["postcode"].as_str() {
        let unit = lookup::postcode(postcode)
            .map_err(lookup_error)?
            .ok_or_else(|| ApiError::not_found(format!("postcode {postcode} is not known")))?;
        return Ok((
            Point::Wgs84(Wgs84Point {
                longitude: unit.location.wgs84.longitude,
                latitude: unit.location.wgs84.latitude,
            }),
            format!("postcode {}", unit.postcode),
        ));
    }
    if let Some(uprn) = location["uprn"]
        .as_u64()
        .or_else(|| location["uprn"].as_str().and_then(|s| s.parse().ok()))
    {
        let options = council_address::QueryOptions {
            datasets: vec![council_address::Dataset::Dpa, council_address::Dataset::Lpi],
            classification: Vec::new(),
            include_historical: false,
            offset: 0,
            max_results: 0,
            sort: council_address::SortOrder::AddressOrder,
        };
        let found = lookup::by_uprn(uprn, &options).map_err(lookup_error)?;
        let address = found
            .first()
            .ok_or_else(|| ApiError::not_found(format!("UPRN {uprn} is not known")))?;
        return Ok((
            Point::Wgs84(Wgs84Point {
                longitude: address.location.wgs84.longitude,
                latitude: address.location.wgs84.latitude,
            }),
            format!("UPRN {uprn}"),
        ));
    }
    if let (Some(lon), Some(lat)) = (number("lon"), number("lat")) {
        return Ok((
            Point::Wgs84(Wgs84Point {
                longitude: lon,
                latitude: lat,
            }),
            format!("{lon},{lat}"),
        ));
    }
    if let (Some(e), Some(n)) = (number("easting"), number("northing")) {
        return Ok((Point::Bng(Bng::new(e, n)), format!("{e},{n} (BNG)")));
    }
    Err(ApiError::bad_request(
        "invalid-request",
        "`location` must have a postcode, a uprn, lon and lat, or easting and northing",
    ))
}
