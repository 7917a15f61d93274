//! A size-class allocator for the capability components, which run single-threaded
//! on `wasm32-wasip2`.
//!
//! Rust's global allocator there is wasi-libc's dlmalloc. A postcode query decodes
//! dozens of records into small strings, hands them across the component boundary
//! and frees them in `cabi_post_*`; under `perf`, dlmalloc's `malloc` and `free`
//! (which coalesces neighbouring chunks on every free) were 18 % of the component's
//! time for that query, against a few per cent for glibc natively (docs/BENCHMARKS.md,
//! "Capability components vs native").
//!
//! [`SizeClassAllocator`] keeps one free list per size class: requests up to 1 KiB
//! are rounded up to a multiple of 16 bytes (64 classes), up to 16 KiB to a power of
//! two (4 classes). Allocation pops the class's list or carves the next block from
//! the current 64 KiB chunk; freeing pushes the block back. Nothing is coalesced or
//! returned: a block is reused only by its own class, so an instance's memory is the
//! sum of each class's peak, which suits instances that live for one request (Spin,
//! council-host) or a run of similar calls. Larger requests, and alignments over 16,
//! go straight to the backing allocator (by default [`System`], i.e. dlmalloc), as
//! do the chunks.
//!
//! The class is worked out from the [`Layout`] the caller passes back, which
//! `GlobalAlloc` requires to be the one the block was allocated (or reallocated)
//! with; wit-bindgen's lowering keeps to that (strings are `into_boxed_slice`d before
//! they cross, so the post-return `cabi_dealloc` passes the length they were
//! allocated with).
//!
//! The allocator is not thread-safe. It is `Sync`, so it can be a
//! `#[global_allocator]`, only on WebAssembly targets without the `atomics` feature,
//! where there is one thread; elsewhere (this crate's tests) it is used through a
//! reference from one thread.

#![deny(missing_docs)]
#![expect(unsafe_code, reason = "a memory allocator hands out raw memory")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::fmt;
use std::ptr;

/// Block sizes below [`SMALL_MAX`] are multiples of this, and so is every block's
/// address: the alignment `GlobalAlloc` callers get without asking for more.
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
/// Blocks are carved from chunks of this size taken from the backing allocator.
pub const CHUNK_SIZE: usize = 64 * 1024;

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

/// The mutable state: a free list per class, threaded through the free blocks'
/// first word, and the unused end of the current chunk.
struct Heap {
    free: [*mut u8; CLASSES],
    bump: *mut u8,
    end: *mut u8,
    chunks: usize,
}

/// A size-class allocator over a backing allocator (see the crate docs).
pub struct SizeClassAllocator<B = System> {
    heap: UnsafeCell<Heap>,
    backing: B,
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
        Self {
            heap: UnsafeCell::new(Heap {
                free: [ptr::null_mut(); CLASSES],
                bump: ptr::null_mut(),
                end: ptr::null_mut(),
                chunks: 0,
            }),
            backing,
        }
    }

    /// The backing allocator.
    pub fn backing(&self) -> &B {
        &self.backing
    }

    /// How many chunks have been taken from the backing allocator so far.
    pub fn chunks(&self) -> usize {
        // SAFETY: single-threaded use (see the type's `Sync` impl); no other
        // reference into the heap is live while this reads it.
        unsafe { (*self.heap.get()).chunks }
    }
}

impl<B> fmt::Debug for SizeClassAllocator<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SizeClassAllocator")
            .field("chunks", &self.chunks())
            .finish_non_exhaustive()
    }
}

// SAFETY: WebAssembly without the `atomics` target feature has exactly one thread, so
// the heap is never touched from two threads. Everywhere else the type stays !Sync.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
unsafe impl<B: Sync> Sync for SizeClassAllocator<B> {}

impl<B: GlobalAlloc> SizeClassAllocator<B> {
    /// A block of `class`: the head of its free list, or carved from the chunk.
    ///
    /// # Safety
    /// No other borrow of the heap may be live (single-threaded, not re-entered: the
    /// backing allocator never calls back into this one).
    unsafe fn alloc_class(&self, class: usize) -> *mut u8 {
        // SAFETY: per the function's contract.
        let heap = unsafe { &mut *self.heap.get() };
        let head = heap.free[class];
        if !head.is_null() {
            // SAFETY: a free block's first word holds the next free block (written
            // by `dealloc_class`); blocks are 16-aligned and at least 16 bytes.
            heap.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = class_size(class);
        if (heap.end as usize) - (heap.bump as usize) < size {
            // SAFETY: the layout has a non-zero size and a power-of-two alignment.
            let chunk = unsafe {
                self.backing
                    .alloc(Layout::from_size_align_unchecked(CHUNK_SIZE, GRANULE))
            };
            if chunk.is_null() {
                return ptr::null_mut();
            }
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
                    rest.cast::<*mut u8>().write(heap.free[piece_class]);
                    heap.free[piece_class] = rest;
                    rest = rest.add(piece);
                }
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

    /// Puts a block of `class` back on its free list.
    ///
    /// # Safety
    /// `block` came from `alloc_class(class)` and is no longer used; as for
    /// `alloc_class`, no other borrow of the heap is live.
    unsafe fn dealloc_class(&self, block: *mut u8, class: usize) {
        // SAFETY: per the function's contract.
        let heap = unsafe { &mut *self.heap.get() };
        // SAFETY: the block is at least 16 bytes, 16-aligned and ours again.
        unsafe { block.cast::<*mut u8>().write(heap.free[class]) };
        heap.free[class] = block;
    }
}

// SAFETY: blocks of a class are `class_size` bytes, 16-aligned (chunks are 16-aligned
// and every class size is a multiple of 16), and handed out to one owner at a time
// (popped from a free list or carved past `bump`); requests the classes cannot serve
// go to the backing allocator, with the same layout on the way back.
unsafe impl<B: GlobalAlloc> GlobalAlloc for SizeClassAllocator<B> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(layout.size()) {
            // SAFETY: single-threaded (see the `Sync` impl), and not re-entered.
            Some(class) if layout.align() <= GRANULE => unsafe { self.alloc_class(class) },
            // SAFETY: the caller's layout is valid for `alloc`.
            _ => unsafe { self.backing.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match class_of(layout.size()) {
            // SAFETY: the block was allocated with this layout, so from this class.
            Some(class) if layout.align() <= GRANULE => unsafe { self.dealloc_class(block, class) },
            // SAFETY: ... or by the backing allocator with this layout.
            _ => unsafe { self.backing.dealloc(block, layout) },
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old_class = class_of(layout.size()).filter(|_| layout.align() <= GRANULE);
        let new_class = class_of(new_size).filter(|_| layout.align() <= GRANULE);
        match (old_class, new_class) {
            // Same class: the block already has room (shrinking a string to fit
            // before it crosses the component boundary lands here).
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: both sizes are the backing allocator's, and the caller's
            // arguments are valid for `realloc`.
            (None, None) => unsafe { self.backing.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: `new_size` with the old alignment is a valid layout
                // (`realloc`'s contract).
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                // SAFETY: as `alloc`.
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and are
                    // distinct (the old one is still allocated).
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
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
