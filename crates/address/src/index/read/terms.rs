//! The term dictionary (a fence of block starts, front-coded blocks decoded once per
//! handle) and the postings of free-text search, read as Roaring-style containers
//! (`postings.rs`), only the chunks a query still needs.

use std::io::{Read, Seek};
use std::rc::Rc;

use super::super::get_varint;
use super::super::postings::{self, Container, OrdSet, Union};
use super::{AddressIndex, IndexError, le_u32, le_u64};

/// One block of the term dictionary: where it is, and its first term.
#[derive(Debug, Clone)]
pub(crate) struct FenceEntry {
    pub(crate) block_off: u64,
    pub(crate) block_len: u32,
    pub(crate) first: String,
}

/// A term's document frequency and postings position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermInfo {
    pub(crate) df: u32,
    pub(crate) p_off: u64,
    pub(crate) p_len: u64,
}

/// A decoded dictionary block: its terms in order, with their entries.
pub(super) type TermBlock = Rc<Vec<(String, TermInfo)>>;

/// Postings up to this size are read whole with their directory (one read).
const SMALL_POSTINGS: u64 = 4 * 1024;

impl<R: Read + Seek> AddressIndex<R> {
    pub(crate) fn term_fence(&self) -> Result<&[FenceEntry], IndexError> {
        if let Some(f) = self.term_fence.get() {
            return Ok(f);
        }
        let t = &self.dir.terms;
        let b = self.read_at(t.fence.offset, t.fence.len)?;
        let mut v = Vec::with_capacity(t.n_blocks as usize);
        let mut pos = 0;
        while pos < b.len() {
            if pos + 13 > b.len() {
                return Err(self.corrupt("term fence truncated"));
            }
            let off = le_u64(&b, pos);
            let len = le_u32(&b, pos + 8);
            let tl = b[pos + 12] as usize;
            pos += 13;
            let Some(term) = b.get(pos..pos + tl) else {
                return Err(self.corrupt("term fence truncated"));
            };
            // Blocks follow each other inside the dictionary.
            let prev_end = v
                .last()
                .map_or(0, |f: &FenceEntry| f.block_off + f.block_len as u64);
            if off < prev_end || off.saturating_add(len as u64) > t.blocks.len {
                return Err(self.corrupt("term fence points outside the dictionary"));
            }
            v.push(FenceEntry {
                block_off: off,
                block_len: len,
                first: String::from_utf8_lossy(term).into_owned(),
            });
            pos += tl;
        }
        Ok(self.term_fence.get_or_init(|| v))
    }

    /// Decodes term blocks `b0..=b1` into `(term, info)`: one read of the blocks this
    /// handle has not decoded yet.
    fn term_blocks(&self, b0: usize, b1: usize) -> Result<Vec<TermBlock>, IndexError> {
        let fence = self.term_fence()?;
        if fence.is_empty() || b0 > b1 || b1 >= fence.len() {
            return Ok(Vec::new());
        }
        let missing: Vec<usize> = {
            let cache = self.term_cache.borrow();
            (b0..=b1).filter(|b| !cache.contains_key(b)).collect()
        };
        if let (Some(&m0), Some(&m1)) = (missing.first(), missing.last()) {
            let start = fence[m0].block_off;
            let end = fence[m1].block_off + fence[m1].block_len as u64;
            let base = self.dir.terms.blocks.offset;
            if end > self.dir.terms.blocks.len {
                return Err(self.corrupt("term block outside the dictionary"));
            }
            let buf = self.read_at(base + start, end - start)?;
            let mut cache = self.term_cache.borrow_mut();
            for (b, fe) in fence.iter().enumerate().take(m1 + 1).skip(m0) {
                let a = (fe.block_off - start) as usize;
                let blk = &buf[a..a + fe.block_len as usize];
                let mut out = Vec::new();
                decode_block(blk, &mut out)
                    .ok_or_else(|| self.corrupt("term block does not decode"))?;
                cache.insert(b, Rc::new(out));
            }
        }
        let cache = self.term_cache.borrow();
        Ok((b0..=b1).filter_map(|b| cache.get(&b).cloned()).collect())
    }

    /// The dictionary entry of one term: fence (once per handle) and one block read.
    pub(crate) fn term(&self, term: &str) -> Result<Option<TermInfo>, IndexError> {
        let fence = self.term_fence()?;
        let b = fence.partition_point(|f| f.first.as_str() <= term);
        if b == 0 {
            return Ok(None);
        }
        Ok(self.term_blocks(b - 1, b - 1)?.iter().find_map(|blk| {
            blk.binary_search_by(|(t, _)| t.as_str().cmp(term))
                .ok()
                .map(|i| blk[i].1)
        }))
    }

    /// Every word starting with `prefix` (one read of the blocks that hold them);
    /// the precomputed prefix entries (`C*`) are not words and are left out.
    pub(crate) fn terms_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, TermInfo)>, IndexError> {
        let fence = self.term_fence()?;
        if fence.is_empty() {
            return Ok(Vec::new());
        }
        let b0 = fence
            .partition_point(|f| f.first.as_str() < prefix)
            .saturating_sub(1);
        let b1 = fence
            .partition_point(|f| f.first.as_str() < prefix || f.first.starts_with(prefix))
            .saturating_sub(1)
            .max(b0);
        Ok(self
            .term_blocks(b0, b1)?
            .iter()
            .flat_map(|blk| blk.iter())
            .filter(|(t, _)| t.starts_with(prefix) && !t.ends_with('*'))
            .cloned()
            .collect())
    }

    /// The union of the postings of several terms (a word and its variants), as one
    /// set. With `only`, just the chunks listed are read (the chunks the current
    /// candidates lie in): the directories of the terms in one merged read, then the
    /// containers needed in another.
    pub(crate) fn postings_union(
        &self,
        infos: &[TermInfo],
        only: Option<&[u16]>,
    ) -> Result<OrdSet, IndexError> {
        let base = self.dir.terms.postings.offset;
        let sec_len = self.dir.terms.postings.len;
        if infos
            .iter()
            .any(|i| i.p_off.checked_add(i.p_len).is_none_or(|e| e > sec_len))
        {
            return Err(self.corrupt("postings outside their section"));
        }
        let max_chunks = self.dir.meta.property_count.div_ceil(1 << 16).max(1);
        // A short list is read whole with its directory; a long one's directory first.
        let whole = |i: &TermInfo| i.p_len <= SMALL_POSTINGS;
        let heads: Vec<(u64, u64)> = infos
            .iter()
            .map(|i| {
                let len = if whole(i) {
                    i.p_len
                } else {
                    i.p_len.min(postings::dir_size(max_chunks))
                };
                (base + i.p_off, len)
            })
            .collect();
        let head_bufs = self.read_many(&heads)?;
        let mut union = Union::default();
        let mut wanted: Vec<(u64, u64)> = Vec::new();
        let mut wanted_refs: Vec<postings::ContainerRef> = Vec::new();
        for (info, head) in infos.iter().zip(&head_bufs) {
            let dir = postings::decode_dir(head, info.p_len, max_chunks)
                .ok_or_else(|| self.corrupt("postings directory does not decode"))?;
            for c in dir {
                if only.is_some_and(|keys| keys.binary_search(&c.key).is_err()) {
                    continue;
                }
                if whole(info) {
                    let b = head.get(c.off as usize..).unwrap_or_default();
                    let cont = Container::decode(b, c.card)
                        .ok_or_else(|| self.corrupt("postings container does not decode"))?;
                    union.add(c.key, cont);
                } else {
                    wanted.push((base + info.p_off + c.off, postings::container_size(c.card)));
                    wanted_refs.push(c);
                }
            }
        }
        for (c, b) in wanted_refs.iter().zip(self.read_many(&wanted)?) {
            let cont = Container::decode(&b, c.card)
                .ok_or_else(|| self.corrupt("postings container does not decode"))?;
            union.add(c.key, cont);
        }
        Ok(union.finish())
    }
}

fn decode_block(blk: &[u8], out: &mut Vec<(String, TermInfo)>) -> Option<()> {
    let mut p_off = u64::from_le_bytes(blk.get(0..8)?.try_into().ok()?);
    let count = u16::from_le_bytes(blk.get(8..10)?.try_into().ok()?);
    let mut pos = 10;
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let shared = *blk.get(pos)? as usize;
        let slen = *blk.get(pos + 1)? as usize;
        pos += 2;
        let suffix = blk.get(pos..pos + slen)?;
        pos += slen;
        if shared > prev.len() {
            return None;
        }
        prev.truncate(shared);
        prev.extend_from_slice(suffix);
        let df = get_varint(blk, &mut pos)?;
        let plen = get_varint(blk, &mut pos)?;
        out.push((
            String::from_utf8_lossy(&prev).into_owned(),
            TermInfo {
                df: df as u32,
                p_off,
                p_len: plen,
            },
        ));
        p_off = p_off.wrapping_add(plen);
    }
    Some(())
}
