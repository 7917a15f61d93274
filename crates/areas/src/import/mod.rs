//! Boundary import: GeoJSON layers (WGS84/CRS84 or EPSG:27700) with ONS property
//! conventions → validated, winding-normalised areas with parents → the index file.
//!
//! Here: the importer, its options, reports and errors, and writing the index
//! (with the non-parished areas). `geojson.rs` reads a layer, `feature.rs` checks
//! rings and names every reason a feature is rejected, `parents.rs` finds parents.

mod feature;
mod geojson;
mod parents;

use std::collections::HashMap;
use std::fmt;
use std::io::Write;

use crate::geom::Pt;
use crate::index::{AreaEntry, IndexStats, write_index};
use crate::types::AreaType;
use feature::{Rejection, check_ring, prepare, quantise};
use parents::resolve_parents;

/// The coordinate reference system of a GeoJSON layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 longitude, latitude (`urn:ogc:def:crs:OGC:1.3:CRS84`, `EPSG:4326`; the
    /// RFC 7946 default when a file has no `crs` member).
    Wgs84,
    /// British National Grid easting, northing in metres (`EPSG:27700`), converted to
    /// WGS84 with `council-bng` on import.
    Bng,
}

impl Crs {
    /// Reads a GeoJSON 2008 `crs` name (`urn:ogc:def:crs:EPSG::27700`, `EPSG:4326`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`).
    pub fn from_name(name: &str) -> Option<Crs> {
        let n = name.trim().to_ascii_uppercase();
        if n.ends_with("CRS84") || n.ends_with(":4326") || n == "4326" {
            Some(Crs::Wgs84)
        } else if n.ends_with(":27700") || n == "27700" {
            Some(Crs::Bng)
        } else {
            None
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Crs::Wgs84 => "WGS84 (CRS84)",
            Crs::Bng => "British National Grid (EPSG:27700)",
        })
    }
}

/// How to read one layer. `Default` auto-detects everything.
#[derive(Debug, Clone, Default)]
pub struct LayerOptions {
    /// The property holding each feature's GSS code; default: the ONS `<prefix>yyCD`
    /// property (`PAR23CD`, `WD23CD`, `LAD23CD`, `CTY23CD`, ...).
    pub code_property: Option<String>,
    /// The property holding each feature's name; default: the `NM` property of the
    /// detected code property (`PAR23NM`).
    pub name_property: Option<String>,
    /// The property holding the parent's GSS code; default: `LADyyCD` in parish and
    /// ward layers, `CTYyyCD` in district and division layers, when present;
    /// otherwise parents are computed by containment.
    pub parent_property: Option<String>,
    /// The area type of every feature; default: inferred from each GSS code's prefix
    /// (see [`infer_area_type`]).
    pub area_type: Option<AreaType>,
    /// The boundary release (`ONS Parishes May 2023`), stored with each area.
    pub generation: String,
    /// The coordinate system; default: the file's `crs` member, else WGS84.
    pub crs: Option<Crs>,
    /// Skip invalid features (still reported) instead of failing the layer.
    pub skip_invalid: bool,
}

/// A feature that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFeature {
    /// The file (or source name) it came from.
    pub file: String,
    /// Its position in the `features` array, from 0.
    pub feature: usize,
    /// Its code, if it had one.
    pub code: Option<String>,
    /// Its name, if it had one.
    pub name: Option<String>,
    /// Why it was rejected (`ring 0 is not closed`, `self-intersection near ...`).
    pub reason: String,
}

impl fmt::Display for RejectedFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} feature {} ({} {}): {}",
            self.file,
            self.feature,
            self.code.as_deref().unwrap_or("no code"),
            self.name.as_deref().unwrap_or("no name"),
            self.reason
        )
    }
}

/// What one layer contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerReport {
    /// The file (or source name).
    pub file: String,
    /// The coordinate system it was read in.
    pub crs: Crs,
    /// The code property used.
    pub code_property: String,
    /// The name property used.
    pub name_property: String,
    /// The parent property used, if any.
    pub parent_property: Option<String>,
    /// Features in the file.
    pub features: usize,
    /// Features imported.
    pub imported: usize,
    /// Features rejected (each listed in [`ImportReport::rejected`]).
    pub rejected: usize,
}

/// The result of [`BoundaryImporter::write_index`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// One entry per layer, in the order added.
    pub layers: Vec<LayerReport>,
    /// Every rejected feature (only when `skip_invalid` was set; otherwise the layer
    /// failed).
    pub rejected: Vec<RejectedFeature>,
    /// Things worth knowing that did not stop the import (a parent found by
    /// containment where none was given, a ward with no district).
    pub warnings: Vec<String>,
    /// Areas, polygons and bytes written.
    pub stats: IndexStats,
}

/// Errors raised by the importer.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Occurs when a file cannot be read or the index cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when a file is not JSON, or not a GeoJSON FeatureCollection.
    #[error("{path}:{line}:{column}: {reason}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line (0 when not known).
        line: usize,
        /// 1-based column (0 when not known).
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// Occurs when a layer's `crs` is neither WGS84 nor EPSG:27700.
    #[error("{path}: unsupported CRS {crs:?} (expected CRS84, EPSG:4326 or EPSG:27700)")]
    UnsupportedCrs {
        /// The file.
        path: String,
        /// The CRS name found.
        crs: String,
    },
    /// Occurs when a layer is in EPSG:27700 but the importer has no BNG transform
    /// ([`BoundaryImporter::with_bng_transform`]).
    #[error("{path}: EPSG:27700 input needs a BNG transform (give the importer an OSTN15 grid)")]
    NoBngTransform {
        /// The file.
        path: String,
    },
    /// Occurs when no code or name property is given and none can be detected.
    #[error("{path}: no {what} property: pass one (properties found: {available})")]
    NoProperty {
        /// The file.
        path: String,
        /// `code` or `name`.
        what: &'static str,
        /// The properties of the first feature.
        available: String,
    },
    /// Occurs when features are invalid and `skip_invalid` was not set.
    #[error("{} invalid feature(s); not imported (set skip_invalid to import the rest):\n{}", .0.len(), list(.0))]
    InvalidFeatures(Vec<RejectedFeature>),
    /// Occurs when [`BoundaryImporter::unparished`] names a district that was not
    /// imported.
    #[error("unparished area {ncp} names district {district}, which is not imported")]
    UnknownDistrict {
        /// The district code given.
        district: String,
        /// The non-parished area code given.
        ncp: String,
    },
}

fn list(r: &[RejectedFeature]) -> String {
    r.iter()
        .map(|r| format!("  {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a GSS code's prefix says about its area type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InferredType {
    /// The type is known from the code.
    Type(AreaType),
    /// A ward (`E05`, `W05`, `S13`): `DIW`, `MTW`, `UTW` or `LBW` after its district.
    Ward,
}

/// Infers an area type from a GSS code's prefix (ONS Register of Geographic Codes):
///
/// | prefix | type |
/// |---|---|
/// | `E04`, `W04` | `CPC` parish / community |
/// | `E05`, `W05`, `S13` | ward: `MTW` under an `MTD`, `UTW` under a `UTA`, `LBW` under an `LBO`, `DIW` under a `DIS` |
/// | `E06`, `W06`, `S12` | `UTA` (`E06000053` Isles of Scilly: `COI`) |
/// | `E07` | `DIS` |
/// | `E08` | `MTD` |
/// | `E09` | `LBO` |
/// | `E10` | `CTY` |
/// | `E14`, `W07` | `WMC` |
/// | `E43` | `NCP` |
/// | `E58` | `CED` |
/// | `N09` | `LGD` |
///
/// ```
/// use council_areas::{infer_area_type, AreaType, InferredType};
/// assert_eq!(infer_area_type("E04000011"), Some(InferredType::Type(AreaType::Cpc)));
/// assert_eq!(infer_area_type("E05015239"), Some(InferredType::Ward));
/// assert_eq!(infer_area_type("E06000053"), Some(InferredType::Type(AreaType::Coi)));
/// assert_eq!(infer_area_type("X99000001"), None);
/// ```
pub fn infer_area_type(code: &str) -> Option<InferredType> {
    use AreaType::*;
    if code == "E06000053" {
        return Some(InferredType::Type(Coi));
    }
    let t = match code.get(..3)? {
        "E04" | "W04" => Cpc,
        "E05" | "W05" | "S13" => return Some(InferredType::Ward),
        "E06" | "W06" | "S12" => Uta,
        "E07" => Dis,
        "E08" => Mtd,
        "E09" => Lbo,
        "E10" => Cty,
        "E14" | "W07" => Wmc,
        "E43" => Ncp,
        "E58" => Ced,
        "N09" => Lgd,
        _ => return None,
    };
    Some(InferredType::Type(t))
}

/// An area waiting for [`BoundaryImporter::write_index`].
#[derive(Debug, Clone)]
struct Pending {
    code: String,
    name: String,
    /// `None`: a ward whose type follows its district.
    area_type: Option<AreaType>,
    parent: Option<String>,
    generation: String,
    polygons: Vec<Vec<Vec<Pt>>>,
    /// Where it came from, for messages.
    source: String,
}

/// A BNG → WGS84 conversion: easting, northing → longitude, latitude, or `None`
/// outside its coverage.
pub type BngTransform = Box<BngFn>;

/// The function behind a [`BngTransform`].
pub type BngFn = dyn Fn(f64, f64) -> Option<(f64, f64)>;

/// Builds a boundary index from GeoJSON layers (or areas given directly).
///
/// 1. Add layers with [`add_geojson`](Self::add_geojson) (parishes, wards, districts,
///    counties, in any order) or areas with [`add_area`](Self::add_area);
/// 2. name non-parished areas with [`unparished`](Self::unparished);
/// 3. [`write_index`](Self::write_index) computes parents by containment, resolves
///    ward types, makes the non-parished (`NCP`) areas and writes the file.
///
/// Every feature is validated (closed rings of ≥ 4 positions, finite coordinates in
/// range, no self-intersection, holes inside their shell, polygons not overlapping)
/// after rounding to 10⁻⁷ degrees; ring winding is normalised, so the source's
/// winding does not matter.
pub struct BoundaryImporter {
    areas: Vec<Pending>,
    by_code: HashMap<String, usize>,
    unparished: Vec<(String, String)>,
    layers: Vec<LayerReport>,
    rejected: Vec<RejectedFeature>,
    bng: Option<BngTransform>,
}

impl fmt::Debug for BoundaryImporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundaryImporter")
            .field("areas", &self.areas.len())
            .field("layers", &self.layers)
            .field("rejected", &self.rejected.len())
            .field("bng", &self.bng.is_some())
            .finish()
    }
}

impl Default for BoundaryImporter {
    fn default() -> Self {
        Self::new()
    }
}

impl BoundaryImporter {
    /// An empty importer without a BNG transform (EPSG:27700 layers then fail).
    pub fn new() -> Self {
        BoundaryImporter {
            areas: Vec::new(),
            by_code: HashMap::new(),
            unparished: Vec::new(),
            layers: Vec::new(),
            rejected: Vec::new(),
            bng: None,
        }
    }

    /// Sets the conversion for EPSG:27700 layers: easting, northing →
    /// longitude, latitude, `None` outside its coverage. Give it
    /// `council_bng::to_lonlat` with an OSTN15 grid.
    pub fn with_bng_transform(
        mut self,
        f: impl Fn(f64, f64) -> Option<(f64, f64)> + 'static,
    ) -> Self {
        self.bng = Some(Box::new(f));
        self
    }

    /// Converts EPSG:27700 layers with OSTN15 (`council_bng::to_lonlat`) on `grid`.
    pub fn with_bng_grid<G: council_bng::ShiftGrid + 'static>(self, grid: G) -> Self {
        self.with_bng_transform(move |easting, northing| {
            council_bng::to_lonlat(council_bng::Bng::new(easting, northing), &grid)
                .ok()
                .map(|p| (p.lon, p.lat))
        })
    }

    /// Names the non-parished area of a district: the ONS code (`E43000163` for
    /// Trafford) of the part of `district_code` outside every parish. Districts not
    /// named get `<district>-NCP` when the index has parishes.
    pub fn unparished(&mut self, district_code: &str, ncp_code: &str) -> &mut Self {
        self.unparished
            .push((district_code.to_string(), ncp_code.to_string()));
        self
    }

    /// Adds one area from WGS84 polygons (`[longitude, latitude]`, rings closed),
    /// validated like a GeoJSON feature; `area_type` `None` infers it from the code.
    /// An invalid area fails with [`ImportError::InvalidFeatures`], or is recorded as
    /// rejected when `opts.skip_invalid` is set.
    pub fn add_area(
        &mut self,
        code: &str,
        name: &str,
        area_type: Option<AreaType>,
        polygons: Vec<Vec<Vec<[f64; 2]>>>,
        opts: &LayerOptions,
    ) -> Result<(), ImportError> {
        let result = (|| -> Result<Pending, Rejection> {
            if self.by_code.contains_key(code) {
                return Err(Rejection::Duplicate);
            }
            let area_type = resolve_type(code, area_type.or(opts.area_type))?;
            let mut polys = Vec::with_capacity(polygons.len());
            for (pi, poly) in polygons.iter().enumerate() {
                let mut rings = Vec::with_capacity(poly.len());
                for (ri, ring) in poly.iter().enumerate() {
                    check_ring(ring, pi, ri)?;
                    rings.push(quantise(ring.iter().map(|p| (p[0], p[1])), pi, ri)?);
                }
                polys.push(rings);
            }
            Ok(Pending {
                code: code.to_string(),
                name: name.to_string(),
                area_type,
                parent: None,
                generation: opts.generation.clone(),
                polygons: prepare(polys)?,
                source: format!("area {code}"),
            })
        })();
        match result {
            Ok(p) => {
                self.by_code.insert(p.code.clone(), self.areas.len());
                self.areas.push(p);
                Ok(())
            }
            Err(reason) => {
                let r = RejectedFeature {
                    file: "(added directly)".into(),
                    feature: self.areas.len(),
                    code: Some(code.to_string()),
                    name: Some(name.to_string()),
                    reason: reason.to_string(),
                };
                if opts.skip_invalid {
                    self.rejected.push(r);
                    Ok(())
                } else {
                    Err(ImportError::InvalidFeatures(vec![r]))
                }
            }
        }
    }

    /// Computes parents, resolves ward types, adds non-parished areas and writes the
    /// index to `out`.
    pub fn write_index<W: Write>(self, out: W) -> Result<ImportReport, ImportError> {
        let BoundaryImporter {
            mut areas,
            by_code,
            unparished,
            layers,
            rejected,
            bng: _,
        } = self;
        let mut warnings = Vec::new();
        resolve_parents(&mut areas, &by_code, &mut warnings);

        // Non-parished areas (MapIt NCP): one per district-level area, when the index
        // has parishes or the caller named one.
        let has_parishes = areas.iter().any(|a| a.area_type == Some(AreaType::Cpc));
        let named: HashMap<&str, &str> = unparished
            .iter()
            .map(|(d, n)| (d.as_str(), n.as_str()))
            .collect();
        for (d, n) in &unparished {
            let ok = by_code
                .get(d)
                .is_some_and(|&i| areas[i].area_type.is_some_and(AreaType::is_district_level));
            if !ok {
                return Err(ImportError::UnknownDistrict {
                    district: d.clone(),
                    ncp: n.clone(),
                });
            }
        }
        let mut entries: Vec<AreaEntry> = Vec::with_capacity(areas.len());
        let mut ncps: Vec<AreaEntry> = Vec::new();
        for a in areas {
            let area_type = a.area_type.unwrap_or(AreaType::Diw);
            let ncp = if area_type.is_district_level()
                && (has_parishes || named.contains_key(a.code.as_str()))
            {
                let code = named
                    .get(a.code.as_str())
                    .map_or_else(|| format!("{}-NCP", a.code), |c| (*c).to_string());
                ncps.push(AreaEntry {
                    code: code.clone(),
                    name: format!("{}, unparished area", a.name),
                    area_type: AreaType::Ncp,
                    parent: Some(a.code.clone()),
                    country: country_of(&a.code).to_string(),
                    generation: a.generation.clone(),
                    polygons: Vec::new(),
                    ncp: None,
                });
                Some(code)
            } else {
                None
            };
            entries.push(AreaEntry {
                country: country_of(&a.code).to_string(),
                code: a.code,
                name: a.name,
                area_type,
                parent: a.parent,
                generation: a.generation,
                polygons: a.polygons,
                ncp,
            });
        }
        for n in ncps {
            if entries.iter().any(|e| e.code == n.code) {
                warnings.push(format!(
                    "non-parished area {} is also imported as a boundary; kept the boundary",
                    n.code
                ));
                continue;
            }
            entries.push(n);
        }
        let has_parishes = has_parishes || !named.is_empty();
        let stats = write_index(entries, has_parishes, out).map_err(|source| ImportError::Io {
            path: "boundary index".into(),
            source,
        })?;
        Ok(ImportReport {
            layers,
            rejected,
            warnings,
            stats,
        })
    }
}

/// The country letter of a GSS code (`E04000011` → `E`), or empty.
fn country_of(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'E') => "E",
        Some(b'W') => "W",
        Some(b'S') => "S",
        Some(b'N') => "N",
        _ => "",
    }
}

fn resolve_type(code: &str, given: Option<AreaType>) -> Result<Option<AreaType>, Rejection> {
    if let Some(t) = given {
        return Ok(Some(t));
    }
    match infer_area_type(code) {
        Some(InferredType::Type(t)) => Ok(Some(t)),
        Some(InferredType::Ward) => Ok(None),
        None => Err(Rejection::UnknownType(code.to_string())),
    }
}
