//! Boundary import, the on-disk spatial index, point-in-area lookups and routing rules behind council:parish.
//!
//! The crate implements the logic of the `council:parish` WIT interfaces
//! (`wit/parish/areas.wit`, `wit/parish/routing.wit`); the `parish-routing` component
//! binds it, and its types serve as the WIT records themselves (wit-bindgen `with:`).
//!
//! # Examples
//!
//! 1. Import boundaries (native, feature `import`): [`BoundaryImporter`] reads GeoJSON
//!    layers in WGS84 or EPSG:27700, validates them, links parish → district → county
//!    and writes the index file (`docs/boundary-index.md`).
//! 2. Answer point queries (native or `wasm32-wasip2`): [`AreaIndex::open`] reads only
//!    the header; [`AreaIndex::areas_at`] reads the few pages one lookup needs, which
//!    suits a component instantiated fresh for every request.
//! 3. Route a report: [`RuleBook::load_dir`] loads the TOML rule files
//!    (`docs/routing-rules.md`) and [`RuleBook::route`] decides whether the parish, the
//!    district, the county or nobody at the council handles it.
#![deny(missing_docs)]

mod error;
#[cfg_attr(
    not(feature = "import"),
    expect(
        dead_code,
        reason = "validation and y-stripe building serve only the importer"
    )
)]
mod geom;
#[cfg(feature = "import")]
mod import;
mod index;
pub mod rules;
mod types;

pub use error::IndexError;
#[cfg(feature = "import")]
pub use import::{
    BngFn, BngTransform, BoundaryImporter, Crs, ImportError, ImportReport, InferredType,
    LayerOptions, LayerReport, RejectedFeature, infer_area_type,
};
#[cfg(feature = "import")]
pub use index::IndexStats;
pub use index::{AreaIndex, DEFAULT_CACHE_BYTES, FORMAT_VERSION, MAGIC};
pub use rules::{
    Answer, AnswerOption, BodyTier, Decision, Question, QuestionSet, RouteError, RouteRequest,
    RuleBook, RuleError,
};
pub use types::{Area, AreaDetails, AreaType, Point, Polygon, Ring, UnknownAreaType, Wgs84Point};
