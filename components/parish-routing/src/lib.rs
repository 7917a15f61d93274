//! The parish-routing capability component: exports `council:parish/areas@0.1.0` and
//! `council:parish/routing@0.1.0`.
//!
//! All logic lives in `council-areas`; this crate binds it to the WIT world, finds its
//! files (`AREAS_INDEX`, default `/data/areas.idx`; `ROUTING_RULES`, default
//! `/data/rules`; `OSTN15_GRID`, default `/data/ostn15.grid`) and converts a BNG
//! query point to WGS84 with OSTN15. The records are the crate's own (see `bindings`).
//! It stores no addresses: routing by postcode or UPRN is composed by the caller with
//! `council:address`.

use std::fs::File;

use council_areas as lib;
use council_bng::FileGrid;
use council_capability::{DataFile, OpenError, OpenOnce, data_path, open_data_file};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
mod bindings {
    // The component's world as wit/ declares it. The records, enums and errors are
    // council-areas' own types (`with:`), the query `point`'s `bng-point` included
    // (council-bng's `Bng`, through `council_areas::Point`): the generated lift and
    // lower code builds and reads them by field and case name, so there is nothing to
    // convert. The world's WASI 0.2 CLI imports are the `wasip2` crate's
    // (`generate_bindings!`).
    council_capability::generate_bindings!({
        path: "../../wit",
        world: "council:parish/parish-routing",
        with: {
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
    });
    /// The component's exports.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::parish::areas as wit_areas;
use bindings::exports::council::parish::routing as wit_routing;

council_capability::same_cases!(
    wit_areas::AreaType,
    lib::AreaType {
        Cpc,
        Cpw,
        Ncp,
        Dis,
        Diw,
        Cty,
        Ced,
        Uta,
        Utw,
        Mtd,
        Mtw,
        Lbo,
        Lbw,
        Coi,
        Lgd,
        Wmc
    }
);
council_capability::same_cases!(
    wit_routing::BodyTier,
    lib::BodyTier {
        Parish,
        District,
        County,
        NotCouncil
    }
);

thread_local! {
    static INDEX: OpenOnce<lib::AreaIndex<DataFile>> = const { OpenOnce::new() };
    static RULES: OpenOnce<lib::RuleBook> = const { OpenOnce::new() };
    static GRID: OpenOnce<FileGrid<File>> = const { OpenOnce::new() };
}

/// Runs `f` with the instance's boundary index, opening it on first use.
fn with_index<T>(
    f: impl FnOnce(&lib::AreaIndex<DataFile>) -> Result<T, lib::IndexError>,
) -> Result<T, lib::IndexError> {
    INDEX.with(|once| {
        let index = once
            .get_or_open(|| {
                let path = data_path("AREAS_INDEX", "/data/areas.idx");
                let file = open_data_file("boundary index", &path)?;
                lib::AreaIndex::open_named(file, &path).map_err(OpenError::refused)
            })
            .map_err(|e| lib::IndexError::IndexUnavailable(e.to_string()))?;
        f(index)
    })
}

/// Runs `f` with the instance's routing rules, loading them on first use.
fn with_rules<T>(
    f: impl FnOnce(&lib::RuleBook) -> Result<T, lib::RouteError>,
) -> Result<T, lib::RouteError> {
    RULES.with(|once| {
        let rules = once
            .get_or_open(|| {
                let dir = data_path("ROUTING_RULES", "/data/rules");
                lib::RuleBook::load_dir(&dir).map_err(OpenError::refused)
            })
            .map_err(|e| lib::RouteError::RulesUnavailable(e.to_string()))?;
        f(rules)
    })
}

/// A query point as WGS84 longitude and latitude; BNG is converted with OSTN15.
fn to_lon_lat(point: lib::Point) -> Result<(f64, f64), lib::IndexError> {
    match point {
        lib::Point::Wgs84(p) => Ok((p.longitude, p.latitude)),
        lib::Point::Bng(p) => GRID.with(|once| {
            let grid = once
                .get_or_open(council_capability::open_ostn15_grid)
                .map_err(|e| lib::IndexError::IndexUnavailable(e.to_string()))?;
            let lon_lat = council_bng::to_lonlat(p, grid)
                .map_err(|e| lib::IndexError::InvalidPoint(e.to_string()))?;
            Ok((lon_lat.lon, lon_lat.lat))
        }),
    }
}

impl wit_areas::Guest for Component {
    fn areas_at(
        at: lib::Point,
        types: Vec<lib::AreaType>,
    ) -> Result<Vec<lib::Area>, lib::IndexError> {
        let (lon, lat) = to_lon_lat(at)?;
        with_index(|index| index.areas_at(lon, lat, &types))
    }

    fn area_by_code(code: String) -> Result<Option<lib::AreaDetails>, lib::IndexError> {
        with_index(|index| index.area_by_code(&code))
    }

    fn geometry(code: String) -> Result<Option<Vec<lib::Polygon>>, lib::IndexError> {
        with_index(|index| index.geometry(&code))
    }

    fn list_areas(types: Vec<lib::AreaType>) -> Result<Vec<lib::Area>, lib::IndexError> {
        with_index(|index| index.list_areas(&types))
    }
}

impl wit_routing::Guest for Component {
    fn categories() -> Result<Vec<lib::QuestionSet>, lib::RouteError> {
        with_rules(|rules| Ok(rules.categories()))
    }

    fn questions(category: String) -> Result<Option<lib::QuestionSet>, lib::RouteError> {
        with_rules(|rules| Ok(rules.questions(&category)))
    }

    fn route(request: lib::RouteRequest) -> Result<lib::Decision, lib::RouteError> {
        with_rules(|rules| rules.route(&request))
    }
}

// Size classes instead of wasi-libc's dlmalloc for Rust's allocations, and a
// malloc-served `cabi_realloc` to go with them (crates/alloc explains both;
// docs/BENCHMARKS.md "Capability components vs native" has the figures).
council_alloc::global_allocator!();
