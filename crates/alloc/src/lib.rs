//! A size-class global allocator for the single-threaded capability components on
//! `wasm32-wasip2`, and the `cabi_realloc` that must go with it ([`global_allocator!`]).
//!
//! [`SizeClassAllocator`] keeps one free list per size class (16-byte steps to 1 KiB,
//! powers of two to 16 KiB) over 256 KiB chunks from the backing allocator, and never
//! coalesces: it suits instances that live for one request. `cabi_realloc` stays
//! malloc's ([`system_cabi_realloc`]), because wasi-libc `free()`s what the host passes
//! in, and blocks this allocator did not carve are recognised by a bitmap of its chunks
//! and handed back. It is `Sync` only on WebAssembly without threads. Why it exists
//! (dlmalloc was 18 % of a postcode query), and the rules it relies on, are in
//! `docs/allocator.md`.

#![deny(missing_docs)]
#![expect(unsafe_code, reason = "a memory allocator hands out raw memory")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::fmt;
use std::ptr;

/// Block sizes below 1 KiB are multiples of this, and so is every block's address:
/// the alignment `GlobalAlloc` callers get without asking for more.
pub const GRANULE: usize = 16;
/// The largest request served from a 16-byte-granular class.
const SMALL_MAX: usize = 1024;
const SMALL_CLASSES: usize = SMALL_MAX / GRANULE;
/// log2 of the smallest power-of-two class (2 KiB).
const FIRST_POWER: u32 = 11;
/// Power-of-two classes: 2, 4, 8 and 16 KiB.
const POWER_CLASSES: usize = 4;
const CLASSES: usize = SMALL_CLASSES + POWER_CLASSES;
/// The largest request served from a class; larger ones go to the backing allocator.
pub const MAX_CLASS_SIZE: usize = 1 << (FIRST_POWER + POWER_CLASSES as u32 - 1);
/// log2 of [`CHUNK_ALIGN`].
const PAGE_SHIFT: u32 = 16;
/// Chunks are aligned to this (a WebAssembly page), the ownership map's unit.
pub const CHUNK_ALIGN: usize = 1 << PAGE_SHIFT;
/// Blocks are carved from chunks of this size taken from the backing allocator.
/// Four pages, so that the gap malloc leaves to align a chunk (up to a page, which
/// malloc reuses for its own blocks) is small beside it.
pub const CHUNK_SIZE: usize = 4 * CHUNK_ALIGN;
/// Bits in the ownership map: one per page of 4 GiB.
const MAP_BITS: usize = 1 << (32 - PAGE_SHIFT);

/// The size class serving `size` bytes, or `None` above [`MAX_CLASS_SIZE`].
fn class_of(size: usize) -> Option<usize> {
    if size <= SMALL_MAX {
        // Zero-sized requests (which `GlobalAlloc` callers may not make, but
        // `Allocator` adapters can) share the 16-byte class.
        Some(size.saturating_sub(1) / GRANULE)
    } else if size <= MAX_CLASS_SIZE {
        Some(SMALL_CLASSES + (size.next_power_of_two().trailing_zeros() - FIRST_POWER) as usize)
    } else {
        None
    }
}

/// The size of every block of `class`.
fn class_size(class: usize) -> usize {
    if class < SMALL_CLASSES {
        (class + 1) * GRANULE
    } else {
        1 << (FIRST_POWER + (class - SMALL_CLASSES) as u32)
    }
}

/// The class that serves `layout` from a chunk, if any.
fn class_for(layout: Layout) -> Option<usize> {
    class_of(layout.size()).filter(|_| layout.align() <= GRANULE)
}

/// The mutable state: a free list per class, threaded through the free blocks'
/// first word; the unused end of the current chunk; which pages are chunks.
struct Heap {
    free: [*mut u8; CLASSES],
    bump: *mut u8,
    end: *mut u8,
    chunks: usize,
    owned: [u64; MAP_BITS / 64],
}

/// A size-class allocator over a backing allocator (see the crate docs).
pub struct SizeClassAllocator<B = System> {
    heap: UnsafeCell<Heap>,
    backing: B,
    /// The address the ownership map counts 4 GiB from (0 in a 32-bit memory).
    base: usize,
}

impl SizeClassAllocator<System> {
    /// An empty allocator that takes its chunks from [`System`].
    pub const fn new() -> Self {
        Self::with_backing(System)
    }
}

impl Default for SizeClassAllocator<System> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B> SizeClassAllocator<B> {
    /// An empty allocator that takes its chunks (and large requests) from `backing`.
    pub const fn with_backing(backing: B) -> Self {
        Self::with_backing_from(backing, 0)
    }

    /// Like [`SizeClassAllocator::with_backing`], tracking chunks in the 4 GiB from
    /// `base` (a multiple of [`CHUNK_SIZE`]) instead of from address 0: for 64-bit
    /// hosts whose backing allocator serves from an arena there.
    pub const fn with_backing_from(backing: B, base: usize) -> Self {
        Self {
            heap: UnsafeCell::new(Heap {
                free: [ptr::null_mut(); CLASSES],
                bump: ptr::null_mut(),
                end: ptr::null_mut(),
                chunks: 0,
                owned: [0; MAP_BITS / 64],
            }),
            backing,
            base,
        }
    }

    /// The backing allocator.
    pub fn backing(&self) -> &B {
        &self.backing
    }

    /// How many chunks ([`CHUNK_SIZE`] bytes each) have been taken from the backing
    /// allocator so far.
    pub fn chunks(&self) -> usize {
        // SAFETY: single-threaded use (see the type's `Sync` impl); no other
        // reference into the heap is live while this reads it.
        unsafe { (*self.heap.get()).chunks }
    }

    /// The ownership map's bit for the page of `addr`, if the map covers it.
    fn page_of(&self, addr: usize) -> Option<usize> {
        let page = addr.wrapping_sub(self.base) >> PAGE_SHIFT;
        (page < MAP_BITS).then_some(page)
    }

    /// Whether `block` lies in one of this allocator's chunks.
    fn owns(&self, block: *mut u8) -> bool {
        self.page_of(block as usize).is_some_and(|page| {
            // SAFETY: single-threaded, and no `&mut Heap` is live across this call.
            let owned = unsafe { &(*self.heap.get()).owned };
            owned[page / 64] & (1 << (page % 64)) != 0
        })
    }
}

impl<B> fmt::Debug for SizeClassAllocator<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SizeClassAllocator")
            .field("chunks", &self.chunks())
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

// SAFETY: WebAssembly without the `atomics` target feature has exactly one thread, so
// the heap is never touched from two threads. Everywhere else the type stays !Sync.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
unsafe impl<B: Sync> Sync for SizeClassAllocator<B> {}

impl<B: GlobalAlloc> SizeClassAllocator<B> {
    /// A block of `class` for `layout`: the head of its free list, or carved from the
    /// chunk; or from the backing allocator if a new chunk falls outside the map.
    ///
    /// # Safety
    /// No other borrow of the heap may be live (single-threaded, not re-entered: the
    /// backing allocator never calls back into this one); `class == class_for(layout)`.
    unsafe fn alloc_class(&self, class: usize, layout: Layout) -> *mut u8 {
        // SAFETY: per the function's contract.
        let heap = unsafe { &mut *self.heap.get() };
        let head = heap.free[class];
        if !head.is_null() {
            // SAFETY: a free block's first word holds the next free block (written
            // by `push`); blocks are 16-aligned and at least 16 bytes.
            heap.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = class_size(class);
        if (heap.end as usize) - (heap.bump as usize) < size {
            let chunk_layout = Layout::from_size_align(CHUNK_SIZE, CHUNK_ALIGN)
                .expect("a chunk is a valid layout");
            // SAFETY: the layout has a non-zero size.
            let chunk = unsafe { self.backing.alloc(chunk_layout) };
            if chunk.is_null() {
                return ptr::null_mut();
            }
            let (Some(first), Some(_)) = (
                self.page_of(chunk as usize),
                self.page_of(chunk as usize + (CHUNK_SIZE - 1)),
            ) else {
                // Untrackable: serve this request from the backing allocator, whose
                // block `dealloc` will then recognise as not ours.
                // SAFETY: the chunk was just allocated with this layout; `layout` is
                // the caller's, valid for `alloc`.
                unsafe {
                    self.backing.dealloc(chunk, chunk_layout);
                    return self.backing.alloc(layout);
                }
            };
            // The rest of the old chunk goes onto free lists rather than being lost.
            let (mut rest, end) = (heap.bump, heap.end);
            while (end as usize) - (rest as usize) >= GRANULE {
                let left = (end as usize) - (rest as usize);
                let piece = if left >= 1 << FIRST_POWER {
                    1usize << (usize::BITS - 1 - left.leading_zeros()).min(FIRST_POWER + 3)
                } else {
                    (left.min(SMALL_MAX) / GRANULE) * GRANULE
                };
                let piece_class = class_of(piece).expect("a piece is within the classes");
                debug_assert_eq!(class_size(piece_class), piece);
                // SAFETY: `rest..rest + piece` lies in the old chunk's unused end.
                unsafe {
                    push(heap, rest, piece_class);
                    rest = rest.add(piece);
                }
            }
            for page in first..first + CHUNK_SIZE / CHUNK_ALIGN {
                heap.owned[page / 64] |= 1 << (page % 64);
            }
            heap.bump = chunk;
            // SAFETY: the chunk is CHUNK_SIZE bytes long.
            heap.end = unsafe { chunk.add(CHUNK_SIZE) };
            heap.chunks += 1;
        }
        let block = heap.bump;
        // SAFETY: checked above that `size` bytes are left in the chunk.
        heap.bump = unsafe { heap.bump.add(size) };
        block
    }

    /// Puts a block of ours of `class` back on its free list.
    ///
    /// # Safety
    /// `block` came from `alloc_class(class, ..)` and is no longer used; as for
    /// `alloc_class`, no other borrow of the heap is live.
    unsafe fn dealloc_class(&self, block: *mut u8, class: usize) {
        // SAFETY: per the function's contract.
        unsafe { push(&mut *self.heap.get(), block, class) }
    }
}

/// Pushes a free block onto its class's list.
///
/// # Safety
/// `block` is at least 16 bytes, 16-aligned, of `class`, in a chunk, and unused.
unsafe fn push(heap: &mut Heap, block: *mut u8, class: usize) {
    // SAFETY: per the function's contract.
    unsafe { block.cast::<*mut u8>().write(heap.free[class]) };
    heap.free[class] = block;
}

// SAFETY: blocks of a class are `class_size` bytes, 16-aligned (chunks are 64 KiB-
// aligned and every class size is a multiple of 16), and handed out to one owner at a
// time (popped from a free list or carved past `bump`). Whether a block is ours is
// decided by address (the ownership map), so blocks of the backing allocator, ours
// or from `cabi_realloc`, always go back to it with their own layout.
unsafe impl<B: GlobalAlloc> GlobalAlloc for SizeClassAllocator<B> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_for(layout) {
            // SAFETY: single-threaded (see the `Sync` impl), and not re-entered.
            Some(class) => unsafe { self.alloc_class(class, layout) },
            // SAFETY: the caller's layout is valid for `alloc`.
            None => unsafe { self.backing.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if self.owns(block) {
            let class = class_for(layout).expect("only class-sized blocks are carved");
            // SAFETY: ours, allocated with this layout, so from this class.
            unsafe { self.dealloc_class(block, class) }
        } else {
            // SAFETY: the backing allocator's block, allocated with this layout.
            unsafe { self.backing.dealloc(block, layout) }
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `new_size` with the old alignment is a valid layout (`realloc`'s
        // contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let ours = self.owns(block);
        if ours && class_for(layout) == class_for(new_layout) {
            // Same class: the block already has room (shrinking a string to fit
            // before it crosses the component boundary lands here).
            return block;
        }
        if !ours && class_for(new_layout).is_none() {
            // SAFETY: the backing allocator's block, and the caller's arguments are
            // valid for `realloc`.
            return unsafe { self.backing.realloc(block, layout, new_size) };
        }
        // SAFETY: as `alloc`.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least the smaller size and are distinct
            // (the old one is still allocated); `dealloc` sends it where it came from.
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

/// The canonical ABI's `cabi_realloc`, served by [`System`] (wasi-libc's malloc),
/// because wasi-libc frees what it receives through it with `free()` (see the crate
/// docs). A `new_len` of 0 with no old block returns `align` as a dangling, aligned
/// pointer, as wit-bindgen's does; allocation failure aborts.
///
/// # Safety
/// The canonical ABI's contract: `old_ptr`/`old_len`/`align` describe a block this
/// function returned (or `old_len` is 0), `align` is a power of two.
pub unsafe fn system_cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    let block = if old_len == 0 {
        if new_len == 0 {
            return align as *mut u8;
        }
        // SAFETY: non-zero size, power-of-two alignment (the ABI's contract).
        unsafe { System.alloc(Layout::from_size_align_unchecked(new_len, align)) }
    } else {
        // SAFETY: a block of ours with this layout (the ABI's contract).
        unsafe {
            System.realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if block.is_null() {
        std::process::abort();
    }
    block
}

/// Makes [`SizeClassAllocator`] the crate's global allocator and exports the
/// matching `cabi_realloc` ([`system_cabi_realloc`]), which overrides the weak ones
/// of std and wit-bindgen (they allocate through the global allocator, whose blocks
/// wasi-libc must not `free`). Use it once, in a component's `lib.rs`; it expands to
/// nothing on other targets.
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
        #[global_allocator]
        static GLOBAL_ALLOCATOR: $crate::SizeClassAllocator = $crate::SizeClassAllocator::new();

        /// The canonical ABI's allocation function, served by malloc (council-alloc).
        #[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
        #[allow(
            unsafe_code,
            reason = "the canonical ABI's exported allocation function"
        )]
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn cabi_realloc(
            old_ptr: *mut u8,
            old_len: usize,
            align: usize,
            new_len: usize,
        ) -> *mut u8 {
            // SAFETY: the caller (the host, per the canonical ABI) keeps its contract.
            unsafe { $crate::system_cabi_realloc(old_ptr, old_len, align, new_len) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_size_with_the_least_block() {
        assert_eq!(class_size(class_of(0).unwrap()), 16);
        assert_eq!(class_size(class_of(1).unwrap()), 16);
        assert_eq!(class_size(class_of(16).unwrap()), 16);
        assert_eq!(class_size(class_of(17).unwrap()), 32);
        assert_eq!(class_size(class_of(1024).unwrap()), 1024);
        assert_eq!(class_size(class_of(1025).unwrap()), 2048);
        assert_eq!(class_size(class_of(2049).unwrap()), 4096);
        assert_eq!(class_size(class_of(MAX_CLASS_SIZE).unwrap()), 16384);
        assert_eq!(class_of(MAX_CLASS_SIZE + 1), None);
        for size in 1..=MAX_CLASS_SIZE {
            let class = class_of(size).unwrap();
            assert!(class < CLASSES);
            assert!(class_size(class) >= size, "{size}");
            assert_eq!(class_size(class) % GRANULE, 0);
            if class > 0 {
                assert!(class_size(class - 1) < size, "{size} fits a smaller class");
            }
        }
    }
}
