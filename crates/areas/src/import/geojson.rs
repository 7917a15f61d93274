//! Reading a GeoJSON layer (RFC 7946 FeatureCollection; the 2008 `crs` member for
//! EPSG:27700): the code, name and parent properties (ONS conventions when not
//! given), each feature's Polygon or MultiPolygon, and why a feature is rejected.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::feature::{RawPolys, Rejection, check_ring, prepare, quantise};
use super::{
    BngFn, BoundaryImporter, Crs, ImportError, LayerOptions, LayerReport, Pending, RejectedFeature,
    resolve_type,
};

#[derive(Deserialize)]
struct RawCollection<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    crs: Option<Value>,
    #[serde(borrow)]
    features: Option<Vec<&'a RawValue>>,
}

/// ONS property prefixes, most specific first: the first found is the layer's own
/// code, the others may be its parent.
const ONS_PREFIXES: [&str; 12] = [
    "PAR", "CPW", "WD", "CED", "PCON", "WPC", "LAD", "LTLA", "CTYUA", "UTLA", "CTY", "LGD",
];

fn ons_property(keys: &[&str], prefixes: &[&str], suffix: &str) -> Option<String> {
    for prefix in prefixes {
        for k in keys {
            let u = k.to_ascii_uppercase();
            // Compared as bytes: a key is any JSON string, and slicing text that is
            // not ASCII at a byte offset would split a character (`PAR1é1`).
            if let Some(rest) = u.as_bytes().strip_prefix(prefix.as_bytes())
                && rest.len() == 4
                && rest[..2].iter().all(u8::is_ascii_digit)
                && &rest[2..] == suffix.as_bytes()
            {
                return Some((*k).to_string());
            }
        }
    }
    None
}

impl BoundaryImporter {
    /// Adds a GeoJSON FeatureCollection file.
    pub fn add_geojson(
        &mut self,
        path: impl AsRef<Path>,
        opts: &LayerOptions,
    ) -> Result<LayerReport, ImportError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ImportError::Io {
            path: name.clone(),
            source,
        })?;
        self.add_geojson_str(&name, &text, opts)
    }

    /// Adds a GeoJSON FeatureCollection from text; `name` names it in reports.
    ///
    /// Fails, importing nothing from this layer, when the text is not a
    /// FeatureCollection, its CRS is not supported, no code/name property is found,
    /// or (unless `skip_invalid`) any feature is invalid.
    pub fn add_geojson_str(
        &mut self,
        name: &str,
        text: &str,
        opts: &LayerOptions,
    ) -> Result<LayerReport, ImportError> {
        let syntax = |line, column, reason: String| ImportError::Syntax {
            path: name.to_string(),
            line,
            column,
            reason,
        };
        let fc: RawCollection<'_> =
            serde_json::from_str(text).map_err(|e| syntax(e.line(), e.column(), e.to_string()))?;
        if fc.kind.as_deref() != Some("FeatureCollection") {
            return Err(syntax(
                0,
                0,
                format!(
                    "not a GeoJSON FeatureCollection (type is {:?})",
                    fc.kind.unwrap_or_default()
                ),
            ));
        }
        let raw_features = fc
            .features
            .ok_or_else(|| syntax(0, 0, "FeatureCollection has no features array".into()))?;
        let crs = match (opts.crs, &fc.crs) {
            (Some(c), _) => c,
            (None, None) | (None, Some(Value::Null)) => Crs::Wgs84,
            (None, Some(v)) => {
                let n = v
                    .pointer("/properties/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Crs::from_name(n).ok_or_else(|| ImportError::UnsupportedCrs {
                    path: name.to_string(),
                    crs: if n.is_empty() {
                        v.to_string()
                    } else {
                        n.to_string()
                    },
                })?
            }
        };
        if crs == Crs::Bng && self.bng.is_none() {
            return Err(ImportError::NoBngTransform {
                path: name.to_string(),
            });
        }
        let mut features = Vec::with_capacity(raw_features.len());
        for raw in &raw_features {
            // A feature that is not even an object is kept as Null and rejected below.
            features.push(serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null));
        }
        // Properties of the first feature that has any, for detection.
        let keys: Vec<&str> = features
            .iter()
            .find_map(|f| f.get("properties").and_then(Value::as_object))
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let no_prop = |what| ImportError::NoProperty {
            path: name.to_string(),
            what,
            available: if keys.is_empty() {
                "none".into()
            } else {
                keys.join(", ")
            },
        };
        let code_property = match &opts.code_property {
            Some(p) => p.clone(),
            None => ons_property(&keys, &ONS_PREFIXES, "CD").ok_or_else(|| no_prop("code"))?,
        };
        let name_property = match &opts.name_property {
            Some(p) => p.clone(),
            None => {
                let stem = code_property
                    .get(..code_property.len().saturating_sub(2))
                    .unwrap_or_default();
                keys.iter()
                    .find(|k| {
                        k.len() == code_property.len()
                            && k.get(..stem.len())
                                .is_some_and(|s| s.eq_ignore_ascii_case(stem))
                            && k.get(stem.len()..)
                                .is_some_and(|s| s.eq_ignore_ascii_case("NM"))
                    })
                    .map(|k| (*k).to_string())
                    .ok_or_else(|| no_prop("name"))?
            }
        };
        let parent_property = opts.parent_property.clone().or_else(|| {
            let own = code_property.to_ascii_uppercase();
            let parents: &[&str] = if own.starts_with("PAR")
                || own.starts_with("WD")
                || own.starts_with("CPW")
            {
                &["LAD", "LTLA"]
            } else if own.starts_with("LAD") || own.starts_with("CED") || own.starts_with("LTLA") {
                &["CTY"]
            } else {
                &[]
            };
            ons_property(&keys, parents, "CD")
        });

        let mut accepted: Vec<Pending> = Vec::new();
        let mut rejected: Vec<RejectedFeature> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, f) in features.iter().enumerate() {
            let props = f.get("properties").and_then(Value::as_object);
            let prop = |k: &str| props.and_then(|p| p.get(k)).and_then(prop_string);
            let code = prop(&code_property);
            let fname = prop(&name_property);
            let reject = |reason: Rejection| RejectedFeature {
                file: name.to_string(),
                feature: i,
                code: code.clone(),
                name: fname.clone(),
                reason: reason.to_string(),
            };
            let result = (|| -> Result<Pending, Rejection> {
                if f.get("type").and_then(Value::as_str) != Some("Feature") {
                    return Err(Rejection::NotAFeature);
                }
                let code = code
                    .clone()
                    .ok_or_else(|| Rejection::NoCode(code_property.clone()))?;
                let fname = fname
                    .clone()
                    .ok_or_else(|| Rejection::NoName(name_property.clone()))?;
                if let Some(prev) = seen.get(&code) {
                    return Err(Rejection::DuplicateInLayer(*prev));
                }
                if let Some(&prev) = self.by_code.get(&code) {
                    return Err(Rejection::AlreadyImported(self.areas[prev].source.clone()));
                }
                let area_type = resolve_type(&code, opts.area_type)?;
                let geometry = f.get("geometry").unwrap_or(&Value::Null);
                let polys = read_geometry(geometry, crs, self.bng.as_deref())?;
                let polys = prepare(polys)?;
                let parent = parent_property
                    .as_deref()
                    .and_then(&prop)
                    .filter(|p| !p.is_empty() && *p != code);
                Ok(Pending {
                    code,
                    name: fname,
                    area_type,
                    parent,
                    generation: opts.generation.clone(),
                    polygons: polys,
                    source: format!("{name} feature {i}"),
                })
            })();
            match result {
                Ok(p) => {
                    seen.insert(p.code.clone(), i);
                    accepted.push(p);
                }
                Err(reason) => rejected.push(reject(reason)),
            }
        }
        if !rejected.is_empty() && !opts.skip_invalid {
            return Err(ImportError::InvalidFeatures(rejected));
        }
        let report = LayerReport {
            file: name.to_string(),
            crs,
            code_property,
            name_property,
            parent_property,
            features: features.len(),
            imported: accepted.len(),
            rejected: rejected.len(),
        };
        for p in accepted {
            self.by_code.insert(p.code.clone(), self.areas.len());
            self.areas.push(p);
        }
        self.rejected.extend(rejected);
        self.layers.push(report.clone());
        Ok(report)
    }
}

fn prop_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_geometry(g: &Value, crs: Crs, bng: Option<&BngFn>) -> Result<RawPolys, Rejection> {
    let kind = g.get("type").and_then(Value::as_str);
    let coords = g.get("coordinates");
    let polys: Vec<&Value> = match (kind, coords) {
        (Some("Polygon"), Some(c)) => vec![c],
        (Some("MultiPolygon"), Some(Value::Array(ps))) => ps.iter().collect(),
        (Some("MultiPolygon"), _) => return Err(Rejection::MultiPolygonNotArray),
        (Some("Polygon"), None) => return Err(Rejection::NoCoordinates),
        (Some(other), _) => return Err(Rejection::NotPolygonal(other.to_string())),
        (None, _) if g.is_null() => return Err(Rejection::NoGeometry),
        (None, _) => return Err(Rejection::NoGeometryType),
    };
    if polys.is_empty() {
        return Err(Rejection::NoPolygons);
    }
    let mut out = Vec::with_capacity(polys.len());
    for (pi, p) in polys.iter().enumerate() {
        let rings = p.as_array().ok_or(Rejection::PolygonNotArray(pi))?;
        if rings.is_empty() {
            return Err(Rejection::NoRings(pi));
        }
        let mut rs = Vec::with_capacity(rings.len());
        for (ri, r) in rings.iter().enumerate() {
            let positions = r.as_array().ok_or(Rejection::RingNotArray {
                polygon: pi,
                ring: ri,
            })?;
            let mut pts = Vec::with_capacity(positions.len());
            for (k, pos) in positions.iter().enumerate() {
                let xy = pos
                    .as_array()
                    .filter(|a| a.len() >= 2)
                    .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
                    .ok_or(Rejection::NotAPosition {
                        polygon: pi,
                        ring: ri,
                        position: k,
                    })?;
                pts.push(xy);
            }
            check_ring(&pts, pi, ri)?;
            let ring = match crs {
                Crs::Wgs84 => quantise(pts.iter().map(|p| (p[0], p[1])), pi, ri)?,
                Crs::Bng => {
                    let f = bng.ok_or(Rejection::NoBngTransform)?;
                    let mut ll = Vec::with_capacity(pts.len());
                    for p in &pts {
                        ll.push(f(p[0], p[1]).ok_or(Rejection::OutsideBng {
                            polygon: pi,
                            ring: ri,
                            easting: p[0],
                            northing: p[1],
                        })?);
                    }
                    quantise(ll.into_iter(), pi, ri)?
                }
            };
            rs.push(ring);
        }
        out.push(rs);
    }
    Ok(out)
}
