//! A counting global allocator for this test binary: how many bytes one message made the worker
//! hold at its peak and allocate in all. The hostile runs fail on a message over either ceiling,
//! so a message that would exhaust memory or burn CPU is caught long before it aborts the process.
//! Counted per thread (tests run on several), relative to where a message started.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// What one message may make a worker hold at once beyond what it held before.
pub(crate) const PEAK_CEILING: usize = 512 << 20;
/// What one message may make a worker allocate in all (the work ceiling: every op of a plan run,
/// every share and triple dealt, allocates its result).
pub(crate) const ALLOCATED_CEILING: u64 = 4 << 30;

pub(crate) struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    // `try_with`: a thread being torn down has no counters left, and must still allocate.
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(bytes as isize);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
    let _ = ALLOCATED.try_with(|total| total.set(total.get().saturating_add(bytes as u64)));
}

fn shrank(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes as isize)));
}

// SAFETY: every call is passed to `System` unchanged; only counters are kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// What `work` made this thread hold at its peak (beyond what it held before) and allocate in all.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Usage {
    pub(crate) peak: usize,
    pub(crate) allocated: u64,
}

impl Usage {
    pub(crate) fn within_ceilings(&self) -> bool {
        self.peak <= PEAK_CEILING && self.allocated <= ALLOCATED_CEILING
    }
}

pub(crate) fn measure<T>(work: impl FnOnce() -> T) -> (T, Usage) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let allocated_before = ALLOCATED.with(Cell::get);
    let result = work();
    let peak = PEAK.with(Cell::get).saturating_sub(start).max(0) as usize;
    let allocated = ALLOCATED.with(Cell::get).saturating_sub(allocated_before);
    (result, Usage { peak, allocated })
}
