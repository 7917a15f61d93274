//! The HTTP façade over the council capabilities: OS Places-, Surrey- and
//! MapIt-compatible JSON routes, routing questions and decisions, and the [`Facade`]
//! router that the `council-api` and `places-api` components configure and serve.
//!
//! The routes call the imported `council:address/lookup` and
//! `council:parish/{areas,routing}` through [`bindings`], generated here for the
//! `council:services/address-and-areas` world; a component whose world imports more
//! (council-api's contacts; report-speeding, which is no façade) maps these interfaces
//! to [`bindings`] with wit-bindgen's `with`, and a façade adds its own routes as an
//! [`Extension`]. The records of both packages are their core crates' own types
//! (`with:` below): `council:address`'s are `council-address`'s, so the routes hand
//! what the capability returns straight to that crate's output functions, and
//! `council:parish`'s are `council-areas'`.
//!
//! Routes, by module:
//!
//! - `places`: OS Places-compatible `/search/places/v1/{postcode,uprn,find,nearest,bbox,radius}`,
//!   type-ahead `/search/places/v1/autocomplete`, Surrey-compatible `/locate/addresses`,
//!   and plain JSON/GeoJSON under `/api/addresses/...`.
//! - `mapit`: MapIt-compatible `/point/{4326|27700}/{x},{y}`, `/postcode/{pc}`,
//!   `/uprn/{uprn}`, `/area/{code}[.geojson]`, `/area/{code}/children`, `/areas/{type}`,
//!   plus `/route` (POST) and `/questions/{category}`.
//! - `router`: `GET /` (what the façade serves) and `GET /api/health`.

#![deny(missing_docs)]

pub mod http;
mod mapit;
mod places;
mod router;

pub use router::{Extension, Facade};

/// An address lookup error as clients have always seen it in free text (the health
/// check's `error`, council-api's "address index could not be read"): the shape of
/// the `Debug` that wit-bindgen generates for the WIT `error` variant, e.g.
/// `Error::IndexUnavailable("no index")`. `council_address::LookupError`, which the
/// bindings now return, derives a `Debug` without the `Error::` prefix, so the old
/// text is written out here rather than changed under the clients.
pub fn lookup_error_text(e: &council_address::LookupError) -> String {
    use council_address::LookupError as E;
    let (case, message) = match e {
        E::InvalidPostcode(m) => ("InvalidPostcode", m),
        E::InvalidQuery(m) => ("InvalidQuery", m),
        E::OutOfRange(m) => ("OutOfRange", m),
        E::IndexUnavailable(m) => ("IndexUnavailable", m),
        E::Other(m) => ("Other", m),
    };
    generated_debug(case, message)
}

/// A `council:parish/areas` error as the health check's `error` has always given it
/// (see [`lookup_error_text`]): `Error::IndexUnavailable("...")`.
pub(crate) fn areas_error_text(e: &council_areas::IndexError) -> String {
    use council_areas::IndexError as E;
    let (case, message) = match e {
        E::InvalidPoint(m) => ("InvalidPoint", m),
        E::IndexUnavailable(m) => ("IndexUnavailable", m),
        E::Other(m) => ("Other", m),
    };
    generated_debug(case, message)
}

/// A `council:parish/routing` error as the health check's `error` has always given it
/// (see [`lookup_error_text`]): `Error::RulesUnavailable("...")`.
pub(crate) fn routing_error_text(e: &council_areas::RouteError) -> String {
    use council_areas::RouteError as E;
    let (case, message) = match e {
        E::UnknownCategory(m) => ("UnknownCategory", m),
        E::InvalidAnswers(m) => ("InvalidAnswers", m),
        E::MissingArea(m) => ("MissingArea", m),
        E::RulesUnavailable(m) => ("RulesUnavailable", m),
        E::Other(m) => ("Other", m),
    };
    generated_debug(case, message)
}

/// wit-bindgen 0.57's generated `Debug` of a WIT `error` variant case with a string
/// payload: `f.debug_tuple("Error::{Case}").field(message)`.
fn generated_debug(case: &str, message: &str) -> String {
    format!("Error::{case}({message:?})")
}

/// The imports every façade makes, generated from the
/// `council:services/address-and-areas` world (wit/world.wit).
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "council:services/address-and-areas",
        // council:address's records are council-address's own types, which its
        // output functions (OS Places, GeoJSON, Surrey) render: nothing to convert.
        // The enums' case order is checked against the WIT where they are exported
        // (address-lookup's `same_cases!`); wit-bindgen lifts them with their `_lift`.
        with: {
            "council:address/lookup@0.2.0/bng-point": council_address::BngPoint,
            "council:address/lookup@0.2.0/wgs84-point": council_address::Wgs84Point,
            "council:address/lookup@0.2.0/point": council_address::Point,
            "council:address/lookup@0.2.0/location": council_address::Location,
            "council:address/lookup@0.2.0/dataset": council_address::Dataset,
            "council:address/lookup@0.2.0/addressable-object": council_address::AddressableObject,
            "council:address/lookup@0.2.0/postal-address": council_address::PostalAddress,
            "council:address/lookup@0.2.0/gazetteer-address": council_address::GazetteerAddress,
            "council:address/lookup@0.2.0/address-view": council_address::AddressView,
            "council:address/lookup@0.2.0/address": council_address::Address,
            "council:address/lookup@0.2.0/address-match": council_address::AddressMatch,
            "council:address/lookup@0.2.0/page": council_address::Page,
            "council:address/lookup@0.2.0/classification-set": council_address::ClassificationSet,
            "council:address/lookup@0.2.0/classification-filter": council_address::ClassificationFilter,
            "council:address/lookup@0.2.0/sort-order": council_address::SortOrder,
            "council:address/lookup@0.2.0/query-options": council_address::QueryOptions,
            "council:address/lookup@0.2.0/postcode-unit": council_address::PostcodeUnit,
            "council:address/lookup@0.2.0/index-info": council_address::IndexInfo,
            "council:address/lookup@0.2.0/error": council_address::LookupError,
            // council:parish's records are council-areas' own types, bound with the
            // same list as parish-routing, which exports them (and checks the enums'
            // case order with `same_cases!`).
            "council:parish/areas@0.1.0/bng-point": council_bng::Bng,
            "council:parish/areas@0.1.0/wgs84-point": council_areas::Wgs84Point,
            "council:parish/areas@0.1.0/point": council_areas::Point,
            "council:parish/areas@0.1.0/area-type": council_areas::AreaType,
            "council:parish/areas@0.1.0/area": council_areas::Area,
            "council:parish/areas@0.1.0/area-details": council_areas::AreaDetails,
            "council:parish/areas@0.1.0/error": council_areas::IndexError,
            "council:parish/routing@0.1.0/answer-option": council_areas::AnswerOption,
            "council:parish/routing@0.1.0/question": council_areas::Question,
            "council:parish/routing@0.1.0/question-set": council_areas::QuestionSet,
            "council:parish/routing@0.1.0/answer": council_areas::Answer,
            "council:parish/routing@0.1.0/route-request": council_areas::RouteRequest,
            "council:parish/routing@0.1.0/body-tier": council_areas::BodyTier,
            "council:parish/routing@0.1.0/decision": council_areas::Decision,
            "council:parish/routing@0.1.0/error": council_areas::RouteError,
        },
        generate_all,
    });
}

#[cfg(test)]
mod tests {
    use council_address::LookupError;

    use super::lookup_error_text;

    /// The text wit-bindgen 0.57's generated `Debug` gave for the bindings' own
    /// `Error` (`f.debug_tuple("Error::{Case}").field(e)`), which clients saw.
    #[test]
    fn lookup_errors_read_as_the_generated_debug_did() {
        assert_eq!(
            lookup_error_text(&LookupError::IndexUnavailable(
                "no index at \"/data/address.idx\"".into()
            )),
            r#"Error::IndexUnavailable("no index at \"/data/address.idx\"")"#
        );
        assert_eq!(
            lookup_error_text(&LookupError::InvalidPostcode("M31".into())),
            r#"Error::InvalidPostcode("M31")"#
        );
        assert_eq!(
            lookup_error_text(&LookupError::InvalidQuery("q".into())),
            r#"Error::InvalidQuery("q")"#
        );
        assert_eq!(
            lookup_error_text(&LookupError::OutOfRange("far".into())),
            r#"Error::OutOfRange("far")"#
        );
        assert_eq!(
            lookup_error_text(&LookupError::Other("broken".into())),
            r#"Error::Other("broken")"#
        );
    }

    #[test]
    fn parish_errors_read_as_the_generated_debug_did() {
        use council_areas::{IndexError, RouteError};

        use super::{areas_error_text, routing_error_text};

        assert_eq!(
            areas_error_text(&IndexError::IndexUnavailable("no \"areas.idx\"".into())),
            r#"Error::IndexUnavailable("no \"areas.idx\"")"#
        );
        assert_eq!(
            areas_error_text(&IndexError::InvalidPoint("NaN".into())),
            r#"Error::InvalidPoint("NaN")"#
        );
        assert_eq!(
            areas_error_text(&IndexError::Other("broken".into())),
            r#"Error::Other("broken")"#
        );
        assert_eq!(
            routing_error_text(&RouteError::RulesUnavailable("bad.toml:3".into())),
            r#"Error::RulesUnavailable("bad.toml:3")"#
        );
        assert_eq!(
            routing_error_text(&RouteError::UnknownCategory("x".into())),
            r#"Error::UnknownCategory("x")"#
        );
        assert_eq!(
            routing_error_text(&RouteError::InvalidAnswers("a".into())),
            r#"Error::InvalidAnswers("a")"#
        );
        assert_eq!(
            routing_error_text(&RouteError::MissingArea("m".into())),
            r#"Error::MissingArea("m")"#
        );
        assert_eq!(
            routing_error_text(&RouteError::Other("o".into())),
            r#"Error::Other("o")"#
        );
    }
}
