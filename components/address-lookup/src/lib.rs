//! The address-lookup capability component: exports `council:address/lookup@0.2.0`,
//! answering from the council's address index in the read-only data mount.
//!
//! All logic lives in `council-address`; this crate binds it to the WIT world and does
//! the two things only a component can: find its files (`ADDRESS_INDEX`, default
//! `/data/address.idx`; `OSTN15_GRID`, default `/data/ostn15.grid`) and convert the
//! records. The index is opened once per instance — Spin makes one instance per
//! request — and every query then reads only the few pages it needs.

use std::fs::File;

use council_address as lib;
use council_bng::{FileGrid, LonLat};
use council_capability::{DataFile, OpenError, OpenOnce, data_path, open_data_file};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/address",
        world: "council:address/address-lookup",
    });
    /// The component's export.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::address::lookup as wit;

thread_local! {
    static INDEX: OpenOnce<lib::AddressIndex<DataFile>> = const { OpenOnce::new() };
    static GRID: OpenOnce<FileGrid<File>> = const { OpenOnce::new() };
}

/// A file that cannot be opened makes the capability unavailable.
fn unavailable(e: &OpenError) -> wit::Error {
    wit::Error::IndexUnavailable(e.to_string())
}

/// Runs `f` with the instance's index, opening it on first use.
fn with_index<T>(
    f: impl FnOnce(&lib::AddressIndex<DataFile>) -> Result<T, wit::Error>,
) -> Result<T, wit::Error> {
    INDEX.with(|once| {
        let index = once
            .get_or_open(|| {
                let path = data_path("ADDRESS_INDEX", "/data/address.idx");
                let file = open_data_file("address index", &path)?;
                lib::AddressIndex::open_named(file, &path).map_err(OpenError::refused)
            })
            .map_err(unavailable)?;
        f(index)
    })
}

/// A query point as the index searches it: on the British National Grid, or in
/// WGS84 with its BNG equivalent where OSTN15 gives one (`None` outside the grid:
/// the Channel Islands, Northern Ireland, where positions are kept in WGS84).
enum QueryPoint {
    Bng(lib::BngPoint),
    Wgs84(lib::Wgs84Point, Option<lib::BngPoint>),
}

/// Converts a WGS84 query point to British National Grid with OSTN15, where it can be.
fn query_point(point: wit::Point) -> Result<QueryPoint, wit::Error> {
    match point {
        wit::Point::Bng(p) => Ok(QueryPoint::Bng(lib::BngPoint {
            easting: p.easting,
            northing: p.northing,
        })),
        wit::Point::Wgs84(p) => GRID.with(|once| {
            let grid = once
                .get_or_open(council_capability::open_ostn15_grid)
                .map_err(unavailable)?;
            let wgs84 = lib::Wgs84Point {
                longitude: p.longitude,
                latitude: p.latitude,
            };
            let bng = match council_bng::to_bng(LonLat::new(p.longitude, p.latitude), grid) {
                Ok(b) => Some(lib::BngPoint {
                    easting: b.easting,
                    northing: b.northing,
                }),
                Err(
                    council_bng::ConvertError::OutsideGrid { .. }
                    | council_bng::ConvertError::OutsideArea { .. },
                ) => None,
                Err(e) => return Err(wit::Error::OutOfRange(e.to_string())),
            };
            Ok(QueryPoint::Wgs84(wgs84, bng))
        }),
    }
}

impl wit::Guest for Component {
    fn info() -> Result<wit::IndexInfo, wit::Error> {
        with_index(|index| {
            let info = index.info().map_err(error)?;
            Ok(wit::IndexInfo {
                format_version: info.format_version,
                epoch: info.epoch,
                built: info.built,
                sources: info.sources,
                address_count: info.address_count,
                postcode_count: info.postcode_count,
            })
        })
    }

    fn by_postcode(postcode: String, options: wit::QueryOptions) -> Result<wit::Page, wit::Error> {
        let options = query_options(options);
        with_index(|index| {
            index
                .by_postcode(&postcode, &options)
                .map(page)
                .map_err(error)
        })
    }

    fn by_uprn(uprn: u64, options: wit::QueryOptions) -> Result<Vec<wit::Address>, wit::Error> {
        let options = query_options(options);
        with_index(|index| {
            index
                .by_uprn(uprn, &options)
                .map(|list| list.into_iter().map(address).collect())
                .map_err(error)
        })
    }

    fn by_usrn(usrn: u64, options: wit::QueryOptions) -> Result<wit::Page, wit::Error> {
        let options = query_options(options);
        with_index(|index| index.by_usrn(usrn, &options).map(page).map_err(error))
    }

    fn find(
        text: String,
        min_score: f32,
        options: wit::QueryOptions,
    ) -> Result<wit::Page, wit::Error> {
        let options = query_options(options);
        with_index(|index| {
            index
                .find(&text, min_score, &options)
                .map(page)
                .map_err(error)
        })
    }

    fn suggest(
        text: String,
        limit: u32,
        options: wit::QueryOptions,
    ) -> Result<Vec<wit::AddressMatch>, wit::Error> {
        let options = query_options(options);
        with_index(|index| {
            index
                .suggest(&text, limit, &options)
                .map(|list| list.into_iter().map(address_match).collect())
                .map_err(error)
        })
    }

    fn nearest(
        at: wit::Point,
        max_distance_m: f64,
        options: wit::QueryOptions,
    ) -> Result<wit::Page, wit::Error> {
        let at = query_point(at)?;
        let options = query_options(options);
        with_index(|index| {
            match at {
                QueryPoint::Bng(p) => index.nearest(p, max_distance_m, &options),
                QueryPoint::Wgs84(p, bng) => index.nearest_wgs84(p, bng, max_distance_m, &options),
            }
            .map(page)
            .map_err(error)
        })
    }

    fn within_radius(
        at: wit::Point,
        radius_m: f64,
        options: wit::QueryOptions,
    ) -> Result<wit::Page, wit::Error> {
        let at = query_point(at)?;
        let options = query_options(options);
        with_index(|index| {
            match at {
                QueryPoint::Bng(p) => index.within_radius(p, radius_m, &options),
                QueryPoint::Wgs84(p, bng) => index.within_radius_wgs84(p, bng, radius_m, &options),
            }
            .map(page)
            .map_err(error)
        })
    }

    fn within_bbox(
        corner_a: wit::Point,
        corner_b: wit::Point,
        options: wit::QueryOptions,
    ) -> Result<wit::Page, wit::Error> {
        let (a, b) = (query_point(corner_a)?, query_point(corner_b)?);
        let options = query_options(options);
        with_index(|index| {
            match (a, b) {
                (QueryPoint::Bng(a), QueryPoint::Bng(b)) => index.within_bbox(a, b, &options),
                (QueryPoint::Wgs84(a, ba), QueryPoint::Wgs84(b, bb)) => {
                    index.within_bbox_wgs84(a, b, ba.zip(bb), &options)
                }
                _ => Err(lib::LookupError::InvalidQuery(
                    "the two corners of a bounding box must be in the same coordinate system"
                        .into(),
                )),
            }
            .map(page)
            .map_err(error)
        })
    }

    fn postcode(postcode: String) -> Result<Option<wit::PostcodeUnit>, wit::Error> {
        with_index(|index| {
            index.postcode(&postcode).map_err(error).map(|unit| {
                unit.map(|u| wit::PostcodeUnit {
                    postcode: u.postcode,
                    location: location(u.location),
                    positional_quality: u.positional_quality,
                    district_code: u.district_code,
                    ward_code: u.ward_code,
                    county_code: u.county_code,
                    country_code: u.country_code,
                    address_count: u.address_count,
                })
            })
        })
    }
}

// ---- conversions between the crate's records and the generated WIT records ----

fn error(e: lib::LookupError) -> wit::Error {
    match e {
        lib::LookupError::InvalidPostcode(m) => wit::Error::InvalidPostcode(m),
        lib::LookupError::InvalidQuery(m) => wit::Error::InvalidQuery(m),
        lib::LookupError::OutOfRange(m) => wit::Error::OutOfRange(m),
        lib::LookupError::IndexUnavailable(m) => wit::Error::IndexUnavailable(m),
        lib::LookupError::Other(m) => wit::Error::Other(m),
    }
}

fn query_options(o: wit::QueryOptions) -> lib::QueryOptions {
    lib::QueryOptions {
        datasets: o
            .datasets
            .into_iter()
            .map(|d| match d {
                wit::Dataset::Dpa => lib::Dataset::Dpa,
                wit::Dataset::Lpi => lib::Dataset::Lpi,
            })
            .collect(),
        classification: o
            .classification
            .into_iter()
            .map(|c| match c {
                wit::ClassificationFilter::Named(set) => {
                    lib::ClassificationFilter::Named(match set {
                        wit::ClassificationSet::Residential => lib::ClassificationSet::Residential,
                        wit::ClassificationSet::Commercial => lib::ClassificationSet::Commercial,
                        wit::ClassificationSet::ResidentialAndCommercial => {
                            lib::ClassificationSet::ResidentialAndCommercial
                        }
                        wit::ClassificationSet::Electoral => lib::ClassificationSet::Electoral,
                    })
                }
                wit::ClassificationFilter::CodePrefix(p) => {
                    lib::ClassificationFilter::CodePrefix(p)
                }
            })
            .collect(),
        include_historical: o.include_historical,
        offset: o.offset,
        max_results: o.max_results,
        sort: match o.sort {
            wit::SortOrder::AddressOrder => lib::SortOrder::AddressOrder,
            wit::SortOrder::Uprn => lib::SortOrder::Uprn,
        },
    }
}

fn page(p: lib::Page) -> wit::Page {
    wit::Page {
        total: p.total,
        offset: p.offset,
        results: p.results.into_iter().map(address_match).collect(),
    }
}

fn address_match(m: lib::AddressMatch) -> wit::AddressMatch {
    wit::AddressMatch {
        address: address(m.address),
        score: m.score,
        distance_m: m.distance_m,
    }
}

fn location(l: lib::Location) -> wit::Location {
    wit::Location {
        bng: l.bng.map(|b| wit::BngPoint {
            easting: b.easting,
            northing: b.northing,
        }),
        wgs84: wit::Wgs84Point {
            longitude: l.wgs84.longitude,
            latitude: l.wgs84.latitude,
        },
        rpc: l.rpc,
    }
}

fn addressable(o: lib::AddressableObject) -> wit::AddressableObject {
    wit::AddressableObject {
        start_number: o.start_number,
        start_suffix: o.start_suffix,
        end_number: o.end_number,
        end_suffix: o.end_suffix,
        text: o.text,
    }
}

fn address(a: lib::Address) -> wit::Address {
    wit::Address {
        uprn: a.uprn,
        single_line: a.single_line,
        postcode: a.postcode,
        view: match a.view {
            lib::AddressView::Postal(p) => wit::AddressView::Postal(wit::PostalAddress {
                udprn: p.udprn,
                organisation_name: p.organisation_name,
                department_name: p.department_name,
                sub_building_name: p.sub_building_name,
                building_name: p.building_name,
                building_number: p.building_number,
                dependent_thoroughfare: p.dependent_thoroughfare,
                thoroughfare: p.thoroughfare,
                double_dependent_locality: p.double_dependent_locality,
                dependent_locality: p.dependent_locality,
                post_town: p.post_town,
                po_box_number: p.po_box_number,
            }),
            lib::AddressView::Gazetteer(g) => wit::AddressView::Gazetteer(wit::GazetteerAddress {
                lpi_key: g.lpi_key,
                organisation: g.organisation,
                sao: addressable(g.sao),
                pao: addressable(g.pao),
                usrn: g.usrn,
                street_description: g.street_description,
                locality: g.locality,
                town: g.town,
                administrative_area: g.administrative_area,
                area_name: g.area_name,
                logical_status: g.logical_status,
                language: g.language,
            }),
        },
        classification_code: a.classification_code,
        classification_description: a.classification_description,
        location: location(a.location),
        parent_uprn: a.parent_uprn,
        blpu_logical_status: a.blpu_logical_status,
        local_custodian_code: a.local_custodian_code,
        country_code: a.country_code,
        last_update_date: a.last_update_date,
        entry_date: a.entry_date,
    }
}

// Size classes instead of wasi-libc's dlmalloc for Rust's allocations, and a
// malloc-served `cabi_realloc` to go with them (crates/alloc explains both;
// docs/BENCHMARKS.md "Capability components vs native" has the figures).
council_alloc::global_allocator!();
