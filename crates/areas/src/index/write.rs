//! Writes the index file (`docs/boundary-index.md`).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use super::{
    AREA_REC, ENTRY_REC, FLAG_HAS_PARISHES, HEADER_LEN, Header, LEAF_REC, MAX_LEVELS, NODE_SIZE,
    NONE, TREE_REC, hilbert,
};
use crate::geom::{Pt, Stripes, bbox};
use crate::types::AreaType;

/// One area to write: validated, winding-normalised geometry with closed rings.
#[derive(Debug, Clone)]
pub(crate) struct AreaEntry {
    pub code: String,
    pub name: String,
    pub area_type: AreaType,
    pub parent: Option<String>,
    pub country: String,
    pub generation: String,
    /// Polygons → rings (outer first) → closed rings.
    pub polygons: Vec<Vec<Vec<Pt>>>,
    /// The code of this district's non-parished area, if it has one.
    pub ncp: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Areas written, by type.
    pub areas_by_type: BTreeMap<AreaType, usize>,
    /// Polygons (R-tree leaves).
    pub polygons: usize,
    /// Vertices stored (closing positions not counted).
    pub vertices: usize,
    /// Edges stored in y-stripes (edges crossing several stripes counted in each).
    pub stripe_entries: usize,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// One packed R-tree: its type, leaves (part indices), internal entries and level ends.
type Tree = (AreaType, Vec<u32>, Vec<[u8; ENTRY_REC]>, Vec<u32>);

struct Part {
    area: u32,
    stripes: Stripes,
}

/// Writes an index of `areas` to `out`. Areas are sorted by code, which makes the
/// area id order the code order that the boundary rule and `list_areas` use.
pub(crate) fn write_index<W: Write>(
    mut areas: Vec<AreaEntry>,
    has_parishes: bool,
    out: W,
) -> io::Result<IndexStats> {
    areas.sort_by(|a, b| a.code.cmp(&b.code));
    let ids: HashMap<&str, u32> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i as u32))
        .collect();
    let id_of = |c: &Option<String>| c.as_deref().and_then(|c| ids.get(c).copied());

    let mut stats = IndexStats::default();
    // Strings.
    let mut strings: Vec<u8> = Vec::new();
    let mut interned: HashMap<String, (u32, u16)> = HashMap::new();
    let mut intern = |s: &str| -> (u32, u16) {
        let s = truncate(s, u16::MAX as usize);
        if let Some(v) = interned.get(s) {
            return *v;
        }
        let v = (strings.len() as u32, s.len() as u16);
        strings.extend_from_slice(s.as_bytes());
        interned.insert(s.to_string(), v);
        v
    };
    // Children.
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); areas.len()];
    for (i, a) in areas.iter().enumerate() {
        if let Some(p) = id_of(&a.parent) {
            children[p as usize].push(i as u32);
        }
    }
    // Parts with their stripes.
    let mut parts: Vec<Part> = Vec::new();
    for (i, a) in areas.iter().enumerate() {
        *stats.areas_by_type.entry(a.area_type).or_default() += 1;
        for poly in &a.polygons {
            parts.push(Part {
                area: i as u32,
                stripes: Stripes::build(poly),
            });
        }
    }
    // R-trees, one per area type, over part boxes.
    let mut trees: Vec<Tree> = Vec::new();
    let mut by_type: BTreeMap<AreaType, Vec<u32>> = BTreeMap::new();
    for (pi, p) in parts.iter().enumerate() {
        by_type
            .entry(areas[p.area as usize].area_type)
            .or_default()
            .push(pi as u32);
    }
    for (t, members) in by_type {
        let (leaves, entries, levels) = pack_rtree(&members, |pi| parts[pi as usize].stripes.bbox);
        trees.push((t, leaves, entries, levels));
    }

    // Layout.
    let mut h = Header {
        area_count: areas.len() as u32,
        part_count: parts.len() as u32,
        tree_count: trees.len() as u32,
        flags: if has_parishes { FLAG_HAS_PARISHES } else { 0 },
        trees_off: HEADER_LEN as u64,
        ..Header::default()
    };
    h.areas_off = h.trees_off + (trees.len() * TREE_REC) as u64;
    h.entries_off = h.areas_off + (areas.len() * AREA_REC) as u64;
    let tree_bytes: usize = trees
        .iter()
        .map(|t| t.1.len() * LEAF_REC + t.2.len() * ENTRY_REC)
        .sum();
    h.ids_off = h.entries_off + tree_bytes as u64;
    let id_count: usize = children.iter().map(Vec::len).sum();
    h.strings_off = h.ids_off + (id_count * 4) as u64;
    // Strings are interned while the area records are built, below; their length is
    // known only then, so the records are built first into memory.
    let mut area_recs: Vec<[u8; AREA_REC]> = Vec::with_capacity(areas.len());
    let mut geom_blobs_len: u64 = 0;
    let mut geom_rel: Vec<(u64, u32)> = Vec::with_capacity(areas.len());
    let mut child_at = 0u32;
    let mut child_offs = Vec::with_capacity(areas.len());
    for (i, a) in areas.iter().enumerate() {
        let len = geom_len(&a.polygons);
        geom_rel.push((geom_blobs_len, len as u32));
        geom_blobs_len += len;
        child_offs.push(child_at);
        child_at += children[i].len() as u32;
    }
    for (i, a) in areas.iter().enumerate() {
        let mut r = [0u8; AREA_REC];
        let (co, cl) = intern(&a.code);
        let (no, nl) = intern(&a.name);
        let (go, gl) = intern(&a.generation);
        r[0..4].copy_from_slice(&co.to_le_bytes());
        r[4..6].copy_from_slice(&cl.to_le_bytes());
        r[6..8].copy_from_slice(&nl.to_le_bytes());
        r[8..12].copy_from_slice(&no.to_le_bytes());
        r[12..16].copy_from_slice(&go.to_le_bytes());
        r[16..18].copy_from_slice(&gl.to_le_bytes());
        r[18] = a.area_type.to_u8();
        r[19] = a.country.bytes().next().unwrap_or(0);
        r[20..24].copy_from_slice(&id_of(&a.parent).unwrap_or(NONE).to_le_bytes());
        r[24..28].copy_from_slice(&id_of(&a.ncp).unwrap_or(NONE).to_le_bytes());
        let vertices: usize = a
            .polygons
            .iter()
            .flatten()
            .map(|r| r.len().saturating_sub(1))
            .sum();
        stats.vertices += vertices;
        r[28..32].copy_from_slice(&(a.polygons.len() as u32).to_le_bytes());
        r[32..36].copy_from_slice(&(vertices as u32).to_le_bytes());
        let b = if a.polygons.is_empty() {
            // An NCP area has no geometry of its own: its box is its district's.
            id_of(&a.parent)
                .map(|p| bbox(areas[p as usize].polygons.iter().flatten().flatten()))
                .filter(|b| b[0] <= b[2])
                .unwrap_or([0; 4])
        } else {
            bbox(a.polygons.iter().flatten().flatten())
        };
        for (k, v) in b.iter().enumerate() {
            r[36 + 4 * k..40 + 4 * k].copy_from_slice(&v.to_le_bytes());
        }
        r[52..56].copy_from_slice(&child_offs[i].to_le_bytes());
        r[56..60].copy_from_slice(&(children[i].len() as u32).to_le_bytes());
        area_recs.push(r);
    }
    h.strings_len = strings.len() as u64;
    h.geom_off = h.strings_off + h.strings_len;
    h.stripes_off = h.geom_off + geom_blobs_len;
    for (r, (rel, len)) in area_recs.iter_mut().zip(&geom_rel) {
        let off = if *len == 0 { 0 } else { h.geom_off + rel };
        r[60..68].copy_from_slice(&off.to_le_bytes());
        r[68..72].copy_from_slice(&len.to_le_bytes());
    }
    let mut stripe_offs = Vec::with_capacity(parts.len());
    let mut at = h.stripes_off;
    for p in &parts {
        stripe_offs.push(at);
        at += (p.stripes.offsets.len() * 4 + p.stripes.entries.len() * 16) as u64;
        stats.stripe_entries += p.stripes.entries.len();
    }
    h.file_len = at;
    stats.polygons = parts.len();
    stats.bytes = at;

    // Write.
    let mut w = io::BufWriter::with_capacity(1 << 20, out);
    w.write_all(&h.to_bytes())?;
    let mut base = h.entries_off;
    for (t, leaves, entries, levels) in &trees {
        let mut r = [0u8; TREE_REC];
        r[0] = t.to_u8();
        r[4..8].copy_from_slice(&(levels[0]).to_le_bytes());
        r[8..12].copy_from_slice(&(levels.len() as u32).to_le_bytes());
        r[16..24].copy_from_slice(&base.to_le_bytes());
        for (k, l) in levels.iter().enumerate() {
            r[24 + 4 * k..28 + 4 * k].copy_from_slice(&l.to_le_bytes());
        }
        w.write_all(&r)?;
        base += (leaves.len() * LEAF_REC + entries.len() * ENTRY_REC) as u64;
    }
    for r in &area_recs {
        w.write_all(r)?;
    }
    for (_, leaves, entries, _) in &trees {
        for &pi in leaves {
            let p = &parts[pi as usize];
            let mut r = [0u8; LEAF_REC];
            for (k, v) in p.stripes.bbox.iter().enumerate() {
                r[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
            r[16..20].copy_from_slice(&p.area.to_le_bytes());
            r[20..24].copy_from_slice(&p.stripes.count().to_le_bytes());
            r[24..28].copy_from_slice(&p.stripes.height.to_le_bytes());
            r[28..32].copy_from_slice(&(p.stripes.entries.len() as u32).to_le_bytes());
            r[32..40].copy_from_slice(&stripe_offs[pi as usize].to_le_bytes());
            w.write_all(&r)?;
        }
        for e in entries {
            w.write_all(e)?;
        }
    }
    for c in &children {
        for id in c {
            w.write_all(&id.to_le_bytes())?;
        }
    }
    w.write_all(&strings)?;
    for a in &areas {
        write_geom(&mut w, &a.polygons)?;
    }
    for p in &parts {
        for o in &p.stripes.offsets {
            w.write_all(&o.to_le_bytes())?;
        }
        for e in &p.stripes.entries {
            let mut b = [0u8; 16];
            for (k, v) in e.iter().enumerate() {
                b[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
            }
            w.write_all(&b)?;
        }
    }
    w.flush()?;
    Ok(stats)
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Geometry blob: `u32` polygon count; per polygon a `u32` ring count; per ring a
/// `u32` vertex count and the vertices (`i32` x, y) without the closing repeat.
fn geom_len(polys: &[Vec<Vec<Pt>>]) -> u64 {
    if polys.is_empty() {
        return 0;
    }
    let mut n = 4u64;
    for p in polys {
        n += 4;
        for r in p {
            n += 4 + 8 * r.len().saturating_sub(1) as u64;
        }
    }
    n
}

fn write_geom<W: Write>(w: &mut W, polys: &[Vec<Vec<Pt>>]) -> io::Result<()> {
    if polys.is_empty() {
        return Ok(());
    }
    w.write_all(&(polys.len() as u32).to_le_bytes())?;
    for p in polys {
        w.write_all(&(p.len() as u32).to_le_bytes())?;
        for r in p {
            let n = r.len().saturating_sub(1);
            w.write_all(&(n as u32).to_le_bytes())?;
            for v in &r[..n] {
                w.write_all(&v[0].to_le_bytes())?;
                w.write_all(&v[1].to_le_bytes())?;
            }
        }
    }
    Ok(())
}

/// Packs a static R-tree (flatbush-style): leaves sorted by the Hilbert index of their
/// box centres, then each level made of boxes over runs of `NODE_SIZE` entries of the
/// level below, until a level has at most `NODE_SIZE` entries. Returns the leaves (as
/// members, in order), the internal entries, level by level, and the cumulative entry
/// count at the end of each level (leaves first).
fn pack_rtree(
    members: &[u32],
    bbox_of: impl Fn(u32) -> [i32; 4],
) -> (Vec<u32>, Vec<[u8; ENTRY_REC]>, Vec<u32>) {
    let boxes: Vec<[i32; 4]> = members.iter().map(|&m| bbox_of(m)).collect();
    let ext = union(boxes.iter());
    let w = (i64::from(ext[2]) - i64::from(ext[0])).max(1) as f64;
    let hgt = (i64::from(ext[3]) - i64::from(ext[1])).max(1) as f64;
    let mut order: Vec<(u64, usize)> = boxes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let cx = (f64::from(b[0]) + f64::from(b[2])) / 2.0 - f64::from(ext[0]);
            let cy = (f64::from(b[1]) + f64::from(b[3])) / 2.0 - f64::from(ext[1]);
            let hx = (cx / w * 65535.0) as u32;
            let hy = (cy / hgt * 65535.0) as u32;
            (hilbert(hx.min(65535), hy.min(65535)), i)
        })
        .collect();
    order.sort_unstable();
    let leaves: Vec<u32> = order.iter().map(|&(_, i)| members[i]).collect();
    let mut level: Vec<[i32; 4]> = order.iter().map(|&(_, i)| boxes[i]).collect();
    let mut entries: Vec<[u8; ENTRY_REC]> = Vec::new();
    let mut levels = vec![level.len() as u32];
    let mut start = 0u32;
    while level.len() > NODE_SIZE && levels.len() < MAX_LEVELS {
        let next: Vec<([i32; 4], u32)> = level
            .chunks(NODE_SIZE)
            .enumerate()
            .map(|(k, chunk)| (union(chunk.iter()), start + (k * NODE_SIZE) as u32))
            .collect();
        start = *levels.last().unwrap_or(&0);
        for (b, c) in &next {
            entries.push(entry(b, *c));
        }
        levels.push(start + next.len() as u32);
        level = next.into_iter().map(|(b, _)| b).collect();
    }
    (leaves, entries, levels)
}

fn union<'a>(boxes: impl Iterator<Item = &'a [i32; 4]>) -> [i32; 4] {
    let mut u = [i32::MAX, i32::MAX, i32::MIN, i32::MIN];
    for b in boxes {
        u[0] = u[0].min(b[0]);
        u[1] = u[1].min(b[1]);
        u[2] = u[2].max(b[2]);
        u[3] = u[3].max(b[3]);
    }
    u
}

fn entry(b: &[i32; 4], child: u32) -> [u8; ENTRY_REC] {
    let mut e = [0u8; ENTRY_REC];
    for (k, v) in b.iter().enumerate() {
        e[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
    }
    e[16..20].copy_from_slice(&child.to_le_bytes());
    e
}
