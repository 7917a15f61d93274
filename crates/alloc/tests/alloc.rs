//! The size-class allocator under random workloads, used through a reference from one
//! thread (as the single-threaded components use it as their global allocator).

#![expect(unsafe_code, reason = "drives an allocator through its raw interface")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use council_alloc::{CHUNK_SIZE, GRANULE, MAX_CLASS_SIZE, SizeClassAllocator};

/// System, counting what reaches it.
#[derive(Default)]
struct Counting {
    allocs: Cell<usize>,
    deallocs: Cell<usize>,
    live_bytes: Cell<isize>,
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocs.set(self.allocs.get() + 1);
        self.live_bytes
            .set(self.live_bytes.get() + layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.deallocs.set(self.deallocs.get() + 1);
        self.live_bytes
            .set(self.live_bytes.get() - layout.size() as isize);
        unsafe { System.dealloc(block, layout) }
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
}

fn fill(live: &Live) {
    unsafe { std::ptr::write_bytes(live.block, live.fill, live.layout.size()) };
}

fn check(live: &Live) {
    let bytes = unsafe { std::slice::from_raw_parts(live.block, live.layout.size()) };
    assert!(
        bytes.iter().all(|&b| b == live.fill),
        "block {:p} ({} bytes) was overwritten",
        live.block,
        live.layout.size()
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

/// Random allocations, reallocations and frees; every live block keeps its own byte
/// pattern, so two blocks that overlapped, or a free block handed out twice, would
/// show as a changed pattern.
#[test]
fn random_workload_keeps_blocks_apart_and_aligned() {
    let allocator = SizeClassAllocator::with_backing(Counting::default());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut live: Vec<Live> = Vec::new();
    for step in 0..200_000u32 {
        match rng.below(10) {
            0..=4 => {
                let align = [1, 2, 4, 8, 16, 32, 64][rng.below(7)];
                let layout = Layout::from_size_align(random_size(&mut rng), align).unwrap();
                let block = unsafe { allocator.alloc(layout) };
                assert!(!block.is_null());
                assert_eq!(block as usize % align.max(1), 0, "alignment {align}");
                let entry = Live {
                    block,
                    layout,
                    fill: step as u8,
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
    // Everything left with the backing allocator is chunks: large blocks went back.
    let backing = allocator.backing();
    assert_eq!(
        backing.live_bytes.get(),
        (allocator.chunks() * CHUNK_SIZE) as isize
    );
}

/// A freed block is the next one handed out for its class (LIFO), and blocks of one
/// class never go back to the backing allocator.
#[test]
fn freed_blocks_are_reused_by_their_class() {
    let allocator = SizeClassAllocator::with_backing(Counting::default());
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
}

/// Shrinking or growing within a class keeps the block; leaving it moves the data.
#[test]
fn realloc_within_a_class_keeps_the_block() {
    let allocator = SizeClassAllocator::with_backing(Counting::default());
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
    let allocator = SizeClassAllocator::with_backing(Counting::default());
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
    let allocator = SizeClassAllocator::with_backing(Counting::default());
    let small = Layout::from_size_align(16, 16).unwrap();
    let big = Layout::from_size_align(MAX_CLASS_SIZE, 16).unwrap();
    // 48 bytes into the first chunk, then 16 KiB blocks: the fourth no longer fits,
    // leaving 16 KiB - 48 bytes, which must serve the small requests after it.
    for _ in 0..3 {
        unsafe { allocator.alloc(small) };
    }
    for _ in 0..4 {
        unsafe { allocator.alloc(big) };
    }
    assert_eq!(allocator.chunks(), 2);
    for _ in 0..(MAX_CLASS_SIZE - 48) / 16 {
        unsafe { allocator.alloc(small) };
    }
    assert_eq!(allocator.chunks(), 2, "the first chunk's end served them");
}
