//! The size-class allocator under random workloads, used through a reference from one
//! thread (as the single-threaded components use it as their global allocator). Its
//! chunks come from an arena, so that on this 64-bit host they lie in the 4 GiB its
//! ownership map covers, as all of a component's 32-bit memory does.

#![expect(unsafe_code, reason = "drives an allocator through its raw interface")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use council_alloc::{CHUNK_ALIGN, CHUNK_SIZE, GRANULE, MAX_CLASS_SIZE, SizeClassAllocator};

/// Chunk requests from a fixed arena; everything else from System. Counts what reaches it.
struct Arena {
    start: *mut u8,
    next: Cell<usize>,
    len: usize,
    allocs: Cell<usize>,
    deallocs: Cell<usize>,
    live_bytes: Cell<isize>,
}

const ARENA_BYTES: usize = 256 << 20;

impl Arena {
    fn new() -> Arena {
        let layout = Layout::from_size_align(ARENA_BYTES, CHUNK_ALIGN).unwrap();
        // Reserved, not touched: the OS maps pages on first use.
        let start = unsafe { System.alloc(layout) };
        assert!(!start.is_null());
        Arena {
            start,
            next: Cell::new(0),
            len: ARENA_BYTES,
            allocs: Cell::new(0),
            deallocs: Cell::new(0),
            live_bytes: Cell::new(0),
        }
    }

    fn is_chunk(layout: Layout) -> bool {
        layout.size() == CHUNK_SIZE && layout.align() == CHUNK_ALIGN
    }

    fn allocator(self) -> SizeClassAllocator<Arena> {
        let base = self.start as usize;
        SizeClassAllocator::with_backing_from(self, base)
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocs.set(self.allocs.get() + 1);
        self.live_bytes
            .set(self.live_bytes.get() + layout.size() as isize);
        if Arena::is_chunk(layout) {
            let at = self.next.get();
            assert!(at + CHUNK_SIZE <= self.len, "arena exhausted");
            self.next.set(at + CHUNK_SIZE);
            unsafe { self.start.add(at) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.deallocs.set(self.deallocs.get() + 1);
        self.live_bytes
            .set(self.live_bytes.get() - layout.size() as isize);
        let in_arena =
            (self.start as usize..self.start as usize + self.len).contains(&(block as usize));
        assert_eq!(
            in_arena,
            Arena::is_chunk(layout),
            "a block went back with the wrong layout"
        );
        if !in_arena {
            unsafe { System.dealloc(block, layout) }
        }
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(ARENA_BYTES, CHUNK_ALIGN).unwrap();
        unsafe { System.dealloc(self.start, layout) };
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Live {
    block: *mut u8,
    layout: Layout,
    fill: u8,
    /// Allocated by System, as `cabi_realloc` does, not through the allocator.
    foreign: bool,
}

fn fill(live: &Live) {
    unsafe { std::ptr::write_bytes(live.block, live.fill, live.layout.size()) };
}

fn check(live: &Live) {
    let bytes = unsafe { std::slice::from_raw_parts(live.block, live.layout.size()) };
    assert!(
        bytes.iter().all(|&b| b == live.fill),
        "block {:p} ({} bytes{}) was overwritten",
        live.block,
        live.layout.size(),
        if live.foreign { ", foreign" } else { "" }
    );
}

fn random_size(rng: &mut Rng) -> usize {
    match rng.below(10) {
        0..=5 => 1 + rng.below(64),
        6..=7 => 1 + rng.below(1024),
        8 => 1 + rng.below(MAX_CLASS_SIZE),
        _ => 1 + rng.below(4 * MAX_CLASS_SIZE),
    }
}

/// Random allocations, reallocations and frees, some of blocks that System allocated
/// (as `cabi_realloc` does) and the allocator frees or grows; every live block keeps
/// its own byte pattern, so two blocks that overlapped, or a free block handed out
/// twice, would show as a changed pattern, and a block sent back to the wrong
/// allocator fails in `Arena::dealloc` or in System.
#[test]
fn random_workload_keeps_blocks_apart_and_aligned() {
    let allocator = Arena::new().allocator();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut live: Vec<Live> = Vec::new();
    for step in 0..200_000u32 {
        match rng.below(10) {
            0..=4 => {
                let align = [1, 2, 4, 8, 16, 32, 64][rng.below(7)];
                let layout = Layout::from_size_align(random_size(&mut rng), align).unwrap();
                let foreign = rng.below(8) == 0;
                let block = unsafe {
                    if foreign {
                        // Counted as the backing allocator's: it gets them back.
                        let live = &allocator.backing().live_bytes;
                        live.set(live.get() + layout.size() as isize);
                        System.alloc(layout)
                    } else {
                        allocator.alloc(layout)
                    }
                };
                assert!(!block.is_null());
                assert_eq!(block as usize % align, 0, "alignment {align}");
                let entry = Live {
                    block,
                    layout,
                    fill: step as u8,
                    foreign,
                };
                fill(&entry);
                live.push(entry);
            }
            5..=6 if !live.is_empty() => {
                let at = rng.below(live.len());
                let entry = &mut live[at];
                check(entry);
                let new_size = random_size(&mut rng);
                let block = unsafe { allocator.realloc(entry.block, entry.layout, new_size) };
                assert!(!block.is_null());
                assert_eq!(block as usize % entry.layout.align(), 0);
                // The common prefix survived the move.
                let kept = entry.layout.size().min(new_size);
                let bytes = unsafe { std::slice::from_raw_parts(block, kept) };
                assert!(bytes.iter().all(|&b| b == entry.fill));
                entry.block = block;
                entry.layout = Layout::from_size_align(new_size, entry.layout.align()).unwrap();
                entry.fill = step as u8;
                entry.foreign = false;
                fill(entry);
            }
            _ if !live.is_empty() => {
                let entry = live.swap_remove(rng.below(live.len()));
                check(&entry);
                unsafe { allocator.dealloc(entry.block, entry.layout) };
            }
            _ => {}
        }
        if step % 10_000 == 0 {
            live.iter().for_each(check);
        }
    }
    live.iter().for_each(check);
    for entry in live.drain(..) {
        unsafe { allocator.dealloc(entry.block, entry.layout) };
    }
    // Everything left with the backing allocator is chunks: large blocks went back,
    // and so did the System blocks.
    assert!(allocator.chunks() > 0);
    assert_eq!(
        allocator.backing().live_bytes.get(),
        (allocator.chunks() * CHUNK_SIZE) as isize
    );
}

/// A block the allocator did not allocate (a `cabi_realloc` block) goes back to the
/// backing allocator, however small; grown into a class, it moves into a chunk.
/// The regression behind this: with the size classes serving `cabi_realloc`,
/// wasi-libc `free()`d such a block and trapped (tests/all `api`, `portability`).
#[test]
fn blocks_it_did_not_allocate_go_back_to_the_backing_allocator() {
    let allocator = Arena::new().allocator();
    let layout = Layout::from_size_align(24, 1).unwrap();
    let foreign = unsafe { System.alloc(layout) };
    allocator.backing().live_bytes.set(24); // as if the backing had made it
    unsafe { allocator.dealloc(foreign, layout) };
    assert_eq!(allocator.backing().deallocs.get(), 1);
    assert_eq!(allocator.backing().live_bytes.get(), 0);

    let foreign = unsafe { System.alloc(layout) };
    unsafe { std::ptr::write_bytes(foreign, 9, 24) };
    allocator.backing().live_bytes.set(24);
    let moved = unsafe { allocator.realloc(foreign, layout, 40) };
    assert_ne!(
        moved, foreign,
        "a foreign block is never assumed to have room"
    );
    assert!(
        unsafe { std::slice::from_raw_parts(moved, 24) }
            .iter()
            .all(|&b| b == 9)
    );
    assert_eq!(
        allocator.backing().deallocs.get(),
        2,
        "the old block went back"
    );
    unsafe { allocator.dealloc(moved, Layout::from_size_align(40, 1).unwrap()) };
    assert_eq!(allocator.backing().deallocs.get(), 2, "the new one is ours");
}

/// A freed block is the next one handed out for its class (LIFO), and blocks of one
/// class never go back to the backing allocator.
#[test]
fn freed_blocks_are_reused_by_their_class() {
    let allocator = Arena::new().allocator();
    let layout = Layout::from_size_align(40, 8).unwrap();
    let a = unsafe { allocator.alloc(layout) };
    let b = unsafe { allocator.alloc(layout) };
    assert_eq!(b as usize - a as usize, 48, "40 bytes take a 48-byte block");
    unsafe { allocator.dealloc(a, layout) };
    assert_eq!(unsafe { allocator.alloc(layout) }, a);
    // A 33-byte request is the same class.
    unsafe { allocator.dealloc(b, layout) };
    assert_eq!(
        unsafe { allocator.alloc(Layout::from_size_align(33, 1).unwrap()) },
        b
    );
    assert_eq!(allocator.backing().allocs.get(), 1, "one chunk");
    assert_eq!(allocator.backing().deallocs.get(), 0);
}

/// Shrinking or growing within a class keeps the block; leaving it moves the data.
#[test]
fn realloc_within_a_class_keeps_the_block() {
    let allocator = Arena::new().allocator();
    let layout = Layout::from_size_align(100, 1).unwrap();
    let block = unsafe { allocator.alloc(layout) };
    unsafe { std::ptr::write_bytes(block, 7, 100) };
    // 100 and 97 are both in the 112-byte class (a string shrunk to fit).
    assert_eq!(unsafe { allocator.realloc(block, layout, 97) }, block);
    let grown = unsafe { allocator.realloc(block, Layout::from_size_align(97, 1).unwrap(), 5000) };
    assert_ne!(grown, block);
    let bytes = unsafe { std::slice::from_raw_parts(grown, 97) };
    assert!(bytes.iter().all(|&b| b == 7));
    unsafe { allocator.dealloc(grown, Layout::from_size_align(5000, 1).unwrap()) };
}

/// Requests above the largest class, or aligned over 16, are the backing
/// allocator's, both ways.
#[test]
fn large_and_over_aligned_requests_pass_through() {
    let allocator = Arena::new().allocator();
    for layout in [
        Layout::from_size_align(MAX_CLASS_SIZE + 1, 8).unwrap(),
        Layout::from_size_align(64, 4 * GRANULE).unwrap(),
    ] {
        let before = allocator.backing().allocs.get();
        let block = unsafe { allocator.alloc(layout) };
        assert_eq!(allocator.backing().allocs.get(), before + 1);
        assert_eq!(block as usize % layout.align(), 0);
        unsafe { allocator.dealloc(block, layout) };
        assert_eq!(allocator.backing().live_bytes.get(), 0);
    }
    assert_eq!(allocator.chunks(), 0);
}

/// When a chunk runs out, what is left of it is kept on the free lists: a run of
/// 16 KiB blocks then 16-byte blocks takes no more chunks than the bytes need.
#[test]
fn the_end_of_a_used_up_chunk_is_not_lost() {
    let allocator = Arena::new().allocator();
    let small = Layout::from_size_align(16, 16).unwrap();
    let big = Layout::from_size_align(MAX_CLASS_SIZE, 16).unwrap();
    // 48 bytes into the first chunk, then 16 KiB blocks: the last of a chunk's worth
    // no longer fits, leaving 16 KiB - 48 bytes, which must serve the small requests
    // after it.
    for _ in 0..3 {
        unsafe { allocator.alloc(small) };
    }
    for _ in 0..CHUNK_SIZE / MAX_CLASS_SIZE {
        unsafe { allocator.alloc(big) };
    }
    assert_eq!(allocator.chunks(), 2);
    for _ in 0..(MAX_CLASS_SIZE - 48) / 16 {
        unsafe { allocator.alloc(small) };
    }
    assert_eq!(allocator.chunks(), 2, "the first chunk's end served them");
}

/// Where the ownership map cannot cover a chunk (System's addresses on a 64-bit
/// host, with the map at 0), the allocator serves everything from the backing
/// allocator and stays correct.
#[test]
fn chunks_outside_the_map_fall_back_to_the_backing_allocator() {
    let allocator = SizeClassAllocator::new();
    let mut blocks = Vec::new();
    for size in [1, 16, 17, 1000, 5000, MAX_CLASS_SIZE, MAX_CLASS_SIZE + 1] {
        let layout = Layout::from_size_align(size, 8).unwrap();
        let block = unsafe { allocator.alloc(layout) };
        assert!(!block.is_null());
        unsafe { std::ptr::write_bytes(block, size as u8, size) };
        blocks.push((block, layout));
    }
    assert_eq!(allocator.chunks(), 0);
    for (block, layout) in blocks {
        let grown = unsafe { allocator.realloc(block, layout, layout.size() + 3) };
        let bytes = unsafe { std::slice::from_raw_parts(grown, layout.size()) };
        assert!(bytes.iter().all(|&b| b == layout.size() as u8));
        unsafe {
            allocator.dealloc(
                grown,
                Layout::from_size_align(layout.size() + 3, 8).unwrap(),
            )
        };
    }
}
