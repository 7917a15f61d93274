//! The address-lookup capability component: exports `council:address/lookup@0.2.0`,
//! answering from the council's address index in the read-only data mount.
//!
//! All logic lives in `council-address`; this crate binds it to the WIT world and does
//! what only a component can: find its files (`ADDRESS_INDEX`, default
//! `/data/address.idx`; `OSTN15_GRID`, default `/data/ostn15.grid`) and convert a
//! WGS84 query point with OSTN15. The records are the crate's own (see `bindings`).
//! The index is opened once per instance — Spin makes one instance per request — and
//! every query then reads only the few pages it needs.

use std::fs::File;

use council_address as lib;
use council_bng::{FileGrid, LonLat};
use council_capability::{DataFile, OpenError, OpenOnce, data_path, open_data_file};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
mod bindings {
    // The component's world as wit/ declares it. Every record, variant and enum of
    // the interface is council-address's own type (`with:`): the generated lift and
    // lower code builds and reads them by field and case name, so there is nothing to
    // convert. `point` is the only one bound but not used by the crate's queries.
    // The world's WASI 0.2 CLI imports are the `wasip2` crate's (`generate_bindings!`).
    council_capability::generate_bindings!({
        path: "../../wit",
        world: "council:address/address-lookup",
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
        },
    });
    /// The component's export.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::address::lookup as wit;

council_capability::same_cases!(wit::Dataset, lib::Dataset { Dpa, Lpi });
council_capability::same_cases!(
    wit::ClassificationSet,
    lib::ClassificationSet {
        Residential,
        Commercial,
        ResidentialAndCommercial,
        Electoral
    }
);
council_capability::same_cases!(wit::SortOrder, lib::SortOrder { AddressOrder, Uprn });

thread_local! {
    static INDEX: OpenOnce<lib::AddressIndex<DataFile>> = const { OpenOnce::new() };
    static GRID: OpenOnce<FileGrid<File>> = const { OpenOnce::new() };
}

/// A file that cannot be opened makes the capability unavailable.
fn unavailable(e: &OpenError) -> lib::LookupError {
    lib::LookupError::IndexUnavailable(e.to_string())
}

/// Runs `f` with the instance's index, opening it on first use.
fn with_index<T>(
    f: impl FnOnce(&lib::AddressIndex<DataFile>) -> Result<T, lib::LookupError>,
) -> Result<T, lib::LookupError> {
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
fn query_point(point: lib::Point) -> Result<QueryPoint, lib::LookupError> {
    match point {
        lib::Point::Bng(p) => Ok(QueryPoint::Bng(p)),
        lib::Point::Wgs84(p) => GRID.with(|once| {
            let grid = once
                .get_or_open(council_capability::open_ostn15_grid)
                .map_err(unavailable)?;
            let bng = match council_bng::to_bng(LonLat::new(p.longitude, p.latitude), grid) {
                Ok(b) => Some(lib::BngPoint {
                    easting: b.easting,
                    northing: b.northing,
                }),
                Err(
                    council_bng::ConvertError::OutsideGrid { .. }
                    | council_bng::ConvertError::OutsideArea { .. },
                ) => None,
                Err(e) => return Err(lib::LookupError::OutOfRange(e.to_string())),
            };
            Ok(QueryPoint::Wgs84(p, bng))
        }),
    }
}

impl wit::Guest for Component {
    fn info() -> Result<lib::IndexInfo, lib::LookupError> {
        with_index(|index| index.info())
    }

    fn by_postcode(
        postcode: String,
        options: lib::QueryOptions,
    ) -> Result<lib::Page, lib::LookupError> {
        with_index(|index| index.by_postcode(&postcode, &options))
    }

    fn by_uprn(
        uprn: u64,
        options: lib::QueryOptions,
    ) -> Result<Vec<lib::Address>, lib::LookupError> {
        with_index(|index| index.by_uprn(uprn, &options))
    }

    fn by_usrn(usrn: u64, options: lib::QueryOptions) -> Result<lib::Page, lib::LookupError> {
        with_index(|index| index.by_usrn(usrn, &options))
    }

    fn find(
        text: String,
        min_score: f32,
        options: lib::QueryOptions,
    ) -> Result<lib::Page, lib::LookupError> {
        with_index(|index| index.find(&text, min_score, &options))
    }

    fn suggest(
        text: String,
        limit: u32,
        options: lib::QueryOptions,
    ) -> Result<Vec<lib::AddressMatch>, lib::LookupError> {
        with_index(|index| index.suggest(&text, limit, &options))
    }

    fn nearest(
        at: lib::Point,
        max_distance_m: f64,
        options: lib::QueryOptions,
    ) -> Result<lib::Page, lib::LookupError> {
        let at = query_point(at)?;
        with_index(|index| match at {
            QueryPoint::Bng(p) => index.nearest(p, max_distance_m, &options),
            QueryPoint::Wgs84(p, bng) => index.nearest_wgs84(p, bng, max_distance_m, &options),
        })
    }

    fn within_radius(
        at: lib::Point,
        radius_m: f64,
        options: lib::QueryOptions,
    ) -> Result<lib::Page, lib::LookupError> {
        let at = query_point(at)?;
        with_index(|index| match at {
            QueryPoint::Bng(p) => index.within_radius(p, radius_m, &options),
            QueryPoint::Wgs84(p, bng) => index.within_radius_wgs84(p, bng, radius_m, &options),
        })
    }

    fn within_bbox(
        corner_a: lib::Point,
        corner_b: lib::Point,
        options: lib::QueryOptions,
    ) -> Result<lib::Page, lib::LookupError> {
        let (a, b) = (query_point(corner_a)?, query_point(corner_b)?);
        with_index(|index| match (a, b) {
            (QueryPoint::Bng(a), QueryPoint::Bng(b)) => index.within_bbox(a, b, &options),
            (QueryPoint::Wgs84(a, ba), QueryPoint::Wgs84(b, bb)) => {
                index.within_bbox_wgs84(a, b, ba.zip(bb), &options)
            }
            _ => Err(lib::LookupError::InvalidQuery(
                "the two corners of a bounding box must be in the same coordinate system".into(),
            )),
        })
    }

    fn postcode(postcode: String) -> Result<Option<lib::PostcodeUnit>, lib::LookupError> {
        with_index(|index| index.postcode(&postcode))
    }
}

// Size classes instead of wasi-libc's dlmalloc for Rust's allocations, and a
// malloc-served `cabi_realloc` to go with them (crates/alloc explains both;
// docs/BENCHMARKS.md "Capability components vs native" has the figures).
council_alloc::global_allocator!();
