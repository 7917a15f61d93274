//! Term postings as Roaring-style containers, and the in-memory ordinal sets that
//! retrieval intersects.
//!
//! Why containers rather than delta varints: a per-request instance reads postings
//! afresh for every query, and the common words of a gazetteer (its town, `ROAD`,
//! low house numbers) are posted on a large share of all properties. Delta varints
//! had to be read and decoded whole (a million-property index read about 1 MB per
//! query for `1` alone). Here the ordinals are split by their high 16 bits into
//! chunks of 65,536; each chunk is a sorted `u16` array (up to 4,096 members) or an
//! 8 KiB bitmap. A term's container directory says which chunks it has, so an
//! intersection reads only the chunks the current candidates touch, and testing a
//! candidate against a dense word is one bit, not a decode.
//!
//! On disk, per term (at its postings offset, `p_len` bytes):
//!
//! ```text
//! u32 container count n
//! n × (u16 chunk key, u16 cardinality − 1, u32 offset of the container from the term's start)
//! containers: cardinality ≤ 4096: cardinality × u16 (low 16 bits, ascending)
//!             otherwise: 8192-byte bitmap (bit i of byte i/8 = low bits i, LSB first)
//! ```

/// Members a container holds as an array before it becomes a bitmap.
pub(crate) const ARRAY_MAX: usize = 4096;
/// Size of a bitmap container.
pub(crate) const BITMAP_BYTES: usize = 8192;
const WORDS: usize = BITMAP_BYTES / 8;

/// Bytes a container of this cardinality takes on disk.
pub(crate) fn container_size(card: u32) -> u64 {
    if card as usize > ARRAY_MAX {
        BITMAP_BYTES as u64
    } else {
        2 * card as u64
    }
}

/// Directory bytes for `n` containers.
pub(crate) fn dir_size(n: u64) -> u64 {
    4 + 8 * n
}

/// Appends the encoding of sorted, distinct ordinals.
pub(crate) fn encode(ords: &[u32], out: &mut Vec<u8>) {
    let mut chunks: Vec<(u16, &[u32])> = Vec::new();
    let mut i = 0;
    while i < ords.len() {
        let key = (ords[i] >> 16) as u16;
        let n = ords[i..].partition_point(|&o| (o >> 16) as u16 == key);
        chunks.push((key, &ords[i..i + n]));
        i += n;
    }
    out.extend_from_slice(&(chunks.len() as u32).to_le_bytes());
    let mut off = dir_size(chunks.len() as u64);
    for (key, c) in &chunks {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&((c.len() - 1) as u16).to_le_bytes());
        out.extend_from_slice(&(off as u32).to_le_bytes());
        off += container_size(c.len() as u32);
    }
    for (_, c) in &chunks {
        if c.len() > ARRAY_MAX {
            let mut bits = vec![0u8; BITMAP_BYTES];
            for &o in *c {
                let low = (o & 0xFFFF) as usize;
                bits[low / 8] |= 1 << (low % 8);
            }
            out.extend_from_slice(&bits);
        } else {
            for &o in *c {
                out.extend_from_slice(&((o & 0xFFFF) as u16).to_le_bytes());
            }
        }
    }
}

/// One container as listed in a term's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContainerRef {
    pub(crate) key: u16,
    pub(crate) card: u32,
    /// From the start of the term's postings.
    pub(crate) off: u64,
}

/// Decodes and checks a term's container directory (`head` starts at the term's
/// postings; `p_len` is their length; at most `max_chunks` containers are possible).
/// `None` when it is damaged.
pub(crate) fn decode_dir(head: &[u8], p_len: u64, max_chunks: u64) -> Option<Vec<ContainerRef>> {
    let n = u32::from_le_bytes(head.get(0..4)?.try_into().ok()?) as u64;
    if n > max_chunks || dir_size(n) > p_len || head.len() < dir_size(n) as usize {
        return None;
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut prev_key: Option<u16> = None;
    let mut end = dir_size(n);
    for i in 0..n as usize {
        let e = &head[4 + 8 * i..12 + 8 * i];
        let key = u16::from_le_bytes([e[0], e[1]]);
        let card = u16::from_le_bytes([e[2], e[3]]) as u32 + 1;
        let off = u32::from_le_bytes([e[4], e[5], e[6], e[7]]) as u64;
        // Keys ascend and containers follow each other inside the term's bytes.
        if prev_key.is_some_and(|p| p >= key) || off < end {
            return None;
        }
        end = off + container_size(card);
        if end > p_len {
            return None;
        }
        prev_key = Some(key);
        out.push(ContainerRef { key, card, off });
    }
    Some(out)
}

/// One chunk of an ordinal set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Container {
    /// Sorted, distinct low bits.
    Array(Vec<u16>),
    /// One bit per low value, with its population count.
    Bitmap(Box<[u64; WORDS]>, u32),
}

impl Container {
    /// Decodes a container's bytes. Damaged arrays (not ascending) are sorted and
    /// deduplicated rather than trusted, so set operations stay well defined.
    pub(crate) fn decode(b: &[u8], card: u32) -> Option<Container> {
        if card as usize > ARRAY_MAX {
            let b = b.get(..BITMAP_BYTES)?;
            let mut w = Box::new([0u64; WORDS]);
            for (i, c) in b.chunks_exact(8).enumerate() {
                w[i] = u64::from_le_bytes(c.try_into().ok()?);
            }
            let n = w.iter().map(|x| x.count_ones()).sum();
            Some(Container::Bitmap(w, n))
        } else {
            let b = b.get(..2 * card as usize)?;
            let mut v: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            if !v.windows(2).all(|p| p[0] < p[1]) {
                v.sort_unstable();
                v.dedup();
            }
            Some(Container::Array(v))
        }
    }

    fn len(&self) -> usize {
        match self {
            Container::Array(v) => v.len(),
            Container::Bitmap(_, n) => *n as usize,
        }
    }

    fn contains(&self, low: u16) -> bool {
        match self {
            Container::Array(v) => v.binary_search(&low).is_ok(),
            Container::Bitmap(w, _) => w[low as usize / 64] >> (low % 64) & 1 == 1,
        }
    }

    fn and(&self, other: &Container) -> Container {
        match (self, other) {
            (Container::Array(a), Container::Array(b)) => Container::Array(intersect(a, b)),
            (Container::Array(a), bm @ Container::Bitmap(..))
            | (bm @ Container::Bitmap(..), Container::Array(a)) => {
                Container::Array(a.iter().copied().filter(|&x| bm.contains(x)).collect())
            }
            (Container::Bitmap(a, _), Container::Bitmap(b, _)) => {
                let mut w = Box::new([0u64; WORDS]);
                let mut n = 0;
                for i in 0..WORDS {
                    w[i] = a[i] & b[i];
                    n += w[i].count_ones();
                }
                Container::Bitmap(w, n).shrink()
            }
        }
    }

    /// A bitmap with few members becomes an array (cheaper to test and walk).
    fn shrink(self) -> Container {
        match self {
            Container::Bitmap(w, n) if n as usize <= ARRAY_MAX => {
                Container::Array(bits(&w).collect())
            }
            c => c,
        }
    }

    fn iter(&self) -> Box<dyn Iterator<Item = u16> + '_> {
        match self {
            Container::Array(v) => Box::new(v.iter().copied()),
            Container::Bitmap(w, _) => Box::new(bits(w)),
        }
    }
}

fn bits(w: &[u64; WORDS]) -> impl Iterator<Item = u16> + '_ {
    w.iter().enumerate().flat_map(|(i, &word)| {
        let mut x = word;
        std::iter::from_fn(move || {
            if x == 0 {
                return None;
            }
            let t = x.trailing_zeros();
            x &= x - 1;
            Some((i * 64) as u16 + t as u16)
        })
    })
}

/// Intersection of two sorted lists, galloping through the longer.
fn intersect<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::new();
    let mut lo = 0;
    for &x in small {
        let mut step = 1;
        let mut hi = lo;
        while hi < large.len() && large[hi] < x {
            lo = hi;
            hi += step;
            step *= 2;
        }
        let hi = hi.min(large.len());
        let p = lo + large[lo..hi].partition_point(|&y| y < x);
        if p < large.len() && large[p] == x {
            out.push(x);
        }
        lo = p;
    }
    out
}

/// A set of property ordinals, by chunk (ascending keys, no empty chunks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrdSet {
    chunks: Vec<(u16, Container)>,
}

impl OrdSet {
    /// The ordinals of a range.
    pub(crate) fn from_range(r: std::ops::Range<u32>) -> OrdSet {
        let mut u = Union::default();
        let mut o = r.start;
        while o < r.end {
            let key = o >> 16;
            let end = r.end.min((key + 1) << 16);
            let lows: Vec<u16> = (o..end).map(|x| (x & 0xFFFF) as u16).collect();
            u.add(key as u16, Container::Array(lows));
            o = end;
        }
        u.finish()
    }

    /// Number of members.
    pub(crate) fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.1.len()).sum()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The chunk keys present.
    pub(crate) fn keys(&self) -> Vec<u16> {
        self.chunks.iter().map(|c| c.0).collect()
    }

    /// Members of both sets.
    pub(crate) fn and(&self, other: &OrdSet) -> OrdSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.chunks.len() && j < other.chunks.len() {
            let (ka, a) = &self.chunks[i];
            let (kb, b) = &other.chunks[j];
            match ka.cmp(kb) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let c = a.and(b);
                    if c.len() > 0 {
                        out.push((*ka, c));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        OrdSet { chunks: out }
    }

    /// Members in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.chunks
            .iter()
            .flat_map(|(k, c)| c.iter().map(move |low| (*k as u32) << 16 | low as u32))
    }
}

/// Builds the union of containers added chunk by chunk (in any order).
#[derive(Debug, Default)]
pub(crate) struct Union {
    parts: std::collections::BTreeMap<u16, Vec<Container>>,
}

impl Union {
    pub(crate) fn add(&mut self, key: u16, c: Container) {
        self.parts.entry(key).or_default().push(c);
    }

    pub(crate) fn finish(self) -> OrdSet {
        let mut chunks = Vec::with_capacity(self.parts.len());
        for (key, mut parts) in self.parts {
            let c = if parts.len() == 1 {
                parts.pop().unwrap_or(Container::Array(Vec::new()))
            } else if parts.iter().all(|p| matches!(p, Container::Array(_)))
                && parts.iter().map(Container::len).sum::<usize>() <= ARRAY_MAX
            {
                let mut v: Vec<u16> = Vec::new();
                for p in parts {
                    if let Container::Array(a) = p {
                        v.extend(a);
                    }
                }
                v.sort_unstable();
                v.dedup();
                Container::Array(v)
            } else {
                let mut w = Box::new([0u64; WORDS]);
                for p in &parts {
                    match p {
                        Container::Array(a) => {
                            for &x in a {
                                w[x as usize / 64] |= 1 << (x % 64);
                            }
                        }
                        Container::Bitmap(b, _) => {
                            for i in 0..WORDS {
                                w[i] |= b[i];
                            }
                        }
                    }
                }
                let n = w.iter().map(|x| x.count_ones()).sum();
                Container::Bitmap(w, n).shrink()
            };
            if c.len() > 0 {
                chunks.push((key, c));
            }
        }
        OrdSet { chunks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ords: &[u32]) -> OrdSet {
        let mut b = Vec::new();
        encode(ords, &mut b);
        let dir = decode_dir(&b, b.len() as u64, 1 << 16).unwrap();
        let mut u = Union::default();
        for c in dir {
            let off = c.off as usize;
            u.add(c.key, Container::decode(&b[off..], c.card).unwrap());
        }
        u.finish()
    }

    #[test]
    fn round_trip_and_operations() {
        // Sparse, dense (bitmap) and multi-chunk lists.
        let a: Vec<u32> = (0..200_000).filter(|x| x % 3 == 0).collect();
        let b: Vec<u32> = (0..200_000).filter(|x| x % 5 == 0).collect();
        let c: Vec<u32> = vec![3, 70_000, 70_005, 199_995];
        let (sa, sb, sc) = (set(&a), set(&b), set(&c));
        assert_eq!(sa.iter().collect::<Vec<_>>(), a);
        assert_eq!(sc.iter().collect::<Vec<_>>(), c);
        let ab: Vec<u32> = (0..200_000).filter(|x| x % 15 == 0).collect();
        assert_eq!(sa.and(&sb).iter().collect::<Vec<_>>(), ab);
        assert_eq!(sa.and(&sb).len(), ab.len());
        assert_eq!(
            sc.and(&sb).iter().collect::<Vec<_>>(),
            [70_000, 70_005, 199_995]
        );
        assert_eq!(sc.and(&sa).iter().collect::<Vec<_>>(), [3, 70_005, 199_995]);
        let mut u = Union::default();
        for s in [&sa, &sc] {
            for (k, c) in &s.chunks {
                u.add(*k, c.clone());
            }
        }
        let mut want: Vec<u32> = a.iter().chain(&c).copied().collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(u.finish().iter().collect::<Vec<_>>(), want);
        let r = OrdSet::from_range(65_530..65_540);
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            (65_530..65_540).collect::<Vec<_>>()
        );
        assert_eq!(r.keys(), [0, 1]);
    }

    #[test]
    fn damaged_directories_are_refused() {
        let mut b = Vec::new();
        encode(&[1, 2, 70_000], &mut b);
        assert!(decode_dir(&b, b.len() as u64, 2).is_some());
        assert!(
            decode_dir(&b, b.len() as u64, 1).is_none(),
            "too many chunks"
        );
        assert!(
            decode_dir(&b, b.len() as u64 - 1, 2).is_none(),
            "past the end"
        );
        let mut bad = b.clone();
        bad[4] = 9; // first key above the second
        assert!(decode_dir(&bad, bad.len() as u64, 2).is_none());
    }
}
