//! The parish-routing capability component: exports `council:parish/areas@0.1.0` and
//! `council:parish/routing@0.1.0`.
//!
//! All logic lives in `council-areas`; this crate binds it to the WIT world, finds its
//! files (`AREAS_INDEX`, default `/data/areas.idx`; `ROUTING_RULES`, default
//! `/data/rules`; `OSTN15_GRID`, default `/data/ostn15.grid`) and converts records.
//! It stores no addresses: routing by postcode or UPRN is composed by the caller with
//! `council:address`.

use std::fs::File;

use council_areas as lib;
use council_bng::{Bng, FileGrid};
use council_capability::{DataFile, OpenError, OpenOnce, data_path, open_data_file};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/parish",
        world: "council:parish/parish-routing",
    });
    /// The component's exports.
    pub struct Component;
    export!(Component with_types_in self);
}

use bindings::Component;
use bindings::exports::council::parish::areas as wit_areas;
use bindings::exports::council::parish::routing as wit_routing;

thread_local! {
    static INDEX: OpenOnce<lib::AreaIndex<DataFile>> = const { OpenOnce::new() };
    static RULES: OpenOnce<lib::RuleBook> = const { OpenOnce::new() };
    static GRID: OpenOnce<FileGrid<File>> = const { OpenOnce::new() };
}

/// Runs `f` with the instance's boundary index, opening it on first use.
fn with_index<T>(
    f: impl FnOnce(&lib::AreaIndex<DataFile>) -> Result<T, wit_areas::Error>,
) -> Result<T, wit_areas::Error> {
    INDEX.with(|once| {
        let index = once
            .get_or_open(|| {
                let path = data_path("AREAS_INDEX", "/data/areas.idx");
                let file = open_data_file("boundary index", &path)?;
                lib::AreaIndex::open_named(file, &path).map_err(OpenError::refused)
            })
            .map_err(|e| wit_areas::Error::IndexUnavailable(e.to_string()))?;
        f(index)
    })
}

/// Runs `f` with the instance's routing rules, loading them on first use.
fn with_rules<T>(
    f: impl FnOnce(&lib::RuleBook) -> Result<T, wit_routing::Error>,
) -> Result<T, wit_routing::Error> {
    RULES.with(|once| {
        let rules = once
            .get_or_open(|| {
                let dir = data_path("ROUTING_RULES", "/data/rules");
                lib::RuleBook::load_dir(&dir).map_err(OpenError::refused)
            })
            .map_err(|e| wit_routing::Error::RulesUnavailable(e.to_string()))?;
        f(rules)
    })
}

/// A query point as WGS84 longitude and latitude; BNG is converted with OSTN15.
fn to_lon_lat(point: wit_areas::Point) -> Result<(f64, f64), wit_areas::Error> {
    match point {
        wit_areas::Point::Wgs84(p) => Ok((p.longitude, p.latitude)),
        wit_areas::Point::Bng(p) => GRID.with(|once| {
            let grid = once
                .get_or_open(council_capability::open_ostn15_grid)
                .map_err(|e| wit_areas::Error::IndexUnavailable(e.to_string()))?;
            let lon_lat = council_bng::to_lonlat(Bng::new(p.easting, p.northing), grid)
                .map_err(|e| wit_areas::Error::InvalidPoint(e.to_string()))?;
            Ok((lon_lat.lon, lon_lat.lat))
        }),
    }
}

impl wit_areas::Guest for Component {
    fn areas_at(
        at: wit_areas::Point,
        types: Vec<wit_areas::AreaType>,
    ) -> Result<Vec<wit_areas::Area>, wit_areas::Error> {
        let (lon, lat) = to_lon_lat(at)?;
        let types: Vec<lib::AreaType> = types.into_iter().map(area_type_from_wit).collect();
        with_index(|index| {
            index
                .areas_at(lon, lat, &types)
                .map(|areas| areas.into_iter().map(area_to_wit).collect())
                .map_err(index_error)
        })
    }

    fn area_by_code(code: String) -> Result<Option<wit_areas::AreaDetails>, wit_areas::Error> {
        with_index(|index| {
            index
                .area_by_code(&code)
                .map_err(index_error)
                .map(|details| {
                    details.map(|d| wit_areas::AreaDetails {
                        area: area_to_wit(d.area),
                        min: point_to_wit(d.min),
                        max: point_to_wit(d.max),
                        polygon_count: d.polygon_count,
                        vertex_count: d.vertex_count,
                        children: d.children,
                        generation: d.generation,
                    })
                })
        })
    }

    fn geometry(code: String) -> Result<Option<Vec<wit_areas::Polygon>>, wit_areas::Error> {
        with_index(|index| {
            index.geometry(&code).map_err(index_error).map(|polygons| {
                polygons.map(|polygons| {
                    polygons
                        .into_iter()
                        .map(|rings| {
                            rings
                                .into_iter()
                                .map(|ring| ring.into_iter().map(point_to_wit).collect())
                                .collect()
                        })
                        .collect()
                })
            })
        })
    }

    fn list_areas(
        types: Vec<wit_areas::AreaType>,
    ) -> Result<Vec<wit_areas::Area>, wit_areas::Error> {
        let types: Vec<lib::AreaType> = types.into_iter().map(area_type_from_wit).collect();
        with_index(|index| {
            index
                .list_areas(&types)
                .map(|areas| areas.into_iter().map(area_to_wit).collect())
                .map_err(index_error)
        })
    }
}

impl wit_routing::Guest for Component {
    fn categories() -> Result<Vec<wit_routing::QuestionSet>, wit_routing::Error> {
        with_rules(|rules| {
            Ok(rules
                .categories()
                .into_iter()
                .map(question_set_to_wit)
                .collect())
        })
    }

    fn questions(category: String) -> Result<Option<wit_routing::QuestionSet>, wit_routing::Error> {
        with_rules(|rules| Ok(rules.questions(&category).map(question_set_to_wit)))
    }

    fn route(
        request: wit_routing::RouteRequest,
    ) -> Result<wit_routing::Decision, wit_routing::Error> {
        let request = lib::RouteRequest {
            category: request.category,
            answers: request
                .answers
                .into_iter()
                .map(|a| lib::Answer {
                    question_id: a.question_id,
                    value: a.value,
                })
                .collect(),
            areas: request.areas.into_iter().map(area_from_wit).collect(),
        };
        with_rules(|rules| {
            let decision = rules.route(&request).map_err(route_error)?;
            Ok(wit_routing::Decision {
                tier: match decision.tier {
                    lib::BodyTier::Parish => wit_routing::BodyTier::Parish,
                    lib::BodyTier::District => wit_routing::BodyTier::District,
                    lib::BodyTier::County => wit_routing::BodyTier::County,
                    lib::BodyTier::NotCouncil => wit_routing::BodyTier::NotCouncil,
                },
                area: decision.area.map(area_to_wit),
                rule_id: decision.rule_id,
                reason: decision.reason,
            })
        })
    }
}

// ---- conversions ----

fn index_error(e: lib::IndexError) -> wit_areas::Error {
    match e {
        lib::IndexError::InvalidPoint(m) => wit_areas::Error::InvalidPoint(m),
        lib::IndexError::IndexUnavailable(m) => wit_areas::Error::IndexUnavailable(m),
        lib::IndexError::Other(m) => wit_areas::Error::Other(m),
    }
}

fn route_error(e: lib::RouteError) -> wit_routing::Error {
    match e {
        lib::RouteError::UnknownCategory(m) => wit_routing::Error::UnknownCategory(m),
        lib::RouteError::InvalidAnswers(m) => wit_routing::Error::InvalidAnswers(m),
        lib::RouteError::MissingArea(m) => wit_routing::Error::MissingArea(m),
        lib::RouteError::RulesUnavailable(m) => wit_routing::Error::RulesUnavailable(m),
        lib::RouteError::Other(m) => wit_routing::Error::Other(m),
    }
}

fn point_to_wit(p: lib::Wgs84Point) -> wit_areas::Wgs84Point {
    wit_areas::Wgs84Point {
        longitude: p.longitude,
        latitude: p.latitude,
    }
}

macro_rules! area_type_mapping {
    ($($variant:ident),* $(,)?) => {
        fn area_type_from_wit(t: wit_areas::AreaType) -> lib::AreaType {
            match t { $(wit_areas::AreaType::$variant => lib::AreaType::$variant,)* }
        }
        fn area_type_to_wit(t: lib::AreaType) -> wit_areas::AreaType {
            match t { $(lib::AreaType::$variant => wit_areas::AreaType::$variant,)* }
        }
    };
}
area_type_mapping!(
    Cpc, Cpw, Ncp, Dis, Diw, Cty, Ced, Uta, Utw, Mtd, Mtw, Lbo, Lbw, Coi, Lgd, Wmc
);

fn area_to_wit(a: lib::Area) -> wit_areas::Area {
    wit_areas::Area {
        code: a.code,
        name: a.name,
        area_type: area_type_to_wit(a.area_type),
        parent_code: a.parent_code,
        country: a.country,
    }
}

fn area_from_wit(a: wit_areas::Area) -> lib::Area {
    lib::Area {
        code: a.code,
        name: a.name,
        area_type: area_type_from_wit(a.area_type),
        parent_code: a.parent_code,
        country: a.country,
    }
}

fn question_set_to_wit(q: lib::QuestionSet) -> wit_routing::QuestionSet {
    wit_routing::QuestionSet {
        category: q.category,
        title: q.title,
        questions: q
            .questions
            .into_iter()
            .map(|q| wit_routing::Question {
                id: q.id,
                text: q.text,
                hint: q.hint,
                options: q
                    .options
                    .into_iter()
                    .map(|o| wit_routing::AnswerOption {
                        value: o.value,
                        label: o.label,
                        hint: o.hint,
                    })
                    .collect(),
            })
            .collect(),
    }
}

// Size classes instead of wasi-libc's dlmalloc for Rust's allocations, and a
// malloc-served `cabi_realloc` to go with them (crates/alloc explains both;
// docs/BENCHMARKS.md "Capability components vs native" has the figures).
council_alloc::global_allocator!();
