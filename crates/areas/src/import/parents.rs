//! Parents and ward types: the parent a layer gives, else the covering area of a
//! parent type (MapIt's hierarchy: parish → district → county, ward → its
//! district); a ward's type follows its district's.

use std::collections::{BTreeMap, HashMap};

use super::Pending;
use crate::geom;
use crate::types::AreaType;

/// Which types may be the parent of an area of type `t` (`None`: an unresolved ward).
fn parent_types(t: Option<AreaType>) -> &'static [AreaType] {
    use AreaType::*;
    match t {
        None => &[Dis, Mtd, Uta, Lbo],
        Some(Cpc) => &[Dis, Mtd, Lbo, Uta, Coi],
        Some(Cpw) => &[Cpc],
        Some(Diw) => &[Dis],
        Some(Mtw) => &[Mtd],
        Some(Utw) => &[Uta],
        Some(Lbw) => &[Lbo],
        Some(Ced) | Some(Dis) => &[Cty],
        _ => &[],
    }
}

/// Parents: the given parent when it is imported, else the area of a parent type
/// that covers an interior point of the child's largest polygon (lowest code on a
/// tie). Then ward types follow their parents.
pub(super) fn resolve_parents(
    areas: &mut [Pending],
    by_code: &HashMap<String, usize>,
    warnings: &mut Vec<String>,
) {
    // Boxes of every polygon, for the containment search.
    let boxes: Vec<Vec<[i32; 4]>> = areas
        .iter()
        .map(|a| a.polygons.iter().map(|p| geom::bbox(&p[0])).collect())
        .collect();
    let mut by_type: BTreeMap<AreaType, Vec<usize>> = BTreeMap::new();
    for (i, a) in areas.iter().enumerate() {
        if let Some(t) = a.area_type {
            by_type.entry(t).or_default().push(i);
        }
    }
    let mut parents: Vec<Option<String>> = Vec::with_capacity(areas.len());
    for a in areas.iter() {
        let allowed = parent_types(a.area_type);
        if let Some(p) = &a.parent {
            match by_code.get(p) {
                Some(&pi) if areas[pi].area_type.is_some_and(|t| allowed.contains(&t)) => {
                    parents.push(Some(p.clone()));
                    continue;
                }
                Some(_) => warnings.push(format!(
                    "{} {}: given parent {p} is not of a parent type; found by containment",
                    a.code, a.name
                )),
                None if !allowed.is_empty() => warnings.push(format!(
                    "{} {}: given parent {p} is not imported; found by containment",
                    a.code, a.name
                )),
                None => {}
            }
        }
        if allowed.is_empty() {
            parents.push(None);
            continue;
        }
        let largest = a
            .polygons
            .iter()
            .max_by_key(|p| geom::ring_area2(&p[0]).unsigned_abs());
        let Some(point) = largest.and_then(|p| geom::interior_point(p)) else {
            parents.push(None);
            continue;
        };
        let mut best: Option<&str> = None;
        for t in allowed {
            for &ci in by_type.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                let c = &areas[ci];
                if best.is_some_and(|b| b <= c.code.as_str()) {
                    continue;
                }
                let covered = c.polygons.iter().zip(&boxes[ci]).any(|(poly, b)| {
                    geom::bbox_contains(b, point)
                        && geom::locate(poly.iter().flat_map(|r| geom::ring_edges(r)), point)
                            != geom::Location::Outside
                });
                if covered {
                    best = Some(&c.code);
                }
            }
        }
        parents.push(best.map(str::to_string));
    }
    for (a, p) in areas.iter_mut().zip(parents) {
        a.parent = p;
    }
    // Ward types follow their districts.
    let types: HashMap<String, Option<AreaType>> = areas
        .iter()
        .map(|a| (a.code.clone(), a.area_type))
        .collect();
    for a in areas.iter_mut() {
        if a.area_type.is_none() {
            let t = a
                .parent
                .as_ref()
                .and_then(|p| types.get(p).copied().flatten())
                .and_then(AreaType::ward_type);
            if t.is_none() {
                warnings.push(format!(
                    "ward {} {}: no district contains it; typed DIW",
                    a.code, a.name
                ));
            }
            a.area_type = Some(t.unwrap_or(AreaType::Diw));
        }
    }
}
