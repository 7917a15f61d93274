//! The index's page cache: positioned reads of a `Read + Seek` through fixed-size
//! pages kept in memory, so a query reads only the pages it touches.

use std::io::{Read, Seek, SeekFrom};

/// Why a read of the index failed; the reader reports it as
/// [`IndexError::IndexUnavailable`](crate::IndexError::IndexUnavailable).
#[derive(Debug, thiserror::Error)]
pub(super) enum ReadError {
    /// The reader failed.
    #[error("read of {len} bytes at byte {off}: {source}")]
    Io {
        len: usize,
        off: u64,
        source: std::io::Error,
    },
    /// A record points past the end of the file.
    #[error("corrupt: read of {len} bytes at {off} runs past the end ({file_len} bytes)")]
    PastEnd { len: usize, off: u64, file_len: u64 },
}

/// Default most bytes of the file an [`AreaIndex`](crate::AreaIndex) keeps in memory
/// (64 MiB).
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;
pub(super) const PAGE: u64 = 4096;
/// Reads longer than this many pages bypass the cache (whole geometries).
const DIRECT_READ_PAGES: u64 = 8;

/// Page-table entries per leaf: one leaf maps 2 MiB of the file.
const TABLE_LEAF: usize = 512;
/// Cache pages per slab chunk (32 KiB).
const CHUNK_PAGES: usize = 8;

/// Positioned reads over a `Read + Seek` with a page cache: a per-request instance
/// reads only the pages a lookup touches; a long-lived one serves warm lookups from
/// memory. Pages live in fixed chunks of a slab, found through a two-level page table
/// (no hashing).
///
/// Memory grows with the pages read, never with the file: a WASI component gets a
/// fresh linear memory for every request, where each allocated byte is zeroed and
/// each new page of memory costs a page fault, and growing one buffer by
/// reallocation copies it. So table leaves are allocated on first use and the slab
/// grows by whole chunks that never move; a lookup that reads 30 pages allocates
/// about 130 KiB, not a 176 KiB table for a 180 MB file plus a slab copied on each
/// doubling.
pub(super) struct Pages<R> {
    reader: R,
    len: u64,
    /// Page number / `TABLE_LEAF` → leaf of (page number % `TABLE_LEAF`) → slot + 1
    /// (0: not loaded); `None` until a page of the leaf is loaded.
    table: Vec<Option<Box<[u32]>>>,
    /// Loaded pages, `CHUNK_PAGES` slots of `PAGE` bytes per chunk (the last page of
    /// the file zero-padded).
    chunks: Vec<Box<[u8]>>,
    /// Slot → the page it holds, for eviction.
    slot_page: Vec<u64>,
    /// The next slot to reuse once the slab is full (first in, first out).
    next_victim: usize,
    pub(super) max_pages: usize,
    scratch: Vec<u8>,
}

impl<R: Read + Seek> Pages<R> {
    pub(super) fn new(reader: R, len: u64) -> Self {
        Pages {
            reader,
            len,
            table: (0..(len.div_ceil(PAGE) as usize).div_ceil(TABLE_LEAF))
                .map(|_| None)
                .collect(),
            chunks: Vec::new(),
            slot_page: Vec::new(),
            next_victim: 0,
            max_pages: DEFAULT_CACHE_BYTES / PAGE as usize,
            scratch: Vec::new(),
        }
    }

    fn raw_read(&mut self, off: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        self.reader
            .seek(SeekFrom::Start(off))
            .and_then(|_| self.reader.read_exact(buf))
            .map_err(|source| ReadError::Io {
                len: buf.len(),
                off,
                source,
            })
    }

    /// The slot holding page `n` + 1, or 0.
    fn lookup(&self, n: u64) -> u32 {
        let n = n as usize;
        self.table[n / TABLE_LEAF]
            .as_ref()
            .map_or(0, |leaf| leaf[n % TABLE_LEAF])
    }

    fn set(&mut self, n: u64, value: u32) {
        let n = n as usize;
        let leaf = self.table[n / TABLE_LEAF]
            .get_or_insert_with(|| vec![0; TABLE_LEAF].into_boxed_slice());
        leaf[n % TABLE_LEAF] = value;
    }

    /// The bytes of a slot.
    fn slot(&self, slot: usize) -> &[u8] {
        let at = (slot % CHUNK_PAGES) * PAGE as usize;
        &self.chunks[slot / CHUNK_PAGES][at..at + PAGE as usize]
    }

    /// The slot of page `n`, reading it if needed.
    fn page(&mut self, n: u64) -> Result<usize, ReadError> {
        let slot = self.lookup(n);
        if slot != 0 {
            return Ok(slot as usize - 1);
        }
        let page = PAGE as usize;
        let slot = if self.slot_page.len() < self.max_pages {
            let slot = self.slot_page.len();
            if slot / CHUNK_PAGES == self.chunks.len() {
                // A new chunk, zeroed; it never moves.
                self.chunks
                    .push(vec![0; CHUNK_PAGES * page].into_boxed_slice());
            }
            self.slot_page.push(n);
            slot
        } else {
            // Full: reuse the oldest slot (FIFO keeps the hot R-tree pages, which are
            // read first and often, only until they come round; good enough for a
            // cache that lookups rarely fill).
            let victim = self.next_victim % self.max_pages.min(self.slot_page.len());
            self.next_victim = victim + 1;
            let old = self.slot_page[victim];
            if self.lookup(old) as usize == victim + 1 {
                self.set(old, 0);
            }
            self.slot_page[victim] = n;
            victim
        };
        let start = n * PAGE;
        let len = (self.len - start).min(PAGE) as usize;
        let at = (slot % CHUNK_PAGES) * page;
        let mut chunk = std::mem::take(&mut self.chunks[slot / CHUNK_PAGES]);
        let r = self.raw_read(start, &mut chunk[at..at + len]);
        // Only the file's last page is short; its tail reads as zeros.
        chunk[at + len..at + page].fill(0);
        self.chunks[slot / CHUNK_PAGES] = chunk;
        r?;
        self.set(n, (slot + 1) as u32);
        Ok(slot)
    }

    /// Calls `f` with the `len` bytes at `off`: a slice of the cache when they lie in
    /// one page, else a copy. An error if they run past the end of the file.
    pub(super) fn with<T>(
        &mut self,
        off: u64,
        len: usize,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, ReadError> {
        let end = off
            .checked_add(len as u64)
            .filter(|&e| e <= self.len)
            .ok_or(ReadError::PastEnd {
                len,
                off,
                file_len: self.len,
            })?;
        if len == 0 {
            return Ok(f(&[]));
        }
        let (first, last) = (off / PAGE, (end - 1) / PAGE);
        if first == last {
            let slot = self.page(first)?;
            let at = (off % PAGE) as usize;
            return Ok(f(&self.slot(slot)[at..at + len]));
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        buf.resize(len, 0);
        if last - first >= DIRECT_READ_PAGES {
            self.raw_read(off, &mut buf)?;
        } else {
            let mut done = 0usize;
            for n in first..=last {
                let slot = self.page(n)?;
                let start = if n == first { (off % PAGE) as usize } else { 0 };
                let take = (PAGE as usize - start).min(len - done);
                buf[done..done + take].copy_from_slice(&self.slot(slot)[start..start + take]);
                done += take;
            }
        }
        let out = f(&buf);
        if buf.capacity() <= 1 << 16 {
            self.scratch = buf;
        }
        Ok(out)
    }
}
