//! Exact planar geometry on fixed-point coordinates: the covers test, ring validation,
//! winding, y-stripes and interior points.
//!
//! Coordinates are WGS84 degrees × 10⁷ rounded to `i32` (about 1.1 cm of latitude),
//! as OpenStreetMap stores them. Every predicate is evaluated exactly in `i128`, so
//! the answer for a point on an edge or a vertex never depends on floating-point
//! rounding: two neighbours that share an edge share it bit for bit, and a point on it
//! is on the boundary of both.

use crate::types::Wgs84Point;

/// Fixed-point units per degree.
pub(crate) const SCALE: f64 = 1e7;

/// A position in fixed-point degrees: `[x = longitude, y = latitude]`.
pub(crate) type Pt = [i32; 2];

/// An edge `[x1, y1, x2, y2]`.
pub(crate) type Edge = [i32; 4];

/// Converts degrees to fixed point; `None` when not finite or outside ±180/±90.
pub(crate) fn to_fixed(lon: f64, lat: f64) -> Option<Pt> {
    if !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0 {
        return None;
    }
    Some([(lon * SCALE).round() as i32, (lat * SCALE).round() as i32])
}

/// Converts fixed point back to degrees.
pub(crate) fn from_fixed(p: Pt) -> Wgs84Point {
    Wgs84Point {
        longitude: f64::from(p[0]) / SCALE,
        latitude: f64::from(p[1]) / SCALE,
    }
}

/// Twice the signed area of triangle `a b p`: positive when `p` is left of `a → b`.
#[inline]
pub(crate) fn orient(a: Pt, b: Pt, p: Pt) -> i128 {
    let (ax, ay) = (i128::from(a[0]), i128::from(a[1]));
    (i128::from(b[0]) - ax) * (i128::from(p[1]) - ay)
        - (i128::from(b[1]) - ay) * (i128::from(p[0]) - ax)
}

/// Where a point is relative to a set of rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// Strictly outside.
    Outside,
    /// Strictly inside.
    Inside,
    /// On an edge or a vertex.
    Boundary,
}

/// Classifies `p` against edges, which must include every edge of the rings whose
/// y-range contains `p`'s y (others are ignored correctly). Crossing parity of a ray
/// towards +x with the half-open rule (an edge counts when exactly one end is
/// strictly above `p`), so each vertex is counted once, whatever the winding.
#[inline]
pub(crate) fn locate<I: IntoIterator<Item = Edge>>(edges: I, p: Pt) -> Location {
    let mut inside = false;
    for [x1, y1, x2, y2] in edges {
        let (lo_y, hi_y) = if y1 <= y2 { (y1, y2) } else { (y2, y1) };
        if p[1] < lo_y || p[1] > hi_y {
            continue;
        }
        let o = orient([x1, y1], [x2, y2], p);
        if o == 0 {
            let (lo_x, hi_x) = if x1 <= x2 { (x1, x2) } else { (x2, x1) };
            if lo_x <= p[0] && p[0] <= hi_x {
                return Location::Boundary;
            }
            continue;
        }
        if (y1 > p[1]) != (y2 > p[1]) {
            // The crossing is right of p iff p is left of the upward-directed edge.
            if (y2 > y1) == (o > 0) {
                inside = !inside;
            }
        }
    }
    if inside {
        Location::Inside
    } else {
        Location::Outside
    }
}

/// The edges of closed rings (`first == last`).
pub(crate) fn ring_edges(ring: &[Pt]) -> impl Iterator<Item = Edge> + '_ {
    ring.windows(2)
        .map(|w| [w[0][0], w[0][1], w[1][0], w[1][1]])
}

/// Twice the signed area of a closed ring (positive: counter-clockwise).
pub(crate) fn ring_area2(ring: &[Pt]) -> i128 {
    ring.windows(2)
        .map(|w| {
            i128::from(w[0][0]) * i128::from(w[1][1]) - i128::from(w[1][0]) * i128::from(w[0][1])
        })
        .sum()
}

/// Bounding box `[min_x, min_y, max_x, max_y]` of points.
pub(crate) fn bbox<'a, I: IntoIterator<Item = &'a Pt>>(pts: I) -> [i32; 4] {
    let mut b = [i32::MAX, i32::MAX, i32::MIN, i32::MIN];
    for p in pts {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    b
}

/// Whether `b` contains `p` (closed box).
#[inline]
pub(crate) fn bbox_contains(b: &[i32; 4], p: Pt) -> bool {
    b[0] <= p[0] && p[0] <= b[2] && b[1] <= p[1] && p[1] <= b[3]
}

/// Removes consecutive duplicate positions (which quantisation can create) and makes
/// sure the ring ends where it starts.
pub(crate) fn dedupe_ring(ring: &mut Vec<Pt>) {
    ring.dedup();
    if ring.len() > 1 && ring.first() == ring.last() {
        return;
    }
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
}

/// How two segments meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meet {
    /// They do not.
    Apart,
    /// They cross at a point interior to both.
    Cross,
    /// They share exactly one point that is an end of at least one of them.
    Touch,
    /// They are collinear and share a piece of positive length.
    Overlap,
}

fn on_segment(a: Pt, b: Pt, p: Pt) -> bool {
    a[0].min(b[0]) <= p[0]
        && p[0] <= a[0].max(b[0])
        && a[1].min(b[1]) <= p[1]
        && p[1] <= a[1].max(b[1])
}

fn meet(a: Pt, b: Pt, c: Pt, d: Pt) -> Meet {
    let d1 = orient(c, d, a).signum();
    let d2 = orient(c, d, b).signum();
    let d3 = orient(a, b, c).signum();
    let d4 = orient(a, b, d).signum();
    if d1 == 0 && d2 == 0 {
        // Collinear: project on the longer axis.
        let axis = if (a[0] - b[0]).abs() >= (a[1] - b[1]).abs() {
            0
        } else {
            1
        };
        let (s0, s1) = (a[axis].min(b[axis]), a[axis].max(b[axis]));
        let (t0, t1) = (c[axis].min(d[axis]), c[axis].max(d[axis]));
        let lo = s0.max(t0);
        let hi = s1.min(t1);
        return if lo < hi {
            Meet::Overlap
        } else if lo == hi {
            Meet::Touch
        } else {
            Meet::Apart
        };
    }
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return Meet::Cross;
    }
    if (d1 == 0 && on_segment(c, d, a))
        || (d2 == 0 && on_segment(c, d, b))
        || (d3 == 0 && on_segment(a, b, c))
        || (d4 == 0 && on_segment(a, b, d))
    {
        return Meet::Touch;
    }
    Meet::Apart
}

/// Why a geometry is not a valid (OGC simple features) polygon or multipolygon.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Invalid {
    /// A ring has fewer than 4 positions (3 distinct) after rounding.
    TooFewPoints { polygon: usize, ring: usize },
    /// A ring has zero area.
    ZeroArea { polygon: usize, ring: usize },
    /// Two edges of one ring meet other than at their shared vertex, or two rings
    /// cross or overlap.
    SelfIntersection { at: Wgs84Point },
    /// A hole is not inside its outer ring.
    HoleOutside { polygon: usize, ring: usize },
    /// Two polygons of a multipolygon overlap.
    PolygonsOverlap { a: usize, b: usize },
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::TooFewPoints { polygon, ring } => write!(
                f,
                "polygon {polygon} ring {ring} has fewer than 4 positions (3 distinct)"
            ),
            Invalid::ZeroArea { polygon, ring } => {
                write!(f, "polygon {polygon} ring {ring} has zero area")
            }
            Invalid::SelfIntersection { at } => write!(
                f,
                "self-intersection near {:.7}, {:.7}",
                at.longitude, at.latitude
            ),
            Invalid::HoleOutside { polygon, ring } => {
                write!(
                    f,
                    "polygon {polygon} hole {ring} is not inside its outer ring"
                )
            }
            Invalid::PolygonsOverlap { a, b } => write!(f, "polygons {a} and {b} overlap"),
        }
    }
}

/// Validates a multipolygon of closed, de-duplicated rings (polygon → rings, the first
/// the outer ring). Checks: ≥ 4 positions and non-zero area per ring; no two edges of
/// a ring meet except adjacent edges at their shared vertex; rings of any polygons
/// never cross or overlap (they may touch at a point); every hole starts inside its
/// outer ring; no polygon lies inside another.
pub(crate) fn validate(polys: &[Vec<Vec<Pt>>]) -> Result<(), Invalid> {
    // Per-ring checks.
    for (pi, poly) in polys.iter().enumerate() {
        for (ri, ring) in poly.iter().enumerate() {
            if ring.len() < 4 {
                return Err(Invalid::TooFewPoints {
                    polygon: pi,
                    ring: ri,
                });
            }
        }
    }
    // Edge sweep: every pair of edges whose bounding boxes overlap is tested, with the
    // edges sorted by min x and an active list (a plain sort-and-sweep: realistic
    // boundaries keep the active list short).
    struct E {
        ring: u32,
        idx: u32,
        len: u32,
        a: Pt,
        b: Pt,
        min_x: i32,
        max_x: i32,
        min_y: i32,
        max_y: i32,
    }
    let mut edges = Vec::new();
    let mut ring_id = 0u32;
    for poly in polys {
        for ring in poly {
            let n = (ring.len() - 1) as u32;
            for (i, w) in ring.windows(2).enumerate() {
                edges.push(E {
                    ring: ring_id,
                    idx: i as u32,
                    len: n,
                    a: w[0],
                    b: w[1],
                    min_x: w[0][0].min(w[1][0]),
                    max_x: w[0][0].max(w[1][0]),
                    min_y: w[0][1].min(w[1][1]),
                    max_y: w[0][1].max(w[1][1]),
                });
            }
            ring_id += 1;
        }
    }
    edges.sort_unstable_by_key(|e| e.min_x);
    let mut active: Vec<usize> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        active.retain(|&j| edges[j].max_x >= e.min_x);
        for &j in &active {
            let f = &edges[j];
            if f.max_y < e.min_y || f.min_y > e.max_y {
                continue;
            }
            let m = meet(e.a, e.b, f.a, f.b);
            if m == Meet::Apart {
                continue;
            }
            let bad = if e.ring == f.ring {
                let n = e.len;
                let adjacent = (e.idx + 1) % n == f.idx || (f.idx + 1) % n == e.idx;
                if adjacent && n > 2 {
                    // Adjacent edges share one vertex; anything more (a spike
                    // folding back on itself) is an overlap.
                    m == Meet::Overlap || m == Meet::Cross
                } else {
                    true
                }
            } else {
                m != Meet::Touch
            };
            if bad {
                let at = meeting_point(e.a, e.b, f.a, f.b);
                return Err(Invalid::SelfIntersection { at: from_fixed(at) });
            }
        }
        active.push(i);
    }
    // A simple ring can still be degenerate (all positions on one line).
    for (pi, poly) in polys.iter().enumerate() {
        for (ri, ring) in poly.iter().enumerate() {
            if ring_area2(ring) == 0 {
                return Err(Invalid::ZeroArea {
                    polygon: pi,
                    ring: ri,
                });
            }
        }
    }
    // Holes inside their shells; polygons not inside one another.
    for (pi, poly) in polys.iter().enumerate() {
        for (ri, hole) in poly.iter().enumerate().skip(1) {
            if first_location(hole, &poly[..1]) == Location::Outside {
                return Err(Invalid::HoleOutside {
                    polygon: pi,
                    ring: ri,
                });
            }
        }
    }
    if polys.len() > 1 {
        let boxes: Vec<[i32; 4]> = polys.iter().map(|p| bbox(&p[0])).collect();
        for a in 0..polys.len() {
            for b in 0..polys.len() {
                if a == b || !boxes_overlap(&boxes[a], &boxes[b]) {
                    continue;
                }
                if first_location(&polys[a][0], &polys[b]) == Location::Inside {
                    return Err(Invalid::PolygonsOverlap {
                        a: a.min(b),
                        b: a.max(b),
                    });
                }
            }
        }
    }
    Ok(())
}

fn boxes_overlap(a: &[i32; 4], b: &[i32; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The location of the first vertex of `ring` that is not on the boundary of `rings`.
fn first_location(ring: &[Pt], rings: &[Vec<Pt>]) -> Location {
    for &p in ring {
        let loc = locate(rings.iter().flat_map(|r| ring_edges(r)), p);
        if loc != Location::Boundary {
            return loc;
        }
    }
    Location::Boundary
}

/// An approximate meeting point of two segments, for error messages.
fn meeting_point(a: Pt, b: Pt, c: Pt, d: Pt) -> Pt {
    for p in [a, b] {
        if orient(c, d, p) == 0 && on_segment(c, d, p) {
            return p;
        }
    }
    for p in [c, d] {
        if orient(a, b, p) == 0 && on_segment(a, b, p) {
            return p;
        }
    }
    let (ax, ay, bx, by) = (
        f64::from(a[0]),
        f64::from(a[1]),
        f64::from(b[0]),
        f64::from(b[1]),
    );
    let (cx, cy, dx, dy) = (
        f64::from(c[0]),
        f64::from(c[1]),
        f64::from(d[0]),
        f64::from(d[1]),
    );
    let den = (bx - ax) * (dy - cy) - (by - ay) * (dx - cx);
    if den == 0.0 {
        return a;
    }
    let t = ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / den;
    [(ax + t * (bx - ax)) as i32, (ay + t * (by - ay)) as i32]
}

/// Makes outer rings counter-clockwise and holes clockwise (RFC 7946 §3.1.6), so that
/// the stored geometry does not depend on the source's winding.
pub(crate) fn normalise_winding(polys: &mut [Vec<Vec<Pt>>]) {
    for poly in polys {
        for (ri, ring) in poly.iter_mut().enumerate() {
            let ccw = ring_area2(ring) > 0;
            if ccw != (ri == 0) {
                ring.reverse();
            }
        }
    }
}

/// Y-stripes of one polygon (tidwall/tg's `YStripes`): the polygon's y-range cut into
/// equal stripes, each listing every edge whose y-range meets it. A point's stripe
/// holds every edge its horizontal ray can meet, so a covers test reads one stripe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stripes {
    /// Bounding box of the polygon.
    pub bbox: [i32; 4],
    /// Stripe height in fixed-point units (≥ 1).
    pub height: u32,
    /// `offsets[k]..offsets[k + 1]` are stripe `k`'s entries.
    pub offsets: Vec<u32>,
    /// Edges, grouped by stripe.
    pub entries: Vec<Edge>,
}

/// Average edges per stripe to aim for: fewer stripes keep the file small (long edges
/// are copied into every stripe they cross), more keep the scan short.
const EDGES_PER_STRIPE: usize = 8;

impl Stripes {
    /// Builds stripes over the edges of a polygon's closed rings.
    pub(crate) fn build(rings: &[Vec<Pt>]) -> Stripes {
        let b = bbox(rings.iter().flatten());
        let span = i64::from(b[3]) - i64::from(b[1]) + 1;
        let edge_count: usize = rings.iter().map(|r| r.len().saturating_sub(1)).sum();
        let mut want = (edge_count / EDGES_PER_STRIPE).clamp(1, 1 << 20) as i64;
        // Long edges are copied into every stripe they cross; a comb of tall edges
        // would make that quadratic. Halve the stripe count until the copies stay
        // within a small multiple of the edge count (realistic boundaries: ~1.3×).
        let copies = |want: i64| -> u64 {
            let height = ((span + want - 1) / want).max(1);
            rings
                .iter()
                .flat_map(|r| ring_edges(r))
                .map(|e| {
                    let lo = (i64::from(e[1].min(e[3])) - i64::from(b[1])) / height;
                    let hi = (i64::from(e[1].max(e[3])) - i64::from(b[1])) / height;
                    (hi - lo + 1) as u64
                })
                .sum()
        };
        while want > 1 && copies(want) > 16 * edge_count as u64 {
            want /= 2;
        }
        let height = ((span + want - 1) / want).max(1);
        let n = ((span + height - 1) / height) as usize;
        let stripe = |y: i32| ((i64::from(y) - i64::from(b[1])) / height) as usize;
        let mut counts = vec![0u32; n + 1];
        for ring in rings {
            for e in ring_edges(ring) {
                let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
                for k in stripe(lo)..=stripe(hi) {
                    counts[k + 1] += 1;
                }
            }
        }
        for k in 0..n {
            counts[k + 1] += counts[k];
        }
        let mut fill = counts.clone();
        let mut entries = vec![[0i32; 4]; counts[n] as usize];
        for ring in rings {
            for e in ring_edges(ring) {
                let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
                for slot in &mut fill[stripe(lo)..=stripe(hi)] {
                    entries[*slot as usize] = e;
                    *slot += 1;
                }
            }
        }
        Stripes {
            bbox: b,
            height: height as u32,
            offsets: counts,
            entries,
        }
    }

    /// The stripe holding `y`, if `y` is in the box.
    pub(crate) fn stripe_of(bbox: &[i32; 4], height: u32, count: u32, y: i32) -> Option<u32> {
        if y < bbox[1] || y > bbox[3] || height == 0 || count == 0 {
            return None;
        }
        let k = (i64::from(y) - i64::from(bbox[1])) / i64::from(height);
        Some((k as u64).min(u64::from(count) - 1) as u32)
    }

    /// Number of stripes.
    pub(crate) fn count(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    /// Classifies `p` (for tests of the structure itself).
    #[cfg(test)]
    pub(crate) fn locate(&self, p: Pt) -> Location {
        match Stripes::stripe_of(&self.bbox, self.height, self.count(), p[1]) {
            None => Location::Outside,
            Some(k) => {
                let (a, b) = (self.offsets[k as usize], self.offsets[k as usize + 1]);
                locate(self.entries[a as usize..b as usize].iter().copied(), p)
            }
        }
    }
}

/// A point strictly inside a polygon (outer ring plus holes): the middle of the widest
/// inside run of a horizontal line through the middle of the polygon that passes
/// through no vertex. `None` for a degenerate polygon.
pub(crate) fn interior_point(rings: &[Vec<Pt>]) -> Option<Pt> {
    let b = bbox(rings.iter().flatten());
    let mid = (i64::from(b[1]) + i64::from(b[3])) / 2;
    // Try lines near the middle, alternating up and down, until one misses every
    // vertex and finds an inside run at least 2 units wide.
    for step in 0..64i64 {
        let off = if step % 2 == 0 {
            step / 2
        } else {
            -(step / 2) - 1
        };
        let y = mid + off * (1 + (i64::from(b[3]) - i64::from(b[1])) / 128);
        let Ok(y) = i32::try_from(y) else { continue };
        if y <= b[1] || y >= b[3] {
            continue;
        }
        if rings.iter().flatten().any(|p| p[1] == y) {
            continue;
        }
        let mut xs: Vec<f64> = Vec::new();
        for ring in rings {
            for [x1, y1, x2, y2] in ring_edges(ring) {
                if (y1 > y) != (y2 > y) {
                    let t = (f64::from(y) - f64::from(y1)) / (f64::from(y2) - f64::from(y1));
                    xs.push(f64::from(x1) + t * (f64::from(x2) - f64::from(x1)));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        let best = xs
            .chunks_exact(2)
            .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])));
        if let Some(run) = best {
            let x = ((run[0] + run[1]) / 2.0).round() as i32;
            let p = [x, y];
            if locate(rings.iter().flat_map(|r| ring_edges(r)), p) == Location::Inside {
                return Some(p);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<Pt> {
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    }

    #[test]
    fn locate_square_inside_outside_boundary() {
        let r = [sq(0, 0, 10, 10)];
        let at = |x, y| locate(r.iter().flat_map(|r| ring_edges(r)), [x, y]);
        assert_eq!(at(5, 5), Location::Inside);
        assert_eq!(at(15, 5), Location::Outside);
        assert_eq!(at(0, 5), Location::Boundary);
        assert_eq!(at(10, 10), Location::Boundary);
        assert_eq!(at(5, 10), Location::Boundary);
        assert_eq!(at(-1, 10), Location::Outside);
        assert_eq!(at(11, 0), Location::Outside);
    }

    #[test]
    fn locate_counts_a_vertex_on_the_ray_once() {
        // A diamond: rays along y = 0 pass through its vertices (−10, 0) and (10, 0).
        let r = [vec![[0, -10], [10, 0], [0, 10], [-10, 0], [0, -10]]];
        let at = |x, y| locate(r.iter().flat_map(|r| ring_edges(r)), [x, y]);
        assert_eq!(at(-5, 0), Location::Inside);
        assert_eq!(at(-15, 0), Location::Outside);
        assert_eq!(at(-15, 10), Location::Outside);
        assert_eq!(at(0, 0), Location::Inside);
    }

    #[test]
    fn stripes_agree_with_brute_force() {
        let mut ring = Vec::new();
        for i in 0..200 {
            let a = f64::from(i) / 200.0 * std::f64::consts::TAU;
            let r = 1000.0 + 300.0 * (a * 7.0).sin();
            ring.push([(r * a.cos()) as i32, (r * a.sin()) as i32]);
        }
        ring.push(ring[0]);
        let hole = sq(-100, -100, 100, 100);
        let rings = vec![ring, hole];
        let s = Stripes::build(&rings);
        for y in (-1400..1400).step_by(37) {
            for x in (-1400..1400).step_by(41) {
                let brute = locate(rings.iter().flat_map(|r| ring_edges(r)), [x, y]);
                assert_eq!(s.locate([x, y]), brute, "{x},{y}");
            }
        }
    }

    #[test]
    fn a_comb_of_tall_edges_gets_fewer_stripes() {
        // Teeth spanning the full height: every edge would be in every stripe.
        let mut ring = vec![[0, 0]];
        for t in 0..400 {
            ring.push([2 * t + 1, 1_000_000]);
            ring.push([2 * t + 2, 0]);
        }
        ring.push([801, -10]);
        ring.push([0, -10]);
        ring.push([0, 0]);
        let s = Stripes::build(std::slice::from_ref(&ring));
        assert!(
            s.entries.len() <= 16 * ring.len(),
            "{} entries",
            s.entries.len()
        );
        let brute = locate(ring_edges(&ring), [3, 500]);
        assert_eq!(s.locate([3, 500]), brute);
    }

    #[test]
    fn validate_rejects_bow_tie_and_accepts_square() {
        assert!(validate(&[vec![sq(0, 0, 10, 10)]]).is_ok());
        let bow = vec![[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]];
        assert!(matches!(
            validate(&[vec![bow]]),
            Err(Invalid::SelfIntersection { .. })
        ));
    }

    #[test]
    fn validate_rejects_spikes_and_crossing_holes() {
        let spike = vec![[0, 0], [10, 0], [20, 0], [10, 0], [10, 10], [0, 0]];
        assert!(validate(&[vec![spike]]).is_err());
        let crossing = vec![sq(0, 0, 10, 10), sq(5, 5, 15, 15)];
        assert!(validate(&[crossing]).is_err());
        let outside = vec![sq(0, 0, 10, 10), sq(20, 20, 30, 30)];
        assert!(matches!(
            validate(&[outside]),
            Err(Invalid::HoleOutside { .. })
        ));
        let nested = [vec![sq(0, 0, 10, 10)], vec![sq(2, 2, 3, 3)]];
        assert!(matches!(
            validate(&nested),
            Err(Invalid::PolygonsOverlap { .. })
        ));
        let touching = [vec![sq(0, 0, 10, 10)], vec![sq(10, 0, 20, 10)]];
        assert!(validate(&touching).is_err(), "shared edge is an overlap");
        let corner = [vec![sq(0, 0, 10, 10)], vec![sq(10, 10, 20, 20)]];
        assert!(validate(&corner).is_ok());
    }

    #[test]
    fn interior_point_of_a_u_shape_is_inside() {
        let u = vec![
            [0, 0],
            [30, 0],
            [30, 30],
            [20, 30],
            [20, 10],
            [10, 10],
            [10, 30],
            [0, 30],
            [0, 0],
        ];
        let p = interior_point(std::slice::from_ref(&u)).unwrap();
        assert_eq!(
            locate(ring_edges(&u), p),
            Location::Inside,
            "{p:?} not inside"
        );
    }
}
