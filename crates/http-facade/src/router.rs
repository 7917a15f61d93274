//! The router: which module answers a path, `GET /` and `GET /api/health`.
//!
//! Every façade serves the address routes (`places`), the area and routing routes
//! (`mapit`), its index and its health; a component adds routes of its own under a
//! first path segment with an [`Extension`].

use serde_json::{Map, Value, json};
use wstd::http::{Body, Error, Request, Response, StatusCode};

use crate::http::{self, ApiError, Query};
use crate::{mapit, places};

/// One HTTP façade: what it is called and the routes it adds to the shared ones.
#[derive(Debug)]
pub struct Facade {
    /// The component's name, in `GET /` (`council-api`).
    pub service: &'static str,
    /// What it offers, in a sentence, in `GET /`.
    pub description: &'static str,
    /// Routes of the component's own, tried after the shared ones.
    pub extensions: &'static [Extension],
}

/// Routes a component serves under a first path segment of its own
/// (council-api's `/contacts/...`).
#[derive(Debug)]
pub struct Extension {
    /// The first path segment they answer under (`contacts`).
    pub segment: &'static str,
    /// Their heading in `GET /`'s `endpoints`.
    pub heading: &'static str,
    /// Requests to list under the heading.
    pub examples: &'static [&'static str],
    /// Answers a request whose path segments (percent-encoded, as sent) start with
    /// `segment`.
    pub respond: fn(&[&str], &Query) -> Result<Response<Body>, ApiError>,
}

/// The shared routes in `GET /`: a heading and requests to try.
const ENDPOINTS: &[(&str, &[&str])] = &[
    (
        "addresses (OS Places)",
        &[
            "/search/places/v1/postcode?postcode=M31 4AN",
            "/search/places/v1/uprn?uprn=...",
            "/search/places/v1/find?query=...",
            "/search/places/v1/nearest?point=x,y",
            "/search/places/v1/bbox?bbox=minx,miny,maxx,maxy",
            "/search/places/v1/radius?point=x,y&radius=100",
            "/search/places/v1/autocomplete?query=12 high st",
        ],
    ),
    (
        "addresses (plain JSON and GeoJSON)",
        &[
            "/api/addresses/postcode/M314AN",
            "/api/addresses/postcode/M314AN.geojson",
            "/api/addresses/uprn/{uprn}",
            "/api/addresses/usrn/{usrn}",
            "/api/addresses/find?q=...",
            "/api/addresses/suggest?q=...",
            "/locate/addresses?postcode=M314AN (Surrey-compatible)",
        ],
    ),
    (
        "areas (MapIt)",
        &[
            "/point/4326/-2.4178,53.4195",
            "/point/27700/374000,393000",
            "/postcode/M314AN",
            "/uprn/{uprn}",
            "/area/E04000011",
            "/area/E04000011.geojson",
            "/areas/CPC",
        ],
    ),
    ("routing", &["/questions/speeding-traffic", "POST /route"]),
];

/// Which module answers a request.
#[derive(Debug, Clone, Copy)]
enum Route<'f> {
    Index,
    Health,
    Addresses,
    Areas,
    Extension(&'f Extension),
}

impl Facade {
    /// Answers one request; a route's error becomes its JSON error response.
    pub async fn handle(&self, request: Request<Body>) -> Result<Response<Body>, Error> {
        let path = request.uri().path().to_string();
        let query = Query::parse(request.uri().query());
        let segments: Vec<&str> = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let result = match self.route(&segments) {
            Some(Route::Index) => self.index(),
            Some(Route::Health) => health(),
            Some(Route::Addresses) => places::handle(request, &segments, &query).await,
            Some(Route::Areas) => mapit::handle(request, &segments, &query).await,
            Some(Route::Extension(extension)) => (extension.respond)(&segments, &query),
            None => Err(ApiError::not_found(format!(
                "no endpoint at {path}; GET / lists them"
            ))),
        };
        match result {
            Ok(response) => Ok(response),
            Err(e) => e.into_response(),
        }
    }

    /// The module for a path, by its segments.
    fn route(&self, segments: &[&str]) -> Option<Route<'_>> {
        match segments {
            [] => Some(Route::Index),
            ["search" | "locate", ..] | ["api", "addresses", ..] => Some(Route::Addresses),
            ["api", "health", ..] => Some(Route::Health),
            [
                "point" | "postcode" | "uprn" | "area" | "areas" | "route" | "questions",
                ..,
            ] => Some(Route::Areas),
            [first, ..] => self
                .extensions
                .iter()
                .find(|extension| extension.segment == *first)
                .map(Route::Extension),
        }
    }

    /// `GET /`'s body: what this façade offers, with a first request to try.
    fn index_body(&self) -> Value {
        let mut endpoints = Map::new();
        let shared = ENDPOINTS
            .iter()
            .map(|(heading, examples)| (*heading, *examples));
        let own = self.extensions.iter().map(|e| (e.heading, e.examples));
        for (heading, examples) in shared.chain(own) {
            endpoints.insert(heading.to_string(), json!(examples));
        }
        json!({
            "service": self.service,
            "description": self.description,
            "endpoints": endpoints,
            "try": "/postcode/M314AN"
        })
    }

    /// `GET /`.
    fn index(&self) -> Result<Response<Body>, ApiError> {
        Ok(http::json(StatusCode::OK, &self.index_body())?)
    }
}

/// `GET /api/health`: whether the indexes behind the capabilities can be read.
fn health() -> Result<Response<Body>, ApiError> {
    use crate::bindings::council::address::lookup;
    use crate::bindings::council::parish::{areas, routing};
    let address = lookup::info();
    let parishes = areas::list_areas(&[council_areas::AreaType::Cpc]);
    let rules = routing::categories();
    let ok = address.is_ok() && parishes.is_ok() && rules.is_ok();
    let body = json!({
        "ok": ok,
        "address-index": match address {
            Ok(info) => json!({"format-version": info.format_version, "epoch": info.epoch, "built": info.built,
                "sources": info.sources, "addresses": info.address_count, "postcodes": info.postcode_count}),
            Err(e) => json!({"error": crate::lookup_error_text(&e)}),
        },
        "boundary-index": match parishes {
            Ok(list) => json!({"parishes": list.len()}),
            Err(e) => json!({"error": crate::areas_error_text(&e)}),
        },
        "routing-rules": match rules {
            Ok(sets) => json!({"categories": sets.iter().map(|s| s.category.clone()).collect::<Vec<_>>()}),
            Err(e) => json!({"error": crate::routing_error_text(&e)}),
        },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(http::json(status, &body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts(_segments: &[&str], _query: &Query) -> Result<Response<Body>, ApiError> {
        Err(ApiError::not_found("a test extension"))
    }

    const CONTACTS: Extension = Extension {
        segment: "contacts",
        heading: "contacts",
        examples: &["/contacts/bodies?gss=E04000011"],
        respond: contacts,
    };

    static WITH_CONTACTS: Facade = Facade {
        service: "council-api",
        description: "everything",
        extensions: &[CONTACTS],
    };

    static WITHOUT: Facade = Facade {
        service: "places-api",
        description: "addresses and areas",
        extensions: &[],
    };

    /// The module a path goes to, by name.
    fn module(facade: &Facade, segments: &[&str]) -> &'static str {
        match facade.route(segments) {
            Some(Route::Index) => "index",
            Some(Route::Health) => "health",
            Some(Route::Addresses) => "places",
            Some(Route::Areas) => "mapit",
            Some(Route::Extension(e)) if e.segment == "contacts" => "contacts",
            Some(Route::Extension(_)) => "another extension",
            None => "none",
        }
    }

    #[test]
    fn the_shared_routes_go_to_their_modules() {
        for facade in [&WITH_CONTACTS, &WITHOUT] {
            let cases: &[(&[&str], &str)] = &[
                (&[], "index"),
                (&["api", "health"], "health"),
                (&["search", "places", "v1", "postcode"], "places"),
                (&["locate", "addresses"], "places"),
                (&["api", "addresses", "postcode", "M314AN"], "places"),
                (&["point", "4326", "-2.4,53.4"], "mapit"),
                (&["postcode", "M314AN"], "mapit"),
                (&["area", "E04000011", "children"], "mapit"),
                (&["route"], "mapit"),
                (&["questions", "speeding-traffic"], "mapit"),
                (&["api", "nowhere"], "none"),
                (&["nowhere"], "none"),
            ];
            for (segments, expected) in cases {
                assert_eq!(
                    module(facade, segments),
                    *expected,
                    "{} /{}",
                    facade.service,
                    segments.join("/")
                );
            }
        }
    }

    #[test]
    fn an_extension_is_served_only_by_the_facade_that_adds_it() {
        assert_eq!(module(&WITH_CONTACTS, &["contacts", "bodies"]), "contacts");
        assert_eq!(module(&WITHOUT, &["contacts", "bodies"]), "none");
    }

    #[test]
    fn the_index_lists_the_shared_routes_and_the_extensions() {
        let with = WITH_CONTACTS.index_body();
        assert_eq!(with["service"], "council-api");
        assert_eq!(
            with["endpoints"]["contacts"],
            json!(["/contacts/bodies?gss=E04000011"])
        );
        assert_eq!(with["endpoints"]["routing"][1], "POST /route");
        let without = WITHOUT.index_body();
        assert_eq!(without["service"], "places-api");
        assert!(without["endpoints"].get("contacts").is_none());
        assert_eq!(
            without["endpoints"].as_object().unwrap().len(),
            ENDPOINTS.len()
        );
    }
}
