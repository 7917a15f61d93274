//! Queries on the index (`docs/boundary-index.md`): opening it, the R-tree descent,
//! the covers test on y-stripes of edges, and decoding areas, names and geometry,
//! all through the page cache of `pages.rs`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use super::pages::{PAGE, Pages};
use super::{
    AREA_REC, ENTRY_REC, FLAG_HAS_PARISHES, HEADER_LEN, Header, LEAF_REC, MAX_LEVELS, NODE_SIZE,
    NONE, TREE_REC, le_i32, le_u16, le_u32, le_u64,
};
use crate::error::IndexError;
use crate::geom::{Edge, Location, Pt, Stripes, bbox_contains, from_fixed, locate, to_fixed};
use crate::types::{Area, AreaDetails, AreaType, Polygon, Wgs84Point};

/// One R-tree of the type directory.
#[derive(Debug, Clone)]
struct Tree {
    area_type: AreaType,
    base: u64,
    levels: Vec<u32>,
}

/// A decoded area record.
#[derive(Debug, Clone)]
struct AreaRec {
    code: (u32, u16),
    name: (u32, u16),
    generation: (u32, u16),
    area_type: AreaType,
    country: u8,
    parent: u32,
    ncp: u32,
    polygon_count: u32,
    vertex_count: u32,
    bbox: [i32; 4],
    children: (u32, u32),
    geom: (u64, u32),
}

/// A decoded R-tree leaf: one polygon.
#[derive(Debug, Clone)]
struct Leaf {
    bbox: [i32; 4],
    area: u32,
    stripe_count: u32,
    stripe_height: u32,
    entry_count: u32,
    stripes_off: u64,
}

impl Leaf {
    fn decode(e: &[u8]) -> Leaf {
        Leaf {
            bbox: [le_i32(e, 0), le_i32(e, 4), le_i32(e, 8), le_i32(e, 12)],
            area: le_u32(e, 16),
            stripe_count: le_u32(e, 20),
            stripe_height: le_u32(e, 24),
            entry_count: le_u32(e, 28),
            stripes_off: le_u64(e, 32),
        }
    }
}

/// Most decoded areas kept by one handle.
const AREA_MEMO: usize = 1 << 16;

/// A boundary index opened for queries (`docs/boundary-index.md`).
///
/// [`AreaIndex::open`] reads the 128-byte header and the type directory, nothing
/// else; each query then reads only the pages it needs (the R-tree nodes on the
/// point's path, the candidate polygons' records, the one y-stripe of edges at the
/// point's latitude, the area records and names). Pages are cached, up to
/// [`DEFAULT_CACHE_BYTES`](crate::DEFAULT_CACHE_BYTES) unless
/// [`AreaIndex::with_cache_bytes`] says otherwise.
///
/// # Boundary rule
///
/// A polygon *covers* a point when the point is inside it or on its boundary
/// (MapIt's `ST_Covers`, which it moved to from `ST_Contains` after missing points on
/// edges). When several areas of one type cover a point, the area with the lowest
/// GSS code (byte order) is the answer for that type, so every point has at most one
/// area per type; a point in a district but in no parish gets the district's
/// non-parished (`NCP`) area. Coordinates are rounded to 10⁻⁷ degrees and tested
/// exactly, so the answer never depends on floating-point rounding.
///
/// ```
/// use council_areas::{AreaIndex, AreaType, BoundaryImporter, LayerOptions};
/// # fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Vec<[f64; 2]>> {
/// #     vec![vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
/// # }
/// // Two parishes sharing the edge x = 0.5 (E04000002 west, E04000001 east), in a
/// // district covering both.
/// let mut imp = BoundaryImporter::new();
/// let layer = LayerOptions::default();
/// imp.add_area("E07000001", "District", Some(AreaType::Dis), vec![square(0.0, 0.0, 1.0, 1.0)], &layer)?;
/// imp.add_area("E04000002", "West", None, vec![square(0.0, 0.0, 0.5, 1.0)], &layer)?;
/// imp.add_area("E04000001", "East", None, vec![square(0.5, 0.0, 1.0, 1.0)], &layer)?;
/// let mut file = Vec::new();
/// imp.write_index(&mut file)?;
/// let index = AreaIndex::open(std::io::Cursor::new(file))?;
/// let parish = |lon, lat| -> Result<Option<String>, council_areas::IndexError> {
///     Ok(index.areas_at(lon, lat, &[AreaType::Cpc])?.first().map(|a| a.code.clone()))
/// };
/// // Inside: the one parish that covers the point.
/// assert_eq!(parish(0.25, 0.5)?.as_deref(), Some("E04000002"));
/// assert_eq!(parish(0.75, 0.5)?.as_deref(), Some("E04000001"));
/// // On the shared edge, and on a shared vertex: both cover it; the lowest code wins.
/// assert_eq!(parish(0.5, 0.5)?.as_deref(), Some("E04000001"));
/// assert_eq!(parish(0.5, 1.0)?.as_deref(), Some("E04000001"));
/// // On the outer boundary: covered (ST_Covers), not missed (ST_Contains would miss it).
/// assert_eq!(parish(0.0, 0.5)?.as_deref(), Some("E04000002"));
/// // Outside everything: nothing, not an error.
/// assert_eq!(parish(2.0, 0.5)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AreaIndex<R> {
    name: String,
    header: Header,
    trees: Vec<Tree>,
    pages: RefCell<Pages<R>>,
    /// Areas already decoded (with their parent's code), by id.
    memo: RefCell<HashMap<u32, Area>>,
}

impl<R> std::fmt::Debug for AreaIndex<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AreaIndex")
            .field("name", &self.name)
            .field("areas", &self.header.area_count)
            .field("polygons", &self.header.part_count)
            .field("bytes", &self.header.file_len)
            .finish()
    }
}

impl<R: Read + Seek> AreaIndex<R> {
    /// Opens an index, reading its header and type directory only.
    ///
    /// Fails with [`IndexError::IndexUnavailable`] when the file is not an index, is
    /// of another format version, is truncated, or cannot be read.
    pub fn open(reader: R) -> Result<AreaIndex<R>, IndexError> {
        AreaIndex::open_named(reader, "boundary index")
    }

    /// Like [`AreaIndex::open`], naming the file in error messages.
    pub fn open_named(mut reader: R, name: &str) -> Result<AreaIndex<R>, IndexError> {
        let unavailable = |m: String| IndexError::IndexUnavailable(format!("{name}: {m}"));
        let len = reader
            .seek(SeekFrom::End(0))
            .map_err(|e| unavailable(format!("cannot seek: {e}")))?;
        // Header and type directory in one read (the directory follows the header).
        let mut head = vec![0u8; (HEADER_LEN as u64 + 16 * TREE_REC as u64).min(len) as usize];
        reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| reader.read_exact(&mut head))
            .map_err(|e| unavailable(format!("cannot read the header: {e}")))?;
        let header = Header::parse(&head).map_err(|e| unavailable(e.to_string()))?;
        if header.file_len != len {
            return Err(unavailable(format!(
                "truncated or padded: {len} bytes, the header says {}",
                header.file_len
            )));
        }
        let sections = [
            header
                .trees_off
                .checked_add(u64::from(header.tree_count) * TREE_REC as u64),
            header
                .areas_off
                .checked_add(u64::from(header.area_count) * AREA_REC as u64),
            header.strings_off.checked_add(header.strings_len),
        ];
        if sections.iter().any(|end| end.is_none_or(|e| e > len))
            || header.ids_off > header.strings_off
        {
            return Err(unavailable("corrupt: a section runs past the end".into()));
        }
        let dir_len = header.tree_count as usize * TREE_REC;
        let dir_at = header.trees_off as usize;
        let dir: Vec<u8> = match head.get(dir_at..dir_at + dir_len) {
            Some(d) => d.to_vec(),
            None => {
                let mut d = vec![0u8; dir_len];
                reader
                    .seek(SeekFrom::Start(header.trees_off))
                    .and_then(|_| reader.read_exact(&mut d))
                    .map_err(|e| unavailable(format!("cannot read the type directory: {e}")))?;
                d
            }
        };
        let mut trees = Vec::with_capacity(header.tree_count as usize);
        for r in dir.chunks_exact(TREE_REC) {
            let area_type = AreaType::from_u8(r[0])
                .ok_or_else(|| unavailable(format!("corrupt: area type byte {}", r[0])))?;
            let level_count = le_u32(r, 8) as usize;
            if level_count == 0 || level_count > MAX_LEVELS {
                return Err(unavailable(format!(
                    "corrupt: R-tree with {level_count} levels"
                )));
            }
            let levels: Vec<u32> = (0..level_count).map(|k| le_u32(r, 24 + 4 * k)).collect();
            let base = le_u64(r, 16);
            let bytes = u64::from(levels[0]) * LEAF_REC as u64
                + u64::from(levels[level_count - 1] - levels[0].min(levels[level_count - 1]))
                    * ENTRY_REC as u64;
            if levels.windows(2).any(|w| w[0] >= w[1])
                || base.checked_add(bytes).is_none_or(|e| e > len)
            {
                return Err(unavailable("corrupt: R-tree levels".into()));
            }
            trees.push(Tree {
                area_type,
                base,
                levels,
            });
        }
        Ok(AreaIndex {
            name: name.to_string(),
            header,
            trees,
            pages: RefCell::new(Pages::new(reader, len)),
            memo: RefCell::new(HashMap::new()),
        })
    }

    /// Keeps at most `bytes` of the file in memory (at least one page).
    pub fn with_cache_bytes(self, bytes: usize) -> Self {
        self.pages.borrow_mut().max_pages = (bytes / PAGE as usize).max(1);
        self
    }

    /// Number of areas in the index.
    pub fn area_count(&self) -> usize {
        self.header.area_count as usize
    }

    /// The area types that have geometry in the index, in rank order.
    pub fn area_types(&self) -> Vec<AreaType> {
        let mut t: Vec<AreaType> = self.trees.iter().map(|t| t.area_type).collect();
        t.sort_by_key(|t| t.rank());
        t
    }

    fn corrupt(&self, m: String) -> IndexError {
        IndexError::IndexUnavailable(format!("{}: {m}", self.name))
    }

    /// Calls `f` with the bytes at `off..off + len`.
    fn with<T>(&self, off: u64, len: usize, f: impl FnOnce(&[u8]) -> T) -> Result<T, IndexError> {
        self.pages
            .borrow_mut()
            .with(off, len, f)
            .map_err(|e| self.corrupt(e.to_string()))
    }

    fn area_rec(&self, id: u32) -> Result<AreaRec, IndexError> {
        if id >= self.header.area_count {
            return Err(self.corrupt(format!("corrupt: area id {id} out of range")));
        }
        let (type_byte, mut rec) = self.with(
            self.header.areas_off + u64::from(id) * AREA_REC as u64,
            AREA_REC,
            |r| {
                (
                    r[18],
                    AreaRec {
                        code: (le_u32(r, 0), le_u16(r, 4)),
                        name: (le_u32(r, 8), le_u16(r, 6)),
                        generation: (le_u32(r, 12), le_u16(r, 16)),
                        area_type: AreaType::from_u8(r[18]).unwrap_or(AreaType::Cpc),
                        country: r[19],
                        parent: le_u32(r, 20),
                        ncp: le_u32(r, 24),
                        polygon_count: le_u32(r, 28),
                        vertex_count: le_u32(r, 32),
                        bbox: [le_i32(r, 36), le_i32(r, 40), le_i32(r, 44), le_i32(r, 48)],
                        children: (le_u32(r, 52), le_u32(r, 56)),
                        geom: (le_u64(r, 60), le_u32(r, 68)),
                    },
                )
            },
        )?;
        rec.area_type = AreaType::from_u8(type_byte)
            .ok_or_else(|| self.corrupt(format!("corrupt: area type byte {type_byte}")))?;
        Ok(rec)
    }

    fn string(&self, (off, len): (u32, u16)) -> Result<String, IndexError> {
        if u64::from(off) + u64::from(len) > self.header.strings_len {
            return Err(self.corrupt("corrupt: string out of range".into()));
        }
        self.with(
            self.header.strings_off + u64::from(off),
            usize::from(len),
            |b| String::from_utf8(b.to_vec()),
        )?
        .map_err(|_| self.corrupt("corrupt: string is not UTF-8".into()))
    }

    /// Compares the string at `at` with `s`, without allocating.
    fn string_cmp(
        &self,
        (off, len): (u32, u16),
        s: &str,
    ) -> Result<std::cmp::Ordering, IndexError> {
        if u64::from(off) + u64::from(len) > self.header.strings_len {
            return Err(self.corrupt("corrupt: string out of range".into()));
        }
        self.with(
            self.header.strings_off + u64::from(off),
            usize::from(len),
            |b| b.cmp(s.as_bytes()),
        )
    }

    fn area_uncached(&self, rec: &AreaRec) -> Result<Area, IndexError> {
        let parent_code = if rec.parent == NONE {
            None
        } else {
            Some(self.string(self.area_rec(rec.parent)?.code)?)
        };
        let country = match rec.country {
            0 => String::new(),
            c if c.is_ascii_alphabetic() => char::from(c).to_string(),
            c => return Err(self.corrupt(format!("corrupt: country byte {c}"))),
        };
        Ok(Area {
            code: self.string(rec.code)?,
            name: self.string(rec.name)?,
            area_type: rec.area_type,
            parent_code,
            country,
        })
    }

    /// The area with this id, decoded once per handle.
    fn area(&self, id: u32) -> Result<Area, IndexError> {
        if let Some(a) = self.memo.borrow().get(&id) {
            return Ok(a.clone());
        }
        let rec = self.area_rec(id)?;
        let area = self.area_uncached(&rec)?;
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= AREA_MEMO {
            memo.clear();
        }
        memo.insert(id, area.clone());
        Ok(area)
    }

    /// The byte offset of entry `k` of a tree (leaves are `LEAF_REC` bytes, internal
    /// entries `ENTRY_REC`).
    fn entry_at(tree: &Tree, k: u32) -> u64 {
        let leaves = tree.levels[0];
        if k < leaves {
            tree.base + u64::from(k) * LEAF_REC as u64
        } else {
            tree.base
                + u64::from(leaves) * LEAF_REC as u64
                + u64::from(k - leaves) * ENTRY_REC as u64
        }
    }

    /// Polygons of one tree whose boxes contain `p`.
    fn candidates(&self, tree: &Tree, p: Pt, out: &mut Vec<Leaf>) -> Result<(), IndexError> {
        let top = tree.levels.len() - 1;
        let level_start = |l: usize| if l == 0 { 0 } else { tree.levels[l - 1] };
        let mut stack: Vec<(usize, u32, u32)> = vec![(top, level_start(top), tree.levels[top])];
        let mut children: Vec<u32> = Vec::new();
        // A well-formed tree visits each entry at most once; more means a damaged
        // file whose nodes share children.
        let mut budget = u64::from(tree.levels[top]);
        while let Some((level, start, end)) = stack.pop() {
            budget = budget.saturating_sub(u64::from(end - start.min(end)));
            if budget == 0 && !stack.is_empty() {
                return Err(self.corrupt("corrupt: R-tree nodes share children".into()));
            }
            let mut at = start;
            while at < end {
                let n = ((end - at) as usize).min(NODE_SIZE);
                let rec = if level == 0 { LEAF_REC } else { ENTRY_REC };
                children.clear();
                self.with(Self::entry_at(tree, at), n * rec, |bytes| {
                    for e in bytes.chunks_exact(rec) {
                        let b = [le_i32(e, 0), le_i32(e, 4), le_i32(e, 8), le_i32(e, 12)];
                        if !bbox_contains(&b, p) {
                            continue;
                        }
                        if level == 0 {
                            out.push(Leaf::decode(e));
                        } else {
                            children.push(le_u32(e, 16));
                        }
                    }
                })?;
                if level > 0 {
                    let (lo, hi) = (level_start(level - 1), tree.levels[level - 1]);
                    for &child in &children {
                        if child < lo || child >= hi {
                            return Err(self.corrupt("corrupt: R-tree child out of range".into()));
                        }
                        let child_end = (child as usize + NODE_SIZE).min(hi as usize) as u32;
                        stack.push((level - 1, child, child_end));
                    }
                }
                at += n as u32;
            }
        }
        Ok(())
    }

    /// Covers test of one polygon: reads the stripe at `p`'s latitude only.
    fn covers(&self, leaf: &Leaf, p: Pt) -> Result<bool, IndexError> {
        if !bbox_contains(&leaf.bbox, p) {
            return Ok(false);
        }
        let Some(k) = Stripes::stripe_of(&leaf.bbox, leaf.stripe_height, leaf.stripe_count, p[1])
        else {
            return Ok(false);
        };
        let (a, b) = self.with(leaf.stripes_off + 4 * u64::from(k), 8, |o| {
            (le_u32(o, 0), le_u32(o, 4))
        })?;
        if a > b || b > leaf.entry_count {
            return Err(self.corrupt("corrupt: stripe offsets".into()));
        }
        let entries_at = leaf.stripes_off + 4 * (u64::from(leaf.stripe_count) + 1);
        let loc = self.with(
            entries_at + 16 * u64::from(a),
            16 * (b - a) as usize,
            |bytes| {
                locate(
                    bytes.chunks_exact(16).map(|e| -> Edge {
                        [le_i32(e, 0), le_i32(e, 4), le_i32(e, 8), le_i32(e, 12)]
                    }),
                    p,
                )
            },
        )?;
        Ok(loc != Location::Outside)
    }

    /// The area of one tree that covers `p` with the lowest code (= lowest id).
    fn lowest_covering(
        &self,
        tree: &Tree,
        p: Pt,
        leaves: &mut Vec<Leaf>,
    ) -> Result<Option<u32>, IndexError> {
        leaves.clear();
        self.candidates(tree, p, leaves)?;
        leaves.sort_by_key(|l| l.area);
        for l in leaves.iter() {
            if self.covers(l, p)? {
                return Ok(Some(l.area));
            }
        }
        Ok(None)
    }

    /// Every area of the given types (all types when `types` is empty) that covers
    /// the WGS84 point (`lon`, `lat`), ordered from the smallest (parish) to the
    /// largest (county), at most one per type, by the boundary rule described on
    /// [`AreaIndex`].
    ///
    /// Nothing found is an empty list. Fails with [`IndexError::InvalidPoint`] for a
    /// non-finite or out-of-range position and [`IndexError::IndexUnavailable`] when
    /// the file cannot be read or is corrupt.
    pub fn areas_at(
        &self,
        lon: f64,
        lat: f64,
        types: &[AreaType],
    ) -> Result<Vec<Area>, IndexError> {
        let p = to_fixed(lon, lat).ok_or_else(|| {
            IndexError::InvalidPoint(format!(
                "longitude {lon}, latitude {lat} is not a WGS84 position"
            ))
        })?;
        let wants = |t: AreaType| types.is_empty() || types.contains(&t);
        let want_ncp = wants(AreaType::Ncp) && self.header.flags & FLAG_HAS_PARISHES != 0;
        let mut found: Vec<(AreaType, u32)> = Vec::new();
        let mut leaves = Vec::new();
        for tree in &self.trees {
            let t = tree.area_type;
            let needed = wants(t) || (want_ncp && (t == AreaType::Cpc || t.is_district_level()));
            if !needed {
                continue;
            }
            if let Some(id) = self.lowest_covering(tree, p, &mut leaves)? {
                found.push((t, id));
            }
        }
        if want_ncp && !found.iter().any(|(t, _)| *t == AreaType::Cpc) {
            // The non-parished area of the smallest district-level area found.
            let mut districts: Vec<(AreaType, u32)> = found
                .iter()
                .copied()
                .filter(|(t, _)| t.is_district_level())
                .collect();
            districts.sort_by_key(|(t, _)| t.rank());
            for (_, d) in districts {
                let ncp = self.area_rec(d)?.ncp;
                if ncp != NONE {
                    found.push((AreaType::Ncp, ncp));
                    break;
                }
            }
        }
        let mut out = Vec::with_capacity(found.len());
        for (t, id) in found {
            if wants(t) {
                out.push(self.area(id)?);
            }
        }
        out.sort_by_key(|a| a.area_type.rank());
        Ok(out)
    }

    /// The id of the area with this code, by binary search of the code-ordered area
    /// table.
    fn find(&self, code: &str) -> Result<Option<u32>, IndexError> {
        let (mut lo, mut hi) = (0u32, self.header.area_count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.string_cmp(self.area_rec(mid)?.code, code)? {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(mid)),
            }
        }
        Ok(None)
    }

    /// One area by GSS code with its details; `None` when the code is unknown.
    pub fn area_by_code(&self, code: &str) -> Result<Option<AreaDetails>, IndexError> {
        let Some(id) = self.find(code)? else {
            return Ok(None);
        };
        let rec = self.area_rec(id)?;
        let area = self.area(id)?;
        let (off, count) = rec.children;
        let ids_len = (self.header.strings_off - self.header.ids_off) / 4;
        if u64::from(off) + u64::from(count) > ids_len {
            return Err(self.corrupt("corrupt: children out of range".into()));
        }
        let ids: Vec<u32> = self.with(
            self.header.ids_off + 4 * u64::from(off),
            4 * count as usize,
            |b| b.chunks_exact(4).map(|c| le_u32(c, 0)).collect(),
        )?;
        let mut children = Vec::with_capacity(ids.len());
        for id in ids {
            children.push(self.string(self.area_rec(id)?.code)?);
        }
        Ok(Some(AreaDetails {
            area,
            min: from_fixed([rec.bbox[0], rec.bbox[1]]),
            max: from_fixed([rec.bbox[2], rec.bbox[3]]),
            polygon_count: rec.polygon_count,
            vertex_count: rec.vertex_count,
            children,
            generation: self.string(rec.generation)?,
        }))
    }

    /// The areas whose parent is the area with this code, in code order; `None` when
    /// the code is unknown.
    pub fn children(&self, code: &str) -> Result<Option<Vec<Area>>, IndexError> {
        let Some(details) = self.area_by_code(code)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(details.children.len());
        for c in &details.children {
            if let Some(id) = self.find(c)? {
                out.push(self.area(id)?);
            }
        }
        Ok(Some(out))
    }

    /// The geometry of an area in WGS84, as polygons (outer ring counter-clockwise,
    /// holes clockwise, each ring closed); `None` when the code is unknown. A
    /// non-parished (`NCP`) area has no geometry of its own: an empty list.
    pub fn geometry(&self, code: &str) -> Result<Option<Vec<Polygon>>, IndexError> {
        let Some(id) = self.find(code)? else {
            return Ok(None);
        };
        let (off, len) = self.area_rec(id)?.geom;
        if len == 0 {
            return Ok(Some(Vec::new()));
        }
        self.with(off, len as usize, decode_geometry)?
            .map(Some)
            .ok_or_else(|| self.corrupt(format!("corrupt: geometry of {code}")))
    }

    /// Every area of some types (all types when `types` is empty), ordered by code.
    pub fn list_areas(&self, types: &[AreaType]) -> Result<Vec<Area>, IndexError> {
        let mut out = Vec::new();
        for id in 0..self.header.area_count {
            let rec = self.area_rec(id)?;
            if types.is_empty() || types.contains(&rec.area_type) {
                out.push(self.area(id)?);
            }
        }
        Ok(out)
    }
}

/// Decodes a geometry blob (`docs/boundary-index.md`); `None` when malformed.
fn decode_geometry(b: &[u8]) -> Option<Vec<Polygon>> {
    let mut at = 0usize;
    let next = |at: &mut usize| -> Option<u32> {
        let v = b.get(*at..*at + 4)?;
        *at += 4;
        Some(le_u32(v, 0))
    };
    let npoly = next(&mut at)?;
    let mut polys = Vec::new();
    for _ in 0..npoly {
        let nrings = next(&mut at)?;
        let mut poly = Vec::new();
        for _ in 0..nrings {
            let n = next(&mut at)? as usize;
            if n > (b.len() - at) / 8 {
                return None;
            }
            let mut ring: Vec<Wgs84Point> = (0..n)
                .map(|k| from_fixed([le_i32(b, at + 8 * k), le_i32(b, at + 8 * k + 4)]))
                .collect();
            at += 8 * n;
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            poly.push(ring);
        }
        polys.push(poly);
    }
    Some(polys)
}
