//! The `council-api` component: the council capabilities as JSON over HTTP.
//!
//! It exports `wasi:http/incoming-handler` (through `wstd`) and imports
//! `council:address/lookup`, `council:parish/{areas,routing}` and
//! `council:contacts/directory`, which Spin's `[component.council-api.dependencies]`,
//! `council-host serve` or `council-host compose` plug in. It needs no platform
//! interface of its own: the capabilities bring theirs.
//!
//! Routes, by module:
//!
//! - [`places`]: OS Places-compatible `/search/places/v1/{postcode,uprn,find,nearest,bbox,radius}`,
//!   type-ahead `/search/places/v1/autocomplete`, Surrey-compatible `/locate/addresses`,
//!   and plain JSON/GeoJSON under `/api/addresses/...`.
//! - [`mapit`]: MapIt-compatible `/point/{4326|27700}/{x},{y}`, `/postcode/{pc}`,
//!   `/uprn/{uprn}`, `/area/{code}[.geojson]`, `/area/{code}/children`, `/areas/{type}`,
//!   plus `/route` (POST) and `/questions/{category}`.
//! - [`contacts`]: `/contacts/...` bodies and councillors, plain JSON and Open Referral UK.

use serde_json::json;
use wstd::http::{Body, Error, Request, Response, StatusCode};

mod contacts;
mod convert;
mod http;
mod mapit;
mod places;

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "council:services/capabilities",
        generate_all,
    });
}

use http::{ApiError, Query};

// The wasi:http entry point; a client that has gone ends the request quietly.
council_http::serve!(handle);

async fn handle(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    let query = Query::parse(request.uri().query());
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let result = match segments.first().copied() {
        None => index(),
        Some("search") | Some("locate") => places::handle(request, &segments, &query).await,
        Some("api") if segments.get(1) == Some(&"addresses") => {
            places::handle(request, &segments, &query).await
        }
        Some("api") if segments.get(1) == Some(&"health") => health(),
        Some("point") | Some("postcode") | Some("uprn") | Some("area") | Some("areas")
        | Some("route") | Some("questions") => mapit::handle(request, &segments, &query).await,
        Some("contacts") => contacts::handle(request, &segments, &query).await,
        _ => Err(ApiError::not_found(format!(
            "no endpoint at {path}; GET / lists them"
        ))),
    };
    match result {
        Ok(response) => Ok(response),
        Err(e) => e.into_response(),
    }
}

/// `GET /`: what this API offers, with a first request to try.
fn index() -> Result<Response<Body>, ApiError> {
    let body = json!({
        "service": "council-api",
        "description": "Council address lookup, parish routing and contacts, as JSON (OS Places- and MapIt-compatible where noted).",
        "endpoints": {
            "addresses (OS Places)": [
                "/search/places/v1/postcode?postcode=M31 4AN",
                "/search/places/v1/uprn?uprn=...",
                "/search/places/v1/find?query=...",
                "/search/places/v1/nearest?point=x,y",
                "/search/places/v1/bbox?bbox=minx,miny,maxx,maxy",
                "/search/places/v1/radius?point=x,y&radius=100",
                "/search/places/v1/autocomplete?query=12 high st"
            ],
            "addresses (plain JSON and GeoJSON)": [
                "/api/addresses/postcode/M314AN",
                "/api/addresses/postcode/M314AN.geojson",
                "/api/addresses/uprn/{uprn}",
                "/api/addresses/usrn/{usrn}",
                "/api/addresses/find?q=...",
                "/api/addresses/suggest?q=...",
                "/locate/addresses?postcode=M314AN (Surrey-compatible)"
            ],
            "areas (MapIt)": [
                "/point/4326/-2.4178,53.4195",
                "/point/27700/374000,393000",
                "/postcode/M314AN",
                "/uprn/{uprn}",
                "/area/E04000011",
                "/area/E04000011.geojson",
                "/areas/CPC"
            ],
            "routing": ["/questions/speeding-traffic", "POST /route"],
            "contacts": ["/contacts/bodies?gss=E04000011", "/contacts/bodies/E04000011/openreferral"]
        },
        "try": "/postcode/M314AN"
    });
    http::json(StatusCode::OK, &body)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}

/// `GET /api/health`: whether the indexes behind the capabilities can be read.
fn health() -> Result<Response<Body>, ApiError> {
    use bindings::council::address::lookup;
    use bindings::council::parish::{areas, routing};
    let address = lookup::info();
    let parishes = areas::list_areas(&[areas::AreaType::Cpc]);
    let rules = routing::categories();
    let ok = address.is_ok() && parishes.is_ok() && rules.is_ok();
    let body = json!({
        "ok": ok,
        "address-index": match address {
            Ok(info) => json!({"format-version": info.format_version, "epoch": info.epoch, "built": info.built,
                "sources": info.sources, "addresses": info.address_count, "postcodes": info.postcode_count}),
            Err(e) => json!({"error": format!("{e:?}")}),
        },
        "boundary-index": match parishes {
            Ok(list) => json!({"parishes": list.len()}),
            Err(e) => json!({"error": format!("{e:?}")}),
        },
        "routing-rules": match rules {
            Ok(sets) => json!({"categories": sets.iter().map(|s| s.category.clone()).collect::<Vec<_>>()}),
            Err(e) => json!({"error": format!("{e:?}")}),
        },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    http::json(status, &body)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
}
